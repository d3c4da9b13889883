"""Loading models: the default prosthetic model's muscles, and clear errors for bad files."""

from __future__ import annotations

import pytest

from muscle_lab.core.paths import DEFAULT_MODEL_FILE, default_model_path, osim_rl_models_dir
from muscle_lab.core.simulation.model import LoadedModel, ModelLoadError

# The action order of osim-rl's ProstheticsEnv, from the challenge documentation.
ACTION_ORDER = [
    "abd_r", "add_r", "hamstrings_r", "bifemsh_r", "glut_max_r", "iliopsoas_r", "rect_fem_r", "vasti_r",
    "abd_l", "add_l", "hamstrings_l", "bifemsh_l", "glut_max_l", "iliopsoas_l", "rect_fem_l", "vasti_l",
    "gastroc_l", "soleus_l", "tib_ant_l",
]  # fmt: skip


@pytest.fixture(scope="module")
def default_model() -> LoadedModel:
    return LoadedModel()


def test_default_model_is_found_in_osim_rl_without_importing_osim():
    import sys

    path = default_model_path()
    assert path.name == DEFAULT_MODEL_FILE
    assert path.parent == osim_rl_models_dir()
    assert "osim" not in sys.modules  # osim's import pulls in env code that fails on 4.6


def test_muscles_come_in_action_order_with_sides(default_model):
    assert [m.name for m in default_model.muscles] == ACTION_ORDER
    assert [m.index for m in default_model.muscles] == list(range(19))
    assert [m.side for m in default_model.muscles] == ["right"] * 8 + ["left"] * 11
    assert default_model.muscles[4].label == "4 glut_max_r (right)"


def test_joint_angles_are_the_eleven_standard_ones(default_model):
    assert default_model.joint_angle_names == (
        "hip_flexion_r", "hip_adduction_r", "hip_rotation_r", "knee_angle_r", "ankle_angle_r",
        "hip_flexion_l", "hip_adduction_l", "hip_rotation_l", "knee_angle_l", "ankle_angle_l",
        "lumbar_extension",
    )  # fmt: skip
    assert len(default_model.coordinate_names) == 17
    assert default_model.pelvis.getName() == "pelvis"


def test_any_osim_model_gives_one_muscle_per_actuator():
    arm = LoadedModel(osim_rl_models_dir() / "arm26.osim")
    assert [m.name for m in arm.muscles] == ["TRIlong", "TRIlat", "TRImed", "BIClong", "BICshort", "BRA"]
    assert all(m.side == "" for m in arm.muscles)
    assert arm.joint_angle_names == ("r_shoulder_elev", "r_elbow_flex")


def test_missing_model_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere.osim"
    with pytest.raises(ModelLoadError, match=f"model file not found: {missing}"):
        LoadedModel(missing)


def test_invalid_model_file_names_the_path(tmp_path):
    broken = tmp_path / "broken.osim"
    broken.write_text("<OpenSimDocument><Model name='x'><BodySet>", encoding="utf-8")
    with pytest.raises(ModelLoadError, match=f"cannot load model {broken}"):
        LoadedModel(broken)


def test_model_without_muscles_is_refused(tmp_path):
    empty = tmp_path / "empty.osim"
    empty.write_text(
        '<?xml version="1.0"?><OpenSimDocument Version="40000"><Model name="empty"/></OpenSimDocument>',
        encoding="utf-8",
    )
    with pytest.raises(ModelLoadError, match="has no muscles to drive"):
        LoadedModel(empty)


def test_no_muscle_description_claims_a_motion_the_model_locks(default_model):
    """The tooltips describe the default model: its hip rotation is locked, so no muscle there
    may be said to rotate the hip without saying so."""
    from muscle_lab.core.muscle_descriptions import load_descriptions

    assert {"hip_rotation_r", "hip_rotation_l"} <= set(default_model.locked_joint_angles)
    for name, text in load_descriptions().items():
        if "rotat" in text:
            assert "locks hip rotation" in text, name
