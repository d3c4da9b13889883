"""The recording panel: toggle, counting while recording, saving, clearing, replaying."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import opensim
import pytest

from muscle_lab.core.recording.columns import RecordingNames
from muscle_lab.core.recording.replay import ControlsSchedule
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.qt.panels.recording import RecordingPanel

FIXTURES = Path(__file__).parents[1] / "core" / "fixtures" / "recordings"


@pytest.fixture(scope="module")
def run():
    """Names and frames of a real 0.1 s run (made here, as the worker thread would)."""
    simulation = Simulation()
    simulation.set_excitations(np.linspace(0.0, 0.5, len(simulation.muscle_names)))
    frames = simulation.run(0.1)
    return RecordingNames.from_simulation(simulation), frames


@pytest.fixture
def panel(qtbot, run):
    widget = RecordingPanel(run[0])
    qtbot.addWidget(widget)
    return widget


def test_frames_count_only_while_recording(panel, run):
    frames = run[1]
    panel.add_frames(frames[:3])
    assert len(panel.recording) == 0 and panel.counter.text() == "0 steps (0.00 s)"
    panel.record_button.click()
    assert panel.is_recording and panel.record_button.text() == "Recording"
    panel.add_frames(frames[:4])
    panel.add_frames(frames[4:6])
    assert len(panel.recording) == 6 and panel.counter.text() == "6 steps (0.06 s)"
    panel.record_button.click()
    panel.add_frames(frames[6:])
    assert len(panel.recording) == 6 and not panel.is_recording


def test_a_reset_stops_recording_and_keeps_what_was_recorded(panel, run):
    frames = run[1]
    panel.set_recording(True)
    panel.add_frames(frames[:5])
    panel.add_frames(frames[:2])  # time went back: the simulation was reset
    assert not panel.is_recording
    assert len(panel.recording) == 5
    assert "Recording stopped" in panel.message.text()


@pytest.mark.parametrize("suffix", [".csv", ".mot", ".sto"])
def test_save_writes_the_format_of_the_extension(panel, run, tmp_path, suffix):
    target = tmp_path / f"run{suffix}"
    panel.choose_save_path = lambda: target
    panel.set_recording(True)
    panel.add_frames(run[1])
    assert panel.save_as() == target
    assert "Saved 10 steps" in panel.message.text()
    if suffix == ".csv":
        assert len(target.read_text().splitlines()) == 11
    else:
        assert opensim.Storage(str(target)).getSize() == (10 if suffix == ".mot" else 11)


def test_save_refuses_nothing_recorded_and_unknown_formats(panel, run, tmp_path):
    panel.choose_save_path = lambda: pytest.fail("no dialog when nothing is recorded")
    assert panel.save_as() is None
    assert "Nothing recorded yet" in panel.message.text()
    panel.set_recording(True)
    panel.add_frames(run[1])
    panel.choose_save_path = lambda: tmp_path / "run.txt"
    assert panel.save_as() is None
    assert "Not saved:" in panel.message.text() and "unknown format '.txt'" in panel.message.text()
    assert list(tmp_path.iterdir()) == []


def test_clear_forgets_the_frames(panel, run):
    panel.set_recording(True)
    panel.add_frames(run[1])
    panel.clear_button.click()
    assert len(panel.recording) == 0 and panel.counter.text() == "0 steps (0.00 s)"


def test_replay_emits_the_loaded_schedule(panel, run, qtbot, tmp_path):
    target = tmp_path / "run.sto"
    panel.choose_save_path = lambda: target
    panel.set_recording(True)
    panel.add_frames(run[1])
    panel.save_as()
    panel.choose_controls_path = lambda: target
    with qtbot.waitSignal(panel.replayRequested) as emitted:
        panel.replay_button.click()
    schedule = emitted.args[0]
    assert isinstance(schedule, ControlsSchedule)
    assert schedule.muscle_names == run[0].muscle_names and schedule.steps == 10
    np.testing.assert_array_equal(schedule.for_step(3), run[1][3].excitations)
    assert "Replaying 10 steps" in panel.message.text()


def test_a_bad_controls_file_is_a_message_and_no_signal(panel, qtbot):
    panel.choose_controls_path = lambda: FIXTURES / "non_monotonic.sto"
    with qtbot.assertNotEmitted(panel.replayRequested):
        panel.replay_button.click()
        qtbot.waitUntil(lambda: panel.loader is None)
    assert panel.message.text().startswith("Cannot replay: ")
    assert "time is not increasing" in panel.message.text()


def test_a_new_model_offers_to_save_unsaved_frames(panel, run, tmp_path):
    asked = []
    target = tmp_path / "before-switch.mot"
    panel.confirm_discard = lambda frames: asked.append(frames) or True
    panel.choose_save_path = lambda: target
    panel.set_recording(True)
    panel.add_frames(run[1])
    panel.set_model(run[0])
    assert asked == [10] and target.exists()
    assert len(panel.recording) == 0 and not panel.is_recording
    panel.set_model(run[0])  # nothing unsaved now: no question
    assert asked == [10]


def test_a_large_controls_file_is_read_off_the_gui_thread_and_can_be_cancelled(panel, run, qtbot, tmp_path):
    import threading

    from PyQt5.QtCore import Qt

    names = run[0].muscle_names
    big = tmp_path / "big.sto"
    row = "\t".join(["0.5"] * len(names))
    with big.open("w") as stream:  # ~40 MB: many progress reports
        stream.write(f"big\nversion=1\nnRows=400000\nnColumns={len(names) + 1}\ninDegrees=no\nendheader\n")
        stream.write("time\t" + "\t".join(names) + "\n")
        stream.writelines(f"{i * 0.01:.2f}\t{row}\n" for i in range(400_000))
    reports: list[tuple[int, float]] = []

    def first_report_cancels(fraction: float) -> None:  # runs in the reading thread
        reports.append((threading.get_ident(), fraction))
        panel.loader.cancel()

    panel.choose_controls_path = lambda: big
    with qtbot.assertNotEmitted(panel.replayRequested):
        panel.replay_button.click()
        assert panel.loader is not None and panel.cancel_button.isVisibleTo(panel)
        panel.loader.progressed.connect(first_report_cancels, Qt.DirectConnection)
        qtbot.waitUntil(lambda: panel.loader is None, timeout=60_000)
    assert reports and reports[0][0] != threading.main_thread().ident and 0 < reports[0][1] < 1
    assert panel.message.text() == "Cannot replay: reading big.sto was cancelled"
    assert not panel.cancel_button.isVisibleTo(panel) and panel.replay_button.isEnabled()


def test_the_save_dialog_offers_its_mot_name_under_the_motion_filter(panel, monkeypatch, tmp_path):
    asked = {}

    def dialog(parent, caption, name, filters, initial_filter=""):
        asked.update(name=name, filters=filters.split(";;"), initial=initial_filter)
        return str(tmp_path / "walk"), initial_filter

    monkeypatch.setattr("muscle_lab.qt.panels.recording.QFileDialog.getSaveFileName", dialog)
    chosen = panel.choose_save_path()
    assert asked["name"].endswith(".mot") and asked["initial"] == "OpenSim motion (*.mot)"
    assert asked["initial"] in asked["filters"]
    assert chosen == tmp_path / "walk.mot"  # a name typed without an extension takes the filter's
