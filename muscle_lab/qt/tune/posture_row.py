"""The Tune tab's posture: joint angles typed as NAME=DEG,NAME=DEG, or taken from the pose the
body view shows (the timeline's step, live or past): pose the body with a preset or the sliders,
stop where it looks right, and tune another pattern to reach that posture."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from muscle_lab.core.tune.posture import posture_text


class PostureRow(QWidget):
    """A line of target angles and a button that fills it from the shown pose (`poseWanted`)."""

    poseWanted = pyqtSignal()

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(text)
        self.edit.setMinimumWidth(60)
        self.edit.setCursorPosition(0)  # a narrow dock shows the first names
        self.edit.setToolTip("joint angles in degrees, by coordinate name: NAME=DEG,NAME=DEG")
        self.shown_button = QPushButton("Shown")
        self.shown_button.setToolTip(
            "the joint angles of the pose the body view shows (the timeline's step): every joint that moves"
        )
        self.shown_button.clicked.connect(self.poseWanted)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.shown_button)

    def text(self) -> str:
        return self.edit.text()

    def take_pose(self, names: Sequence[str], degrees: np.ndarray, fixed: Sequence[str] = ()) -> None:
        """The angles of `names` (those in `fixed`, which never move, left out), to 0.1°."""
        self.edit.setText(posture_text(names, degrees, fixed))
        self.edit.setCursorPosition(0)
        self.edit.setToolTip(self.edit.text())  # whole, where the dock cuts the line
