"""Safe reading of the user's files, exclusive creation, the folder lock and stale temporary files."""

from __future__ import annotations

import os
import re
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from muscle_lab.core import user_files
from muscle_lab.core.user_files import (
    FolderLock,
    UserFileError,
    create_exclusive_text,
    display_path,
    load_user_json,
    parse_json,
    read_user_bytes,
    remove_stale_temp_files,
)


# -- reading ---------------------------------------------------------------------------------
def test_a_regular_file_and_a_link_to_one_are_read(tmp_path):
    path = tmp_path / "a.json"
    path.write_bytes(b'{"x": 1}')
    (tmp_path / "link.json").symlink_to(path)
    assert read_user_bytes(path) == b'{"x": 1}'
    assert read_user_bytes(tmp_path / "link.json") == b'{"x": 1}'
    assert load_user_json(tmp_path / "link.json") == {"x": 1}


def test_anything_but_a_regular_file_is_refused_without_being_opened(tmp_path, in_child):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "folder").mkdir()
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(tmp_path / "socket"))
        names = ("fifo", "zero", "folder", "socket")
        outcomes = in_child(lambda: {name: _reason(read_user_bytes, tmp_path / name) for name in names})
    assert outcomes == (
        "returned",
        {
            "fifo": "not a regular file (a FIFO)",
            "zero": "not a regular file (a character device)",
            "folder": "not a regular file (a folder)",
            "socket": "not a regular file (a socket)",
        },
    )
    assert in_child(lambda: _reason(read_user_bytes, "/dev/zero")) == (
        "returned",
        "not a regular file (a character device)",
    )


def test_a_missing_file_or_a_dangling_link_cannot_be_read(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UserFileError) as raised:
        read_user_bytes(tmp_path / "dangling")
    assert str(raised.value) == f"{tmp_path / 'dangling'}: cannot read: No such file or directory"


def test_a_file_swapped_for_a_fifo_after_the_check_is_caught_after_opening(tmp_path, monkeypatch, in_child):
    path = tmp_path / "p.json"
    path.write_text("{}", encoding="utf-8")
    real_open = os.open

    def swap_then_open(target, flags, *args):
        if Path(os.fsdecode(target)) == path:  # the race: replaced between stat and open
            path.unlink()
            os.mkfifo(path)
        return real_open(target, flags, *args)

    monkeypatch.setattr(user_files.os, "open", swap_then_open)
    assert in_child(lambda: _reason(read_user_bytes, path)) == ("returned", "not a regular file (a FIFO)")


def test_files_over_the_limit_are_refused_reading_at_most_one_byte_more(tmp_path):
    exact = tmp_path / "exact.json"
    exact.write_bytes(b" " * 2**20)
    assert len(read_user_bytes(exact)) == 2**20
    over = tmp_path / "over.json"
    over.write_bytes(b" " * (2**20 + 1))
    with pytest.raises(UserFileError, match=r"over\.json: larger than 1 MB$"):
        read_user_bytes(over)
    # /proc files claim a size of 0: only the bounded read can tell they are too big
    assert os.stat("/proc/self/status").st_size == 0
    with pytest.raises(UserFileError, match=r"^/proc/self/status: larger than 50 bytes$"):
        read_user_bytes("/proc/self/status", limit=50)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b" \n\t", "the file is empty"),
        (b'{"a": "caf\xe9"}', "not UTF-8 text"),
        (b'{"a": ', "not valid JSON: Expecting value: line 1 column 7 (char 6)"),
    ],
)
def test_load_user_json_names_the_problem(tmp_path, content, reason):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(UserFileError) as raised:
        load_user_json(path)
    assert (raised.value.path, raised.value.reason) == (path, reason)


# -- parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000, "nested more than 64 levels deep"),  # the decoder's own recursion runs out
        ("[" * 65 + "]" * 65, "nested more than 64 levels deep"),  # parses, but no file of ours is like this
        ("1" * 4301, "a number has more than 4300 digits"),
        ('{"n": -' + "9" * 4301 + "}", "a number has more than 4300 digits"),
        ('"\\ud800"', "the text contains an invalid character U+D800"),
        ('{"a": {"b": ["ok", "\\udfff"]}}', "a.b[1] contains an invalid character U+DFFF"),
        ('{"a": {"\\udc80": 1}}', "a key in a contains an invalid character U+DC80"),
        ('[1, "x\\udbff"]', "[1] contains an invalid character U+DBFF"),
    ],
)
def test_parse_json_turns_every_failure_into_a_reason(text, reason):
    with pytest.raises(ValueError, match=f"^{re.escape(reason)}$"):
        parse_json(text)


def test_parse_json_keeps_what_is_sound():
    assert parse_json("[" * 64 + "]" * 64) is not None
    assert parse_json("1" * 4300) == int("1" * 4300)
    assert parse_json('{"emoji": "\\ud83d\\ude00"}') == {"emoji": "\U0001f600"}  # a surrogate pair is fine
    assert parse_json('{"x": NaN}')["x"] != parse_json('{"x": NaN}')["x"]  # NaN is left to the caller


def test_display_path_escapes_bytes_that_are_not_utf8(tmp_path):
    odd = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"caf\xe9.json"))
    assert display_path(odd) == f"{tmp_path}/caf\\xe9.json"
    assert str(UserFileError(odd, "why")) == f"{tmp_path}/caf\\xe9.json: why"
    assert display_path(tmp_path / "café.json") == f"{tmp_path}/café.json"


# -- exclusive creation ----------------------------------------------------------------------
def test_exclusive_creation_never_replaces_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "a.json"
    create_exclusive_text(target, "first\n")
    with pytest.raises(FileExistsError):
        create_exclusive_text(target, "second\n")
    assert target.read_text(encoding="utf-8") == "first\n"
    (tmp_path / "dangling.json").symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        create_exclusive_text(tmp_path / "dangling.json", "third\n")
    assert not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "dangling.json"]


# -- the folder lock -------------------------------------------------------------------------
def test_the_folder_lock_excludes_a_second_holder_for_a_bounded_time(tmp_path):
    with FolderLock(tmp_path):
        started = time.monotonic()
        with pytest.raises(UserFileError) as raised:
            FolderLock(tmp_path, timeout=0.3).acquire()
        assert time.monotonic() - started >= 0.3
        assert (
            str(raised.value)
            == f"{tmp_path / '.lock'}: another muscle_lab has held this lock for over 0.3 s; try again"
        )
    with FolderLock(tmp_path, timeout=0):  # released on exit
        pass


def test_the_lock_file_is_never_followed_as_a_link(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("not a lock", encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / ".lock").symlink_to(elsewhere)
    with pytest.raises(UserFileError) as raised:
        FolderLock(folder).acquire()
    assert str(raised.value) == f"{folder / '.lock'}: cannot lock: Too many levels of symbolic links"
    assert elsewhere.read_text(encoding="utf-8") == "not a lock"


# -- stale temporary files -------------------------------------------------------------------
def test_only_old_temporary_files_named_like_ours_are_removed(tmp_path):
    hour_ago = time.time() - 3600
    names = [
        ".a.json.abcd1234.tmp",
        ".b.json.k3_9xq0a.tmp",
        ".c.json.x.tmp",
        ".notes.tmp",
        "d.json",
        ".e.json.zzzzzzzz.tmp",
    ]
    for name in names:
        (tmp_path / name).write_text("{", encoding="utf-8")
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    (tmp_path / ".f.json.qqqqqqqq.tmp").mkdir()  # not a file we wrote
    os.utime(tmp_path / ".e.json.zzzzzzzz.tmp")  # just written: maybe a writer at work
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(p.name for p in removed) == [".a.json.abcd1234.tmp", ".b.json.k3_9xq0a.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".c.json.x.tmp",
        ".e.json.zzzzzzzz.tmp",
        ".f.json.qqqqqqqq.tmp",
        ".notes.tmp",
        "d.json",
    ]
    assert remove_stale_temp_files(tmp_path / "missing") == []


def test_the_sweep_matches_every_temporary_name_atomic_write_text_makes(tmp_path):
    """Made the way atomic_write_text makes them, and left behind as kill -9 would leave them."""
    made = set()
    for index in range(200):
        handle, name = tempfile.mkstemp(prefix=f".Thrust {index}_1.0.json.", suffix=".tmp", dir=tmp_path)
        os.close(handle)
        os.utime(name, (time.time() - 60, time.time() - 60))
        made.add(Path(name))
    assert set(remove_stale_temp_files(tmp_path)) == made
    assert list(tmp_path.iterdir()) == []


def _reason(read: Callable[[Any], Any], path: Any) -> str:
    """Why read(path) refused the file ("read" when it did not)."""
    try:
        read(path)
    except UserFileError as error:
        return error.reason
    return "read"
