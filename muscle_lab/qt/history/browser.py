"""What the window shows of the episodes it keeps: the live end, or a step from history (chosen
on the timeline, with the arrow keys, or played back at a fraction of true speed), and which
episode is drawn as a ghost for comparison."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import QObject, pyqtSignal

from muscle_lab.core.frame import Frame
from muscle_lab.core.history import Episode, History, episode_name
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.qt.history.playback import Playback

COMPARE_NONE = "none"
COMPARE_PREVIOUS = "previous"
COMPARE_PINNED = "pinned"


class HistoryBrowser(QObject):
    """The shown (episode, step): None for live, which follows the newest step. Emits
    `changed` whenever what is shown (or the ghost) changes."""

    changed = pyqtSignal()

    def __init__(self, history: History, playback: Playback, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history = history
        self.playback = playback
        self.compare = COMPARE_PREVIOUS
        # A run the live episode is compared with whatever `compare` says (the atlas's answer to
        # a solo: that muscle's stored run), until set to None.
        self.reference: Episode | None = None
        self._shown: tuple[int, int] | None = None  # (episode, step) from history; None: live
        playback.stepChanged.connect(self._on_playback_step)
        playback.finished.connect(self._on_playback_finished)

    # -- what is shown ----------------------------------------------------------------
    @property
    def live(self) -> bool:
        return self._shown is None

    @property
    def episode(self) -> Episode | None:
        """The shown episode (the newest while live)."""
        if self._shown is not None:
            episode = self.history.get(self._shown[0])
            if episode is not None:
                return episode
            self._shown = None  # dropped to stay within the memory budget
        return self.history.current

    @property
    def step(self) -> int | None:
        episode = self.episode
        if episode is None or not episode.frames:
            return None
        if self._shown is None:
            return episode.last_step
        return min(max(self._shown[1], episode.first_step), episode.last_step)

    @property
    def frame(self) -> Frame | None:
        episode, step = self.episode, self.step
        return None if episode is None or step is None else episode.frame_at(step)

    @property
    def pose(self) -> BodyPose | None:
        episode, step = self.episode, self.step
        return None if episode is None or step is None else episode.pose_at(step)

    @property
    def ghost(self) -> Episode | None:
        """The episode compared with the shown one, or None."""
        episode = self.episode
        reference = self.reference
        if (
            reference is not None
            and episode is self.history.current
            and self.history.get(reference.number) is reference  # not dropped for memory or replaced
        ):
            return reference
        if episode is None or self.compare == COMPARE_NONE:
            return None
        other = self.history.pinned if self.compare == COMPARE_PINNED else self.history.previous(episode)
        return None if other is None or other is episode or not other.frames else other

    def ghost_pose(self) -> BodyPose | None:
        """The ghost episode's pose at the shown episode time (its last pose once it is over)."""
        ghost, frame = self.ghost, self.frame
        if ghost is None or frame is None:
            return None
        return ghost.pose_at(ghost.step_at_time(frame.time))

    @property
    def steps_behind(self) -> int:
        """How many steps the shown step is behind the live end of the current episode (0 when
        live or in another episode)."""
        episode, step, current = self.episode, self.step, self.history.current
        if self._shown is None or episode is not current or episode is None or step is None:
            return 0
        return episode.last_step - step

    def status_text(self) -> str:
        episode, step = self.episode, self.step
        if episode is None or step is None:
            return ""
        if self._shown is None:
            return "live"
        playing = f", playing at {self.playback.speed:g}x" if self.playback.playing else ""
        if episode is self.history.current:
            behind = episode.last_step - step
            steps = "step" if behind == 1 else "steps"
            return f"history −{behind} {steps}{playing}" if behind else f"live end{playing}"
        return f"{episode_name(episode)}, step {step} of {episode.last_step}{playing}"

    # -- new data ---------------------------------------------------------------------
    def clear(self, channels: int) -> None:
        self.playback.pause()
        self.history.clear(channels)
        self._shown = None
        self.changed.emit()

    def add(self, frames: Sequence[Frame], poses: Sequence[BodyPose | None]) -> None:
        for frame, pose in zip(frames, poses, strict=True):
            self.history.add(frame, pose)
        if self._shown is not None and self.history.get(self._shown[0]) is None:
            self.go_live()  # the shown episode was dropped to stay within the memory budget
            return
        episode = self.episode
        if self._shown is not None and episode is not None:
            self.playback.set_range(episode.first_step, episode.last_step)  # playing goes on into new steps
        if self._shown is None:
            self.changed.emit()

    def branch(self, source: int, step: int, frame: Frame, pose: BodyPose | None) -> Episode:
        """The simulation continues from (source, step): the new episode is shown live."""
        episode = self.history.branch(source, step, frame, pose)
        self.go_live()
        return episode

    # -- moving -----------------------------------------------------------------------
    def show_step(self, step: int, episode: int | None = None) -> None:
        """Show a step of an episode (the shown one by default); playback continues from there."""
        shown = self.episode if episode is None else self.history.get(episode)
        if shown is None or not shown.frames:
            return
        step = min(max(step, shown.first_step), shown.last_step)
        self._shown = (shown.number, step)
        self.playback.set_range(shown.first_step, shown.last_step)
        if self.playback.step != step:
            self.playback.seek(step)
        self.changed.emit()

    def step_back(self) -> None:
        step = self.step
        if step is not None:
            self.playback.pause()
            self.show_step(step - 1)

    def step_forward(self) -> bool:
        """One step on through history; False at the live end (the caller simulates a step)."""
        episode, step = self.episode, self.step
        if episode is None or step is None or self._shown is None:
            return False
        if step >= episode.last_step:
            if episode is self.history.current:
                self.go_live()
                return False
            return True
        self.playback.pause()
        self.show_step(step + 1)
        return True

    def first(self) -> None:
        episode = self.episode
        if episode is not None and episode.frames:
            self.playback.pause()
            self.show_step(episode.first_step)

    def go_live(self) -> None:
        self.playback.pause()
        self._shown = None
        self.changed.emit()

    def choose_episode(self, number: int) -> None:
        """Show another episode from its start (the newest one: live)."""
        episode = self.history.get(number)
        if episode is None:
            return
        self.playback.pause()
        if episode is self.history.current:
            self.go_live()
        else:
            self.show_step(episode.first_step, number)

    def toggle_play(self) -> None:
        """Play the shown episode at the playback speed from the shown step (from its start when
        live or at its end); pause when playing."""
        if self.playback.playing:
            self.playback.pause()
            self.changed.emit()
            return
        episode, step = self.episode, self.step
        if episode is None or step is None:
            return
        start = episode.first_step if self._shown is None or step >= episode.last_step else step
        self._shown = (episode.number, start)
        self.playback.set_range(episode.first_step, episode.last_step)
        self.playback.play(from_step=start)
        self.changed.emit()

    def set_compare(self, compare: str) -> None:
        self.compare = compare
        self.changed.emit()

    def pin_shown(self, pinned: bool) -> None:
        episode = self.episode
        self.history.pin(episode.number if pinned and episode is not None else None)
        self.changed.emit()

    def _on_playback_finished(self) -> None:
        """Played up to the live end of the current episode: from there on, follow it live."""
        if self.episode is self.history.current:
            self.go_live()
        else:
            self.changed.emit()

    def _on_playback_step(self, step: int) -> None:
        episode = self.episode
        if episode is not None and self._shown is not None:
            self._shown = (episode.number, step)
            self.changed.emit()
