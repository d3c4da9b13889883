"""Where a search's runs are simulated: the atlas's pool (one simulation process per core, kept
for the whole search), or Ray tasks on a cluster (`--ray ADDRESS`, an optional extra), each a
one-process pool of its own. Both take the same jobs and give the same records, in job order."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from muscle_lab.core.atlas.effects import RunRecord
from muscle_lab.core.atlas.pool import AtlasCancelled, Job, RunPool
from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.simulation.integrator import IntegratorSettings
from muscle_lab.core.simulation.user_controller import ControllerError

CONTROL = "control"  # the Ray actors' concurrency group for cancel, beside the runs
Done = Callable[[int, RunRecord], None]  # (job index, its record), in the caller's thread


class TuneCancelled(Exception):
    """The search was cancelled; no simulation process is left."""


class Evaluator(Protocol):
    coordinate_names: tuple[str, ...]

    def evaluate(self, jobs: Sequence[Job], on_done: Done) -> list[RunRecord]: ...

    def kill(self) -> None: ...

    def close(self) -> None: ...


class PoolEvaluator:
    """Runs on the atlas's RunPool; its processes live until `close` (one start per search)."""

    def __init__(
        self,
        model_path: Path,
        integrator: IntegratorSettings,
        steps: int,
        cancel: threading.Event,
        workers: int | None = None,
        poses: bool = False,
    ) -> None:
        # No 300-step limit: the horizon ends a run (round 2 runs up to 1000 steps).
        self.pool = RunPool(
            model_path, integrator, steps * STEP_SECONDS, cancel, workers,
            poses=poses, moment_arms=False, keep_processes=True, time_limit=False,
        )  # fmt: skip
        self.coordinate_names: tuple[str, ...] = ()

    def evaluate(self, jobs: Sequence[Job], on_done: Done) -> list[RunRecord]:
        index = {job.key: i for i, job in enumerate(jobs)}
        records: dict[int, RunRecord] = {}

        def done(job: Job, record: RunRecord) -> None:
            records[index[job.key]] = record
            on_done(index[job.key], record)

        try:
            model = self.pool.run(jobs, done)
        except AtlasCancelled:
            raise TuneCancelled("tune cancelled") from None
        self.coordinate_names = model.coordinate_names
        return [records[i] for i in range(len(jobs))]

    def kill(self) -> None:
        self.pool.kill()

    def close(self) -> None:
        self.pool.close()

    def pids(self) -> list[int]:
        return self.pool.pids()


class RayEvaluator:
    """The same runs on Ray: `address` "local" starts a Ray of its own here (never one found
    running), else joins that cluster. One actor per CPU Ray offers (or `workers`), each keeping a
    one-process pool for the whole search and running one job at a time: its `run` and `close`
    calls are in Ray's default concurrency group (one thread), `cancel` in one of its own."""

    def __init__(
        self, address: str, model_path: Path, integrator: IntegratorSettings, steps: int, workers: int | None = None
    ) -> None:
        try:  # untyped on purpose: an optional extra, and its overloads do not fit actor options
            ray: Any = importlib.import_module("ray")
        except ImportError:
            raise RuntimeError("--ray needs Ray: pip install 'muscle_lab[ray]'") from None
        self.ray: Any = ray
        if not ray.is_initialized():
            ray.init(
                address=address,  # "local": a new Ray, even where RAY_ADDRESS or `ray start` names one
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        count = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        # Two runs at once on one actor's pool raced (the model's description went to one of them) and
        # ran two processes on one CPU: runs go one at a time, and `cancel` still gets a thread.
        actor = ray.remote(num_cpus=1, concurrency_groups={CONTROL: 1})(RayWorker)
        self.actors = [actor.remote(str(model_path), integrator, steps) for _ in range(count)]
        self.coordinate_names: tuple[str, ...] = ()

    def evaluate(self, jobs: Sequence[Job], on_done: Done) -> list[RunRecord]:
        ray = self.ray
        refs = [self.actors[i % len(self.actors)].run.remote(job) for i, job in enumerate(jobs)]
        order = {ref: i for i, ref in enumerate(refs)}
        records: dict[int, RunRecord] = {}
        waiting = list(refs)
        while waiting:
            ready, waiting = ray.wait(waiting, num_returns=1)
            try:
                answer = ray.get(ready[0])
            except ray.exceptions.RayError as error:
                self.kill()  # the jobs still queued end at once: `close` comes after them
                cause = getattr(error, "cause", None)  # what the actor raised
                if isinstance(cause, ControllerError):  # the user's code failed: its message and traceback
                    raise ControllerError(cause.message, cause.details) from None
                raise RuntimeError(str(error)) from None
            if answer is None:
                raise TuneCancelled("tune cancelled")
            records[order[ready[0]]], self.coordinate_names = answer
            on_done(order[ready[0]], records[order[ready[0]]])
        return [records[i] for i in range(len(jobs))]

    def kill(self) -> None:
        for actor in self.actors:
            actor.cancel.options(concurrency_group=CONTROL).remote()

    def close(self) -> None:
        """Each actor ends its simulation process, then the actor goes."""
        self.ray.get([actor.close.remote() for actor in self.actors])  # queued after their runs
        for actor in self.actors:
            self.ray.kill(actor)
        self.actors = []


class RayWorker:
    """A Ray actor: runs jobs one at a time on a pool of one simulation process, kept."""

    def __init__(self, model_path: str, integrator: IntegratorSettings, steps: int) -> None:
        self.cancelled = threading.Event()
        self.pool = RunPool(
            Path(model_path), integrator, steps * STEP_SECONDS, self.cancelled, 1,
            poses=False, moment_arms=False, keep_processes=True, time_limit=False,
        )  # fmt: skip

    def run(self, job: Job) -> tuple[RunRecord, tuple[str, ...]] | None:
        records: list[RunRecord] = []
        try:
            model = self.pool.run([job], lambda _job, record: records.append(record))
        except AtlasCancelled:
            return None
        return records[0], model.coordinate_names

    def cancel(self) -> None:
        self.cancelled.set()
        self.pool.kill()

    def close(self) -> None:
        self.pool.close()
