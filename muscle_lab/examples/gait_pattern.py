"""A rhythmic gait pattern with a balance reflex, whose parameters `tune` can improve.

    python main.py run --controller muscle_lab/examples/gait_pattern.py --json
    python main.py tune --controller muscle_lab/examples/gait_pattern.py --goal distance --seconds 2 \\
        --evaluations 200 --seed 1 --out gait.json
    python main.py run --controller muscle_lab/examples/gait_pattern.py --params gait.json --seconds 2

Each leg follows a sine of `frequency` Hz, the left half a cycle behind the right: while its sine
is up the leg swings (hip flexors, then the knee's flexor), while it is down it stands (hip and
knee extensors, the left ankle's push-off). A reflex on the pelvis's pitch and its rate (osim-rl's
observation, indices 5 and 6) holds a forward `lean`: both hips' extensors when the body pitches
further forward, their flexors when it pitches back of it. Every muscle keeps a `tone`. A small cousin of the reflex
controllers osim-rl's later versions tune with CMA-ES.

`PARAMETERS` (name: (initial, low, high)) is what `tune --controller` searches; the class takes
each as a keyword argument, so the file also works without muscle_lab (`GaitPattern()` uses the
initial values).
"""

from __future__ import annotations

import math

import numpy as np

PARAMETERS = {
    "frequency": (0.9, 0.4, 2.0),  # cycles a second
    "start_phase": (0.25, 0.0, 1.0),  # where in its cycle the right leg starts (0.25: at the top of swing)
    "tone": (0.05, 0.0, 0.3),  # every muscle's least excitation
    "hip_swing": (0.5, 0.0, 1.0),  # iliopsoas and rectus femoris of the swinging leg
    "hip_stance": (0.5, 0.0, 1.0),  # gluteus maximus and hamstrings of the standing leg
    "knee_swing": (0.3, 0.0, 1.0),  # biceps femoris short head of the swinging leg
    "knee_stance": (0.4, 0.0, 1.0),  # vasti of the standing leg
    "push_off": (0.4, 0.0, 1.0),  # gastrocnemius and soleus of the left leg late in its stance
    "lean": (0.1, -0.3, 0.4),  # the pitch (rad) the reflex holds: forward of upright walks forward
    "balance": (1.0, 0.0, 5.0),  # hips' extensors per radian pitched forward of `lean` (flexors behind it)
    "damping": (0.1, 0.0, 1.0),  # the same per rad/s of pitch rate
}

STEP_SECONDS = 0.01  # osim-rl's step: the controller is called once a step
PELVIS_PITCH, PELVIS_PITCH_RATE = 5, 6  # osim-rl's observation: + leans back (front up)
# osim-rl's prosthetic model (19 muscles; the right leg's ankle is a prosthesis)
RIGHT = {"hip_flexors": (5, 6), "hip_extensors": (2, 4), "knee_flexor": (3,), "knee_extensor": (7,)}
LEFT = {"hip_flexors": (13, 14), "hip_extensors": (10, 12), "knee_flexor": (11,), "knee_extensor": (15,)}
LEFT_PUSH_OFF = (16, 17)
MUSCLES = 19


class GaitPattern:
    """The pattern for one episode: it counts its calls (steps) for the time."""

    def __init__(
        self,
        frequency: float = 0.9,
        start_phase: float = 0.25,
        tone: float = 0.05,
        hip_swing: float = 0.5,
        hip_stance: float = 0.5,
        knee_swing: float = 0.3,
        knee_stance: float = 0.4,
        push_off: float = 0.4,
        lean: float = 0.1,
        balance: float = 1.0,
        damping: float = 0.1,
    ) -> None:
        self.frequency, self.start_phase, self.tone = frequency, start_phase, tone
        self.hip_swing, self.hip_stance = hip_swing, hip_stance
        self.knee_swing, self.knee_stance, self.push_off = knee_swing, knee_stance, push_off
        self.lean, self.balance, self.damping = lean, balance, damping
        self.steps = 0

    def act(self, observation: np.ndarray) -> np.ndarray:
        time = self.steps * STEP_SECONDS
        self.steps += 1
        action = np.full(MUSCLES, self.tone)
        cycle = 2 * math.pi * (self.frequency * time + self.start_phase)
        for leg, phase in ((RIGHT, cycle), (LEFT, cycle + math.pi)):
            self._leg(action, leg, math.sin(phase), math.cos(phase))
        late_stance = max(0.0, -math.sin(cycle + math.pi)) * max(0.0, math.cos(cycle + math.pi))
        action[list(LEFT_PUSH_OFF)] += self.push_off * late_stance
        # Pitched forward of `lean` (the pitch is + backwards) calls the hips' extensors, behind it their flexors.
        pitched = -observation[PELVIS_PITCH] - self.lean
        error = self.balance * pitched - self.damping * observation[PELVIS_PITCH_RATE]
        for leg in (RIGHT, LEFT):
            action[list(leg["hip_extensors"])] += max(0.0, error)
            action[list(leg["hip_flexors"])] += max(0.0, -error)
        return np.clip(action, 0.0, 1.0)

    def _leg(self, action: np.ndarray, leg: dict[str, tuple[int, ...]], up: float, rising: float) -> None:
        swing, stance = max(0.0, up), max(0.0, -up)
        action[list(leg["hip_flexors"])] += self.hip_swing * swing
        action[list(leg["knee_flexor"])] += self.knee_swing * swing * max(0.0, rising)  # early swing
        action[list(leg["hip_extensors"])] += self.hip_stance * stance
        action[list(leg["knee_extensor"])] += self.knee_stance * stance


if __name__ == "__main__":
    import gymnasium

    import muscle_lab.env  # noqa: F401  registers muscle_lab/Prosthetics-v0

    env = gymnasium.make("muscle_lab/Prosthetics-v0")
    agent = GaitPattern()
    observation, info = env.reset()
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, info = env.step(agent.act(observation))
        total += float(reward)
        done = terminated or truncated
    print(f"{info['step']} steps, total reward {total:.3f}, ended: {info['end_reason']}")
