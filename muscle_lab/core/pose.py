"""Where the model's bodies and muscle paths are, in ground coordinates, for drawing.

Read where the simulation runs (it calls OpenSim: in the simulation process); the resulting
`BodyPose` holds plain numpy arrays only, so it pickles to the window's process for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # BodyPose is unpickled in processes that never load OpenSim
    import opensim

    from muscle_lab.core.model import LoadedModel


@dataclass(frozen=True)
class BodyPose:
    """A snapshot of the model's geometry at one instant (metres, OpenSim ground frame:
    x forward, y up, z to the model's right)."""

    time: float
    body_names: tuple[str, ...]
    body_positions: np.ndarray  # n_bodies x 3, each body's origin
    segments: tuple[tuple[int, int], ...]  # (parent, child) rows of body_positions, one per joint
    muscle_paths: tuple[np.ndarray, ...]  # per muscle, k x 3 path points from origin to insertion
    activations: np.ndarray  # per muscle, in [0, 1]


def joint_segments(loaded: LoadedModel) -> tuple[tuple[int, int], ...]:
    """Each joint as a (parent body, child body) pair; joints to ground are left out:
    they have no bone to draw."""
    index_of = {name: i for i, name in enumerate(loaded.body_names)}
    joint_set = loaded.model.getJointSet()
    segments = []
    for i in range(joint_set.getSize()):
        joint = joint_set.get(i)
        parent = joint.getParentFrame().findBaseFrame().getName()
        child = joint.getChildFrame().findBaseFrame().getName()
        if parent in index_of and child in index_of:
            segments.append((index_of[parent], index_of[child]))
    return tuple(segments)


class PoseReader:
    """Reads `BodyPose`s from one loaded model; the joint structure is looked up once."""

    def __init__(self, loaded: LoadedModel) -> None:
        self._loaded = loaded
        self._segments = joint_segments(loaded)
        self._paths = [muscle.getGeometryPath() for muscle in loaded.muscle_objects]

    @property
    def segments(self) -> tuple[tuple[int, int], ...]:
        return self._segments

    def read(self, state: opensim.State) -> BodyPose:
        """The pose in `state`; realizes it to Position (cheap if already further along)."""
        loaded = self._loaded
        loaded.model.realizePosition(state)
        positions = np.array([_vec3(body.getPositionInGround(state)) for body in loaded.bodies])
        paths = []
        for path in self._paths:
            points = path.getCurrentPath(state)  # via and conditional points included as active
            paths.append(
                np.array([_vec3(points.get(k).getLocationInGround(state)) for k in range(points.getSize())])
                .reshape(-1, 3)
            )
        return BodyPose(
            time=state.getTime(),
            body_names=loaded.body_names,
            body_positions=positions,
            segments=self._segments,
            muscle_paths=tuple(paths),
            activations=np.clip(np.array(loaded.activations(state), dtype=float), 0.0, 1.0),
        )


def _vec3(vector: opensim.Vec3) -> tuple[float, float, float]:
    return (vector.get(0), vector.get(1), vector.get(2))
