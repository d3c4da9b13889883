"""Observation normalisation hints: a typical offset and scale for each index of the vector
observation, measured on recorded episodes, to start a normaliser from (or to use fixed).

The observation spans 1e-17 to 1e4 (positions in m, speeds, accelerations that jump at contacts),
which policies learn poorly from unscaled. The hints are robust statistics of what the recorded
episodes saw: offset = the median, scale = half the 5th-95th percentile range / 1.645 (a
standard deviation, were the values normal; the accelerations' heavy tails do not inflate it), at
least 1e-3 of the largest |value|; an index that did not move (a locked coordinate, the
prosthetic leg's missing `toes_r`) gets 1. They describe *these* episodes
(random actions and a few excitation patterns from the standing start, until the fall): a policy
that walks sees other values. `python -m muscle_lab.env.observation_hints` records them again.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from muscle_lab.core.atomic import atomic_write_text
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


def record(random_episodes: int = 20) -> tuple[np.ndarray, dict[str, Any]]:
    """Run the episodes in ProstheticsEnv (faithful mode) and return every observation seen."""
    from muscle_lab.env import ProstheticsEnv

    env = ProstheticsEnv()
    rows: list[np.ndarray] = []
    hip_thrust = np.zeros(19)
    hip_thrust[[2, 4, 10, 12]] = 1.0
    policies: list[Any] = [np.random.default_rng(seed) for seed in range(random_episodes)]
    policies += [np.full(19, level) for level in (0.0, 0.05, 0.25, 0.5, 1.0)] + [hip_thrust]
    for policy in policies:
        observation, _ = env.reset(seed=0)
        rows.append(observation)
        for _ in range(300):
            action = policy.uniform(0.0, 1.0, 19) if isinstance(policy, np.random.Generator) else policy
            observation, _, terminated, truncated, _ = env.step(action)
            rows.append(observation)
            if terminated or truncated:
                break
    meta = {"model": env.model_path.name, "names": list(env.observation_names), "engine": env.engine}
    env.close()
    return np.array(rows), meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Record the observation hints of ProstheticsEnv's default model.")
    parser.add_argument("--random-episodes", type=int, default=20)
    parser.add_argument("--out", type=Path, help="where to write (default: the shipped file in assets/)")
    args = parser.parse_args(argv)
    observations, meta = record(args.random_episodes)
    offset, scale = robust_hints(observations)
    source = HOW.format(random=args.random_episodes - 1) + f"; {len(observations)} observations"
    data = {
        "schema_version": SCHEMA_VERSION,
        "source": source,
        "model": meta["model"],
        "names": meta["names"],
        "offset": [float(v) for v in offset],
        "scale": [float(v) for v in scale],
    }
    out = args.out or hints_path(meta["model"])
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(str(out), json.dumps(data, indent=1) + "\n")
    inside = np.abs((observations - offset) / scale) <= 5.0
    print(f"wrote {out}: {len(observations)} observations, {100 * inside.mean():.1f} % within 5 scales of the offset")
    return 0 if all(math.isfinite(v) for v in data["scale"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
