"""osim-rl's ProstheticsEnv (v2.1.5, difficulty 0, round-1 reward) as a gymnasium environment.

    import gymnasium, muscle_lab.env
    env = gymnasium.make("muscle_lab/Prosthetics-v0")      # or muscle_lab.env.ProstheticsEnv()
    observation, info = env.reset()
    observation, reward, terminated, truncated, info = env.step(env.action_space.sample())

OpenSim runs in this process (each copy in a gymnasium vector env has its own). The core only:
never Qt.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.frame import Frame
from muscle_lab.core.observation.layout import OBSERVATION_BOUND, markdown_table
from muscle_lab.core.observation.reader import ObservationReader
from muscle_lab.core.reward import FELL, TIME_LIMIT_STEPS
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, settings_for

ENV_ID = "muscle_lab/Prosthetics-v0"
NAN_ACTION = "NaN passed in the activation vector. Values in [0,1] interval are required."  # osim-rl's words


class ProstheticsEnv(gymnasium.Env[np.ndarray, np.ndarray]):
    """The prosthetic gait model: one excitation in [0, 1] per muscle, 0.01 s a step.

    terminated: the pelvis fell below 0.6 m; truncated: the 300th step (osim-rl's time limit).
    The observation is osim-rl's vector (160 values for the default model, see
    `observation_names`); `get_state_desc()` is osim-rl's dictionary.
    `mode`: "faithful" (default; osim-rl's trajectory, faster), "reference" (osim-rl's own
    integrator settings) or "fast" (approximate muscles). `model_path`: any .osim model.
    """

    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012  gymnasium's class attribute

    def __init__(
        self, mode: str = DEFAULT_MODE, model_path: str | Path | None = None, render_mode: str | None = None
    ) -> None:
        if render_mode is not None:
            raise ValueError(f"ProstheticsEnv renders nothing (render_mode={render_mode!r}): use muscle_lab's window")
        self.mode = mode
        self.simulation = Simulation(model_path, settings_for(mode), time_limit=True)
        self.reader = ObservationReader(self.simulation.loaded)
        self.action_space = spaces.Box(0.0, 1.0, (len(self.simulation.muscles),), np.float32)
        # float64: the values span 1e-17 to 1e4, and osim-rl hands out Python floats.
        self.observation_space = spaces.Box(-OBSERVATION_BOUND, OBSERVATION_BOUND, (self.reader.size,), np.float64)
        self._desc: tuple[Frame, dict[str, Any]] | None = None
        # osim-rl's controls are all 1.0 until its first step, and its reset starts the integrator
        # with the controls of that moment, which the first step feels (see reset).
        self._controls_at_reset = np.ones(self.action_space.shape[0])

    @property
    def observation_names(self) -> tuple[str, ...]:
        """The name of each index of the observation (`reader.layout.entries()` says more)."""
        return self.reader.layout.names()

    @property
    def muscle_names(self) -> tuple[str, ...]:
        """The action's order (the observation lists the muscles sorted by name instead)."""
        return self.simulation.muscle_names

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Back to the standing start. The model is deterministic: `seed` changes nothing in it.

        The integrator starts here with every control at 1.0, as in a new osim-rl environment
        (the reference mode then retraces its episodes exactly). osim-rl's later resets hold the
        previous episode's last action instead; here every episode starts alike, so that an
        episode depends on its own actions only.
        """
        super().reset(seed=seed)
        frame = self.simulation.reset(held_controls=self._controls_at_reset)
        return self.get_observation(), _info(frame)

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Apply the action for 0.01 s. Values are clipped to [0, 1] as osim-rl does; NaN is refused."""
        self.simulation.set_excitations(clip_action(action, self.action_space.shape[0]))
        frame = self.simulation.step()
        if frame.error is not None:
            raise SimulationFailed(f"{frame.error}; reset the environment")
        terminated = frame.end_reason == FELL
        truncated = frame.step >= TIME_LIMIT_STEPS
        return self.get_observation(), frame.reward, terminated, truncated, _info(frame)

    def get_observation(self) -> np.ndarray:
        """The current observation (osim-rl's `get_observation`); `reset` and `step` return it."""
        return self.reader.vector(self.simulation.state)

    def get_state_desc(self) -> dict[str, Any]:
        """osim-rl's state description of the current state; the same dict until the next step."""
        frame = self.simulation.frame
        if self._desc is None or self._desc[0] is not frame:
            self._desc = (frame, self.reader.state_desc(self.simulation.state))
        return self._desc[1]


def clip_action(action: Any, size: int) -> np.ndarray:
    """osim-rl's `actuate`: NaN refused, everything else clipped to [0, 1] (infinity too)."""
    values = np.asarray(action, dtype=float).reshape(-1)
    if values.size != size:
        raise ValueError(f"expected {size} actions (one per muscle), got {values.size}")
    if np.isnan(values).any():
        raise ValueError(NAN_ACTION)
    return np.clip(values, 0.0, 1.0)


def _info(frame: Frame) -> dict[str, Any]:
    return {
        "step": frame.step,
        "time": frame.time,
        "pelvis_height": frame.pelvis_height,
        "end_reason": frame.end_reason,
    }


def observation_table(model_path: str | Path | None = None) -> str:
    """The observation's every index, name, meaning and unit as a Markdown table (the README's)."""
    return markdown_table(ObservationReader(Simulation(model_path).loaded).layout.entries())


if ENV_ID not in gymnasium.registry:
    # max_episode_steps states the limit for tools that read the spec; the env truncates by itself too.
    gymnasium.register(id=ENV_ID, entry_point="muscle_lab.env:ProstheticsEnv", max_episode_steps=TIME_LIMIT_STEPS)

if __name__ == "__main__":  # python -m muscle_lab.env [MODEL.osim]: the observation table
    print(observation_table(sys.argv[1] if len(sys.argv) > 1 else None), end="")
