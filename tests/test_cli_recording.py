"""`run --mot/--sto` write OpenSim files; `run --controls` replays a recorded run headless."""

from __future__ import annotations

import json
from pathlib import Path

import opensim
import pytest

from muscle_lab.cli import main

FIXTURES = Path(__file__).parent / "core" / "fixtures" / "recordings"
HIP_THRUST = ",".join("1" if i in (2, 4, 10, 12) else "0" for i in range(19))


def run_json(capsys, *args: str) -> dict:
    assert main(["run", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_mot_and_sto_are_written_and_load_in_opensim(capsys, tmp_path):
    mot, sto = tmp_path / "thrust.mot", tmp_path / "thrust.sto"
    summary = run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.1", "--mot", str(mot), "--sto", str(sto))
    assert summary["steps"] == 10

    motion = opensim.TimeSeriesTable(str(mot))
    assert motion.getNumRows() == 10
    assert motion.getColumnLabel(0) == "pelvis_tilt"
    assert motion.getTableMetaDataAsString("inDegrees") == "yes"
    controls = opensim.Storage(str(sto))
    assert controls.getSize() == 11 and not controls.isInDegrees()
    assert controls.getLastTime() == pytest.approx(0.1)
    hamstrings = controls.getStateIndex("hamstrings_r")
    assert controls.getStateVector(5).getData().get(hamstrings) == 1.0


def test_controls_replay_the_recorded_run(capsys, tmp_path):
    sto, recorded_csv, replayed_csv = tmp_path / "r.sto", tmp_path / "recorded.csv", tmp_path / "replayed.csv"
    recorded = run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.15", "--sto", str(sto),
                        "--csv", str(recorded_csv))  # fmt: skip
    # --seconds defaults to the file's length when replaying.
    replayed = run_json(capsys, "--controls", str(sto), "--csv", str(replayed_csv))
    assert replayed["steps"] == recorded["steps"] == 15
    assert replayed["total_reward"] == recorded["total_reward"]
    assert replayed["final_pelvis_height"] == recorded["final_pelvis_height"]
    assert replayed_csv.read_text() == recorded_csv.read_text()


def test_a_csv_table_replays_too_and_seconds_can_extend_it(capsys, tmp_path):
    table = tmp_path / "run.csv"
    run_json(capsys, "--excitations", HIP_THRUST, "--seconds", "0.05", "--csv", str(table))
    summary = run_json(capsys, "--controls", str(table), "--seconds", "0.08")
    assert summary["steps"] == 8  # the last excitations hold after the file ends


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("wrong_muscles.sto", "columns that are not muscles of this model: quads_r"),
        ("non_monotonic.sto", "time is not increasing"),
        ("missing_header.sto", "no 'endheader' line"),
        ("nan.sto", "nan is not a finite number"),
    ],
)
def test_bad_controls_exit_2_and_write_nothing(capsys, tmp_path, name, message):
    outputs = [tmp_path / "never.csv", tmp_path / "never.mot", tmp_path / "never.sto"]
    args = ["--csv", str(outputs[0]), "--mot", str(outputs[1]), "--sto", str(outputs[2])]
    assert main(["run", "--controls", str(FIXTURES / name), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"muscle_lab: error: {FIXTURES / name}: ") and message in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_an_output_path_that_is_a_folder_fails_before_running(capsys, tmp_path):
    assert main(["run", "--seconds", "0.02", "--mot", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"muscle_lab: error: {tmp_path}: is a folder, not a file\n"


def test_controls_exclude_other_excitation_sources(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "--controls", "x.sto", "--preset", "hip-thrust"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
