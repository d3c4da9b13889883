"""The compiled equations against OpenSim's, level by level, at random states of the
prosthetic model (issue 22: within 1e-8 relative or 1e-9 absolute). A sample here; the
10,000-state sweeps are run by hand (muscle_lab.core.compiled.reference). The sample's
`states` fixture is in conftest."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reference import OpenSimReference, States
from muscle_lab.core.compiled.worker import CasadiWorker


def _within_bar(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.shape == theirs.shape
    assert np.isfinite(theirs).all()
    bar = np.maximum(1e-9, 1e-8 * np.abs(theirs))
    worst = np.unravel_index(np.argmax(np.abs(ours - theirs) / bar), ours.shape)
    assert (np.abs(ours - theirs) <= bar).all(), f"state {worst[0]} output {worst[1]}: {ours[worst]} vs {theirs[worst]}"


@pytest.mark.parametrize("level", ["kinematics", "paths", "muscles", "contacts", "limits", "derivative"])
def test_level_equals_opensim(level: str, worker: CasadiWorker, reference: OpenSimReference, states: States) -> None:
    _within_bar(worker.evaluate(level, states), reference.evaluate(level, states))


def test_sample_covers_both_sides(data: ModelData, states: States, reference: OpenSimReference) -> None:
    """The sample holds feet in and out of contact, conditional points on and off the path,
    coordinates beyond their limits and fibers below their minimum length."""
    forces = reference.evaluate("contacts", states)
    in_contact = np.abs(forces).sum(axis=1) > 0
    assert 0.1 < in_contact.mean() < 0.9
    conditional = [p for m in data.muscles for p in m.path if p.kind == "conditional"]
    on = np.array(
        [
            (states["q"][:, p.coordinate] >= p.range_min) & (states["q"][:, p.coordinate] <= p.range_max)
            for p in conditional
        ]
    )
    assert on.any(axis=1).all() and (~on).any(axis=1).all()
    beyond = [(states["q"][:, f.coordinate] > f.upper_limit).any() for f in data.limit_forces]
    assert all(beyond)
