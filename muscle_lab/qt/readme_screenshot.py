"""Make the README's screenshot: the hip thrust, branched at step 12 into the hip flexors,
shown at step 32 with the first run as the ghost. From the repository's root:

    MUSCLE_LAB_HOME=$(mktemp -d) xvfb-run -a -s "-screen 0 1600x1000x24" \\
        python -m muscle_lab.qt.readme_screenshot assets/screenshot.png [WxH]
"""

from __future__ import annotations

import sys
from pathlib import Path

BRANCH_STEP = 12
SHOWN_STEP = 32


def main(path: Path, size: tuple[int, int] = (1500, 950)) -> int:
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication

    from muscle_lab.core.presets import excitations_from_preset
    from muscle_lab.qt.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    window = MainWindow(mode="faithful")
    window.panels.recording.ask_unsaved_on_close = lambda frames: "discard"
    window.resize(*size)
    history = window.history_view
    ended: list[int] = []

    def start(info) -> None:
        values, _ = excitations_from_preset("hip-thrust", [m.name for m in info.muscles])
        window.speed_box.setCurrentIndex(1)
        window.apply_preset("hip-thrust", values)
        window.run()

    def on_end(frame) -> None:
        ended.append(frame.episode)
        QTimer.singleShot(300, branch if len(ended) == 1 else shoot)

    def branch() -> None:
        history.browser.show_step(BRANCH_STEP)
        values, _ = excitations_from_preset("hip-flexors", [row.muscle.name for row in window.muscle_panel.rows])
        window.apply_preset("hip-flexors", values)
        window.continue_from(ended[0], BRANCH_STEP)
        QTimer.singleShot(300, window.run)

    def shoot() -> None:
        history.browser.show_step(SHOWN_STEP)
        window._redraw()  # noqa: SLF001  the redraw timer's slot, now
        window._draw_body()  # noqa: SLF001
        QTimer.singleShot(300, save)

    def save() -> None:
        window._redraw()  # noqa: SLF001
        app.processEvents()
        window.grab().save(str(path), "PNG")
        window.close()
        app.quit()

    window.modelReady.connect(start)
    window.controller.worker.episodeEnded.connect(on_end)
    window.show()
    app.exec_()
    return 0 if path.is_file() else 1


if __name__ == "__main__":
    size = tuple(int(n) for n in sys.argv[2].split("x")) if len(sys.argv) > 2 else (1500, 950)
    sys.exit(main(Path(sys.argv[1]), size))
