"""osim-rl's observation vector and state description, read from the real model's states."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.observation.layout import markdown_table
from muscle_lab.core.observation.reader import STATE_DESC_KEYS, ObservationReader
from muscle_lab.core.paths import osim_rl_models_dir
from muscle_lab.core.simulation.engine import Simulation

ROOT = Path(__file__).resolve().parents[2]
HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return Simulation()


@pytest.fixture(scope="module")
def reader(simulation) -> ObservationReader:
    return ObservationReader(simulation.loaded)


def osim_rl_vector(desc: dict) -> list[float]:
    """ProstheticsEnv.get_observation's recipe (its comments and order), applied to a state description."""
    values: list[float] = []
    pelvis: list[float] = []
    for body in ("pelvis", "head", "torso", "toes_l", "toes_r", "talus_l", "talus_r"):
        if body not in desc["body_pos"]:  # the prosthetic leg
            values += [0.0] * 9
            continue
        current = [*desc["body_pos"][body][:2], *desc["body_vel"][body][:2], *desc["body_acc"][body][:2]]
        current += [desc["body_pos_rot"][body][2], desc["body_vel_rot"][body][2], desc["body_acc_rot"][body][2]]
        if body == "pelvis":
            pelvis = current
            values += current[1:]
        else:
            values += [current[0] - pelvis[0], current[1] - pelvis[1], *current[2:6], current[6] - pelvis[6]]
            values += current[7:]
    for joint in ("ankle_l", "ankle_r", "back", "hip_l", "hip_r", "knee_l", "knee_r"):
        values += desc["joint_pos"][joint] + desc["joint_vel"][joint] + desc["joint_acc"][joint]
    for muscle in sorted(desc["muscles"]):
        values += [desc["muscles"][muscle][key] for key in ("activation", "fiber_length", "fiber_velocity")]
    misc = desc["misc"]
    values += [misc["mass_center_pos"][0] - pelvis[0], misc["mass_center_pos"][1] - pelvis[1]]
    return values + misc["mass_center_vel"] + misc["mass_center_acc"]


def test_the_vector_is_osim_rls_recipe_on_the_state_description(simulation, reader):
    simulation.set_excitations(HIP_THRUST)
    simulation.reset()
    for _ in range(15):
        simulation.step()
    vector = reader.vector(simulation.state)
    assert vector.shape == (160,) and vector.dtype == np.float64
    np.testing.assert_array_equal(vector, osim_rl_vector(reader.state_desc(simulation.state)))


def test_the_state_description_has_osim_rls_keys_and_shapes(simulation, reader):
    simulation.reset()
    desc = reader.state_desc(simulation.state)
    assert tuple(desc) == STATE_DESC_KEYS
    joints = ["ground_pelvis", "hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l", "subtalar_l", "mtp_l"]
    assert list(desc["joint_pos"]) == [*joints, "back", "back_0"]  # OpenSim renames the second "back"
    coordinates = {joint: len(values) for joint, values in desc["joint_pos"].items()}
    assert [coordinates[j] for j in ("ground_pelvis", "hip_l", "knee_l", "subtalar_l", "back", "back_0")] == [
        6,
        3,
        1,
        0,
        1,
        0,
    ]
    assert len(desc["body_pos"]) == 11 and all(len(v) == 3 for key in STATE_DESC_KEYS[3:9] for v in desc[key].values())
    assert desc["body_pos"]["pelvis"] == pytest.approx([0.0, 0.94, 0.0])
    assert len(desc["forces"]) == 30 and len(desc["forces"]["foot_l"]) == 24 and len(desc["forces"]["abd_r"]) == 1
    assert list(desc["muscles"]) == list(simulation.muscle_names)  # the model's order; the vector sorts them
    assert set(desc["muscles"]["vasti_l"]) == {"activation", "fiber_length", "fiber_velocity", "fiber_force"}
    assert desc["markers"] == {}
    assert {key: len(value) for key, value in desc["misc"].items()} == dict.fromkeys(
        ("mass_center_pos", "mass_center_vel", "mass_center_acc"), 3
    )


def test_every_index_is_named_and_the_muscles_are_in_alphabetical_order(reader):
    entries = reader.layout.entries()
    assert [e.index for e in entries] == list(range(160))
    names = [e.name for e in entries]
    assert len(set(names)) == 160
    assert names[:3] == ["pelvis_y", "pelvis_vx", "pelvis_vy"] and names[8] == "head_x_rel"
    assert names[62:66] == ["ankle_angle_l_pos", "ankle_angle_l_vel", "ankle_angle_l_acc", "ankle_angle_r_pos"]
    assert names[71:77] == [f"hip_{m}_l_pos" for m in ("flexion", "adduction", "rotation")] + [
        f"hip_{m}_l_vel" for m in ("flexion", "adduction", "rotation")
    ]
    assert names[95:98] == ["abd_l_activation", "abd_l_fiber_length", "abd_l_fiber_velocity"]
    assert entries[95].meaning == "activation of abd_l (action index 8)"  # the action order differs: a trap
    assert names[152:] == [
        "mass_center_x_rel", "mass_center_y_rel", "mass_center_vx", "mass_center_vy", "mass_center_vz",
        "mass_center_ax", "mass_center_ay", "mass_center_az",
    ]  # fmt: skip
    muscles = [name.removesuffix("_activation") for name in names if name.endswith("_activation")]
    assert muscles == sorted(muscles) and len(muscles) == 19
    units = {e.name: e.unit for e in entries}
    assert (units["pelvis_y"], units["knee_angle_r_vel"], units["vasti_l_fiber_velocity"]) == ("m", "rad/s", "m/s")


def test_the_prosthetic_legs_missing_bodies_are_zeros_and_say_so(simulation, reader):
    simulation.reset()
    vector = reader.vector(simulation.state)
    for body in ("toes_r", "talus_r"):
        slots = [e for e in reader.layout.entries() if e.name.startswith(f"{body}_")]
        assert len(slots) == 9 and all(e.meaning.startswith(f"always 0: the model has no {body}") for e in slots)
        assert not vector[[e.index for e in slots]].any()


def test_reading_observations_leaves_the_trajectory_bit_for_bit(simulation, reader):
    def run(observe: bool) -> list[np.ndarray]:
        simulation.set_excitations(HIP_THRUST)
        simulation.reset()
        coordinates = []
        for _ in range(20):
            coordinates.append(simulation.step().coordinates)
            if observe:
                reader.vector(simulation.state)
                reader.state_desc(simulation.state)
        return coordinates

    assert all(np.array_equal(a, b) for a, b in zip(run(False), run(True), strict=True))


def test_the_layout_crosses_processes_and_naming_needs_no_opensim(reader):
    assert pickle.loads(pickle.dumps(reader.layout)) == reader.layout
    script = (
        "import pickle, sys; layout = pickle.loads(sys.stdin.buffer.read()); "
        "print(len(layout.entries()), 'opensim' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], input=pickle.dumps(reader.layout), capture_output=True, cwd=ROOT,
        timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.decode().split() == ["160", "False"]


def test_a_model_without_osim_rls_bodies_observes_all_of_its_own():
    simulation = Simulation(osim_rl_models_dir() / "arm26.osim")
    reader = ObservationReader(simulation.loaded)
    layout = reader.layout
    assert layout.reference_body == "base" and layout.bodies == ("r_humerus", "r_ulna_radius_hand")
    assert [joint.name for joint in layout.joints] == ["r_shoulder", "r_elbow"]
    assert layout.size == 8 + 2 * 9 + 3 * 2 + 3 * 6 + 8
    simulation.step()
    assert reader.vector(simulation.state).shape == (layout.size,)


def test_the_readme_lists_every_entry_of_the_default_model(reader):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table(reader.layout.entries()) in readme
