"""Moment arms are swept only over the coordinates that can move a muscle's path (the joints
between its path's bodies, and what its conditional and moving points follow): the same curves
as sweeping every coordinate, at a fraction of the cost (the atlas reads 19 muscles at start)."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.core.paths import osim_rl_models_dir
from muscle_lab.core.simulation.model import LoadedModel
from muscle_lab.core.simulation.moment_arms import moment_arm_curves


@pytest.mark.parametrize("name", ["gait14dof22musc_pros_20180507", "gait14dof22musc_planar_20170320"])
def test_the_same_curves_as_sweeping_every_coordinate(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = LoadedModel(osim_rl_models_dir() / f"{name}.osim", weld_locked=True)
    state = loaded.model.initializeState()
    loaded.model.equilibrateMuscles(state)
    muscles = range(len(loaded.muscles))
    crossable = [loaded.crossable_coordinates(m) for m in muscles]
    assert all(c is not None and 0 < len(c) < len(loaded.coordinate_names) for c in crossable)
    filtered = [moment_arm_curves(loaded, state, m, 5) for m in muscles]
    monkeypatch.setattr(loaded, "crossable_coordinates", lambda _muscle: None)
    every = [moment_arm_curves(loaded, state, m, 5) for m in muscles]
    for ours, theirs in zip(filtered, every, strict=True):
        assert ours.curves and [c.coordinate for c in ours.curves] == [c.coordinate for c in theirs.curves]
        for a, b in zip(ours.curves, theirs.curves, strict=True):
            assert np.array_equal(a.moment_arms_m, b.moment_arms_m) and np.array_equal(a.lengths_m, b.lengths_m)
    names = [m.name for m in loaded.muscles]
    assert "knee_angle_r" in (crossable[names.index("vasti_r")] or ())
    assert "hip_flexion_r" not in (crossable[names.index("vasti_r")] or ())
