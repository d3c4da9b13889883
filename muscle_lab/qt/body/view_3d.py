"""The 3D body view: a plain QWidget painting the offscreen renderer's image.

The renderer draws with its own GL context into a framebuffer, in a thread of its own
(`RenderThread`), so this works under the offscreen platform and Xvfb alike and the GUI thread
never waits for a render: a paint shows the last finished image and asks for a new one when
the pose, camera or highlight changed (so only when visible); poses that come while a render
is under way are coalesced, the latest wins. Picking asks the thread too and answers later.
Where no GL context can be made, `available` is False and `unavailable_reason` says why: the
window keeps its 2D view.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import numpy as np
from PyQt5.QtCore import QObject, QPoint, QRectF, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QColor, QImage, QPainter
from PyQt5.QtWidgets import QSizePolicy, QWidget

from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.qt.body.hover import HoverTracker
from muscle_lab.qt.body.mesh_loading import MeshLoading
from muscle_lab.qt.body.overlay_3d import (
    loading_text,
    paint_ghost_label,
    paint_highlight_labels,
    paint_legend,
    paint_notice,
)
from muscle_lab.render.render_thread import RenderedImage, RenderRequest, RenderThread, answer_or_none
from muscle_lab.render.renderer import RenderUnavailable
from muscle_lab.render.scene import COLOUR_BY, COLOUR_BY_LABELS, Camera, MuscleStyle, fit_camera, pelvis_position

ORBIT_DEGREES_PER_PIXEL = 0.4
CLICK_SLOP = 4  # pixels a press may move and still count as a click
VIEW_KEYS = {Qt.Key_S: "side", Qt.Key_F: "front", Qt.Key_T: "three_quarter"}
BACKDROP = QColor(43, 48, 59)
GRAB_WAIT_SECONDS = 10.0
# At most 40 renders a second (the simulation sends ~50 poses): 30 is the aim, the rest of the
# CPU is the simulation's and the window's.
MIN_RENDER_INTERVAL = 0.025
# The render thread (and llvmpipe's threads) yield to the GUI thread and the simulation when
# the CPU is short: measured on 2 busy cores, event-loop lateness p99 54-64 ms at 0, 43-45 at 10.
RENDER_NICE = 10


class _Messenger(QObject):
    """Carries the render thread's news to the GUI thread (queued: emitted from that thread).

    A child of the view: the view's `destroyed` (sent before its children go) closes the
    thread, so nothing is emitted on a deleted object."""

    rendered = pyqtSignal()
    picked = pyqtSignal(str, object)  # "click" or "hover", the muscle index or None


class BodyView3D(QWidget):
    """Bones, muscles and ground in 3D. Click a muscle: `muscleClicked(index)`."""

    muscleClicked = pyqtSignal(int)
    muscleHovered = pyqtSignal(int)  # -1 when the pointer leaves every muscle
    renderingFailed = pyqtSignal(str)  # rendering stopped working: show the 2D view instead
    imageRendered = pyqtSignal()  # a new image is ready and will be painted
    sceneLoaded = pyqtSignal()  # the model's meshes are read: `missing_meshes` lists those not drawn

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(300, 150)  # a 1024x700 window gives the plots the height they need
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMouseTracking(True)  # hover picking
        self.setFocusPolicy(Qt.ClickFocus)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.unavailable_reason: str | None = None
        self._messenger = _Messenger(self)
        self._messenger.rendered.connect(self._on_rendered)
        self._messenger.picked.connect(self._on_picked)
        self._meshes = MeshLoading(self)  # read in the render thread: the window never waits
        self._meshes.progressed.connect(self.update)
        self._meshes.finished.connect(self._on_meshes_read)
        try:
            self._renderer: RenderThread | None = RenderThread(
                self._pixel_size(), self._messenger.rendered.emit, min_interval=MIN_RENDER_INTERVAL, nice=RENDER_NICE
            )
        except RenderUnavailable as error:
            self._renderer, self.unavailable_reason = None, str(error)
        else:
            render_thread = self._renderer  # not self: the view is going when this is called
            # A view deleted without release(); the lambda drops the signal's argument.
            self.destroyed.connect(lambda: render_thread.close())  # noqa: PLW0108
        self._scene: SceneDescription | None = None
        self._pose: BodyPose | None = None
        self._ghost: BodyPose | None = None  # a compared episode at the same time, drawn translucent
        self._ghost_label = ""
        self._camera: Camera | None = None
        self._follow = True
        self._colour_by = "activation"
        self._selected: int | None = None
        self._soloed: tuple[int, ...] = ()
        self._hovered: int | None = None
        self._shown: RenderedImage | None = None  # the image painted, with what it shows
        self._image: QImage | None = None  # over the shown image's memory
        self._model_tag = 0  # counts models: an image of an earlier one is never painted
        self._dirty = True  # the state changed since the last render was asked for
        self._asked_size = (0, 0)
        self._hover = HoverTracker(lambda position: self._ask_pick("hover", position))
        self._press: tuple[QPoint, Qt.MouseButton] | None = None
        self._last_mouse = QPoint()
        self._renders_before = 0  # renders of a render thread since closed
        self._render_soon = QTimer(self)
        self._render_soon.setSingleShot(True)
        self._render_soon.setInterval(0)
        self._render_soon.timeout.connect(self._render_if_changed)

    # -- state ------------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """Whether 3D rendering works here (False: keep the 2D view, show `unavailable_reason`)."""
        return self._renderer is not None

    @property
    def renderer(self) -> RenderThread | None:
        """The render thread: picking queries (`pick`, `id_image`) wait for it."""
        return self._renderer

    @property
    def render_count(self) -> int:
        """Images rendered so far (finished, whether painted yet or not)."""
        return self._renders_before + (self._renderer.renders_done if self._renderer is not None else 0)

    @property
    def ready_for_pose(self) -> bool:
        """Whether no render waits to begin: one asked for now starts as soon as the thread is
        free (the one under way, if any, is of an older pose)."""
        renderer = self._renderer
        return renderer is not None and not (self._render_soon.isActive() or renderer.pending)

    def render_now(self) -> None:
        """Ask for the render of changes made this turn now rather than at the turn's end."""
        self._render_soon.stop()
        self._render_if_changed()

    @property
    def camera(self) -> Camera | None:
        """The current camera (for a video from the same view), None before the first pose."""
        return self._camera

    @property
    def pose(self) -> BodyPose | None:
        return self._pose

    @property
    def ghost(self) -> BodyPose | None:
        return self._ghost

    @property
    def ghost_label(self) -> str:
        return self._ghost_label

    @property
    def missing_meshes(self) -> tuple[str, ...]:
        return self._renderer.missing_meshes if self._renderer is not None else ()

    @property
    def last_render_ms(self) -> float:
        """How long the last render took in its thread (draw, rasterise, read back)."""
        return self._renderer.last_render_ms if self._renderer is not None else 0.0

    @property
    def follow_pelvis(self) -> bool:
        return self._follow

    def set_scene(self, scene: SceneDescription) -> None:
        """A model's meshes, read in the render thread (the window goes on meanwhile; the view
        shows how far it got, and Esc or a click skips the files not read yet). The camera fits
        the first pose once they are in; `sceneLoaded` says when."""
        self._scene, self._pose, self._camera, self._hovered = scene, None, None, None
        self._model_tag += 1
        if self._renderer is not None:
            self._meshes.start(self._renderer, scene)
            self._changed()

    @property
    def loading_scene(self) -> bool:
        """Whether the model's meshes are still being read."""
        return self._meshes.active

    def cancel_loading(self) -> None:
        """Draw the model with the mesh files read so far (the rest are listed as not loaded)."""
        self._meshes.cancel()

    def _on_meshes_read(self, error: BaseException | None) -> None:
        if self._renderer is None:
            return  # released meanwhile
        if error is not None:  # any GL failure: hand over to the 2D view
            self._fail(f"rendering failed: {error}")
            return
        if self._pose is not None and self._camera is None:
            self._camera = self._fitted_camera()
        self._changed()
        self.sceneLoaded.emit()

    def clear_model(self) -> None:
        """A new model is coming: show nothing until its scene and first pose arrive."""
        self._meshes.forget()
        self._scene, self._pose, self._camera = None, None, None
        self._model_tag += 1
        self._ghost, self._ghost_label = None, ""  # the old model's pose: it cannot be drawn now
        self._selected = self._hovered = None
        self._soloed = ()
        self._changed()

    def set_pose(self, pose: BodyPose) -> None:
        self._pose = pose
        if self._camera is None and self._scene is not None and not self._meshes.active:
            self._camera = self._fitted_camera()
        self._changed()

    def set_ghost(self, pose: BodyPose | None, label: str = "") -> None:
        """Draw another pose of the model (a compared episode) as a ghost, named by `label`; None: no ghost."""
        self._ghost, self._ghost_label = pose, label if pose is not None else ""
        self._changed()

    def set_selected(self, index: int | None) -> None:
        """Highlight and label this muscle (the window's selected slider), or none."""
        if index != self._selected:
            self._selected = index
            self._changed()

    def set_soloed(self, indices: Iterable[int] | int) -> None:
        """Highlight these muscles (one int: that one) and fade the others, the window's solo;
        () ends it."""
        soloed = (indices,) if isinstance(indices, int) else tuple(indices)
        if soloed != self._soloed:
            self._soloed = soloed
            self._changed()

    def set_colour_by(self, colour_by: str) -> None:
        """What muscle colour shows: "activation", "excitation" or "fiber_force"."""
        if colour_by not in COLOUR_BY:
            raise ValueError(f"unknown colouring {colour_by!r}: choose one of {', '.join(COLOUR_BY)}")
        self._colour_by = colour_by
        self._changed()

    def set_follow_pelvis(self, follow: bool) -> None:
        self._follow = follow
        if self._camera is not None:
            self._camera = self._camera.with_follow(follow, self._pelvis())
        self._changed()

    def set_view(self, name: str) -> None:
        """ "side", "front" or "three_quarter"."""
        if self._camera is not None:
            self._camera = self._camera.with_view(name)
            self._changed()

    def reset_view(self) -> None:
        """Fit the camera to the body again, from the three-quarter view."""
        if self._pose is not None and self._scene is not None:
            self._camera = self._fitted_camera()
            self._changed()

    def highlighted(self) -> tuple[int, ...]:
        """Muscles drawn highlighted and labelled: hovered, selected, soloed (each once)."""
        order = (self._hovered, self._selected, *self._soloed)
        return tuple(dict.fromkeys(i for i in order if i is not None and self._is_muscle(i)))

    def style(self) -> MuscleStyle:
        return MuscleStyle(self._colour_by, self.highlighted(), dim_others=bool(self._soloed))

    # -- painting ---------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Paint the last finished image (never waiting for one); ask for a new one if the state changed."""
        painter = QPainter(self)
        if not self._can_render():
            if self._renderer is None:
                message = f"3D view unavailable: {self.unavailable_reason}"
            else:
                message = loading_text(*self._meshes.files) if self._meshes.active else "loading the model…"
            paint_notice(painter, self.rect(), BACKDROP, message)
            painter.end()
            return
        if self._dirty or self._asked_size != self._pixel_size():
            self._request_render()
        if self._take_latest_image():
            painter.drawImage(0, 0, self._image)
            if self._image.width() < self.width() or self._image.height() < self.height():  # grown, not drawn yet
                painter.fillRect(QRectF(self._image.width(), 0, self.width(), self.height()), BACKDROP)
                painter.fillRect(QRectF(0, self._image.height(), self.width(), self.height()), BACKDROP)
            ratio, names = self.devicePixelRatioF(), self._scene.muscle_names
            paint_highlight_labels(painter, self._shown, self.highlighted(), names, ratio)
            paint_legend(painter, self.width(), self.height(), COLOUR_BY_LABELS[self._colour_by], self.missing_meshes)
            if self._ghost is not None:
                paint_ghost_label(painter, self.width(), self.height(), self._ghost_label)
        else:
            painter.fillRect(self.rect(), BACKDROP)
        painter.end()

    def grab(self, *arguments):
        """A picture of the current state: waits for its render (painting on screen never waits)."""
        if not self.wait_for_image():
            print("muscle_lab: the 3D image was not ready in time; grabbed the previous one", file=sys.stderr)
        return super().grab(*arguments)

    def wait_for_image(self, timeout: float = GRAB_WAIT_SECONDS) -> bool:
        """Ask for a render of the current state if needed and wait until it is done (for
        screenshots and tests, never for painting); False if it did not finish in time."""
        if not self._meshes.take(timeout):  # the meshes first
            return False
        if not self._can_render():
            return True
        if self._dirty or self._asked_size != self._pixel_size():
            self._request_render()
        return self._renderer.wait_idle(timeout)

    def _request_render(self) -> None:
        size = self._pixel_size()
        request = RenderRequest(self._pose, self._camera, size, self.style(), self._ghost, self._model_tag)
        self._renderer.request(request)
        self._dirty, self._asked_size = False, size

    def _take_latest_image(self) -> bool:
        """Adopt the render thread's newest image of this model; whether there is one to paint."""
        latest = self._renderer.latest()
        if latest is not None and latest.request.tag != self._model_tag:
            latest = None
        if latest is not self._shown:
            self._shown, self._image = latest, None
            if latest is not None:
                height, width = latest.pixels.shape[:2]
                self._image = QImage(latest.pixels.data, width, height, 4 * width, QImage.Format_RGBA8888)
                self._image.setDevicePixelRatio(self.devicePixelRatioF())
        return self._image is not None

    def _on_rendered(self) -> None:
        if self._renderer is None:
            return
        if self._renderer.error is not None:
            self._fail(self._renderer.error)
            return
        self.update()
        self.imageRendered.emit()

    def _fail(self, reason: str) -> None:
        """Rendering stopped working: say why and hand over to the 2D view."""
        self.release()
        self.unavailable_reason = reason
        self.renderingFailed.emit(reason)

    # -- mouse and keys ---------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self._meshes.active:
            self.cancel_loading()
            return
        self._press = (event.pos(), event.button())
        self._last_mouse = event.pos()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._camera is None:
            return
        delta = event.pos() - self._last_mouse
        self._last_mouse = event.pos()
        buttons = event.buttons()
        if buttons & Qt.LeftButton:
            self._camera = self._camera.orbit(-delta.x() * ORBIT_DEGREES_PER_PIXEL, delta.y() * ORBIT_DEGREES_PER_PIXEL)
            self._changed()
        elif buttons & (Qt.RightButton | Qt.MiddleButton):
            height = max(1, self.height())
            self._camera = self._camera.pan(delta.x() / height, delta.y() / height, self._pelvis())
            self._changed()
        elif not buttons:
            self._hover.moved(event.pos())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802
        press, self._press = self._press, None
        if press is None or press[1] != Qt.LeftButton or event.button() != Qt.LeftButton:
            return
        if (event.pos() - press[0]).manhattanLength() > CLICK_SLOP:
            return  # that was an orbit
        self._ask_pick("click", event.pos())

    def leaveEvent(self, event) -> None:  # noqa: N802
        self._hover.left()
        self._set_hovered(None)

    def wheelEvent(self, event) -> None:  # noqa: N802
        if self._camera is not None:
            self._camera = self._camera.zoom(0.9 ** (event.angleDelta().y() / 120))
            self._changed()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key_Escape and self._meshes.active:
            self.cancel_loading()
        elif key in VIEW_KEYS:
            self.set_view(VIEW_KEYS[key])
        elif key == Qt.Key_R:
            self.reset_view()
        elif key == Qt.Key_P:
            self.set_follow_pelvis(not self._follow)
        else:
            super().keyPressEvent(event)  # digits and the rest go on to the window

    def muscle_at(self, position: QPoint) -> int | None:
        """The muscle drawn under a widget position in the last image, if any (waits for the
        render thread, up to its timeout; clicks and hovering ask without waiting). None also
        when the thread cannot answer (it failed or closed meanwhile)."""
        if self._renderer is None or self._shown is None:
            return None
        ratio = self.devicePixelRatioF()
        try:
            return self._renderer.pick(position.x() * ratio, position.y() * ratio)
        except Exception:  # noqa: BLE001  a closed or failed thread: the view falls back on its own
            return None

    # -- picking in the render thread -------------------------------------------------------
    def _ask_pick(self, purpose: str, position: QPoint) -> bool:
        """Ask the render thread which muscle is at `position`; `_on_picked` gets the answer."""
        if self._renderer is None:
            return False
        if self._shown is None and not self._take_latest_image():
            return False  # nothing drawn yet (an image finished before its paint counts)
        ratio = self.devicePixelRatioF()
        x, y = position.x() * ratio, position.y() * ratio
        future = self._renderer.submit(lambda renderer: renderer.pick(x, y))
        render_thread, emit = self._renderer, self._messenger.picked.emit
        # Answered in the render thread: emitted under its lock, so never into a deleted view.
        future.add_done_callback(lambda done: render_thread.tell(emit, purpose, answer_or_none(done)))
        return True

    def _on_picked(self, purpose: str, index: int | None) -> None:
        if purpose == "click":
            if index is not None:
                self.set_selected(index)
                self.muscleClicked.emit(index)
            return
        if self._hover.answered():  # else the pointer left meanwhile
            self._set_hovered(index)

    # -- internals --------------------------------------------------------------------------
    def _set_hovered(self, index: int | None) -> None:
        if index != self._hovered:
            self._hovered = index
            self.muscleHovered.emit(-1 if index is None else index)
            self._changed()

    def _changed(self) -> None:
        """Ask for a render of the new state once this turn of the event loop is over (so that
        a new pose and its ghost are one render, not two); the paint comes with the image."""
        self._dirty = True
        if not self._render_soon.isActive():
            self._render_soon.start()

    def _render_if_changed(self) -> None:
        if not self._dirty:
            return
        if self._can_render() and self._exposed():
            self._request_render()  # painting the previous image meanwhile would be wasted work
        else:
            self.update()  # Qt paints (and so renders) only once the widget is visible

    def _exposed(self) -> bool:
        """Whether the view can be seen now: shown, in a window on screen (not minimised,
        not on another desktop)."""
        handle = self.window().windowHandle()
        return self.isVisible() and handle is not None and handle.isExposed()

    def _can_render(self) -> bool:
        return self._renderer is not None and self._pose is not None and self._camera is not None

    def _fitted_camera(self) -> Camera:
        bones = self._renderer.bone_points(self._pose) if self._renderer is not None else None
        return fit_camera(self._pose, self._scene, follow=self._follow, bone_points=bones)

    def _pelvis(self) -> np.ndarray | None:
        if self._pose is None or self._scene is None:
            return None
        return pelvis_position(self._pose, self._scene)

    def _is_muscle(self, index: int) -> bool:
        return self._scene is not None and 0 <= index < len(self._scene.muscle_names)

    def _pixel_size(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        return max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio))

    def release(self) -> None:
        """Stop the render thread and free its GL context (the window calls this when it closes)."""
        if self._renderer is not None:
            renderer, self._renderer = self._renderer, None
            self._renders_before += renderer.renders_done
            renderer.close()
            self.unavailable_reason = "released"
