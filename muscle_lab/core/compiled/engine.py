"""The compiled engine: the model's state derivative as generated C (staged), integrated by
SUNDIALS' CVODE (BDF) 0.01 s at a time, stopping exactly at each step's end (tstop: no
interpolation back from past it) and keeping its history across steps. CVODE's loop runs in C
(driver.py, built against scikit-sundae's SUNDIALS) or, where that cannot be built, through
scikit-sundae's Python interface: the same steps to the last bit (tests/core/compiled/test_driver.py).

It reads what OpenSim reads (LoadedModel with the locked coordinates welded), starts from
OpenSim's equilibrated state and produces the same Frames as core.simulation.Simulation. The
state is x = [q, u, activation, fiber_length] in the compiled model's order.

Why CVODE (measured): the state is stiff (fiber lengths of deactivated muscles, foot contact);
SciPy's BDF, restarted each step, took 8-19 ms a step in its own Python, ~10x the derivative's
cost, where CVODE's loop is C (0.8 ms a step standing). The Jacobian is the compiled
derivative's by forward differences grouped on its sparsity (all activations in one evaluation:
each acts on its own muscle only), 48 calls made in C (c_entry). An exact one would not pay: with central
differences instead (near-exact) CVODE took the same evaluations (55.8 vs 56.6 a step with
random actions, 40.3 both in the hip thrust; ~0.8-0.95 Jacobians a step: each step's new
excitations trigger one), and a directional-derivative C function costs ~62k operations a
direction against the derivative's 27k.

Measured by `python -m muscle_lab.bench --compiled` (prosthetic model, 2 shared cores, one run,
CVODE's loop then in scikit-sundae; this round's figures with the C loop are in the README):
within 5 mm, 1 degree and the same steps as osim-rl's reference on all 27 cases (the three
constant scenarios, each muscle alone, five random-action episodes; worst 0.85 mm, 0.79 deg);
ms/step reference / faithful / compiled: standing 26.5 / 3.7 / 0.28, all zero 39.4 / 14.2 / 0.97,
hip thrust 179 / 23.3 / 1.71, random actions ~22-34 / 14-21 / 1.2-1.9; 758 steps/s (7.6x real
time) with random actions, ~103 derivative evaluations a step (about 40 of them one Jacobian).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import opensim

from muscle_lab.core.compiled.codegen import CompiledFunction, compiled_library, jacobian_function
from muscle_lab.core.compiled.driver import CvodeDriver, driver_library
from muscle_lab.core.compiled.observation import CompiledObservation
from muscle_lab.core.compiled.pose import CompiledPose
from muscle_lab.core.compiled.reader import read_model
from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.excitations import check_excitations
from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.simulation.engine import AdjustStart
from muscle_lab.core.simulation.model import LoadedModel, SimulationProperties
from muscle_lab.core.simulation.state_store import SavedState

if TYPE_CHECKING:
    from muscle_lab.core.observation.reader import ObservationReader
    from muscle_lab.core.simulation.pose import BodyPose, PoseReader

# Measured against osim-rl's reference (python -m muscle_lab.bench --compiled): BDF order at most 3
# (as faithful mode caps CPodes) follows it where order 5 at 1e-4 left 2.3 degrees (all zero); at
# rtol 1e-4 order 3 left 3.6 degrees on hamstrings_l alone, at 5e-5 0.16.
RTOL, ATOL, MAX_ORDER = 5e-5, 1e-6, 3


class CompiledSimulation(SimulationProperties):
    """Step 0.01 s with the current excitations; read frames; save and restore states."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        rtol: float = RTOL,
        atol: float = ATOL,
        max_order: int = MAX_ORDER,
        time_limit: bool = True,
        library: Path | None = None,
        loaded: LoadedModel | None = None,
        first_episode: int = 0,
        c_driver: bool = True,
    ) -> None:
        """`library`: the compiled derivative, if already built (else built or found in the cache);
        `loaded`: the model, if already loaded with its locked coordinates welded; `c_driver`
        False: CVODE's loop through scikit-sundae even where the C driver can be built."""
        self.loaded = loaded if loaded is not None else LoadedModel(model_path, weld_locked=True)
        self.data = read_model(self.loaded.model)
        library = library if library is not None else compiled_library(self.data, "rhs")
        self._rhs, self._pose = CompiledFunction(library, "rhs"), CompiledFunction(library, "pose")
        self._bodies = CompiledFunction(library, "bodies")
        self._drawing = CompiledFunction(library, "drawing")
        self._observer: CompiledObservation | None = None
        self._drawer: CompiledPose | None = None
        self.rtol, self.atol, self.max_order, self.time_limit = rtol, atol, max_order, time_limit
        self._evaluations = 0  # through scikit-sundae's loop, and the tools' calls
        n, m = len(self.data.coordinates), len(self.data.muscles)
        self._n, self._m = n, m
        colour, starts, rows = _colouring(n, m)
        self._pattern = (colour, starts, rows)  # kept alive: C reads them
        self._colours = int(colour.max()) + 1
        self._pattern_arguments = (
            colour.size,
            colour.ctypes.data,
            self._colours,
            starts.ctypes.data,
            rows.ctypes.data,
            1e-7,
        )
        self._jacobian_function = jacobian_function(library)
        # Every coordinate of the model as written: the welded ones stay at their locked values.
        fixed = {c.name: c.value for c in self.loaded.fixed_coordinates}
        self._fixed = np.array([fixed.get(name, 0.0) for name in self.coordinate_names])
        self._live = [self.coordinate_names.index(c.name) for c in self.data.coordinates]
        self._excitations = np.zeros(m)
        self._pending_notes: list[str] = []
        self._opensim_state: opensim.State | None = None
        self._xdot: np.ndarray | None = None
        self._scratch_state: opensim.State | None = None
        self._pose_out = np.zeros(6)
        self._parts: tuple[list[opensim.Coordinate], list[opensim.ActivationFiberLengthMuscle]] | None = None
        # CVODE's callbacks read the excitations and x, and write xdot, through these buffers.
        self._applied, self._x_in, self._x_out = np.zeros(m), np.zeros(2 * n + 2 * m), np.zeros(2 * n + 2 * m)
        self._addresses = (self._x_in.ctypes.data, self._applied.ctypes.data, self._x_out.ctypes.data)
        # CVODE driven from C where it can be built here (core.compiled.driver), else through
        # scikit-sundae's Python interface: the same steps either way.
        driver = driver_library() if c_driver else None
        self._driver = None
        if driver is not None:
            self._driver = CvodeDriver(
                driver, library, self._applied, self._pattern, self._colours, 1e-7, (rtol, atol), max_order, 20000
            )
        self.episode = first_episode - 1
        self.frame = self.reset()

    @property
    def evaluations(self) -> int:
        """Derivative evaluations so far (a Jacobian counts its colours)."""
        return self._evaluations + (self._driver.evaluations if self._driver is not None else 0)

    @property
    def driver(self) -> str:
        """What runs CVODE's loop: "C" (core.compiled.driver) or "scikit-sundae"."""
        return "C" if self._driver is not None else "scikit-sundae"

    # -- description, as Simulation --------------------------------------------------------
    @property
    def x(self) -> np.ndarray:
        """x = [q, u, activation, fiber_length] (a copy)."""
        copy: np.ndarray = self._x.copy()
        return copy

    @property
    def state(self) -> opensim.State:
        """The current state as an OpenSim State of the (welded) model, realized to velocities:
        what Simulation's readers take (poses, observations, moment arms). Made when first asked
        after a step (~70 OpenSim calls), never by stepping."""
        if self._opensim_state is None:
            # One State object, set again at each ask after a step: a new State costs ~0.3 ms
            # (a pose a step in the atlas). As Simulation's, it changes in place as the engine steps.
            if self._scratch_state is None:
                self._scratch_state = opensim.State(self.loaded.model.getWorkingState())
            self._opensim_state = self._opensim_state_of(self._x, self._step, self._applied, self._scratch_state)
        return self._opensim_state

    def state_snapshot(self) -> Callable[[], opensim.State]:
        """The current state, kept for later: the OpenSim State is made only if the call comes
        (the environment keeps the state before each step, which few rewards read)."""
        x, step = self._x.copy(), self._step
        if self._opensim_state is not None:
            copy = opensim.State(self._opensim_state)
            return lambda: copy
        return lambda: self._opensim_state_of(x, step)  # the model's controls left as they are

    def observation(self, reader: ObservationReader) -> np.ndarray:
        """osim-rl's observation vector of the current state, as `reader.vector(self.state)`,
        computed from the engine's own state and derivative (core.compiled.observation)."""
        if self._observer is None or self._observer.layout is not reader.layout:
            fixed = {c.name: c.value for c in self.loaded.fixed_coordinates}
            self._observer = CompiledObservation(self.data, reader.layout, self._bodies, fixed)
        if self._xdot is None:
            self._xdot = np.empty(self._x.size)
            self._rhs.into(self._xdot, self._x, self._applied)
        return self._observer.vector(self._x, self._xdot)

    def read_pose(self, reader: PoseReader, deferred: bool = False) -> BodyPose:
        """`reader.read(self.state)`'s pose, computed from the engine's own state by the
        generated C (core.compiled.pose): no OpenSim state is made. `deferred`: kept as the
        state and built when read, in whichever process reads it (core.compiled.pose_layout)."""
        if self._drawer is None or self._drawer.reader is not reader:
            self._drawer = CompiledPose(self.data, reader, self._drawing)
        read = self._drawer.deferred if deferred else self._drawer.read
        return read(self._x, self._step * STEP_SECONDS, self._applied)

    def pelvis_velocity(self) -> tuple[float, float, float]:
        """The pelvis's (reward body's) origin velocity in ground now: the frame's pose, no
        OpenSim state (its first body is the pelvis in osim-rl's models; otherwise OpenSim's)."""
        if self.data.joints[0].child != self.loaded.pelvis.getName():
            velocity = self.loaded.pelvis.getVelocityInGround(self.state).get(1)
            return float(velocity[0]), float(velocity[1]), float(velocity[2])
        return float(self._pose_out[3]), float(self._pose_out[4]), float(self._pose_out[5])

    def _opensim_state_of(
        self, x: np.ndarray, step: int, applied: np.ndarray | None = None, into: opensim.State | None = None
    ) -> opensim.State:
        """`into` (or a copy of the working state: initializeState() would reset that) set to x."""
        model = self.loaded.model
        state = into if into is not None else opensim.State(model.getWorkingState())
        state.setTime(step * STEP_SECONDS)
        n, m = self._n, self._m
        coordinates, muscles = self._opensim_parts()
        for i, coordinate in enumerate(coordinates):
            coordinate.setValue(state, float(x[i]), False)
            coordinate.setSpeedValue(state, float(x[n + i]))
        for i, muscle in enumerate(muscles):
            muscle.setActivation(state, float(x[2 * n + i]))
            muscle.setFiberLength(state, float(x[2 * n + m + i]))
        if applied is not None:  # the current state: the controls of the last step, as Simulation
            self.loaded.set_controls(applied.tolist())  # leaves them (poses draw them as excitations)
        model.realizeVelocity(state)
        return state

    def _opensim_parts(self) -> tuple[list[opensim.Coordinate], list[opensim.ActivationFiberLengthMuscle]]:
        """The welded model's coordinates and muscles in the compiled state's order."""
        if self._parts is not None:
            return self._parts
        model = self.loaded.model
        coordinates = [model.getCoordinateSet().get(c.name) for c in self.data.coordinates]
        forces = model.getForceSet()
        muscles = [opensim.ActivationFiberLengthMuscle.safeDownCast(forces.get(m.name)) for m in self.data.muscles]
        self._parts = (coordinates, muscles)
        return self._parts

    # -- control ---------------------------------------------------------------------------
    def set_excitations(self, values: Iterable[float]) -> list[str]:
        """Use these from the next step on; a note per clipped value (also in the next frame).
        Raises ExcitationError for NaN, infinity or a wrong length; nothing changes then."""
        checked, notes = check_excitations(values, self.muscle_names)
        self._excitations = checked
        self._pending_notes.extend(notes)
        return notes

    def reset(self, held_controls: Iterable[float] | None = None, adjust_start: AdjustStart | None = None) -> Frame:
        """OpenSim's initial state with its muscles equilibrated. `held_controls` (Simulation's
        start of OpenSim's integrator) changes nothing here: CVODE starts at the first step.
        `adjust_start(model, state)` as Simulation's."""
        model = self.loaded.model
        state = model.initializeState()
        if adjust_start is not None:
            adjust_start(model, state)
        model.equilibrateMuscles(state)
        coordinates = model.getCoordinateSet()
        muscles = model.getMuscles()
        q = [coordinates.get(c.name).getValue(state) for c in self.data.coordinates]
        u = [coordinates.get(c.name).getSpeedValue(state) for c in self.data.coordinates]
        a = [muscles.get(mu.name).getActivation(state) for mu in self.data.muscles]
        lm = [muscles.get(mu.name).getFiberLength(state) for mu in self.data.muscles]
        self._x = np.array(q + u + a + lm, dtype=float)
        self._step, self._total_reward = 0, 0.0
        self._start_solver()
        self.episode += 1
        self.frame = self._read_frame()
        return self.frame

    def saved_state(self) -> SavedState:
        f = self.frame
        return SavedState(f.episode, f.step, f.time, self._x.copy(), f.excitations, f.reward, f.total_reward)

    def restore(self, saved: SavedState) -> Frame:
        """Continue from a saved state as a new episode (a branch); the integrator restarts, so
        the continuation matches the original to its accuracy."""
        self.episode += 1
        return self._load(saved)

    def rewind(self, saved: SavedState) -> Frame:
        """Back to a saved state of the current episode, which goes on from there."""
        if saved.episode != self.episode:
            raise SimulationFailed(f"cannot rewind episode {self.episode} to a state of episode {saved.episode}")
        return self._load(saved)

    def run(self, seconds: float, stop_at_done: bool = True) -> list[Frame]:
        """Step for `seconds` of simulated time (or until done, or a failure)."""
        frames = []
        for _ in range(round(seconds / STEP_SECONDS)):
            frames.append(self.step())
            if frames[-1].error or (stop_at_done and frames[-1].done):
                break
        return frames

    def _load(self, saved: SavedState) -> Frame:
        if saved.values.size != self._x.size:
            raise SimulationFailed(f"a saved state of {saved.values.size} values for a model with {self._x.size}")
        self._x = np.array(saved.values, dtype=float)
        self._step = saved.step
        self._start_solver()
        self._total_reward = saved.total_reward - saved.reward
        frame = self._read_frame(saved.reward)
        self.frame = replace(frame, excitations=saved.excitations, total_reward=saved.total_reward)
        return self.frame

    def step(self) -> Frame:
        """Integrate one 0.01 s step. A failed integration does not raise: the frame carries the
        error and `done`, and the simulation must be reset (as Simulation)."""
        if self.failed:
            raise SimulationFailed(f"the simulation failed ({self.frame.error}); reset it first")
        self._applied[:] = self._excitations
        end = (self._step + 1) * STEP_SECONDS
        if self._driver is not None:
            flag, x = self._driver.step(end)
            if flag < 0 or not np.isfinite(x).all():
                return self._fail(f"integration failed at t={end:.2f} s: {self._driver.flag_name(flag)}")
            self._x, self._step = x, self._step + 1
            self.frame = self._read_frame()
            return self.frame
        try:
            result = self._solver.step(end, tstop=end)
        except Exception as error:  # noqa: BLE001  any failure becomes the frame's error, never a raise
            return self._fail(f"integration failed at t={end:.2f} s: {error}")
        if not result.success or not np.isfinite(result.y).all():
            return self._fail(f"integration failed at t={end:.2f} s: {result.message}")
        self._x, self._step = np.array(result.y, dtype=float).reshape(-1), self._step + 1
        self.frame = self._read_frame()
        return self.frame

    # -- internals -------------------------------------------------------------------------
    def _fail(self, message: str) -> Frame:
        self.frame = replace(self.frame, error=message, done=True)
        return self.frame

    def _start_solver(self) -> None:
        if self._driver is not None:
            self._driver.start(self._step * STEP_SECONDS, self._x)
            return
        from sksundae.cvode import CVODE  # imports SciPy: only where the C driver is not built

        self._solver = CVODE(
            self._rhs_callback,
            method="BDF",
            rtol=self.rtol,
            atol=self.atol,
            max_order=self.max_order,
            jacfn=self._jacobian_callback,
            max_num_steps=20000,
        )
        self._solver.init_step(self._step * STEP_SECONDS, self._x)

    def _rhs_callback(self, _t: float, x: np.ndarray, xdot: np.ndarray) -> None:
        """Through buffers whose addresses are taken once: numpy's `.ctypes.data` costs ~1.4 us
        a call, a copy of 66 values ~0.35 us (the derivative itself ~5 us)."""
        self._evaluations += 1
        np.copyto(self._x_in, x)
        if self._rhs.direct(*self._addresses) != 0:
            raise RuntimeError("compiled derivative failed")
        np.copyto(xdot, self._x_out)

    def _jacobian_callback(self, _t: float, x: np.ndarray, xdot: np.ndarray, jacobian: np.ndarray) -> None:
        self._jacobian_into(x, self._applied, xdot, jacobian)

    def derivative(self, x: np.ndarray, excitation: np.ndarray) -> np.ndarray:
        """The state derivative at x (any x, not only the engine's own)."""
        self._evaluations += 1
        value = np.empty(x.size)
        self._rhs.into(value, x, excitation)
        return value

    def jacobian(self, x: np.ndarray, excitation: np.ndarray) -> np.ndarray:
        """The Jacobian at x (for tests and tools; CVODE's callback writes into its own array)."""
        jacobian = np.zeros((x.size, x.size))
        x = np.ascontiguousarray(x, dtype=float)
        self._jacobian_into(x, excitation, self.derivative(x, excitation), jacobian)
        return jacobian

    def _jacobian_into(self, x: np.ndarray, excitation: np.ndarray, xdot: np.ndarray, out: np.ndarray) -> None:
        self._evaluations += self._colours
        status = self._jacobian_function(
            x.ctypes.data, excitation.ctypes.data, xdot.ctypes.data, out.ctypes.data, *self._pattern_arguments
        )
        if status != 0:
            raise RuntimeError("compiled Jacobian failed")

    def _read_frame(self, reward: float | None = None) -> Frame:
        self._opensim_state = None  # the OpenSim view of the state, made again when asked
        self._xdot = None  # the derivative at x, for observations, made when asked
        pose = self._pose_out
        self._pose.into(pose, self._x)
        height, vx = float(pose[1]), float(pose[3])
        coordinates = self._fixed.copy()
        coordinates[self._live] = self._x[: self._n]
        activations = self._x[2 * self._n : 2 * self._n + self._m]
        return self._new_frame(self._step * STEP_SECONDS, activations, coordinates.tolist(), height, vx, reward)


def _colouring(n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Jacobian's columns coloured for forward differences, and its pattern by column
    (column starts, rows): q, u and fiber lengths reach every row (each its own colour); the
    activations share one colour, activation i reaching only muscle i's two derivatives."""
    size = 2 * n + 2 * m
    activations = range(2 * n, 2 * n + m)
    colour = np.empty(size, dtype=np.int64)
    colour[: 2 * n] = np.arange(2 * n)
    colour[2 * n : 2 * n + m] = 2 * n
    colour[2 * n + m :] = 2 * n + 1 + np.arange(m)
    rows = [np.array([k, k + m]) if k in activations else np.arange(size) for k in range(size)]
    starts = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    return colour, starts, np.concatenate(rows).astype(np.int64)
