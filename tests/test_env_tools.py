"""What RL tools expect of the environments: frames, an action space in [-1, 1], your own reward, SB3."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import gymnasium
import numpy as np
import pytest

from muscle_lab.env import Arm2DEnv, ProstheticsEnv, RewardError
from muscle_lab.env.rendering import NO_DISPLAY, available_render_modes

REPO = Path(__file__).resolve().parents[1]


def test_rgb_array_frames_at_the_size_asked_follow_the_model():
    env = ProstheticsEnv(render_mode="rgb_array", render_size=(160, 120))
    env.reset()
    first = env.render()
    assert first.shape == (120, 160, 3) and first.dtype == np.uint8 and first.std() > 0  # something drawn
    for _ in range(20):
        env.step(np.zeros(19))
    assert np.abs(env.render().astype(int) - first).sum() > 0  # the body moved
    env.close()
    assert ProstheticsEnv().render() is None  # no render_mode: nothing, as gymnasium's convention


def test_human_mode_without_a_display_says_what_to_do_instead(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    message = NO_DISPLAY.format(why="neither DISPLAY nor WAYLAND_DISPLAY is set")
    with pytest.raises(RuntimeError) as raised:
        Arm2DEnv(visualize=True)  # osim-rl's visualize means the human mode
    assert str(raised.value) == message and "render_mode='rgb_array'" in message and "muscle-lab" in message
    assert available_render_modes() == ["rgb_array"]  # what gymnasium's checker is told it may try


def test_symmetric_actions_map_minus_one_one_onto_zero_one():
    symmetric, plain = ProstheticsEnv(symmetric_actions=True), ProstheticsEnv()
    assert symmetric.action_space == gymnasium.spaces.Box(-1.0, 1.0, (19,), np.float32)
    symmetric.reset()
    plain.reset()
    action = np.linspace(-1.0, 1.0, 19)
    np.testing.assert_array_equal(symmetric.step(action)[0], plain.step((action + 1) / 2)[0])
    np.testing.assert_array_equal(symmetric.excitations(np.full(19, -3.0)), np.zeros(19))  # clipped as osim-rl


def forward_and_upright(state_desc, prev_state_desc):
    return state_desc["body_pos"]["pelvis"][0] - prev_state_desc["body_pos"]["pelvis"][0]


def test_a_reward_function_replaces_the_reward_and_keeps_osim_rls_in_info():
    env = ProstheticsEnv(reward_fn=forward_and_upright)
    plain = ProstheticsEnv()
    env.reset()
    plain.reset()
    for _ in range(3):
        _, reward, *_, info = env.step(np.full(19, 0.05))
        _, osim_rl_reward, *_ = plain.step(np.full(19, 0.05))
        assert info["osim_rl_reward"] == osim_rl_reward
        assert reward == forward_and_upright(env.get_state_desc(), env.get_prev_state_desc())


def test_a_reward_function_that_raises_or_returns_nan_is_named():
    def broken(state_desc, prev_state_desc):
        raise KeyError("pelvis_speed")

    env = ProstheticsEnv(reward_fn=broken)
    env.reset()
    with pytest.raises(RewardError, match=r"reward function broken failed at step 1: KeyError\('pelvis_speed'\)"):
        env.step(np.zeros(19))
    env = ProstheticsEnv(reward_fn=lambda state_desc, prev_state_desc: math.nan)
    env.reset()
    with pytest.raises(RewardError, match="reward function <lambda> returned nan at step 1"):
        env.step(np.zeros(19))


SB3_SCRIPT = """
import numpy as np
import muscle_lab.env
from stable_baselines3.common.env_util import make_vec_env

vec = make_vec_env("muscle_lab/Prosthetics-v0", n_envs=2)  # its defaults: render_mode="rgb_array", DummyVecEnv
observations = vec.reset()
assert observations.shape == (2, 160), observations.shape
for _ in range(3):
    observations, rewards, dones, infos = vec.step(np.stack([vec.action_space.sample() for _ in range(2)]))
assert rewards.shape == (2,) and not dones.any()
frames = vec.get_images()
assert len(frames) == 2 and frames[0].ndim == 3, [f.shape for f in frames]
vec.close()
print("ok", muscle_lab.env.__file__)
"""


def test_stable_baselines3_make_vec_env_with_its_defaults():
    """In a Python that has stable-baselines3 (this one, or $MUSCLE_LAB_SB3_PYTHON): skipped otherwise."""
    python = os.environ.get("MUSCLE_LAB_SB3_PYTHON", sys.executable)
    probe = subprocess.run([python, "-c", "import stable_baselines3"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"stable-baselines3 is not installed for {python} (set MUSCLE_LAB_SB3_PYTHON to one that has it)")
    environment = {**os.environ, "PYTHONPATH": str(REPO)}  # this tree's muscle_lab, not an installed one
    result = subprocess.run(
        [python, "-c", SB3_SCRIPT], capture_output=True, text=True, env=environment, check=False, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert f"ok {REPO / 'muscle_lab' / 'env' / '__init__.py'}" in result.stdout
