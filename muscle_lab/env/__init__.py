"""osim-rl's environments (v2.1.5) as gymnasium environments, on the core only (never Qt).

    import gymnasium, muscle_lab.env
    env = gymnasium.make("muscle_lab/Prosthetics-v0")      # or muscle_lab.env.ProstheticsEnv()
    observation, info = env.reset()
    observation, reward, terminated, truncated, info = env.step(env.action_space.sample())

OpenSim runs in this process (each copy in a gymnasium vector env has its own). Importing the
package registers the environments with gymnasium.
"""

from __future__ import annotations

import gymnasium

from muscle_lab.core.reward import TIME_LIMIT_STEPS
from muscle_lab.env.prosthetics import NAN_ACTION, ProstheticsEnv, clip_action, observation_table

__all__ = ["ENV_ID", "NAN_ACTION", "ProstheticsEnv", "clip_action", "observation_table"]

ENV_ID = "muscle_lab/Prosthetics-v0"

if ENV_ID not in gymnasium.registry:
    # max_episode_steps states the limit for tools that read the spec; the env truncates by itself too.
    gymnasium.register(id=ENV_ID, entry_point="muscle_lab.env:ProstheticsEnv", max_episode_steps=TIME_LIMIT_STEPS)
