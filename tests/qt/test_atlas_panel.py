"""The atlas panel in the real window: a short atlas of the real model (fast mode, see conftest),
the cache, cancelling, playing a stored run, a joint's trace, and moment arms from the
window's simulation process."""

from __future__ import annotations

import multiprocessing
import shutil

import numpy as np
import pytest
from processes import child_pids
from PyQt5.QtCore import Qt

from muscle_lab.core.atlas.page import degrees_text, millimetres_text
from muscle_lab.core.atlas.runs import AtlasResult
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.simulation.moment_arms import MomentArms
from muscle_lab.qt.main_window import MainWindow

ATLAS_TIMEOUT_MS = 180_000
COORDINATES = (
    "hip_flexion_r", "hip_adduction_r", "knee_angle_r", "ankle_angle_r",
    "hip_flexion_l", "hip_adduction_l", "knee_angle_l", "ankle_angle_l",
)  # fmt: skip
ILIOPSOAS_R = 5


def run_atlas(qtbot, window: MainWindow, seconds: float = 0.05) -> AtlasResult:
    panel = window.panels.atlas
    window.panels.atlas_dock.raise_()
    panel.seconds_spin.setValue(seconds)
    with qtbot.waitSignal(panel.runEnded, timeout=ATLAS_TIMEOUT_MS):
        assert panel.start() is not None
    assert panel.result is not None, panel.status.text()
    return panel.result


def click_cell(qtbot, window: MainWindow, row: int, column: int) -> None:
    table = window.panels.atlas.table
    table.scrollToItem(table.item(row, column))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualItemRect(table.item(row, column)).center())


def test_the_atlas_fills_the_heat_map_and_the_second_look_comes_from_the_cache(qtbot, window):
    panel = window.panels.atlas
    assert panel.table.rowCount() == 19 and panel.table.item(0, 0) is None  # the muscles, before any atlas
    result = run_atlas(qtbot, window)
    assert result.settings.mode == "fast" and result.settings.model_path == str(window.lab.model_info.path)
    assert result.runs_computed == 20 and not result.from_cache
    assert "20 runs simulated in" in panel.status.text()
    table = panel.table
    assert (table.rowCount(), table.columnCount()) == (19, 10)
    assert table.coordinates == COORDINATES
    assert table.verticalHeaderItem(ILIOPSOAS_R).text() == "5 iliopsoas_r"
    assert table.horizontalHeaderItem(0).text() == "hip\nflex\nR"
    for row, effect in enumerate(result.effects):
        for column, coordinate in enumerate(COORDINATES):
            value = effect.joint_changes_deg[coordinate]
            item = table.item(row, column)
            assert item.text() == degrees_text(value)
            colour = item.background().color()
            if abs(value) >= 5:  # red for +, blue for -
                assert (colour.red() > colour.blue()) == (value > 0), (effect.name, coordinate, value)
            assert item.font().bold() == (coordinate == effect.main_joint)
        assert table.item(row, 8).text() == millimetres_text(effect.pelvis_change_m)
        fall = "-" if effect.fell_at is None else f"{effect.fell_at:.2f}"
        assert table.item(row, 9).text() == fall
    iliopsoas = result.effect(ILIOPSOAS_R)
    assert iliopsoas.main_joint == "hip_flexion_r" and iliopsoas.main_change_deg > 0  # it flexes the hip

    again = run_atlas(qtbot, window)
    assert again.from_cache and again.runs_from_cache == 20
    assert "from the cache" in panel.status.text()
    assert [e.sentence for e in again.effects] == [e.sentence for e in result.effects]


def test_cancel_mid_run_leaves_no_process(qtbot, window):
    panel = window.panels.atlas
    before, children = child_pids(), set(multiprocessing.active_children())
    panel.seconds_spin.setValue(0.5)
    runner = panel.start()
    assert runner is not None and panel.cancel_button.isEnabled() and not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=ATLAS_TIMEOUT_MS)  # steps are being simulated
    with qtbot.waitSignal(panel.runEnded, timeout=10_000):
        qtbot.mouseClick(panel.cancel_button, Qt.LeftButton)
    assert runner.atlas.cancelled and panel.result is None
    assert panel.status.text() == "Cancelled: no simulation process is left."
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert set(multiprocessing.active_children()) <= children
    assert child_pids() <= before  # the window's own simulation process is still there, nothing else

    # Quitting the app (aboutToQuit) cancels a running atlas and waits for it: nothing outlives it.
    runner = panel.start()
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=ATLAS_TIMEOUT_MS)
    panel.shut_down()
    assert runner.isFinished() and runner.atlas.cancelled
    assert set(multiprocessing.active_children()) <= children and child_pids() <= before
    qtbot.waitUntil(lambda: not panel.running)


def test_a_row_plays_its_stored_run_without_simulating_and_loads_its_pattern_when_asked(qtbot, window):
    result = run_atlas(qtbot, window, seconds=0.1)
    worker, history_view = window.controller.worker, window.history_view
    live, steps_started, latest = history_view.history.current, worker.steps_started, window.lab.latest_frame
    effect = result.effect(ILIOPSOAS_R)
    sliders = window.current_excitations().tolist()

    click_cell(qtbot, window, ILIOPSOAS_R, 0)
    assert window.current_excitations().tolist() == sliders  # a click never replaces the sliders
    window.panels.atlas.load_button.click()
    assert window.current_excitations().tolist() == effect.run.excitations.tolist()
    assert window.current_excitations()[ILIOPSOAS_R] == 1.0
    browser = history_view.browser
    shown = browser.episode
    assert shown.number < 0 and shown.label == "atlas: 5 iliopsoas_r alone"
    assert history_view.history.current is live  # the live episode stays where steps go
    assert browser.playback.playing and browser.step == 0
    assert [f.time for f in shown.frames] == [f.time for f in effect.run.frames]
    assert all(f.episode == shown.number for f in shown.frames)
    assert browser.ghost is not None and browser.ghost.label == "atlas: all at 0"
    assert window.panels.atlas.sentence.text().startswith(f"<b>{effect.sentence}")

    window.redraw_now()
    assert any(window.body_view.pose is pose for pose in effect.run.poses)
    qtbot.waitUntil(lambda: not browser.playback.playing, timeout=10_000)  # 0.1 s played at true speed
    window.redraw_now()
    assert window.body_view.pose is effect.run.poses[-1]
    status = window.status.episode_label.text()  # named in words, the live episode's state apart
    assert status.startswith("showing atlas: 5 iliopsoas_r alone, step 10 of 10 · live episode: "), status
    assert worker.steps_started == steps_started and window.lab.latest_frame is latest  # nothing was simulated

    click_cell(qtbot, window, 2, 0)  # another row replaces the stored runs
    numbers = [e.number for e in history_view.history.episodes]
    assert sum(n < 0 for n in numbers) == 2 and browser.episode.label == "atlas: 2 hamstrings_r alone"
    first = browser.episode
    click_cell(qtbot, window, 2, 1)  # the same row: its run is shown already
    assert browser.episode is first
    browser.go_live()
    click_cell(qtbot, window, 2, 1)  # back from live: the click plays it again
    assert browser.episode is not first and browser.episode.label == first.label and browser.playback.playing
    assert worker.steps_started == steps_started


def test_a_cell_plots_that_joint_for_that_muscle_against_the_base_run(qtbot, window):
    result = run_atlas(qtbot, window)
    panel = window.panels.atlas
    effect = result.effect(ILIOPSOAS_R)
    click_cell(qtbot, window, ILIOPSOAS_R, COORDINATES.index("knee_angle_r"))
    plot = panel.trace_plot
    assert plot.quantity == "knee_angle_r"
    times, angles = plot.curve.getData()
    expected_times, expected_angles = result.trace(effect.run, "knee_angle_r")
    np.testing.assert_array_equal(times, expected_times)
    np.testing.assert_array_equal(angles, expected_angles)
    np.testing.assert_array_equal(plot.base_curve.getData()[1], result.trace(result.baseline, "knee_angle_r")[1])
    assert plot.peak.value() == pytest.approx(effect.peak_times_s["knee_angle_r"])

    click_cell(qtbot, window, ILIOPSOAS_R, 8)  # the pelvis column: the pelvis height
    assert plot.quantity == "pelvis_height"
    np.testing.assert_array_equal(plot.curve.getData()[1], [f.pelvis_height for f in effect.run.frames])


def test_moment_arms_come_from_the_simulation_process_and_wait_for_a_pause(qtbot, window):
    panel, plots = window.panels.atlas, window.panels.atlas.arm_plots
    window.panels.atlas_dock.raise_()
    with qtbot.waitSignal(panel.momentArmsShown, timeout=20_000):
        panel.select(ILIOPSOAS_R)  # no atlas needed: the rows are the model's muscles
    arms = plots.arms
    assert isinstance(arms, MomentArms) and (arms.muscle_index, arms.muscle) == (ILIOPSOAS_R, "iliopsoas_r")
    assert arms.time == 0.0 and "at the simulation's pose, t = 0.00 s" in plots.note.text()
    flexion = arms.curve("hip_flexion_r")
    assert flexion.current_moment_arm_m > 0  # it flexes the hip: + is the direction it turns the joint
    assert set(plots.plots) == {c.coordinate for c in arms.curves if not c.locked} and "hip_flexion_r" in plots.plots
    arm_plot, length_plot = plots.plots["hip_flexion_r"]
    curve = arm_plot.listDataItems()[0]
    np.testing.assert_allclose(curve.getData()[1], flexion.moment_arms_m * 100)
    np.testing.assert_allclose(length_plot.listDataItems()[0].getData()[1], flexion.lengths_m * 100)

    # While the simulation runs it is not asked: the panel says so, then computes at the pause.
    window.apply_excitations(np.full(19, 0.05))  # stands for about a second
    window.toolbars.speed_box.setCurrentIndex(0)  # real time
    with qtbot.waitSignal(window.controller.worker.runningChanged, timeout=10_000):
        window.run()
    with qtbot.waitSignal(panel.momentArmsShown, timeout=10_000):
        panel.request_moment_arms()
    assert plots.arms is None and "pause it to compute" in plots.note.text()
    with qtbot.waitSignal(panel.momentArmsShown, timeout=20_000):
        window.pause()
    assert isinstance(plots.arms, MomentArms) and plots.arms.time > 0.0

    # The standing start, whatever pose the simulation has reached: the curves of t = 0.
    with qtbot.waitSignal(panel.momentArmsShown, timeout=20_000):
        panel.standing_box.setChecked(True)
    standing = plots.arms
    assert standing.time == 0.0 and "at the standing start" in plots.note.text()
    at_start = standing.curve("hip_flexion_r")
    assert at_start.current_moment_arm_m == pytest.approx(flexion.current_moment_arm_m, rel=1e-9)
    np.testing.assert_allclose(at_start.moment_arms_m, flexion.moment_arms_m, rtol=1e-9)


def test_a_model_file_gone_since_it_loaded_is_named_and_the_panel_can_run_again(qtbot, open_window, tmp_path):
    model = tmp_path / "gone.osim"
    shutil.copyfile(default_model_path(), model)
    window = open_window(model, mode="fast")
    model.unlink()
    panel = window.panels.atlas
    with qtbot.waitSignal(panel.runEnded, timeout=ATLAS_TIMEOUT_MS):
        panel.start()
    assert panel.status.text() == f"The atlas failed: model file not found: {model}"
    assert panel.result is None and panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()
