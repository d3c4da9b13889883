"""A live stick drawing of the model: bones between body origins, muscles coloured by
activation, seen from the side (sagittal) and from the front (frontal). A compared episode's
pose can be drawn under it as a light grey ghost. QPainter only, so it renders on the
offscreen platform."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, Qt
from PyQt5.QtGui import QColor, QLinearGradient, QPainter, QPen
from PyQt5.QtWidgets import QSizePolicy, QWidget

from muscle_lab.core.simulation.pose import BodyPose

OFF_COLOUR = QColor(40, 90, 255)  # activation 0
ON_COLOUR = QColor(230, 30, 30)  # activation 1
BONE_COLOUR = QColor(60, 60, 60)
GROUND_COLOUR = QColor(150, 120, 90)
GHOST_BONE_COLOUR = QColor(200, 203, 210)
GHOST_MUSCLE_COLOUR = QColor(214, 216, 222)
GHOST_TEXT_COLOUR = QColor(120, 125, 135)  # the label: the ghost's tint, dark enough to read
MARGIN = 24


def activation_colour(activation: float) -> QColor:
    """Blue when off, red when fully on, linearly in between."""
    a = min(1.0, max(0.0, float(activation)))
    return QColor(
        round(OFF_COLOUR.red() + a * (ON_COLOUR.red() - OFF_COLOUR.red())),
        round(OFF_COLOUR.green() + a * (ON_COLOUR.green() - OFF_COLOUR.green())),
        round(OFF_COLOUR.blue() + a * (ON_COLOUR.blue() - OFF_COLOUR.blue())),
    )


# Each projection: title, (horizontal axis, sign), vertical axis. Ground frame: x forward,
# y up, z to the model's right. Seen from the front, the model's right is on the viewer's left.
PROJECTIONS = (
    ("sagittal (side view, facing right)", (0, 1.0)),
    ("frontal (from the front: right leg on the left)", (2, -1.0)),
)


class BodyView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(300, 150)  # a 1024x700 window gives the plots the height they need
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._pose: BodyPose | None = None
        self._ghost: BodyPose | None = None
        self._ghost_label = ""
        self._extent: tuple[float, float] | None = None  # fixed vertical range per model (m)
        self.paint_count = 0

    def clear_model(self) -> None:
        """A new model: forget the old pose and fit the view to the next one."""
        self._pose = None
        self._ghost, self._ghost_label = None, ""  # the old model's pose
        self._extent = None
        self.update()

    def set_pose(self, pose: BodyPose) -> None:
        if self._extent is None:
            points = np.vstack([pose.body_positions, *pose.muscle_paths])
            low = min(0.0, float(points[:, 1].min()))
            self._extent = (low - 0.05, float(points[:, 1].max()) + 0.15)
        self._pose = pose
        self.update()

    @property
    def pose(self) -> BodyPose | None:
        return self._pose

    @property
    def ghost(self) -> BodyPose | None:
        return self._ghost

    @property
    def ghost_label(self) -> str:
        return self._ghost_label

    def set_ghost(self, pose: BodyPose | None, label: str = "") -> None:
        """Draw another pose (a compared episode) in light grey under the live one; None: no ghost."""
        self._ghost, self._ghost_label = pose, label if pose is not None else ""
        self.update()

    def muscle_colours(self) -> list[QColor]:
        """The colour each muscle is drawn in now."""
        if self._pose is None:
            return []
        return [activation_colour(a) for a in self._pose.activations]

    # -- painting ----------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.fillRect(self.rect(), QColor(250, 250, 250))
        width = self.width() / len(PROJECTIONS)
        for i, (title, axis) in enumerate(PROJECTIONS):
            area = QRectF(i * width, 0, width, self.height() - 22)
            self._paint_projection(painter, area, title, axis)
        self._paint_legend(painter)
        painter.end()
        self.paint_count += 1

    def _paint_projection(self, painter: QPainter, area: QRectF, title: str, axis: tuple[int, float]) -> None:
        painter.setPen(QColor(30, 30, 30))
        painter.drawText(area.adjusted(8, 4, -8, 0), Qt.AlignTop | Qt.AlignHCenter, title)
        if self._pose is None or self._extent is None:
            painter.drawText(area, Qt.AlignCenter, "loading the model…")
            return
        pose = self._pose
        column, sign = axis
        low, high = self._extent
        scale = (area.height() - 2 * MARGIN) / (high - low)
        centre = float(pose.body_positions[0, column]) * sign  # follow the root body (pelvis)

        def to_screen(point: np.ndarray) -> QPointF:
            return QPointF(
                area.center().x() + (point[column] * sign - centre) * scale,
                area.bottom() - MARGIN - (point[1] - low) * scale,
            )

        ground_y = area.bottom() - MARGIN - (0.0 - low) * scale
        painter.setPen(QPen(GROUND_COLOUR, 2))
        painter.drawLine(QPointF(area.left() + 10, ground_y), QPointF(area.right() - 10, ground_y))
        painter.setClipRect(area)
        if self._ghost is not None:
            self._paint_ghost(painter, self._ghost, to_screen)
        painter.setPen(QPen(BONE_COLOUR, 5, Qt.SolidLine, Qt.RoundCap))
        positions = pose.body_positions
        for parent, child in pose.segments:
            painter.drawLine(to_screen(positions[parent]), to_screen(positions[child]))
        painter.setBrush(QColor(255, 255, 255))
        painter.setPen(QPen(BONE_COLOUR, 1.5))
        for point in positions:
            painter.drawEllipse(to_screen(point), 3.5, 3.5)
        for path, activation in zip(pose.muscle_paths, pose.activations, strict=True):
            painter.setPen(QPen(activation_colour(activation), 2.5, Qt.SolidLine, Qt.RoundCap))
            points = [to_screen(p) for p in path]
            for a, b in itertools.pairwise(points):
                painter.drawLine(a, b)
        painter.setClipping(False)

    @staticmethod
    def _paint_ghost(painter: QPainter, ghost: BodyPose, to_screen: Callable[[np.ndarray], QPointF]) -> None:
        """The ghost's bones and muscle paths, flat light grey (placed as the live pose is)."""
        painter.setPen(QPen(GHOST_BONE_COLOUR, 5, Qt.SolidLine, Qt.RoundCap))
        for parent, child in ghost.segments:
            painter.drawLine(to_screen(ghost.body_positions[parent]), to_screen(ghost.body_positions[child]))
        painter.setPen(QPen(GHOST_MUSCLE_COLOUR, 2, Qt.SolidLine, Qt.RoundCap))
        for path in ghost.muscle_paths:
            for a, b in itertools.pairwise(to_screen(p) for p in path):
                painter.drawLine(a, b)

    def _paint_legend(self, painter: QPainter) -> None:
        bar = QRectF(self.width() / 2 - 90, self.height() - 16, 180, 10)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        gradient.setColorAt(0.0, OFF_COLOUR)
        gradient.setColorAt(1.0, ON_COLOUR)
        painter.fillRect(bar, gradient)
        painter.setPen(QColor(30, 30, 30))
        painter.drawText(
            QRectF(bar.left() - 220, bar.top() - 3, 215, 16), Qt.AlignRight | Qt.AlignVCenter, "muscle activation 0"
        )
        painter.drawText(QRectF(bar.right() + 5, bar.top() - 3, 40, 16), Qt.AlignLeft | Qt.AlignVCenter, "1")
        if self._ghost is not None:  # on the line under the titles, clear of the figures' heads
            metrics = painter.fontMetrics()
            line = QRectF(8, 6 + metrics.height(), self.width() - 16, metrics.height())
            painter.setPen(GHOST_TEXT_COLOUR)
            text = metrics.elidedText(self._ghost_label or "ghost", Qt.ElideRight, int(line.width()))
            painter.drawText(line, Qt.AlignLeft | Qt.AlignVCenter, text)
