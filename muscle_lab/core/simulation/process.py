"""A Simulation in a child process, driven through a pipe.

OpenSim's Python bindings hold the GIL for a whole step (~10 ms), so a simulation in a thread
of the window's process stops the window's Python for as long. In a child process the step
runs on the other core while the caller waits on the pipe without the GIL. If the child dies
(a crash inside OpenSim), the next step reports it like a failed integration and `reset`
starts a new child: the app survives it.

No wait on the child is blind: the caller polls the pipe, so a call that takes too long (a
model whose feet start inside the ground, a child stopped with SIGSTOP) can be watched through
`busy`, given up after a timeout, or abandoned from any thread; giving up ends the child.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import pickle
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np

from muscle_lab.core.engine_choice import requested_engine
from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation.call_watch import CallWatch
from muscle_lab.core.simulation.child import group_of, kill_group, process_state, serve
from muscle_lab.core.simulation.integrator import IntegratorSettings
from muscle_lab.core.simulation.moment_arms import DEFAULT_POINTS, MomentArms, check_points
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.process_controls import ControllerCalls
from muscle_lab.core.simulation.process_reward import RewardCalls
from muscle_lab.core.simulation.protocol import (
    Busy,
    DescribedModel,
    Description,
    Observed,
    SimulationAbandoned,
    SimulationProcessDied,
    StepTimeout,
    frozen,
    say_on_stderr,
)
from muscle_lab.core.simulation.user_controller import (
    ControllerError,
    SpecLike,
    overrun_error,
)

_CONTEXT = multiprocessing.get_context("spawn")  # not fork: the parent may be a Qt application with threads
CLOSE_TIMEOUT_SECONDS = 1.0
POLL_SECONDS = 0.05  # how often a waiting caller looks at timeouts and abandon requests

# Asked every POLL_SECONDS while a call waits, with the seconds spent so far: a reason to give up
# on the call (the child is then ended), or None to keep waiting.
AbandonCheck = Callable[[float], "str | None"]


class SimulationProcess(ControllerCalls, RewardCalls, DescribedModel):
    """The parts of `Simulation`'s interface a driver needs, served by a child process.

    Raises what Simulation raises: ModelLoadError from the constructor, ExcitationError from
    `set_excitations`, SimulationFailed from `reset`.
    """

    def __init__(
        self,
        model_path: str | Path | None,
        integrator: IntegratorSettings,
        should_abandon: AbandonCheck | None = None,
        start: bool = True,
        poses: bool | Literal["deferred"] = False,
        engine: str | None = None,
    ) -> None:
        """`poses`: every step also reads the body pose (`self.pose`), for drawing and video;
        "deferred": on the compiled engine, as a DeferredPose (built here when first read: the
        window draws few of the poses it keeps).
        `engine`: for faithful mode (core.engine_choice; None: MUSCLE_LAB_ENGINE, else "auto")."""
        self.integrator = integrator
        self.requested_engine = requested_engine(engine)
        self.engine = "opensim"  # the engine running the mode, once the child says
        # With `poses`, the pose of `frame`'s state; None from a (re)start until the first step
        # or episode start (read_pose reads it).
        self.pose: BodyPose | None = None
        self._poses = poses
        self.should_abandon = should_abandon
        self.busy: Busy | None = None  # read from any thread: set while a call waits on the child
        self._model_path = model_path
        self._excitations: np.ndarray | None = None
        self._abandoned: str | None = None  # why the child was ended on purpose
        self._in_flight = 0  # steps asked for (send_step) and not yet received
        self._backlog: deque[tuple[str, Any]] = deque()  # step answers received in a batch, not yet taken
        self._next_episode = 0  # a restarted child numbers its episodes from here
        self._time_limit = True  # osim-rl's 300-step limit; a restarted child keeps the choice
        # A user's controller, the muscles kept at the caller's values, and whether each step
        # sends its observation: a restarted child gets them again.
        self._controller: tuple[SpecLike, float, float] | None = None  # (the spec, call and load limits, s)
        self._locked: np.ndarray | None = None
        self._observing = False
        self.observation: Observed | None = None  # the latest, while observing
        self.on_observation: Callable[[Observed], None] | None = None  # told each one, in order
        self._discarding = False  # steps past an episode's end are being dropped (discard_steps)
        self.controller_dropped: ControllerError | None = None  # a restarted child could not load it again
        # Told what the child says it is doing during a call (a first compile); also in `busy`.
        self.on_status: Callable[[str], None] = say_on_stderr
        self._process: multiprocessing.process.BaseProcess | None = None
        self._group: int | None = None  # the child's process group, once it leads one
        self._watch = CallWatch(_CONTEXT)
        if start:
            self.start()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def is_stopped(self) -> bool:
        """True when the child is stopped (SIGSTOP, a debugger): it cannot answer until continued."""
        return process_state(self.pid) in ("T", "t")

    @property
    def failed(self) -> bool:
        return self.frame.error is not None

    @property
    def controller(self) -> str | None:
        """The controller the child calls every step (FILE.py[:NAME]), None when none."""
        return str(self._controller[0]) if self._controller is not None else None

    # -- commands ------------------------------------------------------------------------
    def set_excitations(self, values: Iterable[float]) -> list[str]:
        """Checked here first (ExcitationError, nothing sent); a dead child is reported by the
        next step, and a reset hands these values to its successor."""
        values = list(values)
        _, notes = check_excitations(values, self.muscle_names)
        self._excitations = np.asarray(values, dtype=float)
        self._send_excitations()
        return notes

    def set_time_limit_at_start(self, on: bool) -> None:
        """The time-limit choice for a child not started yet (`start=False`)."""
        self._time_limit = on

    def set_time_limit(self, on: bool) -> None:
        """End episodes after 300 steps as osim-rl does (on), or never (free play); applies from
        the next step, one way like the excitations."""
        self._time_limit = on
        with contextlib.suppress(OSError):  # the next step reports a dead child
            self._connection.send(("time_limit", (on,)))

    def step(self, timeout: float | None = None) -> Frame:
        """As Simulation.step; a dead child gives a frame with the error, like a failure.

        Raises StepTimeout after `timeout` seconds, and SimulationAbandoned when `should_abandon`
        gives a reason or `abandon` is called: the child is ended then, and `reset` starts anew.
        """
        self.send_step()
        return self.receive_step(timeout)

    # -- pipelined steps: the child computes the next step while the caller is busy -----
    @property
    def steps_in_flight(self) -> int:
        return self._in_flight

    def send_step(self) -> None:
        """Ask for a step without waiting (`receive_step` collects it, in order); excitations
        set before it apply to it."""
        with contextlib.suppress(OSError):  # receive_step reports a dead child
            self._connection.send(("step", ()))
        self._in_flight += 1

    def step_ready(self) -> bool:
        """True when the oldest step asked for has its answer waiting: `receive_step` will not wait
        (a dead child counts as ready: receiving says so)."""
        try:
            return self._in_flight > 0 and (bool(self._backlog) or self._connection.poll(0))
        except OSError:
            return True

    def receive_step(self, timeout: float | None = None) -> Frame:
        """The oldest step asked for, as `step` returns it."""
        self._in_flight -= 1
        try:
            frame, self.pose, observed = self._reward_noted(self._receive("step", timeout))
            self.frame = self._received(frame)
            self._note_observation(observed)
        except ControllerError:
            self._after_controller_failure()  # the step was not taken: frame and pose stay
            raise
        except SimulationAbandoned:
            self._forget_in_flight()
            raise
        except SimulationProcessDied as died:
            self._forget_in_flight()
            self.frame = Frame(**{**self.frame.__dict__, "error": str(died), "done": True})
        return self.frame

    def discard_steps(self) -> None:
        """Collect and drop the steps still in flight (past an episode end or a failure). The
        frame, pose and observation stay those of the last step received before, and the child
        goes back to that step's state: moment arms and poses read next are of that step."""
        frame, pose, observation = self.frame, self.pose, self.observation
        dropped = self._in_flight
        self._discarding = True
        try:
            while self._in_flight:
                try:
                    self.receive_step()
                except SimulationAbandoned:  # noqa: PERF203 - a step or two at most
                    raise
                except SimulationFailed:
                    continue  # the child had failed and refused the step
        finally:
            self._discarding = False
        taken = (self.frame.episode, self.frame.step) != (frame.episode, frame.step)  # not all refused
        self.frame, self.pose, self.observation = frame, pose, observation
        if dropped and taken and not frame.error:
            with contextlib.suppress(SimulationFailed):  # a dead child: the next call restarts it
                self._call("rewind", frame.episode, frame.step)

    def reset(self) -> Frame:
        """Back to the standing start; a new child if the old one died."""
        try:
            self.frame = self._started(self._call("reset"))
        except SimulationProcessDied:
            return self._restart()
        self._observe_now()
        return self.frame

    def restore(self, episode: int, step: int) -> Frame:
        """Continue from the state the child kept for (episode, step), as a new episode with
        the current excitations (see Simulation.restore). Raises StateNotKept when the child
        no longer has it (it keeps a bounded history; a restarted child has none), and
        SimulationFailed when the child died (a reset starts a new one)."""
        self.frame = self._started(self._call("restore", episode, step))
        self._observe_now()
        return self.frame

    def change_integrator(self, integrator: IntegratorSettings) -> Frame:
        """Switch mode and start a new episode (a new child if the old one died)."""
        try:
            self.frame = self._started(self._call("change_integrator", integrator))
        except SimulationProcessDied:
            self.integrator = integrator
            return self._restart()
        self.integrator = integrator
        self.engine = cast("str", self._call("engine"))  # faithful and fast mode may differ
        self._observe_now()
        return self.frame

    def read_pose(self) -> BodyPose | None:
        """The current body pose; None once the child has died (the drawing keeps the last)."""
        try:
            return cast("BodyPose | None", self._call("pose"))
        except (SimulationFailed, RuntimeError):  # died, or OpenSim could not read this state
            return None

    def moment_arms(self, muscle_index: int, points: int = DEFAULT_POINTS, standing: bool = False) -> MomentArms:
        """A muscle's moment arm and length over each coordinate it crosses, at the current pose
        or the standing start (see core.moment_arms). Raises IndexError, ValueError, or
        SimulationFailed when the child died."""
        check_points(points)
        return cast("MomentArms", self._call("moment_arms", muscle_index, points, standing))

    def abandon(self, reason: str) -> bool:
        """From any thread: give up on the call in flight by ending the child. False when idle."""
        if self.busy is None:
            return False
        self._abandoned = reason
        self.kill()
        return True

    def kill(self) -> None:
        """End the child at once, from any thread: a caller waiting on it gets an error. Its
        process group goes with it (what a controller forked, holding the pipe open)."""
        process = self._process
        self._watch.clear()  # ended on purpose: not the controller's doing
        if process is not None and process.is_alive():
            kill_group(self._group)
            process.kill()

    def close(self) -> None:
        """End the child; waits a moment for a clean exit, then insists (a stopped child at once)."""
        process = self._process
        if process is None:
            return
        if not self.is_stopped():
            with contextlib.suppress(OSError):  # already gone
                self._connection.send(("close", ()))
            process.join(CLOSE_TIMEOUT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
        kill_group(self._group)  # a controller's forked children, left behind otherwise
        self._connection.close()

    # -- internals -----------------------------------------------------------------------
    def _restart(self) -> Frame:
        """A fresh child at the standing start, with the excitations the caller last set."""
        self._connection.close()
        self.start()
        if self._excitations is not None:
            self._send_excitations()
        self._observe_now()
        return self.frame

    def _send_excitations(self) -> None:
        """One way, no answer: a step in flight must not see an answer it did not ask for."""
        with contextlib.suppress(OSError):  # the next step reports a dead child
            self._connection.send(("excite", (self._excitations,)))

    def start(self) -> None:
        """Start the child and load the model in it (abandonable like any call)."""
        self._abandoned = None
        self._forget_in_flight()
        self._connection, child_end = _CONTEXT.Pipe()
        self._watch = CallWatch(_CONTEXT)
        self._process = _CONTEXT.Process(
            target=serve,
            args=(
                child_end,
                self._model_path,
                self.integrator,
                self._poses,
                self._next_episode,
                self._time_limit,
                self._watch,
                self.requested_engine,
            ),
            name="muscle_lab simulation",
            daemon=True,  # never outlives the app
        )
        self._group = None
        self._process.start()
        child_end.close()
        try:
            self._description: Description = self._receive("load")
        except BaseException:
            self.kill()
            self._process.join(CLOSE_TIMEOUT_SECONDS)
            self._connection.close()
            raise
        self._group = group_of(self._process.pid)
        self.frame, self.pose = self._received(self._description.frame), None
        self.engine = self._description.engine
        self._send_settings()

    def _forget_in_flight(self) -> None:
        """The child died or was ended: no answer of its comes, held back or not."""
        self._in_flight = 0
        self._backlog.clear()

    def _started(self, answer: Any) -> Frame:
        """The first frame of an episode; with poses, its pose comes with it (child.STARTS)."""
        if self._poses:
            answer, self.pose = answer
        return self._received(answer)

    def _received(self, frame: Frame) -> Frame:
        self._next_episode = max(self._next_episode, frame.episode + 1)
        return frozen(frame)

    def _call(self, command: str, *args: object, timeout: float | None = None) -> Any:
        if self._in_flight:
            self.discard_steps()  # their answers come first
        try:
            self._connection.send((command, args))
        except OSError:
            raise self._died() from None
        return self._receive(command, timeout)

    def _receive(self, command: str, timeout: float | None = None) -> Any:
        """The child's answer, waiting in short polls so that the wait can be given up."""
        from_time = self.frame.time if hasattr(self, "frame") else 0.0
        self.busy = busy = Busy(command, time.monotonic(), from_time, self.pid)
        try:
            while True:
                status, value = self._next_message(command, timeout)
                if status != "status":
                    break
                self.busy = busy = dataclasses.replace(busy, status=value)
                self.on_status(value)
        except (EOFError, OSError):
            raise self._died() from None
        finally:
            self.busy = None
        if status == "fatal":  # the child could not send its answer (see serve) and has ended
            if self._process is not None:
                self._process.join(CLOSE_TIMEOUT_SECONDS)
            if self._controller is not None:  # its code broke the child (sys.modules, say)
                raise ControllerError(f"after the controller's call, {value}")
            raise SimulationProcessDied(f"{value}; reset to start it again")
        if status == "error":
            raise value if isinstance(value, BaseException) else SimulationFailed(str(value))
        return value

    def _next_message(self, command: str, timeout: float | None) -> tuple[str, Any]:
        """The child's next message, waited for in short polls; the wait may be given up."""
        if self._backlog:  # the rest of a batch of step answers (child.HeldAnswers)
            return self._backlog.popleft()
        busy = self.busy
        assert busy is not None
        from_time = busy.from_time
        while not self._connection.poll(POLL_SECONDS):
            elapsed = busy.seconds()
            if timeout is not None and elapsed > timeout:
                self.kill()
                raise StepTimeout(f"the {command} from t = {from_time:.2f} s took longer than {timeout:g} s")
            reason = self.should_abandon(elapsed) if self.should_abandon is not None else None
            if reason:
                self.abandon(reason)
            overrun = self._watch.overrun()
            if overrun is not None:  # the controller defeated the child's own timer
                self.kill()
                raise overrun_error(overrun, "did not return in time: its simulation process was ended")
            if not self._child_alive():  # a grandchild may hold the pipe open: no EOF comes
                raise EOFError
        return self._read_answer(command)

    def _read_answer(self, command: str) -> tuple[str, Any]:
        try:
            answer = cast("tuple[str, Any]", self._connection.recv())
            if answer[0] == "batch":  # step answers sent together, each pickled on its own
                first, *rest = (cast("tuple[str, Any]", pickle.loads(data)) for data in answer[1])
                self._backlog.extend(rest)
                return first
            return answer
        except (EOFError, OSError):
            raise
        except Exception as error:  # noqa: BLE001 - an answer that cannot be unpickled here
            raise SimulationFailed(f"the simulation process's answer to {command} could not be read: {error}") from None

    def _child_alive(self) -> bool:
        process = self._process
        return process is not None and (process.is_alive() or self._connection.poll(0))

    def _died(self) -> SimulationFailed:
        assert self._process is not None
        self._process.join(1.0)
        kill_group(self._group)  # what it forked may live on, holding the pipe
        reason, self._abandoned = self._abandoned, None  # said once; after that, a dead child
        if reason is not None:
            return SimulationAbandoned(reason)
        code = self._process.exitcode
        running = self._watch.running()
        if running is not None:  # os._exit or a crash in the user's code
            self._watch.clear()  # said once
            return overrun_error(running, f"ended the simulation process (exit code {code})")
        return SimulationProcessDied(
            f"the simulation process stopped unexpectedly (exit code {code}); reset to start it again"
        )
