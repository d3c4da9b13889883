"""Headless commands: `run` simulates without a window. Imports the core only, never Qt."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from muscle_lab.cli_muscles import add_muscle_commands
from muscle_lab.cli_presets import add_presets_commands
from muscle_lab.core.csv_table import write_csv
from muscle_lab.core.excitations import ExcitationError, parse_excitations
from muscle_lab.core.integrator import DEFAULT_MODE, MODES
from muscle_lab.core.errors import ModelLoadError
from muscle_lab.core.paths import ModelNotFoundError
from muscle_lab.core.presets import PresetError, excitations_from_preset
from muscle_lab.core.recording import Recording
from muscle_lab.core.recording_files import RecordingFileError, check_output_paths, write_controls, write_mot
from muscle_lab.core.replay import ReplayError, load_controls, replay

if TYPE_CHECKING:
    from muscle_lab.core.frame import Frame
    from muscle_lab.core.simulation import Simulation

EXIT_USAGE = 2


class CommandError(Exception):
    """A user error: printed as one line on stderr, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="muscle_lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="simulate without a window")
    source = run.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME", help="excitations from a preset (e.g. hip-thrust)")
    source.add_argument(
        "--excitations", metavar="E0,E1,...", help="one excitation in [0, 1] per muscle, comma-separated"
    )
    source.add_argument(
        "--controls", metavar="PATH", help="replay the excitations of a recorded .sto controls file or CSV"
    )
    run.add_argument(
        "--seconds", type=float, default=None, help="simulated seconds (default 3, or the --controls file's length)"
    )
    run.add_argument("--no-stop", action="store_true", help="keep going after the episode ends (pelvis < 0.6 m)")
    run.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    run.add_argument("--mode", choices=list(MODES), default=DEFAULT_MODE, help="integrator mode (default %(default)s)")
    run.add_argument("--csv", metavar="PATH", help="write one row per step to this CSV file")
    run.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    run.add_argument("--mot", metavar="PATH", help="write the motion (coordinates, activations) as an OpenSim .mot")
    run.add_argument("--sto", metavar="PATH", help="write the excitations as an OpenSim controls .sto")
    run.set_defaults(handler=command_run)
    add_presets_commands(commands)
    add_muscle_commands(commands)
    return parser


def command_run(args: argparse.Namespace) -> int:
    if args.seconds is not None and args.seconds <= 0:
        raise CommandError(f"--seconds must be positive, got {args.seconds:g}")
    check_output_paths([args.csv, args.mot, args.sto])
    from muscle_lab.core.simulation import Simulation  # loads OpenSim: only for commands that simulate

    simulation = Simulation(args.model, MODES[args.mode])
    schedule = load_controls(args.controls, simulation.muscle_names) if args.controls else None
    if schedule is not None and args.seconds is None and schedule.steps < 1:
        raise CommandError(f"{args.controls}: it lasts {schedule.duration:g} s; give --seconds")
    if args.seconds is None:
        args.seconds = schedule.duration if schedule is not None else 3.0
    if args.preset:
        excitations, notes = excitations_from_preset(args.preset, simulation.muscle_names)
        simulation.set_excitations(excitations)
    elif args.excitations:
        notes = simulation.set_excitations(parse_excitations(args.excitations))
    else:
        notes = []
    for note in notes:
        print(f"muscle_lab: {note}", file=sys.stderr)

    started = time.perf_counter()
    if schedule is not None:
        frames = replay(simulation, schedule, args.seconds, stop_at_done=not args.no_stop)
    else:
        frames = simulation.run(args.seconds, stop_at_done=not args.no_stop)
    wall = time.perf_counter() - started
    last = frames[-1] if frames else simulation.frame

    if args.csv:
        write_csv(args.csv, frames, simulation.joint_angle_names, simulation.muscle_names)
    if args.mot or args.sto:
        write_opensim_files(args, simulation, frames)
    summary = {
        "steps": len(frames),
        "sim_time": round(last.time, 6),
        "wall_time": round(wall, 4),
        "realtime_factor": round(last.time / wall, 4) if wall > 0 else None,
        "total_reward": last.total_reward,
        "done": last.done,
        "final_pelvis_height": last.pelvis_height,
        "muscles": list(simulation.muscle_names),
        "model": str(simulation.model_path),
        "mode": simulation.integrator.name,
        "error": last.error,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        state = "failed" if last.error else ("done (fell)" if last.done else "running")
        print(
            f"{summary['steps']} steps, {summary['sim_time']:.2f} s simulated in {wall:.2f} s "
            f"({summary['realtime_factor']}x real time); total reward {last.total_reward:.3f}; "
            f"pelvis {last.pelvis_height:.3f} m; {state}"
        )
    if last.error:
        print(f"muscle_lab: {last.error}", file=sys.stderr)
        return 1
    return 0


def write_opensim_files(args: argparse.Namespace, simulation: Simulation, frames: list[Frame]) -> None:
    """`--mot` and `--sto`: the run's steps as an OpenSim motion and an OpenSim controls file."""
    recording = Recording.for_simulation(simulation)
    recording.extend(frames)
    if not len(recording):
        print("muscle_lab: no step completed, so no --mot/--sto file was written", file=sys.stderr)
        return
    if args.mot:
        write_mot(args.mot, recording)
    if args.sto:
        write_controls(args.sto, recording)


USER_ERRORS = (
    CommandError, ExcitationError, ModelLoadError, ModelNotFoundError, PresetError, OSError,
    ReplayError, RecordingFileError,
)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except BrokenPipeError:  # e.g. `presets show NAME | head`: the reader left, nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from raising again
        return 0
    except USER_ERRORS as error:
        print(f"muscle_lab: error: {error}", file=sys.stderr)
        return EXIT_USAGE
