"""A one-line label that never widens its parent: where its text does not fit, it ends in "…"
and the whole text is its tooltip (a label is either whole or whole on hover)."""

from __future__ import annotations

from PyQt5.QtCore import QSize, Qt
from PyQt5.QtGui import QPainter
from PyQt5.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """Plain text, elided at the right where cut; `full_text` is what it says whole."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if text == self._full:
            return
        self._full = text
        super().setText(text)
        self.setToolTip(text)
        self.update()

    @property
    def full_text(self) -> str:
        return self._full

    @property
    def is_elided(self) -> bool:
        """True while the label is too narrow for its whole text (the tooltip then says it)."""
        return self.fontMetrics().horizontalAdvance(self._full) > self.contentsRect().width()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self._full, Qt.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignVCenter), text)
