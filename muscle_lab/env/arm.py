"""osim-rl's Arm2DEnv: a planar arm (arm2dof6musc.osim, 6 muscles) reaching for a target.

The target is a small body on a planar joint, which osim-rl adds to the model; it is drawn at
each reset at an angle of U(9π/8, 12π/8) and a distance of U(0.5, 0.65) m from the shoulder.
Reward: 1 minus the squared distance of the wrist marker (`r_radius_styloid`) to the target;
200 steps, no other end.
"""

from __future__ import annotations

import math
import random
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation.engine import AdjustStart, Simulation
from muscle_lab.env.base import OsimEnv

OBSERVED_JOINTS = ("r_shoulder", "r_elbow")
WRIST = "r_radius_styloid"
TARGET_JOINT = "target-joint"


class Arm2DEnv(OsimEnv):
    """6 muscles; the observation is osim-rl's 16 values: the target's x and y, the shoulder's
    and elbow's angle, speed and acceleration, each muscle's activation (sorted by name), the
    wrist's x and y. `seed` seeds the targets (osim-rl drew them from the global `random`);
    `reset(options={"random_target": False})` keeps the target, as osim-rl's `reset(random_target=False)`."""

    model_file = "arm2dof6musc.osim"
    time_limit = 200
    unperturbed = (TARGET_JOINT,)  # the target stays where it is drawn

    def __init__(
        self,
        visualize: bool = False,
        integrator_accuracy: float | None = None,
        *,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.target_x = 0.0
        self.target_y = 0.0
        self._random = random.Random(seed)
        self._folder = Path(tempfile.mkdtemp(prefix="muscle_lab_arm_"))
        weakref.finalize(self, shutil.rmtree, self._folder, True)
        super().__init__(visualize, integrator_accuracy, **kwargs)

    def make_simulation(self, model_path: Path) -> Simulation:
        """The arm with osim-rl's target body, written beside a link to the model's meshes."""
        with_target = write_model_with_target(model_path, self._folder)
        return TargetSimulation(with_target, self.integrator_settings(), time_limit=False)

    def _load_model(self, model_path: Any) -> None:
        self._observed: list[Any] = []
        super()._load_model(model_path)

    def generate_new_target(self) -> None:
        theta = self._random.uniform(math.pi * 9 / 8, math.pi * 12 / 8)
        radius = self._random.uniform(0.5, 0.65)
        self.target_x = math.cos(theta) * radius
        self.target_y = math.sin(theta) * radius

    def before_reset(self, seed: int | None, options: dict[str, Any]) -> None:
        if seed is not None:
            self._random.seed(seed)
        if options.get("random_target", True):
            self.generate_new_target()
        assert isinstance(self.simulation, TargetSimulation)
        self.simulation.target = (self.target_x, self.target_y)

    def get_observation(self) -> np.ndarray:
        """osim-rl's Arm2DEnv.get_observation() of the current state, with the current target.

        osim-rl's reset returned the observation from before it drew the new target (the previous
        episode's, or 0, 0); here the reset's observation has the episode's target.
        """
        loaded = self.simulation.loaded
        model, state = loaded.model, self.simulation.state
        if not self._observed:
            joints = dict(loaded.joint_coordinates)
            muscles = model.getMuscles()
            names = sorted(muscles.get(i).getName() for i in range(muscles.getSize()))
            self._observed = [
                [c for joint in OBSERVED_JOINTS for c in joints[joint]],
                [muscles.get(name) for name in names],
                model.getMarkerSet().get(WRIST),
            ]
        coordinates, muscles, wrist = self._observed
        model.realizeAcceleration(state)
        values = [self.target_x, self.target_y]
        for coordinate in coordinates:  # each joint has one coordinate: pos, vel, acc per joint
            values += [
                coordinate.getValue(state),
                coordinate.getSpeedValue(state),
                coordinate.getAccelerationValue(state),
            ]
        values += [muscle.getActivation(state) for muscle in muscles]
        position = wrist.getLocationInGround(state)
        values += [position[0], position[1]]
        return np.array(values, dtype=float)

    def reward(self) -> float:
        wrist = self.simulation.loaded.model.getMarkerSet().get(WRIST)
        position = wrist.getLocationInGround(self.simulation.state)
        return 1.0 - ((position[0] - self.target_x) ** 2 + (position[1] - self.target_y) ** 2)

    def _info(self, frame: Frame, end_reason: str | None = None) -> dict[str, Any]:
        return {**super()._info(frame, end_reason), "target": (self.target_x, self.target_y)}


class TargetSimulation(Simulation):
    """A simulation that puts the target body where `target` says at each reset, as osim-rl's
    `generate_new_target` does: x set, y set and locked (the body would fall otherwise)."""

    target: tuple[float, float] = (0.0, 0.0)

    def reset(self, held_controls: Sequence[float] | None = None, adjust_start: AdjustStart | None = None) -> Frame:
        super().reset(adjust_start=adjust_start)  # the integrator is started below, on the state with the target
        coordinates = self.loaded.model.getCoordinateSet()
        x, y = (coordinates.get(f"{TARGET_JOINT}_coord_{index}") for index in (1, 2))
        x.setValue(self._state, self.target[0], False)
        y.setLocked(self._state, False)
        y.setValue(self._state, self.target[1], False)
        y.setLocked(self._state, True)
        if held_controls is not None:
            self.loaded.set_controls([float(value) for value in held_controls])
            self._manager = self._new_manager(self._state)
        self.frame = self._read_frame(reward=0.0)
        return self.frame


def write_model_with_target(model_path: Path, folder: Path) -> Path:
    """`model_path` with osim-rl's target body and joint added, written to `folder`; the model's
    Geometry folder is linked beside it, so that its meshes are found (by OpenSim and the renderer)."""
    import opensim

    model = opensim.Model(str(model_path))
    model.initSystem()
    body = opensim.Body("target", 0.0001, opensim.Vec3(0), opensim.Inertia(1, 1, 0.0001, 0, 0, 0))
    joint = opensim.PlanarJoint(
        TARGET_JOINT,
        model.getGround(),
        opensim.Vec3(0, 0, 0),
        opensim.Vec3(0, 0, 0),
        body,
        opensim.Vec3(0, 0, -0.25),
        opensim.Vec3(0, 0, 0),
    )
    geometry = opensim.Ellipsoid(0.02, 0.02, 0.02)
    geometry.setColor(opensim.Green)
    body.attachGeometry(geometry)
    model.addJoint(joint)
    model.addBody(body)
    model.initSystem()
    path = folder / f"{model_path.stem}_target.osim"
    model.printToXML(str(path))
    geometry_folder = model_path.parent / "Geometry"
    if geometry_folder.is_dir() and not (folder / "Geometry").exists():
        (folder / "Geometry").symlink_to(geometry_folder, target_is_directory=True)
    return path
