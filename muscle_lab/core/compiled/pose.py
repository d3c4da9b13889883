"""A drawn pose (core.simulation.pose.BodyPose) from the compiled engine's own state: what
PoseReader.read reads from an OpenSim state, computed from x by the generated `drawing(x)`
(core.compiled.staged: body rotations and origins, every path point in ground with whether it is
on the current path, activations and fiber forces) and numpy. No OpenSim state is made: the
window draws a pose after every step, and OpenSim's reading cost about a third of a step.

Equal to PoseReader's at random states (tests/core/compiled/test_drawn_pose.py). The meshes' frames
are fixed on bodies: each is its body's placement times the frame's offset in it, read once
from OpenSim here.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reader_parts import mobilized_body, transform_of
from muscle_lab.core.simulation.pose import BodyPose, PoseReader

if TYPE_CHECKING:
    from muscle_lab.core.compiled.codegen import CompiledFunction

BODY_VALUES = 12  # per body in `drawing`'s output: rotation (row by row), origin
POINT_VALUES = 4  # per path point: location, on the path (1) or not (0)


class CompiledPose:
    """BodyPoses of `reader`'s model (its scene's frames and muscles, its order) from x."""

    def __init__(self, data: ModelData, reader: PoseReader, drawing: CompiledFunction) -> None:
        self.reader, self._drawing = reader, drawing
        loaded = reader.loaded
        body_index = {b.name: i for i, b in enumerate(data.bodies)}
        self._bodies = np.array([body_index[name] for name in loaded.body_names], dtype=int)
        # Mesh frames: each one's body (-1 for ground) and its offset in that body.
        frames = reader.frames
        self._frame_body = np.array([body_index.get(mobilized_body(f), -1) for f in frames], dtype=int)
        offsets = [transform_of(f.findTransformInBaseFrame()) for f in frames]
        self._frame_rotation = np.array([o.rotation for o in offsets], dtype=float).reshape(-1, 3, 3)
        self._frame_translation = np.array([o.translation for o in offsets], dtype=float).reshape(-1, 3)
        # Muscles in the loaded model's order: every path point's 4 values, muscle after muscle,
        # gathered from `drawing`'s output at once.
        muscle_index = {mu.name: i for i, mu in enumerate(data.muscles)}
        muscles = [muscle_index[mu.name] for mu in loaded.muscles]
        starts, at = [], BODY_VALUES * len(data.bodies)
        for muscle in data.muscles:
            starts.append(at)
            at += POINT_VALUES * len(muscle.path)
        counts = [len(data.muscles[i].path) for i in muscles]
        self._point_values = np.concatenate(
            [starts[i] + np.arange(POINT_VALUES * len(data.muscles[i].path)) for i in muscles]
        )
        self._first_points = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
        rows = at + 2 * np.array(muscles, dtype=int)
        self._activation, self._fiber_force = rows, rows + 1
        self._out = np.zeros(at + 2 * len(data.muscles))
        # Body placements with ground's last, so that a frame on ground (body -1) reads identity.
        self._rotations = np.zeros((len(data.bodies) + 1, 3, 3))
        self._rotations[-1] = np.eye(3)
        self._origins = np.zeros((len(data.bodies) + 1, 3))
        self._body_values = BODY_VALUES * len(data.bodies)

    def read(self, x: np.ndarray, time: float, excitations: np.ndarray) -> BodyPose:
        """The pose at x = [q, u, activation, fiber_length]; `excitations` those of the last step
        (in the loaded model's muscle order)."""
        out = self._out
        self._drawing.into(out, np.ascontiguousarray(x, dtype=float))
        blocks = out[: self._body_values].reshape(-1, BODY_VALUES)
        rotations, origins = self._rotations, self._origins
        rotations[:-1] = blocks[:, :9].reshape(-1, 3, 3)
        origins[:-1] = blocks[:, 9:]
        carrier = rotations[self._frame_body]  # each mesh frame's body (a copy)
        frame_translations = origins[self._frame_body] + (carrier @ self._frame_translation[:, :, None])[:, :, 0]
        points = out[self._point_values].reshape(-1, POINT_VALUES)
        on = points[:, 3] != 0.0
        bounds = [0, *np.cumsum(np.add.reduceat(on, self._first_points)).tolist()]
        kept = points[on, :3]  # one new array, which nothing else holds: each path is a view of it
        paths = [kept[start:end] for start, end in itertools.pairwise(bounds)]  # np.split took 3x the time
        reader = self.reader
        loaded = reader.loaded
        return BodyPose(
            time=time,
            body_names=loaded.body_names,
            body_positions=origins[self._bodies],
            segments=reader.segments,
            muscle_paths=tuple(paths),
            activations=np.clip(out[self._activation], 0.0, 1.0),
            frame_rotations=carrier @ self._frame_rotation,
            frame_translations=frame_translations,
            excitations=np.array(excitations, dtype=float),
            fiber_forces=out[self._fiber_force] if reader.fiber_forces else None,
        )
