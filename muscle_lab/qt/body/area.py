"""The body drawing: the 3D view where GL works here, the 2D stick drawing where it does not."""

from __future__ import annotations

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QStackedWidget, QWidget

from muscle_lab.core.simulation.pose import BodyPose, SceneDescription
from muscle_lab.qt.body.view_2d import BodyView
from muscle_lab.qt.body.view_3d import BodyView3D


class BodyArea(QStackedWidget):
    """Shows the 3D view, or the 2D drawing once 3D is unavailable (`fellBack(reason)`)."""

    fellBack = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view3d = BodyView3D()
        self.view2d = BodyView()
        self.addWidget(self.view3d)
        self.addWidget(self.view2d)
        self.view3d.renderingFailed.connect(self._fall_back)
        self.unavailable_reason = self.view3d.unavailable_reason
        self.setCurrentWidget(self.view3d if self.view3d.available else self.view2d)

    @property
    def uses_3d(self) -> bool:
        return self.currentWidget() is self.view3d

    @property
    def pose(self) -> BodyPose | None:
        return self.view3d.pose if self.uses_3d else self.view2d.pose

    @property
    def ghost(self) -> BodyPose | None:
        return self.view3d.ghost if self.uses_3d else self.view2d.ghost

    def set_ghost(self, pose: BodyPose | None, label: str = "") -> None:
        """Draw a compared episode's pose (same model, same time) as a ghost; None: no ghost."""
        self.currentWidget().set_ghost(pose, label)

    def set_scene(self, scene: SceneDescription) -> None:
        if self.uses_3d:
            self.view3d.set_scene(scene)

    def clear_model(self) -> None:
        self.view3d.clear_model()
        self.view2d.clear_model()

    def set_pose(self, pose: BodyPose) -> None:
        """Draw this pose now (the window's redraw timer calls this at most once a tick): the
        2D drawing paints at once, the 3D view asks its thread for an image and paints that."""
        if self.uses_3d:
            self.view3d.set_pose(pose)
        else:
            self.view2d.set_pose(pose)
            self.view2d.repaint()

    def _fall_back(self, reason: str) -> None:
        self.unavailable_reason = reason
        self.setCurrentWidget(self.view2d)
        if self.view3d.pose is not None:
            self.view2d.set_pose(self.view3d.pose)
        self.view2d.set_ghost(self.view3d.ghost, self.view3d.ghost_label)
        self.fellBack.emit(reason)
