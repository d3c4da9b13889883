"""Headless commands: run, presets, muscles, explore, atlas, tune. Imports the core only, never Qt.

One module per command group; imports go one way: `common` <- `run`, `presets`, `muscles`, `atlas`, `tune` <- here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from muscle_lab.cli.atlas import add_atlas_command
from muscle_lab.cli.common import (
    EXIT_STATUS_HELP,
    EXIT_USAGE,
    USER_ERRORS,
    CommandError,
    OneLineParser,
    attach_negative_values,
    describe_stop,
    exit_status,
    sigterm_as_interrupt,
)
from muscle_lab.cli.muscles import add_muscle_commands
from muscle_lab.cli.presets import add_presets_commands
from muscle_lab.cli.run import add_run_command
from muscle_lab.cli.tune import add_tune_command

__all__ = ["USER_ERRORS", "CommandError", "build_parser", "main"]


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="muscle_lab", description="muscle_lab's headless commands (no window)", epilog=EXIT_STATUS_HELP
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_run_command(commands)
    add_presets_commands(commands)
    add_muscle_commands(commands)
    add_atlas_command(commands)
    add_tune_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit status (a usage error exits 2 through argparse)."""
    args = build_parser().parse_args(attach_negative_values(sys.argv[1:] if argv is None else argv))
    try:
        with sigterm_as_interrupt():
            return args.handler(args)
    except BrokenPipeError:  # e.g. `presets show NAME | head`: the reader left, nothing to report
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush from raising again
        return 0
    except KeyboardInterrupt as stop:  # Ctrl+C or SIGTERM outside the stepping loop (e.g. loading)
        print(f"muscle_lab: {describe_stop(stop)}", file=sys.stderr)
        return exit_status(stop)
    except USER_ERRORS as error:
        print(f"muscle_lab: error: {error}", file=sys.stderr)
        return EXIT_USAGE
