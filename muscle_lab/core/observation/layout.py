"""osim-rl v2.1.5's observations of ProstheticsEnv: the state description and the flat vector.

`ObservationReader` reads both from an OpenSim state, in the process where OpenSim runs, the
way `OsimModel.compute_state_desc` and `ProstheticsEnv.get_observation` do (same calls, same
order, same arithmetic), but reading each transform once. `ObservationLayout` names every
index of the vector without OpenSim, so a window can label a vector it is sent.

For the default model the vector has osim-rl's 160 values. Another model gets the same
layout where it has osim-rl's bodies and joints (a body it lacks keeps its 9 slots at 0, as
osim-rl does for the prosthetic leg's toes and talus); a model with none of them (an arm)
gets every body and every joint instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from muscle_lab.core.simulation.model import LoadedModel

# The order of ProstheticsEnv.get_observation.
# The observation space's bounds (muscle_lab.env, and the controllers' spaces): finite, as
# gymnasium's checker wants; 100 times the largest value measured (an ankle's angular
# acceleration at the standing start, 9.6e3 rad/s²): no sound simulation reaches it.
OBSERVATION_BOUND = 1e6
OSIM_RL_BODIES = ("pelvis", "head", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
OSIM_RL_JOINTS = ("ankle_l", "ankle_r", "back", "hip_l", "hip_r", "knee_l", "knee_r")
STATE_DESC_KEYS = (
    "joint_pos", "joint_vel", "joint_acc",
    "body_pos", "body_vel", "body_acc", "body_pos_rot", "body_vel_rot", "body_acc_rot",
    "forces", "muscles", "markers", "misc",
)  # fmt: skip

# What the coordinates of osim-rl's gait models are (by name without the side suffix), and their signs.
COORDINATE_MEANINGS = {
    "hip_flexion": ("hip flexion", "thigh forward +, back −"),
    "hip_adduction": ("hip adduction", "thigh towards the midline +"),
    "hip_rotation": ("hip rotation", "internal +; locked at 0 in osim-rl's gait models"),
    "knee_angle": ("knee angle", "0 straight, flexion −"),
    "ankle_angle": ("ankle angle", "dorsiflexion +, plantarflexion −"),
    "lumbar_extension": ("lumbar extension", "extension +; locked at −5° in osim-rl's gait models"),
}


@dataclass(frozen=True)
class ObservationEntry:
    """One index of the vector: a short name, what it means, and its unit."""

    index: int
    name: str
    meaning: str
    unit: str


@dataclass(frozen=True)
class JointSlot:
    """A joint of the vector: its coordinates, each with whether it is a rotation."""

    name: str
    coordinates: tuple[str, ...]
    rotational: tuple[bool, ...]


@dataclass(frozen=True)
class ObservationLayout:
    """Which bodies, joints and muscles the vector holds, in its order. No OpenSim: picklable."""

    reference_body: str  # "pelvis": the other bodies' x, y and rz are relative to it
    bodies: tuple[str, ...]
    missing_bodies: frozenset[str]  # of `bodies`: not in the model, their 9 values are always 0
    joints: tuple[JointSlot, ...]
    muscles: tuple[str, ...]  # sorted by name, as osim-rl sorts them: not the action order
    action_indices: tuple[int, ...]  # each muscle's index in the action

    @property
    def size(self) -> int:
        coordinates = sum(len(joint.coordinates) for joint in self.joints)
        return 8 + 9 * len(self.bodies) + 3 * coordinates + 3 * len(self.muscles) + 8

    def entries(self) -> tuple[ObservationEntry, ...]:
        """Every index with its name, meaning and unit."""
        rows: list[tuple[str, str, str]] = []
        reference = self.reference_body
        rows += _reference_body_rows(reference)
        for body in self.bodies:
            rows += _body_rows(body, reference, body in self.missing_bodies)
        for joint in self.joints:
            rows += _joint_rows(joint)
        for muscle, action in zip(self.muscles, self.action_indices, strict=True):
            tag = f"{muscle} (action index {action})"
            rows += [
                (f"{muscle}_activation", f"activation of {tag}", "0-1"),
                (f"{muscle}_fiber_length", f"fiber length of {tag}", "m"),
                (f"{muscle}_fiber_velocity", f"fiber velocity of {tag}, lengthening +", "m/s"),
            ]
        rows += [
            ("mass_center_x_rel", f"whole-body centre of mass x minus {reference} x", "m"),
            ("mass_center_y_rel", f"whole-body centre of mass y minus {reference} y", "m"),
            ("mass_center_vx", "centre of mass velocity, forward (ground x)", "m/s"),
            ("mass_center_vy", "centre of mass velocity, up (ground y)", "m/s"),
            ("mass_center_vz", "centre of mass velocity, to the right (ground z)", "m/s"),
            ("mass_center_ax", "centre of mass acceleration, forward", "m/s²"),
            ("mass_center_ay", "centre of mass acceleration, up", "m/s²"),
            ("mass_center_az", "centre of mass acceleration, to the right", "m/s²"),
        ]
        return tuple(ObservationEntry(i, name, meaning, unit) for i, (name, meaning, unit) in enumerate(rows))

    def names(self) -> tuple[str, ...]:
        return tuple(entry.name for entry in self.entries())


def _reference_body_rows(body: str) -> list[tuple[str, str, str]]:
    return [
        (f"{body}_y", f"{body} height: y of its origin in the ground frame", "m"),
        (f"{body}_vx", f"{body} velocity forward (ground x): the reward's speed", "m/s"),
        (f"{body}_vy", f"{body} velocity up (ground y)", "m/s"),
        (f"{body}_ax", f"{body} acceleration forward", "m/s²"),
        (f"{body}_ay", f"{body} acceleration up", "m/s²"),
        (f"{body}_rz", f"{body} pitch: third body-fixed X-Y-Z angle, + leans back (front up)", "rad"),
        (f"{body}_vrz", f"{body} angular velocity about ground z", "rad/s"),
        (f"{body}_arz", f"{body} angular acceleration about ground z", "rad/s²"),
    ]


def _body_rows(body: str, reference: str, missing: bool) -> list[tuple[str, str, str]]:
    rows = [
        (f"{body}_x_rel", f"{body} x minus {reference} x: how far ahead of the {reference}", "m"),
        (f"{body}_y_rel", f"{body} y minus {reference} y: height above the {reference}", "m"),
        (f"{body}_vx", f"{body} velocity forward (ground x)", "m/s"),
        (f"{body}_vy", f"{body} velocity up (ground y)", "m/s"),
        (f"{body}_ax", f"{body} acceleration forward", "m/s²"),
        (f"{body}_ay", f"{body} acceleration up", "m/s²"),
        (f"{body}_rz_rel", f"{body} pitch minus the {reference}'s (body-fixed X-Y-Z, third angle)", "rad"),
        (f"{body}_vrz", f"{body} angular velocity about ground z", "rad/s"),
        (f"{body}_arz", f"{body} angular acceleration about ground z", "rad/s²"),
    ]
    if missing:
        return [(name, f"always 0: the model has no {body} (osim-rl keeps its slot)", unit) for name, _, unit in rows]
    return rows


def _joint_rows(joint: JointSlot) -> list[tuple[str, str, str]]:
    rows = []
    for suffix, what, units in (
        ("pos", "", ("rad", "m")),
        ("vel", ", velocity", ("rad/s", "m/s")),
        ("acc", ", acceleration", ("rad/s²", "m/s²")),
    ):
        for coordinate, rotational in zip(joint.coordinates, joint.rotational, strict=True):
            label, signs = _coordinate_meaning(coordinate)
            meaning = f"{label}: {signs} (joint {joint.name})" if suffix == "pos" and signs else f"{label}{what}"
            rows.append((f"{coordinate}_{suffix}", meaning, units[0] if rotational else units[1]))
    return rows


def _coordinate_meaning(coordinate: str) -> tuple[str, str]:
    """("left hip flexion", "thigh forward +, back −") for hip_flexion_l; (name, "") when unknown."""
    side = {"_r": "right ", "_l": "left "}.get(coordinate[-2:], "")
    label, signs = COORDINATE_MEANINGS.get(coordinate[:-2] if side else coordinate, (coordinate, ""))
    return (f"{side}{label}" if label != coordinate else coordinate), signs


def layout_for(loaded: LoadedModel) -> ObservationLayout:
    """osim-rl's layout for this model (see the module's docstring for models unlike the default)."""
    reference = loaded.pelvis.getName()
    model_bodies = list(loaded.body_names)
    candidates = [name for name in OSIM_RL_BODIES if name != reference]
    if any(name in model_bodies for name in candidates):
        bodies = tuple(candidates)
    else:
        bodies = tuple(name for name in model_bodies if name != reference)
    joints_by_name = dict(loaded.joint_coordinates)  # the joints as written, welded coordinates included
    chosen = [name for name in OSIM_RL_JOINTS if name in joints_by_name] or list(joints_by_name)
    joints = []
    for name in chosen:
        coordinates = joints_by_name[name]
        if coordinates:
            joints.append(
                JointSlot(
                    name,
                    tuple(c.getName() for c in coordinates),
                    tuple(c.getMotionType() != _TRANSLATIONAL for c in coordinates),
                )
            )
    action_order = [muscle.name for muscle in loaded.muscles]
    muscles = tuple(sorted(action_order))
    return ObservationLayout(
        reference_body=reference,
        bodies=bodies,
        missing_bodies=frozenset(name for name in bodies if name not in model_bodies),
        joints=tuple(joints),
        muscles=muscles,
        action_indices=tuple(action_order.index(name) for name in muscles),
    )


_TRANSLATIONAL = 2  # opensim.Coordinate.Translational, without importing OpenSim here


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


def markdown_table(entries: tuple[ObservationEntry, ...]) -> str:
    """The entries as a Markdown table: index, name, meaning, unit."""
    lines = ["| index | name | meaning | unit |", "|---:|---|---|---|"]
    lines += [f"| {e.index} | `{e.name}` | {e.meaning} | {e.unit} |" for e in entries]
    return "\n".join(lines) + "\n"
