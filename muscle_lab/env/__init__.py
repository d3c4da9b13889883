"""osim-rl's environments (v2.1.5) as gymnasium environments, on the core only (never Qt).

    import gymnasium, muscle_lab.env
    env = gymnasium.make("muscle_lab/Prosthetics-v0")      # or muscle_lab.env.ProstheticsEnv()
    observation, info = env.reset()
    observation, reward, terminated, truncated, info = env.step(env.action_space.sample())

OpenSim runs in this process (each copy in a gymnasium vector env has its own). Importing the
package registers the environments with gymnasium; each id's `max_episode_steps` is its time
limit (the environments also truncate by themselves).
"""

from __future__ import annotations

import gymnasium

from muscle_lab.env.arm import Arm2DEnv
from muscle_lab.env.base import NAN_ACTION, OsimEnv, RewardError, clip_action
from muscle_lab.env.l2run import L2RunEnv
from muscle_lab.env.prosthetics import ProstheticsEnv, observation_table

__all__ = [
    "ENV_ID",
    "ENV_IDS",
    "NAN_ACTION",
    "Arm2DEnv",
    "L2RunEnv",
    "OsimEnv",
    "ProstheticsEnv",
    "RewardError",
    "clip_action",
    "observation_table",
]

ENV_ID = "muscle_lab/Prosthetics-v0"
# id: (entry point, keyword arguments, time limit in steps)
ENV_IDS: dict[str, tuple[str, dict[str, object], int]] = {
    ENV_ID: ("muscle_lab.env:ProstheticsEnv", {}, 300),
    # gymnasium.make(ENV_ID, difficulty=1) would keep round 1's TimeLimit of 300: round 2 has its own id.
    "muscle_lab/ProstheticsRound2-v0": ("muscle_lab.env:ProstheticsEnv", {"difficulty": 1}, 1000),
    "muscle_lab/L2Run-v0": ("muscle_lab.env:L2RunEnv", {}, 1000),
    "muscle_lab/Arm2D-v0": ("muscle_lab.env:Arm2DEnv", {}, 200),
}

for _id, (_entry_point, _kwargs, _steps) in ENV_IDS.items():
    if _id not in gymnasium.registry:
        gymnasium.register(id=_id, entry_point=_entry_point, kwargs=_kwargs, max_episode_steps=_steps)
