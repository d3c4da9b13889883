"""The excitation editor's time axis: above the scrolled tracks, so it stays in view, drawn on
their time scale (`TracksView.x_of`). Clicking or dragging on it moves the playhead, and the
timeline to that step (`seekRequested`)."""

from __future__ import annotations

from PyQt5.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QMouseEvent, QPainter, QPen
from PyQt5.QtWidgets import QWidget

from muscle_lab.qt.editor.tracks import PLAYHEAD, TracksView

TICK_STEPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


def tick_step(span: float, pixels: float, least_pixels: float) -> float:
    """The smallest round time step whose ticks stand `least_pixels` apart."""
    return next((s for s in TICK_STEPS if s / span * pixels >= least_pixels), TICK_STEPS[-1])


class TimeAxis(QWidget):
    seekRequested = pyqtSignal(float)

    def __init__(self, tracks: TracksView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tracks = tracks
        tracks.header = self
        self.setFixedHeight(self.fontMetrics().height() + 6)
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip("Click or drag: the playhead, and the timeline, to that time")

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        tracks, height = self.tracks, self.height()
        left = tracks.name_width()
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        painter.setPen(QColor(90, 90, 90))
        painter.drawText(QRectF(4, 0, left - 8, height), int(Qt.AlignVCenter | Qt.AlignLeft), "time (s)")
        metrics = self.fontMetrics()
        label_width = metrics.horizontalAdvance("00.00") + 8
        step = tick_step(tracks.span, tracks.width() - left, label_width)
        for n in range(int(tracks.span / step + 1e-6) + 1):
            time = n * step
            x = tracks.x_of(time)
            painter.drawLine(QPointF(x, height - 4), QPointF(x, height))
            text = f"{time:g}"
            text_width = metrics.horizontalAdvance(text)
            text_left = min(x + 2, tracks.width() - text_width - 2)  # the last one stays whole at the edge
            painter.drawText(
                QRectF(text_left, 0, text_width + 2, height - 2), int(Qt.AlignVCenter | Qt.AlignLeft), text
            )
        painter.drawLine(QPointF(left, height - 0.5), QPointF(self.width(), height - 0.5))
        if tracks.playhead is not None:
            painter.setPen(QPen(PLAYHEAD, 2))
            x = tracks.x_of(tracks.playhead)
            painter.drawLine(QPointF(x, 0), QPointF(x, height))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.button() == Qt.LeftButton and event.x() >= self.tracks.name_width():
            self.seekRequested.emit(self.tracks.time_of(event.x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if event.buttons() & Qt.LeftButton:
            self.seekRequested.emit(self.tracks.time_of(max(event.x(), self.tracks.name_width())))
