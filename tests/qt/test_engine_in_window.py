"""The window says which engine runs faithful mode (issue 22): the compiled engine where the model
qualifies, OpenSim for the fast mode; the status bar follows a change of mode."""

from __future__ import annotations

from muscle_lab.core.engine_choice import ENGINE_VARIABLE
from muscle_lab.core.paths import HOME_ENV


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
