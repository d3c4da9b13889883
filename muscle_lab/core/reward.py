"""Reward and episode end of osim-rl's ProstheticsEnv, round 1."""

from __future__ import annotations

TARGET_SPEED = 3.0  # m/s
MIN_PELVIS_HEIGHT = 0.6  # m: below this the model has fallen


def step_reward(step: int, pelvis_vx: float) -> float:
    """`9 - (vx - 3)^2` for every step after the first; the first step earns nothing.

    osim-rl pays nothing for the first step because it has no previous state then.
    """
    if step <= 1:
        return 0.0
    return 9.0 - (pelvis_vx - TARGET_SPEED) ** 2


def is_done(pelvis_height: float) -> bool:
    """The episode ends once the pelvis is below 0.6 m (a fall)."""
    return pelvis_height < MIN_PELVIS_HEIGHT
