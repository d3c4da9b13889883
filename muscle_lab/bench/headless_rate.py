"""How fast the simulation runs without a window, as `run` drives it: the GUI benchmark's
yardstick for the window's own simulation speed (the same model, mode, engine and pattern, the
episodes started again at their end as the window's "reset and go on" does)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Literal

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.reward import TIME_LIMIT_STEPS, is_done
from muscle_lab.core.simulation.integrator import settings_for
from muscle_lab.core.simulation.process import SimulationProcess


def headless_rate(
    mode: str,
    excitations: Sequence[float],
    seconds: float,
    poses: bool | Literal["deferred"] = False,
    cpu: list[float] | None = None,
    shares: list[tuple[float, float]] | None = None,
) -> tuple[float, str]:
    """Simulated seconds per wall second over `seconds` simulated, and the engine that ran them.
    `poses`: read the body pose every step, as the window does to draw it; `cpu`: gets the
    simulation process's CPU milliseconds per step appended (robust to the machine's load);
    `shares`: the shares of the wall time it ran and waited for a core (`schedule_seconds`)."""
    simulation = SimulationProcess(None, settings_for(mode), poses=poses)
    try:
        simulation.set_excitations(excitations)
        simulation.step()  # the first step's set-up is not measured (the window's warm-up skips it too)
        steps = round(seconds / STEP_SECONDS)
        started, cpu_started = time.perf_counter(), process_cpu_seconds(simulation.pid)
        schedule_started = schedule_seconds(simulation.pid)
        for _ in range(steps):
            frame = simulation.step()
            if is_done(frame.pelvis_height) or frame.step >= TIME_LIMIT_STEPS:
                simulation.reset()
        wall = time.perf_counter() - started
        rate = steps * STEP_SECONDS / wall
        if shares is not None:
            ran, waited = schedule_since(simulation.pid, schedule_started)
            shares.append((ran / wall, waited / wall))
        if cpu is not None:
            cpu.append(1000 * (process_cpu_seconds(simulation.pid) - cpu_started) / steps)
        return rate, simulation.engine
    finally:
        simulation.close()


def process_cpu_seconds(pid: int | None) -> float:
    """User and system CPU seconds of process `pid` so far (Linux /proc, 10 ms ticks: over a few
    hundred steps ~1 %); NaN where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def schedule_seconds(pid: int | None) -> tuple[float, float]:
    """Seconds process `pid`'s main thread has run on a core and waited, runnable, for one (Linux
    /proc/PID/schedstat, in nanoseconds): the rest of the wall time it slept, waiting for work.
    NaNs where it cannot be read."""
    try:
        with open(f"/proc/{pid}/schedstat", encoding="ascii") as schedstat:
            ran, waited, _slices = (int(n) for n in schedstat.read().split())
        return ran / 1e9, waited / 1e9
    except (OSError, ValueError):
        return float("nan"), float("nan")


def schedule_since(pid: int | None, started: tuple[float, float]) -> tuple[float, float]:
    """`schedule_seconds` spent since the reading `started`."""
    now = schedule_seconds(pid)
    return now[0] - started[0], now[1] - started[1]
