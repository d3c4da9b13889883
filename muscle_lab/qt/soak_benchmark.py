"""The window's half of `python -m muscle_lab.bench --soak`: the real window offscreen, run for
minutes in the fast mode as fast as possible with episodes resetting by themselves, its memory
and its simulation process's sampled on a timer (see muscle_lab.bench.soak)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from muscle_lab.qt.gui_benchmark import resident_mb

HISTORY_FULL_SHARE = 0.95  # of its byte budget: from then on the history only replaces episodes


@dataclass
class Soaked:
    seconds: list[float] = field(default_factory=list)  # since the run started
    window_mb: list[float] = field(default_factory=list)
    child_mb: list[float] = field(default_factory=list)
    history_full_at: float | None = None
    episodes: int = 0
    steps: int = 0


def soak_window(minutes: float, every: float) -> Soaked | None:
    """Run the window for `minutes` and sample memory every `every` seconds; None if it never ran."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt5.QtCore import QTimer, qInstallMessageHandler
    from PyQt5.QtWidgets import QApplication

    from muscle_lab.qt.app import _qt_message

    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(["muscle_lab-soak"])
    from muscle_lab.qt.main_window import MainWindow

    window = MainWindow(mode="fast")
    worker = window.controller.worker
    history = window.history_view.history
    soaked = Soaked()
    started: list[float] = []

    def start(_info: object) -> None:
        window.toolbars.end_box.setCurrentIndex(1)  # an episode end resets and runs on
        window.toolbars.speed_box.setCurrentIndex(1)  # as fast as possible
        window.apply_preset("hip-thrust", np.array([1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]))
        window.run()
        started.append(time.perf_counter())
        sample()
        sampler.start(int(every * 1000))
        QTimer.singleShot(int(minutes * 60_000), finish)

    def sample() -> None:
        elapsed = time.perf_counter() - started[0]
        soaked.seconds.append(elapsed)
        soaked.window_mb.append(resident_mb())
        soaked.child_mb.append(resident_mb(worker.simulation_pid))
        if soaked.history_full_at is None and history.nbytes >= HISTORY_FULL_SHARE * history.budget_bytes:
            soaked.history_full_at = elapsed

    def count(frames: list) -> None:
        soaked.steps += sum(1 for frame in frames if frame.step > 0)

    def finish() -> None:
        sampler.stop()
        sample()
        window.close()
        app.quit()

    sampler = QTimer()
    sampler.timeout.connect(sample)
    worker.framesReady.connect(count)
    worker.episodeEnded.connect(lambda _frame: setattr(soaked, "episodes", soaked.episodes + 1))
    window.lab.modelReady.connect(start)
    window.show()
    app.exec_()
    if not started:
        print("memory soak: the window never ran", file=sys.stderr)
        return None
    return soaked
