"""A model's bone meshes read in the 3D view's render thread, so that the window never waits for
them (three 82 MB meshes once froze it for 106 s): progress and the end come to the GUI thread as
queued signals, and a cancel draws the body with the files read so far."""

from __future__ import annotations

from concurrent.futures import Future

from PyQt5.QtCore import QObject, pyqtSignal

from muscle_lab.core.simulation.pose import SceneDescription
from muscle_lab.render.render_thread import RenderThread


class MeshLoading(QObject):
    """One load at a time: `start` a new one (the previous one is cancelled), `progressed` as
    files are read, `finished(error or None)` once the last is in; `take` waits for it (screenshots
    and tests only, never painting)."""

    progressed = pyqtSignal()
    finished = pyqtSignal(object)  # the upload's exception, or None
    _read = pyqtSignal(int, int, int)  # load number, files read, files in all (from the thread)
    _done = pyqtSignal(int)  # load number (from the thread)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._renderer: RenderThread | None = None
        self._future: Future | None = None
        self._number = 0  # counts loads: news of an earlier one is dropped
        self.files = (0, 0)  # read, in all
        self._read.connect(self._on_read)
        self._done.connect(self._on_done)

    @property
    def active(self) -> bool:
        return self._future is not None

    def start(self, renderer: RenderThread, scene: SceneDescription) -> None:
        self.cancel()
        self._number += 1
        number = self._number
        self._renderer = renderer
        self.files = (0, sum(1 for mesh in scene.meshes if mesh.path is not None and mesh.visible))
        self._future = renderer.load_scene(scene, lambda done, total: self._read.emit(number, done, total))
        self._future.add_done_callback(lambda _future: self._done.emit(number))

    def cancel(self) -> None:
        """Skip the files not read yet (they are listed as not loaded)."""
        if self._future is not None and self._renderer is not None:
            self._renderer.cancel_scene_load()

    def forget(self) -> None:
        """Cancel, and drop the news of this load: a new model is coming."""
        self.cancel()
        self._number += 1
        self._future = None

    def take(self, timeout: float) -> bool:
        """Wait for the load (if any) and report its end now; False if it did not end in time."""
        future = self._future
        if future is None:
            return True
        try:
            future.result(timeout)
        except Exception:  # noqa: BLE001 - a timeout, or the upload's failure, which finished reports
            if not future.done():
                return False
        self._on_done(self._number)
        return True

    def _on_read(self, number: int, done: int, total: int) -> None:
        if number == self._number and self._future is not None:
            self.files = (done, total)
            self.progressed.emit()

    def _on_done(self, number: int) -> None:
        future = self._future
        if number != self._number or future is None or not future.done():
            return  # an earlier load's, or already taken
        self._future = None
        self.finished.emit(future.exception())
