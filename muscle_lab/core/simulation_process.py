"""A Simulation in a child process, driven through a pipe.

OpenSim's Python bindings hold the GIL for a whole step (~10 ms), so a simulation in a thread
of the window's process stops the window's Python for as long. In a child process the step
runs on the other core while the caller waits on the pipe without the GIL. If the child dies
(a crash inside OpenSim), the next step reports it like a failed integration and `reset`
starts a new child: the app survives it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.frame import Frame
from muscle_lab.core.integrator import IntegratorSettings
from muscle_lab.core.muscles import MuscleInfo
from muscle_lab.core.pose import BodyPose

# spawn, not fork: the parent may be a Qt application with threads of its own.
_CONTEXT = multiprocessing.get_context("spawn")
CLOSE_TIMEOUT_SECONDS = 5.0


class SimulationProcessDied(SimulationFailed):
    """The child process ended unexpectedly; a reset starts a new one."""


@dataclass(frozen=True)
class Description:
    """What a caller needs to know of the model, read once in the child."""

    model_path: Path
    model_name: str
    muscles: tuple[MuscleInfo, ...]
    coordinate_names: tuple[str, ...]
    coordinate_is_rotation: tuple[bool, ...]
    joint_angle_names: tuple[str, ...]
    body_names: tuple[str, ...]
    frame: Frame


class SimulationProcess:
    """The parts of `Simulation`'s interface a driver needs, served by a child process.

    Raises what Simulation raises: ModelLoadError from the constructor, ExcitationError from
    `set_excitations`, SimulationFailed from `reset`.
    """

    def __init__(self, model_path: str | Path | None, integrator: IntegratorSettings) -> None:
        self.integrator = integrator
        self._model_path = model_path
        self._excitations: np.ndarray | None = None
        self._start()

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
    def body_names(self) -> tuple[str, ...]:
        return self._description.body_names

    @property
    def pid(self) -> int | None:
        return self._process.pid

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
        try:
            self._call("set_excitations", self._excitations)  # the child's frame carries the notes
        except SimulationProcessDied:
            pass
        return notes

    def step(self) -> Frame:
        """As Simulation.step; a dead child gives a frame with the error, like a failure."""
        try:
            self.frame = _frozen(self._call("step"))
        except SimulationProcessDied as died:
            self.frame = Frame(**{**self.frame.__dict__, "error": str(died), "done": True})
        return self.frame

    def reset(self) -> Frame:
        """Back to the standing start; a new child if the old one died."""
        try:
            self.frame = _frozen(self._call("reset"))
        except SimulationProcessDied:
            return self._restart()
        return self.frame

    def change_integrator(self, integrator: IntegratorSettings) -> Frame:
        """Switch mode and start a new episode (a new child if the old one died)."""
        try:
            self.frame = _frozen(self._call("change_integrator", integrator))
        except SimulationProcessDied:
            self.integrator = integrator
            return self._restart()
        self.integrator = integrator
        return self.frame

    def read_pose(self) -> BodyPose | None:
        """The current body pose; None once the child has died (the drawing keeps the last)."""
        try:
            return self._call("pose")
        except (SimulationFailed, RuntimeError):  # died, or OpenSim could not read this state
            return None

    def kill(self) -> None:
        """End the child at once, from any thread: a caller blocked on it gets an error."""
        if self._process.is_alive():
            self._process.kill()

    def close(self) -> None:
        """End the child; waits a moment for a clean exit, then insists."""
        try:
            self._connection.send(("close", ()))
        except OSError:
            pass
        self._process.join(CLOSE_TIMEOUT_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._connection.close()

    # -- internals -----------------------------------------------------------------------
    def _restart(self) -> Frame:
        """A fresh child at the standing start, with the excitations the caller last set."""
        self._connection.close()
        self._start()
        if self._excitations is not None:
            self._call("set_excitations", self._excitations)
        return self.frame

    def _start(self) -> None:
        self._connection, child_end = _CONTEXT.Pipe()
        self._process = _CONTEXT.Process(
            target=serve,
            args=(child_end, self._model_path, self.integrator),
            name="muscle_lab simulation",
            daemon=True,  # never outlives the app
        )
        self._process.start()
        child_end.close()
        try:
            self._description: Description = self._receive()
        except BaseException:
            self._process.join(CLOSE_TIMEOUT_SECONDS)
            self.kill()
            self._connection.close()
            raise
        self.frame = _frozen(self._description.frame)

    def _call(self, command: str, *args: object) -> object:
        try:
            self._connection.send((command, args))
        except OSError:
            raise self._died() from None
        return self._receive()

    def _receive(self) -> object:
        try:
            status, value = self._connection.recv()
        except (EOFError, OSError):
            raise self._died() from None
        if status == "error":
            raise value
        return value

    def _died(self) -> SimulationProcessDied:
        self._process.join(1.0)
        code = self._process.exitcode
        return SimulationProcessDied(
            f"the simulation process stopped unexpectedly (exit code {code}); reset to start it again"
        )


def serve(connection: Connection, model_path: str | Path | None, integrator: IntegratorSettings) -> None:
    """The child's loop: build the Simulation, then answer commands until told to close."""
    from muscle_lab.core.pose import PoseReader
    from muscle_lab.core.simulation import Simulation

    try:
        simulation = Simulation(model_path, integrator)
        reader = PoseReader(simulation.loaded)
        description = _describe(simulation)
    except Exception as error:  # ModelLoadError and the like: the parent raises it
        connection.send(("error", error))
        return
    connection.send(("ok", description))
    while True:
        try:
            command, args = connection.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        if command == "close":
            return
        try:
            if command == "step":
                value: object = simulation.step()
            elif command == "reset":
                value = simulation.reset()
            elif command == "set_excitations":
                value = simulation.set_excitations(*args)
            elif command == "pose":
                value = reader.read(simulation.state)
            elif command == "change_integrator":
                value = simulation.change_integrator(*args)
                reader = PoseReader(simulation.loaded)
            else:
                raise ValueError(f"unknown command {command!r}")
            connection.send(("ok", value))
        except Exception as error:
            connection.send(("error", error))


def _describe(simulation) -> Description:
    return Description(
        model_path=simulation.model_path,
        model_name=simulation.model_name,
        muscles=simulation.muscles,
        coordinate_names=simulation.coordinate_names,
        coordinate_is_rotation=simulation.coordinate_is_rotation,
        joint_angle_names=simulation.joint_angle_names,
        body_names=simulation.body_names,
        frame=simulation.frame,
    )


def _frozen(frame: Frame) -> Frame:
    """Pickling drops numpy's read-only flag; frames stay read-only across threads."""
    for value in frame.__dict__.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return frame
