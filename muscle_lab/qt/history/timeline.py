"""The timeline under the body view: a slider over the shown episode's kept steps, playback
controls (speed, loop), the episode to show, "Continue from here", and the ghost to compare with.

It only shows and asks: user actions come out as signals, and the window's update methods
(`show_position`, `set_episodes`, ...) never emit them. One row when wide, more when narrow.
"""

from __future__ import annotations

from collections.abc import Sequence

from PyQt5.QtCore import QPointF, QRectF, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap, QPolygonF, QResizeEvent
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.history import Episode, episode_name

# The keys the window binds to the same actions (named in the tooltips).
KEYS = {"first": "Home", "back": "Left", "play": "K", "forward": "Right", "live": "End"}
SPEEDS = (("1×", 1.0), ("0.5×", 0.5), ("0.25×", 0.25), ("0.1×", 0.1))
COMPARE_CHOICES = (("no ghost", "none"), ("previous episode", "previous"), ("pinned episode", "pinned"))
SLIDER_MIN_WIDTH = 70
ONE_ROW_SLIDER_WIDTH = 200  # one row only when the slider gets at least this
GROUP_SPACING = 8
# Rows of control groups, most preferred first: 0 the step buttons and slider, 1 the time and
# history labels, 2 speed, loop and episode, 3 continue, compare and pin.
ARRANGEMENTS = (
    ((0, 1, 2, 3),),
    ((0, 1), (2, 3)),
    ((0, 1), (2,), (3,)),
    ((0, 2), (1, 3)),  # large fonts: the labels are the widest group
    ((0, 2), (1,), (3,)),
    ((0,), (1,), (2,), (3,)),
)
EPISODE_BOX_CHARS = 22  # the box shows this much of "episode 12 · hip-thrust · 0.41 s, ended"; the list shows all
EPISODE_BOX_MAX_CHARS = 48
ICON_SIZE = 14

EPISODE_TIP = (
    "Episode to show, newest first; (live) is the one the simulation is running.\n"
    "Older episodes are kept until the history's memory runs out (oldest dropped first, pinned last)."
)
BRANCH_TIP = (
    "Continue from here: restart the simulation from the shown step's exact state, with the sliders\n"
    "as they are now. What came after this step is kept as the previous episode, to compare with."
)


def describe_episode(episode: Episode, live: bool) -> str:
    """The episode box's text, e.g. "episode 5 · hip-thrust · 0.41 s, ended"; the live one
    without its length (which would rebuild the list at every redraw)."""
    parts = [episode_name(episode)]
    if episode.label and episode.number >= 0:
        parts.append(episode.label)
    if not live:
        parts.append(f"{episode.duration:.2f} s" + (", ended" if episode.ended else ""))
    if episode.branched_from is not None:
        source, step = episode.branched_from
        parts.append(f"from {source} at step {step}")
    if episode.pinned:
        parts.append("pinned")
    return " · ".join(parts) + (" (live)" if live else "")


def choice_index(choices: Sequence[tuple[str, object]], value: object, what: str) -> int:
    for index, (_, choice) in enumerate(choices):
        if choice == value:
            return index
    raise ValueError(f"no {what} {value!r}: one of {', '.join(repr(c) for _, c in choices)}")


def steps_text(count: int) -> str:
    return f"{count} step" if count == 1 else f"{count} steps"


def media_icon(kind: str, colour: QColor) -> QIcon:
    """Play-control icons drawn here: the ⏮ ⏭ ⏸ glyphs are missing from many fonts (DejaVu too)."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.scale(2, 2)  # drawn on a 16-unit square
    painter.setPen(Qt.NoPen)
    painter.setBrush(colour)

    def left(x: float, width: float) -> None:
        painter.drawPolygon(QPolygonF([QPointF(x + width, 3), QPointF(x + width, 13), QPointF(x, 8)]))

    def right(x: float, width: float) -> None:
        painter.drawPolygon(QPolygonF([QPointF(x, 3), QPointF(x, 13), QPointF(x + width, 8)]))

    def bar(x: float, width: float = 2) -> None:
        painter.drawRect(QRectF(x, 3, width, 10))

    if kind == "first":  # |◀◀
        bar(1.5), left(3.5, 5.5), left(9, 5.5)
    elif kind == "back":  # |◀
        bar(4), left(6, 6.5)
    elif kind == "play":  # ▶
        right(4, 9.5)
    elif kind == "pause":  # ❚❚
        bar(4, 3), bar(9, 3)
    elif kind == "forward":  # ▶|
        right(4, 6.5), bar(10.5)
    elif kind == "live":  # ▶▶|
        right(1.5, 5.5), right(7, 5.5), bar(12.5)
    else:
        painter.end()
        raise ValueError(f"no icon named {kind!r}")
    painter.end()
    return QIcon(pixmap)


class Timeline(QWidget):
    """Scrub and play back the shown episode; pick the episode, the ghost, and branch."""

    stepChosen = pyqtSignal(int)  # slider, first, back or forward; forward at the end asks for last + 1
    liveRequested = pyqtSignal()
    playToggled = pyqtSignal()
    speedChosen = pyqtSignal(float)
    loopChosen = pyqtSignal(bool)
    episodeChosen = pyqtSignal(int)  # an episode number
    branchRequested = pyqtSignal()
    compareChosen = pyqtSignal(str)  # "none", "previous" or "pinned"
    pinToggled = pyqtSignal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False  # set while `show_position` moves the slider: no stepChosen then
        self._episode: int | None = None
        self._newest: int | None = None  # first in `set_episodes`: the one the simulation runs
        self._step = self._first = self._last = 0
        self._digits = 0
        self._build_controls()
        scrub = self._group(
            self.first_button, self.back_button, self.play_button, self.forward_button, self.live_button, self.slider
        )
        where = self._group(self.position_label, self.history_label)
        episode = self._group(self.speed_box, self.loop_box, self.episode_box)
        compare = self._group(self.branch_button, self.compare_box, self.pin_button)
        scrub.layout().setStretchFactor(self.slider, 1)
        episode.layout().setStretchFactor(self.episode_box, 1)
        episode.layout().addStretch(0)  # past the episode box's widest, space
        self._groups = (scrub, where, episode, compare)
        self._outer = QVBoxLayout(self)
        self._outer.setSizeConstraint(QLayout.SetNoConstraint)  # the least width is the narrowest arrangement's
        self._outer.setContentsMargins(2, 1, 2, 1)
        self._outer.setSpacing(2)
        self._lines: list[QHBoxLayout] = []
        self.arrangement: tuple[tuple[int, ...], ...] = ()
        self._arrange(ARRANGEMENTS[0])
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.show_position(None, 0, 0, 0, live=True, history_offset=0)

    # -- building ----------------------------------------------------------------------
    def _build_controls(self) -> None:
        colour = self.palette().color(QPalette.ButtonText)
        self._icons = {kind: media_icon(kind, colour) for kind in ("first", "back", "play", "pause", "forward", "live")}
        self.first_button = self._button("first", f"First kept step of the episode ({KEYS['first']})")
        self.back_button = self._button("back", f"One step back through history ({KEYS['back']})")
        self.play_button = self._button("play", "")
        self.forward_button = self._button(
            "forward", f"One step forward ({KEYS['forward']}); at the live end it simulates one step"
        )
        self.live_button = self._button("live", f"Back to live: follow the simulation ({KEYS['live']})")
        self.first_button.clicked.connect(lambda: self.stepChosen.emit(self._first))
        self.back_button.clicked.connect(lambda: self.stepChosen.emit(max(self._first, self._step - 1)))
        self.play_button.clicked.connect(self.playToggled)
        self.forward_button.clicked.connect(lambda: self.stepChosen.emit(self._step + 1))
        self.live_button.clicked.connect(self.liveRequested)
        self.set_playing(False)

        self.slider = QSlider(Qt.Horizontal)
        self.slider.setMinimumWidth(SLIDER_MIN_WIDTH)
        self.slider.setFocusPolicy(Qt.NoFocus)  # Left/Right stay the window's keys
        self.slider.setToolTip(
            f"Drag through the kept steps of the shown episode ({KEYS['back']}/{KEYS['forward']} step by one)"
        )
        self.slider.valueChanged.connect(self._on_slider)
        self.position_label = QLabel()
        self.position_label.setToolTip("Episode time and step of what is shown / last kept step of the episode")
        self.history_label = QLabel()
        self.history_label.setToolTip("Live: following the simulation; history: how far behind its newest step")

        self.speed_box = self._combo(
            [text for text, _ in SPEEDS],
            "Playback speed, as a fraction of true (simulated) time, however fast the simulation ran:\n"
            "at 0.1× a 0.41 s episode plays in 4.1 s",
        )
        self.speed_box.activated.connect(lambda i: self.speedChosen.emit(SPEEDS[i][1]))
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setFocusPolicy(Qt.NoFocus)
        self.loop_box.setToolTip("Loop: playback starts again at the first step after the last")
        self.loop_box.clicked.connect(self.loopChosen)
        self.episode_box = self._combo([], EPISODE_TIP)
        self.episode_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.episode_box.setMinimumContentsLength(EPISODE_BOX_CHARS)
        # When narrow it may shrink below that to the episode's number; the list still shows all.
        self.episode_box.setMinimumWidth(self.fontMetrics().horizontalAdvance("episode 999 ·") + 32)
        self.episode_box.setMaximumWidth(self.fontMetrics().horizontalAdvance("x" * EPISODE_BOX_MAX_CHARS))
        self.episode_box.activated.connect(self._on_episode)
        self.branch_button = QToolButton()
        self.branch_button.setText("Continue from here")
        self.branch_button.setFocusPolicy(Qt.NoFocus)
        self.branch_button.clicked.connect(self.branchRequested)
        self.set_branch_enabled(True)
        self.compare_box = self._combo(
            [text for text, _ in COMPARE_CHOICES],
            "Compare: draw another episode as a ghost in the body view and as faint curves in the plots,\n"
            "at the same episode time: the previous episode (a branch's source) or the pinned one",
        )
        self.compare_box.activated.connect(lambda i: self.compareChosen.emit(COMPARE_CHOICES[i][1]))
        self.pin_button = QToolButton()
        self.pin_button.setText("Pin")
        self.pin_button.setCheckable(True)
        self.pin_button.setFocusPolicy(Qt.NoFocus)
        self.pin_button.setToolTip(
            "Pin the shown episode for comparison (Compare: pinned episode); it is the last one history drops"
        )
        self.pin_button.clicked.connect(self.pinToggled)

    def _button(self, icon: str, tooltip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(self._icons[icon])
        button.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        button.setToolTip(tooltip)
        button.setFocusPolicy(Qt.NoFocus)  # a focused button would take Space from the window
        return button

    @staticmethod
    def _combo(items: list[str], tooltip: str) -> QComboBox:
        box = QComboBox()
        box.addItems(items)
        box.setToolTip(tooltip)
        box.setFocusPolicy(Qt.NoFocus)
        return box

    @staticmethod
    def _group(*widgets: QWidget) -> QWidget:
        group = QWidget()
        layout = QHBoxLayout(group)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for widget in widgets:
            layout.addWidget(widget)
        return group

    # -- layout: one row, or more when narrow -----------------------------------------
    @property
    def rows(self) -> int:
        return len(self.arrangement)

    def _margins_width(self) -> int:
        margins = self._outer.contentsMargins()
        return margins.left() + margins.right()

    def arrangement_for_width(self, width: int) -> tuple[tuple[int, ...], ...]:
        """The first of ARRANGEMENTS whose rows fit: one row only with room for a usable slider
        and the episode box's usual width; below that the episode box may shrink to its least."""
        available = width - self._margins_width()
        least = [group.minimumSizeHint().width() for group in self._groups]
        usual = [least[0] + ONE_ROW_SLIDER_WIDTH - SLIDER_MIN_WIDTH] + [g.sizeHint().width() for g in self._groups[1:]]
        for arrangement in ARRANGEMENTS:
            widths = usual if len(arrangement) == 1 else least
            if all(sum(widths[g] for g in row) + GROUP_SPACING * (len(row) - 1) <= available for row in arrangement):
                return arrangement
        return ARRANGEMENTS[-1]

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """As narrow as the last arrangement allows, as tall as the current one needs."""
        width = max(group.minimumSizeHint().width() for group in self._groups)
        return QSize(width + self._margins_width(), self._outer.minimumSize().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_arrangement(event.size().width())

    def _fit_arrangement(self, width: int) -> None:
        arrangement = self.arrangement_for_width(width)
        if arrangement != self.arrangement:
            self._arrange(arrangement)

    def _arrange(self, arrangement: tuple[tuple[int, ...], ...]) -> None:
        self.arrangement = arrangement
        for line in self._lines:
            while line.count():
                line.takeAt(0)
            self._outer.removeItem(line)
            line.deleteLater()
        self._lines = []
        for row in arrangement:
            line = QHBoxLayout()
            line.setSpacing(GROUP_SPACING)
            # Spare width goes to the slider, else to the episode box (up to its widest). A
            # stretch would take from the others' usual widths, so only one group a row has one.
            stretching = 0 if 0 in row else 2 if 2 in row else None
            for g in row:
                line.addWidget(self._groups[g], 1 if g == stretching else 0)
            if stretching is None:
                line.addStretch(1)
            self._outer.addLayout(line)
            self._lines.append(line)
        self._outer.activate()  # the controls move now, not on the next turn of the event loop
        self.updateGeometry()  # the parent's layout asks for the new height

    # -- the window's updates (no signals) ---------------------------------------------
    def set_episodes(self, entries: Sequence[tuple[int, str]]) -> None:
        """The episodes to offer as (number, text), newest first (see `describe_episode`)."""
        box = self.episode_box
        self._newest = entries[0][0] if entries else None
        numbers = [number for number, _ in entries]
        if numbers == [box.itemData(i) for i in range(box.count())]:
            for i, (_, text) in enumerate(entries):  # same episodes: texts in place, an open list stays open
                if box.itemText(i) != text:
                    box.setItemText(i, text)
        else:
            box.clear()  # `activated`, which the box's signals come from, is the user's alone
            for number, text in entries:
                box.addItem(text, number)
        self._select_episode()

    def show_position(
        self,
        episode_number: int | None,
        step: int,
        first_step: int,
        last_step: int,
        live: bool,
        history_offset: int,
    ) -> None:
        """Show `step` of an episode whose kept steps are first..last; `history_offset` is how
        many steps it lies behind the newest step (ignored when live)."""
        self._episode = episode_number
        self._step, self._first, self._last = step, first_step, last_step
        self._updating = True
        try:
            self.slider.setRange(first_step, last_step)
            if not self.slider.isSliderDown():  # never pull the handle from under the mouse
                self.slider.setValue(step)
        finally:
            self._updating = False
        self._select_episode()
        self._fit_labels(last_step)
        self.position_label.setText(f"t = {step * STEP_SECONDS:.2f} s · step {step} / {last_step}")
        self.history_label.setText(self._history_text(live, history_offset))
        self.first_button.setEnabled(step > first_step)
        self.back_button.setEnabled(step > first_step)
        self.forward_button.setEnabled(step < last_step or live or episode_number == self._newest)
        self.live_button.setEnabled(not live)

    def set_playing(self, playing: bool) -> None:
        self.play_button.setIcon(self._icons["pause" if playing else "play"])
        what = "Pause the playback" if playing else "Play back the shown episode at the chosen speed of true time"
        self.play_button.setToolTip(f"{what} ({KEYS['play']})")

    def set_branch_enabled(self, enabled: bool, why: str = "") -> None:
        """Disabled, the tooltip says why (e.g. "pause the simulation first")."""
        self.branch_button.setEnabled(enabled)
        self.branch_button.setToolTip(BRANCH_TIP if enabled or not why else f"{BRANCH_TIP}\n\nNot now: {why}")

    def set_pinned(self, pinned: bool) -> None:
        self.pin_button.setChecked(pinned)

    def set_speed(self, speed: float) -> None:
        self.speed_box.setCurrentIndex(choice_index(SPEEDS, speed, "playback speed"))

    def set_loop(self, loop: bool) -> None:
        self.loop_box.setChecked(loop)

    def set_compare(self, compare: str) -> None:
        self.compare_box.setCurrentIndex(choice_index(COMPARE_CHOICES, compare, "comparison"))

    # -- reading ---------------------------------------------------------------------------
    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_box.currentIndex()][1]

    @property
    def loop(self) -> bool:
        return self.loop_box.isChecked()

    @property
    def compare(self) -> str:
        return COMPARE_CHOICES[self.compare_box.currentIndex()][1]

    def status_text(self) -> str:
        """Where the shown step is, for the status bar: "live" or "history −12 steps"."""
        return self.history_label.text()

    # -- internals -------------------------------------------------------------------------
    def _history_text(self, live: bool, offset: int) -> str:
        if live:
            return "live"
        if self._newest is not None and self._episode is not None and self._episode != self._newest:
            # A run simulated elsewhere (the atlas's) has no number to read: the episode box names it.
            return "history: stored run" if self._episode < 0 else f"history: episode {self._episode}"
        return f"history −{steps_text(offset)}"

    def _fit_labels(self, last_step: int) -> None:
        """Wide enough for the episode's longest texts, so the slider does not twitch while playing."""
        digits = len(str(max(last_step, 0)))
        if digits == self._digits:
            return
        self._digits = digits
        nines = "9" * digits
        metrics = self.fontMetrics()
        self.position_label.setMinimumWidth(
            metrics.horizontalAdvance(f"t = {nines[2:] or '9'}.99 s · step {nines} / {nines}") + 2
        )
        widest = max(
            metrics.horizontalAdvance(text)
            for text in (f"history −{nines} steps", "history: episode 999", "history: stored run")
        )
        self.history_label.setMinimumWidth(widest + 2)
        # Laid out now, not on the next turn of the event loop: the new widths decide the rows.
        self._groups[1].layout().activate()
        self._fit_arrangement(self.width())
        self._outer.activate()

    def _select_episode(self) -> None:
        box = self.episode_box
        index = box.findData(self._episode)
        if index >= 0:
            box.setCurrentIndex(index)
        shown = box.currentText()  # in full: a narrow box cuts it
        box.setToolTip(f"{shown}\n\n{EPISODE_TIP}" if shown else EPISODE_TIP)

    def _on_slider(self, value: int) -> None:
        if not self._updating:  # the slider's own range and value changes are not the user's
            self.stepChosen.emit(value)

    def _on_episode(self, index: int) -> None:
        number = self.episode_box.itemData(index)
        if number is not None:
            self.episodeChosen.emit(int(number))
