"""MyoSuite's leg model with random actions, timed: a standalone script for a Python that has
MyoSuite (it imports nothing of muscle_lab, whose dependencies it need not have), e.g.

    python3 -m venv /tmp/myo && /tmp/myo/bin/pip install myosuite
    /tmp/myo/bin/python muscle_lab/bench/myosuite_leg.py --seconds 5

Prints one JSON line: the environment, its muscles and step, steps, wall and CPU seconds.
`python -m muscle_lab.bench --beside-myosuite --myosuite-python /tmp/myo/bin/python` runs it
interleaved with muscle_lab's environment.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-id", default="myoLegWalk-v0", help="a registered MyoSuite environment")
    parser.add_argument("--seconds", type=float, default=5.0, help="wall time stepped")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")  # MyoSuite's deprecation notes, not ours to print
    import mujoco
    import myosuite
    from myosuite.utils import gym

    env = gym.make(args.env_id)
    env.action_space.seed(args.seed)
    env.reset(seed=args.seed)
    model = env.unwrapped.model
    steps, resets = 0, 0
    wall, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - wall < args.seconds:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        steps += 1
        if terminated or truncated:
            env.reset()
            resets += 1
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    env.close()
    result = {
        "env_id": args.env_id,
        "myosuite": getattr(myosuite, "__version__", "?"),
        "mujoco": mujoco.__version__,
        "muscles": int(model.na),
        "dofs": int(model.nv),
        "step_seconds": float(env.unwrapped.dt),
        "timestep": float(model.opt.timestep),
        "steps": steps,
        "resets": resets,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
