"""The muscle atlas through the core API, on the real model: effects, cache, cancellation, moment arms."""

from __future__ import annotations

import multiprocessing
import os
import threading

import numpy as np
import pytest
from processes import child_pids

from muscle_lab.core.atlas.cache import AtlasCache
from muscle_lab.core.atlas.effects import coordinate_side, joint_phrase, ordered_for
from muscle_lab.core.atlas.runs import AtlasCancelled, AtlasError, AtlasRun, AtlasSettings, run_atlas
from muscle_lab.core.paths import HOME_ENV
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.core.simulation.integrator import FAITHFUL
from muscle_lab.core.simulation.moment_arms import moment_arm_curves
from muscle_lab.core.simulation.process import SimulationProcess

SHORT = AtlasSettings(mode="fast", seconds=0.3)  # fast keeps every sign of the faithful atlas at this length
TINY = AtlasSettings(mode="fast", seconds=0.05)  # for the cache: what matters is which runs are simulated


@pytest.fixture(scope="module")
def short_atlas(tmp_path_factory):
    return AtlasRun(SHORT, cache=AtlasCache(tmp_path_factory.mktemp("atlas_cache"))).run()


def test_each_muscle_has_an_effect_with_its_run(short_atlas):
    result = short_atlas
    assert [e.index for e in result.effects] == list(range(19))
    assert result.coordinates == (
        "hip_flexion_r", "hip_adduction_r", "knee_angle_r", "ankle_angle_r",
        "hip_flexion_l", "hip_adduction_l", "knee_angle_l", "ankle_angle_l",
    )  # fmt: skip
    assert result.runs_computed == 20 and result.runs_from_cache == 0
    for effect in result.effects:
        run = effect.run
        assert len(run.frames) == len(run.poses) == 31  # the standing start and 30 steps: nobody falls in 0.3 s
        assert run.frames[0].time == 0.0 and run.poses[0] is not None
        assert run.excitations[effect.index] == 1.0 and run.excitations.sum() == 1.0
        assert set(effect.joint_changes_deg) == set(result.coordinates)
        assert effect.sentence.startswith(f"{effect.index} {effect.name} ")
    assert result.change_matrix().shape == (19, 8)
    times, angles = result.trace(result.effect(5).run, "hip_flexion_r")
    _, base_angles = result.trace(result.baseline, "hip_flexion_r")
    peak = int(np.argmax(np.abs(angles - base_angles)))
    assert result.effect(5).joint_changes_deg["hip_flexion_r"] == angles[peak] - base_angles[peak] > 0
    assert result.effect(5).peak_times_s["hip_flexion_r"] == times[peak]
    assert result.effect("iliopsoas_r") is result.effect(5)


def test_own_side_comes_first_and_the_main_joint_is_one_the_muscle_crosses(short_atlas):
    result = short_atlas
    for effect in result.effects:
        order = list(effect.joint_changes_deg)
        assert {coordinate_side(c) for c in order[:4]} == {effect.side}, effect.name
        assert coordinate_side(effect.main_joint) == effect.side
        assert effect.main_joint in result.model.crossed(effect.index)
        assert coordinate_side(effect.cross_joint) not in (effect.side, "")
    # What the old `explore` got wrong: the other leg's joint named for these two.
    assert result.effect("add_r").main_joint == "hip_adduction_r"
    assert result.effect("glut_max_r").main_joint == "hip_flexion_r"
    assert "(cross effect)" in result.effect("add_r").sentence


def test_the_standing_moment_arms_say_why(short_atlas):
    model = short_atlas.model
    assert model.crossed(3) == ("knee_angle_r",)  # bifemsh_r: the knee only
    assert model.crossed(16) == ("knee_angle_l", "ankle_angle_l")  # gastroc_l: two joints
    arm = {m.muscle: {c.coordinate: c.current_moment_arm_m for c in m.curves} for m in model.standing_moment_arms}
    assert arm["iliopsoas_r"]["hip_flexion_r"] > 0 > arm["glut_max_r"]["hip_flexion_r"]
    assert arm["vasti_l"]["knee_angle_l"] > 0 > arm["bifemsh_l"]["knee_angle_l"]
    assert arm["tib_ant_l"]["ankle_angle_l"] > 0 > arm["soleus_l"]["ankle_angle_l"]


def test_the_second_look_comes_from_the_cache_and_another_level_misses():
    assert AtlasRun(TINY).cached() is None  # nothing stored yet: and no process was started to find out
    first = run_atlas(TINY)
    assert first.runs_computed == 20
    assert AtlasRun(TINY).cached().from_cache
    again = run_atlas(TINY)
    assert again.from_cache and again.runs_from_cache == 20
    assert all(a.joint_changes_deg == b.joint_changes_deg for a, b in zip(first.effects, again.effects, strict=True))
    assert [f.joint_angles.tolist() for f in again.effect(4).run.frames] == [
        f.joint_angles.tolist() for f in first.effect(4).run.frames
    ]
    other_level = run_atlas(AtlasSettings(mode="fast", seconds=0.05, level=0.9))
    assert (other_level.runs_computed, other_level.runs_from_cache) == (19, 1)  # only the all-at-0 run is shared


def test_a_corrupt_cache_file_is_ignored_and_replaced(isolated_user_data):
    run_atlas(TINY)
    files = sorted((isolated_user_data / "atlas_cache").glob("run-*.pickle"))
    assert len(files) == 20
    files[0].write_bytes(b"\x80\x04not a pickle at all")
    files[1].write_bytes(files[1].read_bytes()[:100])  # truncated
    result = run_atlas(TINY)
    assert (result.runs_computed, result.runs_from_cache) == (2, 18)
    assert sorted(result.cache_problems) == sorted(f"{f}: unreadable, replaced" for f in files[:2])
    assert run_atlas(TINY).from_cache  # both were written anew


def test_without_the_cache_nothing_is_written(isolated_user_data):
    run_atlas(TINY, use_cache=False)
    assert not (isolated_user_data / "atlas_cache").exists()


def run_in_thread(atlas: AtlasRun) -> tuple[threading.Thread, list[object]]:
    """Start `atlas.run()` in a thread, as the window's panel does; the list gets its result or error."""
    outcome: list[object] = []

    def work() -> None:
        try:
            outcome.append(atlas.run())
        except BaseException as error:  # noqa: BLE001 - the test looks at what came out
            outcome.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    return thread, outcome


def test_cancel_during_the_runs_returns_promptly_and_leaves_no_process():
    before, children = child_pids(), set(multiprocessing.active_children())
    started = threading.Event()
    atlas = AtlasRun(AtlasSettings(seconds=0.5), progress=lambda p: p.fraction > 0 and started.set(), use_cache=False)
    thread, outcome = run_in_thread(atlas)
    assert started.wait(120), "no step was simulated"
    atlas.cancel()
    thread.join(5.0)  # a bound, not a wait: the run ends well within it
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], AtlasCancelled) and atlas.cancelled
    assert set(multiprocessing.active_children()) <= children
    assert child_pids() <= before


def test_cancel_before_the_processes_have_loaded_the_model():
    before, children = child_pids(), set(multiprocessing.active_children())
    atlas = AtlasRun(AtlasSettings(seconds=0.5), use_cache=False)
    thread, outcome = run_in_thread(atlas)
    atlas.cancel()
    thread.join(5.0)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], AtlasCancelled)
    assert set(multiprocessing.active_children()) <= children
    assert child_pids() <= before


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"level": 1.5}, "level must be in [0, 1], got 1.5"),
        ({"base": float("nan")}, "base must be in [0, 1], got nan"),
        ({"seconds": 0.001}, "seconds must be at least 0.01 and finite, got 0.001"),
        ({"mode": "turbo"}, "unknown mode 'turbo'; choose one of faithful, fast, reference"),
    ],
)
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(AtlasError) as raised:
        AtlasSettings(**settings)
    assert str(raised.value) == message


def test_a_missing_model_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"model file not found: {tmp_path / 'none.osim'}"):
        run_atlas(AtlasSettings(model_path=str(tmp_path / "none.osim")))


def test_sign_words_follow_the_models_conventions():
    assert joint_phrase("hip_flexion_r", 38.2) == "flexes the right hip by 38°"
    assert joint_phrase("knee_angle_l", -12) == "flexes the left knee by 12°"  # knee range -120..10: bent is negative
    assert joint_phrase("knee_angle_r", 9) == "extends the right knee by 9°"
    assert joint_phrase("ankle_angle_l", -30) == "plantarflexes the left ankle by 30°"
    assert joint_phrase("hip_adduction_r", -4) == "abducts the right hip by 4°"
    assert joint_phrase("r_elbow_flex", 50) == "flexes the right elbow by 50°"
    assert joint_phrase("wrist_dev", 5) == "moves wrist_dev by +5°"
    assert ordered_for("left", ["hip_flexion_r", "lumbar_extension", "knee_angle_l"]) == [
        "knee_angle_l", "lumbar_extension", "hip_flexion_r",
    ]  # fmt: skip


def test_moment_arms_from_a_simulation_and_from_the_process_agree():
    simulation = Simulation(None, FAITHFUL)
    simulation.set_excitations([0.05] * 19)
    simulation.run(0.05)
    before = simulation.state.getY().to_numpy().copy()
    direct = moment_arm_curves(simulation.loaded, simulation.state, 4, points=121)
    assert np.array_equal(simulation.state.getY().to_numpy(), before)  # the pose is swept in a copy
    assert direct.muscle == "glut_max_r"
    assert [c.coordinate for c in direct.curves] == ["hip_flexion_r", "hip_adduction_r", "hip_rotation_r"]
    hip = direct.curve("hip_flexion_r")
    assert hip.values[0] == pytest.approx(-120) and hip.values[-1] == pytest.approx(120) and len(hip.values) == 121
    assert hip.current_moment_arm_m < 0  # an extensor at this pose
    assert direct.curve("hip_rotation_r").locked
    for curve in direct.curves:  # OpenSim's moment arm is -dL/dq: the sweep's lengths say the same
        slope = np.gradient(curve.lengths_m, np.radians(curve.values))
        assert np.median(np.abs(curve.moment_arms_m + slope)) < 1e-4, curve.coordinate

    process = SimulationProcess(None, FAITHFUL)
    try:
        process.set_excitations([0.05] * 19)
        for _ in range(5):
            process.step()
        served = process.moment_arms(4, points=121)
        with pytest.raises(IndexError, match="no muscle 19: the model has 19"):
            process.moment_arms(19)
        with pytest.raises(ValueError, match="points must be from 2 to 1001, got 1"):
            process.moment_arms(4, points=1)
    finally:
        process.close()
    assert served.time == pytest.approx(direct.time)
    for mine, theirs in zip(direct.curves, served.curves, strict=True):
        assert mine.coordinate == theirs.coordinate
        assert np.allclose(mine.moment_arms_m, theirs.moment_arms_m, atol=1e-9)
        assert np.allclose(mine.lengths_m, theirs.lengths_m, atol=1e-9)


def test_the_cache_lives_in_the_user_data_folder(isolated_user_data):
    assert os.environ[HOME_ENV] == str(isolated_user_data)
    assert AtlasCache().folder == isolated_user_data / "atlas_cache"
