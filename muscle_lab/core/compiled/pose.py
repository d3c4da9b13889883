"""A drawn pose (core.simulation.pose.BodyPose) from the compiled engine's own state: what
PoseReader.read reads from an OpenSim state, computed from x by the generated `drawing(x)`
(core.compiled.staged: body rotations and origins, every path point in ground with whether it is
on the current path, activations and fiber forces) and numpy. No OpenSim state is made: the
window keeps a pose for every step, and OpenSim's reading cost about a third of a step. For the
window, `deferred` keeps just the state: the pose is built where it is read (pose_layout).

Equal to PoseReader's at random states (tests/core/compiled/test_drawn_pose.py). The meshes' frames
are fixed on bodies: each is its body's placement times the frame's offset in it, read once
from OpenSim here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.pose_layout import BODY_VALUES, POINT_VALUES, DeferredPose, PoseLayout
from muscle_lab.core.compiled.reader_parts import mobilized_body, transform_of
from muscle_lab.core.simulation.pose import BodyPose, PoseReader

if TYPE_CHECKING:
    from muscle_lab.core.compiled.codegen import CompiledFunction


class CompiledPose:
    """BodyPoses of `reader`'s model (its scene's frames and muscles, its order) from x."""

    def __init__(self, data: ModelData, reader: PoseReader, drawing: CompiledFunction) -> None:
        self.reader, self._drawing = reader, drawing
        loaded = reader.loaded
        body_index = {b.name: i for i, b in enumerate(data.bodies)}
        # Mesh frames: each one's body (-1 for ground) and its offset in that body.
        frames = reader.frames
        offsets = [transform_of(f.findTransformInBaseFrame()) for f in frames]
        # Muscles in the loaded model's order: every path point's 4 values, muscle after muscle,
        # gathered from `drawing`'s output at once.
        muscle_index = {mu.name: i for i, mu in enumerate(data.muscles)}
        muscles = [muscle_index[mu.name] for mu in loaded.muscles]
        starts, at = [], BODY_VALUES * len(data.bodies)
        for muscle in data.muscles:
            starts.append(at)
            at += POINT_VALUES * len(muscle.path)
        counts = [len(data.muscles[i].path) for i in muscles]
        self.layout = PoseLayout(
            library=str(Path(drawing.library).resolve()),  # the receiver may have another working folder
            body_names=loaded.body_names,
            segments=reader.segments,
            bodies=np.array([body_index[name] for name in loaded.body_names], dtype=int),
            frame_body=np.array([body_index.get(mobilized_body(f), -1) for f in frames], dtype=int),
            frame_rotation=np.array([o.rotation for o in offsets], dtype=float).reshape(-1, 3, 3),
            frame_translation=np.array([o.translation for o in offsets], dtype=float).reshape(-1, 3),
            point_values=np.concatenate(
                [starts[i] + np.arange(POINT_VALUES * len(data.muscles[i].path)) for i in muscles]
            ),
            first_points=np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int),
            activation=at + 2 * np.array(muscles, dtype=int),  # each followed by its fiber force
            output_size=at + 2 * len(data.muscles),
            body_count=len(data.bodies),
            fiber_forces=reader.fiber_forces,
        )
        self._layout_file: str | None = None

    def read(self, x: np.ndarray, time: float, excitations: np.ndarray) -> BodyPose:
        """The pose at x = [q, u, activation, fiber_length]; `excitations` those of the last step
        (in the loaded model's muscle order)."""
        return self.layout.build(x, time, excitations, self._drawing)

    def deferred(self, x: np.ndarray, time: float, excitations: np.ndarray) -> BodyPose:
        """The same pose kept as copies of x and the excitations, built when read (pose_layout);
        read now where its layout's file cannot be written (a full or read-only cache)."""
        # Written again if it went (a cache cleaned while the window runs): a look costs ~2 us.
        if self._layout_file is None or (self._layout_file and not os.path.isfile(self._layout_file)):
            try:
                self._layout_file = self.layout.save()
            except OSError:
                self._layout_file = ""
        if not self._layout_file:
            return self.read(x, time, excitations)
        return DeferredPose(self._layout_file, time, np.array(x, dtype=float), np.array(excitations, dtype=float), True)
