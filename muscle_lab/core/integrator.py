"""Integrator settings: osim-rl's reference, and the modes muscle_lab offers.

The figures behind these choices are printed by `python -m muscle_lab.bench`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IntegratorSettings:
    """How a Simulation integrates each 0.01 s step."""

    name: str
    method: str  # a Manager.IntegratorMethod_* suffix, e.g. "RungeKuttaMerson"
    accuracy: float
    description: str
    # Approximate muscles: De Groote-Fregly 2016 with rigid tendons instead of the model's own.
    rigid_tendon_muscles: bool = False


# What osim-rl's OsimModel does: the Manager's default integrator at accuracy 5e-5.
REFERENCE = IntegratorSettings(
    name="reference",
    method="RungeKuttaMerson",
    accuracy=5e-5,
    description="osim-rl's own: Runge-Kutta-Merson at accuracy 5e-5",
)

FAITHFUL = IntegratorSettings(
    name="faithful",
    method="SemiExplicitEuler2",
    accuracy=1e-4,
    description="semi-explicit Euler with error control at 1e-4: tracks the reference within 0.5 mm and 0.3 degrees",
)

FAST = IntegratorSettings(
    name="fast",
    method="CPodes",
    accuracy=1e-4,
    description="approximate: De Groote-Fregly muscles with rigid tendons (same parameters), "
    "implicit CPodes at 1e-4; real time or better, but the body moves differently",
    rigid_tendon_muscles=True,
)

MODES: dict[str, IntegratorSettings] = {s.name: s for s in (FAITHFUL, FAST, REFERENCE)}
DEFAULT_MODE = FAITHFUL.name


def settings_for(mode: str) -> IntegratorSettings:
    try:
        return MODES[mode]
    except KeyError:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}") from None
