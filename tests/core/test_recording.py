"""Recording frames in columns, and saving them in formats OpenSim's own readers load."""

from __future__ import annotations

import dataclasses

import numpy as np
import opensim
import pytest

from muscle_lab.core.csv_table import frames_to_csv
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.recording.columns import Recording, RecordingError, RecordingNames
from muscle_lab.core.recording.files import (
    RecordingFileError,
    activation_label,
    csv_text,
    save_recording,
    write_controls,
    write_mot,
)
from muscle_lab.core.simulation.engine import Simulation


def labels_of(storage: opensim.Storage) -> list[str]:
    array = storage.getColumnLabels()
    return [array.get(i) for i in range(array.getSize())]


def switching_patterns(muscles: int) -> list[np.ndarray]:
    """Three excitation patterns, 0.1 s each: low tone, a hip thrust, a ramp across muscles."""
    thrust = np.zeros(muscles)
    thrust[[2, 4, 10, 12]] = 1.0
    return [np.full(muscles, 0.05), thrust, np.linspace(0.0, 0.6, muscles)]


@pytest.fixture(scope="module")
def run():
    """A real 0.3 s run whose excitations switch at 0.1 s and 0.2 s."""
    simulation = Simulation()
    patterns = switching_patterns(len(simulation.muscle_names))
    frames = [simulation.reset()]
    for step in range(30):
        simulation.set_excitations(patterns[step // 10])
        frames.append(simulation.step())
    return simulation, frames, patterns


@pytest.fixture
def recording(run):
    simulation, frames, _ = run
    recording = Recording.for_simulation(simulation)
    recording.extend(frames)
    return recording


def test_every_step_is_kept_in_columns(run, recording):
    simulation, frames, _ = run
    steps = frames[1:]  # the reset frame (step 0) integrates nothing and is not kept
    assert len(recording) == 30
    assert recording.time.tolist() == [f.time for f in steps]
    assert recording.step.tolist() == [f.step for f in steps]
    np.testing.assert_array_equal(recording.excitations, [f.excitations for f in steps])
    np.testing.assert_array_equal(recording.activations, [f.activations for f in steps])
    np.testing.assert_array_equal(recording.coordinates, [f.coordinates for f in steps])
    np.testing.assert_array_equal(recording.joint_angles, [f.joint_angles for f in steps])
    assert recording.pelvis_height.tolist() == [f.pelvis_height for f in steps]
    assert recording.pelvis_vx.tolist() == [f.pelvis_vx for f in steps]
    assert recording.reward.tolist() == [f.reward for f in steps]
    assert recording.total_reward.tolist() == [f.total_reward for f in steps]
    assert recording.done.tolist() == [f.done for f in steps]
    assert recording.excitations.shape == (30, len(simulation.muscle_names))
    assert recording.coordinates.shape == (30, len(simulation.coordinate_names))


def test_a_failure_frame_is_not_kept_twice(run, recording):
    _, frames, _ = run
    failed = dataclasses.replace(frames[-1], error="integration failed", done=True)
    assert recording.append(failed) is False
    assert len(recording) == 30


def test_storage_grows_by_doubling_into_one_float_block(run):
    simulation, frames, _ = run
    recording = Recording(RecordingNames.from_simulation(simulation), capacity=4)
    capacities = []
    template = frames[5]
    for step in range(1, 1001):
        recording.append(dataclasses.replace(template, step=step, time=step * 0.01))
        capacities.append(recording.capacity)
    assert sorted(set(capacities)) == [4 * 2**k for k in range(9)]  # 4, 8, ..., 1024
    assert recording.capacity == 1024
    # One float64 block: 8 bytes a number, whatever the length, no per-step objects.
    assert recording.nbytes == recording.capacity * recording.width * 8
    assert recording.width == 10 + 2 * 19 + 17 + 11  # 10 scalars (your reward and its total among them)
    assert recording.time[-1] == pytest.approx(10.0)


def test_time_going_back_means_a_reset_and_is_refused(run, recording):
    _, frames, _ = run
    with pytest.raises(RecordingError, match="not after the last recorded one"):
        recording.append(frames[3])
    assert len(recording) == 30


def test_views_are_read_only_and_survive_clear(recording):
    heights = recording.pelvis_height
    copy = heights.copy()
    with pytest.raises(ValueError, match="read-only"):
        heights[0] = 0.0
    recording.clear()
    assert len(recording) == 0
    np.testing.assert_array_equal(heights, copy)


def test_csv_is_the_run_csv_table(run, recording):
    simulation, frames, _ = run
    assert csv_text(recording) == frames_to_csv(frames[1:], simulation.joint_angle_names, simulation.muscle_names)


def test_csv_carries_your_reward_as_run_csv_does_with_reward(run):
    """Frames with your reward (set here as the simulation process sets it: a value and a running
    total; one step where it was not computed) give `run --csv --reward`'s table."""
    simulation, frames, _ = run
    total, yours = 0.0, []
    for frame in frames[1:]:
        value = None if frame.step == 7 else frame.pelvis_height - frame.pelvis_vx
        total += value or 0.0
        yours.append(dataclasses.replace(frame, user_reward=value, user_total_reward=None if value is None else total))
    recording = Recording.for_simulation(simulation)
    recording.extend(yours)

    assert recording.has_user_reward
    text = csv_text(recording)
    assert text == frames_to_csv(yours, simulation.joint_angle_names, simulation.muscle_names, user_reward=True)
    assert text.splitlines()[0].startswith(
        "time,pelvis_height,pelvis_vx,reward,total_reward,user_reward,user_total_reward,"
    )


def test_csv_without_your_reward_has_no_such_columns(recording):
    assert not recording.has_user_reward and "user_reward" not in csv_text(recording).splitlines()[0]


def test_mot_loads_in_opensim_with_coordinate_names_in_degrees(run, recording, tmp_path):
    simulation, _, _ = run
    path = tmp_path / "walk.mot"
    write_mot(path, recording)

    table = opensim.TimeSeriesTable(str(path))
    labels = list(table.getColumnLabels())
    coordinates = list(simulation.coordinate_names)
    assert labels == coordinates + [activation_label(m) for m in simulation.muscle_names]
    assert table.getTableMetaDataAsString("inDegrees") == "yes"
    assert np.allclose(list(table.getIndependentColumn()), recording.time)
    rotation = np.array(simulation.loaded.coordinate_is_rotation)
    values = table.getMatrix().to_numpy()
    expected = np.where(rotation, np.degrees(recording.coordinates), recording.coordinates)
    np.testing.assert_allclose(values[:, : len(coordinates)], expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(values[:, len(coordinates) :], recording.activations, rtol=1e-12)
    hip = coordinates.index("hip_flexion_r")
    assert rotation[hip] and abs(values[-1, hip]) > 1.0  # degrees, not radians

    storage = opensim.Storage(str(path))
    assert storage.isInDegrees()
    assert storage.getSize() == len(recording)
    assert labels_of(storage) == ["time", *labels]


def test_mot_becomes_full_model_states_as_the_opensim_gui_does(run, recording, tmp_path):
    """The GUI converts the motion to radians and forms states: coordinates and activations land."""
    simulation, _, _ = run
    path = tmp_path / "walk.mot"
    write_mot(path, recording)
    model = simulation.loaded.full_model  # the model as written, as the GUI opens it
    motion = opensim.Storage(str(path))
    model.getSimbodyEngine().convertDegreesToRadians(motion)
    states = opensim.Storage()
    model.formStateStorage(motion, states, False)

    labels = labels_of(states)[1:]
    last = states.getStateVector(states.getSize() - 1).getData()
    values = dict(zip(labels, (last.get(i) for i in range(last.getSize())), strict=True))
    for coordinate, expected in zip(simulation.loaded.full_coordinates, recording.coordinates[-1], strict=True):
        assert values[f"{coordinate.getAbsolutePathString()}/value"] == pytest.approx(expected, abs=1e-9)
    for muscle, expected in zip(simulation.muscle_names, recording.activations[-1], strict=True):
        assert values[f"/forceset/{muscle}/activation"] == pytest.approx(expected, abs=1e-12)


def test_controls_sto_is_read_by_opensim_control_set(run, recording, tmp_path):
    simulation, _, patterns = run
    path = tmp_path / "controls.sto"
    write_controls(path, recording)

    table = opensim.TimeSeriesTable(str(path))
    assert list(table.getColumnLabels()) == list(simulation.muscle_names)
    times = list(table.getIndependentColumn())
    assert times[0] == 0.0 and times[-1] == pytest.approx(0.3) and len(times) == 31

    controls = opensim.ControlSet(opensim.Storage(str(path)))
    assert [controls.get(i).getName() for i in range(controls.getSize())] == list(simulation.muscle_names)
    for time, pattern in ((0.05, patterns[0]), (0.15, patterns[1]), (0.25, patterns[2])):
        values = [opensim.ControlLinear.safeDownCast(controls.get(i)).getControlValue(time) for i in range(19)]
        np.testing.assert_allclose(values, pattern, atol=1e-12)


def test_controls_sto_drives_opensim_forward_tool(run, recording, tmp_path):
    """The Forward Dynamics tool, set up as the GUI does, applies our excitations."""
    simulation, _, patterns = run
    write_controls(tmp_path / "controls.sto", recording)
    setup = tmp_path / "forward_setup.xml"
    setup.write_text(
        f"""<?xml version="1.0" encoding="UTF-8" ?>
<OpenSimDocument Version="40600">
  <ForwardTool name="replay">
    <model_file>{default_model_path()}</model_file>
    <results_directory>{tmp_path / "results"}</results_directory>
    <initial_time>0</initial_time>
    <final_time>0.25</final_time>
    <ControllerSet name="Controllers"><objects>
      <ControlSetController name="recorded"><controls_file>controls.sto</controls_file></ControlSetController>
    </objects><groups /></ControllerSet>
  </ForwardTool>
</OpenSimDocument>
"""
    )
    tool = opensim.ForwardTool(str(setup))
    assert tool.run()
    applied = opensim.Storage(str(tmp_path / "results" / "replay_controls.sto"))
    assert labels_of(applied)[1:] == list(simulation.muscle_names)
    for time, pattern in ((0.05, patterns[0]), (0.15, patterns[1]), (0.245, patterns[2])):
        row = applied.getStateVector(applied.findIndex(time)).getData()
        np.testing.assert_allclose([row.get(i) for i in range(19)], pattern, atol=1e-6)


def test_save_picks_the_format_from_the_extension(recording, tmp_path):
    assert save_recording(tmp_path / "a.csv", recording) == "CSV table"
    assert save_recording(tmp_path / "a.MOT", recording) == "OpenSim motion"
    assert save_recording(tmp_path / "a.sto", recording) == "OpenSim controls"
    assert (tmp_path / "a.csv").read_text().startswith("time,pelvis_height")
    mot_header = "a\nversion=1\nnRows=30\nnColumns=37\ninDegrees=yes\nendheader\n"
    assert (tmp_path / "a.MOT").read_text().startswith(mot_header)
    assert (tmp_path / "a.sto").read_text().startswith("a\nversion=1\nnRows=31\nnColumns=20\ninDegrees=no\nendheader\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.MOT", "a.csv", "a.sto"]  # no temp files left


def test_unknown_format_and_empty_recording_are_refused(run, recording, tmp_path):
    with pytest.raises(RecordingFileError, match=r"unknown format '\.txt'"):
        save_recording(tmp_path / "a.txt", recording)
    empty = Recording.for_simulation(run[0])
    with pytest.raises(RecordingFileError, match="nothing recorded yet"):
        save_recording(tmp_path / "b.mot", empty)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_keeps_the_previous_file(recording, tmp_path):
    target = tmp_path / "kept.mot"
    target.write_text("previous")
    with pytest.raises(RecordingFileError):
        write_mot(target, Recording(recording.names))
    assert target.read_text() == "previous"
