"""The settings file: defaults, round trip, key-by-key checks, and corrupt files set aside."""

from __future__ import annotations

import base64
import json
import os
import stat
import time
from pathlib import Path

import pytest

from muscle_lab.core import atomic
from muscle_lab.core.settings import (
    SETTINGS,
    SettingsError,
    default_settings,
    load_settings,
    save_settings,
    settings_path,
)

DEFAULTS = {
    "window_geometry": "",
    "window_state": "",
    "plot_window_seconds": 10.0,
    "mode": "faithful",
    "real_time": True,
    "on_episode_end": "pause",
    "time_limit": True,
}
GEOMETRY = base64.b64encode(bytes(range(66))).decode("ascii")  # what QWidget.saveGeometry() gives, encoded
CHANGED = {
    "window_geometry": GEOMETRY,
    "window_state": base64.b64encode(b"\x00\x00\x00\xff state").decode("ascii"),
    "plot_window_seconds": 30.0,
    "mode": "fast",
    "real_time": False,
    "on_episode_end": "reset",
    "time_limit": False,
}


@pytest.fixture
def path(isolated_user_data) -> Path:
    return isolated_user_data / "settings.json"


def test_the_table_holds_the_keys_the_window_uses_with_their_defaults():
    assert default_settings() == DEFAULTS
    assert set(SETTINGS) == set(DEFAULTS)


def test_no_file_means_defaults_and_nothing_written(path):
    assert settings_path() == path
    assert load_settings() == (DEFAULTS, None)
    assert not path.parent.exists()


def test_save_then_load_round_trip_under_the_user_data_folder(path):
    assert save_settings(CHANGED) == path
    assert load_settings() == (CHANGED, None)
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == {"schema_version": 1, **CHANGED}
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]  # no temporary file left


def test_save_fills_in_defaults_and_accepts_integers_for_seconds(tmp_path):
    target = tmp_path / "elsewhere" / "s.json"
    save_settings({"plot_window_seconds": 5, "mode": "fast"}, target)
    values, problem = load_settings(target)
    assert values == {**DEFAULTS, "plot_window_seconds": 5.0, "mode": "fast"}
    assert problem is None
    assert isinstance(values["plot_window_seconds"], float)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"colour": "red"}, "unknown setting(s): colour"),
        ({"mode": "reference"}, "mode must be one of 'faithful', 'fast', got 'reference'"),
        ({"plot_window_seconds": 0.5}, "plot_window_seconds must be a number from 1 to 120, got 0.5"),
        ({"plot_window_seconds": float("nan")}, "plot_window_seconds must be a number from 1 to 120, got nan"),
        ({"real_time": 1}, "real_time must be true or false, got 1"),
        ({"window_state": "not base64!"}, "window_state is not base64 text: 'not base64!'"),
        ({"window_geometry": b"AAAA"}, "window_geometry must be base64 text, got b'AAAA'"),
    ],
)
def test_save_refuses_unknown_keys_and_bad_values(path, values, message):
    with pytest.raises(SettingsError) as raised:
        save_settings(values)
    assert str(raised.value) == message
    assert not path.exists()


def test_a_failed_save_keeps_the_old_file(path, monkeypatch):
    save_settings(CHANGED)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:  # not monkeypatch.undo(): that would also drop MUSCLE_LAB_HOME
        patched.setattr(atomic.os, "replace", full_disk)
        with pytest.raises(SettingsError, match=f"^cannot write {path}: No space left on device$"):
            save_settings(DEFAULTS)
    assert load_settings() == (CHANGED, None)
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


def test_bad_values_fall_back_to_defaults_with_a_note_and_unknown_keys_are_dropped(path):
    path.parent.mkdir(parents=True)
    written = {
        "schema_version": 1,
        **CHANGED,
        "plot_window_seconds": 500,
        "mode": "turbo",
        "real_time": "yes",
        "window_state": "%%%",
        "from_a_newer_version": [1, 2, 3],
    }
    path.write_text(json.dumps(written), encoding="utf-8")
    values, problem = load_settings()
    assert values == {**CHANGED, "plot_window_seconds": 10.0, "mode": "faithful", "real_time": True, "window_state": ""}
    assert problem == (
        f"{path}: window_state is not base64 text: '%%%'; using ''; "
        "plot_window_seconds must be a number from 1 to 120, got 500; using 10.0; "
        "mode must be one of 'faithful', 'fast', got 'turbo'; using 'faithful'; "
        "real_time must be true or false, got 'yes'; using True"
    )
    assert json.loads(path.read_text(encoding="utf-8")) == written  # left as it was until the next save
    assert not path.with_name("settings.json.bak").exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"schema_version": 1, "mode": ', "not valid JSON: Expecting value: line 1 column 31 (char 30)"),
        (b"", "the file is empty"),
        (b"\xff\xfe{}", "not UTF-8 text"),
        (b'["mode", "fast"]', "expected a JSON object, got ['mode', 'fast']"),
        (b'{"mode": "fast"}', "missing schema_version"),
        (b'{"schema_version": 2, "mode": "fast"}', "unknown schema_version 2 (this muscle_lab reads version 1)"),
        (b'{"schema_version": true}', "unknown schema_version True (this muscle_lab reads version 1)"),
        (b"[" * 100_000, "nested more than 64 levels deep"),
        (b'{"schema_version": 1, "mode": "\\ud800"}', "mode contains an invalid character U+D800"),
        (b'{"schema_version": 1, "n": ' + b"7" * 5000 + b"}", "a number has more than 4300 digits"),
    ],
)
def test_a_corrupt_file_is_kept_as_bak_and_defaults_are_used(path, content, reason):
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    values, problem = load_settings()
    assert values == DEFAULTS
    assert problem == f"{path}: {reason}; using the default settings (the file is kept as settings.json.bak)"
    assert path.with_name("settings.json.bak").read_bytes() == content
    assert not path.exists()
    assert load_settings() == (DEFAULTS, None)  # reported once; the next save starts afresh


def test_a_file_over_1_mb_is_set_aside(path):
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"schema_version": 1, "window_state": "A" * 2**20}), encoding="utf-8")
    values, problem = load_settings()
    assert values == DEFAULTS
    assert problem == f"{path}: larger than 1 MB; using the default settings (the file is kept as settings.json.bak)"


def test_a_fifo_or_a_link_to_a_device_is_set_aside_without_being_read(path, in_child):
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    assert in_child(load_settings) == (
        "returned",
        (
            DEFAULTS,
            f"{path}: not a regular file (a FIFO); using the default settings (the file is kept as settings.json.bak)",
        ),
    )
    assert stat.S_ISFIFO(path.with_name("settings.json.bak").lstat().st_mode) and not path.exists()
    path.symlink_to("/dev/zero")
    values, problem = in_child(load_settings)[1]
    assert values == DEFAULTS
    assert problem == (
        f"{path}: not a regular file (a character device); using the default settings "
        "(the file is kept as settings.json.bak)"
    )
    assert os.readlink(path.with_name("settings.json.bak")) == "/dev/zero"


def test_a_stale_temporary_file_of_a_killed_save_is_swept_on_load(path):
    save_settings(CHANGED)
    stale = path.parent / ".settings.json.ab12cd34.tmp"
    stale.write_text('{"schema_version": 1, "mo', encoding="utf-8")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = path.parent / ".settings.json.zz99yy88.tmp"
    fresh.write_text("{", encoding="utf-8")
    assert load_settings() == (CHANGED, None)
    assert sorted(p.name for p in path.parent.iterdir()) == [".settings.json.zz99yy88.tmp", "settings.json"]
