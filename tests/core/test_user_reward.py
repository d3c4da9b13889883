"""Your reward in the simulation process: each step's value and the episode's total travel in the
frames, a reset starts the total at 0, a branch (restore) and a rewind continue it from the total
kept with that step, and a failure leaves the step standing and is handed out once."""

from __future__ import annotations

import math

import pytest

from muscle_lab.core.simulation.integrator import FAST
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.user_reward import RewardError
from muscle_lab.examples import forward_reward

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.fixture
def sim():
    process = SimulationProcess(None, FAST)
    yield process
    process.close()


def test_totals_follow_resets_branches_and_rewinds(sim):
    assert sim.set_reward(forward_reward.__file__) == "reward function reward (forward_reward.py)"
    assert sim.reward == forward_reward.__file__
    sim.set_excitations(HIP_THRUST)
    frames = [sim.step() for _ in range(8)]
    assert all(frame.user_reward is not None for frame in frames)
    assert frames[-1].user_total_reward == pytest.approx(math.fsum(f.user_reward for f in frames), abs=1e-12)
    assert frames[-1].user_total_reward != frames[-1].total_reward

    restored = sim.restore(frames[0].episode, 4)  # continue from step 4: its total comes back
    assert restored.user_total_reward == frames[3].user_total_reward and restored.user_reward is None
    again = sim.step()
    assert again.step == 5 and again.user_total_reward == pytest.approx(restored.user_total_reward + again.user_reward)

    sim.send_step()
    sim.send_step()
    sim.discard_steps()  # steps past an end are dropped: the child rewinds to step 5 and its total
    assert sim.step().user_total_reward == pytest.approx(again.user_total_reward + sim.frame.user_reward)

    assert sim.reset().user_total_reward == 0.0
    assert sim.set_reward(None) is None and sim.step().user_reward is None


def test_a_failing_reward_leaves_the_step_and_is_said_once(sim, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def reward(state_desc, prev_state_desc):\n    return 1 / 0\n")
    sim.set_reward(str(broken))
    frame = sim.step()
    assert frame.step == 1 and frame.user_reward is None and frame.error is None  # the step stands
    failure = sim.take_reward_failure()
    assert isinstance(failure, RewardError)
    assert (
        failure.message == "reward function reward (broken.py) failed at step 1: ZeroDivisionError('division by zero')"
    )
    assert failure.details.splitlines()[1:3] == [f'  File "{broken}", line 2, in reward', "    return 1 / 0"]
    assert sim.take_reward_failure() is None and sim.reward is None  # once; the reward is off
    assert sim.step().user_reward is None

    (tmp_path / "none.py").write_text("X = 1\n")
    with pytest.raises(RewardError, match="defines no 'reward'"):
        sim.set_reward(str(tmp_path / "none.py"))
