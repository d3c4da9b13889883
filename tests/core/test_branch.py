"""Continuing from a kept state: Simulation.restore, the simulation process's state store, and
episode numbers, on the real default model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from muscle_lab.core.frame import Frame
from muscle_lab.core.simulation.engine import Simulation, SimulationFailed
from muscle_lab.core.simulation.integrator import FAITHFUL
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.state_store import SavedState, StateNotKept, StateStore

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]
STATE_FIELDS = ("step", "time", "coordinates", "activations", "joint_angles", "pelvis_height", "pelvis_vx")


def assert_same_state(restored: Frame, original: Frame) -> None:
    for name in (*STATE_FIELDS, "excitations", "reward", "total_reward", "done"):
        a, b = getattr(restored, name), getattr(original, name)
        assert np.array_equal(a, b), name  # bit for bit


def test_restore_gives_back_the_exact_state_of_a_middle_step_as_a_new_episode():
    sim = Simulation()
    sim.set_excitations(HIP_THRUST)
    frames, saved = [sim.frame], [sim.saved_state()]
    for _ in range(20):
        frames.append(sim.step())
        saved.append(sim.saved_state())
    assert {f.episode for f in frames} == {0}
    sim.set_excitations([0.0] * 19)  # the sliders as they are now
    restored = sim.restore(saved[12])
    assert restored.episode == 1 and restored.step == 12
    assert_same_state(restored, frames[12])
    assert restored.excitations.tolist() == HIP_THRUST  # what was applied during step 12
    after = sim.step()
    assert after.step == 13 and after.episode == 1
    assert after.excitations.tolist() == [0.0] * 19  # the new excitations apply from the next step
    assert after.total_reward == pytest.approx(frames[12].total_reward + after.reward)


def test_the_continuation_with_the_same_excitations_follows_the_original_to_integrator_accuracy():
    sim = Simulation()
    sim.set_excitations(HIP_THRUST)
    frames = []
    states = []
    for _ in range(30):
        frames.append(sim.step())
        states.append(sim.saved_state())
    sim.restore(states[9])  # step 10
    again = [sim.step() for _ in range(10)]
    gap = max(np.abs(a.coordinates - b.coordinates).max() for a, b in zip(again, frames[10:20], strict=True))
    assert 0 < gap < 1e-3  # a fresh integrator: not bit for bit, but within its accuracy


def test_a_state_of_another_size_is_refused_and_the_simulation_goes_on():
    sim = Simulation()
    sim.step()
    saved = sim.saved_state()
    wrong = dataclasses.replace(saved, values=saved.values[:-1])
    with pytest.raises(SimulationFailed, match="a saved state of 65 values for a model with 66"):
        sim.restore(wrong)
    assert sim.step().step == 2


def test_episode_numbers_count_resets_and_restores():
    sim = Simulation(first_episode=5)
    assert sim.frame.episode == 5
    sim.step()
    assert sim.reset().episode == 6
    assert sim.restore(sim.saved_state()).episode == 7


def test_the_store_drops_the_oldest_states_beyond_its_budget_and_says_what_it_keeps():
    sim = Simulation()
    one = sim.saved_state().nbytes
    store = StateStore(budget_bytes=10 * one)
    for _ in range(15):
        sim.step()
        store.put(sim.saved_state())
    assert len(store) == 10 and store.nbytes <= store.budget_bytes
    assert store.get(0, 15).step == 15
    with pytest.raises(
        StateNotKept, match=r"the state of step 3 of episode 0 is not kept .* the oldest kept is step 6"
    ):
        store.get(0, 3)


def test_the_simulation_process_restores_a_kept_step_and_refuses_a_dropped_one():
    process = SimulationProcess(None, FAITHFUL, poses=True)
    try:
        process.set_excitations(HIP_THRUST)
        frames = [process.step() for _ in range(15)]
        process.set_excitations([0.0] * 19)
        restored = process.restore(0, 8)
        assert restored.episode == 1
        assert_same_state(restored, frames[7])
        assert process.step().excitations.tolist() == [0.0] * 19
        # The old future stays restorable: branching again from the first episode works.
        assert process.restore(0, 14).episode == 2
        with pytest.raises(StateNotKept, match="step 99 of episode 0"):
            process.restore(0, 99)
        assert process.step().step == 15  # a refused restore changes nothing
    finally:
        process.close()


def test_a_restarted_simulation_process_goes_on_numbering_episodes():
    process = SimulationProcess(None, FAITHFUL)
    try:
        process.step()
        assert process.reset().episode == 1
        process.kill()
        process._process.join()  # noqa: SLF001  the child is gone before the next call
        assert process.step().error  # the death shows as a failed step
        frame = process.reset()  # a new child
        assert frame.episode == 2
        with pytest.raises(StateNotKept):
            process.restore(1, 0)  # the old child's states died with it
    finally:
        process.close()


def test_saved_state_values_are_what_opensim_holds():
    sim = Simulation()
    saved: SavedState = sim.saved_state()
    # 72 values as written; welding the three locked coordinates takes out 2 x 3
    assert saved.values.size == sim.state.getNY() == 66
    assert np.array_equal(saved.values, sim.state.getY().to_numpy())


def test_states_from_before_a_mode_change_are_refused_with_that_reason():
    from muscle_lab.core.simulation.integrator import FAST

    process = SimulationProcess(None, FAITHFUL)
    try:
        process.step()
        process.change_integrator(FAST)
        with pytest.raises(StateNotKept, match="it keeps none from before the mode changed"):
            process.restore(0, 1)
    finally:
        process.close()
