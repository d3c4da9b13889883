"""The Tune tab's controller choice: a file picker and the parameters its file declares.

The declaration is read with `ast` (core.controller_parameters), never run: the user's code runs
in the simulation processes only, so a file that hangs or crashes on import cannot take the
window with it; the search reports that when it starts.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import pyqtSignal
from PyQt5.QtWidgets import QFileDialog, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from muscle_lab.core.simulation.controller_parameters import Parameter, ParameterError, read_parameters

CONTROLLER_FILTER = "Python controllers (*.py)"


class ControllerRow(QWidget):
    """Which controller file is tuned, and what it declares (`parameters`, empty until a good file)."""

    changed = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: Path | None = None
        self.parameters: tuple[Parameter, ...] = ()
        self.choose_button = QPushButton("Choose a file…")
        self.choose_button.setToolTip("a controller file that declares PARAMETERS = {'name': (initial, low, high)}")
        self.choose_button.clicked.connect(self.choose)
        # The file's name and its parameters' names; their values and bounds in the tooltip (the tab stays short).
        self.parameters_label = QLabel("No file chosen.")
        self.parameters_label.setWordWrap(True)
        self.parameters_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)  # never widens the dock
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.choose_button)
        layout.addWidget(self.parameters_label)

    @property
    def spec_text(self) -> str | None:
        """FILE.py for `TuneSettings.controller`, None until a file with parameters is chosen."""
        return str(self.path) if self.path is not None and self.parameters else None

    def choose(self) -> None:
        start = str(self.path.parent) if self.path is not None else ""
        path, _ = QFileDialog.getOpenFileName(self, "Controller to tune", start, CONTROLLER_FILTER)
        if path:
            self.set_file(Path(path))

    def set_file(self, path: Path) -> bool:
        """Read the file's declaration; False (and why, in the row) when it cannot be tuned."""
        self.path = path
        try:
            self.parameters = read_parameters(path)
        except ParameterError as error:
            self.parameters = ()
            self.parameters_label.setText(f"Cannot tune {path.name}: {error}")
        else:
            self.parameters_label.setText(_describe(self.parameters, path.name))
        self.parameters_label.setToolTip(
            "\n".join([str(path), *(f"{p.name}: {p.initial:g} in [{p.low:g}, {p.high:g}]" for p in self.parameters)])
        )
        self.changed.emit()
        return bool(self.parameters)


def _describe(parameters: tuple[Parameter, ...], name: str) -> str:
    if not parameters:
        return f"{name} declares no PARAMETERS: nothing to tune."
    return f"{name}, {len(parameters)} parameters: " + ", ".join(p.name for p in parameters)
