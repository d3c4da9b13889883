"""`run --preset` plays a sequence preset: each 0.01 s step gets the values at its start; the run's
controls file replays it exactly; `presets show` prints its phases."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from muscle_lab.cli import main
from muscle_lab.core.presets.store import PresetStore

THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


def run_json(capsys, *args: str) -> dict:
    assert main(["run", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_sequence_preset_plays_its_phases_and_replays_from_its_controls(capsys, tmp_path):
    table, sto, replayed = tmp_path / "run.csv", tmp_path / "run.sto", tmp_path / "replayed.csv"
    summary = run_json(
        capsys, "--preset", "thrust-then-catch", "--seconds", "0.2", "--csv", str(table), "--sto", str(sto)
    )
    assert summary["steps"] == 20
    with table.open() as stream:
        rows = list(csv.DictReader(stream))
    # steps 1-15 (0.00-0.14 s) thrust; from step 16 (starting at 0.15 s) the quadriceps
    assert [float(rows[i]["excitation_glut_max_r"]) for i in (0, 14, 15, 19)] == [1.0, 1.0, 0.0, 0.0]
    assert [float(rows[i]["excitation_vasti_r"]) for i in (0, 14, 15, 19)] == [0.0, 0.0, 1.0, 1.0]
    again = run_json(capsys, "--controls", str(sto), "--csv", str(replayed))
    assert again["total_reward"] == summary["total_reward"]
    assert replayed.read_text() == table.read_text()


def test_a_constant_preset_runs_as_before(capsys):
    by_preset = run_json(capsys, "--preset", "hip-thrust", "--seconds", "0.05")
    by_values = run_json(capsys, "--excitations", ",".join(f"{v:g}" for v in THRUST), "--seconds", "0.05")
    assert by_preset["total_reward"] == by_values["total_reward"]


def test_presets_show_prints_the_phases(capsys, tmp_path):
    assert main(["presets", "show", "thrust-then-catch"]) == 0
    out = capsys.readouterr().out
    assert "a sequence of 2 phases, 0.65 s" in out
    assert "0.15s" in out
    exported = tmp_path / "seq.json"
    assert main(["presets", "export", "thrust-then-catch", str(exported)]) == 0
    assert main(["presets", "import", str(exported), "--name", "mine"]) == 0
    capsys.readouterr()
    assert PresetStore().get("mine").sequence == PresetStore().get("thrust-then-catch").sequence
    assert json.loads(Path(exported).read_text())["schema_version"] == 2
