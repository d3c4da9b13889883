"""The presets panel: list, apply (optionally blended), save, rename, delete, import, export.

It works on files and numpy arrays only and never touches OpenSim: applying a preset emits
`applyRequested(array)` and the window moves its sliders and sends the values to the worker.
Dialogs sit behind small methods (`ask_text`, `confirm`, `choose_import_file`,
`choose_export_file`) so tests and embedders can answer them without a modal loop.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.presets.store import (
    BUILTIN,
    USER,
    Preset,
    PresetError,
    PresetExistsError,
    PresetStore,
    blend,
    match_preset,
)

JSON_FILTER = "Preset or excitation list (*.json);;All files (*)"


class PresetsPanel(QWidget):
    """Presets for the loaded model; emits `applyRequested(np.ndarray)` with one value per muscle."""

    applyRequested = pyqtSignal(object)

    def __init__(
        self,
        muscle_names: Sequence[str],
        model_name: str,
        store: PresetStore | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store if store is not None else PresetStore()
        self._muscle_names: tuple[str, ...] = ()
        self._model_name = ""
        self._current = np.zeros(0)
        self._presets: dict[str, Preset] = {}

        self.preset_list = QListWidget()
        self.preset_list.currentItemChanged.connect(lambda *_: self._update_selection())
        self.preset_list.itemDoubleClicked.connect(lambda *_: self.apply_selected())
        self.description_label = QLabel(wordWrap=True)
        self.warning_label = QLabel(wordWrap=True)
        self.warning_label.setStyleSheet("color: #b35900;")
        self.message_label = QLabel(wordWrap=True)
        self.message_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.strength_slider = QSlider(Qt.Horizontal)
        self.strength_slider.setRange(0, 100)
        self.strength_spin = QSpinBox()
        self.strength_spin.setRange(0, 100)
        self.strength_spin.setSuffix(" %")
        self.strength_slider.valueChanged.connect(self.strength_spin.setValue)
        self.strength_spin.valueChanged.connect(self.strength_slider.setValue)
        self.strength_spin.setValue(100)
        self.strength_slider.setToolTip("Apply at this strength: current + strength × (preset − current)")
        self.strength_spin.setToolTip(self.strength_slider.toolTip())

        self.apply_button = QPushButton("Apply")
        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("Save the current sliders as a new preset")
        self.rename_button = QPushButton("Rename…")
        self.delete_button = QPushButton("Delete")
        self.import_button = QPushButton("Import…")
        self.export_button = QPushButton("Export…")
        self.apply_button.clicked.connect(self.apply_selected)
        self.save_button.clicked.connect(self.save_current_as)
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.import_button.clicked.connect(self.import_preset)
        self.export_button.clicked.connect(self.export_selected)

        strength_row = QHBoxLayout()
        strength_row.addWidget(QLabel("Strength"))
        strength_row.addWidget(self.strength_slider, 1)
        strength_row.addWidget(self.strength_spin)
        buttons = QGridLayout()
        for position, button in enumerate(
            (
                self.apply_button,
                self.save_button,
                self.rename_button,
                self.delete_button,
                self.import_button,
                self.export_button,
            )
        ):
            buttons.addWidget(button, position // 2, position % 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preset_list, 1)
        layout.addWidget(self.description_label)
        layout.addLayout(strength_row)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)
        layout.addWidget(self.warning_label)

        self.set_model(muscle_names, model_name)

    # -- interface for the window ----------------------------------------------------------
    def set_model(self, muscle_names: Sequence[str], model_name: str) -> None:
        """A new model is loaded: presets are matched to its muscles from now on."""
        self._muscle_names = tuple(muscle_names)
        self._model_name = model_name
        self._current = np.zeros(len(self._muscle_names))
        self.refresh()

    def set_current_excitations(self, values: Sequence[float]) -> None:
        """The sliders' values: the base for blending and what "Save current as…" stores."""
        array = np.array(values, dtype=float)
        if array.shape != (len(self._muscle_names),):
            raise ValueError(f"expected {len(self._muscle_names)} excitations, got {array.size}")
        self._current = array

    @property
    def strength(self) -> float:
        return self.strength_spin.value() / 100.0

    def preset_names(self) -> list[str]:
        return list(self._presets)

    def selected_preset(self) -> Preset | None:
        item = self.preset_list.currentItem()
        return self._presets.get(item.data(Qt.UserRole)) if item is not None else None

    def select(self, name: str) -> None:
        for row in range(self.preset_list.count()):
            if self.preset_list.item(row).data(Qt.UserRole) == name:
                self.preset_list.setCurrentRow(row)
                return

    def refresh(self, select: str | None = None) -> None:
        """Re-read the presets; bad files become a warning line, never an exception."""
        keep = select or (self.selected_preset().name if self.selected_preset() else None)
        listing = self.store.list_presets()
        self._presets = {p.name: p for p in listing.presets}
        self.preset_list.clear()
        for preset in listing.presets:
            text = f"{preset.name}  ({preset.kind})"
            if preset.model != self._model_name:
                text += f"  · for {preset.model}"
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, preset.name)
            item.setToolTip(f"{preset.description}\nmodel {preset.model}, created {preset.created}")
            if preset.kind == BUILTIN:
                font = item.font()
                font.setItalic(True)
                item.setFont(font)
            self.preset_list.addItem(item)
        if listing.problems:
            lines = [f"Skipped {len(listing.problems)} unreadable preset file(s):"]
            lines += [str(problem) for problem in listing.problems]
            self.warning_label.setText("\n".join(lines))
        else:
            self.warning_label.setText("")
        self.warning_label.setVisible(bool(listing.problems))
        if keep:
            self.select(keep)
        self._update_selection()

    # -- actions ---------------------------------------------------------------------------
    def apply_selected(self) -> None:
        preset = self.selected_preset()
        if preset is None or not self._model_loaded():
            return
        try:
            match = match_preset(preset, self._muscle_names)
            values = blend(self._current, match.excitations, self.strength)
        except PresetError as error:
            self._show_message(str(error), error=True)
            return
        self._current = values.copy()
        self.applyRequested.emit(values)
        strength = "" if self.strength_spin.value() == 100 else f" at {self.strength_spin.value()} %"
        self._show_message("\n".join([f"Applied {preset.name}{strength}.", *match.notes]))

    def save_current_as(self) -> None:
        if not self._model_loaded():
            return
        name = self.ask_text("Save preset", "Name of the new preset:")
        if not name:
            return
        description = self.ask_text("Save preset", f"Description of {name} (optional):")
        if description is None:
            return
        force = False
        if self.store.kind_of(name) == USER:
            if not self.confirm("Replace preset?", f"A user preset named {name!r} already exists. Replace it?"):
                return
            force = True
        try:
            preset = self.store.save(
                name, self._muscle_names, self._current, model=self._model_name, description=description, force=force
            )
        except PresetError as error:
            self._show_message(str(error), error=True)
            return
        self.refresh(select=preset.name)
        self._show_message(f"Saved {preset.name} to {preset.path}.")

    def rename_selected(self) -> None:
        preset = self.selected_preset()
        if preset is None or preset.kind != USER:
            return
        new_name = self.ask_text("Rename preset", f"New name for {preset.name}:", preset.name)
        if not new_name or new_name == preset.name:
            return
        try:
            renamed = self.store.rename(preset.name, new_name)
        except PresetError as error:
            self._show_message(str(error), error=True)
            return
        self.refresh(select=renamed.name)
        self._show_message(f"Renamed {preset.name} to {renamed.name}.")

    def delete_selected(self) -> None:
        preset = self.selected_preset()
        if preset is None or preset.kind != USER:
            return
        if not self.confirm("Delete preset?", f"Delete the preset {preset.name!r}? Its file is removed."):
            return
        try:
            path = self.store.delete(preset.name)
        except PresetError as error:
            self._show_message(str(error), error=True)
            return
        self.refresh()
        self._show_message(f"Deleted {preset.name} ({path}).")

    def import_preset(self) -> None:
        if not self._model_loaded():
            return
        path = self.choose_import_file()
        if not path:
            return
        arguments = {"model": self._model_name, "muscle_names": self._muscle_names}
        try:
            try:
                preset = self.store.import_file(path, **arguments)
            except PresetExistsError as error:
                if not self.confirm("Replace preset?", f"{error}. Replace it with the imported one?"):
                    return
                preset = self.store.import_file(path, force=True, **arguments)
        except PresetError as error:
            self._show_message(str(error), error=True)
            return
        self.refresh(select=preset.name)
        self._show_message(f"Imported {preset.name} from {path}.")

    def export_selected(self) -> None:
        preset = self.selected_preset()
        if preset is None:
            return
        path = self.choose_export_file(f"{preset.name}.json")
        if not path:
            return
        try:
            written = self.store.export(preset.name, path, force=True)  # the file dialog asked already
        except PresetError as error:
            self._show_message(str(error), error=True)
            return
        self._show_message(f"Exported {preset.name} to {written}.")

    # -- dialogs (override or monkeypatch in tests) ----------------------------------------
    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        """A line of text from the user, or None when cancelled."""
        answer, accepted = QInputDialog.getText(self, title, label, QLineEdit.Normal, text)
        return answer.strip() if accepted else None

    def confirm(self, title: str, question: str) -> bool:
        reply = QMessageBox.question(self, title, question, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
        return reply == QMessageBox.Yes

    def choose_import_file(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, "Import preset", "", JSON_FILTER)
        return path or None

    def choose_export_file(self, suggested_name: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Export preset", suggested_name, JSON_FILTER)
        return path or None

    # -- internals -------------------------------------------------------------------------
    def _model_loaded(self) -> bool:
        if not self._muscle_names:
            self._show_message("No model is loaded yet.", error=True)
        return bool(self._muscle_names)

    def _update_selection(self) -> None:
        preset = self.selected_preset()
        self.apply_button.setEnabled(preset is not None)
        self.export_button.setEnabled(preset is not None)
        editable = preset is not None and preset.kind == USER
        self.rename_button.setEnabled(editable)
        self.delete_button.setEnabled(editable)
        self.description_label.setText(preset.description if preset else "")

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message_label.setStyleSheet("color: #c0392b;" if error else "")
        self.message_label.setText(text)
