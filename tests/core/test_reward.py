"""ProstheticsEnv round 1: `9 - (vx - 3)^2` on every step, the first included; the episode ends
with a fall below 0.6 m or, as osim-rl's does, after 300 steps."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from muscle_lab.core.recording.columns import Recording
from muscle_lab.core.recording.files import csv_text
from muscle_lab.core.reward import (
    FELL,
    TIME_LIMIT,
    TIME_LIMIT_STEPS,
    describe_end,
    end_reason,
    is_done,
    step_reward,
)
from muscle_lab.core.simulation.engine import Simulation

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return Simulation()


def test_every_step_earns_nine_minus_squared_speed_error():
    assert step_reward(3.0) == 9.0
    assert step_reward(0.0) == 0.0
    assert step_reward(1.0) == 5.0
    assert step_reward(4.5) == 6.75
    assert step_reward(-1.0) == -7.0


def test_done_strictly_below_sixty_centimetres():
    assert is_done(0.5999)
    assert not is_done(0.6)
    assert not is_done(0.94)


def test_the_episode_ends_with_a_fall_or_at_the_300th_step():
    assert TIME_LIMIT_STEPS == 300
    assert end_reason(41, 0.59) == FELL
    assert end_reason(299, 0.9) is None
    assert end_reason(300, 0.9) == TIME_LIMIT
    assert end_reason(300, 0.59) == FELL  # a fall on the last step is the fall
    assert end_reason(300, 0.9, time_limit=False) is None
    assert end_reason(5000, 0.59, time_limit=False) == FELL


def test_the_end_is_described_in_one_line():
    assert describe_end(FELL, 0.41, 0.57914) == "fell at t = 0.41 s (pelvis 0.5791 m < 0.6 m)"
    assert describe_end(TIME_LIMIT, 3.0, 0.9) == "time limit at t = 3.00 s (300 steps)"
    assert describe_end(None, 0.2, 0.9) == "running"


def test_the_first_step_is_paid_and_the_fall_is_named(simulation):
    simulation.set_excitations(HIP_THRUST)
    simulation.reset()
    frames = simulation.run(3.0)
    first = frames[0]
    assert first.step == 1 and first.reward == 9.0 - (first.pelvis_vx - 3.0) ** 2 and first.reward != 0.0
    assert first.total_reward == first.reward
    assert frames[-1].total_reward == pytest.approx(sum(f.reward for f in frames))
    assert [f.end_reason for f in frames] == [None] * 40 + [FELL]
    assert frames[-1].done and not any(f.done for f in frames[:-1])
    assert simulation.reset().end_reason is None


def test_the_300th_step_ends_the_episode_unless_the_time_limit_is_off(simulation):
    simulation.set_excitations([0.05] * 19)
    simulation.reset()
    standing = replace(simulation.saved_state(), step=299, time=2.99)  # the standing start, one step before the limit
    simulation.restore(standing)
    last = simulation.step()
    assert (last.step, last.end_reason, last.done) == (300, TIME_LIMIT, True)
    assert last.pelvis_height > 0.9

    simulation.time_limit = False  # free play; the switch holds from the next step on
    simulation.restore(standing)
    free = simulation.step()
    assert (free.step, free.end_reason, free.done) == (300, None, False)
    assert simulation.step().end_reason is None
    simulation.time_limit = True
    assert simulation.step().end_reason == TIME_LIMIT


def test_a_simulation_made_for_free_play_has_no_time_limit():
    simulation = Simulation(time_limit=False)
    simulation.restore(replace(simulation.saved_state(), step=400, time=4.0))
    assert simulation.step().end_reason is None


def test_recordings_and_their_csv_carry_the_end_reason(simulation):
    simulation.set_excitations(HIP_THRUST)
    simulation.reset()
    recording = Recording.for_simulation(simulation)
    recording.extend(simulation.run(3.0))
    assert recording.end_reason == [None] * 40 + [FELL]
    rows = list(csv.DictReader(io.StringIO(csv_text(recording))))
    assert [row["end_reason"] for row in rows] == [""] * 40 + ["fell"]
    assert rows[-1]["done"] == "1"
