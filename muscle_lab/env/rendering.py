"""Frames of an environment: `render_mode="rgb_array"` from the offscreen renderer, `"human"` in a small window.

The renderer (muscle_lab.render, an EGL context) needs no display. "human" shows the same frames
in a Tk window, which needs one; without a display it is refused with what to do instead. The
lab's own window (`muscle-lab`) shows the same model with its muscles and plots.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

import numpy as np

RENDER_MODES = ("rgb_array", "human")
NO_DISPLAY = (
    "render_mode='human' (or visualize=True) needs a display, and this session has none ({why}). "
    "Use render_mode='rgb_array' for frames (e.g. gymnasium.wrappers.RecordVideo), or watch the model "
    "in muscle_lab's window (`muscle-lab`) on a machine with a display."
)


def check_render_mode(render_mode: str | None, visualize: bool) -> str | None:
    """The render mode to use; osim-rl's `visualize=True` means "human"."""
    if render_mode is None and visualize:
        render_mode = "human"
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode={render_mode!r}: choose one of {', '.join(RENDER_MODES)} or None")
    if render_mode == "human":
        why = missing_display()
        if why is not None:
            raise RuntimeError(NO_DISPLAY.format(why=why))
    return render_mode


def missing_display() -> str | None:
    """Why no window can open here (None: one can)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "neither DISPLAY nor WAYLAND_DISPLAY is set"
    try:
        import tkinter as tk  # noqa: F401
    except ImportError:
        return "Python has no tkinter"
    return None


def available_render_modes() -> list[str]:
    """What `metadata["render_modes"]` lists: "human" only where a window can open (gymnasium's
    checker tries every mode listed)."""
    return ["rgb_array"] if missing_display() is not None else ["rgb_array", "human"]


class EnvRenderer:
    """Draws a simulation's current pose; the GL context and the model's meshes are made at the first frame."""

    def __init__(self, size: tuple[int, int]) -> None:
        width, height = (int(value) for value in size)
        if width < 1 or height < 1:
            raise ValueError(f"render_size must be two positive integers (width, height), got {size!r}")
        self.size = (width, height)
        self._renderer: Any = None
        self._poses: Any = None
        self._camera: Any = None
        self._window: Any = None

    def load(self, simulation: Any) -> None:
        """A new model: its meshes are read at the next frame."""
        self._poses = None
        self._camera = None

    def frame(self, simulation: Any) -> np.ndarray:
        """The current pose as an RGB array (height x width x 3, uint8)."""
        from muscle_lab.core.simulation.pose import PoseReader
        from muscle_lab.render.renderer import Renderer
        from muscle_lab.render.scene import fit_camera

        if self._renderer is None:
            self._renderer = Renderer(self.size, gil_free=False)
        if self._poses is None:
            self._poses = PoseReader(simulation.loaded, fiber_forces=False)
            self._renderer.set_scene(self._poses.scene)
        pose = simulation.read_pose(self._poses)  # the compiled engine's from its own state, no OpenSim state
        if self._camera is None or pose.time == 0.0:  # fitted at each episode's start, then following the pelvis
            scene = self._poses.scene
            self._camera = fit_camera(pose, scene, bone_points=self._renderer.bone_points(pose))
        return np.ascontiguousarray(self._renderer.render(pose, self._camera)[:, :, :3])

    def show(self, simulation: Any, render_mode: str | None) -> None:
        """In "human" mode, draw the current pose in the window (made at the first call)."""
        if render_mode != "human":
            return
        image = self.frame(simulation)
        if self._window is None:
            self._window = _TkWindow(self.size)
        self._window.show(image)

    def close(self) -> None:
        if self._window is not None:
            self._window.close()
            self._window = None
        if self._renderer is not None:
            self._renderer.release()
            self._renderer = None


class _TkWindow:
    """A plain window showing one image at a time (Tk: in the standard library, and no Qt here)."""

    def __init__(self, size: tuple[int, int]) -> None:
        import tkinter as tk

        self._tk = tk.Tk()
        self._tk.title("muscle_lab environment")
        self._label = tk.Label(self._tk, width=size[0], height=size[1])
        self._label.pack()
        self._image: Any = None

    def show(self, image: np.ndarray) -> None:
        import tkinter as tk

        height, width = image.shape[:2]
        header = f"P6 {width} {height} 255 ".encode()
        self._image = tk.PhotoImage(data=header + image.tobytes(), format="PPM")
        self._label.configure(image=self._image)
        self._tk.update()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the user closed it already
            self._tk.destroy()
