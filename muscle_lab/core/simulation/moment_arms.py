"""Why a muscle moves a joint: its moment arm and length over each coordinate it crosses.

As OpenSim Creator's muscle plotter: each coordinate the muscle crosses is swept over its range
while every other coordinate stays at the given pose; at each point OpenSim's
`computeMomentArm(state, coordinate)` and `getLength(state)` are read. The sign of the moment
arm is the direction the muscle turns the coordinate (positive: towards larger values).

Computed where OpenSim runs (the simulation process, or a command); the result is plain numbers,
so it pickles to the window. This module never imports OpenSim itself: it calls the objects it
is given, so the window may import it for the types.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import opensim

    from muscle_lab.core.simulation.model import LoadedModel

DEFAULT_POINTS = 41
MIN_POINTS, MAX_POINTS = 2, 1001
# A moment arm below this (metres) anywhere in the sweep means the muscle does not cross the
# coordinate (OpenSim gives ~1e-17 for coordinates it does not span).
CROSSING_THRESHOLD_M = 1e-5


@dataclass(frozen=True)
class CoordinateCurve:
    """One coordinate swept over its range, the rest of the pose held."""

    coordinate: str
    is_rotation: bool  # values in degrees when True, metres otherwise
    locked: bool  # the model locks it (it never moves in a simulation); swept unlocked here
    values: np.ndarray  # the coordinate's values, degrees or metres
    moment_arms_m: np.ndarray  # at each value; + turns the coordinate towards larger values
    lengths_m: np.ndarray  # muscle-tendon length at each value
    current_value: float  # the pose's value, degrees or metres
    current_moment_arm_m: float


@dataclass(frozen=True)
class MomentArms:
    """A muscle's moment arms and lengths at one pose, per coordinate it crosses (model order)."""

    muscle_index: int
    muscle: str
    time: float  # simulated time of the pose
    length_m: float  # muscle-tendon length at the pose
    curves: tuple[CoordinateCurve, ...]

    def curve(self, coordinate: str) -> CoordinateCurve:
        for curve in self.curves:
            if curve.coordinate == coordinate:
                return curve
        raise KeyError(f"{self.muscle} does not cross {coordinate}")


def check_points(points: int) -> None:
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise ValueError(f"points must be from {MIN_POINTS} to {MAX_POINTS}, got {points}")


def moment_arm_curves(
    loaded: LoadedModel, state: opensim.State, muscle_index: int, points: int = DEFAULT_POINTS, standing: bool = False
) -> MomentArms:
    """The curves of muscle `muscle_index` at the pose of `state` (left untouched: a copy is swept),
    or at the standing start (`standing`: every coordinate at its default; time 0).

    Usable from a `Simulation`: `moment_arm_curves(simulation.loaded, simulation.state, index)`.
    Raises IndexError for a muscle the model lacks, ValueError for a bad number of points.
    """
    check_points(points)
    if not 0 <= muscle_index < len(loaded.muscle_objects):
        raise IndexError(f"no muscle {muscle_index}: the model has {len(loaded.muscle_objects)}")
    # Measured on the model as written, where a welded (locked) coordinate still exists.
    muscle = loaded.full_model.getMuscles().get(muscle_index)
    pose = loaded.full_pose(state, standing)  # a new state: the caller's never moves
    length = float(muscle.getLength(pose))
    curves = []
    crossable = loaded.crossable_coordinates(muscle_index)  # the others' moment arms are zero
    for coordinate, rotation in zip(loaded.full_coordinates, loaded.coordinate_is_rotation, strict=True):
        if crossable is not None and coordinate.getName() not in crossable:
            continue
        at_pose = float(muscle.computeMomentArm(pose, coordinate))
        curve = _sweep(loaded, pose, muscle, coordinate, rotation, points, at_pose)
        if curve is not None:
            curves.append(curve)
    time = 0.0 if standing else float(state.getTime())
    return MomentArms(muscle_index, muscle.getName(), time, length, tuple(curves))


def _sweep(
    loaded: LoadedModel,
    pose: opensim.State,
    muscle: opensim.Muscle,
    coordinate: opensim.Coordinate,
    rotation: bool,
    points: int,
    at_pose: float,
) -> CoordinateCurve | None:
    """The coordinate over its range in a copy of `pose`; None when the muscle does not cross it."""
    model = loaded.full_model
    sweep = type(pose)(pose)
    locked = bool(coordinate.getLocked(sweep))
    if locked:  # a locked coordinate ignores setValue: unlock it in the copy only
        coordinate.setLocked(sweep, False)
    current = float(coordinate.getValue(pose))
    values = np.linspace(coordinate.getRangeMin(), coordinate.getRangeMax(), points)
    arms, lengths = np.empty(points), np.empty(points)
    for row, value in enumerate(values):
        coordinate.setValue(sweep, float(value), False)  # no assembly: the other coordinates hold still
        model.realizePosition(sweep)
        arms[row] = muscle.computeMomentArm(sweep, coordinate)
        lengths[row] = muscle.getLength(sweep)
    if max(float(np.abs(arms).max()), abs(at_pose)) < CROSSING_THRESHOLD_M:
        return None
    scale = math.degrees(1.0) if rotation else 1.0
    return CoordinateCurve(
        coordinate=coordinate.getName(),
        is_rotation=rotation,
        locked=locked,
        values=values * scale,
        moment_arms_m=arms,
        lengths_m=lengths,
        current_value=current * scale,
        current_moment_arm_m=at_pose,
    )
