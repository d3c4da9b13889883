"""osim-rl's observation, live: by body part as a tree, and as the flat vector a controller gets.

Every entry has its meaning and unit (core.observation names them); any entry can be plotted
over episode time. The simulation process computes the vector only while this panel is shown
(the dock's visibility switches it), and the values are redrawn at most ten times a second.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QPoint, Qt
from PyQt5.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.observation.layout import ObservationEntry, ObservationLayout
from muscle_lab.core.simulation.protocol import Observed

REFRESH_SECONDS = 0.1  # the values are redrawn at most this often
HISTORY_STEPS = 3000  # steps of the current episode kept for plotting (30 s of simulated time)
PLOT_HEIGHT = 170
ENTRY_COLUMN_WIDTH = 150  # the tree's names; the values beside them stay in sight in a narrow dock
# The columns: the values come early, so that a narrow dock shows them.
TREE_COLUMNS = ("entry", "value", "unit", "meaning")
FLAT_COLUMNS = ("index", "value", "name", "action", "unit", "meaning")
TREE_VALUE, TREE_MEANING = TREE_COLUMNS.index("value"), TREE_COLUMNS.index("meaning")
FLAT_VALUE, FLAT_ACTION = FLAT_COLUMNS.index("value"), FLAT_COLUMNS.index("action")
MISSING_COLOUR = Qt.gray
# A group of the tree: its title and its entries, or its subgroups (title, entries) in order.
Group = tuple[str, list[ObservationEntry] | list[tuple[str, list[ObservationEntry]]]]


def observation_groups(layout: ObservationLayout) -> list[Group]:
    """The vector's entries by part, in the vector's order: the reference body, each other body,
    each joint, each muscle (alphabetical, as in the vector) and the centre of mass."""
    entries = list(layout.entries())
    position = 0

    def take(count: int) -> list[ObservationEntry]:
        nonlocal position
        taken = entries[position : position + count]
        position += count
        return taken

    reference = layout.reference_body
    groups: list[Group] = [(f"{reference} (the reference body)", take(8))]
    bodies = []
    for body in layout.bodies:
        missing = " — not in this model: always 0" if body in layout.missing_bodies else ""
        bodies.append((f"{body}{missing}", take(9)))
    groups.append((f"bodies (x, y and rz relative to the {reference})", bodies))
    joints = [
        (f"{joint.name} ({', '.join(joint.coordinates)})", take(3 * len(joint.coordinates))) for joint in layout.joints
    ]
    groups.append(("joints (positions, then velocities, then accelerations)", joints))
    muscles = [
        (f"{muscle} — action index {action}", take(3))
        for muscle, action in zip(layout.muscles, layout.action_indices, strict=True)
    ]
    groups.append(("muscles (alphabetical: not the action's order)", muscles))
    groups.append(("centre of mass", take(len(entries) - position)))
    return groups


def action_index_of(layout: ObservationLayout) -> dict[int, int]:
    """Vector index -> the action index of the muscle it belongs to (muscle entries only)."""
    first = len(layout.entries()) - 8 - 3 * len(layout.muscles)
    return {first + 3 * k + j: action for k, action in enumerate(layout.action_indices) for j in range(3)}


def order_note(layout: ObservationLayout) -> str:
    """The known trap, said with this model's names."""
    alphabetical = ", ".join(layout.muscles[:3])
    by_action = [name for _, name in sorted(zip(layout.action_indices, layout.muscles, strict=True))]
    return (
        f"Muscles come in alphabetical order here ({alphabetical}, …), not in the action's order "
        f"({', '.join(by_action[:3])}, …): the action column is each muscle's slider index."
    )


def format_value(value: float) -> str:
    return f"{value:.5g}"


class EpisodeSeries:
    """The observations of the current episode, for plotting any entry over episode time."""

    def __init__(self, capacity: int = HISTORY_STEPS) -> None:
        self.capacity = capacity
        self.episode: int | None = None
        self.steps = np.zeros(0, dtype=int)
        self.times = np.zeros(0)
        self.values = np.zeros((0, 0))
        self.count = 0

    def add(self, observed: Observed) -> None:
        size = observed.values.size
        if observed.episode != self.episode or self.values.shape[1] != size:
            self.episode, self.count = observed.episode, 0
            self.steps = np.zeros(self.capacity, dtype=int)
            self.times = np.zeros(self.capacity)
            self.values = np.zeros((self.capacity, size))
        elif self.count and observed.step <= self.steps[self.count - 1]:
            self.count = int(np.searchsorted(self.steps[: self.count], observed.step))  # the same step again
        if self.count == self.capacity:  # keep the later half: plots scroll, memory stays flat
            half = self.capacity // 2
            for array in (self.steps, self.times, self.values):
                array[:half] = array[self.capacity - half :]
            self.count = half
        self.steps[self.count] = observed.step
        self.times[self.count] = observed.time
        self.values[self.count] = observed.values
        self.count += 1

    def series(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return self.times[: self.count], self.values[: self.count, index]

    def at(self, episode: int, step: int) -> Observed | None:
        """The kept observation of that step, None when it was not kept."""
        if episode != self.episode:
            return None
        row = int(np.searchsorted(self.steps[: self.count], step))
        if row == self.count or self.steps[row] != step:
            return None
        return Observed(episode, step, float(self.times[row]), self.values[row])


class ObservationPanel(QWidget):
    """The observation vector as a tree by part and as a flat list, with a plot of chosen entries."""

    def __init__(self, source: deque[Observed] | None = None, parent: QWidget | None = None) -> None:
        """`source`: where the worker leaves each step's observation (drained on `redraw`)."""
        super().__init__(parent)
        self.source = source
        self.layout_: ObservationLayout | None = None
        self.entries: tuple[ObservationEntry, ...] = ()
        self.latest: Observed | None = None
        self.history = EpisodeSeries()
        self.timeline_step: tuple[int, int] | None = None  # (episode, step) the timeline shows; None: live
        self.plotted: dict[int, pg.PlotDataItem] = {}
        self.refresh_count = 0
        self._dirty = False
        self._last_refresh = 0.0
        self._tree_items: dict[int, QTreeWidgetItem] = {}
        self._flat_items: dict[int, QTreeWidgetItem] = {}
        self.dock: QDockWidget | None = None  # the window's tab that holds it
        self.shown = False  # its tab is in front (a tab behind another still counts as visible to Qt)

        self.status = QLabel("No model yet.")
        self.status.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(TREE_COLUMNS))
        self.flat = QTreeWidget()
        self.flat.setRootIsDecorated(False)
        self.flat.setHeaderLabels(list(FLAT_COLUMNS))
        self.flat.headerItem().setToolTip(FLAT_ACTION, "the muscle's index in the action: its slider")
        self.order_label = QLabel()
        self.order_label.setWordWrap(True)
        flat_page = QWidget()
        flat_layout = QVBoxLayout(flat_page)
        flat_layout.setContentsMargins(0, 0, 0, 0)
        flat_layout.addWidget(self.order_label)
        flat_layout.addWidget(self.flat, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.tree, "By part")
        self.tabs.addTab(flat_page, "Vector")
        self.tabs.currentChanged.connect(lambda _i: self._mark_dirty())
        for view in (self.tree, self.flat):
            view.setAlternatingRowColors(True)
            view.setUniformRowHeights(True)
            view.header().setSectionResizeMode(QHeaderView.ResizeToContents)
            view.setContextMenuPolicy(Qt.CustomContextMenu)
            view.customContextMenuRequested.connect(lambda point, v=view: self._context_menu(v, point))
            view.itemDoubleClicked.connect(lambda item, _column: self._toggle_plot(item))
        self.tree.header().setSectionResizeMode(0, QHeaderView.Interactive)
        self.tree.setColumnWidth(0, ENTRY_COLUMN_WIDTH)

        self.plot_widget = pg.PlotWidget(background="w")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.setLabel("bottom", "episode time (s)")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setMenuEnabled(False)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.legend = self.plot.addLegend(offset=(6, 6), labelTextSize="8pt")
        self.clear_button = QPushButton("Clear plot")
        self.clear_button.clicked.connect(self.clear_plot)
        plot_box = QWidget()
        plot_layout = QVBoxLayout(plot_box)
        plot_layout.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Double-click an entry (or right-click it) to plot it over episode time.")
        hint.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.clear_button)
        plot_layout.addLayout(buttons)
        plot_layout.addWidget(self.plot_widget, 1)
        self.plot_widget.setMinimumHeight(PLOT_HEIGHT // 2)
        self.plot_widget.setVisible(False)
        self.clear_button.setEnabled(False)

        split = QSplitter(Qt.Vertical)
        split.addWidget(self.tabs)
        split.addWidget(plot_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        self._split = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

    # -- model -------------------------------------------------------------------------
    def set_layout(self, layout: ObservationLayout | None) -> None:
        """Rebuild both views for a (new) model's observation; None: the model gave none."""
        self.layout_ = layout
        self.entries = layout.entries() if layout is not None else ()
        self.latest = None
        self.history = EpisodeSeries()
        self.clear_plot()
        self.tree.clear()
        self.flat.clear()
        self._tree_items, self._flat_items = {}, {}
        if layout is None:
            self.status.setText("This model's observation could not be read.")
            self.order_label.clear()
            return
        self.status.setText(f"osim-rl's observation: {len(self.entries)} values. Waiting for a step…")
        self.order_label.setText(order_note(layout))
        for title, content in observation_groups(layout):
            top = QTreeWidgetItem(self.tree, [title])
            top.setToolTip(0, title)  # whole on hover where the column cuts it
            for part in content:
                if isinstance(part, ObservationEntry):
                    self._tree_items[part.index] = self._leaf(top, part)
                else:
                    sub_title, sub_entries = part
                    node = QTreeWidgetItem(top, [sub_title])
                    node.setToolTip(0, sub_title)
                    for entry in sub_entries:
                        self._tree_items[entry.index] = self._leaf(node, entry)
        self.tree.expandToDepth(0)
        actions = action_index_of(layout)
        for entry in self.entries:
            action = str(actions[entry.index]) if entry.index in actions else ""
            item = QTreeWidgetItem(self.flat, [str(entry.index), "", entry.name, action, entry.unit, entry.meaning])
            item.setData(0, Qt.UserRole, entry.index)
            item.setToolTip(0, f"index {entry.index}: {entry.meaning} ({entry.unit})")
            item.setTextAlignment(0, Qt.AlignRight)
            item.setTextAlignment(FLAT_VALUE, Qt.AlignRight)
            self._grey_if_missing(item, entry, 6)
            self._flat_items[entry.index] = item

    def _leaf(self, parent: QTreeWidgetItem, entry: ObservationEntry) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [entry.name, "", entry.unit, entry.meaning])
        item.setData(0, Qt.UserRole, entry.index)
        item.setToolTip(0, f"index {entry.index}: {entry.meaning} ({entry.unit})")
        item.setToolTip(TREE_MEANING, entry.meaning)
        item.setTextAlignment(TREE_VALUE, Qt.AlignRight)
        self._grey_if_missing(item, entry, 4)
        return item

    @staticmethod
    def _grey_if_missing(item: QTreeWidgetItem, entry: ObservationEntry, columns: int) -> None:
        if entry.meaning.startswith("always 0"):
            for column in range(columns):
                item.setForeground(column, MISSING_COLOUR)

    # -- values ------------------------------------------------------------------------
    def add_observations(self, observations: Sequence[Observed]) -> None:
        """Keep them (for the plot) and show the latest at the next refresh."""
        size = len(self.entries)
        for observed in observations:
            if observed.values.size == size:  # not one sent for the previous model
                self.history.add(observed)
                self.latest = observed
                self._dirty = True

    def redraw(self) -> bool:
        """Read new observations from `source`, and redraw at most every REFRESH_SECONDS while
        shown. True when it redrew."""
        if self.source is not None and self.source:
            taken = []
            while self.source:
                taken.append(self.source.popleft())
            self.add_observations(taken)
        now = time.monotonic()
        if not self._dirty or not self.shown or now - self._last_refresh < REFRESH_SECONDS:
            return False
        self.refresh()
        self._last_refresh = now
        return True

    def follow_timeline(self, shown: tuple[int, int] | None) -> None:
        """The (episode, step) the timeline shows, None while live: the tab shows that step's
        observation where it was kept, and says so where it was not."""
        if shown != self.timeline_step:
            self.timeline_step = shown
            self._dirty = True

    def refresh(self) -> None:
        """Show the values of the step the timeline shows (the latest while live) in the tab that
        is shown, and the plotted entries' curves."""
        self._dirty = False
        kept = self.history.at(*self.timeline_step) if self.timeline_step is not None else None
        observed = kept or self.latest
        if observed is None:
            return
        self.refresh_count += 1
        where = f"at step {observed.step}, t = {observed.time:.2f} s (episode {observed.episode})"
        if self.timeline_step is not None and kept is None:
            episode, step = self.timeline_step
            where += (
                f"; the timeline's step {step} of episode {episode} has none kept (only the current "
                "episode's steps, while this tab is open)"
            )
        self.status.setText(f"osim-rl's observation ({observed.values.size} values) {where}")
        values = observed.values
        if self.tabs.currentIndex() == 0:
            for index, item in self._tree_items.items():
                item.setText(TREE_VALUE, format_value(values[index]))
        else:
            for index, item in self._flat_items.items():
                item.setText(FLAT_VALUE, format_value(values[index]))
        for index, curve in self.plotted.items():
            curve.setData(*self.history.series(index))

    def value_text(self, index: int) -> str:
        """What the shown view says of entry `index` (for tests and tooltips)."""
        if self.tabs.currentIndex() == 0:
            return self._tree_items[index].text(TREE_VALUE)
        return self._flat_items[index].text(FLAT_VALUE)

    def set_shown(self, shown: bool) -> None:
        """Its tab came to the front (or went behind another): values are redrawn while in front."""
        self.shown = shown
        if shown:
            self._mark_dirty()

    def _mark_dirty(self) -> None:
        self._dirty = True
        self._last_refresh = 0.0

    # -- plot --------------------------------------------------------------------------
    def plot_entry(self, index: int) -> None:
        """Plot entry `index` over episode time (from the episode's start, as far as kept)."""
        if index in self.plotted or not 0 <= index < len(self.entries):
            return
        entry = self.entries[index]
        pen = pg.mkPen(pg.intColor(len(self.plotted), hues=9), width=2)
        self.plotted[index] = self.plot.plot(*self.history.series(index), pen=pen, name=f"[{index}] {entry.name}")
        self._after_plot_change()

    def unplot_entry(self, index: int) -> None:
        curve = self.plotted.pop(index, None)
        if curve is not None:
            self.plot.removeItem(curve)
            self.legend.removeItem(curve)
        self._after_plot_change()

    def clear_plot(self) -> None:
        for index in list(self.plotted):
            self.unplot_entry(index)

    def _after_plot_change(self) -> None:
        units = {self.entries[i].unit for i in self.plotted}
        self.plot.setLabel("left", units.pop() if len(units) == 1 else "")
        if self.plotted and not self.plot_widget.isVisibleTo(self):  # room for the plot when it appears
            height = sum(self._split.sizes())
            self._split.setSizes([height - height * 2 // 5, height * 2 // 5])
        self.plot_widget.setVisible(bool(self.plotted))
        self.clear_button.setEnabled(bool(self.plotted))

    def _toggle_plot(self, item: QTreeWidgetItem) -> None:
        index = item.data(0, Qt.UserRole)
        if index is None:
            return
        self.unplot_entry(index) if index in self.plotted else self.plot_entry(index)

    def _context_menu(self, view: QTreeWidget, point: QPoint) -> None:
        item = view.itemAt(point)
        index = item.data(0, Qt.UserRole) if item is not None else None
        if index is None:
            return
        menu = QMenu(self)
        name = self.entries[index].name
        if index in self.plotted:
            menu.addAction(f"Remove {name} from the plot", lambda: self.unplot_entry(index))
        else:
            menu.addAction(f"Plot {name} over episode time", lambda: self.plot_entry(index))
        menu.exec_(view.viewport().mapToGlobal(point))
