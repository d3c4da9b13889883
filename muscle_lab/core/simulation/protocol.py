"""What a caller of the simulation process sees: what crosses the pipe (the model's `Description`,
an `Observed` observation, frames made read-only again), the call it is `Busy` with, and how a
call fails (the process died, the caller abandoned it, a step timed out)."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.frame import Frame
from muscle_lab.core.muscles import MuscleInfo
from muscle_lab.core.observation.layout import ObservationLayout
from muscle_lab.core.simulation.pose import SceneDescription


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
    status: str | None = None  # what the child said it is doing (e.g. compiling), if it said

    def seconds(self) -> float:
        return time.monotonic() - self.since


@dataclass(frozen=True)
class Observed:
    """osim-rl's observation vector of one state (`ObservationReader.vector`), sent while observing."""

    episode: int
    step: int
    time: float
    values: np.ndarray  # read-only; named by Description.observation_layout


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
    observation_layout: ObservationLayout | None = None  # names the observation vector's entries
    engine: str = "opensim"  # what runs the mode: "opensim" or "compiled" (core.engine_choice)


def say_on_stderr(text: str) -> None:
    """Where a status the child says goes when nobody shows it (the command line)."""
    print(f"muscle_lab: {text}", file=sys.stderr, flush=True)


def frozen(frame: Frame) -> Frame:
    """Pickling drops numpy's read-only flag; frames stay read-only across threads."""
    for value in frame.__dict__.values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return frame


class DescribedModel:
    """The model's description as properties, read once in the child (`Description`)."""

    _description: Description

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
    def scene(self) -> SceneDescription:
        """The model's meshes and muscles for drawing, read once in the child."""
        return self._description.scene

    @property
    def start_warnings(self) -> tuple[str, ...]:
        """What is odd about the model's start (e.g. feet deep in the ground), said at load."""
        return self._description.start_warnings

    @property
    def observation_layout(self) -> ObservationLayout | None:
        """What each entry of the observation vector is (None when the model's could not be read)."""
        return self._description.observation_layout
