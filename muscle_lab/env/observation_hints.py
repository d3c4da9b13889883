"""Observation normalisation hints: a typical offset and scale for each index of the vector
observation, measured on recorded episodes, to start a normaliser from (or to use fixed).

The observation spans 1e-17 to 1e4 (positions in m, speeds, accelerations that jump at contacts),
which policies learn poorly from unscaled. The hints are robust statistics of what the recorded
episodes saw: offset = the median, scale = half the 5th-95th percentile range / 1.645 (a
standard deviation, were the values normal; the accelerations' heavy tails do not inflate it), at
least 1e-3 of the largest |value|; an index that did not move (a locked coordinate, the
prosthetic leg's missing `toes_r`) gets 1. They describe *these* episodes
(random actions and a few excitation patterns from the standing start, until the fall): a policy
that walks sees other values. `python -m muscle_lab.env.record_hints` records them again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from muscle_lab.core.paths import assets_dir

SCHEMA_VERSION = 1
Z_95 = 1.645  # the 95th percentile of a standard normal
HOW = (
    "episodes from the standing start until the fall or 300 steps: uniform random excitations each step "
    "(seeds 0 to {random}), each of 5 constant levels for all muscles (0 to 1), and the hip thrust"
)


@dataclass(frozen=True)
class ObservationHints:
    """Per index: `offset` and `scale` (normalised = (observation - offset) / scale), `names`."""

    offset: np.ndarray
    scale: np.ndarray
    names: tuple[str, ...]
    source: str  # how they were recorded

    def normalize(self, observation: Any) -> np.ndarray:
        return (np.asarray(observation, dtype=float) - self.offset) / self.scale


def hints_path(model_file: str) -> Path:
    return assets_dir() / "observation_hints" / f"{Path(model_file).stem}.json"


def load_hints(model_path: Path, names: tuple[str, ...]) -> ObservationHints | None:
    """The shipped hints for this model file, None when none were recorded (or they name other indices)."""
    path = hints_path(model_path.name)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("schema_version") != SCHEMA_VERSION or tuple(data["names"]) != names:
        return None
    return ObservationHints(np.array(data["offset"]), np.array(data["scale"]), names, data["source"])


def robust_hints(observations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(offset, scale) of rows of observations, as the module says."""
    offset = np.median(observations, axis=0)
    low, high = np.percentile(observations, [5.0, 95.0], axis=0)
    spread = high - low
    scale = np.maximum(spread / (2.0 * Z_95), 1e-3 * np.abs(observations).max(axis=0))
    scale[spread == 0.0] = 1.0  # it never moved (in 90 % of the rows): leave it as it is
    return offset, scale
