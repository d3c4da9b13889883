"""The window driving the real simulation: sliders, run controls, keyboard, solo and mute."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QApplication, QLabel

from muscle_lab.core.excitations import ExcitationError

GLUT_MAX_R = 4


def test_window_has_a_slider_per_muscle_grouped_by_side_with_descriptions(window):
    rows = window.muscle_panel.rows
    assert len(rows) == 19
    assert [r.muscle.index for r in rows] == list(range(19))
    glut = rows[GLUT_MAX_R]
    assert "glut_max_r" in glut.label.text() and "right" in glut.label.text()
    assert (
        "extends the hip (in life it also turns the thigh outwards; this model locks hip rotation)"
        in glut.slider.toolTip()
    )
    assert window.muscle_panel.group_titles() == ["Right leg", "Left leg"]
    # Right and left legs side by side: the right group's slider is left of the left group's.
    right_x = glut.slider.mapTo(window, glut.slider.rect().topLeft()).x()
    left = rows[12].slider
    assert left.mapTo(window, left.rect().topLeft()).x() > right_x


def glut_max_r_colour(qtbot, view):
    """The colour the 3D view paints inside glut_max_r (found through the renderer's id image)."""
    view.repaint()
    ids = view.renderer.id_image()
    mask = ids == GLUT_MAX_R
    inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    rows, columns = np.nonzero(inner)
    assert rows.size, "glut_max_r is not visible in the 3D view"
    middle = rows.size // 2
    return view.grab().toImage().pixelColor(int(columns[middle]) + 1, int(rows[middle]) + 1)


def test_moving_a_slider_changes_the_next_frame_and_the_body_colour(qtbot, window, wait_for_step):
    view = window.body_view.view3d
    assert window.body_view.uses_3d, window.body_view.unavailable_reason
    qtbot.waitUntil(lambda: view.pose is not None and view.render_count > 0)
    before = glut_max_r_colour(qtbot, view)
    start = window.lab.latest_frame.step
    window.muscle_panel.rows[GLUT_MAX_R].slider.setValue(100)  # as a user drag ends
    assert window.muscle_panel.rows[GLUT_MAX_R].spin.value() == 1.0
    window.step()
    wait_for_step(window, start + 1)
    frame = window.lab.latest_frame
    assert frame.step == start + 1  # the very next step already uses the new value
    assert frame.excitations[GLUT_MAX_R] == 1.0
    assert frame.excitations.sum() == 1.0
    for _ in range(5):
        window.step()
    wait_for_step(window, start + 6)
    qtbot.waitUntil(lambda: view.pose is not None and view.pose.time >= 0.06 - 1e-9)
    assert view.pose.activations[GLUT_MAX_R] > 0.5
    after = glut_max_r_colour(qtbot, view)  # blue when off, red when on: the drawing shows it
    assert after.red() > before.red() + 60 and after.blue() < before.blue() - 60


def test_clicking_a_muscle_selects_its_slider_and_a_slider_highlights_its_muscle(qtbot, window):
    view = window.body_view.view3d
    qtbot.waitUntil(lambda: view.pose is not None and view.render_count > 0)
    view.repaint()
    ids = view.renderer.id_image()
    rows, columns = np.nonzero(ids == GLUT_MAX_R)
    assert rows.size
    from PyQt5.QtCore import QPoint, Qt

    qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(int(columns[rows.size // 2]), int(rows[rows.size // 2])))
    slider = window.muscle_panel.rows[GLUT_MAX_R].slider
    qtbot.waitUntil(slider.hasFocus)
    assert view.highlighted() == (GLUT_MAX_R,)
    window.muscle_panel.rows[7].slider.setFocus()
    qtbot.waitUntil(lambda: view.highlighted() == (7,))


def test_spin_box_edits_move_the_slider_and_reach_the_simulation(qtbot, window, wait_for_step):
    row = window.muscle_panel.rows[7]
    row.spin.setValue(0.25)
    assert row.slider.value() == 25
    start = window.lab.latest_frame.step
    window.step()
    wait_for_step(window, start + 1)
    assert window.lab.latest_frame.excitations[7] == pytest.approx(0.25)


def test_run_pause_step_and_reset(qtbot, window, wait_for_step):
    window.toolbars.speed_box.setCurrentIndex(1)  # as fast as possible
    window.apply_excitations(np.full(19, 0.05))
    with qtbot.waitSignal(window.controller.worker.runningChanged, check_params_cb=lambda r: r):
        window.run()
    wait_for_step(window, 10)
    with qtbot.waitSignal(window.controller.worker.runningChanged, check_params_cb=lambda r: not r):
        window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    paused_at = window.lab.latest_frame.step
    qtbot.wait(200)
    assert window.lab.latest_frame.step == paused_at  # nothing runs while paused
    window.step()
    wait_for_step(window, paused_at + 1)
    qtbot.wait(100)
    assert window.lab.latest_frame.step == paused_at + 1  # one step exactly
    window.reset()
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 0)
    assert window.lab.latest_frame.time == 0.0 and window.lab.latest_frame.total_reward == 0.0
    assert window.lab.latest_frame.excitations.tolist() == [0.05] * 19  # the sliders survive a reset


def test_keyboard_space_right_backspace(qtbot, window, wait_for_step):
    window.toolbars.speed_box.setCurrentIndex(1)
    window.activateWindow()
    window.muscle_panel.rows[0].slider.setFocus()
    qtbot.keyClick(window.muscle_panel.rows[0].slider, Qt.Key_Space)
    qtbot.waitUntil(lambda: window.lab.running)
    wait_for_step(window, 5)
    qtbot.keyClick(window.muscle_panel.rows[0].slider, Qt.Key_Space)
    qtbot.waitUntil(lambda: not window.lab.running)
    paused_at = window.lab.latest_frame.step
    qtbot.keyClick(window.muscle_panel.rows[0].slider, Qt.Key_Right)
    wait_for_step(window, paused_at + 1)
    qtbot.keyClick(window.muscle_panel.rows[0].slider, Qt.Key_Backspace)
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 0)


def test_go_to_a_muscle_by_its_index(qtbot, window, wait_for_step):
    window.activateWindow()
    window.muscle_panel.rows[0].slider.setFocus()
    qtbot.keyClick(window.muscle_panel.rows[0].slider, Qt.Key_1)  # typing digits starts "go to"
    qtbot.keyClick(window.toolbars.goto_edit, Qt.Key_7)
    qtbot.keyClick(window.toolbars.goto_edit, Qt.Key_Return)
    assert QApplication.focusWidget() is window.muscle_panel.rows[17].slider
    qtbot.keyClick(window, Qt.Key_G, Qt.ControlModifier)
    assert QApplication.focusWidget() is window.toolbars.goto_edit
    qtbot.keyClicks(window.toolbars.goto_edit, "3")
    qtbot.keyClick(window.toolbars.goto_edit, Qt.Key_Return)
    assert QApplication.focusWidget() is window.muscle_panel.rows[3].slider
    assert not window.go_to_muscle(19)
    assert "no muscle 19" in window.status.model_label.text()


def test_solo_mute_and_all_to_zero(qtbot, window, wait_for_step):
    window.apply_excitations(np.full(19, 0.3))
    window.set_solo(2)
    solo = window.muscle_panel.effective_excitations()
    assert np.flatnonzero(solo).tolist() == [2] and solo[2] == pytest.approx(0.3)
    window.step()
    wait_for_step(window, 1)
    assert np.flatnonzero(window.lab.latest_frame.excitations).tolist() == [2]

    window.set_solo(None)
    window.muscle_panel.rows[5].mute.setChecked(True)
    window.step()
    wait_for_step(window, 2)
    excitations = window.lab.latest_frame.excitations
    assert excitations[5] == 0.0 and excitations[6] == pytest.approx(0.3)
    assert window.muscle_panel.rows[5].value == pytest.approx(0.3)  # the slider keeps its value

    window.apply_excitations(np.zeros(19))
    window.set_solo(9)  # a solo on a muscle at 0 turns it fully on
    assert window.muscle_panel.rows[9].value == 1.0
    window.zero_all()
    assert window.toolbars.solo_box.currentIndex() == 0 and window.muscle_panel.soloed == ()
    assert window.current_excitations().tolist() == [0.0] * 19
    window.step()
    wait_for_step(window, 3)
    assert window.lab.latest_frame.excitations.sum() == 0.0


def test_apply_excitations_moves_every_slider_with_one_update(qtbot, window, wait_for_step):
    updates = []
    window.muscle_panel.excitationsChanged.connect(updates.append)
    values = np.linspace(0.0, 0.9, 19)
    window.apply_excitations(values)
    assert len(updates) == 1 and np.allclose(updates[0], values)
    assert np.allclose(window.current_excitations(), values)
    assert [r.slider.value() for r in window.muscle_panel.rows] == [round(v * 100) for v in values]
    with pytest.raises(ExcitationError, match="expected 19 excitations"):
        window.apply_excitations(np.zeros(3))
    with pytest.raises(ExcitationError, match="excitation 1"):
        window.apply_excitations(np.array([0.0, np.nan] + [0.0] * 17))
    assert np.allclose(window.current_excitations(), values)  # a refused vector changes nothing


def test_dock_panels_can_be_added_on_the_right(window):
    panel = QLabel("a panel")
    dock = window.panels.add_dock_panel("Presets", panel)
    assert window.dockWidgetArea(dock) == Qt.RightDockWidgetArea
    assert dock.widget() is panel
    assert dock.toggleViewAction() in window.menus.view_menu.actions()


def test_status_shows_time_reward_rate_and_state(qtbot, window, wait_for_step):
    window.toolbars.speed_box.setCurrentIndex(0)  # real time
    window.run()
    wait_for_step(window, 30)
    qtbot.waitUntil(lambda: window.lab.real_time_factor > 0)
    qtbot.waitUntil(
        lambda: "sim time" in window.status.time_label.text() and "running" in window.status.episode_label.text()
    )
    assert "total reward" in window.status.reward_label.text()
    assert "real-time factor" in window.status.rate_label.text()
    # Paced to the wall clock: never (much) faster than real time, though the fast mode could be.
    assert 0.0 < window.lab.real_time_factor < 1.2
    window.pause()
