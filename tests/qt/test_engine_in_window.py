"""The window says which engine runs faithful mode (issue 22): the compiled engine where the model
qualifies, OpenSim for the fast mode; the status bar follows a change of mode."""

from __future__ import annotations

from muscle_lab.core.engine_choice import ENGINE_VARIABLE
from muscle_lab.core.paths import HOME_ENV
from muscle_lab.qt.main_window import MainWindow
from tests.qt.conftest import MODEL_LOAD_TIMEOUT_MS


def test_the_status_bar_names_the_engine_and_follows_the_mode(qtbot, open_window, monkeypatch, compiled_home):
    monkeypatch.setenv(ENGINE_VARIABLE, "auto")  # the app's default (the suite runs on OpenSim)
    monkeypatch.setenv(HOME_ENV, str(compiled_home))  # the engine's C, built once a session
    window = open_window(mode="faithful")  # ready once the simulation process has its engine
    label = window.status.model_label
    assert label.text() == "compiled engine · gait14dof22musc_pros_20180507.osim: 19 muscles"
    assert label.toolTip() == label.text()  # whole where a narrow window cuts the label
    assert window.lab.engine == "compiled"
    window.toolbars.mode_box.setCurrentText("fast")  # De Groote-Fregly muscles: OpenSim only
    qtbot.waitUntil(lambda: label.text().startswith("OpenSim · "), timeout=60_000)
    window.toolbars.mode_box.setCurrentText("faithful")
    qtbot.waitUntil(lambda: label.text().startswith("compiled engine · "), timeout=60_000)


def test_the_status_bar_says_a_first_compile_while_it_runs(qtbot, tmp_path, monkeypatch):
    """A fresh cache: the window says it is compiling the model's equations while the simulation
    process does (here the compiler refuses, so the model then runs on OpenSim, saying why)."""
    monkeypatch.setenv(ENGINE_VARIABLE, "auto")
    compiler = tmp_path / "refusing-cc"
    compiler.write_text("#!/bin/sh\nsleep 1\nexit 1\n")  # the compile takes its time, then fails
    compiler.chmod(0o755)
    monkeypatch.setenv("CC", str(compiler))
    window = MainWindow(mode="faithful")
    qtbot.addWidget(window)
    window.panels.recording.ask_unsaved_on_close = lambda frames: "discard"
    try:
        window.show()
        label = window.status.episode_label
        qtbot.waitUntil(lambda: "compiling the model's equations" in label.text(), timeout=MODEL_LOAD_TIMEOUT_MS)
        assert "first time only, ~" in label.text() and "s so far)" in label.text()
        qtbot.waitUntil(lambda: window.lab.model_info is not None, timeout=MODEL_LOAD_TIMEOUT_MS)
        qtbot.waitUntil(lambda: "compiling" not in label.text(), timeout=10_000)
        assert window.lab.engine == "opensim"
        assert window.status.model_label.text().startswith("OpenSim · ")
    finally:
        window.close()


def test_the_window_keeps_the_compiled_engines_poses_as_states_and_draws_them(
    qtbot, open_window, wait_for_step, monkeypatch, compiled_home
):
    """Each step's pose crosses the pipe as the state it is drawn from (core.compiled.pose_layout):
    the history keeps those, the body view draws the live one and any step the timeline shows."""
    from muscle_lab.core.compiled.pose_layout import DeferredPose

    monkeypatch.setenv(ENGINE_VARIABLE, "auto")
    monkeypatch.setenv(HOME_ENV, str(compiled_home))
    window = open_window(mode="faithful")
    assert window.lab.engine == "compiled"
    for _ in range(6):
        window.step()
    wait_for_step(window, 6)
    episode = window.lab.history.current
    assert episode is not None and len(episode.poses) == 7
    assert all(isinstance(pose, DeferredPose) for pose in episode.poses[1:])  # the load's was read whole
    view = window.body_view.view3d
    qtbot.waitUntil(lambda: view.pose is not None and view.pose.time == 0.06, timeout=10_000)
    rendered = view.render_count
    window.lab.browser.show_step(2)
    qtbot.waitUntil(lambda: view.pose is episode.poses[2] and view.render_count > rendered, timeout=10_000)
    assert view.pose.body_positions.shape == (len(view.pose.body_names), 3)  # built in this process
    window.reset()  # a new episode's first pose comes with its frame, as the state too
    qtbot.waitUntil(lambda: window.lab.history.current is not episode, timeout=10_000)
    assert isinstance(window.lab.history.current.poses[0], DeferredPose)
