"""`SimulationProcess`'s side of what the child calls around each step: a user's controller
(loaded in the child, called before every step), the muscles it leaves to the caller, osim-rl's
observation sent with each step, and whether steps asked past an episode's end are taken; a
restarted child gets them all again."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from typing import Any, cast

import numpy as np

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.simulation.protocol import Observed
from muscle_lab.core.simulation.user_controller import (
    CALL_LIMIT_SECONDS,
    LOAD_LIMIT_SECONDS,
    ControllerError,
    SpecLike,
)


class ControllerCalls:
    """Mixed into SimulationProcess, whose `_call` and `_receive` reach the child."""

    _connection: Connection
    _process: Any
    _in_flight: int
    _discarding: bool
    _controller: tuple[SpecLike, float, float] | None
    _locked: np.ndarray | None
    _observing: bool
    _stop_at_end = False
    observation: Observed | None
    on_observation: Callable[[Observed], None] | None
    controller_dropped: ControllerError | None
    _send_reward: Callable[[], None]  # RewardCalls's
    _forget_in_flight: Callable[[], None]  # SimulationProcess's

    def _call(self, command: str, *args: object, timeout: float | None = None) -> Any:
        raise NotImplementedError

    def _receive(self, command: str, timeout: float | None = None) -> Any:
        raise NotImplementedError

    def set_stop_at_end(self, on: bool) -> None:
        """On: steps asked past an episode's end are answered with the end's frame again and not
        taken (a caller that asks steps ahead drops them: no time goes into them, and no rewind
        is needed). Off (the default), every step asked is taken, as a model that starts below
        osim-rl's done height needs. One way, like the excitations; a restarted child keeps it."""
        self._stop_at_end = on
        if self._process is not None:
            with contextlib.suppress(OSError):  # the next step reports a dead child
                self._connection.send(("stop_at_end", (on,)))

    def set_observing(self, on: bool) -> None:
        """Send osim-rl's observation with every step (and after a reset or restore) to
        `on_observation`; off, the child does not compute it (unless a controller needs it)."""
        self._observing = on
        if self._process is not None:
            with contextlib.suppress(OSError):  # the next step reports a dead child
                self._connection.send(("observe", (on,)))
            if on and not self._in_flight:
                self._observe_now()

    def set_locked(self, mask: Iterable[bool] | None) -> None:
        """Muscles (True) that keep the excitations set here while a controller drives the rest."""
        self._locked = None if mask is None else np.array(list(mask), dtype=bool)
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._connection.send(("lock", (self._locked,)))

    def set_controller(
        self, spec: SpecLike | None, call_limit: float = CALL_LIMIT_SECONDS, load_limit: float = LOAD_LIMIT_SECONDS
    ) -> str | None:
        """Load a controller (FILE.py[:NAME] or a spec with parameter values, see core.user_controller)
        in the child, which then calls it before every step with the step's observation; None drives
        by the excitations again. Returns its description. Raises ControllerError (then it has none).
        While a controller is set, a reset starts the integrator with every control at 1.0, as
        muscle_lab.env's reset does, so that an episode from a reset is the environment's."""
        self.controller_dropped = None
        try:
            description = cast("str | None", self._call("controller", spec, call_limit, load_limit))
        except ControllerError:
            self._controller = None
            raise
        self._controller = (spec, call_limit, load_limit) if spec is not None else None
        return description

    def _note_observation(self, observed: Observed | None) -> None:
        if self._discarding:
            return  # a step past the episode's end: no view is to see it
        if observed is not None:
            observed.values.flags.writeable = False
            self.observation = observed
            if self.on_observation is not None:
                self.on_observation(observed)

    def _observe_now(self) -> None:
        """The current state's observation, after a reset, restore or mode change (when observing)."""
        if self._observing:
            with contextlib.suppress(SimulationFailed, RuntimeError):  # a dead child: the next call says so
                self._note_observation(cast("Observed | None", self._call("observation")))

    def _send_settings(self) -> None:
        """A new child gets the observing flag, the locks and the controller of the one before."""
        with contextlib.suppress(OSError):
            self._connection.send(("observe", (self._observing,)))
            self._connection.send(("lock", (self._locked,)))
            self._connection.send(("stop_at_end", (self._stop_at_end,)))
        if self._controller is not None:
            try:
                self._call("controller", *self._controller)
            except ControllerError as error:  # the file changed since: the caller learns it here
                self._controller, self.controller_dropped = None, error
        self._send_reward()

    def _after_controller_failure(self) -> None:
        """The child took no step and refuses those asked after it: collect the refusals, then let
        it step again (the next step calls the controller afresh)."""
        while self._in_flight:
            self._in_flight -= 1
            try:
                self._receive("step")
            except ControllerError:
                continue
            except SimulationFailed:  # died or abandoned: the next call reports it
                self._forget_in_flight()
                return
        with contextlib.suppress(OSError):
            self._connection.send(("resume", ()))
