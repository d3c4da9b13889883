"""The environment on the compiled engine (issue 22): the same observations as on OpenSim, an
episode within the fidelity bounds, and the engine it runs on said (and refused) plainly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.build import build_library
from muscle_lab.core.compiled.choose import ChosenSimulation, open_engine
from muscle_lab.core.compiled.codegen import CompileError
from muscle_lab.core.engine_choice import EngineUnavailable
from muscle_lab.core.paths import HOME_ENV, osim_rl_models_dir
from muscle_lab.core.simulation.integrator import FAITHFUL, settings_for
from muscle_lab.env import ProstheticsEnv
from muscle_lab.env.base import EngineFallbackWarning
from tests.processes import child_pids


@pytest.fixture(scope="module")
def envs(compiled_home: Path) -> Iterator[tuple[ProstheticsEnv, ProstheticsEnv]]:
    """The prosthetic environment on each engine (the compiled one's C built once a session)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(compiled_home))
        compiled, opensim = ProstheticsEnv(engine="compiled"), ProstheticsEnv(engine="opensim")
    yield compiled, opensim
    compiled.close()
    opensim.close()


def test_the_observation_at_reset_is_opensims(envs: tuple[ProstheticsEnv, ProstheticsEnv]) -> None:
    compiled, opensim = envs
    assert (compiled.engine, opensim.engine) == ("compiled", "opensim")
    ours, _ = compiled.reset(seed=0)
    theirs, _ = opensim.reset(seed=0)
    assert ours.shape == theirs.shape == (160,)
    assert np.abs(ours - theirs).max() <= 1e-6


def test_a_random_action_episode_stays_within_the_bounds(envs: tuple[ProstheticsEnv, ProstheticsEnv]) -> None:
    """30 random actions: pelvis height within 5 mm, joint angles within 1 degree, rewards within
    0.02 (round 1's 9 - (v - 3)^2: a pelvis speed within ~3 mm/s), the same ends."""
    compiled, opensim = envs
    rng = np.random.default_rng(3)
    compiled.reset(seed=0)
    opensim.reset(seed=0)
    for _ in range(30):
        action = rng.uniform(0, 1, 19)
        ours, our_reward, our_end, _, _ = compiled.step(action)
        theirs, their_reward, their_end, _, _ = opensim.step(action)
        a, b = compiled.simulation.frame, opensim.simulation.frame
        assert abs(a.pelvis_height - b.pelvis_height) <= 5e-3
        assert np.abs(a.joint_angles - b.joint_angles).max() <= 1.0
        assert our_reward == pytest.approx(their_reward, abs=0.02) and our_end == their_end
        assert ours.shape == theirs.shape == (160,)
    desc, their_desc = compiled.get_state_desc(), opensim.get_state_desc()
    pelvis, their_pelvis = desc["body_pos"]["pelvis"], their_desc["body_pos"]["pelvis"]
    assert np.allclose(pelvis, their_pelvis, atol=5e-3)
    assert compiled.get_prev_state_desc() is not None


def test_auto_names_the_declined_component_and_compiled_refuses(compiled_home: Path) -> None:
    arm = osim_rl_models_dir() / "arm26.osim"
    with pytest.warns(EngineFallbackWarning, match=r"TRIlongglen \(WrapCylinder\)"):
        env = ProstheticsEnv(model_path=arm, engine="auto")
    assert env.engine == "opensim"
    env.close()
    with pytest.raises(EngineUnavailable, match=r"does not support the model's .*WrapCylinder"):
        ProstheticsEnv(model_path=arm, engine="compiled")
    with pytest.MonkeyPatch.context() as patch:  # the planar model qualifies (its hip adduction welded)
        patch.setenv(HOME_ENV, str(compiled_home))
        planar = ProstheticsEnv(model="2D", prosthetic=False, engine="compiled")
    assert planar.engine == "compiled" and planar.reset(seed=0)[0].shape == (169,)
    planar.close()
    with pytest.raises(EngineUnavailable, match="fast mode runs on OpenSim"):
        ProstheticsEnv(mode="fast", engine="compiled")


def test_arm26_falls_back_with_its_wrapping_named() -> None:
    said: list[str] = []
    simulation = ChosenSimulation(osim_rl_models_dir() / "arm26.osim", engine="auto", say=said.append)
    assert simulation.engine == "opensim" and said == []
    assert simulation.engine_note is not None and "TRIlongglen (WrapCylinder)" in simulation.engine_note
    assert simulation.start_warnings[-1] == simulation.engine_note
    with pytest.raises(EngineUnavailable, match="WrapCylinder"):
        ChosenSimulation(osim_rl_models_dir() / "arm26.osim", engine="compiled")


def test_the_mode_chooses_the_engine_and_the_first_use_says_it_compiles(
    compiled_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cached: no compiling message; fast mode moves to OpenSim and back, keeping the episode count."""
    monkeypatch.setenv(HOME_ENV, str(compiled_home))
    said: list[str] = []
    simulation = ChosenSimulation(engine="auto", say=said.append)
    assert simulation.engine == "compiled" and said == [] and simulation.engine_note is None
    simulation.set_excitations(np.full(19, 0.2))
    simulation.run(0.05)
    simulation.time_limit = False
    frame = simulation.change_integrator(settings_for("fast"))
    assert simulation.engine == "opensim" and frame.episode == 1 and not simulation.time_limit
    assert np.array_equal(simulation.excitations, np.full(19, 0.2))
    frame = simulation.change_integrator(FAITHFUL)
    assert simulation.engine == "compiled" and frame.episode == 2


def test_a_compile_past_its_time_limit_is_stopped_and_falls_back() -> None:
    """A fresh home: the build starts, is ended at the limit with its whole group, and "auto"
    runs on OpenSim saying so."""
    said: list[str] = []
    before = child_pids()
    simulation, note = open_engine(None, FAITHFUL, engine="auto", say=said.append, compile_limit=0.5)
    assert said[0].startswith(
        "compiling the model's equations for the compiled engine (gait14dof22musc_pros; first time only, ~"
    )
    assert type(simulation).__name__ == "Simulation"
    assert note is not None and "could not be compiled (its compile took longer than 0.5 s" in note
    assert child_pids() <= before
    with pytest.raises(CompileError, match="longer than"):
        build_library(simulation_data(), 0.5)


def simulation_data():  # the prosthetic model as the reader reads it
    from muscle_lab.core.compiled.reader import read_model
    from muscle_lab.core.simulation.model import LoadedModel

    return read_model(LoadedModel(weld_locked=True).model)


def test_frames_on_the_compiled_engine_are_drawn_from_its_own_pose(compiled_home: Path, monkeypatch) -> None:
    """rgb_array frames read the compiled engine's pose (no OpenSim pose read per frame), and draw
    the same image as OpenSim's PoseReader does on the engine's OpenSim state."""
    from muscle_lab.core.simulation.pose import PoseReader

    monkeypatch.setenv(HOME_ENV, str(compiled_home))
    env = ProstheticsEnv(engine="compiled", render_mode="rgb_array", render_size=(160, 120))
    try:
        env.reset(seed=0)
        for _ in range(15):
            env.step(np.full(19, 0.3))
        opensim_read = PoseReader.read
        with monkeypatch.context() as patch:
            patch.setattr(PoseReader, "read", lambda *_: pytest.fail("OpenSim's pose read for a frame"))
            ours = env.render()
        with monkeypatch.context() as patch:  # the same state drawn from OpenSim's reading of it
            patch.setattr(ChosenSimulation, "read_pose", lambda self, reader: opensim_read(reader, self.state))
            theirs = env.render()
        assert ours.std() > 0 and np.array_equal(ours, theirs)
    finally:
        env.close()
