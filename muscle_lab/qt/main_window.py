"""The muscle_lab window: sliders on the left, body drawing and plots in the middle, a dock
area on the right for extra panels, and the run controls in the toolbar."""

from __future__ import annotations

import html
import sys
import time
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QIntValidator, QKeyEvent, QKeySequence
from PyQt5.QtWidgets import (
    QAbstractSpinBox,
    QAction,
    QApplication,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QScrollArea,
    QShortcut,
    QSizePolicy,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.history import Episode
from muscle_lab.core.muscle_descriptions import load_descriptions
from muscle_lab.core.reward import MIN_PELVIS_HEIGHT, TIME_LIMIT_STEPS, describe_end
from muscle_lab.core.settings import load_settings
from muscle_lab.core.simulation.integrator import MODES
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.protocol import Busy
from muscle_lab.core.simulation.user_controller import ControllerError, ControllerSpec
from muscle_lab.qt.body.area import BodyArea
from muscle_lab.qt.body.video_export import VideoExport
from muscle_lab.qt.history.view import HistoryView
from muscle_lab.qt.panels.docks import NARROW_WINDOW_WIDTH, DockPanels
from muscle_lab.qt.panels.message_bar import MessageBar
from muscle_lab.qt.panels.muscles import MusclePanel
from muscle_lab.qt.panels.observation import add_observation_dock
from muscle_lab.qt.plots.panel import PlotPanel
from muscle_lab.qt.plots.plan import DEFAULT_WINDOW_SECONDS, MAX_WINDOW_SECONDS
from muscle_lab.qt.simulation.controller import SimulationController
from muscle_lab.qt.simulation.news import ON_END_PAUSE, ON_END_RESET, Batch, Branched, ModelInfo
from muscle_lab.qt.window.settings import apply_settings, store_settings
from muscle_lab.render.overlay import excitation_summary
from muscle_lab.render.scene import COLOUR_BY, COLOUR_BY_LABELS

MUSCLE_AREA_WIDTH = 545  # two columns of sliders (with the L buttons of a running controller)
MUSCLE_AREA_MIN_WIDTH = 270  # one column of sliders; two once the area is wide enough
PLOTS_LEAST_HEIGHT = 270  # what the plots get of the height at least when the window is resized
VIDEO_SPEEDS = {"true speed (1x)": 1.0, "half speed (0.5x)": 0.5, "quarter speed (0.25x)": 0.25, "0.1x": 0.1}
SLOW_CALL_SECONDS = 0.5  # a step or load waited on longer than this is shown in the status bar
LEAVE_BOX_KEYS = (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Escape)

REDRAW_INTERVAL_MS = 25  # one timer redraws everything, at most 40 times a second
# While poses stream in (running, playing back) the plots repaint at most 15 times a second: a
# repaint costs ~10 ms of the GUI thread, and on two busy cores that CPU is what lets the body
# view, the thing a user watches, render 30 times a second. At rest they repaint every tick.
STREAMING_PLOT_INTERVAL_S = 1 / 15
GUI_MODES = ("faithful", "fast")
PAUSED = "paused (Space runs)"


class MainWindow(QMainWindow):
    modelReady = pyqtSignal(object)  # ModelInfo, once the widgets are rebuilt for it
    framesArrived = pyqtSignal(list)  # every Frame in order, on the GUI thread (for recording)

    def __init__(self, model_path: str | Path | None = None, mode: str | None = None) -> None:
        """`mode` None takes the one saved with the settings (faithful at first)."""
        super().__init__()
        self.setWindowTitle("muscle_lab")
        self.resize(1500, 950)
        settings, settings_problem = load_settings()
        mode = mode or settings["mode"]
        self.dock_layout_restored = False
        # False for a screenshot: choices made for it (or by the user meanwhile) are not saved.
        self.remember_settings = True
        self._shut_down = False  # closed once: the simulation and the timers are gone
        self._narrow: bool | None = None  # window below NARROW_WINDOW_WIDTH; None before the first layout
        self._descriptions = load_descriptions()
        self.model_info: ModelInfo | None = None
        self.latest_frame: Frame | None = None
        self.running = False
        self.real_time_factor = 0.0
        self._last_rate: float | None = None  # shown while paused
        self.episode_state = "loading"
        self.replaying: str | None = None  # what is being replayed; sliders follow it
        self.controller_driving: str | None = None  # the user's controller (its description); sliders follow it
        self._controller_folder = ""  # where "Load controller…" opens
        self.redraw_count = 0
        self._plots_due = 0.0  # time.monotonic() from which the plots may repaint while poses stream
        self._pose_shown_at = 0.0  # time.monotonic() when the body was last given a new pose
        self._redrawing = False  # inside _redraw
        self._pending_pose: tuple[BodyPose | None, BodyPose | None, str] | None = None  # pose, ghost, label
        self._status_dirty = True
        self._busy_text = ""  # what the status bar says about a slow step, "" when none

        self.muscle_panel = MusclePanel()
        self.plot_panel = PlotPanel()
        self.body_view = BodyArea()
        self.history_view = HistoryView(self.plot_panel, self._episode_label, self)
        self.timeline = self.history_view.timeline
        self.video_export: VideoExport | None = None
        self.applied_preset: str | None = None  # named in videos; None once a slider moves
        self.message_bar = MessageBar()
        self._build_central()
        self._build_toolbar(mode)
        self._build_menu()
        self._build_status_bar()
        self._build_shortcuts()
        self._build_focus_handling()
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)

        self.controller = SimulationController(self)
        # The worker's messages are read from its outbox, in order: on the redraw timer's tick,
        # and when new frames or a finished 3D image call for the newest pose (`_feed_3d_view`).
        self._handlers = {
            "modelLoaded": self._on_model_loaded,
            "modelFailed": self._on_model_failed,
            "batchReady": self._on_batch,
            "runningChanged": self._on_running_changed,
            "episodeEnded": self._on_episode_ended,
            "simulationFailed": self._on_simulation_failed,
            "problem": self.message_bar.show_message,
            "replayChanged": self._on_replay_changed,
            "branched": self._on_branched,
            "controllerChanged": self._on_controller_changed,
            "controllerFailed": self._on_controller_failed,
            "momentArms": lambda answer: self.panels.atlas.show_moment_arms(answer),  # noqa: PLW0108 (panels come later)
        }
        self.history_view.branchRequested.connect(self.continue_from)
        self.history_view.stepRequested.connect(self.step)
        self.muscle_panel.excitationsChanged.connect(self.controller.send_excitations)
        self.muscle_panel.lockChanged.connect(self.controller.set_locked)
        self.muscle_panel.excitationsChanged.connect(self._forget_preset)
        self._connect_body_view()
        self.panels = DockPanels(self)
        self.observation_panel = add_observation_dock(self)
        self.dock_layout_restored = apply_settings(self, settings)
        if settings_problem:
            self.message_bar.show_message(settings_problem, topic="settings")

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setInterval(REDRAW_INTERVAL_MS)
        self._redraw_timer.timeout.connect(self._redraw)
        self._redraw_timer.start()
        self.controller.set_real_time(self.real_time)
        self.controller.set_on_episode_end(self.episode_end_choice)
        self.controller.set_time_limit(self.time_limit_box.isChecked())
        self.controller.start(model_path, mode)

    # -- layout ------------------------------------------------------------------------
    def _build_central(self) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.muscle_panel)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(MUSCLE_AREA_MIN_WIDTH)
        scroll.viewport().installEventFilter(self)  # its width decides one or two columns
        self._muscle_scroll = scroll
        right = QSplitter(Qt.Vertical)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(2)
        body_layout.addWidget(self.body_view, 1)
        body_layout.addWidget(self.timeline)
        right.addWidget(body)
        right.addWidget(self.plot_panel)
        right.setStretchFactor(0, 1)
        right.setStretchFactor(1, 1)
        right.setSizes([470, 420])  # the body (with its timeline) and the plots share the height
        self._right = right
        split = QSplitter(Qt.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([MUSCLE_AREA_WIDTH, 1500 - MUSCLE_AREA_WIDTH])
        self._split = split
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.message_bar)
        layout.addWidget(split, 1)
        self.setCentralWidget(central)
        self.message_bar.resetRequested.connect(self.reset)

    def _build_toolbar(self, mode: str) -> None:
        bar = QToolBar("Simulation")
        bar.setObjectName("simulation_toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.run_action = bar.addAction("Run", self.toggle_run)
        self.run_action.setToolTip("Run or pause the simulation (Space)")
        bar.addAction("Step", self.step).setToolTip("One 0.01 s step while paused (Right arrow)")
        bar.addAction("Reset", self.reset).setToolTip("Back to standing at t = 0 (Backspace)")
        bar.addAction("All to zero", self.zero_all).setToolTip("Every slider to 0 and solo off")
        bar.addSeparator()
        self._build_solo_and_goto(bar)
        self.addToolBarBreak()
        bar = QToolBar("Options")
        bar.setObjectName("options_toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.speed_box = self._combo(
            bar, "Speed", ["real time", "as fast as possible"], "Real time paces the simulation to the wall clock"
        )
        self.speed_box.currentIndexChanged.connect(lambda _i: self.controller.set_real_time(self.real_time))
        self.mode_box = self._combo(
            bar,
            "Mode",
            [m for m in GUI_MODES if m in MODES],
            "\n".join(f"{m}: {MODES[m].description}" for m in GUI_MODES),
        )
        if mode in GUI_MODES:
            self.mode_box.setCurrentText(mode)
        # The controller is made after the toolbar: look it up when the mode changes.
        self.mode_box.currentTextChanged.connect(lambda mode: self.controller.set_mode(mode))  # noqa: PLW0108
        self.end_box = self._combo(
            bar,
            "At episode end",
            ["pause", "reset and go on"],
            f"What happens when the pelvis drops below {MIN_PELVIS_HEIGHT} m",
        )
        self.end_box.currentIndexChanged.connect(lambda _i: self.controller.set_on_episode_end(self.episode_end_choice))
        self.time_limit_box = QCheckBox("Time limit")
        self.time_limit_box.setChecked(True)
        self.time_limit_box.setToolTip(
            f"End episodes after {TIME_LIMIT_STEPS} steps ({TIME_LIMIT_STEPS * STEP_SECONDS:g} s), as osim-rl does; "
            "off for free play"
        )
        self.time_limit_box.toggled.connect(lambda on: self.controller.set_time_limit(on))  # noqa: PLW0108
        bar.addWidget(self.time_limit_box)
        bar.addSeparator()
        bar.addWidget(QLabel(" Plot window "))
        self.window_spin = QDoubleSpinBox()
        self.window_spin.setRange(1.0, MAX_WINDOW_SECONDS)
        self.window_spin.setValue(DEFAULT_WINDOW_SECONDS)
        self.window_spin.setSuffix(" s")
        self.window_spin.setKeyboardTracking(False)
        self.window_spin.valueChanged.connect(self.plot_panel.set_window_seconds)
        bar.addWidget(self.window_spin)
        self.colour_box = self._combo(
            bar, "Colour", [COLOUR_BY_LABELS[c] for c in COLOUR_BY], "What the muscles' colour shows in the 3D view"
        )
        self.colour_box.currentIndexChanged.connect(lambda i: self.body_view.view3d.set_colour_by(COLOUR_BY[i]))

    def _build_solo_and_goto(self, bar: QToolBar) -> None:
        self.solo_box = self._combo(
            bar,
            "Solo",
            ["off"],
            "Only the chosen muscle on (raised to 1 if it was 0); the sliders come back when solo ends.\n"
            "Each row's S button solos several muscles at once.",
        )
        self.solo_box.setMinimumContentsLength(16)
        # The last entry, "N muscles" while several are soloed, is only shown, never picked.
        self.solo_box.activated.connect(
            lambda i: self.set_solo(None if i == 0 else i - 1) if 0 <= i <= len(self.muscle_panel.rows) else None
        )
        self.muscle_panel.soloChanged.connect(self._show_solo)
        bar.addWidget(QLabel(" Go to "))
        self.goto_edit = QLineEdit()
        self.goto_edit.setPlaceholderText("index")
        self.goto_edit.setValidator(QIntValidator(0, 999))
        self.goto_edit.setFixedWidth(70)
        self.goto_edit.setToolTip("Type a muscle index and Enter to focus its slider (Ctrl+G, or type digits)")
        self.goto_edit.returnPressed.connect(self._go_to_typed_muscle)
        bar.addWidget(self.goto_edit)

    @staticmethod
    def _combo(bar: QToolBar, label: str, items: list[str], tooltip: str) -> QComboBox:
        bar.addWidget(QLabel(f" {label} "))
        box = QComboBox()
        box.addItems(items)
        box.setToolTip(tooltip)
        bar.addWidget(box)
        return box

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open model…", self)
        open_action.setShortcut(QKeySequence.Open)
        open_action.triggered.connect(self._choose_model)
        file_menu.addAction(open_action)
        file_menu.addAction("Export &video of this episode…", self._choose_video)
        file_menu.addSeparator()
        file_menu.addAction("Load &controller…", self._choose_controller).setToolTip(
            "A Python file with f(observation) -> excitations, or an agent with act(observation)"
        )
        self.stop_controller_action = file_menu.addAction("S&top controller", self.stop_controller)
        self.stop_controller_action.setEnabled(False)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.view_menu = self.menuBar().addMenu("&View")
        body = self.body_view.view3d
        for title, key, slot in (
            ("Side view", "S", lambda: body.set_view("side")),
            ("Front view", "F", lambda: body.set_view("front")),
            ("Three-quarter view", "T", lambda: body.set_view("three_quarter")),
            ("Reset view", "R", body.reset_view),
        ):
            action = self.view_menu.addAction(title, slot)
            action.setShortcut(QKeySequence(key))
        self.follow_action = self.view_menu.addAction("Camera follows the pelvis")
        self.follow_action.setCheckable(True)
        self.follow_action.setChecked(True)
        self.follow_action.setShortcut(QKeySequence("P"))
        self.follow_action.toggled.connect(body.set_follow_pelvis)
        self.view_menu.addSeparator()

    def _build_status_bar(self) -> None:
        self.time_label = QLabel()
        self.rate_label = QLabel()
        self.reward_label = QLabel()
        self.episode_label = QLabel()
        self.model_label = QLabel()
        for label, width in ((self.time_label, 125), (self.rate_label, 215), (self.reward_label, 150)):
            label.setMinimumWidth(width)
            self.statusBar().addPermanentWidget(label)
        for label in (self.episode_label, self.model_label):  # long texts may be cut, never widen the window
            label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.statusBar().addPermanentWidget(self.episode_label, 3)
        self.statusBar().addPermanentWidget(self.model_label, 1)

    def _build_shortcuts(self) -> None:
        for key, slot in (
            (Qt.Key_Space, self.toggle_run),
            (Qt.Key_Right, self.history_view.step_forward),
            (Qt.Key_Left, self.history_view.step_back),
            (Qt.Key_Home, self.history_view.browser.first),
            (Qt.Key_End, self.history_view.browser.go_live),
            (Qt.Key_K, self.history_view.browser.toggle_play),
            (Qt.Key_Backspace, self.reset),
            (QKeySequence("Ctrl+G"), self._focus_goto),
        ):
            QShortcut(QKeySequence(key), self, activated=slot)

    def _build_focus_handling(self) -> None:
        """Shortcuts work from anywhere but a text box; Enter or Esc leaves the box, and a click
        on the plots or the body drawing takes the focus back from it."""
        self.centralWidget().setFocusPolicy(Qt.StrongFocus)
        for view in (self.plot_panel, self.body_view.view2d, self.body_view.view3d):
            view.setFocusPolicy(Qt.ClickFocus)
        self._leave_boxes = _LeaveBoxOnEnter(self._take_focus)
        QApplication.instance().installEventFilter(self._leave_boxes)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Crossing NARROW_WINDOW_WIDTH re-fits the docks and the sliders' share (once laid out);
        a dock layout restored from the settings is kept at start."""
        super().resizeEvent(event)
        narrow = event.size().width() < NARROW_WINDOW_WIDTH
        if narrow != self._narrow:
            first = self._narrow is None
            self._narrow = narrow
            if not (first and self.dock_layout_restored):
                QTimer.singleShot(0, self._fit_width)

    def _fit_width(self) -> None:
        narrow = bool(self._narrow)
        self.panels.fit_width(narrow)
        # Narrow: the sliders take one column, the drawing and plots the rest; wide: two columns.
        sliders = MUSCLE_AREA_MIN_WIDTH if narrow else MUSCLE_AREA_WIDTH
        total = sum(self._split.sizes())
        self._split.setSizes([sliders, max(0, total - sliders)])
        # The timeline takes more rows when narrow: the plots keep a readable height.
        height = sum(self._right.sizes())
        plots = max(PLOTS_LEAST_HEIGHT, round(height * 0.47))
        self._right.setSizes([max(0, height - plots), plots])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self._muscle_scroll.viewport() and event.type() == QEvent.Resize:
            self.muscle_panel.fit_width(event.size().width())
        return super().eventFilter(watched, event)

    # -- the body view ----------------------------------------------------------------
    def _connect_body_view(self) -> None:
        """Clicking a muscle selects its slider and the reverse; solo highlights it too."""
        self.body_view.view3d.muscleClicked.connect(self.go_to_muscle)
        self.body_view.view3d.imageRendered.connect(self._feed_3d_view)
        self.body_view.view3d.sceneLoaded.connect(self._on_scene_loaded)
        self.controller.worker.framesReady.connect(self._feed_3d_view)
        self.body_view.fellBack.connect(
            lambda why: self.message_bar.show_message(f"The 3D view stopped working ({why}); showing the 2D drawing.")
        )
        QApplication.instance().focusChanged.connect(self._on_focus_changed)
        if not self.body_view.uses_3d:
            reason = self.body_view.unavailable_reason
            QTimer.singleShot(
                0, lambda: self.message_bar.show_message(f"No 3D view here ({reason}); showing the 2D drawing.")
            )

    def apply_preset(self, name: str, values: np.ndarray) -> None:
        """Move the sliders to a preset's values; videos are captioned with its name."""
        self.apply_excitations(values)
        self.applied_preset = name

    def _forget_preset(self, _values: np.ndarray) -> None:
        self.applied_preset = None

    def _episode_label(self, episode: Episode) -> str:
        """What an episode ran, for the timeline, the ghost and videos: the preset's name while
        its values hold, else a summary of the latest excitations."""
        if self.applied_preset:
            return self.applied_preset
        frame = episode.frames[-1] if episode.frames else None
        if frame is None or self.model_info is None:
            return ""
        return excitation_summary(frame.excitations, [m.name for m in self.model_info.muscles])

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        for row in self.muscle_panel.rows:
            if new is row.slider or new is row.spin or (new is not None and row.spin.isAncestorOf(new)):
                self.body_view.view3d.set_selected(row.muscle.index)
                return

    def _shown_poses(self) -> list[BodyPose]:
        """The poses of the episode the timeline shows: what "Export video…" writes."""
        episode = self.history_view.browser.episode
        return [pose for pose in episode.poses if pose is not None] if episode is not None else []

    def _choose_video(self) -> None:
        if not self._shown_poses():
            self.message_bar.show_message("Nothing to export yet: run the simulation first.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export video", "episode.gif", "GIF (*.gif);;MP4 (*.mp4)")
        if not path:
            return
        speed, chosen = QInputDialog.getItem(self, "Video speed", "Speed of the video", list(VIDEO_SPEEDS), 0, False)
        if chosen:
            self.export_video(Path(path), VIDEO_SPEEDS[speed])

    def export_video(self, path: Path, speed: float = 1.0) -> VideoExport | None:
        """Render this episode offscreen to `path` in the background, from the view's camera."""
        if self.video_export is not None:
            self.message_bar.show_message("A video is still being written.")
            return None
        info, poses, episode = self.model_info, self._shown_poses(), self.history_view.browser.episode
        if info is None or not poses or episode is None:
            self.message_bar.show_message("Nothing to export yet: run the simulation first.")
            return None
        caption = f"preset {episode.label}" if episode.label == self.applied_preset else episode.label
        export = VideoExport(path, info.scene, poses, speed, self.body_view.view3d.camera, caption)
        export.progressed.connect(
            lambda done, total: self.message_bar.show_message(f"Writing {path.name}: frame {done} of {total}…")
        )
        export.finished_with.connect(self.message_bar.show_message)
        export.finished.connect(self._video_done)
        self.video_export = export
        export.start()
        return export

    def _video_done(self) -> None:
        if self.video_export is not None:
            self.video_export.deleteLater()
        self.video_export = None

    def _take_focus(self, box: QWidget) -> None:
        """Focus back to the window itself, where the shortcuts live, if `box` still has it
        (Enter in "Go to" has already moved it to a slider)."""
        focused = QApplication.focusWidget()
        if focused is not None and (focused is box or box.isAncestorOf(focused)) and box.window() is self:
            self.centralWidget().setFocus(Qt.OtherFocusReason)

    def add_dock_panel(self, title: str, widget: QWidget) -> QDockWidget:
        """Add an extra panel (presets, recording, ...) to the dock area on the right."""
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower().replace(" ", "_"))
        dock.setWidget(widget)
        dock.setAllowedAreas(Qt.RightDockWidgetArea | Qt.LeftDockWidgetArea)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)
        self.view_menu.addAction(dock.toggleViewAction())
        return dock

    @property
    def real_time(self) -> bool:
        """The Speed choice: paced to the wall clock, or as fast as possible."""
        return self.speed_box.currentIndex() == 0

    @property
    def episode_end_choice(self) -> str:
        """ON_END_PAUSE or ON_END_RESET, as chosen under "At episode end"."""
        return ON_END_RESET if self.end_box.currentIndex() == 1 else ON_END_PAUSE

    # -- commands ----------------------------------------------------------------------
    def toggle_run(self) -> None:
        self.pause() if self.running else self.run()

    def run(self) -> None:
        self.message_bar.hide()
        self.history_view.browser.go_live()
        self.controller.run()

    def pause(self) -> None:
        self.controller.pause()

    def step(self) -> None:
        self.history_view.browser.go_live()
        self.controller.step()

    def continue_from(self, episode: int, step: int) -> None:
        """Branch: the simulation goes on from that step's exact state with the sliders as they
        are now; the episode it leaves stays in the history (and is the ghost)."""
        self.message_bar.hide()
        self.controller.branch(episode, step, self.muscle_panel.effective_excitations())

    def reset(self) -> None:
        self.message_bar.hide()
        self.history_view.browser.go_live()
        self.controller.reset()

    def zero_all(self) -> None:
        """Every slider to 0; a solo ends with them (its saved values are dropped)."""
        self.apply_excitations(np.zeros(len(self.muscle_panel.rows)))

    def set_solo(self, index: int | None) -> None:
        """Solo muscle `index` alone; None ends solo and the sliders come back as they were."""
        self.muscle_panel.set_solo(index)

    def _show_solo(self, soloed: tuple[int, ...]) -> None:
        """The Solo box and the 3D view follow the panel's solo: "off", the one muscle, or
        an extra "N muscles" entry while several are soloed."""
        box = self.solo_box
        box.blockSignals(True)
        muscles = len(self.muscle_panel.rows)
        if box.count() > muscles + 1:  # the "N muscles" entry of an earlier several-muscle solo
            box.removeItem(muscles + 1)
        if len(soloed) > 1:
            box.addItem(f"{len(soloed)} muscles")
            box.model().item(muscles + 1).setEnabled(False)  # shown, never picked
            box.setCurrentIndex(muscles + 1)
        else:
            box.setCurrentIndex(soloed[0] + 1 if soloed else 0)
        box.blockSignals(False)
        self.body_view.view3d.set_soloed(soloed)

    def apply_excitations(self, values: np.ndarray) -> None:
        """Move every slider to `values` (solo ends, mutes stay) and send one update.

        Raises ExcitationError for a wrong length or non-finite values; out-of-range values
        are clipped to [0, 1].
        """
        names = [row.muscle.name for row in self.muscle_panel.rows]
        checked, _ = check_excitations(values, names)
        self.muscle_panel.set_values(checked)  # ends a solo without restoring its saved values

    def current_excitations(self) -> np.ndarray:
        """What the sliders say (before mute and solo)."""
        return self.muscle_panel.slider_values()

    def go_to_muscle(self, index: int) -> bool:
        if not self.muscle_panel.focus_muscle(index):
            self.model_label.setText(f"no muscle {index}: this model has 0 to {len(self.muscle_panel.rows) - 1}")
            return False
        self._muscle_scroll.ensureWidgetVisible(self.muscle_panel.rows[index].slider)
        return True

    def open_model(self, path: str | Path) -> None:
        """Load another model; the current one stays until the new one is ready (the
        simulation waits while it loads), and stays for good if the new one fails."""
        self.model_label.setText(f"loading {Path(path).name} …")
        self.controller.load_model(path)

    def _choose_model(self) -> None:
        start = str(self.model_info.path.parent) if self.model_info else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open an OpenSim model", start, "OpenSim models (*.osim)")
        if path:
            self.open_model(path)

    def load_controller(self, spec: str) -> bool:
        """Let a controller (FILE.py[:NAME]) drive from a new episode: the simulation process calls
        it every step with osim-rl's observation. False (and a message) when the file is missing."""
        try:
            parsed = ControllerSpec.parse(spec)
        except ControllerError as error:
            self.message_bar.show_message(f"No controller loaded: {error}", topic="controller")
            return False
        self._controller_folder = str(parsed.path.parent)
        self.message_bar.show_message(f"Loading the controller {parsed.label} …", topic="controller")
        self.controller.set_controller(str(parsed))
        return True

    def stop_controller(self) -> None:
        """The sliders drive again, from where the controller left them."""
        self.controller.set_controller(None)

    def _choose_controller(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a controller", self._controller_folder, "Python files (*.py)")
        if path:
            self.load_controller(path)

    def _on_controller_changed(self, description: str | None) -> None:
        self.controller_driving = description
        self.muscle_panel.set_controller_drives(description is not None)
        self.stop_controller_action.setEnabled(description is not None)
        if description is not None:
            self.message_bar.show_message(
                f"Your controller drives: {description}, called every step with osim-rl's observation. The "
                "sliders follow it; L on a row keeps that muscle at your value.",
                topic="controller",
            )
        else:  # the simulation holds the controller's last excitations, which the sliders show
            self.message_bar.clear_topic("controller")
        self._status_dirty = True

    def _on_controller_failed(self, error: ControllerError) -> None:
        """The error and its traceback in the message bar (and on stderr); the simulation is paused."""
        print(f"muscle_lab: controller: {error.text}", file=sys.stderr)
        if self.controller_driving is None:
            what = "Your controller could not be loaded"
        else:
            what = "Your controller failed; the simulation is paused (Run calls it again, Reset starts anew)"
            self.episode_state = "failed: the controller, paused"
        details = html.escape(error.details, quote=False)
        self.message_bar.show_message(
            f"<b>{html.escape(what, quote=False)}:</b> {html.escape(error.message, quote=False)}"
            f"<p style='white-space:pre-wrap; font-family:monospace'>{details}</p>",
            offer_reset=True,
            topic="controller",
        )
        self._status_dirty = True

    def _focus_goto(self) -> None:
        self.goto_edit.setFocus(Qt.ShortcutFocusReason)
        self.goto_edit.selectAll()

    def _go_to_typed_muscle(self) -> None:
        text = self.goto_edit.text()
        if text:
            self.go_to_muscle(int(text))
            self.goto_edit.clear()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """Digits typed anywhere outside a text field start a "go to muscle"."""
        if event.text().isdigit() and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            self.goto_edit.setFocus(Qt.ShortcutFocusReason)
            self.goto_edit.setText(event.text())
            return
        super().keyPressEvent(event)

    # -- from the worker ---------------------------------------------------------------
    def _on_model_loaded(self, info: ModelInfo) -> None:
        self.model_info = info
        self.latest_frame = None
        self._pending_pose = None
        self.muscle_panel.build(info.muscles, self._descriptions)
        self.muscle_panel.fit_width(self._muscle_scroll.viewport().width())  # no resize may follow
        self.solo_box.blockSignals(True)
        self.solo_box.clear()
        self.solo_box.addItems(["off"] + [m.label for m in info.muscles])
        self.solo_box.blockSignals(False)
        self.plot_panel.configure(info.joint_angle_names, locked=info.locked_joint_angles)
        self.history_view.model_changed(info)
        self.body_view.clear_model()
        self.body_view.set_scene(info.scene)
        self.model_label.setText(f"{info.path.name}: {len(info.muscles)} muscles")
        self.message_bar.clear_topic("model")  # an earlier "cannot load" no longer holds
        if info.start_warnings:
            self.message_bar.show_message("; ".join(info.start_warnings) + ".", topic="model")
        self.episode_state = PAUSED
        self.controller.send_excitations(self.muscle_panel.effective_excitations())
        self._status_dirty = True
        self.modelReady.emit(info)

    def _on_scene_loaded(self) -> None:
        """The bone meshes are read (in the render thread): say which could not be drawn."""
        missing = self.body_view.view3d.missing_meshes
        if self.body_view.uses_3d and missing and self.model_info is not None:
            notes = [*self.model_info.start_warnings]
            notes.append(f"{len(missing)} bone mesh file(s) not drawn: {', '.join(missing)}")
            self.message_bar.show_message("; ".join(notes) + ".", topic="model")

    def _on_model_failed(self, message: str) -> None:
        current = f"; still using {self.model_info.path.name}" if self.model_info else ""
        self.message_bar.show_message(f"{message}{current}", topic="model")
        if self.model_info:
            self.model_label.setText(f"{self.model_info.path.name}: {len(self.model_info.muscles)} muscles")

    def _on_batch(self, batch: Batch) -> None:
        self.history_view.add_batch(batch)
        self.real_time_factor = batch.real_time_factor
        frames = batch.frames
        self.latest_frame = frames[-1]
        self.framesArrived.emit(frames)
        if self.replaying:
            self.muscle_panel.show_values(frames[-1].excitations)
        elif self.controller_driving:
            self.muscle_panel.follow_controller(frames[-1].excitations)
        first = frames[0]
        if first.step == 0 and first.done:
            self.episode_state = f"no episode end: the pelvis starts at {first.pelvis_height:.2f} m"
        elif first.step == 0 and self.episode_state.startswith(("ended", "failed")):
            self.episode_state = "running" if self.running else PAUSED
        if first.step == 0:
            self.message_bar.clear_topic("simulation")  # a new episode: the failure is behind us
        self._status_dirty = True

    def _on_branched(self, branched: Branched) -> None:
        self.history_view.add_branch(branched)
        self.latest_frame = branched.frame
        self.episode_state = f"continued from step {branched.step} of episode {branched.source}; " + (
            "running" if self.running else PAUSED
        )
        self._status_dirty = True

    def _on_running_changed(self, running: bool) -> None:
        self.running = running
        self.run_action.setText("Pause" if running else "Run")
        if self.episode_state.startswith("no episode"):
            pass
        elif running:
            self.episode_state = "running"
        elif not self.episode_state.startswith(("ended", "failed")):
            self.episode_state = PAUSED
        self._status_dirty = True

    def _on_replay_changed(self, what: str | None) -> None:
        self.replaying = what
        if what:
            self.history_view.browser.go_live()
            self.message_bar.show_message(f"{what}: the sliders follow it; move one to take over")
        self._status_dirty = True

    def _on_episode_ended(self, frame: Frame) -> None:
        ended = "ended: " + describe_end(frame.end_reason, frame.time, frame.pelvis_height)
        if self.episode_end_choice == ON_END_RESET:
            self.episode_state = f"running again; the last {ended}"
        else:
            self.episode_state = f"{ended}, paused"
        self._status_dirty = True

    def _on_simulation_failed(self, message: str) -> None:
        self.episode_state = "failed: reset needed"
        self.message_bar.show_message(f"The simulation failed: {message}", offer_reset=True, topic="simulation")
        self._status_dirty = True

    # -- drawing -----------------------------------------------------------------------
    def redraw_now(self) -> None:
        """Bring what is shown up to date now, the plots too even while poses stream, and the
        body (what the redraw timer does, without waiting for its tick): for screenshots and tests."""
        self._plots_due = 0.0
        self._redraw()
        self._draw_body()

    def _redraw(self) -> None:
        """Read the worker's outbox, push new data to the plots and the body drawing, and
        paint: one timer drives every redraw, at most 1000 / REDRAW_INTERVAL_MS a second."""
        self._redrawing = True  # a feed of the 3D view delivered by sendPostedEvents waits
        try:
            self._take_news()
            drew = self._redraw_plots()
            self.observation_panel.redraw()  # at most ten times a second, and only while shown
            self._watch_slow_call()
            if self._status_dirty:
                self._update_status()
            # Deferred work the updates above posted (pyqtgraph's scene bookkeeping, the
            # window's repaint) runs now, so that one timer tick is one complete redraw.
            QCoreApplication.sendPostedEvents(None, 0)
        finally:
            self._redrawing = False
        if self._pending_pose is not None:
            # The body is drawn in a turn of its own: the event loop runs in between, so a
            # 3D render and the plots never hold it together.
            QTimer.singleShot(0, self._draw_body)
        elif drew:
            self.redraw_count += 1

    def _take_news(self) -> None:
        """Hand the worker's outbox to its handlers and note the pose to show if it changed."""
        outbox = self.controller.worker.outbox
        while outbox:
            name, payload = outbox.popleft()
            self._handlers[name](payload)
        shown = self.history_view.redraw()
        if shown is not None:
            self._pending_pose = shown
            self._status_dirty = True

    def _redraw_plots(self) -> bool:
        now = time.monotonic()
        streaming = self._pending_pose is not None or now - self._pose_shown_at < 2 * STREAMING_PLOT_INTERVAL_S
        if streaming and now < self._plots_due:
            return False
        drew = self.plot_panel.redraw()
        if drew:
            self._plots_due = now + STREAMING_PLOT_INTERVAL_S
        return drew

    def _feed_3d_view(self, *_ignored) -> None:
        """New frames came, or the 3D view finished an image: unless a render already waits,
        hand it the newest pose now rather than at the next tick, so that its thread has the
        next pose the moment it is free (and renders back to back while poses keep coming)."""
        view = self.body_view.view3d
        if self._shut_down or not self.body_view.uses_3d:
            return
        if self._redrawing:  # delivered by the tick's sendPostedEvents: fed when the tick is over
            QTimer.singleShot(0, self._feed_3d_view)
            return
        if view.ready_for_pose and view.isVisible():
            self._take_news()
            self._draw_body()
            view.render_now()

    def _draw_body(self) -> None:
        if self._pending_pose is not None and not self._shut_down:
            pose, ghost, label = self._pending_pose
            self._pending_pose = None
            self.body_view.set_ghost(ghost, label)
            if pose is not None:
                self.body_view.set_pose(pose)
                self._pose_shown_at = time.monotonic()
            self.redraw_count += 1

    def _watch_slow_call(self) -> None:
        """Say in the status bar when the simulation has been busy with one call for long."""
        busy = self.controller.worker.busy
        text = ""
        if busy is not None and busy.seconds() >= SLOW_CALL_SECONDS:
            text = self._describe_slow_call(busy)
        if text != self._busy_text:
            self._busy_text = text
            self._status_dirty = True

    def _describe_slow_call(self, busy: Busy) -> str:
        seconds = busy.seconds()
        if self.controller.worker.simulation_stopped():
            return (
                f"the simulation process (pid {busy.pid}) is stopped (SIGSTOP) and cannot answer; "
                "Pause or Reset ends it and starts a new one"
            )
        if busy.command == "step":
            return (
                f"still integrating: {busy.from_time:.2f} s simulated, the step to "
                f"{busy.from_time + 0.01:.2f} s has run {seconds:.0f} s; Pause or Reset abandons it"
            )
        return f"the simulation process is busy ({busy.command}) for {seconds:.0f} s; closing the window ends it"

    def _update_status(self) -> None:
        self._status_dirty = False
        browser = self.history_view.browser
        frame = self.latest_frame if browser.live else browser.frame
        if frame is not None:
            self.time_label.setText(f"sim time {frame.time:6.2f} s")
            self.reward_label.setText(f"total reward {frame.total_reward:8.2f}")
        if self.running and self.real_time_factor > 0:
            self._last_rate = self.real_time_factor
        last = self._last_rate
        if self.running or last is None:
            self.rate_label.setText(f"real-time factor {self.real_time_factor:4.2f}")
        else:
            self.rate_label.setText(f"real-time factor {last:4.2f} (last run)")
        where = self.history_view.status_text()
        shown = f"showing {where} · " if where and where != "live" else ""
        self.episode_label.setText(self._busy_text or f"{shown}episode: {self.episode_state}")
        self.episode_label.setToolTip(self.episode_label.text())

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Offer to save an unsaved recording, then stop the worker (ending a step in flight
        with its process) and close: no hang, no dangling thread."""
        if self._shut_down:
            super().closeEvent(event)
            return
        if not self.panels.recording.ready_to_close():
            event.ignore()
            return
        self._shut_down = True
        self._redraw_timer.stop()
        self.history_view.playback.pause()
        QApplication.instance().removeEventFilter(self._leave_boxes)
        QApplication.instance().focusChanged.disconnect(self._on_focus_changed)
        if self.video_export is not None:
            self.video_export.cancel()
            self.video_export.wait()
        if self.remember_settings:
            store_settings(self)
        self.controller.stop()
        self.body_view.view3d.release()  # the GL context goes while EGL is loaded, not at exit
        super().closeEvent(event)


class _LeaveBoxOnEnter(QObject):
    """After Enter, Return or Esc in a number or text box, the focus leaves it (once the box
    has taken the key: Enter commits the typed value)."""

    def __init__(self, leave) -> None:
        super().__init__()
        self._leave = leave

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (
            event.type() == QEvent.KeyPress
            and event.key() in LEAVE_BOX_KEYS
            and isinstance(watched, (QAbstractSpinBox, QLineEdit))
        ):
            QTimer.singleShot(0, lambda: self._leave(watched))
        return False
