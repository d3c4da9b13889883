"""A sequence preset as a replay schedule: the window plays it as it replays a controls file
(each step the values at its start; a slider move takes over), without a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.presets.sequence import ExcitationSequence
from muscle_lab.core.recording.replay import ControlsSchedule

LOOP_SECONDS = 10.0  # a looping sequence plays this long (osim-rl round 2's 1000 steps)


def sequence_schedule(name: str, sequence: ExcitationSequence) -> ControlsSchedule:
    """One row per step over the sequence (LOOP_SECONDS when it loops); its last values hold after."""
    seconds = LOOP_SECONDS if sequence.loop else sequence.duration
    steps = max(1, round(seconds / STEP_SECONDS))
    rows = np.array([sequence.for_step(step) for step in range(steps)], dtype=float)
    rows.setflags(write=False)
    times = np.arange(steps) * STEP_SECONDS
    times.setflags(write=False)
    return ControlsSchedule(Path(f"preset {name}"), sequence.muscles, times, rows, steps * STEP_SECONDS)
