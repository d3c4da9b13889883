"""What a tuned run scores (higher is better): osim-rl's total reward (round 1), the distance the
pelvis travels before the fall, or the seconds the body stays up; minus a penalty on effort.

Each is read from the run's frames, so the evaluations need nothing but the simulation: the
episode ends at the fall (pelvis below 0.6 m) as in osim-rl, or at the horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS, Frame

REWARD = "reward"  # osim-rl's total reward, round 1: Σ 9 - (vx - 3)² over the steps taken
DISTANCE = "distance"  # m the pelvis moved forward (ground x) before the fall or the horizon
UPRIGHT = "upright"  # s before the fall, at most the horizon
GOALS = (REWARD, DISTANCE, UPRIGHT)
GOAL_UNITS = {REWARD: "", DISTANCE: " m", UPRIGHT: " s"}
PELVIS_X = "pelvis_tx"


class GoalError(ValueError):
    """A goal that cannot be scored (unknown, or a model without what it reads)."""


@dataclass(frozen=True)
class Goal:
    kind: str = REWARD
    seconds: float = 1.0  # the horizon: each evaluation runs this long unless the body falls
    effort: float = 0.0  # weight of the effort penalty: Σ over steps of Σ excitation² × 0.01 s

    def __post_init__(self) -> None:
        if self.kind not in GOALS:
            raise GoalError(f"goal {self.kind!r}: choose one of {', '.join(GOALS)}")
        if not 0 < self.seconds <= 100:  # False for NaN too
            raise GoalError(f"the horizon must be in (0, 100] s, got {self.seconds:g}")
        if not 0 <= self.effort < float("inf"):
            raise GoalError(f"the effort weight must be 0 or more, got {self.effort:g}")

    @property
    def steps(self) -> int:
        return max(1, round(self.seconds / STEP_SECONDS))

    def describe(self) -> str:
        what = {REWARD: "total reward (round 1)", DISTANCE: "distance before falling", UPRIGHT: "time upright"}
        penalty = f" - {self.effort:g} x effort" if self.effort else ""
        return f"{what[self.kind]} over {self.seconds:g} s{penalty}"


def score(goal: Goal, frames: Sequence[Frame], coordinate_names: Sequence[str]) -> float:
    """The run's score; `frames`: the start (reset) frame, then one per step taken."""
    if not frames:
        raise GoalError("a run without frames cannot be scored")
    start, last = frames[0], frames[-1]
    steps = frames[1:]
    if goal.kind == REWARD:
        value = last.total_reward if steps else 0.0
    elif goal.kind == DISTANCE:
        if PELVIS_X not in coordinate_names:
            raise GoalError(f"the distance goal reads {PELVIS_X}, which this model lacks")
        index = list(coordinate_names).index(PELVIS_X)
        value = float(last.coordinates[index] - start.coordinates[index])
    else:
        value = last.time - start.time  # the episode ends at the fall's step
    if last.error:  # a failed integration: the worst a run of this length can score
        value = min(value, 0.0)
    return float(value - goal.effort * effort(steps))


def effort(steps: Sequence[Frame]) -> float:
    """Σ over the steps of Σ excitation² × 0.01 s (0 for no step)."""
    if not steps:
        return 0.0
    return float(np.sum([np.sum(np.square(frame.excitations)) for frame in steps]) * STEP_SECONDS)
