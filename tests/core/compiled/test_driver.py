"""CVODE driven from C (core.compiled.driver) takes the very steps scikit-sundae's Python loop
takes, to the last bit, with the same derivative evaluations; where the driver cannot be built
the engine integrates through scikit-sundae, and the failed build is not tried again."""

from __future__ import annotations

import stat
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.driver import driver_library, sundials_libraries
from muscle_lab.core.compiled.engine import CompiledSimulation
from muscle_lab.core.paths import HOME_ENV

pytestmark = pytest.mark.skipif(sundials_libraries() is None, reason="scikit-sundae's wheel libraries not found")


def test_the_c_loop_takes_scikit_sundaes_steps_exactly(rhs_library: Path, compiled_home: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(compiled_home))
        ours = CompiledSimulation(library=rhs_library)
    assert ours.driver == "C"
    theirs = CompiledSimulation(library=rhs_library, loaded=ours.loaded, c_driver=False)  # as where it cannot be built
    assert theirs.driver == "scikit-sundae"
    rng = np.random.default_rng(11)
    for engine in (ours, theirs):
        engine.reset()
    start = (ours.evaluations, theirs.evaluations)
    for _ in range(40):
        action = rng.random(19)
        for engine in (ours, theirs):
            engine.set_excitations(action)
            engine.step()
        assert np.array_equal(ours.x, theirs.x)
        assert ours.frame.pelvis_height == theirs.frame.pelvis_height
    assert ours.evaluations - start[0] == theirs.evaluations - start[1] > 40 * 20


def test_a_driver_that_cannot_be_built_leaves_scikit_sundae(
    rhs_library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls"
    compiler = tmp_path / "refusing-cc"
    compiler.write_text(f'#!/bin/sh\necho called >> "{calls}"\nexit 1\n')
    compiler.chmod(compiler.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CC", str(compiler))
    assert driver_library() is None
    assert driver_library() is None  # remembered: not tried again
    assert calls.read_text().splitlines() == ["called"]
    engine = CompiledSimulation(library=rhs_library)
    assert engine.driver == "scikit-sundae"
    engine.set_excitations(np.full(19, 0.05))
    frames = engine.run(0.05)
    assert len(frames) == 5 and frames[-1].error is None and engine.evaluations > 0
