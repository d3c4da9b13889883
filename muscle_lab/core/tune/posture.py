"""The posture goal: joint angles to reach and hold, by coordinate name, in degrees.

Its cost (degrees, lower is better) is the root mean square, over the named coordinates, of the
body's angle minus the target, averaged over the steps of the last quarter of the horizon (the
hold: the last 0.25 s of a 1 s horizon), plus 90° times the share of the horizon lost to a fall
(a run that ends at 0.5 s of 1 s pays 45°; one that falls before the hold is scored on its last
step). Holding the posture to the end costs the distance alone; falling near it still costs more
than standing a little further away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation.model_file import CoordinateInfo
from muscle_lab.core.user_files import UserFileError, load_user_json

Posture = tuple[tuple[str, float], ...]  # (coordinate name, degrees), as given
HOLD_SHARE = 0.25  # the hold: the last quarter of the horizon
FALL_DEGREES = 90.0  # what the whole horizon lost to a fall costs
MAX_POSTURE_FILE_BYTES = 1 << 20


class PostureError(ValueError):
    """A posture that cannot be a goal: says which entry and why."""


def parse_posture(text: str) -> Posture:
    """`"hip_flexion_r=40,knee_angle_r=-60"`, or a JSON file of {"name": degrees}."""
    text = text.strip()
    if text.endswith(".json") or Path(text).expanduser().is_file():
        return _posture_file(Path(text).expanduser())
    pairs = []
    for entry in (e.strip() for e in text.split(",")):
        name, equals, value = entry.partition("=")
        if not entry or not equals or not name.strip():
            raise PostureError(f"posture entry {entry!r}: write NAME=DEGREES, e.g. hip_flexion_r=40")
        try:
            pairs.append((name.strip(), float(value)))
        except ValueError:
            raise PostureError(f"posture entry {entry!r}: {value.strip()!r} is no number of degrees") from None
    return checked(tuple(pairs))


def _posture_file(path: Path) -> Posture:
    try:
        data = load_user_json(path, MAX_POSTURE_FILE_BYTES)
    except UserFileError as error:
        raise PostureError(f"posture {error}") from None
    if not isinstance(data, dict):
        raise PostureError(f"posture {path} must be a JSON object of coordinate name: degrees")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data.values()):
        raise PostureError(f"posture {path}: every value must be a number of degrees")
    return checked(tuple((str(name), float(value)) for name, value in data.items()))


def posture_text(names: Sequence[str], degrees: Sequence[float], fixed: Sequence[str] = ()) -> str:
    """A posture as parse_posture reads it, to 0.1°, from joint angles by name (`fixed` left out)."""
    return ",".join(f"{name}={value:.1f}" for name, value in zip(names, degrees, strict=True) if name not in fixed)


def checked(posture: Sequence[Sequence[object]]) -> Posture:
    """As tuples (a state file gives lists), finite, each coordinate once."""
    try:
        pairs = tuple((str(name), float(value)) for name, value in posture)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PostureError(f"a posture is pairs of coordinate name and degrees, got {posture!r}") from None
    for name, value in pairs:
        if not math.isfinite(value):
            raise PostureError(f"posture {name}: the target must be a finite number of degrees, got {value:g}")
    names = [name for name, _ in pairs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise PostureError(f"posture names {', '.join(twice)} more than once")
    return pairs


def check_names(posture: Posture, coordinates: Sequence[CoordinateInfo]) -> None:
    """Every name a rotational coordinate of the model that moves; else the valid ones are listed."""
    valid = [c.name for c in coordinates if c.rotational and not c.locked]
    info = {c.name: c for c in coordinates}
    for name, _ in posture:
        coordinate = info.get(name)
        if coordinate is None:
            raise PostureError(f"the model has no coordinate {name!r}; a posture names: {', '.join(valid)}")
        if not coordinate.rotational:
            raise PostureError(f"{name} is no joint angle (it is in metres); a posture names: {', '.join(valid)}")
        if coordinate.locked:
            raise PostureError(f"{name} is locked in this model (it never moves); a posture names: {', '.join(valid)}")


def describe(posture: Posture) -> str:
    return ", ".join(f"{name} {value:g}°" for name, value in posture)


def hold_steps(horizon_steps: int) -> int:
    return max(1, round(HOLD_SHARE * horizon_steps))


def posture_cost(
    posture: Posture, frames: Sequence[Frame], coordinate_names: Sequence[str], horizon_steps: int
) -> float:
    """The goal's cost in degrees (see the module's docstring); `frames`: the start, then the steps."""
    missing = [name for name, _ in posture if name not in coordinate_names]
    if missing:
        raise PostureError(f"the model has no coordinate {', '.join(missing)}")
    indices = [list(coordinate_names).index(name) for name, _ in posture]
    targets = np.array([value for _, value in posture])
    taken = len(frames) - 1
    first_held = horizon_steps - hold_steps(horizon_steps) + 1
    held = [frame for index, frame in enumerate(frames) if index >= first_held] or [frames[-1]]
    deviations = [
        float(np.sqrt(np.mean(np.square(np.degrees(frame.coordinates[indices]) - targets)))) for frame in held
    ]
    lost = 1.0 if frames[-1].error else max(0.0, 1.0 - taken / horizon_steps)
    return float(np.mean(deviations)) + FALL_DEGREES * lost
