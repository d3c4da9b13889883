"""The planar osim-rl models on the compiled engine (issue 22): their locked hip adduction, which
a CoordinateLimitForce names, is welded with that force taken out (tests/core/test_locked_joints.py
proves the equations unchanged against the locked model); the compiled equations equal OpenSim's
at random states, and trajectories follow osim-rl's reference stepping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.bench.compiled import run_compiled
from muscle_lab.bench.simulation import constant, deviations, random_actions, run_reference
from muscle_lab.core.compiled.codegen import compiled_library
from muscle_lab.core.compiled.engine import CompiledSimulation
from muscle_lab.core.compiled.reader import read_model
from muscle_lab.core.compiled.reference import OpenSimReference, random_states
from muscle_lab.core.compiled.worker import CasadiWorker
from muscle_lab.core.observation.reader import ObservationReader
from muscle_lab.core.paths import HOME_ENV, osim_rl_models_dir
from muscle_lab.core.simulation.model import LoadedModel

PLANAR = ("gait14dof22musc_planar_20170320", "gait14dof22musc_planar_pros_20180507")


@pytest.fixture(scope="module", params=PLANAR)
def planar(request: pytest.FixtureRequest, compiled_home: Path) -> Iterator[tuple[Path, LoadedModel, CasadiWorker]]:
    path = osim_rl_models_dir() / f"{request.param}.osim"
    loaded = LoadedModel(path, weld_locked=True)
    with CasadiWorker(read_model(loaded.model)) as worker:
        yield path, loaded, worker


def test_the_planar_models_are_read_whole(planar: tuple[Path, LoadedModel, CasadiWorker]) -> None:
    _, loaded, _ = planar
    data = read_model(loaded.model)
    assert [c.name for c in data.coordinates][:3] == ["pelvis_tilt", "pelvis_tx", "pelvis_ty"]
    assert len(data.coordinates) == 9 and {"hip_adduction_r", "hip_adduction_l"} <= {
        c.name for c in loaded.fixed_coordinates
    }
    assert [name for name, _ in loaded.dropped_forces] == ["HipAddLimit_r", "HipAddLimit_l"]
    assert not {"HipAddLimit_r", "HipAddLimit_l"} & {f.name for f in data.limit_forces}
    # osim-rl's state description still lists every force of the model as written, in its order.
    state = loaded.model.initializeState()
    forces = ObservationReader(loaded).state_desc(state)["forces"]
    full = loaded.full_model.getForceSet()
    assert list(forces) == [full.get(i).getName() for i in range(full.getSize())]
    assert forces["HipAddLimit_r"] == [0.0, 0.0]


@pytest.mark.parametrize("level", ["kinematics", "paths", "muscles", "contacts", "limits", "derivative"])
def test_level_equals_opensim(planar: tuple[Path, LoadedModel, CasadiWorker], level: str) -> None:
    """40 random states, 70 % of them with a foot near or in the floor: within 1e-8 relative or
    1e-9 absolute."""
    _, loaded, worker = planar
    data = read_model(loaded.model)
    reference = OpenSimReference(loaded, data)
    rng = np.random.default_rng(4)
    states = random_states(data, rng, 40)
    reference.touch_down(states, rng)
    ours, theirs = worker.evaluate(level, states), reference.evaluate(level, states)
    assert ours.shape == theirs.shape and np.isfinite(theirs).all()
    bar = np.maximum(1e-9, 1e-8 * np.abs(theirs))
    assert (np.abs(ours - theirs) <= bar).all(), float(np.max(np.abs(ours - theirs) / bar))
    if level == "contacts":
        assert 0.1 < (np.abs(theirs).sum(axis=1) > 0).mean() < 0.95


@pytest.mark.parametrize(
    ("policy", "seconds"),
    [(random_actions(0, 22), 0.3), (constant((0.05,) * 22), 0.5)],
    ids=["random actions", "standing 0.05"],
)
def test_follows_the_reference(
    planar: tuple[Path, LoadedModel, CasadiWorker], policy, seconds: float, compiled_home: Path
) -> None:
    path, loaded, worker = planar
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(compiled_home))
        library = compiled_library(read_model(loaded.model), "rhs", worker=worker)
    engine = CompiledSimulation(path, library=library)
    actions = policy()
    width = len(engine.muscles)
    reference = run_reference(lambda step: actions(step)[:width], seconds, engine.joint_angle_names, str(path))
    actions = policy()
    ours = run_compiled(engine, lambda step: actions(step)[:width], seconds)
    height, angle = deviations(ours, reference)
    assert ours.steps == reference.steps
    assert height <= 5.0 and angle <= 1.0, f"{height:.2f} mm, {angle:.2f}°"
    reader = ObservationReader(engine.loaded)  # the observation from the engine's own state
    theirs = reader.vector(engine.state)
    assert theirs.shape == ((160,) if "pros" in path.name else (169,))
    assert (np.abs(engine.observation(reader) - theirs) <= np.maximum(1e-9, 1e-8 * np.abs(theirs))).all()
