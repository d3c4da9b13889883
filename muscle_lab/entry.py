"""Entry point shared by `python main.py` and the `muscle-lab` console script.

A subcommand runs headless (no Qt imported); anything else opens the window.
"""

from __future__ import annotations

import sys

HEADLESS_COMMANDS = {"run", "presets", "muscles", "explore"}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in HEADLESS_COMMANDS:
        from muscle_lab.cli import main as cli_main

        return cli_main(args)
    from muscle_lab.qt.app import main as gui_main  # Qt only when a window is wanted

    return gui_main(args)
