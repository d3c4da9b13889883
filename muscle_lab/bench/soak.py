"""`python -m muscle_lab.bench --soak`: memory over a long session, where a leak shows.

First the window (muscle_lab.qt.soak_benchmark): the real window offscreen in the fast mode, as
fast as possible, every episode ending in a reset, for `--minutes`; the window's and the
simulation process's resident memory are sampled every few seconds. The window's history fills
its budget (75 MB) within the first minutes and the simulation process's kept states theirs
(20 MB) a few minutes later, then both hold; growth is the slope of a line fitted to the samples
of the run's second half (target: < 5 MB an hour). Then the environment: resets of
one environment, and environments made and dropped, with the process's memory before and after.
"""

from __future__ import annotations

import argparse
import gc

import numpy as np

from muscle_lab.qt.gui_benchmark import resident_mb

TARGET_MB_PER_HOUR = 5.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="the window's soak (default %(default)s)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples (default %(default)s)")
    parser.add_argument("--resets", type=int, default=3000, help="environment resets (default %(default)s)")
    parser.add_argument("--envs", type=int, default=200, help="environments made and dropped (default %(default)s)")
    return parser


def growth_mb_per_hour(seconds: list[float], megabytes: list[float]) -> float:
    """The slope of the least-squares line through the samples, in MB an hour (0 for fewer than 2)."""
    if len(seconds) < 2 or max(seconds) == min(seconds):
        return 0.0
    slope = float(np.polyfit(np.asarray(seconds), np.asarray(megabytes), 1)[0])
    return slope * 3600.0


def soak_env(resets: int, envs: int) -> tuple[float, float]:
    """Memory growth (MB) over `resets` resets of one environment, and over `envs` made and dropped."""
    from muscle_lab.env import ProstheticsEnv

    env = ProstheticsEnv(mode="fast")
    env.reset()
    gc.collect()
    before = resident_mb()
    for _ in range(resets):
        env.reset()
    gc.collect()
    after_resets = resident_mb()
    env.close()
    del env
    gc.collect()
    start = resident_mb()
    for _ in range(envs):
        made = ProstheticsEnv(mode="fast")
        made.reset()
        made.close()
        del made
    gc.collect()
    return after_resets - before, resident_mb() - start


def main_soak(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    from muscle_lab.qt.soak_benchmark import soak_window

    window = soak_window(options.minutes, options.every)
    if window is None:
        return 1
    print(
        f"Memory soak: {options.minutes:g} min of the window offscreen, fast mode, as fast as possible, "
        f"episodes resetting by themselves: {window.episodes} episodes, {window.steps} steps"
    )
    # The window's history fills its budget first; the simulation process's kept states (20 MB) a
    # few minutes later: growth is fitted over the second half of the run, once both are full.
    full = window.history_full_at
    start = max(full or 0.0, window.seconds[-1] / 2)
    since = (
        f"over the run's second half (from {start:.0f} s; the history filled at {full:.0f} s)"
        if full is not None
        else "the history never filled: the second half"
    )
    for name, series in (("window", window.window_mb), ("simulation process", window.child_mb)):
        kept = [(t, mb) for t, mb in zip(window.seconds, series, strict=True) if t >= start]
        rate = growth_mb_per_hour([t for t, _ in kept], [mb for _, mb in kept])
        verdict = "ok" if rate < TARGET_MB_PER_HOUR else "MISSED"
        print(
            f"  {name:<20} {series[0]:.1f} -> {series[-1]:.1f} MB; {rate:+.1f} MB/h {since} "
            f"(target < {TARGET_MB_PER_HOUR:g} MB/h)   {verdict}"
        )
    resets_growth, envs_growth = soak_env(options.resets, options.envs)
    print(f"  environment          {options.resets} resets: {resets_growth:+.1f} MB")
    print(f"  environments         {options.envs} made and dropped: {envs_growth:+.1f} MB")
    return 0
