"""The playback clock: moves the shown step through an episode at a fraction of true speed,
whatever speed the simulation computed it at (OpenSim Creator's and SCONE's scrubbers play the
same way). The position comes from a clock, not from counting ticks, so a late tick skips steps
instead of slowing the playback down."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from PyQt5.QtCore import QObject, Qt, QTimer, pyqtSignal

from muscle_lab.core.frame import STEP_SECONDS

DEFAULT_INTERVAL_MS = 15  # ~66 ticks a second: every step shows at 1x (100 steps a second) within 1.5 steps
LATENESS_SAMPLES = 4096  # the lateness of the most recent ticks, for a benchmark's median and p99
STEP_EPSILON = 1e-9  # step * 0.01 / 0.01 may come out a hair below `step`


def step_at(episode_time: float) -> int:
    """The step shown at an episode time: the last one that has begun."""
    return math.floor(episode_time / STEP_SECONDS + STEP_EPSILON)


class Playback(QObject):
    """A clock over the steps [first, last] of one episode. While playing, each tick shows the
    step at anchor_time + (clock() - anchor_wall) * speed; seeking, playing and changing the speed
    re-anchor, so the position never jumps."""

    stepChanged = pyqtSignal(int)  # only when the shown step changes
    finished = pyqtSignal()  # reached the last step without loop; playing has stopped
    playingChanged = pyqtSignal(bool)

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        interval_ms: int = DEFAULT_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timeout)
        self._first = 0
        self._last = 0
        self._step = 0
        self._speed = 1.0
        self._loop = False
        self._playing = False
        self._anchor_time = 0.0  # episode time at `_anchor_wall`
        self._anchor_wall = 0.0
        self._last_tick_wall: float | None = None
        self.reset_stats()

    # -- state ---------------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self._step

    @property
    def first_step(self) -> int:
        return self._first

    @property
    def last_step(self) -> int:
        return self._last

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        """Fraction of true speed: 1 shows a simulated second in a second of wall time."""
        return self._speed

    @property
    def loop(self) -> bool:
        return self._loop

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    # -- control -------------------------------------------------------------------------
    def set_range(self, first_step: int, last_step: int) -> None:
        """The steps to play over. The last grows with a live episode, and playing goes on into
        the new steps. The step is clamped into the range without a signal: the caller chose it."""
        if last_step < first_step:
            raise ValueError(f"an empty range of steps: first {first_step}, last {last_step}")
        self._first, self._last = first_step, last_step
        clamped = min(max(self._step, first_step), last_step)
        if clamped != self._step:
            self._step = clamped
            self._anchor_at(clamped)

    def set_speed(self, speed: float) -> None:
        """Re-anchored at the current position (between steps too), so changing speed never jumps."""
        if not speed > 0:
            raise ValueError(f"playback speed must be above 0, not {speed}")
        if self._playing:
            now = self._clock()
            self._anchor_time, self._anchor_wall = self._time_at(now), now
        self._speed = float(speed)

    def set_loop(self, loop: bool) -> None:
        self._loop = loop

    def play(self, from_step: int | None = None) -> None:
        """Play from `from_step` (the current step by default); from the last step it starts again at the first."""
        step = self._step if from_step is None else from_step
        step = min(max(step, self._first), self._last)
        if step >= self._last:
            step = self._first
        self.seek(step)
        self._last_tick_wall = self._anchor_wall
        if not self._playing:
            self._playing = True
            self._timer.start()
            self.playingChanged.emit(True)

    def pause(self) -> None:
        if self._playing:
            self._playing = False
            self._timer.stop()
            self.playingChanged.emit(False)

    def toggle(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def seek(self, step: int) -> None:
        """Show `step` (clamped to the range); playing goes on from its start."""
        step = min(max(step, self._first), self._last)
        self._anchor_at(step)
        self._show(step)

    def tick(self) -> None:
        """Show the step the clock has reached; the timer calls this, tests call it with a fake clock."""
        if not self._playing:
            return
        now = self._clock()
        step = step_at(self._time_at(now))
        if step > self._last and self._loop:
            # The last step has had its time on screen: start again at the first.
            self._anchor_time, self._anchor_wall = self._first * STEP_SECONDS, now
            self._show(self._first)
            return
        self._show(min(max(step, self._first), self._last))
        if self._step >= self._last and not self._loop:
            self.pause()
            self.finished.emit()

    # -- statistics for the benchmark ----------------------------------------------------
    def reset_stats(self) -> None:
        self.shown_count = 0  # stepChanged emissions
        self.tick_count = 0  # timer ticks while playing
        self.max_lateness_ms = 0.0  # the latest a timer tick fired after its interval
        self.lateness_ms: deque[float] = deque(maxlen=LATENESS_SAMPLES)

    # -- internals -----------------------------------------------------------------------
    def _time_at(self, wall: float) -> float:
        return self._anchor_time + (wall - self._anchor_wall) * self._speed

    def _anchor_at(self, step: int) -> None:
        self._anchor_time, self._anchor_wall = step * STEP_SECONDS, self._clock()

    def _show(self, step: int) -> None:
        if step != self._step:
            self._step = step
            self.shown_count += 1
            self.stepChanged.emit(step)

    def _on_timeout(self) -> None:
        now = self._clock()
        if self._last_tick_wall is not None:
            lateness = max(0.0, (now - self._last_tick_wall) * 1000.0 - self._timer.interval())
            self.lateness_ms.append(lateness)
            self.max_lateness_ms = max(self.max_lateness_ms, lateness)
        self._last_tick_wall = now
        self.tick_count += 1
        self.tick()
