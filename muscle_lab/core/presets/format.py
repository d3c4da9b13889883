"""The preset file format: one JSON object per preset, checked field by field.

```json
{"schema_version": 1, "name": "hip-thrust", "description": "...", "model": "gait14dof22musc_pros",
 "muscles": ["abd_r", ...], "excitations": [0.0, ...], "created": "2026-11-21T00:00:00Z"}
```

Version 2 holds a pattern over time (`sequence.ExcitationSequence`) instead of "excitations":
`"sequence": {"loop": false, "phases": [{"duration": 0.15, "excitations": [...]}, ...]}` or
`"sequence": {"interpolation": "linear", "keyframes": {"abd_r": [[0.0, 0.1], [0.2, 0.6]], ...}}`.
A constant preset is still written as version 1, so files that older muscle_labs read stay so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

from muscle_lab.core.presets.sequence import ExcitationSequence, SequenceError, sequence_from_data
from muscle_lab.core.user_files import (
    MAX_USER_FILE_BYTES,
    UserFileError,
    brief_repr,
    display_path,
    invalid_character,
    load_user_json,
)

SCHEMA_VERSION = 1  # a constant preset
SEQUENCE_SCHEMA_VERSION = 2  # a preset with a sequence
READABLE_VERSIONS = (SCHEMA_VERSION, SEQUENCE_SCHEMA_VERSION)
MAX_PRESET_BYTES = MAX_USER_FILE_BYTES
MAX_NAME_LENGTH = 64
REQUIRED_FIELDS = ("schema_version", "name", "description", "model", "muscles", "excitations", "created")
SEQUENCE_REQUIRED_FIELDS = ("schema_version", "name", "description", "model", "muscles", "sequence", "created")
BUILTIN = "built-in"
USER = "user"


class PresetError(ValueError):
    """A preset that does not exist, cannot be read, or cannot be saved under that name."""


class PresetFileError(PresetError):
    """A preset file that is corrupt or invalid: says which file and why."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{display_path(self.path)}: {reason}")


@dataclass(frozen=True)
class Preset:
    """A named excitation pattern; `kind` and `path` say where it was found (not stored).

    With a `sequence` (version 2), `excitations` are its values at time 0 (what applying the
    preset to the sliders sets)."""

    name: str
    description: str
    model: str
    muscles: tuple[str, ...]
    excitations: tuple[float, ...]
    created: str
    kind: str = field(default=USER, compare=False)
    path: Path | None = field(default=None, compare=False)
    sequence: ExcitationSequence | None = None

    def schedule(self) -> ExcitationSequence:
        """The pattern over time: its sequence, or a constant preset as a one-phase sequence."""
        return self.sequence or ExcitationSequence.constant(self.muscles, self.excitations)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION if self.sequence is None else SEQUENCE_SCHEMA_VERSION,
            "name": self.name,
            "description": self.description,
            "model": self.model,
            "muscles": list(self.muscles),
        }
        if self.sequence is None:
            data["excitations"] = list(self.excitations)
        else:
            data["sequence"] = self.sequence.to_data()
        data["created"] = self.created
        return json.dumps(data, indent=2, allow_nan=False) + "\n"


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def name_problem(name: object) -> str | None:
    """Why `name` (a str, or anything a JSON file holds) cannot be a preset name, or None when it can."""
    if not isinstance(name, str) or not name:
        return "a preset name cannot be empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"preset name is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"
    if "/" in name or "\\" in name:
        return f"preset name {name!r} contains a path separator"
    if name.startswith("."):
        return f"preset name {name!r} starts with a dot"
    if not all(ch.isalnum() or ch in " -_." for ch in name):
        return f"preset name {name!r} may only contain letters, digits, spaces, '-', '_' and '.'"
    if name != name.strip():
        return f"preset name {name!r} starts or ends with a space"
    return None


def validate_name(name: object) -> str:
    problem = name_problem(name)
    if problem:
        raise PresetError(problem)
    return cast(str, name)  # name_problem refuses anything but a non-empty str


def excitation_problem(index: int, muscle: str, value: Any) -> str | None:
    """Why one stored excitation is unusable: files hold exact values, so nothing is clipped."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"excitation {index} ({muscle}) is not a number: {brief_repr(value)}"
    if isinstance(value, int) and not 0 <= value <= 1:
        try:
            float(value)
        except OverflowError:  # an integer beyond any float: neither isfinite nor :g would take it
            return f"excitation {index} ({muscle}) is outside [0, 1]: a number of {len(str(abs(value)))} digits"
    if not math.isfinite(value):
        return f"excitation {index} ({muscle}) is not a finite number: {value}"
    if not 0.0 <= value <= 1.0:
        return f"excitation {index} ({muscle}) = {value:g} is outside [0, 1]"
    return None


def check_values(muscles: Sequence[str], excitations: Sequence[Any]) -> tuple[float, ...]:
    """Validate excitations against their muscles; raise PresetError with the first problem."""
    if len(excitations) != len(muscles):
        raise PresetError(f"{len(muscles)} muscles but {len(excitations)} excitations")
    for index, (muscle, value) in enumerate(zip(muscles, excitations, strict=True)):
        problem = excitation_problem(index, muscle, value)
        if problem:
            raise PresetError(problem)
    return tuple(float(v) for v in excitations)


def check_muscles(muscles: Any) -> tuple[str, ...]:
    if not isinstance(muscles, list) or not muscles:
        raise PresetError("muscles must be a non-empty list of names")
    seen: set[str] = set()
    for muscle in muscles:
        if not isinstance(muscle, str) or not muscle:
            raise PresetError(f"muscle names must be non-empty strings, got {brief_repr(muscle)}")
        check_text("a muscle name", muscle)
        if muscle in seen:
            raise PresetError(f"muscle {brief_repr(muscle)} is listed twice")
        seen.add(muscle)
    return tuple(muscles)


def check_text(field_name: str, value: str) -> str:
    """Refuse a string that could not be printed or written as UTF-8 (a lone surrogate)."""
    bad = invalid_character(value)
    if bad:
        raise PresetError(f"{field_name} contains an invalid character {bad}")
    return value


def preset_from_data(data: Any, *, kind: str = USER, path: Path | None = None) -> Preset:
    """Build a Preset from parsed JSON; raise PresetError naming the first problem."""
    if not isinstance(data, dict):
        raise PresetError(f"expected a JSON object with the preset's fields, got {_json_type(data)}")
    version = data.get("schema_version")
    if version in READABLE_VERSIONS and not isinstance(version, bool):
        required = REQUIRED_FIELDS if version == SCHEMA_VERSION else SEQUENCE_REQUIRED_FIELDS
    else:
        required = REQUIRED_FIELDS
    missing = [key for key in required if key not in data]
    if missing:
        raise PresetError(f"missing field(s): {', '.join(missing)}")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        shown = brief_repr(version)
        raise PresetError(f"unknown schema_version {shown} (this muscle_lab reads versions 1 and 2)")
    validate_name(data["name"])
    for key in ("description", "model", "created"):
        if not isinstance(data[key], str):
            raise PresetError(f"{key} must be a string, got {_json_type(data[key])}")
    try:
        datetime.fromisoformat(data["created"])
    except ValueError:
        raise PresetError(f"created is not an ISO 8601 date: {brief_repr(data['created'])}") from None
    muscles = check_muscles(data["muscles"])
    if version == SEQUENCE_SCHEMA_VERSION:
        if "excitations" in data:
            raise PresetError("a version 2 preset holds its values in sequence, not excitations")
        try:
            sequence = sequence_from_data(data["sequence"], muscles)
        except SequenceError as error:
            raise PresetError(str(error)) from None
        start = tuple(float(v) for v in sequence.excitations_at(0.0))
        return Preset(
            data["name"], data["description"], data["model"], muscles, start, data["created"], kind, path, sequence
        )
    if not isinstance(data["excitations"], list):
        raise PresetError(f"excitations must be a list of numbers, got {_json_type(data['excitations'])}")
    excitations = check_values(muscles, data["excitations"])
    return Preset(data["name"], data["description"], data["model"], muscles, excitations, data["created"], kind, path)


def load_json(path: Path) -> Any:
    """Parse a preset file; PresetFileError for anything but a regular file of sound JSON up to 1 MB.

    Strings that could not be printed (lone surrogates) are refused here, in every field.
    """
    try:
        return load_user_json(path, MAX_PRESET_BYTES)
    except UserFileError as error:
        raise PresetFileError(path, error.reason) from None


def read_preset_file(path: str | Path, *, kind: str = USER) -> Preset:
    """Read and validate one preset file; any problem raises PresetFileError(path, reason)."""
    path = Path(path)
    data = load_json(path)
    try:
        return preset_from_data(data, kind=kind, path=path)
    except PresetFileError:
        raise
    except PresetError as error:
        raise PresetFileError(path, str(error)) from None


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")
