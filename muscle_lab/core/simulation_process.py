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
import multiprocessing
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.frame import Frame
from muscle_lab.core.integrator import IntegratorSettings
from muscle_lab.core.muscles import MuscleInfo
from muscle_lab.core.pose import BodyPose, SceneDescription
from muscle_lab.core.state_store import StateStore

if TYPE_CHECKING:
    from muscle_lab.core.pose import PoseReader
    from muscle_lab.core.simulation import Simulation

# spawn, not fork: the parent may be a Qt application with threads of its own.
_CONTEXT = multiprocessing.get_context("spawn")
CLOSE_TIMEOUT_SECONDS = 1.0
POLL_SECONDS = 0.05  # how often a waiting caller looks at timeouts and abandon requests

# Asked every POLL_SECONDS while a call waits, with the seconds spent so far: a reason to give up
# on the call (the child is then ended), or None to keep waiting.
AbandonCheck = Callable[[float], "str | None"]


class SimulationProcessDied(SimulationFailed):
    """The child process ended unexpectedly; a reset starts a new one."""


class SimulationAbandoned(SimulationFailed):
    """The caller gave up on a call that took too long; the child was ended, a reset starts anew."""


class StepTimeout(SimulationAbandoned):
    """A step took longer than the caller allowed."""


@dataclass(frozen=True)
class Busy:
    """A call in flight: what, since when (time.monotonic()), and the simulated time it started from."""

    command: str
    since: float
    from_time: float
    pid: int | None

    def seconds(self) -> float:
        return time.monotonic() - self.since


@dataclass(frozen=True)
class Description:
    """What a caller needs to know of the model, read once in the child."""

    model_path: Path
    model_name: str
    muscles: tuple[MuscleInfo, ...]
    coordinate_names: tuple[str, ...]
    coordinate_is_rotation: tuple[bool, ...]
    joint_angle_names: tuple[str, ...]
    locked_joint_angles: tuple[str, ...]
    body_names: tuple[str, ...]
    frame: Frame
    scene: SceneDescription
    start_warnings: tuple[str, ...] = ()


class SimulationProcess:
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
        poses: bool = False,
    ) -> None:
        """`poses`: every step also reads the body pose (`self.pose`), for drawing and video."""
        self.integrator = integrator
        self.pose: BodyPose | None = None  # the last step's, when `poses`
        self._poses = poses
        self.should_abandon = should_abandon
        self.busy: Busy | None = None  # read from any thread: set while a call waits on the child
        self._model_path = model_path
        self._excitations: np.ndarray | None = None
        self._abandoned: str | None = None  # why the child was ended on purpose
        self._in_flight = 0  # steps asked for (send_step) and not yet received
        self._next_episode = 0  # a restarted child numbers its episodes from here
        self._process: multiprocessing.process.BaseProcess | None = None
        if start:
            self.start()

    # -- description ---------------------------------------------------------------------
    @property
    def model_path(self) -> Path:
        return self._description.model_path

    @property
    def model_name(self) -> str:
        return self._description.model_name

    @property
    def muscles(self) -> tuple[MuscleInfo, ...]:
        return self._description.muscles

    @property
    def muscle_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self._description.muscles)

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        return self._description.coordinate_names

    @property
    def coordinate_is_rotation(self) -> tuple[bool, ...]:
        return self._description.coordinate_is_rotation

    @property
    def joint_angle_names(self) -> tuple[str, ...]:
        return self._description.joint_angle_names

    @property
    def locked_joint_angles(self) -> tuple[str, ...]:
        return self._description.locked_joint_angles

    @property
    def body_names(self) -> tuple[str, ...]:
        return self._description.body_names

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def scene(self) -> SceneDescription:
        """The model's meshes and muscles for drawing, read once in the child."""
        return self._description.scene

    @property
    def start_warnings(self) -> tuple[str, ...]:
        """What is odd about the model's start (e.g. feet deep in the ground), said at load."""
        return self._description.start_warnings

    def is_stopped(self) -> bool:
        """True when the child is stopped (SIGSTOP, a debugger): it cannot answer until continued."""
        return process_state(self.pid) in ("T", "t")

    @property
    def failed(self) -> bool:
        return self.frame.error is not None

    # -- commands ------------------------------------------------------------------------
    def set_excitations(self, values: Iterable[float]) -> list[str]:
        """Checked here first (ExcitationError, nothing sent); a dead child is reported by the
        next step, and a reset hands these values to its successor."""
        values = list(values)
        _, notes = check_excitations(values, self.muscle_names)
        self._excitations = np.asarray(values, dtype=float)
        self._send_excitations()
        return notes

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

    def receive_step(self, timeout: float | None = None) -> Frame:
        """The oldest step asked for, as `step` returns it."""
        self._in_flight -= 1
        try:
            frame, self.pose = self._receive("step", timeout)
            self.frame = self._received(frame)
        except SimulationAbandoned:
            self._in_flight = 0
            raise
        except SimulationProcessDied as died:
            self._in_flight = 0
            self.frame = Frame(**{**self.frame.__dict__, "error": str(died), "done": True})
        return self.frame

    def discard_steps(self) -> None:
        """Collect and drop the steps still in flight (past an episode end or a failure); the
        frame and pose stay those of the last step received before."""
        frame, pose = self.frame, self.pose
        while self._in_flight:
            try:
                self.receive_step()
            except SimulationAbandoned:  # noqa: PERF203 - a step or two at most
                raise
            except SimulationFailed:
                continue  # the child had failed and refused the step
        self.frame, self.pose = frame, pose

    def reset(self) -> Frame:
        """Back to the standing start; a new child if the old one died."""
        try:
            self.frame = self._received(self._call("reset"))
        except SimulationProcessDied:
            return self._restart()
        return self.frame

    def restore(self, episode: int, step: int) -> Frame:
        """Continue from the state the child kept for (episode, step), as a new episode with
        the current excitations (see Simulation.restore). Raises StateNotKept when the child
        no longer has it (it keeps a bounded history; a restarted child has none), and
        SimulationFailed when the child died (a reset starts a new one)."""
        self.frame = self._received(self._call("restore", episode, step))
        return self.frame

    def change_integrator(self, integrator: IntegratorSettings) -> Frame:
        """Switch mode and start a new episode (a new child if the old one died)."""
        try:
            self.frame = self._received(self._call("change_integrator", integrator))
        except SimulationProcessDied:
            self.integrator = integrator
            return self._restart()
        self.integrator = integrator
        return self.frame

    def read_pose(self) -> BodyPose | None:
        """The current body pose; None once the child has died (the drawing keeps the last)."""
        try:
            return cast("BodyPose | None", self._call("pose"))
        except (SimulationFailed, RuntimeError):  # died, or OpenSim could not read this state
            return None

    def abandon(self, reason: str) -> bool:
        """From any thread: give up on the call in flight by ending the child. False when idle."""
        if self.busy is None:
            return False
        self._abandoned = reason
        self.kill()
        return True

    def kill(self) -> None:
        """End the child at once, from any thread: a caller waiting on it gets an error."""
        process = self._process
        if process is not None and process.is_alive():
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
        self._connection.close()

    # -- internals -----------------------------------------------------------------------
    def _restart(self) -> Frame:
        """A fresh child at the standing start, with the excitations the caller last set."""
        self._connection.close()
        self.start()
        if self._excitations is not None:
            self._send_excitations()
        return self.frame

    def _send_excitations(self) -> None:
        """One way, no answer: a step in flight must not see an answer it did not ask for."""
        with contextlib.suppress(OSError):  # the next step reports a dead child
            self._connection.send(("excite", (self._excitations,)))

    def start(self) -> None:
        """Start the child and load the model in it (abandonable like any call)."""
        self._abandoned = None
        self._in_flight = 0
        self._connection, child_end = _CONTEXT.Pipe()
        self._process = _CONTEXT.Process(
            target=serve,
            args=(child_end, self._model_path, self.integrator, self._poses, self._next_episode),
            name="muscle_lab simulation",
            daemon=True,  # never outlives the app
        )
        self._process.start()
        child_end.close()
        try:
            self._description: Description = self._receive("load")
        except BaseException:
            self.kill()
            self._process.join(CLOSE_TIMEOUT_SECONDS)
            self._connection.close()
            raise
        self.frame = self._received(self._description.frame)

    def _received(self, frame: Frame) -> Frame:
        self._next_episode = max(self._next_episode, frame.episode + 1)
        return _frozen(frame)

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
            while not self._connection.poll(POLL_SECONDS):
                elapsed = busy.seconds()
                if timeout is not None and elapsed > timeout:
                    self.kill()
                    raise StepTimeout(f"the {command} from t = {from_time:.2f} s took longer than {timeout:g} s")
                reason = self.should_abandon(elapsed) if self.should_abandon is not None else None
                if reason:
                    self.abandon(reason)
            status, value = self._connection.recv()
        except (EOFError, OSError):
            raise self._died() from None
        finally:
            self.busy = None
        if status == "error":
            raise value
        return value

    def _died(self) -> SimulationProcessDied | SimulationAbandoned:
        assert self._process is not None
        self._process.join(1.0)
        reason, self._abandoned = self._abandoned, None  # said once; after that, a dead child
        if reason is not None:
            return SimulationAbandoned(reason)
        code = self._process.exitcode
        return SimulationProcessDied(
            f"the simulation process stopped unexpectedly (exit code {code}); reset to start it again"
        )


def process_state(pid: int | None) -> str | None:
    """The one-letter state Linux reports for a process (R, S, T, Z...), None where unknown."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def serve(
    connection: Connection,
    model_path: str | Path | None,
    integrator: IntegratorSettings,
    poses: bool = False,
    first_episode: int = 0,
) -> None:
    """The child's loop: build the Simulation, then answer commands until told to close.
    A step answers (frame, pose), the pose None unless `poses`. Every state reached is kept
    (bounded) for `restore`."""
    from muscle_lab.core.pose import PoseReader
    from muscle_lab.core.simulation import Simulation

    # Ctrl+C in a terminal reaches the whole process group: the parent decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        simulation = Simulation(model_path, integrator, first_episode)
        reader = PoseReader(simulation.loaded)
        description = _describe(simulation, reader.scene)
    except Exception as error:  # noqa: BLE001 - ModelLoadError and whatever OpenSim raises: the parent raises it
        connection.send(("error", error))
        return
    states = StateStore()
    states.put(simulation.saved_state())
    connection.send(("ok", description))
    while True:
        try:
            command, args = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if command == "close":
            return
        if command == "excite":  # checked by the parent already; nobody waits for an answer
            with contextlib.suppress(Exception):
                simulation.set_excitations(*args)
            continue
        try:
            if command == "step":
                frame = simulation.step()
                value: object = (frame, _pose_or_none(reader, simulation) if poses and not frame.error else None)
            elif command == "reset":
                value = simulation.reset()
            elif command == "restore":
                value = simulation.restore(states.get(*args))
            elif command == "pose":
                value = reader.read(simulation.state)
            elif command == "change_integrator":
                value = simulation.change_integrator(*args)
                reader = PoseReader(simulation.loaded)
                states.clear()  # another mode's states (other muscles, other integrator) do not apply
            else:
                raise ValueError(f"unknown command {command!r}")
            if command in ("step", "reset", "restore", "change_integrator") and not simulation.failed:
                states.put(simulation.saved_state())
            connection.send(("ok", value))
        except Exception as error:  # noqa: BLE001 - any failure goes back to the caller, the child serves on
            connection.send(("error", error))


def _pose_or_none(reader: PoseReader, simulation: Simulation) -> BodyPose | None:
    """The pose after a step; a state OpenSim cannot read a pose from costs the drawing only."""
    try:
        return reader.read(simulation.state)
    except RuntimeError:
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
    )


def _frozen(frame: Frame) -> Frame:
    """Pickling drops numpy's read-only flag; frames stay read-only across threads."""
    for value in frame.__dict__.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return frame
