"""Excitation patterns over time: phases (a duration and one value per muscle each) or per-muscle
keyframes with step or linear interpolation, optionally looping (a gait cycle).

A constant pattern is a one-phase sequence. Past the end of a sequence that does not loop, its
last values hold. `for_step(n)` gives the values for the step that starts after n steps of
0.01 s, at that step's start time, as `recording.replay.ControlsSchedule` does, so either drives
a run the same way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.user_files import brief_repr

STEP = "step"
LINEAR = "linear"
INTERPOLATIONS = (STEP, LINEAR)
TIME_TOLERANCE = 1e-9  # a step's start time, a sum of 0.01 s, must fall in the phase that starts then
CONSTANT_DURATION = 1.0  # the nominal length of a constant pattern's one phase (it holds forever)


class SequenceError(ValueError):
    """A sequence that cannot be played: says which part and why."""


class StepSchedule(Protocol):
    """What drives a run's excitations step by step (a sequence, a replayed controls file)."""

    def for_step(self, steps_done: int) -> np.ndarray: ...


@dataclass(frozen=True)
class Phase:
    duration: float  # seconds, > 0
    excitations: tuple[float, ...]  # one per muscle, in [0, 1]


@dataclass(frozen=True)
class ExcitationSequence:
    """Phases, or keyframes (per muscle: (time, value) pairs, times increasing from >= 0); not both."""

    muscles: tuple[str, ...]
    phases: tuple[Phase, ...] = ()
    keyframes: tuple[tuple[tuple[float, float], ...], ...] = ()  # one track per muscle (may be empty: 0)
    interpolation: str = STEP  # between keyframes
    loop: bool = False

    @classmethod
    def constant(cls, muscles: Sequence[str], excitations: Sequence[float]) -> ExcitationSequence:
        return cls(tuple(muscles), (Phase(CONSTANT_DURATION, tuple(float(v) for v in excitations)),))

    @property
    def is_constant(self) -> bool:
        return len(self.phases) == 1 and not self.loop

    @property
    def duration(self) -> float:
        """One pass: the phases' total, or the last keyframe's time."""
        if self.phases:
            return sum(phase.duration for phase in self.phases)
        return max((track[-1][0] for track in self.keyframes if track), default=0.0)

    def excitations_at(self, time: float) -> np.ndarray:
        """The values in force at `time` (seconds from the start of the run)."""
        period = self.duration
        if self.loop and period > 0:
            time = math.fmod(time + TIME_TOLERANCE, period) - TIME_TOLERANCE
            time = max(time, 0.0)
        if self.phases:
            return np.array(self._phase_at(time).excitations, dtype=float)
        return np.array([_track_value(track, time, self.interpolation) for track in self.keyframes], dtype=float)

    def for_step(self, steps_done: int) -> np.ndarray:
        return self.excitations_at(steps_done * STEP_SECONDS)

    def reordered(self, muscle_names: Sequence[str]) -> ExcitationSequence:
        """The same pattern for another muscle order; muscles it lacks hold 0, extra ones are dropped."""
        index = {name: i for i, name in enumerate(self.muscles)}

        def pick(values: Sequence[Any], empty: Any) -> tuple[Any, ...]:
            return tuple(values[index[m]] if m in index else empty for m in muscle_names)

        phases = tuple(Phase(p.duration, pick(p.excitations, 0.0)) for p in self.phases)
        keyframes = pick(self.keyframes, ()) if self.keyframes else ()
        return ExcitationSequence(tuple(muscle_names), phases, keyframes, self.interpolation, self.loop)

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"loop": self.loop}
        if self.phases:
            data["phases"] = [{"duration": p.duration, "excitations": list(p.excitations)} for p in self.phases]
        else:
            data["interpolation"] = self.interpolation
            data["keyframes"] = {
                m: [[t, v] for t, v in track] for m, track in zip(self.muscles, self.keyframes, strict=True) if track
            }
        return data

    def _phase_at(self, time: float) -> Phase:
        start = 0.0
        for phase in self.phases:
            start += phase.duration
            if time + TIME_TOLERANCE < start:
                return phase
        return self.phases[-1]


def _track_value(track: Sequence[tuple[float, float]], time: float, interpolation: str) -> float:
    if not track:
        return 0.0
    times = [t for t, _ in track]
    after = int(np.searchsorted(times, time + TIME_TOLERANCE, side="right"))  # keyframes at or before `time`
    if after == 0:
        return track[0][1]
    if after == len(track) or interpolation == STEP:
        return track[after - 1][1]
    (t0, v0), (t1, v1) = track[after - 1], track[after]
    return v0 + (v1 - v0) * (time - t0) / (t1 - t0)


# -- reading and checking ------------------------------------------------------------------
def sequence_from_data(data: Any, muscles: Sequence[str]) -> ExcitationSequence:
    """Check a preset file's "sequence" object; raise SequenceError naming the first problem."""
    if not isinstance(data, dict):
        raise SequenceError(f"sequence must be an object with phases or keyframes, got {brief_repr(data)}")
    unknown = sorted(set(data) - {"loop", "phases", "keyframes", "interpolation"})
    if unknown:
        raise SequenceError(f"sequence has unknown field(s): {', '.join(unknown)}")
    loop = data.get("loop", False)
    if not isinstance(loop, bool):
        raise SequenceError(f"sequence loop must be true or false, got {brief_repr(loop)}")
    has_phases, has_keyframes = "phases" in data, "keyframes" in data
    if has_phases == has_keyframes:
        raise SequenceError("a sequence has either phases or keyframes (exactly one of them)")
    if has_phases:
        if "interpolation" in data:
            raise SequenceError("interpolation applies to keyframes, not phases")
        sequence = ExcitationSequence(tuple(muscles), _phases(data["phases"], muscles), loop=loop)
    else:
        interpolation = data.get("interpolation", STEP)
        if interpolation not in INTERPOLATIONS:
            raise SequenceError(f"interpolation must be 'step' or 'linear', got {brief_repr(interpolation)}")
        keyframes = _keyframes(data["keyframes"], muscles)
        sequence = ExcitationSequence(tuple(muscles), (), keyframes, interpolation, loop)
    if loop and sequence.duration <= 0:
        raise SequenceError("a looping sequence needs a duration above 0 (a keyframe after time 0)")
    return sequence


def check_phases(muscles: Sequence[str], phases: Sequence[Phase]) -> tuple[Phase, ...]:
    """Phases built in code (the optimiser's): the same checks as a file's."""
    data = [{"duration": p.duration, "excitations": list(p.excitations)} for p in phases]
    return _phases(data, muscles)


def _phases(data: Any, muscles: Sequence[str]) -> tuple[Phase, ...]:
    if not isinstance(data, list) or not data:
        raise SequenceError("phases must be a non-empty list")
    phases = []
    for number, phase in enumerate(data, start=1):
        where = f"phase {number}"
        if not isinstance(phase, dict) or set(phase) != {"duration", "excitations"}:
            raise SequenceError(f"{where}: expected an object with duration and excitations, got {brief_repr(phase)}")
        duration = _number(phase["duration"], f"{where}: duration")
        if duration <= 0:
            raise SequenceError(f"{where}: duration must be above 0 s, got {duration:g}")
        values = phase["excitations"]
        if not isinstance(values, list) or len(values) != len(muscles):
            count = len(values) if isinstance(values, list) else brief_repr(values)
            raise SequenceError(f"{where}: {len(muscles)} muscles but {count} excitations")
        pairs = enumerate(zip(muscles, values, strict=True))  # the counts are equal: checked above
        checked = tuple(_excitation(v, f"{where}: excitation {i} ({m})") for i, (m, v) in pairs)
        phases.append(Phase(duration, checked))
    return tuple(phases)


def _keyframes(data: Any, muscles: Sequence[str]) -> tuple[tuple[tuple[float, float], ...], ...]:
    if not isinstance(data, Mapping) or not data:
        raise SequenceError("keyframes must be an object: muscle name -> [[time, value], ...]")
    unknown = [name for name in data if name not in muscles]
    if unknown:
        raise SequenceError(f"keyframes for muscle(s) the preset does not list: {', '.join(map(str, unknown))}")
    tracks = []
    for muscle in muscles:
        pairs = data.get(muscle, [])
        if not isinstance(pairs, list):
            raise SequenceError(f"keyframes of {muscle}: expected a list of [time, value], got {brief_repr(pairs)}")
        track: list[tuple[float, float]] = []
        for pair in pairs:
            where = f"keyframe {len(track) + 1} of {muscle}"
            if not isinstance(pair, list) or len(pair) != 2:
                raise SequenceError(f"{where}: expected [time, value], got {brief_repr(pair)}")
            time = _number(pair[0], f"{where}: time")
            if time < 0:
                raise SequenceError(f"{where}: time must be 0 or more, got {time:g}")
            if track and time <= track[-1][0]:
                raise SequenceError(f"{where}: time {time:g} s is not after the previous keyframe's")
            track.append((time, _excitation(pair[1], f"{where}: value")))
        tracks.append(tuple(track))
    return tuple(tracks)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SequenceError(f"{what} is not a number: {brief_repr(value)}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number):
        raise SequenceError(f"{what} is not a finite number: {value}")
    return number


def _excitation(value: Any, what: str) -> float:
    number = _number(value, what)
    if not 0.0 <= number <= 1.0:
        raise SequenceError(f"{what} = {number:g} is outside [0, 1]")
    return number
