"""The excitation editor in the real window: the mouse edits the lab's sequence, the next Run
plays the edit (the simulation's frames carry it), Record the sliders turns a run into a
sequence that saves as a preset and comes back whole, and the sliders show the sequence at the
playhead while the timeline shows history."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import MODEL_LOAD_TIMEOUT_MS
from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtTest import QTest

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.paths import osim_rl_models_dir
from muscle_lab.core.presets.store import PresetStore

GLUT_MAX_R, VASTI_R, ILIOPSOAS_L = 4, 7, 13


@pytest.fixture
def editor(qtbot, window):
    """The window with thrust-then-catch in the editor (not played), the Excitations page in front."""
    sequence = PresetStore().get("thrust-then-catch").sequence.reordered(window.lab.muscle_names)
    window.lab.set_sequence(sequence, "thrust-then-catch")
    window.plots_area.show_editor(True)
    tracks = window.editor.tracks
    qtbot.waitUntil(lambda: tracks.isVisible() and tracks.row_height() >= tracks.row_height_least() - 1)
    return window.editor


def point(tracks, time: float, row: int, value: float = 0.5) -> QPoint:
    return QPoint(round(tracks.x_of(time)), round(tracks.y_of(row, value)))


def drag(tracks, start: QPoint, end: QPoint, button=Qt.LeftButton) -> None:
    QTest.mousePress(tracks, button, Qt.NoModifier, start)
    QTest.mouseMove(tracks, end)
    QTest.mouseRelease(tracks, button, Qt.NoModifier, end)


def durations(window) -> list[float]:
    return [phase.duration for phase in window.lab.sequence.phases]


def episode_frames(window, frames, episode):
    return {frame.step: frame for frame in frames if frame.episode == episode}


def test_dragging_a_boundary_changes_the_durations_and_undo_takes_it_back(qtbot, window, editor):
    tracks = editor.tracks
    hints = []
    tracks.hinted.connect(hints.append)
    drag(tracks, point(tracks, 0.15, 0), point(tracks, 0.30, 0))
    assert durations(window) == pytest.approx([0.30, 0.35], abs=0.011)  # a pixel is under a step
    assert hints[-1].startswith("phase 1 and the next: ")
    assert editor.pending
    drag(tracks, point(tracks, window.lab.sequence.duration, 3), point(tracks, 0.9, 3))  # the end: the length
    assert window.lab.sequence.duration == pytest.approx(0.9, abs=0.011)
    editor.undo_action.trigger()
    editor.undo_action.trigger()
    assert durations(window) == [0.15, 0.5]


def test_a_phase_value_follows_the_mouse_clamped_to_0_1(qtbot, window, editor):
    tracks = editor.tracks
    drag(tracks, point(tracks, 0.05, VASTI_R, 0.0), point(tracks, 0.05, VASTI_R, 0.6))
    assert window.lab.sequence.phases[0].excitations[VASTI_R] == pytest.approx(0.6, abs=0.1)
    below = point(tracks, 0.4, GLUT_MAX_R, 0.0) + QPoint(0, 3 * round(tracks.row_height()))
    drag(tracks, point(tracks, 0.4, GLUT_MAX_R, 0.5), below)  # far below its row: 0
    assert window.lab.sequence.phases[1].excitations[GLUT_MAX_R] == 0.0
    assert window.lab.sequence.phases[1].excitations[VASTI_R] == 1.0  # the other rows are untouched


def test_phases_split_and_join_and_keyframes_are_added_moved_and_removed(qtbot, window, editor):
    tracks = editor.tracks
    QTest.mouseDClick(tracks, Qt.LeftButton, Qt.NoModifier, point(tracks, 0.4, 0))
    assert durations(window) == pytest.approx([0.15, 0.25, 0.25], abs=0.011)
    QTest.mouseClick(tracks, Qt.RightButton, Qt.NoModifier, point(tracks, window.lab.sequence.duration - 0.25, 0))
    assert durations(window) == [0.15, 0.5]

    editor.keyframes_action.trigger()
    assert window.lab.sequence.keyframes[ILIOPSOAS_L] == ((0.0, 0.0), (0.65, 0.0))
    QTest.mouseDClick(tracks, Qt.LeftButton, Qt.NoModifier, point(tracks, 0.3, ILIOPSOAS_L, 0.8))
    (time, value) = window.lab.sequence.keyframes[ILIOPSOAS_L][1]
    assert (time, value) == (pytest.approx(0.3, abs=0.011), pytest.approx(0.8, abs=0.1))
    drag(tracks, point(tracks, time, ILIOPSOAS_L, value), point(tracks, 0.5, ILIOPSOAS_L, 0.2))
    moved = window.lab.sequence.keyframes[ILIOPSOAS_L][1]
    assert moved == (pytest.approx(0.5, abs=0.011), pytest.approx(0.2, abs=0.1))
    QTest.mouseClick(tracks, Qt.RightButton, Qt.NoModifier, point(tracks, *moved[:1], ILIOPSOAS_L, moved[1]))
    assert window.lab.sequence.keyframes[ILIOPSOAS_L] == ((0.0, 0.0), (0.65, 0.0))
    QTest.mouseClick(tracks, Qt.LeftButton, Qt.NoModifier, point(tracks, 0.65, ILIOPSOAS_L, 0.0))
    assert tracks.selected == (ILIOPSOAS_L, 1)
    QTest.keyClick(tracks, Qt.Key_Delete)
    assert window.lab.sequence.keyframes[ILIOPSOAS_L] == ((0.0, 0.0),)


def test_an_edit_while_paused_is_what_the_next_run_plays(qtbot, window, editor, wait_for_step):
    tracks = editor.tracks
    frames = []
    window.lab.framesArrived.connect(frames.extend)
    drag(tracks, point(tracks, 0.15, 0), point(tracks, 0.05, 0))
    thrust = round(window.lab.sequence.phases[0].duration / STEP_SECONDS)
    assert thrust == pytest.approx(5, abs=1)
    window.run()
    qtbot.waitUntil(lambda: bool(frames) and frames[-1].step >= thrust + 5, timeout=20_000)
    played = episode_frames(window, frames, frames[-1].episode)
    assert played[thrust].excitations[GLUT_MAX_R] == 1.0 and played[thrust].excitations[VASTI_R] == 0.0
    assert played[thrust + 1].excitations[GLUT_MAX_R] == 0.0 and played[thrust + 1].excitations[VASTI_R] == 1.0
    assert not editor.pending
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    drag(tracks, point(tracks, 0.2, VASTI_R, 1.0), point(tracks, 0.2, VASTI_R, 0.0))  # the catch without vasti_r
    with qtbot.waitSignal(window.lab.batchArrived, timeout=20_000):
        window.reset()  # waits at the standing start
    window.step()
    window.step()
    qtbot.waitUntil(lambda: frames[-1].step == 2 and frames[-1].episode > played[1].episode, timeout=20_000)
    assert window.lab.replaying  # the edited pattern drives from the start
    window.run()
    qtbot.waitUntil(lambda: frames[-1].step >= thrust + 3, timeout=20_000)
    assert frames[-1].excitations[VASTI_R] == 0.0 and frames[-1].excitations[6] == 1.0


def test_record_the_sliders_then_save_the_take_as_a_preset(qtbot, window, wait_for_step):
    frames = []
    window.lab.framesArrived.connect(frames.extend)
    editor = window.editor
    editor.record_action.setChecked(True)
    window.run()
    wait_for_step(window, 3)
    window.muscle_panel.rows[GLUT_MAX_R].set_value(0.7)
    qtbot.waitUntil(lambda: frames[-1].excitations[GLUT_MAX_R] == 0.7, timeout=20_000)
    qtbot.waitUntil(lambda: frames[-1].step >= frames[0].step + 3 and frames[-1].step > 8, timeout=20_000)
    window.muscle_panel.rows[VASTI_R].set_value(0.4)
    qtbot.waitUntil(lambda: frames[-1].excitations[VASTI_R] == 0.4, timeout=20_000)
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    editor.record_action.setChecked(False)
    take = window.lab.sequence
    played = episode_frames(window, frames, frames[-1].episode)
    assert take.duration == pytest.approx(max(played) * STEP_SECONDS)
    assert [value for _, value in take.keyframes[GLUT_MAX_R]] == [0.0, 0.7, 0.7]
    for step, frame in played.items():  # the take plays what the run applied, step by step
        if step > 0:
            assert np.array_equal(take.for_step(step - 1), frame.excitations), step
    assert editor.pending  # Run or Reset plays the take
    assert editor.save_as_preset("my-take")
    assert PresetStore().get("my-take").sequence == take
    assert window.panels.presets.selected_preset().name == "my-take"
    editor.undo_action.trigger()
    assert window.lab.sequence is None  # before the take: nothing


def test_the_sliders_show_the_sequence_at_the_playhead(qtbot, window, wait_for_step):
    presets = window.panels.presets
    presets.select("thrust-then-catch")
    presets.apply_selected()
    wait_for_step(window, 25)
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    window.plots_area.show_editor(True)
    sliders, tracks = window.muscle_panel, window.editor.tracks
    window.lab.browser.show_step(10)
    assert tracks.playhead == pytest.approx(0.10)
    assert (sliders.slider_values()[GLUT_MAX_R], sliders.slider_values()[VASTI_R]) == (1.0, 0.0)
    window.lab.browser.show_step(20)
    assert (sliders.slider_values()[GLUT_MAX_R], sliders.slider_values()[VASTI_R]) == (0.0, 1.0)
    axis = window.editor.axis
    qtbot.waitUntil(lambda: axis.isVisible() and tracks.width() > 300)
    QTest.mouseClick(axis, Qt.LeftButton, Qt.NoModifier, QPoint(round(tracks.x_of(0.05)), 4))
    assert window.lab.browser.step == 5 and not window.lab.browser.live
    assert sliders.slider_values()[GLUT_MAX_R] == 1.0


def test_start_from_the_sliders_then_loop_and_ramp(qtbot, window):
    editor = window.editor
    assert editor.hint.full_text.startswith("No sequence yet")
    window.muscle_panel.rows[GLUT_MAX_R].set_value(0.3)
    editor.from_sliders_action.trigger()
    sequence = window.lab.sequence
    assert [p.duration for p in sequence.phases] == [1.0] and sequence.phases[0].excitations[GLUT_MAX_R] == 0.3
    editor.loop_action.trigger()
    assert window.lab.sequence.loop and editor.loop_action.isChecked()
    assert not editor.linear_action.isEnabled()  # phases step from one to the next
    editor.keyframes_action.trigger()
    editor.linear_action.trigger()
    assert window.lab.sequence.interpolation == "linear" and window.lab.sequence.loop
    for _ in range(3):
        editor.undo_action.trigger()
    assert window.lab.sequence == sequence


def test_another_model_gets_its_own_tracks_and_the_sequence_follows_its_muscles(qtbot, window):
    sequence = PresetStore().get("thrust-then-catch").sequence.reordered(window.lab.muscle_names)
    window.lab.set_sequence(sequence, "thrust-then-catch")
    with qtbot.waitSignal(window.lab.modelReady, timeout=MODEL_LOAD_TIMEOUT_MS):
        window.open_model(osim_rl_models_dir() / "gait9dof18musc_pros_20180507.osim")
    tracks = window.editor.tracks
    assert len(tracks.labels) == 15 and tracks.labels[0] == "0 hamstrings_r"
    assert window.lab.sequence.muscles == tuple(window.lab.muscle_names)
    assert window.lab.sequence.phases[0].excitations[0] == 1.0  # hamstrings_r's thrust, at its new index
    with qtbot.waitSignal(window.lab.modelReady, timeout=MODEL_LOAD_TIMEOUT_MS):
        window.open_model(osim_rl_models_dir() / "arm26.osim")
    assert len(tracks.labels) == 6 and window.lab.sequence is None  # no muscle in common
    assert window.editor.hint.full_text.startswith("No sequence yet")


def test_play_while_recording_plays_the_sequence_recorded_over(qtbot, window, editor):
    """Overdub: Play replays the sequence from the start while the take records it (and any
    slider moved over it)."""
    frames = []
    window.lab.framesArrived.connect(frames.extend)
    before = window.lab.sequence
    editor.record_action.setChecked(True)
    editor.play_action.trigger()
    qtbot.waitUntil(lambda: bool(frames) and frames[-1].step >= 20, timeout=20_000)
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    editor.record_action.setChecked(False)
    take = window.lab.sequence
    assert take.keyframes and take.duration >= 0.2
    for step in range(1, 20):
        assert np.array_equal(take.for_step(step), before.for_step(step)), step
    editor.undo_action.trigger()
    assert window.lab.sequence == before
