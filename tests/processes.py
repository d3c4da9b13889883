"""What tests ask of the process table (Linux /proc): are children left behind?"""

from __future__ import annotations

import os
from pathlib import Path


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
