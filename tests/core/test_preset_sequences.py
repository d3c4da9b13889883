"""Sequence presets (schema_version 2): phases and keyframes over time, loops, round trips
through the store, version 1 files unchanged, bad sequences refused with the exact reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.presets.format import read_preset_file
from muscle_lab.core.presets.sequence import ExcitationSequence, Phase, sequence_from_data
from muscle_lab.core.presets.store import (
    PresetError,
    PresetFileError,
    PresetStore,
    schedule_from_preset,
)
from muscle_lab.core.simulation.model_file import read_model_summary

FIXTURES = Path(__file__).parent / "fixtures" / "presets"
MUSCLES = read_model_summary(default_model_path()).muscle_names
THRUST = tuple(1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19))
CATCH = tuple(1.0 if i in (6, 7, 14, 15) else 0.0 for i in range(19))

BAD_SEQUENCES = {
    "negative-duration.json": "phase 1: duration must be above 0 s, got -0.1",
    "zero-duration.json": "phase 2: duration must be above 0 s, got 0",
    "phase-wrong-count.json": "phase 1: 19 muscles but 18 excitations",
    "phase-nan.json": "phase 1: excitation 0 (abd_r) is not a finite number: nan",
    "duration-nan.json": "phase 1: duration is not a finite number: nan",
    "keyframe-backwards.json": "keyframe 2 of vasti_r: time 0.1 s is not after the previous keyframe's",
    "keyframe-unknown-muscle.json": "keyframes for muscle(s) the preset does not list: soleus_r",
}


def two_phases(loop: bool = False) -> ExcitationSequence:
    return ExcitationSequence(MUSCLES, (Phase(0.15, THRUST), Phase(0.5, CATCH)), loop=loop)


def test_phases_give_each_step_the_values_at_its_start_time():
    sequence = two_phases()
    assert sequence.duration == pytest.approx(0.65)
    assert tuple(sequence.for_step(0)) == THRUST
    assert tuple(sequence.for_step(14)) == THRUST  # starts at 0.14 s
    assert tuple(sequence.for_step(15)) == CATCH  # starts at 0.15 s: the second phase's first step
    assert tuple(sequence.for_step(1000)) == CATCH  # after the end the last phase holds


def test_a_looping_sequence_starts_again():
    sequence = two_phases(loop=True)
    assert tuple(sequence.for_step(65)) == THRUST  # 0.65 s: the second pass
    assert tuple(sequence.for_step(80)) == CATCH


def test_keyframes_interpolate_step_or_linear():
    data = {"interpolation": "linear", "keyframes": {"vasti_r": [[0.0, 0.0], [0.2, 1.0]], "abd_r": [[0.1, 0.5]]}}
    linear = sequence_from_data(data, MUSCLES)
    vasti, abd = MUSCLES.index("vasti_r"), MUSCLES.index("abd_r")
    assert linear.for_step(10)[vasti] == pytest.approx(0.5)
    assert linear.for_step(0)[abd] == 0.5  # before its first keyframe a track holds that value
    assert linear.for_step(30)[vasti] == 1.0
    assert linear.for_step(5)[MUSCLES.index("soleus_l")] == 0.0  # no track: 0
    step = sequence_from_data({**data, "interpolation": "step"}, MUSCLES)
    assert step.for_step(19)[vasti] == 0.0
    assert step.for_step(20)[vasti] == 1.0


def test_a_constant_preset_is_a_one_phase_sequence(store):
    hip = store.get("hip-thrust")
    assert hip.sequence is None
    schedule = hip.schedule()
    assert schedule.is_constant
    assert tuple(schedule.for_step(0)) == hip.excitations == tuple(schedule.for_step(299))


def test_a_version_2_preset_round_trips_through_save_export_and_import(store, tmp_path):
    saved = store.save("two-step", MUSCLES, [0.0] * 19, model="m", description="d", sequence=two_phases(True))
    on_disk = json.loads(saved.path.read_text())
    assert on_disk["schema_version"] == 2
    assert "excitations" not in on_disk
    assert on_disk["sequence"]["phases"][0]["duration"] == 0.15
    again = store.get("two-step")
    assert again.sequence == two_phases(True)
    assert again.excitations == THRUST  # its values at time 0
    exported = store.export("two-step", tmp_path / "out.json")
    imported = PresetStore(user_dir=tmp_path / "other").import_file(
        exported, model="m", muscle_names=MUSCLES, name="back"
    )
    assert imported.sequence == two_phases(True)


def test_a_version_1_file_is_written_back_unchanged(store, tmp_path):
    exported = store.export("hip-thrust", tmp_path / "copy.json")
    original = json.loads((Path(store.builtin_dir) / "hip-thrust.json").read_text())
    assert json.loads(exported.read_text()) == original


def test_the_built_in_sequence_loads():
    preset = PresetStore().get("thrust-then-catch")
    assert preset.sequence is not None
    assert [p.duration for p in preset.sequence.phases] == [0.15, 0.5]


def test_a_sequence_is_matched_to_another_muscle_order(store):
    store.save("two-step", MUSCLES, [0.0] * 19, model="m", sequence=two_phases())
    reversed_names = tuple(reversed(MUSCLES))
    schedule, notes = schedule_from_preset("two-step", reversed_names, store)
    assert notes == []
    assert tuple(schedule.for_step(0)) == tuple(reversed(THRUST))


@pytest.mark.parametrize(("file_name", "reason"), BAD_SEQUENCES.items())
def test_each_bad_sequence_is_reported_with_file_and_reason(file_name, reason):
    path = FIXTURES / file_name
    with pytest.raises(PresetFileError) as raised:
        read_preset_file(path)
    assert raised.value.reason == reason


def test_bad_sequences_are_skipped_and_kept_beside_good_presets(store):
    store.user_dir.mkdir(parents=True)
    for file_name in BAD_SEQUENCES:
        shutil.copy(FIXTURES / file_name, store.user_dir)
    before = {p.name: p.read_bytes() for p in store.user_dir.glob("*.json")}
    listing = store.list_presets()
    assert "hip-thrust" in listing.names()
    assert sorted(p.path.name for p in listing.problems) == sorted(BAD_SEQUENCES)
    assert {p.name: p.read_bytes() for p in store.user_dir.glob("*.json")} == before


def test_saving_a_bad_sequence_is_refused_and_keeps_the_old_file(store):
    store.save("two-step", MUSCLES, [0.0] * 19, model="m", sequence=two_phases())
    before = (store.user_dir / "two-step.json").read_bytes()
    bad = ExcitationSequence(MUSCLES, (Phase(0.0, THRUST),))
    with pytest.raises(PresetError, match=r"^phase 1: duration must be above 0 s, got 0$"):
        store.save("two-step", MUSCLES, [0.0] * 19, model="m", sequence=bad, force=True)
    nan = ExcitationSequence(MUSCLES, (Phase(0.1, (float("nan"), *THRUST[1:])),))
    with pytest.raises(PresetError, match=r"^phase 1: excitation 0 \(abd_r\) is not a finite number: nan$"):
        store.save("two-step", MUSCLES, [0.0] * 19, model="m", sequence=nan, force=True)
    assert (store.user_dir / "two-step.json").read_bytes() == before
    assert np.array_equal(store.get("two-step").schedule().for_step(0), THRUST)


def test_the_step_time_lands_in_the_phase_that_starts_then():
    # 0.1 + 0.2 is not 0.3 in floating point: step 30 must still be in the second phase's successor
    sequence = ExcitationSequence(MUSCLES, (Phase(0.1, THRUST), Phase(0.2, CATCH), Phase(0.1, THRUST)))
    assert tuple(sequence.excitations_at(30 * STEP_SECONDS)) == THRUST
    assert tuple(sequence.excitations_at(29 * STEP_SECONDS)) == CATCH
