"""What the GUI thread and the simulation thread share: the latest excitations, and whether
the GUI is ready for another body pose."""

from __future__ import annotations

import threading

import numpy as np


class PoseRequests:
    """Poses follow the redraw rate, not the steps: the worker reads a new body pose only once
    the GUI has drawn the last one (reading one costs ~100 OpenSim calls in the child)."""

    def __init__(self) -> None:
        self._pose_wanted = threading.Event()
        self._pose_wanted.set()

    def request_pose(self) -> None:
        """The GUI has drawn the last pose; the next batch may carry a new one."""
        self._pose_wanted.set()

    def take_pose_request(self) -> bool:
        """True (once) when a pose should be read."""
        if not self._pose_wanted.is_set():
            return False
        self._pose_wanted.clear()  # a request set after the check above waits for the next batch
        return True


class ExcitationMailbox:
    """The latest excitations the GUI asked for; a burst of slider moves costs one copy each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: np.ndarray | None = None

    def post(self, values: np.ndarray) -> None:
        with self._lock:
            self._values = np.array(values, dtype=float)

    def take(self) -> np.ndarray | None:
        with self._lock:
            values, self._values = self._values, None
        return values
