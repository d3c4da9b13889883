"""The posture goal: its cost at known states (held, off by a known angle, fallen), the names a
posture may use (the model's moving joint angles), parsing, and a search that comes closer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.simulation.model_file import read_model_coordinates
from muscle_lab.core.tune.goal import POSTURE, Goal, GoalError, score
from muscle_lab.core.tune.posture import PostureError, check_names, parse_posture, posture_text
from muscle_lab.core.tune.search import TuneError, TuneSearch, TuneSettings

NAMES = ("pelvis_tilt", "pelvis_tx", "hip_flexion_r", "knee_angle_r")
TARGET = (("hip_flexion_r", 40.0), ("knee_angle_r", -60.0))
MOVING = (
    "pelvis_tilt, pelvis_list, pelvis_rotation, hip_flexion_r, hip_adduction_r, knee_angle_r, ankle_angle_r, "
    "hip_flexion_l, hip_adduction_l, knee_angle_l, ankle_angle_l"
)


def frames(steps: int, hip: float, knee: float, error: str | None = None, excitation: float = 0.0) -> list[Frame]:
    """The start, then `steps` steps with the right hip and knee at these angles (degrees)."""
    coordinates = np.array([0.0, 0.0, math.radians(hip), math.radians(knee)])
    excitations = np.full(19, excitation)
    return [
        Frame(step, step * STEP_SECONDS, excitations, excitations, coordinates, np.zeros(0), 0.9, 0.0, 0.0, 0.0,
              False, error if step == steps else None)
        for step in range(steps + 1)
    ]  # fmt: skip


def test_the_cost_at_known_states():
    goal = Goal(POSTURE, 1.0, posture=TARGET)  # 100 steps: the hold is steps 76-100
    assert score(goal, frames(100, 40.0, -60.0), NAMES) == pytest.approx(0.0, abs=1e-12)
    # 10 degrees off at one of two coordinates: RMS sqrt(100 / 2)
    assert score(goal, frames(100, 50.0, -60.0), NAMES) == pytest.approx(-math.sqrt(50.0))
    # fell at step 50, before the hold: scored on its last step, plus 90 degrees x half the horizon
    assert score(goal, frames(50, 50.0, -60.0), NAMES) == pytest.approx(-math.sqrt(50.0) - 45.0)
    # a failed integration costs the whole horizon's 90 degrees
    assert score(goal, frames(100, 40.0, -60.0, error="failed"), NAMES) == pytest.approx(-90.0)
    # the effort penalty as for the other goals: 2 x 100 steps x 19 x 0.5² x 0.01 s
    held = frames(100, 40.0, -60.0, excitation=0.5)
    assert score(Goal(POSTURE, 1.0, effort=2.0, posture=TARGET), held, NAMES) == pytest.approx(-9.5)
    assert goal.describe() == (
        "minus the distance from hip_flexion_r 40°, knee_angle_r -60° (RMS °, held over the last 0.25 s) over 1 s"
    )


def test_only_the_hold_counts():
    held = frames(100, 0.0, 0.0)
    for frame in held[76:]:
        object.__setattr__(frame, "coordinates", np.array([0.0, 0.0, math.radians(40.0), math.radians(-60.0)]))
    assert score(Goal(POSTURE, 1.0, posture=TARGET), held, NAMES) == pytest.approx(0.0, abs=1e-12)
    object.__setattr__(held[75], "coordinates", held[76].coordinates)  # step 75 is before the hold
    held[76] = frames(100, 0.0, 0.0)[76]  # one held step of 25 far off: RMS sqrt((40² + 60²) / 2)
    assert score(Goal(POSTURE, 1.0, posture=TARGET), held, NAMES) == pytest.approx(-math.sqrt((40**2 + 60**2) / 2) / 25)


def test_a_posture_names_the_models_moving_joint_angles():
    coordinates = read_model_coordinates(default_model_path())
    check_names(parse_posture("hip_flexion_l=40, knee_angle_l=-60"), coordinates)
    for text, message in [
        ("hip_flex_r=40", f"the model has no coordinate 'hip_flex_r'; a posture names: {MOVING}"),
        ("pelvis_ty=0.9", f"pelvis_ty is no joint angle (it is in metres); a posture names: {MOVING}"),
        ("hip_rotation_r=10", f"hip_rotation_r is locked in this model (it never moves); a posture names: {MOVING}"),
    ]:
        with pytest.raises(PostureError) as error:
            check_names(parse_posture(text), coordinates)
        assert str(error.value) == message


def test_posture_text_and_files_are_checked(tmp_path):
    assert parse_posture(" hip_flexion_r = 40 ,knee_angle_r=-60") == TARGET
    file = tmp_path / "squat.json"
    file.write_text('{"hip_flexion_r": 40, "knee_angle_r": -60}')
    assert parse_posture(str(file)) == TARGET
    for text, message in [
        ("hip_flexion_r:40", "posture entry 'hip_flexion_r:40': write NAME=DEGREES, e.g. hip_flexion_r=40"),
        ("hip_flexion_r=forty", "posture entry 'hip_flexion_r=forty': 'forty' is no number of degrees"),
        ("hip_flexion_r=nan", "posture hip_flexion_r: the target must be a finite number of degrees, got nan"),
        ("knee_angle_r=1,knee_angle_r=2", "posture names knee_angle_r more than once"),
        (str(tmp_path / "none.json"), f"posture {tmp_path / 'none.json'}: cannot read: No such file or directory"),
    ]:
        with pytest.raises(PostureError) as error:
            parse_posture(text)
        assert str(error.value) == message
    with pytest.raises(GoalError, match=r"^the posture goal needs target angles, e\.g\. --posture"):
        Goal(POSTURE, 1.0)


def test_a_search_refuses_an_unknown_coordinate_before_any_run():
    goal = Goal(POSTURE, 0.1, posture=(("knee_r", -30.0),))
    with pytest.raises(TuneError, match=r"^the model has no coordinate 'knee_r'; a posture names: pelvis_tilt, "):
        TuneSearch(TuneSettings(goal=goal, evaluations=5, population=4, workers=2))


def test_a_search_comes_closer_to_a_posture():
    """The hip thrust bends the left knee; the search brings it nearer to -30 degrees, and the best
    run's angle is what the score says."""
    goal = Goal(POSTURE, 0.2, posture=(("knee_angle_l", -30.0),))
    result = TuneSearch(TuneSettings(goal=goal, evaluations=9, population=4, workers=2, poses=False)).run()
    assert result.evaluations == 9
    assert result.best_score > result.start_score
    assert result.start_score < -1.0  # the start is some degrees away
    assert TuneSearch(TuneSettings(goal=goal, evaluations=9, population=4, workers=2)).run().best_score == (
        result.best_score
    )


def test_posture_text_reads_back_as_the_angles_it_was_made_from():
    text = posture_text(
        ("hip_flexion_r", "hip_adduction_r", "knee_angle_r"), [40.04, -3.26, -0.02], ("hip_adduction_r",)
    )
    assert text == "hip_flexion_r=40.0,knee_angle_r=-0.0"
    assert parse_posture(text) == (("hip_flexion_r", 40.0), ("knee_angle_r", -0.0))
