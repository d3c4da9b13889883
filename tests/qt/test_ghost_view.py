"""The ghost of a compared episode in the body views (3D, the 2D fallback, the area holding them),
shown offscreen with poses of the real default model."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtGui import QColor, QImage

from muscle_lab.core.simulation.model import LoadedModel
from muscle_lab.core.simulation.pose import PoseReader
from muscle_lab.qt.body.area import BodyArea
from muscle_lab.qt.body.view_2d import BONE_COLOUR, GHOST_BONE_COLOUR, GHOST_MUSCLE_COLOUR, BodyView
from muscle_lab.render.scene import GHOST_RGB

LABEL = "ghost: episode 3 · hip-thrust"


@pytest.fixture(scope="module")
def poses():
    """The scene, the standing pose, the same body 0.6 m further forward, and 60 m behind
    (behind the three-quarter camera, so out of sight): each read from the model."""
    loaded = LoadedModel()
    reader = PoseReader(loaded)
    state = loaded.model.initializeState()
    standing = reader.read(state)
    pelvis_tx = loaded.model.getCoordinateSet().get("pelvis_tx")
    start = pelvis_tx.getValue(state)
    pelvis_tx.setValue(state, start + 0.6)
    ahead = reader.read(state)
    pelvis_tx.setValue(state, start - 60.0)
    far_behind = reader.read(state)
    return reader.scene, standing, ahead, far_behind


@pytest.fixture
def view(open_3d_view, poses):
    scene, standing, _, _ = poses
    return open_3d_view(scene, standing)


def _pixels(image: QImage) -> np.ndarray:
    """A grabbed image as height x width x 3 (r, g, b)."""
    image = image.convertToFormat(QImage.Format_RGB888)
    row_bytes = image.bytesPerLine()
    data = np.frombuffer(image.constBits().asstring(row_bytes * image.height()), dtype=np.uint8)
    return data.reshape(image.height(), row_bytes)[:, : 3 * image.width()].reshape(image.height(), image.width(), 3)


def _grab(widget) -> np.ndarray:
    widget.repaint()
    return _pixels(widget.grab().toImage())


def _near(pixels: np.ndarray, colour: QColor | tuple[int, int, int], tolerance: int = 12) -> np.ndarray:
    rgb = np.array(colour.getRgb()[:3] if isinstance(colour, QColor) else colour)
    return np.abs(pixels.astype(int) - rgb).max(axis=2) <= tolerance


def test_the_3d_view_draws_the_ghost_and_keeps_picking_the_live_body(view, poses):
    _, _, ahead, _ = poses
    plain = _grab(view)
    ids = view.renderer.id_image()
    count = view.render_count
    view.set_ghost(ahead, LABEL)
    assert view.ghost is ahead and view.ghost_label == LABEL
    with_ghost = _grab(view)
    assert view.render_count == count + 1
    changed = np.abs(with_ghost.astype(int) - plain).sum(axis=2) > 6
    assert changed.sum() > 5000
    assert (view.renderer.id_image() == ids).all()
    view.set_ghost(None)
    assert view.ghost is None and view.ghost_label == ""
    assert (_grab(view) == plain).all()


def test_the_ghost_label_is_in_its_tint_bottom_left_clear_of_the_legend(view, poses):
    _, _, _, far_behind = poses
    plain = _grab(view)
    view.set_ghost(far_behind, LABEL)  # out of sight: only the label changes the picture
    labelled = _grab(view)
    rows, columns = np.nonzero(np.abs(labelled.astype(int) - plain).sum(axis=2) > 0)
    assert len(rows) > 100
    height, width = plain.shape[:2]
    # Left, on the line above the colour legend (whose text starts 26 px above the bottom)
    # and below the help and missing-mesh lines at the top.
    assert rows.min() > height / 2 and rows.max() < height - 26
    assert columns.min() >= 8 and columns.max() < width / 2
    assert _near(labelled, GHOST_RGB)[rows, columns].sum() > 20
    assert not _near(plain, GHOST_RGB)[rows, columns].any()


def test_a_new_model_drops_the_ghost(qtbot, view, poses):
    ahead = poses[2]
    flat = BodyView()
    qtbot.addWidget(flat)
    for body_view in (view, flat):
        body_view.set_ghost(ahead, LABEL)
        body_view.clear_model()  # the old model's pose cannot be placed on the new one
        assert body_view.ghost is None and body_view.ghost_label == ""


def test_the_2d_view_draws_the_ghost_in_light_grey_under_the_live_figure(qtbot, poses):
    _, standing, ahead, _ = poses
    view = BodyView()
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.set_pose(standing)
    view.show()
    plain = _grab(view)
    view.set_ghost(ahead, LABEL)
    assert view.ghost is ahead and view.ghost_label == LABEL
    with_ghost = _grab(view)
    for colour in (GHOST_BONE_COLOUR, GHOST_MUSCLE_COLOUR):
        assert _near(with_ghost, colour, 0).sum() > 100
        assert not _near(plain, colour, 0).any()
    live_bones = _near(plain, BONE_COLOUR, 0)
    assert live_bones.sum() > 100
    assert _near(with_ghost, BONE_COLOUR, 0)[live_bones].all()  # the live figure is drawn over it
    view.set_ghost(None)
    assert (_grab(view) == plain).all()


def test_the_body_area_forwards_the_ghost_to_the_view_in_use(qtbot, poses):
    scene, standing, ahead, far_behind = poses
    area = BodyArea()
    qtbot.addWidget(area)
    assert area.uses_3d, area.unavailable_reason
    area.set_scene(scene)
    area.set_pose(standing)
    area.set_ghost(ahead, LABEL)
    assert area.ghost is ahead and area.view3d.ghost is ahead and area.view2d.ghost is None
    with qtbot.waitSignal(area.fellBack):
        area.view3d.renderingFailed.emit("rendering failed: the GL context was lost")
    assert not area.uses_3d
    assert area.view2d.ghost is ahead and area.view2d.ghost_label == LABEL  # carried over
    area.set_ghost(far_behind, "ghost: episode 4")
    assert area.ghost is far_behind and area.view2d.ghost_label == "ghost: episode 4"
    assert area.view3d.ghost is ahead
    area.view3d.release()
