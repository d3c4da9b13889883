"""Entry point shared by `python main.py`, `python -m muscle_lab` and the `muscle-lab` console script.

A command runs headless (no Qt imported); no command opens the window.
"""

from __future__ import annotations

import argparse
import sys

HEADLESS_COMMANDS = ("run", "presets", "muscles", "explore", "atlas", "tune")
EXIT_USAGE = 2
# The window parser's epilog (muscle_lab.qt.app): --help shows the window's options and these.
COMMANDS_HELP = """\
headless commands (no window; COMMAND --help shows each one's options):
  run       simulate without a window; write the steps as CSV, OpenSim .mot and .sto files
  presets   list, show, save, delete, import and export presets
  muscles   list the muscles: index, name, side, what each does
  explore   turn each muscle on alone and report which joint it moves most
  atlas     every muscle alone: a page with an animation, a sentence and the joint changes of each
  tune      improve a preset with CMA-ES (reward, distance or time upright), in parallel processes
for example: python main.py run --preset hip-thrust --seconds 1 --csv out.csv
with no command, the window opens."""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        from muscle_lab.cli import main as cli_main

        return cli_main(args)
    if args and not args[0].startswith("-"):  # the window takes options only: a mistyped command
        print(
            f"muscle_lab: unknown command {args[0]!r} (commands: {', '.join(HEADLESS_COMMANDS)}; "
            "no command opens the window)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if "-h" in args or "--help" in args:
        return print_help()
    from muscle_lab.qt.app import main as gui_main  # Qt only when a window is wanted

    return gui_main(args)


def print_help() -> int:
    """The window's options, then the headless commands."""
    try:
        from muscle_lab.qt.app import build_parser
    except ImportError as error:  # no Qt here: the headless commands still work
        print(f"usage: main.py [window options] | main.py COMMAND ...\n(the window cannot open: {error})\n")
        print(COMMANDS_HELP)
        return 0
    parser = build_parser()
    if COMMANDS_HELP not in (parser.epilog or ""):  # until the window parser carries it itself
        parser.epilog = COMMANDS_HELP
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.print_help()
    return 0
