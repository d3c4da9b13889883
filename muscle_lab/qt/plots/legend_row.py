"""The row above the plots: one legend entry per joint-angle colour (the same on every angle
plot) and, apart from it, the ghost's name. On one line where it fits; never cut: the legend
wraps between entries and the ghost's name takes a line of its own."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QGridLayout, QLabel, QWidget

from muscle_lab.qt.panels.elided_label import ElidedLabel
from muscle_lab.qt.plots.plan import Curve, legend_html

MARGINS = 96  # pixels: the row's left margin and the room of the plots' Reset view button
SPACING = 12


class LegendRow(QWidget):
    """`legend_label` names the curves in their colours, `ghost_label` the faint ones."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend_label = QLabel()
        self.legend_label.setTextFormat(Qt.RichText)
        self.legend_label.setMinimumWidth(1)  # never widens the panel: wraps instead (`fit`)
        self.ghost_label = ElidedLabel()
        self.ghost_label.setStyleSheet("color: #a0a0a0;")
        for label in (self.legend_label, self.ghost_label):
            font = label.font()
            font.setPointSize(8)
            label.setFont(font)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 0, MARGINS - 6, 0)
        self._grid.setHorizontalSpacing(SPACING)
        self._grid.setVerticalSpacing(0)
        self._grid.addWidget(self.legend_label, 0, 0)
        self._grid.addWidget(self.ghost_label, 0, 1)
        self._grid.setColumnStretch(1, 1)
        self._legend_width = 0  # the legend's width on one line

    def set_curves(self, curves: Sequence[Curve]) -> None:
        self.legend_label.setWordWrap(False)
        self.legend_label.setText(legend_html(curves))
        self._legend_width = self.legend_label.sizeHint().width()
        self.fit(self.width())

    def set_ghost(self, text: str) -> None:
        """The ghost's name ("" without one), after a sample of its faint grey line."""
        self.ghost_label.setText(f"━━ {text}" if text else "")
        self.fit(self.width())

    def fit(self, width: int) -> None:
        """The legend on one line where it fits (else wrapped between entries), the ghost's name
        beside it where both fit whole, else on a line of its own (elided only if even that is short)."""
        room = width - MARGINS
        self.legend_label.setWordWrap(self._legend_width > room)
        ghost = self.ghost_label
        ghost_width = ghost.fontMetrics().horizontalAdvance(ghost.full_text)
        beside = not ghost.full_text or self._legend_width + SPACING + ghost_width <= room
        row, column = (0, 1) if beside else (1, 0)
        if self._grid.getItemPosition(self._grid.indexOf(ghost))[:2] != (row, column):
            self._grid.removeWidget(ghost)
            self._grid.addWidget(ghost, row, column, 1, 1 if beside else 2)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.fit(event.size().width())
