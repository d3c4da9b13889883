"""The full state derivative: qdot = u, M(q) udot = Q(q, u, muscles) - C(q, u), and each
muscle's activation and fiber-length derivatives. Also the CasADi Functions of each level
(kinematics, paths, muscles, forces, derivative) that the proofs compare with OpenSim."""

from __future__ import annotations

import casadi as ca

from muscle_lab.core.compiled.forces import contact_forces, limit_force, spring_force
from muscle_lab.core.compiled.kinematics import BodyState, body_states
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.muscle_paths import path_forces, path_state
from muscle_lab.core.compiled.thelen import thelen


def generalized_forces(
    states: dict[str, BodyState],
    u: ca.SX,
    point_forces: list[tuple[str, ca.SX, ca.SX]],
) -> ca.SX:
    """Q of forces applied at ground points of bodies: J_v(point)^T F summed."""
    q_force = ca.SX.zeros(u.shape[0])
    for body, point, force in point_forces:
        if body == "ground":
            continue
        state = states[body]
        velocity = state.velocity + ca.cross(state.angular_velocity, point - state.origin)
        q_force += ca.jacobian(velocity, u).T @ force
    return q_force


def symbols(data: ModelData) -> dict[str, ca.SX]:
    n, m = len(data.coordinates), len(data.muscles)
    return {
        "q": ca.SX.sym("q", n),
        "u": ca.SX.sym("u", n),
        "activation": ca.SX.sym("a", m),
        "fiber_length": ca.SX.sym("lm", m),
        "excitation": ca.SX.sym("e", m),
    }


def level_functions(data: ModelData) -> dict[str, ca.Function]:
    """One CasADi Function per level of the proof, all of the same inputs."""
    s = symbols(data)
    q, u, a, lm, e = s["q"], s["u"], s["activation"], s["fiber_length"], s["excitation"]
    inputs = [q, u, a, lm, e]
    names = ["q", "u", "activation", "fiber_length", "excitation"]
    states = body_states(data, q, u)
    bodies = [b.name for b in data.bodies]
    kinematics = ca.vertcat(
        *[
            ca.vertcat(
                ca.reshape(states[b].rotation.T, 9, 1), states[b].origin, states[b].angular_velocity, states[b].velocity
            )
            for b in bodies
        ]
    )
    paths = [path_state(data, muscle.path, states, q, u) for muscle in data.muscles]
    lengths = ca.vertcat(*[p.length for p in paths])
    speeds = ca.vertcat(*[p.speed for p in paths])
    outputs = [
        thelen(muscle, p.length, a[i], lm[i], e[i])
        for i, (muscle, p) in enumerate(zip(data.muscles, paths, strict=True))
    ]
    tendon = ca.vertcat(*[o.tendon_force for o in outputs])
    fiber_velocity = ca.vertcat(*[o.fiber_velocity for o in outputs])
    activation_rate = ca.vertcat(*[o.activation_rate for o in outputs])

    point_forces: list[tuple[str, ca.SX, ca.SX]] = []
    q_force = ca.SX.zeros(q.shape[0])
    contact_by_body = []
    for force in data.contacts:
        applied = contact_forces(force, states)
        point_forces.extend(applied)
        contact_by_body.append(_spatial_about_origin(states, applied))
    limits = ca.vertcat(*[limit_force(f, q, u) for f in data.limit_forces])
    springs = ca.vertcat(*[spring_force(f, q, u) for f in data.springs])
    coordinates = [f.coordinate for f in data.limit_forces] + [f.coordinate for f in data.springs]
    for coordinate, value in zip(coordinates, ca.vertsplit(ca.vertcat(limits, springs)), strict=True):
        q_force[coordinate] += value
    for muscle, path, output in zip(data.muscles, paths, outputs, strict=True):
        applied_path = path_forces(muscle.path, path, output.tendon_force)
        point_forces.extend(applied_path.point_forces)
        for coordinate, value in applied_path.generalized:
            q_force[coordinate] += value
    q_force += generalized_forces(states, u, point_forces)
    mass, bias, gravity = _mass_bias_gravity(data, states, q, u)
    udot = ca.solve(mass, q_force + gravity - bias)

    def function(name: str, *out: ca.SX) -> ca.Function:
        return ca.Function(name, inputs, [ca.vertcat(*out)], names, ["out"])

    return {
        "kinematics": function("kinematics", kinematics),
        "paths": function("paths", lengths, speeds),
        "muscles": function("muscles", tendon, fiber_velocity, activation_rate),
        "contacts": function("contacts", *contact_by_body),
        "limits": function("limits", limits, springs),
        "derivative": function("derivative", u, udot, activation_rate, fiber_velocity),
    }


def _spatial_about_origin(states: dict[str, BodyState], applied: list[tuple[str, ca.SX, ca.SX]]) -> ca.SX:
    """Torque about the body origin and force, per body in order of first appearance (as
    OpenSim's HuntCrossleyForce records them)."""
    order: list[str] = []
    totals: dict[str, tuple[ca.SX, ca.SX]] = {}
    for body, point, force in applied:
        if body not in totals:
            order.append(body)
            totals[body] = (ca.SX.zeros(3), ca.SX.zeros(3))
        torque, total = totals[body]
        totals[body] = (torque + ca.cross(point - states[body].origin, force), total + force)
    return ca.vertcat(*[ca.vertcat(totals[b][1], totals[b][0]) for b in order])


def _mass_bias_gravity(data: ModelData, states: dict[str, BodyState], q: ca.SX, u: ca.SX) -> tuple[ca.SX, ca.SX, ca.SX]:
    """Kane's equations: M = sum m Jc^T Jc + Jw^T I Jw, C = sum m Jc^T ac + Jw^T (I alpha + w x Iw)
    with ac, alpha the accelerations at udot = 0, and the generalized gravity."""
    n = q.shape[0]
    mass, bias, gravity = ca.SX.zeros(n, n), ca.SX.zeros(n), ca.SX.zeros(n)
    g = ca.DM(data.gravity)
    for body in data.bodies:
        state = states[body.name]
        r = state.rotation
        com = state.origin + r @ ca.DM(body.mass_center)
        v_com = ca.jtimes(com, q, u)
        j_v = ca.jacobian(v_com, u)
        j_w = ca.jacobian(state.angular_velocity, u)
        a_bias = ca.jtimes(v_com, q, u)
        alpha_bias = ca.jtimes(state.angular_velocity, q, u)
        inertia = r @ ca.DM(body.inertia) @ r.T
        w = state.angular_velocity
        mass += body.mass * (j_v.T @ j_v) + j_w.T @ inertia @ j_w
        bias += body.mass * (j_v.T @ a_bias) + j_w.T @ (inertia @ alpha_bias + ca.cross(w, inertia @ w))
        gravity += body.mass * (j_v.T @ g)
    return mass, bias, gravity
