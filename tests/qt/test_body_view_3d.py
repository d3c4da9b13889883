"""The 3D body view widget, shown offscreen with the real default model."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent, QWheelEvent
from PyQt5.QtWidgets import QApplication, QVBoxLayout, QWidget

from muscle_lab.qt.body.view_3d import BodyView3D


@pytest.fixture
def view(open_3d_view, standing):
    scene, pose, _ = standing
    return open_3d_view(scene, pose)


def _interior_pixel(ids: np.ndarray, muscle: int) -> QPoint:
    """A pixel of `muscle` whose neighbours are that muscle too (not its edge)."""
    mask = ids == muscle
    inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    rows, columns = np.nonzero(inner)
    middle = len(rows) // 2
    return QPoint(int(columns[middle]) + 1, int(rows[middle]) + 1)


def _most_visible(ids: np.ndarray, count: int) -> list[int]:
    values, sizes = np.unique(ids[ids >= 0], return_counts=True)
    return [int(v) for v in values[np.argsort(-sizes)][:count]]


def test_clicking_a_muscle_emits_its_index_and_labels_it(qtbot, view):
    ids = view.renderer.id_image()
    for muscle in _most_visible(ids, 2):
        point = _interior_pixel(ids, muscle)
        with qtbot.waitSignal(view.muscleClicked) as clicked:
            qtbot.mouseClick(view, Qt.LeftButton, pos=point)
        assert clicked.args == [muscle]
        assert muscle in view.highlighted()
    view.repaint()
    shown = view.grab().toImage()
    anchor = view.renderer.label_anchor(muscle)
    label_colour = [
        shown.pixelColor(int(anchor[0]) + dx, int(anchor[1]) - dy).getRgb()[:3]
        for dx in range(16, 60, 4)
        for dy in range(10, 22, 3)
    ]
    assert (255, 240, 170) in label_colour  # the label box beside the muscle


def test_a_click_on_the_sky_or_a_drag_selects_nothing(qtbot, view):
    with qtbot.assertNotEmitted(view.muscleClicked):
        qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(5, 5))
        muscle = _most_visible(view.renderer.id_image(), 1)[0]
        start = _interior_pixel(view.renderer.id_image(), muscle)
        yaw = view.camera.yaw
        qtbot.mousePress(view, Qt.LeftButton, pos=start)
        end = start + QPoint(40, 0)  # QTest's mouseMove carries no buttons: send a dragging move
        QApplication.sendEvent(
            view, QMouseEvent(QEvent.MouseMove, QPointF(end), Qt.NoButton, Qt.LeftButton, Qt.NoModifier)
        )
        qtbot.mouseRelease(view, Qt.LeftButton, pos=end)
    assert view.camera.yaw != yaw  # the drag orbited instead


def test_set_selected_highlights_a_muscle(qtbot, view, standing):
    names = standing[0].muscle_names
    vasti = names.index("vasti_r")
    before = (view.renderer.id_image() == vasti).sum()
    view.set_selected(vasti)
    view.repaint()
    assert view.highlighted() == (vasti,)
    assert (view.renderer.id_image() == vasti).sum() > 1.2 * before
    view.set_soloed(names.index("abd_r"))
    assert view.style().dim_others and view.highlighted() == (vasti, names.index("abd_r"))


def test_renders_only_for_a_new_pose_or_camera_and_only_when_visible(qtbot, view, standing):
    _, first, second = standing
    assert view.wait_for_image()
    count = view.render_count
    view.repaint()
    assert view.wait_for_image() and view.render_count == count  # nothing new: the last image is painted again
    view.set_pose(second)
    with qtbot.waitSignal(view.imageRendered):
        view.repaint()
    assert view.render_count == count + 1
    view.hide()
    view.set_pose(first)
    view.set_view("front")
    QApplication.processEvents()
    assert view.renderer.wait_idle() and view.render_count == count + 1
    with qtbot.waitSignal(view.imageRendered):
        view.show()
    assert view.render_count == count + 2


def test_a_pose_and_its_ghost_set_in_one_turn_are_one_render(qtbot, view, standing):
    _, first, second = standing
    assert view.wait_for_image()
    count = view.render_count
    view.set_ghost(first, "ghost: episode 0")
    view.set_pose(second)
    assert view.render_count == count and view.renderer.latest().request.pose is not second
    qtbot.waitUntil(lambda: view.render_count == count + 1)  # asked for when this turn ends
    assert view.renderer.wait_idle() and view.render_count == count + 1
    assert view.ready_for_pose and not view.renderer.pending  # no second render of a half-set state
    request = view.renderer.latest().request
    assert request.pose is second and request.ghost is first


def test_keys_choose_views_and_digits_reach_the_window(qtbot, standing):
    scene, pose, _ = standing
    typed = []

    class Window(QWidget):
        def keyPressEvent(self, event):  # noqa: N802
            typed.append(event.text())

    window = Window()
    qtbot.addWidget(window)
    view = BodyView3D(window)
    QVBoxLayout(window).addWidget(view)
    window.resize(400, 300)
    view.set_scene(scene)
    view.set_pose(pose)
    window.show()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_S)
    assert (view.camera.yaw, view.camera.pitch) == (0.0, 5.0)
    qtbot.keyClick(view, Qt.Key_F)
    assert view.camera.yaw == 90.0
    distance = view.camera.distance
    QApplication.sendEvent(
        view,
        QWheelEvent(
            QPointF(50, 50),
            QPointF(50, 50),
            QPoint(),
            QPoint(0, 120),
            Qt.NoButton,
            Qt.NoModifier,
            Qt.NoScrollPhase,
            False,
        ),
    )
    assert view.camera.distance < distance
    qtbot.keyClick(view, Qt.Key_R)
    assert view.camera.distance == pytest.approx(distance) and view.camera.yaw == -35.0
    assert view.follow_pelvis
    qtbot.keyClick(view, Qt.Key_P)
    assert not view.follow_pelvis and not view.camera.follow
    qtbot.keyClick(view, Qt.Key_4)
    assert typed == ["4"]
    view.release()


def test_hovering_a_muscle_highlights_it(qtbot, view):
    ids = view.renderer.id_image()
    muscle = _most_visible(ids, 1)[0]
    with qtbot.waitSignal(view.muscleHovered) as hovered:
        qtbot.mouseMove(view, _interior_pixel(ids, muscle))
    assert hovered.args == [muscle]
    assert view.highlighted()[0] == muscle


def test_without_a_gl_context_the_view_says_why():
    """No EGL vendor library (as without libegl-mesa0): the view is unavailable, not broken."""
    script = (
        "from PyQt5.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from muscle_lab.qt.body.view_3d import BodyView3D\n"
        "view = BodyView3D()\n"
        "view.resize(400, 300)\n"
        "image = view.grab()\n"
        "print(view.available, view.unavailable_reason, image.width(), sep='|')\n"
    )
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "__EGL_VENDOR_LIBRARY_FILENAMES": "/nonexistent.json"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    available, reason, width = result.stdout.strip().split("|")
    assert available == "False" and width == "400"
    assert reason.startswith("no OpenGL context could be made (")
    assert reason.endswith("on Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri")
