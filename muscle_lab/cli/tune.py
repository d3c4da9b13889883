"""`tune`: improve a preset, or a controller's parameters, with CMA-ES, its runs in parallel
simulation processes (or on Ray).

Progress goes to stderr, one line per generation; `--json` prints the history and the best
pattern (or parameters) on stdout; `--out NAME` saves the best as a user preset, or, tuning a
controller, `--out FILE.json` writes its parameters for `run --params`; `--state FILE` is written
after every generation and `--resume FILE` carries on from it. Ctrl+C ends every simulation
process; so does a controller that fails (its traceback on stderr, exit status 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from muscle_lab.cli.common import CommandError, describe_stop, exit_status, number, say
from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.core.engine_choice import ENGINE_VARIABLE, ENGINES
from muscle_lab.core.presets.store import PresetExistsError, PresetStore
from muscle_lab.core.simulation.controller_parameters import ParameterError
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, MODES
from muscle_lab.core.simulation.model_file import read_model_summary
from muscle_lab.core.simulation.user_controller import ControllerError
from muscle_lab.core.tune.goal import GOAL_UNITS, GOALS, REWARD, Goal, GoalError
from muscle_lab.core.tune.posture import PostureError, parse_posture
from muscle_lab.core.tune.search import TuneError, TuneProgress, TuneResult, TuneSearch, TuneSettings
from muscle_lab.core.tune.space import TUNABLE, VALUES, SpaceError
from muscle_lab.core.tune.state import TuneStateError

DEFAULT_EVALUATIONS = 100


def add_tune_command(commands: argparse._SubParsersAction) -> None:
    tune = commands.add_parser(
        "tune",
        help="improve a preset, or a controller's parameters, with CMA-ES",
        description="Improve a preset's excitations (and a sequence's phase durations), or the parameters a "
        "controller file declares, with CMA-ES. Each candidate runs from the standing start for --seconds or "
        "until the body falls, in a pool of simulation processes (one per core), or as Ray tasks (--ray).",
    )
    what = tune.add_mutually_exclusive_group()
    what.add_argument("--preset", default="hip-thrust", metavar="NAME", help="the pattern to start from")
    what.add_argument(
        "--controller", metavar="FILE.py[:NAME]", help="tune the parameters the file declares: PARAMETERS = "
        "{'name': (initial, low, high), ...}, each a keyword argument of the controller (see the README)",
    )  # fmt: skip
    tune.add_argument(
        "--tune", choices=TUNABLE, default=VALUES, help="what to change: each phase's values, or the values and "
        "the phases' durations (a sequence preset) (default %(default)s)",
    )  # fmt: skip
    tune.add_argument(
        "--goal", choices=GOALS, default=REWARD, help="reward, reward2: osim-rl's total reward (round 1, 2); "
        "distance: how far the pelvis goes before the fall; upright: seconds before the fall; posture: minus the "
        "RMS distance in degrees from --posture over the horizon's last quarter, 90° per horizon lost to a fall "
        "(default %(default)s)",
    )  # fmt: skip
    tune.add_argument(
        "--posture", metavar="NAME=DEG,...", help="the posture goal's joint angles in degrees, e.g. "
        "'hip_flexion_r=40,knee_angle_r=-60', or a JSON file of {name: degrees}",
    )  # fmt: skip
    tune.add_argument("--target-seed", type=int, default=0, help="round 2's targets, as the env's seed (default 0)")
    tune.add_argument("--seconds", type=number, default=1.0, help="each run's horizon in simulated s (default 1)")
    tune.add_argument(
        "--effort", type=number, default=0.0, help="penalty weight on Σ excitation² × dt over the run (default 0)"
    )
    tune.add_argument("--evaluations", type=int, help=f"budget in runs (default {DEFAULT_EVALUATIONS} without --time)")
    tune.add_argument("--time", type=number, metavar="SECONDS", help="budget in wall seconds")
    tune.add_argument("--seed", type=int, default=1, help="the same seed gives the same search (default 1)")
    tune.add_argument("--population", type=int, help="candidates per generation (default: CMA-ES's, 4 + 3 ln n)")
    tune.add_argument("--sigma", type=number, default=0.2, help="CMA-ES's initial step, in [0, 1] units (default 0.2)")
    tune.add_argument("--workers", type=int, help="simulation processes (default: one per core)")
    tune.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    tune.add_argument("--mode", choices=list(MODES), default=DEFAULT_MODE, help="integrator mode (default %(default)s)")
    tune.add_argument(
        "--engine",
        choices=list(ENGINES),
        default=None,
        help=f"what runs faithful mode (default: ${ENGINE_VARIABLE} or auto)",
    )
    tune.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run the evaluations on a Ray cluster (an address, or 'local'); pip install '.[ray]'",
    )
    tune.add_argument("--json", action="store_true", help="print the history and the best pattern as JSON")
    tune.add_argument(
        "--out", metavar="NAME", help="save the best pattern as a user preset; tuning a controller, write its "
        "parameters to this JSON file (run --controller FILE.py --params it)",
    )  # fmt: skip
    tune.add_argument("--force", action="store_true", help="replace the --out preset or file if it exists")
    tune.add_argument("--state", metavar="FILE", help="write the search's state after every generation")
    tune.add_argument("--resume", metavar="FILE", help="carry on the search saved in FILE (its settings win)")
    tune.set_defaults(handler=command_tune)


def command_tune(args: argparse.Namespace) -> int:
    if args.engine is not None:
        os.environ[ENGINE_VARIABLE] = args.engine  # the simulation processes read it
    evaluations = args.evaluations
    if evaluations is None and args.time is None:
        evaluations = DEFAULT_EVALUATIONS
    try:
        posture = parse_posture(args.posture) if args.posture is not None else ()
        goal = Goal(args.goal, args.seconds, args.effort, args.target_seed, posture)
        settings = TuneSettings(
            args.preset, args.tune, goal, evaluations, args.time, args.seed, args.population, args.sigma,
            args.model, args.mode, args.workers, args.ray, False, args.state, args.controller,
        )  # fmt: skip
        if args.resume:
            search = TuneSearch.resume(args.resume, settings, _print_progress)
        else:
            search = TuneSearch(settings, _print_progress)
    except (TuneError, GoalError, SpaceError, TuneStateError, PostureError, ParameterError, ControllerError) as error:
        raise CommandError(str(error)) from None
    if args.out and search.controller is not None:
        _check_out_file(args)  # before the search, not after it
    for note in search.notes:
        say(note)
    say(f"tuning {search.saved.preset} ({search.space.size} numbers): {search.saved.goal.describe()}")
    try:
        result = search.run()
    except ControllerError as failed:  # in a run: every simulation process has ended
        if failed.details:
            print(failed.details, file=sys.stderr, flush=True)
        saved = args.state and Path(args.state).expanduser().is_file()
        kept = f"; the state after the last whole generation is in {args.state}" if saved else ""
        raise CommandError(f"{failed.message}; the search stopped, no simulation process is left{kept}") from None
    except KeyboardInterrupt as stop:
        result = search.result_so_far()
        _report(args, result)
        say(
            f"{describe_stop(stop)}; no simulation process is left"
            + (f"; resume with --resume {args.state}" if args.state else "")
        )
        return exit_status(stop)
    if args.out:
        _save(args, search, result)
    _report(args, result)
    return 0


def _print_progress(progress: TuneProgress) -> None:
    generation = progress.generation
    if generation is None:
        return
    budget = f"/{progress.budget}" if progress.budget else ""
    print(
        f"muscle_lab: generation {generation.generation}: best {generation.best:.4g}, mean {generation.mean:.4g}; "
        f"best so far {generation.best_so_far:.4g}; {generation.evaluations}{budget} runs, {generation.seconds:.1f} s",
        file=sys.stderr,
        flush=True,
    )


def _check_out_file(args: argparse.Namespace) -> None:
    out = Path(args.out).expanduser()
    if out.exists() and not args.force:
        raise CommandError(f"{out} exists (use --force to replace it)")
    if not out.parent.is_dir():
        raise CommandError(f"cannot write {out}: no folder {out.parent}")


def _save(args: argparse.Namespace, search: TuneSearch, result: TuneResult) -> None:
    if result.controller is not None:
        atomic_write_text(Path(args.out).expanduser(), json.dumps(result.parameters_json(), indent=1) + "\n")
        say(f"wrote the best parameters to {args.out}: run --controller {result.controller} --params {args.out}")
        return
    best = result.best
    assert best is not None  # a preset's search
    model = read_model_summary(search.model_path)
    description = (
        f"Tuned from {result.preset}: {result.goal.describe()} {result.start_score:.4g} -> {result.best_score:.4g} "
        f"({result.evaluations} runs, seed {search.saved.seed})"
    )
    try:
        preset = PresetStore().save(
            args.out, best.muscles, best.for_step(0).tolist(), model=model.name, description=description,
            force=args.force, sequence=None if best.is_constant else best,
        )  # fmt: skip
    except PresetExistsError as error:
        raise PresetExistsError(f"{error} (use --force to replace it)") from None
    say(f"saved the best as preset {preset.name} ({preset.path})")


def _report(args: argparse.Namespace, result: TuneResult) -> None:
    unit = GOAL_UNITS[result.goal.kind]
    if args.json:
        print(json.dumps(result.to_json(), indent=2), flush=True)
    else:
        print(
            f"{result.goal.describe()}: {result.start_score:.4f}{unit} -> {result.best_score:.4f}{unit} "
            f"(+{result.best_score - result.start_score:.4f}) in {result.evaluations} runs, {result.seconds:.1f} s"
            + ("; cancelled" if result.cancelled else ""),
            flush=True,
        )
