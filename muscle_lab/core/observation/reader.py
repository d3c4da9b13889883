"""Reading osim-rl v2.1.5's observation of ProstheticsEnv from an OpenSim state, in the process
where OpenSim runs: `ObservationReader` does what `OsimModel.compute_state_desc` and
`ProstheticsEnv.get_observation` do (same calls, same order, same arithmetic), but reads each
transform once. `layout` names what it reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from muscle_lab.core.observation.layout import layout_for

if TYPE_CHECKING:
    from muscle_lab.core.simulation.model import LoadedModel

STATE_DESC_KEYS = (
    "joint_pos", "joint_vel", "joint_acc",
    "body_pos", "body_vel", "body_acc", "body_pos_rot", "body_vel_rot", "body_acc_rot",
    "forces", "muscles", "markers", "misc",
)  # fmt: skip


class ObservationReader:
    """Reads osim-rl's state description and observation vector from a model's states."""

    def __init__(self, loaded: LoadedModel) -> None:
        self.model = loaded.model
        self.layout = layout_for(loaded)
        model = self.model
        body_set = model.getBodySet()
        self._reference = body_set.get(self.layout.reference_body)
        missing = self.layout.missing_bodies
        self._bodies = [None if name in missing else body_set.get(name) for name in self.layout.bodies]
        joints = dict(loaded.joint_coordinates)
        self._joint_coordinates = [joints[slot.name] for slot in self.layout.joints]
        muscle_set = model.getMuscles()
        self._muscles = [muscle_set.get(name) for name in self.layout.muscles]
        # Everything, in the model's order, for the state description.
        self._all_joints = loaded.joint_coordinates
        self._all_bodies = [body_set.get(i) for i in range(body_set.getSize())]
        force_set = model.getForceSet()
        self._forces = [force_set.get(i) for i in range(force_set.getSize())]
        # Limit forces of welded coordinates: constant values, in the model's order as written.
        self._dropped = {name: list(values) for name, values in loaded.dropped_forces}
        full = loaded.full_model.getForceSet()
        self._force_order = [full.get(i).getName() for i in range(full.getSize())] if self._dropped else []
        self._all_muscles = [muscle_set.get(i) for i in range(muscle_set.getSize())]
        marker_set = model.getMarkerSet()
        self._markers = [marker_set.get(i) for i in range(marker_set.getSize())]

    @property
    def size(self) -> int:
        return self.layout.size

    def vector(self, state: Any) -> np.ndarray:
        """ProstheticsEnv.get_observation() for this state, as float64."""
        self.model.realizeAcceleration(state)
        reference = _body_values(self._reference, state)
        values = reference[1:]
        for body in self._bodies:
            if body is None:
                values += [0.0] * 9
                continue
            current = _body_values(body, state)
            current[0] -= reference[0]
            current[1] -= reference[1]
            current[6] -= reference[6]
            values += current
        for coordinates in self._joint_coordinates:
            values += [c.getValue(state) for c in coordinates]
            values += [c.getSpeedValue(state) for c in coordinates]
            values += [c.getAccelerationValue(state) for c in coordinates]
        for muscle in self._muscles:
            values += [muscle.getActivation(state), muscle.getFiberLength(state), muscle.getFiberVelocity(state)]
        position = self.model.calcMassCenterPosition(state)
        velocity = self.model.calcMassCenterVelocity(state)
        acceleration = self.model.calcMassCenterAcceleration(state)
        values += [position[0] - reference[0], position[1] - reference[1]]
        values += [velocity[0], velocity[1], velocity[2], acceleration[0], acceleration[1], acceleration[2]]
        return np.array(values, dtype=float)

    def state_desc(self, state: Any) -> dict[str, Any]:
        """OsimModel.compute_state_desc(): the same keys, names and list shapes."""
        model = self.model
        model.realizeAcceleration(state)
        desc: dict[str, Any] = {key: {} for key in STATE_DESC_KEYS}
        for name, coordinates in self._all_joints:
            desc["joint_pos"][name] = [c.getValue(state) for c in coordinates]
            desc["joint_vel"][name] = [c.getSpeedValue(state) for c in coordinates]
            desc["joint_acc"][name] = [c.getAccelerationValue(state) for c in coordinates]
        for body in self._all_bodies:
            name = body.getName()
            transform = body.getTransformInGround(state)
            velocity = body.getVelocityInGround(state)
            acceleration = body.getAccelerationInGround(state)
            desc["body_pos"][name] = _list3(transform.p())
            desc["body_vel"][name] = _list3(velocity.get(1))
            desc["body_acc"][name] = _list3(acceleration.get(1))
            desc["body_pos_rot"][name] = _list3(transform.R().convertRotationToBodyFixedXYZ())
            desc["body_vel_rot"][name] = _list3(velocity.get(0))
            desc["body_acc_rot"][name] = _list3(acceleration.get(0))
        for force in self._forces:
            values = force.getRecordValues(state)
            desc["forces"][force.getName()] = [values.get(k) for k in range(values.size())]
        if self._dropped:
            found = {**desc["forces"], **{name: list(values) for name, values in self._dropped.items()}}
            desc["forces"] = {name: found[name] for name in self._force_order if name in found}
        for muscle in self._all_muscles:
            desc["muscles"][muscle.getName()] = {
                "activation": muscle.getActivation(state),
                "fiber_length": muscle.getFiberLength(state),
                "fiber_velocity": muscle.getFiberVelocity(state),
                "fiber_force": muscle.getFiberForce(state),
            }
        for marker in self._markers:
            desc["markers"][marker.getName()] = {
                "pos": _list3(marker.getLocationInGround(state)),
                "vel": _list3(marker.getVelocityInGround(state)),
                "acc": _list3(marker.getAccelerationInGround(state)),
            }
        desc["misc"] = {
            "mass_center_pos": _list3(model.calcMassCenterPosition(state)),
            "mass_center_vel": _list3(model.calcMassCenterVelocity(state)),
            "mass_center_acc": _list3(model.calcMassCenterAcceleration(state)),
        }
        return desc


def _body_values(body: Any, state: Any) -> list[float]:
    """x, y, vx, vy, ax, ay, rz, vrz, arz of a body in ground, as osim-rl reads them."""
    transform = body.getTransformInGround(state)
    position = transform.p()
    rz = transform.R().convertRotationToBodyFixedXYZ()[2]
    velocity = body.getVelocityInGround(state)
    acceleration = body.getAccelerationInGround(state)
    linear_velocity, linear_acceleration = velocity.get(1), acceleration.get(1)
    return [
        position[0], position[1],
        linear_velocity[0], linear_velocity[1],
        linear_acceleration[0], linear_acceleration[1],
        rz, velocity.get(0)[2], acceleration.get(0)[2],
    ]  # fmt: skip


def _list3(vector: Any) -> list[float]:
    return [vector[0], vector[1], vector[2]]
