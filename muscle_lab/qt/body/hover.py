"""Where the pointer rests over the 3D view: one pick at a time is asked of the render thread,
and a position the pointer has left while the thread was busy is never asked for."""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QPoint


class HoverTracker:
    def __init__(self, ask: Callable[[QPoint], bool]) -> None:
        """`ask(position)` asks for a pick there; False when it could not be asked."""
        self._ask = ask
        self.at: QPoint | None = None  # where the pointer rests, while over the view
        self._asked: QPoint | None = None
        self._in_flight = False

    def moved(self, position: QPoint) -> None:
        self.at = position
        self._ask_latest()

    def left(self) -> None:
        self.at = None

    def answered(self) -> bool:
        """A hover pick came back: whether it still applies (the pointer is over the view). One
        for a position since left is asked now: the latest only."""
        self._in_flight = False
        if self.at is None:
            return False
        if self.at != self._asked:
            self._ask_latest()
        return True

    def _ask_latest(self) -> None:
        if self._in_flight or self.at is None:
            return
        self._asked, self._in_flight = self.at, True
        if not self._ask(self.at):
            self._in_flight = False
