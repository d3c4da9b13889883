"""Issue 20: what escapes a thread, or a thread's work that fails, becomes a message; the window lives.

Each case runs the real window (offscreen) on the real default model; where the failure used to
kill the process the test would crash with it (exit 139) or pytest-qt would report the exception
that escaped Qt's event loop.
"""

from __future__ import annotations

import threading

import pytest
from PyQt5.QtCore import QThread

from muscle_lab.qt.app import UncaughtReporter


class _Raising(QThread):
    def run(self) -> None:
        raise RuntimeError("raised in a worker thread")


@pytest.mark.parametrize("kind", ["QThread", "threading.Thread"])
def test_an_exception_escaping_any_thread_is_shown_from_the_gui_thread(qtbot, window, kind, capsys):
    reporter = UncaughtReporter(window)
    shown_in: list[QThread] = []
    reporter.reported.connect(lambda _text: shown_in.append(QThread.currentThread()))
    reporter.install()
    try:
        if kind == "QThread":
            thread = _Raising()
            with qtbot.waitSignal(thread.finished):
                thread.start()
        else:
            raising = threading.Thread(target=lambda: 1 / 0)
            raising.start()
            raising.join()
        qtbot.waitUntil(lambda: "Internal error (details on stderr)" in window.message_bar.text, timeout=5000)
    finally:
        UncaughtReporter.uninstall()
    assert ("RuntimeError: raised in a worker thread" if kind == "QThread" else "ZeroDivisionError") in (
        window.message_bar.text
    )
    assert "Traceback" in capsys.readouterr().err
