"""`muscles` lists each excitation index; `explore` turns each muscle on alone (through the atlas)."""

from __future__ import annotations

import json

import pytest

from muscle_lab.cli import main
from muscle_lab.core.paths import default_model_path, osim_rl_models_dir

ARM26 = str(osim_rl_models_dir() / "arm26.osim")


def test_muscles_lists_index_name_side_and_description(capsys):
    assert main(["muscles", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    muscles = listing["muscles"]
    assert [m["index"] for m in muscles] == list(range(19))
    assert muscles[4]["name"] == "glut_max_r" and muscles[4]["side"] == "right"
    assert muscles[4]["description"].startswith("gluteus maximus")
    assert muscles[18]["name"] == "tib_ant_l" and muscles[18]["side"] == "left"


def test_muscles_table_for_another_model(capsys):
    assert main(["muscles", "--model", ARM26]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6
    assert lines[3].split()[:3] == ["3", "BIClong", "-"]


def test_explore_finds_the_elbow_flexors_and_extensors(capsys):
    assert main(["explore", "--model", ARM26, "--seconds", "0.1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    effects = {e["muscle"]: e for e in result["effects"]}
    assert all(e["joint"] == "r_elbow_flex" and e["side"] == "" and e["cross_joint"] is None for e in effects.values())
    for flexor in ("BIClong", "BICshort", "BRA"):
        assert effects[flexor]["joint_change_deg"] > 5
        assert " flexes the right elbow by " in effects[flexor]["sentence"]
    for extensor in ("TRIlong", "TRIlat", "TRImed"):
        assert effects[extensor]["joint_change_deg"] < -5


def test_explore_on_the_gait_model_names_a_joint_of_the_muscles_own_leg(capsys):
    assert main(["explore", "--seconds", "0.1", "--mode", "fast", "--json"]) == 0
    effects = json.loads(capsys.readouterr().out)["effects"]
    assert len(effects) == 19
    by_name = {e["muscle"]: e for e in effects}
    expected = {  # muscle: (joint of its own leg it moves most in 0.1 s, sign of the change)
        "glut_max_r": ("hip_flexion_r", -1),  # hip extensor (the old explore named knee_angle_l)
        "add_r": ("hip_adduction_r", +1),  # (the old explore named hip_adduction_l)
        "abd_l": ("hip_adduction_l", -1),
        "vasti_l": ("knee_angle_l", +1),  # knee extensor (knee flexion is negative here)
        "soleus_l": ("ankle_angle_l", -1),  # plantar flexor
        "tib_ant_l": ("ankle_angle_l", +1),  # dorsiflexor
    }
    for muscle, (joint, sign) in expected.items():
        assert by_name[muscle]["joint"] == joint
        assert by_name[muscle]["joint_change_deg"] * sign > 5
    for effect in effects:  # the other leg is reported apart, as the cross effect
        assert effect["joint"].endswith(effect["muscle"][-2:])
        assert effect["cross_joint"][-2:] != effect["muscle"][-2:]


def test_explore_table_shows_own_side_and_cross_effect(capsys):
    assert main(["explore", "--seconds", "0.05", "--mode", "fast"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "own side: moves most" in lines[1] and "cross effect" in lines[1]
    row = lines[2 + 1].split()  # add_r
    assert row[:3] == ["1", "add_r", "hip_adduction_r"] and row[4].endswith("_l")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seconds", "-1"], "--seconds must be positive"),
        (["--level", "2"], "--level must be in [0, 1], got 2"),
        (["--model", "/missing.osim"], "model file not found: /missing.osim"),
    ],
)
def test_explore_errors_exit_2(capsys, args, message):
    assert main(["explore", *args]) == 2
    assert message in capsys.readouterr().err


def test_a_truncated_model_is_one_line_exit_2_for_every_command(capsys, tmp_path):
    truncated = tmp_path / "truncated.osim"
    whole = default_model_path().read_bytes()
    truncated.write_bytes(whole[: len(whole) // 2])
    expected = {"muscles": f"cannot read model {truncated}: ", "explore": f"cannot read model {truncated}: "}
    for command, start in expected.items():
        assert main([command, "--model", str(truncated)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(f"muscle_lab: error: {start}") and captured.err.count("\n") == 1
