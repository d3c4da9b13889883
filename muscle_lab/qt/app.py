"""`python main.py [options]`: open the muscle_lab window."""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import math
import os
import signal
import socket
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

from PyQt5 import sip
from PyQt5.QtCore import QObject, QSocketNotifier, Qt, QTimer, QtMsgType, pyqtSignal, pyqtSlot, qInstallMessageHandler
from PyQt5.QtWidgets import QApplication

from muscle_lab.core.excitations import ExcitationError
from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.presets.store import PresetError, PresetStore, excitations_from_preset
from muscle_lab.core.simulation.integrator import DEFAULT_MODE
from muscle_lab.core.simulation.model_file import model_file_problem
from muscle_lab.core.simulation.user_controller import ControllerError, ControllerSpec
from muscle_lab.core.simulation.user_reward import RewardError, parse_reward_spec
from muscle_lab.qt.lab import GUI_MODES
from muscle_lab.qt.main_window import MainWindow
from muscle_lab.qt.simulation.news import ModelInfo

SCREENSHOT_TIMEOUT_FACTOR = 200  # wall seconds allowed per simulated second before giving up
MAX_RUN_FOR_SECONDS = 3600.0
SCREENSHOT_CHECK_MS = 50  # the GUI thread looks this often whether the run is over
NO_DISPLAY_HELP = (
    "muscle_lab: no display to open the window on ({reason}). Run it under a virtual display: "
    "xvfb-run -a python main.py; or use the headless commands: python main.py run|presets|muscles|explore|atlas --help"
)
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
    parser.add_argument(
        "--controller",
        metavar="FILE.py[:NAME]",
        help="your controller drives the sliders: a function f(observation) -> excitations, or an object "
        "with act(observation) (default NAME: controller)",
    )
    parser.add_argument(
        "--reward",
        metavar="FILE.py[:NAME]",
        help="your reward, plotted beside osim-rl's: a function f(state_desc, prev_state_desc) -> float "
        "(default NAME: reward)",
    )
    parser.add_argument(
        "--mode", choices=GUI_MODES, help=f"integrator mode (default: the last one used, at first {DEFAULT_MODE})"
    )
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="run, save a screenshot of the window, and exit")
    parser.add_argument(
        "--run-for",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="simulated seconds to run before --screenshot, or until the episode ends (default %(default)s)",
    )
    parser.add_argument("--size", type=_window_size, metavar="WxH", help="window size, e.g. 1024x700")
    return parser


def _window_size(text: str) -> tuple[int, int]:
    width, _, height = text.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and 320 <= int(width) <= 10_000 and 240 <= int(height) <= 10_000):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, e.g. 1024x700, got {text!r}")
    return int(width), int(height)


def main(args: list[str]) -> int:
    options = build_parser().parse_args(args)
    problem = model_file_problem(options.model) if options.model is not None else None
    if problem is not None:
        print(f"muscle_lab: {problem}", file=sys.stderr)
        return 2
    try:
        if options.controller is not None:
            ControllerSpec.parse(options.controller)
        if options.reward is not None:
            parse_reward_spec(options.reward)
    except (ControllerError, RewardError) as error:
        print(f"muscle_lab: {error}", file=sys.stderr)
        return 2
    if not (math.isfinite(options.run_for) and 0 < options.run_for <= MAX_RUN_FOR_SECONDS):
        print(
            f"muscle_lab: --run-for must be a number of seconds above 0 and at most {MAX_RUN_FOR_SECONDS:g}, "
            f"got {options.run_for}",
            file=sys.stderr,
        )
        return 2
    missing_display = _missing_display()
    if missing_display:
        print(NO_DISPLAY_HELP.format(reason=missing_display), file=sys.stderr)
        return 2
    faulthandler.enable()  # a crash inside Qt, GL or OpenSim's bindings says where it happened
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    app.setApplicationName("muscle_lab")
    _close_on_signals(app)  # before the window starts its simulation process
    window = MainWindow(options.model, options.mode)
    if options.size is not None:
        window.resize(*options.size)
    reporter = UncaughtReporter(window)
    reporter.install()
    outcome = {"code": 0}

    def on_first_model(info: ModelInfo) -> None:
        window.lab.modelReady.disconnect(on_first_model)
        if options.preset:
            try:
                store = PresetStore()
                name = store.get(options.preset).name  # as listed (names match in any case)
                values, notes = excitations_from_preset(name, [m.name for m in info.muscles], store)
                window.panels.apply_named_preset(name, values)
                if notes:
                    window.message_bar.show_message(f"preset {options.preset!r}: " + "; ".join(notes))
            except (PresetError, ExcitationError, OSError, ValueError) as error:
                print(f"muscle_lab: {error}", file=sys.stderr)
                window.message_bar.show_message(f"preset {options.preset!r} not applied: {error}")
                outcome["code"] = 2
        if options.controller is not None:
            window.load_controller(options.controller)  # from a new episode; a failure is shown in the window
        if options.reward is not None:
            window.load_reward(options.reward)
        if options.screenshot is not None:
            window.run()

    window.lab.modelReady.connect(on_first_model)
    if options.screenshot is not None:
        _arrange_screenshot(app, window, options.screenshot, options.run_for, outcome)
    window.show()
    code = app.exec_()
    _tear_down(window)
    return outcome["code"] or code


def _tear_down(window: MainWindow) -> None:
    """Destroy the window while the QApplication still exists. Left to the interpreter's exit,
    the order is arbitrary (the excepthook's closure keeps the window alive past the app), and a
    widget destroyed after its application crashed the exit about once in a hundred runs."""
    UncaughtReporter.uninstall()
    signal.set_wakeup_fd(-1)
    sip.delete(window)


def _arrange_screenshot(app: QApplication, window: MainWindow, path: Path, run_for: float, outcome: dict) -> None:
    """Grab the window once `run_for` simulated seconds have run (or the episode has ended)."""
    done = {"taken": False}

    # The first episode's end ends the run whatever "At episode end" says; neither that choice nor
    # anything else of this run is saved into the user's settings.
    window.remember_settings = False
    window.toolbars.end_box.setCurrentIndex(0)

    def finished_running() -> bool:
        frame = window.lab.latest_frame
        if frame is None or window.lab.model_info is None:
            return False
        return frame.time >= run_for - STEP_SECONDS / 2 or (not window.lab.running and frame.done)

    def check() -> None:
        if done["taken"] or not finished_running():
            return
        done["taken"] = True
        poll.stop()
        window.pause()
        QTimer.singleShot(150, take)  # let the last batch and a redraw land

    def take() -> None:
        window.redraw_now()
        app.processEvents()
        window.body_view.view3d.wait_for_image()  # the 3D image of this state, not the one before
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

    # Checked in the GUI thread, where `window.lab.running` and the frames are up to date (the
    # worker's own signals fire in its thread, before the window has read its messages).
    poll = QTimer(window)
    poll.setInterval(SCREENSHOT_CHECK_MS)
    poll.timeout.connect(check)
    poll.start()
    QTimer.singleShot(int(1000 * max(60.0, run_for * SCREENSHOT_TIMEOUT_FACTOR)), give_up)


def _missing_display() -> str | None:
    """Why Qt could not open a window here (it would abort with a message of its own), or None."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None  # offscreen, vnc, eglfs...: they need no display server
    if sys.platform != "linux" or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return "neither DISPLAY nor WAYLAND_DISPLAY is set"


def _close_on_signals(app: QApplication) -> None:
    """Ctrl+C (SIGINT) and SIGTERM close the window as its close button does.

    Qt's event loop runs in C++, where Python signal handlers wait; a socket that the signal
    writes to wakes the loop, so the handler runs at once.
    """
    reader, writer = socket.socketpair()
    for end in (reader, writer):
        end.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Read, app)
    notifier.activated.connect(lambda _fd: reader.recv(64))
    app._signal_wakeup = (reader, writer, notifier)  # noqa: SLF001 (kept alive with the app)

    def close(_number: int, _frame: object) -> None:
        QTimer.singleShot(0, app.closeAllWindows)

    signal.signal(signal.SIGINT, close)
    signal.signal(signal.SIGTERM, close)


class UncaughtReporter(QObject):
    """Shows an exception that escapes any thread in the window's message bar. PyQt would abort
    on it; and a widget touched from the raising thread (the simulation worker, a loader, a
    video export) kills the process: the text crosses to the GUI thread by a queued signal."""

    reported = pyqtSignal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__()  # lives in the GUI thread, where the window is built
        self._window = window
        self.reported.connect(self._show, Qt.QueuedConnection)

    def install(self) -> None:
        sys.excepthook = self.hook
        threading.excepthook = self._thread_hook

    @staticmethod
    def uninstall() -> None:
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__

    def hook(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        """Any thread: the traceback on stderr, a line in the message bar."""
        try:
            text = "".join(traceback.format_exception(kind, error, trace))
            summary = f"{kind.__name__}: {error}"
        except Exception as unprintable:  # noqa: BLE001 - an exception whose str() raises
            text = summary = f"{kind.__name__} (not printable: {type(unprintable).__name__})"
        print(text, file=sys.stderr, flush=True)
        with contextlib.suppress(RuntimeError):  # the reporter is gone with the window
            self.reported.emit(f"Internal error (details on stderr): {summary[:500]}")

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        self.hook(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    @pyqtSlot(str)
    def _show(self, text: str) -> None:
        with contextlib.suppress(RuntimeError):  # the window may already be gone
            self._window.message_bar.show_message(text)
