"""Random excitations, as a muscle_lab controller: osim-rl's first example, at the sliders.

    python main.py --controller muscle_lab/examples/random_controller.py
    python main.py run --controller muscle_lab/examples/random_controller.py --csv random.csv

`controller(observation)` is called once a step, in the simulation process, with osim-rl's
observation (160 values for the default model) and returns one excitation in [0, 1] per muscle.
The generator is seeded: a new window or run draws the same sequence.
"""

from __future__ import annotations

import numpy as np

MUSCLES = 19  # osim-rl's prosthetic model; the window says so if the model has another count
SEED = 0

_random = np.random.default_rng(SEED)


def controller(observation: np.ndarray) -> np.ndarray:
    """A fresh uniform draw in [0, 1) for every muscle, whatever the observation."""
    return _random.random(MUSCLES)


if __name__ == "__main__":
    import gymnasium

    import muscle_lab.env  # noqa: F401  registers muscle_lab/Prosthetics-v0

    env = gymnasium.make("muscle_lab/Prosthetics-v0")
    observation, info = env.reset()
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(controller(observation))
        total += float(reward)
        done = terminated or truncated
    print(f"{info['step']} steps, total reward {total:.3f}, ended: {info['end_reason']}")
