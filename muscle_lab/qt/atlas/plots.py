"""The atlas panel's plots: one joint over time for a muscle's run against the all-at-base run,
and why the muscle moves it: its moment arm and muscle-tendon length over each coordinate it
crosses, with the pose's value marked (as OpenSim Creator's muscle plotter shows them)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import QLabel, QScrollArea, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

from muscle_lab.core.atlas.effects import CONVENTIONS, coordinate_side
from muscle_lab.core.atlas.page import short_name
from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation.moment_arms import CoordinateCurve, MomentArms

RUN_COLOUR = QColor(200, 40, 40)
BASE_COLOUR = QColor(110, 110, 110)
MARK_COLOUR = QColor(20, 20, 20)
PLOT_ROW_HEIGHT = 150  # pixels per coordinate in the moment arm plots (its words and two plots)
CM = 100.0


def sign_words(coordinate: str) -> str:
    """What a positive moment arm does to the coordinate: "+ flexes the right hip, − extends it"."""
    base = coordinate[:-2] if coordinate.endswith(("_r", "_l")) else coordinate
    if base not in CONVENTIONS:
        return f"+ turns {coordinate} towards larger values"
    joint, positive, negative = CONVENTIONS[base]
    side = coordinate_side(coordinate)
    return f"+ {positive} the {side + ' ' if side else ''}{joint}, − {negative} it"


def small_plot(plot: pg.PlotItem, title: str, bottom: str, left: str) -> pg.PlotItem:
    plot.setTitle(title, size="9pt")
    plot.showGrid(x=True, y=True, alpha=0.25)
    plot.setLabel("bottom", bottom)
    plot.setLabel("left", left)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    for axis in ("bottom", "left"):
        plot.getAxis(axis).enableAutoSIPrefix(False)
    return plot


class TracePlot(QWidget):
    """One quantity over time: the muscle's run against the all-at-base run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = pg.PlotWidget(background="w")
        self.plot = small_plot(self.widget.getPlotItem(), "", "time (s)", "")
        self.legend = self.plot.addLegend(offset=(6, 6), labelTextSize="8pt")
        self.base_curve = self.plot.plot(pen=pg.mkPen(BASE_COLOUR, width=2, style=Qt.DashLine), name="all at base")
        self.curve = self.plot.plot(pen=pg.mkPen(RUN_COLOUR, width=2), name="muscle")
        self.peak = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(MARK_COLOUR, width=1, style=Qt.DotLine))
        self.plot.addItem(self.peak)
        self.message = QLabel("Click a cell of the heat map: that joint over time, for that muscle.")
        self.message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.widget, 1)
        self.quantity = ""  # what is plotted: a coordinate name, "pelvis_height", or "" for nothing

    def show_trace(
        self,
        quantity: str,
        title: str,
        units: str,
        run: tuple[np.ndarray, np.ndarray, str],
        base: tuple[np.ndarray, np.ndarray, str],
        peak_time: float | None,
    ) -> None:
        """`run` and `base` are (times, values, legend label)."""
        self.quantity = quantity
        self.plot.setTitle(title, size="9pt")
        self.plot.setLabel("left", units)
        self.curve.setData(run[0], run[1])
        self.base_curve.setData(base[0], base[1])
        self.legend.clear()
        self.legend.addItem(self.curve, run[2])
        self.legend.addItem(self.base_curve, base[2])
        self.peak.setVisible(peak_time is not None)
        if peak_time is not None:
            self.peak.setValue(peak_time)
        self.plot.enableAutoRange()
        self.message.hide()

    def clear_trace(self, message: str) -> None:
        self.quantity = ""
        self.curve.setData([], [])
        self.base_curve.setData([], [])
        self.peak.setVisible(False)
        self.message.setText(message)
        self.message.show()


class MomentArmPlots(QWidget):
    """Per coordinate the muscle crosses (unlocked ones; the locked are named): moment arm and
    length over the coordinate's range, the pose's value marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # as wide as the panel
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(self.graphics)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.note)
        layout.addWidget(scroll, 1)
        self.arms: MomentArms | None = None
        self.plots: dict[str, tuple[pg.PlotItem, pg.PlotItem]] = {}  # coordinate -> (moment arm, length)
        self.clear_arms("Select a muscle (a row of the heat map).")

    def clear_arms(self, message: str) -> None:
        self.arms = None
        self.plots = {}
        self.graphics.clear()
        self.graphics.setMinimumHeight(0)
        self.note.setText(message)

    def show_arms(self, arms: MomentArms, note: str) -> None:
        """Plot `arms`; `note` says at which pose (and how finely) they were computed."""
        self.graphics.clear()
        self.arms = arms
        self.plots = {}
        shown = [c for c in arms.curves if not c.locked]
        locked = [c.coordinate for c in arms.curves if c.locked]
        for row, curve in enumerate(shown):
            # The words span both plots: as a plot's title they would set its least width.
            self.graphics.addLabel(
                f"<b>{short_name(curve.coordinate)}</b>: {sign_words(curve.coordinate)}",
                row=2 * row,
                col=0,
                colspan=2,
                size="9pt",
            )
            arm_plot = self.graphics.addPlot(row=2 * row + 1, col=0)
            length_plot = self.graphics.addPlot(row=2 * row + 1, col=1)
            self._draw(curve, arms.length_m, arm_plot, length_plot)
            self.plots[curve.coordinate] = (arm_plot, length_plot)
        self.graphics.setMinimumHeight(PLOT_ROW_HEIGHT * len(shown))
        text = f"<b>{arms.muscle_index} {arms.muscle}</b> {note}"
        if not shown:
            text += "; it crosses no coordinate that moves"
        if locked:
            text += f"; locked: {', '.join(locked)}"
        self.note.setText(text)
        self.note.setToolTip(
            f"Also crosses {', '.join(locked)}, which the model locks (never moves): not plotted." if locked else ""
        )

    @staticmethod
    def _draw(curve: CoordinateCurve, length_m: float, arm_plot: pg.PlotItem, length_plot: pg.PlotItem) -> None:
        axis = f"{short_name(curve.coordinate)} ({'°' if curve.is_rotation else 'm'})"
        small_plot(arm_plot, "moment arm (cm)", axis, "")
        small_plot(length_plot, "length (cm)", axis, "")
        symbol = "o" if curve.values.size <= 5 else None  # a coarse curve: show its few points
        arm_plot.addItem(pg.InfiniteLine(pos=0.0, angle=0, movable=False, pen=pg.mkPen(BASE_COLOUR, width=1)))
        arm_plot.plot(
            curve.values, curve.moment_arms_m * CM, pen=pg.mkPen(RUN_COLOUR, width=2), symbol=symbol, symbolSize=5
        )
        length_plot.plot(
            curve.values, curve.lengths_m * CM, pen=pg.mkPen(RUN_COLOUR, width=2), symbol=symbol, symbolSize=5
        )
        for plot, value in ((arm_plot, curve.current_moment_arm_m * CM), (length_plot, length_m * CM)):
            plot.addItem(
                pg.InfiniteLine(
                    pos=curve.current_value, angle=90, movable=False, pen=pg.mkPen(MARK_COLOUR, style=Qt.DashLine)
                )
            )
            plot.plot([curve.current_value], [value], pen=None, symbol="o", symbolSize=8, symbolBrush=MARK_COLOUR)


class PlotTabs(QTabWidget):
    """The plots take the room the heat map leaves, whatever their pages' wrapped notes ask for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Ignored)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False


def sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def pelvis_trace(frames: Sequence[Frame]) -> tuple[np.ndarray, np.ndarray]:
    """A run's times and pelvis heights (m)."""
    return np.array([f.time for f in frames]), np.array([f.pelvis_height for f in frames])
