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
    resultants: dict[str, tuple[ca.SX, ca.SX]],
) -> ca.SX:
    """Q of forces applied at ground points of bodies, added to `resultants` (per body, a force
    and a moment about its origin; updated): each body's total through its Jacobians."""
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
    """Every level's expressions; the dynamics as M(q) udot = force(x) (Kane: applied, gravity
    and the inertial forces at udot = 0, through the body Jacobians)."""

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
    q_force += generalized_forces(states, jacobians, point_forces, _inertial_resultants(data, states))
    mass = _mass_matrix(data, states)
    levels = {
        "kinematics": kinematics,
        "paths": ca.vertcat(lengths, speeds),
        "muscles": ca.vertcat(tendon, fiber_velocity, activation_rate),
        "contacts": ca.vertcat(*contact_by_body),
        "limits": ca.vertcat(limits, springs),
    }
    return Equations(levels, mass, q_force, activation_rate, fiber_velocity)


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


def _inertial_resultants(data: ModelData, states: dict[str, BodyState]) -> dict[str, tuple[ca.SX, ca.SX]]:
    """Per body, gravity less the inertial force at udot = 0 (Kane's bias), as a force and a
    moment about the body origin: m (g - ac) and c x m (g - ac) - (I alpha + w x I w)."""
    g = ca.DM(data.gravity)
    resultants = {}
    for body in data.bodies:
        state = states[body.name]
        r, w = state.rotation, state.angular_velocity
        offset = r @ ca.DM(body.mass_center)  # mass center from the body origin
        a_c = state.bias + ca.cross(state.angular_bias, offset) + ca.cross(w, ca.cross(w, offset))
        inertia = r @ ca.DM(body.inertia) @ r.T
        force = body.mass * (g - a_c)
        moment = ca.cross(offset, force) - (inertia @ state.angular_bias + ca.cross(w, inertia @ w))
        resultants[body.name] = (force, moment)
    return resultants


def _mass_matrix(data: ModelData, states: dict[str, BodyState]) -> ca.SX:
    """The composite-rigid-body algorithm in ground, about ground's origin: each joint column's
    motion S = (w, v at the origin), each subtree's inertia (mass, first moment h, inertia about
    the origin A), and M[k, l] = S_l . (A w_k + h x v_k, m v_k - h x w_k) for l on the path to
    ground (Kane's sum of J^T I J per body cost ~2x more)."""
    n = len(data.coordinates)
    composite: dict[str, tuple[ca.SX, ca.SX, ca.SX]] = {}
    for body in data.bodies:
        state = states[body.name]
        r = state.rotation
        p_c = state.origin + r @ ca.DM(body.mass_center)
        inertia = r @ ca.DM(body.inertia) @ r.T
        about_origin = inertia + body.mass * (ca.dot(p_c, p_c) * ca.DM.eye(3) - p_c @ p_c.T)
        composite[body.name] = (ca.SX(body.mass), body.mass * p_c, about_origin)
    for joint in reversed(data.joints):  # children before parents
        if joint.parent in composite:
            mine, theirs = composite[joint.child], composite[joint.parent]
            composite[joint.parent] = (mine[0] + theirs[0], mine[1] + theirs[1], mine[2] + theirs[2])
    columns: dict[str, list[tuple[int, ca.SX, ca.SX]]] = {"ground": []}  # on the path to ground
    mass = ca.SX(n, n)
    for joint in data.joints:
        state = states[joint.child]
        own = []
        for k in joint.coordinates:
            w_k = state.jacobian_w[:, k]
            own.append((k, w_k, state.jacobian_v[:, k] + ca.cross(state.origin, w_k)))
        columns[joint.child] = columns[joint.parent] + own
        total, h, about_origin = composite[joint.child]
        for k, w_k, v_k in own:
            force_w = about_origin @ w_k + ca.cross(h, v_k)
            force_v = total * v_k - ca.cross(h, w_k)
            for column, w_l, v_l in columns[joint.child]:
                value = ca.dot(w_l, force_w) + ca.dot(v_l, force_v)
                mass[column, k] = value
                mass[k, column] = value
    return mass
