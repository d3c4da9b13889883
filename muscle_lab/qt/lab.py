"""The lab model: what the window's panels share, as state and signals, without widgets.

As napari's `ViewerModel`, it holds the state and says when it changes; the panels take it
(and the `SimulationController`) and subscribe, and never reach into each other through the
window. It holds the loaded model's description, the excitations and where they come from,
the mode, speed, episode-end choice and time limit, the history and what is shown of it, the
user's controller, the episode's state and the messages. The worker's news (read from its
outbox on the redraw timer) arrive at `handle`."""

from __future__ import annotations

import dataclasses
import html
import sys
from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import QObject, pyqtBoundSignal, pyqtSignal

from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.frame import Frame
from muscle_lab.core.history import Episode, EpisodeTrace, History
from muscle_lab.core.presets.sequence import ExcitationSequence
from muscle_lab.core.reward import describe_end
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.user_controller import ControllerError, UserCodeError
from muscle_lab.qt.history.browser import HistoryBrowser
from muscle_lab.qt.history.playback import Playback
from muscle_lab.qt.plots.plan import DEFAULT_WINDOW_SECONDS
from muscle_lab.qt.simulation.news import ON_END_PAUSE, ON_END_RESET, Batch, Branched, ModelInfo, model_text
from muscle_lab.render.overlay import excitation_summary

GUI_MODES = ("faithful", "fast")  # the integrator modes the window offers
PAUSED = "paused (Space runs)"
# Where the excitations sent to the simulation come from (`LabModel.excitation_source`).
SOURCE_SLIDERS = "sliders"
SOURCE_PRESET = "preset"
SOURCE_CONTROLLER = "controller"
SOURCE_REPLAY = "replay"
# A run simulated elsewhere (the atlas's): its frames, poses and label.
StoredRun = tuple[Sequence[Frame], Sequence[BodyPose | None], str]


class LabModel(QObject):
    """The lab's shared state; each change is a signal, emitted after the state has changed."""

    modelLoaded = pyqtSignal(object)  # ModelInfo: the window rebuilds its widgets for it
    modelReady = pyqtSignal(object)  # ModelInfo, once the widgets are rebuilt: the panels follow
    modelTextChanged = pyqtSignal(str)  # what the status bar says of the model
    excitationsChanged = pyqtSignal(object)  # the sliders' effective excitations: to the simulation
    slidersRequested = pyqtSignal(object)  # values the sliders are to take (a preset, an atlas run, zeros)
    excitationsDriven = pyqtSignal(object, str)  # a replay's or a controller's values (and which): sliders follow
    modeChanged = pyqtSignal(str)
    realTimeChanged = pyqtSignal(bool)
    episodeEndChanged = pyqtSignal(str)  # ON_END_PAUSE or ON_END_RESET
    timeLimitChanged = pyqtSignal(bool)
    plotWindowChanged = pyqtSignal(float)  # seconds of the plots' time window
    batchArrived = pyqtSignal(object)  # Batch: filed in the history before the rest follows it
    framesArrived = pyqtSignal(list)  # every Frame in order (for recording)
    branched = pyqtSignal(object)  # Branched: filed in the history
    runningChanged = pyqtSignal(bool)
    controllerChanged = pyqtSignal(object)  # the user's controller's description, or None
    rewardChanged = pyqtSignal(object)  # your reward's name (computed after every step), or None
    momentArmsArrived = pyqtSignal(object)  # MomentArms, or why none (str)
    messagePosted = pyqtSignal(str, bool, object)  # text, offer a reset, topic (or None)
    topicCleared = pyqtSignal(str)  # a message of this topic no longer holds
    messagesHidden = pyqtSignal()
    soloChanged = pyqtSignal(object)  # the soloed muscles' indices, sorted; () when solo ends
    muscleFocused = pyqtSignal(int)  # a muscle's row took the keyboard focus
    sequenceChanged = pyqtSignal(object)  # the excitation editor's sequence (ExcitationSequence), or None

    def __init__(self, mode: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model_info: ModelInfo | None = None
        self.engine = "opensim"  # what runs the current mode: "opensim" or "compiled"
        self.model_text = ""
        self.latest_frame: Frame | None = None
        self.running = False
        self.real_time_factor = 0.0
        self.episode_state = "loading"
        self.busy_text = ""  # what the status bar says about a slow step, "" when none
        self.status_dirty = True  # the status bar is behind: redrawn at the next tick
        self.replaying: str | None = None  # what is being replayed; sliders follow it
        self.controller_driving: str | None = None  # the user's controller (its description); sliders follow it
        self.user_reward: str | None = None  # your reward's name, plotted beside osim-rl's
        self.applied_preset: str | None = None  # named in videos; None once a slider moves
        self.slider_values = np.zeros(0)  # what the sliders say (before mute and solo)
        # The pattern over time the excitation editor shows and edits (the applied sequence
        # preset, an edit of it, or the sliders recorded), in the model's muscle order; its name.
        self.sequence: ExcitationSequence | None = None
        self.sequence_name = ""
        self.mode = mode
        self.real_time = True
        self.episode_end = ON_END_PAUSE
        self.time_limit = True
        self.plot_window_seconds = DEFAULT_WINDOW_SECONDS
        self.history = History(1)
        self.playback = Playback(parent=self)
        self.browser = HistoryBrowser(self.history, self.playback, self)  # what is shown of the history
        self._stored_runs = 0  # runs filed by `show_stored_run`: numbered -1, -2, ...
        self._handlers = {
            "modelLoaded": self._on_model_loaded,
            "modelFailed": self._on_model_failed,
            "engineChanged": self._on_engine_changed,
            "batchReady": self._on_batch,
            "runningChanged": self._on_running_changed,
            "episodeEnded": self._on_episode_ended,
            "simulationFailed": self._on_simulation_failed,
            "problem": self.say,
            "replayChanged": self._on_replay_changed,
            "branched": self._on_branched,
            "controllerChanged": self._on_controller_changed,
            "controllerFailed": self._on_controller_failed,
            "rewardChanged": self._on_reward_changed,
            "rewardFailed": self._on_reward_failed,
            "momentArms": self.momentArmsArrived.emit,
        }

    # -- choices -------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        self._choose("mode", mode, self.modeChanged)

    def set_real_time(self, real_time: bool) -> None:
        """Paced to the wall clock, or as fast as possible."""
        self._choose("real_time", real_time, self.realTimeChanged)

    def set_episode_end(self, choice: str) -> None:
        """ON_END_PAUSE or ON_END_RESET: what happens when an episode ends."""
        self._choose("episode_end", choice, self.episodeEndChanged)

    def set_time_limit(self, on: bool) -> None:
        """osim-rl's 300-step limit, or free play."""
        self._choose("time_limit", on, self.timeLimitChanged)

    def set_plot_window(self, seconds: float) -> None:
        self._choose("plot_window_seconds", seconds, self.plotWindowChanged)

    def _choose(self, name: str, value: object, changed: pyqtBoundSignal) -> None:
        """Set a choice and say so, only when it changes (a box that follows the signal sets it back)."""
        if value != getattr(self, name):
            setattr(self, name, value)
            changed.emit(value)

    # -- excitations ---------------------------------------------------------------------
    @property
    def muscle_names(self) -> list[str]:
        return [m.name for m in self.model_info.muscles] if self.model_info is not None else []

    @property
    def excitation_source(self) -> str:
        """What drives the simulation's excitations now: SOURCE_REPLAY, _CONTROLLER, _PRESET or _SLIDERS."""
        if self.replaying:
            return SOURCE_REPLAY
        if self.controller_driving:
            return SOURCE_CONTROLLER
        return SOURCE_PRESET if self.applied_preset else SOURCE_SLIDERS

    def sliders_moved(self, effective: np.ndarray, sliders: np.ndarray) -> None:
        """The sliders changed: `effective` (after mute and solo) goes to the simulation; a preset
        no longer holds."""
        self.slider_values = sliders
        self.excitationsChanged.emit(effective)
        self.applied_preset = None

    def apply_excitations(self, values: np.ndarray) -> None:
        """Move every slider to `values` (solo ends, mutes stay) and send one update.

        Raises ExcitationError for a wrong length or non-finite values; out-of-range values
        are clipped to [0, 1].
        """
        checked, _ = check_excitations(values, self.muscle_names)
        self.slidersRequested.emit(checked)

    def apply_preset(self, name: str, values: np.ndarray) -> None:
        """Move the sliders to a preset's values; videos are captioned with its name."""
        self.apply_excitations(values)
        self.applied_preset = name

    def set_sequence(self, sequence: ExcitationSequence | None, name: str = "") -> None:
        """The editor's sequence (None: none); the next Run or Reset plays it once it is edited."""
        self.sequence, self.sequence_name = sequence, name
        self.sequenceChanged.emit(sequence)

    def show_on_sliders(self, values: np.ndarray) -> None:
        """The sliders show `values` (the sequence at the editor's playhead) without sending them."""
        self.excitationsDriven.emit(values, SOURCE_REPLAY)

    def episode_label(self, episode: Episode) -> str:
        """What an episode ran, for the timeline, the ghost and videos: the preset's name while
        its values hold, else a summary of the latest excitations."""
        if self.applied_preset:
            return self.applied_preset
        frame = episode.frames[-1] if episode.frames else None
        if frame is None or self.model_info is None:
            return ""
        return excitation_summary(frame.excitations, self.muscle_names)

    # -- messages ------------------------------------------------------------------------
    def say(self, text: str, offer_reset: bool = False, topic: str | None = None) -> None:
        """A message for the message bar; one with a `topic` goes once `clear_topic(topic)`."""
        self.messagePosted.emit(text, offer_reset, topic)

    def clear_topic(self, topic: str) -> None:
        self.topicCleared.emit(topic)

    def hide_message(self) -> None:
        self.messagesHidden.emit()

    def set_model_text(self, text: str) -> None:
        self.model_text = text
        self.modelTextChanged.emit(text)

    def mark_status(self) -> None:
        """The status bar follows at the next redraw."""
        self.status_dirty = True

    # -- the history ---------------------------------------------------------------------
    def show_stored_run(
        self,
        frames: Sequence[Frame],
        poses: Sequence[BodyPose | None],
        label: str,
        ghost: StoredRun | None = None,
    ) -> Episode:
        """Play a run simulated elsewhere (an atlas run, kept whole) from its start, as an episode
        of its own; `ghost`, another such run, is filed as the one it is compared with.

        Stored runs are numbered -1, -2, ... (never the simulation's numbers) and go first in the
        history, so the live episode stays current and they are the first dropped for memory;
        they replace the stored runs shown before, unless pinned."""
        filed = self._file_stored_runs([(frames, poses, label)] + ([ghost] if ghost is not None else []))
        episode = filed[0]
        self.playback.pause()
        self.browser.show_step(episode.first_step, episode.number)
        self.browser.toggle_play()
        return episode

    def set_reference_run(self, frames: Sequence[Frame], poses: Sequence[BodyPose | None], label: str) -> Episode:
        """File a stored run as the live episode's ghost (the atlas's answer to a solo), shown
        whatever the Compare box says until `clear_reference_run`; nothing plays."""
        self.browser.reference = None  # replaced, not kept beside the new one
        self.browser.reference = self._file_stored_runs([(frames, poses, label)])[0]
        self.browser.changed.emit()
        return self.browser.reference

    def clear_reference_run(self) -> None:
        if self.browser.reference is not None:
            self.browser.reference = None
            self.browser.changed.emit()

    def _file_stored_runs(self, runs: Sequence[StoredRun]) -> list[Episode]:
        """File runs as episodes numbered -1, -2, ... first in the history, replacing the stored
        runs filed before (unless pinned or shown as the reference)."""
        history = self.history
        keep = {self.browser.reference.number} if self.browser.reference is not None else set()
        for old in [e for e in history.episodes if e.number < 0 and not e.pinned and e.number not in keep]:
            history.remove(old)
        filed = []
        for run_frames, run_poses, run_label in runs:
            self._stored_runs += 1
            number = -self._stored_runs
            stored = Episode(number, EpisodeTrace(history.channels), first_step=run_frames[0].step, label=run_label)
            for frame, pose in zip(run_frames, run_poses, strict=True):
                history.nbytes += stored.append(dataclasses.replace(frame, episode=number), pose)
            filed.append(stored)
        # Oldest first, as the simulation's: the ghost (numbered lower) is the run's previous episode.
        history.file_first(list(reversed(filed)))
        return filed

    # -- from the worker -----------------------------------------------------------------
    def handle(self, name: str, payload: object) -> None:
        """One message of the worker's outbox, read in order on the GUI thread."""
        self._handlers[name](payload)  # type: ignore[operator]

    def _on_model_loaded(self, info: ModelInfo) -> None:
        self.model_info = info
        names = [m.name for m in info.muscles]
        if self.sequence is not None:  # the editor follows the new model's muscles (none shared: no sequence)
            shared = set(self.sequence.muscles) & set(names)
            self.sequence = self.sequence.reordered(names) if shared else None
        self.latest_frame = None
        self.clear_topic("model")  # an earlier "cannot load" no longer holds
        self.modelLoaded.emit(info)
        self.engine = info.engine
        self.set_model_text(model_text(info, info.engine))
        self.episode_state = PAUSED
        self.status_dirty = True
        self.modelReady.emit(info)

    def _on_engine_changed(self, engine: str) -> None:
        self.engine = engine
        if self.model_info is not None:
            self.set_model_text(model_text(self.model_info, engine))

    def _on_model_failed(self, message: str) -> None:
        info = self.model_info
        self.say(f"{message}; still using {info.path.name}" if info else message, topic="model")
        if info:
            self.set_model_text(model_text(info, self.engine))

    def _on_batch(self, batch: Batch) -> None:
        self.batchArrived.emit(batch)
        self.real_time_factor = batch.real_time_factor
        frames = batch.frames
        self.latest_frame = frames[-1]
        self.framesArrived.emit(frames)
        if self.replaying:
            self.excitationsDriven.emit(frames[-1].excitations, SOURCE_REPLAY)
        elif self.controller_driving:
            self.excitationsDriven.emit(frames[-1].excitations, SOURCE_CONTROLLER)
        first = frames[0]
        if first.step == 0 and first.done:
            self.episode_state = f"no episode end: the pelvis starts at {first.pelvis_height:.2f} m"
        elif first.step == 0 and self.episode_state.startswith(("ended", "failed")):
            self.episode_state = "running" if self.running else PAUSED
        if first.step == 0:
            self.clear_topic("simulation")  # a new episode: the failure is behind us
        self.status_dirty = True

    def _on_branched(self, branched: Branched) -> None:
        self.branched.emit(branched)
        self.latest_frame = branched.frame
        self.episode_state = f"continued from step {branched.step} of episode {branched.source}; " + (
            "running" if self.running else PAUSED
        )
        self.status_dirty = True

    def _on_running_changed(self, running: bool) -> None:
        self.running = running
        self.runningChanged.emit(running)
        if self.episode_state.startswith("no episode"):
            pass
        elif running:
            self.episode_state = "running"
        elif not self.episode_state.startswith(("ended", "failed")):
            self.episode_state = PAUSED
        self.status_dirty = True

    def _on_replay_changed(self, what: str | None) -> None:
        self.replaying = what
        if what:
            self.browser.go_live()
            self.say(f"{what}: the sliders follow it; move one to take over")
        self.status_dirty = True

    def _on_episode_ended(self, frame: Frame) -> None:
        ended = "ended: " + describe_end(frame.end_reason, frame.time, frame.pelvis_height)
        if self.episode_end == ON_END_RESET:
            self.episode_state = f"running again; the last {ended}"
        else:
            self.episode_state = f"{ended}, paused"
        self.status_dirty = True

    def _on_simulation_failed(self, message: str) -> None:
        self.episode_state = "failed: reset needed"
        self.say(f"The simulation failed: {message}", offer_reset=True, topic="simulation")
        self.status_dirty = True

    def _on_controller_changed(self, description: str | None) -> None:
        self.controller_driving = description
        self.controllerChanged.emit(description)
        if description is not None:
            self.say(
                f"Your controller drives: {description}, called every step with osim-rl's observation. The "
                "sliders follow it; L on a row keeps that muscle at your value.",
                topic="controller",
            )
        else:  # the simulation holds the controller's last excitations, which the sliders show
            self.clear_topic("controller")
        self.status_dirty = True

    def _on_controller_failed(self, error: ControllerError) -> None:
        """The error and its traceback in the message bar (and on stderr); the simulation is paused."""
        print(f"muscle_lab: controller: {error.text}", file=sys.stderr)
        if self.controller_driving is None:
            what = "Your controller could not be loaded"
        else:
            what = "Your controller failed; the simulation is paused (Run calls it again, Reset starts anew)"
            self.episode_state = "failed: the controller, paused"
        self._say_user_code_error(what, error, "controller")

    def _say_user_code_error(self, what: str, error: UserCodeError, topic: str) -> None:
        details = html.escape(error.details, quote=False)
        self.say(
            f"<b>{html.escape(what, quote=False)}:</b> {html.escape(error.message, quote=False)}"
            f"<p style='white-space:pre-wrap; font-family:monospace'>{details}</p>",
            offer_reset=True,
            topic=topic,
        )
        self.status_dirty = True

    def _on_reward_changed(self, name: str | None) -> None:
        self.user_reward = name
        self.rewardChanged.emit(name)
        if name is not None:
            self.say(f"Your reward: {name}, plotted beside osim-rl's from the next step on.", topic="reward")
        else:
            self.clear_topic("reward")

    def _on_reward_failed(self, failed: tuple[UserCodeError, bool]) -> None:
        """As a controller's failure: the error and its traceback in the message bar and on stderr;
        after a step's failure the simulation is paused at that step."""
        error, in_step = failed
        print(f"muscle_lab: reward: {error.text}", file=sys.stderr)
        if in_step:
            what = "Your reward failed and is off; the simulation is paused (Run goes on with osim-rl's reward)"
            self.episode_state = "your reward failed, paused"
        else:
            what = "Your reward could not be loaded"
        self._say_user_code_error(what, error, "reward")
