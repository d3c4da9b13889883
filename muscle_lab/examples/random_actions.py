"""osim-rl's first example, random excitations, ported to gymnasium.

    python -m muscle_lab.examples.random_actions [--steps 200] [--mode faithful] [--seed 0]

osim-rl's README runs `observation, reward, done, info = env.step(env.action_space.sample())`
200 times. gymnasium's `reset` also returns an info dict and `step` splits `done` into
`terminated` (the fall) and `truncated` (the 300-step time limit); that is the whole port.
"""

from __future__ import annotations

import argparse
import time

import gymnasium

import muscle_lab.env  # noqa: F401  registers muscle_lab/Prosthetics-v0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.examples.random_actions", description=__doc__)
    parser.add_argument("--steps", type=int, default=200, help="steps to run, over episodes (default %(default)s)")
    parser.add_argument("--mode", default="faithful", help="faithful, reference or fast (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random actions (default %(default)s)")
    args = parser.parse_args(argv)

    env = gymnasium.make("muscle_lab/Prosthetics-v0", mode=args.mode)
    env.action_space.seed(args.seed)
    observation, info = env.reset(seed=args.seed)
    episode, steps, total_reward = 1, 0, 0.0
    started = time.perf_counter()
    for _ in range(args.steps):
        observation, reward, terminated, truncated, info = env.step(env.action_space.sample())
        steps += 1
        total_reward += reward
        if terminated or truncated:
            print(f"episode {episode}: {steps} steps, total reward {total_reward:.3f}, ended: {info['end_reason']}")
            observation, info = env.reset()
            episode, steps, total_reward = episode + 1, 0, 0.0
    if steps:
        print(f"episode {episode}: {steps} steps so far, total reward {total_reward:.3f}")
    elapsed = time.perf_counter() - started
    rate = args.steps / elapsed
    print(f"{args.steps} steps in {elapsed:.1f} s ({rate:.0f} steps/s); observation: {observation.shape[0]} values")
    env.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
