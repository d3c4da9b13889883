"""The muscle atlas: what each excitation index does, one muscle at a time.

Each muscle runs alone at `level` (the others at `base`) from the standing start, for `seconds`
or until the episode ends, and is compared with the run where all are at `base` (see
`effects` for the comparison and the sentences). Runs go in parallel, one simulation
process per core (`pool`), and are cached on disk (`cache`): a second look at the
same model, mode, level, base and duration reads them back.

Threading: `AtlasRun.run()` blocks until the atlas is done, so call it in a worker thread (a
QThread in the window); its `progress` callback is called in that thread. `AtlasRun.cancel()`
may be called from any thread: `run()` then raises `AtlasCancelled` within a fraction of a
second, with every simulation process ended. This module never imports OpenSim.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from muscle_lab.core.atlas.cache import AtlasCache, ModelIdentity, description_key, model_identity, run_key
from muscle_lab.core.atlas.effects import Effect, RunRecord, compare, joint_phrase
from muscle_lab.core.atlas.pool import AtlasCancelled, AtlasModel, Job, RunPool, core_count
from muscle_lab.core.engine_choice import mode_runs_on_opensim, requested_engine
from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.presets.sequence import ExcitationSequence
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, MODES, settings_for
from muscle_lab.core.simulation.model_file import read_model_summary

__all__ = [
    "AtlasCancelled",
    "AtlasError",
    "AtlasModel",
    "AtlasProgress",
    "AtlasResult",
    "AtlasRun",
    "AtlasSettings",
    "Effect",
    "Pattern",
    "RunRecord",
    "core_count",
    "effect_json",
    "joint_phrase",
    "run_atlas",
]


class AtlasError(ValueError):
    """Settings the atlas cannot run with."""


@dataclass(frozen=True)
class Pattern:
    """An excitation pattern run beside the muscles, e.g. the hip thrust (one value per muscle)."""

    name: str
    excitations: tuple[float, ...]  # at the start; all along unless `sequence` changes them
    sequence: ExcitationSequence | None = None  # a sequence preset's values over time, in the model's order


@dataclass(frozen=True)
class AtlasSettings:
    """What to run: the cache key too (with the model file's content)."""

    model_path: str | None = None  # None: osim-rl's prosthetic gait model
    mode: str = DEFAULT_MODE
    level: float = 1.0  # the muscle under test
    base: float = 0.0  # every other muscle, and all of them in the baseline run
    seconds: float = 0.5  # each run's length, unless its episode ends first
    patterns: tuple[Pattern, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise AtlasError(f"unknown mode {self.mode!r}; choose one of {', '.join(MODES)}")
        for name, value in (("level", self.level), ("base", self.base)):
            if not 0.0 <= value <= 1.0:  # False for NaN too
                raise AtlasError(f"{name} must be in [0, 1], got {value:g}")
        if not (math.isfinite(self.seconds) and self.seconds >= STEP_SECONDS):
            raise AtlasError(f"seconds must be at least {STEP_SECONDS:g} and finite, got {self.seconds:g}")
        for pattern in self.patterns:
            if not all(0.0 <= v <= 1.0 for v in pattern.excitations):
                raise AtlasError(f"pattern {pattern.name!r} has excitations outside [0, 1]")

    @property
    def path(self) -> Path:
        return Path(self.model_path).expanduser() if self.model_path is not None else default_model_path()


@dataclass(frozen=True)
class AtlasProgress:
    """Where a running atlas is: whole runs, and the share of all steps simulated."""

    runs_done: int
    runs_total: int
    fraction: float  # 0..1
    label: str  # the run last finished, "" before the first


@dataclass(frozen=True)
class AtlasResult:
    """Every muscle's effect (index order), the patterns', and the runs behind them."""

    settings: AtlasSettings
    model: AtlasModel
    coordinates: tuple[str, ...]  # the heat map's columns: joint angles the model does not lock, model order
    baseline: RunRecord  # all at `base`
    effects: tuple[Effect, ...]  # one per muscle
    patterns: tuple[Effect, ...]  # one per settings pattern
    wall_seconds: float
    runs_computed: int
    runs_from_cache: int
    cache_problems: tuple[str, ...] = field(default=())  # records that could not be written or read back

    @property
    def from_cache(self) -> bool:
        return self.runs_computed == 0

    def effect(self, muscle: int | str) -> Effect:
        """By index or name."""
        for effect in self.effects:
            if muscle in (effect.index, effect.name):
                return effect
        raise KeyError(f"no muscle {muscle!r} in the atlas")

    def trace(self, run: RunRecord, coordinate: str) -> tuple[np.ndarray, np.ndarray]:
        """A run's times and angles (degrees) of one joint coordinate: plot it over `self.baseline`'s."""
        column = self.model.joint_angle_names.index(coordinate)
        return np.array([f.time for f in run.frames]), np.array([f.joint_angles[column] for f in run.frames])

    def change_matrix(self) -> np.ndarray:
        """Muscles x `coordinates`: the signed change in degrees (the heat map)."""
        return np.array([[e.joint_changes_deg[c] for c in self.coordinates] for e in self.effects]).reshape(
            len(self.effects), len(self.coordinates)
        )


ProgressCallback = Callable[[AtlasProgress], None]


class AtlasRun:
    """One atlas: `run()` in a worker thread, `cancel()` from any thread.

    `workers`: simulation processes (default one per core). `cache`: where runs are kept (default
    the user data folder); `use_cache=False` neither reads nor writes it. `muscles`: only these
    muscles' runs (by index) beside the all-at-base one, e.g. the window's answer to a solo.
    """

    def __init__(
        self,
        settings: AtlasSettings,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
        cache: AtlasCache | None = None,
        use_cache: bool = True,
        muscles: Sequence[int] | None = None,
    ) -> None:
        self.settings = settings
        self.muscles = None if muscles is None else tuple(muscles)
        self.progress = progress
        self.workers = workers
        self.cache = (cache or AtlasCache()) if use_cache else None
        self._cancel = threading.Event()
        self._pool: RunPool | None = None
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        """From any thread: `run()` raises AtlasCancelled promptly, its processes ended."""
        with self._lock:
            self._cancel.set()
            if self._pool is not None:
                self._pool.kill()

    def cached(self) -> AtlasResult | None:
        """The atlas from the cache alone (no process started), or None when a run is missing."""
        return self._run(cache_only=True)

    def run(self) -> AtlasResult:
        """Blocks until every run is read from the cache or simulated.

        Raises AtlasCancelled, ModelNotFoundError / ModelFileError / ModelLoadError for a model
        that cannot be read or loaded.
        """
        result = self._run(cache_only=False)
        assert result is not None
        return result

    # -- internals ------------------------------------------------------------------------
    def _run(self, cache_only: bool) -> AtlasResult | None:
        started = time.monotonic()
        settings = self.settings
        path = settings.path
        names = read_model_summary(path).muscle_names
        identity = model_identity(path)
        jobs = self._jobs(identity, names)
        records: dict[str, RunRecord] = {}
        model: AtlasModel | None = None
        if self.cache is not None:
            model = self.cache.load(description_key(identity, _settings_key(settings.mode)), AtlasModel)
            for job in jobs:
                record = self.cache.load(job.key, RunRecord)
                if record is not None:
                    records[job.key] = record
        from_cache = len(records)
        missing = [job for job in jobs if job.key not in records]
        if model is None or missing:
            if cache_only:
                return None
            model = self._simulate(path, missing, records, len(jobs))
            if self.cache is not None:
                self.cache.save(description_key(identity, _settings_key(settings.mode)), model)
        if tuple(m.name for m in model.muscles) != names:
            raise AtlasError(f"model {path}: OpenSim lists its muscles otherwise than its file")
        return self._result(model, jobs, records, time.monotonic() - started, from_cache)

    def _jobs(self, identity: ModelIdentity, names: Sequence[str]) -> list[Job]:
        settings = self.settings
        count = len(names)
        patterns = [(p.name, p.excitations, p.sequence) for p in settings.patterns]
        for name, values, sequence in patterns:
            if len(values) != count or (sequence is not None and len(sequence.muscles) != count):
                raise AtlasError(f"pattern {name!r} has {len(values)} excitations for {count} muscles")
        solos: list[tuple[str, tuple[float, ...], ExcitationSequence | None]] = []
        for index, name in enumerate(names):
            if self.muscles is not None and index not in self.muscles:
                continue
            solo = [settings.base] * count
            solo[index] = settings.level
            solos.append((name, tuple(solo), None))
        every = [(f"all at {settings.base:g}", (settings.base,) * count, None), *solos, *patterns]
        return [
            Job(
                run_key(
                    identity, _settings_key(settings.mode), settings.seconds, names, values,
                    None if sequence is None else sequence.to_data(),
                ),
                label,
                tuple(values),
                sequence,
            )
            for label, values, sequence in every
        ]  # fmt: skip

    def _simulate(self, path: Path, jobs: list[Job], records: dict[str, RunRecord], total: int) -> AtlasModel:
        steps = max(1, round(self.settings.seconds / STEP_SECONDS))
        partial: dict[str, int] = {}

        def report(label: str) -> None:
            if self.progress is not None:
                done = len(records) + sum(partial.values()) / steps
                self.progress(AtlasProgress(len(records), total, min(1.0, done / total), label))

        def on_done(job: Job, record: RunRecord) -> None:
            partial.pop(job.key, None)
            records[job.key] = record
            if self.cache is not None:
                self.cache.save(job.key, record)
            report(job.label)

        def on_steps(job: Job, done: int) -> None:
            partial[job.key] = done
            report("")

        with self._lock:
            if self._cancel.is_set():
                raise AtlasCancelled("atlas cancelled")
            self._pool = RunPool(
                path, settings_for(self.settings.mode), self.settings.seconds, self._cancel, self.workers
            )
        report("")
        try:
            return self._pool.run(jobs, on_done, on_steps)
        finally:
            with self._lock:
                self._pool = None

    def _result(
        self, model: AtlasModel, jobs: list[Job], records: dict[str, RunRecord], wall: float, from_cache: int
    ) -> AtlasResult:
        locked = set(model.locked_joint_angles)
        coordinates = tuple(c for c in model.joint_angle_names if c not in locked)
        runs = [records[job.key] for job in jobs]
        muscles = [m for m in model.muscles if self.muscles is None or m.index in self.muscles]
        baseline, solos, patterns = runs[0], runs[1 : 1 + len(muscles)], runs[1 + len(muscles) :]
        names = model.joint_angle_names
        effects = tuple(
            compare(run, baseline, names, coordinates, muscle.index, muscle.side, model.crossed(muscle.index))
            for muscle, run in zip(muscles, solos, strict=True)
        )
        pattern_effects = tuple(compare(run, baseline, names, coordinates, None, "") for run in patterns)
        problems: tuple[str, ...] = ()
        if self.cache is not None:
            problems = (*self.cache.write_problems, *(f"{p}: unreadable, replaced" for p in self.cache.discarded))
        return AtlasResult(
            settings=self.settings,
            model=model,
            coordinates=coordinates,
            baseline=baseline,
            effects=effects,
            patterns=pattern_effects,
            wall_seconds=wall,
            runs_computed=len(jobs) - from_cache,
            runs_from_cache=from_cache,
            cache_problems=tuple(problems),
        )


def effect_json(effect: Effect) -> dict[str, object]:
    """A muscle's effect as the `atlas --json` command prints it (degrees and metres rounded)."""
    return {
        "index": effect.index,
        "muscle": effect.name,
        "side": effect.side,
        "joint_changes_deg": {name: round(value, 2) for name, value in effect.joint_changes_deg.items()},
        "main_joint": effect.main_joint,
        "pelvis_change_m": round(effect.pelvis_change_m, 4),
        "fell_at": None if effect.fell_at is None else round(effect.fell_at, 4),
    }


def run_atlas(
    settings: AtlasSettings,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
    use_cache: bool = True,
) -> AtlasResult:
    """`AtlasRun(...).run()` for callers that never cancel (commands, benchmarks, tests)."""
    return AtlasRun(settings, progress, workers, use_cache=use_cache).run()


def _settings_key(mode: str) -> str:
    """The mode's settings and, for faithful mode, the engine asked for (core.engine_choice):
    runs on the compiled engine are not OpenSim's to the last bit."""
    settings = settings_for(mode)
    return settings.key if mode_runs_on_opensim(settings) else f"{settings.key}/engine {requested_engine()}"
