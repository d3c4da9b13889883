"""The window's simulation runs in a child process: its death, and mode switches, in the real window."""

from __future__ import annotations

import os
import signal

import numpy as np


def run_steps(window, wait_for_step, steps: int) -> None:
    start = window.lab.latest_frame.step
    for _ in range(steps):
        window.step()
    wait_for_step(window, start + steps)


def test_a_dead_simulation_process_is_reported_and_reset_starts_a_new_one(qtbot, window, wait_for_step):
    worker = window.controller.worker
    first_pid = worker.simulation_pid
    os.kill(first_pid, signal.SIGKILL)  # as if OpenSim crashed
    with qtbot.waitSignal(worker.simulationFailed, timeout=10_000) as failed:
        window.step()
    assert "the simulation process stopped unexpectedly" in failed.args[0]
    qtbot.waitUntil(lambda: "The simulation failed" in window.message_bar.text)
    assert window.message_bar.reset_button.isVisible()

    window.message_bar.reset_button.click()  # what the user does
    qtbot.waitUntil(lambda: worker.simulation_pid not in (None, first_pid), timeout=30_000)
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 0 and window.lab.latest_frame.error is None)
    run_steps(window, wait_for_step, 3)
    assert window.lab.latest_frame.error is None and window.lab.latest_frame.pelvis_height > 0.9


def test_switching_mode_swaps_the_muscle_model(qtbot, window, wait_for_step):
    window.apply_excitations(np.zeros(19))
    window.toolbars.mode_box.setCurrentText("faithful")  # Thelen muscles: activation never below 0.01
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 0, timeout=30_000)
    run_steps(window, wait_for_step, 20)
    assert window.lab.latest_frame.activations.min() >= 0.01 - 1e-9
    window.toolbars.mode_box.setCurrentText("fast")  # De Groote-Fregly muscles decay towards 0
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 0, timeout=30_000)
    run_steps(window, wait_for_step, 20)
    assert window.lab.latest_frame.activations.max() < 0.005


def test_the_window_process_never_loads_opensim():
    import subprocess
    import sys

    code = (
        "import sys, muscle_lab.qt.app, muscle_lab.qt.main_window, muscle_lab.qt.gui_benchmark; "
        "print(sorted(m for m in sys.modules if m.startswith('opensim')))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"  # OpenSim lives in the simulation process only


def test_a_reset_that_cannot_reload_the_model_is_reported_not_fatal(qtbot, window, wait_for_step, tmp_path):
    import shutil

    from muscle_lab.core.paths import default_model_path

    copy = tmp_path / "copy.osim"
    shutil.copy(default_model_path(), copy)
    worker = window.controller.worker
    with qtbot.waitSignal(window.lab.modelReady, timeout=60_000):
        window.open_model(copy)
    os.kill(worker.simulation_pid, signal.SIGKILL)
    copy.unlink()  # the new process will not find the model again
    with qtbot.waitSignal(worker.simulationFailed, timeout=30_000) as failed:
        window.reset()
    assert f"model file not found: {copy}" in failed.args[0]
    # The window still works: the default model loads and steps.
    with qtbot.waitSignal(window.lab.modelReady, timeout=60_000):
        window.open_model(default_model_path())
    run_steps(window, wait_for_step, 2)
    assert window.lab.latest_frame.error is None
