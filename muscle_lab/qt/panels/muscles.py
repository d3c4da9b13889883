"""One slider per muscle, grouped by side, with a numeric value, mute and solo toggles and a tooltip.

Solo works as on an audio mixer: any number of muscles may be soloed, only those are on, the
other rows are greyed, and when solo ends every slider returns to where it was when it began.

While a user's controller drives, the sliders follow its output and each row shows a lock (L):
a locked muscle keeps the slider's value, the others are the controller's."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

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
from muscle_lab.qt.lab import SOURCE_REPLAY

if TYPE_CHECKING:
    from muscle_lab.qt.lab import LabModel
    from muscle_lab.qt.simulation.controller import SimulationController

SLIDER_STEPS = 100  # the slider moves in 0.01; the spin box takes 0.001
GROUPS = (("right", "Right leg"), ("left", "Left leg"), ("", "Other muscles"))
TOGGLE_WIDTH = 22  # the M, S and L buttons
SOLO_ON_STYLE = "QToolButton:checked { background: #f2c94c; border: 1px solid #a5822a; border-radius: 3px; }"
LOCK_ON_STYLE = "QToolButton:checked { background: #9ad0f5; border: 1px solid #3a7cb0; border-radius: 3px; }"


def _toggle(text: str, tooltip: str, style: str = "") -> QToolButton:
    """One of a row's small checkable buttons (mute, solo, lock)."""
    button = QToolButton()
    button.setText(text)
    button.setCheckable(True)
    button.setFixedWidth(TOGGLE_WIDTH)
    button.setToolTip(tooltip)
    if style:
        button.setStyleSheet(style)
    return button


class MuscleRow:
    """The controls of one muscle: label, slider, spin box, mute and solo, kept in step."""

    def __init__(
        self,
        muscle: MuscleInfo,
        description: str,
        changed: Callable[[], None],
        solo_clicked: Callable[[bool], None],
        lock_changed: Callable[[], None] = lambda: None,
    ) -> None:
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
        self.mute = _toggle("M", f"mute {muscle.name}: its excitation is 0 while checked")
        self.solo = _toggle(
            "S",
            f"solo {muscle.name}: only soloed muscles are on; the sliders come back as they were when solo ends",
            SOLO_ON_STYLE,
        )
        self.lock = _toggle(
            "L",
            f"lock {muscle.name}: it keeps this slider's value while the controller drives the other muscles",
            LOCK_ON_STYLE,
        )
        self.lock.setVisible(False)  # shown while a controller drives
        self.greyed = False  # another muscle is soloed: this row is off and cannot be moved
        self.under_controller = False  # a user's controller drives the simulation
        self.driven = False  # a controller sets this muscle (unlocked under a controller): the slider follows
        tooltip = f"{muscle.index} {muscle.name}: {description}"
        for widget in (self.label, self.slider, self.spin):
            widget.setToolTip(tooltip)
        self.slider.setAccessibleName(f"muscle {muscle.index} {muscle.name}")
        self._changed = changed
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)
        self.mute.toggled.connect(self._on_mute)
        # clicked, not toggled: the panel checks the buttons itself when the solo set changes.
        self.solo.clicked.connect(solo_clicked)
        self._lock_changed = lock_changed
        self.lock.toggled.connect(self._on_lock)

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

    def set_greyed(self, greyed: bool) -> None:
        """Grey the row out while other muscles are soloed (moving it would do nothing)."""
        self.greyed = greyed
        self._refresh_enabled()

    def _on_mute(self, _muted: bool) -> None:
        self._refresh_enabled()
        self._changed()

    def set_driven(self, controller_drives: bool) -> None:
        """Under a controller the lock shows, and an unlocked row follows the controller."""
        self.under_controller = controller_drives
        self.lock.setVisible(controller_drives)
        self.driven = controller_drives and not self.lock.isChecked()
        self._refresh_enabled()

    def _on_lock(self, locked: bool) -> None:
        self.driven = self.under_controller and not locked
        self._refresh_enabled()
        self._lock_changed()

    def _refresh_enabled(self) -> None:
        # A muted row keeps its spin box (its value is kept for later); a greyed one keeps only M and S;
        # a driven one (the controller's) only its lock.
        muted = self.mute.isChecked()
        self.label.setEnabled(not (muted or self.greyed))
        self.slider.setEnabled(not (muted or self.greyed or self.driven))
        self.spin.setEnabled(not (self.greyed or self.driven))


class MusclePanel(QWidget):
    """The sliders of one model; `excitationsChanged` carries what the simulation should use:
    slider values with muted muscles at 0, and only the soloed muscles on while any are."""

    excitationsChanged = pyqtSignal(object)  # numpy array, one value per muscle
    soloChanged = pyqtSignal(object)  # tuple of the soloed muscles' indices, sorted; () when solo ends
    lockChanged = pyqtSignal(object)  # tuple of bools, one per muscle: True where the slider wins over a controller

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[MuscleRow] = []
        self._soloed: frozenset[int] = frozenset()
        self._saved: list[float] = []  # every slider's value when solo began, restored when it ends
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._content: QWidget | None = None
        self._legs: list[QGroupBox] = []  # one box per side, side by side when they fit
        self._others: QGroupBox | None = None  # muscles without a side, under the legs
        self._grid: QGridLayout | None = None
        self.columns = 2
        self.controller_drives = False

    def build(self, muscles: Sequence[MuscleInfo], descriptions: dict[str, str]) -> None:
        """Replace the sliders with one per muscle of a (new) model; all start at 0."""
        if self._content is not None:
            self._layout.removeWidget(self._content)
            self._content.deleteLater()
        self._drop_solo()  # told while the old rows are still here
        self.rows = [
            MuscleRow(m, describe(m.name, descriptions), self._emit, self._solo_clicker(position), self._emit_locks)
            for position, m in enumerate(muscles)
        ]
        for row in self.rows:
            row.set_driven(self.controller_drives)
        self._emit_locks()  # none locked among the new rows
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
            # M and S sit by the value, not by the name: the name row has no width to spare
            # when the two legs share MUSCLE_AREA_WIDTH.
            toggles = QHBoxLayout()
            toggles.setSpacing(1)
            toggles.addWidget(row.mute)
            toggles.addWidget(row.solo)
            toggles.addWidget(row.lock)
            controls = QHBoxLayout()
            controls.addWidget(row.slider, 1)
            controls.addWidget(row.spin)
            controls.addLayout(toggles)
            layout.addWidget(row.label)
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
        if self._soloed:
            values[[position not in self._soloed for position in range(len(self.rows))]] = 0.0
        return values

    def set_values(self, values: Sequence[float]) -> None:
        """Move every slider without a signal per slider, then announce once; a solo ends
        and the sliders stay at these values (they win over the ones saved by the solo)."""
        if len(values) != len(self.rows):
            raise ValueError(f"expected {len(self.rows)} values (one per muscle), got {len(values)}")
        for row, value in zip(self.rows, values, strict=True):
            row.set_value(value, notify=False)
        self._drop_solo()
        self._emit()

    def show_values(self, values: Sequence[float]) -> None:
        """Move the sliders to follow values set elsewhere (a replay), announcing no excitations;
        a solo ends without restoring the sliders (the replay's values win)."""
        # Not strict: these come from the simulation process, which may lag a switch of model,
        # and raising in the window's slot would not help the user.
        for row, value in zip(self.rows, values, strict=False):
            row.set_value(float(value), notify=False)
        self._drop_solo()

    # -- a user's controller -----------------------------------------------------------
    def set_controller_drives(self, drives: bool) -> None:
        """While a controller drives, every row shows its lock and unlocked rows follow the
        controller (`follow_controller`); when it stops, the locks are released."""
        self.controller_drives = drives
        if not drives:
            for row in self.rows:
                row.lock.blockSignals(True)
                row.lock.setChecked(False)
                row.lock.blockSignals(False)
        for row in self.rows:
            row.set_driven(drives)
        self._emit_locks()

    def locked(self) -> tuple[bool, ...]:
        """Per muscle: True where the slider's value wins over a controller."""
        return tuple(row.lock.isChecked() for row in self.rows)

    def follow_controller(self, values: Sequence[float]) -> None:
        """Move the unlocked sliders to what the controller applied, announcing nothing; locked
        rows keep the user's values."""
        for row, value in zip(self.rows, values, strict=False):  # the model may just have changed
            if not row.lock.isChecked():
                row.set_value(float(value), notify=False)

    def _emit_locks(self) -> None:
        self.lockChanged.emit(self.locked())

    # -- solo --------------------------------------------------------------------------
    @property
    def soloed(self) -> tuple[int, ...]:
        """The soloed muscles' indices, sorted; () when solo is off."""
        return tuple(sorted(self._soloed))

    def set_solo(self, index: int | None) -> None:
        """Solo muscle `index` alone; None ends solo (every slider back to where it was)."""
        self.set_soloed(() if index is None else (index,))

    def toggle_solo(self, index: int) -> None:
        """Add muscle `index` to the soloed ones, or take it out."""
        self.set_soloed(self._soloed ^ {index})

    def set_soloed(self, indices: Iterable[int]) -> None:
        """Solo exactly these muscles: only they are on and the other rows are greyed.

        Solo beginning saves every slider; a soloed slider at 0 is raised to 1, so the solo does
        something. A muscle leaving the solo gets its saved value back, and when none is left
        every slider returns exactly to its saved value."""
        wanted = frozenset(int(i) for i in indices)
        outside = sorted(i for i in wanted if not 0 <= i < len(self.rows))
        if outside:
            raise IndexError(f"no muscle {outside[0]}: this model has {len(self.rows)} muscles")
        if wanted == self._soloed:
            return
        if not self._soloed:
            self._saved = [row.value for row in self.rows]
        restored = range(len(self.rows)) if not wanted else self._soloed - wanted
        for position in restored:
            self.rows[position].set_value(self._saved[position], notify=False)
        for position in wanted - self._soloed:
            if self.rows[position].value == 0.0:
                self.rows[position].set_value(1.0, notify=False)
        self._soloed = wanted
        if not wanted:
            self._saved = []
        self._show_solo()
        self._emit()

    def _solo_clicker(self, position: int) -> Callable[[bool], None]:
        return lambda checked: self.set_soloed(self._soloed | {position} if checked else self._soloed - {position})

    def _drop_solo(self) -> None:
        """End a solo keeping the sliders where they are (new values were set over it)."""
        if self._soloed:
            self._soloed, self._saved = frozenset(), []
            self._show_solo()

    def _show_solo(self) -> None:
        """S buttons checked for the soloed rows, the others greyed while any is; then tell."""
        for position, row in enumerate(self.rows):
            row.solo.setChecked(position in self._soloed)
            row.set_greyed(bool(self._soloed) and position not in self._soloed)
        self.soloChanged.emit(self.soloed)

    def focus_muscle(self, index: int) -> bool:
        if not 0 <= index < len(self.rows):
            return False
        self.rows[index].slider.setFocus(Qt.OtherFocusReason)
        return True

    def _emit(self) -> None:
        self.excitationsChanged.emit(self.effective_excitations())


def connect_to_lab(panel: MusclePanel, lab: LabModel, controller: SimulationController) -> None:
    """The sliders are the lab's excitations: a move goes to the lab (and from it to the
    simulation), values the lab asks for (a preset, an atlas run) move them, and they follow a
    replay or a controller; the locks go to the simulation."""
    panel.excitationsChanged.connect(lambda effective: lab.sliders_moved(effective, panel.slider_values()))
    panel.lockChanged.connect(controller.set_locked)
    panel.soloChanged.connect(lab.soloChanged)
    lab.slidersRequested.connect(panel.set_values)
    lab.controllerChanged.connect(lambda description: panel.set_controller_drives(description is not None))

    def follow(values: np.ndarray, source: str) -> None:
        panel.show_values(values) if source == SOURCE_REPLAY else panel.follow_controller(values)
        lab.slider_values = panel.slider_values()

    lab.excitationsDriven.connect(follow)
