"""When the user's controller started its current call, shared by the simulation process and its parent.

The limit inside the child (a SIGALRM timer) gives a traceback at the line where a controller was
stuck, but the controller can defeat it (a bare `except:` retry loop, `setitimer(0)`, SIGALRM
ignored, a C extension that never returns). The parent reads this watch while it waits on the
pipe and ends the child's process group once a call has overrun its limit by GRACE_SECONDS:
a limit the controller cannot reach.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Iterator
from dataclasses import dataclass

GRACE_SECONDS = 1.0  # the child's own timer has this long to stop the call with a traceback
CALL = 0.0
LOAD = 1.0


@dataclass(frozen=True)
class Overrun:
    """A call or load that was still running past its limit (or when the child died)."""

    kind: str  # "call" or "load"
    limit: float
    step: int


class CallWatch:
    """Shared memory of three numbers: (start as time.monotonic(), or 0 when idle; limit; step),
    plus the kind. CLOCK_MONOTONIC is the same clock in every process of the machine."""

    def __init__(self, context: multiprocessing.context.BaseContext | None = None) -> None:
        self._values = (context or multiprocessing.get_context("spawn")).RawArray("d", 4)

    @contextlib.contextmanager
    def watched(self, limit: float, step: int = 0, kind: float = CALL) -> Iterator[None]:
        """In the child: the code in the block is watched (the start is written last)."""
        values = self._values
        values[1], values[2], values[3] = limit, float(step), kind
        values[0] = time.monotonic()
        try:
            yield
        finally:
            values[0] = 0.0

    def running(self) -> Overrun | None:
        """In the parent: the call in progress, None when idle."""
        started = self._values[0]
        if not started:
            return None
        limit, step, kind = self._values[1], self._values[2], self._values[3]
        return Overrun("load" if kind == LOAD else "call", limit, int(step))

    def overrun(self, grace: float = GRACE_SECONDS) -> Overrun | None:
        """In the parent: the call in progress when it has run longer than its limit plus `grace`."""
        started = self._values[0]
        current = self.running()
        if current is None or time.monotonic() - started <= current.limit + grace:
            return None
        return current

    def clear(self) -> None:
        self._values[0] = 0.0
