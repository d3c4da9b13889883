"""Issue 20: what escapes a thread, or a thread's work that fails, becomes a message; the window lives.

Each case runs the real window (offscreen) on the real default model; where the failure used to
kill the process the test would crash with it (exit 139) or pytest-qt would report the exception
that escaped Qt's event loop.
"""

from __future__ import annotations

import shutil
import textwrap
import threading
from pathlib import Path

import pytest
from PyQt5.QtCore import QThread

from muscle_lab.cli import main as cli_main
from muscle_lab.core.paths import DEFAULT_MODEL_FILE, osim_rl_models_dir
from muscle_lab.qt.app import UncaughtReporter

LOAD_TIMEOUT_MS = 30_000


class _Raising(QThread):
    def run(self) -> None:
        raise RuntimeError("raised in a worker thread")


@pytest.mark.parametrize("kind", ["QThread", "threading.Thread"])
def test_an_exception_escaping_any_thread_is_shown_from_the_gui_thread(qtbot, window, kind, capsys):
    reporter = UncaughtReporter(window)
    reporter.install()
    try:
        if kind == "QThread":
            thread = _Raising()
            with qtbot.waitSignal(thread.finished):
                thread.start()
        else:
            raising = threading.Thread(target=lambda: 1 / 0)
            raising.start()
            raising.join()
        qtbot.waitUntil(lambda: "Internal error (details on stderr)" in window.message_bar.text, timeout=5000)
    finally:
        UncaughtReporter.uninstall()
    assert ("RuntimeError: raised in a worker thread" if kind == "QThread" else "ZeroDivisionError") in (
        window.message_bar.text
    )
    assert "Traceback" in capsys.readouterr().err


def drive(qtbot, window, tmp_path: Path, source: str) -> Path:
    """Load a controller written from `source`; wait until it drives a new episode."""
    path = tmp_path / "ctrl.py"
    path.write_text(textwrap.dedent(source))
    episode = window.lab.latest_frame.episode
    assert window.load_controller(str(path))
    qtbot.waitUntil(lambda: window.lab.controller_driving is not None, timeout=LOAD_TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.lab.latest_frame.episode > episode and window.lab.latest_frame.step == 0)
    return path


def goes_on(qtbot, window, wait_for_step) -> None:
    """Reset, Stop controller, two steps: the window and a simulation process work."""
    episode = window.lab.latest_frame.episode
    window.reset()
    qtbot.waitUntil(
        lambda: window.lab.latest_frame.episode > episode and window.lab.latest_frame.step == 0, timeout=60_000
    )
    window.stop_controller()
    qtbot.waitUntil(lambda: window.lab.controller_driving is None)
    window.step()
    window.step()
    wait_for_step(window, 2)
    assert window.lab.latest_frame.error is None and window.isVisible()


BROKEN_CONTROLLERS = {
    "a tensor that requires grad": (
        """\
        class Tensor:  # torch's __array__ on a tensor that requires grad
            def __array__(self, dtype=None, copy=None):
                raise RuntimeError("Can't call numpy() on Tensor that requires grad.")

        def controller(observation):
            return Tensor()
        """,
        "the controller returned Tensor at step 1, not 19 numbers: Can't call numpy() on Tensor that requires grad.",
    ),
    "a controller that breaks pickling": (
        """\
        import sys

        def controller(observation):
            sys.modules["muscle_lab.core.frame"] = None
            return [0.05] * 19
        """,
        "after the controller's call, the simulation process could not send its answer to step",
    ),
}


@pytest.mark.parametrize("how", list(BROKEN_CONTROLLERS))
def test_a_controller_that_breaks_its_step_pauses_with_a_message(qtbot, window, wait_for_step, tmp_path, how):
    source, message = BROKEN_CONTROLLERS[how]
    drive(qtbot, window, tmp_path, source)
    with qtbot.waitSignal(window.controller.worker.controllerFailed, timeout=LOAD_TIMEOUT_MS) as failed:
        window.run()
    assert failed.args[0].message.startswith(message)
    qtbot.waitUntil(lambda: "Your controller failed" in window.message_bar.text)
    assert message in window.message_bar.text and not window.lab.running
    goes_on(qtbot, window, wait_for_step)


def test_a_step_asked_past_the_end_is_not_taken(qtbot, window, wait_for_step, tmp_path):
    """Running as fast as possible, the worker asks for steps ahead; those past the episode's last
    step are answered with that step and not taken, so a controller that would hang there (it
    ignores SIGALRM) is never called: the episode ends, nothing is abandoned, the process stays."""
    drive(
        qtbot,
        window,
        tmp_path,
        """\
        import signal, time

        def controller(observation):
            if observation[0] < 0.6:  # the pelvis has dropped: the episode is over, this step is past it
                signal.signal(signal.SIGALRM, signal.SIG_IGN)
                time.sleep(3600)
            return [0.05] * 19
        """,
    )
    worker = window.controller.worker
    first_pid = worker.simulation_pid
    window.toolbars.speed_box.setCurrentIndex(1)  # as fast as possible: steps are asked ahead
    with qtbot.waitSignal(worker.episodeEnded, timeout=LOAD_TIMEOUT_MS) as ended:
        window.run()
    assert ended.args[0].end_reason == "fell"
    qtbot.waitUntil(lambda: not window.lab.running and worker.busy is None)
    assert worker.simulation_pid == first_pid
    assert "Abandoned" not in window.message_bar.text and window.lab.latest_frame.step == ended.args[0].step
    goes_on(qtbot, window, wait_for_step)


@pytest.fixture(scope="module")
def run_csv(tmp_path_factory) -> Path:
    """A real `run --csv` table of 0.05 s."""
    path = tmp_path_factory.mktemp("csv") / "run.csv"
    assert cli_main(["run", "--mode", "fast", "--seconds", "0.05", "--csv", str(path)]) == 0
    return path


def test_replay_of_a_csv_with_cr_line_ends_replays(qtbot, window, run_csv, tmp_path):
    path = tmp_path / "mac.csv"  # Excel for Mac's "CSV (Macintosh)"
    path.write_bytes(run_csv.read_bytes().replace(b"\n", b"\r"))
    panel = window.panels.recording
    with qtbot.waitSignal(panel.replayRequested, timeout=LOAD_TIMEOUT_MS):
        panel.read_controls(path)
    qtbot.waitUntil(lambda: panel.loader is None)
    assert panel.message.text() == "Replaying 5 steps (0.05 s) from mac.csv"


def test_replay_of_a_csv_with_a_huge_field_is_refused_with_a_message(qtbot, window, run_csv, tmp_path):
    lines = run_csv.read_text().splitlines()
    fields = lines[2].split(",")
    fields[5] = "1" * 140_000  # over the csv module's 131072 characters
    path = tmp_path / "huge.csv"
    path.write_text("\n".join([*lines[:2], ",".join(fields), *lines[3:]]) + "\n")
    panel = window.panels.recording
    with qtbot.assertNotEmitted(panel.replayRequested):
        panel.read_controls(path)
        qtbot.waitUntil(lambda: panel.loader is None, timeout=LOAD_TIMEOUT_MS)
    assert panel.message.text().startswith(f"Cannot replay: {path}: line 3: not a CSV row (field larger than")


@pytest.fixture
def bad_mesh_model(tmp_path) -> Path:
    """The default model beside its meshes, but a pelvis.vtp whose point count is not a multiple of 3."""
    shipped = osim_rl_models_dir()
    geometry = tmp_path / "model" / "Geometry"
    geometry.mkdir(parents=True)
    for mesh in (shipped / "Geometry").iterdir():
        (geometry / mesh.name).symlink_to(mesh)
    (geometry / "pelvis.vtp").unlink()
    (geometry / "pelvis.vtp").write_text(
        (Path(__file__).parents[1] / "render" / "fixtures" / "points_not_triples.vtp").read_text()
    )
    shutil.copy(shipped / DEFAULT_MODEL_FILE, geometry.parent)
    return geometry.parent / DEFAULT_MODEL_FILE


def test_a_malformed_mesh_is_listed_and_the_rest_drawn_and_exported(
    qtbot, open_window, wait_for_step, bad_mesh_model, tmp_path
):
    window = open_window(bad_mesh_model, mode="fast")
    view = window.body_view.view3d
    qtbot.waitUntil(lambda: any(name.startswith("pelvis.vtp") for name in view.missing_meshes), timeout=10_000)
    assert view.available
    qtbot.waitUntil(lambda: "1 bone mesh file(s) not drawn: pelvis.vtp" in window.message_bar.text, timeout=10_000)
    for _ in range(3):
        window.step()
    wait_for_step(window, 3)
    export = window.export_video(tmp_path / "episode.gif")
    assert export is not None
    qtbot.waitUntil(lambda: window.message_bar.text.startswith(("Wrote ", "Video not")), timeout=60_000)
    assert window.message_bar.text.startswith("Wrote ") and (tmp_path / "episode.gif").stat().st_size > 0
    assert view.available and window.isVisible()


def test_a_simulation_process_that_dies_while_its_fork_holds_the_pipe_is_seen(qtbot, window, wait_for_step, tmp_path):
    """The controller forks a child that keeps the pipe open, then ends its own process: no EOF
    ever comes, yet the window learns at once that the process is gone (it stayed "running")."""
    drive(
        qtbot,
        window,
        tmp_path,
        """\
        import os, time

        if os.fork() == 0:  # holds every descriptor of the simulation process, the pipe too
            time.sleep(3600)
            os._exit(0)
        else:
            open(__file__ + ".pid", "w").write(str(os.getpid()))

        def controller(observation):
            os._exit(7)
        """,
    )
    group = int(Path(f"{tmp_path / 'ctrl.py'}.pid").read_text())  # the simulation process's
    with qtbot.waitSignal(window.controller.worker.controllerFailed, timeout=LOAD_TIMEOUT_MS) as failed:
        window.run()
    assert failed.args[0].message == (
        "the controller, called at step 1 (limit 1 s), ended the simulation process (exit code 7)"
    )
    qtbot.waitUntil(lambda: not window.lab.running)
    assert not _in_group(group)  # its fork was ended with it
    goes_on(qtbot, window, wait_for_step)


def _in_group(group: int) -> bool:
    """Whether a live (not zombie) process is in this process group."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                return True
    return False


def test_a_crafted_window_geometry_is_clamped_to_the_screen(qtbot, open_window):
    """A valid geometry of 60000 x 40000 pixels far off the screen (base64 in settings.json)."""
    from PyQt5.QtWidgets import QApplication, QMainWindow

    from muscle_lab.core.settings import save_settings

    crafted = QMainWindow()
    crafted.setGeometry(-50_000, 70_000, 60_000, 40_000)
    save_settings({"window_geometry": bytes(crafted.saveGeometry().toBase64()).decode("ascii")})
    crafted.deleteLater()
    window = open_window(mode="fast")
    area = QApplication.primaryScreen().availableGeometry()
    assert window.width() <= max(area.width(), 1500) and window.height() <= max(area.height(), 950)
    assert area.contains(window.geometry().topLeft())
    assert window.isVisible()
