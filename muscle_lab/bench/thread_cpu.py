"""Where a process's CPU goes, thread by thread (Linux /proc): the GUI benchmark's account of
the window's own threads (GUI, 3D render, llvmpipe's rasterisers, the simulation thread)
beside the simulation process, so that "the window is slow" can name what takes the cores."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping


def threads_cpu_seconds(names: Mapping[int, str] | None = None) -> dict[str, float]:
    """User+system CPU seconds of each thread of this process so far, keyed by a readable name:
    `names` (native thread id -> name) first, then Python's own thread names, then the kernel's
    (`comm`: llvmpipe's rasterisers call themselves "llvmpipe-N"); threads of one name add up."""
    known = {thread.native_id: thread.name for thread in threading.enumerate() if thread.native_id is not None}
    known[threading.main_thread().native_id or os.getpid()] = "GUI (main thread)"
    known.update(names or {})
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return totals
    for tid_text in tids:
        try:
            with open(f"/proc/self/task/{tid_text}/stat", encoding="ascii") as stat:
                comm_and_rest = stat.read()
        except OSError:
            continue  # the thread ended meanwhile
        comm = comm_and_rest[comm_and_rest.index("(") + 1 : comm_and_rest.rindex(")")]
        fields = comm_and_rest.rsplit(")", 1)[1].split()
        name = known.get(int(tid_text)) or _kernel_name(comm)
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return totals


def _kernel_name(comm: str) -> str:
    return "llvmpipe rasterisers" if comm.startswith("llvmpipe") else f"other ({comm})"


def cpu_spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """CPU seconds each named thread group used between two readings (threads born meanwhile count whole)."""
    return {name: after[name] - before.get(name, 0.0) for name in after if after[name] - before.get(name, 0.0) > 0}
