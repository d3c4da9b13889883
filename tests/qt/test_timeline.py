"""The timeline widget, real and offscreen: its controls ask through signals, the window's
updates never do, and it stays usable from 1500 px down to the 600 px of a 1024 px window."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QRect, Qt
from PyQt5.QtGui import QMouseEvent
from PyQt5.QtWidgets import QApplication, QLabel, QStyle, QStyleOptionSlider, QVBoxLayout, QWidget

from muscle_lab.core.frame import Frame
from muscle_lab.core.history import History, channel_count
from muscle_lab.qt.history.timeline import ONE_ROW_SLIDER_WIDTH, SLIDER_MIN_WIDTH, Timeline, describe_episode

EPISODES = [
    (7, "episode 7 · all at 0.05 · 1.20 s (live)"),
    (6, "episode 6 · hip-thrust · 0.41 s, ended · from 5 at step 20"),
    (5, "episode 5 · hip-thrust · 0.41 s, ended"),
]


@pytest.fixture
def timeline(qtbot):
    """A timeline under a stand-in for the body view, as the window lays it out, 1500 px wide."""
    host = QWidget()
    layout = QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(QLabel("body view"), 1)
    timeline = Timeline()
    layout.addWidget(timeline)
    qtbot.addWidget(host)
    timeline.set_episodes(EPISODES)
    timeline.show_position(6, 23, 0, 41, live=False, history_offset=18)
    host.resize(1500, 300)
    host.show()
    qtbot.waitExposed(host)
    timeline.host = host
    return timeline


def controls(timeline: Timeline) -> list[QWidget]:
    return [
        timeline.first_button,
        timeline.back_button,
        timeline.play_button,
        timeline.forward_button,
        timeline.live_button,
        timeline.slider,
        timeline.position_label,
        timeline.history_label,
        timeline.speed_box,
        timeline.loop_box,
        timeline.episode_box,
        timeline.branch_button,
        timeline.compare_box,
        timeline.pin_button,
    ]


def geometry_in(widget: QWidget, timeline: Timeline) -> QRect:
    return QRect(widget.mapTo(timeline, QPoint(0, 0)), widget.size())


def resize_host(qtbot, timeline: Timeline, width: int) -> None:
    timeline.host.resize(width, 300)
    qtbot.waitUntil(lambda: timeline.width() == width)
    QApplication.processEvents()  # the second row's height reaches the host's layout


def test_the_step_buttons_ask_for_their_steps(qtbot, timeline):
    for button, step in ((timeline.first_button, 0), (timeline.back_button, 22), (timeline.forward_button, 24)):
        with qtbot.waitSignal(timeline.stepChosen) as chosen:
            qtbot.mouseClick(button, Qt.LeftButton)
        assert chosen.args == [step]


def test_forward_at_the_live_end_asks_for_the_step_after_the_last(qtbot, timeline):
    timeline.show_position(7, 41, 0, 41, live=True, history_offset=0)
    assert timeline.forward_button.isEnabled()  # the window simulates one step
    with qtbot.waitSignal(timeline.stepChosen) as chosen:
        qtbot.mouseClick(timeline.forward_button, Qt.LeftButton)
    assert chosen.args == [42]


def test_at_the_first_and_last_steps_of_an_old_episode_the_way_on_is_shut(timeline):
    timeline.show_position(5, 0, 0, 41, live=False, history_offset=0)
    assert not timeline.first_button.isEnabled() and not timeline.back_button.isEnabled()
    timeline.show_position(5, 41, 0, 41, live=False, history_offset=0)
    assert timeline.back_button.isEnabled() and not timeline.forward_button.isEnabled()


def test_play_live_branch_and_pin_buttons_emit_their_signals(qtbot, timeline):
    with qtbot.waitSignal(timeline.playToggled):
        qtbot.mouseClick(timeline.play_button, Qt.LeftButton)
    with qtbot.waitSignal(timeline.liveRequested):
        qtbot.mouseClick(timeline.live_button, Qt.LeftButton)
    with qtbot.waitSignal(timeline.branchRequested):
        qtbot.mouseClick(timeline.branch_button, Qt.LeftButton)
    with qtbot.waitSignal(timeline.pinToggled) as pinned:
        qtbot.mouseClick(timeline.pin_button, Qt.LeftButton)
    assert pinned.args == [True]
    with qtbot.waitSignal(timeline.pinToggled) as pinned:
        qtbot.mouseClick(timeline.pin_button, Qt.LeftButton)
    assert pinned.args == [False]
    with qtbot.waitSignal(timeline.loopChosen) as looped:
        qtbot.mouseClick(timeline.loop_box, Qt.LeftButton)
    assert looped.args == [True] and timeline.loop


def send_mouse(widget: QWidget, kind: QEvent.Type, x: int, buttons: Qt.MouseButtons) -> None:
    button = Qt.NoButton if kind == QEvent.MouseMove else Qt.LeftButton
    pos = QPoint(x, widget.height() // 2)
    QApplication.sendEvent(widget, QMouseEvent(kind, pos, button, buttons, Qt.NoModifier))


def test_dragging_the_slider_chooses_the_steps_it_passes(qtbot, timeline):
    slider = timeline.slider
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = slider.style().subControlRect(QStyle.CC_Slider, option, QStyle.SC_SliderHandle, slider)
    chosen: list[int] = []
    timeline.stepChosen.connect(chosen.append)
    send_mouse(slider, QEvent.MouseButtonPress, handle.center().x(), Qt.LeftButton)
    assert slider.isSliderDown() and chosen == []
    send_mouse(slider, QEvent.MouseMove, slider.width() - 1, Qt.LeftButton)
    assert chosen == [41]
    # New frames while dragging move the range, never the handle from under the mouse.
    timeline.show_position(6, 23, 0, 41, live=False, history_offset=18)
    assert slider.value() == 41
    send_mouse(slider, QEvent.MouseMove, slider.width() // 2, Qt.LeftButton)
    send_mouse(slider, QEvent.MouseMove, 0, Qt.LeftButton)
    send_mouse(slider, QEvent.MouseButtonRelease, 0, Qt.NoButton)
    assert chosen[0] == 41 and 17 <= chosen[1] <= 24 and chosen[2] == 0  # half way along the groove
    assert len(chosen) == 3 and slider.value() == 0 and not slider.isSliderDown()


def test_the_windows_updates_show_the_position_without_a_signal(qtbot, timeline):
    signals = [timeline.stepChosen, timeline.episodeChosen, timeline.pinToggled, timeline.loopChosen]
    signals += [timeline.speedChosen, timeline.compareChosen, timeline.liveRequested]
    for signal in signals:
        with qtbot.assertNotEmitted(signal):
            timeline.show_position(5, 12, 3, 40, live=False, history_offset=0)
            timeline.set_episodes([(8, "episode 8 (live)"), *EPISODES])
            timeline.set_pinned(True)
            timeline.set_loop(True)
            timeline.set_speed(0.1)
            timeline.set_compare("pinned")
    slider = timeline.slider
    assert (slider.minimum(), slider.maximum(), slider.value()) == (3, 40, 12)
    assert timeline.position_label.text() == "t = 0.12 s · step 12 / 40"
    assert timeline.status_text() == "history: episode 5"  # not the newest
    assert timeline.episode_box.currentText() == "episode 5 · hip-thrust · 0.41 s, ended"
    assert timeline.pin_button.isChecked() and timeline.loop and timeline.speed == 0.1
    assert timeline.compare == "pinned"


def test_the_status_says_how_far_behind_the_live_step_it_is(timeline):
    timeline.set_episodes([(8, "episode 8 (live)"), *EPISODES])
    timeline.show_position(8, 100, 0, 112, live=False, history_offset=12)
    assert timeline.status_text() == "history −12 steps" == timeline.history_label.text()
    timeline.show_position(8, 111, 0, 112, live=False, history_offset=1)
    assert timeline.status_text() == "history −1 step"
    timeline.show_position(8, 112, 0, 112, live=True, history_offset=0)
    assert timeline.status_text() == "live" and not timeline.live_button.isEnabled()
    assert timeline.position_label.text() == "t = 1.12 s · step 112 / 112"


def test_a_speed_or_comparison_it_does_not_offer_is_refused(timeline):
    with pytest.raises(ValueError, match=r"^no playback speed 0\.3: one of 1\.0, 0\.5, 0\.25, 0\.1$"):
        timeline.set_speed(0.3)
    with pytest.raises(ValueError, match=r"^no comparison 'ghost': one of 'none', 'previous', 'pinned'$"):
        timeline.set_compare("ghost")
    assert timeline.speed == 1.0 and timeline.compare == "none"


def test_play_shows_pause_while_playing(timeline):
    play_icon = timeline.play_button.icon().cacheKey()
    timeline.set_playing(True)
    assert timeline.play_button.icon().cacheKey() != play_icon
    assert timeline.play_button.toolTip() == "Pause the playback (K)"
    timeline.set_playing(False)
    assert timeline.play_button.icon().cacheKey() == play_icon


def test_the_combos_ask_for_speed_episode_and_ghost(qtbot, timeline):
    with qtbot.waitSignal(timeline.speedChosen) as speed:
        qtbot.keyClick(timeline.speed_box, Qt.Key_Down)
    assert speed.args == [0.5]
    with qtbot.waitSignal(timeline.speedChosen) as speed:
        qtbot.keyClick(timeline.speed_box, Qt.Key_End)
    assert speed.args == [0.1]
    with qtbot.waitSignal(timeline.episodeChosen) as episode:
        qtbot.keyClick(timeline.episode_box, Qt.Key_Up)  # from episode 6 to the newer 7
    assert episode.args == [7]
    with qtbot.waitSignal(timeline.compareChosen) as compare:
        qtbot.keyClick(timeline.compare_box, Qt.Key_Down)
    assert compare.args == ["previous"]
    with qtbot.waitSignal(timeline.compareChosen) as compare:
        qtbot.keyClick(timeline.compare_box, Qt.Key_Down)
    assert compare.args == ["pinned"]


def test_episode_texts_change_in_place_and_the_shown_one_stays_chosen(timeline):
    box = timeline.episode_box
    timeline.set_episodes([(7, "episode 7 · all at 0.05 · 1.50 s (live)"), *EPISODES[1:]])
    assert [box.itemData(i) for i in range(box.count())] == [7, 6, 5]
    assert box.itemText(0).endswith("1.50 s (live)") and box.currentData() == 6
    assert box.toolTip().startswith("episode 6 · hip-thrust · 0.41 s, ended · from 5 at step 20\n")
    timeline.set_episodes(EPISODES[1:])  # the newest went (a reset, say): the list is rebuilt
    assert box.count() == 2 and box.currentData() == 6


def test_continue_from_here_says_why_it_is_disabled(timeline):
    timeline.set_branch_enabled(False, "pause the simulation first")
    assert not timeline.branch_button.isEnabled()
    assert timeline.branch_button.toolTip().endswith("\n\nNot now: pause the simulation first")
    timeline.set_branch_enabled(True)
    assert timeline.branch_button.isEnabled() and "Not now" not in timeline.branch_button.toolTip()


def test_every_control_says_what_it_does(timeline):
    for widget in controls(timeline):
        assert len(widget.toolTip()) > 20, widget
    assert "(Home)" in timeline.first_button.toolTip() and "(End)" in timeline.live_button.toolTip()
    assert "(Left)" in timeline.back_button.toolTip() and "(Right)" in timeline.forward_button.toolTip()


def assert_all_controls_usable(timeline: Timeline) -> list[QRect]:
    """Every control shown, inside the timeline, at least as wide as it needs, none overlapping."""
    rects = []
    for widget in controls(timeline):
        rect = geometry_in(widget, timeline)
        assert widget.isVisible() and timeline.rect().contains(rect), (widget, rect, timeline.rect())
        least = widget.minimumWidth() or widget.minimumSizeHint().width()
        assert rect.width() >= least and rect.height() >= widget.minimumSizeHint().height(), widget
        assert not any(rect.intersects(other) for other in rects), widget
        rects.append(rect)
    return rects


def test_one_compact_row_when_wide(qtbot, timeline):
    # 1800 px here: the offscreen platform's 12 pt font is a third larger than a desktop's 9 pt,
    # with which one row fits from ~1370 px.
    resize_host(qtbot, timeline, 1800)
    qtbot.waitUntil(lambda: timeline.rows == 1 and timeline.height() <= 32)
    rects = assert_all_controls_usable(timeline)
    assert max(r.top() for r in rects) < min(r.bottom() for r in rects)  # all share one row
    assert timeline.slider.width() > ONE_ROW_SLIDER_WIDTH


def test_the_narrowest_one_row_still_fits_everything(qtbot, timeline):
    width = next(w for w in range(400, 3000) if len(timeline.arrangement_for_width(w)) == 1)
    resize_host(qtbot, timeline, width)
    qtbot.waitUntil(lambda: timeline.rows == 1)
    assert_all_controls_usable(timeline)
    assert timeline.slider.width() >= ONE_ROW_SLIDER_WIDTH
    assert timeline.episode_box.width() >= timeline.episode_box.sizeHint().width()
    resize_host(qtbot, timeline, width - 1)
    qtbot.waitUntil(lambda: timeline.rows == 2)


def test_more_rows_when_narrow_and_one_again_when_wide(qtbot, timeline):
    resize_host(qtbot, timeline, 600)  # the body view of a 1024 px window
    qtbot.waitUntil(lambda: timeline.rows > 1)
    rects = assert_all_controls_usable(timeline)
    assert timeline.height() <= 32 * timeline.rows
    steps = geometry_in(timeline.slider, timeline)
    assert all(r.bottom() >= steps.center().y() for r in rects) and steps.width() >= SLIDER_MIN_WIDTH  # slider on top
    timeline.show_position(6, 1234, 0, 9999, live=False, history_offset=8765)  # long texts fit too
    qtbot.waitUntil(lambda: timeline.height() == timeline.sizeHint().height())
    assert_all_controls_usable(timeline)
    assert timeline.position_label.text() == "t = 12.34 s · step 1234 / 9999"
    resize_host(qtbot, timeline, 1800)
    qtbot.waitUntil(lambda: timeline.rows == 1 and timeline.height() <= 32)


def test_at_its_least_width_every_control_still_fits(qtbot, timeline):
    least = timeline.minimumSizeHint().width()
    assert least <= 600
    resize_host(qtbot, timeline, least)
    qtbot.waitUntil(lambda: timeline.height() == timeline.sizeHint().height())
    assert_all_controls_usable(timeline)


def test_fewer_rows_as_it_widens(timeline):
    rows = [len(timeline.arrangement_for_width(w)) for w in range(300, 2500, 10)]
    assert rows == sorted(rows, reverse=True) and rows[0] > 2 and rows[-1] == 1


def test_describe_episode_names_what_ran_and_how_it_ended():
    history = History(channel_count(3))
    for step in range(42):
        history.add(frame(step, episode=5, done=step == 41), None)
    history.branch(5, 20, frame(20, episode=6, done=False), None)
    history.get(5).label = "hip-thrust"
    history.pin(5)
    assert describe_episode(history.get(5), live=False) == "episode 5 · hip-thrust · 0.41 s, ended · pinned"
    assert describe_episode(history.get(6), live=True) == "episode 6 · from 5 at step 20 (live)"


def frame(step: int, episode: int, done: bool) -> Frame:
    """One step's record as the simulation sends it (a model of 19 muscles, 3 plotted joint angles)."""
    return Frame(
        step=step,
        time=step * 0.01,
        excitations=np.zeros(19),
        activations=np.full(19, 0.05),
        coordinates=np.zeros(17),
        joint_angles=np.array([5.0, -10.0, 2.0]),
        pelvis_height=0.55 if done else 0.94,
        pelvis_vx=0.0,
        reward=9.0,
        total_reward=9.0 * step,
        done=done,
        episode=episode,
    )
