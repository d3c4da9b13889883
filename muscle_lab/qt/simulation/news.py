"""What the simulation worker sends the window, and the choices it is given: plain data, no OpenSim."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from muscle_lab.core.frame import Frame
from muscle_lab.core.muscles import MuscleInfo
from muscle_lab.core.observation.layout import ObservationLayout
from muscle_lab.core.recording.columns import RecordingNames
from muscle_lab.core.simulation.pose import BodyPose, SceneDescription

ON_END_PAUSE = "pause"
ON_END_RESET = "reset"
MOMENT_ARMS_WHILE_RUNNING = "the simulation is running: pause it to compute the moment arms at its pose"


@dataclass(frozen=True)
class ModelInfo:
    """What the GUI needs to build its widgets for a model: plain data, no OpenSim."""

    path: Path
    name: str
    muscles: tuple[MuscleInfo, ...]
    joint_angle_names: tuple[str, ...]
    body_names: tuple[str, ...]
    mode: str
    recording_names: RecordingNames  # column names for recordings of this model
    scene: SceneDescription  # meshes and muscles for the 3D view
    start_warnings: tuple[str, ...] = ()  # e.g. feet starting deep in the ground
    locked_joint_angles: tuple[str, ...] = ()  # never move: not plotted
    observation_layout: ObservationLayout | None = None  # names osim-rl's observation vector
    engine: str = "opensim"  # what runs the mode: "opensim" or "compiled" (core.engine_choice)


def model_text(info: ModelInfo, engine: str) -> str:
    """What the status bar says of the model, what runs it first: a narrow window cuts the end."""
    runs_on = "compiled engine" if engine == "compiled" else "OpenSim"
    return f"{runs_on} · {info.path.name}: {len(info.muscles)} muscles"


@dataclass(frozen=True)
class Batch:
    """What the worker sends the GUI at most every BATCH_SECONDS."""

    frames: list[Frame]
    poses: list[BodyPose | None]  # one per frame: the body at that frame (None where unreadable)
    real_time_factor: float  # achieved over the last second; 0 while paused

    @property
    def pose(self) -> BodyPose | None:
        """The latest readable pose of the batch."""
        return next((pose for pose in reversed(self.poses) if pose is not None), None)


@dataclass(frozen=True)
class Branched:
    """A new episode that continues `source` episode from `step`: `frame` is that step's
    restored state (numbered as the new episode)."""

    source: int
    step: int
    frame: Frame
    pose: BodyPose | None
