"""The presets panel with real widgets and real files; dialogs are answered by monkeypatching."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from muscle_lab.core.paths import default_model_path, osim_rl_models_dir
from muscle_lab.core.presets.store import PresetError, PresetStore
from muscle_lab.core.simulation.model_file import read_model_summary
from muscle_lab.qt.panels.presets import PresetsPanel

FIXTURES = Path(__file__).resolve().parents[1] / "core" / "fixtures" / "presets"
DEFAULT = read_model_summary(default_model_path())
MUSCLES = DEFAULT.muscle_names
HIP_THRUST = np.array([1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)])


@pytest.fixture
def store(tmp_path) -> PresetStore:
    return PresetStore(user_dir=tmp_path / "user")


@pytest.fixture
def panel(qtbot, store) -> PresetsPanel:
    widget = PresetsPanel(MUSCLES, DEFAULT.name, store)
    qtbot.addWidget(widget)
    return widget


def answer_text(monkeypatch, *answers: str | None) -> None:
    """Answer the next QInputDialog.getText calls in order; None is Cancel."""
    queue = list(answers)

    def get_text(*args) -> tuple[str, bool]:
        answer = queue.pop(0)
        return ("", False) if answer is None else (answer, True)

    monkeypatch.setattr(QInputDialog, "getText", get_text)


def answer_question(monkeypatch, reply: int) -> list[str]:
    asked: list[str] = []

    def question(parent, title, text, *rest):
        asked.append(text)
        return reply

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def item_texts(panel: PresetsPanel) -> list[str]:
    return [panel.preset_list.item(row).text() for row in range(panel.preset_list.count())]


def apply(qtbot, panel: PresetsPanel, name: str) -> np.ndarray:
    panel.select(name)
    with qtbot.waitSignal(panel.applyRequested, timeout=1000) as blocker:
        qtbot.mouseClick(panel.apply_button, Qt.LeftButton)
    return blocker.args[0]


def test_lists_builtin_and_user_presets_marked(panel, store):
    store.save("mine", MUSCLES, HIP_THRUST, model=DEFAULT.name, description="my own")
    panel.refresh()
    texts = item_texts(panel)
    assert "hip-thrust  (built-in)" in texts and "relaxed  (built-in)" in texts
    assert texts[-1] == "mine  (user)"
    panel.select("hip-thrust")
    assert panel.description_label.text().startswith("The classic")
    assert panel.apply_button.isEnabled() and panel.export_button.isEnabled()
    assert not panel.rename_button.isEnabled() and not panel.delete_button.isEnabled()
    panel.select("mine")
    assert panel.rename_button.isEnabled() and panel.delete_button.isEnabled()
    assert panel.description_label.text() == "my own"
    assert panel.warning_label.isHidden()


def test_apply_emits_the_preset_for_the_loaded_model(qtbot, panel):
    values = apply(qtbot, panel, "hip-thrust")
    assert isinstance(values, np.ndarray)
    assert values.tolist() == HIP_THRUST.tolist()
    assert panel.message_label.text() == "Applied hip-thrust."


def test_apply_blends_from_the_current_sliders(qtbot, panel):
    current = np.linspace(0.0, 0.9, 19)
    panel.set_current_excitations(current)
    panel.strength_slider.setValue(25)
    assert panel.strength_spin.value() == 25 and panel.strength == 0.25
    values = apply(qtbot, panel, "hip-thrust")
    assert np.allclose(values, current + 0.25 * (HIP_THRUST - current))
    assert panel.message_label.text() == "Applied hip-thrust at 25 %."
    panel.strength_spin.setValue(0)
    assert panel.strength_slider.value() == 0
    assert np.allclose(apply(qtbot, panel, "relaxed"), values)  # strength 0 changes nothing


def test_save_current_as_asks_before_replacing(monkeypatch, panel, store):
    first = np.full(19, 0.3)
    panel.set_current_excitations(first)
    answer_text(monkeypatch, "my pose", "a test pose")
    panel.save_button.click()
    assert store.get("my pose").excitations == tuple(first)
    assert store.get("my pose").description == "a test pose"
    assert panel.selected_preset().name == "my pose"

    panel.set_current_excitations(np.full(19, 0.6))
    answer_text(monkeypatch, "My Pose", "")
    asked = answer_question(monkeypatch, QMessageBox.No)
    panel.save_button.click()
    assert asked == ["A user preset named 'My Pose' already exists. Replace it?"]
    assert store.get("my pose").excitations == tuple(first)

    answer_text(monkeypatch, "my pose", "")
    answer_question(monkeypatch, QMessageBox.Yes)
    panel.save_button.click()
    assert store.get("my pose").excitations == (0.6,) * 19


def test_save_as_a_builtin_name_shows_the_error(monkeypatch, panel, store):
    answer_text(monkeypatch, "relaxed", "")
    panel.save_button.click()
    assert panel.message_label.text() == "'relaxed' is the name of a built-in preset; choose another name"
    assert not store.user_dir.exists()


def test_cancelling_save_as_saves_nothing(monkeypatch, panel, store):
    answer_text(monkeypatch, None)
    panel.save_button.click()
    answer_text(monkeypatch, "half", None)
    panel.save_button.click()
    assert not store.user_dir.exists()


def test_delete_asks_for_confirmation(monkeypatch, panel, store):
    store.save("doomed", MUSCLES, HIP_THRUST, model=DEFAULT.name)
    panel.refresh(select="doomed")
    asked = answer_question(monkeypatch, QMessageBox.No)
    panel.delete_button.click()
    assert asked == ["Delete the preset 'doomed'? Its file is removed."]
    assert store.get("doomed").name == "doomed"

    answer_question(monkeypatch, QMessageBox.Yes)
    panel.delete_button.click()
    with pytest.raises(PresetError):
        store.get("doomed")
    assert "doomed  (user)" not in item_texts(panel)


def test_rename_a_user_preset(monkeypatch, panel, store):
    store.save("old", MUSCLES, HIP_THRUST, model=DEFAULT.name)
    panel.refresh(select="old")
    answer_text(monkeypatch, "new")
    panel.rename_button.click()
    assert [p.name for p in store.list_presets().presets if p.kind == "user"] == ["new"]
    assert panel.selected_preset().name == "new"


def test_import_and_export(monkeypatch, panel, store, tmp_path):
    source = str(FIXTURES / "hip-thrust-list.json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (source, ""))
    panel.import_button.click()
    assert panel.selected_preset().name == "hip-thrust-list"
    assert store.get("hip-thrust-list").excitations == tuple(HIP_THRUST)

    target = tmp_path / "shared" / "out.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    panel.export_button.click()
    assert json.loads(target.read_text(encoding="utf-8"))["excitations"] == HIP_THRUST.tolist()
    assert panel.message_label.text() == f"Exported hip-thrust-list to {target}."

    asked = answer_question(monkeypatch, QMessageBox.No)  # importing again would replace it
    panel.import_button.click()
    assert asked == ["a user preset named 'hip-thrust-list' already exists. Replace it with the imported one?"]


def test_a_corrupt_file_is_a_warning_line_not_a_crash(panel, store):
    store.user_dir.mkdir()
    shutil.copy(FIXTURES / "truncated.json", store.user_dir)
    store.save("fine", MUSCLES, HIP_THRUST, model=DEFAULT.name)
    panel.refresh()
    assert not panel.warning_label.isHidden()
    assert panel.warning_label.text() == (
        "Skipped 1 unreadable preset file(s):\n"
        f"{store.user_dir / 'truncated.json'}: not valid JSON: "
        "Unterminated string starting at: line 11 column 5 (char 291)"
    )
    assert "fine  (user)" in item_texts(panel)
    assert (store.user_dir / "truncated.json").read_bytes() == (FIXTURES / "truncated.json").read_bytes()


def test_set_model_matches_presets_by_muscle_name(qtbot, panel):
    other = read_model_summary(osim_rl_models_dir() / "gait9dof18musc_pros_20180507.osim")
    panel.set_model(other.muscle_names, other.name)
    assert "hip-thrust  (built-in)  · for gait14dof22musc_pros" in item_texts(panel)
    values = apply(qtbot, panel, "hip-thrust")
    assert values.shape == (15,)
    assert [m for m, v in zip(other.muscle_names, values, strict=True) if v] == [
        "hamstrings_r",
        "glut_max_r",
        "hamstrings_l",
        "glut_max_l",
    ]
    assert panel.message_label.text() == (
        "Applied hip-thrust.\npreset 'hip-thrust' has 4 muscle(s) this model lacks, ignored: abd_r, add_r, abd_l, add_l"
    )
    with pytest.raises(ValueError, match=r"^expected 15 excitations, got 19$"):
        panel.set_current_excitations(HIP_THRUST)


def test_without_a_model_the_panel_lists_but_does_not_apply(qtbot, store):
    panel = PresetsPanel((), "", store)
    qtbot.addWidget(panel)
    assert "hip-thrust  (built-in)  · for gait14dof22musc_pros" in item_texts(panel)
    panel.select("hip-thrust")
    with qtbot.assertNotEmitted(panel.applyRequested):
        panel.apply_button.click()
    assert panel.message_label.text() == "No model is loaded yet."


def test_wired_to_the_sliders_an_apply_moves_them_once_without_a_loop(qtbot, panel):
    from muscle_lab.core.simulation.model import MuscleInfo, side_of
    from muscle_lab.qt.panels.muscles import MusclePanel

    sliders = MusclePanel()
    qtbot.addWidget(sliders)
    sliders.build([MuscleInfo(i, name, side_of(name)) for i, name in enumerate(MUSCLES)], {})
    # The wiring the main window uses: apply -> sliders; slider values -> the panel's "current".
    panel.applyRequested.connect(sliders.set_values)
    sent: list[np.ndarray] = []
    sliders.excitationsChanged.connect(sent.append)
    sliders.excitationsChanged.connect(lambda _: panel.set_current_excitations(sliders.slider_values()))

    sliders.set_values(np.full(19, 0.5))
    panel.strength_spin.setValue(50)
    apply(qtbot, panel, "hip-thrust")
    expected = 0.5 + 0.5 * (HIP_THRUST - 0.5)
    assert len(sent) == 2  # the manual move, then exactly one update for the preset
    assert np.allclose(sent[-1], expected, atol=1e-3)
    assert np.allclose(sliders.slider_values(), expected, atol=1e-3)
