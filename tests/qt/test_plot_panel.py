"""The plot panel on traces of real episodes: episode time, scrolling, locked coordinates, the
cursor, the end line, the ghost, the hover readout, and mouse zoom and pan with Reset view."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from PyQt5.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt5.QtGui import QMouseEvent, QWheelEvent
from PyQt5.QtWidgets import QApplication

from muscle_lab.core.frame import Frame
from muscle_lab.core.history import EpisodeTrace, channel_count
from muscle_lab.core.presets.store import excitations_from_preset
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.qt.plots.panel import PlotPanel
from muscle_lab.qt.plots.plan import angle_label

STANDING_STEPS = 300  # 3 s: on past the fall at ~1.25 s, as `run --no-stop` does


@dataclass(frozen=True)
class Runs:
    names: tuple[str, ...]  # joint angles, in the frames' order
    locked: tuple[str, ...]  # those the model locks
    thrust: list[Frame]  # the hip thrust, from the reset frame to the one that ends it
    standing: list[Frame]  # all muscles at 0.05 for STANDING_STEPS steps


@pytest.fixture(scope="module")
def runs() -> Runs:
    simulation = Simulation()
    names = simulation.joint_angle_names
    locked = tuple(c.getName() for c in simulation.loaded.coordinates if c.getDefaultLocked() and c.getName() in names)
    values, _ = excitations_from_preset("hip-thrust", simulation.muscle_names)
    simulation.set_excitations(values)
    thrust = [simulation.frame]
    while not thrust[-1].done:
        thrust.append(simulation.step())
    simulation.set_excitations(np.full(len(values), 0.05))
    standing = [simulation.reset()] + [simulation.step() for _ in range(STANDING_STEPS)]
    return Runs(names, locked, thrust, standing)


def trace_of(frames: list[Frame]) -> EpisodeTrace:
    trace = EpisodeTrace(channel_count(frames[0].joint_angles.size))
    for frame in frames:
        trace.append(frame)
    return trace


@pytest.fixture
def panel(qtbot, runs) -> PlotPanel:
    panel = PlotPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 500)
    panel.show()
    qtbot.waitExposed(panel)
    panel.configure(runs.names, runs.locked)
    return panel


def channel(runs: Runs, name: str) -> int:
    return runs.names.index(name)


def every_x_range(panel: PlotPanel) -> list[tuple[float, float]]:
    return [panel.x_range(key) for key in panel.plot_keys]


def viewport_point(panel: PlotPanel, plot: str, t: float) -> QPointF:
    """Where, in the plot area's viewport, a plot shows time t (halfway up)."""
    view = panel.plot_view(plot)
    y_low, y_high = view.viewRange()[1]
    scene = view.mapViewToScene(QPointF(t, (y_low + y_high) / 2))
    return QPointF(panel.graphics.mapFromScene(scene))


def move_mouse(panel: PlotPanel, at: QPointF, buttons=Qt.NoButton) -> None:
    event = QMouseEvent(QEvent.MouseMove, at, Qt.NoButton, buttons, Qt.NoModifier)
    QApplication.sendEvent(panel.graphics.viewport(), event)


def turn_wheel(panel: PlotPanel, at: QPointF, notches: int) -> None:
    global_at = QPointF(panel.graphics.viewport().mapToGlobal(at.toPoint()))
    event = QWheelEvent(
        at, global_at, QPoint(), QPoint(0, 120 * notches), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False
    )
    QApplication.sendEvent(panel.graphics.viewport(), event)


def drag(panel: PlotPanel, start: QPointF, end: QPointF) -> None:
    viewport = panel.graphics.viewport()
    QApplication.sendEvent(
        viewport, QMouseEvent(QEvent.MouseButtonPress, start, Qt.LeftButton, Qt.LeftButton, Qt.NoModifier)
    )
    for fraction in (0.25, 0.5, 0.75, 1.0):
        move_mouse(panel, start + (end - start) * fraction, Qt.LeftButton)
    QApplication.sendEvent(
        viewport, QMouseEvent(QEvent.MouseButtonRelease, end, Qt.LeftButton, Qt.NoButton, Qt.NoModifier)
    )


def test_locked_coordinates_get_no_curve_and_a_plot_without_curves_is_not_made(panel, runs):
    assert "lumbar_extension" in runs.locked
    labels = panel.curve_keys()
    assert "other" not in panel.plot_keys  # the trunk plot would only hold the locked lumbar angle
    assert panel.plot_keys == ["right", "left", "pelvis", "reward", "total"]
    for name in runs.names:
        side = "right" if name.endswith("_r") else "left" if name.endswith("_l") else "other"
        assert ((side, angle_label(name)) in labels) == (name not in runs.locked), name
    assert ("right", "hip adduction") in labels and ("left", "hip adduction") in labels

    panel.configure(runs.names)  # nothing locked: every angle, and the trunk plot
    labels = panel.curve_keys()
    for side in ("right", "left"):
        leg = [label for plot, label in labels if plot == side]
        assert leg == ["hip flexion", "hip adduction", "hip rotation", "knee", "ankle"]
        colours = [c.colour for c, _ in panel._curves if c.plot == side]  # noqa: SLF001  the pens chosen
        assert len(set(colours)) == len(colours)  # the three hip angles are told apart
    assert [label for plot, label in labels if plot == "other"] == ["lumbar extension"]


def test_a_short_episode_fills_the_time_axis_from_zero(panel, runs):
    thrust = trace_of(runs.thrust[:10])
    panel.set_episode(thrust)
    assert panel.redraw()
    assert panel.x_range() == pytest.approx((0.0, 1.0))  # 0.09 s of episode: at least 1 s shown
    standing = trace_of(runs.standing[:201])  # 2.00 s, within the 10 s window
    panel.set_episode(standing)
    panel.redraw()
    assert panel.x_range() == pytest.approx((0.0, 2.0))
    assert every_x_range(panel) == [pytest.approx((0.0, 2.0))] * 5  # pelvis height too
    x, knee = panel.curve_data("right", "knee")
    assert np.array_equal(x, standing.times)
    assert np.array_equal(knee, standing.values[:, channel(runs, "knee_angle_r")])
    x, height = panel.curve_data("pelvis", "pelvis height")
    assert np.array_equal(height, [f.pelvis_height for f in runs.standing[:201]])


def test_a_long_episode_scrolls_and_a_wider_window_keeps_the_data(panel, runs):
    trace = trace_of(runs.standing)
    end = runs.standing[-1].time
    panel.set_window_seconds(1.0)
    panel.set_episode(trace)
    panel.redraw()
    assert every_x_range(panel) == [pytest.approx((end - 1.0, end))] * 5
    x, total = panel.curve_data("total", "total reward")
    assert x[-1] == pytest.approx(end) and x[0] <= end - 1.0 < x[1]  # only the shown second (and a step)
    assert total[-1] == pytest.approx(runs.standing[-1].total_reward)

    panel.set_window_seconds(5.0)  # longer than the episode: all of it, nothing lost
    panel.redraw()
    assert every_x_range(panel) == [pytest.approx((0.0, end))] * 5
    x, ankle = panel.curve_data("left", "ankle")
    assert np.array_equal(x, trace.times) and x.size == STANDING_STEPS + 1
    assert np.array_equal(ankle, [f.joint_angles[channel(runs, "ankle_angle_l")] for f in runs.standing])

    # Live: rows arrive, the range follows the newest.
    live = trace_of(runs.standing[:150])
    panel.set_window_seconds(1.0)
    panel.set_episode(live)
    panel.redraw()
    assert panel.x_range() == pytest.approx((0.49, 1.49))
    live.append(runs.standing[150])
    panel.data_changed()
    assert panel.redraw()
    assert panel.x_range() == pytest.approx((0.5, 1.5))


def test_the_cursor_stands_on_every_plot_and_is_brought_into_view(panel, runs):
    trace = trace_of(runs.standing)
    panel.set_window_seconds(1.0)
    panel.set_episode(trace)
    panel.set_cursor(2.5)
    panel.redraw()
    assert panel.cursor_time == 2.5
    assert panel.vertical_lines("cursor") == dict.fromkeys(panel.plot_keys, 2.5)
    assert panel.x_range() == pytest.approx((2.0, 3.0))  # inside the scrolled range: it stays
    panel.set_cursor(0.5)  # scrubbing back
    panel.redraw()
    lo, hi = panel.x_range()
    assert lo < 0.5 < hi and hi - lo == pytest.approx(1.0)
    x, _ = panel.curve_data("reward", "reward")
    assert x[0] <= lo and x[-1] >= hi  # the curves hold the range the cursor brought
    panel.set_cursor(None)
    panel.redraw()
    assert panel.vertical_lines("cursor") == dict.fromkeys(panel.plot_keys)
    assert panel.x_range() == pytest.approx((2.0, 3.0))


def test_the_end_line_stands_where_done_turned_on(panel, runs):
    partial = trace_of(runs.thrust[:20])
    panel.set_episode(partial)
    panel.redraw()
    assert panel.end_markers == [] and set(panel.vertical_lines("end").values()) == {None}
    for frame in runs.thrust[20:]:
        partial.append(frame)
    panel.data_changed()
    panel.redraw()
    first_done = next(f.time for f in runs.thrust if f.done)
    assert panel.end_markers == [first_done] == [partial.end_time]
    assert panel.vertical_lines("end") == dict.fromkeys(panel.plot_keys, first_done)


def test_a_ghost_episode_is_drawn_faintly_behind(panel, runs):
    thrust = trace_of(runs.thrust)
    ghost = trace_of(runs.standing[:131])  # 1.30 s; it ends at ~1.25 s
    panel.set_episode(thrust)
    panel.set_ghost(ghost, "ghost: episode 3 · all 0.05")
    panel.redraw()
    assert panel.ghost_text == "ghost: episode 3 · all 0.05"  # named in the first legend
    shown = slice(0, int(np.argmax(ghost.times >= 1.0)) + 1)  # the thrust's range, 0-1 s, to its edge
    x, knee = panel.ghost_data("right", "knee")
    assert np.array_equal(x, ghost.times[shown])
    assert np.array_equal(knee, ghost.values[shown, channel(runs, "knee_angle_r")])
    _, main_knee = panel.curve_data("right", "knee")
    assert not np.array_equal(main_knee[:10], knee[:10])  # two different episodes
    assert panel.ghost_end_markers == [ghost.end_time] and ghost.end_time == pytest.approx(1.25)
    assert panel.end_markers == [thrust.end_time]
    ghost_item = next(g for c, _, g in panel._items["right"].curves if c.label == "knee")  # noqa: SLF001
    main_item = next(m for c, m, _ in panel._items["right"].curves if c.label == "knee")  # noqa: SLF001
    ghost_pen, main_pen = ghost_item.opts["pen"].color(), main_item.opts["pen"].color()
    assert ghost_pen.rgb() == main_pen.rgb() and ghost_pen.alpha() < main_pen.alpha()
    assert ghost_item.zValue() < main_item.zValue()

    panel.set_ghost(None)
    panel.redraw()
    assert panel.ghost_data("right", "knee")[0].size == 0
    assert panel.ghost_text == "" and panel.ghost_end_markers == []


def test_the_readout_shows_each_curve_at_the_mouse_time(qtbot, panel, runs):
    panel.set_episode(trace_of(runs.thrust))
    panel.set_ghost(trace_of(runs.standing[:50]), "ghost: episode 1")
    panel.redraw()
    assert panel.readout_text("right") == ""
    move_mouse(panel, viewport_point(panel, "right", 0.2))
    assert panel.redraw()
    assert panel.hover_time == pytest.approx(0.2, abs=0.004)  # within a pixel
    at, ghost_at = runs.thrust[20].joint_angles, runs.standing[20].joint_angles
    assert runs.thrust[20].time == pytest.approx(0.2)

    def line(name: str) -> str:
        i = channel(runs, name)
        return f"{angle_label(name)} {at[i]:.1f}° (ghost {ghost_at[i]:.1f}°)"

    leg = ["hip_flexion_r", "hip_adduction_r", "knee_angle_r", "ankle_angle_r"]
    assert panel.readout_text("right") == "\n".join(["t = 0.20 s", *map(line, leg)])
    height, ghost_height = runs.thrust[20].pelvis_height, runs.standing[20].pelvis_height
    assert panel.readout_text("pelvis") == f"t = 0.20 s\npelvis height {height:.3f} m (ghost {ghost_height:.3f} m)"
    assert set(panel.vertical_lines("hover").values()) == {panel.hover_time}
    # Past the episode's last step there is nothing to read.
    move_mouse(panel, viewport_point(panel, "reward", 0.8))
    panel.redraw()
    assert panel.readout_text("reward") == "t = 0.80 s\nreward — (ghost —)"
    QApplication.sendEvent(panel.graphics.viewport(), QEvent(QEvent.Leave))
    panel.redraw()
    assert panel.hover_time is None and panel.readout_text("right") == ""


def test_zoom_holds_the_view_until_reset(qtbot, panel, runs):
    trace = trace_of(runs.standing[:100])
    panel.set_episode(trace)
    panel.redraw()
    assert panel.following and not panel.reset_button.isVisible()
    turn_wheel(panel, viewport_point(panel, "right", 0.5), notches=2)  # zoom in about 0.5 s
    assert not panel.following and panel.reset_button.isVisible()
    panel.redraw()
    lo, hi = panel.x_range()
    assert 0.0 < lo < 0.5 < hi < 1.0
    assert every_x_range(panel) == [pytest.approx((lo, hi))] * 5  # the other plots follow it
    for frame in runs.standing[100:250]:  # new rows do not move a held view
        trace.append(frame)
    panel.data_changed()
    panel.set_cursor(2.4)
    panel.redraw()
    assert panel.x_range() == pytest.approx((lo, hi))
    qtbot.mouseClick(panel.reset_button, Qt.LeftButton)
    panel.redraw()
    assert panel.following and not panel.reset_button.isVisible()
    assert panel.x_range() == pytest.approx((0.0, 2.5))  # 2.49 s of episode: the axis grows in half seconds
    assert all(panel.plot_view(key).autoRangeEnabled()[1] for key in panel.plot_keys)


def test_dragging_pans_every_plot_and_the_curves_cover_the_new_view(panel, runs):
    trace = trace_of(runs.standing)
    panel.set_episode(trace)
    panel.redraw()
    assert panel.x_range() == pytest.approx((0.0, 3.0))
    drag(panel, viewport_point(panel, "pelvis", 2.0), viewport_point(panel, "pelvis", 1.0))  # a second left
    assert not panel.following
    panel.redraw()
    assert every_x_range(panel) == [pytest.approx((1.0, 4.0), abs=0.05)] * 5
    x, _ = panel.curve_data("pelvis", "pelvis height")
    assert x[0] == 0.0 and x[-1] == pytest.approx(3.0)  # a held view gets a view's width either side


def test_redraw_paints_only_when_something_changed(panel, runs):
    trace = trace_of(runs.thrust[:5])
    panel.set_episode(trace)
    assert panel.redraw()
    count = panel.redraw_count
    assert not panel.redraw() and panel.redraw_count == count
    trace.append(runs.thrust[5])
    panel.data_changed()
    assert panel.redraw() and panel.redraw_count == count + 1
    assert panel.curve_data("reward", "reward")[0].size == 6
    move_mouse(panel, viewport_point(panel, "total", 0.03))
    assert panel.redraw() and not panel.redraw()


def test_a_narrow_panel_lays_the_plots_out_in_two_columns_with_times_under_the_last_row(qtbot, panel):
    def columns() -> int:
        """How many plots the top row holds."""
        tops = [round(panel.plot_view(key).sceneBoundingRect().top()) for key in panel.plot_keys]
        return tops.count(min(tops))

    def timed() -> list[str]:
        """The plots whose time axis is named and shows its values."""
        axes = {key: panel.plot_view(key).parentItem().getAxis("bottom") for key in panel.plot_keys}
        return [key for key, axis in axes.items() if axis.label.isVisible() and axis.style["showValues"]]

    panel.redraw()
    assert columns() == 3
    keys = panel.plot_keys
    assert timed() == keys[3:]  # the plots share their time range: named once, under the last row
    heights = panel.data_heights()
    assert max(heights.values()) - min(heights.values()) <= 2  # rows balanced: the last one is taller by its axis
    panel.resize(340, 600)
    qtbot.waitUntil(lambda: panel.width() == 340)
    panel.redraw()
    assert columns() == 2
    assert timed() == keys[4:]


def test_a_trace_of_another_model_is_refused(panel):
    with pytest.raises(ValueError, match=r"^a trace of 9 channels for plots made for 16$"):
        panel.set_episode(EpisodeTrace(9))
