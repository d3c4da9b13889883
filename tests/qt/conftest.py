"""A real muscle_lab window around the real default model, in the fast mode to keep tests short."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from muscle_lab.qt.body.view_3d import BodyView3D
from muscle_lab.qt.main_window import MainWindow

MODEL_LOAD_TIMEOUT_MS = 60_000


@pytest.fixture
def open_window(qtbot):
    """open_window(*args, **kwargs): a shown MainWindow with its model loaded, closed at teardown.

    Held here until then: qtbot keeps only a weak reference, and a window the garbage collector
    takes unclosed (a test's local variable, once the test returns) destroys its still running
    simulation thread, on which Qt aborts the whole run."""
    windows: list[MainWindow] = []

    def open_(*args, **kwargs) -> MainWindow:
        window = MainWindow(*args, **kwargs)
        windows.append(window)
        qtbot.addWidget(window)
        # Closing asks about an unsaved recording; at teardown the answer is "discard", not a modal loop.
        window.panels.recording.ask_unsaved_on_close = lambda frames: "discard"
        # A solo the atlas's cache cannot answer runs that muscle in the background: tested where
        # it is meant (test_solo_answer), not at every solo of every test.
        window.panels.atlas.solo_answer.run_missing = False
        with qtbot.waitSignal(window.lab.modelReady, timeout=MODEL_LOAD_TIMEOUT_MS):
            window.show()
        return window

    yield open_
    for window in windows:
        window.close()  # the worker thread stops cleanly (a second close does nothing)


@pytest.fixture
def window(qtbot, open_window):
    """A shown window with its model loaded and the simulation paused at t = 0."""
    window = open_window(mode="fast")
    qtbot.waitUntil(lambda: window.lab.latest_frame is not None, timeout=10_000)
    return window


@pytest.fixture
def wait_for_step(qtbot):
    """wait_for_step(window, n): until the window has received the frame of step n (or later)."""

    def wait(window: MainWindow, step: int, timeout: int = 20_000) -> None:
        qtbot.waitUntil(
            lambda: window.lab.latest_frame is not None and window.lab.latest_frame.step >= step, timeout=timeout
        )

    return wait


@pytest.fixture(scope="module")
def standing():
    """The default model's scene, its pose at the start and one with the right hip flexed (no
    simulation needed): for the 3D view's tests."""
    from muscle_lab.core.simulation.model import LoadedModel
    from muscle_lab.core.simulation.pose import PoseReader

    loaded = LoadedModel()
    reader = PoseReader(loaded)
    state = loaded.model.initializeState()
    first = reader.read(state)
    loaded.model.getCoordinateSet().get("hip_flexion_r").setValue(state, 0.6)
    return reader.scene, first, reader.read(state)


@pytest.fixture
def open_3d_view(qtbot):
    """open_3d_view(scene, pose, timeout_ms=5000): a shown 800x600 BodyView3D of `pose`, its first
    image delivered (so that no stale `imageRendered` satisfies a later wait); released at teardown."""
    views: list[BodyView3D] = []

    def open_(scene, pose, timeout_ms: int = 5000) -> BodyView3D:
        view = BodyView3D()
        views.append(view)
        qtbot.addWidget(view)
        assert view.available, view.unavailable_reason
        view.resize(800, 600)
        view.set_scene(scene)
        view.set_pose(pose)
        with qtbot.waitSignal(view.imageRendered, timeout=timeout_ms):
            view.show()
        return view

    yield open_
    for view in views:
        view.release()
