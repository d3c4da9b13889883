"""The state derivative for generated C, in stages: one expression of the state gives the mass
matrix M, the force vector f (M udot = f), the activation and fiber-length derivatives; M is then
factored numerically (CasADi's sparse LDL^T, generated into the same C) instead of solved
symbolically.

The exact Jacobian is staged the same way: with w = udot held, d(udot)/dx = M^-1 d(f - M w)/dx,
one sparse Jacobian of an expression the size of the derivative's and the same factorisation;
no derivative of a symbolic solve. It is still ~200k operations (its C takes minutes to
compile), and exactness saved the integrator nothing: the engine differences the derivative
(package docstring). CasADi's common-subexpression elimination (`cse`) merges the repeats the
per-body expressions leave.
"""

from __future__ import annotations

import casadi as ca

from muscle_lab.core.compiled.dynamics import equations
from muscle_lab.core.compiled.kinematics import body_states
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.muscle_paths import path_state
from muscle_lab.core.compiled.thelen import fiber_force_multiplier, minimum_fiber_length

_OPTIONS = {"cse": True}


def state_symbols(data: ModelData) -> tuple[ca.SX, ca.SX, list[ca.SX]]:
    """x = [q, u, activation, fiber_length], the excitation, and x's four parts."""
    n, m = len(data.coordinates), len(data.muscles)
    x, e = ca.SX.sym("x", 2 * n + 2 * m), ca.SX.sym("e", m)
    return x, e, ca.vertsplit(x, [0, n, 2 * n, 2 * n + m, 2 * n + 2 * m])


def stage_functions(data: ModelData) -> tuple[ca.Function, ca.Function]:
    """stage(x, e) -> (M, f, activation rate, fiber velocity) and
    stage_jacobian(x, e, w) -> (d(f - M w)/dx, d(activation rate)/dx, d(fiber velocity)/dx)."""
    x, e, parts = state_symbols(data)
    found = equations(data, parts[0], parts[1], parts[2], parts[3], e)
    stage = ca.Function(
        "stage", [x, e], [found.mass, found.force, found.activation_rate, found.fiber_velocity], _OPTIONS
    )
    w = ca.SX.sym("w", len(data.coordinates))
    residual = found.force - found.mass @ w
    derivatives = [ca.jacobian(expression, x) for expression in (residual, found.activation_rate, found.fiber_velocity)]
    return stage, ca.Function("stage_jacobian", [x, e, w], derivatives, _OPTIONS)


def rhs_function(data: ModelData, jacobian: bool) -> ca.Function:
    """rhs(x, e) -> xdot (and, with `jacobian`, d(xdot)/dx), with M factored numerically."""
    stage, stage_jacobian = stage_functions(data)
    n = len(data.coordinates)
    x, e = ca.MX.sym("x", stage.size1_in(0)), ca.MX.sym("e", stage.size1_in(1))
    mass, force, activation_rate, fiber_velocity = stage(x, e)
    udot = ca.solve(mass, force, "ldl")
    outputs = [ca.vertcat(x[n : 2 * n], udot, activation_rate, fiber_velocity)]
    if jacobian:
        residual, d_activation, d_fiber = stage_jacobian(x, e, udot)
        d_q = ca.horzcat(ca.MX(n, n), ca.MX.eye(n), ca.MX(n, x.shape[0] - 2 * n))
        outputs.append(ca.vertcat(d_q, ca.solve(mass, residual, "ldl"), d_activation, d_fiber))
    return ca.Function("rhs", [x, e], outputs)


def pose_function(data: ModelData) -> ca.Function:
    """pose(x) -> the first body's origin and its velocity in ground (the pelvis of osim-rl's
    models: what a frame reports as height and forward speed)."""
    x, _, parts = state_symbols(data)
    first = data.joints[0].child
    state = body_states(data, parts[0], parts[1])[first]
    return ca.Function("pose", [x], [ca.vertcat(state.origin, state.velocity)])


def bodies_function(data: ModelData) -> ca.Function:
    """bodies(x, udot) -> per body of `data.bodies`, in order, its rotation in ground (row by
    row), origin, angular velocity, origin velocity, angular and origin accelerations (24
    values); then the whole model's mass center, its velocity and acceleration (9): what
    osim-rl's observation reads of bodies, from the engine's own state and derivative; then per
    muscle its activation and fiber length clamped as OpenSim reports them (2)."""
    x, _, parts = state_symbols(data)
    udot = ca.SX.sym("udot", len(data.coordinates))
    states = body_states(data, parts[0], parts[1])
    values, total = [], sum(body.mass for body in data.bodies)
    center, center_velocity, center_acceleration = ca.SX.zeros(3), ca.SX.zeros(3), ca.SX.zeros(3)
    for body in data.bodies:
        state = states[body.name]
        alpha = state.angular_bias + state.jacobian_w @ udot
        acceleration = state.bias + state.jacobian_v @ udot
        w = state.angular_velocity
        values += [ca.reshape(state.rotation.T, 9, 1), state.origin, w, state.velocity, alpha, acceleration]
        offset = state.rotation @ ca.DM(body.mass_center)
        center += body.mass * (state.origin + offset)
        center_velocity += body.mass * (state.velocity + ca.cross(w, offset))
        center_acceleration += body.mass * (acceleration + ca.cross(alpha, offset) + ca.cross(w, ca.cross(w, offset)))
    values += [center / total, center_velocity / total, center_acceleration / total]
    for i, muscle in enumerate(data.muscles):  # as OpenSim reports them
        values += [ca.fmin(ca.fmax(muscle.minimum_activation, parts[2][i]), 1.0)]
        values += [ca.fmax(minimum_fiber_length(muscle), parts[3][i])]
    return ca.Function("bodies", [x, udot], [ca.vertcat(*values)], _OPTIONS)


def drawing_function(data: ModelData) -> ca.Function:
    """drawing(x) -> what a drawn pose reads (core.compiled.pose): per body of `data.bodies`
    its rotation in ground (row by row) and origin (12 values); per muscle, per path point of
    its path set, the point's location in ground and 1 where it is on the current path, else 0
    (4); per muscle its activation as OpenSim reports it and its fiber force over its maximum
    isometric force (2)."""
    x, _, parts = state_symbols(data)
    states = body_states(data, parts[0], parts[1])
    values = []
    for body in data.bodies:
        state = states[body.name]
        values += [ca.reshape(state.rotation.T, 9, 1), state.origin]
    lengths = []
    for muscle in data.muscles:
        path = path_state(data, muscle.path, states, parts[0], parts[1])
        lengths.append(path.length)
        for point, active in zip(path.points, path.active, strict=True):
            values += [point.location, ca.if_else(active, 1.0, 0.0)]
    for i, muscle in enumerate(data.muscles):
        values += [ca.fmin(ca.fmax(muscle.minimum_activation, parts[2][i]), 1.0)]
        values += [fiber_force_multiplier(muscle, lengths[i], parts[2][i], parts[3][i])]
    return ca.Function("drawing", [x], [ca.vertcat(*values)], _OPTIONS)
