"""What a tuned run scores (higher is better): osim-rl's total reward (round 1 or 2), the distance
the pelvis travels before the fall, the seconds the body stays up, or minus the distance (degrees)
from a posture held at the end (core.tune.posture); minus a penalty on effort.

Each is read from the run's frames, so the evaluations need nothing but the simulation: the
episode ends at the fall (pelvis below 0.6 m) as in osim-rl, or at the horizon. Round 2 follows
the env's targets (seed `target_seed`); the frames carry no sideways velocity, so the pelvis's
is the pelvis_tz coordinate's derivative (second-order differences over the 0.01 s steps):
the hip thrust's round 2 total is within 0.002 % of the env's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.targets import TargetRandom, generate_new_targets
from muscle_lab.core.tune import posture as postures

REWARD = "reward"  # osim-rl's total reward, round 1: Σ 9 - (vx - 3)² over the steps taken
REWARD2 = "reward2"  # round 2: Σ 10 - 0.001 Σ activation² - (vx - tx)² - (vz - tz)²
DISTANCE = "distance"  # m the pelvis moved forward (ground x) before the fall or the horizon
UPRIGHT = "upright"  # s before the fall, at most the horizon
POSTURE = "posture"  # minus the distance (RMS degrees) from target joint angles, held at the end
GOALS = (REWARD, REWARD2, DISTANCE, UPRIGHT, POSTURE)
GOAL_UNITS = {REWARD: "", REWARD2: "", DISTANCE: " m", UPRIGHT: " s", POSTURE: "°"}
PELVIS_X = "pelvis_tx"
PELVIS_Z = "pelvis_tz"
ROUND2_STEPS = 1000  # round 2's time limit: the targets drawn cover it
ROUND2_ALIVE = 10.0
ROUND2_EFFORT = 0.001


class GoalError(ValueError):
    """A goal that cannot be scored (unknown, or a model without what it reads)."""


@dataclass(frozen=True)
class Goal:
    kind: str = REWARD
    seconds: float = 1.0  # the horizon: each evaluation runs this long unless the body falls
    effort: float = 0.0  # weight of the effort penalty: Σ over steps of Σ excitation² × 0.01 s
    target_seed: int = 0  # round 2's targets, as ProstheticsEnv(difficulty=1, seed=...) draws them
    posture: postures.Posture = ()  # the posture goal's (coordinate name, degrees)

    def __post_init__(self) -> None:
        if self.kind not in GOALS:
            raise GoalError(f"goal {self.kind!r}: choose one of {', '.join(GOALS)}")
        try:
            object.__setattr__(self, "posture", postures.checked(self.posture))  # a state file gives lists
        except postures.PostureError as error:
            raise GoalError(str(error)) from None
        if self.kind == POSTURE and not self.posture:
            raise GoalError("the posture goal needs target angles, e.g. --posture 'hip_flexion_r=40,knee_angle_r=-60'")
        if not 0 < self.seconds <= 100:  # False for NaN too
            raise GoalError(f"the horizon must be in (0, 100] s, got {self.seconds:g}")
        if not 0 <= self.effort < float("inf"):
            raise GoalError(f"the effort weight must be 0 or more, got {self.effort:g}")

    @property
    def steps(self) -> int:
        return max(1, round(self.seconds / STEP_SECONDS))

    def describe(self) -> str:
        what = {
            REWARD: "total reward (round 1)",
            REWARD2: f"total reward (round 2, targets of seed {self.target_seed})",
            DISTANCE: "distance before falling",
            UPRIGHT: "time upright",
            POSTURE: f"minus the distance from {postures.describe(self.posture)} (RMS °, held over the last "
            f"{postures.hold_steps(self.steps) * STEP_SECONDS:g} s)",
        }
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
    elif goal.kind == REWARD2:
        value = round2_total(frames, _index(coordinate_names, PELVIS_Z, "round 2"), goal.target_seed)
    elif goal.kind == DISTANCE:
        index = _index(coordinate_names, PELVIS_X, "the distance goal")
        value = float(last.coordinates[index] - start.coordinates[index])
    elif goal.kind == POSTURE:
        try:
            value = -postures.posture_cost(goal.posture, frames, coordinate_names, goal.steps)
        except postures.PostureError as error:
            raise GoalError(str(error)) from None
    else:
        value = last.time - start.time  # the episode ends at the fall's step
    if last.error:  # a failed integration: the worst a run of this length can score
        value = min(value, 0.0)
    return float(value - goal.effort * effort(steps))


def round2_total(frames: Sequence[Frame], pelvis_z: int, seed: int) -> float:
    """osim-rl's round 2 reward summed over the steps (`frames`: the start, then the steps)."""
    if len(frames) < 2:
        return 0.0
    targets = generate_new_targets(ROUND2_STEPS, TargetRandom(seed))
    z = np.array([frame.coordinates[pelvis_z] for frame in frames])
    vz = np.gradient(z, STEP_SECONDS, edge_order=2) if len(z) > 2 else np.gradient(z, STEP_SECONDS)
    total = 0.0
    for index, frame in enumerate(frames[1:], start=1):
        target = targets[min(frame.step, ROUND2_STEPS)]
        penalty = ROUND2_EFFORT * float(np.sum(np.square(frame.activations)))
        penalty += (frame.pelvis_vx - target[0]) ** 2 + (float(vz[index]) - target[2]) ** 2
        total += ROUND2_ALIVE - penalty
    return total


def _index(coordinate_names: Sequence[str], name: str, what: str) -> int:
    if name not in coordinate_names:
        raise GoalError(f"{what} reads {name}, which this model lacks")
    return list(coordinate_names).index(name)


def effort(steps: Sequence[Frame]) -> float:
    """Σ over the steps of Σ excitation² × 0.01 s (0 for no step)."""
    if not steps:
        return 0.0
    return float(np.sum([np.sum(np.square(frame.excitations)) for frame in steps]) * STEP_SECONDS)
