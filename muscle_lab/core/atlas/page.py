"""The atlas as a page to share: `index.html` and a heat map PNG (drawn with Pillow), no server.

The animations are rendered by the caller (the renderer is a layer above core) and named here
by file name; every link is relative, so the folder can be moved, zipped or opened from disk.
"""

from __future__ import annotations

import html
import os
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from muscle_lab.core.atlas.effects import CONVENTIONS, coordinate_side, seconds_text
from muscle_lab.core.atlas.runs import AtlasResult, Effect
from muscle_lab.core.atomic import atomic_write_text, create_temporary
from muscle_lab.core.muscle_descriptions import describe, load_descriptions

PAGE_FILE = "index.html"
HEAT_MAP_FILE = "heat_map.png"
BASELINE_KEY = "baseline"
FULL_COLOUR_DEG = 60.0  # a change this large (or larger) gets the strongest colour
SHORT_NAMES = {
    "hip_flexion": "hip flex",
    "hip_adduction": "hip add",
    "hip_rotation": "hip rot",
    "knee_angle": "knee",
    "ankle_angle": "ankle",
    "lumbar_extension": "lumbar",
}
_CELL, _ROW, _LABEL, _HEADER, _MARGIN = 72, 24, 170, 46, 12
_POSITIVE, _NEGATIVE = (200, 40, 40), (40, 80, 200)


def animation_file(key: int | str, name: str) -> str:
    """A safe file name for a run's animation: `muscle_05_iliopsoas_r.gif`, `hip-thrust.gif`."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name).strip(".") or "run"
    return f"muscle_{key:02d}_{safe}.gif" if isinstance(key, int) else f"{safe}.gif"


def short_name(coordinate: str) -> str:
    """ "hip flex R" for hip_flexion_r, "knee L" for knee_angle_l; other names as they are."""
    side = coordinate_side(coordinate)
    base = coordinate[:-2] if coordinate.endswith(("_r", "_l")) else coordinate
    return SHORT_NAMES.get(base, base) + {"right": " R", "left": " L"}.get(side, "")


def sign_legend(coordinates: Sequence[str]) -> str:
    """What + means for these coordinates: "+ = hip flexion, hip adduction, knee extension, ..."."""
    words = []
    for coordinate in coordinates:
        base = coordinate[:-2] if coordinate.endswith(("_r", "_l")) else coordinate
        if base in CONVENTIONS:
            joint, positive, _ = CONVENTIONS[base]
            words.append(f"{joint} {_noun(positive)}")
    return "+ is " + ", ".join(dict.fromkeys(words)) if words else "+ is the coordinate's positive direction"


def cell_box(row: int, column: int) -> tuple[int, int, int, int]:
    """The heat map's cell of a muscle (row) and column: left, top, right, bottom pixels (inclusive)."""
    left = _MARGIN + _LABEL + column * _CELL
    top = _MARGIN + 22 + _HEADER + row * _ROW
    return left, top, left + _CELL - 1, top + _ROW - 1


def heat_map_image(result: AtlasResult) -> Image.Image:
    """Muscles x joint coordinates, signed degrees (red +, blue -), with pelvis change and fall time."""
    font = ImageFont.load_default(size=13)
    small = ImageFont.load_default(size=11)
    columns = [short_name(c) for c in result.coordinates] + ["pelvis mm", "falls at s"]
    rows = len(result.effects)
    width = 2 * _MARGIN + _LABEL + _CELL * len(columns)
    height = 2 * _MARGIN + 22 + _HEADER + _ROW * rows + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    settings = result.settings
    draw.text(
        (_MARGIN, _MARGIN),
        f"{result.model.model_name}: each muscle at {settings.level:g} (others {settings.base:g}), "
        f"{seconds_text(settings.seconds)} s, {settings.mode}; change vs all at {settings.base:g}",
        fill="black",
        font=font,
    )
    top = _MARGIN + 22 + _HEADER
    for column, label in enumerate(columns):
        x = _MARGIN + _LABEL + column * _CELL + _CELL // 2
        draw.text((x, top - 6), label, fill="black", font=small, anchor="md")
    matrix = result.change_matrix()
    for row, effect in enumerate(result.effects):
        y = top + row * _ROW
        draw.text((_MARGIN, y + _ROW // 2), f"{effect.index} {effect.name}", fill="black", font=font, anchor="lm")
        values: list[tuple[float | None, str]] = [(float(v), degrees_text(v)) for v in matrix[row]]
        values.append((None, millimetres_text(effect.pelvis_change_m)))
        values.append((None, f"{effect.fell_at:.2f}" if effect.fell_at is not None else "-"))
        for column, (value, text) in enumerate(values):
            box = cell_box(row, column)
            fill, ink = _cell_colours(value)
            draw.rectangle(box, fill=fill, outline=(225, 225, 225))
            draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), text, fill=ink, font=font, anchor="mm")
            if value is not None and result.coordinates[column] == effect.main_joint:  # framed
                draw.rectangle((box[0] + 1, box[1] + 1, box[2] - 1, box[3] - 1), outline="black", width=2)
    legend = (
        f"degrees at the largest change; {sign_legend(result.coordinates)}; red +, blue -, "
        f"full colour at {FULL_COLOUR_DEG:g}°; framed: the muscle's main joint"
    )
    draw.text((_MARGIN, top + rows * _ROW + 12), legend, fill="black", font=small)
    return image


def write_heat_map(result: AtlasResult, path: str | os.PathLike[str]) -> None:
    """The heat map as a PNG, written atomically."""
    target = Path(path)
    handle, temporary = create_temporary(target)
    os.close(handle)
    try:
        heat_map_image(result).save(temporary, format="PNG")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def page_html(result: AtlasResult, animations: Mapping[int | str, str | None], notes: Sequence[str] = ()) -> str:
    """The page: settings, heat map, the baseline, one section per muscle, then the patterns.

    `animations`: muscle index, pattern name or BASELINE_KEY -> GIF file name (None: none made).
    """
    settings = result.settings
    descriptions = load_descriptions()
    model = result.model
    title = f"Muscle atlas: {model.model_name}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_text(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{_text(title)}</h1>",
        _introduction(result),
        f"<p>Model file: <code>{_text(Path(model.model_path).name)}</code></p>",
        *(f'<p class="note">{_text(note)}</p>' for note in notes),
        f'<p><a href="{HEAT_MAP_FILE}"><img class="map" src="{HEAT_MAP_FILE}" alt="heat map of the changes"></a></p>',
        '<nav><ul class="index">',
        *(
            f'<li><a href="#muscle-{e.index}">{e.index} {_text(e.name)}</a></li>'
            for e in result.effects
            if e.index is not None
        ),
        *(f'<li><a href="#{_anchor(e.name)}">{_text(e.name)}</a></li>' for e in result.patterns),
        "</ul></nav>",
        '<section id="baseline">',
        f"<h2>All at {settings.base:g} (the comparison)</h2>",
        f"<p>{_text(_baseline_sentence(result))}</p>",
        _image(animations.get(BASELINE_KEY), f"all muscles at {settings.base:g}"),
        "</section>",
    ]
    for effect in result.effects:
        assert effect.index is not None
        parts += [
            f'<section id="muscle-{effect.index}">',
            f"<h2>Index {effect.index}: {_text(effect.name)}{f' ({effect.side})' if effect.side else ''}</h2>",
            f'<p class="function">{_text(describe(effect.name, descriptions))}</p>',
            f'<p class="sentence">{_text(effect.sentence)}</p>',
            _image(animations.get(effect.index), f"{effect.index} {effect.name} at {settings.level:g}"),
            _changes_table(effect),
            "</section>",
        ]
    for effect in result.patterns:
        parts += [
            f'<section id="{_anchor(effect.name)}">',
            f"<h2>{_text(_pattern_title(effect.name))}</h2>",
            f'<p class="function">{_text(_pattern_muscles(effect, [m.name for m in model.muscles]))}</p>',
            f'<p class="sentence">{_text(effect.sentence)}</p>',
            _image(animations.get(effect.name), effect.name),
            _changes_table(effect),
            "</section>",
        ]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_page(
    result: AtlasResult,
    folder: str | os.PathLike[str],
    animations: Mapping[int | str, str | None],
    notes: Sequence[str],
) -> Path:
    """The heat map, then `index.html` (last, so a page never names a missing map); returns its path."""
    folder = Path(folder)
    write_heat_map(result, folder / HEAT_MAP_FILE)
    page = folder / PAGE_FILE
    atomic_write_text(page, page_html(result, animations, notes))
    return page


# -- pieces --------------------------------------------------------------------------------
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}"
    "section{border-top:1px solid #ddd;padding:0.5em 0}"
    ".sentence{font-size:1.15em;font-weight:600}.function{color:#555}.note{color:#a40}"
    "img.map{max-width:100%}img.run{display:block;margin:0.5em 0}"
    "table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right}th{text-align:left}"
    "tr.main{font-weight:700}tr.cross td,tr.cross th{color:#777}"
    "ul.index{columns:4;list-style:none;padding:0}"
)


def _text(value: object) -> str:
    return html.escape(str(value), quote=True)


def _introduction(result: AtlasResult) -> str:
    settings = result.settings
    return (
        f"<p>Each of the {len(result.effects)} muscles alone at {settings.level:g} (every other at {settings.base:g}) "
        f"from the standing start, for {seconds_text(settings.seconds)} s or until the pelvis drops below 0.6 m, "
        f"in the {_text(settings.mode)} mode, compared with all muscles at {settings.base:g}. Each change is in "
        f"degrees at the moment it was largest; {_text(sign_legend(result.coordinates))}. The main joint is the "
        "largest change on the muscle's own leg among the joints it crosses; the other leg's moves are cross "
        "effects of the whole body.</p>"
    )


def _anchor(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)


def _image(file: str | None, alt: str) -> str:
    if file is None:
        return '<p class="note">(no animation)</p>'
    return f'<img class="run" src="{urllib.parse.quote(file)}" alt="{_text(alt)}">'


def _changes_table(effect: Effect) -> str:
    rows = ["<table><tr><th>joint</th><th>change</th><th>largest at</th></tr>"]
    for coordinate, change in effect.joint_changes_deg.items():
        cross = effect.side and coordinate_side(coordinate) not in (effect.side, "")
        kind = ' class="main"' if coordinate == effect.main_joint else ' class="cross"' if cross else ""
        label = coordinate + (" (cross effect)" if cross else "")
        rows.append(
            f"<tr{kind}><th>{_text(label)}</th><td>{change:+.1f}°</td>"
            f"<td>{effect.peak_times_s[coordinate]:.2f} s</td></tr>"
        )
    rows.append(f"<tr><th>pelvis height</th><td>{millimetres_text(effect.pelvis_change_m)} mm</td><td></td></tr>")
    fell = f"{effect.fell_at:.2f} s" if effect.fell_at is not None else "no fall"
    rows.append(f"<tr><th>falls at</th><td>{fell}</td><td></td></tr></table>")
    return "".join(rows)


def _baseline_sentence(result: AtlasResult) -> str:
    run = result.baseline
    fell = run.fell_at
    end = f"falls at {fell:.2f} s" if fell is not None else f"stays up for {seconds_text(run.duration)} s"
    return f"With every muscle at {result.settings.base:g} the model {end}."


def _pattern_title(name: str) -> str:
    return "The hip thrust" if name == "hip-thrust" else f"Pattern: {name}"


def _pattern_muscles(effect: Effect, names: Sequence[str]) -> str:
    on = [f"{i} {names[i]} at {v:g}" for i, v in enumerate(effect.run.excitations) if v > 0]
    return "Muscles on: " + (", ".join(on) if on else "none")


def degrees_text(value: float) -> str:
    """ "+38", "-5", and "0" rather than "-0" for what rounds to nothing."""
    return "0" if abs(value) < 0.5 else f"{value:+.0f}"


def millimetres_text(metres: float) -> str:
    """ "+21", "-340", and "0" rather than "-0": the pelvis's change, in mm as the window shows it."""
    return degrees_text(metres * 1000)


def _cell_colours(value: float | None) -> tuple[tuple[int, int, int], str]:
    if value is None:
        return (245, 245, 245), "black"
    strength = min(abs(value) / FULL_COLOUR_DEG, 1.0)
    target = _POSITIVE if value >= 0 else _NEGATIVE
    fill = tuple(round(255 + (channel - 255) * strength) for channel in target)
    return (fill[0], fill[1], fill[2]), "white" if strength > 0.6 else "black"


def _noun(verb: str) -> str:
    """ "flexes" -> "flexion", "dorsiflexes" -> "dorsiflexion", "adducts" -> "adduction"."""
    if verb == "rotates inward":
        return "internal rotation"
    nouns = {"flexes": "flexion", "extends": "extension", "adducts": "adduction", "raises": "raising"}
    for ending, noun in nouns.items():
        if verb.endswith(ending):
            return verb[: -len(ending)] + noun
    return verb
