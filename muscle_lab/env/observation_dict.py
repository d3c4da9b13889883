"""osim-rl's state description as a gymnasium observation: the same nested keys, numbers as float64 arrays.

osim-rl's `project=False` handed out its dictionary of lists. A gymnasium space needs fixed
shapes, so each list becomes an array of its length (a joint without coordinates: length 0) and
each single number an array of shape (). An empty group (`markers` of a model without markers)
is left out: gymnasium allows no empty Dict space.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from muscle_lab.core.observation.layout import OBSERVATION_BOUND


def desc_observation(desc: dict[str, Any]) -> dict[str, Any]:
    """The description with every list and number as a float64 array."""
    return {key: _arrays(value) for key, value in desc.items() if value != {}}


def desc_space(desc: dict[str, Any]) -> spaces.Dict:
    """The Dict space of `desc_observation(desc)`: every value within ±OBSERVATION_BOUND."""
    return _space(desc_observation(desc))


def _arrays(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _arrays(inner) for name, inner in value.items()}
    return np.asarray(value, dtype=np.float64)


def _space(value: Any) -> spaces.Space[Any]:
    if isinstance(value, dict):
        return spaces.Dict({name: _space(inner) for name, inner in value.items()})
    return spaces.Box(-OBSERVATION_BOUND, OBSERVATION_BOUND, value.shape, np.float64)
