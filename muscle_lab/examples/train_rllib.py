"""PPO from Ray RLlib on the prosthetic gait environment: the environments run in Ray's env runners
(each its own process, OpenSim or the compiled engine inside), the learner updates the policy.

    pip install "muscle_lab[rl]"
    python -m muscle_lab.examples.train_rllib --iterations 20 --env-runners 2

On a Ray cluster the same code runs with `--address auto` on a node of the cluster (or
`--address ray://HEAD:10001` from outside it, through Ray Client): `ray.init(address=...)` joins the
cluster instead of starting a local one, and `--env-runners` can then be the cluster's cores.
Every node needs muscle_lab installed (`pip install "muscle_lab[rl]"`, or a `runtime_env`).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

ENV_NAME = "muscle_lab_prosthetics"


def make_prosthetics(config: dict[str, Any]) -> Any:
    """The environment as Ray builds it in each env runner (the import registers the ids there)."""
    import gymnasium

    import muscle_lab.env  # noqa: F401

    return gymnasium.make("muscle_lab/Prosthetics-v0", symmetric_actions=True, **dict(config))


def train(
    iterations: int,
    env_runners: int = 2,
    batch: int = 400,
    address: str | None = None,
    seed: int = 0,
    env_config: dict[str, Any] | None = None,
) -> list[dict[str, float]]:
    """`iterations` PPO iterations of `batch` environment steps each; one row per iteration."""
    import ray
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.tune.registry import register_env

    ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    register_env(ENV_NAME, make_prosthetics)
    config = (
        PPOConfig()
        .environment(ENV_NAME, env_config=env_config or {})
        .env_runners(num_env_runners=env_runners, num_envs_per_env_runner=1, rollout_fragment_length="auto")
        .training(train_batch_size_per_learner=batch, minibatch_size=min(128, batch), num_epochs=2)
        .debugging(seed=seed)
    )
    algorithm = config.build_algo()
    rows = []
    try:
        for iteration in range(1, iterations + 1):
            started = time.perf_counter()
            result = algorithm.train()
            runners = result.get("env_runners", {})
            rows.append(
                {
                    "iteration": float(iteration),
                    "seconds": time.perf_counter() - started,
                    "steps": float(
                        result.get("num_env_steps_sampled_lifetime", runners.get("num_env_steps_sampled_lifetime", 0))
                    ),
                    "mean_return": float(runners.get("episode_return_mean", float("nan"))),
                }
            )
    finally:
        algorithm.stop()
        ray.shutdown()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=3, help="PPO iterations (default 3)")
    parser.add_argument("--env-runners", type=int, default=2, help="Ray env runners, a process each (default 2)")
    parser.add_argument("--batch", type=int, default=400, help="environment steps per iteration (default 400)")
    parser.add_argument("--address", help="a Ray cluster to join ('auto' on one of its nodes); default: a local Ray")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reward", metavar="FILE.py[:NAME]", help="your reward instead of osim-rl's")
    args = parser.parse_args(argv)
    env_config = {"reward_fn": args.reward} if args.reward else {}
    for row in train(args.iterations, args.env_runners, args.batch, args.address, args.seed, env_config):
        print(
            f"iteration {row['iteration']:.0f}: {row['steps']:.0f} steps so far, {row['seconds']:.1f} s, "
            f"mean return {row['mean_return']:.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
