"""Simulation benchmark: osim-rl's reference stepping against muscle_lab's modes.

Runs four scenarios in one process (the reference and each configuration in turn, interleaved) and
prints a table of ms/step, real-time factor, speed relative to the reference and to faithful mode
as it was ("before"), and the largest deviation from the reference trajectory; then a fidelity
table of faithful mode (and "before") against the reference: the constant scenarios, three random
constant excitation vectors, each muscle alone, random-action episodes and a smooth policy.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from muscle_lab.bench.reference import OsimRlReference, coordinate_locator
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.reward import is_done
from muscle_lab.core.simulation.engine import STEP_SECONDS, Frame, Simulation
from muscle_lab.core.simulation.integrator import FAITHFUL, MODES, REFERENCE, IntegratorSettings, without_cpodes_tweaks

HIP_THRUST = tuple(1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19))
# A policy gives the excitations of step k (0-based); each call of a factory starts it afresh.
Policy = Callable[[int], np.ndarray]


class Stepping(Protocol):
    """What `drive` needs of an engine: Simulation and CompiledSimulation both are."""

    def set_excitations(self, values: Iterable[float]) -> list[str]: ...

    def step(self) -> Frame: ...


def constant(excitations: tuple[float, ...]) -> Callable[[], Policy]:
    values = np.array(excitations)
    return lambda: lambda _step: values


def random_actions(seed: int, size: int = 19) -> Callable[[], Policy]:
    """A new uniform random action every step: `default_rng(seed).uniform(0, 1, size)` per step."""

    def policy_factory() -> Policy:
        generator = np.random.default_rng(seed)
        drawn: list[np.ndarray] = []

        def policy(step: int) -> np.ndarray:
            while len(drawn) <= step:
                drawn.append(generator.uniform(0, 1, size))
            return drawn[step]

        return policy

    return policy_factory


def smooth_policy() -> Policy:
    """Each muscle `0.5 + 0.5 sin(2 pi t / 0.5 s + phase)`, phases spread over the 19 muscles."""
    phases = 2 * np.pi * np.arange(19) / 19
    return lambda step: 0.5 + 0.5 * np.sin(2 * np.pi * step * STEP_SECONDS / 0.5 + phases)


SCENARIOS: dict[str, tuple[Callable[[], Policy], float]] = {
    # name: (policy, longest simulated time); every scenario also stops at done
    "standing 0.05": (constant((0.05,) * 19), 2.0),
    "all zero": (constant((0.0,) * 19), 3.0),
    "hip thrust": (constant(HIP_THRUST), 3.0),
    "random actions": (random_actions(0), 1.0),
}
# Faithful mode's targets per scenario: least real-time factor, speed vs reference, speed vs before.
TARGETS: dict[str, tuple[float, float, float]] = {
    "standing 0.05": (0.0, 0.0, 0.0),
    "all zero": (0.0, 0.0, 0.0),
    "hip thrust": (0.0, 0.0, 1.8),
    "random actions": (0.0, 1.4, 0.0),
}
TOLERANCE_HEIGHT_MM = 5.0
TOLERANCE_ANGLE_DEG = 1.0
RANDOM_EPISODE_SEEDS = range(13)


# Faithful mode as it was before it stopped at each step's end: CPodes at 5e-5, interpolating.
BEFORE = replace(without_cpodes_tweaks(FAITHFUL), name="before")
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


def run_reference(
    policy: Policy, seconds: float, joint_angle_names: tuple[str, ...], model_path: str | None = None
) -> Trajectory:
    reference = OsimRlReference(model_path or str(default_model_path()))
    where = coordinate_locator(reference)
    reference.reset()
    heights, angles = [], []
    started = time.perf_counter()
    for step in range(round(seconds / STEP_SECONDS)):
        desc = reference.step(policy(step))
        heights.append(desc["body_pos"]["pelvis"][1])
        angles.append([desc["joint_pos"][where[n][0]][where[n][1]] for n in joint_angle_names])
        if is_done(heights[-1]):
            break
    elapsed = time.perf_counter() - started
    return Trajectory(elapsed / len(heights), np.array(heights), np.degrees(np.array(angles)))


def run_mode(mode: IntegratorSettings, policy: Policy, seconds: float, model_path: str | None = None) -> Trajectory:
    return drive(Simulation(model_path, integrator=mode), policy, seconds)


def drive(simulation: Stepping, policy: Policy, seconds: float) -> Trajectory:
    """Step `simulation` (OpenSim's or the compiled engine) with the policy until done or `seconds`, timed."""
    frames = []
    started = time.perf_counter()
    for step in range(round(seconds / STEP_SECONDS)):
        simulation.set_excitations(policy(step))
        frames.append(simulation.step())
        if frames[-1].error or frames[-1].done:
            break
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
        "CPodes at 5e-5 interpolating past each step's end); NAME@ACCURACY changes a configuration's "
        "accuracy (default %(default)s)",
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated scenario names")
    parser.add_argument("--max-seconds", type=float, default=None, help="cut every scenario short (smoke runs)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="time each scenario this many times, interleaved; the best counts"
    )
    parser.add_argument(
        "--fidelity-muscles",
        default=",".join(str(i) for i in range(19)),
        help="the fidelity table's muscles alone, by index (default all); 'none' skips the table",
    )
    parser.add_argument(
        "--random-episodes",
        type=int,
        default=len(RANDOM_EPISODE_SEEDS),
        help="random-action episodes (seeds 0, 1, ...) in the fidelity table (default %(default)s)",
    )
    parser.add_argument(
        "--fidelity-modes",
        default="faithful,before",
        help="configurations the fidelity table checks against the reference (default %(default)s)",
    )
    args = parser.parse_args(argv)
    configurations = [configuration(name) for name in args.modes.split(",")]
    joint_angle_names = Simulation(integrator=REFERENCE).joint_angle_names

    print(
        "| scenario | configuration | steps | ms/step | real-time factor | speed vs reference | speed vs before "
        "| max Δ pelvis height | max Δ joint angle | steps to done equal |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    verdicts = []
    for scenario in args.scenarios.split(","):
        policy, seconds = SCENARIOS[scenario]
        seconds = min(seconds, args.max_seconds or seconds)
        reference, runs = _interleaved(configurations, policy, seconds, joint_angle_names, args.repeats)
        print(_row(scenario, "reference (osim-rl)", reference, reference, None), flush=True)
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
        checked = [configuration(name) for name in args.fidelity_modes.split(",")]
        print()
        cases = fidelity_cases(muscles, args.random_episodes)
        print_fidelity_table(cases, checked, args.max_seconds, joint_angle_names)
    return 0


def configuration(name: str) -> IntegratorSettings:
    """A configuration by name: 'faithful', 'before', ..., or 'faithful@3e-4' for another accuracy."""
    base, _, accuracy = name.partition("@")
    settings = CONFIGURATIONS[base]
    return replace(settings, name=name, accuracy=float(accuracy)) if accuracy else settings


def _interleaved(
    configurations: list[IntegratorSettings],
    policy: Callable[[], Policy],
    seconds: float,
    joint_angle_names: tuple[str, ...],
    repeats: int,
) -> tuple[Trajectory, dict[str, Trajectory]]:
    """The reference and each configuration in turn, `repeats` rounds; each keeps its fastest run."""
    best: dict[str, Trajectory] = {}
    for _ in range(max(1, repeats)):
        rounds = {"reference": run_reference(policy(), seconds, joint_angle_names)}
        rounds.update({settings.name: run_mode(settings, policy(), seconds) for settings in configurations})
        for name, run in rounds.items():
            if name not in best or run.seconds_per_step < best[name].seconds_per_step:
                best[name] = run
    reference = best.pop("reference")
    return reference, best


def fidelity_cases(muscles: list[int], random_episodes: int) -> list[tuple[str, Callable[[], Policy], float]]:
    """The cases a faithful configuration must follow the reference on: the constant scenarios, three
    random constant vectors (until done, at most 2 s), each muscle alone at 1.0 for 0.5 s, episodes
    with a new random action every step (1 s each) and a smooth policy (1 s)."""
    cases = [(name, policy, seconds) for name, (policy, seconds) in SCENARIOS.items() if name != "random actions"]
    rng = np.random.default_rng(13)
    vectors = [tuple(float(v) for v in rng.uniform(0, 1, 19)) for _ in range(3)]
    cases += [(f"random {k + 1}", constant(vector), 2.0) for k, vector in enumerate(vectors)]
    cases += [(f"muscle {i} alone", constant(tuple(float(k == i) for k in range(19))), 0.5) for i in muscles]
    cases += [(f"random actions, seed {seed}", random_actions(seed), 1.0) for seed in range(random_episodes)]
    cases.append(("smooth policy", smooth_policy, 1.0))
    return cases


def print_fidelity_table(
    cases: list[tuple[str, Callable[[], Policy], float]],
    checked: list[IntegratorSettings],
    max_seconds: float | None,
    joint_angle_names: tuple[str, ...],
) -> None:
    """Each configuration against the reference per case. Where a case misses the bounds, both are
    also compared with a tight integration (Runge-Kutta-Merson at 1e-7): is it the configuration's
    error, or the reference's own?"""
    header = " | ".join(f"{s.name}: steps, max Δ pelvis height, max Δ joint angle, within" for s in checked)
    print(f"| case | reference steps | {header} | Δ from a tight integration (where a case misses) |")
    print("|---|---:|" + "---|" * len(checked) + "---|")
    met = dict.fromkeys((s.name for s in checked), 0)
    for name, policy, longest in cases:
        seconds = min(longest, max_seconds or longest)
        reference = run_reference(policy(), seconds, joint_angle_names)
        cells, misses = [], []
        for settings in checked:
            ours = run_mode(settings, policy(), seconds)
            height, angle = deviations(ours, reference)
            ok = _faithful(ours, reference)
            met[settings.name] += ok
            cells.append(f"{ours.steps}, {height:.2f} mm, {angle:.2f}°, {'yes' if ok else 'NO'}")
            if not ok:
                misses.append((settings.name, ours))
        against_tight = "-"
        if misses:
            tight = run_mode(TIGHT, policy(), seconds)
            parts = [(n, deviations(t, tight)) for n, t in [*misses, ("reference", reference)]]
            against_tight = "; ".join(f"{n} {h:.2f} mm, {a:.2f}°" for n, (h, a) in parts)
        print(f"| {name} | {reference.steps} | {' | '.join(cells)} | {against_tight} |", flush=True)
    print()
    for settings in checked:
        print(
            f"fidelity: {settings.name} follows the reference (<= {TOLERANCE_HEIGHT_MM:g} mm, "
            f"<= {TOLERANCE_ANGLE_DEG:g}°, same steps) on {met[settings.name]} of {len(cases)} cases"
        )


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
        f"{scenario} / faithful: "
        + (f"speed target ({', '.join(wanted)}) {'met' if fast_enough else 'NOT met'} " if wanted else "speed ")
        + f"({realtime:.2f}x real time, {speedup:.1f}x reference"
        + (f", {versus_before:.2f}x before" if versus_before else "")
        + f"); fidelity (<= {TOLERANCE_HEIGHT_MM:g} mm, <= {TOLERANCE_ANGLE_DEG:g}°, same steps to done) "
        f"{'met' if _faithful(ours, reference) else 'NOT met'}"
    )


if __name__ == "__main__":
    raise SystemExit(main([]))
