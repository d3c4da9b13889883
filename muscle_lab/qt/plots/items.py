"""What each plot holds besides its curves: the cursor, end and hover lines and the readout of
the values under the mouse."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyqtgraph as pg
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QGraphicsTextItem

from muscle_lab.qt.plots.plan import Curve

READOUT_FILL = QColor(255, 255, 255, 205)


class Readout(QGraphicsTextItem):
    """The values under the mouse, on a light box so the curves behind do not hide them."""

    def paint(self, painter, option, widget=None) -> None:
        painter.fillRect(self.boundingRect(), READOUT_FILL)
        super().paint(painter, option, widget)


@dataclass
class PlotItems:
    """One plot and the items it draws besides its curves."""

    plot: pg.PlotItem
    cursor: pg.InfiniteLine
    end: pg.InfiniteLine
    ghost_end: pg.InfiniteLine
    hover: pg.InfiniteLine
    readout: Readout
    curves: list[tuple[Curve, pg.PlotDataItem, pg.PlotDataItem]] = field(default_factory=list)  # main, ghost

    @property
    def view(self) -> pg.ViewBox:
        return self.plot.getViewBox()


def vertical_line(pen: QColor | str, width: int, z: float, style: Qt.PenStyle = Qt.SolidLine) -> pg.InfiniteLine:
    """A vertical line across a plot, hidden until placed."""
    line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(pen, width=width, style=style))
    line.setZValue(z)
    line.setVisible(False)
    return line
