"""`python main.py [options]`: open the muscle_lab window."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PyQt5.QtCore import QtMsgType, QTimer, qInstallMessageHandler
from PyQt5.QtWidgets import QApplication

from muscle_lab.core.excitations import ExcitationError
from muscle_lab.core.integrator import DEFAULT_MODE
from muscle_lab.core.presets import PresetError, excitations_from_preset
from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.qt.main_window import GUI_MODES, MainWindow
from muscle_lab.qt.worker import ModelInfo

SCREENSHOT_TIMEOUT_FACTOR = 200  # wall seconds allowed per simulated second before giving up
# Qt platform chatter that says nothing about muscle_lab (offscreen platform, no XDG runtime).
HARMLESS_QT_MESSAGES = ("propagateSizeHints", "XDG_RUNTIME_DIR not set")


def _qt_message(kind: QtMsgType, _context, message: str) -> None:
    if kind in (QtMsgType.QtDebugMsg, QtMsgType.QtInfoMsg) or any(h in message for h in HARMLESS_QT_MESSAGES):
        return
    print(f"Qt: {message}", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="The muscle_lab window.")
    parser.add_argument("--model", type=Path, help="an OpenSim .osim model (default: osim-rl's prosthetic gait model)")
    parser.add_argument("--preset", help="apply this preset's excitations at start")
    parser.add_argument("--mode", choices=GUI_MODES, default=DEFAULT_MODE, help="integrator mode (default %(default)s)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="run, save a screenshot of the window, and exit")
    parser.add_argument("--run-for", type=float, default=1.0, metavar="SECONDS",
                        help="simulated seconds to run before --screenshot (default %(default)s)")
    return parser


def main(args: list[str]) -> int:
    options = build_parser().parse_args(args)
    if options.model is not None and not options.model.expanduser().is_file():
        print(f"muscle_lab: model file not found: {options.model}", file=sys.stderr)
        return 2
    if options.run_for <= 0:
        print("muscle_lab: --run-for must be a positive number of seconds", file=sys.stderr)
        return 2
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    app.setApplicationName("muscle_lab")
    window = MainWindow(options.model, options.mode)
    outcome = {"code": 0}

    def on_first_model(info: ModelInfo) -> None:
        window.modelReady.disconnect(on_first_model)
        if options.preset:
            try:
                values, notes = excitations_from_preset(options.preset, [m.name for m in info.muscles])
                window.apply_excitations(values)
                if notes:
                    window.message_bar.show_message(f"preset {options.preset!r}: " + "; ".join(notes))
            except (PresetError, ExcitationError, OSError, ValueError) as error:
                print(f"muscle_lab: {error}", file=sys.stderr)
                window.message_bar.show_message(f"preset {options.preset!r} not applied: {error}")
                outcome["code"] = 2
        if options.screenshot is not None:
            window.run()

    window.modelReady.connect(on_first_model)
    if options.screenshot is not None:
        _arrange_screenshot(app, window, options.screenshot, options.run_for, outcome)
    window.show()
    code = app.exec_()
    return outcome["code"] or code


def _arrange_screenshot(app: QApplication, window: MainWindow, path: Path, run_for: float, outcome: dict) -> None:
    """Grab the window once `run_for` simulated seconds have run (or the episode has ended)."""
    done = {"taken": False}

    def finished_running() -> bool:
        frame = window.latest_frame
        if frame is None or window.model_info is None:
            return False
        return frame.time >= run_for - STEP_SECONDS / 2 or (not window.running and frame.done)

    def check() -> None:
        if done["taken"] or not finished_running():
            return
        done["taken"] = True
        window.pause()
        QTimer.singleShot(150, take)  # let the last batch and a redraw land

    def take() -> None:
        window._redraw()  # noqa: SLF001 (make sure the final state is drawn)
        app.processEvents()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(path), "PNG"):
            print(f"muscle_lab: cannot write the screenshot {path}", file=sys.stderr)
            outcome["code"] = 1
        window.close()

    def give_up() -> None:
        if not done["taken"]:
            print(f"muscle_lab: no screenshot: {run_for} s were not simulated in time", file=sys.stderr)
            outcome["code"] = 1
            window.close()

    window.controller.worker.framesReady.connect(lambda _frames: check())
    window.controller.worker.runningChanged.connect(lambda _running: QTimer.singleShot(0, check))
    QTimer.singleShot(int(1000 * max(60.0, run_for * SCREENSHOT_TIMEOUT_FACTOR)), give_up)


