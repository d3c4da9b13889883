"""Solo, audio-mixer style: S buttons on the real sliders of the default model, the Solo box,
the 3D view and the excitations the simulation steps with."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt5.QtCore import Qt

from muscle_lab.core.muscles import MuscleInfo, side_of
from muscle_lab.core.paths import default_model_path
from muscle_lab.core.presets.store import excitations_from_preset
from muscle_lab.core.simulation.model_file import muscle_names_in_model_file
from muscle_lab.qt.panels.muscles import MusclePanel

NAMES = muscle_names_in_model_file(default_model_path())
HAMSTRINGS_R, GLUT_MAX_R, VASTI_L = (NAMES.index(n) for n in ("hamstrings_r", "glut_max_r", "vasti_l"))


def odd_values(seed: int = 7) -> np.ndarray:
    """Slider values with three decimals (what the spin boxes hold), vasti_l at 0."""
    values = np.round(np.random.default_rng(seed).uniform(0.05, 1.0, len(NAMES)), 3)
    values[VASTI_L] = 0.0
    return values


def greyed(row) -> bool:
    return not (row.label.isEnabled() or row.slider.isEnabled() or row.spin.isEnabled())


@pytest.fixture
def panel(qtbot) -> MusclePanel:
    panel = MusclePanel()
    qtbot.addWidget(panel)
    panel.build([MuscleInfo(i, name, side_of(name)) for i, name in enumerate(NAMES)], {})
    panel.set_values(odd_values())
    return panel


def test_two_soloed_rows_are_the_only_ones_on_and_the_others_are_greyed(panel):
    values = odd_values()
    solos: list[tuple[int, ...]] = []
    sent: list[np.ndarray] = []
    panel.soloChanged.connect(solos.append)
    panel.excitationsChanged.connect(sent.append)
    rows = panel.rows
    assert "the sliders come back as they were when solo ends" in rows[GLUT_MAX_R].solo.toolTip()

    rows[GLUT_MAX_R].solo.click()
    rows[VASTI_L].solo.click()  # at 0: raised to 1, visibly
    assert panel.soloed == (GLUT_MAX_R, VASTI_L) and solos == [(GLUT_MAX_R,), (GLUT_MAX_R, VASTI_L)]
    assert rows[VASTI_L].value == 1.0 and rows[VASTI_L].slider.value() == 100
    assert rows[GLUT_MAX_R].value == values[GLUT_MAX_R]  # already on: left where it was
    effective = panel.effective_excitations()
    assert np.flatnonzero(effective).tolist() == [GLUT_MAX_R, VASTI_L]
    assert effective[GLUT_MAX_R] == values[GLUT_MAX_R] and effective[VASTI_L] == 1.0
    assert np.array_equal(sent[-1], effective) and len(sent) == 2  # one update per click
    for index, row in enumerate(rows):
        soloed = index in (GLUT_MAX_R, VASTI_L)
        assert row.solo.isChecked() == soloed
        assert greyed(row) != soloed, row.muscle.name
        assert row.solo.isEnabled() and row.mute.isEnabled()  # a greyed row can still join the solo

    rows[GLUT_MAX_R].slider.setValue(40)  # a soloed row stays usable
    assert panel.effective_excitations()[GLUT_MAX_R] == 0.4
    rows[GLUT_MAX_R].mute.setChecked(True)  # mute still zeroes a soloed row
    assert np.flatnonzero(panel.effective_excitations()).tolist() == [VASTI_L]
    rows[GLUT_MAX_R].mute.setChecked(False)


def test_leaving_solo_puts_every_slider_back_exactly(panel):
    values = odd_values()
    rows = panel.rows
    panel.toggle_solo(HAMSTRINGS_R)
    panel.toggle_solo(VASTI_L)
    rows[HAMSTRINGS_R].spin.setValue(0.123)
    rows[VASTI_L].slider.setValue(70)

    panel.toggle_solo(VASTI_L)  # out of the solo: its own value back, greyed; the other stays soloed
    assert panel.soloed == (HAMSTRINGS_R,)
    assert rows[VASTI_L].value == 0.0 and rows[VASTI_L].slider.value() == 0 and greyed(rows[VASTI_L])
    assert rows[HAMSTRINGS_R].value == 0.123 and not greyed(rows[HAMSTRINGS_R])

    rows[HAMSTRINGS_R].solo.click()  # the last one: solo ends
    assert panel.soloed == ()
    assert panel.slider_values().tolist() == values.tolist()  # bit-exact
    assert [row.slider.value() for row in rows] == [round(v * 100) for v in values]
    assert not any(greyed(row) or row.solo.isChecked() for row in rows)
    assert panel.effective_excitations().tolist() == values.tolist()


def test_a_muted_row_stays_muted_when_solo_ends(panel):
    panel.rows[3].mute.setChecked(True)
    panel.set_solo(GLUT_MAX_R)
    assert greyed(panel.rows[3])
    panel.set_solo(None)
    row = panel.rows[3]
    assert not row.slider.isEnabled() and not row.label.isEnabled() and row.spin.isEnabled()
    assert panel.effective_excitations()[3] == 0.0


def test_set_solo_replaces_the_set_and_new_values_end_it_without_restoring(panel):
    values = odd_values()
    panel.set_soloed([VASTI_L, HAMSTRINGS_R])
    panel.set_solo(GLUT_MAX_R)  # the one soloed muscle now; the two others back to their values
    assert panel.soloed == (GLUT_MAX_R,)
    assert panel.rows[VASTI_L].value == 0.0 and panel.rows[HAMSTRINGS_R].value == values[HAMSTRINGS_R]

    solos: list[tuple[int, ...]] = []
    panel.soloChanged.connect(solos.append)
    preset = np.linspace(0.0, 0.9, len(NAMES))
    panel.set_values(preset)  # a preset: its values win over the ones saved by the solo
    assert solos == [()] and panel.soloed == ()
    assert np.allclose(panel.slider_values(), preset) and not any(greyed(row) for row in panel.rows)

    panel.set_soloed([VASTI_L])
    replayed = np.full(len(NAMES), 0.25)
    panel.show_values(replayed)  # a replay moves the sliders: solo ends there too
    assert panel.soloed == () and solos[-1] == () and panel.slider_values().tolist() == replayed.tolist()

    with pytest.raises(IndexError, match="no muscle 19: this model has 19 muscles"):
        panel.set_soloed([2, 19])
    assert panel.soloed == ()


def test_window_solo_box_3d_view_and_simulation_follow_the_s_buttons(qtbot, window, wait_for_step):
    values = odd_values()
    window.apply_excitations(values)
    rows, box, view = window.muscle_panel.rows, window.toolbars.solo_box, window.body_view.view3d
    muscles = len(rows)

    rows[HAMSTRINGS_R].solo.click()
    assert box.currentIndex() == HAMSTRINGS_R + 1 and box.count() == muscles + 1
    assert view.style().dim_others and HAMSTRINGS_R in view.highlighted()
    rows[VASTI_L].solo.click()
    assert box.currentIndex() == muscles + 1 and box.currentText() == "2 muscles"
    assert not box.model().item(muscles + 1).isEnabled()  # shown, not for picking
    assert {HAMSTRINGS_R, VASTI_L} <= set(view.highlighted()) and view.style().dim_others

    start = window.lab.latest_frame.step
    window.step()
    wait_for_step(window, start + 1)
    sent = window.lab.latest_frame.excitations
    assert np.flatnonzero(sent).tolist() == [HAMSTRINGS_R, VASTI_L]
    assert sent[HAMSTRINGS_R] == pytest.approx(values[HAMSTRINGS_R]) and sent[VASTI_L] == 1.0

    qtbot.keyClick(box, Qt.Key_Up)  # the user picks the entry above "2 muscles": the last muscle alone
    assert window.muscle_panel.soloed == (muscles - 1,) and box.count() == muscles + 1
    assert rows[VASTI_L].value == 0.0 and greyed(rows[VASTI_L])
    assert view.highlighted()[-1] == muscles - 1 and VASTI_L not in view.highlighted()

    qtbot.keyClick(box, "o")  # typed, as in any combo box: "off", every slider as it was
    assert window.muscle_panel.soloed == () and box.currentIndex() == 0 and not view.style().dim_others
    assert window.current_excitations().tolist() == values.tolist()
    window.step()
    wait_for_step(window, start + 2)
    assert window.lab.latest_frame.excitations == pytest.approx(values)

    window.set_solo(GLUT_MAX_R)  # the window's own call, as the tests and the combo use it
    assert box.currentIndex() == GLUT_MAX_R + 1 and window.muscle_panel.soloed == (GLUT_MAX_R,)


def test_a_preset_or_all_to_zero_ends_solo_with_the_new_values(qtbot, window, wait_for_step):
    window.apply_excitations(odd_values())
    rows = window.muscle_panel.rows
    rows[VASTI_L].solo.click()
    rows[GLUT_MAX_R].solo.click()
    hip_thrust, _ = excitations_from_preset("hip-thrust", NAMES)
    window.apply_preset("hip-thrust", hip_thrust)
    assert window.muscle_panel.soloed == () and window.toolbars.solo_box.currentIndex() == 0
    assert window.toolbars.solo_box.count() == len(rows) + 1  # the "2 muscles" entry is gone
    assert not window.body_view.view3d.style().dim_others
    assert window.current_excitations().tolist() == hip_thrust.tolist()
    assert not any(greyed(row) for row in rows) and window.lab.applied_preset == "hip-thrust"
    start = window.lab.latest_frame.step
    window.step()
    wait_for_step(window, start + 1)
    assert window.lab.latest_frame.excitations.tolist() == hip_thrust.tolist()

    rows[VASTI_L].solo.click()  # at 0: raised to 1
    assert rows[VASTI_L].value == 1.0
    window.zero_all()
    assert window.muscle_panel.soloed == () and window.current_excitations().tolist() == [0.0] * len(rows)
