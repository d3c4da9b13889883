"""The streamed GIF writer (issue 20: an export held every frame): read back by Pillow, each
frame written before the next is made."""

from __future__ import annotations

import itertools

import numpy as np
from PIL import Image

from muscle_lab.render.gif import write_gif


def frames(count: int, size=(48, 64)):
    """Frames of a few flat colours each (fewer than 256: quantizing keeps them exactly)."""
    rng = np.random.default_rng(3)
    for k in range(count):
        colours = rng.integers(0, 256, size=(4, 3), dtype=np.uint8)
        yield colours[(np.arange(size[0])[:, None] // 12 + np.arange(size[1])[None, :] // 16 + k) % 4]


def test_frames_and_delays_read_back_exactly(tmp_path):
    path = tmp_path / "a.gif"
    with path.open("wb") as stream:
        assert write_gif(stream, frames(7), [30, 40, 30, 30, 40, 30, 30]) == 7
    with Image.open(path) as gif:
        assert gif.n_frames == 7 and gif.size == (64, 48) and gif.info["loop"] == 0
        for index, expected in enumerate(frames(7)):
            gif.seek(index)
            assert gif.info["duration"] == [30, 40, 30, 30, 40, 30, 30][index]
            assert np.array_equal(np.asarray(gif.convert("RGB")), expected)


def test_each_frame_is_on_disk_before_the_next_is_made(tmp_path):
    path = tmp_path / "b.gif"
    sizes: list[int] = []

    def watched():
        for frame in frames(5):
            sizes.append(path.stat().st_size)  # what was written before this frame was made
            yield frame

    with path.open("wb") as stream:
        write_gif(stream, watched(), iter(lambda: 30, None))
    assert sizes[0] == 0 and all(later > earlier for earlier, later in itertools.pairwise(sizes))
