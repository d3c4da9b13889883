"""Contact (Simbody's HuntCrossleyForce on sphere / half-space pairs), CoordinateLimitForce and
SpringGeneralizedForce, as OpenSim 4.6 and Simbody compute them."""

from __future__ import annotations

import casadi as ca

from muscle_lab.core.compiled.kinematics import BodyState, constant
from muscle_lab.core.compiled.model_data import CoordinateLimitForce, HuntCrossleyForce, SpringGeneralizedForce


def _combined(a: float, b: float) -> float:
    return 2 * a * b / (a + b) if (a != 0 or b != 0) else 0.0


def contact_forces(force: HuntCrossleyForce, bodies: dict[str, BodyState]) -> list[tuple[str, ca.SX, ca.SX]]:
    """(body, ground point, force on the body) for each sphere of `force`.

    Simbody's detection sorts the surfaces by where they start along the axis on which their
    bounding-sphere centres vary most; the half space (infinite) comes first, then its contacts
    with each sphere in that order. HuntCrossleyForceImpl::calcForce returns at the first
    contact whose normal force is not positive, so the contacts after it apply nothing.
    """
    (plane,) = [s for s in force.surfaces if s.kind == "half_space"]
    spheres = [s for s in force.surfaces if s.kind == "sphere"]
    r_gh, p_gh = constant(plane.frame)  # the half space is on ground
    centers = [p_gh] + [bodies[s.body].station(ca.SX(ca.DM(s.frame.translation)))[0] for s in spheres]
    mean = sum(centers[1:], centers[0]) / len(centers)
    spread = sum((ca.fabs(c - mean) for c in centers[1:]), ca.fabs(centers[0] - mean))
    axis0 = ca.if_else(spread[0] > spread[1], 0, 1)
    axis = ca.if_else(spread[2] > ca.if_else(axis0 == 0, spread[0], spread[1]), 2, axis0)
    starts = [
        ca.if_else(axis == 0, c[0], ca.if_else(axis == 1, c[1], c[2])) - s.radius
        for c, s in zip(centers[1:], spheres, strict=True)
    ]
    normal = r_gh @ ca.DM([-1.0, 0.0, 0.0])
    results = []
    touching, pulling = [], []
    for center, sphere in zip(centers[1:], spheres, strict=True):
        body = bodies[sphere.body]
        local = r_gh.T @ (center - p_gh)
        depth = sphere.radius + local[0]
        k1, k2 = plane.stiffness ** (2.0 / 3.0), sphere.stiffness ** (2.0 / 3.0)  # as Simbody stores them
        s1 = k2 / (k1 + k2)
        s2 = 1 - s1
        location = p_gh + r_gh @ ca.vertcat(depth / 2, local[1], local[2])
        location = location + (depth * (0.5 - s1)) * normal
        k = k1 * s1
        c = plane.dissipation * s1 + sphere.dissipation * s2
        f_hertz = (4.0 / 3.0) * k * depth * ca.sqrt(sphere.radius * k * ca.fmax(depth, 0.0))
        v = -(body.velocity + ca.cross(body.angular_velocity, location - body.origin))  # ground minus sphere
        v_normal = ca.dot(v, normal)
        v_tangent = v - v_normal * normal
        f = f_hertz * (1 + 1.5 * c * v_normal)
        slip = ca.norm_2(v_tangent)
        us = _combined(plane.static_friction, sphere.static_friction)
        ud = _combined(plane.dynamic_friction, sphere.dynamic_friction)
        uv = _combined(plane.viscous_friction, sphere.viscous_friction)
        v_rel = slip / force.transition_velocity
        friction = f * (ca.fmin(v_rel, 1) * (ud + 2 * (us - ud) / (1 + v_rel * v_rel)) + uv * slip)
        tangential = ca.if_else(slip != 0, friction * v_tangent / ca.if_else(slip != 0, slip, 1.0), ca.SX.zeros(3))
        touching.append(depth > 0)
        pulling.append(ca.logic_and(depth > 0, f <= 0))
        results.append((sphere.body, location, f * normal + tangential))
    applied = []
    for j, (body_name, location, value) in enumerate(results):
        blocked = ca.SX(0)
        for k in range(len(results)):
            if k != j:
                blocked = ca.logic_or(blocked, ca.logic_and(starts[k] < starts[j], pulling[k]))
        on = ca.logic_and(ca.logic_and(touching[j], ca.logic_not(pulling[j])), ca.logic_not(blocked))
        applied.append((body_name, location, ca.if_else(on, value, ca.SX.zeros(3))))
    return applied


def _step(y0: float, y1: float, x0: float, x1: float, x: ca.SX) -> ca.SX:
    """SimTK::Function::Step: y0 before x0, y1 after x1, a quintic blend between."""
    ooxr = 1 / (x1 - x0)
    sign = 1.0 if ooxr > 0 else -1.0
    f = ca.fmin(ca.fmax((x - x0) * ooxr, 0.0), 1.0)
    blend = y0 + (f * f * f * (10 + f * (6 * f - 15))) * (y1 - y0)
    return ca.if_else((x - x0) * sign <= 0, y0, ca.if_else((x - x1) * sign >= 0, y1, blend))


def limit_force(force: CoordinateLimitForce, q: ca.SX, u: ca.SX) -> ca.SX:
    """CoordinateLimitForce::calcLimitForce."""
    x, speed = q[force.coordinate], u[force.coordinate]
    k_up = _step(0.0, force.upper_stiffness, force.upper_limit, force.upper_limit + force.transition, x)
    k_low = _step(force.lower_stiffness, 0.0, force.lower_limit - force.transition, force.lower_limit, x)
    f_up = -k_up * (x - force.upper_limit)
    f_low = k_low * (force.lower_limit - x)
    f_damp = -force.damping * (k_up / force.upper_stiffness + k_low / force.lower_stiffness) * speed
    return f_up + f_low + f_damp


def spring_force(force: SpringGeneralizedForce, q: ca.SX, u: ca.SX) -> ca.SX:
    return -force.stiffness * (q[force.coordinate] - force.rest_length) - force.viscosity * u[force.coordinate]
