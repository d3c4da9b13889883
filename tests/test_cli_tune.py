"""`tune` headless: JSON history and best, --out a preset, one-line errors, Ctrl+C leaves no
process; `--ray local` gives the pool's search (skipped without Ray)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from muscle_lab.cli import main
from muscle_lab.core.presets.store import PresetStore
from muscle_lab.core.tune.goal import REWARD, Goal
from muscle_lab.core.tune.search import TuneSearch, TuneSettings

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--seconds", "0.1", "--evaluations", "5", "--population", "4", "--workers", "2"]


def test_tune_prints_the_history_and_saves_the_best(capsys):
    assert main(["tune", *TINY, "--json", "--out", "tuned"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["evaluations"] == 5 and len(result["history"]) == 1
    assert result["best_score"] >= result["start_score"]
    assert "generation 1: best" in captured.err
    preset = PresetStore().get("tuned")
    assert list(preset.excitations) == result["best"]["sequence"]["phases"][0]["excitations"]
    assert preset.description.startswith("Tuned from hip-thrust: total reward (round 1) over 0.1 s")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "0"], "the seed must be 1 or more (cma takes 0 as 'random'), got 0"),
        (["--preset", "ghost"], "no preset named 'ghost'"),
        (["--tune", "phases"], "a constant preset has no phases to time: tune its values"),
        (["--seconds", "0"], "the horizon must be in (0, 100] s, got 0"),
    ],
)
def test_errors_are_one_line_and_exit_2(capsys, args, message):
    assert main(["tune", *args]) == 2
    assert capsys.readouterr().err == f"muscle_lab: error: {message}\n"


def test_ctrl_c_ends_the_search_and_every_simulation_process(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "main.py", "tune", "--seconds", "0.3", "--evaluations", "200", "--population", "4",
               "--workers", "2", "--state", str(tmp_path / "state.json")]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    for line in process.stderr:  # the first generation's line: the pool is running
        if "generation 1:" in line:
            break
    children = _children(process.pid)
    assert children, "the search runs in simulation processes"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted (Ctrl+C); no simulation process is left; resume with --resume" in err
    assert "total reward (round 1) over 0.3 s" in out
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert json.loads((tmp_path / "state.json").read_text())["evaluations"] >= 5


def _children(pid: int) -> list[int]:
    """The simulation processes of `pid` (not multiprocessing's resource tracker, which ends on its own)."""
    pids = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        pids += [int(child) for child in (task / "children").read_text().split()]
    return [p for p in pids if b"resource_tracker" not in Path(f"/proc/{p}/cmdline").read_bytes()]


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install '.[ray]')")
def test_ray_runs_the_same_search_as_the_pool():
    import ray

    settings = TuneSettings(goal=Goal(REWARD, 0.1), evaluations=5, population=4, workers=2)
    local = TuneSearch(settings).run()
    try:
        on_ray = TuneSearch(TuneSettings(goal=settings.goal, evaluations=5, population=4, workers=2, ray="local")).run()
    finally:
        ray.shutdown()
    assert on_ray.evaluations == 5
    assert on_ray.best_score == local.best_score
    assert [g.mean for g in on_ray.history] == [g.mean for g in local.history]
