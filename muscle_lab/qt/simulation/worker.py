"""The simulation thread: a worker object that drives the simulation.

The GUI sends commands as queued signals (handled between steps) and excitations through a
lock-protected mailbox (latest value wins, read before every step), and reads frames back in
batches from the worker's outbox. OpenSim itself runs in a child process that this thread
drives (`SimulationProcess`): a step holds the GIL for its whole integration, which in this
process would stall the window; there it runs on the other core while this thread waits.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time

from PyQt5.QtCore import QThread, QTimer, pyqtSlot

from muscle_lab.core.errors import ModelLoadError, SimulationFailed
from muscle_lab.core.excitations import ExcitationError
from muscle_lab.core.frame import Frame
from muscle_lab.core.recording.replay import ControlsSchedule
from muscle_lab.core.simulation.integrator import settings_for
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.protocol import SimulationAbandoned
from muscle_lab.core.simulation.state_store import StateNotKept
from muscle_lab.core.simulation.user_controller import ControllerError
from muscle_lab.qt.simulation.news import MOMENT_ARMS_WHILE_RUNNING, ON_END_RESET, Branched
from muscle_lab.qt.simulation.worker_reward import RewardWorker
from muscle_lab.qt.simulation.worker_state import GIL_SWITCH_SECONDS, INTERRUPT_CLOSE
from muscle_lab.qt.simulation.worker_state import guarded as _guarded

# Frames and their poses go to the GUI at most this often: at real time every other 10 ms step
# (50 Hz). At 20 ms it was every third step (jitter), which held the 3D view to ~30 poses a second.
BATCH_SECONDS = 0.015
# What starting a simulation process can raise: the model file may have changed since it loaded.
RESTART_ERRORS = (ModelLoadError, SimulationFailed, OSError)


class SimulationWorker(RewardWorker):
    """Steps the simulation on a timer in its own thread; its slots run in that thread."""

    # -- commands (queued from the GUI thread) ---------------------------------------
    @pyqtSlot(object, str)
    @_guarded
    def start(self, model_path: object, mode: str) -> None:
        self.native_thread_id = threading.get_native_id()  # this thread's, for the GUI benchmark's CPU account
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
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
        sim = SimulationProcess(
            model_path, settings_for(self._mode), self._should_abandon, start=False, poses="deferred"
        )
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
        if self._reward is not None:
            self.set_reward(self._reward)  # your reward for the new model too

    @pyqtSlot(str)
    @_guarded
    def set_mode(self, mode: str) -> None:
        """A new integrator applies from a fresh episode: the episode restarts."""
        self._mode = mode
        if self._sim is not None:
            self._end_replay("the mode changed")
            try:
                self._after_reset(self._sim.change_integrator(settings_for(mode)))
                self._post("engineChanged", self._sim.engine)  # fast mode runs on OpenSim
            except RESTART_ERRORS as error:
                self._post("simulationFailed", str(error))

    @pyqtSlot(bool)
    @_guarded
    def set_real_time(self, real_time: bool) -> None:
        self._real_time = real_time
        self._anchor = None
        self._rate_samples.clear()  # the steps asked ahead follow the new pace, not the last second's

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
        self._post("branched", Branched(episode, step, frame, self._current_pose()))
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

    @pyqtSlot(int, bool)
    @_guarded
    def moment_arms(self, muscle_index: int, standing: bool = False) -> None:
        """A muscle's moment arms and lengths at the current pose or the standing start
        (core.moment_arms), computed in the simulation process only while paused: a step must
        not wait on it."""
        if self._sim is None:
            self._post("momentArms", "no model is loaded yet")
        elif self._running:
            self._post("momentArms", MOMENT_ARMS_WHILE_RUNNING)
        else:
            try:
                self._post("momentArms", self._sim.moment_arms(muscle_index, standing=standing))
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
                # Behind the wall clock: take every step the child has finished in this one turn,
                # then ask for the next ones at once, so that the child computes while this
                # thread waits for the GIL (the window's drawing holds it).
                while self._running and self._interrupt is None and sim.step_ready():
                    if self._collect_step() is None:
                        break
                depth = self._pipeline_depth()
                if self._replay is not None:  # none asked past the recording's end
                    depth = min(depth, max(1, self._replay.steps - sim.frame.step))
                while self._running and self._interrupt is None and sim.steps_in_flight < depth:
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
        self._report_reward_failure()
        return frame

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

    def _current_pose(self) -> BodyPose | None:
        """The pose of the simulation's current frame: the one that came with it (an episode's
        start brings its pose: no call, the child goes on), else read."""
        if self._sim is None:
            return None
        return self._sim.pose if self._sim.pose is not None else self._sim.read_pose()

    def _after_reset(self, frame: Frame) -> None:
        # A model that starts "fallen" (osim-rl's 9-dof model has its pelvis at 0 m) never
        # ends an episode: every step would end it.
        self._ends_episodes = not frame.done
        if self._sim is not None:
            self._sim.set_stop_at_end(self._ends_episodes)  # steps asked past the end cost nothing
        self._pending.append((frame, self._current_pose()))
        self._anchor = None
        self._flush()
        self._report_dropped_controller()
        self._report_reward_failure()  # a new simulation process could not load it again

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
