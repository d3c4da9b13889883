"""Your controller at the sliders: the shipped examples drive the real window, a lock keeps a
muscle at the user's value, and a controller that fails pauses the simulation, shows why, and
leaves the window working (Reset, Step, Stop controller)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.simulation.user_controller import ControllerSpec, load_controller
from muscle_lab.examples import fixed_action

EXAMPLES = Path(fixed_action.__file__).parent
FIXED = fixed_action.FIXED_ACTION
ROOT = Path(__file__).resolve().parents[2]
LOAD_TIMEOUT_MS = 30_000
SPIN_RESOLUTION = 5e-4  # the value boxes hold three decimals


def frames_of(window) -> list:
    """Every frame the window receives from now on, in order."""
    frames: list = []
    window.lab.framesArrived.connect(frames.extend)
    return frames


def drive(qtbot, window, path: Path | str) -> None:
    """Load a controller and wait until it drives, from the standing start of a new episode."""
    episode = window.lab.latest_frame.episode
    assert window.load_controller(str(path))
    qtbot.waitUntil(lambda: window.lab.controller_driving is not None, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.lab.latest_frame.episode > episode and window.lab.latest_frame.step == 0)


def steps(window, wait_for_step, count: int) -> None:
    start = window.lab.latest_frame.step
    for _ in range(count):
        window.step()
    wait_for_step(window, start + count)


def test_the_fixed_action_agent_drives_the_sliders_and_the_frames(qtbot, window, wait_for_step):
    frames = frames_of(window)
    drive(qtbot, window, EXAMPLES / "fixed_action.py")
    assert "Your controller drives: FixedActionAgent().act from fixed_action.py" in window.message_bar.text
    assert window.menus.stop_controller_action.isEnabled()
    steps(window, wait_for_step, 4)
    taken = [frame for frame in frames if frame.step > 0]
    assert [frame.step for frame in taken] == [1, 2, 3, 4]
    assert all(frame.excitations.tolist() == FIXED for frame in taken)  # exactly that action, every step
    qtbot.waitUntil(lambda: window.muscle_panel.slider_values().tolist() == FIXED)  # the sliders follow it
    row = window.muscle_panel.rows[0]
    assert row.lock.isVisibleTo(window.muscle_panel) and not row.slider.isEnabled()  # driven, L offered

    window.stop_controller()  # the sliders drive again, from where the controller left them
    qtbot.waitUntil(lambda: window.lab.controller_driving is None)
    assert not row.lock.isVisibleTo(window.muscle_panel) and row.slider.isEnabled()
    window.muscle_panel.rows[0].set_value(0.3)
    steps(window, wait_for_step, 1)
    expected = list(FIXED)
    expected[0] = 0.3
    assert window.lab.latest_frame.excitations.tolist() == expected


def test_random_actions_reach_the_simulation_as_drawn_and_the_sliders_show_them(qtbot, window, wait_for_step):
    frames = frames_of(window)
    drive(qtbot, window, EXAMPLES / "random_controller.py")
    window.run()
    wait_for_step(window, 12)
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    taken = [frame for frame in frames if frame.episode == window.lab.latest_frame.episode and frame.step > 0]
    # The same file loaded afresh draws the same sequence: one call per step, none lost or extra.
    again = load_controller(ControllerSpec.parse(str(EXAMPLES / "random_controller.py")), [""] * 19, 160)
    for frame in taken:
        assert np.array_equal(frame.excitations, again.act(np.zeros(160), frame.step))
    last = window.lab.latest_frame.excitations
    qtbot.waitUntil(lambda: np.abs(window.muscle_panel.slider_values() - last).max() <= SPIN_RESOLUTION)


def test_a_locked_slider_keeps_the_users_value_under_the_controller(qtbot, window, wait_for_step):
    drive(qtbot, window, EXAMPLES / "fixed_action.py")
    locks: list = []
    window.muscle_panel.lockChanged.connect(locks.append)
    row = window.muscle_panel.rows[5]  # iliopsoas_r: 0 in the fixed action
    row.lock.click()
    assert locks[-1] == tuple(i == 5 for i in range(19)) and row.slider.isEnabled()
    row.slider.setValue(70)  # as a user's drag ends
    steps(window, wait_for_step, 3)
    expected = list(FIXED)
    expected[5] = 0.7
    assert window.lab.latest_frame.excitations.tolist() == expected
    assert row.value == 0.7  # the slider is the user's, not the controller's
    qtbot.waitUntil(lambda: window.muscle_panel.rows[2].value == 1.0)  # the others follow the controller
    assert not window.muscle_panel.rows[2].slider.isEnabled() and row.value == 0.7


FAILING = {
    "raises": (
        """\
        calls = 0

        def controller(observation):
            global calls
            calls += 1
            return observation[:19] if calls < 4 else lookup(observation)

        def lookup(observation):
            return {"gains": observation}["weights"]
        """,
        "the controller raised KeyError at step 4: 'weights'",
        "line 9, in lookup",
    ),
    "NaN": (
        """\
        import numpy as np

        def controller(observation):
            action = np.full(19, 0.1)
            action[7] = np.nan if observation[0] < 2 else 0
            return action
        """,
        "the controller returned NaN at step 1 for muscle 7 (vasti_r); excitations must be numbers in [0, 1]",
        "returned by controller from failing.py:",
    ),
    "wrong length": (
        "def controller(observation):\n    return [0.2] * 18\n",
        "the controller returned 18 excitations at step 1; this model has 19 muscles (abd_r, add_r",
        "returned by controller from failing.py:",
    ),
    "too slow": (
        "def controller(observation):\n    total = 0\n    while True:\n        total += 1\n",
        "the controller took longer than 1 s at step 1 and was stopped (the traceback shows where it was)",
        'failing.py", line',
    ),
}


@pytest.mark.parametrize("kind", list(FAILING))
def test_a_failing_controller_pauses_with_the_error_and_reset_works(qtbot, window, wait_for_step, tmp_path, kind):
    code, message, where = FAILING[kind]
    path = tmp_path / "failing.py"
    path.write_text(textwrap.dedent(code))
    worker = window.controller.worker
    drive(qtbot, window, path)
    episode = window.lab.latest_frame.episode
    with qtbot.waitSignal(worker.controllerFailed, timeout=LOAD_TIMEOUT_MS) as failed:
        window.run()
    assert failed.args[0].message.startswith(message)
    qtbot.waitUntil(lambda: "Your controller failed" in window.message_bar.text)
    shown = window.message_bar.text
    assert message in shown and where in shown  # the error, and the traceback or what was returned
    assert not window.lab.running and window.lab.episode_state == "failed: the controller, paused"
    last = window.lab.latest_frame
    assert last.error is None and last.episode == episode
    assert last.step == (3 if kind == "raises" else 0)  # the failed step was not taken

    window.message_bar.reset_button.click()  # Reset works: a new episode from the standing start
    qtbot.waitUntil(lambda: window.lab.latest_frame.episode > episode and window.lab.latest_frame.step == 0)
    window.stop_controller()
    qtbot.waitUntil(lambda: window.lab.controller_driving is None)
    steps(window, wait_for_step, 2)  # the window and its simulation go on without the controller
    assert window.lab.latest_frame.error is None and window.isVisible()


def test_a_controller_that_cannot_load_is_shown_and_nothing_changes(qtbot, window, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def controller(observation)\n    return observation\n")
    with qtbot.waitSignal(window.controller.worker.controllerFailed, timeout=LOAD_TIMEOUT_MS):
        window.load_controller(str(broken))
    qtbot.waitUntil(lambda: "Your controller could not be loaded" in window.message_bar.text)
    assert f"{broken} could not be loaded: SyntaxError" in window.message_bar.text
    assert window.lab.controller_driving is None and not window.muscle_panel.rows[0].lock.isVisibleTo(window)
    assert not window.load_controller(str(tmp_path / "missing.py"))
    assert window.message_bar.text == "No controller loaded: controller file not found: " + str(tmp_path / "missing.py")


def test_the_window_option_refuses_a_missing_controller_file():
    result = subprocess.run(
        [sys.executable, "main.py", "--controller", "no_such_controller.py:agent"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == "muscle_lab: controller file not found: no_such_controller.py\n"


def test_replaying_a_recording_takes_over_from_the_controller(qtbot, window, wait_for_step, tmp_path):
    from muscle_lab.core.recording.files import save_recording
    from muscle_lab.core.recording.replay import load_controls

    window.apply_excitations(np.full(19, 0.05))
    window.panels.recording.set_recording(True)
    steps(window, wait_for_step, 3)
    window.panels.recording.set_recording(False)
    path = tmp_path / "gentle.sto"
    save_recording(path, window.panels.recording.recording)
    drive(qtbot, window, EXAMPLES / "fixed_action.py")
    window.controller.play_controls(load_controls(path, window.lab.model_info.recording_names.muscle_names), False)
    qtbot.waitUntil(lambda: window.lab.replaying is not None and window.lab.controller_driving is None)
    window.step()
    wait_for_step(window, 1)
    assert window.lab.latest_frame.excitations.tolist() == [0.05] * 19  # the recording's, not the controller's
