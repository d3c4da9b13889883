"""`python main.py`: --help tells of the window and the headless commands; a mistyped command is named."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from muscle_lab.cli import build_parser
from muscle_lab.entry import COMMANDS_HELP, HEADLESS_COMMANDS

ROOT = Path(__file__).resolve().parents[1]


def main_py(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_the_window_options_and_the_commands(flag):
    result = main_py(flag)
    assert (result.returncode, result.stderr) == (0, "")
    assert "--screenshot" in result.stdout and "--mode" in result.stdout  # the window's own options
    words = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert [word for word in words if word in HEADLESS_COMMANDS] == [
        "run",
        "presets",
        "muscles",
        "explore",
        "atlas",
        "tune",
    ]


@pytest.mark.parametrize("typo", ["rnu", "preset", "Run"])
def test_a_mistyped_command_is_named_with_the_commands(typo):
    result = main_py(typo, "--seconds", "1")
    assert (result.returncode, result.stdout) == (2, "")
    commands = "commands: run, presets, muscles, explore, atlas, tune; no command opens the window"
    assert result.stderr == f"muscle_lab: unknown command {typo!r} ({commands})\n"


def test_the_help_text_names_every_command_the_cli_has():
    usage = build_parser().format_usage()  # "usage: muscle_lab [-h] {run,presets,muscles,explore} ..."
    commands = re.search(r"\{(.*)\}", usage)
    assert commands is not None and tuple(commands[1].split(",")) == HEADLESS_COMMANDS
    described = [line.split()[0] for line in COMMANDS_HELP.splitlines() if line.startswith("  ")]
    assert tuple(described) == HEADLESS_COMMANDS
