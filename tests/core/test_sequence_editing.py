"""The excitation editor's operations (core.presets.edit) and Record the sliders
(core.presets.record), without Qt: each edit gives a new sequence that a preset file takes back
unchanged, clamped and snapped to the 0.01 s step."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.presets import edit
from muscle_lab.core.presets.edit import EditError
from muscle_lab.core.presets.record import SliderRecording
from muscle_lab.core.presets.sequence import ExcitationSequence, Phase, sequence_from_data
from muscle_lab.core.presets.store import PresetStore

MUSCLES = ("a", "b", "c")
TWO_PHASES = ExcitationSequence(MUSCLES, (Phase(0.15, (1.0, 0.0, 0.5)), Phase(0.5, (0.0, 1.0, 0.5))))
KEYS = ExcitationSequence(MUSCLES, (), (((0.0, 0.2), (0.3, 0.8)), ((0.1, 1.0),), ()), "linear")


def frame_with(step: int, excitations: tuple[float, ...], episode: int = 0) -> Frame:
    """A step's frame with only what a recording reads filled in."""
    nothing = np.zeros(0)
    values = np.array(excitations)
    return Frame(
        step, step * STEP_SECONDS, values, values, nothing, nothing, 0.9, 0.0, 0.0, 0.0, False, episode=episode
    )


def durations(sequence: ExcitationSequence) -> list[float]:
    return [phase.duration for phase in sequence.phases]


def still_a_valid_file(sequence: ExcitationSequence) -> bool:
    return sequence_from_data(sequence.to_data(), sequence.muscles) == sequence


def test_moving_a_boundary_shares_the_change_with_the_next_phase_and_snaps_to_a_step():
    moved = edit.move_boundary(TWO_PHASES, 0, 0.2549)
    assert durations(moved) == [0.25, 0.4]
    assert moved.duration == pytest.approx(0.65)
    assert still_a_valid_file(moved)


def test_a_boundary_cannot_make_a_phase_shorter_than_a_step():
    assert durations(edit.move_boundary(TWO_PHASES, 0, -3.0)) == [STEP_SECONDS, 0.64]
    assert durations(edit.move_boundary(TWO_PHASES, 0, 9.0)) == [0.64, STEP_SECONDS]


def test_the_last_boundary_changes_the_length():
    assert durations(edit.move_boundary(TWO_PHASES, 1, 1.0)) == [0.15, 0.85]
    assert durations(edit.move_boundary(TWO_PHASES, 1, 0.0)) == [0.15, STEP_SECONDS]


def test_a_phase_value_is_clamped_to_0_1():
    assert edit.set_phase_value(TWO_PHASES, 1, 0, 1.7).phases[1].excitations == (1.0, 1.0, 0.5)
    assert edit.set_phase_value(TWO_PHASES, 0, 2, -0.2).phases[0].excitations == (1.0, 0.0, 0.0)
    assert TWO_PHASES.phases[0].excitations == (1.0, 0.0, 0.5)  # the original is unchanged (undo keeps it)


def test_split_and_merge_phases():
    split = edit.split_phase(TWO_PHASES, 0.4)
    assert durations(split) == [0.15, 0.25, 0.25]
    assert split.phases[1].excitations == split.phases[2].excitations
    assert edit.merge_at_boundary(split, 1) == dataclasses.replace(TWO_PHASES)
    with pytest.raises(EditError, match=r"no room to split a phase at 0\.15 s"):
        edit.split_phase(TWO_PHASES, 0.151)
    with pytest.raises(EditError, match="the last phase's end is the sequence's end"):
        edit.merge_at_boundary(TWO_PHASES, 1)
    with pytest.raises(EditError, match="no phase 3: the sequence has 2"):
        edit.set_phase_value(TWO_PHASES, 2, 0, 0.5)


def test_keyframes_move_between_their_neighbours_with_values_clamped():
    moved = edit.move_keyframe(KEYS, 0, 0, 0.9, 1.4)
    assert moved.keyframes[0] == ((0.29, 1.0), (0.3, 0.8))
    assert edit.move_keyframe(KEYS, 0, 1, -1.0, 0.5).keyframes[0] == ((0.0, 0.2), (0.01, 0.5))
    assert still_a_valid_file(moved)


def test_keyframes_are_added_in_order_replacing_one_at_the_same_step_and_removed():
    added = edit.add_keyframe(KEYS, 2, 0.123, 0.7)
    added = edit.add_keyframe(added, 0, 0.1, 0.4)
    assert added.keyframes[0] == ((0.0, 0.2), (0.1, 0.4), (0.3, 0.8))
    assert added.keyframes[2] == ((0.12, 0.7),)
    assert edit.add_keyframe(added, 0, 0.3001, 0.1).keyframes[0][-1] == (0.3, 0.1)
    removed = edit.remove_keyframe(added, 0, 1)
    assert removed.keyframes[0] == KEYS.keyframes[0]
    assert still_a_valid_file(removed)
    with pytest.raises(EditError, match="muscle 1 has no keyframe 4"):
        edit.remove_keyframe(KEYS, 1, 4)
    with pytest.raises(EditError, match="keyframes, not phases"):
        edit.move_boundary(KEYS, 0, 0.1)


def test_the_last_keyframe_stays():
    one = ExcitationSequence(MUSCLES, (), (((0.0, 0.2),), (), ()))
    with pytest.raises(EditError, match="last keyframe stays"):
        edit.remove_keyframe(one, 0, 0)


def test_phases_become_keyframes_that_play_the_same():
    keys = edit.phases_to_keyframes(TWO_PHASES)
    assert keys.keyframes[2] == ((0.0, 0.5), (0.65, 0.5))
    assert keys.duration == pytest.approx(TWO_PHASES.duration)
    for step in range(80):
        assert np.array_equal(keys.for_step(step), TWO_PHASES.for_step(step)), step


def test_a_recording_keeps_what_changed_at_the_step_it_started_to_apply():
    recording = SliderRecording(MUSCLES)
    assert recording.sequence() is None
    applied = {1: (0.0, 0.0, 0.0), 2: (0.0, 0.0, 0.0), 3: (0.5, 0.0, 0.0), 4: (0.5, 0.0, 0.0), 5: (0.5, 1.0, 0.0)}
    changes = [recording.add(frame_with(step, values)) for step, values in applied.items()]
    assert changes == [True, False, True, False, True]
    sequence = recording.sequence()
    assert sequence.keyframes == (
        ((0.0, 0.0), (0.02, 0.5), (0.05, 0.5)),
        ((0.0, 0.0), (0.04, 1.0), (0.05, 1.0)),
        ((0.0, 0.0), (0.05, 0.0)),
    )
    played = {step + 1: tuple(sequence.for_step(step)) for step in range(5)}
    assert played == applied  # frame n's values are the ones the sequence gives step n - 1


def test_a_new_episode_starts_a_new_take(tmp_path):
    recording = SliderRecording(MUSCLES)
    recording.add(frame_with(1, (1.0, 1.0, 1.0), episode=0))
    recording.add(frame_with(1, (0.2, 0.0, 0.0), episode=1))
    recording.add(frame_with(2, (0.2, 0.0, 0.3), episode=1))
    sequence = recording.sequence()
    assert sequence.keyframes[2] == ((0.0, 0.0), (0.01, 0.3), (0.02, 0.3))
    store = PresetStore(user_dir=tmp_path)
    store.save("take", MUSCLES, [0.0] * 3, model="m", sequence=sequence)
    assert store.get("take").sequence == sequence
