"""Episode end, integration failure and model loading in the real window."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import MODEL_LOAD_TIMEOUT_MS

from muscle_lab.core.paths import default_model_path, osim_rl_models_dir
from muscle_lab.core.presets.store import excitations_from_preset
from muscle_lab.qt.main_window import MainWindow


def hip_thrust(window: MainWindow) -> np.ndarray:
    values, _ = excitations_from_preset("hip-thrust", [r.muscle.name for r in window.muscle_panel.rows])
    return values


def test_episode_end_pauses_and_is_marked(qtbot, window):
    window.toolbars.speed_box.setCurrentIndex(1)
    window.apply_excitations(hip_thrust(window))
    with qtbot.waitSignal(window.controller.worker.episodeEnded, timeout=60_000) as ended:
        window.run()
    end = ended.args[0]
    assert end.done and end.pelvis_height < 0.6
    qtbot.waitUntil(lambda: not window.lab.running)
    qtbot.waitUntil(lambda: window.plot_panel.end_markers != [])
    assert window.plot_panel.end_markers == [pytest.approx(end.time)]
    assert window.lab.latest_frame.step == end.step  # paused on the frame that ended it
    window.redraw_now()
    assert "ended: fell at t = " + f"{end.time:.2f}" in window.status.episode_label.text()
    assert "paused" in window.status.episode_label.text()
    x, height = window.plot_panel.curve_data("pelvis", "pelvis height")
    assert height[-1] == pytest.approx(end.pelvis_height) and x[-1] == pytest.approx(end.time)
    # Run again: a new episode starts from standing (and, unchanged, ends the same way).
    steps: list[int] = []
    window.controller.worker.framesReady.connect(lambda frames: steps.extend(f.step for f in frames))
    window.run()
    qtbot.waitUntil(lambda: 0 in steps and 1 in steps)


def test_episode_end_can_reset_by_itself(qtbot, window):
    window.toolbars.speed_box.setCurrentIndex(1)
    window.toolbars.end_box.setCurrentIndex(1)  # reset and go on
    window.apply_excitations(hip_thrust(window))
    steps: list[int] = []
    window.controller.worker.framesReady.connect(lambda frames: steps.extend(f.step for f in frames))
    with qtbot.waitSignal(window.controller.worker.episodeEnded, timeout=60_000) as ended:
        window.run()
    # It goes on running from t = 0: the plots start again at 0, the ended episode is the ghost.
    end = ended.args[0]
    end_at = end.step
    qtbot.waitUntil(lambda: end_at in steps and 5 in steps[steps.index(end_at) :])
    assert steps[steps.index(end_at) + 1] == 0
    assert window.lab.running
    window.redraw_now()
    assert "running again; the last ended: fell at t = " in window.status.episode_label.text()
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    window.redraw_now()
    history = window.history_view.history
    assert history.get(end.episode).trace.end_time == pytest.approx(end.time)
    assert history.current.number == end.episode + 1
    x, _ = window.plot_panel.curve_data("pelvis", "pelvis height")
    assert x[0] == 0.0 and np.all(np.diff(x) > 0)
    assert window.plot_panel.end_markers == []  # this episode has not ended
    assert window.plot_panel.ghost_end_markers == [pytest.approx(end.time)]


def test_a_model_that_fails_to_load_keeps_the_current_one(qtbot, window, tmp_path, wait_for_step):
    broken = tmp_path / "broken.osim"
    broken.write_text("<OpenSimDocument><Model name='x'><BodySet>", encoding="utf-8")
    with qtbot.waitSignal(window.controller.worker.modelFailed, timeout=MODEL_LOAD_TIMEOUT_MS) as failed:
        window.open_model(broken)
    assert "cannot load model" in failed.args[0] and "broken.osim" in failed.args[0]
    qtbot.waitUntil(lambda: "still using gait14dof22musc_pros_20180507.osim" in window.message_bar.text)
    assert "cannot load model" in window.message_bar.text
    assert window.lab.model_info.path == default_model_path()
    assert len(window.muscle_panel.rows) == 19
    start = window.lab.latest_frame.step
    window.step()
    wait_for_step(window, start + 1)  # the old model still steps

    with qtbot.waitSignal(window.controller.worker.modelFailed, timeout=MODEL_LOAD_TIMEOUT_MS) as missing:
        window.open_model(tmp_path / "nowhere.osim")
    assert "model file not found" in missing.args[0]


def test_opening_another_model_rebuilds_sliders_plots_and_body(qtbot, window):
    other = osim_rl_models_dir() / "gait9dof18musc_pros_20180507.osim"
    with qtbot.waitSignal(window.lab.modelReady, timeout=MODEL_LOAD_TIMEOUT_MS):
        window.open_model(other)
    assert window.lab.model_info.path == other
    names = [r.muscle.name for r in window.muscle_panel.rows]
    assert len(names) == 15 and names[0] == "hamstrings_r"
    assert window.muscle_panel.group_titles() == ["Right leg", "Left leg"]
    assert window.toolbars.solo_box.count() == 16
    qtbot.waitUntil(lambda: window.body_view.pose is not None and len(window.body_view.pose.muscle_paths) == 15)
    curves = window.plot_panel._curves  # noqa: SLF001  the curves it made, in order
    assert [(c.plot, c.label) for c, _ in curves][:3] == [
        ("right", "hip flexion"),
        ("right", "knee"),
        ("right", "ankle"),
    ]
    # This model starts with its pelvis at 0 m: no episode end to detect (and stepping it from
    # inside the ground is very slow, so it is not stepped here).
    qtbot.waitUntil(lambda: window.lab.latest_frame is not None)
    window.redraw_now()
    assert "no episode end" in window.status.episode_label.text()


def test_an_arm_model_without_sides_gets_one_group_and_steps(qtbot, window, wait_for_step):
    with qtbot.waitSignal(window.lab.modelReady, timeout=MODEL_LOAD_TIMEOUT_MS):
        window.open_model(osim_rl_models_dir() / "arm26.osim")
    assert [r.muscle.name for r in window.muscle_panel.rows][:2] == ["TRIlong", "TRIlat"]
    assert window.muscle_panel.group_titles() == ["Muscles"]
    curves = window.plot_panel._curves  # noqa: SLF001  the curves it made, in order
    assert [c.label for c, _ in curves][:2] == ["r shoulder elev", "r elbow flex"]
    window.muscle_panel.rows[3].slider.setValue(50)  # BIClong
    window.step()
    wait_for_step(window, 1)
    assert window.lab.latest_frame.excitations.tolist() == [0, 0, 0, 0.5, 0, 0]
    qtbot.waitUntil(lambda: window.body_view.pose is not None and len(window.body_view.pose.muscle_paths) == 6)
    window.redraw_now()
    _, elbow = window.plot_panel.curve_data("other", "r elbow flex")
    assert elbow.size == 2  # the reset frame and one step


def test_integration_failure_offers_reset_and_the_window_keeps_working(qtbot, open_window, tmp_path, wait_for_step):
    # A NaN tendon slack length makes the fast (CPodes) integrator fail at the first step.
    text = default_model_path().read_text(encoding="utf-8")
    text = re.sub(r"<tendon_slack_length>[^<]*<", "<tendon_slack_length>nan<", text, count=1)
    broken = tmp_path / "nan_tendon.osim"
    broken.write_text(text, encoding="utf-8")
    window = open_window(broken, mode="fast")
    with qtbot.waitSignal(window.controller.worker.simulationFailed, timeout=30_000) as failed:
        window.run()
    assert "integration failed at t=0.01 s" in failed.args[0]
    qtbot.waitUntil(lambda: "The simulation failed" in window.message_bar.text)
    assert not window.message_bar.reset_button.isHidden()
    qtbot.waitUntil(lambda: not window.lab.running)
    window.redraw_now()
    assert "failed" in window.status.episode_label.text()
    failed_episode = window.history_view.history.current
    assert failed_episode.ended and failed_episode.frames[-1].error  # the failure is filed with its step
    assert not window.timeline.branch_button.isEnabled()  # not from the step that failed...
    with qtbot.waitSignal(window.controller.worker.branched, timeout=30_000) as branched:
        window.continue_from(failed_episode.number, 0)  # ...but from an earlier one: the states are alive
    assert branched.args[0].frame.error is None and branched.args[0].frame.step == 0
    window.message_bar.reset_button.click()  # the offered reset
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 0 and window.lab.latest_frame.error is None)
    assert window.message_bar.text == ""
    with qtbot.waitSignal(window.lab.modelReady, timeout=MODEL_LOAD_TIMEOUT_MS):
        window.open_model(default_model_path())
    window.step()
    wait_for_step(window, 1)
    assert window.lab.latest_frame.error is None


def test_the_time_limit_toggle_reaches_the_simulation_process_and_is_saved(qtbot, window):
    """The 300th step's end itself is tested in tests/core/test_reward.py (a restored step 299)."""
    sim = window.controller.worker._sim  # noqa: SLF001  the simulation process the worker drives
    assert window.toolbars.time_limit_box.isChecked() and sim._time_limit  # noqa: SLF001  osim-rl's default
    window.toolbars.time_limit_box.setChecked(False)
    qtbot.waitUntil(lambda: not sim._time_limit)  # noqa: SLF001
    window.step()  # the process takes the switch one way, before this step
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 1 and window.lab.latest_frame.end_reason is None)
    from muscle_lab.qt.window.settings import collect_settings

    assert collect_settings(window, window.lab)["time_limit"] is False
