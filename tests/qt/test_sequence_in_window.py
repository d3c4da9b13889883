"""A sequence preset applied in the window plays over time from the standing start, as a replay."""

from __future__ import annotations

GLUT_MAX_R, VASTI_R = 4, 7


def test_applying_a_sequence_preset_plays_its_phases(qtbot, window, wait_for_step):
    frames = []
    window.lab.framesArrived.connect(frames.extend)
    presets = window.panels.presets
    presets.select("thrust-then-catch")
    presets.apply_selected()
    wait_for_step(window, 20)
    played = {frame.step: frame.excitations for frame in frames if frame.episode == frames[-1].episode}
    assert [played[step][GLUT_MAX_R] for step in (1, 15, 16, 20)] == [1.0, 1.0, 0.0, 0.0]
    assert [played[step][VASTI_R] for step in (1, 15, 16, 20)] == [0.0, 0.0, 1.0, 1.0]


def test_main_py_preset_of_a_sequence_plays_it_and_shows_it_in_the_editor(qtbot, window, wait_for_step):
    """`main.py --preset thrust-then-catch` (app.py) goes the way Apply goes, at full strength."""
    from muscle_lab.core.presets.store import excitations_from_preset

    frames = []
    window.lab.framesArrived.connect(frames.extend)
    window.panels.presets.strength_spin.setValue(50)  # the panel's own choice does not apply to --preset
    values, _notes = excitations_from_preset("thrust-then-catch", window.lab.muscle_names)
    window.panels.apply_named_preset("thrust-then-catch", values)
    assert window.lab.sequence is not None and not window.lab.sequence.is_constant
    wait_for_step(window, 20)
    played = {frame.step: frame.excitations for frame in frames if frame.episode == frames[-1].episode}
    assert [played[step][GLUT_MAX_R] for step in (1, 15, 16, 20)] == [1.0, 1.0, 0.0, 0.0]
    assert [played[step][VASTI_R] for step in (1, 15, 16, 20)] == [0.0, 0.0, 1.0, 1.0]
