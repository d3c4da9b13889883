"""Ctrl+C or SIGTERM during `run`: the steps so far are written, the summary says so, no traceback."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import take_back_ctrl_c

ROOT = Path(__file__).resolve().parents[1]


def start_long_run(*outputs: str) -> subprocess.Popen:
    """A 30 s hip thrust that keeps going after the fall; returns once it reports stepping."""
    process = subprocess.Popen(
        [sys.executable, "main.py", "run", "--preset", "hip-thrust", "--no-stop", "--seconds", "30", "--progress",
         *outputs],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=take_back_ctrl_c,  # noqa: PLW1509
    )  # fmt: skip
    first = process.stderr.readline()  # blocks until the first step is done: no wall-clock wait
    assert first.startswith("muscle_lab: stepping: 0.01 s simulated, step 1,"), first
    return process


@pytest.mark.parametrize(
    ("sent", "status", "said"),
    [(signal.SIGINT, 130, "interrupted (Ctrl+C)"), (signal.SIGTERM, 143, "stopped by SIGTERM")],
)
def test_a_signal_stops_the_run_and_keeps_the_steps_so_far(tmp_path, sent, status, said):
    table, motion = tmp_path / "out.csv", tmp_path / "out.mot"
    process = start_long_run("--csv", str(table), "--mot", str(motion), "--json")
    process.send_signal(sent)
    out, err = process.communicate(timeout=120)
    assert process.returncode == status
    assert "Traceback" not in err
    summary = json.loads(out)
    assert summary["interrupted"] is True and 1 <= summary["steps"] < 3000
    assert err.splitlines()[-1] == f"muscle_lab: {said} after {summary['steps']} steps; the steps so far were written"
    with table.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == summary["steps"]
    assert float(rows[-1]["time"]) == pytest.approx(summary["sim_time"])
    assert f"nRows={summary['steps']}\n" in motion.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "out.mot"]  # no temporary file left


def test_the_text_summary_is_marked_interrupted():
    process = start_long_run()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert out.count("\n") == 1 and out.rstrip().endswith("; interrupted (Ctrl+C)")
    assert err.splitlines()[-1].startswith("muscle_lab: interrupted (Ctrl+C) after ")
    assert "Traceback" not in err
