"""Which engine runs faithful mode: OpenSim's integrator, or the compiled engine (issue 22).

"auto" (the default) runs the compiled engine where the model qualifies and OpenSim elsewhere,
saying why once; "compiled" fails clearly where it cannot run; "opensim" never tries it.
Reference and fast modes always run on OpenSim (reference is osim-rl's own stepping; fast has
other muscles). MUSCLE_LAB_ENGINE sets the default where no engine is asked for (the window).
Importable without OpenSim: the window's process reads it; core.compiled.choose builds.
"""

from __future__ import annotations

import importlib.util
import os
import shutil

from muscle_lab.core.errors import ModelLoadError
from muscle_lab.core.simulation.integrator import FAITHFUL, IntegratorSettings

ENGINES = ("auto", "opensim", "compiled")
DEFAULT_ENGINE = "auto"
ENGINE_VARIABLE = "MUSCLE_LAB_ENGINE"


class EngineUnavailable(ModelLoadError):
    """engine="compiled" where the compiled engine cannot run, or an unknown engine: the reason
    is in the message (a ModelLoadError: callers already report those as the user's)."""


def requested_engine(engine: str | None = None) -> str:
    """`engine`, else MUSCLE_LAB_ENGINE, else "auto"; EngineUnavailable for another name."""
    name = engine if engine is not None else os.environ.get(ENGINE_VARIABLE) or DEFAULT_ENGINE
    if name not in ENGINES:
        source = "" if engine is not None else f" (from {ENGINE_VARIABLE})"
        raise EngineUnavailable(f"unknown engine {name!r}{source}; choose one of {', '.join(ENGINES)}")
    return name


def mode_runs_on_opensim(settings: IntegratorSettings) -> bool:
    """Reference and fast modes: OpenSim whatever the engine asked for, without a message."""
    return settings.name != FAITHFUL.name


def settings_declined(settings: IntegratorSettings) -> str | None:
    """Why faithful mode with these settings cannot run on the compiled engine, or None."""
    if settings.rigid_tendon_muscles:
        return "it runs the model's own muscles, not rigid-tendon ones"
    if not settings.weld_locked_coordinates:
        return "it welds locked coordinates, and they were asked kept as constraints"
    if settings.accuracy != FAITHFUL.accuracy:
        return f"it has tolerances of its own, and integrator accuracy {settings.accuracy:g} was asked"
    return None


def missing_piece() -> str | None:
    """What the compiled engine needs and this machine lacks (looked up, never imported: CasADi
    cannot share a process with OpenSim), or None."""
    if importlib.util.find_spec("casadi") is None:
        return "it needs casadi (pip install casadi)"
    if importlib.util.find_spec("sksundae") is None:
        return "it needs scikit-sundae (pip install scikit-sundae)"
    if c_compiler() is None:
        return "it needs a C compiler (gcc)"
    return None


def c_compiler() -> str | None:
    """The C compiler the compiled engine builds with: $CC if set (as make does), else gcc or cc."""
    chosen = os.environ.get("CC")
    if chosen:
        return shutil.which(chosen)
    return shutil.which("gcc") or shutil.which("cc")


def fallback_message(model_name: str, why: str) -> str:
    """The one message said when "auto" runs faithful mode on OpenSim instead."""
    return f"{model_name}: faithful mode runs on OpenSim, not the compiled engine: {why}"
