"""A reward of your own (`run --reward`, the window's File > Load reward…, `reward_fn=`): the
pelvis's forward progress in the step, in m/s, less a penalty for letting the pelvis sink.

Round 1's `9 - (vx - 3)^2` pays most for a burst of speed, which the hip thrust gives before the
fall; this one pays for ground covered and for staying up, one way people shaped it.
"""

from __future__ import annotations

from typing import Any

STEP_SECONDS = 0.01
STANDING_PELVIS_HEIGHT = 0.94  # m, the model's start


def reward(state_desc: dict[str, Any], prev_state_desc: dict[str, Any]) -> float:
    pelvis, before = state_desc["body_pos"]["pelvis"], prev_state_desc["body_pos"]["pelvis"]
    forward = (pelvis[0] - before[0]) / STEP_SECONDS  # m/s
    sinking = max(0.0, STANDING_PELVIS_HEIGHT - pelvis[1])  # m below standing
    return forward - 10.0 * sinking
