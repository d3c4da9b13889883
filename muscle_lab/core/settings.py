"""The window's settings: `settings.json` in the user data folder, checked key by key.

Reading is never fatal: a corrupt or invalid file is kept as `settings.json.bak` and the
defaults are used; a bad value falls back to its default with a note; unknown keys are dropped.
To add a setting, add a line to SETTINGS.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.core.paths import user_data_dir
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, FAITHFUL, FAST
from muscle_lab.core.user_files import (
    MAX_USER_FILE_BYTES,
    UserFileError,
    brief_repr,
    display_path,
    load_user_json,
    remove_stale_temp_files,
)

SETTINGS_FILE = "settings.json"
SCHEMA_VERSION = 1
MAX_SETTINGS_BYTES = MAX_USER_FILE_BYTES


class SettingsError(ValueError):
    """A setting that cannot be saved: an unknown key, a bad value, or a file that cannot be written."""


@dataclass(frozen=True)
class Setting:
    """A default, and a check that returns the value to use or raises ValueError saying why not."""

    default: Any
    check: Callable[[Any], Any]


def _base64_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be base64 text, got {brief_repr(value)}")
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"is not base64 text: {brief_repr(value)}") from None
    return value


def _number_from(low: float, high: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        # NaN fails the range test too: every comparison with it is false
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ValueError(f"must be a number from {low:g} to {high:g}, got {brief_repr(value)}")
        return float(value)

    return check


def _one_of(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ValueError(f"must be one of {', '.join(map(repr, choices))}, got {brief_repr(value)}")
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {brief_repr(value)}")
    return value


SETTINGS: dict[str, Setting] = {
    "window_geometry": Setting("", _base64_text),  # QWidget.saveGeometry(), base64
    "window_state": Setting("", _base64_text),  # QMainWindow.saveState(), base64
    "plot_window_seconds": Setting(10.0, _number_from(1.0, 120.0)),
    "mode": Setting(DEFAULT_MODE, _one_of(FAITHFUL.name, FAST.name)),
    "real_time": Setting(True, _boolean),
    "on_episode_end": Setting("pause", _one_of("pause", "reset")),
    "time_limit": Setting(True, _boolean),  # osim-rl's 300 steps; off for free play
}


def default_settings() -> dict[str, Any]:
    return {key: setting.default for key, setting in SETTINGS.items()}


def settings_path() -> Path:
    return user_data_dir() / SETTINGS_FILE


def load_settings(path: str | os.PathLike[str] | None = None) -> tuple[dict[str, Any], str | None]:
    """Every known setting (the file's where valid, else the default), and a note on any problem."""
    path = Path(path) if path is not None else settings_path()
    remove_stale_temp_files(path.parent)  # left by a window killed while saving
    if not os.path.lexists(path):
        return default_settings(), None
    try:
        data = load_user_json(path, MAX_SETTINGS_BYTES)
        if not isinstance(data, dict):
            raise UserFileError(path, f"expected a JSON object, got {brief_repr(data)}")
        if "schema_version" not in data:
            raise UserFileError(path, "missing schema_version")
        version = data["schema_version"]
        if version != SCHEMA_VERSION or isinstance(version, bool):
            reason = f"unknown schema_version {brief_repr(version)} (this muscle_lab reads version {SCHEMA_VERSION})"
            raise UserFileError(path, reason)
    except UserFileError as error:
        return default_settings(), _set_aside(path, error.reason)
    values = default_settings()
    notes = []
    for key, setting in SETTINGS.items():
        if key not in data:
            continue
        try:
            values[key] = setting.check(data[key])
        except ValueError as error:
            notes.append(f"{key} {error}; using {setting.default!r}")
    return values, (f"{display_path(path)}: {'; '.join(notes)}" if notes else None)


def save_settings(values: Mapping[str, Any], path: str | os.PathLike[str] | None = None) -> Path:
    """Write every known setting atomically (missing ones as their defaults); SettingsError if one is bad."""
    path = Path(path) if path is not None else settings_path()
    unknown = sorted(set(values) - set(SETTINGS))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    data: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for key, setting in SETTINGS.items():
        data[key] = _checked_for_saving(key, values.get(key, setting.default))
    try:
        atomic_write_text(path, json.dumps(data, indent=2) + "\n")
    except OSError as error:
        raise SettingsError(f"cannot write {display_path(path)}: {error.strerror or error}") from None
    return path


def _checked_for_saving(key: str, value: Any) -> Any:
    """The value to store for `key`; SettingsError naming the key when it is bad."""
    try:
        return SETTINGS[key].check(value)
    except ValueError as error:
        raise SettingsError(f"{key} {error}") from None


def _set_aside(path: Path, reason: str) -> str:
    """Keep an unusable settings file as NAME.bak for the user; the note to show them."""
    backup = path.with_name(path.name + ".bak")
    try:
        os.replace(path, backup)
        kept = f"the file is kept as {backup.name}"
    except OSError as error:
        kept = f"could not keep the file as {backup.name}: {error.strerror or error}"
    return f"{display_path(path)}: {reason}; using the default settings ({kept})"
