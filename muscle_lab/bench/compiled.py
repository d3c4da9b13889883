"""`python -m muscle_lab.bench --compiled`: the compiled engine against osim-rl's reference
stepping and muscle_lab's faithful mode, on the prosthetic model, per case in one run.

Cases: the constant scenarios (until the pelvis is below 0.6 m), each muscle alone for 0.5 s and
random actions per step (1 s, seeds 0, 1, ...). Prints ms/step of the three, the compiled
engine's real-time factor, its largest deviation from the reference (pelvis height, every joint
angle) and whether it ends at the same step; then steps per second with random actions.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from muscle_lab.bench.simulation import (
    SCENARIOS,
    TOLERANCE_ANGLE_DEG,
    TOLERANCE_HEIGHT_MM,
    Policy,
    Trajectory,
    constant,
    deviations,
    random_actions,
    run_mode,
    run_reference,
)
from muscle_lab.core.compiled.engine import ATOL, MAX_ORDER, RTOL, CompiledSimulation
from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.simulation.integrator import FAITHFUL


def run_compiled(engine: CompiledSimulation, policy: Policy, seconds: float) -> Trajectory:
    engine.reset()
    frames = []
    started = time.perf_counter()
    for step in range(round(seconds / STEP_SECONDS)):
        engine.set_excitations(policy(step))
        frames.append(engine.step())
        if frames[-1].error or frames[-1].done:
            break
    elapsed = time.perf_counter() - started
    return Trajectory(
        elapsed / len(frames),
        np.array([f.pelvis_height for f in frames]),
        np.array([f.joint_angles for f in frames]),
    )


def cases(muscles: list[int], seeds: int) -> list[tuple[str, Policy, float]]:
    found = [(name, factory(), seconds) for name, (factory, seconds) in SCENARIOS.items() if name != "random actions"]
    found += [(f"muscle {i} alone", constant(tuple(float(k == i) for k in range(19)))(), 0.5) for i in muscles]
    found += [(f"random actions, seed {seed}", random_actions(seed)(), 1.0) for seed in range(seeds)]
    return found


def main_compiled(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --compiled", description=__doc__)
    parser.add_argument("--muscles", default=",".join(str(i) for i in range(19)), help="muscles alone ('none': skip)")
    parser.add_argument("--seeds", type=int, default=3, help="random-action episodes (seeds 0, 1, ...)")
    parser.add_argument("--no-faithful", action="store_true", help="skip timing faithful mode")
    parser.add_argument("--rtol", type=float, default=RTOL)
    parser.add_argument("--atol", type=float, default=ATOL)
    parser.add_argument("--max-order", type=int, default=MAX_ORDER)
    parser.add_argument("--speed-seconds", type=float, default=10.0, help="random actions timed for steps/s")
    args = parser.parse_args(argv)
    muscles = [] if args.muscles == "none" else [int(i) for i in args.muscles.split(",")]
    started = time.perf_counter()
    engine = CompiledSimulation(rtol=args.rtol, atol=args.atol, max_order=args.max_order)
    print(f"compiled engine ready in {time.perf_counter() - started:.1f} s (rtol {args.rtol:g}, atol {args.atol:g})")
    names = engine.joint_angle_names
    print(
        "| case | steps ref / compiled | ms/step reference | ms/step faithful | ms/step compiled "
        "| compiled real-time factor | max Δ pelvis height | max Δ joint angle | within |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    met = 0
    all_cases = cases(muscles, args.seeds)
    for name, policy, seconds in all_cases:
        reference = run_reference(policy, seconds, names)
        faithful = "-" if args.no_faithful else f"{run_mode(FAITHFUL, policy, seconds).seconds_per_step * 1000:.1f}"
        ours = run_compiled(engine, policy, seconds)
        height, angle = deviations(ours, reference)
        ok = height <= TOLERANCE_HEIGHT_MM and angle <= TOLERANCE_ANGLE_DEG and ours.steps == reference.steps
        met += ok
        print(
            f"| {name} | {reference.steps} / {ours.steps} | {reference.seconds_per_step * 1000:.1f} | {faithful} "
            f"| {ours.seconds_per_step * 1000:.2f} | {STEP_SECONDS / ours.seconds_per_step:.1f}x "
            f"| {height:.2f} mm | {angle:.2f}° | {'yes' if ok else 'NO'} |",
            flush=True,
        )
    bounds = f"{TOLERANCE_HEIGHT_MM:g} mm, {TOLERANCE_ANGLE_DEG:g}° and the same steps"
    print(f"\ncompiled engine within {bounds} on {met} of {len(all_cases)} cases")
    print(steps_per_second(engine, args.speed_seconds))
    return 0


def steps_per_second(engine: CompiledSimulation, seconds: float) -> str:
    """Random actions each step, episodes restarted at a fall, for `seconds` of wall time."""
    rng = np.random.default_rng(0)
    engine.reset()
    steps, evaluations, started = 0, engine.evaluations, time.perf_counter()
    while time.perf_counter() - started < seconds:
        engine.set_excitations(rng.uniform(0, 1, 19))
        if engine.step().done:
            engine.reset()
        steps += 1
    elapsed = time.perf_counter() - started
    per_step = (engine.evaluations - evaluations) / steps
    return (
        f"random actions: {steps / elapsed:.0f} steps/s ({steps * STEP_SECONDS / elapsed:.1f}x real time), "
        f"{per_step:.0f} derivative evaluations a step"
    )
