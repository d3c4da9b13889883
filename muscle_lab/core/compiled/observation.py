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
# Of those, the reader's x, y, vx, vy, ax, ay, (rz: from the rotation), vrz, arz.
BODY_COLUMNS = [9, 10, 15, 16, 21, 22, 0, 14, 20]
RZ = 6


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
        present = [
            (slot, body_index[name])
            for slot, name in enumerate(layout.bodies)
            if name not in layout.missing_bodies and name in body_index
        ]
        self._slots = np.array([slot for slot, _ in present], dtype=int)
        self._slot_bodies = np.array([index for _, index in present], dtype=int)
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
        table = self._body_table()
        reference = table[self._reference]
        values[:8] = reference[1:]
        bodies = np.zeros((self._body_count, 9))
        bodies[self._slots] = table[self._slot_bodies]
        bodies[self._slots[:, None], [0, 1, RZ]] -= reference[[0, 1, RZ]]
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

    def _body_table(self) -> np.ndarray:
        """x, y, vx, vy, ax, ay, rz, vrz, arz of every body, as the reader's _body_values (a
        table at once: body by body, numpy's small calls took 40 us a step)."""
        blocks = self._out[: self._center].reshape(-1, BODY_VALUES)
        table = blocks[:, BODY_COLUMNS]
        # Simbody's body-fixed X-Y-Z angles away from gimbal lock: the third is atan2(-R01, R00).
        table[:, RZ] = np.arctan2(-blocks[:, 1], blocks[:, 0])
        return table
