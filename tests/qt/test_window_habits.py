"""What a user trips on in the real window: focus in number boxes, unsaved recordings on close,
messages that outlive their situation, and choices forgotten between launches."""

from __future__ import annotations

import json

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication

from muscle_lab.core.settings import settings_path
from muscle_lab.qt.main_window import BODY_LEAST_HEIGHT, MainWindow

MODEL_LOAD_TIMEOUT_MS = 60_000


def test_enter_leaves_a_number_box_and_space_runs_again(qtbot, window):
    window.activateWindow()
    box = window.toolbars.window_spin
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "5")
    qtbot.keyClick(box.lineEdit(), Qt.Key_Return)
    qtbot.waitUntil(lambda: not box.hasFocus())
    assert box.value() == 5.0  # Enter committed what was typed
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Space)  # a shortcut again, not an edit
    qtbot.waitUntil(lambda: window.lab.running, timeout=10_000)
    assert box.value() == 5.0
    window.pause()


def test_escape_leaves_a_slider_value_box_and_a_click_on_the_plots_takes_focus(qtbot, window):
    spin = window.muscle_panel.rows[3].spin
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    qtbot.keyClick(spin.lineEdit(), Qt.Key_Escape)
    qtbot.waitUntil(lambda: not spin.hasFocus())
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    qtbot.mouseClick(window.plot_panel, Qt.LeftButton)
    qtbot.waitUntil(lambda: not spin.hasFocus())


def test_closing_with_an_unsaved_recording_asks_and_cancel_keeps_the_window(qtbot, window, wait_for_step, tmp_path):
    recording = window.panels.recording
    recording.set_recording(True)
    window.step()
    window.step()
    wait_for_step(window, 2)
    qtbot.waitUntil(lambda: len(recording.recording) == 2)
    asked = []
    recording.ask_unsaved_on_close = lambda frames: asked.append(frames) or "cancel"
    window.close()
    assert asked == [2] and window.isVisible()  # nothing lost, the window stays
    saved = tmp_path / "kept.csv"
    recording.ask_unsaved_on_close = lambda frames: "save"
    recording.choose_save_path = lambda: saved
    window.close()
    assert not window.isVisible()
    assert len(saved.read_text().splitlines()) == 3  # header and the two steps


def test_a_load_failure_message_goes_away_after_a_successful_load(qtbot, window, tmp_path):
    from muscle_lab.core.paths import default_model_path

    broken = tmp_path / "broken.osim"
    broken.write_text("<OpenSimDocument><Model name='x'>")
    with qtbot.waitSignal(window.controller.worker.modelFailed, timeout=MODEL_LOAD_TIMEOUT_MS):
        window.open_model(broken)
    qtbot.waitUntil(lambda: "still using" in window.message_bar.text)
    with qtbot.waitSignal(window.lab.modelReady, timeout=MODEL_LOAD_TIMEOUT_MS):
        window.open_model(default_model_path())
    assert window.message_bar.text == ""


def test_choices_are_kept_between_launches(qtbot, open_window):
    first = open_window(mode="fast")
    first.toolbars.speed_box.setCurrentIndex(1)
    first.toolbars.end_box.setCurrentIndex(1)
    first.toolbars.window_spin.setValue(4.0)
    first.resize(1100, 760)
    first.close()
    saved = json.loads(settings_path().read_text())
    assert saved["mode"] == "fast" and saved["real_time"] is False and saved["plot_window_seconds"] == 4.0

    second = open_window()  # no mode given: the last one used
    assert second.toolbars.mode_box.currentText() == "fast"
    assert second.lab.model_info.mode == "fast"
    assert second.toolbars.speed_box.currentIndex() == 1 and second.toolbars.end_box.currentIndex() == 1
    assert second.toolbars.window_spin.value() == 4.0 and second.plot_panel.window_seconds == 4.0
    assert (second.width(), second.height()) == (1100, 760)


def test_a_corrupt_settings_file_is_reported_and_the_window_starts(qtbot, open_window):
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    window = open_window(mode="fast")
    assert "using the default settings" in window.message_bar.text
    assert path.with_name("settings.json.bak").read_text() == "{not json"
    window.apply_excitations(np.full(19, 0.05))  # and it works
    assert window.current_excitations().tolist() == [0.05] * 19


def cut_off_plots(window: MainWindow) -> list[str]:
    """The plots not wholly inside the plot area's view."""
    graphics = window.plot_panel._graphics  # noqa: SLF001
    view = graphics.viewport().rect()
    return [
        key
        for key, plot in window.plot_panel._plots.items()  # noqa: SLF001
        if not view.contains(graphics.mapFromScene(plot.sceneBoundingRect()).boundingRect())
    ]


def test_everything_fits_a_1024_by_700_window(qtbot, open_window):
    window = open_window(mode="fast")
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024 and window.muscle_panel.columns == 1)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 700
    qtbot.waitUntil(lambda: not cut_off_plots(window))
    # In the offscreen platform's 12 pt font (test_window_geometry checks the usual 9 pt): the
    # body keeps its least height, the plots the rest.
    assert window.plot_panel.height() > 250 and window.body_view.height() >= BODY_LEAST_HEIGHT
    window.resize(1500, 950)
    qtbot.waitUntil(lambda: window.muscle_panel.columns == 2 and not cut_off_plots(window))


def test_the_window_starts_whatever_lies_in_the_presets_folder(qtbot, open_window, isolated_user_data):
    import os

    presets = isolated_user_data / "presets"
    presets.mkdir(parents=True)
    (presets / "deep.json").write_text("[" * 100_000)
    (presets / "digits.json").write_text("1" * 5000)
    (presets / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(presets / "p.json")
    window = open_window(mode="fast")
    assert window.isVisible() and "hip-thrust" in window.panels.presets.preset_names()
    warning = window.panels.presets.warning_label.text()  # each file named with its reason
    assert "Skipped 4 unreadable preset file(s)" in warning
    assert "not a regular file (a FIFO)" in warning and "not a regular file (a character device)" in warning
    assert "nested more than 64 levels deep" in warning and "more than 4300 digits" in warning
