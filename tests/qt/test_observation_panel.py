"""The observation panel in the real window: osim-rl's 160 values by part and as the flat vector,
live while shown (and not computed while hidden), and any entry plotted over episode time."""

from __future__ import annotations

import numpy as np
from PyQt5.QtCore import Qt

from muscle_lab.qt.panels.observation import format_value

PELVIS_Y, ABD_L_ACTIVATION = 0, 95


def show_panel(qtbot, window):
    panel = window.observation_panel
    panel.dock.raise_()  # its tab in front: the simulation starts sending observations
    qtbot.waitUntil(lambda: panel.shown)
    qtbot.waitUntil(lambda: panel.latest is not None)  # the current state's, sent at once
    return panel


def test_the_panel_names_all_160_entries_by_part_and_in_the_vectors_order(qtbot, window):
    panel = window.observation_panel
    assert window.tabifiedDockWidgets(window.panels.docks[0]).count(panel.dock) == 1  # a tab of the dock
    flat = panel.flat
    assert flat.topLevelItemCount() == 160
    first, muscle, last = flat.topLevelItem(0), flat.topLevelItem(ABD_L_ACTIVATION), flat.topLevelItem(159)
    assert [flat.headerItem().text(c) for c in range(6)] == ["index", "value", "name", "action", "unit", "meaning"]
    assert [first.text(c) for c in (0, 2, 3, 4)] == ["0", "pelvis_y", "", "m"]
    assert first.text(5) == "pelvis height: y of its origin in the ground frame"
    # The known trap: alphabetical in the vector, the action's order at the sliders.
    assert [muscle.text(c) for c in (0, 2, 3)] == ["95", "abd_l_activation", "8"]
    assert [flat.topLevelItem(98).text(c) for c in (2, 3)] == ["abd_r_activation", "0"]
    assert last.text(2) == "mass_center_az"
    assert panel.order_label.text().startswith(
        "Muscles come in alphabetical order here (abd_l, abd_r, add_l, …), not in the action's order "
        "(abd_r, add_r, hamstrings_r, …)"
    )
    tree = panel.tree
    groups = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert groups == [
        "pelvis (the reference body)",
        "bodies (x, y and rz relative to the pelvis)",
        "joints (positions, then velocities, then accelerations)",
        "muscles (alphabetical: not the action's order)",
        "centre of mass",
    ]
    muscles = tree.topLevelItem(3)
    assert muscles.childCount() == 19 and muscles.child(0).text(0) == "abd_l — action index 8"
    assert muscles.child(0).child(0).text(0) == "abd_l_activation"
    assert muscles.child(0).child(0).toolTip(0) == "index 95: activation of abd_l (action index 8) (0-1)"
    leaves = list(_leaves(tree))
    assert sorted(item.data(0, Qt.UserRole) for item in leaves) == list(range(160))
    assert "toes_r — not in this model: always 0" in [tree.topLevelItem(1).child(i).text(0) for i in range(6)]


def _leaves(tree):
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop()
        if item.childCount():
            stack.extend(item.child(i) for i in range(item.childCount()))
        else:
            yield item


def test_hidden_the_panel_costs_nothing_shown_its_values_follow_each_step(qtbot, window, wait_for_step):
    worker, panel = window.controller.worker, window.observation_panel
    assert not panel.shown  # the presets tab is in front
    window.step()
    wait_for_step(window, 1)
    assert len(worker.observations) == 0 and panel.latest is None  # none computed, none sent

    show_panel(qtbot, window)
    start = window.lab.latest_frame.step
    for _ in range(3):
        window.step()
    wait_for_step(window, start + 3)
    frame = window.lab.latest_frame
    qtbot.waitUntil(lambda: panel.latest.step == frame.step)
    qtbot.waitUntil(lambda: panel.value_text(PELVIS_Y) == format_value(frame.pelvis_height))
    assert panel.status.text().startswith(f"osim-rl's observation (160 values) at step {frame.step}, t = 0.0")
    assert panel.latest.values[PELVIS_Y] == frame.pelvis_height  # the same state, read the same way
    panel.tabs.setCurrentIndex(1)  # the flat vector shows the same values
    qtbot.waitUntil(lambda: panel.flat.topLevelItem(PELVIS_Y).text(1) == format_value(frame.pelvis_height))
    assert panel.refresh_count >= 2


def test_an_entry_plotted_over_episode_time_has_every_step_since_the_reset(qtbot, window, wait_for_step):
    panel = show_panel(qtbot, window)
    window.reset()
    qtbot.waitUntil(lambda: panel.latest.step == 0 and panel.latest.episode == window.lab.latest_frame.episode)
    heights = [window.lab.latest_frame.pelvis_height]
    for step in range(1, 6):
        window.step()
        wait_for_step(window, step)
        heights.append(window.lab.latest_frame.pelvis_height)
    qtbot.waitUntil(lambda: panel.latest.step == 5)
    leaf = panel._tree_items[PELVIS_Y]  # noqa: SLF001 - the row a user double-clicks
    panel.tree.itemDoubleClicked.emit(leaf, 0)
    curve = panel.plotted[PELVIS_Y]
    assert panel.plot_widget.isVisible() and panel.plot.getAxis("left").labelText == "m"
    times, values = curve.getData()
    assert np.allclose(times, np.arange(6) * 0.01) and values.tolist() == heights
    panel.tree.itemDoubleClicked.emit(leaf, 0)  # again: off the plot
    assert not panel.plotted and not panel.plot_widget.isVisible()


def test_the_panel_shows_the_step_the_timeline_shows(qtbot, window, wait_for_step):
    panel = show_panel(qtbot, window)
    window.reset()
    qtbot.waitUntil(lambda: panel.latest.step == 0 and panel.latest.episode == window.lab.latest_frame.episode)
    heights = {0: window.lab.latest_frame.pelvis_height}
    for step in range(1, 5):
        window.step()
        wait_for_step(window, step)
        heights[step] = window.lab.latest_frame.pelvis_height
    qtbot.waitUntil(lambda: panel.latest.step == 4)
    browser = window.lab.browser
    browser.show_step(2)  # back through history: every view shows step 2
    window.redraw_now()
    qtbot.waitUntil(lambda: panel.value_text(PELVIS_Y) == format_value(heights[2]))
    assert "at step 2, t = 0.02 s" in panel.status.text()
    browser.go_live()
    window.redraw_now()
    qtbot.waitUntil(lambda: panel.value_text(PELVIS_Y) == format_value(heights[4]))
    assert "at step 4" in panel.status.text() and "none kept" not in panel.status.text()
