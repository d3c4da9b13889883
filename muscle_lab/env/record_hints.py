"""`python -m muscle_lab.env.record_hints`: record the observation hints (env.observation_hints)
of ProstheticsEnv's default model again, into the shipped file under assets/."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.env.observation_hints import HOW, SCHEMA_VERSION, hints_path, robust_hints
from muscle_lab.env.prosthetics import ProstheticsEnv


def record(random_episodes: int = 20) -> tuple[np.ndarray, dict[str, Any]]:
    """Run the episodes in ProstheticsEnv (faithful mode) and return every observation seen."""
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
