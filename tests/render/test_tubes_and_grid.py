"""The per-frame muscle rows built for all muscles at once, and the ground grid fixed in the world."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest

from muscle_lab.render.renderer import GRID_COLOUR, GROUND_COLOUR
from muscle_lab.render.scene import (
    GHOST_MUSCLE_RADIUS,
    GHOST_MUSCLE_RGB,
    HIGHLIGHT_RADIUS,
    LEFT_SHADE,
    MUSCLE_RADIUS,
    MuscleStyle,
    fit_camera,
    ghost_muscle_segments,
    muscle_tubes,
    muscle_values,
    value_rgb,
)

SIZE = (640, 480)


def _tubes_one_muscle_at_a_time(pose, scene, style: MuscleStyle) -> tuple[np.ndarray, np.ndarray]:
    """The rows as the view defines them, muscle by muscle: (segments, joints)."""
    values = muscle_values(pose, style.colour_by)
    segments, joints = [], []
    for index, path in enumerate(pose.muscle_paths):
        colour = np.array(value_rgb(values[index]))
        if scene.muscle_sides[index] == "left":
            colour = colour * LEFT_SHADE
        radius = MUSCLE_RADIUS
        if index in style.highlighted:
            radius = HIGHLIGHT_RADIUS
        elif style.dim_others and style.highlighted:
            radius, colour = MUSCLE_RADIUS * 0.5, 0.55 + 0.3 * colour
        tail = [radius, *colour, index + 1]
        joints += [[*point, *tail] for point in path]
        segments += [[*start, *end, *tail] for start, end in itertools.pairwise(path)]
    return np.array(segments, np.float32), np.array(joints, np.float32)


@pytest.mark.parametrize(
    "style",
    [
        MuscleStyle(),
        MuscleStyle(colour_by="excitation", highlighted=(4,)),
        MuscleStyle(colour_by="fiber_force", highlighted=(12, 3)),
        MuscleStyle(highlighted=(10,), dim_others=True),
    ],
    ids=["plain", "excitation, one highlighted", "fiber force, two highlighted", "soloed"],
)
def test_the_tubes_of_every_muscle_are_the_rows_of_each_muscle_on_its_own(hip_thrust, style):
    for pose in (hip_thrust.poses[0], hip_thrust.poses[-1]):
        tubes = muscle_tubes(pose, hip_thrust.scene, style)
        segments, joints = _tubes_one_muscle_at_a_time(pose, hip_thrust.scene, style)
        assert tubes.segments.dtype == tubes.joints.dtype == np.float32
        assert np.array_equal(tubes.segments, segments)
        assert np.array_equal(tubes.joints, joints)
    # A muscle without path points (as a pose from another reader may have) draws nothing.
    pose = hip_thrust.poses[-1]
    paths = list(pose.muscle_paths)
    paths[2] = np.zeros((0, 3))
    tubes = muscle_tubes(dataclasses.replace(pose, muscle_paths=tuple(paths)), hip_thrust.scene, style)
    assert 3 not in tubes.segments[:, 10] and 3 not in tubes.joints[:, 7]
    assert len(tubes.joints) == sum(len(path) for path in paths)


def test_the_ghost_rows_follow_every_path_segment_in_its_grey(hip_thrust):
    pose = hip_thrust.poses[-1]
    rows = ghost_muscle_segments(pose)
    starts = np.vstack([path[:-1] for path in pose.muscle_paths])
    ends = np.vstack([path[1:] for path in pose.muscle_paths])
    assert np.array_equal(rows[:, :3], starts.astype(np.float32))
    assert np.array_equal(rows[:, 3:6], ends.astype(np.float32))
    tail = np.array([GHOST_MUSCLE_RADIUS, *(c / 255.0 for c in GHOST_MUSCLE_RGB), 0.0], np.float32)
    assert (rows[:, 6:] == tail).all()


@pytest.mark.parametrize("shift", [0.0, 0.37], ids=["standing", "body moved 0.37 m forward"])
def test_grid_lines_are_drawn_where_the_worlds_lines_are(hip_thrust, boneless, shift):
    """Seen by a camera following the pelvis, the metre lines, the quarter-metre lines and the
    plain ground between them are where those places of the world project."""
    pose = hip_thrust.poses[0]
    pose = dataclasses.replace(pose, body_positions=pose.body_positions + np.array([shift, 0.0, 0.0]))
    camera = fit_camera(pose, hip_thrust.scene, "three_quarter").zoom(1.5)
    image = boneless.render(pose, camera).astype(float)
    free = boneless.id_image() < 0
    pelvis = pose.body_positions[hip_thrust.scene.pelvis_index]
    # Points near the feet (within a metre or two: well inside the fade), on a metre line, on a
    # quarter line only, and in the middle of a quarter cell.
    base = np.floor(pelvis[[0, 2]])
    offsets = [(dx, dz) for dx in (-1.0, 0.0, 1.0) for dz in (-1.0, 0.0, 1.0)]
    brightness = {}
    for name, (fx, fz) in {"major": (0.0, 0.5 + 0.125), "minor": (0.25, 0.125), "plain": (0.125, 0.375)}.items():
        points = np.array([[base[0] + dx + fx, 0.0, base[1] + dz + fz] for dx, dz in offsets])
        pixels = np.floor(boneless.project(points)).astype(int)
        values = [image[y, x, :3].mean() for x, y in pixels if 0 <= x < SIZE[0] and 0 <= y < SIZE[1] and free[y, x]]
        assert len(values) >= 5, name
        brightness[name] = np.median(values)
    ground, line = np.mean(GROUND_COLOUR) * 255, np.mean(GRID_COLOUR) * 255
    assert brightness["plain"] == pytest.approx(ground, abs=4)
    assert brightness["major"] > ground + 0.6 * (line - ground)
    assert ground + 0.2 * (line - ground) < brightness["minor"] < brightness["major"]
