"""osim-rl's other environments and interface, against the original v2.1.5 recorded on OpenSim 4.6.

tests/fixtures/osim_rl_reference/{round2,models,l2run,arm}.npz were written by record_envs.py
beside them (the original, patched at run time, on the installed model files). Faithful mode is
held to the fidelity bounds: the observation at reset within 1e-6, the same steps to the end,
rewards within 0.01 per step.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.error import ClosedEnvironmentError
from gymnasium.utils.env_checker import check_env

from muscle_lab.env import ENV_IDS, Arm2DEnv, L2RunEnv, OsimEnv, ProstheticsEnv

FIXTURES = Path(__file__).parent / "fixtures" / "osim_rl_reference"
RESET_TOLERANCE = 1e-6
REWARD_TOLERANCE = 0.01


def recorded(name: str) -> dict[str, np.ndarray]:
    with np.load(FIXTURES / f"{name}.npz") as data:
        return {key: data[key] for key in data.files}


def play(env: OsimEnv, actions: np.ndarray) -> tuple[list[float], list[bool], list[dict]]:
    """The recorded actions until the episode ends: rewards, ends (terminated or truncated), infos."""
    rewards, ends, infos = [], [], []
    for action in actions:
        _, reward, terminated, truncated, info = env.step(action)
        rewards.append(reward)
        ends.append(terminated or truncated)
        infos.append(info)
        if terminated or truncated:
            break
    return rewards, ends, infos


def assert_follows(env: OsimEnv, reference: dict[str, np.ndarray], prefix: str) -> list[dict]:
    """Same steps to the end as the original, rewards within the bound."""
    rewards, ends, infos = play(env, reference[f"{prefix}|actions"])
    assert ends == reference[f"{prefix}|done"].tolist()
    assert np.abs(np.array(rewards) - reference[f"{prefix}|rewards"]).max() <= REWARD_TOLERANCE
    return infos


def test_round2_draws_osim_rls_targets_for_the_same_seeds():
    reference = recorded("round2")
    env = ProstheticsEnv(difficulty=1, seed=0)
    env.reset()
    assert env.targets.shape == (1001, 3)
    np.testing.assert_array_equal(env.targets, reference["seed0|targets"])
    assert np.flatnonzero(np.diff(env.targets[:, 0]))[0] + 1 == 302  # the first change, as osim-rl's seed 0
    env.reset()  # the next draws of the same generators
    np.testing.assert_array_equal(env.targets, reference["seed0|second_targets"])
    env.reset(seed=5)
    np.testing.assert_array_equal(env.targets, reference["reset_seed5|targets"])
    env.change_model(model="3D", prosthetic=True, difficulty=1, seed=11)
    env.reset()
    np.testing.assert_array_equal(env.targets, reference["change_model_seed11|targets"])
    env = ProstheticsEnv(difficulty=1, seed=7)
    env.reset()
    np.testing.assert_array_equal(env.targets, reference["seed7|targets"])


def test_round2_follows_the_original_within_the_fidelity_bounds():
    reference = recorded("round2")
    env = ProstheticsEnv(difficulty=1, seed=0)
    observation, _ = env.reset()
    assert env.time_limit == 1000 and env.observation_space.shape == (160,)  # no target in osim-rl's vector
    np.testing.assert_allclose(observation, reference["seed0|reset_observation"], rtol=0, atol=RESET_TOLERANCE)
    assert env.get_state_desc()["target_vel"] == reference["seed0|reset_target_vel"].tolist()
    infos = assert_follows(env, reference, "seed0")
    assert infos[-1]["end_reason"] == "fell"
    desc = env.get_state_desc()
    assert desc["target_vel"] == reference["seed0|extra"][-1, 1:].tolist()
    activations = [muscle["activation"] for muscle in desc["muscles"].values()]
    velocity, target = desc["body_vel"]["pelvis"], desc["target_vel"]
    expected = (
        10 - 0.001 * np.sum(np.square(activations)) - (velocity[0] - target[0]) ** 2 - (velocity[2] - target[2]) ** 2
    )
    assert env.reward() == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("model", "prosthetic", "size"), [("2D", True, 160), ("2D", False, 169), ("3D", False, 169)])
def test_the_other_models_follow_the_original_within_the_fidelity_bounds(model, prosthetic, size):
    reference = recorded("models")
    env = ProstheticsEnv(model=model, prosthetic=prosthetic)
    key = env.get_model_key()
    observation, _ = env.reset()
    assert env.observation_space.shape == (size,) and env.get_observation_space_size() == size
    np.testing.assert_allclose(observation, reference[f"{key}|reset_observation"], rtol=0, atol=RESET_TOLERANCE)
    assert_follows(env, reference, key)


def test_change_model_switches_between_the_four_models():
    env = ProstheticsEnv()
    assert env.get_action_space_size() == 19 and env.observation_space.shape == (160,)
    env.change_model(model="2D", prosthetic=False, difficulty=1, seed=3)
    assert env.model_path.name == "gait14dof22musc_planar_20170320.osim"
    assert env.action_space.shape == (22,) and env.observation_space.shape == (169,) and env.time_limit == 1000
    assert env.reset()[0].shape == (169,)
    with pytest.raises(ValueError, match="model='4D', prosthetic=True: model is '3D' or '2D'"):
        env.change_model(model="4D")
    with pytest.raises(ValueError, match=r"difficulty 2: osim-rl v2\.1\.5 has 0"):
        env.set_difficulty(2)


def test_l2run_follows_the_original_within_the_fidelity_bounds():
    reference = recorded("l2run")
    env = L2RunEnv()
    observation, _ = env.reset()
    assert env.observation_space.shape == (43,)  # what the original returns, though it declared 41
    np.testing.assert_allclose(observation, reference["reset_observation"], rtol=0, atol=RESET_TOLERANCE)
    desc = env.get_state_desc()
    for name in [key for key in reference if key.startswith("desc|")]:
        _, group, entry, *field = name.split("|")
        value = desc[group][entry][field[0]] if field else desc[group][entry]
        np.testing.assert_allclose(np.asarray(value, dtype=float), reference[name], rtol=0, atol=1e-6, err_msg=name)
    infos = assert_follows(env, reference, "zero")
    assert infos[-1]["end_reason"] == "fell" and infos[-1]["pelvis_height"] < 0.6


def test_arm_follows_the_original_within_the_fidelity_bounds():
    reference = recorded("arm")
    env = Arm2DEnv(seed=0)  # the original's target after random.seed(0)
    observation, info = env.reset()
    target = reference["target"]
    np.testing.assert_array_equal([env.target_x, env.target_y], target)
    assert env.observation_space.shape == (16,) and info["target"] == tuple(target)
    # The original returned its reset observation before drawing the target (0, 0 at first): the rest is equal.
    np.testing.assert_allclose(observation[2:], reference["reset_observation"][2:], rtol=0, atol=RESET_TOLERANCE)
    np.testing.assert_array_equal(observation[:2], target)
    infos = assert_follows(env, reference, "random")
    assert len(infos) == 200 and infos[-1]["end_reason"] == "time limit"
    assert env.get_state_desc()["body_pos"]["target"][:2] == pytest.approx(target.tolist())  # held in place
    env.reset(options={"random_target": False})
    assert (env.target_x, env.target_y) == tuple(target)


@pytest.mark.parametrize("env_id", list(ENV_IDS))
def test_each_registered_env_passes_gymnasiums_checker(env_id):
    env = gymnasium.make(env_id)
    assert env.spec.max_episode_steps == env.unwrapped.time_limit
    check_env(env.unwrapped)  # warnings are errors here (setup.cfg)
    env.close()


def test_project_false_gives_osim_rls_description_as_a_dict_space():
    env = gymnasium.make("muscle_lab/ProstheticsRound2-v0", project=False).unwrapped
    check_env(env)
    observation, _ = env.reset(seed=0)
    assert isinstance(env.observation_space, gymnasium.spaces.Dict) and observation in env.observation_space
    assert observation["target_vel"].tolist() == [1.25, 0.0, 0.0]
    assert observation["body_pos"]["pelvis"][1] == pytest.approx(0.94)
    plain, *_ = env.step(np.zeros(19), project=False)  # osim-rl's per-call form: its dict of lists
    assert plain is env.get_state_desc() and isinstance(plain["body_pos"]["pelvis"], list)


def test_osim_rls_interface():
    env = ProstheticsEnv(integrator_accuracy=1e-4)
    assert env.integrator_settings().accuracy == 1e-4
    env.reset()
    assert env.istep == 0 and env.time_limit == 300 and env.get_prev_state_desc() is None
    before = env.get_state_desc()
    env.step(np.full(19, 0.05))
    assert env.istep == 1 and env.get_prev_state_desc() is before  # the description before the step
    env.step(np.full(19, 0.05))
    previous = env.get_prev_state_desc()  # computed from the state kept before the step
    assert previous["body_pos"]["pelvis"] != env.get_state_desc()["body_pos"]["pelvis"]
    assert env.get_observation_space_size() == 160 and env.get_action_space_size() == 19


def test_report_writes_observations_and_actions(tmp_path):
    env = ProstheticsEnv(report=tmp_path / "run")
    env.reset()
    env.step(np.full(19, 0.05))
    env.close()
    observations = (tmp_path / "run-obs.csv").read_text().splitlines()
    actions = (tmp_path / "run-act.csv").read_text().splitlines()
    assert observations[0].startswith("pelvis_y,pelvis_vx") and len(observations[1].split(",")) == 160
    assert actions[0].startswith("abd_r,") and actions[1] == ",".join(["0.05"] * 19)


def test_close_really_closes_and_stepping_past_the_end_warns():
    env = L2RunEnv()
    env.reset()
    env.simulation.loaded.set_controls([0.0] * 18)
    terminated = False
    while not terminated:
        _, _, terminated, _, _ = env.step(np.zeros(18))
    with pytest.warns(UserWarning, match="step\\(\\) called after the episode ended"):
        env.step(np.zeros(18))
    env.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env.step(np.zeros(18))  # a new episode: no warning
    env.close()
    env.close()  # twice is fine
    with pytest.raises(ClosedEnvironmentError, match="L2RunEnv is closed"):
        env.step(np.zeros(18))
    with pytest.raises(ClosedEnvironmentError):
        env.reset()
