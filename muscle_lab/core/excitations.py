"""Validation of excitation vectors: one value in [0, 1] per muscle."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

# What a person types for a number: sign, digits, point, exponent. float() also takes "0_5"
# (as 5) and other scripts' digits (U+0661, an Arabic-Indic one): refused here. The words nan and inf(inity) parse, so
# that the check that refuses them can name the muscle.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)", re.IGNORECASE | re.ASCII)


class ExcitationError(ValueError):
    """An excitation vector that cannot be used (wrong length, NaN, infinity, not numbers)."""


def plain_number(text: str) -> float:
    """A decimal number as typed ("-1", "0.5", ".5", "1e-3"; also "nan", "inf"); ValueError otherwise."""
    stripped = text.strip()
    if not _PLAIN_NUMBER.fullmatch(stripped):
        raise ValueError(f"not a number: {stripped!r}")
    return float(stripped)


def parse_excitations(text: str) -> list[float]:
    """Parse a comma-separated list such as "0,0,1,0.5"; brackets are allowed.

    NaN and infinity parse; `check_excitations` refuses them (naming the muscle).
    """
    stripped = text.strip().strip("[]")
    if not stripped:
        raise ExcitationError("no excitations given")
    items = [item.strip() for item in stripped.split(",")]
    for position, item in enumerate(items):
        if not _PLAIN_NUMBER.fullmatch(item):
            raise ExcitationError(f"excitation {position} is not a number: {item!r}")
    return [float(item) for item in items]


def check_excitations(values: Iterable[float], muscle_names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Return the excitations as a float array clipped to [0, 1], and a note per clipped value.

    NaN, infinity, non-numbers and a wrong length are refused: a silent substitute would
    hide a bug in the caller's controller.
    """
    try:
        array = np.array(list(values), dtype=float)
    except (TypeError, ValueError) as error:
        raise ExcitationError(f"excitations must be numbers: {error}") from None
    if array.ndim != 1 or array.size != len(muscle_names):
        raise ExcitationError(f"expected {len(muscle_names)} excitations (one per muscle), got {array.size}")
    for index in np.flatnonzero(~np.isfinite(array)).tolist():
        raise ExcitationError(
            f"excitation {index} ({muscle_names[index]}) is {array[index]}; values must be finite numbers in [0, 1]"
        )
    clipped = np.clip(array, 0.0, 1.0)
    notes = [
        f"excitation {index} ({muscle_names[index]}) = {array[index]:g} is outside [0, 1], "
        f"clipped to {clipped[index]:g}"
        for index in np.flatnonzero(clipped != array).tolist()
    ]
    return clipped, notes
