"""A fixed-size history of samples that reads out in time order without copying."""

from __future__ import annotations

import numpy as np


class RingBuffer:
    """The last `capacity` rows of (x, values).

    Each row is written twice, at i and i + capacity, so the newest `capacity` rows are always
    one contiguous slice: `view()` hands pyqtgraph a numpy view, and memory never grows.
    """

    def __init__(self, capacity: int, channels: int) -> None:
        if capacity < 1:
            raise ValueError("a ring buffer needs room for at least one sample")
        self.capacity = capacity
        self._x = np.zeros(2 * capacity)
        self._values = np.zeros((2 * capacity, channels))
        self._next = 0
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, x: float, values: np.ndarray) -> None:
        i = self._next
        self._x[i] = self._x[i + self.capacity] = x
        self._values[i] = self._values[i + self.capacity] = values
        self._next = (i + 1) % self.capacity
        self._count = min(self._count + 1, self.capacity)

    def clear(self) -> None:
        self._next = self._count = 0

    def view(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, values) of the stored rows, oldest first; views into the buffer, not copies."""
        start = self._next if self._count == self.capacity else 0
        end = start + self._count
        return self._x[start:end], self._values[start:end]

    @property
    def last_x(self) -> float | None:
        if self._count == 0:
            return None
        return float(self._x[(self._next - 1) % self.capacity])
