"""The RL examples train for a few iterations on this machine: PPO from stable-baselines3 in
`SubprocVecEnv` workers and PPO from Ray RLlib in a local Ray's env runners, each environment in a
process of its own. They need the `rl` extra (`bash .ci/install --rl`, which CI uses); without it
they are skipped, saying so."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def needs(*modules: str) -> pytest.MarkDecorator:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"{', '.join(missing)} not installed: bash .ci/install --rl")


def run_example(module: str, args: list[str], home: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """The example as a user runs it, in a fresh interpreter (its workers are processes too)."""
    env = {**os.environ, "MUSCLE_LAB_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@pytest.mark.slow
@needs("stable_baselines3", "torch")
def test_sb3_ppo_trains_in_subprocess_environments_with_normalised_observations(tmp_path):
    saved = tmp_path / "ppo"
    result = run_example(
        "muscle_lab.examples.train_sb3",
        ["--timesteps", "256", "--envs", "2", "--n-steps", "64", "--save", str(saved), "--normalize"],
        tmp_path / "home",
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    *_, line, normalised = result.stdout.strip().splitlines()
    assert normalised == "observations scaled by VecNormalize, started from the observation hints"
    found = re.fullmatch(
        r"PPO \(stable-baselines3\): (\d+) steps in [\d.]+ s \([\d.]+ steps/s\), (\d+) episodes, .*", line
    )
    assert found is not None, line
    assert int(found.group(1)) == 256  # two rollouts of 64 steps in each of the 2 environments
    assert (tmp_path / "ppo.zip").is_file()


@pytest.mark.slow
@needs("ray", "torch")
def test_rllib_ppo_trains_in_a_local_rays_env_runners(tmp_path):
    result = run_example(
        "muscle_lab.examples.train_rllib",
        ["--iterations", "2", "--env-runners", "2", "--batch", "200"],
        tmp_path / "home",
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("iteration ")]
    assert [line.split(":")[0] for line in lines] == ["iteration 1", "iteration 2"], result.stdout
    assert lines[-1].startswith("iteration 2: 400 steps so far")
