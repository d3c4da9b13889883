"""Start-state noise and pushes (env.perturbations): off by default, the episode is today's bit for
bit; on, it differs and `reset(seed=S)` repeats it exactly; a push moves the body in its direction
from its first step on, on OpenSim and on the compiled engine alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.paths import HOME_ENV
from muscle_lab.env import Arm2DEnv, L2RunEnv, ProstheticsEnv

STANDING = np.full(19, 0.05)


def episode(env, seed: int, steps: int = 25, action=STANDING) -> tuple[np.ndarray, np.ndarray]:
    """The observation at reset and each step's pelvis position (x, y, z)."""
    first, _ = env.reset(seed=seed)
    pelvis = []
    for _ in range(steps):
        env.step(action)
        pelvis.append(env.get_state_desc()["body_pos"]["pelvis"])
    return first, np.array(pelvis)


def test_off_by_default_and_explicitly_off_is_todays_episode_bit_for_bit():
    today = ProstheticsEnv()
    off = ProstheticsEnv(start_noise=0.0, start_speed_noise=0.0, push_force=0.0)
    assert not today.start_noise.on and not today.push.on
    first, pelvis = episode(today, seed=0)
    again_first, again_pelvis = episode(off, seed=5)  # the seed changes nothing without noise
    assert np.array_equal(first, again_first) and np.array_equal(pelvis, again_pelvis)
    assert today.push_plan is None and off.push_plan is None


def test_start_noise_changes_the_start_and_the_same_seed_repeats_it():
    plain, noisy = ProstheticsEnv(), ProstheticsEnv(start_noise=0.03, start_speed_noise=0.2)
    plain.reset(seed=0)
    standing = plain.get_state_desc()["joint_pos"]
    first, pelvis = episode(noisy, seed=7, steps=10)
    noisy.reset(seed=7)
    start = noisy.get_state_desc()["joint_pos"]
    again_first, again_pelvis = episode(noisy, seed=7, steps=10)  # reseeded: the same draw
    other_first, _ = episode(noisy, seed=8, steps=10)
    assert np.array_equal(first, again_first) and np.array_equal(pelvis, again_pelvis)
    assert not np.array_equal(first, other_first)
    for joint in ("hip_r", "knee_r", "ankle_l"):
        moved = np.abs(np.subtract(start[joint], standing[joint]))
        assert 0.0 < moved.max() < 0.2, joint  # radians: a few standard deviations at most
    # Translations keep the model's values: the pelvis starts where it stands; its angles moved.
    assert start["ground_pelvis"][3:] == standing["ground_pelvis"][3:]
    assert start["ground_pelvis"][:3] != standing["ground_pelvis"][:3]


def test_a_push_moves_the_body_its_way_from_its_first_step_and_repeats_with_the_seed():
    plain_first, plain_pelvis = episode(ProstheticsEnv(), seed=0)
    pushed = ProstheticsEnv(push_force=300.0, push_duration=0.1, push_window=(5, 10))
    first, pelvis = episode(pushed, seed=1)
    plan = pushed.push_plan
    assert plan is not None and 5 <= plan.first <= 10 and plan.last == plan.first + 9
    assert np.hypot(plan.fx, plan.fz) == pytest.approx(300.0)
    assert np.array_equal(first, plain_first)  # a push changes no start
    before = plan.first - 1  # rows are steps 1, 2, ...: the steps before the push are today's
    assert np.array_equal(pelvis[:before], plain_pelvis[:before])
    moved = pelvis[-1] - plain_pelvis[-1]
    direction = np.array([plan.fx, plan.fz]) / 300.0
    assert np.dot(moved[[0, 2]], direction) > 0.01  # more than a centimetre its way
    _, again = episode(pushed, seed=1)
    assert np.array_equal(pelvis, again)
    episode(pushed, seed=2)
    assert pushed.push_plan != plan


def test_a_planar_model_is_pushed_along_x_and_a_model_without_a_pelvis_cannot_be():
    env = L2RunEnv(push_force=100.0, push_window=(1, 1))
    env.reset(seed=0)
    assert env.push_plan.fz == 0.0 and abs(env.push_plan.fx) == 100.0
    with pytest.raises(ValueError, match="a push needs a model with a free pelvis_tx coordinate"):
        Arm2DEnv(push_force=10.0)
    with pytest.raises(ValueError, match="push_window must be"):
        ProstheticsEnv(push_force=10.0, push_window=(0, 5))
    arm = Arm2DEnv(start_noise=0.05, seed=0)  # the arm's joints move, its target does not
    observation, info = arm.reset(seed=0)
    assert tuple(observation[:2]) == info["target"]


def test_a_push_on_the_compiled_engine_matches_opensims(compiled_home: Path, monkeypatch) -> None:
    monkeypatch.setenv(HOME_ENV, str(compiled_home))
    envs = [ProstheticsEnv(engine=engine, push_force=300.0, push_window=(5, 10)) for engine in ("compiled", "opensim")]
    assert [env.engine for env in envs] == ["compiled", "opensim"]
    (_, compiled), (_, opensim) = (episode(env, seed=1) for env in envs)
    assert envs[0].push_plan == envs[1].push_plan
    assert np.abs(compiled - opensim).max() < 0.001  # within a millimetre, as the engines' fidelity bounds
