"""A dismissible message strip at the top of the window (no modal dialog to block on)."""

from __future__ import annotations

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class MessageBar(QFrame):
    resetRequested = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("MessageBar { background: #fff3cd; border: 1px solid #e0b84c; border-radius: 3px; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.reset_button = QPushButton("Reset the simulation")
        self.reset_button.clicked.connect(self._reset)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.reset_button)
        layout.addWidget(close)
        self.topic: str | None = None
        self.hide()

    def show_message(self, text: str, offer_reset: bool = False, topic: str | None = None) -> None:
        """Show `text`; a message with a `topic` goes away once that situation has changed
        (`clear_topic`), so that no message outlives what it says."""
        self.label.setText(text)
        self.reset_button.setVisible(offer_reset)
        self.topic = topic
        self.show()

    def clear_topic(self, topic: str) -> None:
        if self.topic == topic:
            self.hide()

    @property
    def text(self) -> str:
        return "" if self.isHidden() else self.label.text()

    def _reset(self) -> None:
        self.hide()
        self.resetRequested.emit()
