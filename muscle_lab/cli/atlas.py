"""`atlas`: every muscle alone, as a page to share (index.html, animations, heat map) or JSON."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from muscle_lab.cli.common import CommandError, add_solo_run_options, check_seconds, check_unit_interval, say
from muscle_lab.core.atlas.runs import (
    AtlasError,
    AtlasProgress,
    AtlasRun,
    AtlasSettings,
    Pattern,
    core_count,
    effect_json,
)
from muscle_lab.core.atomic import check_output_files
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.presets.store import PresetError, schedule_from_preset
from muscle_lab.core.simulation.model_file import read_model_summary

if TYPE_CHECKING:
    from muscle_lab.core.atlas.runs import AtlasResult, RunRecord

HIP_THRUST = "hip-thrust"
VIDEO_SIZE = (320, 240)
VIDEO_SPEED = 0.5  # half of true speed: a 0.5 s run lasts a second on the page


def add_atlas_command(commands: argparse._SubParsersAction) -> None:
    atlas = commands.add_parser(
        "atlas",
        help="every muscle alone: a page (index.html) with an animation, a sentence and the joint changes of each",
        description="Run each muscle alone at --level (the others at --base) from the standing start and compare "
        "it with all at --base. Runs use one simulation process per core and are cached in the user data folder.",
    )
    atlas.add_argument("--out", metavar="DIR", help="write DIR/index.html, one GIF per run and DIR/heat_map.png")
    add_solo_run_options(atlas, seconds=0.5)
    atlas.add_argument("--json", action="store_true", help="print one JSON object per muscle on stdout")
    atlas.add_argument(
        "--preset",
        action="append",
        default=[],
        metavar="NAME",
        help="also run this preset (a sequence plays over time) for the page, beside the hip thrust; repeatable",
    )
    atlas.set_defaults(handler=command_atlas)


def command_atlas(args: argparse.Namespace) -> int:
    check_seconds("--seconds", args.seconds)
    check_unit_interval("--level", args.level)
    check_unit_interval("--base", args.base)
    if args.out is None and not args.json:
        raise CommandError("atlas needs --out DIR (the page), --json, or both")
    out = _prepare_folder(Path(args.out)) if args.out is not None else None
    model = args.model if args.model is not None else str(default_model_path())
    names = read_model_summary(model).muscle_names
    patterns = _patterns([HIP_THRUST, *args.preset], names) if out is not None else ()
    try:
        settings = AtlasSettings(model, args.mode, args.level, args.base, args.seconds, patterns)
    except AtlasError as error:
        raise CommandError(str(error)) from None
    show_progress = sys.stderr.isatty()
    result = AtlasRun(settings, _print_progress if show_progress else None).run()
    if show_progress:
        print("\r\033[K", end="", file=sys.stderr)
    source = "all from the cache" if result.from_cache else f"{result.runs_computed} runs simulated"
    say(f"atlas of {len(result.effects)} muscles in {result.wall_seconds:.1f} s ({source}, {core_count()} cores)")
    for problem in result.cache_problems:
        say(f"atlas cache: {problem}")
    if args.json:
        print(json.dumps([effect_json(effect) for effect in result.effects], indent=2))
    else:
        for effect in result.effects:
            print(effect.sentence)
    if out is not None:
        _write_page(result, out)
    return 0


def _prepare_folder(out: Path) -> Path:
    """The output folder, created if needed, checked before anything runs."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise CommandError(f"--out {out}: not a folder") from None
    except OSError as error:
        raise CommandError(f"--out {out}: cannot create the folder: {error.strerror or error}") from None
    from muscle_lab.core.atlas.page import HEAT_MAP_FILE, PAGE_FILE

    check_output_files([out / PAGE_FILE, out / HEAT_MAP_FILE])
    return out


def _patterns(presets: list[str], names: tuple[str, ...]) -> tuple[Pattern, ...]:
    """The presets run beside the muscles for the page's last section (the hip thrust first), where
    the model has their muscles; a sequence preset plays over time."""
    patterns = []
    for name in dict.fromkeys(presets):  # once each, in order
        try:
            sequence, notes = schedule_from_preset(name, names)
        except PresetError as error:
            say(f"no {name} on the page: {error}")
            continue
        values = sequence.for_step(0)
        if not any(values) and sequence.is_constant:
            say(f"no {name} on the page: this model has none of its muscles ({'; '.join(notes)})")
            continue
        held = None if sequence.is_constant else sequence
        patterns.append(Pattern(name, tuple(float(v) for v in values), held))
    return tuple(patterns)


def _print_progress(progress: AtlasProgress) -> None:
    print(
        f"\ratlas: {progress.runs_done}/{progress.runs_total} runs ({progress.fraction:.0%})",
        end="",
        file=sys.stderr,
        flush=True,
    )


def _write_page(result: AtlasResult, out: Path) -> None:
    from muscle_lab.core.atlas.page import BASELINE_KEY, animation_file, write_page

    started = time.monotonic()
    level, base = result.settings.level, result.settings.base
    runs: list[tuple[int | str, str, RunRecord, str]] = [
        (BASELINE_KEY, animation_file(BASELINE_KEY, "all-at-base"), result.baseline, f"all muscles at {base:g}")
    ]
    runs += [
        (e.index, animation_file(e.index, e.name), e.run, f"{e.index} {e.name} at {level:g}, others at {base:g}")
        for e in result.effects
        if e.index is not None
    ]
    runs += [(e.name, animation_file(e.name, e.name), e.run, e.name) for e in result.patterns]
    animations, notes = _render_animations(result, out, runs)
    page = write_page(result, out, animations, notes)
    made = sum(1 for file in animations.values() if file is not None)
    say(f"wrote {page} ({made} animations, heat map, in {time.monotonic() - started:.1f} s)")


def _render_animations(
    result: AtlasResult, out: Path, runs: list[tuple[int | str, str, RunRecord, str]]
) -> tuple[dict[int | str, str | None], list[str]]:
    """Each run as a GIF, from one camera; without an OpenGL context, none (and a note says why)."""
    from muscle_lab.render.renderer import Renderer, RenderUnavailable
    from muscle_lab.render.scene import fit_camera
    from muscle_lab.render.video import VideoError, render_episode_video

    animations: dict[int | str, str | None] = {key: None for key, *_ in runs}
    scene = result.model.scene
    try:
        renderer = Renderer(VIDEO_SIZE, mesh_cell=0.0)
    except RenderUnavailable as error:
        note = f"no animations: the 3D renderer is unavailable here ({error})"
        say(note)
        return animations, [note]
    notes = []
    try:
        renderer.set_scene(scene)
        first = next((p for p in result.baseline.poses if p is not None), None)
        camera = None if first is None else fit_camera(first, scene, bone_points=renderer.bone_points(first))
        for key, file, run, caption in runs:
            poses = [pose for pose in run.poses if pose is not None]
            try:
                render_episode_video(
                    out / file, scene, poses, speed=VIDEO_SPEED, size=VIDEO_SIZE, camera=camera,
                    caption=caption, renderer=renderer,
                )  # fmt: skip
            except VideoError as error:
                notes.append(f"{file}: {error}")
                say(f"no animation {file}: {error}")
                continue
            animations[key] = file
    finally:
        renderer.release()
    return animations, notes
