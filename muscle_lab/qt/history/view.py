"""The window's history on screen: files every step the lab model receives in its history
(`HistoryBrowser`), drives the timeline, the playback clock, the plots' episode, cursor and ghost,
and says which pose (and ghost pose) the body view shows. The redraw timer calls `redraw`."""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QObject, pyqtSignal

from muscle_lab.core.history import Episode, channel_count
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.qt.history.browser import COMPARE_NONE
from muscle_lab.qt.history.timeline import Timeline, describe_episode
from muscle_lab.qt.lab import LabModel
from muscle_lab.qt.plots.panel import PlotPanel
from muscle_lab.qt.simulation.news import Batch, Branched, ModelInfo

# Says what an episode ran, from its last excitations: a preset's name or a summary.
Labeller = Callable[[Episode], str]


class HistoryView(QObject):
    branchRequested = pyqtSignal(int, int)  # (episode, step) to continue from
    stepRequested = pyqtSignal()  # Right at the live end: simulate one step

    def __init__(self, lab: LabModel, plots: PlotPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.plots = plots
        self.labeller: Labeller = lab.episode_label
        self.history = lab.history
        self.playback = lab.playback
        self.browser = lab.browser
        self.timeline = Timeline()
        self._dirty = True  # what is shown changed: plots, timeline and body follow at the next redraw
        self._episodes_listed: list[tuple[int, str]] = []
        self._listed_from: tuple[object, ...] = ()  # what the list was made from (_update_timeline)
        self._plotted: tuple[Episode | None, Episode | None] = (None, None)  # (shown, ghost) traces
        self.browser.changed.connect(self._mark_dirty)
        lab.batchArrived.connect(self.add_batch)
        lab.branched.connect(self.add_branch)
        self.playback.playingChanged.connect(self._on_playing_changed)
        self.timeline.set_compare(self.browser.compare)
        self._connect_timeline()

    def _connect_timeline(self) -> None:
        timeline, browser = self.timeline, self.browser
        timeline.stepChosen.connect(self._on_step_chosen)
        timeline.liveRequested.connect(browser.go_live)
        timeline.playToggled.connect(browser.toggle_play)
        timeline.speedChosen.connect(self.playback.set_speed)
        timeline.loopChosen.connect(self.playback.set_loop)
        timeline.episodeChosen.connect(browser.choose_episode)
        timeline.compareChosen.connect(browser.set_compare)
        timeline.pinToggled.connect(browser.pin_shown)
        timeline.branchRequested.connect(self.request_branch)

    # -- from the window ----------------------------------------------------------------
    def model_changed(self, info: ModelInfo) -> None:
        self.browser.clear(channel_count(len(info.joint_angle_names)))
        self._plotted = (None, None)
        self._episodes_listed, self._listed_from = [], ()

    def add_batch(self, batch: Batch) -> None:
        self.browser.add(batch.frames, batch.poses)
        current = self.history.current
        if current is not None:
            current.label = self.labeller(current)
        if self.browser.episode is current:
            self.plots.data_changed()
        self._dirty = True

    def add_branch(self, branched: Branched) -> None:
        episode = self.browser.branch(branched.source, branched.step, branched.frame, branched.pose)
        episode.label = self.labeller(episode)

    def step_back(self) -> None:
        self.browser.step_back()

    def step_forward(self) -> None:
        """Right: one step on through history; at the live end the simulation takes a step."""
        if not self.browser.step_forward():
            self.stepRequested.emit()

    def _on_step_chosen(self, step: int) -> None:
        """The slider and step buttons; ▶| past the last step acts as Right at the live end."""
        episode = self.browser.episode
        self.playback.pause()  # as the arrow keys do
        if episode is not None and step > episode.last_step:
            self.step_forward()
        else:
            self.browser.show_step(step)

    def request_branch(self) -> None:
        episode, frame = self.browser.episode, self.browser.frame
        if episode is None or frame is None:
            return
        self.playback.pause()
        # A step a branch shares with its source was kept under the source's number.
        self.branchRequested.emit(frame.episode, frame.step)

    # -- drawing ------------------------------------------------------------------------
    def redraw(self) -> tuple[BodyPose | None, BodyPose | None, str] | None:
        """Bring the plots' episode, ghost and cursor and the timeline up to date; returns
        (pose, ghost pose, ghost label) for the body view when what is shown changed, else None."""
        if not self._dirty:
            return None
        self._dirty = False
        browser = self.browser
        episode, ghost, frame = browser.episode, browser.ghost, browser.frame
        if (episode, ghost) != self._plotted:
            self.plots.set_episode(episode.trace if episode is not None else None)
            self.plots.set_ghost(ghost.trace if ghost is not None else None, self.ghost_label(ghost))
            self._plotted = (episode, ghost)
        self.plots.set_cursor(None if browser.live or frame is None else frame.time)
        self._update_timeline(episode)
        return browser.pose, browser.ghost_pose(), self.ghost_label(ghost)

    @staticmethod
    def ghost_label(ghost: Episode | None) -> str:
        if ghost is None:
            return ""
        if ghost.number < 0 and ghost.label:  # a stored run (the atlas's): named in words, not by number
            return f"ghost: {ghost.label}"
        return f"ghost: episode {ghost.number}" + (f" · {ghost.label}" if ghost.label else "")

    def _update_timeline(self, episode: Episode | None) -> None:
        current = self.history.current
        # The list changes with the episodes, their pins, and the live one's label and end.
        made_of = (self.history.revision, id(current), current and current.label, current and current.ended)
        if made_of != self._listed_from:
            self._listed_from = made_of
            self._list_episodes(current)
        step, frame = self.browser.step, self.browser.frame
        if episode is None or step is None or frame is None:
            return
        self.timeline.show_position(
            episode.number, step, episode.first_step, episode.last_step, self.browser.live, self.browser.steps_behind
        )
        self.timeline.set_pinned(episode.pinned)
        if episode.number < 0:
            self.timeline.set_branch_enabled(False, "a stored atlas run: its states are not kept (Run simulates live)")
        elif frame.done:
            self.timeline.set_branch_enabled(False, "this step ended the episode: choose an earlier one")
        elif frame.error:
            self.timeline.set_branch_enabled(False, "the simulation failed here: choose an earlier step")
        else:
            self.timeline.set_branch_enabled(True, "")

    def _list_episodes(self, current: Episode | None) -> None:
        listed = [(e.number, describe_episode(e, live=e is current)) for e in reversed(self.history.episodes)]
        if listed != self._episodes_listed:
            self._episodes_listed = listed
            self.timeline.set_episodes(listed)

    def status_text(self) -> str:
        return self.browser.status_text()

    @property
    def compare_off(self) -> bool:
        return self.browser.compare == COMPARE_NONE

    def _mark_dirty(self) -> None:
        self._dirty = True

    def _on_playing_changed(self, playing: bool) -> None:
        self.timeline.set_playing(playing)
        self._dirty = True
