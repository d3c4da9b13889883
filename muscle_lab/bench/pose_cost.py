"""`python -m muscle_lab.bench --pose-cost`: what drawing a pose after every step costs the
simulation, on the compiled engine. In process, CPU time (time.process_time, robust to the
machine's load) per step of the step itself, of the pose the engine computes (read_pose) and of
the pose OpenSim's PoseReader reads from the engine's OpenSim state; then the simulation
process's rate as `run` drives it (headless_rate) without poses, with a full pose every step and
with the deferred pose the window asks for (core.compiled.pose_layout)."""

from __future__ import annotations

import argparse
import os
import time
from typing import Literal

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.reward import TIME_LIMIT_STEPS, is_done

PoseChoice = bool | Literal["deferred"]
POSE_CHOICES: dict[PoseChoice, str] = {
    False: "without poses",
    "deferred": "a deferred pose every step (the window's)",
    True: "a full pose every step",
}


def main_pose_cost(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --pose-cost")
    parser.add_argument("--preset", default="hip-thrust", help="the excitations' preset (default hip-thrust)")
    parser.add_argument("--seconds", type=float, default=3.0, help="simulated seconds per measure (default 3)")
    parser.add_argument("--rounds", type=int, default=2, help="headless rounds, alternated (default 2)")
    options = parser.parse_args(argv)
    from muscle_lab.bench.headless_rate import headless_rate
    from muscle_lab.core.compiled.engine import CompiledSimulation
    from muscle_lab.core.presets.store import excitations_from_preset
    from muscle_lab.core.simulation.pose import PoseReader

    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}, preset {options.preset}")
    simulation = CompiledSimulation()
    values, _notes = excitations_from_preset(options.preset, list(simulation.muscle_names))
    simulation.set_excitations(values)
    reader = PoseReader(simulation.loaded)
    steps = round(options.seconds / STEP_SECONDS)
    cpu = {"step": 0.0, "compiled pose": 0.0, "OpenSim pose": 0.0}
    largest = 0.0
    for _ in range(steps):
        started = time.process_time()
        frame = simulation.step()
        cpu["step"] += time.process_time() - started
        started = time.process_time()
        mine = simulation.read_pose(reader)
        cpu["compiled pose"] += time.process_time() - started
        started = time.process_time()
        theirs = reader.read(simulation.state)
        cpu["OpenSim pose"] += time.process_time() - started
        largest = max(largest, _largest_difference(mine, theirs))
        if is_done(frame.pelvis_height) or frame.step >= TIME_LIMIT_STEPS:
            simulation.reset()
    print(f"in process, CPU per step over {steps} steps (compiled engine, C driver {simulation.driver}):")
    for name, total in cpu.items():
        print(f"  {name:14s} {1000 * total / steps:7.3f} ms")
    print(f"  largest difference between the two poses' points: {largest:.2e} m")
    rates: dict[PoseChoice, list[float]] = {choice: [] for choice in POSE_CHOICES}
    for _ in range(options.rounds):
        for poses in POSE_CHOICES:
            rate, engine = headless_rate("faithful", values, options.seconds, poses=poses)
            rates[poses].append(rate)
    best = {poses: max(r) for poses, r in rates.items()}
    print(f"headless (the simulation process as `run` drives it, engine {engine}), best of {options.rounds}:")
    for poses in POSE_CHOICES:
        print(f"  {POSE_CHOICES[poses]:42s} {best[poses]:5.2f}x real time, {best[poses] / best[False]:.2f} of none")
    print("the same, CPU per step of the simulation process and of its caller (first round's set-up excluded):")
    for poses in POSE_CHOICES:
        child, parent = _cpu_per_step(values, options.seconds, poses)
        print(f"  {POSE_CHOICES[poses]:42s} simulation process {child:.3f} ms, caller {parent:.3f} ms")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


def _cpu_per_step(values: np.ndarray, seconds: float, poses: PoseChoice) -> tuple[float, float]:
    """headless_rate's loop, timed in CPU: the child's from /proc (10 ms ticks: over a few
    hundred steps, ~1 %), this process's by time.process_time."""
    from muscle_lab.bench.headless_rate import process_cpu_seconds
    from muscle_lab.core.simulation.integrator import settings_for
    from muscle_lab.core.simulation.process import SimulationProcess

    simulation = SimulationProcess(None, settings_for("faithful"), poses=poses)
    try:
        simulation.set_excitations(values)
        simulation.step()
        steps = round(seconds / STEP_SECONDS)
        child, parent = process_cpu_seconds(simulation.pid), time.process_time()
        for _ in range(steps):
            frame = simulation.step()
            if is_done(frame.pelvis_height) or frame.step >= TIME_LIMIT_STEPS:
                simulation.reset()
        child, parent = process_cpu_seconds(simulation.pid) - child, time.process_time() - parent
        return 1000 * child / steps, 1000 * parent / steps
    finally:
        simulation.close()


def _largest_difference(a: object, b: object) -> float:
    from muscle_lab.core.simulation.pose import BodyPose

    assert isinstance(a, BodyPose) and isinstance(b, BodyPose)
    parts = [
        np.abs(a.body_positions - b.body_positions).max(),
        np.abs(a.frame_translations - b.frame_translations).max(),
    ]
    for mine, theirs in zip(a.muscle_paths, b.muscle_paths, strict=True):
        parts.append(np.abs(mine - theirs).max() if mine.shape == theirs.shape else np.inf)
    return float(max(parts))
