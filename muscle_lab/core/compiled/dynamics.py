"""The full state derivative: qdot = u, M(q) udot = Q(q, u, muscles) - C(q, u), and each
muscle's activation and fiber-length derivatives. Also the CasADi Functions of each level
(kinematics, paths, muscles, forces, derivative) that the proofs compare with OpenSim."""

from __future__ import annotations

from dataclasses import dataclass

import casadi as ca

from muscle_lab.core.compiled.forces import contact_forces, limit_force, spring_force
from muscle_lab.core.compiled.kinematics import BodyState, body_states
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.muscle_paths import path_forces, path_state
from muscle_lab.core.compiled.thelen import thelen


def body_jacobians(states: dict[str, BodyState], u: ca.SX) -> dict[str, tuple[ca.SX, ca.SX]]:
    """Each body's J_v (origin velocity) and J_w (angular velocity) with respect to u, as
    kinematics propagates them joint to joint (extracting them from the velocities' expressions
    cost ~7k operations)."""
    return {name: (state.jacobian_v, state.jacobian_w) for name, state in states.items() if name != "ground"}


def generalized_forces(
    states: dict[str, BodyState],
    jacobians: dict[str, tuple[ca.SX, ca.SX]],
    point_forces: list[tuple[str, ca.SX, ca.SX]],
) -> ca.SX:
    """Q of forces applied at ground points of bodies: each body's resultant force and moment
    about its origin, through its Jacobians."""
    resultants: dict[str, tuple[ca.SX, ca.SX]] = {}
    for body, point, force in point_forces:
        if body == "ground":
            continue
        total, moment = resultants.get(body, (ca.SX.zeros(3), ca.SX.zeros(3)))
        resultants[body] = (total + force, moment + ca.cross(point - states[body].origin, force))
    n = next(iter(jacobians.values()))[0].shape[1]
    q_force = ca.SX.zeros(n)
    for body, (total, moment) in resultants.items():
        j_v, j_w = jacobians[body]
        q_force += j_v.T @ total + j_w.T @ moment
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


@dataclass(frozen=True)
class Equations:
    """Every level's expressions; the dynamics as M(q) udot = force(x)."""

    levels: dict[str, ca.SX]
    mass: ca.SX
    force: ca.SX
    activation_rate: ca.SX
    fiber_velocity: ca.SX


def level_functions(data: ModelData) -> dict[str, ca.Function]:
    """One CasADi Function per level of the proof, all of the same inputs."""
    s = symbols(data)
    names = ["q", "u", "activation", "fiber_length", "excitation"]
    inputs = [s[name] for name in names]
    found = equations(data, *inputs)
    udot = ca.solve(found.mass, found.force)
    levels = {**found.levels, "derivative": ca.vertcat(s["u"], udot, found.activation_rate, found.fiber_velocity)}
    return {name: ca.Function(name, inputs, [out], names, ["out"]) for name, out in levels.items()}


def equations(data: ModelData, q: ca.SX, u: ca.SX, a: ca.SX, lm: ca.SX, e: ca.SX) -> Equations:
    """The model's equations at symbolic (q, u, activation, fiber length, excitation)."""
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
    jacobians = body_jacobians(states, u)
    q_force += generalized_forces(states, jacobians, point_forces)
    mass, bias, gravity = _mass_bias_gravity(data, states, jacobians)
    levels = {
        "kinematics": kinematics,
        "paths": ca.vertcat(lengths, speeds),
        "muscles": ca.vertcat(tendon, fiber_velocity, activation_rate),
        "contacts": ca.vertcat(*contact_by_body),
        "limits": ca.vertcat(limits, springs),
    }
    return Equations(levels, mass, q_force + gravity - bias, activation_rate, fiber_velocity)


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


def _mass_bias_gravity(
    data: ModelData, states: dict[str, BodyState], jacobians: dict[str, tuple[ca.SX, ca.SX]]
) -> tuple[ca.SX, ca.SX, ca.SX]:
    """Kane's equations: M = sum m Jc^T Jc + Jw^T I Jw, C = sum m Jc^T ac + Jw^T (I alpha + w x Iw)
    with ac, alpha the accelerations at udot = 0, and the generalized gravity."""
    n = next(iter(jacobians.values()))[0].shape[1]
    mass, bias, gravity = ca.SX.zeros(n, n), ca.SX.zeros(n), ca.SX.zeros(n)
    g = ca.DM(data.gravity)
    for body in data.bodies:
        state = states[body.name]
        j_v, j_w = jacobians[body.name]
        r = state.rotation
        offset = r @ ca.DM(body.mass_center)  # mass center from the body origin
        w = state.angular_velocity
        j_c = j_v - ca.skew(offset) @ j_w
        a_c = state.bias + ca.cross(state.angular_bias, offset) + ca.cross(w, ca.cross(w, offset))
        inertia = r @ ca.DM(body.inertia) @ r.T
        mass += body.mass * (j_c.T @ j_c) + j_w.T @ inertia @ j_w
        bias += body.mass * (j_c.T @ a_c) + j_w.T @ (inertia @ state.angular_bias + ca.cross(w, inertia @ w))
        gravity += body.mass * (j_c.T @ g)
    return mass, bias, gravity
