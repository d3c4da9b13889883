"""What one simulation step produces. No OpenSim here, so readers of recordings stay light."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STEP_SECONDS = 0.01  # osim-rl's step


@dataclass(frozen=True)
class Frame:
    """What one step produced. Arrays are read-only copies, safe to hand to another thread."""

    step: int
    time: float
    excitations: np.ndarray  # per muscle, what was applied during this step
    activations: np.ndarray  # per muscle, at the end of the step
    coordinates: np.ndarray  # every model coordinate, model units (rad or m)
    joint_angles: np.ndarray  # degrees, in `Simulation.joint_angle_names` order
    pelvis_height: float
    pelvis_vx: float
    reward: float
    total_reward: float
    done: bool  # the episode is over: a fall, the time limit (see end_reason) or a failure (see error)
    error: str | None = None  # set when the integration failed; the frame is then the last good one
    notes: tuple[str, ...] = field(default=())  # e.g. clipped excitations
    episode: int = 0  # counts resets (and branches) of a simulation: which episode this step is of
    end_reason: str | None = None  # why the episode ended: reward.FELL or reward.TIME_LIMIT; None while it runs
    # Your own reward (core.simulation.user_reward) of this step and its episode's total; None without one.
    user_reward: float | None = None
    user_total_reward: float | None = None
