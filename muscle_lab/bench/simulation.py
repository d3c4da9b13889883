"""Simulation benchmark: osim-rl's reference stepping against muscle_lab's modes.

Runs three scenarios in one process and prints a table of ms/step, real-time factor, speed
relative to the reference, and the largest deviation from the reference trajectory.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from muscle_lab.bench.reference import OsimRlReference, coordinate_locator
from muscle_lab.core.integrator import MODES, REFERENCE, IntegratorSettings
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.reward import is_done
from muscle_lab.core.simulation import STEP_SECONDS, Simulation

HIP_THRUST = tuple(1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19))
SCENARIOS: dict[str, tuple[tuple[float, ...], float]] = {
    # name: (excitations, longest simulated time); every scenario also stops at done
    "standing 0.05": ((0.05,) * 19, 2.0),
    "all zero": ((0.0,) * 19, 3.0),
    "hip thrust": (HIP_THRUST, 3.0),
}
TARGET_REALTIME = 1.0
TARGET_SPEEDUP = 4.0
TOLERANCE_HEIGHT_MM = 5.0
TOLERANCE_ANGLE_DEG = 1.0


@dataclass
class Trajectory:
    seconds_per_step: float
    heights: np.ndarray  # per step, m
    angles: np.ndarray  # per step x joint angle, degrees

    @property
    def steps(self) -> int:
        return len(self.heights)


def run_reference(excitations: tuple[float, ...], seconds: float, joint_angle_names: tuple[str, ...]) -> Trajectory:
    reference = OsimRlReference(str(default_model_path()))
    where = coordinate_locator(reference)
    reference.reset()
    heights, angles = [], []
    started = time.perf_counter()
    for _ in range(round(seconds / STEP_SECONDS)):
        desc = reference.step(np.array(excitations))
        heights.append(desc["body_pos"]["pelvis"][1])
        angles.append([desc["joint_pos"][where[n][0]][where[n][1]] for n in joint_angle_names])
        if is_done(heights[-1]):
            break
    elapsed = time.perf_counter() - started
    return Trajectory(elapsed / len(heights), np.array(heights), np.degrees(np.array(angles)))


def run_mode(mode: IntegratorSettings, excitations: tuple[float, ...], seconds: float) -> Trajectory:
    simulation = Simulation(integrator=mode)
    simulation.set_excitations(excitations)
    started = time.perf_counter()
    frames = simulation.run(seconds)
    elapsed = time.perf_counter() - started
    return Trajectory(
        elapsed / len(frames),
        np.array([f.pelvis_height for f in frames]),
        np.array([f.joint_angles for f in frames]),
    )


def deviations(ours: Trajectory, reference: Trajectory) -> tuple[float, float]:
    """Largest |difference| over the steps both have: pelvis height (mm), joint angle (deg)."""
    common = min(ours.steps, reference.steps)
    height = np.abs(ours.heights[:common] - reference.heights[:common]).max() * 1000
    angle = np.abs(ours.angles[:common] - reference.angles[:common]).max()
    return float(height), float(angle)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench", description=__doc__)
    parser.add_argument(
        "--modes", default="faithful,fast", help="comma-separated modes to compare (default %(default)s)"
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated scenario names")
    parser.add_argument("--max-seconds", type=float, default=None, help="cut every scenario short (smoke runs)")
    args = parser.parse_args(argv)
    modes = [MODES[name] for name in args.modes.split(",")]
    joint_angle_names = Simulation(integrator=REFERENCE).joint_angle_names

    header = (
        "| scenario | configuration | steps | ms/step | real-time factor | speed vs reference "
        "| max Δ pelvis height | max Δ joint angle | steps to done equal |"
    )
    print(header)
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    verdicts = []
    for scenario in args.scenarios.split(","):
        excitations, seconds = SCENARIOS[scenario]
        seconds = min(seconds, args.max_seconds or seconds)
        reference = run_reference(excitations, seconds, joint_angle_names)
        print(_row(scenario, "reference (osim-rl)", reference, reference))
        for mode in modes:
            ours = run_mode(mode, excitations, seconds)
            print(_row(scenario, mode.name, ours, reference), flush=True)
            verdicts.append(_verdict(scenario, mode, ours, reference))
    print()
    for line in verdicts:
        print(line)
    return 0


def _row(scenario: str, name: str, ours: Trajectory, reference: Trajectory) -> str:
    height, angle = deviations(ours, reference)
    ms = ours.seconds_per_step * 1000
    return (
        f"| {scenario} | {name} | {ours.steps} | {ms:.1f} | {STEP_SECONDS / ours.seconds_per_step:.2f}x "
        f"| {reference.seconds_per_step / ours.seconds_per_step:.1f}x | {height:.2f} mm | {angle:.2f}° "
        f"| {'yes' if ours.steps == reference.steps else f'no ({ours.steps} vs {reference.steps})'} |"
    )


def _verdict(scenario: str, mode: IntegratorSettings, ours: Trajectory, reference: Trajectory) -> str:
    realtime = STEP_SECONDS / ours.seconds_per_step
    speedup = reference.seconds_per_step / ours.seconds_per_step
    height, angle = deviations(ours, reference)
    fast_enough = realtime >= TARGET_REALTIME and speedup >= TARGET_SPEEDUP
    faithful = height <= TOLERANCE_HEIGHT_MM and angle <= TOLERANCE_ANGLE_DEG and ours.steps == reference.steps
    return (
        f"{scenario} / {mode.name}: speed target (>= {TARGET_REALTIME:g}x real time and >= "
        f"{TARGET_SPEEDUP:g}x reference) {'met' if fast_enough else 'NOT met'}; fidelity "
        f"(<= {TOLERANCE_HEIGHT_MM:g} mm, <= {TOLERANCE_ANGLE_DEG:g}°, same steps to done) "
        f"{'met' if faithful else 'NOT met'}"
    )


if __name__ == "__main__":
    raise SystemExit(main([]))
