"""Scrolling plots of joint angles, pelvis height and reward over the last seconds."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QCoreApplication, Qt
from PyQt5.QtWidgets import QGraphicsView, QVBoxLayout, QWidget

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.muscles import side_of
from muscle_lab.core.reward import MIN_PELVIS_HEIGHT
from muscle_lab.qt.ring_buffer import RingBuffer

DEFAULT_WINDOW_SECONDS = 10.0
WIDTH_FOR_THREE_COLUMNS = 380  # pixels
MAX_WINDOW_SECONDS = 120.0  # the longest plot window the toolbar offers; the buffer holds that much
# Plotted leg angles: the sagittal ones; hip adduction and rotation stay in the CSV export.
HIDDEN_ANGLES = ("hip_adduction", "hip_rotation")
JOINT_COLOURS = {"hip": "#1f77b4", "knee": "#2ca02c", "ankle": "#ff7f0e", "lumbar": "#9467bd"}
OTHER_COLOURS = ("#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728")
END_COLOUR = "#d62728"
RESET_COLOUR = "#999999"
MIN_Y_SPAN = {"pelvis": 0.2, "reward": 2.0, "total": 2.0}  # plot units; angles: 10 degrees
MARKER_REACH = 1e4  # marker lines run this far up and down: beyond any plotted value
CURVE_WIDTH = 1  # 1 px lines take the raster engine's fast path: a third of the redraw time saved


@dataclass(frozen=True)
class Curve:
    plot: str
    label: str
    colour: str
    channel: int


def angle_label(name: str) -> str:
    """'hip_flexion_r' -> 'hip flexion'; the plot title gives the side."""
    base = name[:-2] if side_of(name) else name
    return base.replace("_angle", "").replace("_", " ")


def angle_colour(name: str, fallback_index: int) -> str:
    for joint, colour in JOINT_COLOURS.items():
        if name.startswith(joint):
            return colour
    return OTHER_COLOURS[fallback_index % len(OTHER_COLOURS)]


def plan_curves(joint_angle_names: Sequence[str]) -> tuple[dict[str, str], list[Curve], int]:
    """Plot titles by key, one Curve per plotted series, and the number of channels.

    Channels: the frame's joint angles in order, then pelvis height, reward, total reward.
    """
    n = len(joint_angle_names)
    titles = {
        "right": "Right leg (deg)",
        "left": "Left leg (deg)",
        "other": "Trunk (deg)",
        "pelvis": "Pelvis height (m)",
        "reward": "Reward per step",
        "total": "Total reward",
    }
    curves: list[Curve] = []
    others = 0
    for channel, name in enumerate(joint_angle_names):
        if any(name.startswith(hidden) for hidden in HIDDEN_ANGLES):
            continue
        plot = side_of(name) or "other"
        if plot == "other":
            others += 1
        curves.append(Curve(plot, angle_label(name), angle_colour(name, others), channel))
    if not any(c.plot in ("right", "left") for c in curves):
        titles["other"] = "Joint angles (deg)"
    curves += [
        Curve("pelvis", "pelvis height", "#1f77b4", n),
        Curve("reward", "reward", "#2ca02c", n + 1),
        Curve("total", "total reward", "#9467bd", n + 2),
    ]
    used = {c.plot for c in curves}
    return {k: v for k, v in titles.items() if k in used}, curves, n + 3


class PlotPanel(QWidget):
    """Plots for one model. `add_frames` only writes numpy buffers; `redraw` (called by the
    window's single redraw timer) pushes them to the curves."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._graphics = pg.GraphicsLayoutWidget()
        self._graphics.setBackground("w")
        # Painted only by `redraw` (synchronously, in the GUI's turn), not on every item change.
        self._graphics.setViewportUpdateMode(QGraphicsView.NoViewportUpdate)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._graphics)
        self.window_seconds = DEFAULT_WINDOW_SECONDS
        self._channels = 1  # until a model's plots are configured
        self._columns = 3
        self._plots: dict[str, pg.PlotItem] = {}
        self._curves: list[tuple[Curve, pg.PlotDataItem]] = []
        self._buffer = RingBuffer(1, 1)
        self._markers: deque[tuple[float, str]] = deque()  # (run time, "end" or "reset")
        # All marker lines of a kind on a plot are one curve of vertical segments: the cost of
        # drawing stays flat however many episodes ended within the window.
        self._marker_curves: list[tuple[str, pg.PlotCurveItem]] = []
        self._markers_changed = False
        self._offset = 0.0  # run clock at the start of the current episode
        self._was_done = True  # the end line marks the step where `done` turns on
        self._dirty = False
        self.redraw_count = 0

    # -- building ----------------------------------------------------------------------
    def configure(self, joint_angle_names: Sequence[str]) -> None:
        """Create the plots and curves for a model (once per model, not per frame)."""
        self._graphics.clear()
        self._plots.clear()
        self._curves.clear()
        self._markers.clear()
        self._marker_curves.clear()
        titles, curves, channels = plan_curves(joint_angle_names)
        self._channels = channels
        self._allocate()
        self._columns = self._columns_for(self.width())
        first: pg.PlotItem | None = None
        for position, (key, title) in enumerate(titles.items()):
            plot = self._graphics.addPlot(row=position // self._columns, col=position % self._columns)
            plot.setTitle(title, size="10pt")
            plot.showGrid(x=True, y=True, alpha=0.25)
            plot.setLabel("bottom", "time", units="s")
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)  # a live display: the ranges follow the data
            plot.setClipToView(True)
            plot.setDownsampling(auto=True, mode="peak")
            plot.enableAutoRange(axis="x", enable=False)
            # Autorange never zooms into numerical noise (lumbar angle wobbling by 1e-4 degrees).
            plot.getViewBox().setLimits(minYRange=MIN_Y_SPAN.get(key, 10.0))
            if key not in ("reward", "total", "pelvis"):
                plot.addLegend(offset=(-6, 6), labelTextSize="8pt", verSpacing=-6)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            self._plots[key] = plot
        if "pelvis" in self._plots:
            limit = pg.InfiniteLine(
                pos=MIN_PELVIS_HEIGHT,
                angle=0,
                pen=pg.mkPen(END_COLOUR, width=1, style=Qt.DashLine),
                label=f"episode ends below {MIN_PELVIS_HEIGHT} m",
                labelOpts={"position": 0.02, "color": END_COLOUR, "anchors": [(0, 1), (0, 1)]},
            )
            self._plots["pelvis"].addItem(limit)
        self._create_marker_curves()
        for curve in curves:
            item = self._plots[curve.plot].plot(pen=pg.mkPen(curve.colour, width=CURVE_WIDTH), name=curve.label)
            self._curves.append((curve, item))
        self._set_x_range(0.0)

    @staticmethod
    def _columns_for(width: int) -> int:
        """Three plots a row where they have room, two in a narrow window (1024 px wide)."""
        return 3 if width >= WIDTH_FOR_THREE_COLUMNS else 2

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        columns = self._columns_for(event.size().width())
        if self._plots and columns != self._columns:
            self._columns = columns
            layout = self._graphics.ci
            for plot in self._plots.values():
                layout.removeItem(plot)
            for position, plot in enumerate(self._plots.values()):
                layout.addItem(plot, row=position // columns, col=position % columns)
            self._dirty = True

    def set_window_seconds(self, seconds: float) -> None:
        """Change how much history is shown; the data stay (the buffer holds the longest window)."""
        self.window_seconds = seconds
        self._dirty = True

    def _allocate(self) -> None:
        capacity = round(MAX_WINDOW_SECONDS / STEP_SECONDS) + 2
        self._buffer = RingBuffer(capacity, self._channels)
        self._row = np.zeros(self._channels)

    # -- data --------------------------------------------------------------------------
    def add_frames(self, frames: Sequence[Frame]) -> None:
        row = self._row
        for frame in frames:
            if frame.step == 0:  # a reset: the run clock continues where the episode stopped
                last = self._buffer.last_x
                self._offset = last if last is not None else self._offset
                if last is not None:
                    self.add_marker(last, "reset")
            if frame.step == 0:
                self._was_done = frame.done  # a model that starts below 0.6 m has no end to mark
            n = frame.joint_angles.size
            if n + 3 != row.size:
                continue  # a frame from a model the plots were not built for
            row[:n] = frame.joint_angles
            row[n:] = (frame.pelvis_height, frame.reward, frame.total_reward)
            self._buffer.append(self._offset + frame.time, row)
            if frame.done and not self._was_done:
                self.add_marker(self._offset + frame.time, "end")
            self._was_done = frame.done
        self._dirty = True

    def add_marker(self, x: float, kind: str) -> None:
        """A vertical line at run time x on every plot: "end" (red) or "reset" (grey)."""
        if self._markers and abs(self._markers[-1][0] - x) < 1e-9:
            return  # an episode end followed by its reset: one line is enough
        self._markers.append((x, kind))
        self._markers_changed = True

    def _create_marker_curves(self) -> None:
        for plot in self._plots.values():
            for kind, pen in (
                ("end", pg.mkPen(END_COLOUR, width=2)),
                ("reset", pg.mkPen(RESET_COLOUR, width=1)),  # solid: dashing a long line is slow
            ):
                curve = pg.PlotCurveItem(pen=pen, connect="pairs", skipFiniteCheck=True)
                plot.addItem(curve, ignoreBounds=True)  # the lines do not widen the y range
                self._marker_curves.append((kind, curve))

    def _update_marker_curves(self) -> None:
        for kind, curve in self._marker_curves:
            xs = np.repeat([x for x, k in self._markers if k == kind], 2)
            ys = np.tile([-MARKER_REACH, MARKER_REACH], xs.size // 2)
            curve.setData(xs, ys)
        self._markers_changed = False

    @property
    def end_markers(self) -> list[float]:
        """Run-clock times of the episode-end lines currently drawn."""
        return [x for x, kind in self._markers if kind == "end"]

    # -- drawing -----------------------------------------------------------------------
    def redraw(self) -> bool:
        """Push new samples to the curves; False when there was nothing new."""
        if not self._dirty:
            return False
        self._dirty = False
        x, values = self._buffer.view()
        shown = int(np.searchsorted(x, x[-1] - self.window_seconds - STEP_SECONDS)) if x.size else 0
        x, values = x[shown:], values[shown:]  # only what the window shows goes to pyqtgraph
        for curve, item in self._curves:
            item.setData(x, values[:, curve.channel], skipFiniteCheck=True)
        latest = self._buffer.last_x or 0.0
        self._set_x_range(latest)
        self._refresh_markers(latest - self.window_seconds)
        # The scene's deferred work (dirty items, bounding rects: Python calls into pyqtgraph)
        # and the paint happen now, inside the caller's turn, rather than later in the event loop.
        QCoreApplication.sendPostedEvents(self._graphics.scene(), 0)
        self._graphics.viewport().repaint()
        QCoreApplication.sendPostedEvents(self._graphics.scene(), 0)
        self.redraw_count += 1
        return True

    def _set_x_range(self, latest: float) -> None:
        if self._plots:
            start = max(0.0, latest - self.window_seconds)
            next(iter(self._plots.values())).setXRange(start, start + self.window_seconds, padding=0)

    def _refresh_markers(self, oldest: float) -> None:
        """Forget lines that scrolled out of view; redraw the marker curves if they changed."""
        while self._markers and self._markers[0][0] < oldest:
            self._markers.popleft()
            self._markers_changed = True
        if self._markers_changed:
            self._update_marker_curves()

    def curve_data(self, plot: str, label: str) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) a curve shows, by plot key and legend label (for tests)."""
        for curve, item in self._curves:
            if curve.plot == plot and curve.label == label:
                x, y = item.getData()
                return (np.array([]), np.array([])) if x is None else (x, y)
        raise KeyError(label)
