"""The atlas in a thread of its own: the cache first (no process started), else every run
simulated in parallel, with progress; `cancel` from the window ends it within a moment."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import QThread, pyqtSignal

from muscle_lab.core.atlas.runs import AtlasCancelled, AtlasProgress, AtlasResult, AtlasRun, AtlasSettings

# What a run can raise besides a cancel: a model file that is missing (an OSError) or unreadable
# (ModelFileError, a ValueError, as AtlasError is), a model OpenSim cannot load (ModelLoadError, a
# RuntimeError, as SimulationFailed for a process that died is), a cache folder that cannot be made.
RUN_ERRORS = (ValueError, RuntimeError, OSError)
STOP_WAIT_MS = 5_000  # a cancelled atlas ends its processes within a fraction of a second


class AtlasRunner(QThread):
    """One atlas. Emits `progressed(AtlasProgress)` while simulating, then exactly one of
    `succeeded(AtlasResult)`, `cancelled()` or `failed(message)`."""

    progressed = pyqtSignal(object)
    succeeded = pyqtSignal(object)
    cancelled = pyqtSignal()
    failed = pyqtSignal(str)

    def __init__(self, settings: AtlasSettings, muscles: Sequence[int] | None = None) -> None:
        """`muscles`: only these muscles' runs (and the all-at-base one), as `AtlasRun`'s."""
        super().__init__()
        self.settings = settings
        self.atlas = AtlasRun(settings, progress=self.progressed.emit, muscles=muscles)
        self.result: AtlasResult | None = None

    def cancel(self) -> None:
        """Any thread: the atlas stops and its simulation processes end."""
        self.atlas.cancel()

    def stop(self) -> bool:
        """Cancel and wait a moment for the thread to end; True when it has."""
        self.cancel()
        return self.wait(STOP_WAIT_MS)

    def run(self) -> None:
        try:
            result = self.atlas.cached()
            if result is None:
                result = self.atlas.run()
        except AtlasCancelled:
            self.cancelled.emit()
            return
        except RUN_ERRORS as error:
            self.failed.emit(str(error))
            return
        if self.atlas.cancelled:  # cancelled while the cache was read: say so, not the result
            self.cancelled.emit()
            return
        self.result = result
        self.succeeded.emit(result)


def progress_text(progress: AtlasProgress) -> str:
    """ "12 of 20 runs · last: iliopsoas_r"."""
    text = f"{progress.runs_done} of {progress.runs_total} runs"
    return f"{text} · last: {progress.label}" if progress.label else text
