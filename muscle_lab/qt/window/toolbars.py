"""The window's toolbars: Run, Step, Reset, All to zero, Solo, Go to and the 3D view's colour in
the first; speed, mode, episode end, time limit and plot window in the second (which a 1024-pixel
window shows whole). Each choice is the lab model's
(`LabModel.set_real_time`, ...) and the boxes follow the lab when it changes (saved settings)."""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QIntValidator
from PyQt5.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QMainWindow, QToolBar

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.reward import MIN_PELVIS_HEIGHT, TIME_LIMIT_STEPS
from muscle_lab.core.simulation.integrator import MODES
from muscle_lab.qt.body.area import BodyArea
from muscle_lab.qt.lab import GUI_MODES, LabModel
from muscle_lab.qt.panels.muscles import MusclePanel
from muscle_lab.qt.plots.plan import MAX_WINDOW_SECONDS
from muscle_lab.qt.simulation.news import ON_END_PAUSE, ON_END_RESET
from muscle_lab.render.scene import COLOUR_BY, COLOUR_BY_LABELS

SPEEDS = ("real time", "as fast as possible")
EPISODE_ENDS = {ON_END_PAUSE: "pause", ON_END_RESET: "reset and go on"}


class Toolbars:
    """Builds both toolbars in `window` and keeps their boxes and the lab model in step."""

    def __init__(
        self,
        window: QMainWindow,
        lab: LabModel,
        muscles: MusclePanel,
        body: BodyArea,
        commands: dict[str, Callable[..., object]],
    ) -> None:
        """`commands`: toggle_run, step, reset and zero_all, the first toolbar's actions, and
        go_to_muscle(index) for the Go to box."""
        self._lab = lab
        self._go_to_muscle = commands["go_to_muscle"]
        self._muscles = muscles
        self._body = body
        bar = QToolBar("Simulation")
        bar.setObjectName("simulation_toolbar")
        bar.setMovable(False)
        window.addToolBar(bar)
        self.run_action = bar.addAction("Run", commands["toggle_run"])
        self.run_action.setToolTip("Run or pause the simulation (Space)")
        bar.addAction("Step", commands["step"]).setToolTip("One 0.01 s step while paused (Right arrow)")
        bar.addAction("Reset", commands["reset"]).setToolTip("Back to standing at t = 0 (Backspace)")
        bar.addAction("All to zero", commands["zero_all"]).setToolTip("Every slider to 0 and solo off")
        bar.addSeparator()
        self._build_solo_and_goto(bar)
        bar.addSeparator()
        self.colour_box = combo(
            bar, "Colour", [COLOUR_BY_LABELS[c] for c in COLOUR_BY], "What the muscles' colour shows in the 3D view"
        )
        self.colour_box.currentIndexChanged.connect(lambda i: self._body.view3d.set_colour_by(COLOUR_BY[i]))
        window.addToolBarBreak()
        bar = QToolBar("Options")
        bar.setObjectName("options_toolbar")
        bar.setMovable(False)
        window.addToolBar(bar)
        self.options_bar = bar  # the window adds the excitation editor's toggle at its end
        self._build_options(bar)
        lab.runningChanged.connect(lambda running: self.run_action.setText("Pause" if running else "Run"))

    def _build_options(self, bar: QToolBar) -> None:
        lab = self._lab
        self.speed_box = combo(bar, "Speed", list(SPEEDS), "Real time paces the simulation to the wall clock")
        self.speed_box.currentIndexChanged.connect(lambda i: lab.set_real_time(i == 0))
        lab.realTimeChanged.connect(lambda real_time: self.speed_box.setCurrentIndex(0 if real_time else 1))
        self.mode_box = combo(
            bar,
            "Mode",
            [m for m in GUI_MODES if m in MODES],
            "\n".join(f"{m}: {MODES[m].description}" for m in GUI_MODES),
        )
        if lab.mode in GUI_MODES:
            self.mode_box.setCurrentText(lab.mode)
        lab.mode = self.mode_box.currentText()  # what the window runs in, as the box says
        self.mode_box.currentTextChanged.connect(lab.set_mode)
        lab.modeChanged.connect(self.mode_box.setCurrentText)
        self.end_box = combo(
            bar,
            "At episode end",
            list(EPISODE_ENDS.values()),
            f"What happens when the pelvis drops below {MIN_PELVIS_HEIGHT} m",
        )
        self.end_box.currentIndexChanged.connect(lambda i: lab.set_episode_end(list(EPISODE_ENDS)[i]))
        lab.episodeEndChanged.connect(lambda choice: self.end_box.setCurrentText(EPISODE_ENDS[choice]))
        self.time_limit_box = QCheckBox("Time limit")
        self.time_limit_box.setChecked(lab.time_limit)
        self.time_limit_box.setToolTip(
            f"End episodes after {TIME_LIMIT_STEPS} steps ({TIME_LIMIT_STEPS * STEP_SECONDS:g} s), as osim-rl does; "
            "off for free play"
        )
        self.time_limit_box.toggled.connect(lab.set_time_limit)
        lab.timeLimitChanged.connect(self.time_limit_box.setChecked)
        bar.addWidget(self.time_limit_box)
        bar.addSeparator()
        bar.addWidget(QLabel(" Plot window "))
        self.window_spin = QDoubleSpinBox()
        self.window_spin.setRange(1.0, MAX_WINDOW_SECONDS)
        self.window_spin.setValue(lab.plot_window_seconds)
        self.window_spin.setSuffix(" s")
        self.window_spin.setKeyboardTracking(False)
        self.window_spin.valueChanged.connect(lab.set_plot_window)
        lab.plotWindowChanged.connect(self.window_spin.setValue)
        bar.addWidget(self.window_spin)

    def _build_solo_and_goto(self, bar: QToolBar) -> None:
        muscles = self._muscles
        self.solo_box = combo(
            bar,
            "Solo",
            ["off"],
            "Only the chosen muscle on (raised to 1 if it was 0); the sliders come back when solo ends.\n"
            "Each row's S button solos several muscles at once.",
        )
        self.solo_box.setMinimumContentsLength(16)
        # The last entry, "N muscles" while several are soloed, is only shown, never picked.
        self.solo_box.activated.connect(
            lambda i: muscles.set_solo(None if i == 0 else i - 1) if 0 <= i <= len(muscles.rows) else None
        )
        muscles.soloChanged.connect(self._show_solo)
        bar.addWidget(QLabel(" Go to "))
        self.goto_edit = QLineEdit()
        self.goto_edit.setPlaceholderText("index")
        self.goto_edit.setValidator(QIntValidator(0, 999))
        self.goto_edit.setFixedWidth(70)
        self.goto_edit.setToolTip("Type a muscle index and Enter to focus its slider (Ctrl+G, or type digits)")
        self.goto_edit.returnPressed.connect(self._go_to_typed_muscle)
        bar.addWidget(self.goto_edit)

    def focus_goto(self, text: str = "") -> None:
        """Into the Go to box (Ctrl+G selects what it holds; a digit typed elsewhere starts it)."""
        self.goto_edit.setFocus(Qt.ShortcutFocusReason)
        if text:
            self.goto_edit.setText(text)
        else:
            self.goto_edit.selectAll()

    def _go_to_typed_muscle(self) -> None:
        text = self.goto_edit.text()
        if text:
            self._go_to_muscle(int(text))
            self.goto_edit.clear()

    def list_muscles(self, labels: list[str]) -> None:
        """The Solo box offers the (new) model's muscles."""
        self.solo_box.blockSignals(True)
        self.solo_box.clear()
        self.solo_box.addItems(["off", *labels])
        self.solo_box.blockSignals(False)

    def _show_solo(self, soloed: tuple[int, ...]) -> None:
        """The Solo box and the 3D view follow the panel's solo: "off", the one muscle, or
        an extra "N muscles" entry while several are soloed."""
        box = self.solo_box
        box.blockSignals(True)
        muscles = len(self._muscles.rows)
        if box.count() > muscles + 1:  # the "N muscles" entry of an earlier several-muscle solo
            box.removeItem(muscles + 1)
        if len(soloed) > 1:
            box.addItem(f"{len(soloed)} muscles")
            box.model().item(muscles + 1).setEnabled(False)  # shown, never picked
            box.setCurrentIndex(muscles + 1)
        else:
            box.setCurrentIndex(soloed[0] + 1 if soloed else 0)
        box.blockSignals(False)
        self._body.view3d.set_soloed(soloed)


def combo(bar: QToolBar, label: str, items: list[str], tooltip: str) -> QComboBox:
    """A labelled combo box on `bar`."""
    bar.addWidget(QLabel(f" {label} "))
    box = QComboBox()
    box.addItems(items)
    box.setToolTip(tooltip)
    bar.addWidget(box)
    return box
