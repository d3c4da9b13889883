"""What the Atlas and Tune tabs share: a run in a thread of its own (a QThread with `cancel` and
`stop`) that Cancel ends, and every run the tab started stopped when the app quits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from PyQt5.QtWidgets import QProgressBar, QPushButton


class Stoppable(Protocol):
    def isRunning(self) -> bool: ...  # noqa: N802 (QThread's name)

    def cancel(self) -> None: ...

    def stop(self) -> bool: ...


def stop_runners(runners: Iterable[Stoppable]) -> None:
    """Cancel every run still going and wait a moment for each (its owner is going away)."""
    for runner in list(runners):
        if runner.isRunning():
            runner.stop()


class CancellableRuns:
    """Mixed into a tab (before QWidget): `cancel` for its Cancel button, `shut_down` for the app's end."""

    runner: Stoppable | None  # the run the tab shows
    _runners: list  # every run it started that may still be going (a solo answer's too)
    cancel_button: QPushButton
    progress: QProgressBar

    def cancel(self) -> None:
        if self.runner is not None:
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("cancelling…")

    def shut_down(self) -> None:
        """The app is quitting: a run going is cancelled, its processes ended."""
        stop_runners(self._runners)
