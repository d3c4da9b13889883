"""Validation of excitation vectors: one value in [0, 1] per muscle."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class ExcitationError(ValueError):
    """An excitation vector that cannot be used (wrong length, NaN, infinity, not numbers)."""


def parse_excitations(text: str) -> list[float]:
    """Parse a comma-separated list such as "0,0,1,0.5"; brackets are allowed."""
    stripped = text.strip().strip("[]")
    if not stripped:
        raise ExcitationError("no excitations given")
    values = []
    for position, item in enumerate(stripped.split(",")):
        try:
            values.append(float(item))
        except ValueError:
            raise ExcitationError(f"excitation {position} is not a number: {item.strip()!r}") from None
    return values


def check_excitations(
    values: Iterable[float], muscle_names: Sequence[str]
) -> tuple[np.ndarray, list[str]]:
    """Return the excitations as a float array clipped to [0, 1], and a note per clipped value.

    NaN, infinity, non-numbers and a wrong length are refused: a silent substitute would
    hide a bug in the caller's controller.
    """
    try:
        array = np.array(list(values), dtype=float)
    except (TypeError, ValueError) as error:
        raise ExcitationError(f"excitations must be numbers: {error}") from None
    if array.ndim != 1 or array.size != len(muscle_names):
        raise ExcitationError(
            f"expected {len(muscle_names)} excitations (one per muscle), got {array.size}"
        )
    for index in np.flatnonzero(~np.isfinite(array)):
        raise ExcitationError(
            f"excitation {index} ({muscle_names[index]}) is {array[index]}; "
            "values must be finite numbers in [0, 1]"
        )
    clipped = np.clip(array, 0.0, 1.0)
    notes = [
        f"excitation {index} ({muscle_names[index]}) = {array[index]:g} is outside [0, 1], "
        f"clipped to {clipped[index]:g}"
        for index in np.flatnonzero(clipped != array)
    ]
    return clipped, notes
