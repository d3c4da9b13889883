"""The Tune tab's screenshot: a short search of the hip thrust (1 s horizon), its best playing in
the body view beside the previous best. From the repository's root:

    MUSCLE_LAB_HOME=$(mktemp -d) xvfb-run -a -s "-screen 0 1600x1000x24" \\
        python -m muscle_lab.qt.tune.screenshot assets/tune-panel.png [WxH] [RUNS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main(path: Path, size: tuple[int, int], runs: int) -> int:
    from PyQt5.QtCore import QEventLoop
    from PyQt5.QtWidgets import QApplication

    from muscle_lab.qt.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    window = MainWindow(mode="faithful")
    window.panels.recording.ask_unsaved_on_close = lambda frames: "discard"
    window.resize(*size)
    window.show()

    def pump_until(condition, seconds: float) -> None:  # type: ignore[no-untyped-def]
        end = time.monotonic() + seconds
        while not condition() and time.monotonic() < end:
            app.processEvents(QEventLoop.AllEvents, 50)

    pump_until(lambda: window.lab.latest_frame is not None, 120)
    tune = window.panels.tune
    window.panels.tune_dock.raise_()
    tune.preset_box.setCurrentText("hip-thrust")
    tune.horizon_spin.setValue(1.0)
    tune.evaluations_spin.setValue(runs)
    tune.start()
    pump_until(lambda: tune.result is not None and tune.runner is None, 900)
    tune.name_edit.setText("hip-thrust-tuned")
    pump_until(lambda: False, 0.6)  # the best plays: a moment in
    window.history_view.playback.pause()
    window.redraw_now()
    pump_until(lambda: False, 0.3)
    window.body_view.view3d.wait_for_image()
    window.grab().save(str(path), "PNG")
    window.close()
    return 0 if path.is_file() else 1


if __name__ == "__main__":
    size = tuple(int(n) for n in sys.argv[2].split("x")) if len(sys.argv) > 2 else (1500, 950)
    sys.exit(main(Path(sys.argv[1]), size, int(sys.argv[3]) if len(sys.argv) > 3 else 61))
