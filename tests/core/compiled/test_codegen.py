"""Generated C, compiled with gcc and cached: the same values as OpenSim's, through ctypes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.codegen import CompiledFunction, cache_dir, compiled_library
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reference import OpenSimReference, random_states
from muscle_lab.core.compiled.worker import CasadiWorker

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="no C compiler")


def test_compiled_limit_forces_equal_opensim(
    data: ModelData, worker: CasadiWorker, reference: OpenSimReference, isolated_user_data: Path
) -> None:
    """The small `limits` level stands for the machinery (the derivative's C takes ~20 s to
    compile: measured by hand, see the module docstring of codegen)."""
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
