"""The atlas's runs in parallel: one simulation process per core, each driven by a thread.

A driving thread only waits on its process's pipe (without the GIL), so the caller's process
stays free; the results come back to the thread that called `RunPool.run`, which hands them to
its callbacks. `kill` (any thread) ends every process at once; a thread waiting on one sees it
within `POLL_SECONDS`, and `run` then raises `AtlasCancelled` after every thread has finished and
every process has been reaped.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from muscle_lab.core.atlas.effects import RunRecord
from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.muscles import MuscleInfo
from muscle_lab.core.presets.sequence import StepSchedule
from muscle_lab.core.simulation.integrator import IntegratorSettings
from muscle_lab.core.simulation.moment_arms import MomentArms
from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.user_controller import ControllerError, ControllerSpec

PROGRESS_EVERY_STEPS = 5
CROSSING_POINTS = 3  # each coordinate's range at its ends and middle: enough to see what a muscle crosses
CANCELLED = "atlas cancelled"


class AtlasCancelled(Exception):
    """The atlas was cancelled; its processes are gone."""


@dataclass(frozen=True)
class Job:
    """One run to simulate: a muscle alone, the all-at-base run or a pattern."""

    key: str  # its cache key
    label: str
    excitations: tuple[float, ...]  # held for the whole run, unless `schedule` changes them
    schedule: StepSchedule | None = None  # values over time (a sequence preset): each step's own
    controller: ControllerSpec | None = None  # a user's controller (with its parameters' values) drives instead


@dataclass(frozen=True)
class AtlasModel:
    """What the atlas needs to know of the model, read in a simulation process."""

    model_path: str
    model_name: str
    muscles: tuple[MuscleInfo, ...]
    coordinate_names: tuple[str, ...]
    joint_angle_names: tuple[str, ...]
    locked_joint_angles: tuple[str, ...]
    scene: SceneDescription  # for drawing the runs' poses (the page's animations)
    # Per muscle, its moment arms at the standing start over the coordinates it crosses (coarse:
    # CROSSING_POINTS per range); `SimulationProcess.moment_arms` gives the fine curves.
    standing_moment_arms: tuple[MomentArms, ...]

    def crossed(self, muscle_index: int) -> tuple[str, ...]:
        """The coordinates the muscle crosses (its moment arm about them is not zero)."""
        return tuple(curve.coordinate for curve in self.standing_moment_arms[muscle_index].curves)


def core_count() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class RunPool:
    """Simulates jobs on `workers` processes (default: one per core, at most one per job)."""

    def __init__(
        self,
        model_path: Path,
        integrator: IntegratorSettings,
        seconds: float,
        cancel: threading.Event,
        workers: int | None = None,
        *,
        poses: bool = True,
        moment_arms: bool = True,
        keep_processes: bool = False,
        time_limit: bool = True,
    ) -> None:
        """`poses`: keep each step's body pose (to draw the run); `moment_arms`: describe the
        standing moment arms in the AtlasModel; `keep_processes`: the processes outlive `run`, for
        the next call (a search's generations), until `close`; `time_limit`: episodes end after
        osim-rl's 300 steps (off: only a fall or `seconds` ends a run)."""
        self.model_path = model_path
        self.poses = poses
        self.moment_arms = moment_arms
        self.keep_processes = keep_processes
        self.time_limit = time_limit
        self._idle: list[SimulationProcess] = []  # kept between runs, started and described
        self.integrator = integrator
        self.steps = max(1, round(seconds / STEP_SECONDS))
        self.cancel = cancel
        self.workers = workers or core_count()
        self._stopped = threading.Event()  # set by `kill`: after a failure, or with `cancel`
        self._processes: list[SimulationProcess] = []
        self._lock = threading.Lock()
        self._running = threading.Lock()  # one `run` at a time: its model description is its own
        self._describer = threading.Lock()  # the first process to start describes the model
        self._described = False
        self.model: AtlasModel | None = None  # the description, once read

    def stopping(self) -> bool:
        return self.cancel.is_set() or self._stopped.is_set()

    def run(
        self,
        jobs: Sequence[Job],
        on_done: Callable[[Job, RunRecord], None],
        on_steps: Callable[[Job, int], None] | None = None,
    ) -> AtlasModel:
        """Simulate every job (none: just read the model); callbacks run in this thread.

        Raises AtlasCancelled once `cancel` is set, or what a process raised (ModelLoadError);
        RuntimeError while another thread's `run` is under way on this pool.
        """
        if not self._running.acquire(blocking=False):
            raise RuntimeError("this RunPool is running jobs already: one run at a time")
        try:
            return self._run(jobs, on_done, on_steps)
        finally:
            self._running.release()

    def _run(
        self,
        jobs: Sequence[Job],
        on_done: Callable[[Job, RunRecord], None],
        on_steps: Callable[[Job, int], None] | None,
    ) -> AtlasModel:
        pending: queue.SimpleQueue[Job] = queue.SimpleQueue()
        for job in jobs:
            pending.put(job)
        events: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        threads = [
            threading.Thread(target=self._work, args=(pending, events), name=f"atlas worker {n}", daemon=True)
            for n in range(max(1, min(self.workers, len(jobs))))
        ]
        model: AtlasModel | None = None
        failure: BaseException | None = None
        for thread in threads:
            thread.start()
        running = len(threads)
        try:
            while running:
                kind, value = events.get()
                if kind == "exit":
                    running -= 1
                elif kind == "error" and failure is None:
                    failure = value  # type: ignore[assignment]  # an exception, by construction
                    self.kill()
                elif kind == "model" and model is None:
                    model = value  # type: ignore[assignment]
                elif kind == "done" and not self.stopping():
                    on_done(*value)  # type: ignore[misc]
                elif kind == "steps" and on_steps is not None and not self.stopping():
                    on_steps(*value)  # type: ignore[misc]
        finally:
            if running:  # a callback raised: stop the others before leaving
                self.kill()
            for thread in threads:
                thread.join()
        if failure is not None:
            self.close()
            raise failure
        if self.stopping():
            self.close()
            raise AtlasCancelled(CANCELLED)
        model = model or self.model
        assert model is not None  # every thread that did not fail read it, or an earlier run did
        self.model = model
        return model

    def kill(self) -> None:
        """From any thread: stop handing out jobs and end every process now."""
        self._stopped.set()
        with self._lock:
            for process in self._processes:
                process.kill()

    def close(self) -> None:
        """End the processes kept between runs (`keep_processes`)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            with contextlib.suppress(Exception):
                process.close()

    def pids(self) -> list[int]:
        """The simulation processes' ids, alive or not (what a test checks are gone)."""
        with self._lock:
            return [p.pid for p in self._processes if p.pid is not None]

    # -- in the driving threads ------------------------------------------------------------
    def _work(self, pending: queue.SimpleQueue[Job], events: queue.SimpleQueue[tuple[str, object]]) -> None:
        process: SimulationProcess | None = None
        keep = False
        try:
            with self._lock:
                process = self._idle.pop() if self._idle else None
            if process is None:
                process = SimulationProcess(
                    self.model_path, self.integrator, should_abandon=self._abandon_check, start=False, poses=self.poses
                )
                process.set_time_limit_at_start(self.time_limit)
                with self._lock:
                    self._processes.append(process)
                if self.stopping():
                    return
                process.start()
                with self._describer:
                    describe, self._described = not self._described, True
                if describe:
                    events.put(("model", _model_of(process, self.moment_arms)))
            while not self.stopping():
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    keep = self.keep_processes
                    return
                try:
                    record = self._simulate(process, job, events)
                except ControllerError as error:  # which run's controller failed: its label
                    raise ControllerError(f"in run {job.label}: {error.message}", error.details) from None
                events.put(("done", (job, record)))
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread, which raises it
            if not self.stopping():
                events.put(("error", error))
        finally:
            if process is not None and keep and not self.stopping():
                with self._lock:
                    self._idle.append(process)
            elif process is not None:
                with contextlib.suppress(Exception):  # a process that never started has nothing to close
                    process.close()
            events.put(("exit", None))

    def _simulate(
        self, process: SimulationProcess, job: Job, events: queue.SimpleQueue[tuple[str, object]]
    ) -> RunRecord:
        """From the standing start for `steps` steps or until the episode ends, one step always
        in flight so that the process never waits for this thread."""
        started = time.monotonic()
        schedule = job.schedule
        if job.controller is not None or process.controller is not None:
            # Loaded afresh for every run (a new module and instance: no state carried over); it
            # raises ControllerError, as does a step it fails, which ends the whole `run`.
            process.set_controller(job.controller)
        if job.controller is None:
            process.set_excitations(job.excitations if schedule is None else schedule.for_step(0))
        frames: list[Frame] = [process.reset()]
        # The reset brings its pose (read again only if it could not).
        poses: list[BodyPose | None] = [(process.pose or process.read_pose()) if self.poses else None]
        process.send_step()
        for done in range(1, self.steps + 1):
            if done < self.steps:
                if schedule is not None:  # sent before the step, so it applies to that step
                    process.set_excitations(schedule.for_step(done))
                process.send_step()
            frame = process.receive_step()
            frames.append(frame)
            poses.append(process.pose)
            if done % PROGRESS_EVERY_STEPS == 0:
                events.put(("steps", (job, done)))
            if frame.done or frame.error:
                break
        process.discard_steps()
        excitations = np.asarray(job.excitations, dtype=float)
        return RunRecord(job.label, excitations, tuple(frames), tuple(poses), time.monotonic() - started)

    def _abandon_check(self, _elapsed: float) -> str | None:
        return CANCELLED if self.stopping() else None


def _model_of(process: SimulationProcess, moment_arms: bool = True) -> AtlasModel:
    return AtlasModel(
        model_path=str(process.model_path),
        model_name=process.model_name,
        muscles=process.muscles,
        coordinate_names=process.coordinate_names,
        joint_angle_names=process.joint_angle_names,
        locked_joint_angles=process.locked_joint_angles,
        scene=process.scene,
        standing_moment_arms=tuple(_standing_moment_arms(process, m) for m in process.muscles) if moment_arms else (),
    )


def _standing_moment_arms(process: SimulationProcess, muscle: MuscleInfo) -> MomentArms:
    """Coarse curves at the standing start; none where OpenSim cannot compute them (the main
    joint is then chosen among all of the muscle's side)."""
    try:
        return process.moment_arms(muscle.index, CROSSING_POINTS)
    except RuntimeError:  # OpenSim's errors, or a child that died (the next run starts a new one)
        return MomentArms(muscle.index, muscle.name, 0.0, float("nan"), ())
