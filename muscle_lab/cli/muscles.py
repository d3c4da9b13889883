"""`muscles` lists what each excitation index drives; `explore` shows what each one does (the atlas, as a table)."""

from __future__ import annotations

import argparse
import json
import sys

from muscle_lab.cli.common import CommandError, add_solo_run_options, check_seconds, check_unit_interval
from muscle_lab.core.atlas.runs import AtlasError, AtlasProgress, AtlasRun, AtlasSettings, effect_json
from muscle_lab.core.muscle_descriptions import describe, load_descriptions, side_of
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.simulation.model_file import read_model_summary


def add_muscle_commands(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("muscles", help="list the muscles: index, name, side, what each does")
    listing.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=command_muscles)

    explore = commands.add_parser(
        "explore", help="turn each muscle on alone and report which joint of its own leg it moves most"
    )
    add_solo_run_options(explore, seconds=0.3)
    explore.add_argument("--json", action="store_true", help="print JSON instead of a table")
    explore.set_defaults(handler=command_explore)


def command_muscles(args: argparse.Namespace) -> int:
    summary = read_model_summary(args.model or default_model_path())
    descriptions = load_descriptions()
    rows = [
        {"index": i, "name": name, "side": side_of(name), "description": describe(name, descriptions)}
        for i, name in enumerate(summary.muscle_names)
    ]
    if args.json:
        print(json.dumps({"model": summary.name, "muscles": rows}, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows)
    for row in rows:
        print(f"{row['index']:>3}  {row['name']:<{width}}  {row['side'] or '-':<5}  {row['description']}")
    return 0


def command_explore(args: argparse.Namespace) -> int:
    """The atlas's comparison as a table: each muscle's main joint on its own side, and its cross effect."""
    check_seconds("--seconds", args.seconds)
    check_unit_interval("--level", args.level)
    check_unit_interval("--base", args.base)
    try:
        settings = AtlasSettings(args.model, args.mode, args.level, args.base, args.seconds)
    except AtlasError as error:
        raise CommandError(str(error)) from None

    def progress(state: AtlasProgress) -> None:
        print(f"\rexplore: {state.runs_done}/{state.runs_total} runs", end="", file=sys.stderr, flush=True)

    show_progress = sys.stderr.isatty() and not args.json
    result = AtlasRun(settings, progress if show_progress else None).run()
    if show_progress:
        print("\r\033[K", end="", file=sys.stderr)
    baseline_fell = result.baseline.fell_at
    if args.json:
        effects = [
            {
                **effect_json(e),
                "joint": e.main_joint,
                "joint_change_deg": round(e.main_change_deg, 2),
                "cross_joint": e.cross_joint,
                "cross_change_deg": None if e.cross_change_deg is None else round(e.cross_change_deg, 2),
                "sentence": e.sentence,
            }
            for e in result.effects
        ]
        explored = {"seconds": args.seconds, "level": args.level, "base": args.base}
        print(json.dumps({**explored, "baseline_fell_at": baseline_fell, "effects": effects}, indent=2))
        return 0
    print(
        f"Each muscle at {args.level:g} (others at {args.base:g}) for {args.seconds:g} s, against all at "
        f"{args.base:g}" + (f" (which falls at {baseline_fell:.2f} s)" if baseline_fell is not None else "")
        + "; changes at their largest"
    )  # fmt: skip
    width = max(len(e.name) for e in result.effects)
    print(f"{'idx':>3}  {'muscle':<{width}}  {'own side: moves most':<26} {'cross effect':<26} {'pelvis':>9}  falls at")
    for e in result.effects:
        own = f"{e.main_joint} {e.main_change_deg:+.1f}°" if e.main_joint else "-"
        cross = (
            f"{e.cross_joint} {e.cross_change_deg:+.1f}°" if e.cross_joint and e.cross_change_deg is not None else "-"
        )
        fell = f"{e.fell_at:.2f} s" if e.fell_at is not None else "-"
        print(f"{e.index:>3}  {e.name:<{width}}  {own:<26} {cross:<26} {e.pelvis_change_m * 100:>+6.1f} cm  {fell}")
    return 0
