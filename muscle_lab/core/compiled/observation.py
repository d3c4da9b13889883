"""osim-rl's observation vector from the compiled engine's own state: what
core.observation.ObservationReader.vector reads from an OpenSim state realized to accelerations,
computed from x, the derivative at x (the step's excitations applied) and the generated
`bodies(x, udot)` (body poses, velocities, accelerations, the mass center and the muscle
states as OpenSim reports them, clamped). No OpenSim state
is built: one derivative and one bodies call in C, and numpy indexing.

Equal to the OpenSim reader's vector within ~1e-10 relative at random states
(tests/core/compiled/test_observation_vector.py). The state description (forces' record values,
markers, ...) still comes from OpenSim, when asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.observation.layout import ObservationLayout

if TYPE_CHECKING:
    from muscle_lab.core.compiled.codegen import CompiledFunction

BODY_VALUES = 24  # per body in `bodies`' output: rotation 9, origin, w, v, alpha, a


class CompiledObservation:
    """The vector of `layout` from (x, xdot); `fixed` holds every coordinate of the model as
    written at its locked value (welded ones stay there, at zero speed and acceleration)."""

    def __init__(
        self, data: ModelData, layout: ObservationLayout, bodies: CompiledFunction, fixed: dict[str, float]
    ) -> None:
        self._bodies, self.layout = bodies, layout
        n, m = len(data.coordinates), len(data.muscles)
        body_index = {b.name: i for i, b in enumerate(data.bodies)}
        self._out = np.zeros(BODY_VALUES * len(data.bodies) + 9 + 2 * m)
        self._center = BODY_VALUES * len(data.bodies)
        self._udot = np.zeros(n)
        self._reference = body_index[layout.reference_body]
        self._present = [
            (slot, body_index[name])
            for slot, name in enumerate(layout.bodies)
            if name not in layout.missing_bodies and name in body_index
        ]
        self._body_count = len(layout.bodies)
        # Joints: each coordinate a live index into q (and u, udot), or a fixed value; per joint
        # its values, then speeds, then accelerations (`_joint_order` into [q, u, udot] of all).
        coordinate_index = {c.name: i for i, c in enumerate(data.coordinates)}
        names = [name for slot in layout.joints for name in slot.coordinates]
        self._joint_live = np.array([coordinate_index.get(name, -1) for name in names], dtype=int)
        self._joint_fixed = np.array([fixed.get(name, 0.0) for name in names])
        order, start = [], 0
        for slot in layout.joints:
            own = range(start, start + len(slot.coordinates))
            order += [kind * len(names) + k for kind in range(3) for k in own]
            start += len(slot.coordinates)
        self._joint_order = np.array(order, dtype=int)
        muscle_index = {mu.name: i for i, mu in enumerate(data.muscles)}
        muscles = np.array([muscle_index[name] for name in layout.muscles], dtype=int)
        self._activation = self._center + 9 + 2 * muscles  # clamped as OpenSim reports them
        self._fiber = self._center + 10 + 2 * muscles
        self._fiber_velocity = 2 * n + m + muscles
        self._n = n
        self.size = layout.size

    def vector(self, x: np.ndarray, xdot: np.ndarray) -> np.ndarray:
        """ObservationReader.vector at this state: x = [q, u, activation, fiber length], xdot
        its derivative."""
        n = self._n
        np.copyto(self._udot, xdot[n : 2 * n])
        self._bodies.into(self._out, x, self._udot)
        values = np.empty(self.size)
        reference = self._body_values(self._reference)
        values[:8] = reference[1:]
        bodies = np.zeros((self._body_count, 9))
        for slot, index in self._present:
            current = self._body_values(index)
            current[[0, 1, 6]] -= reference[[0, 1, 6]]
            bodies[slot] = current
        at = 8 + 9 * self._body_count
        values[8:at] = bodies.reshape(-1)
        live, safe = self._joint_live >= 0, np.maximum(self._joint_live, 0)
        joints = np.concatenate(
            [
                np.where(live, x[safe], self._joint_fixed),
                np.where(live, x[n + safe], 0.0),
                np.where(live, xdot[n + safe], 0.0),
            ]
        )[self._joint_order]
        values[at : at + joints.size] = joints
        at += joints.size
        out = self._out
        muscles = np.stack([out[self._activation], out[self._fiber], xdot[self._fiber_velocity]], axis=1).reshape(-1)
        values[at : at + muscles.size] = muscles
        at += muscles.size
        center = out[self._center : self._center + 9]
        values[at : at + 2] = center[:2] - reference[:2]
        values[at + 2 :] = center[3:]
        return values

    def _body_values(self, index: int) -> np.ndarray:
        """x, y, vx, vy, ax, ay, rz, vrz, arz of body `index`, as the reader's _body_values."""
        block = self._out[BODY_VALUES * index : BODY_VALUES * (index + 1)]
        rotation = block[:9]  # row by row
        origin, w, v, alpha, a = block[9:12], block[12:15], block[15:18], block[18:21], block[21:24]
        # Simbody's body-fixed X-Y-Z angles away from gimbal lock: the third is atan2(-R01, R00).
        rz = np.arctan2(-rotation[1], rotation[0])
        return np.array([origin[0], origin[1], v[0], v[1], a[0], a[1], rz, w[2], alpha[2]])
