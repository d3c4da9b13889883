"""The GUI thread's handle on the simulation worker and its thread."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt5.QtCore import QObject, QThread, pyqtSignal

from muscle_lab.core.simulation.integrator import DEFAULT_MODE
from muscle_lab.qt.simulation.handoff import ExcitationMailbox
from muscle_lab.qt.simulation.worker import SimulationWorker
from muscle_lab.qt.simulation.worker_state import INTERRUPT_CLOSE

# Once the simulation process is ended, the worker's thread finishes within one poll (~50 ms).
STOP_WAIT_MS = 5_000


class SimulationController(QObject):
    """The GUI thread's handle on the worker: starts its thread, forwards commands, stops it."""

    _start = pyqtSignal(object, str)
    _load = pyqtSignal(object)
    _mode = pyqtSignal(str)
    _real_time = pyqtSignal(bool)
    _on_end = pyqtSignal(str)
    _time_limit = pyqtSignal(bool)
    _run = pyqtSignal()
    _pause = pyqtSignal()
    _step = pyqtSignal()
    _reset = pyqtSignal()
    _shutdown = pyqtSignal()
    _play = pyqtSignal(object, bool)
    _branch = pyqtSignal(int, int)
    _moment_arms = pyqtSignal(int, bool)
    _controller = pyqtSignal(object)
    _reward = pyqtSignal(object)
    _locked = pyqtSignal(object)
    _observing = pyqtSignal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.mailbox = ExcitationMailbox()
        self.worker = SimulationWorker(self.mailbox)
        self.thread = QThread()
        self.thread.setObjectName("simulation")
        self.worker.moveToThread(self.thread)
        for signal, slot in (
            (self._start, self.worker.start),
            (self._load, self.worker.load_model),
            (self._mode, self.worker.set_mode),
            (self._real_time, self.worker.set_real_time),
            (self._on_end, self.worker.set_on_episode_end),
            (self._time_limit, self.worker.set_time_limit),
            (self._run, self.worker.run),
            (self._pause, self.worker.pause),
            (self._step, self.worker.step),
            (self._reset, self.worker.reset),
            (self._shutdown, self.worker.shutdown),
            (self._play, self.worker.play_controls),
            (self._branch, self.worker.branch),
            (self._moment_arms, self.worker.moment_arms),
            (self._controller, self.worker.set_controller),
            (self._reward, self.worker.set_reward),
            (self._locked, self.worker.set_locked),
            (self._observing, self.worker.set_observing),
        ):
            signal.connect(slot)
        self._stopped = False

    def start(self, model_path: str | Path | None, mode: str = DEFAULT_MODE) -> None:
        self.thread.start()
        self._start.emit(model_path, mode)

    def send_excitations(self, values: np.ndarray) -> None:
        """Used from the next step on; only the latest value counts."""
        self.mailbox.post(values)

    def load_model(self, path: str | Path) -> None:
        self._load.emit(Path(path))

    def set_mode(self, mode: str) -> None:
        self._mode.emit(mode)

    def set_real_time(self, real_time: bool) -> None:
        self._real_time.emit(real_time)

    def set_on_episode_end(self, choice: str) -> None:
        self._on_end.emit(choice)

    def set_time_limit(self, on: bool) -> None:
        self._time_limit.emit(on)

    def run(self) -> None:
        self._run.emit()

    def pause(self) -> None:
        """Pauses after the step in flight; one that has run long is abandoned (see the worker)."""
        self.worker.request_interrupt("Pause")
        self._pause.emit()

    def step(self) -> None:
        self._step.emit()

    def reset(self) -> None:
        self.worker.request_interrupt("Reset")
        self._reset.emit()

    def play_controls(self, schedule: object, start_running: bool = True) -> None:
        """Replay a ControlsSchedule (immutable, read-only arrays: safe to hand over)."""
        self._play.emit(schedule, start_running)

    def branch(self, episode: int, step: int, excitations: np.ndarray) -> None:
        """Continue from a kept step with these excitations (the sliders as they are now)."""
        # No interrupt: abandoning a slow step would end the process and the states it keeps.
        self.mailbox.post(excitations)
        self._branch.emit(episode, step)

    def moment_arms(self, muscle_index: int, standing: bool = False) -> None:
        """A muscle's moment arms at the current pose (or the standing start): the worker
        answers with `momentArms`."""
        self._moment_arms.emit(muscle_index, standing)

    def set_controller(self, spec: str | None) -> None:
        """A user's controller (FILE.py[:NAME]) drives from a new episode; None stops it. The
        worker answers with `controllerChanged`, or `controllerFailed`."""
        self._controller.emit(spec)

    def set_reward(self, spec: str | None) -> None:
        """Your reward (FILE.py[:NAME]), computed after every step; None: osim-rl's only. The worker
        answers with `rewardChanged`, or `rewardFailed`."""
        self._reward.emit(spec)

    def set_locked(self, mask: tuple[bool, ...]) -> None:
        """Muscles (True) kept at the sliders' values while a controller drives the others."""
        self._locked.emit(mask)

    def set_observing(self, on: bool) -> None:
        """Every step sends osim-rl's observation to `worker.observations` while on."""
        self._observing.emit(on)

    def stop(self) -> bool:
        """Stop the worker and its thread without waiting on the simulation: a step or a load
        in flight is ended with its process. True when the thread ended."""
        if self._stopped:
            return True
        self._stopped = True
        if not self.thread.isRunning():
            return True
        self.worker.request_interrupt(INTERRUPT_CLOSE)
        self._shutdown.emit()
        if self.worker.busy is not None:
            self.worker.kill_simulation()  # the worker's wait on it ends at once
        return self.thread.wait(STOP_WAIT_MS)
