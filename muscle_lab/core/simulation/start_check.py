"""What is odd about a model's starting pose, said when it loads rather than discovered later.

A model whose contact spheres start deep inside the ground (osim-rl's
`gait9dof18musc_20170320.osim` has its pelvis at 0 m) makes the first integration step run for
minutes while the contact forces push it out; a user should hear that before pressing Run.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.reward import MIN_PELVIS_HEIGHT

if TYPE_CHECKING:
    import opensim

    from muscle_lab.core.simulation.model import LoadedModel

DEEP_CONTACT_METRES = 0.10  # standing feet sink ~2.5 cm into the ground; ten times that is not standing


def start_warnings(loaded: LoadedModel, state: opensim.State, pelvis_height: float) -> tuple[str, ...]:
    """Plain sentences about the initial state; empty for a model that starts standing."""
    warnings = []
    depth, sphere = deepest_contact(loaded.model, state)
    if depth > DEEP_CONTACT_METRES:
        warnings.append(
            f"{loaded.path.name} starts with its contact sphere {sphere} {depth * 100:.0f} cm inside the "
            "ground: the first steps may take minutes while the contact pushes it out"
        )
    if pelvis_height < MIN_PELVIS_HEIGHT:
        warnings.append(
            f"{loaded.path.name} starts with its pelvis at {pelvis_height:.2f} m, below the "
            f"{MIN_PELVIS_HEIGHT} m fall line: its episodes are not ended by falls"
        )
    return tuple(warnings)


def deepest_contact(model: opensim.Model, state: opensim.State) -> tuple[float, str]:
    """How far (m) the deepest contact sphere reaches into any contact half-space, and its name."""
    import opensim

    model.realizePosition(state)
    geometry = model.getContactGeometrySet()
    spheres, planes = [], []
    for index in range(geometry.getSize()):
        item = geometry.get(index)
        frame_rotation, origin = _placement(item, state)
        sphere = opensim.ContactSphere.safeDownCast(item)
        if sphere is not None:
            spheres.append((item.getName(), origin, sphere.getRadius()))
        elif opensim.ContactHalfSpace.safeDownCast(item) is not None:
            # Simbody's half-space fills x > 0 of its own frame: its outward normal is -x.
            planes.append((origin, frame_rotation @ np.array([-1.0, 0.0, 0.0])))
    deepest, name = 0.0, ""
    for sphere_name, centre, radius in spheres:
        for origin, normal in planes:
            depth = radius - float(np.dot(centre - origin, normal))
            if depth > deepest:
                deepest, name = depth, sphere_name
    return deepest, name


def _placement(item: opensim.ContactGeometry, state: opensim.State) -> tuple[np.ndarray, np.ndarray]:
    """The geometry's rotation and origin in ground (its frame's, then its own location/orientation)."""
    transform = item.getFrame().getTransformInGround(state)
    rotation = transform.R()
    frame_rotation = np.array([[rotation.get(i, j) for j in range(3)] for i in range(3)])
    location = item.get_location()
    origin = item.getFrame().findStationLocationInGround(state, location)
    angles = item.get_orientation()
    local = _body_fixed_xyz(angles.get(0), angles.get(1), angles.get(2))
    return frame_rotation @ local, np.array([origin.get(0), origin.get(1), origin.get(2)])


def _body_fixed_xyz(a: float, b: float, c: float) -> np.ndarray:
    """OpenSim's orientation convention for geometry: body-fixed X, then Y, then Z rotations."""
    ca, sa, cb, sb, cc, sc = math.cos(a), math.sin(a), math.cos(b), math.sin(b), math.cos(c), math.sin(c)
    x = np.array([[1, 0, 0], [0, ca, -sa], [0, sa, ca]])
    y = np.array([[cb, 0, sb], [0, 1, 0], [-sb, 0, cb]])
    z = np.array([[cc, -sc, 0], [sc, cc, 0], [0, 0, 1]])
    rotation: np.ndarray = x @ y @ z  # typed here: numpy's stubs give `@` no array type
    return rotation
