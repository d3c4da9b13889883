"""Observation normalisation hints: shipped for the default prosthetic model, one offset and scale per
index of its vector, usable as they are or to start gymnasium's NormalizeObservation from."""

from __future__ import annotations

import gymnasium
import numpy as np

from muscle_lab.env import ProstheticsEnv
from muscle_lab.env.observation_hints import hints_path, robust_hints


def test_the_default_model_has_hints_that_bring_a_new_episode_to_a_few_units():
    env = ProstheticsEnv()
    hints = env.observation_hints
    assert hints is not None and hints_path(env.model_path.name).is_file()
    assert hints.names == env.observation_names and hints.offset.shape == hints.scale.shape == (160,)
    assert np.isfinite(hints.offset).all() and (hints.scale > 0).all()
    assert "uniform random excitations" in hints.source
    # An episode the hints were not recorded on (other random actions): most values within 5 scales.
    rng = np.random.default_rng(1234)
    seen = [env.reset(seed=0)[0]]
    for _ in range(60):
        observation, _, terminated, _, _ = env.step(rng.uniform(0.0, 1.0, 19))
        seen.append(observation)
        if terminated:
            break
    normalized = hints.normalize(np.array(seen))
    assert np.mean(np.abs(normalized) <= 5.0) > 0.95
    assert np.abs(np.array(seen)).max() > 100.0  # raw, the accelerations are hundreds or more


def test_another_model_has_none_and_constant_indices_get_scale_one():
    assert ProstheticsEnv(model="2D", prosthetic=False).observation_hints is None
    offset, scale = robust_hints(np.array([[1.0, 0.0, 5.0], [1.0, 2.0, 5.0], [1.0, 4.0, 5.0]]))
    assert offset.tolist() == [1.0, 2.0, 5.0] and scale[0] == 1.0 and scale[2] == 1.0 and 0 < scale[1] < 4


def test_the_hints_start_gymnasiums_normalize_observation():
    env = gymnasium.make("muscle_lab/Prosthetics-v0")
    hints = env.unwrapped.observation_hints
    normalized = gymnasium.wrappers.NormalizeObservation(env)
    normalized.obs_rms.mean = hints.offset.copy()
    normalized.obs_rms.var = hints.scale**2
    normalized.obs_rms.count = 1e4  # as if it had seen that many: new episodes adjust it slowly
    normalized.update_running_mean = False  # or frozen: the hints as a fixed scaling
    observation, _ = normalized.reset(seed=0)
    raw = env.unwrapped.get_observation()
    expected = (raw - hints.offset) / np.sqrt(hints.scale**2 + normalized.epsilon)  # its epsilon, 1e-8
    np.testing.assert_allclose(observation, expected, rtol=1e-6, atol=1e-6)
