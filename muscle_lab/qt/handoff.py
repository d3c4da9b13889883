"""What the GUI thread and the simulation thread share: the latest excitations, and whose
turn it is to hold the GIL."""

from __future__ import annotations

import threading

import numpy as np


class GuiTurns:
    """Steps wait while the GUI draws.

    A step holds the GIL for its whole C++ integration (~10 ms), and a redraw enters Python
    many times (pyqtgraph's paint methods): without turns each entry could wait a whole step.
    """

    MAX_WAIT_SECONDS = 0.1  # a step never waits longer than this for the GUI

    def __init__(self) -> None:
        self._idle = threading.Event()
        self._idle.set()
        self._pose_wanted = threading.Event()  # the GUI drew the last pose: read a new one
        self._pose_wanted.set()

    def gui_busy(self) -> None:
        self._idle.clear()

    def gui_idle(self) -> None:
        self._idle.set()

    def wait_for_gui(self) -> None:
        self._idle.wait(self.MAX_WAIT_SECONDS)  # releases the GIL while waiting

    def request_pose(self) -> None:
        """The GUI has drawn the last pose; the next batch may carry a new one."""
        self._pose_wanted.set()

    def take_pose_request(self) -> bool:
        """True (once) when a pose should be read: poses follow the redraw rate, not the steps."""
        wanted = self._pose_wanted.is_set()
        self._pose_wanted.clear()
        return wanted


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
