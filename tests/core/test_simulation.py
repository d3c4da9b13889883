"""The simulation driven through the real default model."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import muscle_lab.core
from muscle_lab.core.compiled.worker import casadi_environment
from muscle_lab.core.excitations import ExcitationError
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.simulation.engine import STEP_SECONDS, Simulation, SimulationFailed
from muscle_lab.core.simulation.integrator import FAST, REFERENCE, IntegratorSettings
from muscle_lab.core.simulation.model import ModelLoadError

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return Simulation()


@pytest.fixture
def fresh(simulation: Simulation) -> Simulation:
    simulation.set_excitations([0.05] * 19)
    simulation.reset()
    return simulation


def test_reset_frame_is_the_standing_pose(fresh):
    frame = fresh.frame
    assert (frame.step, frame.time, frame.reward, frame.total_reward, frame.done) == (0, 0.0, 0.0, 0.0, False)
    assert frame.pelvis_height == pytest.approx(0.94)
    assert frame.error is None
    assert frame.activations.shape == (19,) and frame.coordinates.shape == (17,)
    assert not frame.activations.flags.writeable  # frames cross threads: read-only


def test_steps_advance_in_hundredths(fresh):
    frames = [fresh.step() for _ in range(3)]
    assert [f.step for f in frames] == [1, 2, 3]
    assert [f.time for f in frames] == pytest.approx([0.01, 0.02, 0.03])


def test_frame_values_agree_with_the_coordinates(fresh):
    names = fresh.coordinate_names
    frames = fresh.run(0.1)
    for previous, frame in itertools.pairwise(frames):
        coordinates = dict(zip(names, frame.coordinates, strict=True))
        assert frame.pelvis_height == pytest.approx(coordinates["pelvis_ty"], abs=1e-9)
        # forward speed against the finite difference of the pelvis position over the step
        finite_difference = (
            coordinates["pelvis_tx"] - dict(zip(names, previous.coordinates, strict=True))["pelvis_tx"]
        ) / STEP_SECONDS
        assert frame.pelvis_vx == pytest.approx(finite_difference, abs=0.05)
        assert frame.joint_angles[3] == pytest.approx(math.degrees(coordinates["knee_angle_r"]))


def test_reward_and_done_follow_prosthetics_round_one(fresh):
    fresh.set_excitations(HIP_THRUST)
    frames = fresh.run(3.0)
    assert frames[0].reward != 0.0  # osim-rl pays the first step too
    for frame in frames:
        assert frame.reward == pytest.approx(9.0 - (frame.pelvis_vx - 3.0) ** 2)
    assert frames[-1].total_reward == pytest.approx(sum(f.reward for f in frames))
    assert [f.done for f in frames] == [f.pelvis_height < 0.6 for f in frames]
    # the episode ends at the first frame below 0.6 m, at 0.41 s as with osim-rl's reference
    assert frames[-1].done and not any(f.done for f in frames[:-1])
    assert frames[-1].step == 41


def test_excitations_drive_activations_through_first_order_dynamics(fresh):
    fresh.set_excitations(HIP_THRUST)
    frames = fresh.run(0.1)
    on = [2, 4, 10, 12]
    off = [i for i in range(19) if i not in on]
    glut = [f.activations[4] for f in frames]
    assert all(b > a for a, b in itertools.pairwise(glut))  # rises, not jumps
    assert glut[0] < 0.8 and glut[-1] > 0.95
    assert np.all(frames[-1].activations[off] < 0.05)  # relaxes from 0.05 towards the 0.01 floor
    assert all(f.excitations.tolist() == HIP_THRUST for f in frames)


def test_bad_excitations_are_refused_and_change_nothing(fresh):
    fresh.set_excitations(HIP_THRUST)
    with pytest.raises(ExcitationError, match=r"excitation 3 \(bifemsh_r\) is nan"):
        fresh.set_excitations([0.0, 0.0, 0.0, math.nan] + [0.0] * 15)
    with pytest.raises(ExcitationError, match="expected 19 excitations"):
        fresh.set_excitations([0.5] * 18)
    assert fresh.excitations.tolist() == HIP_THRUST


def test_clipped_excitations_are_reported_in_the_next_frame(fresh):
    notes = fresh.set_excitations([1.7] + [0.0] * 18)
    assert notes == ["excitation 0 (abd_r) = 1.7 is outside [0, 1], clipped to 1"]
    frame = fresh.step()
    assert frame.notes == tuple(notes)
    assert frame.excitations[0] == 1.0
    assert fresh.step().notes == ()


def test_reset_returns_to_the_initial_state_and_keeps_excitations(fresh):
    start = fresh.frame
    fresh.set_excitations(HIP_THRUST)
    fresh.run(0.2)
    again = fresh.reset()
    assert again.step == 0 and again.total_reward == 0.0
    np.testing.assert_array_equal(again.coordinates, start.coordinates)
    assert fresh.excitations.tolist() == HIP_THRUST


def test_failing_integration_is_reported_and_reset_recovers():
    # A loose Runge-Kutta-Merson cannot get through the stiff hip thrust: it throws at ~0.33 s.
    loose = IntegratorSettings("loose", "RungeKuttaMerson", 1e-2, "too loose for this model")
    simulation = Simulation(integrator=loose)
    simulation.set_excitations(HIP_THRUST)
    frames = simulation.run(1.0, stop_at_done=False)
    failure = frames[-1]
    assert failure.error is not None and failure.error.startswith("integration failed at t=")
    assert "Integrator step failed" in failure.error
    assert failure.done and simulation.failed
    with pytest.raises(SimulationFailed, match="reset it first"):
        simulation.step()

    simulation.set_excitations([0.05] * 19)
    assert simulation.reset().error is None
    frames = simulation.run(0.1)
    assert len(frames) == 10 and frames[-1].error is None
    assert frames[-1].pelvis_height > 0.9


def test_model_that_cannot_start_is_a_load_error(tmp_path):
    text = default_model_path().read_text(encoding="utf-8")
    start = text.index("<max_isometric_force>")
    end = text.index("</max_isometric_force>", start)
    broken = tmp_path / "nan_force.osim"
    broken.write_text(text[:start] + "<max_isometric_force>nan" + text[end:], encoding="utf-8")
    with pytest.raises(ModelLoadError, match=f"model {broken} cannot start: cannot reset the model"):
        Simulation(broken)


def test_reference_and_fast_modes_run():
    reference = Simulation(integrator=REFERENCE)
    fast = Simulation(integrator=FAST)
    assert fast.loaded.model.getMuscles().get(0).getConcreteClassName() == "DeGrooteFregly2016Muscle"
    assert reference.loaded.model.getMuscles().get(0).getConcreteClassName() == "Thelen2003Muscle"
    for simulation in (reference, fast):
        simulation.set_excitations([0.05] * 19)
        frames = simulation.run(0.05)
        assert len(frames) == 5 and frames[-1].error is None


def core_modules(with_casadi: bool) -> list[str]:
    """Every module of muscle_lab.core, split by whether it imports CasADi: PyPI's casadi and the
    libcasadi inside the opensim wheel cannot share a process, so the two sides load apart."""
    root = Path(muscle_lab.core.__file__).parent
    names = []
    for path in sorted(root.rglob("*.py")):
        if ("import casadi" in path.read_text(encoding="utf-8")) == with_casadi:
            parts = path.relative_to(root).with_suffix("").parts
            names.append(".".join(("muscle_lab.core", *parts[: -1 if parts[-1] == "__init__" else None])))
    return names


@pytest.mark.parametrize("with_casadi", [False, True], ids=["opensim side", "casadi side"])
def test_core_never_imports_qt(with_casadi):
    modules = core_modules(with_casadi)
    extra = (
        ""
        if with_casadi
        else (
            "import muscle_lab.cli, muscle_lab.cli.presets, muscle_lab.cli.muscles, muscle_lab.cli.run; "
            "import muscle_lab.bench.simulation; "
        )
    )
    code = (
        f"import importlib, sys; [importlib.import_module(m) for m in {modules!r}]; {extra}"
        "print(len([m for m in sys.modules if m.startswith('muscle_lab.core.')]), "
        "sorted(m for m in sys.modules if m.startswith(('PyQt5', 'pyqtgraph'))))"
    )
    env = casadi_environment() if with_casadi else None  # as the compiled engine's worker runs
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    count, qt_modules = result.stdout.strip().split(" ", 1)
    assert int(count) >= (5 if with_casadi else 20)  # every module of that side was imported
    assert qt_modules == "[]"


def test_changing_to_the_fast_mode_swaps_the_muscles_and_keeps_the_excitations():
    simulation = Simulation()
    simulation.set_excitations(HIP_THRUST)
    simulation.run(0.05)
    frame = simulation.change_integrator(FAST)
    assert frame.step == 0 and frame.pelvis_height == pytest.approx(0.94)
    muscle = simulation.loaded.model.getMuscles().get(0)
    assert muscle.getConcreteClassName() == "DeGrooteFregly2016Muscle"
    assert simulation.excitations.tolist() == HIP_THRUST
    assert len(simulation.run(0.05)) == 5
    simulation.change_integrator(REFERENCE)
    assert simulation.loaded.model.getMuscles().get(0).getConcreteClassName() == "Thelen2003Muscle"


def test_the_same_excitations_give_a_bit_identical_episode_whatever_ran_before():
    """The integrator starts with the first step's excitations, not the last episode's."""
    thrust = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]
    fresh = Simulation()
    fresh.set_excitations(thrust)
    expected = fresh.run(0.2)

    reused = Simulation()
    reused.set_excitations([0.05] * 19)  # a different episode first, ending on other controls
    reused.run(0.15)
    reused.reset()
    reused.set_excitations(thrust)
    again = reused.run(0.2)
    assert len(again) == len(expected) == 20
    for a, b in zip(again, expected, strict=True):
        assert a.total_reward == b.total_reward and a.pelvis_height == b.pelvis_height
        assert np.array_equal(a.coordinates, b.coordinates) and np.array_equal(a.activations, b.activations)
