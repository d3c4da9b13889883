"""The Tune tab: improve a preset, or a controller's parameters, with CMA-ES while the window
stays live.

Choose the preset (or a controller file, whose declared parameters are shown), what to change,
the goal (a posture's target angles for the posture goal), the budget and the seed; Start runs
the search in a thread (`TuneRunner`), its runs in the core's simulation processes. The plot
shows the goal per generation; each new best plays in the body view beside the previous best as
the ghost (stored runs, no simulation); Save as preset keeps the best found (Save parameters
writes a controller's best values as JSON, for `run --params`).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PyQt5.QtCore import QCoreApplication, Qt, pyqtSignal, pyqtSlot
from PyQt5.QtGui import QColor
from PyQt5.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.core.presets.store import PresetError, PresetStore
from muscle_lab.core.tune.goal import GOAL_UNITS, GOALS, POSTURE, REWARD, Goal
from muscle_lab.core.tune.posture import parse_posture
from muscle_lab.core.tune.search import TuneProgress, TuneResult, TuneSettings
from muscle_lab.core.tune.space import PARAMETERS, PHASES, TUNABLE, VALUES
from muscle_lab.core.tune.state import Generation
from muscle_lab.qt.panels.cancellable import CancellableRuns
from muscle_lab.qt.tune.controller_row import ControllerRow
from muscle_lab.qt.tune.posture_row import PostureRow
from muscle_lab.qt.tune.runner import TuneRunner

if TYPE_CHECKING:
    from muscle_lab.core.atlas.effects import RunRecord
    from muscle_lab.qt.lab import LabModel
    from muscle_lab.qt.simulation.news import ModelInfo

BEST_COLOUR = QColor(200, 40, 40)
MEAN_COLOUR = QColor(110, 110, 110)
SO_FAR_COLOUR = QColor(30, 90, 200)
PROGRESS_STEPS = 1000
PLOT_LEAST_HEIGHT = 120
COMBO_LEAST_CHARACTERS = 6
GOAL_NAMES = {
    REWARD: "total reward (round 1)",
    "reward2": "total reward (round 2)",
    "distance": "distance before falling",
    "upright": "time upright",
    POSTURE: "reach a posture",
}
TUNE_NAMES = {
    VALUES: "each phase's values",
    PHASES: "values and phase durations",
    PARAMETERS: "a controller's parameters",
}
DEFAULT_POSTURE = "hip_flexion_l=40,knee_angle_l=-60"  # the left knee lifted: standing on the prosthesis


class TunePanel(CancellableRuns, QWidget):
    """Settings, Start/Cancel, progress, the goal per generation, Save as preset."""

    searchEnded = pyqtSignal(object)  # the TuneResult (cancelled or not), or None after a failure
    presetSaved = pyqtSignal(str)  # the name: the presets panel lists it

    def __init__(self, lab: LabModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lab = lab
        self.runner: TuneRunner | None = None
        self._runners: list[TuneRunner] = []
        self._finished_runner: TuneRunner | None = None
        self.result: TuneResult | None = None
        self._best_shown: RunRecord | None = None
        self._history: list[tuple[float, float, float]] = []  # (best, mean, best so far) per generation
        self._build()
        self.refresh_presets()
        lab.modelReady.connect(self._on_model_ready)
        # Quitting cancels a search. No hook on the panel's `destroyed`: one connected to Python
        # crashed later windows in the tests; a closed panel's search ends on its own (runner.RUNNING).
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shut_down)

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.preset_box = QComboBox()
        self.tune_box = QComboBox()
        for key in (*TUNABLE, PARAMETERS):
            self.tune_box.addItem(TUNE_NAMES[key], key)
        self.controller_row = ControllerRow()
        self.posture_row = PostureRow(DEFAULT_POSTURE)
        self.posture_edit = self.posture_row.edit
        self.posture_row.poseWanted.connect(self._take_shown_pose)
        self.goal_box = QComboBox()
        for key in GOALS:
            self.goal_box.addItem(GOAL_NAMES[key], key)
        self.horizon_spin = _spin(QDoubleSpinBox(), 0.05, 10.0, 1.0, " s", "each run's horizon (simulated)")
        self.effort_spin = _spin(QDoubleSpinBox(), 0.0, 1000.0, 0.0, "", "weight of Σ excitation² × dt over the run")
        self.evaluations_spin = _spin(QSpinBox(), 2, 100_000, 100, " runs", "the budget")
        self.seed_spin = _spin(QSpinBox(), 1, 1_000_000, 1, "", "the same seed gives the same search")
        self.population_spin = _spin(QSpinBox(), 0, 200, 0, "", "candidates per generation (0: CMA-ES's default)")
        self.population_spin.setSpecialValueText("auto")
        for box in (self.preset_box, self.tune_box, self.goal_box):  # narrow docks: no box wider than the dock
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(COMBO_LEAST_CHARACTERS)
        form = QFormLayout()
        # One row for what is tuned (a preset, or a controller file): the form keeps no empty row.
        self.source_stack = QStackedWidget()
        self.source_stack.addWidget(self.preset_box)
        self.source_stack.addWidget(self.controller_row)
        self.source_label = QLabel("Preset")
        form.addRow("Tune", self.tune_box)
        form.addRow(self.source_label, self.source_stack)
        form.addRow("Goal", self.goal_box)
        form.addRow("Posture", self.posture_row)
        form.addRow("Horizon", self.horizon_spin)
        form.addRow("Effort", self.effort_spin)
        form.addRow("Budget", self.evaluations_spin)
        form.addRow("Population", self.population_spin)
        form.addRow("Seed", self.seed_spin)

        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")

        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setMinimumHeight(PLOT_LEAST_HEIGHT)
        plot = self.plot_widget.getPlotItem()
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setLabel("bottom", "generation")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.addLegend(offset=(-6, -6), labelTextSize="8pt")  # bottom right: the best curves run high
        self.so_far_curve = plot.plot(pen=pg.mkPen(SO_FAR_COLOUR, width=2), name="best so far")
        self.best_curve = plot.plot(
            pen=pg.mkPen(BEST_COLOUR, width=1), symbol="o", symbolSize=4, name="generation's best"
        )
        # The mean can lie hundreds below the best (a candidate that falls at once): it is drawn
        # where it falls in the range the best values set, never widening it.
        self.mean_curve = pg.PlotDataItem(pen=pg.mkPen(MEAN_COLOUR, width=1, style=Qt.DashLine), name="mean")
        plot.addItem(self.mean_curve, ignoreBounds=True)

        self.name_edit = QLineEdit()
        self.name_edit.setMinimumWidth(60)
        self.name_edit.setPlaceholderText("name of the new preset")
        self.save_button = QPushButton("Save as preset")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_best)
        save_row = QHBoxLayout()
        save_row.addWidget(self.name_edit, 1)
        save_row.addWidget(self.save_button)
        self.status = QLabel("Improve a preset: its runs go to one simulation process per core.")
        self.status.setWordWrap(True)

        # In a scroll area: the dock keeps a small least size (the window fits 1024x700) and the
        # settings scroll when the dock is short.
        content = QWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # the content takes the dock's width
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        layout = QVBoxLayout(content)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addLayout(save_row)
        layout.addWidget(self.status)
        layout.addWidget(self.plot_widget, 1)  # last: what a short dock scrolls to
        self.tune_box.currentIndexChanged.connect(self._show_rows)
        self.goal_box.currentIndexChanged.connect(self._show_rows)
        self._show_rows()

    def _show_rows(self) -> None:
        """The preset or the controller file, and the posture's field enabled for the posture goal."""
        controller = self.tune_box.currentData() == PARAMETERS
        shown = self.controller_row if controller else self.preset_box
        self.source_stack.setCurrentWidget(shown)
        for page in (self.preset_box, self.controller_row):  # the stack takes the height of the page shown
            page.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred if page is shown else QSizePolicy.Ignored)
        self.source_stack.adjustSize()
        self.source_label.setText("Controller" if controller else "Preset")
        self.posture_row.setEnabled(self.goal_box.currentData() == POSTURE)
        self.save_button.setText("Save parameters…" if controller else "Save as preset")
        self.name_edit.setPlaceholderText("file for its parameters (.json)" if controller else "name of the new preset")

    def _take_shown_pose(self) -> None:
        info, frame = self._lab.model_info, self._lab.browser.frame
        if info is None or frame is None:
            self.status.setText("No pose is shown yet: the posture stays as written.")
            return
        self.posture_row.take_pose(info.joint_angle_names, frame.joint_angles, info.locked_joint_angles)
        self.status.setText(f"Posture: the shown pose at t = {frame.time:.2f} s (episode {frame.episode}).")

    @pyqtSlot(bool)
    def set_shown(self, shown: bool) -> None:
        """The tab came to the front: the presets may have changed meanwhile."""
        if shown:
            self.refresh_presets()

    def refresh_presets(self) -> None:
        current = self.preset_box.currentText()
        self.preset_box.clear()
        self.preset_box.addItems(PresetStore().list_presets().names())
        index = self.preset_box.findText(current or "hip-thrust")
        self.preset_box.setCurrentIndex(max(index, 0))

    # -- the search ----------------------------------------------------------------------
    def settings(self) -> TuneSettings | None:
        info = self._lab.model_info
        if info is None:
            return None
        kind = self.goal_box.currentData()
        posture = parse_posture(self.posture_edit.text()) if kind == POSTURE else ()
        goal = Goal(kind, self.horizon_spin.value(), self.effort_spin.value(), posture=posture)
        population = self.population_spin.value() or None
        tune, controller = self.tune_box.currentData(), None
        if tune == PARAMETERS:
            controller = self.controller_row.spec_text
            if controller is None:
                raise ValueError("Choose a controller file that declares PARAMETERS first.")
            tune = VALUES
        return TuneSettings(
            self.preset_box.currentText(), tune, goal, self.evaluations_spin.value(), None,
            self.seed_spin.value(), population, model_path=str(info.path), mode=self._lab.mode, poses=True,
            controller=controller,
        )  # fmt: skip

    def start(self) -> TuneRunner | None:
        """Start a search in the background; None while one runs, without a model or with bad settings."""
        if self.runner is not None:
            return None
        try:
            settings = self.settings()
        except ValueError as error:
            self._say(str(error))
            return None
        if settings is None:
            return None
        runner = TuneRunner(settings)
        runner.progressed.connect(self._on_progress)
        runner.succeeded.connect(self._on_result)
        runner.failed.connect(self._on_failed)
        runner.finished.connect(partial(self._on_finished, runner))
        self.runner, self.result, self._best_shown = runner, None, None
        self._runners.append(runner)
        self._history.clear()
        self._draw()
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.save_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.setFormat("starting the simulation processes…")
        what = Path(settings.controller).name if settings.controller else settings.preset
        self._say(f"Tuning {what}: {settings.goal.describe()}, seed {settings.seed}…")
        runner.start()
        return runner

    def save_best(self) -> str | None:
        """Save the best pattern found as a user preset named in the line edit; its name, or None.
        A controller's best parameters go to a JSON file (chosen in a dialog)."""
        result, info = self.result, self._lab.model_info
        name = self.name_edit.text().strip()
        if result is None or info is None:
            return None
        if result.controller is not None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save the best parameters", name or "params.json", "JSON (*.json)"
            )
            return self.save_parameters(Path(path)) if path else None
        if not name:
            self._say("Name the preset first.")
            return None
        best = result.best
        assert best is not None  # a preset's search
        description = (
            f"Tuned from {result.preset}: {result.goal.describe()} {result.start_score:.4g} -> {result.best_score:.4g}"
        )
        try:
            PresetStore().save(
                name, best.muscles, best.for_step(0).tolist(), model=info.name, description=description,
                sequence=None if best.is_constant else best,
            )  # fmt: skip
        except PresetError as error:
            self._say(f"Not saved: {error}")
            return None
        self._say(f"Saved the best as preset {name}.")
        self.refresh_presets()
        self.presetSaved.emit(name)
        return name

    def save_parameters(self, path: Path) -> str | None:
        """Write the controller's best parameters where `run --controller FILE.py --params` reads them."""
        result = self.result
        if result is None or result.controller is None:
            return None
        try:
            atomic_write_text(path, json.dumps(result.parameters_json(), indent=1) + "\n")
        except OSError as error:
            self._say(f"Not saved: {error}")
            return None
        self._say(f"Saved the best parameters to {path.name}.")
        return str(path)

    # -- from the runner -----------------------------------------------------------------
    def _on_progress(self, progress: TuneProgress) -> None:
        if self.runner is None:
            return
        budget = progress.budget or 1
        self.progress.setValue(min(PROGRESS_STEPS, round(PROGRESS_STEPS * progress.evaluations / budget)))
        self.progress.setFormat(f"{progress.evaluations} of {budget} runs")
        generation = progress.generation
        if generation is None:
            return
        self.plot_generation(generation)
        unit = GOAL_UNITS[self.runner.settings.goal.kind]
        self._say(f"Generation {generation.generation}: best so far {generation.best_so_far:.4g}{unit}.")
        if progress.best_run is not None:
            self._play(progress.best_run, progress.previous_run, generation.best_so_far)

    def _on_result(self, result: TuneResult) -> None:
        self.result = result
        self.save_button.setEnabled(True)
        unit = GOAL_UNITS[result.goal.kind]
        how = "Cancelled" if result.cancelled else "Done"
        self._say(
            f"{how}: {result.goal.describe()} {result.start_score:.4g}{unit} -> {result.best_score:.4g}{unit} "
            f"in {result.evaluations} runs ({result.seconds:.1f} s). No simulation process is left."
        )
        self.searchEnded.emit(result)

    def _on_failed(self, message: str, details: str = "") -> None:
        self._say(f"The search failed: {message}")
        self.status.setToolTip(details)  # a controller's traceback
        self.searchEnded.emit(None)

    def _on_finished(self, runner: TuneRunner) -> None:
        if runner in self._runners:
            self._runners.remove(runner)
        if runner is self.runner:
            self.runner = None
            self.start_button.setEnabled(self._lab.model_info is not None)
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("" if self.result is None else f"{self.result.evaluations} runs")
        # Kept until the next start, then left to Python: a deleteLater here crashed a later window
        # in the tests (the finished thread's wrapper outlived its C++ object).
        self._finished_runner = runner

    # -- helpers -------------------------------------------------------------------------
    def _play(self, best: RunRecord, previous: RunRecord | None, value: float) -> None:
        """The new best in the body view, the previous best as the ghost: stored runs, no simulation."""
        if any(pose is None for pose in best.poses) or self._lab.model_info is None:
            return
        ghost = None
        if previous is not None and all(pose is not None for pose in previous.poses):
            ghost = (previous.frames, previous.poses, "tune: the previous best")
        self._lab.show_stored_run(best.frames, best.poses, f"tune: best so far ({value:.4g})", ghost=ghost)
        self._best_shown = best

    def plot_generation(self, generation: Generation) -> None:
        """Add a generation's best, mean and best so far to the goal's plot."""
        self._history.append((generation.best, generation.mean, generation.best_so_far))
        self._draw()

    def _draw(self) -> None:
        if not self._history:
            for curve in (self.best_curve, self.mean_curve, self.so_far_curve):
                curve.setData([], [])
            return
        data = np.array(self._history)
        x = np.arange(1, len(data) + 1)
        self.best_curve.setData(x, data[:, 0])
        self.mean_curve.setData(x, data[:, 1])
        self.so_far_curve.setData(x, data[:, 2])

    def _on_model_ready(self, _info: ModelInfo) -> None:
        self.start_button.setEnabled(self.runner is None)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setToolTip("")


def _spin(spin: QSpinBox | QDoubleSpinBox, low: float, high: float, value: float, suffix: str, tip: str) -> Any:
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setToolTip(tip)
    spin.setKeyboardTracking(False)
    return spin
