"""`run --video`: the run rendered offscreen to a GIF or an MP4, one frame per 1/30 s of video time."""

from __future__ import annotations

import av
import pytest
from PIL import Image

from muscle_lab.cli import main


@pytest.mark.parametrize(("speed", "frames"), [("1", 13), ("0.25", 50)])
def test_the_hip_thrust_as_a_gif_has_a_frame_per_thirtieth_of_video_time(tmp_path, capsys, speed, frames):
    gif = tmp_path / "thrust.gif"
    status = main(["run", "--preset", "hip-thrust", "--seconds", "1", "--video", str(gif), "--video-speed", speed,
                   "--video-size", "320x240"])  # fmt: skip
    assert status == 0
    # The episode ends at 0.41 s: 0.41 s x 30 frames/s / speed, plus the first frame.
    with Image.open(gif) as image:
        assert image.n_frames == frames and image.size == (320, 240)
    assert f"wrote {frames} video frames" in capsys.readouterr().err


def test_the_mp4_decodes_to_the_same_number_of_frames(tmp_path):
    mp4 = tmp_path / "thrust.mp4"
    assert (
        main(["run", "--preset", "hip-thrust", "--seconds", "1", "--video", str(mp4), "--video-size", "320x240"]) == 0
    )
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.format.name == "yuv420p"
        assert sum(1 for _ in container.decode(stream)) == 13


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--video", "out.avi"], "unknown video format 'out.avi': use .gif or .mp4"),
        (["--video", "out.gif", "--video-speed", "0"], "video speed must be between 0.05 and 20.0 (got 0.0)"),
        (["--video", "out.gif", "--video-size", "641x480"], "video size must be even numbers from 16 to 4096"),
        (["--video", "out.gif", "--csv", "out.gif"], "out.gif"),
    ],
)
def test_bad_video_options_are_refused_before_simulating(tmp_path, capsys, monkeypatch, options, message):
    monkeypatch.chdir(tmp_path)
    assert main(["run", "--preset", "hip-thrust", *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("muscle_lab: error: ") and message in err and err.count("\n") == 1
    assert not list(tmp_path.iterdir())  # nothing was written


def test_a_video_file_follows_the_umask_like_every_output(tmp_path):
    import os
    import stat

    gif = tmp_path / "thrust.gif"
    previous = os.umask(0o022)
    try:
        assert main(["run", "--preset", "hip-thrust", "--seconds", "0.05", "--video", str(gif)]) == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(gif.stat().st_mode) == 0o644  # not mkstemp's 0600
