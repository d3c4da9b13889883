"""The window's one redraw timer: it reads the worker's outbox into the lab model, pushes what
changed to the plots, the observation panel and the status bar, and hands the body view its
newest pose in a turn of its own (the 3D view is also fed as soon as it is free)."""

from __future__ import annotations

import time

from PyQt5.QtCore import QCoreApplication, QObject, QTimer

from muscle_lab.core.simulation.pose import BodyPose
from muscle_lab.core.simulation.protocol import Busy
from muscle_lab.qt.body.area import BodyArea
from muscle_lab.qt.history.view import HistoryView
from muscle_lab.qt.lab import LabModel
from muscle_lab.qt.panels.observation import ObservationPanel
from muscle_lab.qt.plots.panel import PlotPanel
from muscle_lab.qt.simulation.controller import SimulationController
from muscle_lab.qt.window.status_bar import StatusBar

REDRAW_INTERVAL_MS = 25  # one timer redraws everything, at most 40 times a second
# While poses stream in (running, playing back) the plots repaint at most 15 times a second: a
# repaint costs ~10 ms of the GUI thread, and on two busy cores that CPU is what lets the body
# view, the thing a user watches, render 30 times a second. At rest they repaint every tick.
STREAMING_PLOT_INTERVAL_S = 1 / 15
# As fast as possible, the curves run several times faster than real time and every core counts:
# the simulation process needs one, the body view's 30 renders and the plots share the other.
FAST_PLOT_INTERVAL_S = 1 / 8
SLOW_CALL_SECONDS = 0.5  # a step or load waited on longer than this is shown in the status bar


class Redrawer(QObject):
    """Drives every redraw of the window from one timer, at most 1000 / REDRAW_INTERVAL_MS a second."""

    def __init__(
        self,
        lab: LabModel,
        controller: SimulationController,
        history: HistoryView,
        plots: PlotPanel,
        body: BodyArea,
        observation: ObservationPanel,
        status: StatusBar,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._lab, self._controller, self._history = lab, controller, history
        self._plots, self._body, self._observation, self._status = plots, body, observation, status
        self.redraw_count = 0
        self.stopped = False  # the window closed: the timer and the body's feed are over
        self._plots_due = 0.0  # time.monotonic() from which the plots may repaint while poses stream
        self._pose_shown_at = 0.0  # time.monotonic() when the body was last given a new pose
        self._redrawing = False  # inside redraw
        self._pending_pose: tuple[BodyPose | None, BodyPose | None, str] | None = None  # pose, ghost, label
        lab.modelLoaded.connect(self._forget_pose)
        body.view3d.imageRendered.connect(self._feed_3d_view)
        controller.worker.framesReady.connect(self._feed_3d_view)
        self._timer = QTimer(self)
        self._timer.setInterval(REDRAW_INTERVAL_MS)
        self._timer.timeout.connect(self.redraw)
        self._timer.start()

    def stop(self) -> None:
        self.stopped = True
        self._timer.stop()

    def redraw_now(self) -> None:
        """Bring what is shown up to date now, the plots too even while poses stream, and the
        body (what the timer does, without waiting for its tick): for screenshots and tests."""
        self._plots_due = 0.0
        self.redraw()
        self._draw_body()

    def redraw(self) -> None:
        """Read the worker's outbox, push new data to the plots and the body drawing, and paint."""
        self._redrawing = True  # a feed of the 3D view delivered by sendPostedEvents waits
        try:
            self._take_news()
            drew = self._redraw_plots()
            browser = self._lab.browser
            episode, step = browser.episode, browser.step
            shown = None if browser.live or episode is None or step is None else (episode.number, step)
            self._observation.follow_timeline(shown)  # the step the timeline shows, as every view
            self._observation.redraw()  # at most ten times a second, and only while shown
            self._watch_slow_call()
            if self._lab.status_dirty:
                self._status.update()
            # Deferred work the updates above posted (pyqtgraph's scene bookkeeping, the
            # window's repaint) runs now, so that one timer tick is one complete redraw.
            QCoreApplication.sendPostedEvents(None, 0)
        finally:
            self._redrawing = False
        if self._pending_pose is not None:
            # The body is drawn in a turn of its own: the event loop runs in between, so a
            # 3D render and the plots never hold it together.
            QTimer.singleShot(0, self._draw_body)
        elif drew:
            self.redraw_count += 1

    def _forget_pose(self, _info: object) -> None:
        self._pending_pose = None

    def _take_news(self) -> None:
        """Hand the worker's outbox to the lab model and note the pose to show if it changed."""
        outbox = self._controller.worker.outbox
        while outbox:
            name, payload = outbox.popleft()
            self._lab.handle(name, payload)
        shown = self._history.redraw()
        if shown is not None:
            self._pending_pose = shown
            self._lab.status_dirty = True

    def _redraw_plots(self) -> bool:
        now = time.monotonic()
        streaming = self._pending_pose is not None or now - self._pose_shown_at < 2 * STREAMING_PLOT_INTERVAL_S
        if streaming and now < self._plots_due:
            return False
        drew = self._plots.redraw()
        if drew:
            self._plots_due = now + (STREAMING_PLOT_INTERVAL_S if self._lab.real_time else FAST_PLOT_INTERVAL_S)
        return drew

    def _feed_3d_view(self, *_ignored: object) -> None:
        """New frames came, or the 3D view finished an image: unless a render already waits,
        hand it the newest pose now rather than at the next tick, so that its thread has the
        next pose the moment it is free (and renders back to back while poses keep coming)."""
        view = self._body.view3d
        if self.stopped or not self._body.uses_3d:
            return
        if self._redrawing:  # delivered by the tick's sendPostedEvents: fed when the tick is over
            QTimer.singleShot(0, self._feed_3d_view)
            return
        if view.ready_for_pose and view.isVisible():
            self._take_news()
            self._draw_body()
            view.render_now()

    def _draw_body(self) -> None:
        if self._pending_pose is not None and not self.stopped:
            pose, ghost, label = self._pending_pose
            self._pending_pose = None
            self._body.set_ghost(ghost, label)
            if pose is not None:
                self._body.set_pose(pose)
                self._pose_shown_at = time.monotonic()
            self.redraw_count += 1

    def _watch_slow_call(self) -> None:
        """Say in the status bar when the simulation has been busy with one call for long."""
        worker = self._controller.worker
        busy = worker.busy
        text = ""
        if busy is not None and (busy.status is not None or busy.seconds() >= SLOW_CALL_SECONDS):
            text = describe_slow_call(busy, worker.simulation_stopped())
        if text != self._lab.busy_text:
            self._lab.busy_text = text
            self._lab.status_dirty = True


def describe_slow_call(busy: Busy, stopped: bool) -> str:
    """What the status bar says of a call the simulation process has been busy with for long."""
    seconds = busy.seconds()
    if stopped:
        return (
            f"the simulation process (pid {busy.pid}) is stopped (SIGSTOP) and cannot answer; "
            "Pause or Reset ends it and starts a new one"
        )
    if busy.status is not None:  # what the process said it is doing, e.g. a first compile
        return f"{busy.status} ({seconds:.0f} s so far)"
    if busy.command == "step":
        return (
            f"still integrating: {busy.from_time:.2f} s simulated, the step to "
            f"{busy.from_time + 0.01:.2f} s has run {seconds:.0f} s; Pause or Reset abandons it"
        )
    return f"the simulation process is busy ({busy.command}) for {seconds:.0f} s; closing the window ends it"
