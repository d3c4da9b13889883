"""osim-rl's L2RunEnv (NIPS 2017's Learning to Run) on gait9dof18musc.osim: run as far as you can.

Reward: the pelvis's forward displacement in the step (`pelvis_tx` after minus before);
terminated when the pelvis falls below 0.6 m; truncated at 1000 steps (10 s).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from muscle_lab.core.frame import Frame
from muscle_lab.core.reward import FELL
from muscle_lab.env.base import OsimEnv

OBSERVED_JOINTS = ("hip_l", "hip_r", "knee_l", "knee_r", "ankle_l", "ankle_r")
OBSERVED_BODIES = ("head", "pelvis", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
PADDING = 5  # osim-rl's trailing zeros
# osim-rl declared 41 values; its get_observation returns 43 (the centre of mass's z and vz
# came in with OpenSim 4's 3-vectors): the space here says 43.
OSIM_RL_DECLARED_SIZE = 41


class L2RunEnv(OsimEnv):
    """18 muscles (the action in the model's order); the observation is osim-rl's 43 values:
    the pelvis's 3 coordinates (tilt, x, y) and their speeds, the angle and speed of each hip,
    knee and ankle (left, right), the x and y of head, pelvis, torso, toes and tali, the centre
    of mass's position and velocity (x, y, z each), then 5 zeros."""

    model_file = "gait9dof18musc.osim"
    time_limit = 1000

    def __init__(self, visualize: bool = False, integrator_accuracy: float | None = None, **kwargs: Any) -> None:
        super().__init__(visualize, integrator_accuracy, **kwargs)

    def _load_model(self, model_path: Any) -> None:
        self._joints: dict[str, Any] = {}  # read by get_observation, which the spaces call
        super()._load_model(model_path)

    def get_observation(self) -> np.ndarray:
        """osim-rl's L2RunEnv.get_observation() of the current state."""
        loaded = self.simulation.loaded
        model, state = loaded.model, self.simulation.state
        if not self._joints:
            self._joints = dict(loaded.joint_coordinates)
            body_set = model.getBodySet()
            self._bodies = [body_set.get(name) for name in OBSERVED_BODIES]
        model.realizeVelocity(state)
        pelvis = self._joints["ground_pelvis"]
        values = [c.getValue(state) for c in pelvis] + [c.getSpeedValue(state) for c in pelvis]
        for joint in OBSERVED_JOINTS:
            coordinates = self._joints[joint]
            values += [c.getValue(state) for c in coordinates] + [c.getSpeedValue(state) for c in coordinates]
        for body in self._bodies:
            position = body.getTransformInGround(state).p()
            values += [position[0], position[1]]
        position, velocity = model.calcMassCenterPosition(state), model.calcMassCenterVelocity(state)
        values += [position[0], position[1], position[2], velocity[0], velocity[1], velocity[2]]
        values += [0.0] * PADDING
        return np.array(values, dtype=float)

    def reward(self) -> float:
        """How far the pelvis moved forward in the step (ground_pelvis's second coordinate)."""
        pelvis_x = self._joints["ground_pelvis"][1]
        return float(pelvis_x.getValue(self.simulation.state) - pelvis_x.getValue(self.previous_state))

    def is_done(self) -> bool:
        return self.simulation.frame.end_reason == FELL

    def _info(self, frame: Frame, end_reason: str | None = None) -> dict[str, Any]:
        return {**super()._info(frame, end_reason), "pelvis_height": frame.pelvis_height}
