"""`python -m muscle_lab.bench --compiled`: the compiled engine against osim-rl's reference
stepping and muscle_lab's faithful mode, per case in one run, on the prosthetic model or
another (`--model`: a path, or a file name in osim-rl's models folder).

Cases: the constant scenarios (until the pelvis is below 0.6 m; the hip thrust excites the
hamstrings and glutei maximi by name), each muscle alone for 0.5 s and random actions per step
(1 s, seeds 0, 1, ...). Prints ms/step of the three, the compiled
engine's real-time factor, its largest deviation from the reference (pelvis height, every joint
angle) and whether it ends at the same step; where a case misses, both the reference's and the
compiled engine's distance from a tight integration (Runge-Kutta-Merson at 1e-7: whose error is
it?); then steps per second with random actions.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from muscle_lab.bench.simulation import (
    SCENARIOS,
    TIGHT,
    TOLERANCE_ANGLE_DEG,
    TOLERANCE_HEIGHT_MM,
    Policy,
    Trajectory,
    constant,
    deviations,
    drive,
    random_actions,
    run_mode,
    run_reference,
)
from muscle_lab.core.compiled.engine import ATOL, MAX_ORDER, RTOL, CompiledSimulation
from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.paths import osim_rl_models_dir
from muscle_lab.core.simulation.integrator import FAITHFUL


def run_compiled(engine: CompiledSimulation, policy: Policy, seconds: float) -> Trajectory:
    engine.reset()
    return drive(engine, policy, seconds)


HIP_THRUST_MUSCLES = ("hamstrings_r", "glut_max_r", "hamstrings_l", "glut_max_l")


def cases(muscles: list[int], seeds: int, names: tuple[str, ...] | None = None) -> list[tuple[str, Policy, float]]:
    """The cases for a model with these muscles (None: the prosthetic model's 19)."""
    if names is None:
        found = [
            (name, factory(), seconds) for name, (factory, seconds) in SCENARIOS.items() if name != "random actions"
        ]
        size = 19
    else:
        size = len(names)
        hip_thrust = tuple(float(name in HIP_THRUST_MUSCLES) for name in names)
        found = [
            ("standing 0.05", constant((0.05,) * size)(), SCENARIOS["standing 0.05"][1]),
            ("all zero", constant((0.0,) * size)(), SCENARIOS["all zero"][1]),
            ("hip thrust", constant(hip_thrust)(), SCENARIOS["hip thrust"][1]),
        ]
    found += [(f"muscle {i} alone", constant(tuple(float(k == i) for k in range(size)))(), 0.5) for i in muscles]
    found += [(f"random actions, seed {seed}", random_actions(seed, size)(), 1.0) for seed in range(seeds)]
    return found


def main_compiled(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --compiled", description=__doc__)
    parser.add_argument("--model", metavar="PATH", help="an .osim model, or a file in osim-rl's models folder")
    parser.add_argument("--muscles", default="all", help="muscles alone, by index ('all', or 'none': skip)")
    parser.add_argument("--seeds", type=int, default=3, help="random-action episodes (seeds 0, 1, ...)")
    parser.add_argument("--no-faithful", action="store_true", help="skip timing faithful mode")
    parser.add_argument("--rtol", type=float, default=RTOL)
    parser.add_argument("--atol", type=float, default=ATOL)
    parser.add_argument("--max-order", type=int, default=MAX_ORDER)
    parser.add_argument("--speed-seconds", type=float, default=10.0, help="random actions timed for steps/s")
    args = parser.parse_args(argv)
    model = _model_path(args.model)
    started = time.perf_counter()
    engine = CompiledSimulation(model, rtol=args.rtol, atol=args.atol, max_order=args.max_order)
    print(
        f"compiled engine for {engine.model_name} ready in {time.perf_counter() - started:.1f} s "
        f"(rtol {args.rtol:g}, atol {args.atol:g})"
    )
    size = len(engine.muscles)
    chosen = {"none": [], "all": list(range(size))}
    muscles = chosen[args.muscles] if args.muscles in chosen else [int(i) for i in args.muscles.split(",")]
    names = engine.joint_angle_names
    print(
        "| case | steps ref / compiled | ms/step reference | ms/step faithful | ms/step compiled "
        "| compiled real-time factor | max Δ pelvis height | max Δ joint angle | within "
        "| Δ from a tight integration (where a case misses) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---|")
    met = 0
    all_cases = cases(muscles, args.seeds, None if model is None else engine.muscle_names)
    for name, policy, seconds in all_cases:
        reference = run_reference(policy, seconds, names, model)
        faithful = (
            "-" if args.no_faithful else f"{run_mode(FAITHFUL, policy, seconds, model).seconds_per_step * 1000:.1f}"
        )
        ours = run_compiled(engine, policy, seconds)
        height, angle = deviations(ours, reference)
        ok = height <= TOLERANCE_HEIGHT_MM and angle <= TOLERANCE_ANGLE_DEG and ours.steps == reference.steps
        met += ok
        against_tight = "-"
        if not ok:
            tight = run_mode(TIGHT, policy, seconds, model)
            parts = [(n, deviations(t, tight)) for n, t in (("reference", reference), ("compiled", ours))]
            against_tight = "; ".join(f"{n} {h:.2f} mm, {a:.2f}°" for n, (h, a) in parts)
        print(
            f"| {name} | {reference.steps} / {ours.steps} | {reference.seconds_per_step * 1000:.1f} | {faithful} "
            f"| {ours.seconds_per_step * 1000:.2f} | {STEP_SECONDS / ours.seconds_per_step:.1f}x "
            f"| {height:.2f} mm | {angle:.2f}° | {'yes' if ok else 'NO'} | {against_tight} |",
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
        engine.set_excitations(rng.uniform(0, 1, len(engine.muscles)))
        if engine.step().done:
            engine.reset()
        steps += 1
    elapsed = time.perf_counter() - started
    per_step = (engine.evaluations - evaluations) / steps
    return (
        f"random actions: {steps / elapsed:.0f} steps/s ({steps * STEP_SECONDS / elapsed:.1f}x real time), "
        f"{per_step:.0f} derivative evaluations a step"
    )


def _model_path(name: str | None) -> str | None:
    """None (the prosthetic model), a path, or a file name in osim-rl's models folder."""
    if name is None or Path(name).expanduser().is_file():
        return name
    return str(osim_rl_models_dir() / name)
