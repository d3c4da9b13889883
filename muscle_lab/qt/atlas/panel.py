"""The atlas panel: what each muscle does alone, in seconds, and why.

"Run atlas" runs every muscle of the window's model alone at a level (the others at a base) in
a thread (`AtlasRunner`: the cache first, else one simulation process per core); the window
never waits on it. A row loads that muscle's pattern into the sliders and plays its stored run
in the body view beside the all-at-base run (no simulation); a cell plots that joint over time;
the moment arms come from the window's own simulation process, at its current pose.
"""

from __future__ import annotations

from collections import deque
from functools import partial
from typing import TYPE_CHECKING

from PyQt5.QtCore import QCoreApplication, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.atlas.effects import seconds_text
from muscle_lab.core.atlas.page import sign_legend
from muscle_lab.core.atlas.runs import AtlasProgress, AtlasResult, AtlasSettings, Effect
from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.history import Episode
from muscle_lab.core.muscle_descriptions import describe, load_descriptions
from muscle_lab.core.reward import MIN_PELVIS_HEIGHT
from muscle_lab.core.simulation.moment_arms import MomentArms
from muscle_lab.qt.atlas.plots import MomentArmPlots, PlotTabs, TracePlot, pelvis_trace, sentence_case
from muscle_lab.qt.atlas.runner import AtlasRunner, progress_text
from muscle_lab.qt.atlas.solo_answer import SoloAnswer, stored_run_label
from muscle_lab.qt.atlas.table import HeatMapTable
from muscle_lab.qt.panels.cancellable import CancellableRuns
from muscle_lab.qt.simulation.news import MOMENT_ARMS_WHILE_RUNNING

if TYPE_CHECKING:
    from muscle_lab.qt.lab import LabModel
    from muscle_lab.qt.simulation.controller import SimulationController
    from muscle_lab.qt.simulation.news import ModelInfo

MAX_SECONDS = 3.0  # osim-rl's time limit
PROGRESS_STEPS = 1000
# Least heights: the dock fits a 1024x700 window (the table and the plots scroll within).
TABLE_LEAST_HEIGHT = 130  # the header and five muscles
PLOTS_LEAST_HEIGHT = 140
PROGRESS_LEAST_WIDTH = 50
TABLE_STRETCH = 10  # with the joint's plot; with the moment arms, the plots take WHY_STRETCH parts to its one
WHY_STRETCH = 3
WHY_TAB = 1
SIGN_NOTE = "The moment arm's sign is the direction the muscle turns the joint."
SIGN_TIP = (
    "A positive moment arm turns the coordinate towards larger values (flexion of the hip, extension of "
    "the knee, dorsiflexion of the ankle...), a negative one towards smaller: the words above each pair "
    "of plots. Computed with OpenSim's computeMomentArm and getLength, each coordinate swept over its "
    "range while the others hold the pose."
)


class AtlasPanel(CancellableRuns, QWidget):
    """Runs the atlas of the window's model and shows it: heat map, sentences, runs, moment arms."""

    resultShown = pyqtSignal(object)  # the AtlasResult now in the heat map
    runEnded = pyqtSignal()  # an atlas finished: shown, cancelled or failed (the buttons are back)
    momentArmsShown = pyqtSignal()  # the moment arm plots (or their note) changed

    def __init__(self, lab: LabModel, controller: SimulationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lab = lab
        self._controller = controller
        self._descriptions = load_descriptions()
        self.result: AtlasResult | None = None
        self.runner: AtlasRunner | None = None
        self._runners: list[AtlasRunner] = []  # running or finishing: stopped when the panel goes
        self._asked: deque[int] = deque()  # muscles whose moment arms were asked for, in order
        self._waiting_for_pause: int | None = None  # a muscle to compute once the simulation pauses
        self._simulation_running = False
        self._played: tuple[int, Episode] | None = None  # the row whose run was played last, and its episode
        self._build()
        # A solo is answered from this atlas's settings (its cache at once, else in the background).
        self.solo_answer = SoloAnswer(lab, self.settings, self._runners, self)
        lab.modelReady.connect(self._on_model_ready)
        lab.momentArmsArrived.connect(self.show_moment_arms)
        controller.worker.runningChanged.connect(self._on_running_changed)
        # The atlas runs in threads of its own, with processes: stopped when the window closes and
        # before the app goes (not from `destroyed`: a Python slot called while PyQt tears the
        # panel down crashed later windows in the tests).
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shut_down)

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.level_spin = self._spin(1.0, 0.0, 1.0, 0.05, "", "The muscle under test's excitation")
        self.base_spin = self._spin(
            0.0, 0.0, 1.0, 0.05, "", "Every other muscle's excitation (and all in the comparison)"
        )
        self.seconds_spin = self._spin(0.5, STEP_SECONDS, MAX_SECONDS, 0.1, " s", "Each run's length unless it falls")
        self.run_button = QPushButton("Run atlas")
        self.run_button.setToolTip("Each muscle alone from the standing start, compared with all at the base (cached)")
        self.run_button.clicked.connect(self.start)
        self.run_button.setEnabled(False)  # until a model is loaded
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        # A row plays its stored run; the sliders change only when asked (a click never replaces them).
        self.load_button = QPushButton("Load")
        self.load_button.setToolTip(  # "Load into sliders", said short: the dock may be 205 pixels wide
            "Set the sliders to the selected muscle's pattern (that muscle at the level, the rest at the base)"
        )
        self.load_button.setEnabled(False)
        self.load_button.clicked.connect(self.load_row)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setFormat("")
        self.progress.setTextVisible(True)
        self.progress.setMinimumWidth(PROGRESS_LEAST_WIDTH)
        self.status = QLabel("Each muscle alone: which joint it moves. Run the atlas.")
        self.status.setWordWrap(True)

        # Labels over the boxes: the tabbed dock is as narrow as its widest panel allows, and it
        # must allow a 1024 px window.
        controls = QGridLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setVerticalSpacing(0)
        for column, (label, spin) in enumerate(
            (("Level", self.level_spin), ("Base", self.base_spin), ("Seconds", self.seconds_spin))
        ):
            controls.addWidget(QLabel(label), 0, column)
            controls.addWidget(spin, 1, column)
            controls.setColumnStretch(column, 1)
        # The progress bar on a line of its own: its text ("12 of 20 runs · last: ...") stays
        # whole in a dock a fifth of a 1024-pixel window wide.
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(4)
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.load_button)
        buttons.addStretch(1)

        self.table = HeatMapTable()
        self.table.setMinimumHeight(TABLE_LEAST_HEIGHT)
        self.table.currentCellChanged.connect(self._on_current_cell)
        self.table.cellClicked.connect(lambda row, _column: self._play_unless_shown(row))
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("color: #555; font-size: 8pt;")
        self.sentence = QLabel()
        self.sentence.setWordWrap(True)
        self.sentence.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.trace_plot = TracePlot()
        self.arm_plots = MomentArmPlots()
        self.refresh_button = QPushButton("Compute again")
        self.refresh_button.setToolTip("Compute the selected muscle's moment arms at the simulation's pose now")
        self.refresh_button.clicked.connect(self.request_moment_arms)
        # The simulation's pose is often a fallen one: the standing start answers "what does it do
        # from where an episode begins".
        self.standing_box = QCheckBox("standing")
        self.standing_box.setToolTip(
            "At the standing start (every coordinate at its default), not the simulation's pose"
        )
        self.standing_box.toggled.connect(self.request_moment_arms)
        sign = QLabel(SIGN_NOTE)
        sign.setToolTip(SIGN_TIP)
        sign.setWordWrap(True)
        sign.setStyleSheet("color: #555; font-size: 8pt;")
        why = QWidget()
        why_layout = QVBoxLayout(why)
        why_layout.setContentsMargins(2, 2, 2, 2)
        sign_row = QHBoxLayout()
        sign_row.addWidget(sign, 1)
        sign_row.addWidget(self.standing_box)
        sign_row.addWidget(self.refresh_button)
        why_layout.addLayout(sign_row)
        why_layout.addWidget(self.arm_plots, 1)
        self.tabs = PlotTabs()
        self.tabs.setMinimumHeight(PLOTS_LEAST_HEIGHT)
        self.tabs.addTab(self.trace_plot, "Joint over time")
        self.tabs.addTab(why, "Why: moment arms")
        self.tabs.currentChanged.connect(self._share_height)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, TABLE_STRETCH)  # every row first (its most height); the plots take the rest
        layout.addWidget(self.legend)
        layout.addWidget(self.sentence)
        layout.addWidget(self.tabs, 1)

    def _share_height(self, tab: int) -> None:
        """The moment arm plots need the height more than the heat map needs every row."""
        why = tab == WHY_TAB
        layout = self.layout()
        layout.setStretchFactor(self.table, 1 if why else TABLE_STRETCH)
        layout.setStretchFactor(self.tabs, WHY_STRETCH if why else 1)
        QTimer.singleShot(0, self._show_current_row)  # once the table has its new height

    def _show_current_row(self) -> None:
        item = self.table.currentItem()
        if item is not None:
            self.table.scrollToItem(item)

    def _spin(self, value: float, low: float, high: float, step: float, suffix: str, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setDecimals(2)
        spin.setSingleStep(step)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.setToolTip(tip)
        spin.setKeyboardTracking(False)
        return spin

    # -- running -------------------------------------------------------------------------
    def settings(self) -> AtlasSettings | None:
        """What "Run atlas" runs now: the window's model and mode, the panel's numbers."""
        info = self._lab.model_info
        if info is None:
            return None
        return AtlasSettings(
            model_path=str(info.path),
            mode=self._lab.mode,
            level=self.level_spin.value(),
            base=self.base_spin.value(),
            seconds=self.seconds_spin.value(),
        )

    @property
    def running(self) -> bool:
        return self.runner is not None

    def start(self) -> AtlasRunner | None:
        """Run the atlas in the background (the cache first); None while one runs or without a model."""
        settings = self.settings()
        if settings is None or self.runner is not None:
            return None
        runner = AtlasRunner(settings)
        runner.progressed.connect(self._on_progress)
        runner.succeeded.connect(self._on_result)
        runner.cancelled.connect(lambda: self._say("Cancelled: no simulation process is left."))
        runner.failed.connect(lambda message: self._say(f"The atlas failed: {message}"))
        runner.finished.connect(partial(self._on_finished, runner))
        self.runner = runner
        self._runners.append(runner)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.progress.setFormat("looking in the cache…")
        self._say(f"{self._describe(settings)}: looking in the cache…")
        runner.start()
        return runner

    def _on_progress(self, progress: AtlasProgress) -> None:
        if self.runner is None or self.runner.atlas.cancelled:
            return
        self.progress.setValue(round(progress.fraction * PROGRESS_STEPS))
        self.progress.setFormat(progress_text(progress))

    def _on_result(self, result: AtlasResult) -> None:
        self.result = result
        self._played = None  # a click on the current row plays the new run
        self.table.set_result(result)
        self.legend.setText(
            f"Degrees at the largest change vs all at {result.settings.base:g}; {sign_legend(result.coordinates)}; "
            "red +, blue −; bold: the muscle's main joint."
        )
        self.progress.setValue(PROGRESS_STEPS)
        self.progress.setFormat(f"{len(result.effects)} muscles")
        how = (
            "from the cache"
            if result.from_cache
            else f"{result.runs_computed} runs simulated in {result.wall_seconds:.1f} s"
            + (f", {result.runs_from_cache} from the cache" if result.runs_from_cache else "")
        )
        problems = f" Cache: {'; '.join(result.cache_problems)}." if result.cache_problems else ""
        self._say(f"{self._describe(result.settings)}: {how}.{problems}")
        row = self.table.currentRow()
        if row >= 0:
            self._show_sentence(row)
        self.resultShown.emit(result)

    def _on_finished(self, runner: AtlasRunner) -> None:
        if runner in self._runners:
            self._runners.remove(runner)
        if runner is self.runner:
            self.runner = None
            self.run_button.setEnabled(self._lab.model_info is not None)
            self.cancel_button.setEnabled(False)
            if self.result is None or runner.result is not self.result:
                self.progress.setValue(0)
                self.progress.setFormat("")
            self.runEnded.emit()
        runner.deleteLater()

    @staticmethod
    def _describe(settings: AtlasSettings) -> str:
        return (
            f"Each muscle at {settings.level:g} (others {settings.base:g}), {seconds_text(settings.seconds)} s, "
            f"{settings.mode}"
        )

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # -- the model -----------------------------------------------------------------------
    def _on_model_ready(self, info: ModelInfo) -> None:
        self.run_button.setEnabled(self.runner is None)
        result = self.result
        if result is not None and self._matches(result):
            return
        if self.runner is not None and self.runner.settings.model_path != str(info.path):
            self.cancel()  # an atlas of the model that is gone
        self.result = None
        self.table.blockSignals(True)
        self.table.set_muscles([f"{m.index} {m.name}" for m in info.muscles])
        self.table.blockSignals(False)
        self.legend.clear()
        self.sentence.clear()
        self.trace_plot.clear_trace("Run the atlas, then click a cell: that joint over time, for that muscle.")
        self.arm_plots.clear_arms("Select a muscle (a row of the heat map).")

    def _matches(self, result: AtlasResult) -> bool:
        """The atlas is of the window's model (its stored runs can be shown there)."""
        info = self._lab.model_info
        return (
            info is not None
            and str(info.path) == result.settings.model_path
            and tuple(info.joint_angle_names) == result.model.joint_angle_names
        )

    # -- choosing ------------------------------------------------------------------------
    def select(self, row: int, column: int = 0) -> None:
        """As a click on that cell: the row's muscle, the column's joint."""
        self.table.setCurrentCell(row, column)

    def _on_current_cell(self, row: int, column: int, previous_row: int, _previous_column: int) -> None:
        if row < 0:
            return
        if row != previous_row:
            self._show_sentence(row)
            self.request_moment_arms()
        self._play_unless_shown(row)
        self._plot_cell(row, column)

    def _play_unless_shown(self, row: int) -> None:
        """A click plays the row's run, unless it is what the body view shows already (a
        click's press chose the row, its release would play it again)."""
        shown = self._played
        if shown is None or shown[0] != row or self._lab.browser.episode is not shown[1]:
            self.play_row(row)

    def _effect(self, row: int) -> Effect | None:
        result = self.result
        return result.effects[row] if result is not None and 0 <= row < len(result.effects) else None

    def _show_sentence(self, row: int) -> None:
        effect = self._effect(row)
        if effect is None:
            self.sentence.clear()
            return
        self.sentence.setText(f"<b>{effect.sentence}.</b>")
        self.sentence.setToolTip(describe(effect.name, self._descriptions))

    def play_row(self, row: int) -> None:
        """Play the row's stored run beside the all-at-base run as the ghost: no simulation, and
        the sliders stay as they are ("Load into sliders" takes the row's pattern)."""
        effect, result = self._effect(row), self.result
        self.load_button.setEnabled(effect is not None)
        if effect is None or result is None:
            return
        if not self._matches(result):
            self._say("This atlas is of another model than the window's: run it again to play its runs.")
            return
        settings, base = result.settings, result.baseline
        mode = f" ({settings.mode})" if settings.mode != self._lab.mode else ""
        self._played = (
            row,
            self._lab.show_stored_run(
                effect.run.frames,
                effect.run.poses,
                stored_run_label(effect, settings.level) + mode,
                ghost=(base.frames, base.poses, f"atlas: all at {settings.base:g}{mode}"),
            ),
        )

    def load_row(self) -> None:
        """The selected row's pattern into the sliders (what its stored run ran)."""
        effect = self._effect(self.table.currentRow())
        if effect is not None:
            self._lab.apply_excitations(effect.run.excitations)

    def _plot_cell(self, row: int, column: int) -> None:
        effect, result = self._effect(row), self.result
        if effect is None or result is None:
            return
        coordinate = self.table.coordinate_at(column)
        label = f"{effect.index} {effect.name} at {result.settings.level:g}"
        base_label = f"all at {result.settings.base:g}"
        if coordinate is None:  # the pelvis and fall columns: the pelvis height
            times, heights = pelvis_trace(effect.run.frames)
            base_times, base_heights = pelvis_trace(result.baseline.frames)
            self.trace_plot.show_trace(
                "pelvis_height",
                f"pelvis height (falls below {MIN_PELVIS_HEIGHT} m)",
                "m",
                (times, heights, label),
                (base_times, base_heights, base_label),
                effect.fell_at,
            )
            return
        times, angles = result.trace(effect.run, coordinate)
        base_times, base_angles = result.trace(result.baseline, coordinate)
        self.trace_plot.show_trace(
            coordinate,
            f"{coordinate} {effect.joint_changes_deg[coordinate]:+.1f}° at most",
            "degrees",
            (times, angles, label),
            (base_times, base_angles, base_label),
            effect.peak_times_s.get(coordinate),
        )

    # -- moment arms ---------------------------------------------------------------------
    def request_moment_arms(self) -> None:
        """Ask the simulation process for the selected muscle's moment arms at its current pose
        (or at the standing start)."""
        row = self.table.currentRow()
        if row < 0 or self._lab.model_info is None:
            return
        self._asked.append(row)
        where = "the standing start" if self.standing_box.isChecked() else "the simulation's pose"
        self.arm_plots.note.setText(f"Computing the moment arms of muscle {row} at {where}…")
        self._controller.moment_arms(row, self.standing_box.isChecked())

    def show_moment_arms(self, answer: MomentArms | str) -> None:
        """The worker's answer: the curves, or why there are none (e.g. the simulation runs)."""
        row = self._asked.popleft() if self._asked else self.table.currentRow()
        if row != self.table.currentRow() or self._asked:
            return  # another muscle was chosen since: its answer comes next
        if isinstance(answer, MomentArms):
            self._waiting_for_pause = None
            where = "at the standing start" if self.standing_box.isChecked() else "at the simulation's pose"
            self.arm_plots.show_arms(answer, f"{where}, t = {answer.time:.2f} s")
            self.momentArmsShown.emit()
            return
        if answer == MOMENT_ARMS_WHILE_RUNNING:
            if self._simulation_running:
                self._waiting_for_pause = row
            else:  # it paused before this answer was read
                self.request_moment_arms()
                return
        result = self.result
        if result is not None and self._matches(result) and row < len(result.model.standing_moment_arms):
            why = "pause the simulation for its pose" if answer == MOMENT_ARMS_WHILE_RUNNING else answer
            self.arm_plots.show_arms(result.model.standing_moment_arms[row], f"coarsely, at the standing start: {why}")
        else:
            self.arm_plots.clear_arms(f"{sentence_case(answer)}.")
        self.momentArmsShown.emit()

    def _on_running_changed(self, running: bool) -> None:
        """Paused: compute what was asked for while the simulation ran. (The worker's own signal,
        not the window's message: it says the state as soon as it changes.)"""
        self._simulation_running = running
        if not running and self._waiting_for_pause is not None and self._waiting_for_pause == self.table.currentRow():
            self._waiting_for_pause = None
            self.request_moment_arms()
