"""Video of an episode, rendered offscreen (never screen-captured): GIF or MP4.

Frames come at a fixed 30 per second of *video* time; `speed` is the slow-motion factor
(0.25: one simulated second lasts four video seconds). Each frame shows the last pose at or
before its simulated time (poses come every 0.01 s step). MP4 (H.264, yuv420p) needs PyAV,
an optional extra; GIF needs only Pillow.
"""

from __future__ import annotations

import itertools
import math
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from muscle_lab.core.atomic import create_temporary
from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.render.gif import write_gif
from muscle_lab.render.overlay import Label, draw_overlay, excitation_summary, muscle_label
from muscle_lab.render.renderer import Renderer
from muscle_lab.render.scene import PLAIN, Camera, MuscleStyle, fit_camera

VIDEO_FPS = 30
MIN_SPEED, MAX_SPEED = 0.05, 20.0  # at 0.05 each frame still advances the shown time by 1.7 ms
VIDEO_FORMATS = (".gif", ".mp4")
MP4_MISSING = (
    "writing .mp4 needs PyAV, the optional 'video' extra: pip install .[video] (or pip install av); "
    ".gif works without it"
)


class VideoError(ValueError):
    """A video that cannot be written: unknown format, bad speed or size, no PyAV, no poses."""


def video_frame_times(start: float, end: float, speed: float, fps: int = VIDEO_FPS) -> np.ndarray:
    """Simulated times of the frames: one per 1/fps s of video time from `start` through
    `end` (0.41 s at speed 1: 13 frames; at 0.25: 50)."""
    check_speed(speed)
    count = math.floor((end - start) / speed * fps + 1e-6) + 1
    return start + np.arange(max(count, 1)) * speed / fps


def check_speed(speed: float) -> None:
    if not (math.isfinite(speed) and MIN_SPEED <= speed <= MAX_SPEED):
        raise VideoError(f"video speed must be between {MIN_SPEED} and {MAX_SPEED} (got {speed})")


def check_video_path(path: str | os.PathLike[str]) -> str:
    """The format (".gif" or ".mp4") of `path`; raises VideoError for others or a missing PyAV."""
    suffix = Path(path).suffix.lower()
    if suffix not in VIDEO_FORMATS:
        raise VideoError(f"unknown video format {Path(path).name!r}: use .gif or .mp4")
    if suffix == ".mp4":
        try:
            import av  # noqa: F401
        except ImportError:
            raise VideoError(MP4_MISSING) from None
    return suffix


def parse_video_size(text: str) -> tuple[int, int]:
    """ "WxH" (e.g. "640x480") as (width, height); even numbers, as H.264 in yuv420p needs."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise VideoError(f"video size must look like 640x480 (got {text!r})") from None
    if not (16 <= width <= 4096 and 16 <= height <= 4096) or width % 2 or height % 2:
        raise VideoError(f"video size must be even numbers from 16 to 4096 (got {text!r})")
    return width, height


def poses_at(poses: Sequence[BodyPose], times: np.ndarray) -> list[BodyPose]:
    """For each time, the last pose at or before it (the first pose before it starts)."""
    pose_times = np.array([p.time for p in poses])
    rows = np.clip(np.searchsorted(pose_times, times + 1e-9, side="right") - 1, 0, len(poses) - 1)
    return [poses[row] for row in rows]


def render_episode_video(
    path: str | os.PathLike[str],
    scene: SceneDescription,
    poses: Sequence[BodyPose],
    speed: float = 1.0,
    size: tuple[int, int] = (640, 480),
    camera: Camera | None = None,
    style: MuscleStyle = PLAIN,
    caption: str | None = None,
    renderer: Renderer | None = None,
    progress: Callable[[int, int], bool | None] | None = None,
) -> int:
    """Render `poses` (in time order) to a GIF or MP4 at `path`; returns the frame count.

    `camera` defaults to a three-quarter view fitted to the first pose, following the pelvis.
    Each frame shows the simulated time and `caption` (e.g. the preset), or else the pose's
    excitations. `progress(done, total)` returning False cancels (VideoError, nothing written).
    The file appears only when complete (written beside it, then renamed).
    """
    suffix = check_video_path(path)
    check_speed(speed)
    if not poses:
        raise VideoError("no poses to render: run the simulation first")
    width, height = size
    if width % 2 or height % 2:
        raise VideoError(f"video size must be even numbers (got {width}x{height})")
    times = video_frame_times(poses[0].time, poses[-1].time, speed)
    own_renderer = renderer is None
    renderer = renderer or Renderer(size, mesh_cell=0.0)
    try:
        renderer.resize(size)
        if renderer.scene is not scene:
            renderer.set_scene(scene)
        camera = camera or fit_camera(poses[0], scene, bone_points=renderer.bone_points(poses[0]))
        frames = _frames(renderer, scene, poses_at(poses, times), times, speed, camera, style, caption, progress)
        writer = _write_gif if suffix == ".gif" else _write_mp4
        _write_atomically(Path(path), lambda temporary: writer(temporary, frames))
    finally:
        if own_renderer:
            renderer.release()
    return len(times)


def _frames(renderer, scene, poses, times, speed, camera, style, caption, progress):
    """The overlaid RGB frames, rendered one at a time (a generator)."""
    for done, (pose, time) in enumerate(zip(poses, times, strict=True)):
        image = renderer.render(pose, camera, style)
        lines = [
            f"t = {time:.3f} s" + (f"   ({speed:g}x speed)" if speed != 1 else ""),
            caption if caption is not None else excitation_summary(pose.excitations, scene.muscle_names),
        ]
        labels = []
        for index in style.highlighted:
            anchor = renderer.label_anchor(index)
            if anchor is not None:
                labels.append(Label(*anchor, muscle_label(index, scene.muscle_names)))
        yield draw_overlay(image, lines, labels)[:, :, :3]
        if progress is not None and progress(done + 1, len(times)) is False:
            raise VideoError("video export cancelled")


def _write_gif(path: Path, frames) -> None:
    """Streamed, a frame at a time (render.gif). GIF delays are in hundredths of a second:
    alternate 30 and 40 ms to average 1/30 s."""
    delays = (round((i + 1) * 100 / VIDEO_FPS) * 10 - round(i * 100 / VIDEO_FPS) * 10 for i in itertools.count())
    with path.open("wb") as stream:
        write_gif(stream, frames, delays)


def _write_mp4(path: Path, frames) -> None:
    import av

    with av.open(str(path), mode="w", format="mp4") as container:
        stream = None
        for frame in frames:
            if stream is None:
                stream = container.add_stream("libx264", rate=VIDEO_FPS, options={"crf": "20"})
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = "yuv420p"
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = create_temporary(path)  # mode 0666 less the umask, as any new file
    os.close(handle)
    try:
        try:
            write(temporary)
        except OSError as error:  # a full disk: said with the file, as every output is
            raise VideoError(f"{path}: cannot write it: {error.strerror or error}") from None
        if path.exists():  # a replaced video keeps its mode
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
