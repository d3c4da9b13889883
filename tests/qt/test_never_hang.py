"""Steps that take long, a stopped simulation process, closing: the window never waits on them.

The slow step is real: osim-rl's gait9dof18musc_20170320.osim starts with its feet about a metre
inside the ground, and its first faithful step runs for many minutes.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from muscle_lab.core.paths import osim_rl_models_dir

MODEL_LOAD_TIMEOUT_MS = 60_000

FEET_IN_GROUND_MODEL = "gait9dof18musc_20170320.osim"
# Not a speed check: before the fix, closing waited 30 s on a busy or stopped process.
NO_HANG_SECONDS = 10.0


@pytest.fixture
def slow_window(qtbot, open_window):
    """The window on the model whose first step takes minutes, in the faithful mode."""
    window = open_window(osim_rl_models_dir() / FEET_IN_GROUND_MODEL, mode="faithful")
    qtbot.waitUntil(lambda: window.lab.latest_frame is not None, timeout=10_000)
    return window


def start_the_long_step(qtbot, window) -> None:
    window.step()
    qtbot.waitUntil(lambda: "still integrating" in window.status.episode_label.text(), timeout=30_000)


def test_the_model_says_at_load_that_its_feet_start_in_the_ground(slow_window):
    text = slow_window.message_bar.text
    assert "cm inside the ground" in text and "may take minutes" in text
    assert "pelvis at 0.00 m" in text


def test_a_long_step_shows_progress_and_reset_abandons_it(qtbot, slow_window):
    window = slow_window
    worker = window.controller.worker
    first_pid = worker.simulation_pid
    start_the_long_step(qtbot, window)
    assert "0.00 s simulated, the step to 0.01 s has run" in window.status.episode_label.text()
    assert "Pause or Reset abandons it" in window.status.episode_label.text()
    window.reset()
    qtbot.waitUntil(lambda: "Abandoned the step from t = 0.00 s" in window.message_bar.text, timeout=30_000)
    assert "Reset was pressed after it had run" in window.message_bar.text
    qtbot.waitUntil(lambda: worker.simulation_pid not in (None, first_pid), timeout=MODEL_LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: worker.busy is None and window.lab.latest_frame.step == 0, timeout=MODEL_LOAD_TIMEOUT_MS)
    assert not window.lab.running and window.lab.latest_frame.error is None


def test_pause_abandons_a_long_run_step(qtbot, slow_window):
    window = slow_window
    window.run()
    qtbot.waitUntil(lambda: "still integrating" in window.status.episode_label.text(), timeout=30_000)
    window.pause()
    qtbot.waitUntil(lambda: "Abandoned the step" in window.message_bar.text, timeout=30_000)
    assert "Pause was pressed" in window.message_bar.text
    qtbot.waitUntil(lambda: not window.lab.running)


def test_closing_during_a_long_step_does_not_wait_for_it(qtbot, slow_window):
    window = slow_window
    start_the_long_step(qtbot, window)
    pid = window.controller.worker.simulation_pid
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert window.controller.thread.isFinished()
    assert not _alive(pid)


def test_a_stopped_simulation_process_is_reported_and_pause_replaces_it(qtbot, window):
    worker = window.controller.worker
    pid = worker.simulation_pid
    os.kill(pid, signal.SIGSTOP)
    try:
        window.step()
        qtbot.waitUntil(lambda: "is stopped (SIGSTOP)" in window.status.episode_label.text(), timeout=30_000)
        window.pause()
        qtbot.waitUntil(lambda: "Abandoned the step" in window.message_bar.text, timeout=30_000)
        qtbot.waitUntil(lambda: worker.simulation_pid not in (None, pid), timeout=MODEL_LOAD_TIMEOUT_MS)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGCONT)
    assert not _alive(pid)
    qtbot.waitUntil(lambda: worker.busy is None and window.lab.latest_frame.step == 0, timeout=MODEL_LOAD_TIMEOUT_MS)
    window.step()
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 1, timeout=30_000)


def test_closing_with_a_stopped_idle_process_does_not_wait(qtbot, window):
    pid = window.controller.worker.simulation_pid
    os.kill(pid, signal.SIGSTOP)
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < NO_HANG_SECONDS
    assert window.controller.thread.isFinished()
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
