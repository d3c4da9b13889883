"""The engine chosen for a mode (core.engine_choice says which may run): a Simulation on OpenSim
or the compiled engine, behind Simulation's interface.

Faithful mode runs on the compiled engine when the model qualifies: the reader accepts it, its
C is cached or compiles within the time limit, and casadi, scikit-sundae and gcc are there.
Under "auto" anything else runs on OpenSim with one message naming why (the declined component,
the missing piece); under "compiled" it raises EngineUnavailable. Readers that need an OpenSim
state (poses, observations, moment arms) take the engine's `state`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from muscle_lab.core.compiled.build import TIME_LIMIT_SECONDS, build_library, estimated_seconds, remembered_failure
from muscle_lab.core.compiled.codegen import CompileError, library_path
from muscle_lab.core.engine_choice import (
    EngineUnavailable,
    fallback_message,
    missing_piece,
    mode_runs_on_opensim,
    requested_engine,
    settings_declined,
)
from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation.engine import AdjustStart, Simulation
from muscle_lab.core.simulation.integrator import FAITHFUL, IntegratorSettings

if TYPE_CHECKING:
    from muscle_lab.core.compiled.engine import CompiledSimulation
    from muscle_lab.core.simulation.pose import BodyPose, PoseReader

Say = Callable[[str], None]


def say_on_stderr(message: str) -> None:
    print(f"muscle_lab: {message}", file=sys.stderr, flush=True)


def compiling_message(model_name: str, seconds: int) -> str:
    """Said (the window's status bar shows it) before a first build of a model's equations."""
    return f"compiling the model's equations for the compiled engine ({model_name}; first time only, ~{seconds} s)…"


class _Declined(Exception):
    """The compiled engine cannot run this model here: the reason, worded for the message."""


def open_engine(
    model_path: str | Path | None,
    integrator: IntegratorSettings,
    first_episode: int = 0,
    time_limit: bool = True,
    engine: str | None = None,
    say: Say = say_on_stderr,
    compile_limit: float = TIME_LIMIT_SECONDS,
) -> tuple[Simulation | CompiledSimulation, str | None]:
    """The simulation of `integrator`'s mode on the chosen engine, and the message of a fallback
    (None when there is none). Raises EngineUnavailable under "compiled" where it cannot run,
    and what Simulation raises (ModelLoadError)."""
    requested = requested_engine(engine)
    if requested == "opensim" or mode_runs_on_opensim(integrator):
        return Simulation(model_path, integrator, first_episode, time_limit), None
    try:
        why = settings_declined(integrator) or missing_piece()
        if why is not None:
            raise _Declined(why)
        return _compiled(model_path, first_episode, time_limit, say, compile_limit), None
    except _Declined as declined:
        if requested == "compiled":
            raise EngineUnavailable(f"the compiled engine cannot run faithful mode here: {declined}") from None
        simulation = Simulation(model_path, integrator, first_episode, time_limit)
        return simulation, fallback_message(simulation.model_name, str(declined))


def _compiled(
    model_path: str | Path | None, first_episode: int, time_limit: bool, say: Say, compile_limit: float
) -> CompiledSimulation:
    from muscle_lab.core.compiled.engine import CompiledSimulation  # scikit-sundae: checked present
    from muscle_lab.core.compiled.reader import UnsupportedModel, read_model
    from muscle_lab.core.simulation.model import LoadedModel

    loaded = LoadedModel(model_path, weld_locked=True)  # ModelLoadError: the same under either engine
    try:
        data = read_model(loaded.model)
    except UnsupportedModel as error:
        raise _Declined(f"it does not support the model's {error}") from None
    if not library_path(data, "rhs").is_file() and remembered_failure(data) is None:
        say(compiling_message(loaded.name, estimated_seconds(data)))
    try:
        library = build_library(data, compile_limit)
    except CompileError as error:
        raise _Declined(f"it could not be compiled ({error})") from None
    try:
        return CompiledSimulation(loaded=loaded, library=library, time_limit=time_limit, first_episode=first_episode)
    except Exception as error:  # noqa: BLE001  e.g. OpenSim finds no muscle equilibrium: OpenSim's engine says it
        raise _Declined(f"it could not start ({type(error).__name__}: {error})") from None


class ChosenSimulation:
    """Simulation's interface on the engine chosen for the current mode; a mode change may
    change the engine (faithful on the compiled engine, fast on OpenSim). `engine` is the one
    running ("compiled" or "opensim"), `engine_note` the fallback's message (or None), also the
    last of `start_warnings`. Everything else is the running engine's."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        integrator: IntegratorSettings = FAITHFUL,
        first_episode: int = 0,
        time_limit: bool = True,
        engine: str | None = None,
        say: Say = say_on_stderr,
    ) -> None:
        self.requested = requested_engine(engine)
        self._model_path, self._say = model_path, say
        inner, note = open_engine(model_path, integrator, first_episode, time_limit, self.requested, say)
        self._use(inner, integrator, note)

    def _use(self, inner: Simulation | CompiledSimulation, integrator: IntegratorSettings, note: str | None) -> None:
        self._inner = inner
        self.engine = "opensim" if isinstance(inner, Simulation) else "compiled"
        self.engine_note = note
        self.integrator = inner.integrator if isinstance(inner, Simulation) else integrator
        if isinstance(inner, Simulation):
            warnings = inner.start_warnings
        else:
            from muscle_lab.core.simulation.start_check import start_warnings

            warnings = start_warnings(inner.loaded, inner.state, inner.frame.pelvis_height)
        self.start_warnings: tuple[str, ...] = warnings + ((note,) if note else ())

    @property
    def inner(self) -> Simulation | CompiledSimulation:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # only for what this class does not define itself

    def read_pose(self, reader: PoseReader, deferred: bool = False) -> BodyPose:
        """The drawn pose of the current state, read by the running engine (the compiled one
        computes it from its own state, or with `deferred` keeps that state to build it later)."""
        return self._inner.read_pose(reader, deferred)

    @property
    def time_limit(self) -> bool:
        return self._inner.time_limit

    @time_limit.setter
    def time_limit(self, on: bool) -> None:
        self._inner.time_limit = on

    def reset(self, held_controls: Iterable[float] | None = None, adjust_start: AdjustStart | None = None) -> Frame:
        if isinstance(self._inner, Simulation):
            return self._inner.reset(None if held_controls is None else list(held_controls), adjust_start)
        return self._inner.reset(adjust_start=adjust_start)

    def change_integrator(self, integrator: IntegratorSettings) -> Frame:
        """Switch mode and start a new episode; the engine changes where the mode asks for it
        (a new engine keeps the excitations and the episode count)."""
        inner = self._inner
        stays_on_opensim = self.requested == "opensim" or mode_runs_on_opensim(integrator)
        if isinstance(inner, Simulation) and stays_on_opensim:
            frame = inner.change_integrator(integrator)
            self._use(inner, integrator, None)
            return frame
        replacement, note = open_engine(
            self._model_path, integrator, inner.episode + 1, inner.time_limit, self.requested, self._say
        )
        replacement.set_excitations(inner.excitations)
        if note:
            self._say(note)
        self._use(replacement, integrator, note)
        return replacement.frame
