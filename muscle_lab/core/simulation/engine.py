"""Forward simulation of a muscle-driven model in 0.01 s steps, osim-rl style."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import opensim

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.simulation.integrator import FAITHFUL, IntegratorSettings, without_cpodes_tweaks
from muscle_lab.core.simulation.model import LoadedModel, ModelLoadError, SimulationProperties, describe_error
from muscle_lab.core.simulation.simtk_integrator import tweak_cpodes, tweaks_unavailable
from muscle_lab.core.simulation.start_check import start_warnings
from muscle_lab.core.simulation.state_store import SavedState

if TYPE_CHECKING:
    from muscle_lab.core.observation.reader import ObservationReader
    from muscle_lab.core.simulation.pose import BodyPose, PoseReader

# Changes a reset's start (model, state) before its muscles are equilibrated: muscle_lab.env's start noise.
AdjustStart = Callable[[Any, Any], None]

__all__ = ["STEP_SECONDS", "Frame", "Simulation", "SimulationFailed"]


class Simulation(SimulationProperties):
    """An OpenSim model driven by one excitation per muscle, stepped 0.01 s at a time.

    Like osim-rl's OsimModel, one Manager integrates from reset to each step's end time, so the
    integrator keeps its step-size history; excitations change between steps.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        integrator: IntegratorSettings = FAITHFUL,
        first_episode: int = 0,
        time_limit: bool = True,
    ) -> None:
        """`first_episode`: the number of the first episode (a restarted simulation process
        goes on counting where its predecessor stopped). `time_limit`: end episodes after 300
        steps, as osim-rl does; off for free play (may be switched at any time)."""
        integrator, self.integrator_note = reachable_settings(integrator)
        self.loaded = LoadedModel(model_path, integrator.rigid_tendon_muscles, integrator.weld_locked_coordinates)
        self.integrator = integrator
        self.time_limit = time_limit
        self.episode = first_episode - 1  # counts resets and restores: Frame.episode
        self._excitations: np.ndarray = np.zeros(len(self.loaded.muscles))
        self._pending_notes: list[str] = []
        try:
            self.frame = self.reset()
        except SimulationFailed as error:
            raise ModelLoadError(f"model {self.loaded.path} cannot start: {error}") from None
        self.start_warnings = start_warnings(self.loaded, self._state, self.frame.pelvis_height)
        if self.integrator_note:
            self.start_warnings += (self.integrator_note,)

    # -- description -------------------------------------------------------------------
    # -- control -----------------------------------------------------------------------
    def set_excitations(self, values: Iterable[float]) -> list[str]:
        """Use these excitations from the next step on. Returns a note per clipped value.

        Raises ExcitationError for NaN, infinity or a wrong length; nothing changes then.
        """
        checked, notes = check_excitations(values, self.muscle_names)
        self._excitations = checked
        self._pending_notes.extend(notes)
        return notes

    def change_integrator(self, integrator: IntegratorSettings) -> Frame:
        """Switch mode and start a new episode. A mode with other muscles reloads the model."""
        previous = (self.loaded, self.integrator)
        integrator, self.integrator_note = reachable_settings(integrator)
        if (integrator.rigid_tendon_muscles, integrator.weld_locked_coordinates) != (
            self.integrator.rigid_tendon_muscles,
            self.integrator.weld_locked_coordinates,
        ):
            self.loaded = LoadedModel(
                self.loaded.path, integrator.rigid_tendon_muscles, integrator.weld_locked_coordinates
            )
        self.integrator = integrator
        try:
            return self.reset()
        except SimulationFailed:
            self.loaded, self.integrator = previous  # keep what worked
            self.reset()
            raise

    def reset(self, held_controls: Sequence[float] | None = None, adjust_start: AdjustStart | None = None) -> Frame:
        """Back to the model's initial standing state; the excitations are kept.

        `adjust_start(model, state)` may change the start's coordinates and speeds before the
        muscles are equilibrated (muscle_lab.env's start noise).

        `held_controls`: start the integrator now, with these controls held, as osim-rl's
        reset does (its Manager is initialised at reset with the controls of that moment: all
        1.0 at the first reset, the last action after). The first step then depends on them.
        """
        model = self.loaded.model
        try:
            self._state = model.initializeState()
            if adjust_start is not None:
                adjust_start(model, self._state)
            model.equilibrateMuscles(self._state)
        except Exception as error:  # noqa: BLE001  any OpenSim error, e.g. a muscle that admits no equilibrium
            raise SimulationFailed(f"cannot reset the model: {describe_error(error)}") from None
        self._state.setTime(0.0)
        self._step = 0
        self._total_reward = 0.0
        self.episode += 1
        # The Manager is made at the first step: `initialize` evaluates derivatives with the
        # controls of that moment, so making it here would carry the previous episode's last
        # excitations into this one (the same excitations gave different episodes).
        self._manager: opensim.Manager | None = None
        if held_controls is not None:
            self.loaded.set_controls([float(value) for value in held_controls])
            self._manager = self._new_manager(self._state)
        self.frame = self._read_frame(reward=0.0)
        return self.frame

    def saved_state(self) -> SavedState:
        """The current state's values, enough for `restore` to continue from it exactly."""
        frame = self.frame
        return SavedState(
            episode=frame.episode,
            step=frame.step,
            time=frame.time,
            values=self._state.getY().to_numpy().copy(),
            excitations=frame.excitations,
            reward=frame.reward,
            total_reward=frame.total_reward,
        )

    def restore(self, saved: SavedState) -> Frame:
        """Continue from a saved state as a new episode (a branch): the same state-variable
        values, time, step and total reward; the current excitations apply from the next step.

        The integrator starts afresh (as at a reset), so the continuation matches the original
        one to the integrator's accuracy, not bit for bit."""
        self.episode += 1
        return self._load(saved)

    def rewind(self, saved: SavedState) -> Frame:
        """Back to a saved state of the current episode, which goes on from there: steps computed
        past its end (a pipelined step) are dropped, so that what is read next (a pose, moment
        arms, the observation) is of the episode's last step."""
        if saved.episode != self.episode:
            raise SimulationFailed(f"cannot rewind episode {self.episode} to a state of episode {saved.episode}")
        return self._load(saved)

    def _load(self, saved: SavedState) -> Frame:
        model = self.loaded.model
        expected = self._state.getNY()
        if saved.values.size != expected:
            raise SimulationFailed(f"a saved state of {saved.values.size} values for a model with {expected}")
        state = model.initializeState()
        state.setTime(saved.time)
        state.setY(opensim.Vector.createFromMat(np.asarray(saved.values, dtype=float)))
        self._state = state
        self._step = saved.step
        self._manager = None
        frame = self._read_frame(reward=saved.reward)
        self._total_reward = saved.total_reward  # as stored: a sum recomputed may differ in its last bit
        self.frame = replace(frame, excitations=saved.excitations, total_reward=saved.total_reward)
        return self.frame

    def step(self) -> Frame:
        """Integrate one 0.01 s step with the current excitations.

        A failing integration (an OpenSim exception or a non-finite state) does not raise:
        the returned frame carries the error and `done`, and the simulation must be reset.
        `done` also marks a fall and, with `time_limit`, the 300th step (`Frame.end_reason`).
        """
        if self.failed:
            raise SimulationFailed(f"the simulation failed ({self.frame.error}); reset it first")
        self.loaded.set_controls(self._excitations.tolist())
        target_step = self._step + 1
        try:
            if self._manager is None:
                self._manager = self._new_manager(self._state)
            state = self._manager.integrate(target_step * STEP_SECONDS)
            self.loaded.model.realizeVelocity(state)  # reward needs velocities, no more
            self._state = state
            self._step = target_step
            frame = self._read_frame(reward=None)
        except Exception as error:  # noqa: BLE001  any failure becomes the frame's error, never a raise
            return self._fail(f"integration failed at t={target_step * STEP_SECONDS:.2f} s: {describe_error(error)}")
        if not _is_finite(frame):
            return self._fail(f"the state became non-finite at t={frame.time:.2f} s")
        self.frame = frame
        return frame

    def run(self, seconds: float, stop_at_done: bool = True) -> list[Frame]:
        """Step for `seconds` of simulated time (or until done, or a failure)."""
        frames = []
        for _ in range(round(seconds / STEP_SECONDS)):
            frame = self.step()
            frames.append(frame)
            if frame.error or (stop_at_done and frame.done):
                break
        return frames

    # -- internals ---------------------------------------------------------------------
    def _new_manager(self, state: opensim.State) -> opensim.Manager:
        manager = opensim.Manager(self.loaded.model)
        # The Manager otherwise stores every internal step: memory would grow without bound.
        manager.setWriteToStorage(False)
        manager.setPerformAnalyses(False)
        manager.setRecordStatesTrajectory(False)
        apply_integrator(manager, self.integrator)
        manager.initialize(state)
        return manager

    def _read_frame(self, reward: float | None) -> Frame:
        state, loaded = self._state, self.loaded
        loaded.model.realizeVelocity(state)
        coordinates = loaded.coordinate_values(state)
        pelvis = loaded.pelvis
        height = pelvis.getTransformInGround(state).p()[1]
        vx = pelvis.getVelocityInGround(state).get(1)[0]
        return self._new_frame(state.getTime(), loaded.activations(state), coordinates, height, vx, reward)

    def _fail(self, message: str) -> Frame:
        self.frame = Frame(**{**self.frame.__dict__, "error": message, "done": True})
        return self.frame

    @property
    def state(self) -> opensim.State:
        """The current OpenSim state (for readers in this thread, such as the pose)."""
        return self._state

    def read_pose(self, reader: PoseReader, deferred: bool = False) -> BodyPose:
        """The drawn pose of the current state (as the compiled engine's, which reads its own;
        `deferred` is the compiled engine's only: OpenSim's pose is read now)."""
        return reader.read(self._state)

    def observation(self, reader: ObservationReader) -> np.ndarray:
        """osim-rl's observation vector of the current state (as the compiled engine's)."""
        return reader.vector(self._state)

    def pelvis_velocity(self) -> tuple[float, float, float]:
        """The pelvis's (reward body's) origin velocity in ground now."""
        velocity = self.loaded.pelvis.getVelocityInGround(self._state).get(1)
        return float(velocity[0]), float(velocity[1]), float(velocity[2])

    def state_snapshot(self) -> Callable[[], opensim.State]:
        """The current state, kept for later: a copy now, returned by the call."""
        copy = opensim.State(self._state)
        return lambda: copy


def apply_integrator(manager: opensim.Manager, settings: IntegratorSettings) -> None:
    """Set the Manager's integrator method and accuracy (and, for CPodes, interpolation and order).

    It lives here, not on IntegratorSettings, so that choosing a mode (the window does) never imports OpenSim.
    """
    manager.setIntegratorMethod(getattr(opensim.Manager, f"IntegratorMethod_{settings.method}"))
    manager.setIntegratorAccuracy(settings.accuracy)
    if settings.tweaks_cpodes:
        tweak_cpodes(manager, settings.interpolate, settings.order_limit)


def reachable_settings(settings: IntegratorSettings) -> tuple[IntegratorSettings, str | None]:
    """`settings`, or where they need Simbody calls this OpenSim does not offer, the same mode
    without them and a message saying so (once per Simulation: its start warnings)."""
    if not settings.tweaks_cpodes:
        return settings, None
    reason = tweaks_unavailable()
    if reason is None:
        return settings, None
    fallback = without_cpodes_tweaks(settings)
    return fallback, (
        f"{settings.name} mode runs CPodes at {fallback.accuracy:g} with interpolation, slower and less "
        f"faithful to time-varying actions: {reason}"
    )


def _is_finite(frame: Frame) -> bool:
    return (
        math.isfinite(frame.pelvis_height)
        and math.isfinite(frame.pelvis_vx)
        and bool(np.isfinite(frame.coordinates).all())
        and bool(np.isfinite(frame.activations).all())
    )
