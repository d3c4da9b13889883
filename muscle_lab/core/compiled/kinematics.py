"""Body poses, velocities and bias accelerations from q and u, as CasADi expressions
(Simbody's mobilizers).

A CustomJoint is Simbody's FunctionBased mobilizer: X_FM = (R(s0, a0) R(s1, a1) R(s2, a2),
s3 a3 + s4 a4 + s5 a5) with s_i the axis functions of q and a_i the unit axes; every mobilizer
used here has qdot = u. Each joint's own velocity and bias acceleration (udot = 0) are exact
time derivatives of its X_FM (forward mode on that small expression); they are propagated from
parent to child in ground (rigid-body kinematics), so no derivative pass crosses the tree.
"""

from __future__ import annotations

from dataclasses import dataclass

import casadi as ca

from muscle_lab.core.compiled.functions import evaluate
from muscle_lab.core.compiled.model_data import Joint, ModelData, Transform


@dataclass(frozen=True)
class BodyState:
    """Body frame B in ground: rotation R (3x3), origin p, angular velocity w, origin velocity v,
    and the angular and origin accelerations at udot = 0 (the bias accelerations)."""

    rotation: ca.SX
    origin: ca.SX
    angular_velocity: ca.SX
    velocity: ca.SX
    angular_bias: ca.SX
    bias: ca.SX
    jacobian_v: ca.SX  # d(velocity)/du (3 x n, zero outside the body's ancestors' columns)
    jacobian_w: ca.SX  # d(angular_velocity)/du

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
    """Every body's pose, velocity and bias acceleration in ground, and ground's."""
    zero, none = ca.SX.zeros(3), ca.SX(3, q.shape[0])  # `none`: structurally zero
    states = {"ground": BodyState(ca.SX(ca.DM.eye(3)), zero, zero, zero, zero, zero, none, none)}
    for joint in data.joints:
        parent = states[joint.parent]
        r_pf, p_pf = constant(joint.parent_offset)
        r_bm, p_bm = constant(joint.child_offset)
        r_fm, p_fm = mobilizer(joint, q)
        # The joint's own motion, in F: w_fm from R' R^T, v_fm = p', and their rates at udot = 0.
        r_fm_dot = ca.reshape(ca.jtimes(ca.reshape(r_fm, 9, 1), q, u), 3, 3)
        skew = r_fm_dot @ r_fm.T
        w_fm = ca.vertcat(skew[2, 1], skew[0, 2], skew[1, 0])
        v_fm = ca.jtimes(p_fm, q, u)
        alpha_fm, a_fm = ca.jtimes(w_fm, q, u), ca.jtimes(v_fm, q, u)

        w_p, alpha_p = parent.angular_velocity, parent.angular_bias
        r_gf = parent.rotation @ r_pf
        r_pf_g = parent.rotation @ p_pf  # F's origin from P's, in ground
        p_fm_g = r_gf @ p_fm  # M's origin from F's
        r_gb = r_gf @ r_fm @ r_bm.T
        r_mb = -(r_gb @ p_bm)  # B's origin from M's
        w_fm_g = r_gf @ w_fm
        w_b = w_p + w_fm_g
        v_f = parent.velocity + ca.cross(w_p, r_pf_g)
        v_m = v_f + r_gf @ v_fm + ca.cross(w_p, p_fm_g)
        a_f = parent.bias + ca.cross(alpha_p, r_pf_g) + ca.cross(w_p, ca.cross(w_p, r_pf_g))
        alpha_b = alpha_p + r_gf @ alpha_fm + ca.cross(w_p, w_fm_g)
        a_m = (
            a_f
            + r_gf @ a_fm
            + 2 * ca.cross(w_p, r_gf @ v_fm)
            + ca.cross(alpha_p, p_fm_g)
            + ca.cross(w_p, ca.cross(w_p, p_fm_g))
        )
        # The Jacobians the same way: the parent's carried to B's origin, plus the joint's own
        # columns (w_fm and v_fm are linear in the joint's speeds).
        s_w = r_gf @ ca.jacobian(w_fm, u)
        offset = r_pf_g + p_fm_g + r_mb  # B's origin from P's
        j_w = parent.jacobian_w + s_w
        j_v = (
            parent.jacobian_v - ca.skew(offset) @ parent.jacobian_w + r_gf @ ca.jacobian(v_fm, u) - ca.skew(r_mb) @ s_w
        )
        states[joint.child] = BodyState(
            r_gb,
            parent.origin + offset,
            w_b,
            v_m + ca.cross(w_b, r_mb),
            alpha_b,
            a_m + ca.cross(alpha_b, r_mb) + ca.cross(w_b, ca.cross(w_b, r_mb)),
            j_v,
            j_w,
        )
    return states
