"""The worker thread: OpenSim off the GUI thread, frames back in batches, clean shutdown."""

from __future__ import annotations

import threading

import numpy as np
from PyQt5.QtCore import Qt, QThread
from PyQt5.QtWidgets import QApplication

from muscle_lab.qt.simulation.handoff import ExcitationMailbox


def test_worker_steps_off_the_gui_thread_and_frames_arrive_on_it(qtbot, window, wait_for_step):
    gui_thread = QApplication.instance().thread()
    emitted_in: list[int] = []
    delivered_in: list[QThread] = []
    worker = window.controller.worker
    # A direct connection runs in the emitting thread; the window's own (auto) connection is queued.
    worker.framesReady.connect(lambda frames: emitted_in.append(threading.get_ident()), Qt.DirectConnection)
    # The window reads the worker's batches into the lab model, which hands them to the history.
    window.lab.batchArrived.connect(lambda _batch: delivered_in.append(QThread.currentThread()))
    window.toolbars.speed_box.setCurrentIndex(1)
    window.run()
    wait_for_step(window, 20)
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    assert worker.thread() is window.controller.thread and worker.thread() is not gui_thread
    assert worker.step_thread is window.controller.thread
    assert emitted_in and threading.main_thread().ident not in emitted_in
    assert delivered_in and all(thread is gui_thread for thread in delivered_in)


def test_frames_come_in_batches_with_every_step(qtbot, window, wait_for_step):
    batches: list[list] = []
    window.controller.worker.framesReady.connect(batches.append)
    window.toolbars.speed_box.setCurrentIndex(1)
    window.run()
    wait_for_step(window, 40)
    window.pause()
    qtbot.waitUntil(lambda: not window.lab.running)
    qtbot.wait(50)
    steps = [frame.step for batch in batches for frame in batch]
    assert steps == list(range(steps[0], steps[-1] + 1))  # none lost, none repeated
    assert max(len(batch) for batch in batches) > 1  # batched, not a signal per step


def test_latest_excitations_win():
    mailbox = ExcitationMailbox()
    assert mailbox.take() is None
    for value in (0.1, 0.2, 0.3):
        mailbox.post(np.full(3, value))
    assert mailbox.take().tolist() == [0.3, 0.3, 0.3]
    assert mailbox.take() is None


def test_closing_while_running_stops_cleanly(qtbot, window, wait_for_step, capfd):
    window.toolbars.speed_box.setCurrentIndex(1)
    window.apply_excitations(np.full(19, 0.05))
    window.run()
    wait_for_step(window, 5)
    assert window.lab.running
    thread = window.controller.thread
    window.close()  # returns only once the worker has stopped between two steps
    assert thread.isFinished() and not thread.isRunning()
    assert window.controller.worker._sim is None  # noqa: SLF001  OpenSim objects were released in the worker
    qtbot.wait(100)
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "Error" not in captured.err
