"""The simulation worker's state and its way out to the window: its signals and outbox, the
batches of frames, real-time pacing and the achieved rate, and what any thread may read (the
call it waits on, the simulation's pid). `worker.SimulationWorker` adds the commands and the stepping."""

from __future__ import annotations

import functools
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import Any

from PyQt5.QtCore import QObject, QThread, QTimer, pyqtSignal

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.recording.columns import RecordingNames
from muscle_lab.core.recording.replay import ControlsSchedule
from muscle_lab.core.simulation.integrator import DEFAULT_MODE
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.protocol import Busy, Observed
from muscle_lab.qt.simulation.handoff import ExcitationMailbox
from muscle_lab.qt.simulation.news import ON_END_PAUSE, Batch, ModelInfo

FALL_BEHIND_SECONDS = 0.25  # real-time pacing gives up catching up beyond this lag
# A Pause or Reset gives up on a step that has run this long (ending the simulation process);
# a shorter one is simply finished first. Closing the window never waits.
ABANDON_AFTER_SECONDS = 1.0
INTERRUPT_CLOSE = "closing the window"
# Steps asked of the child ahead while the simulation is behind real time: as many as it computes
# in PIPELINE_SECONDS, so that it never waits on the worker thread's turn for the GIL (the window's
# drawing holds it) and a slider move still reaches a step within that time. Two suit OpenSim's
# slow steps; eight took the window's simulation from 0.5 to 0.7 of `run`'s speed on 2 cores, and
# sixteen keep the compiled engine's 0.4 ms steps (a body standing) 20 ms ahead too.
PIPELINE_SECONDS = 0.02
PIPELINE_DEPTHS = (2, 16)
# The worker thread, woken by the child's answer, waits for the GUI's Python code to hand over the GIL;
# Python's default 5 ms interval left the child idle that long at each episode end (its turnover
# is a few round trips). At 1 ms the child waited for commands 13 -> 10 % of the time.
GIL_SWITCH_SECONDS = 0.001
OBSERVATIONS_KEPT = 3000  # observations (30 s of steps) waiting for the window to read them


def guarded(slot: Callable[..., None]) -> Callable[..., None]:
    """A slot whose unexpected exception pauses the simulation and becomes a message: escaping
    the simulation thread, it would reach the excepthook from there (and once killed the window)."""

    @functools.wraps(slot)
    def guarded_slot(self: Any, *args: object) -> None:
        try:
            slot(self, *args)
        except Exception as error:  # noqa: BLE001 - reported in the window, traceback on stderr
            traceback.print_exc()
            self._on_unexpected(error)

    return guarded_slot


class WorkerState(QObject):
    """What the worker knows and sends; its slots are `SimulationWorker`'s."""

    modelLoaded = pyqtSignal(object)  # ModelInfo
    modelFailed = pyqtSignal(str)
    batchReady = pyqtSignal(object)  # Batch: frames, pose and real-time factor
    framesReady = pyqtSignal(list)  # the same frames: every Frame, in order (for listeners)
    runningChanged = pyqtSignal(bool)
    episodeEnded = pyqtSignal(object)  # the Frame that ended it
    simulationFailed = pyqtSignal(str)
    problem = pyqtSignal(str)  # a refused command, e.g. excitations of the wrong length
    replayChanged = pyqtSignal(object)  # str: why a replay started or ended; None while none runs
    branched = pyqtSignal(object)  # Branched: the simulation continues from an earlier step
    controllerChanged = pyqtSignal(object)  # str: the user's controller now driving; None: the sliders drive
    controllerFailed = pyqtSignal(object)  # ControllerError: loading it or a step failed; the simulation paused
    rewardChanged = pyqtSignal(object)  # str: your reward's name, computed after every step; None: none
    rewardFailed = pyqtSignal(object)  # (RewardError, in a step): loading it or a step's call failed; it is off
    momentArms = pyqtSignal(object)  # MomentArms of a muscle at the current pose, or a str: why none

    def __init__(self, mailbox: ExcitationMailbox) -> None:
        super().__init__()
        # What the window reads, in order, on its redraw timer: (signal name, payload). One
        # GUI wake-up per redraw instead of one per message (each wake-up may wait for a step).
        self.outbox: deque[tuple[str, object]] = deque()
        self._mailbox = mailbox
        self._sim: SimulationProcess | None = None
        self._mode = DEFAULT_MODE
        self._running = False
        self._real_time = True
        self._on_end = ON_END_PAUSE
        self._time_limit = True
        self._pending: list[tuple[Frame, BodyPose | None]] = []  # each step's frame and pose, to send
        self._last_flush = 0.0
        self._rate_samples: deque[tuple[float, int]] = deque(maxlen=200)
        self._steps_taken = 0
        self._steps_started = 0
        self._steps_dropped = 0  # asked for, then dropped past an episode end or a failure
        self._ends_episodes = True  # False for a model whose pelvis starts below the done height
        self._anchor: tuple[float, float] | None = None  # (wall clock, sim time) for pacing
        self._timer: QTimer | None = None
        self._replay: ControlsSchedule | None = None  # a recording being replayed
        self._loading: SimulationProcess | None = None  # a model being loaded in a new process
        # Set from the GUI thread ("Pause", "Reset", INTERRUPT_CLOSE) before the queued command:
        # a wait on the simulation process that has run too long is then given up.
        self._interrupt: str | None = None
        self.step_thread: QThread | None = None  # the thread that drove the last step (for tests)
        self.native_thread_id: int | None = (
            None  # the OS's id of this worker's thread, once started (the GUI benchmark's CPU account)
        )
        self._controller: str | None = None  # FILE.py[:NAME], called by the simulation process every step
        self._reward: str | None = None  # FILE.py[:NAME], your reward, called after every step
        self._locked: object = None  # the muscles a controller leaves at the sliders' values (bools)
        self._observing = False
        # Each step's observation while the window asks for them (its observation panel is shown).
        self.observations: deque[Observed] = deque(maxlen=OBSERVATIONS_KEPT)

    # -- for any thread ---------------------------------------------------------------
    def request_interrupt(self, why: str) -> None:
        """Any thread: a slow step or load in flight is abandoned (see ABANDON_AFTER_SECONDS)."""
        self._interrupt = why

    def kill_simulation(self) -> None:
        """End the simulation processes at once; safe from any thread (used when closing)."""
        for sim in (self._loading, self._sim):
            if sim is not None:
                sim.kill()

    @property
    def busy(self) -> Busy | None:
        """The call the worker is waiting on (a step, a load...), None when idle: any thread."""
        for sim in (self._loading, self._sim):
            busy = sim.busy if sim is not None else None
            if busy is not None:
                return busy
        return None

    def simulation_stopped(self) -> bool:
        """True when the busy simulation process is stopped (SIGSTOP) and cannot answer."""
        sim = self._loading or self._sim
        return sim is not None and sim.is_stopped()

    @property
    def simulation_pid(self) -> int | None:
        """The simulation process's id (for measuring it), None before a model has loaded."""
        return self._sim.pid if self._sim is not None else None

    @property
    def steps_started(self) -> int:
        """Steps begun since the worker started whose frames were or will be sent (steps asked
        for past an episode end are dropped and not counted), counted when a step reads its
        excitations (an int: safe to read from any thread). A value posted now is used by step
        `steps_started + 1`."""
        return self._steps_started - self._steps_dropped

    def _should_abandon(self, elapsed: float) -> str | None:
        """Asked while waiting on the simulation process: give up on a slow call when told to."""
        why = self._interrupt
        if why == INTERRUPT_CLOSE:
            return why
        if why is not None and elapsed >= ABANDON_AFTER_SECONDS:
            return f"{why} was pressed after it had run {elapsed:.1f} s"
        return None

    def _pacing_delay(self, sim_time: float) -> float:
        """Seconds to wait so that simulated time keeps pace with the wall clock."""
        if not self._real_time:
            return 0.0
        now = time.perf_counter()
        if self._anchor is None:
            self._anchor = (now, sim_time)
            return 0.0
        ahead = (sim_time - self._anchor[1]) - (now - self._anchor[0])
        if ahead < -FALL_BEHIND_SECONDS:
            self._anchor = (now, sim_time)  # slower than real time: do not race to catch up
            return 0.0
        return max(0.0, ahead)

    def _schedule(self, delay: float) -> None:
        if self._running and self._timer is not None:
            self._timer.start(int(delay * 1000))

    def _set_running(self, running: bool) -> None:
        if running != self._running:
            self._running = running
            self._anchor = None
            self._rate_samples.clear()  # the factor is measured over running time only
            if self._timer is not None and not running:
                self._timer.stop()
            self._post("runningChanged", running)

    def _post(self, name: str, payload: object) -> None:
        """Queue a message for the window and emit the same signal for any other listener."""
        self.outbox.append((name, payload))
        getattr(self, name).emit(payload)

    def _flush(self) -> None:
        """Send the pending frames with their poses, and the achieved real-time factor."""
        now = time.perf_counter()
        self._last_flush = now
        if not self._pending or self._sim is None:
            return
        frames = [frame for frame, _ in self._pending]
        poses = [pose for _, pose in self._pending]
        self._pending = []
        self._rate_samples.append((now, self._steps_taken))
        self._post("batchReady", Batch(frames, poses, self._real_time_factor(now)))
        self.framesReady.emit(frames)

    def _real_time_factor(self, now: float) -> float:
        if not self._running:
            return 0.0
        while len(self._rate_samples) > 2 and now - self._rate_samples[0][0] > 1.0:
            self._rate_samples.popleft()
        return self._steps_per_second() * STEP_SECONDS

    def _pipeline_depth(self) -> int:
        """How many steps to keep asked of the child (PIPELINE_SECONDS' worth)."""
        least, most = PIPELINE_DEPTHS
        return int(min(most, max(least, self._steps_per_second() * PIPELINE_SECONDS)))

    def _steps_per_second(self) -> float:
        """Steps taken per wall-clock second over the samples kept (the last second's, taken at
        each flush); 0 without two of them."""
        samples = self._rate_samples
        if len(samples) < 2:
            return 0.0
        (t0, s0), (t1, s1) = samples[0], samples[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0

    def _model_info(self) -> ModelInfo:
        sim = self._sim
        assert sim is not None
        return ModelInfo(
            path=sim.model_path,
            name=sim.model_name,
            muscles=sim.muscles,
            joint_angle_names=sim.joint_angle_names,
            body_names=sim.body_names,
            mode=self._mode,
            recording_names=RecordingNames.from_simulation(sim),
            scene=sim.scene,
            start_warnings=sim.start_warnings,
            locked_joint_angles=sim.locked_joint_angles,
            observation_layout=sim.observation_layout,
            engine=sim.engine,
        )
