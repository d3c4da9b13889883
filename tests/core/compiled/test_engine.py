"""The compiled engine's trajectories against osim-rl's reference stepping (issue 22: within
5 mm of pelvis height, 1 degree of every joint angle, the same steps); the full table is
`python -m muscle_lab.bench --compiled`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.bench.compiled import run_compiled
from muscle_lab.bench.simulation import Policy, constant, deviations, random_actions, run_reference
from muscle_lab.core.compiled.engine import CompiledSimulation
from muscle_lab.core.errors import SimulationFailed


@pytest.fixture(scope="module")
def engine(rhs_library: Path) -> CompiledSimulation:
    return CompiledSimulation(library=rhs_library)


@pytest.mark.parametrize(
    ("policy", "seconds"),
    [(random_actions(0), 0.3), (constant((0.05,) * 19), 0.3)],
    ids=["random actions", "standing 0.05"],
)
def test_follows_the_reference(engine: CompiledSimulation, policy: Callable[[], Policy], seconds: float) -> None:
    reference = run_reference(policy(), seconds, engine.joint_angle_names)
    ours = run_compiled(engine, policy(), seconds)
    height, angle = deviations(ours, reference)
    assert ours.steps == reference.steps
    assert height <= 5.0 and angle <= 1.0, f"{height:.2f} mm, {angle:.2f}°"


def test_restore_continues_from_a_saved_state(engine: CompiledSimulation) -> None:
    """A restored state goes on as the original did (the integrator restarts: to its accuracy),
    and two restores of one state go on identically."""
    engine.reset()
    engine.set_excitations(np.full(19, 0.3))
    for _ in range(5):
        engine.step()
    saved = engine.saved_state()
    original = [engine.step().coordinates for _ in range(5)]
    runs = []
    for _ in range(2):
        engine.restore(saved)
        assert engine.frame.step == saved.step and engine.frame.total_reward == saved.total_reward
        runs.append([engine.step().coordinates for _ in range(5)])
    assert np.array_equal(runs[0], runs[1])
    assert np.abs(np.array(runs[0]) - np.array(original)).max() < 1e-4


def test_jacobian_matches_central_differences(engine: CompiledSimulation) -> None:
    """The compiled, colour-grouped forward differences against plain central ones, away from
    the force-velocity curve's kink at zero fiber velocity (where the start state sits)."""
    engine.reset()
    excitation = np.full(19, 0.4)
    engine.set_excitations(excitation)
    for _ in range(10):
        engine.step()
    x = engine.x
    ours = engine.jacobian(x, excitation)
    theirs = np.zeros_like(ours)
    for k in range(x.size):
        step = 1e-6 * max(1.0, abs(x[k]))
        up, down = x.copy(), x.copy()
        up[k] += step
        down[k] -= step
        theirs[:, k] = (engine.derivative(up, excitation) - engine.derivative(down, excitation)) / (2 * step)
    scale = np.abs(theirs).max(axis=0) + 1.0
    assert (np.abs(ours - theirs) <= 1e-3 * scale).all()


def test_behaves_as_simulation(engine: CompiledSimulation) -> None:
    """Clipped excitations are noted in the next frame; run stops at the fall (all zero: step
    90, as osim-rl's reference); a rewind stays within its episode."""
    engine.reset()
    saved = engine.saved_state()
    notes = engine.set_excitations([1.5] + [0.0] * 18)
    assert notes and engine.step().notes == tuple(notes)
    engine.reset()
    engine.set_excitations(np.zeros(19))
    frames = engine.run(3.0)
    assert frames[-1].done and frames[-1].end_reason is not None and frames[-1].step == 90
    engine.reset()
    with pytest.raises(SimulationFailed, match="cannot rewind"):
        engine.rewind(saved)


def test_opensim_state_agrees(engine: CompiledSimulation) -> None:
    """The OpenSim view of the state gives the frame's pelvis height and activations."""
    engine.reset()
    engine.set_excitations(np.full(19, 0.7))
    frame = engine.run(0.2)[-1]
    state = engine.state
    assert engine.loaded.pelvis.getTransformInGround(state).p()[1] == pytest.approx(frame.pelvis_height, abs=1e-12)
    assert engine.loaded.activations(state) == pytest.approx(frame.activations.tolist(), abs=1e-15)
    assert state.getTime() == pytest.approx(frame.time)
