"""Thelen2003Muscle with a compliant tendon, as OpenSim 4.6 computes it: tendon force, fiber
velocity (the fiber-length derivative) and activation derivative, from the path length, the two
states and the excitation. Thelen2003Muscle.cpp, MuscleFixedWidthPennationModel and
MuscleFirstOrderActivationDynamicModel, operation for operation where it matters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import casadi as ca

from muscle_lab.core.compiled.model_data import Thelen2003Muscle

_EPS = 2.220446049250313e-16  # SimTK::Eps
_SIGNIFICANT_REAL = 1.4901161193847656e-08  # SimTK::SignificantReal (sqrt(eps))


@dataclass(frozen=True)
class MuscleOutputs:
    tendon_force: ca.SX
    fiber_velocity: ca.SX  # d(fiber_length)/dt
    activation_rate: ca.SX


def _pennation(m: Thelen2003Muscle) -> tuple[float, float, float]:
    """Parallelogram height, sine of the maximum pennation and the minimum fiber length."""
    height = m.optimal_fiber_length * math.sin(m.pennation_angle_at_optimal)
    max_sin = math.sin(m.maximum_pennation_angle)
    if m.maximum_pennation_angle > _SIGNIFICANT_REAL:
        return height, max_sin, height / max_sin
    return height, max_sin, m.optimal_fiber_length * 0.01


def minimum_fiber_length(m: Thelen2003Muscle) -> float:
    """Where OpenSim clamps the fiber length (clampFiberLength)."""
    return _pennation(m)[2]


def _fse(m: Thelen2003Muscle, tl_n: ca.SX) -> ca.SX:
    x = tl_n - 1
    e0 = m.fmax_tendon_strain
    k_toe, f_toe = 3.0, 33.0 / 100.0
    t1 = math.exp(0.3e1)
    e_toe = (0.99e2 * e0 * t1) / (0.166e3 * t1 - 0.67e2)
    k_lin = (0.67e2 / 0.100e3) * 1.0 / (e0 - (0.99e2 * e0 * t1) / (0.166e3 * t1 - 0.67e2))
    toe = (f_toe / (math.exp(k_toe) - 1.0)) * (ca.exp(k_toe * x / e_toe) - 1.0)
    return ca.if_else(x > e_toe, k_lin * (x - e_toe) + f_toe, ca.if_else(x > 0.0, toe, 0.0))


def _fal(m: Thelen2003Muscle, lce_n: ca.SX) -> ca.SX:
    x = (lce_n - 1.0) * (lce_n - 1.0)
    return ca.exp(-x / m.kshape_active)


def _fpe(m: Thelen2003Muscle, lce_n: ca.SX) -> ca.SX:
    t5 = ca.exp(m.kshape_passive * (lce_n - 0.10e1) / m.fmax_muscle_strain)
    t7 = math.exp(m.kshape_passive)
    return ca.if_else(lce_n > 1.0, (t5 - 0.10e1) / (t7 - 0.10e1), 0.0)


def _dlce_n(m: Thelen2003Muscle, a: ca.SX, fal: ca.SX, fm: ca.SX) -> ca.SX:
    """Thelen2003Muscle::calcdlceN: the inverted force-velocity curve, extrapolated linearly
    beyond its asymptotes."""
    af, flen = m.af, m.flen
    afl = a * fal
    asy_c = 0.0
    asy_e = afl * flen
    thresh = m.fv_linear_extrap_threshold
    scale = 0.25 + 0.75 * a
    b_con = afl + fm / af
    b_ecc = ((2 + 2 / af) * (afl * flen - fm)) / (flen - 1)
    b = ca.if_else(fm <= afl, b_con, b_ecc)
    curve = scale * (fm - afl) / b
    # Linear extrapolation from the last valid point fm0.
    concentric = fm <= asy_c
    fm0 = ca.if_else(concentric, asy_c, thresh * asy_e)
    b0 = ca.if_else(concentric, afl + fm0 / af, ((2 + 2 / af) * (afl * flen - fm0)) / (flen - 1))
    db0 = ca.if_else(concentric, 1 / af, ((2 + 2 / af) * (-1)) / (flen - 1))
    dlce0 = scale * (fm0 - afl) / b0
    slope = scale * 1 / b0 - (scale * (fm0 - afl) / (b0 * b0)) * db0
    line = dlce0 + slope * (fm - fm0)
    return ca.if_else(ca.logic_and(fm > asy_c, fm < asy_e * thresh), curve, line)


@dataclass(frozen=True)
class _Fiber:
    """What calcMuscleLengthInfo and calcFiberVelocityInfo compute before the fiber velocity."""

    activation: ca.SX  # clamped
    min_length: float
    cos_phi: ca.SX
    fse: ca.SX
    fal: ca.SX
    fpe: ca.SX
    afalfv: ca.SX  # a fal fv: fse / cos(phi) - fpe


def _fiber(m: Thelen2003Muscle, length: ca.SX, activation: ca.SX, fiber_length: ca.SX) -> _Fiber:
    height, max_sin, min_length = _pennation(m)
    a = ca.fmin(ca.fmax(m.minimum_activation, activation), 1.0)  # clampActivation
    lce = ca.fmax(min_length, fiber_length)  # clampFiberLength
    if m.pennation_angle_at_optimal > _EPS:
        sin_phi = height / lce
        phi = ca.if_else(
            lce > min_length,
            ca.if_else(sin_phi < max_sin, ca.asin(ca.fmin(sin_phi, 1.0)), m.maximum_pennation_angle),
            m.maximum_pennation_angle,
        )
    else:
        phi = ca.SX(0.0)
    cos_phi = ca.cos(phi)
    tendon_length = length - lce * cos_phi
    fse = _fse(m, tendon_length / m.tendon_slack_length)
    lce_n = lce / m.optimal_fiber_length
    fal, fpe = _fal(m, lce_n), _fpe(m, lce_n)
    return _Fiber(a, min_length, cos_phi, fse, fal, fpe, (fse / cos_phi) - fpe)


def fiber_force_multiplier(m: Thelen2003Muscle, length: ca.SX, activation: ca.SX, fiber_length: ca.SX) -> ca.SX:
    """Muscle::getFiberForce over the maximum isometric force: calcFm's a fal fv + fpe, with
    fv = afalfv / (a fal) as calcFiberVelocityInfo computes it; 0 while the fiber state is
    clamped (calcMuscleDynamicsInfo leaves the force at 0 then)."""
    f = _fiber(m, length, activation, fiber_length)
    afl = f.activation * f.fal
    clamped = ca.logic_and(fiber_length <= f.min_length, _dlce_n(m, f.activation, f.fal, f.afalfv) <= 0)
    return ca.if_else(clamped, 0.0, afl * (f.afalfv / afl) + f.fpe)


def thelen(
    m: Thelen2003Muscle, length: ca.SX, activation: ca.SX, fiber_length: ca.SX, excitation: ca.SX
) -> MuscleOutputs:
    """The outputs at this path length (the fiber velocity needs no path speed: the tendon's,
    not computed here, would)."""
    f = _fiber(m, length, activation, fiber_length)
    a, min_length = f.activation, f.min_length
    dlce_n = _dlce_n(m, a, f.fal, f.afalfv)
    dlce = dlce_n * m.max_contraction_velocity * m.optimal_fiber_length
    clamped = ca.logic_and(fiber_length <= min_length, dlce_n <= 0)  # isFiberStateClamped
    fiber_velocity = ca.if_else(clamped, 0.0, dlce)
    tau = ca.if_else(
        excitation > a,
        m.activation_time_constant * (0.5 + 1.5 * a),
        m.deactivation_time_constant / (0.5 + 1.5 * a),
    )
    return MuscleOutputs(f.fse * m.max_isometric_force, fiber_velocity, (excitation - a) / tau)
