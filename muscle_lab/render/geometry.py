"""Shapes the renderer builds from: the unit cylinder and sphere of the muscle tubes (wound
outward), and the corners of the bones' boxes, placed by a pose to fit the camera around them."""

from __future__ import annotations

import numpy as np

from muscle_lab.core.simulation.pose import BodyPose


def unit_cylinder(sides: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """An open cylinder of radius 1 from z = 0 to z = 1: interleaved vertices (position,
    normal; float32) and triangles (uint32), counter-clockwise seen from outside."""
    angles = np.linspace(0.0, 2 * np.pi, sides, endpoint=False)
    ring = np.column_stack([np.cos(angles), np.sin(angles)])
    positions = np.vstack([np.column_stack([ring, np.zeros(sides)]), np.column_stack([ring, np.ones(sides)])])
    normals = np.column_stack([ring, np.zeros(sides)])
    normals = np.vstack([normals, normals])
    k = np.arange(sides)
    a, b, c, d = k, (k + 1) % sides, (k + 1) % sides + sides, k + sides
    triangles = np.vstack([np.column_stack([a, b, c]), np.column_stack([a, c, d])])
    return _pack(positions, normals), _outward(positions, triangles, centre_axis=True)


def unit_sphere(rings: int = 6, segments: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """A UV sphere of radius 1 at the origin, as `unit_cylinder` packs it."""
    theta = np.linspace(0.0, np.pi, rings + 1)
    phi = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    positions = np.column_stack([(np.sin(t) * np.cos(p)).ravel(), np.cos(t).ravel(), (np.sin(t) * np.sin(p)).ravel()])
    triangles = []
    for i in range(rings):
        for j in range(segments):
            a, b = i * segments + j, i * segments + (j + 1) % segments
            c, d = a + segments, b + segments
            triangles += [(a, c, b), (b, c, d)]
    triangles = np.array(triangles)
    areas = np.linalg.norm(np.cross(*(positions[triangles[:, k]] - positions[triangles[:, 0]] for k in (1, 2))), axis=1)
    triangles = triangles[areas > 1e-9]  # the poles' degenerate triangles
    return _pack(positions, positions), _outward(positions, triangles, centre_axis=False)


def _pack(positions: np.ndarray, normals: np.ndarray) -> np.ndarray:
    return np.column_stack([positions, normals]).astype(np.float32)


def _outward(positions: np.ndarray, triangles: np.ndarray, centre_axis: bool) -> np.ndarray:
    """Flip any triangle whose normal points inwards (towards the axis or the centre)."""
    a, b, c = (positions[triangles[:, k]] for k in range(3))
    centroid = (a + b + c) / 3
    if centre_axis:
        centroid = centroid * np.array([1.0, 1.0, 0.0])
    inward = np.einsum("ij,ij->i", np.cross(b - a, c - a), centroid) < 0
    triangles = triangles.copy()
    triangles[inward] = triangles[inward][:, [0, 2, 1]]
    return triangles.astype(np.uint32)


def bone_points(boxes: tuple[tuple[int, np.ndarray], ...], pose: BodyPose) -> np.ndarray:
    """The corners of these bone boxes (`Renderer.bone_boxes`) placed in ground by `pose`."""
    placed = [
        corners @ pose.frame_rotations[frame].T + pose.frame_translations[frame]
        for frame, corners in boxes
        if frame < len(pose.frame_rotations)
    ]
    return np.vstack(placed) if placed else np.zeros((0, 3))


def box_corners(bounds: np.ndarray) -> np.ndarray:
    """The 8 corners of a box given as (low, high) bounds."""
    low, high = bounds
    return np.array([[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])])
