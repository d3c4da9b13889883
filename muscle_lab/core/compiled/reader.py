"""Reading a loaded OpenSim model, through OpenSim's API, into ModelData.

Anything the compiled equations do not reproduce exactly makes the reader decline with
UnsupportedModel, naming the component: the model then stays on OpenSim.
"""

from __future__ import annotations

from typing import Any

import opensim

from muscle_lab.core.compiled.model_data import (
    Body,
    ConstantFn,
    ContactSurface,
    Coordinate,
    CoordinateLimitForce,
    Function,
    HuntCrossleyForce,
    Joint,
    LinearFn,
    ModelData,
    MultiplierFn,
    PathPoint,
    SpringGeneralizedForce,
    Thelen2003Muscle,
    Transform,
    TransformAxis,
    Vec3,
)
from muscle_lab.core.compiled.reader_parts import (
    check_components,
    contact_parameters,
    mobilized_body,
    transform_of,
    vec3,
)
from muscle_lab.core.compiled.simm_spline import simm_spline


class UnsupportedModel(ValueError):
    """The model holds a component (or a setting of one) the compiled engine does not support."""


def read_model(model: opensim.Model) -> ModelData:
    """`model` (initialised, its locked coordinates welded) as plain data."""
    problem = check_components(model)
    if problem:
        raise UnsupportedModel(problem)
    coordinate_set = model.getCoordinateSet()
    coordinates = tuple(_coordinate(coordinate_set.get(i)) for i in range(coordinate_set.getSize()))
    index = {c.name: i for i, c in enumerate(coordinates)}
    body_set = model.getBodySet()
    bodies = tuple(_body(body_set.get(i)) for i in range(body_set.getSize()))
    joints = _ordered(tuple(_joint(model.getJointSet().get(i), index) for i in range(model.getJointSet().getSize())))
    muscles: list[Thelen2003Muscle] = []
    contacts: list[HuntCrossleyForce] = []
    limits: list[CoordinateLimitForce] = []
    springs: list[SpringGeneralizedForce] = []
    forces = model.getForceSet()
    for i in range(forces.getSize()):
        force = forces.get(i)
        if not force.get_appliesForce():
            continue
        kind = force.getConcreteClassName()
        if kind == "Thelen2003Muscle":
            muscles.append(_muscle(opensim.Thelen2003Muscle.safeDownCast(force), index))
        elif kind == "HuntCrossleyForce":
            contacts.append(_contact(model, opensim.HuntCrossleyForce.safeDownCast(force), joints))
        elif kind == "CoordinateLimitForce":
            limits.append(_limit(opensim.CoordinateLimitForce.safeDownCast(force), coordinates, index))
        elif kind == "SpringGeneralizedForce":
            springs.append(_spring(opensim.SpringGeneralizedForce.safeDownCast(force), index))
        else:
            raise UnsupportedModel(f"force {force.getName()} ({kind})")
    return ModelData(
        name=model.getName(),
        gravity=vec3(model.getGravity()),
        coordinates=coordinates,
        bodies=bodies,
        joints=joints,
        muscles=tuple(muscles),
        contacts=tuple(contacts),
        limit_forces=tuple(limits),
        springs=tuple(springs),
    )


def _coordinate(c: opensim.Coordinate) -> Coordinate:
    if c.getDefaultLocked() or c.get_prescribed():
        raise UnsupportedModel(f"coordinate {c.getName()} (locked or prescribed: a constraint)")
    return Coordinate(c.getName(), c.getRangeMin(), c.getRangeMax(), c.getMotionType() == opensim.Coordinate.Rotational)


def _body(b: opensim.Body) -> Body:
    inertia = b.getInertia()
    m, p = vec3(inertia.getMoments()), vec3(inertia.getProducts())  # xx yy zz, xy xz yz
    matrix = ((m[0], p[0], p[1]), (p[0], m[1], p[2]), (p[1], p[2], m[2]))
    return Body(b.getName(), b.getMass(), vec3(b.getMassCenter()), matrix)


def _joint(joint: opensim.Joint, index: dict[str, int]) -> Joint:
    name, kind = joint.getName(), joint.getConcreteClassName()
    own = tuple(index[joint.get_coordinates(k).getName()] for k in range(joint.numCoordinates()))
    parent, child = joint.getParentFrame(), joint.getChildFrame()
    common: dict[str, Any] = {
        "name": name,
        "parent": mobilized_body(parent),
        "child": mobilized_body(child),
        "parent_offset": transform_of(parent.findTransformInBaseFrame()),
        "child_offset": transform_of(child.findTransformInBaseFrame()),
        "coordinates": own,
    }
    if child.findBaseFrame().getName() == "ground":
        raise UnsupportedModel(f"joint {name} (reversed: its child is ground)")
    if kind == "WeldJoint":
        return Joint(kind="weld", **common)
    if kind == "PinJoint":
        return Joint(kind="pin", **common)
    if kind == "PlanarJoint":
        return Joint(kind="planar", **common)
    if kind != "CustomJoint":
        raise UnsupportedModel(f"joint {name} ({kind})")
    transform = opensim.CustomJoint.safeDownCast(joint).getSpatialTransform()
    # Simbody numbers a CustomJoint's coordinates in the spatial transform's order of first
    # appearance; muscle_lab reads them in the joint's order: they must agree.
    order: list[str] = []
    axes = []
    for k in range(6):
        axis = transform.getTransformAxis(k)
        names_array = axis.getCoordinateNamesInArray()
        names = [names_array.get(i) for i in range(names_array.getSize())]
        if len(names) > 1:
            raise UnsupportedModel(f"joint {name} axis {axis.getName()} (a function of several coordinates)")
        order.extend(n for n in names if n not in order)
        function = read_function(axis.getFunction(), f"joint {name} axis {axis.getName()}")
        if names and isinstance(function, ConstantFn):
            names = []
        axes.append(TransformAxis(vec3(axis.getAxis()), function, tuple(index[n] for n in names)))
    if tuple(index[n] for n in order) != own:
        raise UnsupportedModel(f"joint {name} (its axes name its coordinates in another order)")
    return Joint(kind="custom", axes=tuple(axes), **common)


def _ordered(joints: tuple[Joint, ...]) -> tuple[Joint, ...]:
    """Parents before children: the order the kinematics are computed in."""
    placed: list[Joint] = []
    known = {"ground"}
    pending = list(joints)
    while pending:
        ready = [j for j in pending if j.parent in known]
        if not ready:
            raise UnsupportedModel(f"joint {pending[0].name} (not connected to ground through joints)")
        for joint in ready:
            placed.append(joint)
            known.add(joint.child)
            pending.remove(joint)
    return tuple(placed)


def read_function(function: opensim.Function, owner: str) -> Function:
    kind = function.getConcreteClassName()
    if kind == "Constant":
        return ConstantFn(opensim.Constant.safeDownCast(function).getValue())
    if kind == "LinearFunction":
        linear = opensim.LinearFunction.safeDownCast(function)
        return LinearFn(linear.getSlope(), linear.getIntercept())
    if kind == "SimmSpline":
        spline = opensim.SimmSpline.safeDownCast(function)
        size = spline.getSize()
        return simm_spline([spline.getX(i) for i in range(size)], [spline.getY(i) for i in range(size)])
    if kind == "MultiplierFunction":
        multiplier = opensim.MultiplierFunction.safeDownCast(function)
        return MultiplierFn(multiplier.getScale(), read_function(multiplier.getFunction(), owner))
    raise UnsupportedModel(f"{owner}: function {kind}")


def _muscle(muscle: opensim.Thelen2003Muscle, index: dict[str, int]) -> Thelen2003Muscle:
    name = muscle.getName()
    if muscle.get_ignore_tendon_compliance() or muscle.get_ignore_activation_dynamics():
        raise UnsupportedModel(f"muscle {name} (ignores tendon compliance or activation dynamics)")
    path = muscle.getGeometryPath()
    if path.getWrapSet().getSize() > 0:
        raise UnsupportedModel(f"muscle {name} (wraps over a wrap object)")
    points = path.getPathPointSet()
    return Thelen2003Muscle(
        name=name,
        path=tuple(_path_point(points.get(i), index, name) for i in range(points.getSize())),
        max_isometric_force=muscle.getMaxIsometricForce(),
        optimal_fiber_length=muscle.getOptimalFiberLength(),
        tendon_slack_length=muscle.getTendonSlackLength(),
        pennation_angle_at_optimal=muscle.getPennationAngleAtOptimalFiberLength(),
        max_contraction_velocity=muscle.getMaxContractionVelocity(),
        activation_time_constant=muscle.get_activation_time_constant(),
        deactivation_time_constant=muscle.get_deactivation_time_constant(),
        minimum_activation=muscle.get_minimum_activation(),
        fmax_tendon_strain=muscle.get_FmaxTendonStrain(),
        fmax_muscle_strain=muscle.get_FmaxMuscleStrain(),
        kshape_active=muscle.get_KshapeActive(),
        kshape_passive=muscle.get_KshapePassive(),
        af=muscle.get_Af(),
        flen=muscle.get_Flen(),
        fv_linear_extrap_threshold=muscle.get_fv_linear_extrap_threshold(),
        maximum_pennation_angle=muscle.get_maximum_pennation_angle(),
    )


def _path_point(point: opensim.AbstractPathPoint, index: dict[str, int], muscle: str) -> PathPoint:
    kind = point.getConcreteClassName()
    frame = point.getParentFrame()
    body = mobilized_body(frame)
    in_body = transform_of(frame.findTransformInBaseFrame())
    owner = f"muscle {muscle} path point {point.getName()}"
    if kind == "PathPoint":
        location = opensim.PathPoint.safeDownCast(point).get_location()
        return PathPoint(body, _apply(in_body, vec3(location)))
    if kind == "ConditionalPathPoint":
        conditional = opensim.ConditionalPathPoint.safeDownCast(point)
        return PathPoint(
            body,
            _apply(in_body, vec3(conditional.get_location())),
            kind="conditional",
            coordinate=index[conditional.getCoordinate().getName()],
            range_min=conditional.get_range(0),
            range_max=conditional.get_range(1),
        )
    if kind == "MovingPathPoint":
        moving = opensim.MovingPathPoint.safeDownCast(point)
        functions = (
            read_function(moving.get_x_location(), owner),
            read_function(moving.get_y_location(), owner),
            read_function(moving.get_z_location(), owner),
        )
        used = (
            index[moving.getXCoordinate().getName()] if moving.hasXCoordinate() else -1,
            index[moving.getYCoordinate().getName()] if moving.hasYCoordinate() else -1,
            index[moving.getZCoordinate().getName()] if moving.hasZCoordinate() else -1,
        )
        if any(c < 0 and not isinstance(f, ConstantFn) for c, f in zip(used, functions, strict=True)):
            raise UnsupportedModel(f"{owner} (a function without its coordinate)")
        return PathPoint(
            body,
            (0.0, 0.0, 0.0),
            kind="moving",
            frame=in_body,
            functions=functions,
            function_coordinates=(used[0], used[1], used[2]),
        )
    raise UnsupportedModel(f"{owner} ({kind})")


def _apply(transform: Transform, point: Vec3) -> Vec3:
    r, p = transform.rotation, transform.translation
    return (
        r[0][0] * point[0] + r[0][1] * point[1] + r[0][2] * point[2] + p[0],
        r[1][0] * point[0] + r[1][1] * point[1] + r[1][2] * point[2] + p[1],
        r[2][0] * point[0] + r[2][1] * point[1] + r[2][2] * point[2] + p[2],
    )


def _contact(model: opensim.Model, force: opensim.HuntCrossleyForce, joints: tuple[Joint, ...]) -> HuntCrossleyForce:
    surfaces: list[ContactSurface] = []
    for parameters in contact_parameters(force):
        for geometry_name in parameters.geometry:
            geometry = model.getContactGeometrySet().get(geometry_name)
            kind = geometry.getConcreteClassName()
            owner = f"force {force.getName()} geometry {geometry_name}"
            if kind == "ContactSphere":
                shape, radius = "sphere", opensim.ContactSphere.safeDownCast(geometry).getRadius()
            elif kind == "ContactHalfSpace":
                shape, radius = "half_space", 0.0
            else:
                raise UnsupportedModel(f"{owner} ({kind})")
            frame = geometry.getFrame()
            x_bf = frame.findTransformInBaseFrame()
            surfaces.append(
                ContactSurface(
                    name=geometry_name,
                    body=mobilized_body(frame),
                    frame=transform_of(x_bf.compose(geometry.getTransform())),
                    kind=shape,  # type: ignore[arg-type]
                    radius=radius,
                    stiffness=parameters.stiffness,
                    dissipation=parameters.dissipation,
                    static_friction=parameters.static_friction,
                    dynamic_friction=parameters.dynamic_friction,
                    viscous_friction=parameters.viscous_friction,
                )
            )
    half_spaces = [s for s in surfaces if s.kind == "half_space"]
    spheres = [s for s in surfaces if s.kind == "sphere"]
    if any(s.body != "ground" for s in half_spaces):
        raise UnsupportedModel(f"force {force.getName()} (a half space on a moving body)")
    if len({_rigid_group(s.body, joints) for s in spheres}) > 1:
        # Spheres that move relative to each other may touch: sphere-sphere contact. Between
        # welded bodies such a contact's forces cancel, and its normal force is never negative.
        raise UnsupportedModel(f"force {force.getName()} (contact spheres on several bodies)")
    return HuntCrossleyForce(force.getName(), force.get_transition_velocity(), tuple(surfaces))


def _rigid_group(body: str, joints: tuple[Joint, ...]) -> str:
    """The body at the root of the welds `body` hangs from."""
    parents = {j.child: j.parent for j in joints if j.kind == "weld"}
    while body in parents:
        body = parents[body]
    return body


def _limit(
    force: opensim.CoordinateLimitForce, coordinates: tuple[Coordinate, ...], index: dict[str, int]
) -> CoordinateLimitForce:
    coordinate = index[force.get_coordinate()]
    w = 3.141592653589793 / 180.0 if coordinates[coordinate].rotational else 1.0  # SimTK_DEGREE_TO_RADIAN
    if force.get_upper_stiffness() == 0 or force.get_lower_stiffness() == 0:
        raise UnsupportedModel(f"force {force.getName()} (a zero stiffness: OpenSim divides by it)")
    return CoordinateLimitForce(
        name=force.getName(),
        coordinate=coordinate,
        upper_stiffness=force.get_upper_stiffness() / w,
        upper_limit=w * force.get_upper_limit(),
        lower_stiffness=force.get_lower_stiffness() / w,
        lower_limit=w * force.get_lower_limit(),
        damping=force.get_damping() / w,
        transition=w * force.get_transition(),
    )


def _spring(force: opensim.SpringGeneralizedForce, index: dict[str, int]) -> SpringGeneralizedForce:
    return SpringGeneralizedForce(
        force.getName(),
        index[force.get_coordinate()],
        force.getStiffness(),
        force.getRestLength(),
        force.getViscosity(),
    )
