"""The atlas's heat map as a table: one row per muscle, one column per joint coordinate (signed
degrees at the largest change, red + and blue -, as on the atlas page), then the pelvis height
change and the time of the fall."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QColor, QFont, QFontMetrics
from PyQt5.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from muscle_lab.core.atlas.page import FULL_COLOUR_DEG, degrees_text, millimetres_text, short_name
from muscle_lab.core.atlas.runs import AtlasResult, Effect, joint_phrase

PELVIS_COLUMN = "pelvis\nmm"
FALL_COLUMN = "falls\nat s"
POSITIVE, NEGATIVE = QColor(200, 40, 40), QColor(40, 80, 200)  # the page's colours
PLAIN = QColor(245, 245, 245)
ROW_HEIGHT = 18
WIDEST_CELL = "+188"  # the widest text a cell holds (bold when it is the main joint), and its margins
CELL_MARGIN = 10  # what Qt leaves around an item's text (the focus frame too), and a pixel more


def cell_colour(value: float) -> tuple[QColor, QColor]:
    """(fill, text) for a change in degrees: white at 0, full colour at FULL_COLOUR_DEG."""
    strength = min(abs(value) / FULL_COLOUR_DEG, 1.0)
    target = POSITIVE if value >= 0 else NEGATIVE
    fill = QColor(*(round(255 + (channel - 255) * strength) for channel in target.getRgb()[:3]))
    return fill, QColor("white" if strength > 0.6 else "black")


def stacked(label: str) -> str:
    """ "hip flex R" -> "hip\\nflex\\nR": narrow columns."""
    return label.replace(" ", "\n")


class HeatMapTable(QTableWidget):
    """Rows are muscles (index order), columns `coordinates` + pelvis + fall; read only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.coordinates: tuple[str, ...] = ()
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectItems)
        self.setAlternatingRowColors(False)
        self.setWordWrap(False)
        font = self.font()
        font.setPointSize(max(7, font.pointSize() - 1))
        self.setFont(font)
        header_font = QFont(font)
        header_font.setPointSize(max(7, font.pointSize() - 1))
        self.horizontalHeader().setFont(header_font)
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        rows.setMinimumSectionSize(ROW_HEIGHT - 4)
        columns = self.horizontalHeader()
        bold = QFont(font)
        bold.setBold(True)
        columns.setMinimumSectionSize(QFontMetrics(bold).horizontalAdvance(WIDEST_CELL) + CELL_MARGIN)
        columns.setSectionResizeMode(QHeaderView.Stretch)
        columns.setDefaultAlignment(Qt.AlignCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)

    @property
    def column_count(self) -> int:
        return len(self.coordinates) + 2

    def coordinate_at(self, column: int) -> str | None:
        """The joint coordinate of a column; None for the pelvis and fall columns."""
        return self.coordinates[column] if 0 <= column < len(self.coordinates) else None

    def set_muscles(self, labels: Sequence[str], coordinates: Sequence[str] = ()) -> None:
        """Rows for a model's muscles ("5 iliopsoas_r"), empty until an atlas fills them."""
        self.clearContents()
        self.coordinates = tuple(coordinates)
        self.setRowCount(len(labels))
        self.setColumnCount(self.column_count)
        self.setVerticalHeaderLabels(list(labels))
        self.setHorizontalHeaderLabels(
            [stacked(short_name(c)) for c in self.coordinates] + [PELVIS_COLUMN, FALL_COLUMN]
        )
        for column, coordinate in enumerate(self.coordinates):
            self.horizontalHeaderItem(column).setToolTip(
                f"{coordinate}: + {joint_phrase(coordinate, 1.0).rsplit(' by ', 1)[0]}"
            )
        self.horizontalHeaderItem(len(self.coordinates)).setToolTip("pelvis height change at its largest (mm)")
        self.horizontalHeaderItem(len(self.coordinates) + 1).setToolTip("when the pelvis dropped below 0.6 m")
        self._fit_height()

    def _fit_height(self) -> None:
        """No taller than every row (and the scroll bar, when the columns are wider than the
        table): the space below goes to the plots."""
        header = self.horizontalHeader().sizeHint().height()
        columns = self.horizontalHeader()
        least_width = columns.minimumSectionSize() * self.columnCount() + self.verticalHeader().width()
        scrolls = least_width + self.verticalScrollBar().sizeHint().width() > self.width() - 2 * self.frameWidth()
        scroll_bar = self.horizontalScrollBar().sizeHint().height() if scrolls else 0
        self.setMaximumHeight(header + self.rowCount() * ROW_HEIGHT + 2 * self.frameWidth() + scroll_bar)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self._fit_height()

    def set_result(self, result: AtlasResult) -> None:
        labels = [f"{e.index} {e.name}" for e in result.effects]
        current = self.currentRow(), self.currentColumn()
        self.blockSignals(True)  # a refill is no choice of the user's
        self.set_muscles(labels, result.coordinates)
        matrix = result.change_matrix()
        for row, effect in enumerate(result.effects):
            for column, coordinate in enumerate(result.coordinates):
                self.setItem(row, column, self._change_item(effect, coordinate, float(matrix[row, column])))
            pelvis = QTableWidgetItem(millimetres_text(effect.pelvis_change_m))
            pelvis.setToolTip(f"{effect.index} {effect.name}: the pelvis height's largest change (mm)")
            fall = QTableWidgetItem(f"{effect.fell_at:.2f}" if effect.fell_at is not None else "-")
            fall.setToolTip(effect.sentence)
            for column, item in ((len(self.coordinates), pelvis), (len(self.coordinates) + 1, fall)):
                item.setBackground(PLAIN)
                item.setTextAlignment(Qt.AlignCenter)
                self.setItem(row, column, item)
        if 0 <= current[0] < self.rowCount():
            self.setCurrentCell(current[0], max(0, current[1]))
        self.blockSignals(False)

    @staticmethod
    def _change_item(effect: Effect, coordinate: str, value: float) -> QTableWidgetItem:
        item = QTableWidgetItem(degrees_text(value))
        fill, ink = cell_colour(value)
        item.setBackground(fill)
        item.setForeground(ink)
        item.setTextAlignment(Qt.AlignCenter)
        item.setData(Qt.UserRole, value)
        peak = effect.peak_times_s.get(coordinate, 0.0)
        phrase = joint_phrase(coordinate, value)
        item.setToolTip(f"{effect.index} {effect.name} {phrase} ({coordinate}, {value:+.1f}° at {peak:.2f} s)")
        if coordinate == effect.main_joint:  # the muscle's main joint, framed on the page
            font = QFont(item.font())
            font.setBold(True)
            font.setUnderline(True)
            item.setFont(font)
        return item
