"""OpenSim's SimmSpline coefficients, computed as OpenSim computes them (no CasADi here: the
reader, which runs beside OpenSim, needs them)."""

from __future__ import annotations

from muscle_lab.core.compiled.model_data import SimmSplineFn

_TINY_NUMBER = 0.0000001  # SimmMacros.h


def simm_spline(x: list[float], y: list[float]) -> SimmSplineFn:
    """The spline OpenSim's SimmSpline::calcCoefficients builds (Forsythe, Malcolm and Moler's
    cubic spline, end conditions from divided differences), same operations in the same order."""
    n = len(x)
    if n < 2:
        raise ValueError("a SimmSpline needs two knots or more")
    b, c, d = [0.0] * n, [0.0] * n, [0.0] * n
    if n == 2:
        t = max(_TINY_NUMBER, x[1] - x[0])
        b[0] = b[1] = (y[1] - y[0]) / t
        return SimmSplineFn(tuple(x), tuple(y), tuple(b), tuple(c), tuple(d))
    nm1, nm2 = n - 1, n - 2
    d[0] = max(_TINY_NUMBER, x[1] - x[0])
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, nm1):
        d[i] = max(_TINY_NUMBER, x[i + 1] - x[i])
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[nm1] = -d[nm2]
    c[0] = 0.0
    c[nm1] = 0.0
    if n > 3:
        d31 = max(_TINY_NUMBER, x[3] - x[1])
        d20 = max(_TINY_NUMBER, x[2] - x[0])
        d1 = max(_TINY_NUMBER, x[nm1] - x[n - 3])
        d2 = max(_TINY_NUMBER, x[nm2] - x[n - 4])
        d30 = max(_TINY_NUMBER, x[3] - x[0])
        d3 = max(_TINY_NUMBER, x[nm1] - x[n - 4])
        c[0] = c[2] / d31 - c[1] / d20
        c[nm1] = c[nm2] / d1 - c[n - 3] / d2
        c[0] = c[0] * d[0] * d[0] / d30
        c[nm1] = -c[nm1] * d[nm2] * d[nm2] / d3
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] -= t * d[i - 1]
        c[i] -= t * c[i - 1]
    c[nm1] /= b[nm1]
    for j in range(nm1):
        i = nm2 - j
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[nm1] = (y[nm1] - y[nm2]) / d[nm2] + d[nm2] * (c[nm2] + 2.0 * c[nm1])
    for i in range(nm1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] *= 3.0
    c[nm1] *= 3.0
    d[nm1] = d[nm2]
    return SimmSplineFn(tuple(x), tuple(y), tuple(b), tuple(c), tuple(d))
