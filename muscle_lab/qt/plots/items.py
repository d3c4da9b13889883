"""What each plot holds besides its curves: the cursor, end and hover lines and the readout of
the values under the mouse; how a new plot is dressed and where its readout goes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyqtgraph as pg
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor, QFont
from PyQt5.QtWidgets import QGraphicsTextItem

from muscle_lab.core.reward import MIN_PELVIS_HEIGHT
from muscle_lab.qt.plots.plan import (
    CURSOR_COLOUR,
    END_COLOUR,
    GHOST_ALPHA,
    HOVER_COLOUR,
    MIN_Y_SPAN,
    TITLE_HEIGHT,
    Curve,
)

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


def build_plot(
    key: str, title: str, plot: pg.PlotItem, on_x_range: Callable[..., None], on_y_range: Callable[..., None]
) -> PlotItems:
    """Dress a new plot (title, axes, grid, limits, the pelvis's end line) and give it its
    cursor, end, ghost end and hover lines and its readout; its ranges' changes go to the callbacks."""
    plot.setTitle(title, size="9pt")
    plot.titleLabel.setMaximumHeight(TITLE_HEIGHT)  # pyqtgraph gives a title 30 px: height the curves need
    plot.layout.setRowFixedHeight(0, TITLE_HEIGHT)
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("bottom", "episode time", units="s")
    tick_font = QFont()
    tick_font.setPointSize(8)
    for side in ("bottom", "left"):
        axis = plot.getAxis(side)
        axis.enableAutoSIPrefix(False)
        axis.setTickFont(tick_font)
    plot.setMenuEnabled(False)
    plot.hideButtons()  # its "A" button would turn on pyqtgraph's x autorange; Reset view is ours
    plot.setClipToView(True)
    plot.setDownsampling(auto=True, mode="peak")
    view = plot.getViewBox()
    view.enableAutoRange(axis=pg.ViewBox.XAxis, enable=False)  # the x range is set here
    view.setAutoVisible(y=True)
    # Autorange never zooms into numerical noise (an angle wobbling by 1e-4 degrees).
    view.setLimits(minYRange=MIN_Y_SPAN.get(key, 10.0))
    view.sigXRangeChanged.connect(on_x_range)
    view.sigYRangeChanged.connect(on_y_range)
    if key == "pelvis":
        limit = pg.InfiniteLine(
            pos=MIN_PELVIS_HEIGHT,
            angle=0,
            pen=pg.mkPen(END_COLOUR, width=1, style=Qt.DashLine),
            label=f"ends below {MIN_PELVIS_HEIGHT} m",  # whole in a plot 150 pixels wide
            labelOpts={"position": 0.02, "color": END_COLOUR, "anchors": [(0, 1), (0, 1)]},
        )
        limit.label.setFont(tick_font)  # whole in a plot 120 pixels wide
        plot.addItem(limit)
    faint_end = QColor(END_COLOUR)
    faint_end.setAlpha(GHOST_ALPHA)
    items = PlotItems(
        plot=plot,
        cursor=vertical_line(CURSOR_COLOUR, 1, 20),
        end=vertical_line(END_COLOUR, 2, 10),
        ghost_end=vertical_line(faint_end, 2, 5, Qt.DashLine),
        hover=vertical_line(HOVER_COLOUR, 1, 15, Qt.DashLine),
        readout=Readout(),
    )
    for line in (items.cursor, items.end, items.ghost_end, items.hover):
        plot.addItem(line, ignoreBounds=True)  # the lines do not widen the ranges
    font = QFont()
    font.setPointSize(8)
    items.readout.setFont(font)
    items.readout.setParentItem(view)  # in the view's pixels: stays put while the data pan
    items.readout.setZValue(1000)
    items.readout.setVisible(False)
    return items


def place_readout(items: PlotItems, html: str, t: float) -> None:
    """On the side away from the mouse, so it does not cover the values being read; wrapped
    where the plot is narrower than its lines."""
    readout, room = items.readout, items.view.width() - 8
    readout.setTextWidth(-1)
    readout.setHtml(html)
    if readout.document().idealWidth() > room:
        readout.setTextWidth(room)
    lo, hi = items.view.viewRange()[0]
    left = hi <= lo or (t - lo) / (hi - lo) > 0.5
    readout.setPos(4 if left else max(4.0, room + 4 - readout.boundingRect().width()), 2)
