"""Videos of the hip thrust, read back: GIF with Pillow, MP4 with PyAV."""

from __future__ import annotations

import sys

import av
import numpy as np
import pytest
from PIL import Image

from muscle_lab.render.scene import MuscleStyle
from muscle_lab.render.video import MP4_MISSING, VideoError, render_episode_video, video_frame_times

SMALL = (160, 120)


def _expected_frames(poses, speed: float) -> int:
    return len(video_frame_times(poses[0].time, poses[-1].time, speed))


@pytest.mark.parametrize("speed", [1.0, 0.25])
def test_gif_has_one_frame_per_thirtieth_of_a_second_of_video(hip_thrust, tmp_path, speed):
    path = tmp_path / "thrust.gif"
    count = render_episode_video(path, hip_thrust.scene, hip_thrust.poses, speed=speed, size=SMALL)
    # 0.2 s simulated: 7 frames at full speed, 25 at a quarter.
    assert count == {1.0: 7, 0.25: 25}[speed] == _expected_frames(hip_thrust.poses, speed)
    with Image.open(path) as gif:
        assert gif.n_frames == count
        assert gif.size == SMALL
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert sum(durations) == pytest.approx(1000 * count / 30, abs=10)


def test_mp4_decodes_to_the_same_number_of_frames(hip_thrust, tmp_path):
    path = tmp_path / "thrust.mp4"
    count = render_episode_video(path, hip_thrust.scene, hip_thrust.poses, speed=0.5, size=SMALL)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
        assert stream.format.name == "yuv420p"
    assert len(frames) == count == _expected_frames(hip_thrust.poses, 0.5)
    assert frames[0].shape == (SMALL[1], SMALL[0], 3)
    assert not np.array_equal(frames[0], frames[-1])  # the body moved


def test_frames_show_the_pose_of_their_time_with_the_overlay(hip_thrust, tmp_path):
    path = tmp_path / "labelled.gif"
    render_episode_video(
        path,
        hip_thrust.scene,
        hip_thrust.poses,
        size=(320, 240),
        caption="preset: hip-thrust",
        style=MuscleStyle(highlighted=(4,)),
    )
    with Image.open(path) as gif:
        gif.seek(0)
        first = np.asarray(gif.convert("RGB")).astype(int)
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB")).astype(int)
    box = first[4:20, 4:60]  # the text box at the top left: dark with light letters
    assert box.min() < 40 and box.max() > 200
    red = (last[:, :, 0] > 3 * last[:, :, 2]) & (last[:, :, 0] > 90)
    assert red.sum() > 20  # the thrust's muscles are on by the end
    first_red = (first[:, :, 0] > 3 * first[:, :, 2]) & (first[:, :, 0] > 90)
    assert first_red.sum() < red.sum() / 4  # and were off at the start


def test_mp4_without_pyav_names_the_extra(hip_thrust, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # what `import av` meets when PyAV is not installed
    path = tmp_path / "thrust.mp4"
    with pytest.raises(VideoError) as raised:
        render_episode_video(path, hip_thrust.scene, hip_thrust.poses)
    assert str(raised.value) == MP4_MISSING
    assert "pip install .[video]" in MP4_MISSING
    assert list(tmp_path.iterdir()) == []


def test_unknown_formats_odd_sizes_and_empty_runs_are_refused(hip_thrust, tmp_path):
    with pytest.raises(VideoError, match=r"^unknown video format 'run.avi': use .gif or .mp4$"):
        render_episode_video(tmp_path / "run.avi", hip_thrust.scene, hip_thrust.poses)
    with pytest.raises(VideoError, match=r"^video size must be even numbers \(got 161x120\)$"):
        render_episode_video(tmp_path / "run.gif", hip_thrust.scene, hip_thrust.poses, size=(161, 120))
    with pytest.raises(VideoError, match=r"^no poses to render: run the simulation first$"):
        render_episode_video(tmp_path / "run.gif", hip_thrust.scene, [])
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_export_writes_nothing(hip_thrust, tmp_path):
    seen = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 3

    with pytest.raises(VideoError, match=r"^video export cancelled$"):
        render_episode_video(tmp_path / "run.gif", hip_thrust.scene, hip_thrust.poses, size=SMALL, progress=progress)
    assert seen == [(1, 7), (2, 7), (3, 7)]
    assert list(tmp_path.iterdir()) == []
