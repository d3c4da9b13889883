"""`run`: simulate without a window, and write the steps as CSV, OpenSim motion and controls files.

Everything that can be checked is checked before OpenSim loads (options, output paths); the
outputs are written together at the end, also when Ctrl+C or SIGTERM stops the stepping.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from muscle_lab.cli.common import (
    EXIT_FAILED,
    EXIT_STATUS_HELP,
    EXIT_USAGE,
    CommandError,
    check_seconds,
    describe_stop,
    exit_status,
    number,
    say,
)
from muscle_lab.core.atomic import check_output_files, write_files_together
from muscle_lab.core.csv_table import frames_to_csv
from muscle_lab.core.engine_choice import ENGINE_VARIABLE, ENGINES
from muscle_lab.core.excitations import parse_excitations
from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.presets.sequence import StepSchedule
from muscle_lab.core.presets.store import schedule_from_preset
from muscle_lab.core.recording.columns import Recording
from muscle_lab.core.recording.files import controls_text, mot_text
from muscle_lab.core.recording.replay import ControlsSchedule, load_controls
from muscle_lab.core.reward import TIME_LIMIT_STEPS, describe_end
from muscle_lab.core.simulation.controller_parameters import ParameterError, load_params_file, read_parameters
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, MODES, settings_for
from muscle_lab.core.simulation.process import SimulationProcess
from muscle_lab.core.simulation.protocol import StepTimeout
from muscle_lab.core.simulation.user_controller import ControllerError, ControllerSpec
from muscle_lab.core.simulation.user_reward import RewardError, parse_reward_spec

if TYPE_CHECKING:
    from collections.abc import Callable

    from muscle_lab.core.simulation.pose import BodyPose


DEFAULT_SECONDS = 3.0
PROGRESS_EVERY_SECONDS = 1.0  # wall clock between two --progress lines


def add_run_command(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser(
        "run",
        help="simulate without a window",
        description="Simulate without a window. Output files are checked before the simulation starts and "
        "written together at the end: if one cannot be written, none is. Ctrl+C (or SIGTERM) stops the run "
        "cleanly, even in the middle of a long step: the steps so far are written and the summary says it "
        "was interrupted. OpenSim runs in a child process, so a step that never ends can be given up "
        "(--step-timeout).",
        epilog=EXIT_STATUS_HELP,
    )
    source = run.add_mutually_exclusive_group()
    source.add_argument(
        "--preset",
        metavar="NAME",
        help="excitations from a preset (e.g. hip-thrust); a sequence preset plays over time, each step "
        "with its values at the step's start",
    )
    source.add_argument(
        "--excitations", metavar="E0,E1,...", help="one excitation in [0, 1] per muscle, comma-separated"
    )
    source.add_argument(
        "--controls", metavar="PATH", help="replay the excitations of a recorded .sto controls file or CSV"
    )
    source.add_argument(
        "--controller",
        metavar="FILE.py[:NAME]",
        help="your controller, called every step with osim-rl's observation: a function f(observation) -> "
        "excitations, or an object with act(observation) (default NAME: controller). An error, NaN, a wrong "
        "length or a call over 1 s ends the run (exit 2, the steps so far written)",
    )
    run.add_argument(
        "--params",
        metavar="FILE.json",
        help="values of the parameters the --controller file declares (PARAMETERS), as `tune --controller ... --out` "
        "writes them, or a JSON object of name: value; those it does not name keep their initial values",
    )
    run.add_argument(
        "--reward",
        metavar="FILE.py[:NAME]",
        help="your reward, called after every step with osim-rl's state descriptions: a function "
        "f(state_desc, prev_state_desc) -> float (default NAME: reward). Its per-step value and total go beside "
        "osim-rl's in --json and --csv. An error or NaN ends the run (exit 2, the steps so far written)",
    )
    run.add_argument(
        "--seconds", type=number, default=None, help="simulated seconds (default 3, or the --controls file's length)"
    )
    run.add_argument(
        "--no-stop",
        action="store_true",
        help=f"keep going after the episode ends (pelvis < 0.6 m, or the time limit of {TIME_LIMIT_STEPS} steps)",
    )
    run.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    run.add_argument("--mode", choices=list(MODES), default=DEFAULT_MODE, help="integrator mode (default %(default)s)")
    run.add_argument(
        "--keep-locked",
        action="store_true",
        help="solve the model's locked coordinates as constraints, as OpenSim builds them (slower; "
        "by default faithful and fast modes weld them: the same motion, fewer equations)",
    )
    run.add_argument(
        "--engine",
        choices=list(ENGINES),
        default=None,
        help="what runs faithful mode: the compiled engine where the model qualifies (auto: the default, "
        f"or ${ENGINE_VARIABLE}), OpenSim, or the compiled engine or an error; other modes run on OpenSim",
    )
    run.add_argument("--csv", metavar="PATH", help="write one row per step to this CSV file")
    run.add_argument("--json", action="store_true", help="print a JSON summary to stdout")
    run.add_argument("--mot", metavar="PATH", help="write the motion (coordinates, activations) as an OpenSim .mot")
    run.add_argument("--sto", metavar="PATH", help="write the excitations as an OpenSim controls .sto")
    run.add_argument(
        "--video", metavar="PATH", help="render the run to an animated .gif, or .mp4 (needs: pip install .[video])"
    )
    run.add_argument(
        "--video-speed",
        type=number,
        default=1.0,
        metavar="S",
        help="video time per simulated time: 0.25 shows the run at a quarter of its speed (default 1)",
    )
    run.add_argument("--video-size", default="640x480", metavar="WxH", help="video frame size (default 640x480)")
    run.add_argument(
        "--step-timeout",
        type=number,
        metavar="SECONDS",
        help="give up (exit 2, the steps so far written) when one 0.01 s step takes longer than this wall time",
    )
    run.add_argument(
        "--progress",
        action="store_true",
        help="print the simulated time on stderr once stepping starts, then every second",
    )
    run.set_defaults(handler=command_run)


@dataclass
class Stepped:
    """What the stepping loop produced; `stop` is set when a signal ended it early."""

    frames: list[Frame]
    stop: KeyboardInterrupt | None = None
    timed_out: str | None = None  # why --step-timeout gave up
    controller_failed: ControllerError | None = None  # --controller could not be loaded, or failed in a step
    reward_failed: RewardError | None = None  # --reward could not be loaded, or failed in a step (which stands)


def command_run(args: argparse.Namespace) -> int:
    if args.seconds is not None:
        check_seconds("--seconds", args.seconds)
    if args.step_timeout is not None:
        check_seconds("--step-timeout", args.step_timeout)
    check_output_files([args.csv, args.mot, args.sto, args.video])  # a bad path fails now, not after the run
    video_size = _check_video(args) if args.video else None
    values = parse_excitations(args.excitations) if args.excitations is not None else None
    args.controller_spec = None
    if args.controller is not None:
        try:
            spec = ControllerSpec.parse(args.controller)  # the file exists: checked before OpenSim
            if args.params is not None:
                spec = replace(spec, params=load_params_file(args.params, read_parameters(spec.path)))
        except (ControllerError, ParameterError) as error:
            raise CommandError(str(error)) from None
        args.controller, args.controller_spec = str(spec), spec
    elif args.params is not None:
        raise CommandError("--params gives a controller's parameters: use it with --controller FILE.py")
    if args.reward is not None:
        try:
            args.reward = str(parse_reward_spec(args.reward))
        except RewardError as error:
            raise CommandError(str(error)) from None
    # OpenSim in a child process: a step holds the interpreter for its whole integration, so only
    # from outside can Ctrl+C or --step-timeout stop one that takes minutes.
    settings = settings_for(args.mode)
    if args.keep_locked:
        settings = replace(settings, weld_locked_coordinates=False)
    simulation = SimulationProcess(args.model, settings, poses=video_size is not None, engine=args.engine)
    try:
        return _run(args, simulation, values)
    finally:
        simulation.close()


def _run(args: argparse.Namespace, simulation: SimulationProcess, values: list[float] | None) -> int:
    controls = load_controls(args.controls, simulation.muscle_names, until=args.seconds) if args.controls else None
    seconds = args.seconds if args.seconds is not None else _default_seconds(args, controls)
    schedule: StepSchedule | None = controls
    notes, sequence = _apply_excitations(args, simulation, values)
    for note in notes:
        say(note)
    if sequence is not None:
        schedule = sequence
    failed_to_load = _load_controller(args, simulation)
    reward_not_loaded = _load_reward(args, simulation) if failed_to_load is None else None
    for warning in simulation.start_warnings:  # last before stepping: Ctrl+C after it stops a step
        say(warning)

    started = time.perf_counter()
    progress = _ProgressLine() if args.progress else None
    poses = [simulation.read_pose()] if args.video else []
    on_step = _keeping_poses(simulation, poses, progress) if args.video else progress
    steps = round(seconds / STEP_SECONDS)
    if failed_to_load is not None or reward_not_loaded is not None:
        stepped = Stepped([], controller_failed=failed_to_load, reward_failed=reward_not_loaded)
    else:
        stepped = step_simulation(simulation, steps, not args.no_stop, schedule, on_step, args.step_timeout)
    wall = time.perf_counter() - started
    if args.video:
        _write_video(args, simulation, [pose for pose in poses if pose is not None])
    try:
        write_outputs(args, simulation, stepped.frames)
    except BaseException:
        if args.video:
            Path(args.video).unlink(missing_ok=True)  # all outputs or none
        raise
    return _report(args, simulation, stepped, wall)


def _load_controller(args: argparse.Namespace, simulation: SimulationProcess) -> ControllerError | None:
    """`--controller`: loaded in the simulation process, which calls it before every step; the
    episode then starts as muscle_lab.env's reset starts it (every control held at 1.0)."""
    if args.controller is None:
        return None
    try:
        simulation.set_controller(args.controller_spec)
    except ControllerError as error:
        return error
    simulation.reset()
    return None


def _load_reward(args: argparse.Namespace, simulation: SimulationProcess) -> RewardError | None:
    """`--reward`: loaded in the simulation process, which calls it after every step."""
    if args.reward is None:
        return None
    try:
        simulation.set_reward(args.reward)
    except RewardError as error:
        return error
    return None


def _check_video(args: argparse.Namespace) -> tuple[int, int]:
    """`--video`, `--video-speed`, `--video-size` checked before anything runs; the frame size."""
    from muscle_lab.render.video import VideoError, check_speed, check_video_path, parse_video_size

    try:
        check_video_path(args.video)
        check_speed(args.video_speed)
        return parse_video_size(args.video_size)
    except VideoError as error:
        raise CommandError(str(error)) from None


def _keeping_poses(
    simulation: SimulationProcess, poses: list[BodyPose | None], progress: Callable[[Frame], None] | None
) -> Callable[[Frame], None]:
    def on_step(frame: Frame) -> None:
        poses.append(simulation.pose)
        if progress is not None:
            progress(frame)

    return on_step


def _write_video(args: argparse.Namespace, simulation: SimulationProcess, poses: list[BodyPose]) -> None:
    """The run as a video, rendered offscreen at 30 frames per second of video time."""
    from muscle_lab.render.renderer import RenderUnavailable
    from muscle_lab.render.video import VideoError, parse_video_size, render_episode_video

    caption = f"preset {args.preset}" if args.preset else None
    try:
        count = render_episode_video(
            args.video, simulation.scene, poses, speed=args.video_speed,
            size=parse_video_size(args.video_size), caption=caption,
        )  # fmt: skip
    except (VideoError, RenderUnavailable) as error:
        said = str(error)
        raise CommandError(said if said.startswith(f"{args.video}: ") else f"{args.video}: {said}") from None
    say(f"wrote {count} video frames ({args.video_speed:g}x speed) to {args.video}")


def step_simulation(
    simulation: SimulationProcess,
    steps: int,
    stop_at_done: bool,
    schedule: StepSchedule | None = None,
    on_step: Callable[[Frame], None] | None = None,
    step_timeout: float | None = None,
) -> Stepped:
    """Step up to `steps` times (until the episode ends, if asked, a step fails or takes too long).

    Ctrl+C or SIGTERM ends the loop, also mid-step; the steps done so far are kept.
    """
    stepped = Stepped([])
    try:
        for _ in range(steps):
            if schedule is not None:
                simulation.set_excitations(schedule.for_step(simulation.frame.step))
            try:
                frame = simulation.step(timeout=step_timeout)
            except StepTimeout as timeout:
                stepped.timed_out = f"{timeout} (--step-timeout); the simulation process was ended"
                break
            except ControllerError as failed:  # the step was not taken
                stepped.controller_failed = failed
                break
            stepped.frames.append(frame)
            if on_step is not None:
                on_step(frame)
            stepped.reward_failed = simulation.take_reward_failure()
            if stepped.reward_failed is not None:  # the step stands, without your reward
                break
            if frame.error or (stop_at_done and frame.done):
                break
    except KeyboardInterrupt as stop:  # also SIGTERM (common.Interrupted)
        stepped.stop = stop
    return stepped


def write_outputs(args: argparse.Namespace, simulation: SimulationProcess, frames: list[Frame]) -> None:
    """`--csv`, `--mot`, `--sto`: all written or, if one fails, none."""
    contents = []
    if args.csv:
        yours = getattr(args, "reward", None) is not None
        table = frames_to_csv(frames, simulation.joint_angle_names, simulation.muscle_names, yours)
        contents.append((args.csv, table))
    if args.mot or args.sto:
        recording = Recording.for_simulation(simulation)
        recording.extend(frames)
        if not len(recording):
            say("no step completed, so no --mot/--sto file was written")
        else:
            if args.mot:
                contents.append((args.mot, mot_text(recording, name=Path(args.mot).stem or "muscle_lab_motion")))
            if args.sto:
                contents.append((args.sto, controls_text(recording, name=Path(args.sto).stem or "muscle_lab_controls")))
    write_files_together(contents)


def _default_seconds(args: argparse.Namespace, schedule: ControlsSchedule | None) -> float:
    if schedule is None:
        return DEFAULT_SECONDS
    if schedule.steps < 1:
        raise CommandError(f"{args.controls}: it lasts {schedule.duration:g} s; give --seconds")
    return schedule.duration


def _apply_excitations(
    args: argparse.Namespace, simulation: SimulationProcess, values: list[float] | None
) -> tuple[list[str], StepSchedule | None]:
    """Set the run's excitations at its start; returns the notes to show (clipped values, missing
    muscles) and, for a preset whose values change over time, its sequence to play step by step."""
    if args.preset:
        sequence, notes = schedule_from_preset(args.preset, simulation.muscle_names)
        simulation.set_excitations(sequence.for_step(0))
        return list(notes), None if sequence.is_constant else sequence
    if values is not None:
        return simulation.set_excitations(values), None
    return [], None


class _ProgressLine:
    """`--progress`: a line on stderr at the first step, then at most one a second."""

    def __init__(self) -> None:
        self.last: float | None = None

    def __call__(self, frame: Frame) -> None:
        now = time.monotonic()
        if self.last is None or now - self.last >= PROGRESS_EVERY_SECONDS:
            self.last = now
            say(f"stepping: {frame.time:.2f} s simulated, step {frame.step}, pelvis {frame.pelvis_height:.3f} m")


def _report(args: argparse.Namespace, simulation: SimulationProcess, stepped: Stepped, wall: float) -> int:
    """Print the summary (stdout) and any failure or interruption (stderr); returns the exit status."""
    frames = stepped.frames
    last = frames[-1] if frames else simulation.frame
    # With no step taken, the start state is no episode's end (a model starting low is no fall).
    end_reason = last.end_reason if frames else None
    summary = {
        "steps": len(frames),
        "sim_time": round(last.time, 6),
        "wall_time": round(wall, 4),
        "realtime_factor": round(last.time / wall, 4) if wall > 0 else None,
        "total_reward": last.total_reward,
        "done": last.done if frames else False,
        "end_reason": end_reason,
        "final_pelvis_height": last.pelvis_height,
        "muscles": list(simulation.muscle_names),
        "model": str(simulation.model_path),
        "mode": simulation.integrator.name,
        "engine": simulation.engine,
        "error": last.error,
        "interrupted": stepped.stop is not None,
        "timed_out": stepped.timed_out,
        "controller": args.controller,
        "params": dict(args.controller_spec.params) if args.controller_spec and args.params else None,
        "controller_error": stepped.controller_failed.message if stepped.controller_failed else None,
        # --reward: your total beside osim-rl's ("total_reward"), up to the last step your reward was computed.
        "reward": args.reward,
        "user_total_reward": _user_total(frames) if args.reward else None,
        "reward_error": stepped.reward_failed.message if stepped.reward_failed else None,
    }
    if args.json:
        print(json.dumps(summary, indent=2), flush=True)
    else:
        if last.error:
            state = "failed"
        elif not frames:
            state = "no step taken"
        else:
            state = describe_end(end_reason, last.time, last.pelvis_height)
        if stepped.stop is not None:
            state += f"; {describe_stop(stepped.stop)}"
        if stepped.controller_failed is not None:
            state += "; the controller failed"
        if stepped.reward_failed is not None:
            state += "; your reward failed"
        yours = summary["user_total_reward"]
        yours_text = f"; your reward {yours:.3f}" if yours is not None else ""
        print(
            f"{summary['steps']} steps, {summary['sim_time']:.2f} s simulated in {wall:.2f} s "
            f"({summary['realtime_factor']}x real time); total reward {last.total_reward:.3f}{yours_text}; "
            f"pelvis {last.pelvis_height:.3f} m; {state}",
            flush=True,
        )
    if last.error:
        say(last.error)
    written = "; the steps so far were written" if args.csv or args.mot or args.sto else ""
    if stepped.stop is not None:
        say(f"{describe_stop(stepped.stop)} after {len(frames)} steps{written}")
        return exit_status(stepped.stop)
    if stepped.timed_out is not None:
        say(f"error: {stepped.timed_out}, after {len(frames)} steps{written}")
        return EXIT_USAGE
    for failed in (stepped.controller_failed, stepped.reward_failed):
        if failed is not None:
            if failed.details:  # none when its process had to be ended from outside
                print(failed.details, file=sys.stderr, flush=True)
            say(f"error: {failed.message}, after {len(frames)} steps{written}")
            return EXIT_USAGE
    return EXIT_FAILED if last.error else 0


def _user_total(frames: list[Frame]) -> float | None:
    """Your reward's total at the last step it was computed (0.0 before any step)."""
    totals = [frame.user_total_reward for frame in frames if frame.user_total_reward is not None]
    return totals[-1] if totals else 0.0
