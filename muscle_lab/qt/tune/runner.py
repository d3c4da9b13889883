"""A tune search in a thread of its own: the window never waits on it; its runs go to the core's
pool of simulation processes (no OpenSim in this process). `cancel` from the window ends it
within a moment, with every process ended; the result so far still arrives."""

from __future__ import annotations

import sys

from PyQt5.QtCore import QThread, pyqtSignal

from muscle_lab.core.simulation.user_controller import UserCodeError
from muscle_lab.core.tune.search import TuneSearch, TuneSettings

# What a search can raise besides a cancel: a preset or settings it cannot use (ValueError: PresetError,
# TuneError...), a model OpenSim cannot load or a process that died (RuntimeError), a file (OSError).
SEARCH_ERRORS = (ValueError, RuntimeError, OSError)
STOP_WAIT_MS = 10_000
# Searches running, held here until they finish: a panel that goes away never drops a running thread.
RUNNING: list[TuneRunner] = []


class TuneRunner(QThread):
    """One search. Emits `progressed(TuneProgress)` after each run and generation, then exactly
    one of `succeeded(TuneResult)` (also when cancelled: `result.cancelled`) or `failed(message,
    details)`: details is a failing controller's traceback (also on stderr), else empty."""

    progressed = pyqtSignal(object)
    succeeded = pyqtSignal(object)
    failed = pyqtSignal(str, str)

    def __init__(self, settings: TuneSettings) -> None:
        super().__init__()
        self.settings = settings
        self.search: TuneSearch | None = None
        self._cancelled = False
        self.finished.connect(self._forget)

    def start(self) -> None:  # type: ignore[override]
        RUNNING.append(self)
        super().start()

    def _forget(self) -> None:
        if self in RUNNING:
            RUNNING.remove(self)

    def cancel(self) -> None:
        """Any thread: the search stops and its simulation processes end."""
        self._cancelled = True
        if self.search is not None:
            self.search.cancel()

    def stop(self) -> bool:
        self.cancel()
        return self.wait(STOP_WAIT_MS)

    def run(self) -> None:
        try:
            search = TuneSearch(self.settings, self.progressed.emit)
            self.search = search
            if self._cancelled:  # cancelled while the preset was read
                search.cancel()
            result = search.run()
        except SEARCH_ERRORS as error:
            details = error.details if isinstance(error, UserCodeError) else ""
            if details:
                print(f"{error}\n{details}", file=sys.stderr, flush=True)
            self.failed.emit(str(error), details)
            return
        self.succeeded.emit(result)
