"""One muscle at a time: what each excitation index does to the body.

For each muscle, the model runs with that muscle at `level` and every other at `base`, and
is compared with the run where all are at `base`: the joint that moved most, and the pelvis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation import Simulation


@dataclass(frozen=True)
class MuscleEffect:
    index: int
    muscle: str
    side: str
    joint: str  # the joint angle that differs most from the baseline run
    joint_change_deg: float  # signed, at the end of the run
    pelvis_height_change_m: float
    pelvis_forward_change_m: float
    fell_at: float | None  # simulated time of the episode end, if it came


@dataclass(frozen=True)
class Exploration:
    seconds: float
    level: float
    base: float
    baseline_fell_at: float | None
    effects: tuple[MuscleEffect, ...]


def explore(
    simulation: Simulation,
    seconds: float = 0.3,
    level: float = 1.0,
    base: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
) -> Exploration:
    count = len(simulation.muscles)
    pelvis_tx = simulation.coordinate_names.index("pelvis_tx") if "pelvis_tx" in simulation.coordinate_names else None

    def final_frame(excitations: list[float]) -> tuple[Frame, float | None]:
        simulation.set_excitations(excitations)
        simulation.reset()
        frames = simulation.run(seconds, stop_at_done=False)
        fell = next((f.time for f in frames if f.done), None)
        return frames[-1], fell

    baseline, baseline_fell = final_frame([base] * count)
    effects = []
    for muscle in simulation.muscles:
        if progress is not None:
            progress(muscle.index, count)
        excitations = [base] * count
        excitations[muscle.index] = level
        frame, fell = final_frame(excitations)
        change = frame.joint_angles - baseline.joint_angles
        biggest = int(np.argmax(np.abs(change))) if change.size else 0
        forward = (
            float(frame.coordinates[pelvis_tx] - baseline.coordinates[pelvis_tx]) if pelvis_tx is not None else 0.0
        )
        effects.append(
            MuscleEffect(
                index=muscle.index,
                muscle=muscle.name,
                side=muscle.side,
                joint=simulation.joint_angle_names[biggest] if change.size else "",
                joint_change_deg=float(change[biggest]) if change.size else 0.0,
                pelvis_height_change_m=frame.pelvis_height - baseline.pelvis_height,
                pelvis_forward_change_m=forward,
                fell_at=fell,
            )
        )
    return Exploration(seconds, level, base, baseline_fell, tuple(effects))
