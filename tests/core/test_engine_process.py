"""The simulation process on the compiled engine (issue 22): the same frames, poses (with the
excitations drawn), observations and moment arms as on OpenSim, within the fidelity bounds."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.paths import HOME_ENV
from muscle_lab.core.simulation.integrator import FAITHFUL, settings_for
from muscle_lab.core.simulation.process import SimulationProcess

ENGINES = ("compiled", "opensim")


@pytest.fixture(scope="module")
def processes(compiled_home: Path) -> Iterator[dict[str, SimulationProcess]]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(compiled_home))
        started = {engine: SimulationProcess(None, FAITHFUL, poses=True, engine=engine) for engine in ENGINES}
    yield started
    for process in started.values():
        process.close()


def test_the_start_is_opensims(processes: dict[str, SimulationProcess]) -> None:
    compiled, opensim = processes["compiled"], processes["opensim"]
    assert (compiled.engine, opensim.engine) == ENGINES
    assert compiled.start_warnings == opensim.start_warnings == ()
    assert np.array_equal(compiled.frame.coordinates, opensim.frame.coordinates)
    compiled.set_observing(True)
    opensim.set_observing(True)
    compiled.reset()
    opensim.reset()
    assert compiled.observation is not None and opensim.observation is not None
    assert np.abs(compiled.observation.values - opensim.observation.values).max() <= 1e-6
    ours, theirs = compiled.moment_arms(2), opensim.moment_arms(2)
    assert ours.length_m == pytest.approx(theirs.length_m, abs=1e-9)


def test_steps_draw_and_observe_as_opensim(processes: dict[str, SimulationProcess]) -> None:
    frames = {}
    for engine, process in processes.items():
        process.reset()
        process.set_excitations(np.full(19, 0.3))
        frames[engine] = [process.step() for _ in range(10)]
    compiled, opensim = processes["compiled"], processes["opensim"]
    for ours, theirs in zip(frames["compiled"], frames["opensim"], strict=True):
        assert (ours.step, ours.episode) == (theirs.step, theirs.episode)
        assert abs(ours.pelvis_height - theirs.pelvis_height) <= 5e-3
        assert np.abs(ours.joint_angles - theirs.joint_angles).max() <= 1.0
    assert compiled.pose is not None and opensim.pose is not None
    assert np.abs(compiled.pose.body_positions - opensim.pose.body_positions).max() <= 5e-3
    assert np.allclose(compiled.pose.excitations, 0.3) and np.allclose(opensim.pose.excitations, 0.3)
    assert compiled.observation is not None and opensim.observation is not None
    assert compiled.observation.values.shape == opensim.observation.values.shape == (160,)


def test_fast_mode_runs_on_opensim_and_faithful_comes_back(processes: dict[str, SimulationProcess]) -> None:
    compiled = processes["compiled"]
    compiled.change_integrator(settings_for("fast"))
    assert compiled.engine == "opensim"
    compiled.change_integrator(FAITHFUL)
    assert compiled.engine == "compiled" and compiled.step().error is None


def test_the_compiled_engine_runs_after_faithful_opensim_in_one_process(compiled_home: Path) -> None:
    """OpenSim's faithful mode reaches Simbody's integrator through ctypes; loaded globally, its
    libSimTKmath lent its SUNDIALS copies to scikit-sundae's CVODE, which crashed (segfault)."""
    script = (
        "from muscle_lab.core.simulation.engine import Simulation\n"
        "Simulation().step()\n"
        "from muscle_lab.core.compiled.engine import CompiledSimulation\n"
        "print(CompiledSimulation().step().error)\n"
    )
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, HOME_ENV: str(compiled_home), "PYTHONPATH": root}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("None")
