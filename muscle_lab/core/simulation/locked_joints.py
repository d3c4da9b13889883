"""Locked coordinates become fixed geometry: the same physics with fewer equations.

A locked coordinate costs a constraint (with its projections) on every evaluation, yet the
body never moves along it. Here a model's locked coordinates are taken out before the model is
built: a joint whose coordinates are all locked becomes a WeldJoint at its locked pose, and a
CustomJoint axis driven by a locked coordinate alone becomes a Constant at its locked value.
The default osim-rl model loses hip_rotation_r/_l and lumbar_extension: 66 states, not 72.

A coordinate something else refers to (a coupler, a moving path point, ...) is left as it is,
locked: taking it out would break that reference. CoordinateLimitForces are the exception (the
planar osim-rl models limit their locked hip adduction): a limit force on a locked coordinate
applies a generalized force along that coordinate only, which the lock's reaction cancels
whole, so no motion changes; such a force goes with its coordinate, and its record values (at
the locked value and zero speed: constants) are kept for the state descriptions that list it.
"""

from __future__ import annotations

import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import opensim

# OpenSim writes tags such as `<HuntCrossleyForce::ContactParametersSet>`, which XML forbids.
_SCOPED_TAG = re.compile(r"<(/?)([A-Za-z_][\w.]*(?:::[\w.]+)+)")
_SCOPE_STAND_IN = "-scope-"  # a hyphen is allowed inside an XML name, never in OpenSim's


class CoordinateLike(Protocol):
    """What muscle_lab reads of a coordinate: an OpenSim Coordinate, or a FixedCoordinate."""

    def getName(self) -> str: ...  # noqa: N802  OpenSim's names
    def getMotionType(self) -> int: ...  # noqa: N802
    def getValue(self, state: Any) -> float: ...  # noqa: N802
    def getSpeedValue(self, state: Any) -> float: ...  # noqa: N802
    def getAccelerationValue(self, state: Any) -> float: ...  # noqa: N802
    def getDefaultLocked(self) -> bool: ...  # noqa: N802


@dataclass(frozen=True)
class FixedCoordinate:
    """A coordinate taken out of the model: what it read when it was locked.

    It answers the calls muscle_lab makes on an OpenSim Coordinate, so readers of coordinates
    (frames, observations) need not know which ones were taken out."""

    name: str
    value: float
    motion_type: int  # opensim.Coordinate.Rotational, Translational or Coupled

    def getName(self) -> str:  # noqa: N802  OpenSim's names
        return self.name

    def getMotionType(self) -> int:  # noqa: N802
        return self.motion_type

    def getValue(self, state: object) -> float:  # noqa: N802
        return self.value

    def getSpeedValue(self, state: object) -> float:  # noqa: N802
        return 0.0

    def getAccelerationValue(self, state: object) -> float:  # noqa: N802
        return 0.0

    def getDefaultLocked(self) -> bool:  # noqa: N802
        return True


@dataclass
class _WeldPlan:
    """What to change in the model's XML."""

    welds: dict[str, tuple[str, list[float], list[float]]] = field(default_factory=dict)
    # joint -> (parent base frame path, translation, body-fixed XYZ orientation)
    constant_axes: dict[str, dict[str, float]] = field(default_factory=dict)
    # custom joint -> {axis name: constant value}
    removed: dict[str, list[str]] = field(default_factory=dict)  # joint -> coordinates taken out
    dropped_forces: list[str] = field(default_factory=list)  # limit forces of coordinates taken out


@dataclass(frozen=True)
class WeldedModel:
    """The rebuilt model (not yet initialised) and the coordinates it no longer has."""

    model: opensim.Model
    fixed: tuple[FixedCoordinate, ...]
    # Limit forces taken out with their coordinates: (name, record values at the locked state).
    dropped_forces: tuple[tuple[str, tuple[float, ...]], ...] = ()


def weld_locked_coordinates(model: opensim.Model) -> WeldedModel | None:
    """`model` (initialised) rebuilt with its locked coordinates as fixed geometry, or None
    when it has none that can be taken out."""
    state = model.initializeState()
    xml = _model_xml(model)
    plan = _plan(model, state, xml)
    if not plan.removed:
        return None
    coordinates = model.getCoordinateSet()
    fixed = tuple(
        FixedCoordinate(name, coordinates.get(name).getValue(state), int(coordinates.get(name).getMotionType()))
        for names in plan.removed.values()
        for name in names
    )
    model.realizeDynamics(state)
    forces = model.getForceSet()
    dropped = []
    for name in plan.dropped_forces:
        record = forces.get(name).getRecordValues(state)
        dropped.append((name, tuple(float(record.get(k)) for k in range(record.size()))))
    return WeldedModel(_load_xml(_apply(xml, plan)), fixed, tuple(dropped))


def _plan(model: opensim.Model, state: opensim.State, xml: ET.Element) -> _WeldPlan:
    plan = _WeldPlan()
    referenced = _referenced_names(xml)
    limits = _limit_forces(xml)  # coordinate -> the CoordinateLimitForces naming it
    joints = model.getJointSet()
    for index in range(joints.getSize()):
        joint = joints.get(index)
        coordinates = [joint.get_coordinates(k) for k in range(joint.numCoordinates())]
        locked = [
            c.getName()
            for c in coordinates
            if c.getDefaultLocked()
            and not c.get_prescribed()
            and referenced.get(c.getName(), 0) == len(limits.get(c.getName(), []))
        ]
        if not locked:
            continue
        name = joint.getName()
        if len(locked) == len(coordinates):
            base = joint.getParentFrame().findBaseFrame()
            transform = joint.getChildFrame().findTransformBetween(state, base)
            plan.welds[name] = (
                base.getAbsolutePathString(),
                _list3(transform.p()),
                _list3(transform.R().convertRotationToBodyFixedXYZ()),
            )
            plan.removed[name] = locked
            continue
        custom = opensim.CustomJoint.safeDownCast(joint)
        if custom is None:
            continue  # a partly locked pin, ball or universal joint has no axis to fix alone
        values = {c.getName(): float(c.getValue(state)) for c in coordinates if c.getName() in locked}
        constants, taken = _constant_axes(custom, values)
        if taken:
            plan.constant_axes[name] = constants
            plan.removed[name] = [c.getName() for c in coordinates if c.getName() in taken]
    plan.dropped_forces = [force for names in plan.removed.values() for c in names for force in limits.get(c, [])]
    return plan


def _limit_forces(xml: ET.Element) -> dict[str, list[str]]:
    """Each coordinate named by CoordinateLimitForces, with their names."""
    forces: dict[str, list[str]] = {}
    for force in xml.iter("CoordinateLimitForce"):
        coordinate = force.find("coordinate")
        if coordinate is not None and coordinate.text:
            forces.setdefault(coordinate.text.strip().rsplit("/", 1)[-1], []).append(force.get("name", ""))
    return forces


def _constant_axes(joint: opensim.CustomJoint, locked: dict[str, float]) -> tuple[dict[str, float], set[str]]:
    """Axis -> constant for the axes driven by one locked coordinate alone (`locked`: name ->
    locked value), and those coordinates. A locked coordinate that shares an axis stays."""
    transform = joint.getSpatialTransform()
    driven: dict[str, list[tuple[str, opensim.TransformAxis]]] = {}
    shared: set[str] = set()
    for k in range(6):
        axis = transform.getTransformAxis(k)
        names_array = axis.getCoordinateNamesInArray()
        names = [names_array.get(i) for i in range(names_array.getSize())]
        for coordinate in set(names) & locked.keys():
            if len(names) == 1:
                driven.setdefault(coordinate, []).append((axis.getName(), axis))
            else:
                shared.add(coordinate)
    constants: dict[str, float] = {}
    taken: set[str] = set()
    for coordinate, axes in driven.items():
        if coordinate in shared:
            continue
        for axis_name, axis in axes:
            constants[axis_name] = axis.getFunction().calcValue(opensim.Vector(1, locked[coordinate]))
        taken.add(coordinate)
    return constants, taken


def _referenced_names(xml: ET.Element) -> dict[str, int]:
    """How often each name is referred to in element texts, outside joint definitions: a
    coordinate named there (by name or path) is needed by some other component."""
    counts: dict[str, int] = {}
    joint_sets = list(xml.iter("JointSet"))
    inside_joints = {id(element) for joint_set in joint_sets for element in joint_set.iter()}
    for element in xml.iter():
        if id(element) in inside_joints or not element.text:
            continue
        for word in element.text.split():
            name = word.rsplit("/", 1)[-1]
            counts[name] = counts.get(name, 0) + 1
    # Within the joints, only an axis naming another joint's coordinate refers to it.
    for joint_set in joint_sets:
        objects = joint_set.find("objects")
        for joint in objects if objects is not None else []:
            own = {c.get("name") for c in joint.iter("Coordinate")}
            for element in joint.iter():
                if element.tag == "coordinates" and element.text and element.find("Coordinate") is None:
                    for word in element.text.split():
                        if word not in own:
                            counts[word] = counts.get(word, 0) + 1
    return counts


def _apply(xml: ET.Element, plan: _WeldPlan) -> ET.Element:
    for force_set in xml.iter("ForceSet"):
        objects = force_set.find("objects")
        for force in list(objects) if objects is not None else []:
            if force.tag == "CoordinateLimitForce" and force.get("name") in plan.dropped_forces:
                objects.remove(force)  # type: ignore[union-attr]
    for joint_set in xml.iter("JointSet"):
        objects = joint_set.find("objects")
        if objects is None:
            continue
        for position, joint in enumerate(list(objects)):
            name = joint.get("name", "")
            if name in plan.welds:
                objects[position] = _weld(joint, *plan.welds[name])
            elif name in plan.constant_axes:
                _fix_axes(joint, plan.constant_axes[name], plan.removed[name])
    return xml


def _weld(joint: ET.Element, base_path: str, translation: list[float], orientation: list[float]) -> ET.Element:
    """A WeldJoint holding the child where the locked joint held it: a new parent offset frame."""
    name = joint.get("name", "")
    weld = ET.Element("WeldJoint", {"name": name})
    parent_name = f"{name}_locked_parent"
    ET.SubElement(weld, "socket_parent_frame").text = parent_name
    child = joint.find("socket_child_frame")
    ET.SubElement(weld, "socket_child_frame").text = child.text if child is not None else ""
    frames = joint.find("frames")
    new_frames = ET.SubElement(weld, "frames")
    for frame in frames if frames is not None else []:
        new_frames.append(frame)
    parent = ET.SubElement(new_frames, "PhysicalOffsetFrame", {"name": parent_name})
    ET.SubElement(parent, "socket_parent").text = base_path
    ET.SubElement(parent, "translation").text = " ".join(repr(v) for v in translation)
    ET.SubElement(parent, "orientation").text = " ".join(repr(v) for v in orientation)
    weld.tail = joint.tail
    return weld


def _fix_axes(joint: ET.Element, constants: dict[str, float], removed: list[str]) -> None:
    for axis in joint.iter("TransformAxis"):
        axis_name = axis.get("name", "")
        if axis_name not in constants:
            continue
        for child in list(axis):
            if child.get("name") == "function":
                axis.remove(child)
        ET.SubElement(axis, "Constant", {"name": "function"}).append(_element("value", repr(constants[axis_name])))
        coordinates = axis.find("coordinates")
        if coordinates is not None:
            coordinates.text = ""
    listed = joint.find("coordinates")
    if listed is None:
        return
    for coordinate in list(listed):
        if coordinate.get("name") in removed:
            listed.remove(coordinate)


def _element(tag: str, text: str) -> ET.Element:
    element = ET.Element(tag)
    element.text = text
    return element


def _model_xml(model: opensim.Model) -> ET.Element:
    with tempfile.TemporaryDirectory(prefix="muscle_lab_model_") as folder:
        path = Path(folder) / "model.osim"
        model.printToXML(str(path))
        text = path.read_text(encoding="utf-8")
    return ET.fromstring(_SCOPED_TAG.sub(lambda m: f"<{m[1]}{m[2].replace('::', _SCOPE_STAND_IN)}", text))


def _load_xml(xml: ET.Element) -> opensim.Model:
    text = ET.tostring(xml, encoding="unicode").replace(_SCOPE_STAND_IN, "::")
    with tempfile.TemporaryDirectory(prefix="muscle_lab_model_") as folder:
        path = Path(folder) / "model.osim"
        path.write_text('<?xml version="1.0" encoding="UTF-8" ?>\n' + text, encoding="utf-8")
        return opensim.Model(str(path))


def _list3(vector: object) -> list[float]:
    return [float(vector[0]), float(vector[1]), float(vector[2])]  # type: ignore[index]
