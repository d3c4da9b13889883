"""PPO from stable-baselines3 on the prosthetic gait environment, its copies in subprocesses.

    pip install "muscle_lab[rl]"          # stable-baselines3, Ray RLlib, a CPU torch
    python -m muscle_lab.examples.train_sb3 --timesteps 100000 --envs 4 --save ppo_prosthetics

`make_vec_env` with its defaults but `SubprocVecEnv`: each environment runs OpenSim (or the
compiled engine) in a process of its own, so `--envs` up to the number of cores pays. The action
space is [-1, 1] (`symmetric_actions=True`), which PPO's Gaussian policy expects; the reward is
osim-rl's round 1, or yours with `--reward FILE.py` (see the README's *Your reward*); `--normalize`
scales the observations with `VecNormalize`, started from the environment's observation hints.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

# "module:id": gymnasium.make imports muscle_lab.env first, which registers the id; the subprocesses
# (forkserver) start without the parent's imports, so a bare id would not be found there.
ENV_ID = "muscle_lab.env:muscle_lab/Prosthetics-v0"


def make_env(envs: int, seed: int, env_kwargs: dict[str, Any]) -> Any:
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import SubprocVecEnv

    return make_vec_env(ENV_ID, n_envs=envs, seed=seed, vec_env_cls=SubprocVecEnv, env_kwargs=env_kwargs)


def normalized(vec: Any) -> tuple[Any, bool]:
    """`VecNormalize` started from the environment's observation hints (env.observation_hints):
    the observations are scaled from the first step, and the running statistics go on from there.
    Also whether there were hints (the default model has them)."""
    from stable_baselines3.common.vec_env import VecNormalize

    hints = vec.get_attr("observation_hints", indices=[0])[0]
    vec = VecNormalize(vec, norm_obs=True, norm_reward=False)
    if hints is not None:
        vec.obs_rms.mean, vec.obs_rms.var, vec.obs_rms.count = hints.offset, hints.scale**2, 1e4
    return vec, hints is not None


def train(
    timesteps: int,
    envs: int = 2,
    n_steps: int = 256,
    seed: int = 0,
    reward: str | None = None,
    save: str | None = None,
    normalize: bool = False,
) -> dict[str, float]:
    """Train for `timesteps` (rounded up to whole rollouts of n_steps x envs); returns timings and
    the last rollout's mean episode return (osim-rl's reward, or yours)."""
    from stable_baselines3 import PPO

    env_kwargs: dict[str, Any] = {"symmetric_actions": True}
    if reward is not None:
        env_kwargs["reward_fn"] = reward
    vec = make_env(envs, seed, env_kwargs)
    hinted = False
    if normalize:
        vec, hinted = normalized(vec)
    try:
        model = PPO("MlpPolicy", vec, n_steps=n_steps, batch_size=min(64, n_steps * envs), seed=seed, verbose=0)
        started = time.perf_counter()
        model.learn(total_timesteps=timesteps)
        seconds = time.perf_counter() - started
        returns = [info["r"] for info in model.ep_info_buffer]
        if save:
            model.save(save)
    finally:
        vec.close()
    steps = model.num_timesteps
    return {
        "timesteps": float(steps),
        "seconds": seconds,
        "steps_per_second": steps / seconds,
        "episodes": float(len(returns)),
        "mean_return": float(sum(returns) / len(returns)) if returns else float("nan"),
        "normalized_from_hints": float(hinted),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timesteps", type=int, default=2048, help="environment steps to train for (default 2048)")
    parser.add_argument("--envs", type=int, default=2, help="environments, one process each (default 2)")
    parser.add_argument("--n-steps", type=int, default=256, help="steps per environment per rollout (default 256)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reward", metavar="FILE.py[:NAME]", help="your reward instead of osim-rl's")
    parser.add_argument("--save", metavar="PATH", help="save the trained policy (PPO.load reads it back)")
    parser.add_argument(
        "--normalize", action="store_true", help="scale observations (VecNormalize, started from the observation hints)"
    )
    args = parser.parse_args(argv)
    result = train(args.timesteps, args.envs, args.n_steps, args.seed, args.reward, args.save, args.normalize)
    print(
        f"PPO (stable-baselines3): {result['timesteps']:.0f} steps in {result['seconds']:.1f} s "
        f"({result['steps_per_second']:.1f} steps/s), {result['episodes']:.0f} episodes, "
        f"mean return {result['mean_return']:.2f}",
        flush=True,
    )
    if result["normalized_from_hints"]:
        print("observations scaled by VecNormalize, started from the observation hints", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
