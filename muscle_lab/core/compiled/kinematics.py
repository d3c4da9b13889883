"""Body poses and velocities from q and u, as CasADi expressions (Simbody's mobilizers).

A CustomJoint is Simbody's FunctionBased mobilizer: X_FM = (R(s0, a0) R(s1, a1) R(s2, a2),
s3 a3 + s4 a4 + s5 a5) with s_i the axis functions of q and a_i the unit axes; every mobilizer
used here has qdot = u. Velocities are the exact time derivatives of the poses (forward mode).
"""

from __future__ import annotations

from dataclasses import dataclass

import casadi as ca

from muscle_lab.core.compiled.functions import evaluate
from muscle_lab.core.compiled.model_data import Joint, ModelData, Transform


@dataclass(frozen=True)
class BodyState:
    """Body frame B in ground: rotation R (3x3), origin p, angular velocity w, origin velocity v."""

    rotation: ca.SX
    origin: ca.SX
    angular_velocity: ca.SX
    velocity: ca.SX

    def station(self, point: ca.SX) -> tuple[ca.SX, ca.SX]:
        """A point fixed on the body (body frame): its location and velocity in ground."""
        offset = self.rotation @ point
        return self.origin + offset, self.velocity + ca.cross(self.angular_velocity, offset)


def constant(transform: Transform) -> tuple[ca.SX, ca.SX]:
    return ca.SX(ca.DM(transform.rotation)), ca.SX(ca.DM(transform.translation))


def axis_rotation(angle: ca.SX, axis: tuple[float, float, float]) -> ca.SX:
    """Rotation by `angle` about the unit vector `axis` (Rodrigues)."""
    a = ca.DM(axis) / float(ca.norm_2(ca.DM(axis)))
    skew = ca.skew(a)
    return ca.SX(ca.DM.eye(3)) + ca.sin(angle) * skew + (1 - ca.cos(angle)) * (skew @ skew)


def mobilizer(joint: Joint, q: ca.SX) -> tuple[ca.SX, ca.SX]:
    """X_FM of the joint at q."""
    if joint.kind == "weld":
        return ca.SX(ca.DM.eye(3)), ca.SX.zeros(3)
    if joint.kind == "pin":
        return axis_rotation(q[joint.coordinates[0]], (0.0, 0.0, 1.0)), ca.SX.zeros(3)
    if joint.kind == "planar":
        i, j, k = joint.coordinates
        return axis_rotation(q[i], (0.0, 0.0, 1.0)), ca.vertcat(q[j], q[k], 0)
    values = [evaluate(axis.function, q[axis.coordinates[0]] if axis.coordinates else None) for axis in joint.axes]
    rotation = ca.SX(ca.DM.eye(3))
    for value, axis in zip(values[:3], joint.axes[:3], strict=True):
        rotation = rotation @ axis_rotation(value, axis.axis)
    translation = ca.SX.zeros(3)
    for value, axis in zip(values[3:], joint.axes[3:], strict=True):
        translation += value * (ca.DM(axis.axis) / float(ca.norm_2(ca.DM(axis.axis))))
    return rotation, translation


def body_states(data: ModelData, q: ca.SX, u: ca.SX) -> dict[str, BodyState]:
    """Every body's pose and velocity in ground, and ground's."""
    zero = ca.SX.zeros(3)
    states = {"ground": BodyState(ca.SX(ca.DM.eye(3)), zero, zero, zero)}
    for joint in data.joints:
        parent = states[joint.parent]
        r_pf, p_pf = constant(joint.parent_offset)
        r_bm, p_bm = constant(joint.child_offset)
        r_gf = parent.rotation @ r_pf
        p_gf = parent.origin + parent.rotation @ p_pf
        r_fm, p_fm = mobilizer(joint, q)
        r_gm = r_gf @ r_fm
        p_gm = p_gf + r_gf @ p_fm
        r_gb = r_gm @ r_bm.T
        p_gb = p_gm - r_gb @ p_bm
        r_dot = ca.reshape(ca.jtimes(ca.reshape(r_gb, 9, 1), q, u), 3, 3)
        w_skew = r_dot @ r_gb.T
        w = ca.vertcat(w_skew[2, 1], w_skew[0, 2], w_skew[1, 0])
        states[joint.child] = BodyState(r_gb, p_gb, w, ca.jtimes(p_gb, q, u))
    return states
