"""Round 2's target velocities (osim-rl v2.1.5's `generate_new_targets`), drawn as the original draws them.

The original draws from the global `random` and `numpy.random` after seeding both with the
environment's seed; here each environment owns a `random.Random` and a `numpy.random.RandomState`
seeded alike, which give the same numbers without touching the global generators.
"""

from __future__ import annotations

import math
import random

import numpy as np

START_VELOCITY = 1.25  # m/s
POISSON_LAMBDA = 300  # mean steps between changes
CHANGES = 10  # changes drawn; those past the episode's end never happen


class TargetRandom:
    """The two generators osim-rl seeds together (`random.seed(S)` and `np.random.seed(S)`)."""

    def __init__(self, seed: int | None) -> None:
        self.seed(seed)

    def seed(self, seed: int | None) -> None:
        self.python = random.Random(seed)
        self.numpy = np.random.RandomState(seed)


def generate_new_targets(time_limit: int, generators: TargetRandom) -> np.ndarray:
    """(time_limit + 1) x 3 target velocities (vx, 0, vz): the row of step i is the target after step i.

    Velocity 1.25 m/s and heading 0 at first; at each of the cumulative Poisson(300) steps, the
    velocity changes by ±U(-0.5, 0.5) and the heading by ±U(-π/8, π/8), in osim-rl's draw order.
    """
    steps = time_limit + 1
    velocity = np.zeros(steps)
    heading = np.zeros(steps)
    velocity[0] = START_VELOCITY
    change = np.cumsum(generators.numpy.poisson(POISSON_LAMBDA, CHANGES))
    draw = generators.python
    for i in range(1, steps):
        velocity[i] = velocity[i - 1]
        heading[i] = heading[i - 1]
        if i in change:
            velocity[i] += draw.choice([-1, 1]) * draw.uniform(-0.5, 0.5)
            heading[i] += draw.choice([-1, 1]) * draw.uniform(-math.pi / 8, math.pi / 8)
    # math's cos and sin, as osim-rl's `rect`: numpy's may differ in the last bit.
    return np.array([[v * math.cos(h), 0.0, v * math.sin(h)] for v, h in zip(velocity, heading, strict=True)])
