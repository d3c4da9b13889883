"""The excitation editor page: the lab's sequence as a track per muscle (`TracksView`), its
playhead tied to the timeline, edits undoable, "Record the sliders", and Save as preset.

An edit changes the lab's sequence; the next Run or Reset plays it from the standing start (or
▶ Play at once). While the editor is shown and the timeline shows a step from history, the
sliders show the sequence's values of the step that ends at the playhead (what the plots show
there), and get their own values back when the timeline is live again or the plots come back.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QAction, QInputDialog, QScrollArea, QToolBar, QUndoCommand, QUndoStack, QVBoxLayout, QWidget

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.presets.edit import phases_to_keyframes
from muscle_lab.core.presets.playback import sequence_schedule
from muscle_lab.core.presets.record import SliderRecording
from muscle_lab.core.presets.sequence import LINEAR, STEP, ExcitationSequence
from muscle_lab.core.presets.store import PresetError, PresetStore
from muscle_lab.qt.editor.axis import TimeAxis
from muscle_lab.qt.editor.tracks import TracksView
from muscle_lab.qt.panels.elided_label import ElidedLabel

if TYPE_CHECKING:
    from muscle_lab.qt.lab import LabModel
    from muscle_lab.qt.simulation.controller import SimulationController
    from muscle_lab.qt.simulation.news import ModelInfo

HINT = (
    "Drag a phase's edge to change its length, a phase up or down to set a muscle's value; double-click "
    "splits a phase (adds a keyframe), right-click removes a boundary (a keyframe). Run or Reset plays it."
)
TAKE_SHOWN_EVERY = 0.25  # simulated seconds: how often a take's growing end is shown again
NO_SEQUENCE = "No sequence yet: apply a sequence preset, start from the sliders, or Record the sliders and run."


def edited_name(name: str) -> str:
    """What a replay of the edited sequence is called ("replaying preset thrust-then-catch, edited")."""
    if not name:
        return "edited"
    return name if name.endswith((", edited", "recorded take")) else f"{name}, edited"


class SetSequence(QUndoCommand):
    """One edit: the lab's sequence before and after (immutable, so kept whole)."""

    def __init__(
        self, editor: ExcitationEditor, before: ExcitationSequence | None, after: ExcitationSequence, what: str
    ):
        super().__init__(what)
        self._editor, self._before, self._after = editor, before, after

    def redo(self) -> None:
        self._editor.take_edit(self._after)

    def undo(self) -> None:
        self._editor.take_edit(self._before)


class ExcitationEditor(QWidget):
    """Takes the lab model and the simulation controller; `presetSaved(name)` after a save."""

    presetSaved = pyqtSignal(str)

    def __init__(self, lab: LabModel, controller: SimulationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lab, self._controller = lab, controller
        self._editing = False  # the lab's sequence changes by an edit here (else: a new document)
        self.pending = False  # edited since the simulation last took it: the next Run or Reset plays it
        self.recording: SliderRecording | None = None
        self._before_recording: ExcitationSequence | None = None  # undoing a take brings it back
        self._take_shown_until = 0.0  # the recorded time the editor shows of the take
        self._shown_on_sliders: np.ndarray | None = None  # the playhead's values last put on the sliders
        self._own_slider_values: np.ndarray | None = None  # kept while the sliders show the playhead's
        self.undo_stack = QUndoStack(self)
        self.tracks = TracksView()
        self.axis = TimeAxis(self.tracks)
        self.hint = ElidedLabel(NO_SEQUENCE)
        self._build()
        self.tracks.edited.connect(self.edit)
        self.axis.seekRequested.connect(self.seek)
        self.tracks.hinted.connect(self.hint.setText)
        lab.sequenceChanged.connect(self._on_sequence_changed)
        lab.modelReady.connect(self._on_model_ready)
        lab.batchArrived.connect(lambda batch: self._on_frames(batch.frames))
        lab.browser.changed.connect(self.follow_timeline)

    def _build(self) -> None:
        """A tool bar (what does not fit goes in its » menu), the hint line, the time axis, the
        tracks (scrolled when the page is lower than a readable row per muscle)."""
        bar = QToolBar()
        bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.play_action = self._action(bar, "▶ Play", "Play the sequence now from the standing start", self.play)
        self.record_action = self._action(
            bar, "● Record the sliders", "While on, the excitations the run applies (your slider moves, over a "
            "replay or not) become step keyframes at their simulated times; a new episode starts a new take.",
        )  # fmt: skip
        self.record_action.setCheckable(True)
        self.record_action.toggled.connect(self.set_recording)
        self.save_action = self._action(bar, "Save as preset…", "Save the sequence as a user preset", self.ask_and_save)
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        for action, keys in ((self.undo_action, "Ctrl+Z"), (self.redo_action, "Ctrl+Shift+Z")):
            action.setShortcut(keys)
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.addAction(action)
            bar.addAction(action)
        self.from_sliders_action = self._action(
            bar, "From sliders", "Start anew: one phase at the sliders' values", self.from_sliders
        )
        self.keyframes_action = self._action(
            bar, "To keyframes", "The same pattern as per-muscle keyframes", self.to_keyframes
        )
        self.loop_action = self._action(bar, "Loop", "The sequence repeats (a gait cycle) for 10 s")
        self.linear_action = self._action(bar, "Linear", "Keyframes: values ramp from one to the next (else they step)")
        for action, change in ((self.loop_action, self.set_loop), (self.linear_action, self.set_linear)):
            action.setCheckable(True)
            action.triggered.connect(change)
        self.toolbar = bar
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(self.tracks)
        self.scroll = scroll
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.hint)
        layout.addWidget(self.axis)
        layout.addWidget(scroll, 1)
        self._enable()

    def _action(self, bar: QToolBar, text: str, tip: str, slot=None) -> QAction:
        action = bar.addAction(text)
        action.setToolTip(tip)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        return action

    def height_for_rows(self, row_height: int) -> int:
        """The page's height at which every track is `row_height` pixels tall."""
        chrome = self.height() - self.scroll.viewport().height() if self.height() > 0 else 60
        return chrome + self.tracks.height_for_rows(row_height)

    # -- editing -------------------------------------------------------------------------
    def edit(self, sequence: ExcitationSequence, what: str) -> None:
        """An edit from the tracks (undoable): the lab's sequence, played by the next Run or Reset."""
        before = self._lab.sequence if self.recording is None else self._before_recording
        self.undo_stack.push(SetSequence(self, before, sequence, what))
        self.hint.setText(f"{what[:1].upper()}{what[1:]}: Run or Reset plays it from the standing start.")

    def take_edit(self, sequence: ExcitationSequence | None) -> None:
        self._editing = True
        try:
            self._lab.set_sequence(sequence, edited_name(self._lab.sequence_name))
        finally:
            self._editing = False
        self.pending = sequence is not None

    def from_sliders(self) -> None:
        names = self._lab.muscle_names
        if names:
            self.edit(ExcitationSequence.constant(names, self._lab.slider_values), "start from the sliders")

    def to_keyframes(self) -> None:
        sequence = self._lab.sequence
        if sequence is not None and sequence.phases:
            self.edit(phases_to_keyframes(sequence), "turn the phases into keyframes")

    def set_loop(self, on: bool) -> None:
        sequence = self._lab.sequence
        if sequence is None or sequence.loop == on:
            return
        if on and sequence.duration <= 0:
            self.hint.setText("Not done: a looping sequence needs a duration above 0 (a keyframe after 0 s)")
            self._enable()
            return
        self.edit(dataclasses.replace(sequence, loop=on), "loop" if on else "play once")

    def set_linear(self, on: bool) -> None:
        sequence = self._lab.sequence
        wanted = LINEAR if on else STEP
        if sequence is not None and not sequence.phases and sequence.interpolation != wanted:
            self.edit(dataclasses.replace(sequence, interpolation=wanted), f"{wanted} interpolation")

    def play_if_pending(self, start_running: bool) -> bool:
        """Run or Reset: an edited sequence plays from the standing start (True), else nothing."""
        if not self.pending or self._playable() is None:
            return False
        self.play(start_running)
        return True

    def play(self, start_running: bool = True) -> None:
        sequence = self._playable()
        if sequence is None:
            return
        if tuple(sequence.muscles) != tuple(self._lab.muscle_names):
            self.hint.setText("Not played: the sequence is for another model's muscles")
            return
        self.pending = False
        self._controller.play_controls(sequence_schedule(self._lab.sequence_name or "edited", sequence), start_running)

    def _playable(self) -> ExcitationSequence | None:
        """What Play plays: the sequence, or while recording the one the take is recorded over."""
        return self._lab.sequence if self.recording is None else self._before_recording

    # -- record the sliders --------------------------------------------------------------
    def set_recording(self, on: bool) -> None:
        if on and self._lab.muscle_names:
            self.recording = SliderRecording(self._lab.muscle_names)
            self._take_shown_until = 0.0
            self._before_recording = self._lab.sequence
            self.hint.setText("Recording: run and move the sliders; click Record again to keep the take.")
            self._enable()
            return
        recording = self.recording
        taken = recording.sequence() if recording is not None else None
        if taken is not None:
            self._lab.sequence_name = "recorded take"
            self.edit(taken, f"record {taken.duration:.2f} s of the sliders")
        self.recording = None
        self._enable()

    def _on_frames(self, frames: list[Frame]) -> None:
        recording = self.recording
        if recording is not None:
            changed = [recording.add(frame) for frame in frames]
            # The take shows as it grows: at each new keyframe, and its end every TAKE_SHOWN_EVERY.
            if any(changed) or recording.end_time - self._take_shown_until >= TAKE_SHOWN_EVERY:
                self._take_shown_until = recording.end_time
                self._lab.set_sequence(recording.sequence(), "recording")
        if self._lab.browser.live and frames:
            self.tracks.set_playhead(frames[-1].time)

    # -- save ----------------------------------------------------------------------------
    def ask_and_save(self) -> None:
        name, ok = QInputDialog.getText(self, "Save as preset", "Name of the new preset:")
        if ok and name.strip():
            self.save_as_preset(name.strip())

    def save_as_preset(self, name: str, store: PresetStore | None = None) -> bool:
        sequence, info = self._lab.sequence, self._lab.model_info
        if sequence is None or info is None:
            return False
        try:
            (store or PresetStore()).save(
                name, sequence.muscles, sequence.excitations_at(0.0).tolist(), model=info.name,
                description=f"Made in the excitation editor ({sequence.duration:.2f} s)", sequence=sequence,
            )  # fmt: skip
        except PresetError as error:
            self.hint.setText(f"Not saved: {error}")
            return False
        self._lab.sequence_name = name
        self.hint.setText(f"Saved as preset {name}.")
        self.presetSaved.emit(name)
        return True

    # -- the playhead and the sliders ----------------------------------------------------
    def seek(self, time: float) -> None:
        """The time axis clicked: the timeline shows that step of the shown episode when it has
        it; the playhead goes there in any case."""
        browser = self._lab.browser
        episode = browser.episode
        step = round(time / STEP_SECONDS)
        if episode is not None and episode.frames and episode.first_step <= step <= episode.last_step:
            browser.show_step(step)
        else:
            self.tracks.set_playhead(time)
            self._show_sequence_on_sliders(time)

    def follow_timeline(self) -> None:
        browser = self._lab.browser
        frame = browser.frame
        if frame is not None:
            self.tracks.set_playhead(frame.time)
        if browser.live:
            self._give_sliders_back()
        elif frame is not None:
            self._show_sequence_on_sliders(frame.time)

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The plots are back: the sliders get their own values back too."""
        super().hideEvent(event)
        self._give_sliders_back()

    def _give_sliders_back(self) -> None:
        if self._own_slider_values is not None:
            values, self._own_slider_values = self._own_slider_values, None
            if not self._lab.replaying and len(values) == len(self._lab.muscle_names):
                self._lab.show_on_sliders(values)

    def _show_sequence_on_sliders(self, time: float) -> None:
        """Only while the editor is shown: elsewhere the sliders are the user's (or a replay's)."""
        sequence = self._lab.sequence
        if (
            not self.isVisible()
            or sequence is None
            or tuple(sequence.muscles) != tuple(self._lab.muscle_names)
            or self.recording is not None
        ):
            return
        if self._own_slider_values is None:
            self._own_slider_values = np.array(self._lab.slider_values)
            self._shown_on_sliders = None
        values = sequence.excitations_at(max(0.0, time - STEP_SECONDS))
        if self._shown_on_sliders is None or not np.array_equal(values, self._shown_on_sliders):
            self._shown_on_sliders = values  # a step that changes nothing moves no slider (playback at 40/s)
            self._lab.show_on_sliders(values)

    # -- the lab -------------------------------------------------------------------------
    def _on_sequence_changed(self, sequence: ExcitationSequence | None) -> None:
        """An edit, a take growing, or a sequence from elsewhere (a preset applied, which plays at
        once): the latter starts a new document (no undo back into the old one)."""
        self.tracks.set_sequence(sequence)
        self._enable()
        if not self._editing and self.recording is None:
            self.undo_stack.clear()
            self.pending = False
            self.hint.setText(HINT if sequence is not None else NO_SEQUENCE)

    def _on_model_ready(self, info: ModelInfo) -> None:
        self.tracks.set_labels([f"{i} {m.name}" for i, m in enumerate(info.muscles)])
        self.recording = None  # a take of the old model's muscles is dropped, not kept
        self.record_action.setChecked(False)
        self._own_slider_values = None
        self._on_sequence_changed(self._lab.sequence)  # a new document for the new muscles

    def _enable(self) -> None:
        sequence = self._lab.sequence
        self.play_action.setEnabled(self._playable() is not None)
        self.save_action.setEnabled(sequence is not None)
        self.keyframes_action.setEnabled(sequence is not None and bool(sequence.phases))
        self.loop_action.setEnabled(sequence is not None)
        self.loop_action.setChecked(sequence is not None and sequence.loop)
        self.linear_action.setEnabled(sequence is not None and not sequence.phases)
        self.linear_action.setChecked(sequence is not None and sequence.interpolation == LINEAR)
