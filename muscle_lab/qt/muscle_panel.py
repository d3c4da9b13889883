"""One slider per muscle, grouped by side, with a numeric value, a mute toggle and a tooltip."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.muscle_descriptions import describe
from muscle_lab.core.muscles import MuscleInfo

SLIDER_STEPS = 100  # the slider moves in 0.01; the spin box takes 0.001
GROUPS = (("right", "Right leg"), ("left", "Left leg"), ("", "Other muscles"))


class MuscleRow:
    """The controls of one muscle: label, slider, spin box and mute, kept in step."""

    def __init__(self, muscle: MuscleInfo, description: str, changed) -> None:
        self.muscle = muscle
        self.label = QLabel(
            f"<b>{muscle.index}</b> {muscle.name} <span style='color:#666'>({muscle.side or 'no side'})</span>"
        )
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setPageStep(10)
        self.slider.setMinimumWidth(90)
        self.spin = QDoubleSpinBox()
        self.spin.setRange(0.0, 1.0)
        self.spin.setDecimals(3)
        self.spin.setSingleStep(0.05)
        self.spin.setKeyboardTracking(False)
        self.spin.setFixedWidth(74)
        self.mute = QToolButton()
        self.mute.setText("M")
        self.mute.setCheckable(True)
        self.mute.setToolTip(f"mute {muscle.name}: its excitation is 0 while checked")
        tooltip = f"{muscle.index} {muscle.name}: {description}"
        for widget in (self.label, self.slider, self.spin):
            widget.setToolTip(tooltip)
        self.slider.setAccessibleName(f"muscle {muscle.index} {muscle.name}")
        self._changed = changed
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self.mute.toggled.connect(self._on_mute)

    @property
    def value(self) -> float:
        return self.spin.value()

    def set_value(self, value: float, notify: bool = True) -> None:
        """Move both controls; with notify=False no signal escapes (no feedback loops)."""
        for widget in (self.slider, self.spin):
            widget.blockSignals(True)
        self.spin.setValue(float(value))
        self.slider.setValue(round(float(value) * SLIDER_STEPS))
        for widget in (self.slider, self.spin):
            widget.blockSignals(False)
        if notify:
            self._changed()

    def _from_slider(self, position: int) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(position / SLIDER_STEPS)
        self.spin.blockSignals(False)
        self._changed()

    def _from_spin(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round(value * SLIDER_STEPS))
        self.slider.blockSignals(False)
        self._changed()

    def _on_mute(self, muted: bool) -> None:
        self.label.setEnabled(not muted)
        self.slider.setEnabled(not muted)
        self._changed()


class MusclePanel(QWidget):
    """The sliders of one model; `excitationsChanged` carries what the simulation should use:
    slider values with muted muscles at 0, and only the solo muscle on while one is chosen."""

    excitationsChanged = pyqtSignal(object)  # numpy array, one value per muscle

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[MuscleRow] = []
        self.solo: int | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._content: QWidget | None = None
        self._legs: list[QGroupBox] = []  # one box per side, side by side when they fit
        self._others: QGroupBox | None = None  # muscles without a side, under the legs
        self._grid: QGridLayout | None = None
        self.columns = 2

    def build(self, muscles: Sequence[MuscleInfo], descriptions: dict[str, str]) -> None:
        """Replace the sliders with one per muscle of a (new) model; all start at 0."""
        if self._content is not None:
            self._layout.removeWidget(self._content)
            self._content.deleteLater()
        self.rows = [MuscleRow(m, describe(m.name, descriptions), self._emit) for m in muscles]
        self.solo = None
        content = QWidget()
        self._grid = QGridLayout(content)
        self._grid.setContentsMargins(0, 0, 0, 0)
        sides = [(side, title) for side, title in GROUPS if any(r.muscle.side == side for r in self.rows)]
        self._legs, self._others = [], None
        for side, title in sides:
            box = self._group_box(
                title if len(sides) > 1 else "Muscles", [r for r in self.rows if r.muscle.side == side]
            )
            if side == "":
                self._others = box
            else:
                self._legs.append(box)
        self._layout.addWidget(content)
        self._content = content
        self._place_boxes(self.columns)

    def fit_width(self, width: int) -> None:
        """Legs side by side when `width` holds them, else one under the other (narrow windows)."""
        side_by_side = sum(box.minimumSizeHint().width() for box in self._legs) + 12
        columns = 2 if width >= side_by_side else 1
        if columns != self.columns:
            self._place_boxes(columns)

    def _place_boxes(self, columns: int) -> None:
        self.columns = columns
        grid = self._grid
        if grid is None:
            return
        for box in [*self._legs, self._others]:
            if box is not None:
                grid.removeWidget(box)
        for position, box in enumerate(self._legs):
            row, column = (0, position) if columns == 2 else (position, 0)
            grid.addWidget(box, row, column, Qt.AlignTop)
        below = 1 if columns == 2 else len(self._legs)
        if self._others is not None:  # muscles without a side span the full width, under the legs
            grid.addWidget(self._others, below, 0, 1, columns)
        for row in range(grid.rowCount()):
            grid.setRowStretch(row, 0)
        grid.setRowStretch(below + 1, 1)

    @staticmethod
    def _group_box(title: str, rows: list[MuscleRow]) -> QGroupBox:
        box = QGroupBox(title)
        layout = QVBoxLayout(box)
        layout.setSpacing(1)
        layout.setContentsMargins(6, 6, 6, 6)
        for row in rows:
            header = QHBoxLayout()
            header.addWidget(row.label, 1)
            header.addWidget(row.mute)
            controls = QHBoxLayout()
            controls.addWidget(row.slider, 1)
            controls.addWidget(row.spin)
            layout.addLayout(header)
            layout.addLayout(controls)
            layout.addSpacing(3)
        return box

    def group_titles(self) -> list[str]:
        if self._content is None:
            return []
        return [box.title() for box in self._content.findChildren(QGroupBox)]

    # -- values ------------------------------------------------------------------------
    def slider_values(self) -> np.ndarray:
        return np.array([row.value for row in self.rows], dtype=float)

    def effective_excitations(self) -> np.ndarray:
        values = self.slider_values()
        values[[row.mute.isChecked() for row in self.rows]] = 0.0
        if self.solo is not None:
            only = np.zeros_like(values)
            only[self.solo] = values[self.solo]
            values = only
        return values

    def set_values(self, values: Sequence[float]) -> None:
        """Move every slider without a signal per slider, then announce once."""
        if len(values) != len(self.rows):
            raise ValueError(f"expected {len(self.rows)} values (one per muscle), got {len(values)}")
        for row, value in zip(self.rows, values, strict=True):
            row.set_value(value, notify=False)
        self._emit()

    def show_values(self, values: Sequence[float]) -> None:
        """Move the sliders to follow values set elsewhere (a replay), announcing nothing."""
        # Not strict: these come from the simulation process, which may lag a switch of model,
        # and raising in the window's slot would not help the user.
        for row, value in zip(self.rows, values, strict=False):
            row.set_value(float(value), notify=False)

    def set_solo(self, index: int | None) -> None:
        """Only muscle `index` on (at its slider value, raised to 1 if it was 0); None ends solo."""
        self.solo = index
        if index is not None and self.rows[index].value == 0.0:
            self.rows[index].set_value(1.0, notify=False)
        self._emit()

    def focus_muscle(self, index: int) -> bool:
        if not 0 <= index < len(self.rows):
            return False
        self.rows[index].slider.setFocus(Qt.OtherFocusReason)
        return True

    def _emit(self) -> None:
        self.excitationsChanged.emit(self.effective_excitations())
