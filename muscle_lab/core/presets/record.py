"""Record the sliders: the excitations a run applied, step by step, kept as per-muscle step
keyframes where a value changes (at the simulated time it started to apply), so that playing
the sequence from the standing start applies them again at the same steps.

Frames are what the simulation applied (after mute and solo, a replay's values until a slider
took over): the recording is of the run, not of the mouse, and its times are exact.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.presets.sequence import STEP, ExcitationSequence

CHANGE_TOLERANCE = 1e-9


class SliderRecording:
    """One episode's applied excitations as keyframes; a frame of another episode starts it over."""

    def __init__(self, muscles: Sequence[str]) -> None:
        self.muscles = tuple(muscles)
        self.episode: int | None = None
        self._start_take(None)

    def _start_take(self, episode: int | None) -> None:
        self.episode = episode
        self.end_time = 0.0
        self._tracks: list[list[tuple[float, float]]] = [[] for _ in self.muscles]
        self._last = np.full(len(self.muscles), np.nan)

    @property
    def empty(self) -> bool:
        return self.episode is None

    def add(self, frame: Frame) -> bool:
        """Keep a frame's excitations (applied from `frame.time` - one step); True when a
        keyframe was added (the shown sequence changed beyond its end)."""
        if frame.step == 0 or len(frame.excitations) != len(self.muscles):
            return False  # the standing start applied nothing; another model's frame is not ours
        if frame.episode != self.episode:
            self._start_take(frame.episode)  # a new episode: a new take
        start = round(frame.time - STEP_SECONDS, 6)
        values = np.asarray(frame.excitations, dtype=float)
        changed = ~(np.abs(values - self._last) <= CHANGE_TOLERANCE)  # NaN (no value yet) counts as changed
        for muscle in np.flatnonzero(changed):
            self._tracks[muscle].append((start, float(values[muscle])))
        self._last = values.copy()
        self.end_time = max(self.end_time, round(frame.time, 6))
        return bool(changed.any())

    def sequence(self) -> ExcitationSequence | None:
        """The take as step keyframes, each track held to the end of the recorded run; None
        before any step was recorded."""
        if self.empty:
            return None
        tracks = []
        for track in self._tracks:
            held = list(track)
            if held and held[-1][0] < self.end_time - CHANGE_TOLERANCE:
                held.append((self.end_time, held[-1][1]))
            tracks.append(tuple(held))
        return ExcitationSequence(self.muscles, (), tuple(tracks), STEP, False)
