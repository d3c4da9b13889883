"""Reward and episode end of osim-rl's ProstheticsEnv, round 1 (difficulty 0)."""

from __future__ import annotations

TARGET_SPEED = 3.0  # m/s
MIN_PELVIS_HEIGHT = 0.6  # m: below this the model has fallen
TIME_LIMIT_STEPS = 300  # osim-rl ends an episode after 300 steps of 0.01 s (difficulty 0)

# Why an episode ended (`Frame.end_reason`); None while it runs.
FELL = "fell"
TIME_LIMIT = "time limit"
END_REASONS = (FELL, TIME_LIMIT)


def step_reward(pelvis_vx: float) -> float:
    """`9 - (vx - 3)^2`, paid for every step, the first included.

    osim-rl keeps the reset state as the "previous" one, so its no-previous-state guard
    (which would pay 0) never fires, not even on the first step.
    """
    return 9.0 - (pelvis_vx - TARGET_SPEED) ** 2


def is_done(pelvis_height: float) -> bool:
    """The pelvis is below 0.6 m: the model has fallen."""
    return pelvis_height < MIN_PELVIS_HEIGHT


def end_reason(step: int, pelvis_height: float, time_limit: bool = True) -> str | None:
    """FELL, TIME_LIMIT (after 300 steps, when the limit is on) or None: the episode runs on.

    A fall on the last step counts as the fall, as it is the end the body brought about.
    """
    if is_done(pelvis_height):
        return FELL
    if time_limit and step >= TIME_LIMIT_STEPS:
        return TIME_LIMIT
    return None


def describe_end(reason: str | None, time: float, pelvis_height: float) -> str:
    """One line for a status bar or a summary: why and when the episode ended."""
    if reason == FELL:
        return f"fell at t = {time:.2f} s (pelvis {pelvis_height:.4f} m < {MIN_PELVIS_HEIGHT} m)"
    if reason == TIME_LIMIT:
        return f"time limit at t = {time:.2f} s ({TIME_LIMIT_STEPS} steps)"
    return "running"
