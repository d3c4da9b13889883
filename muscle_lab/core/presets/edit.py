"""Editing a sequence the way the window's excitation editor does: each operation takes an
`ExcitationSequence` and returns a new one (they are immutable, so undo keeps the old one).

Times snap to the simulation's 0.01 s step (a step plays one value, so finer times would not
change what plays), values are clamped to [0, 1], and a phase or a gap between keyframes is
never shorter than one step. A request that cannot apply (no such phase, the last phase
removed) raises EditError saying why; nothing is half-changed.
"""

from __future__ import annotations

import dataclasses

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.presets.sequence import ExcitationSequence, Phase

Keyframe = tuple[float, float]


class EditError(ValueError):
    """An edit that does not apply to this sequence."""


def snap_time(time: float) -> float:
    """The step boundary nearest `time` (never below 0), written without float noise."""
    return round(max(0.0, round(time / STEP_SECONDS) * STEP_SECONDS), 6)


def clamp_value(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def boundary_times(sequence: ExcitationSequence) -> list[float]:
    """Where each phase ends, from time 0 (the last one is the sequence's duration)."""
    ends, start = [], 0.0
    for phase in sequence.phases:
        start = round(start + phase.duration, 6)
        ends.append(start)
    return ends


def phase_at(sequence: ExcitationSequence, time: float) -> int:
    """The index of the phase playing at `time` (the last one past the end)."""
    for index, end in enumerate(boundary_times(sequence)):
        if time < end - 1e-9:
            return index
    return len(sequence.phases) - 1


# -- phases --------------------------------------------------------------------------------
def move_boundary(sequence: ExcitationSequence, index: int, time: float) -> ExcitationSequence:
    """Move the end of phase `index` to `time`: that phase and the next share the change (the
    phases after keep their start); the last phase's end lengthens or shortens it alone."""
    _check_phase(sequence, index)
    ends = boundary_times(sequence)
    start = ends[index - 1] if index > 0 else 0.0
    latest = ends[index + 1] - STEP_SECONDS if index + 1 < len(ends) else float("inf")
    end = min(max(snap_time(time), round(start + STEP_SECONDS, 6)), round(latest, 6))
    durations = [phase.duration for phase in sequence.phases]
    durations[index] = round(end - start, 6)
    if index + 1 < len(durations):
        durations[index + 1] = round(ends[index + 1] - end, 6)
    phases = tuple(Phase(d, p.excitations) for d, p in zip(durations, sequence.phases, strict=True))
    return dataclasses.replace(sequence, phases=phases)


def set_phase_value(sequence: ExcitationSequence, index: int, muscle: int, value: float) -> ExcitationSequence:
    """Muscle `muscle`'s excitation during phase `index` (clamped to [0, 1])."""
    _check_phase(sequence, index)
    _check_muscle(sequence, muscle)
    phase = sequence.phases[index]
    values = list(phase.excitations)
    values[muscle] = clamp_value(value)
    phases = list(sequence.phases)
    phases[index] = Phase(phase.duration, tuple(values))
    return dataclasses.replace(sequence, phases=tuple(phases))


def split_phase(sequence: ExcitationSequence, time: float) -> ExcitationSequence:
    """Cut the phase playing at `time` in two there (both with its values); a cut within a step
    of a boundary, or past the end, raises EditError."""
    _need_phases(sequence)
    cut = snap_time(time)
    index = phase_at(sequence, cut)
    ends = boundary_times(sequence)
    start = ends[index - 1] if index > 0 else 0.0
    if not start + STEP_SECONDS - 1e-9 <= cut <= ends[index] - STEP_SECONDS + 1e-9:
        raise EditError(f"no room to split a phase at {cut:.2f} s: a phase lasts at least one step (0.01 s)")
    phase = sequence.phases[index]
    halves = (Phase(round(cut - start, 6), phase.excitations), Phase(round(ends[index] - cut, 6), phase.excitations))
    phases = sequence.phases[:index] + halves + sequence.phases[index + 1 :]
    return dataclasses.replace(sequence, phases=phases)


def merge_at_boundary(sequence: ExcitationSequence, index: int) -> ExcitationSequence:
    """Remove the end of phase `index`: the next phase joins it (with phase `index`'s values)."""
    _check_phase(sequence, index)
    if index + 1 >= len(sequence.phases):
        raise EditError("the last phase's end is the sequence's end: drag it to change the length")
    first, second = sequence.phases[index], sequence.phases[index + 1]
    merged = Phase(round(first.duration + second.duration, 6), first.excitations)
    phases = (*sequence.phases[:index], merged, *sequence.phases[index + 2 :])
    return dataclasses.replace(sequence, phases=phases)


# -- keyframes -----------------------------------------------------------------------------
def move_keyframe(
    sequence: ExcitationSequence, muscle: int, index: int, time: float, value: float
) -> ExcitationSequence:
    """Move a keyframe to (`time`, `value`): the time stays between its neighbours' (a step
    apart at least) and at 0 or after, the value in [0, 1]."""
    track = list(_track(sequence, muscle))
    if not 0 <= index < len(track):
        raise EditError(f"muscle {muscle} has no keyframe {index} (it has {len(track)})")
    earliest = track[index - 1][0] + STEP_SECONDS if index > 0 else 0.0
    latest = track[index + 1][0] - STEP_SECONDS if index + 1 < len(track) else float("inf")
    moved = min(max(snap_time(time), round(earliest, 6)), round(latest, 6))
    track[index] = (moved, clamp_value(value))
    return _with_track(sequence, muscle, tuple(track))


def add_keyframe(sequence: ExcitationSequence, muscle: int, time: float, value: float) -> ExcitationSequence:
    """A keyframe at `time` (snapped to a step), replacing the value of one already there."""
    track = list(_track(sequence, muscle))
    added = (snap_time(time), clamp_value(value))
    track = [pair for pair in track if abs(pair[0] - added[0]) > 1e-9] + [added]
    return _with_track(sequence, muscle, tuple(sorted(track)))


def remove_keyframe(sequence: ExcitationSequence, muscle: int, index: int) -> ExcitationSequence:
    """Remove a keyframe; a sequence keeps at least one somewhere (else nothing would play)."""
    track = list(_track(sequence, muscle))
    if not 0 <= index < len(track):
        raise EditError(f"muscle {muscle} has no keyframe {index} (it has {len(track)})")
    if sum(len(t) for t in sequence.keyframes) == 1:
        raise EditError("the sequence's last keyframe stays: it needs one to play")
    del track[index]
    return _with_track(sequence, muscle, tuple(track))


def phases_to_keyframes(sequence: ExcitationSequence) -> ExcitationSequence:
    """The same pattern as per-muscle step keyframes: one where a muscle's value changes, and
    one at the end so that it lasts as long."""
    if not sequence.phases:
        return sequence
    starts = [0.0, *boundary_times(sequence)[:-1]]
    tracks = []
    for muscle in range(len(sequence.muscles)):
        track: list[Keyframe] = []
        for start, phase in zip(starts, sequence.phases, strict=True):
            if not track or track[-1][1] != phase.excitations[muscle]:
                track.append((start, phase.excitations[muscle]))
        if track[-1][0] < sequence.duration - 1e-9:
            track.append((round(sequence.duration, 6), track[-1][1]))
        tracks.append(tuple(track))
    return ExcitationSequence(sequence.muscles, (), tuple(tracks), "step", sequence.loop)


def _track(sequence: ExcitationSequence, muscle: int) -> tuple[Keyframe, ...]:
    if sequence.phases:
        raise EditError("this sequence has phases, not keyframes")
    _check_muscle(sequence, muscle)
    return sequence.keyframes[muscle] if sequence.keyframes else ()


def _with_track(sequence: ExcitationSequence, muscle: int, track: tuple[Keyframe, ...]) -> ExcitationSequence:
    tracks: list[tuple[Keyframe, ...]] = (
        list(sequence.keyframes) if sequence.keyframes else [() for _ in sequence.muscles]
    )
    tracks[muscle] = track
    return dataclasses.replace(sequence, keyframes=tuple(tracks))


def _need_phases(sequence: ExcitationSequence) -> None:
    if not sequence.phases:
        raise EditError("this sequence has keyframes, not phases")


def _check_phase(sequence: ExcitationSequence, index: int) -> None:
    _need_phases(sequence)
    if not 0 <= index < len(sequence.phases):
        raise EditError(f"no phase {index + 1}: the sequence has {len(sequence.phases)}")


def _check_muscle(sequence: ExcitationSequence, muscle: int) -> None:
    if not 0 <= muscle < len(sequence.muscles):
        raise EditError(f"no muscle {muscle}: the sequence has {len(sequence.muscles)}")
