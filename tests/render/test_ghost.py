"""A second pose drawn as a translucent ghost over the live one, checked on real renders."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.render.scene import GHOST_OPACITY, GHOST_RGB, fit_camera, muscle_midpoint, pelvis_position


def _shifted(pose: BodyPose, forward: float) -> BodyPose:
    """The same pose moved `forward` metres along x (bones, bodies and muscle paths)."""
    offset = np.array([forward, 0.0, 0.0])
    return dataclasses.replace(
        pose,
        body_positions=pose.body_positions + offset,
        frame_translations=pose.frame_translations + offset,
        muscle_paths=tuple(path + offset for path in pose.muscle_paths),
    )


def _differs(a: np.ndarray, b: np.ndarray, threshold: int = 6) -> np.ndarray:
    """Pixels whose colours differ by more than `threshold` (summed over r, g, b)."""
    return np.abs(a[:, :, :3].astype(int) - b[:, :, :3]).sum(axis=2) > threshold


def _widened(mask: np.ndarray, by: int = 2) -> np.ndarray:
    padded = np.pad(mask, by)
    height, width = mask.shape
    span = range(2 * by + 1)
    return np.any([padded[dy : dy + height, dx : dx + width] for dy in span for dx in span], axis=0)


@pytest.fixture
def fixed_view(hip_thrust):
    """A side camera that stays put (not following the pelvis), so that poses can be compared."""
    return fit_camera(hip_thrust.poses[0], hip_thrust.scene, "side", follow=False)


def test_a_displaced_ghost_is_drawn_in_its_tint_over_what_is_behind(hip_thrust, renderer, fixed_view):
    live = hip_thrust.poses[0]
    ghost = _shifted(live, 0.7)  # clear of the live body in the side view
    empty = renderer.render(_shifted(live, 100.0), fixed_view)  # ground and sky only
    plain = renderer.render(live, fixed_view)
    ghost_alone = renderer.render(ghost, fixed_view)
    ghost_muscles = renderer.id_image() >= 0  # drawn thick here: a superset of the ghost's thin ones
    with_ghost = renderer.render(live, fixed_view, ghost=ghost)

    only_ghost = _differs(ghost_alone, empty, 30) & ~_widened(_differs(plain, empty, 30)) & ~_widened(ghost_muscles)
    assert only_ghost.sum() > 2000
    assert _differs(with_ghost, plain)[only_ghost].mean() > 0.9
    # Blended: shown = (1 - opacity) * behind + opacity * lighting * tint, with one lighting
    # factor for all three channels when the colour added is the ghost's tint. Where bones
    # overlap (ribs, spine, the legs side by side) two layers add up: lighting above 1.1.
    behind, shown = plain[only_ghost][:, :3].astype(float), with_ghost[only_ghost][:, :3].astype(float)
    lighting = (shown - (1 - GHOST_OPACITY) * behind) / (GHOST_OPACITY * np.array(GHOST_RGB))
    assert np.mean(np.ptp(lighting, axis=1) < 0.06) > 0.9
    assert 0.3 < np.median(lighting) < 1.1  # what one layer lit by the shader's lights gives
    assert (with_ghost[:, :, 3] == 255).all()  # blending leaves the image opaque


def test_a_real_earlier_pose_changes_the_image_only_inside_its_own_outline(hip_thrust, renderer, fixed_view):
    live, ghost = hip_thrust.poses[-1], hip_thrust.poses[0]  # 0.2 s into the hip thrust, and its start
    empty = renderer.render(_shifted(live, 100.0), fixed_view)
    ghost_outline = _widened(_differs(renderer.render(ghost, fixed_view), empty, 0), 1)
    plain = renderer.render(live, fixed_view)
    with_ghost = renderer.render(live, fixed_view, ghost=ghost)
    changed = _differs(with_ghost, plain, 0)
    assert changed.sum() > 2000
    assert not changed[~ghost_outline].any()
    assert (renderer.render(live, fixed_view) == plain).all()  # nothing of the ghost's drawing state stays


def test_the_same_pose_as_ghost_leaves_the_body_as_it_was(hip_thrust, renderer):
    live = hip_thrust.poses[-1]
    camera = fit_camera(live, hip_thrust.scene, "three_quarter", bone_points=renderer.bone_points(live))
    empty = renderer.render(_shifted(live, 100.0), camera.with_follow(False, pelvis_position(live, hip_thrust.scene)))
    plain = renderer.render(live, camera)
    same = renderer.render(live, camera, ghost=live)
    body = _differs(plain, empty, 30)
    assert body.sum() > 10_000
    assert _differs(same, plain)[body].mean() < 0.02  # the ghost hides behind the body it matches


def test_picking_sees_the_live_muscles_only_and_the_camera_follows_the_live_pelvis(hip_thrust, renderer):
    live = hip_thrust.poses[-1]
    camera = fit_camera(live, hip_thrust.scene, "side")  # following the pelvis
    plain = renderer.render(live, camera)
    plain_ids = renderer.id_image()
    ghost = _shifted(live, 0.4)
    with_ghost = renderer.render(live, camera, ghost=ghost)
    ids = renderer.id_image()
    assert (ids == plain_ids).all()  # the live body stays where it was: the camera ignored the ghost
    assert set(np.unique(ids[ids >= 0])) == set(np.unique(plain_ids[plain_ids >= 0]))

    midpoints = np.array([muscle_midpoint(path) for path in ghost.muscle_paths])
    pixels = np.round(renderer.project(midpoints)).astype(int)
    on_ghost_only = [(x, y) for x, y in pixels if 0 <= x < ids.shape[1] and 0 <= y < ids.shape[0] and ids[y, x] < 0]
    assert len(on_ghost_only) >= 5
    assert all(renderer.pick(x, y) is None for x, y in on_ghost_only)
    assert sum(_differs(with_ghost, plain)[y, x] for x, y in on_ghost_only) >= len(on_ghost_only) // 2
    for muscle in np.unique(plain_ids[plain_ids >= 0])[:4]:
        rows, columns = np.nonzero(plain_ids == muscle)
        assert renderer.pick(columns[len(rows) // 2], rows[len(rows) // 2]) == muscle
