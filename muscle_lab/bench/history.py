"""`python -m muscle_lab.bench --history`: how much memory the history keeps for a long session.

Real frames, poses and saved states of the default model (one standing episode, simulated in
faithful mode on the engine the window would run: the compiled one where the model qualifies,
which draws its poses from its own state) are copied the way they arrive from the simulation
process (pickled), numbered as successive episodes, until `--minutes` of simulated time have
been filed: into the window's `History` and into the simulation process's `StateStore`, each
with its default budget. Memory is measured with tracemalloc (what Python allocated and still
holds), next to the estimates the budgets use.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import time
import tracemalloc

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.history import History, channel_count
from muscle_lab.core.simulation.state_store import StateStore

EPISODE_STEPS = 200  # steps simulated once and then repeated as new episodes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --history", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="simulated minutes filed (default %(default)s)")
    return parser


def record_episode() -> tuple[list[bytes], list[bytes], str]:
    """One episode's (frame, pose) pairs and saved states, pickled as they cross the pipe, and
    the engine that ran it."""
    from muscle_lab.core.compiled.choose import ChosenSimulation
    from muscle_lab.core.simulation.integrator import FAITHFUL
    from muscle_lab.core.simulation.pose import PoseReader

    simulation = ChosenSimulation(None, FAITHFUL)
    reader = PoseReader(simulation.loaded)
    simulation.set_excitations([0.05] * len(simulation.muscles))
    steps, states = [], []
    for _ in range(EPISODE_STEPS):
        frame = simulation.step()
        steps.append(pickle.dumps((dataclasses.replace(frame, done=False), simulation.read_pose(reader))))
        states.append(pickle.dumps(simulation.saved_state()))
    return steps, states, simulation.engine


def main_history(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    steps, states, engine = record_episode()
    total = round(options.minutes * 60 / STEP_SECONDS)
    frame, _ = pickle.loads(steps[0])
    arrivals = [pickle.loads(steps[i % EPISODE_STEPS]) for i in range(min(total, 5000))]
    timed = History(channel_count(frame.joint_angles.size))
    started = time.perf_counter()
    for i, (frame, pose) in enumerate(arrivals):
        timed.add(dataclasses.replace(frame, episode=i // EPISODE_STEPS), pose)
    filing_ms = (time.perf_counter() - started) / len(arrivals) * 1000
    del arrivals, timed
    tracemalloc.start()
    history = History(channel_count(frame.joint_angles.size))
    for i in range(total):
        frame, pose = pickle.loads(steps[i % EPISODE_STEPS])
        history.add(dataclasses.replace(frame, episode=i // EPISODE_STEPS), pose)
    window_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    kept = sum(len(e.frames) for e in history)
    tracemalloc.start()
    store = StateStore()
    for i in range(total):
        saved = pickle.loads(states[i % EPISODE_STEPS])
        store.put(dataclasses.replace(saved, episode=i // EPISODE_STEPS))
    store_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    mb = 2**20
    print(
        f"History benchmark: {options.minutes:g} min of simulated time ({total} steps, episodes of {EPISODE_STEPS}; "
        f"faithful mode on the {engine} engine)"
    )
    print(
        f"  window history      {kept} steps kept ({kept * STEP_SECONDS:.0f} s, {len(history)} episodes, "
        f"{history.dropped_episodes} dropped), estimate {history.nbytes / mb:.1f} MB, measured "
        f"{window_bytes / mb:.1f} MB (budget {history.budget_bytes / mb:.0f} MB), {filing_ms * 1000:.0f} µs a step"
    )
    print(
        f"  simulation states   {len(store)} steps kept ({len(store) * STEP_SECONDS:.0f} s), estimate "
        f"{store.nbytes / mb:.1f} MB, measured {store_bytes / mb:.1f} MB (budget {store.budget_bytes / mb:.0f} MB)"
    )
    print(f"  in all              measured {(window_bytes + store_bytes) / mb:.1f} MB  target <= 100 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main_history(sys.argv[1:]))
