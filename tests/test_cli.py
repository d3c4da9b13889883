"""The headless `run` command, in process and as `python main.py run` in a subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from muscle_lab.cli import main
from muscle_lab.core.csv_table import BASE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
HIP_THRUST = ",".join("1" if i in (2, 4, 10, 12) else "0" for i in range(19))


def run_json(capsys, *args: str) -> dict:
    assert main(["run", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_hip_thrust_preset_ends_the_episode_like_the_reference(capsys):
    summary = run_json(capsys, "--preset", "hip-thrust", "--seconds", "3")
    assert summary["done"] is True and summary["end_reason"] == "fell"
    assert summary["steps"] == 41 and summary["sim_time"] == pytest.approx(0.41)
    assert summary["final_pelvis_height"] < 0.6
    assert summary["muscles"][2] == "hamstrings_r" and len(summary["muscles"]) == 19
    assert summary["realtime_factor"] == pytest.approx(summary["sim_time"] / summary["wall_time"], rel=0.01)
    assert summary["mode"] == "faithful" and summary["error"] is None


def test_excitations_give_the_same_run_as_the_preset(capsys):
    by_preset = run_json(capsys, "--preset", "hip-thrust", "--seconds", "0.2")
    by_values = run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.2")
    assert by_values["total_reward"] == by_preset["total_reward"]
    assert by_values["final_pelvis_height"] == by_preset["final_pelvis_height"]


def test_no_stop_keeps_going_after_the_episode_ends(capsys):
    summary = run_json(capsys, "--preset", "hip-thrust", "--seconds", "0.45", "--no-stop")
    assert summary["steps"] == 45 and summary["done"] is True


def test_csv_has_a_row_per_step_with_every_column(capsys, tmp_path):
    out = tmp_path / "run.csv"
    summary = run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.1", "--csv", str(out))
    with out.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == summary["steps"] == 10
    columns = list(rows[0])
    assert columns[: len(BASE_COLUMNS)] == list(BASE_COLUMNS)
    assert "knee_angle_r_deg" in columns and "lumbar_extension_deg" in columns
    assert "excitation_glut_max_r" in columns and "activation_tib_ant_l" in columns
    assert len(columns) == 7 + 11 + 19 + 19
    assert [r["end_reason"] for r in rows] == [""] * 10  # still standing
    assert [float(r["time"]) for r in rows] == pytest.approx([0.01 * k for k in range(1, 11)])
    assert float(rows[-1]["total_reward"]) == pytest.approx(summary["total_reward"])
    assert float(rows[0]["excitation_glut_max_r"]) == 1.0 and float(rows[0]["excitation_abd_r"]) == 0.0
    assert float(rows[-1]["activation_glut_max_r"]) > 0.9


def test_clipped_values_are_reported_on_stderr(capsys):
    assert main(["run", "--excitations", "1.5" + ",0" * 18, "--seconds", "0.02"]) == 0
    captured = capsys.readouterr()
    assert "excitation 0 (abd_r) = 1.5 is outside [0, 1], clipped to 1" in captured.err
    assert "2 steps, 0.02 s simulated" in captured.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--excitations", "0,0,1"], "expected 19 excitations (one per muscle), got 3"),
        (["--excitations", "nan" + ",0" * 18], "excitation 0 (abd_r) is nan"),
        (["--excitations", "0,x" + ",0" * 17], "excitation 1 is not a number: 'x'"),
        (["--preset", "no-such-preset"], "no-such-preset"),
        (["--model", "/no/such/model.osim"], "model file not found: /no/such/model.osim"),
        (["--seconds", "0"], "--seconds must be positive"),
    ],
)
def test_errors_print_one_line_exit_2_and_write_no_csv(capsys, tmp_path, args, message):
    out = tmp_path / "never.csv"
    assert main(["run", *args, "--csv", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("muscle_lab: error: ") and message in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_unreadable_model_file_is_an_error(capsys, tmp_path):
    bad = tmp_path / "bad.osim"
    bad.write_text("not xml at all", encoding="utf-8")
    assert main(["run", "--model", str(bad)]) == 2
    assert f"cannot load model {bad}" in capsys.readouterr().err


def test_main_py_run_prints_pure_json_on_stdout():
    result = subprocess.run(
        [sys.executable, "main.py", "run", "--preset", "relaxed", "--seconds", "0.05", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["steps"] == 5 and summary["done"] is False


def test_main_py_run_error_exits_2():
    result = subprocess.run(
        [sys.executable, "main.py", "run", "--excitations", "1,2,3"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip() == "muscle_lab: error: expected 19 excitations (one per muscle), got 3"
    assert result.stdout == ""


def test_preset_and_recording_commands_do_not_load_opensim():
    code = (
        "import sys, muscle_lab.cli, muscle_lab.core.recording.files, muscle_lab.core.recording.replay; "
        "print(sorted(m for m in sys.modules if m.startswith('opensim')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"  # `presets list` answers at once; OpenSim loads for `run` only


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--seconds", "nan"], "--seconds must be positive and finite, got nan"),
        (["run", "--seconds", "inf"], "--seconds must be positive and finite, got inf"),
        (["explore", "--seconds", "inf"], "--seconds must be positive and finite, got inf"),
        (["explore", "--seconds", "nan"], "--seconds must be positive and finite, got nan"),
        (["explore", "--level", "nan"], "--level must be in [0, 1], got nan"),
        (["explore", "--base", "-inf"], "--base must be in [0, 1], got -inf"),
        (["run", "--excitations", ""], "no excitations given"),
        (["run", "--excitations", "0_5" + ",0" * 18], "excitation 0 is not a number: '0_5'"),
        (
            ["run", "--excitations", "0,inf" + ",0" * 17],
            "excitation 1 (add_r) is inf; values must be finite numbers in [0, 1]",
        ),
    ],
)
def test_values_that_crashed_or_slipped_through_are_one_line_exit_2(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"muscle_lab: error: {message}\n")


def test_a_number_python_reads_oddly_is_a_one_line_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--seconds", "1_0"])  # float() reads 10
    assert exited.value.code == 2
    assert capsys.readouterr().err == "muscle_lab: error: argument --seconds: not a number: '1_0' (see run --help)\n"


def test_negative_excitations_are_taken_as_a_value_and_clipped(capsys):
    assert main(["run", "--excitations", "-1" + ",0" * 18, "--seconds", "0.02"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "muscle_lab: excitation 0 (abd_r) = -1 is outside [0, 1], clipped to 0\n"
    assert captured.out.startswith("2 steps, 0.02 s simulated")


def test_keep_locked_solves_the_locks_as_constraints_and_gives_the_same_run(capsys):
    welded = run_json(capsys, "--preset", "hip-thrust", "--seconds", "0.2")
    constrained = run_json(capsys, "--preset", "hip-thrust", "--seconds", "0.2", "--keep-locked")
    assert welded["steps"] == constrained["steps"] == 20
    assert constrained["final_pelvis_height"] == pytest.approx(welded["final_pelvis_height"], abs=1e-4)
    assert constrained["final_pelvis_height"] != welded["final_pelvis_height"]  # two models, really run
