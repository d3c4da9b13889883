"""Presets: named excitation patterns. (Minimal reader; the full store comes with the presets issue.)"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.paths import assets_dir


class PresetError(ValueError):
    """A preset that does not exist or cannot be read."""


def excitations_from_preset(name: str, muscle_names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    path = assets_dir() / "presets" / f"{name}.json"
    if not path.is_file():
        raise PresetError(f"unknown preset {name!r}")
    data = json.loads(path.read_text(encoding="utf-8"))
    by_name = dict(zip(data["muscles"], data["excitations"]))
    return check_excitations([by_name.get(m, 0.0) for m in muscle_names], muscle_names)
