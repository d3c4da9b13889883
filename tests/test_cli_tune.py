"""`tune` headless: JSON history and best, --out a preset, one-line errors, Ctrl+C leaves no
process; `--ray local` gives the pool's search (skipped without Ray)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from muscle_lab.cli import main
from muscle_lab.core.presets.store import PresetStore
from muscle_lab.core.tune.goal import REWARD, Goal
from muscle_lab.core.tune.search import TuneSearch, TuneSettings
from tests.processes import take_back_ctrl_c

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
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=take_back_ctrl_c,  # noqa: PLW1509
    )  # fmt: skip
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


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="Ray is not installed (pip install '.[ray]')")
def test_a_controller_runs_on_ray_and_its_failure_keeps_its_traceback(tmp_path):
    import ray

    from muscle_lab.core.simulation.user_controller import ControllerError

    failing = tmp_path / "failing.py"
    failing.write_text(
        "PARAMETERS = {'gain': (0.3, 0.0, 1.0), 'other': (0.0, 0.0, 1.0)}\n"
        "def controller(observation, gain=0.3, other=0.0):\n"
        "    if gain > 0.4:\n"
        "        raise ValueError('too much gain')\n"
        "    return [gain] * 19\n"
    )
    settings = TuneSettings(goal=Goal(REWARD, 0.05), evaluations=9, population=4, workers=2, sigma=0.5,
                            controller=str(failing), ray="local")  # fmt: skip
    try:
        with pytest.raises(ControllerError) as error:
            TuneSearch(settings).run()
    finally:
        ray.shutdown()
    assert error.value.message.endswith("the controller raised ValueError at step 1: too much gain")
    assert 'failing.py", line 4, in controller' in error.value.details


# -- a controller's parameters, and the posture goal ---------------------------------------------
GAIT = ROOT / "muscle_lab" / "examples" / "gait_pattern.py"
TINY_CONTROLLER = ["--controller", str(GAIT), "--seconds", "0.2", "--evaluations", "5", "--population", "4",
                   "--workers", "2", "--seed", "3"]  # fmt: skip


def test_a_controllers_parameters_are_tuned_the_same_twice_and_run_with_the_best(capsys, tmp_path):
    best = tmp_path / "best.json"
    assert main(["tune", *TINY_CONTROLLER, "--json", "--out", str(best)]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["tune", *TINY_CONTROLLER, "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first["controller"] == "gait_pattern.py" and first["evaluations"] == 5
    assert first["best"] == second["best"] and first["history"][0]["best"] == second["history"][0]["best"]
    assert first["best_score"] >= first["start_score"]
    saved = json.loads(best.read_text())
    assert saved["parameters"] == first["best"]["parameters"] and saved["controller"] == str(GAIT)
    low_high = {name: (low, high) for name, (_initial, low, high) in _declared().items()}
    assert all(low_high[n][0] <= v <= low_high[n][1] for n, v in saved["parameters"].items())
    # the file is usable: `run` with it scores what the search said (osim-rl's reward over 0.2 s)
    assert main(["run", "--controller", str(GAIT), "--params", str(best), "--seconds", "0.2", "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["params"] == saved["parameters"]
    assert run["total_reward"] == pytest.approx(first["best_score"], abs=1e-9)


def _declared() -> dict:
    from muscle_lab.examples import gait_pattern

    return gait_pattern.PARAMETERS


def test_a_controller_that_raises_stops_the_search_with_its_traceback(capsys, tmp_path):
    failing = tmp_path / "failing.py"
    failing.write_text(
        "PARAMETERS = {'gain': (0.3, 0.0, 1.0), 'unused': (0.0, 0.0, 1.0)}\n\n"
        "class Pusher:\n"
        "    def __init__(self, gain=0.3, unused=0.0):\n"
        "        self.gain, self.steps = gain, 0\n\n"
        "    def act(self, observation):\n"
        "        self.steps += 1\n"
        "        if self.gain > 0.4 and self.steps == 3:\n"
        "            raise ValueError('too much gain')\n"
        "        return [self.gain] * 19\n"
    )
    before = _children(os.getpid())
    state = tmp_path / "state.json"
    args = ["tune", "--controller", str(failing), "--seconds", "0.1", "--evaluations", "20", "--population", "4",
            "--workers", "2", "--sigma", "0.5", "--state", str(state)]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err and 'failing.py", line 10, in act' in err
    assert "ValueError: too much gain" in err
    last = err.strip().splitlines()[-1]
    found = re.match(r"muscle_lab: error: in run g\d+ #\d \(gain=([\d.]+), unused=[\d.]+\): ", last)
    assert found and float(found[1]) > 0.4, last
    assert last.endswith(
        ": the controller raised ValueError at step 3: too much gain; the search stopped, no simulation process is left"
    )
    assert not state.exists()  # its first generation failed: no state was written
    assert set(_children(os.getpid())) <= set(before)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--controller", "missing.py"], "controller file not found: missing.py"),
        (["--controller", str(ROOT / "muscle_lab" / "examples" / "fixed_action.py")],
         ("fixed_action.py declares no PARAMETERS: nothing to tune (declare, at module level, PARAMETERS = "
         "{'name': (initial, low, high), ...})")),
        (["--controller", str(GAIT), "--tune", "phases"],
         "a controller's parameters are tuned: --tune phases is for a sequence preset"),
        (["--goal", "posture"],
         "the posture goal needs target angles, e.g. --posture 'hip_flexion_r=40,knee_angle_r=-60'"),
        (["--goal", "posture", "--posture", "knee=-30"],
         ("the model has no coordinate 'knee'; a posture names: pelvis_tilt, pelvis_list, pelvis_rotation, "
         "hip_flexion_r, hip_adduction_r, knee_angle_r, ankle_angle_r, hip_flexion_l, hip_adduction_l, "
         "knee_angle_l, ankle_angle_l")),
    ],
)  # fmt: skip
def test_controller_and_posture_errors_are_one_line(capsys, args, message):
    assert main(["tune", *args]) == 2
    assert capsys.readouterr().err == f"muscle_lab: error: {message}\n"


def test_run_params_needs_a_controller_and_known_names(capsys, tmp_path):
    params = tmp_path / "p.json"
    params.write_text('{"gian": 1}')
    assert main(["run", "--params", str(params)]) == 2
    expected = "muscle_lab: error: --params gives a controller's parameters: use it with --controller FILE.py\n"
    assert capsys.readouterr().err == expected
    assert main(["run", "--controller", str(GAIT), "--params", str(params)]) == 2
    assert capsys.readouterr().err.startswith(f"muscle_lab: error: {params}: no parameter named 'gian'; ")


def test_tune_reaches_toward_a_posture(capsys):
    args = ["tune", "--goal", "posture", "--posture", "knee_angle_l=-30", "--seconds", "0.2", "--evaluations", "9",
            "--population", "4", "--workers", "2", "--json"]  # fmt: skip
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["goal"].startswith("minus the distance from knee_angle_l -30° (RMS °, held over the last 0.05 s)")
    assert result["start_score"] < result["best_score"] <= 0
