"""What the 3D view paints over the rendered image: the highlighted muscles' labels, the colour
legend with the mouse help, the missing meshes and what the ghost is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PyQt5.QtCore import QPoint, QRect, QRectF, Qt
from PyQt5.QtGui import QColor, QLinearGradient, QPainter, QPen

from muscle_lab.render.overlay import muscle_label
from muscle_lab.render.render_thread import RenderedImage
from muscle_lab.render.scene import GHOST_RGB, OFF_RGB, ON_RGB

HELP_TEXT = "drag: orbit · right/middle drag: pan · wheel: zoom · S side · F front · T ¾ · R reset · P follow pelvis"
LABEL_BACKGROUND = QColor(255, 240, 170)
GHOST_LABEL_BACKGROUND = QColor(0, 0, 0, 140)


def paint_muscle_labels(painter: QPainter, labels: Iterable[tuple[float, float, str]]) -> None:
    """Each (x, y, text): a label above and right of the point, with a line to it."""
    for x, y, text in labels:
        box = painter.fontMetrics().boundingRect(text).adjusted(-5, -3, 5, 3)
        box.moveTopLeft(QPoint(round(x) + 14, round(y) - box.height() - 8))
        painter.setPen(QPen(LABEL_BACKGROUND, 1.5))
        painter.drawLine(QPoint(round(x), round(y)), box.bottomLeft())
        painter.fillRect(box, LABEL_BACKGROUND)
        painter.setPen(QColor(20, 20, 20))
        painter.drawText(box, Qt.AlignCenter, text)


def paint_highlight_labels(
    painter: QPainter, image: RenderedImage, muscles: Iterable[int], names: Sequence[str], ratio: float
) -> None:
    """Each highlighted muscle's "index name" label where the image drew it (device pixels / ratio)."""
    labels = []
    for index in muscles:
        anchor = image.label_anchor(index)
        if anchor is not None:
            labels.append((anchor[0] / ratio, anchor[1] / ratio, muscle_label(index, names)))
    paint_muscle_labels(painter, labels)


def paint_legend(painter: QPainter, width: int, height: int, colour_by: str, missing_meshes: Sequence[str]) -> None:
    """The colour scale bottom right, the mouse and key help on top, and any missing meshes."""
    bar = QRectF(width - 170, height - 22, 120, 9)
    gradient = QLinearGradient(bar.topLeft(), bar.topRight())
    gradient.setColorAt(0.0, QColor(*OFF_RGB))
    gradient.setColorAt(1.0, QColor(*ON_RGB))
    painter.fillRect(bar, gradient)
    painter.setPen(QColor(235, 235, 235))
    painter.drawText(
        QRectF(bar.left() - 300, bar.top() - 4, 295, 16),
        Qt.AlignRight | Qt.AlignVCenter,
        f"{colour_by} 0 (left leg darker)",
    )
    painter.drawText(QRectF(bar.right() + 5, bar.top() - 4, 40, 16), Qt.AlignLeft | Qt.AlignVCenter, "1")
    font = painter.font()
    font.setPointSizeF(font.pointSizeF() * 0.85)
    painter.setFont(font)
    painter.setPen(QColor(190, 190, 190))
    line = QRectF(8, 4, width - 16, 16)
    painter.drawText(line, Qt.AlignLeft, painter.fontMetrics().elidedText(HELP_TEXT, Qt.ElideRight, int(line.width())))
    if missing_meshes:
        painter.setPen(QColor(255, 200, 120))
        text = f"missing meshes: {', '.join(missing_meshes)}"
        painter.drawText(
            line.translated(0, 16),
            Qt.AlignLeft,
            painter.fontMetrics().elidedText(text, Qt.ElideRight, int(line.width())),
        )


def paint_ghost_label(painter: QPainter, width: int, height: int, label: str) -> None:
    """What the ghost is, bottom left in its tint, on the line above the colour legend."""
    metrics = painter.fontMetrics()
    text = metrics.elidedText(label or "ghost", Qt.ElideRight, width - 28)
    box = metrics.boundingRect(text).adjusted(-5, -2, 5, 2)
    box.moveBottomLeft(QPoint(8, height - 30))
    painter.fillRect(box, GHOST_LABEL_BACKGROUND)
    painter.setPen(QColor(*GHOST_RGB))
    painter.drawText(box, Qt.AlignCenter, text)


def paint_notice(painter: QPainter, rect: QRect, backdrop: QColor, text: str) -> None:
    """Instead of an image: why there is none yet (or at all), centred on the backdrop."""
    painter.fillRect(rect, backdrop)
    painter.setPen(QColor(230, 230, 230))
    painter.drawText(rect.adjusted(12, 12, -12, -12), Qt.AlignCenter | Qt.TextWordWrap, text)


def loading_text(files_read: int, files: int) -> str:
    return f"Reading the bone meshes: {files_read} of {files} files…\nEsc or a click draws the body without the rest."
