"""The window's menus and the commands behind them: open a model, export a video of the shown
episode, load or stop a user's controller (File); the 3D view's camera and the docks (View)."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QFileDialog, QInputDialog, QMainWindow

from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.user_controller import ControllerError, ControllerSpec
from muscle_lab.core.simulation.user_reward import RewardError, parse_reward_spec
from muscle_lab.qt.body.area import BodyArea
from muscle_lab.qt.body.video_export import VideoExport
from muscle_lab.qt.lab import LabModel
from muscle_lab.qt.simulation.controller import SimulationController

VIDEO_SPEEDS = {"true speed (1x)": 1.0, "half speed (0.5x)": 0.5, "quarter speed (0.25x)": 0.25, "0.1x": 0.1}


class Menus:
    """Builds the File and View menus of `window`; the dialogs open over it."""

    def __init__(self, window: QMainWindow, lab: LabModel, controller: SimulationController, body: BodyArea) -> None:
        self._window, self._lab, self._controller, self._body = window, lab, controller, body
        self._controller_folder = ""  # where "Load controller…" opens
        self.video_export: VideoExport | None = None
        file_menu = window.menuBar().addMenu("&File")
        open_action = QAction("&Open model…", window)
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
        lab.controllerChanged.connect(lambda driving: self.stop_controller_action.setEnabled(driving is not None))
        file_menu.addAction("Load &reward…", self._choose_reward).setToolTip(
            "A Python file with reward(state_desc, prev_state_desc) -> float, plotted beside osim-rl's reward"
        )
        self.stop_reward_action = file_menu.addAction("Stop re&ward", self.stop_reward)
        self.stop_reward_action.setEnabled(False)
        lab.rewardChanged.connect(lambda name: self.stop_reward_action.setEnabled(name is not None))
        file_menu.addSeparator()
        quit_action = QAction("&Quit", window)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(window.close)
        file_menu.addAction(quit_action)
        self.view_menu = window.menuBar().addMenu("&View")
        view = body.view3d
        for title, key, slot in (
            ("Side view", "S", lambda: view.set_view("side")),
            ("Front view", "F", lambda: view.set_view("front")),
            ("Three-quarter view", "T", lambda: view.set_view("three_quarter")),
            ("Reset view", "R", view.reset_view),
        ):
            action = self.view_menu.addAction(title, slot)
            action.setShortcut(QKeySequence(key))
        self.follow_action = self.view_menu.addAction("Camera follows the pelvis")
        self.follow_action.setCheckable(True)
        self.follow_action.setChecked(True)
        self.follow_action.setShortcut(QKeySequence("P"))
        self.follow_action.toggled.connect(view.set_follow_pelvis)
        self.view_menu.addSeparator()

    # -- the model -----------------------------------------------------------------------
    def open_model(self, path: str | Path) -> None:
        """Load another model; the current one stays until the new one is ready (the
        simulation waits while it loads), and stays for good if the new one fails."""
        self._lab.set_model_text(f"loading {Path(path).name} …")
        self._controller.load_model(path)

    def _choose_model(self) -> None:
        info = self._lab.model_info
        start = str(info.path.parent) if info else ""
        path, _ = QFileDialog.getOpenFileName(self._window, "Open an OpenSim model", start, "OpenSim models (*.osim)")
        if path:
            self.open_model(path)

    # -- a user's controller -------------------------------------------------------------
    def load_controller(self, spec: str) -> bool:
        """Let a controller (FILE.py[:NAME]) drive from a new episode: the simulation process calls
        it every step with osim-rl's observation. False (and a message) when the file is missing."""
        try:
            parsed = ControllerSpec.parse(spec)
        except ControllerError as error:
            self._lab.say(f"No controller loaded: {error}", topic="controller")
            return False
        self._controller_folder = str(parsed.path.parent)
        self._lab.say(f"Loading the controller {parsed.label} …", topic="controller")
        self._controller.set_controller(str(parsed))
        return True

    def stop_controller(self) -> None:
        """The sliders drive again, from where the controller left them."""
        self._controller.set_controller(None)

    def _choose_controller(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Load a controller", self._controller_folder, "Python files (*.py)"
        )
        if path:
            self.load_controller(path)

    # -- your reward -----------------------------------------------------------------------
    def load_reward(self, spec: str) -> bool:
        """Your reward (FILE.py[:NAME]), computed in the simulation process after every step and
        plotted beside osim-rl's. False (and a message) when the file is missing."""
        try:
            parsed = parse_reward_spec(spec)
        except RewardError as error:
            self._lab.say(f"No reward loaded: {error}", topic="reward")
            return False
        self._controller_folder = str(parsed.path.parent)
        self._controller.set_reward(str(parsed))
        return True

    def stop_reward(self) -> None:
        self._controller.set_reward(None)

    def _choose_reward(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Load a reward", self._controller_folder, "Python files (*.py)"
        )
        if path:
            self.load_reward(path)

    # -- videos --------------------------------------------------------------------------
    def _shown_poses(self) -> list[BodyPose]:
        """The poses of the episode the timeline shows: what "Export video…" writes."""
        episode = self._lab.browser.episode
        return [pose for pose in episode.poses if pose is not None] if episode is not None else []

    def _choose_video(self) -> None:
        if not self._shown_poses():
            self._lab.say("Nothing to export yet: run the simulation first.")
            return
        window = self._window
        path, _ = QFileDialog.getSaveFileName(window, "Export video", "episode.gif", "GIF (*.gif);;MP4 (*.mp4)")
        if not path:
            return
        speed, chosen = QInputDialog.getItem(window, "Video speed", "Speed of the video", list(VIDEO_SPEEDS), 0, False)
        if chosen:
            self.export_video(Path(path), VIDEO_SPEEDS[speed])

    def export_video(self, path: Path, speed: float = 1.0) -> VideoExport | None:
        """Render this episode offscreen to `path` in the background, from the view's camera."""
        lab = self._lab
        if self.video_export is not None:
            lab.say("A video is still being written.")
            return None
        info, poses, episode = lab.model_info, self._shown_poses(), lab.browser.episode
        if info is None or not poses or episode is None:
            lab.say("Nothing to export yet: run the simulation first.")
            return None
        caption = f"preset {episode.label}" if episode.label == lab.applied_preset else episode.label
        export = VideoExport(path, info.scene, poses, speed, self._body.view3d.camera, caption)
        export.progressed.connect(lambda done, total: lab.say(f"Writing {path.name}: frame {done} of {total}…"))
        export.finished_with.connect(lab.say)
        export.finished.connect(self._video_done)
        self.video_export = export
        export.start()
        return export

    def _video_done(self) -> None:
        if self.video_export is not None:
            self.video_export.deleteLater()
        self.video_export = None

    def cancel_video(self) -> None:
        """The window closes: a video being written is given up, its thread waited for."""
        if self.video_export is not None:
            self.video_export.cancel()
            self.video_export.wait()
