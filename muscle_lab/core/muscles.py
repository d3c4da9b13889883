"""A muscle as the rest of muscle_lab sees it: index, name and side. No OpenSim here."""

from __future__ import annotations

from dataclasses import dataclass


def side_of(name: str) -> str:
    """osim-rl's naming: `_r` right, `_l` left; anything else belongs to neither side."""
    if name.endswith("_r"):
        return "right"
    if name.endswith("_l"):
        return "left"
    return ""


@dataclass(frozen=True)
class MuscleInfo:
    index: int
    name: str
    side: str  # "right", "left" or "" for a muscle that belongs to neither

    @property
    def label(self) -> str:
        return f"{self.index} {self.name}" + (f" ({self.side})" if self.side else "")
