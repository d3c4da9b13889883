"""The camera's geometry, muscle colours and tubes, overlay text and video frame timing."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.render.overlay import excitation_summary
from muscle_lab.render.scene import (
    HIGHLIGHT_RADIUS,
    LEFT_SHADE,
    MUSCLE_RADIUS,
    Camera,
    MuscleStyle,
    fit_camera,
    muscle_midpoint,
    muscle_tubes,
    muscle_values,
    value_rgb,
)
from muscle_lab.render.video import VideoError, parse_video_size, video_frame_times

SIZE = (800, 600)


def test_the_target_projects_to_the_centre_and_up_is_up():
    camera = Camera(target=(1.0, 0.9, 0.0), distance=3.0, yaw=30.0, pitch=10.0, follow=False)
    (cx, cy), (_, uy) = camera.project(np.array([[1.0, 0.9, 0.0], [1.0, 1.4, 0.0]]), SIZE, None)
    assert (cx, cy) == pytest.approx((400.0, 300.0))
    assert uy < cy - 50


def test_side_view_has_forward_to_the_right_and_front_view_has_the_models_right_on_the_left():
    side = Camera(target=(0.0, 1.0, 0.0), distance=3.0, follow=False).with_view("side")
    ahead, behind = side.project(np.array([[0.5, 1.0, 0.0], [-0.5, 1.0, 0.0]]), SIZE, None)[:, 0]
    assert ahead > 400 > behind
    front = side.with_view("front")
    right, left = front.project(np.array([[0.0, 1.0, 0.3], [0.0, 1.0, -0.3]]), SIZE, None)[:, 0]
    assert right < 400 < left


def test_a_following_camera_keeps_the_pelvis_in_place_and_switching_does_not_jump():
    camera = Camera(target=(0.0, 0.9, 0.0), distance=3.0, follow=True)
    pelvis_a, pelvis_b = np.array([0.0, 0.9, 0.0]), np.array([2.0, 0.8, 0.1])
    a = camera.project(pelvis_a[None], SIZE, pelvis_a)[0]
    b = camera.project((pelvis_b * [1, 0, 1] + [0, 0.9, 0])[None], SIZE, pelvis_b)[0]
    assert a == pytest.approx(b)
    still = camera.with_follow(False, pelvis_b)
    point = np.array([[0.3, 0.5, 0.2]])
    assert still.project(point, SIZE, pelvis_b) == pytest.approx(camera.project(point, SIZE, pelvis_b))
    assert still.with_follow(True, pelvis_b).target == pytest.approx(camera.target)


def test_orbit_zoom_and_pan():
    camera = Camera(follow=False)
    assert camera.orbit(10.0, 100.0).pitch == 89.0  # never over the top
    assert camera.zoom(0.5).distance == pytest.approx(camera.distance * 0.5)
    moved = camera.pan(0.1, 0.0, None)
    x_before = camera.project(np.array([moved.target]), SIZE, None)[0, 0]
    assert x_before < 400  # a drag to the right moves the scene right: the new centre was on the left


def test_colours_run_from_blue_to_red_and_left_muscles_are_darker(hip_thrust):
    off, on = value_rgb(0.0), value_rgb(1.0)
    assert off[2] > off[0] and on[0] > on[2]
    pose = hip_thrust.poses[-1]
    tubes = muscle_tubes(pose, hip_thrust.scene, MuscleStyle(highlighted=(4,)))
    names = hip_thrust.muscle_names
    colour_of = {int(row[7]) - 1: row[4:7] for row in tubes.joints}
    radius_of = {int(row[7]) - 1: row[3] for row in tubes.joints}
    right, left = names.index("hamstrings_r"), names.index("hamstrings_l")
    shade = colour_of[left] / colour_of[right]
    assert shade == pytest.approx(np.full(3, LEFT_SHADE), rel=0.05)  # same activation, darker
    assert radius_of[4] == pytest.approx(HIGHLIGHT_RADIUS) and radius_of[0] == pytest.approx(MUSCLE_RADIUS)
    assert len(tubes.segments) == sum(len(p) - 1 for p in pose.muscle_paths)


def test_colour_can_show_excitation_or_fiber_force(hip_thrust):
    pose = hip_thrust.poses[1]  # one step in: activations are still rising, excitations are 1
    assert muscle_values(pose, "excitation")[[2, 4, 10, 12]] == pytest.approx(1.0)
    assert muscle_values(pose, "activation")[2] < 1.0
    assert np.array_equal(muscle_values(pose, "fiber_force"), np.clip(pose.fiber_forces, 0, 1))
    with pytest.raises(
        ValueError, match="unknown colouring 'force': choose one of activation, excitation, fiber_force"
    ):
        muscle_values(pose, "force")


def test_fit_camera_sees_the_whole_body(hip_thrust):
    pose = hip_thrust.poses[0]
    camera = fit_camera(pose, hip_thrust.scene, "side")
    pixels = camera.project(np.vstack([pose.body_positions, *pose.muscle_paths]), SIZE, pose.body_positions[0])
    assert (pixels >= 0).all() and (pixels[:, 0] < SIZE[0]).all() and (pixels[:, 1] < SIZE[1]).all()


def test_the_midpoint_is_halfway_along_the_path():
    path = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 3.0, 0.0]])
    assert muscle_midpoint(path) == pytest.approx([1.0, 1.0, 0.0])


def test_excitation_summary_names_the_driven_muscles():
    names = [f"m{i}" for i in range(19)]
    values = np.zeros(19)
    values[[2, 4, 10, 12]] = 1.0
    assert excitation_summary(values, names) == "excitations: 2 m2 1.00, 4 m4 1.00, 10 m10 1.00, 12 m12 1.00"
    values[5] = 0.5
    assert excitation_summary(values, names) == "excitations: 2 m2 1.00, 4 m4 1.00, 10 m10 1.00, 12 m12 1.00 +1 more"
    assert excitation_summary(np.full(19, 0.05), names) == "all 19 muscles at 0.05"


@pytest.mark.parametrize(
    ("end", "speed", "count"),
    [(0.41, 1.0, 13), (0.41, 0.25, 50), (0.40, 0.25, 49), (0.0, 1.0, 1), (1.0, 2.0, 16)],
)
def test_one_frame_per_thirtieth_of_a_second_of_video_time(end, speed, count):
    times = video_frame_times(0.0, end, speed)
    assert len(times) == count
    assert np.diff(times) == pytest.approx(np.full(count - 1, speed / 30))


def test_video_speed_and_size_are_checked():
    with pytest.raises(VideoError, match=r"^video speed must be between 0.05 and 20.0 \(got 0.0\)$"):
        video_frame_times(0.0, 1.0, 0.0)
    assert parse_video_size("640x480") == (640, 480)
    with pytest.raises(VideoError, match=r"^video size must look like 640x480 \(got 'big'\)$"):
        parse_video_size("big")
    with pytest.raises(VideoError, match=r"^video size must be even numbers from 16 to 4096 \(got '641x480'\)$"):
        parse_video_size("641x480")
