"""`run --csv/--mot/--sto`: every output checked before simulating, all written or none, devices written through."""

from __future__ import annotations

import csv
import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from muscle_lab.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHORT_RUN = ["run", "--preset", "relaxed", "--seconds", "0.03"]


def run_main_py(*args: str, **streams) -> subprocess.CompletedProcess:
    streams = streams or {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, text=True, timeout=300, check=False, **streams)


def test_output_problems_are_found_before_opensim_loads(tmp_path):
    """Checked in a fresh process: the command fails before the simulation module (OpenSim) is imported."""
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    read_only = tmp_path / "read-only.csv"
    read_only.write_text("keep\n")
    read_only.chmod(0o444)
    cases = [
        (["--csv", str(tmp_path / "missing" / "out.csv")], f"the folder {tmp_path / 'missing'} does not exist"),
        (["--mot", str(a_file / "out.mot")], f"{a_file} is not a folder"),
        (["--sto", str(tmp_path)], "is a folder, not a file"),
        (["--csv", str(read_only)], "is read-only; make it writable or choose another file"),
    ]
    code = (
        "import sys; from muscle_lab.cli import main; status = main(sys.argv[1:]); "
        "print(status, 'opensim' in sys.modules, 'muscle_lab.core.simulation.engine' in sys.modules)"
    )
    for option, reason in cases:
        argv = [*SHORT_RUN[:3], "--seconds", "30", "--no-stop", *option]
        result = subprocess.run(
            [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120, check=False
        )
        assert result.stdout == "2 False False\n"
        assert result.stderr == f"muscle_lab: error: {option[1]}: {reason}\n"
    assert read_only.read_text() == "keep\n"


@pytest.mark.parametrize("second", ["same", "symlink", "hardlink", "dotted"])
def test_two_outputs_on_one_file_are_refused(capsys, tmp_path, second):
    first = tmp_path / "o.out"
    if second in ("symlink", "hardlink"):
        first.write_text("earlier run\n")
        other = tmp_path / "other.out"
        (other.symlink_to if second == "symlink" else other.hardlink_to)(first)
    else:
        other = first if second == "same" else tmp_path / "." / "sub" / ".." / "o.out"
        (tmp_path / "sub").mkdir()
    assert main([*SHORT_RUN, "--csv", str(first), "--mot", str(other)]) == 2
    err = capsys.readouterr().err
    if second == "same":
        assert err == f"muscle_lab: error: {first}: given for two outputs; give each output its own file\n"
    else:
        reason = f"the same file as {first}, another output; give each output its own file"
        assert err == f"muscle_lab: error: {other}: {reason}\n"
    assert not first.exists() or first.read_text() == "earlier run\n"


def test_a_late_write_failure_names_the_file_and_writes_no_other(capsys, tmp_path):
    kept = tmp_path / "kept.sto"
    kept.write_text("earlier run\n")
    status = main([*SHORT_RUN, "--csv", str(tmp_path / "new.csv"), "--mot", "/dev/full", "--sto", str(kept)])
    assert status == 2
    assert capsys.readouterr().err == "muscle_lab: error: /dev/full: cannot write it: No space left on device\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.sto"]  # no CSV, no temporary file
    assert kept.read_text() == "earlier run\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # written to, never renamed over


def can_mount_tmpfs() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not can_mount_tmpfs(), reason="needs root and mount namespaces to make a full filesystem")
def test_a_full_filesystem_names_the_file_and_writes_no_other(tmp_path):
    """A real ENOSPC: a 16 kB tmpfs, filled, mounted in a private namespace that dies with the command."""
    full = tmp_path / "full"
    full.mkdir()
    others = [tmp_path / "run.csv", tmp_path / "run.sto"]
    script = (
        f'mount -t tmpfs -o size=16k tmpfs "{full}" && head -c 16384 /dev/zero > "{full}/filler"; '
        f'exec "{sys.executable}" main.py "$@"'
    )
    command = [*SHORT_RUN, "--csv", str(others[0]), "--mot", str(full / "run.mot"), "--sto", str(others[1])]
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *command],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"muscle_lab: error: {full / 'run.mot'}: cannot write it: No space left on device\n"
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == [full] and list(full.iterdir()) == []  # the tmpfs went with the namespace


def test_csv_to_dev_stdout_writes_into_the_pipe_and_keeps_the_link():
    result = run_main_py(*SHORT_RUN, "--csv", "/dev/stdout")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[:4]))))
    assert [float(row["time"]) for row in rows] == pytest.approx([0.01, 0.02, 0.03])
    assert lines[4].startswith("3 steps, 0.03 s simulated") and len(lines) == 5
    assert os.path.islink("/dev/stdout")


def test_csv_to_dev_stdout_redirected_to_a_file_comes_before_the_summary(tmp_path):
    log = tmp_path / "log.txt"
    with log.open("w") as stream:
        result = run_main_py(*SHORT_RUN, "--csv", "/dev/stdout", stdout=stream, stderr=subprocess.PIPE)
    assert result.returncode == 0, result.stderr
    lines = log.read_text().splitlines()
    assert lines[0].startswith("time,pelvis_height,") and len(lines) == 5
    assert lines[4].startswith("3 steps, 0.03 s simulated")


def test_outputs_get_the_umask_and_an_existing_file_keeps_its_mode_and_links(capsys, tmp_path):
    real = tmp_path / "real.sto"
    real.write_text("earlier run\n")
    real.chmod(0o664)
    link = tmp_path / "link.sto"
    link.symlink_to(real.name)
    previous = os.umask(0o022)
    try:
        assert main([*SHORT_RUN, "--csv", str(tmp_path / "new.csv"), "--sto", str(link), "--mot", "/dev/null"]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644
    assert link.is_symlink() and real.read_text().startswith("link\nversion=1\n")
    assert stat.S_IMODE(real.stat().st_mode) == 0o664
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
