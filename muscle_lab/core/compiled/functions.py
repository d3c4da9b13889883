"""OpenSim's Functions (SimmSpline, LinearFunction, Constant, MultiplierFunction) as CasADi
expressions, computed exactly as OpenSim computes them."""

from __future__ import annotations

import casadi as ca

from muscle_lab.core.compiled.model_data import ConstantFn, Function, LinearFn, MultiplierFn, SimmSplineFn


def evaluate(function: Function, argument: ca.SX | None) -> ca.SX:
    """The function's value at `argument` (None for a function of no coordinate: Constant)."""
    if isinstance(function, ConstantFn):
        return ca.SX(function.value)
    if argument is None:
        raise ValueError(f"{type(function).__name__} needs a coordinate")
    if isinstance(function, LinearFn):
        return function.slope * argument + function.intercept
    if isinstance(function, MultiplierFn):
        return evaluate(function.function, argument) * function.scale
    return _spline(function, argument)


def _spline(s: SimmSplineFn, x: ca.SX) -> ca.SX:
    """SimmSpline::calcValue: linear extrapolation with the end slopes outside the knots; inside,
    the cubic of the interval holding x (the binary search's choice at a knot is immaterial:
    the pieces meet there)."""
    n = len(s.x)

    def piece(k: int) -> ca.SX:
        dx = x - s.x[k]
        return s.y[k] + dx * (s.b[k] + dx * (s.c[k] + dx * s.d[k]))

    inside = piece(n - 2) if n >= 3 else piece(0)
    for k in range(n - 3, -1, -1):
        inside = ca.if_else(x <= s.x[k + 1], piece(k), inside)
    below = s.y[0] + (x - s.x[0]) * s.b[0]
    above = s.y[n - 1] + (x - s.x[n - 1]) * s.b[n - 1]
    return ca.if_else(x < s.x[0], below, ca.if_else(x > s.x[n - 1], above, inside))
