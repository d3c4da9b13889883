"""`python main.py` opens the real window, runs the simulation, saves a screenshot and exits."""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import take_back_ctrl_c

REPO = Path(__file__).resolve().parents[1]
WINDOW_SIZE = (1500, 950)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    return struct.unpack(">II", header[16:24])


def launch(command: list[str], tmp_path: Path, platform: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "MUSCLE_LAB_HOME": str(tmp_path / "home"), "XDG_RUNTIME_DIR": str(tmp_path)}
    env.pop("QT_QPA_PLATFORM", None)
    if platform:
        env["QT_QPA_PLATFORM"] = platform
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)


RUNS = [pytest.param(None, id="offscreen")]
if shutil.which("xvfb-run"):
    RUNS.append(pytest.param("xvfb", id="xvfb"))


@pytest.mark.parametrize("display", RUNS)
def test_main_py_runs_the_window_and_saves_a_screenshot(tmp_path, display):
    shot = tmp_path / "shot.png"
    command = [sys.executable, "main.py", "--screenshot", str(shot), "--run-for", "0.5", "--mode", "fast"]
    if display == "xvfb":
        result = launch(["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *command], tmp_path, "xcb")
    else:
        result = launch(command, tmp_path, "offscreen")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warning, no traceback on the way out
    assert png_size(shot) == WINDOW_SIZE


def test_main_py_reports_a_missing_model_and_an_unknown_preset(tmp_path):
    missing = launch([sys.executable, "main.py", "--model", str(tmp_path / "none.osim")], tmp_path, "offscreen")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"muscle_lab: model file not found: {tmp_path / 'none.osim'}"
    shot = tmp_path / "shot.png"
    unknown = launch(
        [
            sys.executable,
            "main.py",
            "--preset",
            "no-such-preset",
            "--screenshot",
            str(shot),
            "--run-for",
            "0.05",
            "--mode",
            "fast",
        ],
        tmp_path,
        "offscreen",
    )
    assert unknown.returncode == 2
    assert "no-such-preset" in unknown.stderr
    assert shot.is_file()  # the window still ran; the preset was reported and skipped


def test_run_for_beyond_the_episode_end_takes_the_screenshot_at_the_end(tmp_path):
    shot = tmp_path / "thrust.png"
    command = [
        sys.executable,
        "main.py",
        "--screenshot",
        str(shot),
        "--preset",
        "hip-thrust",
        "--run-for",
        "1.0",
        "--mode",
        "fast",
    ]
    # The user's own choice is to reset at an episode's end: the screenshot still ends at the first.
    settings = tmp_path / "home" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"schema_version": 1, "on_episode_end": "reset"}', encoding="utf-8")
    result = launch(command, tmp_path, "offscreen")  # the episode ends at ~0.47 s
    assert result.returncode == 0, result.stderr
    assert png_size(shot) == WINDOW_SIZE
    assert settings.read_text(encoding="utf-8") == '{"schema_version": 1, "on_episode_end": "reset"}'  # not saved


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e9"])
def test_run_for_must_be_a_finite_positive_time(tmp_path, value):
    result = launch(
        [sys.executable, "main.py", "--screenshot", str(tmp_path / "x.png"), "--run-for", value], tmp_path, "offscreen"
    )
    assert result.returncode == 2
    assert result.stderr.startswith("muscle_lab: --run-for must be a number of seconds above 0")
    assert "Traceback" not in result.stderr and "terminate called" not in result.stderr


def test_without_a_display_the_window_says_how_to_run(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["MUSCLE_LAB_HOME"] = str(tmp_path / "home")
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 2
    assert "no display" in result.stderr and "xvfb-run -a python main.py" in result.stderr
    assert "python main.py run|presets|muscles|explore|atlas --help" in result.stderr


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_ctrl_c_and_sigterm_close_the_window_like_its_close_button(tmp_path, signal_number):
    env = {
        **os.environ,
        "MUSCLE_LAB_HOME": str(tmp_path / "home"),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(tmp_path),
    }
    with subprocess.Popen(
        [sys.executable, "main.py", "--mode", "fast"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True,
        preexec_fn=take_back_ctrl_c,  # noqa: PLW1509
    ) as window:  # fmt: skip
        try:
            # The signal handlers are in place before the window starts its simulation process.
            wait_for(lambda: window.poll() is not None or simulation_children(window.pid), "the simulation process")
            assert window.poll() is None, window.communicate()[1]  # the window is still up
            window.send_signal(signal_number)
            window.send_signal(signal_number)  # a second press must not print a second traceback
            _, stderr = window.communicate(timeout=120)
        finally:
            window.kill()
    assert window.returncode == 0, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert (tmp_path / "home" / "settings.json").is_file()  # closed the normal way: settings saved


def simulation_children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes().decode(errors="replace") if int(fields[1]) == pid else ""
        except OSError:  # gone meanwhile (a short-lived child: the compiler, say)
            continue
        if "spawn_main" in command:
            children.append(int(stat.parent.name))
    return children


def wait_for(condition, what: str, limit_seconds: float = 120.0) -> None:
    """Poll an observable condition (not a timing guess); the limit only catches a hang."""
    import time

    deadline = time.monotonic() + limit_seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never saw {what}")
        time.sleep(0.05)
