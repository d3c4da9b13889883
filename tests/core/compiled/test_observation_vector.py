"""The observation vector computed from the compiled engine's own state equals the one OpenSim's
reader computes from the engine's OpenSim state (realized to accelerations), at random states
and along a trajectory: within 1e-8 relative or 1e-9 absolute, value by value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.engine import CompiledSimulation
from muscle_lab.core.compiled.reference import States
from muscle_lab.core.observation.reader import ObservationReader
from muscle_lab.core.simulation.state_store import SavedState

RELATIVE, ABSOLUTE = 1e-8, 1e-9


@pytest.fixture(scope="module")
def engine(rhs_library: Path) -> CompiledSimulation:
    return CompiledSimulation(library=rhs_library)


def _assert_equal(compiled: np.ndarray, opensim: np.ndarray, names: tuple[str, ...]) -> None:
    assert compiled.shape == opensim.shape
    bound = np.maximum(ABSOLUTE, RELATIVE * np.abs(opensim))
    off = np.flatnonzero(np.abs(compiled - opensim) > bound)
    assert off.size == 0, [(names[i], compiled[i], opensim[i]) for i in off[:5]]


def test_vector_equals_opensims_at_random_states(engine: CompiledSimulation, states: States) -> None:
    reader = ObservationReader(engine.loaded)
    names = reader.layout.names()
    assert reader.size == 160
    for k in range(len(states["q"])):
        x = np.concatenate([states[key][k] for key in ("q", "u", "activation", "fiber_length")])
        engine.restore(SavedState(0, 0, 0.0, x, np.zeros(19), 0.0, 0.0))
        compiled = engine.observation(reader)
        _assert_equal(compiled, reader.vector(engine.state), names)
        assert np.abs(compiled[8 + 9 * 7 :]).max() > 0  # joints, muscles and the mass center read


def test_vector_equals_opensims_along_a_trajectory(engine: CompiledSimulation) -> None:
    reader = ObservationReader(engine.loaded)
    names = reader.layout.names()
    rng = np.random.default_rng(3)
    engine.reset()
    _assert_equal(engine.observation(reader), reader.vector(engine.state), names)
    for _ in range(25):
        engine.set_excitations(rng.random(19))
        engine.step()
        _assert_equal(engine.observation(reader), reader.vector(engine.state), names)
        # Round 2's reward reads the pelvis's velocity: the engine's own, OpenSim's to 1e-12.
        theirs = engine.loaded.pelvis.getVelocityInGround(engine.state).get(1).to_numpy()
        assert np.allclose(engine.pelvis_velocity(), theirs, rtol=0, atol=1e-12)


def test_snapshot_is_the_state_before_the_step(engine: CompiledSimulation) -> None:
    """The snapshot taken before a step becomes, when called after it, that earlier state."""
    engine.reset()
    engine.set_excitations(np.full(19, 0.3))
    engine.run(0.05)
    before = engine.frame
    snapshot = engine.state_snapshot()
    engine.step()
    state = snapshot()
    assert state.getTime() == pytest.approx(before.time)
    assert engine.loaded.pelvis.getTransformInGround(state).p()[1] == pytest.approx(before.pelvis_height, abs=1e-12)
    assert engine.frame.pelvis_height != before.pelvis_height
