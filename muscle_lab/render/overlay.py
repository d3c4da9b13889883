"""Text drawn onto rendered frames (Pillow): simulated time, what drives the muscles, labels."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

TEXT_COLOUR = (240, 240, 240, 255)
BOX_COLOUR = (0, 0, 0, 150)
LABEL_BOX = (255, 240, 170, 230)
LABEL_TEXT = (20, 20, 20, 255)


@dataclass(frozen=True)
class Label:
    """Text pointing at a pixel, e.g. "4 glut_max_r" at the muscle's midpoint."""

    x: float
    y: float
    text: str


def muscle_label(index: int, names: Sequence[str]) -> str:
    """How a muscle is named on screen: its excitation index, then its name."""
    return f"{index} {names[index]}" if 0 <= index < len(names) else str(index)


def excitation_summary(excitations: np.ndarray | None, names: Sequence[str], limit: int = 4) -> str:
    """A line saying which muscles are driven: "all 19 at 0.05", or the non-zero ones."""
    if excitations is None or len(excitations) == 0:
        return ""
    values = np.asarray(excitations, dtype=float)
    if np.allclose(values, values[0]):
        return f"all {len(values)} muscles at {values[0]:.2f}"
    on = [i for i in np.argsort(-values, kind="stable") if values[i] > 0]
    parts = [f"{muscle_label(int(i), names)} {values[i]:.2f}" for i in on[:limit]]
    more = f" +{len(on) - limit} more" if len(on) > limit else ""
    return "excitations: " + ", ".join(parts) + more


@functools.lru_cache(maxsize=8)
def font_for(height: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in font, sized to the frame."""
    return ImageFont.load_default(size=max(11, round(height / 36)))


def draw_overlay(image: np.ndarray, lines: Sequence[str], labels: Sequence[Label] = ()) -> np.ndarray:
    """A copy of `image` (RGBA, top row first) with `lines` in a box at the top left and
    each label in a box beside its point."""
    frame = Image.fromarray(image, "RGBA")
    layer = Image.new("RGBA", frame.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    font = font_for(frame.height)
    margin = max(4, frame.height // 80)
    text = "\n".join(line for line in lines if line)
    if text:
        box = draw.multiline_textbbox((2 * margin, 2 * margin), text, font=font, spacing=margin // 2)
        draw.rectangle((box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin), fill=BOX_COLOUR)
        draw.multiline_text((2 * margin, 2 * margin), text, font=font, fill=TEXT_COLOUR, spacing=margin // 2)
    for label in labels:
        origin = (label.x + 2 * margin, label.y - 3 * margin)
        box = draw.textbbox(origin, label.text, font=font)
        draw.line((label.x, label.y, box[0] - margin, box[3]), fill=LABEL_BOX, width=2)
        draw.rectangle((box[0] - margin, box[1] - margin, box[2] + margin, box[3] + margin), fill=LABEL_BOX)
        draw.text(origin, label.text, font=font, fill=LABEL_TEXT)
    return np.asarray(Image.alpha_composite(frame, layer))
