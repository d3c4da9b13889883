"""Issue 20: controls files from other tools and hostile ones: CR-only line ends (Excel for Mac),
a byte-order mark, a field over the csv module's limit, hundreds of thousands of labels. Each is
read, or refused with one short line naming the file, in linear time."""

from __future__ import annotations

import time

import numpy as np
import pytest

from muscle_lab.core.recording.columns import Recording
from muscle_lab.core.recording.files import controls_text, write_controls, write_recording_csv
from muscle_lab.core.recording.replay import ReplayError, load_controls
from muscle_lab.core.simulation.engine import Simulation

MAX_ERROR_LINE = 2000  # characters: the message bar's line, not a 469 KB one


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A real 0.1 s run saved as a controls .sto and a `run --csv` table."""
    simulation = Simulation()
    recording = Recording.for_simulation(simulation)
    simulation.set_excitations(np.linspace(0.0, 0.5, len(simulation.muscle_names)))
    for _ in range(10):
        recording.append(simulation.step())
    folder = tmp_path_factory.mktemp("written")
    write_controls(folder / "run.sto", recording)
    write_recording_csv(folder / "run.csv", recording)
    return simulation.muscle_names, folder, recording


@pytest.mark.parametrize("suffix", [".sto", ".csv"])
@pytest.mark.parametrize("how", ["CR line ends", "CRLF line ends", "byte-order mark"])
def test_other_line_ends_and_a_byte_order_mark_read_as_the_original(written, tmp_path, suffix, how):
    muscle_names, folder, _ = written
    original = (folder / f"run{suffix}").read_bytes()
    changed = {
        "CR line ends": original.replace(b"\n", b"\r"),
        "CRLF line ends": original.replace(b"\n", b"\r\n"),
        "byte-order mark": b"\xef\xbb\xbf" + original,
    }[how]
    path = tmp_path / f"changed{suffix}"
    path.write_bytes(changed)
    expected = load_controls(folder / f"run{suffix}", muscle_names)
    schedule = load_controls(path, muscle_names)
    assert np.array_equal(schedule.times, expected.times)
    assert np.array_equal(schedule.excitations, expected.excitations)


def test_a_field_over_the_csv_modules_limit_is_refused_with_its_line(written, tmp_path):
    muscle_names, folder, _ = written
    lines = (folder / "run.csv").read_text().splitlines()
    fields = lines[2].split(",")
    fields[3] = "9" * 140_000
    lines[2] = ",".join(fields)
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReplayError) as caught:
        load_controls(path, muscle_names)
    assert str(caught.value).startswith(f"{path}: line 3: not a CSV row (field larger than field limit")


@pytest.mark.parametrize("suffix", [".sto", ".csv"])
@pytest.mark.parametrize("labels", ["repeated", "unknown"])
def test_many_labels_are_refused_quickly_with_a_short_line(written, tmp_path, suffix, labels):
    muscle_names, _, _ = written
    # 480k labels of one letter (the quadratic check took 95 s), or 60k that are no muscles (a 469 KB line)
    # (a CSV's labels are longer: fewer fit in its 1 MB line)
    count = {"repeated": 480_000, "unknown": 60_000}[labels] // (8 if suffix == ".csv" else 1)
    repeated = "x" if suffix == ".sto" else muscle_names[0]  # a CSV's unknown muscles are named first
    names = [repeated] * count if labels == "repeated" else [f"u{k}" for k in range(count)]
    path = tmp_path / f"labels{suffix}"
    if suffix == ".sto":
        path.write_text("controls\nendheader\ntime\t" + "\t".join(names) + "\n")
    else:
        path.write_text("time," + ",".join(f"excitation_{name}" for name in names) + "\n")
    started = time.perf_counter()
    with pytest.raises(ReplayError) as caught:
        load_controls(path, muscle_names)
    assert time.perf_counter() - started < 10.0
    message = str(caught.value)
    assert len(message) < MAX_ERROR_LINE
    if labels == "repeated":
        assert message.endswith(f"repeated columns: {repeated}" if suffix == ".sto" else f"excitation_{repeated}")
    else:
        assert message.endswith(f"u8, u9 and {count - 10} more")


def test_a_sto_named_endheader_can_be_replayed(written, tmp_path):
    muscle_names, folder, recording = written
    path = tmp_path / "endheader.sto"  # `run --sto out/endheader.sto` names the table after the file
    path.write_text(controls_text(recording, name=path.stem))
    schedule = load_controls(path, muscle_names)
    assert np.array_equal(schedule.excitations, load_controls(folder / "run.sto", muscle_names).excitations)
