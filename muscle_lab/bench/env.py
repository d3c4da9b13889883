"""`python -m muscle_lab.bench --env`: steps per second of the gymnasium environment.

The environment computes osim-rl's 160-value observation on every step; so does the original
osim-rl v2.1.5, timed in the same run when a copy of it is given (`--osim-rl PATH` or the
MUSCLE_LAB_OSIM_RL variable: a folder holding osim-rl's `osim/` at commit bd3ba244, extracted
outside the project, e.g. `git archive bd3ba244 osim | tar -x -C /tmp/osimrl`). The original
is patched at run time for OpenSim 4.6 (`prescribeControlForActuator` by muscle name); none of
its code is kept here. Also 1 and 2 environments in gymnasium's SyncVectorEnv and AsyncVectorEnv
(`--scenarios "" --vector-steps N` times those alone).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

OSIM_RL_ENV = "MUSCLE_LAB_OSIM_RL"
OSIM_RL_COMMIT = "bd3ba244"
INDEX_FORM = "self.brain.prescribeControlForActuator(j, func)"
NAME_FORM = "self.brain.prescribeControlForActuator(self.muscleSet.get(j).getName(), func)"
HIP_THRUST = np.array([1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)])
SCENARIOS = ("random actions", "standing 0.05", "hip thrust")
TARGET_OBSERVATION_SHARE = 0.20


def actions_for(scenario: str, seed: int = 0) -> Callable[[], np.ndarray]:
    """The action of each step: uniform random (seeded), all 0.05, or the hip thrust."""
    if scenario == "random actions":
        generator = np.random.default_rng(seed)
        return lambda: generator.random(19)
    constant = np.full(19, 0.05) if scenario == "standing 0.05" else HIP_THRUST
    return lambda: constant


def load_original(copy: Path) -> types.ModuleType:
    """osim-rl's `osim/env/osim.py` from an extracted copy, patched for OpenSim 4.6, as `osim.env.osim`.

    The patch is the only change: the index form of `prescribeControlForActuator`, which 4.6
    refuses, becomes the muscle-name form. gym (which the original imports for `gym.Env` and
    `spaces.Box` only) is stood in for when it is not installed.
    """
    source_path = copy / "osim" / "env" / "osim.py"
    source = source_path.read_text(encoding="utf-8")
    if source.count(INDEX_FORM) != 1:
        raise ValueError(f"{source_path}: expected one `{INDEX_FORM}`; is it osim-rl {OSIM_RL_COMMIT}?")
    _stand_in_for_gym()
    sys.path.insert(0, str(copy))
    try:
        import osim.env  # noqa: F401  the package; its __init__ imports the unpatched module, which runs nothing
    finally:
        sys.path.remove(str(copy))
    module = types.ModuleType("osim.env.osim")
    module.__package__ = "osim.env"
    module.__file__ = str(source_path)
    exec(compile(source.replace(INDEX_FORM, NAME_FORM), str(source_path), "exec"), module.__dict__)
    sys.modules["osim.env.osim"] = module
    return module


def _stand_in_for_gym() -> None:
    try:
        import gym
    except ImportError:
        gym = types.ModuleType("gym")
        spaces = types.ModuleType("gym.spaces")
        spaces.Box = lambda low, high: (low, high)  # type: ignore[attr-defined]
        gym.Env = object  # type: ignore[attr-defined]
        gym.spaces = spaces  # type: ignore[attr-defined]
        sys.modules.update({"gym": gym, "gym.spaces": spaces})


def original_env(module: types.ModuleType, model_path: Path) -> Any:
    """A ProstheticsEnv of the original at difficulty 0 on the given model file."""
    env = module.ProstheticsEnv(visualize=False, difficulty=0)
    env.load_model(str(model_path))
    env.set_difficulty(0)
    return env


@dataclass
class Timing:
    configuration: str
    steps: int
    seconds: float
    observation_seconds: float | None  # None when not measured

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds

    @property
    def observation_share(self) -> float | None:
        return None if self.observation_seconds is None else self.observation_seconds / self.seconds


class _Stopwatch:
    """Wraps a callable and adds up the time spent in it."""

    def __init__(self, function: Callable[[], Any]) -> None:
        self.function = function
        self.seconds = 0.0

    def __call__(self) -> Any:
        started = time.perf_counter()
        try:
            return self.function()
        finally:
            self.seconds += time.perf_counter() - started


def time_env(mode: str, scenario: str, steps: int) -> Timing:
    """muscle_lab's environment in this process: `steps` steps, a reset at each episode end (not timed)."""
    from muscle_lab.env import ProstheticsEnv

    # Faithful mode on OpenSim, unless "compiled" asks for the compiled engine: rows say which.
    engine = "compiled" if mode == "compiled" else "opensim"
    env = ProstheticsEnv(mode="faithful" if mode in ("before", "compiled") else mode, engine=engine)
    if mode == "before":  # faithful mode's previous settings: CPodes at 5e-5, interpolating
        from muscle_lab.bench.simulation import BEFORE

        env.simulation.change_integrator(BEFORE)
    stopwatch = _Stopwatch(env.get_observation)
    env.get_observation = stopwatch  # type: ignore[method-assign]  # its step calls self.get_observation()
    action = actions_for(scenario)
    env.reset()
    stopwatch.seconds = 0.0
    elapsed = 0.0
    for _ in range(steps):
        started = time.perf_counter()
        _, _, terminated, truncated, _ = env.step(action())
        elapsed += time.perf_counter() - started
        if terminated or truncated:
            observed = stopwatch.seconds
            env.reset()
            stopwatch.seconds = observed
    return Timing(f"muscle_lab env, {mode}", steps, elapsed, stopwatch.seconds)


def time_original(module: types.ModuleType, scenario: str, steps: int) -> Timing:
    """The original v2.1.5 on the same actions: its `step` computes the state description and the observation."""
    from muscle_lab.core.paths import default_model_path

    env = original_env(module, default_model_path())
    stopwatch = _Stopwatch(env.get_observation)
    env.get_observation = stopwatch  # its step calls self.get_observation()
    action = actions_for(scenario)
    env.reset()
    stopwatch.seconds = 0.0
    elapsed = 0.0
    for _ in range(steps):
        started = time.perf_counter()
        _, _, done, _ = env.step(action())
        elapsed += time.perf_counter() - started
        if done:
            observed = stopwatch.seconds
            env.reset()
            stopwatch.seconds = observed
    return Timing(f"original osim-rl {OSIM_RL_COMMIT}", steps, elapsed, stopwatch.seconds)


@dataclass
class VectorTiming:
    kind: str  # "sync" or "async"
    count: int
    steps: int  # environment steps, all environments
    seconds: float
    cpu_seconds: float  # this process's and, for async, its environments' processes'

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds

    @property
    def steps_per_cpu_second(self) -> float:
        return self.steps / self.cpu_seconds


def time_vector_env(kind: str, count: int, steps: int, engine: str = "compiled", seed: int = 0) -> VectorTiming:
    """`count` environments (faithful mode on `engine`) in a gymnasium SyncVectorEnv (one process)
    or AsyncVectorEnv (a process each), random actions, `steps` each; the first reset not timed.
    CPU time too: on a shared machine the wall clock says more about the others' work."""
    from gymnasium.vector import AsyncVectorEnv, SyncVectorEnv

    from muscle_lab.bench.headless_rate import process_cpu_seconds
    from muscle_lab.env import ProstheticsEnv

    make = [functools.partial(ProstheticsEnv, engine=engine) for _ in range(count)]
    vector = AsyncVectorEnv(make, context="spawn") if kind == "async" else SyncVectorEnv(make)
    pids = [process.pid for process in getattr(vector, "processes", [])]

    def cpu() -> float:
        return time.process_time() + sum(process_cpu_seconds(pid) for pid in pids)

    try:
        vector.action_space.seed(seed)
        vector.reset(seed=seed)
        started, cpu_started = time.perf_counter(), cpu()
        for _ in range(steps):
            vector.step(vector.action_space.sample())  # ended episodes reset on the next step, by themselves
        elapsed, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
    finally:
        vector.close()
    return VectorTiming(kind, count, steps * count, elapsed, cpu_seconds)


def time_vector_envs(steps: int, engine: str) -> None:
    """Sync and async vector envs of 1 and 2 environments, one after the other, with the ratios."""
    from muscle_lab.env import ProstheticsEnv

    ProstheticsEnv(engine=engine).close()  # builds the compiled engine's C once, before anything is timed
    print(f"\nVector envs, faithful mode on the {engine} engine, random actions, {steps} steps each")
    print("| vector env | environments | steps | steps/s (wall) | steps per CPU second | cores used | load average |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    timings = {}
    for kind in ("sync", "async"):
        for count in (1, 2):
            timings[kind, count] = t = time_vector_env(kind, count, steps, engine)
            print(
                f"| {kind.capitalize()}VectorEnv | {count} | {t.steps} | {t.steps_per_second:.0f} | "
                f"{t.steps_per_cpu_second:.0f} | {t.cpu_seconds / t.seconds:.2f} | {os.getloadavg()[0]:.1f} |",
                flush=True,
            )
    for kind in ("sync", "async"):
        ratio = timings[kind, 2].steps_per_second / timings[kind, 1].steps_per_second
        print(f"\n{kind} vector env: 2 envs {ratio:.2f}x the steps/s of 1", end="")
    print(
        f"\n(cores free for two CPU-bound processes just now: {free_cores():.1f} of {os.cpu_count()}; "
        f"load average {os.getloadavg()[0]:.1f})"
    )


def _burn(count: int) -> float:
    started = time.perf_counter()
    total = 0
    for value in range(count):
        total += value
    return time.perf_counter() - started


def free_cores(count: int = 10_000_000) -> float:
    """How many cores this machine gives two CPU-bound processes now: 2.0 when both are free."""
    import multiprocessing

    one = _burn(count)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_burn, [1, 1])  # both workers started
        started = time.perf_counter()
        pool.map(_burn, [count, count])
        two = time.perf_counter() - started
    return 2 * one / two


def main_env(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --env", description=__doc__)
    parser.add_argument(
        "--osim-rl",
        type=Path,
        default=os.environ.get(OSIM_RL_ENV),
        help=f"folder holding osim-rl's osim/ at {OSIM_RL_COMMIT} (default: ${OSIM_RL_ENV})",
    )
    parser.add_argument("--steps", type=int, default=200, help="steps per scenario and configuration")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated scenario names (empty: none)")
    parser.add_argument(
        "--modes",
        default="faithful,compiled,before,reference,fast",
        help="comma-separated env modes; 'faithful' runs on OpenSim, 'compiled' is faithful on the compiled "
        "engine, 'before' faithful with its previous integrator settings",
    )
    parser.add_argument("--vector-steps", type=int, default=1000, help="steps of each vector env (0: skip)")
    parser.add_argument(
        "--vector-engine", choices=("compiled", "opensim"), default="compiled", help="the vector envs' engine"
    )
    args = parser.parse_args(argv)

    import muscle_lab.core.simulation.model  # noqa: F401  quiets OpenSim's log (a few lines a step) before the original loads

    module = None
    if args.osim_rl is None:
        print(f"The original osim-rl is not timed: give --osim-rl PATH or ${OSIM_RL_ENV} (a copy of its osim/).")
    else:
        module = load_original(Path(args.osim_rl).expanduser().resolve())
    print("| scenario | configuration | steps | steps/s | ms/step | observation ms/step | share | vs original |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    shares, ratios = [], []
    for scenario in [name for name in args.scenarios.split(",") if name]:  # "" times the vector envs only
        original = time_original(module, scenario, args.steps) if module is not None else None
        if original is not None:
            print(_row(scenario, original, original), flush=True)
        timings = {}
        for mode in args.modes.split(","):
            timings[mode] = timing = time_env(mode, scenario, args.steps)
            print(_row(scenario, timing, original), flush=True)
            if mode == "faithful" and timing.observation_share is not None:
                shares.append((scenario, timing.observation_share))
        ratios.append(_faithful_ratios(scenario, timings))
    if args.vector_steps > 0:
        time_vector_envs(args.vector_steps, args.vector_engine)
    print()
    for line in ratios:
        if line:
            print(line)
    if shares:
        worst = max(share for _, share in shares)
        verdict = "met" if worst <= TARGET_OBSERVATION_SHARE else "NOT met"
        target = f"target <= {TARGET_OBSERVATION_SHARE:.0%}"
        print(f"observation share of a faithful step: at most {worst:.1%} ({target}: {verdict})")
    return 0


def _faithful_ratios(scenario: str, timings: dict[str, Timing]) -> str:
    """Faithful's steps per second against reference mode's and its previous settings', same run."""
    faithful = timings.get("faithful")
    if faithful is None:
        return ""
    parts = [
        f"{faithful.steps_per_second / timings[name].steps_per_second:.2f}x {label}"
        for name, label in (("reference", "reference mode"), ("before", "its previous settings"))
        if name in timings
    ]
    line = f"{scenario}: faithful runs {', '.join(parts)}" if parts else ""
    compiled = timings.get("compiled")
    if compiled is not None:
        line += (
            f"; on the compiled engine {compiled.steps_per_second / faithful.steps_per_second:.1f}x faithful on OpenSim"
        )
    return line


def _row(scenario: str, timing: Timing, original: Timing | None) -> str:
    ms = timing.seconds / timing.steps * 1000
    observed = timing.observation_seconds
    observation = "—" if observed is None else f"{observed / timing.steps * 1000:.2f}"
    share = "—" if timing.observation_share is None else f"{timing.observation_share:.1%}"
    versus = "—" if original is None else f"{timing.steps_per_second / original.steps_per_second:.1f}x"
    return (
        f"| {scenario} | {timing.configuration} | {timing.steps} | {timing.steps_per_second:.1f} | {ms:.1f} "
        f"| {observation} | {share} | {versus} |"
    )
