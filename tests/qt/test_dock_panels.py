"""The presets and recording panels docked in the real window, driving the real simulation."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.core.recording.files import save_recording
from muscle_lab.core.recording.replay import load_controls

HIP_THRUST = np.array([1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)])


def test_both_panels_are_docked_and_know_the_model(window):
    panels = window.panels
    assert "hip-thrust" in panels.presets.preset_names()
    assert panels.recording.recording.names.muscle_names == window.lab.model_info.recording_names.muscle_names
    assert len(panels.recording.recording.names.coordinate_names) == 17


def test_applying_a_preset_moves_the_sliders_and_reaches_the_next_step(window, wait_for_step):
    panels = window.panels
    panels.presets.select("hip-thrust")
    panels.presets.apply_selected()
    assert window.current_excitations().tolist() == HIP_THRUST.tolist()
    start = window.lab.latest_frame.step
    window.step()
    wait_for_step(window, start + 1)
    assert window.lab.latest_frame.excitations.tolist() == HIP_THRUST.tolist()


def test_save_current_sliders_as_a_preset(window, monkeypatch):
    panels = window.panels
    window.apply_excitations(np.full(19, 0.3))
    answers = iter(["thirty percent", "all at 0.3"])
    monkeypatch.setattr(panels.presets, "ask_text", lambda *args, **kwargs: next(answers))
    panels.presets.save_current_as()
    assert "thirty percent" in panels.presets.preset_names()
    panels.presets.select("thirty percent")
    assert panels.presets.selected_preset().excitations == pytest.approx([0.3] * 19)


def record_steps(qtbot, window, wait_for_step, steps: int) -> None:
    window.panels.recording.set_recording(True)
    start = window.lab.latest_frame.step
    for _ in range(steps):
        window.step()
    wait_for_step(window, start + steps)
    qtbot.waitUntil(lambda: len(window.panels.recording.recording) >= steps)


def test_recording_keeps_every_step_and_replay_retraces_it(qtbot, window, wait_for_step, tmp_path):
    window.toolbars.speed_box.setCurrentIndex(1)  # as fast as possible
    window.apply_excitations(np.full(19, 0.05))
    record_steps(qtbot, window, wait_for_step, 5)
    window.apply_excitations(HIP_THRUST)  # the pattern changes halfway
    record_steps(qtbot, window, wait_for_step, 5)
    recording = window.panels.recording.recording
    assert len(recording) == 10 and recording.step.tolist() == list(range(1, 11))
    path = tmp_path / "run.sto"
    save_recording(path, recording)
    recorded_heights = recording.pelvis_height.copy()
    window.panels.recording.set_recording(False)

    window.apply_excitations(np.zeros(19))  # the replay must not care where the sliders were
    schedule = load_controls(path, window.lab.model_info.recording_names.muscle_names)
    seen = []
    window.lab.framesArrived.connect(seen.extend)
    window.panels.recording.replayRequested.emit(schedule)
    qtbot.waitUntil(lambda: any(f.step == 10 for f in seen), timeout=30_000)
    qtbot.waitUntil(lambda: not window.lab.running and window.lab.replaying is None)
    replayed = {f.step: f for f in seen if f.step >= 1}
    assert [replayed[s].excitations[4] for s in range(1, 11)] == [0.05] * 5 + [1.0] * 5
    np.testing.assert_allclose([replayed[s].pelvis_height for s in range(1, 11)], recorded_heights, atol=1e-9)
    assert window.current_excitations().tolist() == HIP_THRUST.tolist()  # the sliders followed
    assert "ended: the file is over" in window.message_bar.text


def test_moving_a_slider_takes_over_from_a_replay(qtbot, window, wait_for_step, tmp_path):
    window.apply_excitations(np.full(19, 0.05))
    record_steps(qtbot, window, wait_for_step, 3)
    path = tmp_path / "short.sto"
    save_recording(path, window.panels.recording.recording)
    schedule = load_controls(path, window.lab.model_info.recording_names.muscle_names)
    # Paused, so that the 3-step replay cannot end before the slider moves, however slow or
    # fast this machine is: the step after the move decides.
    window.controller.play_controls(schedule, start_running=False)
    qtbot.waitUntil(lambda: window.lab.replaying is not None, timeout=10_000)
    window.muscle_panel.rows[0].slider.setValue(80)  # the user takes over
    window.step()
    qtbot.waitUntil(lambda: window.lab.replaying is None, timeout=10_000)
    assert "ended: a slider moved" in window.message_bar.text
    wait_for_step(window, 1)
    assert window.lab.latest_frame.excitations[0] == 0.8  # the slider's value, not the recording's
