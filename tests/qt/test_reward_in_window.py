"""Your reward in the window: File > Load reward… (here `load_reward`) has the simulation process
compute it after every step; the plots draw it beside osim-rl's reward per step and its total;
a reward that raises pauses the simulation, shows why with the traceback, and the window goes
on (Run steps on with osim-rl's reward; the reward can be loaded again)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from muscle_lab.examples import forward_reward

FORWARD = Path(forward_reward.__file__)
LOAD_TIMEOUT_MS = 30_000


def load(qtbot, window, path: Path | str) -> None:
    with qtbot.waitSignal(window.controller.worker.rewardChanged, timeout=LOAD_TIMEOUT_MS) as changed:
        assert window.load_reward(str(path))
    assert changed.args[0] is not None
    qtbot.waitUntil(lambda: window.lab.user_reward == changed.args[0])  # the window reads the worker's news


def steps(window, wait_for_step, count: int) -> None:
    start = window.lab.latest_frame.step
    for _ in range(count):
        window.step()
    wait_for_step(window, start + count)


def test_your_reward_is_plotted_beside_osim_rls_per_step_and_in_total(qtbot, window, wait_for_step):
    frames: list = []
    window.lab.framesArrived.connect(frames.extend)
    load(qtbot, window, FORWARD)
    assert window.lab.user_reward == "reward function reward (forward_reward.py)"
    assert "Your reward: reward function reward (forward_reward.py)" in window.message_bar.text
    assert window.menus.stop_reward_action.isEnabled()
    steps(window, wait_for_step, 5)
    taken = [frame for frame in frames if frame.step > 0]
    assert [frame.step for frame in taken] == [1, 2, 3, 4, 5]
    assert all(frame.user_reward is not None and math.isfinite(frame.user_reward) for frame in taken)
    assert taken[-1].user_total_reward == pytest.approx(math.fsum(f.user_reward for f in taken), abs=1e-12)

    plots = window.plot_panel
    assert ("reward", "your reward") in plots.curve_keys() and ("total", "your total") in plots.curve_keys()
    qtbot.waitUntil(lambda: plots.curve_data("reward", "your reward")[1].size >= 5)
    times, yours = plots.curve_data("reward", "your reward")
    by_time = {round(frame.time, 6): frame for frame in taken}
    for t, value in zip(times, yours, strict=True):
        if round(float(t), 6) in by_time:
            assert value == by_time[round(float(t), 6)].user_reward
    _, totals = plots.curve_data("total", "your total")
    assert totals[-1] == taken[-1].user_total_reward
    _, osim_rl = plots.curve_data("reward", "reward")  # osim-rl's curve is still there, unchanged
    assert osim_rl[-1] == taken[-1].reward
    window.redrawer.redraw_now()
    status = window.status.reward_label.text()  # both totals in the status bar
    assert status == f"total reward {taken[-1].total_reward:8.2f} · yours {taken[-1].user_total_reward:.2f}"

    with qtbot.waitSignal(window.controller.worker.rewardChanged, timeout=LOAD_TIMEOUT_MS) as stopped:
        window.menus.stop_reward()
    assert stopped.args == [None]
    qtbot.waitUntil(lambda: window.lab.user_reward is None and not window.menus.stop_reward_action.isEnabled())


def test_a_reward_that_raises_pauses_shows_why_and_the_window_goes_on(qtbot, window, wait_for_step, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text(
        textwrap.dedent(
            """\
            def reward(state_desc, prev_state_desc):
                if prev_state_desc is not None and state_desc["joint_pos"]["ground_pelvis"][4] < 0.9399:
                    raise ZeroDivisionError("shaping went wrong")
                return 2.0
            """
        )
    )
    load(qtbot, window, broken)
    worker = window.controller.worker
    with qtbot.waitSignal(worker.rewardFailed, timeout=LOAD_TIMEOUT_MS) as failed:
        window.run()
    error, in_step = failed.args[0]
    assert in_step and error.message.startswith("reward function reward (broken.py) failed at step ")
    assert "ZeroDivisionError('shaping went wrong')" in error.message
    assert error.details.splitlines()[1] == f'  File "{broken}", line 3, in reward'
    qtbot.waitUntil(lambda: not window.lab.running)  # paused at that step
    qtbot.waitUntil(lambda: "Your reward failed and is off" in window.message_bar.text)
    assert "shaping went wrong" in window.message_bar.text and window.lab.user_reward is None
    failed_step = int(error.message.split("at step ")[1].split(":")[0])
    last = window.lab.latest_frame
    assert last.step >= failed_step and last.user_reward is None  # the failing step stands, without it

    steps(window, wait_for_step, 2)  # nothing else stopped: the simulation steps on, osim-rl's reward only
    assert window.lab.latest_frame.user_reward is None and math.isfinite(window.lab.latest_frame.reward)
    load(qtbot, window, FORWARD)  # and a reward can be loaded again
    steps(window, wait_for_step, 1)
    assert window.lab.latest_frame.user_reward is not None


def test_a_missing_or_unloadable_reward_file_is_said(qtbot, window, tmp_path):
    assert not window.load_reward(str(tmp_path / "gone.py"))
    assert f"No reward loaded: reward file not found: {tmp_path / 'gone.py'}" in window.message_bar.text
    bad = tmp_path / "bad.py"
    bad.write_text("def reward(state_desc, prev_state_desc)\n    return 1\n")  # a syntax error
    with qtbot.waitSignal(window.controller.worker.rewardFailed, timeout=LOAD_TIMEOUT_MS) as failed:
        assert window.load_reward(str(bad))
    error, in_step = failed.args[0]
    assert not in_step and error.message.startswith(f"{bad} could not be loaded: SyntaxError")
    qtbot.waitUntil(lambda: "Your reward could not be loaded" in window.message_bar.text)
