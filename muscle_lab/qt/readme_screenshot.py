"""Make the README's screenshots. The window: the hip thrust, branched at step 12 into the hip
flexors, shown at step 32 with the first run as the ghost. With --atlas: the Atlas tab after
the default atlas, iliopsoas_r's row chosen and its stored run playing. With --tune: the Tune
tab after a short search of the hip thrust; --tune=controller: of the example gait controller's
parameters (muscle_lab/examples/gait_pattern.py); --tune=posture: of the standing tone towards
the hip thrust's pose at 0.15 s. With --editor: the Excitations page with the
thrust-then-catch sequence played to 0.4 s and the timeline back at 0.12 s. From the repository's root:

    MUSCLE_LAB_HOME=$(mktemp -d) xvfb-run -a -s "-screen 0 1600x1000x24" \\
        python -m muscle_lab.qt.readme_screenshot assets/screenshot.png [WxH] \\
        [--atlas | --tune | --tune=controller | --tune=posture | --editor | --tab=observation | --solo=5]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from muscle_lab.qt.main_window import MainWindow

BRANCH_STEP = 12
SHOWN_STEP = 32


def main(path: Path, size: tuple[int, int] = (1500, 950), tab: str = "") -> int:
    """`tab`: the dock tab in front ("observation", "recording"; default the presets)."""
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication, QDockWidget

    from muscle_lab.core.presets.store import excitations_from_preset
    from muscle_lab.qt.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    window = MainWindow(mode="faithful")
    window.panels.recording.ask_unsaved_on_close = lambda frames: "discard"
    window.resize(*size)
    if tab:
        next(d for d in window.findChildren(QDockWidget) if d.objectName() == tab).raise_()
    history = window.history_view
    ended: list[int] = []

    def start(info) -> None:
        values, _ = excitations_from_preset("hip-thrust", [m.name for m in info.muscles])
        window.toolbars.speed_box.setCurrentIndex(1)
        window.apply_preset("hip-thrust", values)
        window.run()

    def on_end(frame) -> None:
        ended.append(frame.episode)
        QTimer.singleShot(300, branch if len(ended) == 1 else shoot)

    def branch() -> None:
        history.browser.show_step(BRANCH_STEP)
        values, _ = excitations_from_preset("hip-flexors", [row.muscle.name for row in window.muscle_panel.rows])
        window.apply_preset("hip-flexors", values)
        window.continue_from(ended[0], BRANCH_STEP)
        QTimer.singleShot(300, window.run)

    def shoot() -> None:
        history.browser.show_step(SHOWN_STEP)
        window.redraw_now()
        QTimer.singleShot(300, save)

    def save() -> None:
        window.redraw_now()
        app.processEvents()
        window.body_view.view3d.wait_for_image()  # the 3D image of this state, not the one before
        window.grab().save(str(path), "PNG")
        window.close()
        app.quit()

    window.lab.modelReady.connect(start)
    window.controller.worker.episodeEnded.connect(on_end)
    window.show()
    app.exec_()
    return 0 if path.is_file() else 1


_APPLICATION: list[object] = []


def _open_window(size: tuple[int, int]) -> tuple[MainWindow, Callable[[Callable[[], bool], float], None]]:
    """A shown window of that size (recordings discarded at close), and `pump_until(condition,
    seconds)`: the event loop runs until the condition holds or the seconds pass."""
    import time

    from PyQt5.QtCore import QEventLoop
    from PyQt5.QtWidgets import QApplication

    from muscle_lab.qt.main_window import MainWindow

    app = QApplication([sys.argv[0]])
    window = MainWindow(mode="faithful")
    window.panels.recording.ask_unsaved_on_close = lambda frames: "discard"
    window.resize(*size)
    window.show()
    _APPLICATION.append(app)  # alive as long as the module: a collected QApplication takes its windows

    def pump_until(condition: Callable[[], bool], seconds: float) -> None:
        end = time.monotonic() + seconds
        while not condition() and time.monotonic() < end:
            app.processEvents(QEventLoop.AllEvents, 50)

    return window, pump_until


def _save(window: MainWindow, path: Path) -> int:
    """The window as it is drawn now (the 3D image of this state, not the one before) to `path`."""
    window.body_view.view3d.wait_for_image()
    window.grab().save(str(path), "PNG")
    window.close()
    return 0 if path.is_file() else 1


def atlas_main(path: Path, size: tuple[int, int], row: int = 5) -> int:
    window, pump_until = _open_window(size)
    pump_until(lambda: window.lab.latest_frame is not None, 120)
    atlas = window.panels.atlas
    window.panels.atlas_dock.raise_()
    atlas.start()
    pump_until(lambda: atlas.result is not None and not atlas.running, 300)
    atlas.select(row, 0)
    pump_until(lambda: False, 0.35)  # the stored run plays: a moment in
    window.history_view.playback.pause()
    window.redraw_now()
    pump_until(lambda: False, 0.3)
    return _save(window, path)


def solo_main(path: Path, size: tuple[int, int], muscle: int) -> int:
    """Solo `muscle` with its atlas entry cached (run first, as the Atlas tab would): the answer
    over the timeline and its stored run as the ghost while the live run goes on."""
    from muscle_lab.core.atlas.runs import AtlasRun

    window, pump_until = _open_window(size)
    pump_until(lambda: window.lab.latest_frame is not None, 120)
    settings = window.panels.atlas.settings()
    if settings is not None:
        AtlasRun(settings, muscles=(muscle,)).run()
    window.toolbars.speed_box.setCurrentIndex(0)  # real time: the live run is seen beside the ghost
    window.set_solo(muscle)
    window.run()
    pump_until(lambda: window.lab.latest_frame is not None and window.lab.latest_frame.time >= 0.25, 60)
    window.pause()
    window.redraw_now()
    pump_until(lambda: False, 0.3)
    return _save(window, path)


def tune_main(
    path: Path, size: tuple[int, int], runs: int = 61, controller: bool = False, posture: bool = False
) -> int:
    """The Tune tab after a short search (1 s horizon) of the hip thrust, or of the example gait
    controller's parameters, or (`posture`) of the standing tone towards the hip thrust's pose at
    0.15 s taken with Shown; its best playing."""
    from muscle_lab.core.tune.goal import POSTURE
    from muscle_lab.core.tune.space import PARAMETERS

    window, pump_until = _open_window(size)
    pump_until(lambda: window.lab.latest_frame is not None, 120)
    tune = window.panels.tune
    window.panels.tune_dock.raise_()
    if controller:
        tune.tune_box.setCurrentIndex(tune.tune_box.findData(PARAMETERS))
        tune.controller_row.set_file(Path(__file__).resolve().parents[1] / "examples" / "gait_pattern.py")
    tune.preset_box.setCurrentText("hip-thrust")
    if posture:
        window.panels.presets.select("hip-thrust")
        window.panels.presets.apply_selected()
        window.run()
        pump_until(lambda: window.lab.latest_frame is not None and window.lab.latest_frame.time >= 0.2, 60)
        window.pause()
        pump_until(lambda: not window.lab.running, 10)
        window.lab.browser.show_step(15)
        tune.goal_box.setCurrentIndex(tune.goal_box.findData(POSTURE))
        tune.posture_row.shown_button.click()
        tune.preset_box.setCurrentText("standing-tone")
    tune.horizon_spin.setValue(1.0)
    tune.evaluations_spin.setValue(runs)
    tune.start()
    pump_until(lambda: tune.result is not None and tune.runner is None, 900)
    tune.name_edit.setText("gait.json" if controller else f"{tune.preset_box.currentText()}-tuned")
    pump_until(lambda: False, 0.6)  # the best plays: a moment in
    window.history_view.playback.pause()
    window.redraw_now()
    pump_until(lambda: False, 0.3)
    return _save(window, path)


def editor_main(path: Path, size: tuple[int, int], shown_step: int = 12) -> int:
    """The excitation editor with the thrust-then-catch sequence played to 0.4 s, the timeline
    (and the editor's playhead) back in the thrust phase: the sliders show its values."""
    window, pump_until = _open_window(size)
    pump_until(lambda: window.lab.latest_frame is not None, 120)
    window.plots_area.show_editor(True)
    presets = window.panels.presets
    presets.select("thrust-then-catch")
    presets.apply_selected()
    pump_until(lambda: window.lab.latest_frame is not None and window.lab.latest_frame.time >= 0.4, 60)
    window.pause()
    pump_until(lambda: not window.lab.running, 10)
    window.lab.browser.show_step(shown_step)
    window.redraw_now()
    pump_until(lambda: False, 0.5)
    return _save(window, path)


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    size = tuple(int(n) for n in arguments[1].split("x")) if len(arguments) > 1 else (1500, 950)
    if "--atlas" in sys.argv:
        sys.exit(atlas_main(Path(arguments[0]), size))
    if any(a in sys.argv for a in ("--tune", "--tune=controller", "--tune=posture")):
        controller, posture = "--tune=controller" in sys.argv, "--tune=posture" in sys.argv
        sys.exit(tune_main(Path(arguments[0]), size, controller=controller, posture=posture))
    if "--editor" in sys.argv:
        sys.exit(editor_main(Path(arguments[0]), size))
    solo = next((int(a[len("--solo=") :]) for a in sys.argv if a.startswith("--solo=")), None)
    if solo is not None:
        sys.exit(solo_main(Path(arguments[0]), size, solo))
    tab = next((a[len("--tab=") :] for a in sys.argv if a.startswith("--tab=")), "")
    sys.exit(main(Path(arguments[0]), size, tab))
