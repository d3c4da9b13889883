"""Output files: checked before any work, written together, with the user's modes, links and devices respected."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from muscle_lab.core.atomic import (
    OutputFileError,
    atomic_write_text,
    check_output_file,
    check_output_files,
    write_files_together,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield
    os.umask(previous)


def test_a_new_file_gets_the_users_umask(tmp_path, umask_027):
    target = tmp_path / "new.csv"
    atomic_write_text(target, "a,b\n")
    assert target.read_text() == "a,b\n"
    assert mode_of(target) == 0o640  # 0666 less the umask, not mkstemp's 0600


def test_an_existing_file_keeps_its_mode(tmp_path, umask_027):
    target = tmp_path / "shared.csv"
    target.write_text("old\n")
    target.chmod(0o664)
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert mode_of(target) == 0o664


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "data" / "real.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    atomic_write_text(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new\n"
    assert sorted(p.name for p in real.parent.iterdir()) == ["real.csv"]  # no temporary file left


def test_a_link_to_a_device_writes_to_the_device(tmp_path):
    link = tmp_path / "discard.csv"
    link.symlink_to("/dev/null")
    write_files_together([(link, "x\n" * 1000)])
    assert link.is_symlink()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    write_files_together([(fifo, "through the pipe\n")])
    reader.join(timeout=30)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555])
def test_a_read_only_file_is_refused_even_for_root(tmp_path, mode):
    target = tmp_path / "keep.csv"
    target.write_text("precious\n")
    target.chmod(mode)
    with pytest.raises(OutputFileError) as caught:
        atomic_write_text(target, "replaced\n")
    assert str(caught.value) == f"{target}: is read-only; make it writable or choose another file"
    assert target.read_text() == "precious\n"


def test_bad_targets_are_named_with_the_reason(tmp_path):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    os.mkfifo(tmp_path / "fifo")
    cases = {
        tmp_path: "is a folder, not a file",
        tmp_path / "missing" / "out.csv": f"the folder {tmp_path / 'missing'} does not exist",
        a_file / "out.csv": f"{a_file} is not a folder",
        a_file / "deeper" / "out.csv": f"{a_file / 'deeper'} is not a folder",
    }
    for path, reason in cases.items():
        with pytest.raises(OutputFileError) as caught:
            check_output_file(path)
        assert str(caught.value) == f"{path}: {reason}"
    assert check_output_file(tmp_path / "fifo").kind == "device"
    assert check_output_file("/dev/stdout").descriptor == 1


def test_the_same_file_twice_is_refused(tmp_path):
    existing = tmp_path / "a.csv"
    existing.write_text("x")
    (tmp_path / "hard.csv").hardlink_to(existing)
    (tmp_path / "soft.csv").symlink_to(existing)
    with pytest.raises(OutputFileError) as caught:
        check_output_files([tmp_path / "new.csv", None, tmp_path / "new.csv"])
    assert str(caught.value) == f"{tmp_path / 'new.csv'}: given for two outputs; give each output its own file"
    for other in ("hard.csv", "soft.csv", "sub/../a.csv"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(OutputFileError, match=r"the same file as .*a\.csv, another output"):
            check_output_files([existing, tmp_path / other])
    assert len(check_output_files(["/dev/null", "/dev/null"])) == 2  # nothing is replaced there


def test_one_failing_output_writes_none_of_the_others(tmp_path):
    first, last = tmp_path / "first.csv", tmp_path / "last.sto"
    last.write_text("old\n")
    with pytest.raises(OutputFileError) as caught:
        write_files_together([(first, "a\n"), ("/dev/full", "b\n"), (last, "c\n")])
    assert str(caught.value) == "/dev/full: cannot write it: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["last.sto"]  # no new file, no temporary file
    assert last.read_text() == "old\n"


def test_atomic_write_text_still_makes_the_folder_for_presets_and_settings(tmp_path):
    target = tmp_path / "home" / "presets" / "mine.json"
    atomic_write_text(target, "{}\n")
    assert target.read_text() == "{}\n"
