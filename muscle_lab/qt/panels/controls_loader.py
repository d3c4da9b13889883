"""Reads a controls file in a thread of its own: a 250 MB file must not freeze the window."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QThread, pyqtSignal

from muscle_lab.core.recording.replay import ReplayError, load_controls


class LoadCancelled(Exception):
    """Raised from the progress callback to stop reading."""


class ControlsLoader(QThread):
    """Parses one controls file off the GUI thread; signals arrive queued in the GUI thread."""

    progressed = pyqtSignal(float)  # fraction of the file read
    loaded = pyqtSignal(object)  # the ControlsSchedule
    failed = pyqtSignal(str)  # why it could not be read, or that it was cancelled

    def __init__(self, path: Path, muscle_names: tuple[str, ...]) -> None:
        super().__init__()
        self.path = path
        self._muscle_names = muscle_names
        self._cancelled = False

    def cancel(self) -> None:
        """Any thread: stop at the next progress report (a few MB at most)."""
        self._cancelled = True

    def run(self) -> None:
        try:
            schedule = load_controls(self.path, self._muscle_names, progress=self._report)
        except LoadCancelled:
            self.failed.emit(f"reading {self.path.name} was cancelled")
        except ReplayError as error:
            self.failed.emit(str(error))
        except MemoryError:
            self.failed.emit(f"{self.path}: too large to hold in memory")
        except Exception as error:  # noqa: BLE001 - a thread must not die: what the reader missed is said too
            self.failed.emit(f"{self.path}: {type(error).__name__}: {error}")
        else:
            self.loaded.emit(schedule)

    def _report(self, bytes_read: int, total: int) -> None:
        if self._cancelled:
            raise LoadCancelled
        self.progressed.emit(bytes_read / total if total else 1.0)
