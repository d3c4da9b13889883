"""Offscreen GL rendering of real models, checked on the pixels."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest

from muscle_lab.core.paths import default_model_path, osim_rl_models_dir
from muscle_lab.core.simulation.model import LoadedModel
from muscle_lab.core.simulation.pose import PoseReader
from muscle_lab.render.meshes import load_mesh
from muscle_lab.render.renderer import BACKGROUND, Renderer
from muscle_lab.render.scene import Camera, MuscleStyle, fit_camera, muscle_midpoint

HIP_THRUST = (2, 4, 10, 12)  # hamstrings_r, glut_max_r, hamstrings_l, glut_max_l: on
SIZE = (640, 480)  # the shared renderer's, as tests/render/conftest.py makes it


def _mesh_points_in_ground(scene, pose, mesh_file: str) -> np.ndarray:
    """The centre of each triangle of a bone mesh, placed where the pose puts the bone."""
    mesh = next(m for m in scene.meshes if m.mesh_file == mesh_file)
    triangles = load_mesh(mesh.path)
    centres = triangles.positions[triangles.triangles].mean(axis=1) * np.array(mesh.scale)
    rotation, translation = pose.frame_rotations[mesh.frame_index], pose.frame_translations[mesh.frame_index]
    return centres @ rotation.T + translation


def _widened(mask: np.ndarray) -> np.ndarray:
    """The mask grown by one pixel in every direction."""
    padded = np.pad(mask, 1)
    height, width = mask.shape
    return np.any([padded[dy : dy + height, dx : dx + width] for dy in range(3) for dx in range(3)], axis=0)


def _is_on(pixels: np.ndarray) -> bool:
    """Mostly red: the "on" end of the blue-to-red scale (however lit or shaded)."""
    return bool(np.median(pixels[:, 0]) > 3 * np.median(pixels[:, 2]))


def _is_off(pixels: np.ndarray) -> bool:
    return bool(np.median(pixels[:, 2]) > 2 * np.median(pixels[:, 0]))


def _lit_pixels(image: np.ndarray, ids: np.ndarray, muscle: int) -> np.ndarray:
    """The muscle's own surface, without the dark outline drawn around it."""
    pixels = image[ids == muscle][:, :3].astype(float)
    return pixels[pixels.max(axis=1) > 60]


@pytest.mark.parametrize("view", ["side", "front", "three_quarter"])
@pytest.mark.parametrize("moment", [0, -1], ids=["standing", "after the hip thrust"])
def test_bones_are_drawn_where_the_pelvis_and_feet_are(hip_thrust, renderer, boneless, view, moment):
    assert renderer.size == SIZE
    pose = hip_thrust.poses[moment]
    camera = fit_camera(pose, hip_thrust.scene, view)
    with_bones, without = renderer.render(pose, camera), boneless.render(pose, camera)
    muscles = renderer.id_image() >= 0
    # Where the image changes with bones, widened by a pixel: a foot seen edge-on is one pixel thin.
    bone_drawn = _widened(np.abs(with_bones[:, :, :3].astype(int) - without[:, :, :3]).sum(axis=2) > 30)
    background = np.round(np.array(BACKGROUND) * 255)
    assert (np.abs(with_bones[0, 0, :3] - background) <= 1).all()  # the sky
    for mesh_file in ("pelvis.vtp", "l_foot.vtp", "r_pros_foot.vtp"):
        points = _mesh_points_in_ground(hip_thrust.scene, pose, mesh_file)
        pixels = np.round(renderer.project(points)).astype(int)
        inside = (pixels[:, 0] >= 0) & (pixels[:, 0] < SIZE[0]) & (pixels[:, 1] >= 0) & (pixels[:, 1] < SIZE[1])
        assert inside.all()
        x, y = pixels[:, 0], pixels[:, 1]
        uncovered = ~muscles[y, x]  # muscles in front of a bone are drawn with or without it
        share = bone_drawn[y, x][uncovered].mean()
        assert uncovered.mean() > 0.3 and share > 0.9, f"{mesh_file}: bone at {share:.0%} of its triangles"


def test_after_the_hip_thrust_hamstrings_and_glutes_are_on(hip_thrust, renderer):
    pose = hip_thrust.poses[-1]
    names = hip_thrust.muscle_names
    for view, yaw in (("from the right", 0.0), ("from the left", 180.0)):
        camera = dataclasses.replace(fit_camera(pose, hip_thrust.scene, "side"), yaw=yaw)
        image = renderer.render(pose, camera)
        ids = renderer.id_image()
        side = "_r" if yaw == 0.0 else "_l"
        for muscle in HIP_THRUST:
            if names[muscle].endswith(side):
                pixels = _lit_pixels(image, ids, muscle)
                assert len(pixels) > 100, f"{names[muscle]} {view}: only {len(pixels)} pixels"
                assert _is_on(pixels), f"{names[muscle]} {view}: {np.median(pixels, axis=0)}"
        for muscle_name in ("vasti" + side, "iliopsoas" + side):
            pixels = _lit_pixels(image, ids, names.index(muscle_name))
            assert len(pixels) > 20 and _is_off(pixels), muscle_name


def test_left_leg_muscles_are_darker_than_the_right(hip_thrust, renderer):
    pose = hip_thrust.poses[-1]
    image = renderer.render(pose, fit_camera(pose, hip_thrust.scene, "front"))
    ids = renderer.id_image()
    names = hip_thrust.muscle_names
    right = np.median(_lit_pixels(image, ids, names.index("hamstrings_r")), axis=0)
    left = np.median(_lit_pixels(image, ids, names.index("hamstrings_l")), axis=0)
    assert left[0] < 0.8 * right[0]


def test_picking_finds_the_muscle_under_a_pixel(hip_thrust, renderer):
    pose = hip_thrust.poses[-1]
    renderer.render(pose, fit_camera(pose, hip_thrust.scene, "side"))  # from the right
    names = hip_thrust.muscle_names
    for name in ("abd_r", "hamstrings_r", "glut_max_r", "vasti_r"):
        x, y = renderer.project(muscle_midpoint(pose.muscle_paths[names.index(name)])[None])[0]
        assert renderer.pick(x, y) == names.index(name)
    assert renderer.pick(2, 2) is None  # the sky
    assert renderer.pick(-1, 10) is None and renderer.pick(SIZE[0], 10) is None
    ids = renderer.id_image()
    rows, columns = np.nonzero(ids == names.index("bifemsh_r"))
    assert renderer.pick(columns[0], rows[0]) == names.index("bifemsh_r")


def test_the_highlighted_muscle_is_thicker(hip_thrust, renderer):
    pose = hip_thrust.poses[-1]
    camera = fit_camera(pose, hip_thrust.scene, "side")
    abd = hip_thrust.muscle_names.index("abd_r")
    renderer.render(pose, camera)
    plain = (renderer.id_image() == abd).sum()
    renderer.render(pose, camera, MuscleStyle(highlighted=(abd,)))
    assert (renderer.id_image() == abd).sum() > 1.2 * plain
    x, y = renderer.label_anchor(abd)
    assert renderer.pick(x, y) == abd


def test_the_ground_grid_stays_with_the_ground(hip_thrust, renderer, boneless):
    """Seen by a fixed camera, moving the body does not move the grid; a following camera sees it slide."""
    pose = hip_thrust.poses[0]
    moved = dataclasses.replace(pose, body_positions=pose.body_positions + np.array([0.3, 0.0, 0.0]))
    fixed = fit_camera(pose, hip_thrust.scene, "three_quarter", follow=False)
    corner = (slice(SIZE[1] - 60, SIZE[1]), slice(0, 60))  # ground, away from the body
    assert np.array_equal(boneless.render(pose, fixed)[corner], boneless.render(moved, fixed)[corner])
    following = fixed.with_follow(True, pose.body_positions[0])
    assert not np.array_equal(boneless.render(pose, following)[corner], boneless.render(moved, following)[corner])


def test_arm26_renders():
    loaded = LoadedModel(osim_rl_models_dir() / "arm26.osim")
    reader = PoseReader(loaded)
    pose = reader.read(loaded.model.initializeState())
    renderer = Renderer((400, 400))
    try:
        renderer.set_scene(reader.scene)
        assert renderer.missing_meshes == ()
        camera = fit_camera(pose, reader.scene, "side", follow=False)
        image = renderer.render(pose, camera)
        ids = renderer.id_image()
        # Its ghost's coarser meshes: the hand's small bones collapse at the ghost's cell and are kept whole.
        with_ghost = renderer.render(pose, camera, ghost=pose)
    finally:
        renderer.release()
    ivory = (image[:, :, 0].astype(int) - image[:, :, 2] > 10) & (image[:, :, 0] > 120) & (ids < 0)
    assert ivory.mean() > 0.03  # humerus, forearm and trunk bones
    # The same pose as ghost hides behind the body (pushed back for the depth test) but for slivers.
    assert with_ghost.shape == image.shape and (with_ghost != image).any()
    assert len(set(np.unique(ids)) - {-1}) >= 4  # most of the six arm muscles are in view


def test_gait9dof18musc_renders():
    loaded = LoadedModel(osim_rl_models_dir() / "gait9dof18musc_20170320.osim")
    reader = PoseReader(loaded)
    pose = reader.read(loaded.model.initializeState())
    renderer = Renderer((300, 400))
    try:
        renderer.set_scene(reader.scene)
        assert renderer.missing_meshes == ()
        renderer.render(pose, fit_camera(pose, reader.scene, "front"))
        seen = {reader.scene.muscle_names[i] for i in np.unique(renderer.id_image()) if i >= 0}
    finally:
        renderer.release()
    assert {"glut_max_r", "glut_max_l", "tib_ant_r", "tib_ant_l"} <= seen


def test_missing_and_unreadable_meshes_are_reported_and_the_rest_drawn(tmp_path):
    model = tmp_path / "model.osim"
    shutil.copy(default_model_path(), model)
    (tmp_path / "Geometry").mkdir()
    shutil.copy(osim_rl_models_dir() / "Geometry" / "femur.vtp", tmp_path / "Geometry")
    (tmp_path / "Geometry" / "l_femur.vtp").write_text(
        (osim_rl_models_dir() / "Geometry" / "l_femur.vtp").read_text().replace('format="ascii"', 'format="binary"', 1)
    )
    loaded = LoadedModel(model)
    reader = PoseReader(loaded)
    pose = reader.read(loaded.model.initializeState())
    renderer = Renderer((300, 400))
    try:
        renderer.set_scene(reader.scene)
        missing = renderer.missing_meshes
        image = renderer.render(pose, fit_camera(pose, reader.scene, "side", follow=False))
        ids = renderer.id_image()
        femur = _mesh_points_in_ground(reader.scene, pose, "femur.vtp")
        x, y = np.round(renderer.project(femur)).astype(int).T
    finally:
        renderer.release()
    assert "pelvis.vtp" in missing and "femur.vtp" not in missing
    assert missing[-1] == "l_femur.vtp (l_femur.vtp: normals stored as binary; only ASCII .vtp files are read)"
    assert len(missing) == len({m.mesh_file for m in reader.scene.meshes}) - 1
    bone = (image[y, x, 0].astype(int) - image[y, x, 2] > 10) | (ids[y, x] >= 0)
    assert bone.mean() > 0.6  # the one mesh found is drawn (where muscles do not cover it)


def test_a_camera_without_a_scene_is_refused():
    renderer = Renderer((64, 48))
    try:
        with pytest.raises(RuntimeError, match=r"^set_scene\(\) before render\(\)$"):
            renderer.render(None, Camera())
    finally:
        renderer.release()
