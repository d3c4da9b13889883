"""Simulation benchmark: osim-rl's reference stepping against muscle_lab's modes.

Runs three scenarios in one process and prints a table of ms/step, real-time factor, speed
relative to the reference and to faithful mode as it was ("before"), and the largest deviation
from the reference trajectory; then a fidelity table of faithful mode against the reference on
three random constant excitation vectors and on each muscle alone.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace

import numpy as np

from muscle_lab.bench.reference import OsimRlReference, coordinate_locator
from muscle_lab.core.integrator import FAITHFUL, MODES, REFERENCE, IntegratorSettings
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
# Faithful mode's targets per scenario: least real-time factor, speed vs reference, speed vs before.
TARGETS: dict[str, tuple[float, float, float]] = {
    "standing 0.05": (2.0, 0.0, 0.0),
    "all zero": (1.0, 0.0, 0.0),
    "hip thrust": (0.0, 6.5, 2.0),
}
TOLERANCE_HEIGHT_MM = 5.0
TOLERANCE_ANGLE_DEG = 1.0


# Faithful mode as it was before locked coordinates were welded and the integrator chosen again.
BEFORE = replace(FAITHFUL, name="before", method="SemiExplicitEuler2", accuracy=1e-4, weld_locked_coordinates=False)
CONFIGURATIONS: dict[str, IntegratorSettings] = {**MODES, BEFORE.name: BEFORE}
# Near the true solution: what a case's errors are measured against when they exceed the bounds.
TIGHT = replace(REFERENCE, name="tight", accuracy=1e-7)


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
        "--modes",
        default="before,faithful,fast",
        help="comma-separated configurations to compare: the modes, and 'before' (faithful as it was: "
        "locked coordinates kept as constraints) (default %(default)s)",
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated scenario names")
    parser.add_argument("--max-seconds", type=float, default=None, help="cut every scenario short (smoke runs)")
    parser.add_argument(
        "--fidelity-muscles",
        default=",".join(str(i) for i in range(19)),
        help="the fidelity table's muscles alone, by index (default all); 'none' skips the table",
    )
    args = parser.parse_args(argv)
    configurations = [CONFIGURATIONS[name] for name in args.modes.split(",")]
    joint_angle_names = Simulation(integrator=REFERENCE).joint_angle_names

    print(
        "| scenario | configuration | steps | ms/step | real-time factor | speed vs reference | speed vs before "
        "| max Δ pelvis height | max Δ joint angle | steps to done equal |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    verdicts = []
    for scenario in args.scenarios.split(","):
        excitations, seconds = SCENARIOS[scenario]
        seconds = min(seconds, args.max_seconds or seconds)
        reference = run_reference(excitations, seconds, joint_angle_names)
        print(_row(scenario, "reference (osim-rl)", reference, reference, None), flush=True)
        runs = {settings.name: run_mode(settings, excitations, seconds) for settings in configurations}
        before = runs.get(BEFORE.name)
        for settings in configurations:
            print(_row(scenario, settings.name, runs[settings.name], reference, before), flush=True)
        if FAITHFUL.name in runs:
            verdicts.append(_verdict(scenario, runs[FAITHFUL.name], reference, before))
    print()
    for line in verdicts:
        print(line)
    if args.fidelity_muscles != "none":
        muscles = [int(i) for i in args.fidelity_muscles.split(",")]
        print()
        print_fidelity_table(muscles, args.max_seconds, joint_angle_names)
    return 0


def fidelity_cases(muscles: list[int]) -> list[tuple[str, tuple[float, ...], float]]:
    """Three random constant excitation vectors (until done, at most 2 s), then each muscle alone at
    1.0 for 0.5 s: the cases faithful mode must follow the reference on."""
    rng = np.random.default_rng(13)
    cases = [(f"random {k + 1}", tuple(float(v) for v in rng.uniform(0, 1, 19)), 2.0) for k in range(3)]
    for index in muscles:
        alone = tuple(1.0 if i == index else 0.0 for i in range(19))
        cases.append((f"muscle {index} alone", alone, 0.5))
    return cases


def print_fidelity_table(muscles: list[int], max_seconds: float | None, joint_angle_names: tuple[str, ...]) -> None:
    """Faithful against the reference per case. Where a case misses the bounds, both are also
    compared with a tight integration (Runge-Kutta-Merson at 1e-7): is it faithful mode's error,
    or the reference's own?"""
    print(
        "| case | steps (faithful / reference) | max Δ pelvis height | max Δ joint angle | within 5 mm, 1°, same steps "
        "| Δ from a tight integration: faithful / reference |"
    )
    print("|---|---:|---:|---:|---|---|")
    met = 0
    cases = fidelity_cases(muscles)
    for name, excitations, longest in cases:
        seconds = min(longest, max_seconds or longest)
        reference = run_reference(excitations, seconds, joint_angle_names)
        ours = run_mode(FAITHFUL, excitations, seconds)
        height, angle = deviations(ours, reference)
        ok = _faithful(ours, reference)
        met += ok
        against_tight = "-"
        if not ok:
            tight = run_mode(TIGHT, excitations, seconds)
            ours_off, reference_off = deviations(ours, tight), deviations(reference, tight)
            against_tight = (
                f"{ours_off[0]:.2f} mm, {ours_off[1]:.2f}° / {reference_off[0]:.2f} mm, {reference_off[1]:.2f}°"
            )
        print(
            f"| {name} | {ours.steps} / {reference.steps} | {height:.2f} mm | {angle:.2f}° | {'yes' if ok else 'NO'} "
            f"| {against_tight} |",
            flush=True,
        )
    print()
    print(f"fidelity: faithful mode follows the reference on {met} of {len(cases)} cases")


def _row(scenario: str, name: str, ours: Trajectory, reference: Trajectory, before: Trajectory | None) -> str:
    height, angle = deviations(ours, reference)
    ms = ours.seconds_per_step * 1000
    versus_reference = reference.seconds_per_step / ours.seconds_per_step
    versus_before = f"{before.seconds_per_step / ours.seconds_per_step:.2f}x" if before else "-"
    return (
        f"| {scenario} | {name} | {ours.steps} | {ms:.1f} | {STEP_SECONDS / ours.seconds_per_step:.2f}x "
        f"| {versus_reference:.1f}x | {versus_before} | {height:.2f} mm | {angle:.2f}° "
        f"| {'yes' if ours.steps == reference.steps else f'no ({ours.steps} vs {reference.steps})'} |"
    )


def _faithful(ours: Trajectory, reference: Trajectory) -> bool:
    height, angle = deviations(ours, reference)
    return height <= TOLERANCE_HEIGHT_MM and angle <= TOLERANCE_ANGLE_DEG and ours.steps == reference.steps


def _verdict(scenario: str, ours: Trajectory, reference: Trajectory, before: Trajectory | None) -> str:
    realtime = STEP_SECONDS / ours.seconds_per_step
    speedup = reference.seconds_per_step / ours.seconds_per_step
    least_realtime, least_speedup, least_versus_before = TARGETS[scenario]
    versus_before = before.seconds_per_step / ours.seconds_per_step if before else None
    fast_enough = realtime >= least_realtime and speedup >= least_speedup
    wanted = [f">= {least_realtime:g}x real time"] if least_realtime else []
    wanted += [f">= {least_speedup:g}x reference"] if least_speedup else []
    if least_versus_before:
        wanted.append(f">= {least_versus_before:g}x before")
        fast_enough = fast_enough and versus_before is not None and versus_before >= least_versus_before
    return (
        f"{scenario} / faithful: speed target ({', '.join(wanted)}) {'met' if fast_enough else 'NOT met'} "
        f"({realtime:.2f}x real time, {speedup:.1f}x reference"
        + (f", {versus_before:.2f}x before" if versus_before else "")
        + f"); fidelity (<= {TOLERANCE_HEIGHT_MM:g} mm, <= {TOLERANCE_ANGLE_DEG:g}°, same steps to done) "
        f"{'met' if _faithful(ours, reference) else 'NOT met'}"
    )


if __name__ == "__main__":
    raise SystemExit(main([]))
