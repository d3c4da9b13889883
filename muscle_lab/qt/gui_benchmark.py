"""`python -m muscle_lab.bench --gui`: run the real window offscreen and measure it.

Prints redraws per second, the 3D view's renders per second and render time (in its own
thread), the GUI event loop's lateness (a 10 ms timer), how many steps a slider move takes to
reach the simulation, and resident memory at start and end; `--no-3d` measures the 2D drawing
instead, for the real-time factor without the 3D view. Then it plays
the longest episode kept back at 1x, looping, and prints the playback's speed against true
speed, the body redraws per second and the event loop's lateness while it plays, and what the
history holds. With --as-fast-as-possible it also runs the same pattern headless, as `run` does,
before and after the window, and prints the window's simulation speed beside it.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.presets.store import excitations_from_preset

if TYPE_CHECKING:
    from PyQt5.QtWidgets import QApplication

    from muscle_lab.qt.main_window import MainWindow
    from muscle_lab.qt.simulation.worker import SimulationWorker

TIMER_MS = 10
WARM_UP_STEPS = 50  # the first paints of a new window are slow (fonts, caches): not measured
SLIDER_MOVE_EVERY_MS = 400
PROBE_MUSCLE = 0
PLAYBACK_SECONDS = 4.0  # wall time the playback is measured for


def resident_mb(pid: int | None = None) -> float:
    """VmRSS of this process (or of process `pid`), in MB (Linux)."""
    status = Path(f"/proc/{pid if pid is not None else 'self'}/status")
    try:
        lines = status.read_text().splitlines()
    except OSError:
        return float("nan")
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m muscle_lab.bench --gui", description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="simulated seconds (default %(default)s)")
    parser.add_argument("--mode", choices=("faithful", "fast"), default="faithful")
    parser.add_argument("--level", type=float, default=0.05, help="every muscle's excitation (default %(default)s)")
    parser.add_argument("--preset", help="a preset's excitations instead of --level, e.g. hip-thrust")
    parser.add_argument("--as-fast-as-possible", action="store_true", help="do not pace to the wall clock")
    parser.add_argument("--view-size", default="800x600", help="the body view's size, WxH (default %(default)s)")
    parser.add_argument(
        "--no-ghost", action="store_true", help="no ghost of the previous episode (the window draws one by default)"
    )
    parser.add_argument(
        "--no-3d", action="store_true", help="draw the 2D body instead of the 3D view, as where GL is unavailable"
    )
    parser.add_argument(
        "--editor",
        action="store_true",
        help="the excitation editor in the plots' place, recording the sliders (its take redrawn as it grows)",
    )
    parser.add_argument(
        "--observation",
        action="store_true",
        help="the Observation tab in front: every step also computes and sends osim-rl's observation",
    )
    parser.add_argument(
        "--atlas",
        action="store_true",
        help="time the Atlas tab's run instead (every muscle at its settings, the cache empty), beside "
        "`python -m muscle_lab.bench --atlas` for the same atlas headless",
    )
    return parser


def main_gui(argv: list[str]) -> int:
    options = build_parser().parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt5.QtCore import Qt, QTimer, qInstallMessageHandler
    from PyQt5.QtWidgets import QApplication

    from muscle_lab.qt.app import _qt_message

    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication(["muscle_lab-bench"])
    from muscle_lab.qt.main_window import MainWindow

    if options.atlas:
        return _time_atlas_tab(app, MainWindow(mode=options.mode))
    headless: list[float] = []
    headless_cpu: list[float] = []  # the simulation process's CPU ms a step in each headless run
    headless_shares: list[tuple[float, float]] = []  # its shares of the wall time running and waiting for a core
    if options.as_fast_as_possible:  # the yardstick, before the window and again after it
        headless.append(_headless(options, headless_cpu, headless_shares))
    window = MainWindow(mode=options.mode)
    view_width, view_height = (int(n) for n in options.view_size.lower().split("x"))
    window.body_view.setFixedSize(view_width, view_height)  # the window grows around it
    view3d = window.body_view.view3d
    if options.no_3d:
        view3d.release()
        view3d.renderingFailed.emit("switched off by --no-3d")  # the body area shows the 2D drawing
    renderer_name = view3d.renderer.renderer_name if view3d.renderer is not None else ""
    from muscle_lab.bench.headless_rate import process_cpu_seconds, schedule_seconds, schedule_since
    from muscle_lab.bench.thread_cpu import cpu_spent, threads_cpu_seconds

    worker = window.controller.worker
    target_steps = round(options.seconds / STEP_SECONDS)
    stats: dict = {"lateness": [], "latency": [], "steps": 0, "episodes": 0, "probe": None, "playback_lateness": []}
    level = float(np.clip(options.level, 0.0, 1.0))
    probe_values = (level, min(1.0, level + 0.02))

    def on_frames(frames: list) -> None:
        for frame in frames:
            if frame.step == 0:
                continue  # a reset, not a step
            stats["steps"] += 1  # this frame is step number `steps` since the worker started
            probe = stats["probe"]
            if probe is not None and abs(frame.excitations[PROBE_MUSCLE] - probe[1]) < 1e-12:
                stats["latency"].append(stats["steps"] - probe[0])
                stats["probe"] = None
        if "start" not in stats and stats["steps"] >= WARM_UP_STEPS:
            stats["rss_start"] = resident_mb()
            stats["child_rss_start"] = resident_mb(worker.simulation_pid)
            stats["child_cpu_start"] = process_cpu_seconds(worker.simulation_pid)
            stats["child_schedule_start"] = schedule_seconds(worker.simulation_pid)
            stats["threads_cpu_start"] = threads_cpu_seconds(_thread_names(worker))
            stats["redraws_start"] = window.redrawer.redraw_count
            stats["renders_start"] = view3d.render_count
            stats["start"] = time.perf_counter()
            QTimer.singleShot(0, move_slider)  # a first probe at once: short runs get a sample too
        if stats["steps"] >= target_steps + WARM_UP_STEPS and "end" not in stats:
            stats["end"] = time.perf_counter()
            stats["child_cpu"] = process_cpu_seconds(worker.simulation_pid) - stats["child_cpu_start"]
            stats["child_schedule"] = schedule_since(worker.simulation_pid, stats["child_schedule_start"])
            stats["threads_cpu"] = cpu_spent(stats["threads_cpu_start"], threads_cpu_seconds(_thread_names(worker)))
            stats["measured_steps"] = stats["steps"] - WARM_UP_STEPS
            window.pause()
            QTimer.singleShot(200, start_playback)

    def move_slider() -> None:
        if stats["probe"] is not None or "start" not in stats:
            return
        row = window.muscle_panel.rows[PROBE_MUSCLE]
        value = probe_values[1] if abs(row.value - probe_values[0]) < 1e-12 else probe_values[0]
        stats["probe"] = (worker.steps_started, value)  # steps already begun at the move
        row.spin.setValue(value)

    last_tick = [0.0]

    seen_renders = [0]

    def tick() -> None:
        now = time.perf_counter()
        if last_tick[0] and "playback_start" in stats and "playback_end" not in stats:
            stats["playback_lateness"].append(max(0.0, now - last_tick[0] - TIMER_MS / 1000))
        if last_tick[0] and "start" in stats and "end" not in stats:
            stats["lateness"].append(max(0.0, now - last_tick[0] - TIMER_MS / 1000))
            if view3d.render_count != seen_renders[0]:
                seen_renders[0] = view3d.render_count
                stats.setdefault("render_ms", []).append(view3d.last_render_ms)
        last_tick[0] = now

    ready: dict = {}

    def when_ready(what: str, info=None) -> None:
        """Run once the model is in and the 3D view has read its meshes: reading them holds the
        GIL for seconds, which would be counted against the window's simulation otherwise."""
        ready[what] = info
        scene_in = "scene" in ready or options.no_3d or not window.body_view.uses_3d
        if "model" in ready and scene_in and "started" not in ready:
            ready["started"] = True
            start(ready["model"])

    def start(info) -> None:
        window.toolbars.end_box.setCurrentIndex(1)  # an episode end resets and runs on
        if options.no_ghost:
            window.history_view.browser.set_compare("none")
        window.toolbars.speed_box.setCurrentIndex(1 if options.as_fast_as_possible else 0)
        if options.editor:
            window.plots_area.show_editor(True)
            window.editor.record_action.setChecked(True)
        if options.observation:
            window.panels.observation.dock.raise_()
        if options.preset:
            values, _notes = excitations_from_preset(options.preset, [m.name for m in info.muscles])
            window.apply_preset(options.preset, values)
        else:
            window.apply_excitations(np.full(len(window.muscle_panel.rows), level))
        window.run()

    history = window.history_view
    shown_steps: list[int] = []
    history.playback.stepChanged.connect(shown_steps.append)

    def start_playback() -> None:
        stats["redraws"] = window.redrawer.redraw_count - stats["redraws_start"]
        stats["renders"] = view3d.render_count - stats["renders_start"]
        stats["view"] = (view3d.width(), view3d.height(), window.body_view.uses_3d, renderer_name)
        stats["rss_end"] = resident_mb()
        stats["child_rss_end"] = resident_mb(worker.simulation_pid)
        stats["history"] = (history.history.nbytes, sum(len(e.frames) for e in history.history), len(history.history))
        longest = max(history.history.episodes, key=lambda episode: len(episode.frames))
        stats["played"] = (longest.number, len(longest.frames))
        history.browser.show_step(longest.first_step, longest.number)
        history.playback.set_speed(1.0)
        history.playback.set_loop(True)
        shown_steps.clear()
        stats["playback_redraws_start"] = window.redrawer.redraw_count
        stats["playback_renders_start"] = view3d.render_count
        stats["playback_start"] = time.perf_counter()
        history.browser.toggle_play()
        QTimer.singleShot(int(PLAYBACK_SECONDS * 1000), finish)

    def finish() -> None:
        stats["playback_end"] = time.perf_counter()
        history.playback.pause()
        stats["playback_redraws"] = window.redrawer.redraw_count - stats["playback_redraws_start"]
        stats["playback_renders"] = view3d.render_count - stats["playback_renders_start"]
        first, last = history.playback.first_step, history.playback.last_step
        stats["playback_steps"] = steps_advanced(shown_steps, first, last)
        window.close()
        app.quit()

    worker.episodeEnded.connect(lambda _frame: stats.__setitem__("episodes", stats["episodes"] + 1))
    worker.framesReady.connect(on_frames)
    window.lab.modelReady.connect(lambda info: when_ready("model", info))
    view3d.sceneLoaded.connect(lambda: when_ready("scene"))
    view3d.renderingFailed.connect(lambda _why: when_ready("scene"))  # the 2D drawing is measured
    loop_timer = QTimer()
    loop_timer.setTimerType(Qt.PreciseTimer)
    loop_timer.timeout.connect(tick)
    loop_timer.start(TIMER_MS)
    slider_timer = QTimer()
    slider_timer.timeout.connect(move_slider)
    slider_timer.start(SLIDER_MOVE_EVERY_MS)
    window.show()
    app.exec_()
    if "rss_end" not in stats:
        print("GUI benchmark did not finish", file=sys.stderr)
        return 1
    if headless:
        headless.append(_headless(options, headless_cpu, headless_shares))
    report(options, stats, headless, headless_cpu, headless_shares)
    return 0


def _headless(options: argparse.Namespace, cpu: list[float], shares: list[tuple[float, float]]) -> float:
    """Simulated seconds per wall second of the benchmark's pattern run as `run` runs it."""
    from muscle_lab.bench.headless_rate import headless_rate
    from muscle_lab.core.paths import default_model_path
    from muscle_lab.core.simulation.model_file import read_model_summary

    names = list(read_model_summary(default_model_path()).muscle_names)
    if options.preset:
        values, _ = excitations_from_preset(options.preset, names)
    else:
        values = np.full(len(names), float(np.clip(options.level, 0.0, 1.0)))
    rate, _engine = headless_rate(options.mode, values, options.seconds, cpu=cpu, shares=shares)
    return rate


def _time_atlas_tab(app: QApplication, window: MainWindow) -> int:
    """The Atlas tab's run in the real window, from its start to its result (no live simulation
    runs meanwhile; the benchmark's home has an empty atlas cache)."""
    from PyQt5.QtCore import QTimer

    atlas = window.panels.atlas
    timing: dict[str, float] = {}

    def start(_info) -> None:
        window.panels.atlas_dock.raise_()
        timing["start"] = time.perf_counter()
        if atlas.start() is None:
            app.quit()

    def ended() -> None:
        timing["end"] = time.perf_counter()
        QTimer.singleShot(0, window.close)
        QTimer.singleShot(0, app.quit)

    window.lab.modelReady.connect(start)
    atlas.runEnded.connect(ended)
    window.show()
    app.exec_()
    if "end" not in timing:
        print("GUI benchmark: the atlas did not run", file=sys.stderr)
        return 1
    settings = atlas.settings()
    runs = f"{len(window.lab.model_info.muscles) + 1} runs" if window.lab.model_info else "runs"
    print(
        f"Atlas tab in the window: {timing['end'] - timing['start']:.1f} s for {runs} "
        f"({settings.seconds if settings else '?'} s each, {window.toolbars.mode_box.currentText()} mode, cache empty, "
        f"the live simulation idle; {os.cpu_count()} cores)"
    )
    return 0


def steps_advanced(shown: list[int], first: int, last: int) -> int:
    """Steps the playback moved through, counting a loop's wrap from `last` back to `first`."""
    total = 0
    for previous, step in itertools.pairwise(shown):
        total += step - previous if step >= previous else (last - previous) + (step - first) + 1
    return total


def report(
    options: argparse.Namespace,
    stats: dict,
    headless: list[float],
    headless_cpu: list[float] | None = None,
    headless_shares: list[tuple[float, float]] | None = None,
) -> None:
    wall = stats["end"] - stats["start"]
    lateness = np.array(stats["lateness"]) * 1000
    latency = np.array(stats["latency"])
    redraw_rate = stats["redraws"] / wall
    growth = stats["rss_end"] - stats["rss_start"]
    speed = "as fast as possible" if options.as_fast_as_possible else "real time"
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    excited = f"preset {options.preset}" if options.preset else f"every muscle at {options.level:g}"
    print(
        f"GUI benchmark: {options.seconds:g} s simulated, {options.mode} mode, {speed}, "
        f"platform {platform}, {excited}, episodes reset by themselves, "
        f"{'no ghost' if options.no_ghost else 'the previous episode as ghost'}"
        f"{', the Observation tab in front' if options.observation else ''} "
        f"(measured after {WARM_UP_STEPS} warm-up steps)"
    )
    print(
        f"  wall time             {wall:6.1f} s  (real-time factor {options.seconds / wall:.2f}, "
        f"{stats['episodes']} episode ends)"
    )
    if headless:
        window_rate, headless_mean = options.seconds / wall, float(np.mean(headless))
        ratio = window_rate / headless_mean
        print(
            f"  simulation speed      window {window_rate:.2f}x real time, headless as `run` "
            f"{headless_mean:.2f}x (before {headless[0]:.2f}x, after {headless[1]:.2f}x): window/run {ratio:.2f}  "
            f"target >= 0.85   {_verdict(ratio >= 0.85)}"
        )
        window_cpu = 1000 * stats["child_cpu"] / max(1, stats["measured_steps"])
        headless_cpu = headless_cpu or [float("nan")]
        print(
            f"  simulation CPU        window {window_cpu:.2f} ms a step, headless {np.mean(headless_cpu):.2f} ms "
            "(the simulation process's own: what it does, whatever share of the cores it gets)"
        )
        ran, waited = (seconds / wall for seconds in stats["child_schedule"])
        print(f"  simulation process    window {_time_shares(ran, waited)}")
        if headless_shares:
            print(f"                        headless {_time_shares(*np.mean(headless_shares, axis=0))}")
    report_cpu(stats, wall)
    print(f"  redraws per second    {redraw_rate:6.1f}    target >= 30   {_verdict(redraw_rate >= 30)}")
    width, height, uses_3d, renderer_name = stats["view"]
    if uses_3d:
        render_rate = stats["renders"] / wall
        render_ms = np.array(stats.get("render_ms") or [0.0])
        print(
            f"  3D view {width}x{height}    {render_rate:6.1f} renders/s, render median {np.median(render_ms):.1f} ms, "
            f"p99 {np.percentile(render_ms, 99):.1f} ms (in its thread, {renderer_name})  target >= 30/s   "
            f"{_verdict(render_rate >= 30)}"
        )
    elif options.no_3d:
        print("  3D view               switched off (--no-3d): the 2D drawing was measured")
    else:
        print("  3D view               unavailable here: the 2D drawing was measured")
    print(
        f"  event-loop lateness   median {np.median(lateness):.1f} ms, p99 {np.percentile(lateness, 99):.1f} ms, "
        f"max {lateness.max():.1f} ms  (10 ms timer, n={lateness.size})  target p99 < 50 ms   "
        f"{_verdict(np.percentile(lateness, 99) < 50)}"
    )
    if not latency.size:
        print("  slider to simulation  no sample: the run ended before a moved slider reached a step")
    else:
        print(
            f"  slider to simulation  median {np.median(latency):.0f} step, max {latency.max():.0f} "
            f"(n={latency.size}; steps begun after the move until one used it)  target 1   "
            f"{_verdict(np.median(latency) <= 1)}"
        )
    kept = stats["history"][0] / 2**20  # the history grows by design, within its budget
    print(
        f"  memory (VmRSS)        start {stats['rss_start']:.1f} MB, end {stats['rss_end']:.1f} MB, "
        f"growth {growth:+.1f} MB of which the history {kept:.1f} MB: beyond it {growth - kept:+.1f} MB  "
        f"target < 20 MB   {_verdict(growth - kept < 20)}"
    )
    report_playback(stats)
    child_growth = stats["child_rss_end"] - stats["child_rss_start"]
    print(
        f"  simulation process    start {stats['child_rss_start']:.1f} MB, end {stats['child_rss_end']:.1f} MB, "
        f"growth {child_growth:+.1f} MB  target < 20 MB   {_verdict(child_growth < 20)}"
    )


def _thread_names(worker: SimulationWorker) -> dict[int, str]:
    return {worker.native_thread_id: "simulation thread"} if worker.native_thread_id else {}


def _time_shares(ran: float, waited: float) -> str:
    """Where the simulation process's wall time went: on a core, waiting for one, or idle
    (waiting for its next command: the window or `run` had not asked yet)."""
    return f"on a core {ran:4.0%}, waiting for a core {waited:4.0%}, waiting for a command {1 - ran - waited:4.0%}"


def report_cpu(stats: dict, wall: float) -> None:
    """The cores' time while the window ran: the simulation process and each of the window's threads."""
    spent = {"simulation process": stats["child_cpu"], **stats["threads_cpu"]}
    parts = ", ".join(f"{name} {seconds / wall:.2f}" for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]))
    print(f"  cores used            {sum(spent.values()) / wall:.2f} of {os.cpu_count()}: {parts}")


def report_playback(stats: dict) -> None:
    wall = stats["playback_end"] - stats["playback_start"]
    ratio = stats["playback_steps"] * STEP_SECONDS / wall
    lateness = np.array(stats["playback_lateness"] or [0.0]) * 1000
    number, steps = stats["played"]
    print(
        f"  playback at 1x        episode {number} ({steps} steps) looped for {wall:.1f} s: {ratio:.2f}x true "
        f"speed, {stats['playback_redraws'] / wall:.1f} redraws/s, {stats['playback_renders'] / wall:.1f} "
        f"3D renders/s  target 1.00x   {_verdict(abs(ratio - 1) < 0.05)}"
    )
    print(
        f"  lateness in playback  median {np.median(lateness):.1f} ms, p99 {np.percentile(lateness, 99):.1f} ms, "
        f"max {lateness.max():.1f} ms  target p99 < 50 ms   {_verdict(np.percentile(lateness, 99) < 50)}"
    )
    nbytes, kept, episodes = stats["history"]
    print(
        f"  history               {kept} steps in {episodes} episodes, estimate {nbytes / 2**20:.1f} MB "
        "(python -m muscle_lab.bench --history measures 10 minutes of episodes)"
    )


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"
