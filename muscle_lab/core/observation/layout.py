"""osim-rl v2.1.5's observations of ProstheticsEnv: what each index of the flat vector is.

`ObservationLayout` names every index of the vector without OpenSim, so a window can label a
vector it is sent; `reader.ObservationReader` reads the vector and the state description from
an OpenSim state, in the process where OpenSim runs.

For the default model the vector has osim-rl's 160 values. Another model gets the same
layout where it has osim-rl's bodies and joints (a body it lacks keeps its 9 slots at 0, as
osim-rl does for the prosthetic leg's toes and talus); a model with none of them (an arm)
gets every body and every joint instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from muscle_lab.core.simulation.model import LoadedModel

# The order of ProstheticsEnv.get_observation.
# The observation space's bounds (muscle_lab.env, and the controllers' spaces): finite, as
# gymnasium's checker wants; 100 times the largest value measured (an ankle's angular
# acceleration at the standing start, 9.6e3 rad/s²): no sound simulation reaches it.
OBSERVATION_BOUND = 1e6
OSIM_RL_BODIES = ("pelvis", "head", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
OSIM_RL_JOINTS = ("ankle_l", "ankle_r", "back", "hip_l", "hip_r", "knee_l", "knee_r")

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


def markdown_table(entries: tuple[ObservationEntry, ...]) -> str:
    """The entries as a Markdown table: index, name, meaning, unit."""
    lines = ["| index | name | meaning | unit |", "|---:|---|---|---|"]
    lines += [f"| {e.index} | `{e.name}` | {e.meaning} | {e.unit} |" for e in entries]
    return "\n".join(lines) + "\n"
