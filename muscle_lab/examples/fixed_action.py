"""osim-rl-helper's fixed-action agent, as a muscle_lab controller.

    python main.py --controller muscle_lab/examples/fixed_action.py          # in the window
    python main.py run --controller muscle_lab/examples/fixed_action.py --json
    python -m muscle_lab.examples.fixed_action                              # one episode in muscle_lab.env

osim-rl-helper (seungjaeryanlee/osim-rl-helper, `helper/baselines/FixedActionAgent.py`) gives every
agent the environment's spaces and asks it to `act(observation)`; this one ignores the observation
and holds one action: both legs' hamstrings and biceps femoris short heads (2, 3, 10, 11), the left
gluteus maximus (12), the right rectus femoris and vasti (6, 7) and the left gastrocnemius (16).
"""

from __future__ import annotations

from typing import Any

FIXED_ACTION = [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0]


class FixedActionAgent:
    """An agent that chooses one fixed action at every step."""

    def __init__(self, observation_space: Any, action_space: Any) -> None:
        self.observation_space = observation_space
        self.action_space = action_space
        self.action = list(FIXED_ACTION)

    def act(self, observation: Any) -> list[int]:
        return self.action


if __name__ == "__main__":
    import gymnasium

    import muscle_lab.env  # noqa: F401  registers muscle_lab/Prosthetics-v0

    env = gymnasium.make("muscle_lab/Prosthetics-v0")
    agent = FixedActionAgent(env.observation_space, env.action_space)
    observation, info = env.reset()
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total += float(reward)
        done = terminated or truncated
    print(f"{info['step']} steps, total reward {total:.3f}, ended: {info['end_reason']}")
