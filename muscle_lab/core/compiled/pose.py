"""A drawn pose (core.simulation.pose.BodyPose) from the compiled engine's own state: what
PoseReader.read reads from an OpenSim state, computed from x by the generated `drawing(x)`
(core.compiled.staged: body rotations and origins, every path point in ground with whether it is
on the current path, activations and fiber forces) and numpy. No OpenSim state is made: the
window draws a pose after every step, and OpenSim's reading cost about a third of a step.

Equal to PoseReader's at random states (tests/core/compiled/test_pose.py). The meshes' frames
are fixed on bodies: each is its body's placement times the frame's offset in it, read once
from OpenSim here.
"""

from __future__ import annotations

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
        # Muscles in the loaded model's order, each its block of path points in `drawing`'s output.
        muscle_index = {mu.name: i for i, mu in enumerate(data.muscles)}
        names = [mu.name for mu in loaded.muscles]
        starts, at = [], BODY_VALUES * len(data.bodies)
        for muscle in data.muscles:
            starts.append(at)
            at += POINT_VALUES * len(muscle.path)
        self._points = [(starts[muscle_index[name]], len(data.muscles[muscle_index[name]].path)) for name in names]
        muscles = np.array([muscle_index[name] for name in names], dtype=int)
        self._activation, self._fiber_force = at + 2 * muscles, at + 2 * muscles + 1
        self._out = np.zeros(at + 2 * len(data.muscles))
        self._body_count = len(data.bodies)

    def read(self, x: np.ndarray, time: float, excitations: np.ndarray) -> BodyPose:
        """The pose at x = [q, u, activation, fiber_length]; `excitations` those of the last step
        (in the loaded model's muscle order)."""
        out = self._out
        self._drawing.into(out, np.ascontiguousarray(x, dtype=float))
        blocks = out[: BODY_VALUES * self._body_count].reshape(-1, BODY_VALUES)
        rotations, origins = blocks[:, :9].reshape(-1, 3, 3), blocks[:, 9:]
        frame_rotations = np.empty((self._frame_body.size, 3, 3))
        frame_translations = np.empty((self._frame_body.size, 3))
        on_body = self._frame_body >= 0
        body = self._frame_body[on_body]
        frame_rotations[on_body] = rotations[body] @ self._frame_rotation[on_body]
        frame_translations[on_body] = origins[body] + np.einsum(
            "kij,kj->ki", rotations[body], self._frame_translation[on_body]
        )
        frame_rotations[~on_body] = self._frame_rotation[~on_body]  # on ground
        frame_translations[~on_body] = self._frame_translation[~on_body]
        paths = []
        for start, count in self._points:
            block = out[start : start + POINT_VALUES * count].reshape(count, POINT_VALUES)
            paths.append(block[block[:, 3] != 0.0, :3].copy())
        reader = self.reader
        loaded = reader.loaded
        fiber_forces = out[self._fiber_force].copy() if reader.fiber_forces else None
        return BodyPose(
            time=time,
            body_names=loaded.body_names,
            body_positions=origins[self._bodies].copy(),
            segments=reader.segments,
            muscle_paths=tuple(paths),
            activations=np.clip(out[self._activation], 0.0, 1.0),
            frame_rotations=frame_rotations,
            frame_translations=frame_translations,
            excitations=np.array(excitations, dtype=float),
            fiber_forces=fiber_forces,
        )
