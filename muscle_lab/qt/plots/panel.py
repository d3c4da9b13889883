"""Plots of one episode against episode time: joint angles, pelvis height and reward, with a
cursor at the shown time, the episode's end, a hover readout and, for comparison, the faint
ghost of another episode. Mouse zoom and pan hold the view until "Reset view".

The curves' legend and the ghost's name sit in a row above the plots, never on the curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QCoreApplication, QEvent, QObject, QPointF, pyqtSignal
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import (
    QGraphicsView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.history import EpisodeTrace, channel_count
from muscle_lab.qt.plots.items import PlotItems, build_plot, place_readout
from muscle_lab.qt.plots.legend_row import LegendRow
from muscle_lab.qt.plots.plan import (
    CURVE_WIDTH,
    DEFAULT_WINDOW_SECONDS,
    GHOST_ALPHA,
    MIN_SPAN_SECONDS,
    NBSP,
    TITLE_HEIGHT,
    Curve,
    auto_x_range,
    columns_for,
    drawable,
    format_value,
    plan_curves,
    shown_rows,
    shows_value,
    time_tick_step,
    value_at,
)


class PlotPanel(QWidget):
    """Plots of one episode trace (and a ghost). Setters only store and mark the panel dirty;
    `redraw` (called by the window's single redraw timer) pushes data and paints."""

    plotsResized = pyqtSignal()  # the plots' area changed size (the window, or a line of the legend row)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground("w")
        # Painted only by `redraw` (synchronously, in the GUI's turn), not on every item change.
        self._graphics.setViewportUpdateMode(QGraphicsView.NoViewportUpdate)
        # Mouse moves are read here: pyqtgraph's sigMouseMoved drops moves that come within
        # 10 ms of the last, which can leave the readout where the mouse no longer is.
        self._graphics.viewport().installEventFilter(self)
        self.legend_row = LegendRow()
        self.legend_label, self.ghost_label = self.legend_row.legend_label, self.legend_row.ghost_label
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.legend_row)
        layout.addWidget(self._graphics, 1)
        # Over the plots' top right corner (beside the last title), shown only while a zoom or
        # pan holds the view: a row of its own would take height the plots need at 1024x700.
        self.reset_button = QToolButton(self)
        self.reset_button.setText("Reset view")
        font = self.reset_button.font()
        font.setPointSize(8)
        self.reset_button.setFont(font)
        self.reset_button.setToolTip("Back to the automatic range: the whole episode, or its last seconds")
        self.reset_button.clicked.connect(self.reset_view)
        self.reset_button.hide()
        self.window_seconds = DEFAULT_WINDOW_SECONDS
        self._columns = 3
        self._plots: dict[str, pg.PlotItem] = {}
        self._items: dict[str, PlotItems] = {}
        self._curves: list[tuple[Curve, pg.PlotDataItem]] = []
        self._channels = 0
        self._ghost_text = ""
        self._trace: EpisodeTrace | None = None
        self._ghost: EpisodeTrace | None = None
        self._ghost_pushed: tuple[object, ...] = ()  # (ghost, its length, lo, hi) last handed to its curves
        self._cursor: float | None = None
        self._hover: float | None = None
        self._following = True  # the ranges follow the data until the user zooms or pans
        self._setting_x = False  # the x range is being set here, not by the user
        self.end_markers: list[float] = []  # x of the end lines drawn
        self.ghost_end_markers: list[float] = []
        self._stale = False  # the curves need the data again (new rows, another range or trace)
        self._dirty = False  # the picture needs painting (a hover moves only the readout)
        self.redraw_count = 0

    # -- building ----------------------------------------------------------------------
    def configure(self, joint_angle_names: Sequence[str], locked: Sequence[str] = ()) -> None:
        """Create the plots and curves for a model (once per model, not per frame); the
        coordinates in `locked` never move and are not plotted."""
        self._graphics.clear()
        self._plots.clear()
        self._items.clear()
        self._curves.clear()
        self._trace = self._ghost = None
        self._ghost_pushed = ()
        self._cursor = self._hover = None
        self._channels = channel_count(len(joint_angle_names))
        self.end_markers, self.ghost_end_markers = [], []
        titles, curves = plan_curves(joint_angle_names, locked)
        self._columns = columns_for(self.width(), len(titles))
        for position, (key, title) in enumerate(titles.items()):
            plot = self._graphics.addPlot(row=position // self._columns, col=position % self._columns)
            self._plots[key] = plot
            self._items[key] = build_plot(key, title, plot, self._on_x_range_changed, self._on_y_range_changed)
        self._label_column_bottoms()
        self._balance_rows()
        for curve in curves:
            items = self._items[curve.plot]
            ghost_pen = QColor(curve.colour)
            ghost_pen.setAlpha(GHOST_ALPHA)
            ghost = items.plot.plot(pen=pg.mkPen(ghost_pen, width=CURVE_WIDTH))
            ghost.setZValue(-1)  # behind the episode's own curves
            main = items.plot.plot(pen=pg.mkPen(curve.colour, width=CURVE_WIDTH))
            items.curves.append((curve, main, ghost))
            self._curves.append((curve, main))
        self.legend_row.set_curves(curves)
        self._ghost_text = ""
        self.legend_row.set_ghost("")
        self._following = True
        self.reset_button.hide()
        self._set_x_range(0.0, MIN_SPAN_SECONDS)
        self.data_changed()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._place_reset_button()
        columns = columns_for(event.size().width(), len(self._plots))
        if self._plots and columns != self._columns:
            self._columns = columns
            layout = self._graphics.ci
            for plot in self._plots.values():
                layout.removeItem(plot)
            for position, plot in enumerate(self._plots.values()):
                layout.addItem(plot, row=position // columns, col=position % columns)
            self._label_column_bottoms()
            self._balance_rows()
            self._dirty = True

    def _label_column_bottoms(self) -> None:
        """Times (tick values and the axis's name) under the plots of the last row only: the
        plots share their time range, and repeated on every row the times take height the
        curves need."""
        last_row = self.rows - 1
        for position, plot in enumerate(self._plots.values()):
            bottom = position // self._columns == last_row
            axis = plot.getAxis("bottom")
            axis.setStyle(showValues=bottom)
            axis.showLabel(bottom)

    def _balance_rows(self) -> None:
        self._space_time_ticks()
        self._balance_row_heights()

    def _balance_row_heights(self) -> None:
        """Rows of equal data height: the last row is taller by its time axis (left to itself,
        the grid gives every row the same height and the last row's curves the least)."""
        layout = self._graphics.ci.layout
        rows = self.rows
        if rows == 0:
            return
        axis = list(self._plots.values())[-1].getAxis("bottom").maximumHeight()
        _, top, _, bottom = layout.getContentsMargins()
        free = self._graphics.viewport().height() - top - bottom - layout.verticalSpacing() * (rows - 1)
        row = max(0.0, (free - axis) / rows)
        for r in range(rows):
            layout.setRowFixedHeight(r, row + (axis if r == rows - 1 else 0))

    @property
    def rows(self) -> int:
        return -(-len(self._plots) // self._columns) if self._plots else 0

    def data_heights(self) -> dict[str, int]:
        """Each plot's data area (its view box) in pixels, by key."""
        return {key: round(items.view.sceneBoundingRect().height()) for key, items in self._items.items()}

    def height_for_data(self, data_height: int) -> int:
        """The panel's height at which the smallest data area would be `data_height` pixels: what
        titles, axes and the legend row take, measured, plus that much per row."""
        heights = self.data_heights()
        if not heights or self.height() <= 0:
            return data_height * 2 + 4 * TITLE_HEIGHT + 80  # an estimate until laid out
        return self.height() + (data_height - min(heights.values())) * self.rows

    # -- what is shown -----------------------------------------------------------------
    def set_episode(self, trace: EpisodeTrace | None) -> None:
        """Show this episode (live or from the history); None shows none."""
        self._check_channels(trace)
        self._trace = trace
        self.data_changed()

    def set_ghost(self, trace: EpisodeTrace | None, label: str = "") -> None:
        """Draw another episode faintly behind the shown one, for comparison; None removes it.
        `label` says which, e.g. "ghost: episode 3 · hip-thrust"."""
        self._check_channels(trace)
        self._ghost = trace
        text = "" if trace is None else label or "ghost"
        if text != self._ghost_text:
            self._ghost_text = text
            self.legend_row.set_ghost(text)  # named apart from the curves' legend
        self.data_changed()

    @property
    def ghost_text(self) -> str:
        """What the legend row says of the ghost ("" without one)."""
        return self._ghost_text

    def _check_channels(self, trace: EpisodeTrace | None) -> None:
        if trace is not None and trace.channels != self._channels:
            raise ValueError(f"a trace of {trace.channels} channels for plots made for {self._channels}")

    def data_changed(self) -> None:
        """Rows were appended to the shown trace (or the ghost): drawn at the next redraw."""
        self._stale = self._dirty = True

    def set_cursor(self, t: float | None) -> None:
        """A vertical line at the shown time on every plot; None hides it."""
        if t == self._cursor:
            return
        self._cursor = t
        for items in self._items.values():
            if t is not None:
                items.cursor.setPos(t)
            items.cursor.setVisible(t is not None)
        self.data_changed()  # the automatic range may move to show it

    @property
    def cursor_time(self) -> float | None:
        return self._cursor

    def set_window_seconds(self, seconds: float) -> None:
        """How many seconds of a long episode the automatic range shows; the data stay."""
        self.window_seconds = seconds
        self.data_changed()

    # -- the view ----------------------------------------------------------------------
    @property
    def following(self) -> bool:
        """True while the ranges follow the data; False once the user zoomed or panned."""
        return self._following

    def reset_view(self) -> None:
        """Back to the automatic ranges after a zoom or pan."""
        self._following = True
        self.reset_button.hide()
        for items in self._items.values():
            items.view.enableAutoRange(axis=pg.ViewBox.YAxis, enable=True)
        self.data_changed()

    def x_range(self, plot: str | None = None) -> tuple[float, float]:
        """The time range shown (the same on every plot; `plot` picks one by key)."""
        if not self._items:
            return (0.0, MIN_SPAN_SECONDS)
        items = self._items[plot] if plot is not None else next(iter(self._items.values()))
        lo, hi = items.view.viewRange()[0]
        return (float(lo), float(hi))

    def _set_x_range(self, lo: float, hi: float) -> None:
        self._setting_x = True
        try:
            for items in self._items.values():
                items.view.setXRange(lo, hi, padding=0)
        finally:
            self._setting_x = False
        self._space_time_ticks()

    def _space_time_ticks(self) -> None:
        """Time labels spaced for the narrowest plot: pyqtgraph's own spacing ran them together
        ("0.20.40.60.8") in a plot 150 pixels wide."""
        if not self._items:
            return
        lo, hi = self.x_range()
        width = min(items.view.width() for items in self._items.values())
        step = time_tick_step(hi - lo, width)
        for items in self._items.values():
            items.plot.getAxis("bottom").setTickSpacing(step, step / 2)

    def _on_x_range_changed(self, view: pg.ViewBox, x_range: tuple[float, float]) -> None:
        """A change not made here is the user's (wheel, drag): the others follow it, exactly
        (pyqtgraph's own x link lines plots up by pixels, which differ with their axis widths)."""
        self._dirty = True
        if self._setting_x:
            return
        self._stop_following()
        self._set_x_range(*x_range)
        self._stale = True  # the part of the data handed to the curves follows the view

    def _on_y_range_changed(self, view: pg.ViewBox, _y_range: tuple[float, float]) -> None:
        self._dirty = True
        if view.autoRangeEnabled()[1] is False:  # only a zoom or pan turns the y autorange off
            self._stop_following()

    def _stop_following(self) -> None:
        if self._following:
            self._following = False
            self._place_reset_button()
            self.reset_button.show()
            self.reset_button.raise_()

    def _place_reset_button(self) -> None:
        button = self.reset_button
        button.adjustSize()
        button.move(self.width() - button.width() - 4, 2)

    # -- hover -------------------------------------------------------------------------
    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        t = None
        for items in self._items.values():
            if items.view.sceneBoundingRect().contains(scene_pos):
                t = float(items.view.mapSceneToView(scene_pos).x())
                break
        if t != self._hover:
            self._hover = t
            self._dirty = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Resize:
            self._balance_rows()
            self.plotsResized.emit()
        elif event.type() == QEvent.MouseMove:
            self._on_mouse_moved(self._graphics.mapToScene(event.pos()))
        elif event.type() == QEvent.Leave and self._hover is not None:
            self._hover = None
            self._dirty = True
        return False

    @property
    def hover_time(self) -> float | None:
        return self._hover

    def readout_text(self, plot: str) -> str:
        """The hover readout of a plot as plain text ("" when hidden)."""
        readout = self._items[plot].readout
        return readout.toPlainText().replace(NBSP, " ") if readout.isVisible() else ""

    def _update_readouts(self) -> None:
        t = self._hover
        for key, items in self._items.items():
            shown = t is not None
            items.hover.setVisible(shown)
            items.readout.setVisible(shown)
            if t is None:
                continue
            items.hover.setPos(t)
            lines = [f"<b>t = {t:.2f} s</b>"]
            for curve, _, _ in items.curves:
                if not shows_value(curve, t, self._trace, self._ghost):
                    continue
                # Non-breaking spaces: a narrow plot wraps a line only before the ghost's value.
                text = f"{curve.label} {format_value(key, value_at(self._trace, curve.channel, t))}".replace(" ", NBSP)
                if self._ghost is not None:
                    ghost = format_value(key, value_at(self._ghost, curve.channel, t))
                    text += f" <span style='color:#888888'>(ghost{NBSP}{ghost})</span>"
                lines.append(f"<span style='color:{curve.colour}'>{text}</span>")
            place_readout(items, "<br>".join(lines), t)

    # -- drawing -----------------------------------------------------------------------
    def redraw(self) -> bool:
        """Push the shown part of the data to the curves and paint; False when nothing changed."""
        if not self._dirty:
            return False
        if self._items and self._stale:
            self._stale = False
            if self._following:
                end = float(self._trace.times[-1]) if self._trace is not None and len(self._trace) else 0.0
                lo, hi = auto_x_range(end, self.window_seconds, self._cursor)
                self._set_x_range(lo, hi)
            else:  # a held view: some data either side too, so a drag shows curves at once
                lo, hi = self.x_range()
                lo, hi = lo - (hi - lo), hi + (hi - lo)
            # The ghost does not grow: pushed again only when it or the range changes.
            ghost_key = (self._ghost, len(self._ghost) if self._ghost is not None else 0, lo, hi)
            push_ghost = ghost_key != self._ghost_pushed
            self._ghost_pushed = ghost_key
            for items in self._items.values():
                for curve, main, ghost in items.curves:
                    self._push(main, self._trace, curve.channel, lo, hi)
                    if push_ghost:
                        self._push(ghost, self._ghost, curve.channel, lo, hi)
            self.end_markers = self._place_end_lines("end", self._trace)
            self.ghost_end_markers = self._place_end_lines("ghost_end", self._ghost)
        if self._items:
            self._update_readouts()
        QCoreApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        self._paint()
        # Painting can reveal wider tick labels; the axes then ask for room (a posted layout
        # request). Laid out and painted again now, the picture never stays clipped until the
        # next change (the panel repaints only when something changed).
        geometry = [items.view.sceneBoundingRect() for items in self._items.values()]
        QCoreApplication.sendPostedEvents(None, QEvent.LayoutRequest)
        if [items.view.sceneBoundingRect() for items in self._items.values()] != geometry:
            self._paint()
        self._dirty = False  # range changes made by these paints are drawn already
        self.redraw_count += 1
        return True

    def _paint(self) -> None:
        """The scene's deferred work (dirty items, bounding rects, the y autorange: Python calls
        into pyqtgraph) and the paint happen now, inside the caller's turn, not later."""
        scene = self._graphics.scene()
        QCoreApplication.sendPostedEvents(scene, 0)
        self._graphics.viewport().repaint()
        QCoreApplication.sendPostedEvents(scene, 0)

    @staticmethod
    def _push(item: pg.PlotDataItem, trace: EpisodeTrace | None, channel: int, lo: float, hi: float) -> None:
        if trace is None:
            item.setData(np.empty(0), np.empty(0))
            return
        times = trace.times
        rows = shown_rows(times, lo, hi)  # views: only what the plot shows goes to pyqtgraph
        item.setData(*drawable(times[rows], trace.values[rows, channel]), skipFiniteCheck=True)

    def _place_end_lines(self, kind: str, trace: EpisodeTrace | None) -> list[float]:
        end = trace.end_time if trace is not None else None
        for items in self._items.values():
            line = getattr(items, kind)
            if end is not None:
                line.setPos(end)
            line.setVisible(end is not None)
        return [] if end is None else [end]

    # -- for tests ---------------------------------------------------------------------
    @property
    def graphics(self) -> pg.GraphicsLayoutWidget:
        return self._graphics

    @property
    def plot_keys(self) -> list[str]:
        return list(self._items)

    def plot_view(self, plot: str) -> pg.ViewBox:
        return self._items[plot].view

    def vertical_lines(self, kind: str) -> dict[str, float | None]:
        """Where the "cursor", "end", "ghost_end" or "hover" line stands on each plot (None: hidden)."""
        lines = {key: getattr(items, kind) for key, items in self._items.items()}
        return {key: float(line.value()) if line.isVisible() else None for key, line in lines.items()}

    def curve_keys(self) -> list[tuple[str, str]]:
        """(plot, label) of every curve, in the order they were made."""
        return [(c.plot, c.label) for c, _ in self._curves]

    def curve_data(self, plot: str, label: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) last handed to a curve (the shown part of the episode), by plot key and label."""
        return self._data(plot, label, ghost=False)

    def ghost_data(self, plot: str, label: str) -> tuple[np.ndarray, np.ndarray]:
        """The same for the ghost's curve."""
        return self._data(plot, label, ghost=True)

    def _data(self, plot: str, label: str, ghost: bool) -> tuple[np.ndarray, np.ndarray]:
        if plot in self._items:
            for curve, main, ghost_item in self._items[plot].curves:
                if curve.label == label:
                    item = ghost_item if ghost else main
                    x, y = item.xData, item.yData
                    return (np.array([]), np.array([])) if x is None else (x, y)
        raise KeyError(f"{plot}: {label}")
