"""An animated GIF written one frame at a time: memory holds one frame, whatever the length.

Pillow's multi-frame save keeps every frame until the end (a 4096x4096 export peaked at 2.8 GB
for 61 frames). Here Pillow encodes each frame alone, as a one-frame GIF in memory, and its
image block is copied to the file with that frame's palette as a local colour table, after a
graphic control block that gives its delay.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from typing import BinaryIO

import numpy as np

_LOOP_FOREVER = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
_TRAILER = b"\x3b"


def write_gif(stream: BinaryIO, frames: Iterable[np.ndarray], delays_ms: Iterable[int]) -> int:
    """Write RGB frames (h x w x 3, uint8), each shown for its delay (rounded to 10 ms), looping;
    returns the frame count. Each frame is quantized to its own 256 colours."""
    count = 0
    for frame, delay in zip(frames, delays_ms, strict=False):
        palette, descriptor, data = _one_frame(frame)
        if count == 0:
            height, width = frame.shape[:2]
            # Logical screen: no global colour table (every frame has its own), 8-bit colour resolution.
            stream.write(b"GIF89a" + struct.pack("<HHBBB", width, height, 0x70, 0, 0) + _LOOP_FOREVER)
        centiseconds = max(0, round(delay / 10))
        stream.write(b"\x21\xf9\x04\x04" + struct.pack("<H", centiseconds) + b"\x00\x00")
        size_bits = (len(palette) // 3).bit_length() - 2  # a table of 2^(n+1) colours
        interlaced = descriptor[9] & 0x40  # as Pillow encoded the rows
        stream.write(descriptor[:9] + bytes([0x80 | interlaced | size_bits]) + palette + data)
        stream.flush()  # on disk now: the next frame does not wait with it in memory
        count += 1
    stream.write(_TRAILER)
    return count


def _one_frame(frame: np.ndarray) -> tuple[bytes, bytes, bytes]:
    """(colour table, image descriptor, LZW data) of the frame encoded alone by Pillow."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(frame)).quantize(256, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="GIF", optimize=False)
    gif = buffer.getvalue()
    flags = gif[10]
    table_end = 13 + (3 << ((flags & 0x07) + 1) if flags & 0x80 else 0)
    palette = gif[13:table_end] if flags & 0x80 else b""
    position = table_end
    while gif[position] == 0x21:  # extensions Pillow wrote: skipped, their sub-blocks too
        position = _after_sub_blocks(gif, position + 2)
    if gif[position] != 0x2C:
        raise ValueError("Pillow wrote an unexpected GIF block")
    descriptor = gif[position : position + 10]
    position += 10
    if descriptor[9] & 0x80:  # a local table of its own instead: that is the frame's palette
        local_end = position + (3 << ((descriptor[9] & 0x07) + 1))
        palette, position = gif[position:local_end], local_end
    end = _after_sub_blocks(gif, position + 1)  # the LZW code size, then the data sub-blocks
    if not palette:
        raise ValueError("Pillow wrote a GIF frame without colours")
    return palette, descriptor, gif[position:end]


def _after_sub_blocks(gif: bytes, position: int) -> int:
    while gif[position]:
        position += gif[position] + 1
    return position + 1
