"""`python -m muscle_lab.bench --atlas`: the wall time of the whole atlas, on every core and on one.

The default model's 19 muscles plus the all-at-0 run, 0.5 s each (or until the episode ends),
in the faithful mode, without the cache, as the window's atlas panel and the `atlas` command
run it. Beside the wall time: what the runs themselves took (the sum of their simulation times,
and the slowest), what starting a simulation process costs, and the CPU time the processes got
(CPU time over wall time: the cores the atlas really had; on a shared machine, fewer than it has).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

from muscle_lab.core.atlas.runs import AtlasResult, AtlasSettings, core_count, run_atlas
from muscle_lab.core.simulation.integrator import DEFAULT_MODE, MODES

# On 2 cores, for 19 muscles at 0.5 s, faithful: issue 22's target on the compiled engine, the
# earlier one where faithful mode runs on OpenSim.
TARGET_SECONDS = {"compiled": 2.0, "opensim": 15.0}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --atlas", description=__doc__)
    parser.add_argument("--seconds", type=float, default=0.5, help="simulated seconds per run (default %(default)s)")
    parser.add_argument(
        "--mode", choices=list(MODES), default=DEFAULT_MODE, help="integrator mode (default %(default)s)"
    )
    parser.add_argument(
        "--workers", default=None, help="process counts to time, e.g. 2,1 (default: every core, then one)"
    )
    parser.add_argument("--model", metavar="PATH", help="an .osim model (default: osim-rl's prosthetic gait model)")
    return parser


def process_start_seconds(mode: str, model: str | None) -> tuple[float, str]:
    """Starting one simulation process (spawn, import OpenSim, load the model, describe it), and
    the engine it runs the mode on."""
    from muscle_lab.core.simulation.process import SimulationProcess

    started = time.monotonic()
    process = SimulationProcess(model, MODES[mode], poses=True)
    elapsed = time.monotonic() - started
    engine = process.engine
    process.close()
    return elapsed, engine


def children_cpu_seconds() -> float:
    """CPU time of this process's finished children (the simulation processes, once reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def row(workers: int, result: AtlasResult, cpu: float) -> str:
    runs = [result.baseline.label, *(e.name for e in result.effects), *(e.name for e in result.patterns)]
    records = [result.baseline, *(e.run for e in result.effects), *(e.run for e in result.patterns)]
    steps = sum(len(r.frames) - 1 for r in records)
    busy = sum(r.wall_seconds for r in records)
    slowest = max(range(len(records)), key=lambda i: records[i].wall_seconds)
    return (
        f"| {workers} | {result.wall_seconds:.1f} s | {len(records)} | {steps} | {busy:.1f} s | "
        f"{busy / steps * 1000:.1f} ms | {runs[slowest]} {records[slowest].wall_seconds:.1f} s | "
        f"{cpu:.1f} s | {cpu / result.wall_seconds:.2f} |"
    )


def main_atlas(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    cores = core_count()
    counts = [int(n) for n in options.workers.split(",")] if options.workers else sorted({cores, 1}, reverse=True)
    settings = AtlasSettings(options.model, options.mode, 1.0, 0.0, options.seconds)
    first, _ = process_start_seconds(options.mode, options.model)  # the compiled engine's first build, if any
    start, engine = process_start_seconds(options.mode, options.model)
    print(
        f"Atlas benchmark: each muscle at 1 (others 0) and all at 0, {options.seconds:g} s per run, "
        f"{options.mode} mode on the {engine} engine, no atlas cache; {cores} cores; "
        f"starting one simulation process takes {start:.1f} s "
        f"(the first, building the compiled engine's C in this fresh home if it runs, {first:.1f} s); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "| processes | wall time | runs | steps | sum of run times | per step | slowest run "
        "| processes' CPU time | cores used |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    walls = {}
    for workers in counts:
        cpu = children_cpu_seconds()
        result = run_atlas(settings, workers=workers, use_cache=False)
        walls[workers] = result.wall_seconds
        print(row(workers, result, children_cpu_seconds() - cpu), flush=True)
    target = TARGET_SECONDS.get(engine)
    default_run = options.mode == "faithful" and options.seconds == 0.5 and options.model is None
    if 2 in walls and target and default_run:
        verdict = "met" if walls[2] <= target else "not met"
        print(
            f"target on the {engine} engine: the atlas in <= {target:g} s on 2 cores: {verdict} ({walls[2]:.1f} s; "
            f"load average {os.getloadavg()[0]:.1f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main_atlas(sys.argv[1:]))
