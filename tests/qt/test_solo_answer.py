"""Soloing a muscle answers at once from the atlas: its sentence and joint changes in the message
bar and its stored run as the live episode's ghost, before the simulation's next step reaches the
window; a muscle the atlas has not run yet is run in the background and shown when done."""

from __future__ import annotations

from muscle_lab.core.atlas.runs import AtlasRun

ILIOPSOAS_R = 5
VASTI_R = 7
SHORT_SECONDS = 0.1  # the Atlas tab's run length for these tests: a few steps each


def test_soloing_a_cached_muscle_answers_before_any_new_step(qtbot, window, wait_for_step):
    atlas = window.panels.atlas
    atlas.seconds_spin.setValue(SHORT_SECONDS)
    settings = atlas.settings()
    AtlasRun(settings, muscles=(ILIOPSOAS_R,)).run()  # the atlas has this muscle's entry cached
    answer = atlas.solo_answer
    window.run()
    wait_for_step(window, 3)
    steps_seen_at_answer: list[int] = []
    answer.answered.connect(lambda _effect: steps_seen_at_answer.append(window.lab.latest_frame.step))
    step_before = window.lab.latest_frame.step
    with qtbot.waitSignal(answer.answered, timeout=5_000) as answered:
        window.set_solo(ILIOPSOAS_R)
    effect = answered.args[0]
    assert steps_seen_at_answer == [step_before]  # shown before the next step reached the window
    assert effect.index == ILIOPSOAS_R and effect.run.frames[-1].time > 0
    assert window.solo_answer_label.isVisible()
    text = window.solo_answer_label.full_text  # whole on hover where the line cuts it
    assert window.solo_answer_label.toolTip() == text
    assert text.startswith(f"{effect.sentence} · alone at 1: ") and "stored run" in text
    assert f"{effect.main_joint} {effect.main_change_deg:+.0f}°" in text  # its largest joint changes
    assert effect.sentence.startswith(f"{ILIOPSOAS_R} iliopsoas_r ")
    browser = window.lab.browser
    assert browser.ghost is browser.reference and browser.reference.label == "atlas: 5 iliopsoas_r alone"
    window.pause()
    window.run()  # running on (which hides the window's messages) keeps the answer
    assert window.solo_answer_label.full_text == text
    window.redraw_now()
    assert window.plot_panel.ghost_text == "ghost: atlas: 5 iliopsoas_r alone"  # named in words, not "episode -1"
    window.set_solo(None)
    assert browser.reference is None and not window.solo_answer_label.isVisible()
    window.pause()


def test_soloing_a_muscle_the_atlas_has_not_run_runs_its_entry_in_the_background(qtbot, window):
    atlas = window.panels.atlas
    atlas.seconds_spin.setValue(SHORT_SECONDS)
    answer = atlas.solo_answer
    answer.run_missing = True  # as in the app (the window tests' fixture turns it off)
    assert AtlasRun(atlas.settings(), muscles=(VASTI_R,)).cached() is None
    with qtbot.waitSignal(answer.computing, timeout=5_000):
        window.set_solo(VASTI_R)
    assert "simulating 0.1 s of it in the background" in window.solo_answer_label.full_text
    with qtbot.waitSignal(answer.answered, timeout=120_000) as answered:
        pass
    assert answered.args[0].index == VASTI_R
    assert window.lab.browser.reference.label == "atlas: 7 vasti_r alone"
    assert AtlasRun(atlas.settings(), muscles=(VASTI_R,)).cached() is not None  # kept for the next time


def test_a_focused_row_gets_the_caches_answer_without_a_simulation(qtbot, window):
    atlas = window.panels.atlas
    atlas.seconds_spin.setValue(SHORT_SECONDS)
    AtlasRun(atlas.settings(), muscles=(ILIOPSOAS_R,)).run()
    answer = atlas.solo_answer
    answer.run_missing = True  # even so, a focus never starts one
    window.activateWindow()
    with qtbot.waitSignal(answer.answered, timeout=5_000) as answered:
        window.muscle_panel.rows[ILIOPSOAS_R].slider.setFocus()
    assert answered.args[0].index == ILIOPSOAS_R and window.solo_answer_label.isVisible()
    with qtbot.assertNotEmitted(answer.computing):
        window.muscle_panel.rows[VASTI_R].slider.setFocus()  # not in the cache: no answer, no run
        qtbot.waitUntil(lambda: not window.solo_answer_label.isVisible())
    assert window.lab.browser.reference is None
