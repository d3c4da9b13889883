"""The simulation thread: a worker object that drives the simulation.

The GUI sends commands as queued signals (handled between steps) and excitations through a
lock-protected mailbox (latest value wins, read before every step), and reads frames back in
batches from the worker's outbox. OpenSim itself runs in a child process that this thread
drives (`SimulationProcess`): a step holds the GIL for its whole integration, which in this
process would stall the window; there it runs on the other core while this thread waits.
"""

from __future__ import annotations

import contextlib
import functools
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PyQt5.QtCore import QObject, QThread, QTimer, pyqtSignal, pyqtSlot

from muscle_lab.core.errors import ModelLoadError, SimulationFailed
from muscle_lab.core.excitations import ExcitationError
from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.integrator import DEFAULT_MODE, settings_for
from muscle_lab.core.muscles import MuscleInfo
from muscle_lab.core.observation import ObservationLayout
from muscle_lab.core.pose import BodyPose, SceneDescription
from muscle_lab.core.recording import RecordingNames
from muscle_lab.core.replay import ControlsSchedule
from muscle_lab.core.simulation_process import Busy, Observed, SimulationAbandoned, SimulationProcess
from muscle_lab.core.state_store import StateNotKept
from muscle_lab.core.user_controller import ControllerError
from muscle_lab.qt.simulation.handoff import ExcitationMailbox

# Frames and their poses go to the GUI at most this often: at real time every other 10 ms step
# (50 Hz). At 20 ms it was every third step (jitter), which held the 3D view to ~30 poses a second.
BATCH_SECONDS = 0.015
FALL_BEHIND_SECONDS = 0.25  # real-time pacing gives up catching up beyond this lag
ON_END_PAUSE = "pause"
ON_END_RESET = "reset"
# A Pause or Reset gives up on a step that has run this long (ending the simulation process);
# a shorter one is simply finished first. Closing the window never waits.
ABANDON_AFTER_SECONDS = 1.0
INTERRUPT_CLOSE = "closing the window"
PIPELINE_DEPTH = 2  # steps asked of the child ahead while the simulation is behind real time
OBSERVATIONS_KEPT = 3000  # observations (30 s of steps) waiting for the window to read them
# What starting a simulation process can raise: the model file may have changed since it loaded.
RESTART_ERRORS = (ModelLoadError, SimulationFailed, OSError)
MOMENT_ARMS_WHILE_RUNNING = "the simulation is running: pause it to compute the moment arms at its pose"


@dataclass(frozen=True)
class ModelInfo:
    """What the GUI needs to build its widgets for a model: plain data, no OpenSim."""

    path: Path
    name: str
    muscles: tuple[MuscleInfo, ...]
    joint_angle_names: tuple[str, ...]
    body_names: tuple[str, ...]
    mode: str
    recording_names: RecordingNames  # column names for recordings of this model
    scene: SceneDescription  # meshes and muscles for the 3D view
    start_warnings: tuple[str, ...] = ()  # e.g. feet starting deep in the ground
    locked_joint_angles: tuple[str, ...] = ()  # never move: not plotted
    observation_layout: ObservationLayout | None = None  # names osim-rl's observation vector


@dataclass(frozen=True)
class Batch:
    """What the worker sends the GUI at most every BATCH_SECONDS."""

    frames: list[Frame]
    poses: list[BodyPose | None]  # one per frame: the body at that frame (None where unreadable)
    real_time_factor: float  # achieved over the last second; 0 while paused

    @property
    def pose(self) -> BodyPose | None:
        """The latest readable pose of the batch."""
        return next((pose for pose in reversed(self.poses) if pose is not None), None)


@dataclass(frozen=True)
class Branched:
    """A new episode that continues `source` episode from `step`: `frame` is that step's
    restored state (numbered as the new episode)."""

    source: int
    step: int
    frame: Frame
    pose: BodyPose | None


def _guarded(slot: Callable[..., None]) -> Callable[..., None]:
    """A slot whose unexpected exception pauses the simulation and becomes a message: escaping
    the simulation thread, it would reach the excepthook from there (and once killed the window)."""

    @functools.wraps(slot)
    def guarded(self: SimulationWorker, *args: object) -> None:
        try:
            slot(self, *args)
        except Exception as error:  # noqa: BLE001 - reported in the window, traceback on stderr
            traceback.print_exc()
            self._on_unexpected(error)

    return guarded


class SimulationWorker(QObject):
    """Steps the simulation on a timer in its own thread; its slots run in that thread."""

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
        self._controller: str | None = None  # FILE.py[:NAME], called by the simulation process every step
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

    # -- commands (queued from the GUI thread) ---------------------------------------
    @pyqtSlot(object, str)
    @_guarded
    def start(self, model_path: object, mode: str) -> None:
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._mode = mode
        self.load_model(model_path)
        if self._sim is None and model_path is not None:
            self.load_model(None)  # the requested model failed: fall back to the default

    @pyqtSlot(object)
    @_guarded
    def load_model(self, model_path: object) -> None:
        sim = SimulationProcess(model_path, settings_for(self._mode), self._should_abandon, start=False, poses=True)
        self._loading = sim
        sim.set_time_limit_at_start(self._time_limit)
        try:
            sim.start()
        except RESTART_ERRORS as error:
            self._post("modelFailed", str(error))
            return
        finally:
            self._loading = None
        self._pending.clear()
        self._end_replay("the model changed")
        if self._sim is not None:
            self._sim.close()
        self._sim = sim
        self._mailbox.take()  # values meant for the previous model
        self._prepare_observations(sim)
        self._post("modelLoaded", self._model_info())
        self._after_reset(sim.frame)
        if self._controller is not None:
            self.set_controller(self._controller)  # it drives the new model too, from a new episode

    @pyqtSlot(str)
    @_guarded
    def set_mode(self, mode: str) -> None:
        """A new integrator applies from a fresh episode: the episode restarts."""
        self._mode = mode
        if self._sim is not None:
            self._end_replay("the mode changed")
            try:
                self._after_reset(self._sim.change_integrator(settings_for(mode)))
            except RESTART_ERRORS as error:
                self._post("simulationFailed", str(error))

    @pyqtSlot(bool)
    @_guarded
    def set_real_time(self, real_time: bool) -> None:
        self._real_time = real_time
        self._anchor = None

    @pyqtSlot(str)
    @_guarded
    def set_on_episode_end(self, choice: str) -> None:
        self._on_end = choice

    @pyqtSlot(bool)
    @_guarded
    def set_time_limit(self, on: bool) -> None:
        """osim-rl's 300-step limit on or off (free play), from the next step; kept across models."""
        self._time_limit = on
        if self._sim is not None:
            self._sim.set_time_limit(on)

    @pyqtSlot()
    @_guarded
    def run(self) -> None:
        if not self._ready_to_advance():
            return
        if self._episode_over():
            self.reset()  # an ended episode runs again from the start
        self._set_running(True)
        self._schedule(0.0)

    @pyqtSlot()
    @_guarded
    def pause(self) -> None:
        self._interrupt = None
        # Steps already asked for are part of the run: sent before "paused", so that nothing
        # arrives after the window has seen the pause.
        self._collect_steps_in_flight()
        self._flush()
        self._set_running(False)

    @pyqtSlot()
    @_guarded
    def step(self) -> None:
        """One step while paused."""
        if not self._ready_to_advance():
            return
        if self._episode_over():
            self.reset()
            return
        self._advance()
        self._flush()

    @pyqtSlot()
    @_guarded
    def reset(self) -> None:
        self._interrupt = None
        if self._sim is None:
            return
        self._end_replay("the simulation was reset")
        try:
            self._after_reset(self._sim.reset())
        except SimulationAbandoned as abandoned:  # a new process was loading the model
            self._post("problem", f"The simulation was not restarted: {abandoned}.")
        except RESTART_ERRORS as error:  # a new process re-reads the model file
            self._post("simulationFailed", str(error))

    @pyqtSlot(int, int)
    @_guarded
    def branch(self, episode: int, step: int) -> None:
        """Continue from the state of `step` of `episode` (kept in the simulation process) as
        a new episode, with the excitations the window sent last; running goes on running."""
        if self._sim is None:
            return
        # A failed integration leaves the process and its kept states alive: going back to an
        # earlier step is the way out. A dead process is reported by the restore below.
        self._collect_steps_in_flight()  # the old future's last steps stay with it
        self._flush()
        self._end_replay("the simulation continued from an earlier step")
        try:
            frame = self._sim.restore(episode, step)
        except SimulationAbandoned as abandoned:
            self._post("problem", f"Did not continue from step {step}: {abandoned}.")
            return
        except StateNotKept as missing:
            self._post("problem", f"Cannot continue from here: {missing}.")
            return
        except RESTART_ERRORS as error:
            self._post("simulationFailed", str(error))
            return
        self._post("branched", Branched(episode, step, frame, self._sim.read_pose()))
        self._anchor = None
        if frame.done and self._ends_episodes:
            self._set_running(False)  # a step at or past the end: Run starts a new episode

    @pyqtSlot(object, bool)
    @_guarded
    def play_controls(self, schedule: ControlsSchedule, start_running: bool = True) -> None:
        """Replay recorded excitations from the standing start; a slider move takes over.

        Without `start_running` the replay waits, paused, for Run or Step."""
        if self._sim is None:
            return
        if tuple(schedule.muscle_names) != self._sim.muscle_names:
            self._post("problem", f"{schedule.source.name} was read for other muscles than this model's")
            return
        if self._controller is not None:
            self.set_controller(None)  # the recording drives now
        self.reset()
        self._mailbox.take()  # slider values from before the replay
        self._replay = schedule
        self._post("replayChanged", f"replaying {schedule.source.name} ({schedule.duration:.2f} s)")
        if start_running:
            self.run()

    @pyqtSlot(int)
    @_guarded
    def moment_arms(self, muscle_index: int) -> None:
        """A muscle's moment arms and lengths at the current pose (core.moment_arms), computed in
        the simulation process only while paused: a step must not wait on it."""
        if self._sim is None:
            self._post("momentArms", "no model is loaded yet")
        elif self._running:
            self._post("momentArms", MOMENT_ARMS_WHILE_RUNNING)
        else:
            try:
                self._post("momentArms", self._sim.moment_arms(muscle_index))
            except (IndexError, ValueError, RuntimeError) as error:  # SimulationFailed: a dead process
                self._post("momentArms", f"the moment arms of muscle {muscle_index} were not computed: {error}")

    def _end_replay(self, why: str) -> None:
        if self._replay is not None:
            self._post("replayChanged", None)
            self._post("problem", f"Replay of {self._replay.source.name} ended: {why}.")
            self._replay = None

    @pyqtSlot()
    @_guarded
    def shutdown(self) -> None:
        """Stop stepping, close the simulation process, and end the thread's event loop."""
        self._interrupt = INTERRUPT_CLOSE
        self._running = False
        if self._timer is not None:
            self._timer.stop()
        self._pending.clear()
        if self._sim is not None:
            self._sim.close()
        self._sim = None
        thread = self.thread()
        if thread is not None:
            thread.quit()

    # -- stepping --------------------------------------------------------------------
    @_guarded
    def _tick(self) -> None:
        if not self._running or self._sim is None or self._interrupt is not None:
            return  # an interrupt's queued command (pause, reset, shutdown) comes next
        sim = self._sim
        if sim.steps_in_flight == 0:
            self._issue_step()
        frame = self._collect_step()
        if frame is not None and self._running:
            delay = self._pacing_delay(frame.time)
            if delay == 0.0:
                # Behind the wall clock: the child starts the next steps now, so that it computes
                # while this thread waits for the window's turn (a 3D render holds the GIL).
                while sim.steps_in_flight < PIPELINE_DEPTH:
                    self._issue_step()
            self._schedule(delay)
        if time.perf_counter() - self._last_flush >= BATCH_SECONDS:
            self._flush()

    def _advance(self) -> Frame | None:
        """One step with the latest excitations (while paused); handles episode end and failure."""
        self._issue_step()
        return self._collect_step()

    def _drop_steps_in_flight(self) -> str | None:
        """Drop the steps asked past an end or a failure; why, when one had to be abandoned
        (Pause or Reset while it hung): the caller restarts the simulation once it has said the rest."""
        sim = self._sim
        assert sim is not None
        self._steps_dropped += sim.steps_in_flight
        try:
            sim.discard_steps()
        except SimulationAbandoned as abandoned:
            return str(abandoned)
        return None

    def _collect_steps_in_flight(self) -> None:
        """Receive the steps the child is still computing: they are real steps of this episode."""
        while self._sim is not None and self._sim.steps_in_flight and self._collect_step() is not None:
            pass

    def _issue_step(self) -> None:
        """Ask the child for one step with the latest excitations (a replay's, unless a slider moved)."""
        sim = self._sim
        assert sim is not None
        self.step_thread = QThread.currentThread()
        values = self._mailbox.take()
        if values is not None and len(values) != len(sim.muscles):
            values = None  # posted for the previous model, before the window rebuilt its sliders
        self._steps_started += 1
        if self._replay is not None:
            if values is not None:
                self._end_replay("a slider moved")
            else:  # the steps already asked for come first
                values = self._replay.for_step(sim.frame.step + sim.steps_in_flight)
        if values is not None:
            try:
                sim.set_excitations(values)
            except ExcitationError as error:
                self._post("problem", str(error))
        sim.send_step()

    def _collect_step(self) -> Frame | None:
        """The oldest step asked for; handles episode end, failure and the end of a replay."""
        sim = self._sim
        assert sim is not None
        in_flight = sim.steps_in_flight
        try:
            frame = sim.receive_step()  # waits on the child without the GIL: the window keeps running
        except ControllerError as failed:
            self._on_controller_failed(failed, in_flight)
            return None
        except SimulationAbandoned as abandoned:
            self._recover_from_abandoned_step(str(abandoned))
            return None
        self._steps_taken += 1
        self._pending.append((frame, sim.pose))
        if self._replay is not None and frame.step >= self._replay.steps and not frame.error:
            self._end_replay("the file is over; its last excitations hold")
            self._collect_steps_in_flight()  # asked for already, with the last excitations
            self._flush()
            self._set_running(False)
        if frame.error:
            self._set_running(False)
            abandoned = self._drop_steps_in_flight()
            self._flush()
            self._post("simulationFailed", frame.error)
        elif frame.done and self._ends_episodes:
            abandoned = self._drop_steps_in_flight()  # past the end
            self._flush()
            self._post("episodeEnded", frame)
            if self._on_end == ON_END_RESET and self._running and abandoned is None:
                self.reset()
            else:
                self._set_running(False)
        else:
            abandoned = None
        if abandoned is not None:
            self._recover_from_abandoned_step(abandoned)
        return frame

    def _should_abandon(self, elapsed: float) -> str | None:
        """Asked while waiting on the simulation process: give up on a slow call when told to."""
        why = self._interrupt
        if why == INTERRUPT_CLOSE:
            return why
        if why is not None and elapsed >= ABANDON_AFTER_SECONDS:
            return f"{why} was pressed after it had run {elapsed:.1f} s"
        return None

    def _recover_from_abandoned_step(self, reason: str) -> None:
        """The child was ended mid-step: start a new one at the standing start (unless closing)."""
        self._pending.clear()
        self._end_replay("the step was abandoned")
        self._set_running(False)
        if self._interrupt == INTERRUPT_CLOSE:
            return
        at = self._sim.frame.time if self._sim is not None else 0.0
        self._post(
            "problem",
            f"Abandoned the step from t = {at:.2f} s: {reason}. The simulation restarts from the "
            "standing start (a new simulation process loads the model).",
        )
        self.reset()

    def _ready_to_advance(self) -> bool:
        """False while running or without a model; a failed simulation is reported instead."""
        if self._sim is None or self._running:
            return False
        if self._sim.failed:
            self._post("simulationFailed", self._sim.frame.error or "")
            return False
        return True

    def _episode_over(self) -> bool:
        return self._sim is not None and self._ends_episodes and self._sim.frame.done

    def _after_reset(self, frame: Frame) -> None:
        # A model that starts "fallen" (osim-rl's 9-dof model has its pelvis at 0 m) never
        # ends an episode: every step would end it.
        self._ends_episodes = not frame.done
        self._pending.append((frame, self._sim.read_pose() if self._sim is not None else None))
        self._anchor = None
        self._flush()
        self._report_dropped_controller()

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
        (t0, s0), (t1, s1) = self._rate_samples[0], self._rate_samples[-1]
        return (s1 - s0) * STEP_SECONDS / (t1 - t0) if t1 > t0 else 0.0

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
        )

    # -- a user's controller and the observations ------------------------------------------
    @pyqtSlot(object)
    @_guarded
    def set_controller(self, spec: object) -> None:
        """A user's controller (FILE.py[:NAME]) drives from a new episode on, as after the
        environment's reset; None gives the sliders back where the controller left them."""
        self._controller = None if spec is None else str(spec)
        if self._sim is None:
            return
        self._collect_steps_in_flight()  # real steps, taken before the change
        self._flush()
        if spec is not None:
            self._end_replay("a controller drives now")
        try:
            description = self._sim.set_controller(self._controller)
        except ControllerError as error:
            self._controller = None
            self._post("controllerChanged", None)
            self._set_running(False)
            self._post("controllerFailed", error)
            return
        except SimulationAbandoned as abandoned:  # Pause or Reset while its file was loading
            self._controller = None
            self._post("controllerChanged", None)
            self._post("problem", f"The controller was not loaded: {abandoned}.")
            self.reset()
            return
        except RESTART_ERRORS as error:  # the simulation process died
            self._post("simulationFailed", str(error))
            return
        self._post("controllerChanged", description)
        if spec is not None:
            self.reset()

    @pyqtSlot(object)
    @_guarded
    def set_locked(self, mask: object) -> None:
        """Muscles (True) that keep the sliders' values while a controller drives the others."""
        self._locked = mask
        if self._sim is not None:
            self._sim.set_locked(mask)

    @pyqtSlot(bool)
    @_guarded
    def set_observing(self, on: bool) -> None:
        """Each step sends osim-rl's observation (to `observations`) while on; off, none is computed."""
        self._observing = on
        if not on:
            self.observations.clear()
        if self._sim is not None:
            self._sim.set_observing(on)

    def _prepare_observations(self, sim: SimulationProcess) -> None:
        sim.on_observation = self.observations.append
        sim.set_locked(self._locked)
        sim.set_observing(self._observing)

    def _report_dropped_controller(self) -> None:
        """A new simulation process (after a crash or an abandoned step) could not load the
        controller again (its file changed): the sliders drive, and the window says why."""
        sim = self._sim
        if sim is not None and sim.controller_dropped is not None:
            error, sim.controller_dropped = sim.controller_dropped, None
            self._controller = None
            self._post("controllerChanged", None)
            self._post("controllerFailed", error)

    def _on_unexpected(self, error: Exception) -> None:
        with contextlib.suppress(Exception):  # the state it left may be odd: pausing is best effort
            self._set_running(False)
        self._post(
            "problem",
            f"The simulation paused on an unexpected error: {type(error).__name__}: {error} (details on stderr). "
            "Reset starts a new episode.",
        )

    def _on_controller_failed(self, error: ControllerError, dropped: int) -> None:
        """The controller failed in a step: no step was taken (nor those asked after it). Pause and
        tell; Run calls it again, Reset starts a new episode."""
        self._steps_dropped += dropped
        self._set_running(False)
        self._flush()
        self._post("controllerFailed", error)
