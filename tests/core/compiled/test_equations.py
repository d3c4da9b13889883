"""The compiled equations against OpenSim's, level by level, at random states of the
prosthetic model (issue 22: within 1e-8 relative or 1e-9 absolute). A sample here; the
10,000-state sweeps are run by hand (muscle_lab.core.compiled.reference). The sample's
`states` fixture is in conftest."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reference import OpenSimReference, States, coverage
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
    coordinates beyond both limits of their limit forces and fibers below their minimum length."""
    held = coverage(data, states, reference.evaluate("contacts", states))
    assert 0.1 < held["in contact"] < 0.9
    assert held["conditional on"] > 0 and held["conditional off"] > 0
    assert held["above a limit"] > 0 and held["below a limit"] > 0
