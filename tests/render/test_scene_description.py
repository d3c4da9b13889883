"""What the simulation process reads for the 3D view: meshes once per model, transforms per pose."""

from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest

from muscle_lab.core.paths import default_model_path, osim_rl_models_dir
from muscle_lab.core.simulation.model import LoadedModel
from muscle_lab.core.simulation.pose import PoseReader, resolve_mesh_file


def test_the_default_model_lists_its_bone_meshes_and_their_frames(hip_thrust):
    scene = hip_thrust.scene
    assert scene.missing_meshes == ()
    files = [m.mesh_file for m in scene.meshes]
    assert {"pelvis.vtp", "femur.vtp", "l_foot.vtp", "r_pros_foot.vtp", "hat_skull.vtp"} <= set(files)
    assert all(m.path is not None and m.path.endswith("/Geometry/" + m.mesh_file) for m in scene.meshes)
    frame_of = {m.mesh_file: scene.frame_names[m.frame_index] for m in scene.meshes}
    assert frame_of["l_femur.vtp"] == "/bodyset/femur_l"
    assert frame_of["r_pros_foot.vtp"] == "/bodyset/pros_foot_r/pros_foot_r_geom_frame_1"  # an offset frame
    assert hip_thrust.poses[0].body_names[scene.pelvis_index] == "pelvis"
    assert scene.muscle_sides[scene.muscle_names.index("glut_max_l")] == "left"


def test_each_pose_places_every_mesh_frame_in_ground(hip_thrust):
    scene = hip_thrust.scene
    for pose in (hip_thrust.poses[0], hip_thrust.poses[-1]):
        rotations, translations = pose.frame_rotations, pose.frame_translations
        assert rotations.shape == (len(scene.frame_names), 3, 3)
        assert np.allclose(rotations @ rotations.transpose(0, 2, 1), np.identity(3), atol=1e-9)
        for row, name in enumerate(scene.frame_names):
            if name.count("/") == 2:  # a body: its origin is the body position
                body = pose.body_names.index(name.rsplit("/", 1)[1])
                assert translations[row] == pytest.approx(pose.body_positions[body])
    # The hip thrust moves the bones: the left femur has turned.
    femur = scene.frame_names.index("/bodyset/femur_l")
    start, end = hip_thrust.poses[0].frame_rotations[femur], hip_thrust.poses[-1].frame_rotations[femur]
    assert np.degrees(np.arccos((np.trace(start.T @ end) - 1) / 2)) > 3


def test_poses_carry_excitations_and_normalised_fiber_forces(hip_thrust):
    first, last = hip_thrust.poses[1], hip_thrust.poses[-1]
    expected = np.zeros(len(hip_thrust.muscle_names))
    expected[[2, 4, 10, 12]] = 1.0
    assert first.excitations == pytest.approx(expected)
    glut = hip_thrust.muscle_names.index("glut_max_r")
    assert last.fiber_forces[glut] > 0.3 > hip_thrust.poses[0].fiber_forces[glut]
    assert pickle.loads(pickle.dumps(last)).frame_rotations == pytest.approx(last.frame_rotations)


def test_fiber_forces_are_optional():
    loaded = LoadedModel()
    state = loaded.model.initializeState()
    assert PoseReader(loaded, fiber_forces=False).read(state).fiber_forces is None


def test_missing_mesh_files_are_listed(tmp_path):
    model = tmp_path / "model.osim"
    shutil.copy(default_model_path(), model)
    (tmp_path / "Geometry").mkdir()
    kept = ("femur.vtp", "l_femur.vtp")
    for name in kept:
        shutil.copy(osim_rl_models_dir() / "Geometry" / name, tmp_path / "Geometry" / name)
    scene = PoseReader(LoadedModel(model)).scene
    every_file = tuple(dict.fromkeys(m.mesh_file for m in scene.meshes))
    assert scene.missing_meshes == tuple(f for f in every_file if f not in kept)
    assert {m.mesh_file: m.path for m in scene.meshes}["femur.vtp"] == str(tmp_path / "Geometry" / "femur.vtp")


def test_mesh_files_resolve_like_opensim(tmp_path):
    model = tmp_path / "models" / "m.osim"
    (tmp_path / "models" / "Geometry").mkdir(parents=True)
    (tmp_path / "extra").mkdir()
    beside, in_geometry, extra = (
        model.parent / "a.vtp",
        model.parent / "Geometry" / "a.vtp",
        tmp_path / "extra" / "b.vtp",
    )
    for path in (in_geometry, extra):
        path.write_text("x")
    assert resolve_mesh_file("a.vtp", model) == in_geometry
    beside.write_text("x")
    assert resolve_mesh_file("a.vtp", model) == beside  # the model's own folder comes first
    assert resolve_mesh_file("b.vtp", model) is None
    assert resolve_mesh_file("b.vtp", model, (tmp_path / "extra",)) == extra
    assert resolve_mesh_file(str(extra), model) == extra
