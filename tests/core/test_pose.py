"""The drawing geometry read from the real default model."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.core.simulation.integrator import MODES
from muscle_lab.core.simulation.pose import PoseReader


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return Simulation(integrator=MODES["fast"])


def test_pose_has_a_segment_per_joint_between_bodies(simulation):
    pose = PoseReader(simulation.loaded).read(simulation.state)
    names = pose.body_names
    pairs = {(names[a], names[b]) for a, b in pose.segments}
    assert ("pelvis", "femur_r") in pairs
    assert ("femur_l", "tibia_l") in pairs
    assert ("pros_tibia_r", "pros_foot_r") in pairs
    assert all(parent != "ground" for parent, _ in pairs)  # the free joint has no bone
    assert pose.body_positions.shape == (len(names), 3)
    # Standing: the pelvis is above the knees, which are above the feet.
    height = dict(zip(names, pose.body_positions[:, 1], strict=True))
    assert height["pelvis"] > height["tibia_l"] > height["talus_l"]


def test_muscle_paths_run_from_origin_to_insertion_in_ground(simulation):
    reader = PoseReader(simulation.loaded)
    pose = reader.read(simulation.state)
    assert len(pose.muscle_paths) == len(simulation.muscles)
    for path in pose.muscle_paths:
        assert path.ndim == 2 and path.shape[1] == 3 and path.shape[0] >= 2
        assert np.isfinite(path).all()
    # The right hamstrings attach to the pelvis and the shank on the right side (+z).
    hamstrings = pose.muscle_paths[simulation.muscle_names.index("hamstrings_r")]
    assert (hamstrings[:, 2] > 0).all()
    assert hamstrings[0, 1] > hamstrings[-1, 1]


def test_pose_follows_the_simulation(simulation):
    reader = PoseReader(simulation.loaded)
    simulation.reset()
    before = reader.read(simulation.state)
    simulation.set_excitations(np.ones(len(simulation.muscles)))
    simulation.run(0.1, stop_at_done=False)
    after = reader.read(simulation.state)
    assert after.time == pytest.approx(0.1)
    assert after.activations.mean() > before.activations.mean() + 0.5
    assert not np.allclose(after.body_positions, before.body_positions)


@pytest.mark.parametrize("with_optional", [True, False])
def test_a_pose_crosses_a_pipe_whole_as_one_buffer(simulation, with_optional):
    import dataclasses
    import pickle

    pose = PoseReader(simulation.loaded).read(simulation.state)
    if not with_optional:
        pose = dataclasses.replace(pose, excitations=None, fiber_forces=None)
    back = pickle.loads(pickle.dumps(pose, protocol=pickle.HIGHEST_PROTOCOL))

    assert (back.time, back.body_names, back.segments) == (pose.time, pose.body_names, pose.segments)
    for field in (
        "body_positions",
        "activations",
        "frame_rotations",
        "frame_translations",
        "excitations",
        "fiber_forces",
    ):
        mine, theirs = getattr(back, field), getattr(pose, field)
        if theirs is None:
            assert mine is None
        else:
            assert mine.shape == theirs.shape and np.array_equal(mine, theirs) and not mine.flags.writeable
    assert len(back.muscle_paths) == len(pose.muscle_paths)
    for mine, theirs in zip(back.muscle_paths, pose.muscle_paths, strict=True):
        assert mine.shape == theirs.shape and np.array_equal(mine, theirs)
