"""A step that never ends on the command line: --step-timeout gives up, Ctrl+C stops it at once.

The long step is real: osim-rl's gait9dof18musc_20170320.osim starts with its feet about a metre
inside the ground, and its first faithful step runs for many minutes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from muscle_lab.core.paths import osim_rl_models_dir
from tests.processes import take_back_ctrl_c

ROOT = Path(__file__).resolve().parents[1]
FEET_IN_GROUND = str(osim_rl_models_dir() / "gait9dof18musc_20170320.osim")
# Not a speed check: without the child process this command ran for more than 15 minutes.
HANG_LIMIT_SECONDS = 180


def test_step_timeout_gives_up_with_a_clear_message_and_exit_2(tmp_path):
    table = tmp_path / "out.csv"
    result = subprocess.run(
        [sys.executable, "main.py", "run", "--model", FEET_IN_GROUND, "--step-timeout", "2", "--json",
         "--csv", str(table)],
        cwd=ROOT, capture_output=True, text=True, timeout=HANG_LIMIT_SECONDS, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert "cm inside the ground: the first steps may take minutes" in lines[0]
    assert lines[-1] == (
        "muscle_lab: error: the step from t = 0.00 s took longer than 2 s (--step-timeout); "
        "the simulation process was ended, after 0 steps; the steps so far were written"
    )
    summary = json.loads(result.stdout)
    assert summary["steps"] == 0 and summary["timed_out"].startswith("the step from t = 0.00 s")
    assert table.read_text().count("\n") == 1  # the header: no step completed, nothing lost


def test_step_timeout_must_be_positive(tmp_path):
    result = subprocess.run(
        [sys.executable, "main.py", "run", "--step-timeout", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "muscle_lab: error: --step-timeout must be positive and finite, got 0\n"


def test_ctrl_c_stops_a_step_that_takes_minutes(tmp_path):
    with subprocess.Popen(
        [sys.executable, "main.py", "run", "--model", FEET_IN_GROUND, "--csv", str(tmp_path / "out.csv")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=take_back_ctrl_c,  # noqa: PLW1509
    ) as run:  # fmt: skip
        try:
            warning = run.stderr.readline()  # printed just before stepping starts
            assert "inside the ground" in warning
            children = _children(run.pid)
            assert children  # the simulation process, stepping
            run.send_signal(signal.SIGINT)
            out, err = run.communicate(timeout=HANG_LIMIT_SECONDS)
        finally:
            run.kill()
    assert run.returncode == 130, err
    assert "Traceback" not in err
    assert err.splitlines()[-1] == "muscle_lab: interrupted (Ctrl+C) after 0 steps; the steps so far were written"
    assert "interrupted (Ctrl+C)" in out
    assert not [child for child in children if _alive(child)]  # the simulation process was ended


def _children(pid: int) -> list[int]:
    """The simulation processes `pid` started (not multiprocessing's resource tracker)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cmdline = (stat.parent / "cmdline").read_bytes().decode(errors="replace")
        if int(fields[1]) == pid and fields[0] != "Z" and "spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_run_command_steps_in_a_child_process(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", ("import sys, muscle_lab.cli as c; code = c.main(['run', '--seconds', '0.02']); "
         "print(sorted(m for m in sys.modules if m.startswith('opensim')), file=sys.stderr); sys.exit(code)")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ}, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"  # OpenSim ran in the child only
