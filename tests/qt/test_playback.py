"""The playback clock, driven by a clock the test moves: positions are checked by step, never
by wall time. One test runs the real timer on the real clock and waits on its signals."""

from __future__ import annotations

import itertools

import pytest

from muscle_lab.qt.history.playback import Playback, step_at


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def playback(qtbot, clock):
    """A clock over steps 0..40 (a hip thrust's length), paused at step 0, recording its signals."""
    playback = Playback(clock=clock)
    playback.set_range(0, 40)
    playback.shown = []
    playback.stepChanged.connect(playback.shown.append)
    yield playback
    playback.pause()


def test_a_steps_time_gives_that_step_despite_rounding():
    assert [step_at(step * 0.01) for step in range(200)] == list(range(200))
    assert step_at(0.0249) == 2 and step_at(0.025) == 2


def test_a_quarter_speed_advances_a_step_per_40_ms_of_the_clock(playback, clock):
    playback.set_speed(0.25)
    playback.play(from_step=3)
    assert playback.playing and playback.shown == [3]
    clock.advance(0.1)  # 0.025 s of episode time: 2.5 steps
    playback.tick()
    assert playback.step == 5
    clock.advance(0.1)  # 0.05 s in all: 5 steps
    playback.tick()
    assert playback.shown == [3, 5, 8]


def test_the_step_changes_only_when_the_clock_has_reached_the_next_one(playback, clock):
    playback.play(from_step=0)
    for _ in range(3):
        clock.advance(0.004)  # 0.012 s at true speed: step 1, announced once
        playback.tick()
        playback.tick()
    assert playback.shown == [1]
    clock.advance(0.05)  # a late tick skips steps rather than slowing the playback
    playback.tick()
    assert playback.shown == [1, 6]
    assert playback.shown_count == 2


def test_a_new_speed_goes_on_from_where_playback_is_without_a_jump(playback, clock):
    playback.play(from_step=10)
    clock.advance(0.035)  # 3.5 steps at true speed
    playback.tick()
    assert playback.step == 13
    playback.set_speed(0.1)
    playback.tick()
    assert playback.step == 13 and playback.speed == 0.1
    clock.advance(0.05)  # 0.005 s at 0.1x: from 13.5 to 14.0
    playback.tick()
    assert playback.shown == [10, 13, 14]


def test_at_the_last_step_playback_stops_and_says_so(playback, clock):
    playback.play(from_step=37)
    clock.advance(0.025)
    playback.tick()
    assert playback.step == 39 and playback.playing
    events = []
    playback.playingChanged.connect(lambda playing: events.append(("playing", playing)))
    playback.finished.connect(lambda: events.append(("finished",)))
    clock.advance(0.5)
    playback.tick()
    assert events == [("playing", False), ("finished",)]
    assert playback.shown == [37, 39, 40] and not playback.playing
    clock.advance(0.5)
    playback.tick()  # a stray tick after the end shows nothing
    assert playback.shown == [37, 39, 40]


def test_playing_from_the_last_step_starts_again_at_the_first(playback, clock):
    playback.seek(40)
    playback.play()
    assert playback.step == 0 and playback.shown == [40, 0]
    clock.advance(0.02)
    playback.tick()
    assert playback.step == 2


def test_loop_shows_the_last_step_for_its_time_then_wraps_to_the_first(playback, clock):
    playback.set_range(5, 12)
    playback.set_loop(True)
    playback.play(from_step=10)
    clock.advance(0.025)  # 12.5: the last step, on screen until 13
    playback.tick()
    assert playback.step == 12 and playback.playing
    clock.advance(0.01)  # 13.5: past the end
    playback.tick()
    assert playback.step == 5 and playback.playing
    clock.advance(0.03)  # measured from the wrap
    playback.tick()
    assert playback.shown == [10, 12, 5, 8]


def test_playing_goes_on_into_the_steps_a_live_episode_adds(playback, clock):
    playback.set_range(0, 5)
    playback.play(from_step=0)
    clock.advance(0.04)
    playback.tick()
    assert playback.step == 4
    playback.set_range(0, 20)  # the simulation delivered more steps
    clock.advance(0.1)
    playback.tick()
    assert playback.step == 14 and playback.playing


def test_seek_moves_the_playback_and_it_goes_on_from_there(playback, clock):
    playback.play(from_step=0)
    clock.advance(0.05)
    playback.tick()
    playback.seek(30)
    clock.advance(0.02)
    playback.tick()
    assert playback.shown == [5, 30, 32]
    playback.seek(99)  # clamped to the range
    assert playback.step == 40


def test_pause_holds_the_step_and_play_resumes_from_its_start(playback, clock):
    playback.play(from_step=20)
    clock.advance(0.036)
    playback.tick()
    playback.pause()
    clock.advance(1.0)
    playback.tick()
    assert playback.step == 23 and not playback.playing
    playback.play()
    clock.advance(0.01)
    playback.tick()
    assert playback.shown == [20, 23, 24]


def test_a_smaller_range_clamps_the_step_without_a_signal(playback):
    playback.seek(30)
    playback.set_range(0, 12)
    assert playback.step == 12 and playback.shown == [30]


def test_bad_ranges_and_speeds_are_refused(playback):
    with pytest.raises(ValueError, match=r"^an empty range of steps: first 5, last 4$"):
        playback.set_range(5, 4)
    with pytest.raises(ValueError, match=r"^playback speed must be above 0, not 0$"):
        playback.set_speed(0)
    assert playback.speed == 1.0 and (playback.first_step, playback.last_step) == (0, 40)


def test_the_timer_measures_how_late_its_ticks_fire(qtbot, playback, clock):
    playback.set_speed(0.5)
    playback.play(from_step=0)
    clock.advance(0.1)  # the first tick sees 100 ms where it waited for 15
    qtbot.waitUntil(lambda: playback.tick_count >= 1, timeout=5_000)
    assert playback.max_lateness_ms == pytest.approx(100 - playback.interval_ms)
    assert playback.step == 5  # the timer's tick moved the playback as the clock says
    playback.reset_stats()
    assert (playback.shown_count, playback.tick_count, playback.max_lateness_ms) == (0, 0, 0.0)


def test_real_timer_on_the_real_clock_plays_every_step_in_order_to_the_end(qtbot):
    playback = Playback()
    playback.set_range(0, 30)  # 0.3 s at true speed
    shown: list[int] = []
    playback.stepChanged.connect(shown.append)
    with qtbot.waitSignal(playback.finished, timeout=20_000):  # a hang detector only
        playback.play(from_step=10)
    assert shown[0] == 10 and shown[-1] == 30
    assert all(a < b for a, b in itertools.pairwise(shown))
    assert playback.shown_count == len(shown) and not playback.playing
    assert playback.tick_count >= 1 and playback.max_lateness_ms >= 0
