"""The model reader: what it reads of the prosthetic model, and what makes it decline."""

from __future__ import annotations

from collections.abc import Callable

import opensim
import pytest

from muscle_lab.core.compiled.model_data import ModelData, SimmSplineFn
from muscle_lab.core.compiled.reader import UnsupportedModel, read_model
from muscle_lab.core.compiled.simm_spline import simm_spline
from muscle_lab.core.simulation.model import LoadedModel


def test_prosthetic_model_read_whole(data: ModelData) -> None:
    assert len(data.coordinates) == 14  # 17 less the three welded locked ones
    assert len(data.bodies) == 11
    assert [j.kind for j in data.joints].count("custom") == 5
    assert [j.kind for j in data.joints].count("pin") == 2
    assert len(data.muscles) == 19
    kinds = [p.kind for m in data.muscles for p in m.path]
    assert (kinds.count("conditional"), kinds.count("moving")) == (9, 4)
    assert [len(c.surfaces) for c in data.contacts] == [3, 4]
    assert len(data.limit_forces) == 8
    assert len(data.springs) == 1
    assert data.gravity == pytest.approx((0.0, -9.80665, 0.0))
    assert data.joints[0].parent == "ground"  # parents before children


def test_knee_translations_are_opensims_splines(data: ModelData) -> None:
    """Our SimmSpline coefficients give OpenSim's values, inside and outside the knots."""
    knee = next(j for j in data.joints if j.name == "knee_r")
    spline = knee.axes[3].function
    assert isinstance(spline, SimmSplineFn)
    opensim_spline = opensim.SimmSpline()
    for x, y in zip(spline.x, spline.y, strict=True):
        opensim_spline.addPoint(x, y)
    for x in (-2.5, -2.0944, -1.5, -0.3, 0.0, 0.2, 0.5):
        assert _value(spline, x) == pytest.approx(opensim_spline.calcValue(opensim.Vector(1, x)), rel=1e-14, abs=1e-15)


def _value(s: SimmSplineFn, x: float) -> float:
    n = len(s.x)
    if x < s.x[0]:
        return s.y[0] + (x - s.x[0]) * s.b[0]
    if x > s.x[-1]:
        return s.y[-1] + (x - s.x[-1]) * s.b[-1]
    k = next(k for k in range(n - 1) if x <= s.x[k + 1])
    dx = x - s.x[k]
    return s.y[k] + dx * (s.b[k] + dx * (s.c[k] + dx * s.d[k]))


def test_two_knot_spline_is_a_line() -> None:
    spline = simm_spline([0.0, 2.0], [1.0, 5.0])
    assert spline.b == (2.0, 2.0)


@pytest.fixture
def model_with(loaded: LoadedModel) -> Callable[[Callable[[opensim.Model], None]], opensim.Model]:
    """A copy of the welded prosthetic model, to add a component to."""

    def build(add: Callable[[opensim.Model], None]) -> opensim.Model:
        model = opensim.Model(loaded.model)
        add(model)
        model.finalizeConnections()
        model.initSystem()
        return model

    return build


def test_declines_an_unsupported_force_naming_it(model_with: Callable[..., opensim.Model]) -> None:
    def add(model: opensim.Model) -> None:
        actuator = opensim.CoordinateActuator("knee_angle_r")
        actuator.setName("knee_motor")
        model.addForce(actuator)

    with pytest.raises(UnsupportedModel, match=r"knee_motor \(CoordinateActuator\)"):
        read_model(model_with(add))


def test_declines_a_wrapping_muscle(model_with: Callable[..., opensim.Model]) -> None:
    def add(model: opensim.Model) -> None:
        femur = model.getBodySet().get("femur_r")
        cylinder = opensim.WrapCylinder()
        cylinder.setName("knee_wrap")
        cylinder.set_radius(0.05)
        cylinder.set_length(0.1)
        femur.addWrapObject(cylinder)
        muscle = model.getMuscles().get("vasti_r")
        muscle.getGeometryPath().addPathWrap(cylinder)

    with pytest.raises(UnsupportedModel, match="knee_wrap"):
        read_model(model_with(add))


def test_declines_a_locked_coordinate(loaded: LoadedModel) -> None:
    """Without welding, the locked coordinates are constraints."""
    with pytest.raises(UnsupportedModel, match=r"coordinate hip_rotation_r \(locked"):
        read_model(loaded.full_model)
