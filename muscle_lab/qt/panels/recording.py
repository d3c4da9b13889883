"""The recording panel: record toggle, frame counter, save as CSV/.mot/.sto, clear, replay.

It never calls OpenSim: frames arrive through `add_frames` (connected to the window's
`framesArrived`, every frame in order), files are written and parsed by plain-Python core modules, and a loaded
controls file leaves as `replayRequested(ControlsSchedule)` for the window to play back.
Dialogs sit behind small methods (`choose_save_path`, `choose_controls_path`,
`confirm_discard`) so tests and embedders can answer them without a modal loop.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import pyqtSignal, pyqtSlot
from PyQt5.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.recording.columns import Recording, RecordingError, RecordingNames
from muscle_lab.core.recording.files import RecordingFileError, save_recording
from muscle_lab.qt.panels.controls_loader import ControlsLoader

# The selected filter decides the extension when the user typed none.
SAVE_FILTERS = {
    "CSV table (*.csv)": ".csv",
    "OpenSim motion (*.mot)": ".mot",
    "OpenSim controls (*.sto)": ".sto",
}
CONTROLS_FILTER = "Controls (*.sto *.csv);;All files (*)"
# The dialog opens on the filter of the name it offers (under the first filter, CSV, it showed a .mot name).
DEFAULT_SAVE_NAME = "recording.mot"
DEFAULT_SAVE_FILTER = "OpenSim motion (*.mot)"


class RecordingPanel(QWidget):
    """Keeps every frame while recording is on; saves and replays recordings."""

    replayRequested = pyqtSignal(object)  # a ControlsSchedule in the model's muscle order
    recordingChanged = pyqtSignal(bool)

    def __init__(self, names: RecordingNames, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording = Recording(names)
        self._unsaved = False

        self.record_button = QPushButton("Record")
        self.record_button.setCheckable(True)
        self.record_button.setToolTip("Keep every step while on (the run's data, for saving)")
        self.record_button.toggled.connect(self._on_record_toggled)
        self.counter = QLabel()
        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("CSV table, OpenSim motion (.mot) or OpenSim controls (.sto)")
        self.save_button.clicked.connect(self.save_as)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.clear)
        self.replay_button = QPushButton("Replay a file…")
        self.replay_button.setToolTip("Play back the excitations of a recorded .sto controls file or CSV")
        self.replay_button.clicked.connect(self.replay_file)
        self.cancel_button = QPushButton("Cancel reading")
        self.cancel_button.setToolTip("Stop reading the controls file")
        self.cancel_button.clicked.connect(self.cancel_loading)
        self.cancel_button.hide()
        self.loader: ControlsLoader | None = None  # a controls file being read
        self.message = QLabel()
        self.message.setWordWrap(True)

        buttons = QGridLayout()  # two columns: the dock stays narrow beside the plots
        for position, button in enumerate(
            (self.record_button, self.save_button, self.clear_button, self.replay_button)
        ):
            buttons.addWidget(button, position // 2, position % 2)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.counter)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._update_counter()

    # -- state -------------------------------------------------------------------------
    @property
    def is_recording(self) -> bool:
        return self.record_button.isChecked()

    def set_recording(self, on: bool) -> None:
        self.record_button.setChecked(on)

    @pyqtSlot(list)
    def add_frames(self, frames: list) -> None:
        """Keep the frames while recording; a reset (time going back) stops the recording."""
        if not self.is_recording:
            return
        before = len(self.recording)
        try:
            self.recording.extend(frames)
        except RecordingError as error:
            self.set_recording(False)
            self.show_message(f"Recording stopped: {error}. Save or clear it to record again.")
        if len(self.recording) != before:
            self._unsaved = True
            self._update_counter()

    def set_model(self, names: RecordingNames) -> None:
        """A new model has other columns: start a new recording (offering to save the old one)."""
        self.set_recording(False)
        if len(self.recording) and self._unsaved and self.confirm_discard(len(self.recording)):
            self.save_as()
        self.recording = Recording(names)
        self._unsaved = False
        self._update_counter()

    # -- actions -----------------------------------------------------------------------
    def save_as(self) -> Path | None:
        if not len(self.recording):
            self.show_message("Nothing recorded yet: turn Record on while the simulation runs.")
            return None
        chosen = self.choose_save_path()
        if chosen is None:
            return None
        path = Path(chosen)
        try:
            kind = save_recording(path, self.recording)
        except (RecordingFileError, OSError) as error:
            self.show_message(f"Not saved: {error}")
            return None
        self._unsaved = False
        self.show_message(f"Saved {len(self.recording)} steps as {kind}: {path}")
        return path

    def clear(self) -> None:
        self.recording.clear()
        self._unsaved = False
        self._update_counter()
        self.show_message("")

    def replay_file(self) -> None:
        chosen = self.choose_controls_path()
        if chosen is not None:
            self.read_controls(Path(chosen))

    def read_controls(self, path: Path) -> None:
        """Read a controls file in the background (progress shown, cancellable), then replay it."""
        if self.loader is not None:
            self.show_message(f"Still reading {self.loader.path.name}: cancel it first.")
            return
        loader = ControlsLoader(path, tuple(self.recording.names.muscle_names))
        loader.progressed.connect(lambda fraction: self.show_message(f"Reading {path.name}: {fraction:.0%}…"))
        loader.loaded.connect(self._on_controls_loaded)
        loader.failed.connect(lambda why: self.show_message(f"Cannot replay: {why}"))
        loader.finished.connect(self._on_loader_finished)
        self.loader = loader
        self.cancel_button.show()
        self.replay_button.setEnabled(False)
        self.show_message(f"Reading {path.name}…")
        loader.start()

    def cancel_loading(self) -> None:
        if self.loader is not None:
            self.loader.cancel()

    def _on_controls_loaded(self, schedule) -> None:
        self.show_message(f"Replaying {schedule.steps} steps ({schedule.duration:.2f} s) from {schedule.source.name}")
        self.replayRequested.emit(schedule)

    def _on_loader_finished(self) -> None:
        self.cancel_button.hide()
        self.replay_button.setEnabled(True)
        if self.loader is not None:
            self.loader.deleteLater()
        self.loader = None

    def ready_to_close(self) -> bool:
        """True when the window may close: nothing unsaved, or the user saved or discarded it.
        A controls file still being read is cancelled."""
        if self.loader is not None:
            self.loader.cancel()
            self.loader.wait()  # returns within one progress report
        if not (len(self.recording) and self._unsaved):
            return True
        answer = self.ask_unsaved_on_close(len(self.recording))
        if answer == "save":
            return self.save_as() is not None  # a cancelled or failed save keeps the window open
        return answer == "discard"

    # -- dialogs (override in tests or embedders) -----------------------------------------
    def ask_unsaved_on_close(self, frames: int) -> str:
        """ "save", "discard" or "cancel" for `frames` unsaved steps when the window closes."""
        answer = QMessageBox.question(
            self,
            "Unsaved recording",
            f"Save the {frames} recorded steps before closing?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
            QMessageBox.Save,
        )
        return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

    def choose_save_path(self) -> Path | None:
        path, chosen_filter = QFileDialog.getSaveFileName(
            self, "Save recording", DEFAULT_SAVE_NAME, ";;".join(SAVE_FILTERS), DEFAULT_SAVE_FILTER
        )
        if not path:
            return None
        target = Path(path)
        if not target.suffix and chosen_filter in SAVE_FILTERS:
            target = target.with_suffix(SAVE_FILTERS[chosen_filter])
        return target

    def choose_controls_path(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self, "Replay controls file", "", CONTROLS_FILTER)
        return Path(path) if path else None

    def confirm_discard(self, frames: int) -> bool:
        """Ask whether to save `frames` unsaved steps first; True means save."""
        answer = QMessageBox.question(
            self,
            "Unsaved recording",
            f"The model changed. Save the {frames} recorded steps before they are cleared?",
            QMessageBox.Save | QMessageBox.Discard,
            QMessageBox.Save,
        )
        return answer == QMessageBox.Save

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    # -- internals ---------------------------------------------------------------------
    def _on_record_toggled(self, on: bool) -> None:
        self.record_button.setText("Recording" if on else "Record")
        self.recordingChanged.emit(on)

    def _update_counter(self) -> None:
        count = len(self.recording)
        seconds = float(self.recording.time[-1] - self.recording.start_time[0]) if count else 0.0
        self.counter.setText(f"{count} steps ({seconds:.2f} s)")
