"""Replaying recorded excitations: the replayed run retraces the recording; bad files are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.recording.columns import Recording
from muscle_lab.core.recording.files import storage_text, write_controls, write_recording_csv
from muscle_lab.core.recording.replay import ReplayError, load_controls, replay
from muscle_lab.core.simulation.engine import Simulation

FIXTURES = Path(__file__).parent / "fixtures" / "recordings"
MAX_HEIGHT_DEVIATION_M = 1e-6
MAX_ANGLE_DEVIATION_DEG = 1e-4


@pytest.fixture(scope="module")
def recorded():
    """A real 0.3 s run whose excitations switch at 0.1 s and 0.2 s, recorded."""
    simulation = Simulation()
    muscles = len(simulation.muscle_names)
    thrust = np.zeros(muscles)
    thrust[[2, 4, 10, 12]] = 1.0
    patterns = [np.full(muscles, 0.05), thrust, np.linspace(0.0, 0.6, muscles)]
    recording = Recording.for_simulation(simulation)
    for step in range(30):
        simulation.set_excitations(patterns[step // 10])
        recording.append(simulation.step())
    return simulation.muscle_names, recording, patterns


@pytest.mark.parametrize("suffix", [".sto", ".csv"])
def test_replay_retraces_the_recording(recorded, tmp_path, suffix):
    muscle_names, recording, _ = recorded
    path = tmp_path / f"run{suffix}"
    (write_controls if suffix == ".sto" else write_recording_csv)(path, recording)

    schedule = load_controls(path, muscle_names)
    assert schedule.steps == 30 and schedule.duration == pytest.approx(0.3)
    frames = replay(Simulation(), schedule)  # a fresh model from the same start

    assert len(frames) == len(recording)
    np.testing.assert_array_equal([f.excitations for f in frames], recording.excitations)
    height = np.abs(np.array([f.pelvis_height for f in frames]) - recording.pelvis_height).max()
    angles = np.abs(np.array([f.joint_angles for f in frames]) - recording.joint_angles).max()
    # The same integrator sees the same controls: measured 0.0 for both.
    assert height <= MAX_HEIGHT_DEVIATION_M
    assert angles <= MAX_ANGLE_DEVIATION_DEG


def test_schedule_holds_each_row_for_its_step_and_the_last_after_the_end(recorded, tmp_path):
    muscle_names, recording, patterns = recorded
    path = tmp_path / "run.sto"
    write_controls(path, recording)
    schedule = load_controls(path, muscle_names)
    np.testing.assert_array_equal(schedule.for_step(0), patterns[0])
    np.testing.assert_array_equal(schedule.for_step(9), patterns[0])
    np.testing.assert_array_equal(schedule.for_step(10), patterns[1])
    np.testing.assert_array_equal(schedule.excitations_at(0.199), patterns[1])
    np.testing.assert_array_equal(schedule.excitations_at(0.2), patterns[2])
    np.testing.assert_array_equal(schedule.excitations_at(5.0), patterns[2])
    np.testing.assert_array_equal(schedule.excitations_at(-1.0), patterns[0])


def test_columns_in_another_order_come_back_in_model_order(recorded, tmp_path):
    muscle_names, recording, patterns = recorded
    reversed_names = list(reversed(muscle_names))
    rows = np.column_stack([recording.start_time, recording.excitations[:, ::-1]])
    path = tmp_path / "reordered.sto"
    path.write_text(storage_text("reordered", ["time", *reversed_names], rows, in_degrees=False))
    schedule = load_controls(path, muscle_names)
    np.testing.assert_array_equal(schedule.for_step(25), patterns[2])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("wrong_muscles.sto", "columns that are not muscles of this model: quads_r"),
        ("missing_muscle.sto", "no column for the muscles tib_ant_l"),
        ("non_monotonic.sto", "time is not increasing at line 10 (t=0.01 after t=0.02)"),
        ("missing_header.sto", "no 'endheader' line: not an OpenSim controls (.sto) file"),
        ("nan.sto", "line 9, column 'glut_max_r': nan is not a finite number"),
        ("not_a_number.sto", "line 9, column 'hamstrings_r': 'high' is not a number"),
        ("short_row.sto", "line 9 has 18 values, expected 20"),
        ("out_of_range.sto", "line 9: excitation of add_r is 1.5, outside [0, 1]"),
        ("no_rows.sto", "no data rows"),
        ("wrong_muscles.csv", "excitation columns for muscles this model lacks: quads_r"),
        ("no_excitations.csv", "no 'excitation_<muscle>' columns: not a muscle_lab CSV table"),
    ],
)
def test_malformed_files_are_refused_with_the_file_and_the_reason(recorded, name, reason):
    muscle_names = recorded[0]
    path = FIXTURES / name
    before = path.read_bytes()
    with pytest.raises(ReplayError) as caught:
        load_controls(path, muscle_names)
    assert str(caught.value) == f"{path}: {reason}"
    assert path.read_bytes() == before  # the user's file is left as it was


def test_missing_and_binary_files_are_refused(recorded, tmp_path):
    muscle_names = recorded[0]
    with pytest.raises(ReplayError, match=r"absent\.sto: cannot read it: No such file"):
        load_controls(tmp_path / "absent.sto", muscle_names)
    binary = tmp_path / "binary.sto"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ReplayError, match=r"binary\.sto: not a text file"):
        load_controls(binary, muscle_names)


def test_a_schedule_for_other_muscles_is_refused(recorded, tmp_path):
    muscle_names, recording, _ = recorded
    path = tmp_path / "run.sto"
    write_controls(path, recording)
    schedule = load_controls(path, muscle_names)
    simulation = Simulation()
    renamed = type(schedule)(
        schedule.source, tuple(reversed(muscle_names)), schedule.times, schedule.excitations, schedule.end_time
    )
    with pytest.raises(ReplayError, match="its muscles are not this model's muscles"):
        replay(simulation, renamed)
    assert simulation.frame.step == 0  # nothing was stepped


def write_storage(path: Path, muscle_names, rows: int, dt: float = 0.01, tail: str = "") -> None:
    """A .sto of `rows` rows, all excitations 0.25 (made fast: one formatted block)."""
    values = "\t0.25" * len(muscle_names)
    header = f"controls\nversion=1\nnRows={rows}\nnColumns={len(muscle_names) + 1}\ninDegrees=no\nendheader\n"
    body = "".join(f"{k * dt:.6f}{values}\n" for k in range(rows))
    path.write_text(header + "time\t" + "\t".join(muscle_names) + "\n" + body + tail)


def test_reading_stops_at_until(recorded, tmp_path):
    muscle_names = recorded[0]
    path = tmp_path / "long.sto"
    write_storage(path, muscle_names, rows=30, tail="0.5\tbroken row\n")  # never read with until <= 0.29
    schedule = load_controls(path, muscle_names, until=0.1)
    assert schedule.complete is False
    assert schedule.times.tolist() == pytest.approx([k * 0.01 for k in range(11)])  # up to the row at 0.1
    np.testing.assert_array_equal(schedule.for_step(9), np.full(len(muscle_names), 0.25))
    with pytest.raises(ReplayError, match=r"line 38 has 3 values, expected 20"):
        load_controls(path, muscle_names)  # the whole file


def test_a_csv_table_stops_at_until_in_its_own_time(recorded, tmp_path):
    muscle_names, recording, _ = recorded
    path = tmp_path / "run.csv"
    write_recording_csv(path, recording)
    schedule = load_controls(path, muscle_names, until=0.05)
    assert schedule.complete is False and schedule.times[-1] == pytest.approx(0.05)  # row 0.06 holds from 0.05
    whole = load_controls(path, muscle_names)
    assert whole.complete is True and whole.end_time == pytest.approx(0.3)
    np.testing.assert_array_equal(schedule.excitations, whole.excitations[: len(schedule.times)])


def test_progress_reports_bytes_and_can_cancel(recorded, tmp_path):
    muscle_names = recorded[0]
    path = tmp_path / "big.sto"
    write_storage(path, muscle_names, rows=40_000)
    size = path.stat().st_size
    assert size > 3 * 2**20
    calls: list[tuple[int, int]] = []
    schedule = load_controls(path, muscle_names, progress=lambda done, total: calls.append((done, total)))
    assert len(schedule.times) == 40_000
    assert len(calls) >= 3 and calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)

    class Cancelled(Exception):
        pass

    def cancel(done: int, total: int) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        load_controls(path, muscle_names, progress=cancel)


def test_a_line_without_end_is_refused_without_reading_it_whole(recorded, tmp_path):
    path = tmp_path / "one_line.sto"
    path.write_bytes(b"x" * (3 * 2**20))
    with pytest.raises(ReplayError) as caught:
        load_controls(path, recorded[0])
    assert str(caught.value) == f"{path}: line 1 is longer than 1048576 bytes"


def test_a_folder_is_not_a_controls_file(recorded, tmp_path):
    with pytest.raises(ReplayError) as caught:
        load_controls(tmp_path, recorded[0])
    assert str(caught.value) == f"{tmp_path}: not a regular file (a folder)"


def test_a_replay_after_another_episode_retraces_the_recording_bit_for_bit(recorded, tmp_path):
    muscle_names, recording, _ = recorded
    path = tmp_path / "run.sto"
    write_controls(path, recording)
    simulation = Simulation()
    simulation.set_excitations(np.linspace(1.0, 0.0, len(muscle_names)))  # a different episode first
    simulation.run(0.15)
    simulation.reset()  # its last excitations are still set: they must not leak into the replay
    frames = replay(simulation, load_controls(path, muscle_names))
    np.testing.assert_array_equal([f.pelvis_height for f in frames], recording.pelvis_height)
    np.testing.assert_array_equal([f.joint_angles for f in frames], recording.joint_angles)
    np.testing.assert_array_equal([f.activations for f in frames], recording.activations)
