"""What every command shares: user errors, exit statuses, the one-line parser and option checks.

Imported by the command modules (run, presets, muscles), never importing them: the imports of
the CLI go one way, common <- commands <- `muscle_lab.cli`.
"""

from __future__ import annotations

import argparse
import math
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from muscle_lab.core.errors import ModelLoadError
from muscle_lab.core.excitations import ExcitationError, plain_number
from muscle_lab.core.paths import ModelNotFoundError
from muscle_lab.core.presets.store import PresetError
from muscle_lab.core.recording.files import RecordingFileError
from muscle_lab.core.recording.replay import ReplayError
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, MODES
from muscle_lab.core.simulation.model_file import ModelFileError

EXIT_FAILED = 1  # the simulation failed
EXIT_USAGE = 2  # a user error: bad option, file or model
EXIT_SIGNAL_BASE = 128  # interrupted by signal N: 128 + N (130 Ctrl+C, 143 SIGTERM), as shells report it
EXIT_STATUS_HELP = (
    "exit status: 0 ok, 1 the simulation failed, 2 a bad option, file or model (one line on stderr), "
    "130 interrupted by Ctrl+C (SIGINT), 143 stopped by SIGTERM"
)
# A value that starts with "-" but is a number (list), e.g. `--excitations -1,0,0` or `--base -inf`.
_NEGATIVE_VALUE = re.compile(r"-\s*(?:\d|\.\d|inf|nan)", re.IGNORECASE)
_NUMBER_OPTIONS = ("--excitations", "--seconds", "--level", "--base")


class CommandError(Exception):
    """A user error: printed as one line on stderr, exit status 2."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl+C's KeyboardInterrupt so every command stops the same way."""

    signal_number = signal.SIGTERM


USER_ERRORS = (
    CommandError, ExcitationError, ModelLoadError, ModelFileError, ModelNotFoundError, PresetError, OSError,
    ReplayError, RecordingFileError,
)  # fmt: skip


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit status 2), like every other error."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]  # "run" for "muscle_lab run"; "" at the top
        self.exit(EXIT_USAGE, f"muscle_lab: error: {message} (see {command + ' ' if command else ''}--help)\n")


def number(text: str) -> float:
    """argparse type: a plain decimal number ("0_5" and the like are refused; nan/inf are checked later)."""
    try:
        return plain_number(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def check_seconds(option: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise CommandError(f"{option} must be positive and finite, got {value:g}")


def check_unit_interval(option: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:  # False for NaN too
        raise CommandError(f"{option} must be in [0, 1], got {value:g}")


def attach_negative_values(argv: Sequence[str]) -> list[str]:
    """`--excitations -1,0,...` as `--excitations=-1,0,...`: argparse would take the value for an option."""
    args = list(argv)
    for index in range(len(args) - 2, -1, -1):
        if args[index] in _NUMBER_OPTIONS and _NEGATIVE_VALUE.match(args[index + 1]):
            args[index : index + 2] = [f"{args[index]}={args[index + 1]}"]
    return args


def exit_status(stop: KeyboardInterrupt) -> int:
    """128 + the signal: 130 for Ctrl+C, 143 for SIGTERM."""
    return EXIT_SIGNAL_BASE + int(getattr(stop, "signal_number", signal.SIGINT))


def describe_stop(stop: KeyboardInterrupt) -> str:
    return "stopped by SIGTERM" if isinstance(stop, Interrupted) else "interrupted (Ctrl+C)"


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGTERM stops it like Ctrl+C: cleanly, keeping what can be kept."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set signal handlers
        return

    def interrupt(_signal: int, _frame: object) -> None:
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def say(message: str) -> None:
    """A note or a warning for the person at the terminal: stderr, so stdout stays data."""
    print(f"muscle_lab: {message}", file=sys.stderr, flush=True)


def add_solo_run_options(parser: argparse.ArgumentParser, seconds: float) -> None:
    """The options of a command that runs each muscle alone (atlas, explore)."""
    parser.add_argument("--level", type=number, default=1.0, help="excitation of the muscle under test (default 1)")
    parser.add_argument("--base", type=number, default=0.0, help="excitation of all the others (default 0)")
    parser.add_argument(
        "--seconds", type=number, default=seconds, help=f"simulated seconds per muscle (default {seconds:g})"
    )
    parser.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    parser.add_argument(
        "--mode", choices=list(MODES), default=DEFAULT_MODE, help="integrator mode (default %(default)s)"
    )
