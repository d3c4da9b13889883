"""Locked coordinates as fixed geometry: the same equations, checked on every osim-rl gait model."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import opensim
import pytest

from muscle_lab.core.observation.reader import ObservationReader
from muscle_lab.core.paths import default_model_path, osim_rl_models_dir
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.core.simulation.integrator import FAITHFUL, REFERENCE, settings_for
from muscle_lab.core.simulation.locked_joints import FixedCoordinate
from muscle_lab.core.simulation.model import LoadedModel

GAIT_MODELS = (
    "gait14dof22musc_pros_20180507",
    "gait14dof22musc_20170320",
    "gait14dof22musc_planar_20170320",
    "gait14dof22musc_planar_pros_20180507",
    "gait9dof18musc",
    "gait9dof18musc_20170320",
    "gait9dof18musc_pros_20180507",
)


def _started(loaded: LoadedModel) -> opensim.State:
    """The standing start with every control at 0.05, realized to accelerations."""
    state = loaded.model.initializeState()
    loaded.model.equilibrateMuscles(state)
    loaded.set_controls([0.05] * len(loaded.muscles))
    loaded.model.realizeAcceleration(state)
    return state


@pytest.mark.parametrize("name", GAIT_MODELS)
def test_welding_keeps_the_equations_of_every_osim_rl_gait_model(name):
    path = osim_rl_models_dir() / f"{name}.osim"
    full, welded = LoadedModel(path), LoadedModel(path, weld_locked=True)
    locked = [c.getName() for c in full.coordinates if c.getDefaultLocked()]
    fixed = [c.name for c in welded.fixed_coordinates]
    assert "lumbar_extension" in fixed  # every gait model locks its lumbar extension
    assert set(fixed) <= set(locked)
    # A locked coordinate something else needs stays, locked (none in these models: the planar
    # ones' hip adduction goes with its limit force).
    kept = [c for c in welded.coordinates if c.getName() in set(locked) - set(fixed)]
    assert all(isinstance(c, opensim.Coordinate) and c.getDefaultLocked() for c in kept)
    full_state, welded_state = _started(full), _started(welded)
    assert welded_state.getNY() == full_state.getNY() - 2 * len(fixed)  # a value and a speed each

    # Same pose, and the same accelerations of every coordinate and body: the same equations.
    assert welded.coordinate_values(welded_state) == pytest.approx(full.coordinate_values(full_state), abs=1e-12)
    full_acc = np.array([c.getAccelerationValue(full_state) for c in full.coordinates])
    welded_acc = np.array([c.getAccelerationValue(welded_state) for c in welded.coordinates])
    assert np.abs(welded_acc - full_acc).max() <= 1e-9 * np.abs(full_acc).max()
    for full_body, welded_body in zip(full.bodies, welded.bodies, strict=True):
        assert welded_body.getName() == full_body.getName()
        assert np.allclose(
            welded_body.getTransformInGround(welded_state).p().to_numpy(),
            full_body.getTransformInGround(full_state).p().to_numpy(),
            atol=1e-12,
        )
        assert np.allclose(
            welded_body.getAccelerationInGround(welded_state).get(1).to_numpy(),
            full_body.getAccelerationInGround(full_state).get(1).to_numpy(),
            rtol=1e-9,
            atol=1e-9 * np.abs(full_acc).max(),
        )


def test_a_welded_coordinate_reads_its_locked_value_everywhere():
    simulation = Simulation()  # faithful: welded
    lumbar = simulation.coordinate_names.index("lumbar_extension")
    assert isinstance(simulation.loaded.coordinates[lumbar], FixedCoordinate)
    frames = simulation.run(0.1)
    for frame in frames:
        assert frame.coordinates[lumbar] == pytest.approx(-0.0872665, abs=1e-7)
        assert frame.joint_angles[simulation.joint_angle_names.index("lumbar_extension")] == pytest.approx(
            -5.0, abs=1e-4
        )
    assert simulation.locked_joint_angles == ("hip_rotation_r", "hip_rotation_l", "lumbar_extension")


def test_the_observation_is_the_same_with_and_without_welding():
    welded, full = Simulation(integrator=FAITHFUL), Simulation(integrator=REFERENCE)
    assert welded.state.getNY() == 66 and full.state.getNY() == 72
    welded_vector = ObservationReader(welded.loaded).vector(welded.state)
    full_vector = ObservationReader(full.loaded).vector(full.state)
    assert welded_vector.shape == full_vector.shape == (160,)
    assert np.allclose(welded_vector, full_vector, rtol=1e-9, atol=1e-6)
    desc = ObservationReader(welded.loaded).state_desc(welded.state)
    assert desc["joint_pos"]["back"] == [pytest.approx(-0.0872665, abs=1e-7)]
    assert desc["joint_vel"]["hip_r"][2] == 0.0


def test_the_welded_trajectory_follows_the_constrained_one():
    """The default model standing at 0.05 and the hip thrust, same integrator, 0.3 s: within 0.1 mm
    and 0.1 degrees, the integrator's own error (its step sizes follow the error of other states)."""
    constrained = dataclasses.replace(FAITHFUL, weld_locked_coordinates=False)
    thrust = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]
    for excitations in ([0.05] * 19, thrust):
        runs = []
        for settings in (FAITHFUL, constrained):
            simulation = Simulation(integrator=settings)
            simulation.set_excitations(excitations)
            runs.append(simulation.run(0.3, stop_at_done=False))
        welded, kept = runs
        assert len(welded) == len(kept) == 30
        for a, b in zip(welded, kept, strict=True):
            assert abs(a.pelvis_height - b.pelvis_height) < 1e-4
            assert np.abs(np.array(a.joint_angles) - np.array(b.joint_angles)).max() < 0.1


def test_a_locked_coordinate_something_refers_to_stays(tmp_path):
    """A spring on hip_rotation_r needs that coordinate: it stays, locked; the others go."""
    text = default_model_path().read_text(encoding="utf-8")
    text = text.replace("<coordinate>ankle_angle_r</coordinate>", "<coordinate>hip_rotation_r</coordinate>", 1)
    assert "<coordinate>hip_rotation_r</coordinate>" in text
    path = tmp_path / "sprung.osim"
    path.write_text(text, encoding="utf-8")
    loaded = LoadedModel(path, weld_locked=True)
    assert [c.name for c in loaded.fixed_coordinates] == ["hip_rotation_l", "lumbar_extension"]
    kept = loaded.coordinates[loaded.coordinate_names.index("hip_rotation_r")]
    assert isinstance(kept, opensim.Coordinate) and kept.getDefaultLocked()


def test_a_limit_force_goes_with_its_locked_coordinate_and_changes_no_motion(tmp_path):
    """The planar model's right hip adduction locked at 40 degrees, beyond its limit force's 30:
    the force pushes (its record says so), the lock takes it all. Welded without the force, the
    accelerations equal the locked model's at random states (values, speeds, activations, fiber
    lengths), within 1e-9 of the largest."""
    text = (osim_rl_models_dir() / "gait14dof22musc_planar_20170320.osim").read_text(encoding="utf-8")
    start = text.index('<Coordinate name="hip_adduction_r">')
    at = text.index("<default_value>0</default_value>", start)
    text = text[:at] + f"<default_value>{math.radians(40)!r}</default_value>" + text[at + 32 :]
    path = tmp_path / "adducted.osim"
    path.write_text(text, encoding="utf-8")
    full, welded = LoadedModel(path), LoadedModel(path, weld_locked=True)
    dropped = dict(welded.dropped_forces)
    assert set(dropped) == {"HipAddLimit_r", "HipAddLimit_l"} and dropped["HipAddLimit_r"][0] < -100
    live = [c.getName() for c in welded.coordinates if not isinstance(c, FixedCoordinate)]
    rng = np.random.default_rng(5)
    full_state, welded_state = full.model.initializeState(), welded.model.initializeState()
    for _ in range(20):
        for name in live:
            value, speed = rng.uniform(-0.5, 0.5), rng.normal(0, 1)
            value += 0.94 if name == "pelvis_ty" else 0.0
            for loaded, state in ((full, full_state), (welded, welded_state)):
                coordinate = loaded.model.getCoordinateSet().get(name)
                coordinate.setValue(state, value, False)
                coordinate.setSpeedValue(state, speed)
        for m in range(len(full.muscles)):
            activation, fiber = rng.uniform(0.02, 1.0), rng.uniform(0.5, 1.5)
            for loaded, state in ((full, full_state), (welded, welded_state)):
                muscle = opensim.ActivationFiberLengthMuscle.safeDownCast(loaded.muscle_objects[m])
                muscle.setActivation(state, activation)
                muscle.setFiberLength(state, fiber * muscle.getOptimalFiberLength())
        full.model.realizeAcceleration(full_state)
        welded.model.realizeAcceleration(welded_state)
        theirs = np.array([full.model.getCoordinateSet().get(n).getAccelerationValue(full_state) for n in live])
        ours = np.array([welded.model.getCoordinateSet().get(n).getAccelerationValue(welded_state) for n in live])
        assert np.abs(ours - theirs).max() <= 1e-9 * np.abs(theirs).max()
        limit = full.model.getForceSet().get("HipAddLimit_r").getRecordValues(full_state).get(0)
        assert limit == pytest.approx(dropped["HipAddLimit_r"][0], rel=1e-12)


def test_welding_can_be_turned_off(monkeypatch):
    assert settings_for("faithful").weld_locked_coordinates
    assert not settings_for("reference").weld_locked_coordinates
    monkeypatch.setenv("MUSCLE_LAB_KEEP_LOCKED", "1")
    kept = settings_for("faithful")
    assert not kept.weld_locked_coordinates and kept.method == FAITHFUL.method
    simulation = Simulation(integrator=kept)
    assert simulation.state.getNY() == 72 and simulation.loaded.fixed_coordinates == ()


def test_moment_arms_about_a_welded_coordinate_are_still_measured():
    from muscle_lab.core.simulation.moment_arms import moment_arm_curves

    simulation = Simulation()
    index = simulation.muscle_names.index("glut_max_r")
    curves = moment_arm_curves(simulation.loaded, simulation.state, index)
    rotation = curves.curve("hip_rotation_r")
    assert rotation.locked and math.isfinite(rotation.current_moment_arm_m)
    assert np.abs(rotation.moment_arms_m).max() > 1e-3  # glut max turns the hip about its long axis


@pytest.mark.parametrize("settings", [FAITHFUL, REFERENCE], ids=["welded", "as written"])
def test_moment_arms_never_move_the_simulations_state(settings):
    """At a reset the simulation's state is the model's working state: measuring moment arms
    must not reset it (initializeState would)."""
    from muscle_lab.core.simulation.moment_arms import moment_arm_curves

    simulation = Simulation(integrator=settings)
    simulation.set_excitations([0.05] * 19)
    simulation.step()
    simulation.reset()
    before = simulation.state.getY().to_numpy().copy()
    moment_arm_curves(simulation.loaded, simulation.state, simulation.muscle_names.index("glut_max_r"))
    assert np.array_equal(simulation.state.getY().to_numpy(), before)
