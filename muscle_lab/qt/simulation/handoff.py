"""What the GUI thread and the simulation thread share: the latest excitations."""

from __future__ import annotations

import threading

import numpy as np


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
