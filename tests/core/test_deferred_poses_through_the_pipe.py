"""The window's simulation process sends each step's pose as a DeferredPose (the state it is
drawn from, built where it is read) and an episode's first pose with the frame that starts it:
the same poses as those read on request, and OpenSim's engine sends full poses as before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.pose_layout import DeferredPose
from muscle_lab.core.paths import HOME_ENV
from muscle_lab.core.simulation.integrator import FAITHFUL
from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.process import SimulationProcess

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.fixture(scope="module")
def process(compiled_home: Path) -> Iterator[SimulationProcess]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(compiled_home))
        simulation = SimulationProcess(None, FAITHFUL, poses="deferred", engine="compiled")
    yield simulation
    simulation.close()


def _assert_same(pose: BodyPose, expected: BodyPose) -> None:
    assert pose.time == expected.time
    np.testing.assert_array_equal(pose.body_positions, expected.body_positions)
    np.testing.assert_array_equal(np.vstack(pose.muscle_paths), np.vstack(expected.muscle_paths))
    np.testing.assert_array_equal(pose.frame_rotations, expected.frame_rotations)
    np.testing.assert_array_equal(pose.activations, expected.activations)
    np.testing.assert_array_equal(pose.excitations, expected.excitations)
    np.testing.assert_array_equal(pose.frame_translations, expected.frame_translations)
    np.testing.assert_array_equal(pose.fiber_forces, expected.fiber_forces)


def test_each_step_sends_the_state_and_the_pose_built_here_is_the_one_read_on_request(process) -> None:
    assert process.engine == "compiled"
    process.set_excitations(HIP_THRUST)
    for _ in range(5):
        process.step()
        pose = process.pose
        assert isinstance(pose, DeferredPose)
        requested = process.read_pose()  # built in the child, sent whole
        assert requested is not None and not isinstance(requested, DeferredPose)
        _assert_same(pose, requested)
    assert pose.excitations is not None and pose.excitations[2] == 1.0


def test_an_episode_start_brings_its_pose_with_it(process) -> None:
    process.set_excitations(HIP_THRUST)
    for _ in range(3):
        process.step()
    frame = process.reset()
    assert frame.step == 0 and process.pose is not None and process.pose.time == 0.0
    _assert_same(process.pose, process.read_pose())  # type: ignore[arg-type]
    process.step()
    restored = process.restore(frame.episode, 0)
    assert restored.step == 0 and process.pose is not None and process.pose.time == 0.0
    _assert_same(process.pose, process.read_pose())  # type: ignore[arg-type]
    process.step()
    changed = process.change_integrator(FAITHFUL)  # a change of mode starts an episode too
    assert changed.step == 0 and isinstance(process.pose, DeferredPose)
    _assert_same(process.pose, process.read_pose())  # type: ignore[arg-type]


def test_a_started_process_has_no_pose_until_asked(compiled_home: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(compiled_home))
        fresh = SimulationProcess(None, FAITHFUL, poses="deferred", engine="opensim")
    try:
        assert fresh.pose is None
        assert fresh.read_pose() is not None
        fresh.step()
        assert type(fresh.pose) is BodyPose  # OpenSim's engine reads the pose at once
        fresh.reset()
        assert type(fresh.pose) is BodyPose and fresh.pose.time == 0.0
    finally:
        fresh.close()
