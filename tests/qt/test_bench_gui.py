"""`python -m muscle_lab.bench --gui` runs the real window and prints every figure it promises."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from muscle_lab.qt.gui_benchmark import resident_mb

REPO = Path(__file__).resolve().parents[2]


def run_bench(home: Path, *arguments: str) -> subprocess.CompletedProcess:
    """`python -m muscle_lab.bench ARGUMENTS` offscreen, with MUSCLE_LAB_HOME at `home`; exit 0 asserted."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MUSCLE_LAB_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "muscle_lab.bench", *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,  # the assertion below shows stderr
    )
    assert result.returncode == 0, result.stderr
    return result


def test_gui_benchmark_prints_its_figures(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    settings = home / "settings.json"
    settings.write_text('{"schema_version": 1, "mode": "faithful"}', encoding="utf-8")
    out = run_bench(home, "--gui", "--seconds", "0.3", "--mode", "fast").stdout
    assert "0.3 s simulated, fast mode, real time, platform offscreen" in out
    assert re.search(r"redraws per second\s+\d+\.\d", out)
    assert re.search(r"event-loop lateness\s+median \d+\.\d ms, p99 \d+\.\d ms", out)
    assert re.search(r"slider to simulation\s+median \d+ step", out)
    assert re.search(r"memory \(VmRSS\)\s+start \d+\.\d MB, end \d+\.\d MB", out)
    assert re.search(r"simulation process\s+start \d+\.\d MB, end \d+\.\d MB", out)
    assert re.search(r"playback at 1x\s+episode \d+ \(\d+ steps\) looped for \d+\.\d s: \d+\.\d\dx true speed", out)
    assert re.search(r"lateness in playback\s+median \d+\.\d ms, p99 \d+\.\d ms", out)
    assert re.search(r"history\s+\d+ steps in \d+ episodes, estimate \d+\.\d MB", out)
    # The benchmark changed the window's choices (episode end: reset) in a home of its own.
    assert [path.name for path in home.iterdir()] == ["settings.json"]
    assert settings.read_text(encoding="utf-8") == '{"schema_version": 1, "mode": "faithful"}'


def test_gui_benchmark_as_fast_as_possible_sets_the_window_beside_run(tmp_path):
    """The window's simulation speed beside headless runs before and after it, the CPU a step
    of each, where the simulation process's time went, and the cores each part used (here with
    the Observation tab in front: every step also computes osim-rl's observation)."""
    arguments = ("--gui", "--seconds", "0.5", "--mode", "fast", "--as-fast-as-possible", "--observation")
    out = run_bench(tmp_path, *arguments).stdout
    assert "as fast as possible, platform offscreen" in out and "the Observation tab in front" in out
    speed = r"window (\d+\.\d\d)x real time, headless as `run` (\d+\.\d\d)x \(before \d+\.\d\dx, after \d+\.\d\dx\)"
    assert re.search(rf"simulation speed\s+{speed}: window/run \d+\.\d\d  target >= 0.85", out)
    assert re.search(r"simulation CPU\s+window \d+\.\d\d ms a step, headless \d+\.\d\d ms", out)
    shares = r"on a core +(\d+)%, waiting for a core +(\d+)%, waiting for a command +(-?\d+)%"
    window, headless = (re.search(rf"{who} {shares}", out) for who in ("window", "headless"))
    assert window is not None and headless is not None, out
    for found in (window, headless):
        assert 0 < int(found.group(1)) <= 100 and abs(sum(int(found.group(k)) for k in (1, 2, 3)) - 100) <= 2
    assert re.search(r"cores used\s+\d\.\d\d of \d+: simulation process \d\.\d\d", out)


def test_schedule_seconds_are_read_from_proc():
    from muscle_lab.bench.headless_rate import schedule_seconds

    ran, waited = schedule_seconds(os.getpid())
    assert ran > 0 and waited >= 0
    assert all(value != value for value in schedule_seconds(2**30))  # NaN: no such process


def test_resident_memory_is_read_from_proc():
    assert 10 < resident_mb() < 10_000


def test_gui_benchmark_times_the_atlas_tab(tmp_path):
    result = run_bench(tmp_path, "--gui", "--atlas", "--mode", "fast")
    assert re.search(
        r"Atlas tab in the window: \d+\.\d s for 20 runs \(0\.5 s each, fast mode, cache empty", result.stdout
    )


def test_soak_benchmark_prints_memory_growth_of_the_window_and_the_environment(tmp_path):
    command = ["--soak", "--minutes", "0.05", "--every", "1", "--resets", "5", "--envs", "2"]
    out = run_bench(tmp_path, *command).stdout
    assert re.search(r"Memory soak: 0\.05 min of the window offscreen, .*: \d+ episodes, \d+ steps", out)
    for name in ("window", "simulation process"):
        assert re.search(rf"  {name}\s+\d+\.\d -> \d+\.\d MB; [+-]\d+\.\d MB/h .*\(target < 5 MB/h\)", out)
    assert re.search(r"environment\s+5 resets: [+-]\d+\.\d MB", out)
    assert re.search(r"environments\s+2 made and dropped: [+-]\d+\.\d MB", out)
