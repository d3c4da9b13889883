"""Loading an OpenSim model and describing its muscles, coordinates and bodies."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import opensim

from muscle_lab.core.errors import ModelLoadError
from muscle_lab.core.frame import Frame
from muscle_lab.core.muscles import MuscleInfo, side_of
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.reward import end_reason, step_reward
from muscle_lab.core.simulation.locked_joints import CoordinateLike, weld_locked_coordinates
from muscle_lab.core.simulation.model_file import model_file_problem

__all__ = ["LoadedModel", "ModelLoadError", "MuscleInfo", "SimulationProperties", "describe_error", "side_of"]

# OpenSim logs to stdout (a line per integration at "info", a harmless duplicate-joint warning
# for the default model at "warn"): keep stdout clean for `run --json`.
opensim.Logger.setLevelString("error")
opensim.Logger.removeFileSink()  # and it would leave an opensim.log in whatever folder we run from

# The joint angles a frame reports, in this order, where the model has them.
STANDARD_JOINT_ANGLES = (
    "hip_flexion_r",
    "hip_adduction_r",
    "hip_rotation_r",
    "knee_angle_r",
    "ankle_angle_r",
    "hip_flexion_l",
    "hip_adduction_l",
    "hip_rotation_l",
    "knee_angle_l",
    "ankle_angle_l",
    "lumbar_extension",
)


class LoadedModel:
    """An OpenSim model whose muscles are driven by one constant control each.

    The control functions are the excitations: `set_controls` changes them between steps,
    as osim-rl's `actuate` does.
    """

    def __init__(
        self, path: str | Path | None = None, rigid_tendon_muscles: bool = False, weld_locked: bool = False
    ) -> None:
        """`weld_locked`: take the locked coordinates out of the equations (core.locked_joints);
        they are still reported, at their locked values, wherever coordinates are read."""
        self.path = Path(path).expanduser() if path is not None else default_model_path()
        problem = model_file_problem(self.path)
        if problem is not None:
            raise ModelLoadError(problem)
        try:
            # The model as written: its coordinates are the ones reported, and moment arms
            # are measured on it (a welded coordinate still has a moment arm).
            self.full_model = opensim.Model(str(self.path))
            self.full_model.initSystem()
            welded = weld_locked_coordinates(self.full_model) if weld_locked else None
            self.model = welded.model if welded is not None else self.full_model
            self.model.initSystem()
        except Exception as error:  # noqa: BLE001  OpenSim raises RuntimeError, sometimes bare Exception
            raise ModelLoadError(f"cannot load model {self.path}: {describe_error(error)}") from None
        self.fixed_coordinates = welded.fixed if welded is not None else ()
        # Limit forces taken out with their locked coordinates, and their constant record values.
        self.dropped_forces = welded.dropped_forces if welded is not None else ()
        muscle_set = self.model.getMuscles()
        if muscle_set.getSize() == 0:
            raise ModelLoadError(f"model {self.path} has no muscles to drive")
        if rigid_tendon_muscles:
            _use_rigid_tendon_muscles(self.model)
            muscle_set = self.model.getMuscles()

        controller = opensim.PrescribedController()
        controller.setName("muscle_lab_excitations")
        for index in range(muscle_set.getSize()):
            muscle = muscle_set.get(index)
            controller.addActuator(muscle)
            controller.prescribeControlForActuator(muscle.getName(), opensim.Constant(0.0))
        self.model.addController(controller)
        try:
            self.model.initSystem()
        except Exception as error:  # noqa: BLE001  as above
            raise ModelLoadError(f"cannot initialise model {self.path}: {describe_error(error)}") from None

        self.name: str = self.model.getName()
        self.muscle_objects = [muscle_set.get(i) for i in range(muscle_set.getSize())]
        self.muscles = tuple(
            MuscleInfo(i, m.getName(), side_of(m.getName())) for i, m in enumerate(self.muscle_objects)
        )
        functions = self.model.getControllerSet().get(controller.getName())
        functions = opensim.PrescribedController.safeDownCast(functions).get_ControlFunctions()
        self._controls = [opensim.Constant.safeDownCast(functions.get(i)) for i in range(functions.getSize())]
        self._control_values = [math.nan] * len(self._controls)

        self.full_coordinates = _coordinates_of(self.full_model)
        self.coordinate_names = tuple(c.getName() for c in self.full_coordinates)
        live = {c.getName(): c for c in _coordinates_of(self.model)}
        fixed = {c.name: c for c in self.fixed_coordinates}
        # Every coordinate of the model as written, in its order: a welded one reads its locked value.
        self.coordinates: list[CoordinateLike] = [live[n] if n in live else fixed[n] for n in self.coordinate_names]
        self.joint_coordinates = _joint_coordinates(
            self.full_model, dict(zip(self.coordinate_names, self.coordinates, strict=True))
        )
        self.coordinate_is_rotation = tuple(
            c.getMotionType() == opensim.Coordinate.Rotational for c in self.coordinates
        )
        self.joint_angle_names = self._choose_joint_angles()
        self._joint_angle_indices = [self.coordinate_names.index(n) for n in self.joint_angle_names]
        # Coordinates the model locks (lumbar extension, hip rotation in osim-rl's models) never
        # move: plotting them draws a flat line.
        self.locked_joint_angles = tuple(
            n
            for n, c in zip(self.coordinate_names, self.coordinates, strict=True)
            if n in self.joint_angle_names and c.getDefaultLocked()
        )

        body_set = self.model.getBodySet()
        self.bodies = [body_set.get(i) for i in range(body_set.getSize())]
        self.body_names = tuple(b.getName() for b in self.bodies)
        # The pelvis drives reward and episode end; a model without one uses its first body.
        self.pelvis = body_set.get("pelvis") if body_set.contains("pelvis") else self.bodies[0]
        self._crossable: dict[int, frozenset[str] | None] = {}

    def crossable_coordinates(self, muscle_index: int) -> frozenset[str] | None:
        """The coordinates (of the model as written) that can move muscle `muscle_index`'s path:
        those of the joints between its path points' bodies and those its conditional and moving
        points follow; None (any coordinate) where its path wraps or has other points. Moment
        arms about the others are zero by the model's structure."""
        if muscle_index not in self._crossable:
            muscle = self.full_model.getMuscles().get(muscle_index)
            self._crossable[muscle_index] = _crossable(self.full_model, muscle)
        return self._crossable[muscle_index]

    def _choose_joint_angles(self) -> tuple[str, ...]:
        standard = tuple(n for n in STANDARD_JOINT_ANGLES if n in self.coordinate_names)
        if standard:
            return standard
        return tuple(
            name
            for name, rotation in zip(self.coordinate_names, self.coordinate_is_rotation, strict=True)
            if rotation and not name.startswith("pelvis_")
        )

    def set_controls(self, excitations: list[float]) -> None:
        """Set each muscle's constant control; unchanged values cost no OpenSim call."""
        for index, value in enumerate(excitations):
            if value != self._control_values[index]:
                self._controls[index].setValue(value)
                self._control_values[index] = value

    def coordinate_values(self, state: opensim.State) -> list[float]:
        return [c.getValue(state) for c in self.coordinates]

    def full_pose(self, state: opensim.State, standing: bool = False) -> opensim.State:
        """A new state of `full_model` at `state`'s coordinate values (`standing`: at every
        coordinate's default, the standing start), realized to positions: what geometry (moment
        arms, path lengths) is measured on. `state` never moves."""
        if standing:
            pose = opensim.State(state if self.model is self.full_model else self.full_model.getWorkingState())
            for coordinate in self.full_coordinates:
                coordinate.setValue(pose, coordinate.getDefaultValue(), False)
        elif self.model is self.full_model:
            pose = opensim.State(state)  # a copy
        else:
            # A copy of the working state, never initializeState(): that resets the working
            # state, which a Simulation's state is until its first step.
            pose = opensim.State(self.full_model.getWorkingState())
            pose.setTime(state.getTime())
            for coordinate, value in zip(self.full_coordinates, self.coordinate_values(state), strict=True):
                coordinate.setValue(pose, value, False)  # no assembly: the values already fit together
        self.full_model.realizePosition(pose)
        return pose

    def joint_angles_deg(self, coordinate_values: list[float]) -> list[float]:
        return [math.degrees(coordinate_values[i]) for i in self._joint_angle_indices]

    def activations(self, state: opensim.State) -> list[float]:
        return [m.getActivation(state) for m in self.muscle_objects]


def _coordinates_of(model: opensim.Model) -> list[opensim.Coordinate]:
    coordinate_set = model.getCoordinateSet()
    return [coordinate_set.get(i) for i in range(coordinate_set.getSize())]


def _joint_coordinates(
    model: opensim.Model, by_name: dict[str, CoordinateLike]
) -> tuple[tuple[str, tuple[CoordinateLike, ...]], ...]:
    """Each joint of `model` (as written) with its coordinates, live or welded."""
    joints = model.getJointSet()
    result = []
    for i in range(joints.getSize()):
        joint = joints.get(i)
        names = [joint.get_coordinates(k).getName() for k in range(joint.numCoordinates())]
        result.append((joint.getName(), tuple(by_name[n] for n in names)))
    return tuple(result)


def _crossable(model: opensim.Model, muscle: opensim.Muscle) -> frozenset[str] | None:
    """LoadedModel.crossable_coordinates of one muscle of `model`."""
    path = muscle.getGeometryPath()
    if path.getWrapSet().getSize() > 0:
        return None
    bodies, followed = set(), set()
    points = path.getPathPointSet()
    for k in range(points.getSize()):
        point = points.get(k)
        bodies.add(point.getParentFrame().findBaseFrame().getName())
        kind = point.getConcreteClassName()
        if kind == "ConditionalPathPoint":
            followed.add(opensim.ConditionalPathPoint.safeDownCast(point).getCoordinate().getName())
        elif kind == "MovingPathPoint":
            moving = opensim.MovingPathPoint.safeDownCast(point)
            for has, get in (
                (moving.hasXCoordinate, moving.getXCoordinate),
                (moving.hasYCoordinate, moving.getYCoordinate),
                (moving.hasZCoordinate, moving.getZCoordinate),
            ):
                if has():
                    followed.add(get().getName())
        elif kind != "PathPoint":
            return None
    joints = model.getJointSet()
    parent_joint = {}  # child body -> (its joint's name, the parent body, the joint's coordinates)
    for i in range(joints.getSize()):
        joint = joints.get(i)
        coordinates = frozenset(joint.get_coordinates(c).getName() for c in range(joint.numCoordinates()))
        parent = joint.getParentFrame().findBaseFrame().getName()
        parent_joint[joint.getChildFrame().findBaseFrame().getName()] = (joint.getName(), parent, coordinates)
    chains = []
    for start in bodies:  # each body's joints down to ground
        chain: dict[str, frozenset[str]] = {}
        body = start
        while body in parent_joint and len(chain) <= len(parent_joint):
            name, body, coordinates = parent_joint[body]
            chain[name] = coordinates
        chains.append(chain)
    common = set.intersection(*(set(chain) for chain in chains)) if chains else set()
    between = {c for chain in chains for name, coordinates in chain.items() if name not in common for c in coordinates}
    return frozenset(between | followed)


def _use_rigid_tendon_muscles(model: opensim.Model) -> None:
    """Swap each Thelen/Millard muscle for a De Groote-Fregly 2016 muscle with a rigid tendon.

    The swap keeps every parameter (forces, lengths, activation time constants, max contraction
    velocity); the rigid tendon removes the stiff fiber-length states, which is what makes the
    fast mode several times faster. Muscles of other types are left as they are.
    """
    opensim.DeGrooteFregly2016Muscle.replaceMuscles(model, True)
    muscles = model.getMuscles()
    for index in range(muscles.getSize()):
        muscle = opensim.DeGrooteFregly2016Muscle.safeDownCast(muscles.get(index))
        if muscle is not None:
            muscle.set_ignore_tendon_compliance(True)
    model.finalizeConnections()
    model.initSystem()


def describe_error(error: BaseException, limit: int = 300) -> str:
    """OpenSim's exception text in one line, without the SWIG wrapper's C++ signature prefix."""
    text = " ".join(str(error).split()) or type(error).__name__
    text = re.sub(r"^std::exception in '[^']*':\s*", "", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SimulationProperties:
    """The loaded model's description, the excitations and whether the simulation failed, as
    properties: what Simulation and the compiled engine (and so every caller of either) read the
    same way."""

    loaded: LoadedModel
    frame: Frame
    episode: int
    time_limit: bool
    _excitations: np.ndarray
    _step: int
    _total_reward: float
    _pending_notes: list[str]

    def _new_frame(
        self, time: float, activations: Iterable[float], coordinates: Sequence[float], height: float, vx: float,
        reward: float | None,
    ) -> Frame:  # fmt: skip
        """The step's frame from what the engine read of its state: osim-rl's reward (unless one
        is given), the running total, the notes gathered since the last frame, the episode's end."""
        reward = step_reward(vx) if reward is None else reward
        self._total_reward += reward
        notes, self._pending_notes = tuple(self._pending_notes), []
        reason = end_reason(self._step, height, self.time_limit)
        return Frame(
            step=self._step,
            time=time,
            excitations=frozen_array(self._excitations),
            activations=frozen_array(activations),
            coordinates=frozen_array(coordinates),
            joint_angles=frozen_array(self.loaded.joint_angles_deg(list(coordinates))),
            pelvis_height=height,
            pelvis_vx=vx,
            reward=reward,
            total_reward=self._total_reward,
            done=reason is not None,
            notes=notes,
            episode=self.episode,
            end_reason=reason,
        )

    @property
    def excitations(self) -> np.ndarray:
        copy: np.ndarray = self._excitations.copy()
        return copy

    @property
    def failed(self) -> bool:
        return self.frame.error is not None

    @property
    def model_path(self) -> Path:
        return self.loaded.path

    @property
    def model_name(self) -> str:
        return self.loaded.name

    @property
    def muscles(self) -> tuple[MuscleInfo, ...]:
        return self.loaded.muscles

    @property
    def muscle_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.loaded.muscles)

    @property
    def coordinate_names(self) -> tuple[str, ...]:
        return self.loaded.coordinate_names

    @property
    def joint_angle_names(self) -> tuple[str, ...]:
        return self.loaded.joint_angle_names

    @property
    def locked_joint_angles(self) -> tuple[str, ...]:
        return self.loaded.locked_joint_angles

    @property
    def coordinate_is_rotation(self) -> tuple[bool, ...]:
        return self.loaded.coordinate_is_rotation

    @property
    def body_names(self) -> tuple[str, ...]:
        return self.loaded.body_names


def frozen_array(values: Iterable[float]) -> np.ndarray:
    """A read-only float array: a frame's arrays are shared, never changed."""
    array = np.array(values, dtype=float)
    array.flags.writeable = False
    return array
