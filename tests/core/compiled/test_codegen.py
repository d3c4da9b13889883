"""Generated C, compiled with gcc and cached: the same values as OpenSim's, through ctypes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.codegen import CompiledFunction, cache_dir, compiled_library
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reference import OpenSimReference, States, random_states
from muscle_lab.core.compiled.worker import CasadiWorker

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="no C compiler")


def test_compiled_limit_forces_equal_opensim(
    data: ModelData, worker: CasadiWorker, reference: OpenSimReference, isolated_user_data: Path
) -> None:
    """The small `limits` level, with its Jacobian, stands for the machinery."""
    library = compiled_library(data, "limits", jacobian=True, worker=worker)
    assert library.parent == cache_dir() / "compiled"
    assert cache_dir().is_relative_to(isolated_user_data)
    assert compiled_library(data, "limits", jacobian=True, worker=worker) == library  # cached
    function = CompiledFunction(library)
    states = random_states(data, np.random.default_rng(7), 20)
    theirs = reference.evaluate("limits", states)
    n = len(data.coordinates)
    for k in range(20):
        x = np.concatenate([states[name][k] for name in ("q", "u", "activation", "fiber_length")])
        values, jacobian = function(x, states["excitation"][k])
        assert np.allclose(values[:, 0], theirs[k], rtol=1e-12, atol=1e-12)
        # A limit force depends on its coordinate's value and speed only.
        coordinate = data.limit_forces[0].coordinate
        nonzero = set(np.nonzero(jacobian[0])[0])
        assert nonzero <= {coordinate, n + coordinate}


def test_compiled_derivative_equals_opensim(
    data: ModelData, rhs_library: Path, reference: OpenSimReference, states: States
) -> None:
    """The staged derivative as it runs (generated C, M factored numerically) at the proof's
    states, within the proof's bar; and the pose beside it gives the pelvis's height."""
    rhs, pose = CompiledFunction(rhs_library, "rhs"), CompiledFunction(rhs_library, "pose")
    theirs = reference.evaluate("derivative", states)
    kinematics = reference.evaluate("kinematics", states)  # per body: R (9), origin, w, v
    pelvis = 18 * [b.name for b in data.bodies].index(data.joints[0].child)
    for k in range(len(theirs)):
        x = np.concatenate([states[name][k] for name in ("q", "u", "activation", "fiber_length")])
        ours = rhs(x, states["excitation"][k])[0][:, 0]
        bar = np.maximum(1e-9, 1e-8 * np.abs(theirs[k]))
        assert (np.abs(ours - theirs[k]) <= bar).all(), f"state {k}: {np.max(np.abs(ours - theirs[k]) / bar):.2f} bars"
        assert np.allclose(pose(x)[0][:, 0], kinematics[k, pelvis + 9 : pelvis + 18 : 1][[0, 1, 2, 6, 7, 8]], 0, 1e-12)
        out = np.empty(x.size)
        rhs.into(out, x, states["excitation"][k])
        assert np.array_equal(out, ours)
