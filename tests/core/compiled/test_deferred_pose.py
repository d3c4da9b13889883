"""A DeferredPose (core.compiled.pose_layout) is the compiled engine's drawn pose kept as its
state: read here, received through a pipe, or built in a process that never loads OpenSim, it
equals the pose read at once; received, it pickles as a full BodyPose; the history counts its
own bytes; only the latest built poses keep their build."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled import pose_layout
from muscle_lab.core.compiled.engine import CompiledSimulation
from muscle_lab.core.compiled.pose_layout import KEPT_BUILT, DeferredPose
from muscle_lab.core.history import pose_bytes
from muscle_lab.core.simulation.pose import BodyPose, PoseReader


@pytest.fixture(scope="module")
def engine(rhs_library: Path) -> CompiledSimulation:
    simulation = CompiledSimulation(library=rhs_library)
    simulation.set_excitations(np.linspace(0.0, 1.0, 19))
    for _ in range(15):
        simulation.step()
    return simulation


def _assert_equal(pose: BodyPose, expected: BodyPose) -> None:
    for name in ("time", "body_names", "segments"):
        assert getattr(pose, name) == getattr(expected, name)
    for name in (
        "body_positions",
        "activations",
        "frame_rotations",
        "frame_translations",
        "excitations",
        "fiber_forces",
    ):
        np.testing.assert_array_equal(getattr(pose, name), getattr(expected, name))
    assert len(pose.muscle_paths) == len(expected.muscle_paths) == 19
    for mine, theirs in zip(pose.muscle_paths, expected.muscle_paths, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_deferred_pose_equals_the_pose_read_at_once_here_and_received(engine: CompiledSimulation) -> None:
    reader = PoseReader(engine.loaded)
    now = engine.read_pose(reader)
    deferred = engine.read_pose(reader, deferred=True)
    assert isinstance(deferred, DeferredPose) and isinstance(deferred, BodyPose)
    _assert_equal(deferred, now)
    sent = pickle.dumps(deferred)
    assert len(sent) < len(pickle.dumps(now)) / 3  # x and the excitations, not every point
    received = pickle.loads(sent)
    assert isinstance(received, DeferredPose)
    _assert_equal(received, now)
    # Received, it pickles whole: a cache on disk never depends on the layout's file.
    again = pickle.loads(pickle.dumps(received))
    assert type(again) is BodyPose
    _assert_equal(again, now)


def test_the_pose_is_of_the_step_it_was_kept_at(engine: CompiledSimulation) -> None:
    reader = PoseReader(engine.loaded)
    kept = engine.read_pose(reader, deferred=True)
    expected = engine.read_pose(reader)
    engine.step()  # the engine moves on; the kept pose does not
    assert engine.read_pose(reader).time > kept.time
    _assert_equal(pickle.loads(pickle.dumps(kept)), expected)


def test_a_process_that_never_loads_opensim_builds_received_poses(engine: CompiledSimulation, tmp_path: Path) -> None:
    reader = PoseReader(engine.loaded)
    expected = engine.read_pose(reader)
    (tmp_path / "pose.pickle").write_bytes(pickle.dumps(engine.read_pose(reader, deferred=True)))
    (tmp_path / "expected.pickle").write_bytes(pickle.dumps(expected))
    code = (
        "import pickle, sys, numpy as np\n"
        f"pose = pickle.loads(open({str(tmp_path / 'pose.pickle')!r}, 'rb').read())\n"
        f"expected = pickle.loads(open({str(tmp_path / 'expected.pickle')!r}, 'rb').read())\n"
        "assert np.array_equal(np.vstack(pose.muscle_paths), np.vstack(expected.muscle_paths))\n"
        "assert np.array_equal(pose.frame_translations, expected.frame_translations)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opensim', 'casadi'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_history_counts_what_a_deferred_pose_holds(engine: CompiledSimulation) -> None:
    reader = PoseReader(engine.loaded)
    deferred = engine.read_pose(reader, deferred=True)
    x, excitations = deferred.kept_arrays
    assert pose_bytes(deferred) < pose_bytes(engine.read_pose(reader)) / 3
    assert pose_bytes(deferred) > x.nbytes + excitations.nbytes
    deferred.body_positions  # noqa: B018  built: still counted as kept (the build is dropped later)
    assert pose_bytes(deferred) == pose_bytes(pickle.loads(pickle.dumps(deferred)))


def test_only_the_latest_built_poses_keep_their_build(engine: CompiledSimulation) -> None:
    reader = PoseReader(engine.loaded)
    poses = [engine.read_pose(reader, deferred=True) for _ in range(KEPT_BUILT + 5)]
    for pose in poses:
        assert pose.muscle_paths[0] is pose.muscle_paths[0]  # built once, read twice
    kept = [pose for pose in poses if pose._built is not None]  # noqa: SLF001
    assert [id(pose) for pose in kept] == [id(pose) for pose in poses[-KEPT_BUILT:]]
    assert len(pose_layout._RECENT) == KEPT_BUILT  # noqa: SLF001
    np.testing.assert_array_equal(poses[0].activations, poses[-1].activations)  # built again when read


def test_where_the_layout_cannot_be_written_the_pose_is_read_at_once(
    engine: CompiledSimulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full or read-only cache costs the window its lighter poses, never a step."""
    from muscle_lab.core.compiled.pose import CompiledPose

    def refuse(_layout: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pose_layout.PoseLayout, "save", refuse)
    reader = PoseReader(engine.loaded)
    drawer = CompiledPose(engine.data, reader, engine._drawing)  # noqa: SLF001  a layout not yet written
    pose = drawer.deferred(engine.x, 0.15, np.zeros(19))
    assert type(pose) is BodyPose
    _assert_equal(pose, drawer.read(engine.x, 0.15, np.zeros(19)))


def test_a_layout_file_gone_is_no_pose_where_received_and_written_again(engine: CompiledSimulation) -> None:
    reader = PoseReader(engine.loaded)
    sent = engine.read_pose(reader, deferred=True)
    layout_file = Path(sent._layout_file)  # noqa: SLF001
    data = pickle.dumps(sent)
    pose_layout._LAYOUTS.clear()  # noqa: SLF001  as in a window that has not read it yet
    layout_file.unlink()
    assert pickle.loads(data) is None  # the drawing keeps its last pose; nothing fails later
    again = engine.read_pose(reader, deferred=True)  # the simulation process writes it again
    assert layout_file.is_file()
    pose_layout._LAYOUTS.clear()  # noqa: SLF001
    _assert_equal(pickle.loads(pickle.dumps(again)), engine.read_pose(reader))
