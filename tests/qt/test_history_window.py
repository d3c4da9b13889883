"""History in the real window: scrubbing, playback, branching from a middle step, the ghost,
and plots on episode time, with the real model (fast mode, see conftest)."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import Qt

from muscle_lab.core.presets.store import excitations_from_preset
from muscle_lab.qt.main_window import MainWindow

STATE_FIELDS = ("step", "time", "coordinates", "activations", "joint_angles", "pelvis_height", "total_reward")


def hip_thrust(window: MainWindow) -> np.ndarray:
    values, _ = excitations_from_preset("hip-thrust", [r.muscle.name for r in window.muscle_panel.rows])
    return values


def run_episode(qtbot, window: MainWindow, values: np.ndarray):
    """Run until the episode ends (as fast as possible); the window has it all."""
    window.toolbars.speed_box.setCurrentIndex(1)
    window.apply_excitations(values)
    with qtbot.waitSignal(window.controller.worker.episodeEnded, timeout=60_000) as ended:
        window.run()
    end = ended.args[0]
    qtbot.waitUntil(lambda: not window.lab.running and window.lab.latest_frame.step == end.step)
    window.redraw_now()
    return window.history_view.history.current


def test_scrubbing_and_the_arrow_keys_move_through_the_episode(qtbot, window):
    episode = run_episode(qtbot, window, hip_thrust(window))
    browser = window.history_view.browser
    assert browser.live and episode.frames[0].step == 0 and episode.ended
    window.timeline.stepChosen.emit(10)
    window.redraw_now()
    assert browser.step == 10 and not browser.live
    assert window.body_view.pose is episode.poses[10]
    assert window.plot_panel.cursor_time == pytest.approx(0.10)
    assert f"history −{episode.last_step - 10} steps" in window.status.episode_label.text()
    assert window.status.time_label.text() == "sim time   0.10 s"
    for key, expected in ((Qt.Key_Left, 9), (Qt.Key_Left, 8), (Qt.Key_Right, 9)):
        qtbot.keyClick(window, key)
        assert browser.step == expected
    window.redraw_now()
    assert window.body_view.pose is episode.poses[9]
    # Right at the live end simulates a step again (here: the ended episode runs anew).
    qtbot.keyClick(window, Qt.Key_End)
    assert browser.live
    steps: list[int] = []
    window.controller.worker.framesReady.connect(lambda frames: steps.extend(f.step for f in frames))
    qtbot.keyClick(window, Qt.Key_Right)
    qtbot.waitUntil(lambda: 0 in steps)


def test_playback_shows_the_steps_in_order_and_ends_on_the_last(qtbot, window):
    episode = run_episode(qtbot, window, hip_thrust(window))
    shown: list[int] = []
    playback = window.history_view.playback
    playback.stepChanged.connect(shown.append)
    with qtbot.waitSignal(playback.finished, timeout=30_000):  # 0.41 s at 1x; a hang detector only
        window.timeline.playToggled.emit()
        assert playback.step == episode.first_step  # from the start: it was shown live, at its end
    assert shown == sorted(shown) and shown[-1] == episode.last_step
    assert not playback.playing
    window.redraw_now()
    assert window.body_view.pose is episode.poses[-1]


def test_continue_from_a_middle_step_starts_from_its_exact_state_and_keeps_the_old_future(qtbot, window):
    old = run_episode(qtbot, window, hip_thrust(window))
    window.timeline.stepChosen.emit(20)
    window.apply_excitations(np.zeros(len(window.muscle_panel.rows)))  # the sliders as they are now
    with qtbot.waitSignal(window.controller.worker.branched, timeout=30_000) as branched:
        window.timeline.branchRequested.emit()
    restored = branched.args[0].frame
    for name in STATE_FIELDS:
        assert np.array_equal(getattr(restored, name), getattr(old.frames[20], name)), name
    window.redraw_now()
    history = window.history_view.history
    new = history.current
    assert new.number == old.number + 1 and new.branched_from == (old.number, 20)
    assert new.frames[:20] == old.frames[:20] and new.frames[20] is restored
    assert history.get(old.number).last_step == old.last_step  # the old future is kept
    assert window.history_view.browser.live and window.history_view.browser.ghost is old
    qtbot.keyClick(window, Qt.Key_Right)  # one step from the branch point, sliders at zero
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 21 and window.lab.latest_frame.episode == new.number)
    assert window.lab.latest_frame.excitations.tolist() == [0.0] * len(window.muscle_panel.rows)


def test_the_previous_episode_is_the_ghost_in_the_body_view_and_the_plots(qtbot, window):
    first = run_episode(qtbot, window, hip_thrust(window))
    window.reset()
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 0 and window.lab.latest_frame.episode == first.number + 1)
    for _ in range(5):
        qtbot.keyClick(window, Qt.Key_Right)
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 5)
    window.redraw_now()
    assert window.body_view.ghost is first.poses[5]  # the same episode time
    x, y = window.plot_panel.ghost_data("pelvis", "pelvis height")
    assert np.array_equal(x, first.trace.times) and np.array_equal(y, first.trace.values[:, -5])
    window.timeline.compareChosen.emit("none")
    window.redraw_now()
    assert window.body_view.ghost is None


def test_the_plots_run_on_episode_time_from_zero_at_every_reset(qtbot, window):
    first = run_episode(qtbot, window, hip_thrust(window))
    assert window.plot_panel.x_range() == pytest.approx((0.0, 1.0))  # 0.41 s fits in the first second
    window.reset()
    qtbot.waitUntil(lambda: window.lab.latest_frame.episode == first.number + 1)
    for _ in range(3):
        qtbot.keyClick(window, Qt.Key_Right)
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 3)
    window.redraw_now()
    x, _ = window.plot_panel.curve_data("pelvis", "pelvis height")
    assert x.tolist() == pytest.approx([0.0, 0.01, 0.02, 0.03])
    assert window.plot_panel.x_range() == pytest.approx((0.0, 1.0))


def test_continue_from_a_step_a_branch_shares_with_its_source(qtbot, window):
    first = run_episode(qtbot, window, hip_thrust(window))
    window.timeline.stepChosen.emit(20)
    with qtbot.waitSignal(window.controller.worker.branched, timeout=30_000):
        window.timeline.branchRequested.emit()
    window.redraw_now()
    window.timeline.stepChosen.emit(10)  # shared with the first episode: kept under its number
    with qtbot.waitSignal(window.controller.worker.branched, timeout=30_000) as again:
        window.timeline.branchRequested.emit()
    assert (again.args[0].source, again.args[0].step) == (first.number, 10)
    assert np.array_equal(again.args[0].frame.coordinates, first.frames[10].coordinates)
    assert "Cannot continue" not in window.message_bar.text


def test_run_or_reset_while_looking_at_history_goes_back_to_live(qtbot, window):
    run_episode(qtbot, window, hip_thrust(window))
    browser = window.history_view.browser
    window.timeline.stepChosen.emit(10)
    assert not browser.live
    window.reset()
    assert browser.live
    window.timeline.stepChosen.emit(0)
    qtbot.keyClick(window, Qt.Key_Space)  # Run
    assert browser.live
    window.pause()


def test_a_pinned_episode_is_the_ghost_and_another_episode_can_be_chosen(qtbot, window):
    first = run_episode(qtbot, window, hip_thrust(window))
    window.timeline.pinToggled.emit(True)
    window.redraw_now()
    box = window.timeline.episode_box
    texts = [box.itemText(i) for i in range(box.count())]
    assert texts[0].endswith("pinned (live)")  # the list follows a pin (the history's revision)
    second = run_episode(qtbot, window, np.full(len(window.muscle_panel.rows), 0.05))
    assert second.number == first.number + 1
    window.redraw_now()
    texts = [box.itemText(i) for i in range(box.count())]
    assert texts[0].endswith("(live)") and "pinned" not in texts[0]
    assert f"{first.duration:.2f} s, ended" in texts[1] and texts[1].endswith("pinned")  # its length, its end
    window.timeline.compareChosen.emit("pinned")
    window.redraw_now()
    assert window.history_view.browser.ghost is first
    window.timeline.episodeChosen.emit(first.number)  # the pinned one itself: no ghost of itself
    window.redraw_now()
    assert window.history_view.browser.episode is first and window.history_view.browser.ghost is None
    assert window.body_view.pose is first.poses[first.index(first.first_step)]
    qtbot.keyClick(window, Qt.Key_End)
    assert window.history_view.browser.episode is window.history_view.history.current


def test_playing_the_live_episode_catches_up_and_follows_live(qtbot, window):
    window.toolbars.speed_box.setCurrentIndex(1)
    window.apply_excitations(np.full(len(window.muscle_panel.rows), 0.05))
    for _ in range(3):
        qtbot.keyClick(window, Qt.Key_Right)
    qtbot.waitUntil(lambda: window.lab.latest_frame.step == 3)
    browser = window.history_view.browser
    with qtbot.waitSignal(window.history_view.playback.finished, timeout=30_000):
        qtbot.keyClick(window, Qt.Key_K)  # play the live episode from its start
        assert not browser.live
    assert browser.live  # at the live end it follows the simulation again
