"""The plots' history buffer: time order, bounded size, no copies."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.qt.ring_buffer import RingBuffer


def test_keeps_the_newest_rows_in_time_order():
    buffer = RingBuffer(capacity=4, channels=2)
    for i in range(10):
        buffer.append(float(i), np.array([i, 10 * i]))
    x, values = buffer.view()
    assert x.tolist() == [6.0, 7.0, 8.0, 9.0]
    assert values[:, 1].tolist() == [60.0, 70.0, 80.0, 90.0]
    assert len(buffer) == 4 and buffer.last_x == 9.0


def test_partly_filled_buffer_and_clear():
    buffer = RingBuffer(capacity=5, channels=1)
    assert buffer.last_x is None and buffer.view()[0].size == 0
    buffer.append(0.5, np.array([1.0]))
    buffer.append(0.6, np.array([2.0]))
    assert buffer.view()[0].tolist() == [0.5, 0.6]
    buffer.clear()
    assert len(buffer) == 0


def test_view_shares_memory_with_the_buffer():
    buffer = RingBuffer(capacity=3, channels=1)
    for i in range(7):
        buffer.append(float(i), np.array([float(i)]))
    x, _ = buffer.view()
    assert np.shares_memory(x, buffer._x)  # noqa: SLF001  the storage itself: the view must not copy it


def test_refuses_an_empty_capacity():
    with pytest.raises(ValueError, match="at least one sample"):
        RingBuffer(capacity=0, channels=1)
