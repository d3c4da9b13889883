"""The file a search resumes from: its settings, the optimiser's state and the history so far,
written atomically after every generation (JSON; the optimiser's state as base64 of its pickle,
so only resume a file you wrote yourself)."""

from __future__ import annotations

import base64
import json
import pickle
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.core.presets.sequence import ExcitationSequence, SequenceError, sequence_from_data
from muscle_lab.core.simulation.controller_parameters import Parameter, ParameterError, check_declaration
from muscle_lab.core.tune.goal import Goal
from muscle_lab.core.user_files import UserFileError, load_user_json

STATE_VERSION = 1
MAX_STATE_BYTES = 64 << 20


class TuneStateError(ValueError):
    """A state file that cannot be resumed: says which and why."""


@dataclass(frozen=True)
class Generation:
    """One generation's scores (higher is better) and the best so far after it."""

    generation: int
    evaluations: int  # so far, the start pattern's included
    best: float  # this generation's best
    mean: float
    best_so_far: float
    seconds: float  # wall time so far


@dataclass
class SavedSearch:
    """Everything a search needs to carry on where it stopped."""

    preset: str  # the preset's name, or the controller's label
    start: ExcitationSequence | None  # None when tuning a controller
    tune: str
    goal: Goal
    seed: int
    population: int | None
    sigma: float
    model_path: str | None
    mode: str
    optimiser: Any = None  # the cma.CMAEvolutionStrategy
    history: list[Generation] = field(default_factory=list)
    start_score: float | None = None
    best_score: float | None = None
    best_x: list[float] | None = None
    evaluations: int = 0
    seconds: float = 0.0
    controller: str | None = None  # FILE.py[:NAME] whose declared parameters are tuned
    parameters: tuple[Parameter, ...] = ()  # as declared when the search began


def save_state(path: str | Path, saved: SavedSearch) -> None:
    data = {
        "schema_version": STATE_VERSION,
        "preset": saved.preset,
        "muscles": list(saved.start.muscles) if saved.start is not None else None,
        "start": saved.start.to_data() if saved.start is not None else None,
        "controller": saved.controller,
        "parameters": {p.name: [p.initial, p.low, p.high] for p in saved.parameters},
        "tune": saved.tune,
        "goal": asdict(saved.goal),
        "seed": saved.seed,
        "population": saved.population,
        "sigma": saved.sigma,
        "model_path": saved.model_path,
        "mode": saved.mode,
        "history": [asdict(g) for g in saved.history],
        "start_score": saved.start_score,
        "best_score": saved.best_score,
        "best_x": saved.best_x,
        "evaluations": saved.evaluations,
        "seconds": saved.seconds,
        "optimiser": base64.b64encode(pickle.dumps(saved.optimiser)).decode("ascii"),
    }
    atomic_write_text(path, json.dumps(data, indent=1) + "\n")


def load_state(path: str | Path) -> SavedSearch:
    try:
        data = load_user_json(Path(path), MAX_STATE_BYTES)
    except UserFileError as error:
        raise TuneStateError(f"{path}: {error.reason}") from None
    try:
        if data.get("schema_version") != STATE_VERSION:
            raise TuneStateError(f"{path}: not a tune state file of version {STATE_VERSION}")
        start = sequence_from_data(data["start"], data["muscles"]) if data["start"] is not None else None
        controller = data.get("controller")
        if start is None and controller is None:
            raise TuneStateError(f"{path}: not a usable tune state: neither a start pattern nor a controller")
        return SavedSearch(
            preset=data["preset"],
            start=start,
            tune=data["tune"],
            goal=Goal(**data["goal"]),
            seed=data["seed"],
            population=data["population"],
            sigma=data["sigma"],
            model_path=data["model_path"],
            mode=data["mode"],
            optimiser=pickle.loads(base64.b64decode(data["optimiser"])),
            history=[Generation(**g) for g in data["history"]],
            start_score=data["start_score"],
            best_score=data["best_score"],
            best_x=data["best_x"],
            evaluations=data["evaluations"],
            seconds=data["seconds"],
            controller=controller,
            parameters=check_declaration(data.get("parameters", {}), str(path)) if controller is not None else (),
        )
    except TuneStateError:
        raise
    except KeyError as error:
        raise TuneStateError(f"{path}: not a usable tune state: no field {error}") from None
    except (TypeError, ValueError, AttributeError, pickle.UnpicklingError, SequenceError, ParameterError) as error:
        raise TuneStateError(f"{path}: not a usable tune state: {error}") from None
