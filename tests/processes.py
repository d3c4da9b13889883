"""What tests ask of the process table (Linux /proc): are children left behind?"""

from __future__ import annotations

import os
import signal
from pathlib import Path


def take_back_ctrl_c() -> None:
    """Popen's preexec_fn for a command a test stops with SIGINT: a shell's background job
    ignores Ctrl+C and its children inherit that (Python then installs no KeyboardInterrupt), so
    a suite started in the background saw the command ignore it. Only signal.signal runs between
    fork and exec: the preexec_fn thread warning does not apply."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def child_pids() -> set[int]:
    """Processes whose parent is this one (zombies included: a child not reaped counts)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                pids.add(int(entry.name))
    return pids
