"""The simulation process's side: `serve`, its loop, builds the Simulation and answers the
parent's commands through the pipe; and the process as the parent sees it from outside (its
state, its process group, which ends with it)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from muscle_lab.core.frame import Frame
from muscle_lab.core.observation.layout import ObservationLayout, layout_for
from muscle_lab.core.observation.reader import ObservationReader
from muscle_lab.core.simulation.call_watch import CallWatch
from muscle_lab.core.simulation.integrator import IntegratorSettings
from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.core.simulation.protocol import Description, Observed
from muscle_lab.core.simulation.state_store import StateStore
from muscle_lab.core.simulation.user_controller import ControllerSlot, SpecLike
from muscle_lab.core.simulation.user_reward import RewardSlot

if TYPE_CHECKING:
    # Simulation's interface on the engine chosen for the mode.
    from muscle_lab.core.compiled.choose import ChosenSimulation as Simulation
    from muscle_lab.core.simulation.pose import PoseReader


def serve(
    connection: Connection,
    model_path: str | Path | None,
    integrator: IntegratorSettings,
    poses: bool | Literal["deferred"] = False,
    first_episode: int = 0,
    time_limit: bool = True,
    watch: CallWatch | None = None,
    engine: str | None = None,
) -> None:
    """The child's loop: build the Simulation (on the engine chosen, core.compiled.choose), then
    answer commands until told to close.
    A step answers (frame, pose, observed, reward failure), the pose None unless `poses` (a
    DeferredPose with "deferred", where the engine is the compiled one); with `poses`, a start
    of an episode (STARTS) answers (frame, pose). The
    observation None unless observing. Every state reached is kept (bounded) for `restore`. A
    user's controller is called before each step; when it fails the step is not taken and its
    error is the answer. A user's reward is called after each step (its value and total go in the
    frame); when it fails the step stands, the reward is dropped and its RewardError is sent."""
    from muscle_lab.core.compiled.choose import ChosenSimulation
    from muscle_lab.core.simulation.moment_arms import moment_arm_curves
    from muscle_lab.core.simulation.pose import PoseReader

    # Ctrl+C in a terminal reaches the whole process group: the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A group of its own, so that ending it ends what a controller forked; and stdout goes to
    # stderr, so that a controller writing to file descriptor 1 cannot corrupt `run --json`.
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)
        os.dup2(2, 1)
    try:
        say = _status(connection)
        simulation = ChosenSimulation(model_path, integrator, first_episode, time_limit, engine, say=say)
        reader = PoseReader(simulation.loaded)
        description = _describe(simulation, reader.scene)
    except Exception as error:  # noqa: BLE001 - ModelLoadError and whatever OpenSim raises: the parent raises it
        connection.send(("error", error))
        return
    states = StateStore()
    states.put(simulation.saved_state())
    observer = _ChildObserver(simulation, watch)
    rewards = RewardSlot(observer.state_desc)
    connection.send(("ok", description))
    stop_at_end = False  # steps asked past an episode's end are answered, not taken (set_stop_at_end)
    last_step: object = None  # the last step's answer, sent again for those
    answers = HeldAnswers(connection)
    while True:
        if not answers.send_before_waiting():
            return
        try:
            command, args = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if command == "close":
            return
        if command != "step" and not answers.send_held():  # what this command says comes after them
            return
        if command == "excite":  # checked by the parent already; nobody waits for an answer
            with contextlib.suppress(Exception):
                simulation.set_excitations(*args)
            continue
        if command == "time_limit":  # one way too
            simulation.time_limit = bool(args[0])
            continue
        if command == "stop_at_end":  # one way too
            stop_at_end = bool(args[0])
            continue
        if command == "step" and stop_at_end and simulation.frame.done and last_step is not None:
            if not answers.step(("ok", last_step)):
                return
            continue
        if command in _ONE_WAY_OBSERVER_COMMANDS:
            observer.command(command, args)
            continue
        if command in ("reset", "restore", "rewind", "change_integrator"):
            last_step = None  # a step from where it then is is taken, done or not (even if this fails)
        try:
            if command == "step":
                observer.before_step()  # a user's controller sets the excitations (ControllerError)
                rewards.before_step(simulation.frame)
                frame = simulation.step()
                pose = _pose_or_none(reader, simulation, poses == "deferred") if poses and not frame.error else None
                stepped = rewards.after_step(frame)
                value: object = (stepped, pose, observer.observed(), rewards.take_failure())
                last_step = (stepped, pose, None, None)  # said once: no observation, no failure
            elif command == "reset":
                observer.slot.resume()
                value = rewards.started(simulation.reset(held_controls=observer.held_controls()))
            elif command == "restore":
                observer.slot.resume()
                saved = states.get(*args)
                value = rewards.started(simulation.restore(saved), saved.user_total_reward)
            elif command == "rewind":
                saved = states.get(*args)
                value = rewards.started(simulation.rewind(saved), saved.user_total_reward)
            elif command == "controller":
                value = observer.load_controller(*args)
            elif command == "reward":
                value = rewards.load(*args)
            elif command == "engine":
                value = simulation.engine
            elif command == "observation":
                value = observer.observed(always=True)
            elif command == "pose":
                value = simulation.read_pose(reader)
            elif command == "moment_arms":
                value = moment_arm_curves(simulation.loaded, simulation.state, *args)
            elif command == "change_integrator":
                value = rewards.started(simulation.change_integrator(*args))
                reader = PoseReader(simulation.loaded)
                observer.model_changed()
                # Another mode's states (other muscles, other integrator) do not apply.
                states.clear("it keeps none from before the mode changed")
            else:
                raise ValueError(f"unknown command {command!r}")
            if command in ("step", "reset", "restore", "change_integrator") and not simulation.failed:
                saved = simulation.saved_state()  # with your total, for a branch from this step
                states.put(replace(saved, user_total_reward=rewards.total) if rewards.active else saved)
            if command in STARTS and poses:  # the new episode's first pose, without another call
                value = (value, _start_pose(reader, simulation, poses == "deferred"))
            answer: tuple[str, object] = ("ok", value)
        except Exception as error:  # noqa: BLE001 - any failure goes back to the caller, the child serves on
            answer = ("error", error)
        if not (answers.step(answer) if command == "step" else _answered(connection, command, answer)):
            return


STARTS = ("reset", "restore", "change_integrator")  # commands that start an episode


def _status(connection: Connection) -> Callable[[str], None]:
    """What the engine says while a call is under way (a first compile's "compiling..."): sent
    as a ("status", text) message before the answer; the caller shows it while it waits."""

    def say(text: str) -> None:
        with contextlib.suppress(Exception):  # a parent gone hears nothing
            connection.send(("status", text))

    return say


class HeldAnswers:
    """Step answers held while more commands wait in the pipe, then sent in one message: each
    message wakes the parent, and on a virtual machine a pipe write that wakes a waiting process
    cost ~0.15 ms, a sixth of a compiled step. An answer is held at most until the child would
    wait for a command or MOST_HELD are held; any other answer sends them first (order kept).
    Each is pickled as it is held, so one that cannot be pickled is found at its own step."""

    MOST_HELD = 4

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._held: list[bytes] = []

    def step(self, answer: tuple[str, object]) -> bool:
        """Hold a step's answer (sent at once when nothing else waits); False: the child must end."""
        try:
            self._held.append(bytes(ForkingPickler.dumps(answer)))
        except Exception as error:  # noqa: BLE001 - pickling can raise anything: see _answered
            if self.send_held():
                _say_fatal(self._connection, "step", error)
            return False
        return self.send_before_waiting() if len(self._held) < self.MOST_HELD else self.send_held()

    def send_before_waiting(self) -> bool:
        """Send what is held unless a command already waits (it is read at once)."""
        if not self._held:
            return True  # nothing to send: no need to look at the pipe (a closed one is seen by recv)
        try:
            waiting = self._connection.poll(0)
        except (EOFError, OSError):
            return False
        return True if waiting else self.send_held()

    def send_held(self) -> bool:
        held, self._held = self._held, []
        try:
            if len(held) == 1:
                self._connection.send_bytes(held[0])  # as `send` would have: the parent reads it so
            elif held:
                self._connection.send(("batch", held))
        except (EOFError, OSError):
            return False  # the parent is gone
        return True


def _answered(connection: Connection, command: str, answer: tuple[str, object]) -> bool:
    """Send the answer; False when it cannot be pickled (a controller that broke `sys.modules`,
    say): then a plain-text "fatal" answer says so and the child ends, its modules untrusted."""
    try:
        connection.send(answer)
    except (EOFError, OSError):
        return False  # the parent is gone
    except Exception as error:  # noqa: BLE001 - pickling can raise anything
        _say_fatal(connection, command, error)
        return False
    return True


def _say_fatal(connection: Connection, command: str, error: Exception) -> None:
    with contextlib.suppress(Exception):
        why = f"{type(error).__name__}: {error}"
        connection.send(("fatal", f"the simulation process could not send its answer to {command} ({why}) and ended"))


_ONE_WAY_OBSERVER_COMMANDS = ("observe", "lock", "resume")


class _ChildObserver:
    """The child's observations and the user's controller: the vector is read at most once per
    state, after a step when observing, else before the next step when a controller needs it
    (the same values: the controls held are those of the step taken either way)."""

    def __init__(self, simulation: Simulation, watch: CallWatch | None = None) -> None:
        self.simulation = simulation
        self.slot = ControllerSlot(watch)
        self.observing = False
        self._reader: ObservationReader | None = None
        self._last: tuple[Frame, np.ndarray] | None = None  # the vector of the state of that frame

    def command(self, command: str, args: tuple[Any, ...]) -> None:
        if command == "observe":
            self.observing = bool(args[0])
        elif command == "lock":
            self.slot.set_locked(args[0])
        else:  # "resume": the parent has collected the steps refused after a controller failure
            self.slot.resume()

    def model_changed(self) -> None:
        """A mode with other muscles reloads the model: read from the new one."""
        self._reader, self._last = None, None

    def load_controller(self, spec: SpecLike | None, call_limit: float, load_limit: float) -> str | None:
        reader = self._observation_reader()
        return self.slot.load(spec, self.simulation.muscle_names, reader.size, call_limit, load_limit)

    def held_controls(self) -> list[float] | None:
        """Under a controller a reset holds every control at 1.0, as muscle_lab.env's does."""
        return [1.0] * len(self.simulation.muscles) if self.slot.active else None

    def before_step(self) -> None:
        if self.slot.active:
            simulation = self.simulation
            values = self.slot.excitations(self.vector, simulation.excitations, simulation.frame.step + 1)
            simulation.set_excitations(values)

    def observed(self, always: bool = False) -> Observed | None:
        """The current state's observation when observing (or `always`); None after a failure."""
        simulation = self.simulation
        if not (self.observing or always) or simulation.failed:
            return None
        try:
            values = self.vector()
        except RuntimeError:  # OpenSim could not realize this state: the drawing goes on without
            return None
        frame = simulation.frame
        return Observed(frame.episode, frame.step, frame.time, values)

    def state_desc(self) -> dict[str, Any]:
        """osim-rl's state description of the current state (for a user's reward)."""
        return self._observation_reader().state_desc(self.simulation.state)

    def vector(self) -> np.ndarray:
        frame = self.simulation.frame
        if self._last is None or self._last[0] is not frame:
            values = self.simulation.observation(self._observation_reader())  # the engine's own reading
            values.flags.writeable = False
            self._last = (frame, values)
        return self._last[1]

    def _observation_reader(self) -> ObservationReader:
        if self._reader is None:
            self._reader = ObservationReader(self.simulation.loaded)
        return self._reader


def _pose_or_none(reader: PoseReader, simulation: Simulation, deferred: bool) -> BodyPose | None:
    """The pose after a step, read by the engine (the compiled engine computes it from its own
    state; OpenSim's PoseReader still describes the scene); a state OpenSim cannot read a pose
    from costs the drawing only."""
    try:
        return simulation.read_pose(reader, deferred)
    except RuntimeError:
        return None


def _start_pose(reader: PoseReader, simulation: Simulation, deferred: bool) -> BodyPose | None:
    """An episode start's pose, or None (the caller then asks for it): the start has happened
    and must be answered as such, whatever reading its pose raised."""
    try:
        return _pose_or_none(reader, simulation, deferred)
    except Exception:  # noqa: BLE001
        return None


def _describe(simulation: Simulation, scene: SceneDescription) -> Description:
    return Description(
        model_path=simulation.model_path,
        model_name=simulation.model_name,
        muscles=simulation.muscles,
        coordinate_names=simulation.coordinate_names,
        coordinate_is_rotation=simulation.coordinate_is_rotation,
        joint_angle_names=simulation.joint_angle_names,
        locked_joint_angles=simulation.locked_joint_angles,
        body_names=simulation.body_names,
        frame=simulation.frame,
        scene=scene,
        start_warnings=simulation.start_warnings,
        observation_layout=_layout_or_none(simulation),
        engine=simulation.engine,
    )


def _layout_or_none(simulation: Simulation) -> ObservationLayout | None:
    try:
        return layout_for(simulation.loaded)
    except Exception:  # noqa: BLE001 - an odd model: no observation panel, the rest works
        return None


def kill_group(group: int | None) -> None:
    """SIGKILL the process group the child leads (see serve), its forked children with it."""
    if group is not None:
        with contextlib.suppress(OSError):  # none of it is left
            os.killpg(group, signal.SIGKILL)


def group_of(pid: int | None) -> int | None:
    """`pid` when it leads its own process group (the child makes itself one first thing)."""
    try:
        return pid if pid is not None and os.getpgid(pid) == pid else None
    except OSError:
        return None


def process_state(pid: int | None) -> str | None:
    """The one-letter state Linux reports for a process (R, S, T, Z...), None where unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
