"""Muscle paths of straight segments (no wrapping): length, lengthening speed and the forces a
tension applies, each as OpenSim's GeometryPath computes them.

The current path holds the fixed and moving points and the conditional points whose coordinate
is within range (+-1e-5). With k conditional points there are 2^k possible paths; each is
built and the one in effect is selected. A moving point's location takes its coordinate
clamped to the coordinate's range, its velocity and dP/dq the coordinate unclamped (as
MovingPathPoint does).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import casadi as ca

from muscle_lab.core.compiled.functions import evaluate
from muscle_lab.core.compiled.kinematics import BodyState, constant
from muscle_lab.core.compiled.model_data import ModelData, PathPoint


@dataclass(frozen=True)
class PointState:
    body: str
    location: ca.SX  # in ground
    velocity: ca.SX
    d_dq: ca.SX | None  # moving points: dP/dq of its x coordinate's functions, in ground
    x_coordinate: int


@dataclass(frozen=True)
class PathState:
    length: ca.SX
    speed: ca.SX
    points: list[PointState]  # all points; `active` says which are on the path
    active: list[ca.SX]


@dataclass(frozen=True)
class AppliedForces:
    """Point forces (body, ground point, force) and generalized forces (coordinate, value)."""

    point_forces: list[tuple[str, ca.SX, ca.SX]]
    generalized: list[tuple[int, ca.SX]]


def _derivative(function: object, at: ca.SX) -> ca.SX:
    x = ca.SX.sym("x")
    return ca.substitute(ca.jacobian(evaluate(function, x), x), x, at)  # type: ignore[arg-type]


def point_state(data: ModelData, point: PathPoint, body: BodyState, q: ca.SX, u: ca.SX) -> PointState:
    if point.kind != "moving" or point.functions is None:
        location, velocity = body.station(ca.SX(ca.DM(point.location)))
        return PointState(point.body, location, velocity, None, -1)
    values, rates, slopes = [], [], []
    for function, index in zip(point.functions, point.function_coordinates, strict=True):
        if index < 0:
            values.append(evaluate(function, ca.SX(0.0)))
            rates.append(ca.SX(0.0))
            slopes.append(ca.SX(0.0))
            continue
        c = data.coordinates[index]
        values.append(evaluate(function, ca.fmin(ca.fmax(q[index], c.range_min), c.range_max)))
        slope = _derivative(function, q[index])
        slopes.append(slope)
        rates.append(slope * u[index])
    r_bf, p_bf = constant(point.frame)
    in_body = r_bf @ ca.vertcat(*values) + p_bf
    location, velocity = body.station(in_body)
    velocity = velocity + body.rotation @ (r_bf @ ca.vertcat(*rates))
    d_dq = body.rotation @ (r_bf @ ca.vertcat(*slopes))
    return PointState(point.body, location, velocity, d_dq, point.function_coordinates[0])


def path_state(
    data: ModelData, path: tuple[PathPoint, ...], bodies: dict[str, BodyState], q: ca.SX, u: ca.SX
) -> PathState:
    points = [point_state(data, p, bodies[p.body], q, u) for p in path]
    active = [
        ca.logic_and(q[p.coordinate] >= p.range_min - 1e-5, q[p.coordinate] <= p.range_max + 1e-5)
        if p.kind == "conditional"
        else ca.SX(1)
        for p in path
    ]
    length, speed = ca.SX(0), ca.SX(0)
    for flags, condition in _variants(path, active):
        on = [points[i] for i, f in enumerate(flags) if f]
        segment_length, segment_speed = ca.SX(0), ca.SX(0)
        for a, b in itertools.pairwise(on):
            r = a.location - b.location
            d = ca.norm_2(r)
            segment_length += d
            segment_speed += ca.dot(a.velocity - b.velocity, r / d)
        length = ca.if_else(condition, segment_length, length)
        speed = ca.if_else(condition, segment_speed, speed)
    return PathState(length, speed, points, active)


def _variants(path: tuple[PathPoint, ...], active: list[ca.SX]) -> list[tuple[list[bool], ca.SX]]:
    """Each combination of the conditional points' states, with the condition selecting it."""
    conditional = [i for i, p in enumerate(path) if p.kind == "conditional"]
    result = []
    for states in itertools.product((True, False), repeat=len(conditional)):
        flags = [True] * len(path)
        condition = ca.SX(1)
        for i, state in zip(conditional, states, strict=True):
            flags[i] = state
            condition = ca.logic_and(condition, active[i] if state else ca.logic_not(active[i]))
        result.append((flags, condition))
    return result


def path_forces(path: tuple[PathPoint, ...], state: PathState, tension: ca.SX) -> AppliedForces:
    """GeometryPath::produceForces: a force only where consecutive points are on different
    bodies; a moving point's functions add a generalized force on its x coordinate."""
    forces: dict[int, ca.SX] = {}
    generalized: dict[int, ca.SX] = {}
    for flags, condition in _variants(path, state.active):
        on = [i for i, f in enumerate(flags) if f]
        point_force = {i: ca.SX.zeros(3) for i in on}
        coordinate_force: dict[int, ca.SX] = {}
        previous_body: str | None = None
        previous_direction = ca.SX.zeros(3)
        for position, i in enumerate(on):
            current = state.points[i]
            force = ca.SX.zeros(3)
            if previous_body is not None and current.body != previous_body:
                force -= tension * previous_direction
            following = state.points[on[position + 1]] if position + 1 < len(on) else None
            if following is not None and following.body != current.body:
                r = following.location - current.location
                direction = r / ca.norm_2(r)
                pull = tension * direction
                force += pull
                for point, sign in ((current, 1.0), (following, -1.0)):
                    if point.d_dq is not None:
                        value = sign * ca.dot(point.d_dq, pull)
                        coordinate_force[point.x_coordinate] = coordinate_force.get(point.x_coordinate, 0) + value
                previous_body, previous_direction = current.body, direction
            else:
                previous_body, previous_direction = None, ca.SX.zeros(3)
            point_force[i] = force
        for i in range(len(path)):
            forces[i] = ca.if_else(condition, point_force.get(i, ca.SX.zeros(3)), forces.get(i, ca.SX.zeros(3)))
        for c in set(coordinate_force) | set(generalized):
            generalized[c] = ca.if_else(condition, coordinate_force.get(c, 0), generalized.get(c, 0))
    return AppliedForces(
        [(state.points[i].body, state.points[i].location, f) for i, f in forces.items()],
        list(generalized.items()),
    )
