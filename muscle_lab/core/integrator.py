"""Integrator settings: osim-rl's reference, and the modes muscle_lab offers.

The figures behind these choices are printed by `python -m muscle_lab.bench`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class IntegratorSettings:
    """How a Simulation integrates each 0.01 s step."""

    name: str
    method: str  # a Manager.IntegratorMethod_* suffix, e.g. "RungeKuttaMerson"
    accuracy: float
    description: str
    # Approximate muscles: De Groote-Fregly 2016 with rigid tendons instead of the model's own.
    rigid_tendon_muscles: bool = False
    # Locked coordinates as fixed geometry (core.locked_joints): the same motion, fewer equations.
    weld_locked_coordinates: bool = True

    @property
    def key(self) -> str:
        """Everything that shapes a trajectory, for caches: runs under other settings differ."""
        return (
            f"{self.name}/{self.method}/{self.accuracy:g}"
            f"/{'welded' if self.weld_locked_coordinates else 'constrained'}"
            f"/{'rigid tendons' if self.rigid_tendon_muscles else 'model muscles'}"
        )


# What osim-rl's OsimModel does: the Manager's default integrator at accuracy 5e-5.
REFERENCE = IntegratorSettings(
    name="reference",
    method="RungeKuttaMerson",
    accuracy=5e-5,
    description="osim-rl's own: Runge-Kutta-Merson at accuracy 5e-5",
    weld_locked_coordinates=False,  # the model exactly as osim-rl builds it
)

# Chosen by `python -m muscle_lab.bench` on the welded model: CPodes (implicit, so the stiff
# fiber states of deactivated muscles cost it fewer evaluations) at 5e-5; at 1e-4 a fall can
# come a step late. Semi-explicit Euler 2 at 1e-4 (the previous choice) is faster only when
# every muscle is off.
FAITHFUL = IntegratorSettings(
    name="faithful",
    method="CPodes",
    accuracy=5e-5,
    description="the model's own muscles with its locked coordinates welded, implicit CPodes at 5e-5: "
    "tracks the reference within about 1 mm and 1 degree",
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


# Set to 1 to keep locked coordinates as OpenSim builds them (constraints) in every mode: slower,
# for checking that welding them changes nothing.
KEEP_LOCKED_VARIABLE = "MUSCLE_LAB_KEEP_LOCKED"


def settings_for(mode: str) -> IntegratorSettings:
    try:
        settings = MODES[mode]
    except KeyError:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}") from None
    if os.environ.get(KEEP_LOCKED_VARIABLE) == "1":
        return replace(settings, weld_locked_coordinates=False)
    return settings
