"""Renders the current episode to a GIF or MP4 in a thread of its own, with progress and cancel.

Frames come from the renderer offscreen (never a screen capture), at 30 frames per second of
video time, from the episode's recorded poses and the body view's camera.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PyQt5.QtCore import QThread, pyqtSignal

from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.render.renderer import RenderUnavailable
from muscle_lab.render.scene import Camera
from muscle_lab.render.video import VideoError, render_episode_video

VIDEO_SIZE = (800, 600)


class VideoExport(QThread):
    """One export; `progressed(done, total)`, then `finished_with(message)`."""

    progressed = pyqtSignal(int, int)
    finished_with = pyqtSignal(str)

    def __init__(
        self,
        path: Path,
        scene: SceneDescription,
        poses: Sequence[BodyPose],
        speed: float,
        camera: Camera | None,
        caption: str,
    ) -> None:
        super().__init__()
        self.path = path
        self._scene, self._poses, self._speed = scene, list(poses), speed
        self._camera, self._caption = camera, caption
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    def run(self) -> None:
        try:
            count = render_episode_video(
                self.path,
                self._scene,
                self._poses,
                speed=self._speed,
                size=VIDEO_SIZE,
                camera=self._camera,
                caption=self._caption,
                progress=self._report,
            )
        except (VideoError, RenderUnavailable, OSError) as error:
            self.finished_with.emit(f"Video not written: {error}")
            return
        except Exception as error:  # noqa: BLE001 - this thread must not die: said, with the file
            self.finished_with.emit(f"Video not written to {self.path}: {type(error).__name__}: {error}")
            return
        self.finished_with.emit(f"Wrote {count} frames ({self._speed:g}x speed) to {self.path}")

    def _report(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._cancelled
