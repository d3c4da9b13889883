"""A `Renderer` in a thread of its own, so that drawing never holds up the caller (the GUI).

An EGL context is current in one thread at a time, so the renderer is made, used and released
in the thread. The caller asks for an image with `request` and goes on at once: requests wait
in a single slot where the latest wins, so a burst of poses during a render costs one render.
Each finished image is published whole (new memory every frame) and `on_rendered` is called
from the thread; the caller takes it with `latest()`, never waiting. Queries that need the GL
context (the muscle ids for picking) run in the thread after any pending render; `submit`
answers later, `call` waits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

import numpy as np

from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.render.geometry import bone_points
from muscle_lab.render.renderer import LIVE_MESH_CELL, Renderer
from muscle_lab.render.scene import PLAIN, Camera, MuscleStyle, muscle_midpoint, pelvis_position

JOIN_SECONDS = 10.0  # a render takes tens of milliseconds: longer than this, the thread is stuck


class RenderThreadClosed(RuntimeError):
    """The render thread was closed (or never started): it answers nothing more."""


@dataclass(frozen=True, eq=False)
class RenderRequest:
    """What to draw: a pose of the current scene, seen by `camera`, into `size` pixels."""

    pose: BodyPose
    camera: Camera
    size: tuple[int, int]
    style: MuscleStyle = PLAIN
    ghost: BodyPose | None = None
    tag: int = 0  # the caller's: e.g. which model it was for, so that late images can be dropped


@dataclass(frozen=True, eq=False)
class RenderedImage:
    """A finished image (its own memory: nothing draws into it again) and what it shows."""

    pixels: np.ndarray  # height x width x 4, RGBA, top row first
    request: RenderRequest
    pelvis: np.ndarray
    render_ms: float
    number: int  # 1 for the thread's first image, counting up

    def project(self, points: np.ndarray) -> np.ndarray:
        """Ground points to pixels of this image (x right, y down)."""
        return self.request.camera.project(points, self.request.size, self.pelvis)

    def label_anchor(self, muscle: int) -> tuple[float, float] | None:
        """Where muscle `muscle`'s label goes in this image: its path's midpoint."""
        paths = self.request.pose.muscle_paths
        if not 0 <= muscle < len(paths) or len(paths[muscle]) == 0:
            return None
        x, y = self.project(muscle_midpoint(paths[muscle])[None, :])[0]
        return float(x), float(y)


class RenderThread:
    """Owns a `Renderer` in a daemon thread; raises `RenderUnavailable` (from the renderer) if no
    context can be made."""

    def __init__(
        self,
        size: tuple[int, int],
        on_rendered: Callable[[], None] | None = None,
        mesh_cell: float = LIVE_MESH_CELL,
        min_interval: float = 0.0,
        nice: int = 0,
    ) -> None:
        """`min_interval`: seconds from the start of one render to the next at the soonest (a
        request waits for its turn, replaced by newer ones meanwhile); queries never wait for it.
        `nice`: the thread's (and the rasteriser threads') niceness where the system allows it."""
        self._on_rendered = on_rendered
        self._min_interval = min_interval
        self._nice = nice
        self._next_render_at = 0.0
        self._condition = threading.Condition()
        self._request: RenderRequest | None = None
        self._calls: deque[tuple[Callable[[Renderer], Any], Future]] = deque()
        self._busy = False
        self._closing = False
        self._close_asked = False  # by close(): the thread's end is no error then
        self._latest: RenderedImage | None = None
        self._error: str | None = None
        self._scene: SceneDescription | None = None
        self._missing: tuple[str, ...] = ()
        self._bone_boxes: tuple = ()
        self._scene_load_token = [False]  # the current load's "cancelled", read between mesh files
        self.renders_done = 0
        self.requests_replaced = 0  # requests dropped unrendered because a newer one came first
        started: Future = Future()
        self._thread = threading.Thread(
            target=self._run, args=(size, mesh_cell, started), name="muscle_lab-render", daemon=True
        )
        self._thread.start()
        self.renderer_name: str = started.result()  # raises RenderUnavailable
        _open_threads.add(self)

    # -- asking for images ---------------------------------------------------------------------
    def request(self, request: RenderRequest) -> None:
        """Draw this next (replacing a request not yet begun); returns at once."""
        with self._condition:
            if self._closing:
                return
            if self._request is not None:
                self.requests_replaced += 1
            self._request = request
            self._condition.notify_all()

    def latest(self) -> RenderedImage | None:
        """The last finished image, if any (never waits for one)."""
        with self._condition:
            return self._latest

    @property
    def pending(self) -> bool:
        """Whether a render is asked for and not begun."""
        with self._condition:
            return self._request is not None

    @property
    def busy(self) -> bool:
        """Whether the thread is rendering or answering a query right now."""
        with self._condition:
            return self._busy

    @property
    def error(self) -> str | None:
        """Why rendering stopped working ("rendering failed: ..."), None while it works."""
        with self._condition:
            return self._error

    def wait_idle(self, timeout: float = JOIN_SECONDS) -> bool:
        """Wait until nothing is pending or being done (for a screenshot); False on timeout."""
        with self._condition:
            return self._condition.wait_for(
                lambda: self._closing or not (self._busy or self._request or self._calls), timeout
            )

    # -- the scene and queries -----------------------------------------------------------------
    def load_scene(self, scene: SceneDescription, progress: Callable[[int, int], None] | None = None) -> Future:
        """Upload a model's meshes in the thread without waiting for it: reading large files can
        take a minute. `progress(done, total)` is called from the thread as files are read;
        `cancel_scene_load` skips the files not read yet. The Future answers the files not drawn."""
        token = [False]  # this load's own: cancelling it never touches a later one
        with self._condition:
            self._request = None  # a pose of the previous model cannot be drawn on this one
            self._scene_load_token = token

        def upload(renderer: Renderer) -> tuple[str, ...]:
            renderer.set_scene(scene, progress, lambda: token[0])
            with self._condition:
                self._latest = None  # after any render in flight: that was of the previous model
                self._missing, self._bone_boxes = renderer.missing_meshes, renderer.bone_boxes
                self._scene = scene
            return self._missing

        return self.submit(upload)

    def cancel_scene_load(self) -> None:
        """Any thread: the scene last asked for is drawn with the files read so far."""
        self._scene_load_token[0] = True

    def set_scene(self, scene: SceneDescription) -> None:
        """`load_scene`, waiting for it (generous, not endless: a thread that died meanwhile
        must not hang the caller)."""
        self.load_scene(scene).result(timeout=120.0)

    @property
    def scene(self) -> SceneDescription | None:
        return self._scene

    @property
    def missing_meshes(self) -> tuple[str, ...]:
        return self._missing

    def bone_points(self, pose: BodyPose) -> np.ndarray:
        """The corners of every drawn bone's bounding box in ground (for fitting a camera)."""
        return bone_points(self._bone_boxes, pose)

    @property
    def size(self) -> tuple[int, int]:
        """The size of the last image (0, 0 before the first)."""
        latest = self.latest()
        return latest.request.size if latest is not None else (0, 0)

    @property
    def last_render_ms(self) -> float:
        latest = self.latest()
        return latest.render_ms if latest is not None else 0.0

    def submit(self, function: Callable[[Renderer], Any]) -> Future:
        """Run `function(renderer)` in the thread after any pending render; its answer comes in the Future."""
        future: Future = Future()
        with self._condition:
            if self._closing:
                future.set_exception(RenderThreadClosed("the render thread is closed"))
                return future
            self._calls.append((function, future))
            self._condition.notify_all()
        return future

    def call(self, function: Callable[[Renderer], Any], timeout: float | None = JOIN_SECONDS) -> Any:
        """`submit`, then wait for the answer."""
        return self.submit(function).result(timeout)

    def pick(self, x: float, y: float) -> int | None:
        """The muscle drawn at pixel (x, y) of the last image (waits for the thread)."""
        return self.call(lambda renderer: renderer.pick(x, y))

    def id_image(self) -> np.ndarray:
        """Per pixel of the last image, the muscle index drawn there, -1 where none (waits)."""
        return self.call(lambda renderer: renderer.id_image())

    def project(self, points: np.ndarray) -> np.ndarray:
        latest = self.latest()
        if latest is None:
            raise RuntimeError("nothing rendered yet")
        return latest.project(points)

    def label_anchor(self, muscle: int) -> tuple[float, float] | None:
        latest = self.latest()
        return latest.label_anchor(muscle) if latest is not None else None

    # -- closing -------------------------------------------------------------------------------
    def close(self, wait: bool = True) -> None:
        """Stop after the job in hand (a pending request is dropped) and free the context there.

        `on_rendered` is not called after this returns."""
        with self._condition:
            self._closing = True
            self._close_asked = True
            self._request = None
            self._on_rendered = None
            self._condition.notify_all()
        if wait and threading.current_thread() is not self._thread:
            self._thread.join(JOIN_SECONDS)
        _open_threads.discard(self)

    @property
    def closed(self) -> bool:
        return not self._thread.is_alive()

    # -- the thread ----------------------------------------------------------------------------
    def _run(self, size: tuple[int, int], mesh_cell: float, started: Future) -> None:
        _lower_priority(self._nice)  # before the context: llvmpipe's threads are made with it and inherit it
        try:
            renderer = Renderer(size, mesh_cell)
        except Exception as error:  # noqa: BLE001 - RenderUnavailable or any other: raised by __init__
            started.set_exception(error)
            return
        started.set_result(renderer.renderer_name)
        try:
            while True:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()  # for wait_idle
                    request, call = self._next_job()
                    if request is None and call is None:
                        break  # closing
                    self._busy = True
                if request is not None:
                    self._next_render_at = time.monotonic() + self._min_interval
                    self._render(renderer, request)
                else:
                    self._answer(renderer, *call)
        finally:
            # Whatever ended the loop, the thread is closed for everyone waiting on it: no call
            # waits forever, and an unexpected end is an error the view shows (and falls back on).
            with contextlib.suppress(Exception):
                renderer.release()
            with self._condition:
                self._busy = False
                self._closing = True
                if self._error is None and not self._close_asked:
                    self._error = "rendering failed: the render thread stopped"
                calls, self._calls = list(self._calls), deque()
                self._condition.notify_all()
            for _, future in calls:
                future.set_exception(RenderThreadClosed("the render thread is closed"))
            self._notify()

    def _next_job(self) -> tuple[RenderRequest | None, tuple | None]:
        """Wait for work (holding the lock): a render when its turn comes, or a query. A query
        renders the pending request first, so that it answers for the image asked for before it."""
        while not self._closing:
            if self._request is not None and (self._calls or time.monotonic() >= self._next_render_at):
                request, self._request = self._request, None
                return request, None
            if self._calls:
                return None, self._calls.popleft()
            if self._request is not None:
                self._condition.wait(self._next_render_at - time.monotonic())
            else:
                self._condition.wait()
        return None, None

    def _render(self, renderer: Renderer, request: RenderRequest) -> None:
        started = time.perf_counter()
        try:
            renderer.resize(request.size)
            pixels = renderer.render(request.pose, request.camera, request.style, ghost=request.ghost)
            pelvis = pelvis_position(request.pose, renderer.scene)
        except Exception as error:  # noqa: BLE001 - any GL failure mid-run: the caller shows why and falls back
            with self._condition:
                self._error = f"rendering failed: {error}"
                self._closing = True
        else:
            render_ms = (time.perf_counter() - started) * 1000
            with self._condition:
                self.renders_done += 1
                self._latest = RenderedImage(pixels, request, pelvis, render_ms, self.renders_done)
        self._notify()

    def _answer(self, renderer: Renderer, function: Callable[[Renderer], Any], future: Future) -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(function(renderer))
        except Exception as error:  # noqa: BLE001 - handed to whoever asked
            future.set_exception(error)

    def _notify(self) -> None:
        # Under the lock: close() cannot return while the callback runs, so after it the
        # callback's target (a Qt object) may go.
        with self._condition:
            if self._on_rendered is not None:
                try:
                    self._on_rendered()
                except Exception:  # noqa: BLE001  its Qt object went without close(): nobody to tell
                    self._on_rendered = None

    def tell(self, emit: Callable[..., None], *arguments: Any) -> None:
        """Call `emit` (a Qt signal's emit, from this thread) unless closed, under the lock as
        `_notify` does: close() cannot return, and the signal's object go, while it runs."""
        with self._condition:
            if self._on_rendered is not None:
                try:
                    emit(*arguments)
                except Exception:  # noqa: BLE001  as in _notify
                    self._on_rendered = None


def _lower_priority(nice: int) -> None:
    """Make the calling thread this much nicer (Linux: a thread's own niceness); a no-op elsewhere."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + nice)
    except OSError:
        pass  # not permitted here: the thread runs at the usual priority


_open_threads: weakref.WeakSet[RenderThread] = weakref.WeakSet()


@atexit.register
def _close_open_threads() -> None:
    """Free the contexts of threads nobody closed, while EGL is still loaded."""
    for render_thread in list(_open_threads):
        render_thread.close()


def answer_or_none(future: Future) -> Any:
    """A query's answer, None where it failed (the thread closed meanwhile, or GL failed)."""
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - nothing to answer: the caller goes on without
        return None
