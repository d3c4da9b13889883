"""What each muscle does (assets/muscles.json), for slider tooltips and `muscles`. No OpenSim."""

from __future__ import annotations

import json
import re

from muscle_lab.core.muscles import side_of
from muscle_lab.core.paths import assets_dir

__all__ = ["describe", "load_descriptions", "side_of"]

DESCRIPTIONS_FILE = "muscles.json"


def load_descriptions() -> dict[str, str]:
    """Muscle name -> description; empty (tooltips fall back to the name) if the file is unreadable."""
    try:
        data = json.loads((assets_dir() / DESCRIPTIONS_FILE).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data["muscles"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return {}


def describe(name: str, descriptions: dict[str, str]) -> str:
    """The description of `name`, or of the same muscle on the other side (other models
    share osim-rl's names), or just its name."""
    if name in descriptions:
        return descriptions[name]
    if side_of(name):
        base = name[:-2]
        side = "right" if name.endswith("_r") else "left"
        for suffix in ("_r", "_l"):
            if base + suffix in descriptions:
                general = re.sub(r"\s*\([^)]*\)$", "", descriptions[base + suffix])
                return f"{general} ({side} leg)"
    return f"{name}: no description for this model's muscle"
