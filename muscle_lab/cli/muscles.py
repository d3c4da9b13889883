"""`muscles` lists what each excitation index drives; `explore` shows what each one does."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from muscle_lab.cli.common import check_seconds, check_unit_interval, number
from muscle_lab.core.integrator import DEFAULT_MODE, MODES
from muscle_lab.core.model_file import read_model_summary
from muscle_lab.core.muscle_descriptions import describe, load_descriptions, side_of
from muscle_lab.core.paths import default_model_path


def add_muscle_commands(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("muscles", help="list the muscles: index, name, side, what each does")
    listing.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(handler=command_muscles)

    explore = commands.add_parser("explore", help="turn each muscle on alone and report which joint it moves most")
    explore.add_argument("--seconds", type=number, default=0.3, help="simulated seconds per muscle (default 0.3)")
    explore.add_argument("--level", type=number, default=1.0, help="excitation of the muscle under test (default 1)")
    explore.add_argument("--base", type=number, default=0.0, help="excitation of all the others (default 0)")
    explore.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    explore.add_argument(
        "--mode", choices=list(MODES), default=DEFAULT_MODE, help="integrator mode (default %(default)s)"
    )
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
    check_seconds("--seconds", args.seconds)
    check_unit_interval("--level", args.level)
    check_unit_interval("--base", args.base)
    from muscle_lab.core.explore import explore  # loads OpenSim: only for commands that simulate
    from muscle_lab.core.simulation import Simulation

    simulation = Simulation(args.model, MODES[args.mode])

    def progress(index: int, count: int) -> None:
        print(f"\rmuscle {index + 1}/{count}", end="", file=sys.stderr, flush=True)

    show_progress = sys.stderr.isatty() and not args.json
    result = explore(simulation, args.seconds, args.level, args.base, progress if show_progress else None)
    if args.json:
        print(json.dumps(dataclasses.asdict(result), indent=2))
        return 0
    if show_progress:
        print("\r", end="", file=sys.stderr)
    print(
        f"Each muscle at {args.level:g} (others at {args.base:g}) for {args.seconds:g} s, against all at "
        f"{args.base:g}" + (f" (which falls at {result.baseline_fell_at:.2f} s)" if result.baseline_fell_at else "")
    )
    width = max(len(e.muscle) for e in result.effects)
    print(f"{'idx':>3}  {'muscle':<{width}}  {'moves most':<28} {'pelvis up':>10} {'forward':>9}  fell at")
    for e in result.effects:
        moved = f"{e.joint} {e.joint_change_deg:+.1f}°"
        fell = f"{e.fell_at:.2f} s" if e.fell_at is not None else "-"
        print(
            f"{e.index:>3}  {e.muscle:<{width}}  {moved:<28} {e.pelvis_height_change_m * 100:>+8.1f} cm "
            f"{e.pelvis_forward_change_m * 100:>+6.1f} cm  {fell}"
        )
    return 0
