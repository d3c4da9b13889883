"""Your own reward, `f(state_desc, prev_state_desc) -> float`: loaded from a file as controllers
are (`FILE.py[:NAME]`, default NAME `reward`, else the file's only function) and called safely.

One piece of code for every place a reward runs: `muscle_lab.env`'s `reward_fn=` (a function or a
file), `run --reward` and the window, both through the simulation process's `RewardSlot`. The
state descriptions are osim-rl's (`ObservationReader.state_desc`); the previous one is the state
before the step (at the first step, the reset state, as osim-rl keeps it). Whatever goes wrong in
the user's code (an exception, NaN or infinity, something that is no number, a call over the
limit) is a `RewardError` naming the function and the step, with the traceback in `details`.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation.user_controller import (
    CALL_LIMIT_SECONDS,
    LOAD_LIMIT_SECONDS,
    CallTimedOut,
    ControllerError,
    ControllerSpec,
    UserCodeError,
    call_time_limit,
    import_user_file,
    str_of,
    user_traceback,
)

DEFAULT_REWARD_NAME = "reward"
RewardFunction = Callable[[dict[str, Any], "dict[str, Any] | None"], Any]


class RewardError(UserCodeError, ValueError):
    """A reward that could not be loaded, raised, or returned no finite number."""


class UserReward:
    """A reward function and its name; `__call__` checks what it returns."""

    def __init__(self, function: RewardFunction, name: str, call_limit: float | None = CALL_LIMIT_SECONDS) -> None:
        self.function = function
        self.name = name  # "reward function forward (my_reward.py)", or the function's __name__
        self.call_limit = call_limit  # None: no timer (the env's function is the caller's own code)

    @classmethod
    def of(cls, function: RewardFunction) -> UserReward:
        """A function given in Python (the env's `reward_fn=f`), called without a timer."""
        return cls(function, f"reward function {getattr(function, '__name__', repr(function))}", None)

    def __call__(self, state_desc: dict[str, Any], prev_state_desc: dict[str, Any] | None, step: int) -> float:
        """The reward of `step`; RewardError when it raises, overruns or returns no finite number."""
        try:
            limit = call_time_limit(self.call_limit) if self.call_limit else contextlib.nullcontext()
            with limit, contextlib.redirect_stdout(sys.stderr):
                result = self.function(state_desc, prev_state_desc)
        except CallTimedOut as stopped:
            raise RewardError(
                f"{self.name} took longer than {self.call_limit:g} s at step {step} and was stopped",
                user_traceback(stopped, with_exception_line=False),
            ) from None
        except Exception as error:
            raise RewardError(f"{self.name} failed at step {step}: {error!r}", user_traceback(error)) from error
        try:
            value = float(result)
        except Exception as error:  # noqa: BLE001 - a result with no float(): reported with what it was
            raise RewardError(
                f"{self.name} returned {type(result).__name__} at step {step}, not a number: {str_of(error)}"
            ) from None
        if not math.isfinite(value):
            raise RewardError(f"{self.name} returned {value} at step {step}")
        return value


def parse_reward_spec(text: str) -> ControllerSpec:
    """`FILE.py[:NAME]`, the file checked to exist (RewardError otherwise), the path made absolute."""
    try:
        return ControllerSpec.parse(text)
    except ControllerError:
        raise RewardError(f"reward file not found: {text.rpartition(':')[0] or text}") from None


def load_reward(
    spec: ControllerSpec | str, call_limit: float = CALL_LIMIT_SECONDS, load_limit: float = LOAD_LIMIT_SECONDS
) -> UserReward:
    """Import the file (afresh: an edit is picked up) and find its reward: NAME, else `reward`, else
    the only function it defines. Raises RewardError with the traceback when that fails."""
    spec = parse_reward_spec(spec) if isinstance(spec, str) else spec
    module = import_user_file(spec.path, load_limit, RewardError)
    name = spec.name or DEFAULT_REWARD_NAME
    if spec.name is None and not hasattr(module, name):
        own = [n for n, v in vars(module).items() if inspect.isfunction(v) and v.__module__ == module.__name__]
        own = [n for n in own if not n.startswith("_")]
        if len(own) != 1:
            defined = f" (it defines {', '.join(own)})" if own else ""
            raise RewardError(f"{spec.path} defines no {name!r}: name the reward, {spec.path.name}:NAME{defined}")
        name = own[0]
    function = getattr(module, name, None)
    if not callable(function):
        what = "nothing" if function is None else f"a {type(function).__name__}"
        raise RewardError(f"{name} in {spec.path} is {what}: a reward is a function f(state_desc, prev_state_desc)")
    return UserReward(function, f"reward function {name} ({spec.path.name})", call_limit)


class RewardSlot:
    """The simulation process's reward: called after every step, its total kept per episode.

    `state_desc` reads osim-rl's description of the simulation's current state; each state is
    described once (the one after a step is the next step's previous). A failure drops the
    reward (the step stands, its frame without your reward) and is handed out once by `failure`.
    """

    def __init__(self, state_desc: Callable[[], dict[str, Any]]) -> None:
        self._state_desc = state_desc
        self.reward: UserReward | None = None
        self.total = 0.0
        self.failure: RewardError | None = None
        self._described: tuple[Frame, dict[str, Any]] | None = None  # the latest state's description

    @property
    def active(self) -> bool:
        return self.reward is not None

    def load(self, spec_text: str | None, call_limit: float, load_limit: float) -> str | None:
        """Load `spec_text` (None: none); the previous reward goes either way. Its total starts at
        0 and counts from the next step. Returns the reward's name."""
        self.reward, self.failure, self._described = None, None, None
        if spec_text is None:
            return None
        self.reward = load_reward(spec_text, call_limit, load_limit)
        self.total = 0.0
        return self.reward.name

    def started(self, frame: Frame, total: float | None = 0.0) -> Frame:
        """A reset (total 0), or a restored state with the total kept with it (None: 0)."""
        self.total = total or 0.0
        return self.marked(frame, None)

    def before_step(self, frame: Frame) -> None:
        """Describe the state the step starts from, unless the last step's description is it."""
        reward = self.reward
        if reward is not None and (self._described is None or self._described[0] is not frame):
            try:
                self._described = (frame, self._state_desc())
            except RuntimeError as error:  # OpenSim could not realize the state: the step goes on without
                self.reward, self._described = None, None
                self.failure = RewardError(
                    f"{reward.name}: the state before step {frame.step + 1} could not be read: {error}"
                )

    def after_step(self, frame: Frame) -> Frame:
        """A copy of the step's frame with your reward and total (`frame` itself stays the state's
        identity for the next step). A failure drops the reward and leaves the frame as it is."""
        reward = self.reward
        if reward is None or frame.error is not None or self._described is None:
            return self.marked(frame, None)
        previous = self._described[1]
        try:
            current = self._state_desc()
            value = reward(current, previous, frame.step)
        except RewardError as error:
            self.reward, self.failure, self._described = None, error, None
            return frame
        except RuntimeError as error:  # OpenSim could not realize the state: the reward cannot be read
            self.reward, self._described = None, None
            self.failure = RewardError(f"{reward.name}: the state of step {frame.step} could not be read: {error}")
            return frame
        self._described = (frame, current)
        self.total += value
        return self.marked(frame, value)

    def marked(self, frame: Frame, value: float | None) -> Frame:
        if self.reward is None:
            return frame
        return replace(frame, user_reward=value, user_total_reward=self.total)

    def take_failure(self) -> RewardError | None:
        failure, self.failure = self.failure, None
        return failure
