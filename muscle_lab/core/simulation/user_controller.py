"""A user's controller, `FILE.py[:NAME]`: loaded from its file and called safely, once a step.

A controller is what osim-rl's users train: a function `f(observation) -> excitations`, or an
object with `act(observation)` as osim-rl-helper's agents have (a class is instantiated, with
`(observation_space, action_space)` when its constructor takes two arguments, as theirs do).
The observation is the environment's (`muscle_lab.env`), a float64 array. Whatever goes wrong
in the user's code (an exception, NaN, a wrong length, a call that does not return) becomes a
`ControllerError` with a clear message and the traceback, never the end of the process.

Calls run in the simulation process's main thread, under a SIGALRM timer that interrupts a
controller stuck in Python code (a loop, a sleep); one stuck inside a C extension ends at the
next Python line it runs. No OpenSim and no Qt here.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import importlib.util
import inspect
import itertools
import reprlib
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.observation.layout import OBSERVATION_BOUND
from muscle_lab.core.simulation.call_watch import CALL, LOAD, CallWatch, Overrun
from muscle_lab.core.simulation.controller_parameters import (
    ParameterError,
    Values,
    check_keywords,
    declared_values,
    describe_values,
)

CALL_LIMIT_SECONDS = 1.0  # a controller call that takes longer is stopped: the step is not taken
LOAD_LIMIT_SECONDS = 60.0  # importing the file (a framework, a network's weights) may take a while
DEFAULT_NAME = "controller"  # looked up when FILE.py comes without :NAME
TRACEBACK_LINES = 40  # of a long traceback, the innermost lines are kept
_module_numbers = itertools.count(1)


class UserCodeError(SimulationFailed):
    """A user's file (a controller, a reward) could not be loaded or called: `message` says what,
    `details` shows where (the traceback, or the value it returned)."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message, details)  # both in args: the error crosses the process pipe
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message

    @property
    def text(self) -> str:
        """The message and, under it, the details."""
        return f"{self.message}\n{self.details}".rstrip()


class ControllerError(UserCodeError):
    """The controller could not be loaded or called."""


class CallTimedOut(BaseException):
    """Raised inside the controller by the timer; a BaseException, so `except Exception` in the
    user's code does not swallow it."""


@dataclass(frozen=True)
class ControllerSpec:
    """`FILE.py[:NAME]` as given on the command line or picked in the window, and the values of
    the parameters its file declares (core.controller_parameters; unnamed ones keep their initial)."""

    path: Path
    name: str | None = None
    params: Values = ()

    @classmethod
    def parse(cls, text: str) -> ControllerSpec:
        """`ctrl.py:Agent` -> (ctrl.py, "Agent"); `ctrl.py` -> (ctrl.py, None). Checks that the file
        exists (ControllerError otherwise); the path is made absolute."""
        head, colon, tail = text.rpartition(":")
        path, name = (head, tail) if colon and head and tail.isidentifier() else (text, None)
        resolved = Path(path).expanduser().resolve()
        if not resolved.is_file():
            raise ControllerError(f"controller file not found: {path}")
        return cls(resolved, name)

    def __str__(self) -> str:
        return f"{self.path}:{self.name}" if self.name else str(self.path)

    @property
    def label(self) -> str:
        """Short, for the window: "fixed_action.py:FixedActionAgent"."""
        return f"{self.path.name}:{self.name}" if self.name else self.path.name


SpecLike = str | ControllerSpec  # what the simulation process is asked to load: FILE.py[:NAME], or a spec


class UserController:
    """A loaded controller: `act(observation, step)` returns one excitation in [0, 1] per muscle."""

    def __init__(
        self,
        call: Callable[[np.ndarray], Any],
        description: str,
        muscle_names: Sequence[str],
        call_limit: float = CALL_LIMIT_SECONDS,
    ) -> None:
        self._call = call
        self.description = description  # e.g. "FixedActionAgent().act from fixed_action.py"
        self.muscle_names = tuple(muscle_names)
        self.call_limit = call_limit
        self.last_call_seconds = 0.0

    def act(self, observation: np.ndarray, step: int) -> np.ndarray:
        """The excitations for `step` (the step about to be taken), clipped to [0, 1] as osim-rl
        clips actions. Raises ControllerError when the call raises, takes longer than
        `call_limit`, or returns no list of one number per muscle, or NaN."""
        started = time.perf_counter()
        try:
            with call_time_limit(self.call_limit), contextlib.redirect_stdout(sys.stderr):
                result = self._call(np.array(observation, dtype=float))
        except CallTimedOut as stopped:
            raise ControllerError(
                f"the controller took longer than {self.call_limit:g} s at step {step} and was stopped "
                "(the traceback shows where it was)",
                user_traceback(stopped, with_exception_line=False),
            ) from None
        except BaseException as error:  # noqa: BLE001 - whatever the user's code raises (KeyboardInterrupt, SystemExit too)
            raise ControllerError(
                f"the controller raised {type(error).__name__} at step {step}: {str_of(error)}",
                user_traceback(error),
            ) from None
        self.last_call_seconds = seconds = time.perf_counter() - started
        if seconds > self.call_limit:  # it caught the timer's interruption and went on
            raise ControllerError(
                f"the controller took {seconds:.2f} s at step {step}, longer than {self.call_limit:g} s",
                self._returned(result),
            )
        return self._checked(result, step)

    def _checked(self, result: Any, step: int) -> np.ndarray:
        count = len(self.muscle_names)
        if result is None:
            raise ControllerError(
                f"the controller returned None at step {step} (a missing return?); it must return "
                f"{count} excitations, one per muscle",
                self._returned(result),
            )
        try:
            values = np.asarray(result, dtype=float).reshape(-1)
        except Exception as error:  # noqa: BLE001 - the result's own __array__ may raise anything (a tensor that requires grad)
            raise ControllerError(
                f"the controller returned {type(result).__name__} at step {step}, not {count} numbers: {str_of(error)}",
                self._returned(result),
            ) from None
        if values.size != count:
            raise ControllerError(
                f"the controller returned {values.size} excitations at step {step}; this model has {count} muscles "
                f"({', '.join(self.muscle_names)})",
                self._returned(result),
            )
        nan = np.flatnonzero(np.isnan(values)).tolist()
        if nan:
            named = ", ".join(f"{i} ({self.muscle_names[i]})" for i in nan)
            raise ControllerError(
                f"the controller returned NaN at step {step} for muscle {named}; excitations must be numbers in [0, 1]",
                self._returned(result),
            )
        # osim-rl's actuate clips everything else (infinity too) to [0, 1]; so does muscle_lab.env.
        clipped: np.ndarray = np.clip(values, 0.0, 1.0)
        return clipped

    def _returned(self, result: Any) -> str:
        shown = reprlib.Repr()
        shown.maxlist = shown.maxother = shown.maxstring = 200
        try:
            text = shown.repr(result)
        except Exception as error:  # noqa: BLE001 - the result's own __repr__ raised
            text = f"<a {type(result).__name__} whose repr raised {type(error).__name__}>"
        return f"returned by {self.description}:\n{text}"


def load_controller(
    spec: ControllerSpec,
    muscle_names: Sequence[str],
    observation_size: int,
    call_limit: float = CALL_LIMIT_SECONDS,
    load_limit: float = LOAD_LIMIT_SECONDS,
) -> UserController:
    """Import the file (as a fresh module: loading it again picks up an edit) and find its
    controller. Raises ControllerError with the traceback when that fails. The file's folder goes
    on `sys.path`, as for a script, so that it can import its neighbours; its prints go to stderr."""
    module = import_user_file(spec.path, load_limit)
    name, target = _find_target(module, spec)
    values = _parameter_values(module, target, name, spec)
    if inspect.isclass(target):
        target = _instantiate(target, spec, len(muscle_names), observation_size, load_limit, values)
        name += "()"
    elif values:  # a function takes them in every call
        target = functools.partial(target, **dict(values))
    given = f" with {describe_values(values)}" if values else ""
    act = getattr(target, "act", None)
    if callable(act):
        return UserController(act, f"{name}.act from {spec.path.name}{given}", muscle_names, call_limit)
    if callable(target):
        return UserController(target, f"{name} from {spec.path.name}{given}", muscle_names, call_limit)
    raise ControllerError(
        f"{name} in {spec.path} is a {type(target).__name__}: a controller is a function f(observation) "
        "or an object with act(observation)"
    )


def import_user_file(path: Path, load_limit: float, error: type[UserCodeError] = ControllerError) -> Any:
    """The file as a fresh module (an edit is picked up), its folder on `sys.path`; raises `error`
    with the traceback when loading fails or takes longer than `load_limit`."""
    module_name = f"muscle_lab_user_controller_{next(_module_numbers)}"
    loader = importlib.machinery.SourceFileLoader(module_name, str(path))
    module_spec = importlib.util.spec_from_loader(module_name, loader)
    assert module_spec is not None  # a SourceFileLoader always gives one
    module = importlib.util.module_from_spec(module_spec)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[module_name] = module  # dataclasses and pickle look their module up there
    try:
        with call_time_limit(load_limit), contextlib.redirect_stdout(sys.stderr):
            loader.exec_module(module)
    except CallTimedOut as stopped:
        del sys.modules[module_name]
        raise error(
            f"{path} did not finish loading within {load_limit:g} s",
            user_traceback(stopped, with_exception_line=False),
        ) from None
    except BaseException as failure:  # noqa: BLE001 - SyntaxError, ImportError, even SystemExit: reported
        del sys.modules[module_name]
        raise error(
            f"{path} could not be loaded: {type(failure).__name__}: {failure}", user_traceback(failure)
        ) from None
    return module


def _find_target(module: Any, spec: ControllerSpec) -> tuple[str, Any]:
    """NAME if given; else `controller`; else the file's only class with `act`, or its only function."""
    if spec.name is not None:
        if not hasattr(module, spec.name):
            raise ControllerError(f"{spec.path} has no {spec.name!r}{_candidates_note(module)}")
        return spec.name, getattr(module, spec.name)
    if hasattr(module, DEFAULT_NAME):
        return DEFAULT_NAME, getattr(module, DEFAULT_NAME)
    own = _own_definitions(module)
    agents = [(n, v) for n, v in own if inspect.isclass(v) and callable(getattr(v, "act", None))]
    functions = [(n, v) for n, v in own if inspect.isfunction(v)]
    for found in (agents, functions):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            break
    note = _candidates_note(module)
    raise ControllerError(f"{spec.path} defines no {DEFAULT_NAME!r}: name the controller, {spec.path.name}:NAME{note}")


def _parameter_values(module: Any, target: Any, name: str, spec: ControllerSpec) -> Values:
    """The values of the parameters the file declares, checked against what `target` takes."""
    try:
        values = declared_values(module, spec.params, spec.path.name)
        if values and not (inspect.isclass(target) or inspect.isfunction(target)):
            raise ParameterError(
                f"{name} in {spec.path.name} is a {type(target).__name__}: the parameters its PARAMETERS declares "
                "go to a class's constructor or a function's calls as keyword arguments"
            )
        if values:
            check_keywords(target, values, f"{name} in {spec.path.name}")
    except ParameterError as error:
        raise ControllerError(str(error)) from None
    return values


def _own_definitions(module: Any) -> list[tuple[str, Any]]:
    """The public classes and functions written in the module itself (not imported into it)."""
    return [
        (name, value)
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == module.__name__
    ]


def _candidates_note(module: Any) -> str:
    names = [name for name, _ in _own_definitions(module)]
    return f" (it defines {', '.join(names)})" if names else " (it defines no class or function)"


def _instantiate(
    cls: type, spec: ControllerSpec, muscles: int, observation_size: int, load_limit: float, values: Values = ()
) -> Any:
    """`cls()`, or `cls(observation_space, action_space)` for osim-rl-helper's agents; the declared
    parameters' values as keyword arguments."""
    given = {name for name, _ in values}
    try:
        parameters = inspect.signature(cls).parameters.values()
        required = [
            p
            for p in parameters
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name not in given
        ]
    except (TypeError, ValueError):  # no signature to read (a C type): try it bare
        required = []
    if len(required) not in (0, 2):
        raise ControllerError(
            f"{cls.__name__} in {spec.path} takes ({', '.join(p.name for p in required)}); a controller class takes "
            "no arguments, or (observation_space, action_space) as osim-rl-helper's agents do"
        )
    arguments = spaces(muscles, observation_size) if required else ()
    try:
        with call_time_limit(load_limit), contextlib.redirect_stdout(sys.stderr):
            return cls(*arguments, **dict(values))
    except CallTimedOut as stopped:
        raise ControllerError(
            f"{cls.__name__}() in {spec.path} did not return within {load_limit:g} s",
            user_traceback(stopped, with_exception_line=False),
        ) from None
    except BaseException as error:  # noqa: BLE001 - the user's constructor: reported, never fatal
        raise ControllerError(
            f"{cls.__name__}() in {spec.path} raised {type(error).__name__}: {error}", user_traceback(error)
        ) from None


def spaces(muscles: int, observation_size: int) -> tuple[Any, Any]:
    """(observation_space, action_space) as muscle_lab.env's ProstheticsEnv has them."""
    from gymnasium import spaces as gym_spaces  # only for agents that ask for them

    observation = gym_spaces.Box(-OBSERVATION_BOUND, OBSERVATION_BOUND, (observation_size,), np.float64)
    return observation, gym_spaces.Box(0.0, 1.0, (muscles,), np.float32)


def str_of(error: BaseException) -> str:
    """str(error), even when the user's exception cannot say it."""
    try:
        return str(error)
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        return f"<{type(error).__name__} whose str() raised>"


def user_traceback(error: BaseException, with_exception_line: bool = True) -> str:
    """The traceback without this module's own frames: what the user's code did."""
    own = str(Path(__file__).parent)  # this package calls the user's code: its frames are not theirs
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if str(Path(frame.filename).parent) != own]
    lines = ["Traceback (most recent call last):\n", *traceback.StackSummary.from_list(frames).format()]
    if with_exception_line:
        lines += traceback.format_exception_only(type(error), error)
    text = "".join(lines)
    kept = text.splitlines()
    if len(kept) > TRACEBACK_LINES:
        kept = [kept[0], "  ...", *kept[-TRACEBACK_LINES:]]
    return "\n".join(kept)


@contextlib.contextmanager
def call_time_limit(seconds: float) -> Iterator[None]:
    """Raise CallTimedOut in the code running in the block after `seconds` of wall time; in the main
    thread only (where signals are delivered), elsewhere the caller's timing has to do."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def alarm(_number: int, _frame: object) -> None:
        raise CallTimedOut()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ControllerSlot:
    """The simulation process's controller: the user's, the muscles the window locks to its own
    values, and the failure that halts stepping until the caller goes on (`resume`)."""

    def __init__(self, watch: CallWatch | None = None) -> None:
        self.watch = watch  # shared with the parent, which ends a call that overruns its limit
        self.controller: UserController | None = None
        self.locked: np.ndarray | None = None  # True where the slider's value wins over the controller
        self.halted: ControllerError | None = None

    @property
    def active(self) -> bool:
        return self.controller is not None

    def load(
        self,
        spec_text: SpecLike | None,
        muscle_names: Sequence[str],
        observation_size: int,
        call_limit: float,
        load_limit: float = LOAD_LIMIT_SECONDS,
    ) -> str | None:
        """Load the controller `spec_text` (FILE.py[:NAME], or a spec with parameter values; None:
        none); the previous one goes either way. Returns
        its description."""
        self.controller, self.halted = None, None
        if spec_text is None:
            return None
        spec = spec_text if isinstance(spec_text, ControllerSpec) else ControllerSpec.parse(spec_text)
        with self._watched(load_limit, 0, LOAD):
            self.controller = load_controller(spec, muscle_names, observation_size, call_limit, load_limit)
        return self.controller.description

    def _watched(self, limit: float, step: int, kind: float) -> contextlib.AbstractContextManager[None]:
        return self.watch.watched(limit, step, kind) if self.watch is not None else contextlib.nullcontext()

    def set_locked(self, mask: Sequence[bool] | None) -> None:
        self.locked = None if mask is None else np.asarray(mask, dtype=bool)

    def resume(self) -> None:
        self.halted = None

    def excitations(self, observation: Callable[[], np.ndarray], current: np.ndarray, step: int) -> np.ndarray:
        """The controller's excitations for `step`, with the locked muscles kept at `current` (the
        window's values). Raises ControllerError; after one, every step is refused until `resume`."""
        assert self.controller is not None
        if self.halted is not None:
            raise ControllerError(f"step refused: the controller failed before ({self.halted.message})")
        try:
            try:
                seen = observation()
            except RuntimeError as error:  # OpenSim could not realize this state
                raise ControllerError(f"the observation for step {step} could not be read: {error}") from None
            with self._watched(self.controller.call_limit, step, CALL):
                values = self.controller.act(seen, step)
        except ControllerError as error:
            self.halted = error
            raise
        locked = self.locked
        if locked is not None and locked.shape == values.shape:
            values = np.where(locked, current, values)
        return values


def overrun_error(overrun: Overrun, what: str) -> ControllerError:
    """The error of a controller's call that overran (`what` happened then)."""
    if overrun.kind == "load":
        return ControllerError(f"the controller, while loading (limit {overrun.limit:g} s), {what}")
    return ControllerError(f"the controller, called at step {overrun.step} (limit {overrun.limit:g} s), {what}")
