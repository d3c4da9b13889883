"""`python -m muscle_lab.bench --beside-myosuite`: steps per second beside MyoSuite's leg.

In one interleaved session, round after round: MyoSuite's leg environment (run by
`bench/myosuite_leg.py` in a Python that has MyoSuite, `--myosuite-python`; skipped with a note
where there is none), muscle_lab's ProstheticsEnv on the compiled engine and on OpenSim
(faithful mode), each with uniform random actions for the same wall time, a reset at each
episode end (timed too), in one process each. Prints wall-clock and CPU-time steps per second
(CPU time holds better on a shared machine) with the load average.

Not the same model or task: MyoSuite's leg (MuJoCo, 80 muscles, its own muscle model, a 0.01 s
step of ten 1 ms semi-implicit Euler steps) against osim-rl's prosthetic gait model (OpenSim's
equations, 19 Thelen 2003 muscles with compliant tendons, a 0.01 s step of a stiff BDF solver).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

MYOSUITE_SCRIPT = Path(__file__).with_name("myosuite_leg.py")


@dataclass
class Timed:
    name: str
    short: str  # for the ratios
    steps: int
    wall_seconds: float
    cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.steps / self.wall_seconds

    @property
    def per_cpu_second(self) -> float:
        return self.steps / self.cpu_seconds


def time_ours(engine: str, seconds: float, seed: int = 0) -> Timed:
    """ProstheticsEnv, faithful mode on `engine`, random actions for `seconds` of wall time."""
    from muscle_lab.env import ProstheticsEnv

    env = ProstheticsEnv(engine=engine)
    env.action_space.seed(seed)
    env.reset(seed=seed)
    steps = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < seconds:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        steps += 1
        if terminated or truncated:
            env.reset()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    env.close()
    return Timed(f"muscle_lab ProstheticsEnv, {engine} engine (19 muscles)", engine, steps, wall, cpu)


def time_myosuite(python: str, seconds: float, env_id: str) -> Timed:
    """MyoSuite's environment in `python` (a child process; its import and start not timed)."""
    done = subprocess.run(
        [python, str(MYOSUITE_SCRIPT), "--seconds", str(seconds), "--env-id", env_id],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    name = f"MyoSuite {result['myosuite']} {env_id} (MuJoCo {result['mujoco']}, {result['muscles']} muscles)"
    return Timed(name, "MyoSuite", result["steps"], result["wall_seconds"], result["cpu_seconds"])


def myosuite_missing(python: str | None) -> str | None:
    """Why MyoSuite cannot be timed, or None."""
    if python is None:
        return "no --myosuite-python given (a Python with MyoSuite: python3 -m venv V && V/bin/pip install myosuite)"
    probe = subprocess.run([python, "-c", "import myosuite"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"{python} cannot import myosuite: {probe.stderr.strip().splitlines()[-1:]}"
    return None


def main_beside_myosuite(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --beside-myosuite", description=__doc__)
    parser.add_argument("--myosuite-python", default=os.environ.get("MUSCLE_LAB_MYOSUITE_PYTHON"))
    parser.add_argument("--env-id", default="myoLegWalk-v0")
    parser.add_argument("--seconds", type=float, default=5.0, help="wall time per run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--engines", default="compiled,opensim", help="muscle_lab engines timed")
    args = parser.parse_args(argv)
    missing = myosuite_missing(args.myosuite_python)
    if missing:
        print(f"MyoSuite not timed: {missing}")
    print(f"load average at the start {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    print("| round | environment | steps | steps/s (wall) | steps per CPU second | load average |")
    print("|---:|---|---:|---:|---:|---:|")
    rows: dict[str, list[Timed]] = {}
    for round_number in range(1, args.rounds + 1):
        runs = []
        if not missing:
            runs.append(lambda: time_myosuite(args.myosuite_python, args.seconds, args.env_id))
        runs += [lambda engine=engine: time_ours(engine, args.seconds) for engine in args.engines.split(",")]
        for run in runs:
            timed = run()
            rows.setdefault(timed.name, []).append(timed)
            print(
                f"| {round_number} | {timed.name} | {timed.steps} | {timed.per_second:.0f} | "
                f"{timed.per_cpu_second:.0f} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
    print()
    best = {timed[0].short: max(t.per_cpu_second for t in timed) for timed in rows.values()}
    for name, value in best.items():
        others = ", ".join(f"{value / v:.2f}x {n}'s" for n, v in best.items() if n != name)
        print(f"{name}: best {value:.0f} steps per CPU second" + (f" ({others})" if others else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main_beside_myosuite(sys.argv[1:]))
