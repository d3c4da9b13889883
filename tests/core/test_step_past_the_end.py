"""A step computed past the episode's end (the window asks for steps ahead) reaches no view: the
simulation process's frame, pose, observation and moment arms stay at the last step of the episode."""

from __future__ import annotations

import pytest

from muscle_lab.core.simulation.engine import Simulation, SimulationFailed
from muscle_lab.core.simulation.integrator import FAITHFUL
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.protocol import Observed

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.fixture
def process():
    simulation = SimulationProcess(None, FAITHFUL, poses=True)
    yield simulation
    simulation.close()


def test_the_hip_thrusts_end_is_what_every_reader_sees_after_the_step_past_it_is_dropped(process):
    seen: list[Observed] = []
    process.on_observation = seen.append
    process.set_observing(True)
    process.set_excitations(HIP_THRUST)
    process.send_step()
    while True:
        process.send_step()  # one ahead, as the window's worker asks
        frame = process.receive_step()
        if frame.done:
            break
    last_pose = process.pose
    assert frame.end_reason == "fell" and process.steps_in_flight == 1
    process.discard_steps()

    assert process.frame is frame and process.pose is last_pose
    assert process.observation is not None and process.observation.step == frame.step
    assert seen[-1].step == frame.step  # the dropped step's observation was not passed on
    arms = process.moment_arms(4)
    assert arms.time == pytest.approx(frame.time)  # measured at the episode's last pose, not a step later
    assert process.read_pose().time == pytest.approx(frame.time)


def _step_to_the_hip_thrusts_end(process: SimulationProcess):
    process.set_excitations(HIP_THRUST)
    while not (frame := process.step()).done:
        pass
    return frame


def test_with_stop_at_end_the_steps_asked_past_the_end_are_answered_with_the_end_and_not_taken(process):
    process.set_stop_at_end(True)
    end = _step_to_the_hip_thrusts_end(process)
    for _ in range(5):
        process.send_step()
    answers = [process.receive_step() for _ in range(5)]

    assert [(f.episode, f.step, f.time) for f in answers] == [(end.episode, end.step, end.time)] * 5
    assert process.read_pose().time == pytest.approx(end.time)  # nothing was stepped
    process.send_step()
    process.discard_steps()  # nothing to rewind: the child is still at the end
    assert process.frame.step == end.step
    after = process.reset()
    assert after.step == 0 and process.step().step == 1  # a new episode steps as always


def test_without_stop_at_end_a_step_past_the_end_is_taken(process):
    end = _step_to_the_hip_thrusts_end(process)
    assert process.step().step == end.step + 1  # the env and `run` never ask one; a free play may


def test_a_restarted_child_keeps_stop_at_end(process):
    process.set_stop_at_end(True)
    process.kill()
    process.reset()  # a new child
    end = _step_to_the_hip_thrusts_end(process)
    assert process.step().step == end.step


def test_rewind_refuses_a_state_of_another_episode():
    simulation = Simulation()
    simulation.step()
    saved = simulation.saved_state()
    simulation.reset()
    with pytest.raises(SimulationFailed, match="cannot rewind episode 1 to a state of episode 0"):
        simulation.rewind(saved)


def test_steps_asked_ahead_come_back_in_order_each_with_its_own_excitations(process):
    """The child holds step answers while more commands wait and sends them together
    (child.HeldAnswers): every step still comes back, in order, with the excitations set for it."""
    asked = []
    for k in range(8):
        values = [0.1 * (k % 3)] * 19
        values[k] = 1.0
        process.set_excitations(values)
        process.send_step()
        asked.append(values)
    frames = [process.receive_step() for _ in range(8)]
    assert [frame.step for frame in frames] == list(range(1, 9))
    for frame, values in zip(frames, asked, strict=True):
        assert list(frame.excitations) == values
    assert process.steps_in_flight == 0 and not process.step_ready()
    assert process.read_pose().time == pytest.approx(frames[-1].time)  # the next answer is the pose's


def test_a_discard_of_steps_some_taken_some_refused_rewinds_to_the_last_one_received(process):
    """Steps asked ahead before the end is known: those before the end are taken, those after it
    refused; dropping them all goes back to the last step received, and the next step follows it."""
    process.set_stop_at_end(True)
    process.set_excitations(HIP_THRUST)
    while not (frame := process.step()).done and frame.step < 30:
        pass
    received = process.step()  # mid-fall, some steps before the end
    for _ in range(20):  # past the end (~step 41) for most of them
        process.send_step()
    process.discard_steps()

    assert process.frame is received and process.read_pose().time == pytest.approx(received.time)
    following = process.step()
    assert following.step == received.step + 1 and following.time == pytest.approx(received.time + 0.01)
