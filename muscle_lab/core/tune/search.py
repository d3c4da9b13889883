"""A CMA-ES search (the `cma` library) over a preset's pattern or a controller's parameters, its
runs in parallel processes.

Threading: `TuneSearch.run()` blocks until the budget is spent, so the window calls it in a worker
thread; its `progress` callback runs in that thread. `cancel()` may be called from any thread:
`run()` then returns within a moment with what it found so far (`cancelled`), every simulation
process ended. The same seed gives the same search: candidates are scored in the order asked.
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from muscle_lab.core.atlas.effects import RunRecord
from muscle_lab.core.atlas.pool import Job
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.presets.sequence import ExcitationSequence
from muscle_lab.core.presets.store import PresetStore, schedule_from_preset
from muscle_lab.core.simulation.controller_parameters import Values, describe_values, read_parameters
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, MODES, settings_for
from muscle_lab.core.simulation.model_file import read_model_coordinates, read_model_summary
from muscle_lab.core.simulation.user_controller import ControllerSpec
from muscle_lab.core.tune.evaluate import Evaluator, PoolEvaluator, RayEvaluator, TuneCancelled
from muscle_lab.core.tune.goal import POSTURE, Goal, score
from muscle_lab.core.tune.posture import PostureError, check_names
from muscle_lab.core.tune.space import PARAMETERS, PHASES, VALUES, ParameterSpace, SearchSpace
from muscle_lab.core.tune.state import Generation, SavedSearch, load_state, save_state

DEFAULT_SIGMA = 0.2  # of the [0, 1] range: big enough to leave the start, small enough to stay near it


class TuneError(ValueError):
    """Settings a search cannot run with."""


@dataclass(frozen=True)
class TuneSettings:
    preset: str = "hip-thrust"
    tune: str = VALUES
    goal: Goal = field(default_factory=Goal)
    evaluations: int | None = 100  # budget: at most this many runs (whole generations, at least one)
    seconds: float | None = None  # budget: no new generation after this much wall time
    seed: int = 1
    population: int | None = None  # None: CMA-ES's default, 4 + 3 ln(size)
    sigma: float = DEFAULT_SIGMA
    model_path: str | None = None
    mode: str = DEFAULT_MODE
    workers: int | None = None  # None: one process per core
    ray: str | None = None  # a Ray address, or "local"
    poses: bool = False  # keep the body's poses of the best runs (to draw them)
    state_path: str | None = None  # written after every generation, to resume from
    controller: str | None = None  # FILE.py[:NAME]: tune the parameters its file declares, not a preset

    def __post_init__(self) -> None:
        if self.controller is not None and self.tune == PHASES:
            raise TuneError("a controller's parameters are tuned: --tune phases is for a sequence preset")
        if self.evaluations is None and self.seconds is None:
            raise TuneError("give a budget: evaluations, seconds or both")
        if self.evaluations is not None and self.evaluations < 1:
            raise TuneError(f"the budget must be at least 1 evaluation, got {self.evaluations}")
        if self.seconds is not None and not self.seconds > 0:
            raise TuneError(f"the time budget must be above 0 s, got {self.seconds:g}")
        if self.seed < 1:
            raise TuneError(f"the seed must be 1 or more (cma takes 0 as 'random'), got {self.seed}")
        if self.population is not None and self.population < 2:
            raise TuneError(f"the population must be at least 2, got {self.population}")
        if not 0 < self.sigma <= 1:
            raise TuneError(f"sigma must be in (0, 1], got {self.sigma:g}")
        if self.mode not in MODES:
            raise TuneError(f"unknown mode {self.mode!r}; choose one of {', '.join(MODES)}")


@dataclass(frozen=True)
class TuneProgress:
    """After each run (`generation` None) and each generation (its scores)."""

    evaluations: int
    budget: int | None
    generation: Generation | None = None
    best_score: float | None = None
    best: ExcitationSequence | None = None  # tuning a preset
    best_parameters: Values = ()  # tuning a controller
    best_run: RunRecord | None = None  # when the best changed in this generation
    previous_run: RunRecord | None = None  # the best before it


@dataclass
class TuneResult:
    preset: str  # the preset's name, or the controller's FILE.py[:NAME] label
    goal: Goal
    history: list[Generation]
    start_score: float
    best_score: float
    best: ExcitationSequence | None  # None when tuning a controller
    evaluations: int
    seconds: float
    cancelled: bool
    best_run: RunRecord | None = None  # None when the best was found before a resume
    controller: str | None = None  # FILE.py[:NAME] when tuning a controller's parameters
    best_parameters: Values = ()  # its parameters' best values

    def parameters_json(self) -> dict[str, Any]:
        """What `--out` writes for a controller and `run --params` reads: its best values."""
        return {"controller": self.controller, "parameters": dict(self.best_parameters), "goal": self.goal.describe(),
                "score": self.best_score}  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        if self.best is not None:
            best: dict[str, Any] = {"muscles": list(self.best.muscles), "sequence": self.best.to_data()}
        else:
            best = {"controller": self.controller, "parameters": dict(self.best_parameters)}
        return {
            "preset" if self.controller is None else "controller": self.preset,
            "goal": self.goal.describe(),
            "start_score": self.start_score,
            "best_score": self.best_score,
            "improvement": self.best_score - self.start_score,
            "evaluations": self.evaluations,
            "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled,
            "history": [g.__dict__ for g in self.history],
            "best": best,
        }


Progress = Callable[[TuneProgress], None]


class TuneSearch:
    def __init__(
        self,
        settings: TuneSettings,
        progress: Progress | None = None,
        *,
        saved: SavedSearch | None = None,
        store: PresetStore | None = None,
    ) -> None:
        self.settings = settings
        self.progress = progress
        self._cancel = threading.Event()
        self._evaluator: Evaluator | None = None
        self._started = time.monotonic()
        self._best_run: RunRecord | None = None
        self.model_path = Path(settings.model_path) if settings.model_path else default_model_path()
        self.notes: list[str] = []
        if saved is None:
            saved, self.notes = _new_search(settings, self.model_path, store)
        self.saved = saved
        self.space: SearchSpace | ParameterSpace
        self.controller = ControllerSpec.parse(saved.controller) if saved.controller else None
        if saved.controller is not None:
            self.space = ParameterSpace(saved.parameters)
        else:
            assert saved.start is not None  # a preset's search has its start pattern
            self.space = SearchSpace(saved.start, saved.tune)
        if saved.goal.kind == POSTURE:
            try:
                check_names(saved.goal.posture, read_model_coordinates(self.model_path))
            except PostureError as error:
                raise TuneError(str(error)) from None

    @classmethod
    def resume(cls, path: str | Path, settings: TuneSettings, progress: Progress | None = None) -> TuneSearch:
        """Carry on the search saved in `path`: its preset, goal, seed and optimiser; the budget,
        workers and Ray address from `settings` (the budget counts the runs done before too)."""
        saved = load_state(path)
        merged = TuneSettings(
            saved.preset, saved.tune, saved.goal, settings.evaluations, settings.seconds, saved.seed,
            saved.population, saved.sigma, saved.model_path, saved.mode, settings.workers, settings.ray,
            settings.poses, settings.state_path or str(path), saved.controller,
        )  # fmt: skip
        return cls(merged, progress, saved=saved)

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Any thread: the search stops and its simulation processes end."""
        self._cancel.set()
        evaluator = self._evaluator
        if evaluator is not None:
            evaluator.kill()

    def pids(self) -> list[int]:
        evaluator = self._evaluator
        return evaluator.pids() if isinstance(evaluator, PoolEvaluator) else []

    def run(self) -> TuneResult:
        saved, settings = self.saved, self.settings
        if saved.optimiser is None:
            options = {"seed": saved.seed, "bounds": [0.0, 1.0], "verbose": -9}
            if saved.population is not None:
                options["popsize"] = saved.population
            saved.optimiser = _cma().CMAEvolutionStrategy(self.space.x0(), saved.sigma, options)
        optimiser = saved.optimiser
        started = time.monotonic() - saved.seconds
        self._evaluator = self._make_evaluator()
        if self._cancel.is_set():
            self._evaluator.kill()
        best_run: RunRecord | None = None
        self._started = started
        try:
            if saved.start_score is None:
                record = self._evaluate([self.space.x0()], "start")[0]
                saved.start_score = saved.best_score = self._score(record)
                saved.best_x = self.space.x0().tolist()
                saved.evaluations += 1
                best_run = record
            generation_runs = 0  # generations run by this call (a resumed search counts again)
            while self._budget_left(optimiser.popsize, time.monotonic() - started) and not optimiser.stop():
                candidates = optimiser.ask()
                generation = len(saved.history) + 1
                records = self._evaluate(candidates, f"g{generation}")
                scores = [self._score(r) for r in records]
                optimiser.tell(candidates, [-s for s in scores])  # cma minimises
                saved.evaluations += len(candidates)
                top = int(np.argmax(scores))
                previous = best_run
                improved = saved.best_score is None or scores[top] > saved.best_score
                if improved:
                    saved.best_score, saved.best_x, best_run = (
                        scores[top],
                        np.asarray(candidates[top]).tolist(),
                        records[top],
                    )
                saved.seconds = time.monotonic() - started
                assert saved.best_score is not None
                record_of = Generation(
                    generation, saved.evaluations, scores[top], float(np.mean(scores)), saved.best_score, saved.seconds
                )
                saved.history.append(record_of)
                if settings.state_path:
                    save_state(settings.state_path, saved)
                shown = improved or generation_runs == 0  # the start's run is shown once, with the first generation
                self._tell(record_of, best_run if shown else None, previous if improved else None)
                generation_runs += 1
        except TuneCancelled:
            pass
        finally:
            self._evaluator.close()
        self._best_run = best_run
        return self._result(best_run, time.monotonic() - started)

    def result_so_far(self) -> TuneResult:
        """What the search found before an interruption (Ctrl+C) ended `run`."""
        return self._result(None, time.monotonic() - self._started)

    # -- helpers -------------------------------------------------------------------------
    def _make_evaluator(self) -> Evaluator:
        settings = self.settings
        integrator = settings_for(self.saved.mode)
        steps = self.saved.goal.steps
        if settings.ray is not None:
            return RayEvaluator(settings.ray, self.model_path, integrator, steps, settings.workers)
        return PoolEvaluator(self.model_path, integrator, steps, self._cancel, settings.workers, settings.poses)

    def _budget_left(self, population: int, elapsed: float) -> bool:
        if self._cancel.is_set():
            return False
        if not self.saved.history:  # a search runs at least one generation, whatever the budget
            return True
        budget = self.settings.evaluations
        if budget is not None and self.saved.evaluations + population > budget:
            return False
        return self.settings.seconds is None or elapsed < self.settings.seconds

    def _evaluate(self, candidates: list[Any], label: str) -> list[RunRecord]:
        assert self._evaluator is not None
        jobs = [self._job(np.asarray(x), f"{label}-{index}", f"{label} #{index}") for index, x in enumerate(candidates)]
        done = 0

        def on_done(_index: int, _record: RunRecord) -> None:
            nonlocal done
            done += 1
            if self.progress is not None:
                self.progress(TuneProgress(self.saved.evaluations + done, self.settings.evaluations))

        return self._evaluator.evaluate(jobs, on_done)

    def _job(self, x: np.ndarray, key: str, label: str) -> Job:
        if isinstance(self.space, ParameterSpace):
            assert self.controller is not None
            params = self.space.decode(x)
            return Job(
                key, f"{label} ({describe_values(params)})", (), controller=replace(self.controller, params=params)
            )
        sequence = self.space.decode(x)
        values = tuple(float(v) for v in sequence.for_step(0))
        return Job(key, label, values, None if sequence.is_constant else sequence)

    def _score(self, record: RunRecord) -> float:
        assert self._evaluator is not None
        value = score(self.saved.goal, record.frames, self._evaluator.coordinate_names)
        return value if math.isfinite(value) else -math.inf

    def _tell(self, generation: Generation, best_run: RunRecord | None, previous: RunRecord | None) -> None:
        if self.progress is None:
            return
        self.progress(
            TuneProgress(
                self.saved.evaluations, self.settings.evaluations, generation, self.saved.best_score,
                self._best_sequence(), self._best_parameters(), best_run, previous,
            )
        )  # fmt: skip

    def _best_x(self) -> np.ndarray:
        x = self.saved.best_x
        return np.asarray(x) if x is not None else self.space.x0()

    def _best_sequence(self) -> ExcitationSequence | None:
        return self.space.decode(self._best_x()) if isinstance(self.space, SearchSpace) else None

    def _best_parameters(self) -> Values:
        return self.space.decode(self._best_x()) if isinstance(self.space, ParameterSpace) else ()

    def _result(self, best_run: RunRecord | None, seconds: float) -> TuneResult:
        saved = self.saved
        start = saved.start_score if saved.start_score is not None else math.nan
        best = saved.best_score if saved.best_score is not None else math.nan
        return TuneResult(
            saved.preset, saved.goal, list(saved.history), start, best, self._best_sequence(), saved.evaluations,
            seconds, self._cancel.is_set(), best_run, saved.controller, self._best_parameters(),
        )  # fmt: skip


def _new_search(settings: TuneSettings, model_path: Path, store: PresetStore | None) -> tuple[SavedSearch, list[str]]:
    """A search from its start: the preset's pattern, or the controller file's declared parameters."""
    if settings.controller is not None:
        spec = ControllerSpec.parse(settings.controller)  # ControllerError: no such file
        parameters = read_parameters(spec.path)  # ParameterError: a bad declaration, named
        if not parameters:
            raise TuneError(
                f"{spec.path.name} declares no PARAMETERS: nothing to tune (declare, at module level, "
                "PARAMETERS = {'name': (initial, low, high), ...})"
            )
        saved = SavedSearch(
            spec.label, None, PARAMETERS, settings.goal, settings.seed, settings.population, settings.sigma,
            settings.model_path, settings.mode, controller=str(spec), parameters=parameters,
        )  # fmt: skip
        return saved, []
    names = read_model_summary(model_path).muscle_names
    start, notes = schedule_from_preset(settings.preset, names, store)
    saved = SavedSearch(
        settings.preset, start, settings.tune, settings.goal, settings.seed,
        settings.population, settings.sigma, settings.model_path, settings.mode,
    )  # fmt: skip
    return saved, notes


def _cma() -> Any:
    """`cma`, imported when a search starts: it imports SciPy's statistics (over a second), which
    the window, whose Tune tab imports this module, would otherwise wait for at every start."""
    with warnings.catch_warnings():
        # cma warns at import without matplotlib, which only its plots (unused here) need.
        warnings.filterwarnings("ignore", message="Could not import matplotlib", category=UserWarning)
        import cma

    return cma
