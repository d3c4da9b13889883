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
    # CPodes only, set through core.simtk_integrator: stop exactly at each step's end (no
    # interpolation back from past it) and cap the BDF order (None: CPodes' own limit, 5).
    interpolate: bool = True
    order_limit: int | None = None

    @property
    def tweaks_cpodes(self) -> bool:
        """Whether these settings need Simbody calls that OpenSim's API does not expose."""
        return not self.interpolate or self.order_limit is not None

    @property
    def key(self) -> str:
        """Everything that shapes a trajectory, for caches: runs under other settings differ."""
        return (
            f"{self.name}/{self.method}/{self.accuracy:g}"
            f"/{'welded' if self.weld_locked_coordinates else 'constrained'}"
            f"/{'rigid tendons' if self.rigid_tendon_muscles else 'model muscles'}"
            + ("" if self.interpolate else "/no interpolation")
            + (f"/order {self.order_limit}" if self.order_limit is not None else "")
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
# fiber states of deactivated muscles cost it fewer evaluations), stopping at every step's end with
# its BDF order at most 3, at the loosest accuracy whose fidelity table stays within bounds.
FAITHFUL = IntegratorSettings(
    name="faithful",
    method="CPodes",
    accuracy=2e-4,
    description="the model's own muscles with its locked coordinates welded, implicit CPodes at 2e-4 "
    "stopping at each step's end: tracks the reference within about 1 mm and 1 degree",
    interpolate=False,
    order_limit=3,
)

# Where Simbody's integrator cannot be reached (core.simtk_integrator), CPodes interpolating at
# 5e-5 (faithful mode until December 2026): within the bounds for constant excitations, but an
# action that changes every step can act up to one internal step late.
FALLBACK_ACCURACY = 5e-5


def without_cpodes_tweaks(settings: IntegratorSettings) -> IntegratorSettings:
    """The same mode with the settings OpenSim's own API can set."""
    return replace(settings, accuracy=min(settings.accuracy, FALLBACK_ACCURACY), interpolate=True, order_limit=None)


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
