"""The drawn pose computed from the compiled engine's own state equals PoseReader's reading of
the engine's OpenSim state: at random states (conditional path points on both sides of their
ranges, feet in and out of the floor) and along a trajectory; positions within 1e-9 m, the
same path points on each muscle's path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.engine import CompiledSimulation
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reference import States
from muscle_lab.core.paths import HOME_ENV
from muscle_lab.core.simulation.pose import BodyPose, PoseReader
from muscle_lab.core.simulation.state_store import SavedState

METRES, RELATIVE = 1e-9, 1e-9


@pytest.fixture(scope="module")
def engine(rhs_library: Path) -> CompiledSimulation:
    return CompiledSimulation(library=rhs_library)


def _assert_same(compiled: BodyPose, opensim: BodyPose) -> None:
    assert compiled.time == opensim.time
    assert compiled.body_names == opensim.body_names
    assert compiled.segments == opensim.segments
    np.testing.assert_allclose(compiled.body_positions, opensim.body_positions, rtol=0, atol=METRES)
    assert compiled.frame_rotations.shape == opensim.frame_rotations.shape
    np.testing.assert_allclose(compiled.frame_rotations, opensim.frame_rotations, rtol=0, atol=1e-12)
    np.testing.assert_allclose(compiled.frame_translations, opensim.frame_translations, rtol=0, atol=METRES)
    assert [p.shape for p in compiled.muscle_paths] == [p.shape for p in opensim.muscle_paths]
    for mine, theirs in zip(compiled.muscle_paths, opensim.muscle_paths, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=METRES)
    np.testing.assert_allclose(compiled.activations, opensim.activations, rtol=0, atol=1e-12)
    assert compiled.excitations is not None and opensim.excitations is not None
    np.testing.assert_array_equal(compiled.excitations, opensim.excitations)
    assert compiled.fiber_forces is not None and opensim.fiber_forces is not None
    np.testing.assert_allclose(compiled.fiber_forces, opensim.fiber_forces, rtol=RELATIVE, atol=1e-12)


def test_pose_equals_opensims_at_random_states(engine: CompiledSimulation, states: States, data: ModelData) -> None:
    reader = PoseReader(engine.loaded)
    counts = []
    for k in range(len(states["q"])):
        x = np.concatenate([states[key][k] for key in ("q", "u", "activation", "fiber_length")])
        engine.restore(SavedState(0, k, k * 0.01, x, np.zeros(19), 0.0, 0.0))
        compiled, opensim = engine.read_pose(reader), reader.read(engine.state)
        _assert_same(compiled, opensim)
        counts.append([len(p) for p in compiled.muscle_paths])
    # Every conditional point was seen on and off its muscle's path: the counts vary for each
    # muscle that has one.
    conditional = [any(p.kind == "conditional" for p in m.path) for m in data.muscles]
    assert any(conditional)
    varied = np.ptp(np.array(counts), axis=0) > 0
    assert varied.tolist() == conditional
    assert np.abs(engine.read_pose(reader).fiber_forces).max() > 0  # type: ignore[arg-type]


def test_pose_equals_opensims_along_a_trajectory(engine: CompiledSimulation) -> None:
    reader = PoseReader(engine.loaded)
    rng = np.random.default_rng(4)
    engine.reset()
    _assert_same(engine.read_pose(reader), reader.read(engine.state))
    for _ in range(20):
        engine.set_excitations(rng.random(19))
        engine.step()
        _assert_same(engine.read_pose(reader), reader.read(engine.state))


def test_pose_without_fiber_forces(engine: CompiledSimulation) -> None:
    reader = PoseReader(engine.loaded, fiber_forces=False)
    engine.reset()
    pose = engine.read_pose(reader)
    assert pose.fiber_forces is None
    assert len(pose.muscle_paths) == 19


def test_the_simulation_process_draws_the_engines_own_pose(
    rhs_library: Path, compiled_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child (core.simulation.child) reads a step's pose through the engine: on the compiled
    engine without making an OpenSim state, on OpenSim with PoseReader; the same pose either way."""
    from muscle_lab.core.compiled.choose import ChosenSimulation
    from muscle_lab.core.simulation.child import _pose_or_none

    monkeypatch.setenv(HOME_ENV, str(compiled_home))  # where rhs_library was compiled
    compiled = ChosenSimulation(engine="compiled")
    assert compiled.engine == "compiled" and rhs_library.is_file()
    reader = PoseReader(compiled.loaded)
    compiled.set_excitations(np.full(19, 0.4))
    compiled.step()
    pose = _pose_or_none(reader, compiled, deferred=False)
    assert pose is not None
    assert compiled.inner._opensim_state is None  # noqa: SLF001  no OpenSim state was made
    _assert_same(pose, reader.read(compiled.state))

    on_opensim = ChosenSimulation(engine="opensim")
    opensim_reader = PoseReader(on_opensim.loaded)
    on_opensim.step()
    opensim_pose = _pose_or_none(opensim_reader, on_opensim, deferred=True)  # read now all the same
    assert opensim_pose is not None
    _assert_same(opensim_pose, opensim_reader.read(on_opensim.state))
