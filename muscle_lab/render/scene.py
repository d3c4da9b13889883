"""What the 3D view shows and from where: muscle colours and tubes, the camera. numpy only.

Ground frame as OpenSim's: x forward, y up, z to the model's right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from muscle_lab.core.simulation.pose import BodyPose, SceneDescription

OFF_RGB = (40, 90, 255)  # value 0: the same blue as the 2D body view
ON_RGB = (230, 30, 30)  # value 1: the same red
LEFT_SHADE = 0.62  # left-side muscles are drawn darker, so the legs are told apart
MUSCLE_RADIUS = 0.011  # metres: abd_r, a few centimetres long, must still be visible
HIGHLIGHT_RADIUS = 0.016
# The ghost (a compared episode at the same time): translucent blue-grey bones, thin faint
# grey muscles. Neutral, so it never reads as an activation colour.
GHOST_RGB = (184, 200, 224)
GHOST_OPACITY = 0.35
GHOST_MUSCLE_RGB = (200, 200, 205)
GHOST_MUSCLE_OPACITY = 0.5
GHOST_MUSCLE_RADIUS = 0.005
COLOUR_BY = ("activation", "excitation", "fiber_force")
COLOUR_BY_LABELS = {
    "activation": "activation",
    "excitation": "excitation",
    "fiber_force": "fiber force / max isometric",
}

# Named views: (yaw, pitch) in degrees. Yaw 0 looks from the model's right (+z), forward to the
# right of the screen; yaw 90 looks from the front (+x), the model's right on the viewer's left;
# the three-quarter view looks from behind on the right, where the hip extensors are.
VIEWS = {"side": (0.0, 5.0), "front": (90.0, 5.0), "three_quarter": (-35.0, 15.0)}


def value_rgb(value: float) -> tuple[float, float, float]:
    """Blue when off, red when fully on, linearly in between (0..1 floats)."""
    a = min(1.0, max(0.0, float(value)))
    return tuple((off + a * (on - off)) / 255.0 for off, on in zip(OFF_RGB, ON_RGB, strict=True))  # type: ignore[return-value]


def muscle_values(pose: BodyPose, colour_by: str) -> np.ndarray:
    """The per-muscle value a colour stands for; activation where the pose lacks the one asked."""
    if colour_by not in COLOUR_BY:
        raise ValueError(f"unknown colouring {colour_by!r}: choose one of {', '.join(COLOUR_BY)}")
    values = {"excitation": pose.excitations, "fiber_force": pose.fiber_forces}.get(colour_by)
    return np.clip(np.asarray(pose.activations if values is None else values, dtype=float), 0.0, 1.0)


@dataclass(frozen=True)
class MuscleStyle:
    """How muscles are drawn: what colour means, and which ones stand out."""

    colour_by: str = "activation"
    highlighted: tuple[int, ...] = ()  # soloed, selected or hovered: thicker, outlined
    dim_others: bool = False  # when soloing: the rest drawn thin and faded


PLAIN = MuscleStyle()  # colour by activation, nothing highlighted


@dataclass
class MuscleTubes:
    """Instance data for the muscle tubes: a cylinder per path segment, a sphere per point.

    Rows of `segments`: start xyz, end xyz, radius, r, g, b, id; of `joints`: centre xyz,
    radius, r, g, b, id. Id is the muscle index + 1 (0 is nothing)."""

    segments: np.ndarray
    joints: np.ndarray


def muscle_tubes(pose: BodyPose, scene: SceneDescription, style: MuscleStyle) -> MuscleTubes:
    """The muscle geometry of one pose, as instance rows for the renderer.

    Built for all muscles at once (a few numpy calls, not a few per muscle): it runs every frame."""
    points, owner, starts = _joined_paths(pose.muscle_paths)
    count = len(pose.muscle_paths)
    values = muscle_values(pose, style.colour_by)[:count]
    off, on = np.array(OFF_RGB, dtype=float), np.array(ON_RGB, dtype=float)
    colours = (off + values[:, None] * (on - off)) / 255.0  # as value_rgb, per muscle
    sides = scene.muscle_sides[:count]
    left = np.zeros(count, dtype=bool)
    left[: len(sides)] = np.asarray(sides, dtype=object) == "left"
    colours[left] *= LEFT_SHADE
    radii = np.full(count, MUSCLE_RADIUS)
    highlighted = np.isin(np.arange(count), style.highlighted)
    if style.dim_others and highlighted.any():
        radii[~highlighted] = MUSCLE_RADIUS * 0.5
        colours[~highlighted] = 0.55 + 0.3 * colours[~highlighted]
    radii[highlighted] = HIGHLIGHT_RADIUS
    tails = np.column_stack([radii, colours, np.arange(1, count + 1)])  # radius, r, g, b, id per muscle
    joints = np.empty((len(points), 8), np.float32)
    joints[:, :3], joints[:, 3:] = points, tails[owner]
    segments = np.empty((len(starts), 11), np.float32)
    segments[:, :3], segments[:, 3:6], segments[:, 6:] = points[starts], points[starts + 1], tails[owner[starts]]
    return MuscleTubes(segments=segments, joints=joints)


def ghost_muscle_segments(pose: BodyPose) -> np.ndarray:
    """The ghost's muscle paths as tube rows (as `MuscleTubes.segments`): one grey, thin, id 0."""
    points, _, starts = _joined_paths(pose.muscle_paths)
    segments = np.empty((len(starts), 11), np.float32)
    segments[:, :3], segments[:, 3:6] = points[starts], points[starts + 1]
    segments[:, 6:] = [GHOST_MUSCLE_RADIUS, *(c / 255.0 for c in GHOST_MUSCLE_RGB), 0.0]
    return segments


def _joined_paths(paths: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every path's points in one array (k x 3), the muscle index of each point, and the rows
    where a segment starts (every point but each path's last)."""
    lengths = np.fromiter(map(len, paths), dtype=np.intp, count=len(paths))
    drawn = [path for path in paths if len(path)]
    points = np.concatenate(drawn).reshape(-1, 3) if drawn else np.zeros((0, 3))
    owner = np.repeat(np.arange(len(paths)), lengths)
    last = np.zeros(len(points), dtype=bool)
    last[np.cumsum(lengths)[lengths > 0] - 1] = True
    return points, owner, np.flatnonzero(~last)


def muscle_midpoint(path: np.ndarray) -> np.ndarray:
    """The point halfway along a path (by length): where a muscle's label is anchored."""
    if len(path) == 1:
        return path[0]
    lengths = np.linalg.norm(np.diff(path, axis=0), axis=1)
    half, run = lengths.sum() / 2, np.cumsum(lengths)
    k = int(np.searchsorted(run, half))
    k = min(k, len(lengths) - 1)
    before = run[k] - lengths[k]
    fraction = 0.0 if lengths[k] == 0 else (half - before) / lengths[k]
    return path[k] + fraction * (path[k + 1] - path[k])


@dataclass(frozen=True)
class Camera:
    """An orbit camera: looks at `target` from `distance`, turned by yaw and pitch (degrees).

    With `follow` on, `target` is an offset from the pelvis in x and z (its height stays
    absolute), so the body stays in view while the ground grid moves under it.
    """

    target: tuple[float, float, float] = (0.0, 0.9, 0.0)
    distance: float = 3.0
    yaw: float = VIEWS["three_quarter"][0]
    pitch: float = VIEWS["three_quarter"][1]
    fov_y: float = 35.0
    follow: bool = True

    def look_at(self, pelvis: np.ndarray | None) -> np.ndarray:
        """The point looked at, in ground."""
        target = np.array(self.target, dtype=float)
        if self.follow and pelvis is not None:
            target[[0, 2]] += np.asarray(pelvis, dtype=float)[[0, 2]]
        return target

    def eye(self, pelvis: np.ndarray | None) -> np.ndarray:
        yaw, pitch = math.radians(self.yaw), math.radians(self.pitch)
        direction = np.array([math.cos(pitch) * math.sin(yaw), math.sin(pitch), math.cos(pitch) * math.cos(yaw)])
        return self.look_at(pelvis) + self.distance * direction

    def view_matrix(self, pelvis: np.ndarray | None) -> np.ndarray:
        eye, target = self.eye(pelvis), self.look_at(pelvis)
        forward = _unit(target - eye)
        right = _unit(np.cross(forward, [0.0, 1.0, 0.0]))
        up = np.cross(right, forward)
        view = np.identity(4)
        view[0, :3], view[1, :3], view[2, :3] = right, up, -forward
        view[:3, 3] = -view[:3, :3] @ eye
        return view

    def projection_matrix(self, aspect: float) -> np.ndarray:
        near, far = max(0.01, self.distance * 0.01), self.distance * 20 + 20
        f = 1.0 / math.tan(math.radians(self.fov_y) / 2)
        return np.array(
            [
                [f / aspect, 0, 0, 0],
                [0, f, 0, 0],
                [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)],
                [0, 0, -1, 0],
            ]
        )

    def view_projection(self, size: tuple[int, int], pelvis: np.ndarray | None) -> np.ndarray:
        return self.projection_matrix(size[0] / size[1]) @ self.view_matrix(pelvis)

    def project(self, points: np.ndarray, size: tuple[int, int], pelvis: np.ndarray | None) -> np.ndarray:
        """Ground points (k x 3) to pixel coordinates (k x 2: x right, y down, from the top left)."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        clip = np.column_stack([points, np.ones(len(points))]) @ self.view_projection(size, pelvis).T
        ndc = clip[:, :2] / clip[:, 3:4]
        return np.column_stack([(ndc[:, 0] + 1) / 2 * size[0], (1 - ndc[:, 1]) / 2 * size[1]])

    # -- moves (each returns a new camera) ----------------------------------------------------
    def orbit(self, d_yaw: float, d_pitch: float) -> Camera:
        return replace(self, yaw=(self.yaw + d_yaw) % 360.0, pitch=min(89.0, max(-89.0, self.pitch + d_pitch)))

    def zoom(self, factor: float) -> Camera:
        return replace(self, distance=min(50.0, max(0.2, self.distance * factor)))

    def pan(self, dx: float, dy: float, pelvis: np.ndarray | None) -> Camera:
        """Move the target by dx, dy fractions of the view's height, in the screen's plane."""
        view = self.view_matrix(pelvis)
        height = 2 * self.distance * math.tan(math.radians(self.fov_y) / 2)
        shift = (-dx * view[0, :3] + dy * view[1, :3]) * height
        return replace(self, target=tuple(np.array(self.target) + shift))

    def with_view(self, name: str) -> Camera:
        yaw, pitch = VIEWS[name]
        return replace(self, yaw=yaw, pitch=pitch)

    def with_follow(self, follow: bool, pelvis: np.ndarray | None) -> Camera:
        """Switch following on or off without the view jumping."""
        if follow == self.follow or pelvis is None:
            return replace(self, follow=follow)
        target = np.array(self.target, dtype=float)
        target[[0, 2]] += (-1 if follow else 1) * np.asarray(pelvis, dtype=float)[[0, 2]]
        return replace(self, target=tuple(target), follow=follow)


def fit_camera(
    pose: BodyPose,
    scene: SceneDescription,
    view: str = "three_quarter",
    follow: bool = True,
    bone_points: np.ndarray | None = None,
) -> Camera:
    """A camera that shows the whole body of this pose from one of the named views; pass
    `Renderer.bone_points(pose)` so that bones reaching past the last body origin (a hand,
    a skull) are in view too."""
    extra = [] if bone_points is None else [np.asarray(bone_points, dtype=float).reshape(-1, 3)]
    points = np.vstack([pose.body_positions, *[p for p in pose.muscle_paths if len(p)], *extra])
    low, high = points.min(axis=0), points.max(axis=0)
    centre = (low + high) / 2
    extent = float(max(high[1] - low[1], high[0] - low[0], high[2] - low[2], 0.3))
    yaw, pitch = VIEWS[view]
    camera = Camera(
        target=tuple(centre),
        distance=1.1 * extent / (2 * math.tan(math.radians(35.0) / 2)),
        yaw=yaw,
        pitch=pitch,
        follow=False,
    )
    return camera.with_follow(follow, pelvis_position(pose, scene))


def pelvis_position(pose: BodyPose, scene: SceneDescription) -> np.ndarray:
    return pose.body_positions[scene.pelvis_index]


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)
