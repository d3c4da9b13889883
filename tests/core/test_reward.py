"""ProstheticsEnv round 1: `9 - (vx - 3)^2` per step after the first; done below 0.6 m."""

from muscle_lab.core.reward import is_done, step_reward


def test_first_step_earns_nothing():
    assert step_reward(1, 3.0) == 0.0


def test_later_steps_earn_nine_minus_squared_speed_error():
    assert step_reward(2, 3.0) == 9.0
    assert step_reward(2, 0.0) == 0.0
    assert step_reward(7, 1.0) == 5.0
    assert step_reward(7, 4.5) == 6.75
    assert step_reward(3, -1.0) == -7.0


def test_done_strictly_below_sixty_centimetres():
    assert is_done(0.5999)
    assert not is_done(0.6)
    assert not is_done(0.94)
