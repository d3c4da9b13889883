"""Helpers of the reader: converting OpenSim values, listing what a model holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import opensim

from muscle_lab.core.compiled.model_data import Transform, Vec3

# Components whose equations the engine reproduces, or that take no part in the dynamics
# (geometry for drawing, sets, frames, the stations of path points, muscle_lab's own
# excitation controller, whose constants enter as inputs).
SUPPORTED = frozenset(
    {
        "Model", "Ground", "Body", "BodySet", "JointSet", "ControllerSet", "ConstraintSet", "ForceSet",
        "MarkerSet", "Marker", "ContactGeometrySet", "ProbeSet", "ComponentSet", "WrapObjectSet",
        "PhysicalOffsetFrame", "FrameGeometry", "Mesh", "Station", "Coordinate",
        "CustomJoint", "PinJoint", "PlanarJoint", "WeldJoint",
        "Thelen2003Muscle", "MuscleFixedWidthPennationModel", "MuscleFirstOrderActivationDynamicModel",
        "GeometryPath", "PathPoint", "ConditionalPathPoint", "MovingPathPoint",
        "HuntCrossleyForce", "ContactSphere", "ContactHalfSpace",
        "CoordinateLimitForce", "SpringGeneralizedForce",
        "Sphere", "Cylinder", "Brick", "Ellipsoid",
    }
)  # fmt: skip
EXCITATION_CONTROLLER = "muscle_lab_excitations"


def check_components(model: opensim.Model) -> str | None:
    """What the engine cannot take, named, or None."""
    # Read the whole list: leaving OpenSim's component generator early raises in its cleanup.
    components = [(c.getAbsolutePathString(), c.getConcreteClassName()) for c in model.getComponentsList()]
    for path, kind in components:
        if kind == "PrescribedController" and path.endswith("/" + EXCITATION_CONTROLLER):
            continue
        if kind not in SUPPORTED:
            return f"component {path} ({kind})"
    constraints = model.getConstraintSet()
    for i in range(constraints.getSize()):
        constraint = constraints.get(i)
        if constraint.get_isEnforced():
            return f"constraint {constraint.getName()} ({constraint.getConcreteClassName()})"
    return None


def vec3(vector: Any) -> Vec3:
    return (float(vector[0]), float(vector[1]), float(vector[2]))


def transform_of(transform: Any) -> Transform:
    """A SimTK Transform as plain data."""
    r = transform.R()
    rows = tuple((r.get(i, 0), r.get(i, 1), r.get(i, 2)) for i in range(3))
    return Transform((rows[0], rows[1], rows[2]), vec3(transform.p()))


def mobilized_body(frame: opensim.PhysicalFrame) -> str:
    """The body a frame is fixed to ("ground" for ground)."""
    name: str = frame.findBaseFrame().getName()
    return name


@dataclass(frozen=True)
class ContactParameters:
    geometry: tuple[str, ...]
    stiffness: float
    dissipation: float
    static_friction: float
    dynamic_friction: float
    viscous_friction: float


def contact_parameters(force: opensim.HuntCrossleyForce) -> list[ContactParameters]:
    """A HuntCrossleyForce's parameter sets, in order. The Python binding does not wrap
    HuntCrossleyForce::ContactParameters: read them through the generic property API."""
    parameter_set = force.getPropertyByName("contact_parameters").getValueAsObject(0)
    objects = parameter_set.getPropertyByName("objects")
    result = []
    for i in range(objects.size()):
        item = objects.getValueAsObject(i)
        geometry = item.getPropertyByName("geometry")

        def number(name: str, item: Any = item) -> float:
            return float(opensim.PropertyHelper.getValueDouble(item.getPropertyByName(name)))

        result.append(
            ContactParameters(
                tuple(opensim.PropertyHelper.getValueString(geometry, k) for k in range(geometry.size())),
                number("stiffness"),
                number("dissipation"),
                number("static_friction"),
                number("dynamic_friction"),
                number("viscous_friction"),
            )
        )
    return result
