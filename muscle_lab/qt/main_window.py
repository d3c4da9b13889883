"""The muscle_lab window: sliders on the left, body drawing and plots in the middle, a dock
area on the right for extra panels, and the run controls in the toolbar.

The window only builds and lays out: what the panels share is the lab model (`lab.LabModel`),
the simulation is the `SimulationController`'s, and the panels take those two, never the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt5.QtCore import QEvent, QObject, Qt, QTimer
from PyQt5.QtGui import QKeyEvent, QKeySequence
from PyQt5.QtWidgets import QMainWindow, QScrollArea, QShortcut, QSplitter, QVBoxLayout, QWidget

from muscle_lab.core.muscle_descriptions import load_descriptions
from muscle_lab.core.settings import load_settings
from muscle_lab.qt.body.area import BodyArea
from muscle_lab.qt.body.video_export import VideoExport
from muscle_lab.qt.editor.panel import ExcitationEditor
from muscle_lab.qt.history.view import HistoryView
from muscle_lab.qt.lab import LabModel
from muscle_lab.qt.panels.docks import NARROW_WINDOW_WIDTH, DockPanels, dock_width
from muscle_lab.qt.panels.elided_label import ElidedLabel
from muscle_lab.qt.panels.message_bar import MessageBar
from muscle_lab.qt.panels.muscles import MusclePanel, connect_to_lab
from muscle_lab.qt.plots.panel import PlotPanel
from muscle_lab.qt.plots.plan import MAX_COLUMNS, MIN_PLOT_WIDTH
from muscle_lab.qt.simulation.controller import SimulationController
from muscle_lab.qt.simulation.news import ModelInfo
from muscle_lab.qt.window.focus import FocusKeeper
from muscle_lab.qt.window.menus import Menus
from muscle_lab.qt.window.plots_area import PlotsArea
from muscle_lab.qt.window.redraw import Redrawer
from muscle_lab.qt.window.settings import apply_settings, store_settings
from muscle_lab.qt.window.status_bar import StatusBar
from muscle_lab.qt.window.toolbars import Toolbars

MUSCLE_AREA_WIDTH = 545  # two columns of sliders (with the L buttons of a running controller)
MUSCLE_AREA_MIN_WIDTH = 270  # one column of sliders; two once the area is wide enough
PLOTS_SHARE = 0.45  # of the height beside the sliders, at least: the plots and the body are watched
LEAST_DATA_HEIGHT = 104  # pixels of every plot's data area at 1024x700 (100 and a margin for rounding)
TALL_DATA_HEIGHT = 154  # the same in a window TALL_WINDOW_HEIGHT high or more (1500x950)
TALL_WINDOW_HEIGHT = 900
BODY_LEAST_HEIGHT = 150  # the 3D body keeps this much whatever the plots ask
DOCK_TABS_WIDTH = 30  # the docks' tab bar down their edge, and the splitters' handles


class MainWindow(QMainWindow):
    """Builds the panels on the lab model and the simulation controller, and lays them out."""

    def __init__(self, model_path: str | Path | None = None, mode: str | None = None) -> None:
        """`mode` None takes the one saved with the settings (faithful at first)."""
        super().__init__()
        self.setWindowTitle("muscle_lab")
        self.resize(1500, 950)
        settings, settings_problem = load_settings()
        mode = mode or settings["mode"]
        # False for a screenshot: choices made for it (or by the user meanwhile) are not saved.
        self.remember_settings = True
        self._shut_down = False  # closed once: the simulation and the timers are gone
        self._layout_pending = False  # a re-fit of the splitters and docks waits for the event loop
        self._plots_fit_pending = False  # a re-fit of the plots' height does
        self._descriptions = load_descriptions()
        self.lab = lab = LabModel(mode, self)
        self.controller = SimulationController(self)
        self.muscle_panel = MusclePanel()
        self.plot_panel = PlotPanel()
        self.editor = ExcitationEditor(lab, self.controller)
        self.plots_area = PlotsArea(self.plot_panel, self.editor)
        self.body_view = BodyArea()
        self.history_view = HistoryView(lab, self.plot_panel, self)
        self.timeline = self.history_view.timeline
        self.message_bar = MessageBar()
        # What the atlas says of a soloed muscle, over the timeline while there is an answer.
        self.solo_answer_label = ElidedLabel()
        self.solo_answer_label.setStyleSheet("background: #e7f0fb; padding: 2px 4px;")
        self.solo_answer_label.hide()
        self._build_central()
        lab.plotWindowChanged.connect(self.plot_panel.set_window_seconds)  # before the toolbar's box follows
        # A legend line more or less changes what the plots need: fitted again, once per turn.
        self.plot_panel.plotsResized.connect(self._refit_plots_height_soon)
        self.plots_area.currentChanged.connect(self._refit_plots_height_soon)  # the editor wants more height
        commands = {"toggle_run": self.toggle_run, "step": self.step, "reset": self.reset, "zero_all": self.zero_all}
        self.toolbars = Toolbars(
            self, lab, self.muscle_panel, self.body_view, {**commands, "go_to_muscle": self.go_to_muscle}
        )
        self.menus = Menus(self, lab, self.controller, self.body_view)
        for place in (self.toolbars.options_bar, self.menus.view_menu):
            place.addAction(self.plots_area.editor_action)
        self.status = StatusBar(self.statusBar(), lab)
        self._build_shortcuts()
        self.focus = FocusKeeper(self, self.muscle_panel, self.plot_panel, self.body_view, lab.muscleFocused.emit)
        self.setDockOptions(QMainWindow.AnimatedDocks | QMainWindow.AllowTabbedDocks)
        self._connect()
        self.panels = DockPanels(self, self.menus.view_menu, lab, self.controller, self._spare_width)
        self.observation_panel = self.panels.observation
        self.panels.atlas.solo_answer.textChanged.connect(self._show_solo_answer)
        self.editor.presetSaved.connect(self.panels.show_saved_preset)
        apply_settings(self, lab, settings)
        if settings_problem:
            lab.say(settings_problem, topic="settings")
        self.redrawer = Redrawer(
            lab,
            self.controller,
            self.history_view,
            self.plot_panel,
            self.body_view,
            self.observation_panel,
            self.status,
            self,
        )
        controller = self.controller
        for signal, slot, value in (
            (lab.realTimeChanged, controller.set_real_time, lab.real_time),
            (lab.episodeEndChanged, controller.set_on_episode_end, lab.episode_end),
            (lab.timeLimitChanged, controller.set_time_limit, lab.time_limit),
        ):
            signal.connect(slot)
            slot(value)
        lab.modeChanged.connect(controller.set_mode)
        controller.start(model_path, mode)

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
        body_layout.addWidget(self.solo_answer_label)
        body_layout.addWidget(self.timeline)
        right.addWidget(body)
        right.addWidget(self.plots_area)
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

    def _build_shortcuts(self) -> None:
        history, browser = self.history_view, self.lab.browser
        for key, slot in (
            (Qt.Key_Space, self.toggle_run),
            (Qt.Key_Right, history.step_forward),
            (Qt.Key_Left, history.step_back),
            (Qt.Key_Home, browser.first),
            (Qt.Key_End, browser.go_live),
            (Qt.Key_K, browser.toggle_play),
            (Qt.Key_Backspace, self.reset),
            (QKeySequence("Ctrl+G"), self.toolbars.focus_goto),
        ):
            QShortcut(QKeySequence(key), self, activated=slot)

    def _connect(self) -> None:
        """The message bar says the lab's messages, the sliders are its excitations (sent to the
        simulation), the body view and the timeline ask for what they offer."""
        lab, bar, body = self.lab, self.message_bar, self.body_view
        lab.messagePosted.connect(bar.show_message)
        lab.topicCleared.connect(bar.clear_topic)
        lab.messagesHidden.connect(bar.hide)
        lab.modelLoaded.connect(self._on_model_loaded)
        lab.excitationsChanged.connect(self.controller.send_excitations)
        connect_to_lab(self.muscle_panel, lab, self.controller)
        self.history_view.branchRequested.connect(self.continue_from)
        self.history_view.stepRequested.connect(self.step)
        # Clicking a muscle selects its slider and the reverse (`FocusKeeper`); solo highlights it too.
        body.view3d.muscleClicked.connect(self.go_to_muscle)
        body.view3d.sceneLoaded.connect(self._on_scene_loaded)
        body.fellBack.connect(lambda why: lab.say(f"The 3D view stopped working ({why}); showing the 2D drawing."))
        if not body.uses_3d:
            reason = body.unavailable_reason
            QTimer.singleShot(0, lambda: lab.say(f"No 3D view here ({reason}); showing the 2D drawing."))

    def _on_model_loaded(self, info: ModelInfo) -> None:
        """Rebuild the sliders, the Solo box, the plots, the history and the body for a (new) model."""
        self.muscle_panel.build(info.muscles, self._descriptions)
        self.muscle_panel.fit_width(self._muscle_scroll.viewport().width())  # no resize may follow
        self.toolbars.list_muscles([m.label for m in info.muscles])
        self.plot_panel.configure(info.joint_angle_names, locked=info.locked_joint_angles)
        self.history_view.model_changed(info)
        self.body_view.clear_model()
        self.body_view.set_scene(info.scene)
        if info.start_warnings:
            self.lab.say("; ".join(info.start_warnings) + ".", topic="model")
        self.lab.slider_values = self.muscle_panel.slider_values()
        self.controller.send_excitations(self.muscle_panel.effective_excitations())

    def _show_solo_answer(self, text: str) -> None:
        self.solo_answer_label.setText(text)
        self.solo_answer_label.setVisible(bool(text))

    def _on_scene_loaded(self) -> None:
        """The bone meshes are read (in the render thread): say which could not be drawn."""
        missing = self.body_view.view3d.missing_meshes
        info = self.lab.model_info
        if self.body_view.uses_3d and missing and info is not None:
            notes = [*info.start_warnings, f"{len(missing)} bone mesh file(s) not drawn: {', '.join(missing)}"]
            self.lab.say("; ".join(notes) + ".", topic="model")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Every resize (maximise and restore too) re-fits the sliders, docks and plots to the new
        size: no width a session or a drag left behind sticks."""
        super().resizeEvent(event)
        if not self._layout_pending:
            self._layout_pending = True
            QTimer.singleShot(0, self.fit_layout)

    def fit_layout(self) -> None:
        """Sliders one column when narrow, two when wide; the docks a fifth of the width; the
        plots at least PLOTS_SHARE of the height and enough for every data area to keep its least
        (laid out first, then the plots' height measured and fitted again)."""
        self._layout_pending = False
        self.panels.fit_width()
        sliders = self._sliders_width()
        total = sum(self._split.sizes())
        self._split.setSizes([sliders, max(0, total - sliders)])
        self._fit_plots_height()  # and again once the new widths have laid the plots out (plotsResized)

    def _refit_plots_height_soon(self) -> None:
        if not self._plots_fit_pending:
            self._plots_fit_pending = True
            QTimer.singleShot(0, self._fit_plots_height)

    def _fit_plots_height(self) -> None:
        self._plots_fit_pending = False
        least = TALL_DATA_HEIGHT if self.height() >= TALL_WINDOW_HEIGHT else LEAST_DATA_HEIGHT
        height = sum(self._right.sizes())
        tall = self.height() >= TALL_WINDOW_HEIGHT
        plots = max(self.plots_area.height_for(least, tall), round(height * PLOTS_SHARE))
        plots = min(plots, height - BODY_LEAST_HEIGHT - self.timeline.sizeHint().height())
        self._right.setSizes([max(0, height - plots), plots])

    def _sliders_width(self) -> int:
        """One column of sliders in a narrow window, two in a wide one."""
        return MUSCLE_AREA_MIN_WIDTH if self.width() < NARROW_WINDOW_WIDTH else MUSCLE_AREA_WIDTH

    def _spare_width(self) -> int:
        """What a wide dock tab may take beyond the docks' usual width: what is left once the
        sliders, the docks and three columns of plots have theirs."""
        plots = MAX_COLUMNS * MIN_PLOT_WIDTH + DOCK_TABS_WIDTH
        return self.width() - self._sliders_width() - dock_width(self.width()) - plots - DOCK_TABS_WIDTH

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self._muscle_scroll.viewport() and event.type() == QEvent.Resize:
            self.muscle_panel.fit_width(event.size().width())
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """Digits typed anywhere outside a text field start a "go to muscle"."""
        if event.text().isdigit() and not event.modifiers() & (Qt.ControlModifier | Qt.AltModifier):
            self.toolbars.focus_goto(event.text())
            return
        super().keyPressEvent(event)

    # -- commands ----------------------------------------------------------------------
    def toggle_run(self) -> None:
        self.pause() if self.lab.running else self.run()

    def run(self) -> None:
        """Run on; an edited sequence plays from the standing start."""
        self.lab.hide_message()
        self.lab.browser.go_live()
        if not self.editor.play_if_pending(start_running=True):
            self.controller.run()

    def pause(self) -> None:
        self.controller.pause()

    def step(self) -> None:
        self.lab.browser.go_live()
        self.controller.step()

    def continue_from(self, episode: int, step: int) -> None:
        """Branch: the simulation goes on from that step's exact state with the sliders as they
        are now; the episode it leaves stays in the history (and is the ghost)."""
        self.lab.hide_message()
        self.controller.branch(episode, step, self.muscle_panel.effective_excitations())

    def reset(self) -> None:
        """Back to the standing start; an edited sequence waits there to play on Run."""
        self.lab.hide_message()
        self.lab.browser.go_live()
        if not self.editor.play_if_pending(start_running=False):
            self.controller.reset()

    def zero_all(self) -> None:
        """Every slider to 0; a solo ends with them (its saved values are dropped)."""
        self.apply_excitations(np.zeros(len(self.muscle_panel.rows)))

    def set_solo(self, index: int | None) -> None:
        """Solo muscle `index` alone; None ends solo and the sliders come back as they were."""
        self.muscle_panel.set_solo(index)

    def apply_excitations(self, values: np.ndarray) -> None:
        """Move every slider to `values` (see `LabModel.apply_excitations`): raises ExcitationError."""
        self.lab.apply_excitations(values)

    def apply_preset(self, name: str, values: np.ndarray) -> None:
        """Move the sliders to a preset's values; videos are captioned with its name."""
        self.lab.apply_preset(name, values)

    def current_excitations(self) -> np.ndarray:
        """What the sliders say (before mute and solo)."""
        return self.muscle_panel.slider_values()

    def go_to_muscle(self, index: int) -> bool:
        if not self.muscle_panel.focus_muscle(index):
            self.lab.set_model_text(f"no muscle {index}: this model has 0 to {len(self.muscle_panel.rows) - 1}")
            return False
        self._muscle_scroll.ensureWidgetVisible(self.muscle_panel.rows[index].slider)
        return True

    def open_model(self, path: str | Path) -> None:
        self.menus.open_model(path)

    def load_controller(self, spec: str) -> bool:
        return self.menus.load_controller(spec)

    def stop_controller(self) -> None:
        self.menus.stop_controller()

    def load_reward(self, spec: str) -> bool:
        return self.menus.load_reward(spec)

    def export_video(self, path: Path, speed: float = 1.0) -> VideoExport | None:
        return self.menus.export_video(path, speed)

    def redraw_now(self) -> None:
        self.redrawer.redraw_now()

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
        self.redrawer.stop()
        self.lab.playback.pause()
        self.focus.release()
        self.menus.cancel_video()
        self.panels.atlas.shut_down()  # an atlas (or a solo's answer) running in the background ends with its processes
        if self.remember_settings:
            store_settings(self, self.lab)
        self.controller.stop()
        self.body_view.view3d.release()  # the GL context goes while EGL is loaded, not at exit
        super().closeEvent(event)
