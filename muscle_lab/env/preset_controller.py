"""A controller that plays a preset: each call gives the preset's values for the next 0.01 s step.

Works with the environments (`action = controller.act(observation)`) and as a `run --controller`
file's object (`controller = PresetController("thrust-then-catch")`). `reset()` starts it again,
as an episode's reset should.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from muscle_lab.core.paths import default_model_path
from muscle_lab.core.presets.sequence import ExcitationSequence
from muscle_lab.core.presets.store import PresetStore, match_preset
from muscle_lab.core.simulation.model_file import read_model_summary


class PresetController:
    """Plays a preset (a constant one, or a sequence) step by step, whatever the observation."""

    def __init__(self, name: str, muscle_names: Sequence[str] | None = None, store: PresetStore | None = None) -> None:
        """`muscle_names`: the environment's (`env.muscle_names`); default: osim-rl's model's."""
        names = muscle_names if muscle_names is not None else read_model_summary(default_model_path()).muscle_names
        match = match_preset((store or PresetStore()).get(name), names)
        self.name = name
        self.sequence: ExcitationSequence = match.sequence
        self.notes = match.notes
        self.steps = 0

    def reset(self) -> None:
        self.steps = 0

    def act(self, observation: Any = None) -> np.ndarray:
        values = self.sequence.for_step(self.steps)
        self.steps += 1
        return values

    __call__ = act
