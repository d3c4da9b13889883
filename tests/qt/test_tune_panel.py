"""The Tune tab in the real window: a tiny search to its end (the plot, the best played in the
body view beside the previous best, Save as preset), and Cancel leaving no search process."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt5.QtCore import Qt

from muscle_lab.core.presets.store import PresetStore
from muscle_lab.core.tune.state import Generation

SEARCH_TIMEOUT_MS = 180_000


def tiny(panel, budget: int = 9) -> None:
    panel.preset_box.setCurrentText("hip-thrust")
    panel.horizon_spin.setValue(0.1)
    panel.evaluations_spin.setValue(budget)
    panel.population_spin.setValue(4)
    panel.seed_spin.setValue(1)


def test_a_tiny_search_runs_to_its_end_plays_the_best_and_saves_it(qtbot, window):
    panel = window.panels.tune
    window.panels.tune_dock.raise_()
    tiny(panel)
    with qtbot.waitSignal(panel.searchEnded, timeout=SEARCH_TIMEOUT_MS) as ended:
        assert panel.start() is not None
    result = ended.args[0]
    assert result is not None and not result.cancelled, panel.status.text()
    assert result.evaluations == 9 and len(result.history) == 2
    assert result.best_score >= result.start_score
    xs, ys = panel.so_far_curve.getData()
    assert list(xs) == [1, 2] and ys[-1] == result.best_score
    assert panel.status.text().startswith("Done: total reward (round 1) over 0.1 s")
    stored = [e for e in window.lab.history.episodes if e.number < 0]
    assert any(e.label.startswith("tune: best so far") for e in stored)
    qtbot.waitUntil(lambda: panel.runner is None, timeout=10_000)
    assert panel.start_button.isEnabled()

    panel.name_edit.setText("tuned-in-window")
    assert panel.save_best() == "tuned-in-window"
    saved = PresetStore().get("tuned-in-window")
    assert saved.excitations == tuple(result.best.for_step(0))
    assert "tuned-in-window" in window.panels.presets.preset_names()


def test_cancel_ends_the_search_and_its_processes(qtbot, window):
    panel = window.panels.tune
    tiny(panel, budget=400)
    panel.horizon_spin.setValue(0.3)
    runner = panel.start()
    assert runner is not None
    with qtbot.waitSignal(runner.progressed, timeout=SEARCH_TIMEOUT_MS):  # a first run is done: the pool is up
        pass
    qtbot.waitUntil(lambda: runner.search is not None and bool(runner.search.pids()), timeout=SEARCH_TIMEOUT_MS)
    pids = runner.search.pids()
    with qtbot.waitSignal(panel.searchEnded, timeout=60_000) as ended:
        panel.cancel()
    assert ended.args[0] is not None and ended.args[0].cancelled
    qtbot.waitUntil(lambda: panel.runner is None, timeout=10_000)
    assert not [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    assert panel.status.text().startswith("Cancelled:")


def test_a_search_that_cannot_start_says_why(qtbot, window):
    panel = window.panels.tune
    panel.preset_box.setCurrentText("hip-thrust")
    panel.tune_box.setCurrentIndex(panel.tune_box.findData("phases"))
    with qtbot.waitSignal(panel.searchEnded, timeout=SEARCH_TIMEOUT_MS) as ended:
        assert panel.start() is not None
    assert ended.args[0] is None
    assert panel.status.text() == "The search failed: a constant preset has no phases to time: tune its values"
    qtbot.waitUntil(lambda: panel.runner is None, timeout=10_000)
    assert panel.start_button.isEnabled() and not panel.save_button.isEnabled()


def test_a_controllers_parameters_are_tuned_in_the_tab_and_saved(qtbot, window, tmp_path):
    from muscle_lab.core.simulation.controller_parameters import load_params_file, read_parameters
    from muscle_lab.core.tune.space import PARAMETERS
    from muscle_lab.examples import gait_pattern

    panel = window.panels.tune
    window.panels.tune_dock.raise_()
    assert panel.controller_row.isHidden() and not panel.preset_box.isHidden()
    panel.tune_box.setCurrentIndex(panel.tune_box.findData(PARAMETERS))
    assert panel.preset_box.isHidden() and not panel.controller_row.isHidden()
    assert panel.source_label.text() == "Controller"
    assert panel.save_button.text() == "Save parameters…"
    assert panel.start() is None and panel.status.text() == "Choose a controller file that declares PARAMETERS first."
    path = Path(gait_pattern.__file__)
    assert panel.controller_row.set_file(path)
    shown = panel.controller_row.parameters_label
    assert shown.text().startswith("gait_pattern.py, 11 parameters: frequency, start_phase, tone, hip_swing, ")
    assert shown.toolTip().splitlines()[1:3] == ["frequency: 0.9 in [0.4, 2]", "start_phase: 0.25 in [0, 1]"]
    tiny(panel, budget=5)
    with qtbot.waitSignal(panel.searchEnded, timeout=SEARCH_TIMEOUT_MS) as ended:
        assert panel.start() is not None
    result = ended.args[0]
    assert result is not None and result.controller == str(path), panel.status.text()
    assert result.evaluations == 5 and result.best_score >= result.start_score
    qtbot.waitUntil(lambda: panel.runner is None, timeout=10_000)
    saved = panel.save_parameters(tmp_path / "best.json")
    assert saved is not None
    assert load_params_file(saved, read_parameters(path)) == result.best_parameters


def test_a_file_without_parameters_and_the_posture_field(qtbot, window, tmp_path):
    from muscle_lab.core.tune.goal import POSTURE
    from muscle_lab.core.tune.space import PARAMETERS

    panel = window.panels.tune
    panel.tune_box.setCurrentIndex(panel.tune_box.findData(PARAMETERS))
    broken = tmp_path / "broken.py"
    broken.write_text("PARAMETERS = {'gain': (3, 0, 2)}\n")
    assert not panel.controller_row.set_file(broken)
    assert panel.controller_row.parameters_label.text() == (
        "Cannot tune broken.py: PARAMETERS['gain'] in broken.py: the initial value 3 is outside [0, 2]"
    )
    assert not panel.posture_edit.isEnabled()
    panel.goal_box.setCurrentIndex(panel.goal_box.findData(POSTURE))
    assert panel.posture_edit.isEnabled()
    panel.tune_box.setCurrentIndex(panel.tune_box.findData("values"))
    panel.posture_edit.setText("knee_angle_l=-30,knee=")
    assert panel.start() is None
    assert panel.status.text() == "posture entry 'knee=': '' is no number of degrees"
    panel.posture_edit.setText("knee=-30")
    with qtbot.waitSignal(panel.searchEnded, timeout=SEARCH_TIMEOUT_MS) as ended:
        assert panel.start() is not None
    assert ended.args[0] is None
    assert panel.status.text().startswith("The search failed: the model has no coordinate 'knee'; a posture names:")
    qtbot.waitUntil(lambda: panel.runner is None, timeout=10_000)


def test_the_goal_plot_keeps_the_best_values_range_when_the_mean_is_far_below(window):
    """A generation whose candidates fall at once has a mean hundreds below its best: the plot's
    range stays the best values' (the mean is drawn where it falls inside it)."""
    panel = window.panels.tune
    panel.plot_generation(Generation(1, 8, best=10.0, mean=-500.0, best_so_far=10.0, seconds=1.0))
    panel.plot_generation(Generation(2, 16, best=12.0, mean=-450.0, best_so_far=12.0, seconds=2.0))
    view = panel.plot_widget.getPlotItem().getViewBox()
    view.autoRange()
    low, high = view.viewRange()[1]
    assert 9.0 < low < 10.0 and 12.0 < high < 13.0


def test_the_posture_can_be_the_pose_the_body_view_shows(qtbot, window):
    """Pose the body (here a few steps of the hip thrust), go back to a step on the timeline and
    take its joint angles as the posture to reach: every joint that moves, to 0.1°, and a search
    accepts it."""
    from muscle_lab.core.tune.goal import POSTURE
    from muscle_lab.core.tune.posture import parse_posture

    panel = window.panels.tune
    panel.goal_box.setCurrentIndex(panel.goal_box.findData(POSTURE))
    window.apply_excitations([1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(len(window.muscle_panel.rows))])
    for _ in range(8):
        window.step()
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 8, timeout=30_000)
    window.lab.browser.show_step(5)
    shown = window.lab.browser.frame
    assert shown.step == 5
    qtbot.mouseClick(panel.posture_row.shown_button, Qt.LeftButton)
    posture = dict(parse_posture(panel.posture_edit.text()))
    info = window.lab.model_info
    moving = [name for name in info.joint_angle_names if name not in info.locked_joint_angles]
    assert list(posture) == moving and len(moving) >= 6
    for name, value in posture.items():
        assert value == pytest.approx(shown.joint_angles[info.joint_angle_names.index(name)], abs=0.05)
    assert panel.posture_edit.toolTip() == panel.posture_edit.text()
    assert panel.status.text() == "Posture: the shown pose at t = 0.05 s (episode 0)."
    settings = panel.settings()
    assert settings is not None and dict(settings.goal.posture) == posture
