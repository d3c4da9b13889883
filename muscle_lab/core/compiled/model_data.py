"""A model as plain data: what the compiled equations need, read once from OpenSim.

Nothing here refers to OpenSim objects, so the equations can be built (and tested) from the
data alone. Transforms are (R, p): a 3x3 rotation and a translation, as nested tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Vec3 = tuple[float, float, float]
Mat3 = tuple[Vec3, Vec3, Vec3]


@dataclass(frozen=True)
class Transform:
    """X_AB: rotation R_AB and the origin of B in A, expressed in A."""

    rotation: Mat3
    translation: Vec3


IDENTITY = Transform(((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)), (0.0, 0.0, 0.0))


@dataclass(frozen=True)
class ConstantFn:
    value: float


@dataclass(frozen=True)
class LinearFn:
    """SimTK::Function::Linear of one argument: slope * x + intercept."""

    slope: float
    intercept: float


@dataclass(frozen=True)
class SimmSplineFn:
    """OpenSim's SimmSpline: knots and the coefficients it computes from them."""

    x: tuple[float, ...]
    y: tuple[float, ...]
    b: tuple[float, ...]
    c: tuple[float, ...]
    d: tuple[float, ...]


@dataclass(frozen=True)
class MultiplierFn:
    scale: float
    function: Function


Function = ConstantFn | LinearFn | SimmSplineFn | MultiplierFn


@dataclass(frozen=True)
class Body:
    name: str
    mass: float
    mass_center: Vec3  # in the body frame
    inertia: Mat3  # about the mass center, in the body frame


@dataclass(frozen=True)
class TransformAxis:
    """One of a CustomJoint's six axes: a unit axis and a function of coordinates (indices into
    the model's coordinates)."""

    axis: Vec3
    function: Function
    coordinates: tuple[int, ...]


@dataclass(frozen=True)
class Joint:
    """A mobilizer from the parent body's frame F (parent_offset) to the child's frame M
    (child_offset, in the child body). kind: custom (six axes), pin (about F's z), planar
    (rotation about z, then x, y in F), weld."""

    name: str
    kind: Literal["custom", "pin", "planar", "weld"]
    parent: str  # a body name, or "ground"
    child: str
    parent_offset: Transform
    child_offset: Transform
    coordinates: tuple[int, ...]  # the joint's own coordinates, model indices
    axes: tuple[TransformAxis, ...] = ()  # custom joints: rotation1-3, translation1-3


@dataclass(frozen=True)
class Coordinate:
    name: str
    range_min: float
    range_max: float
    rotational: bool


@dataclass(frozen=True)
class PathPoint:
    """A path point on `body` at `location` (body frame). A conditional point is on the path
    while its coordinate is within [range_min, range_max] (OpenSim adds 1e-5 to each side); a
    moving point's location is three functions of (clamped) coordinates, in the frame
    `frame` of the body."""

    body: str
    location: Vec3
    kind: Literal["fixed", "conditional", "moving"] = "fixed"
    coordinate: int = -1  # conditional: its coordinate
    range_min: float = 0.0
    range_max: float = 0.0
    frame: Transform = IDENTITY  # moving: its frame in the body
    functions: tuple[Function, Function, Function] | None = None  # moving: x, y, z
    function_coordinates: tuple[int, int, int] = (-1, -1, -1)  # moving: -1 when none


@dataclass(frozen=True)
class Thelen2003Muscle:
    name: str
    path: tuple[PathPoint, ...]
    max_isometric_force: float
    optimal_fiber_length: float
    tendon_slack_length: float
    pennation_angle_at_optimal: float
    max_contraction_velocity: float
    activation_time_constant: float
    deactivation_time_constant: float
    minimum_activation: float
    fmax_tendon_strain: float
    fmax_muscle_strain: float
    kshape_active: float
    kshape_passive: float
    af: float
    flen: float
    fv_linear_extrap_threshold: float
    maximum_pennation_angle: float


@dataclass(frozen=True)
class ContactSurface:
    """A contact geometry with its HuntCrossley parameters; `frame`: the geometry's frame in
    its body (a half space fills x > 0 of it; a sphere is centred on its origin)."""

    name: str
    body: str
    frame: Transform
    kind: Literal["sphere", "half_space"]
    radius: float
    stiffness: float
    dissipation: float
    static_friction: float
    dynamic_friction: float
    viscous_friction: float


@dataclass(frozen=True)
class HuntCrossleyForce:
    name: str
    transition_velocity: float
    surfaces: tuple[ContactSurface, ...]  # in the order Simbody numbers them


@dataclass(frozen=True)
class CoordinateLimitForce:
    """In SI units (radians for a rotation), as OpenSim converts them when it connects."""

    name: str
    coordinate: int
    upper_stiffness: float
    upper_limit: float
    lower_stiffness: float
    lower_limit: float
    damping: float
    transition: float


@dataclass(frozen=True)
class SpringGeneralizedForce:
    name: str
    coordinate: int
    stiffness: float
    rest_length: float
    viscosity: float


@dataclass(frozen=True)
class ModelData:
    name: str
    gravity: Vec3
    coordinates: tuple[Coordinate, ...]
    bodies: tuple[Body, ...]
    joints: tuple[Joint, ...]  # parents before children
    muscles: tuple[Thelen2003Muscle, ...]
    contacts: tuple[HuntCrossleyForce, ...]
    limit_forces: tuple[CoordinateLimitForce, ...]
    springs: tuple[SpringGeneralizedForce, ...]

    def coordinate_index(self, name: str) -> int:
        return next(i for i, c in enumerate(self.coordinates) if c.name == name)
