"""The excitation editor's tracks: one row per muscle over episode time, painted with QPainter
(a few rectangles or polylines a row: cheap; repainted only when the sequence or the playhead
changes). The mouse edits through `core.presets.edit` and says the result with `edited`; while
a drag lasts the row shows the preview and the hint says the value or the time.

Phases: drag a boundary sideways (a phase's length), a phase up or down in a row (that muscle's
value); double-click splits the phase there, right-click on a boundary removes it.
Keyframes: drag a point (time and value), double-click adds one, right-click or Delete removes.
The time axis above (`axis.TimeAxis`) stays in view while the tracks scroll.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PyQt5.QtCore import QPointF, QRect, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen, QPixmap
from PyQt5.QtWidgets import QSizePolicy, QWidget

from muscle_lab.core.presets import edit
from muscle_lab.core.presets.edit import EditError
from muscle_lab.core.presets.sequence import LINEAR, ExcitationSequence

LEAST_SPAN = 1.0  # seconds shown at least
GRAB_PIXELS = 5  # how near a boundary or a keyframe the mouse grabs it
RIGHT_MARGIN = 12
FILL = QColor(70, 130, 200)
HOLD = QColor(70, 130, 200, 70)  # past the end: the last values hold (or the loop repeats)
BOUNDARY = QColor(40, 40, 40)
PLAYHEAD = QColor(220, 40, 40)
ROW_SHADES = (QColor(250, 250, 250), QColor(238, 240, 244))
GRABBED = QColor(255, 160, 0)


class TracksView(QWidget):
    """Paints `sequence` for muscles labelled `labels`; `edited(sequence, what)` on each finished
    edit, `hinted(text)` while dragging or on a refusal."""

    edited = pyqtSignal(object, str)
    hinted = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sequence: ExcitationSequence | None = None
        self.labels: list[str] = []
        self.playhead: float | None = None
        self.span = LEAST_SPAN
        self._picture: QPixmap | None = None  # the tracks as last painted; None: to paint anew
        self._preview: ExcitationSequence | None = None  # while a drag lasts
        self._drag: Callable[[float, float], tuple[ExcitationSequence, str]] | None = None
        self._drag_what = ""
        self.header: QWidget | None = None  # the time axis above: painted again with the tracks
        self.selected: tuple[int, int] | None = None  # (muscle, keyframe index) for Delete
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.ClickFocus)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    # -- what is shown -------------------------------------------------------------------
    def set_labels(self, labels: Sequence[str]) -> None:
        self.labels = list(labels)
        self.updateGeometry()
        self._changed()

    def set_sequence(self, sequence: ExcitationSequence | None) -> None:
        self.sequence = sequence
        if self._drag is None:
            self._fit_span()
        self.selected = None
        self._changed()

    def set_playhead(self, time: float | None) -> None:
        """Only the playhead's old and new strips are painted again (over the kept picture)."""
        if time == self.playhead:
            return
        old, self.playhead = self.playhead, time
        if time is not None and time > self.span and self._drag is None:
            self._fit_span()
            self._changed()
            return
        for moment in (old, time):
            if moment is not None:
                strip = QRect(round(self.x_of(moment)) - 3, 0, 6, self.height())
                self.update(strip)
                if self.header is not None:
                    self.header.update(strip.adjusted(0, 0, 0, self.header.height() - self.height()))

    def _changed(self) -> None:
        """What the tracks show changed: painted anew at the next paint."""
        self._picture = None
        self.update()
        if self.header is not None:
            self.header.update()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._picture = None
        super().resizeEvent(event)

    def _fit_span(self) -> None:
        duration = self.sequence.duration if self.sequence is not None else 0.0
        wanted = max(LEAST_SPAN, duration * 1.15, (self.playhead or 0.0) + 0.05)
        self.span = math.ceil(wanted * 2) / 2  # a half second up: the scale moves seldom

    # -- geometry ------------------------------------------------------------------------
    def row_height_least(self) -> int:
        return self.fontMetrics().height() + 2

    def height_for_rows(self, row_height: int) -> int:
        return max(1, len(self.labels)) * row_height

    def minimumSizeHint(self):  # noqa: N802 (Qt's name)
        hint = super().minimumSizeHint()
        hint.setHeight(self.height_for_rows(self.row_height_least()))
        hint.setWidth(self.name_width() + 120)
        return hint

    def sizeHint(self):  # noqa: N802 (Qt's name)
        return self.minimumSizeHint()

    def name_width(self) -> int:
        metrics = self.fontMetrics()
        return max((metrics.horizontalAdvance(label) for label in self.labels), default=60) + 10

    def row_height(self) -> float:
        return self.height() / max(1, len(self.labels))

    def x_of(self, time: float) -> float:
        left = self.name_width()
        return left + time / self.span * (self.width() - left - RIGHT_MARGIN)

    def time_of(self, x: float) -> float:
        left = self.name_width()
        return max(0.0, (x - left) / max(1.0, self.width() - left - RIGHT_MARGIN) * self.span)

    def row_at(self, y: float) -> int | None:
        if y < 0 or not self.labels:
            return None
        return min(len(self.labels) - 1, int(y / self.row_height()))

    def y_of(self, row: int, value: float) -> float:
        top, height = row * self.row_height(), self.row_height()
        return top + 2 + (height - 4) * (1.0 - value)

    def value_of(self, row: int, y: float) -> float:
        top, height = row * self.row_height(), self.row_height()
        return edit.clamp_value(1.0 - (y - top - 2) / max(1.0, height - 4))

    # -- painting ------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The tracks from a picture kept until they change (a playhead's move paints a strip of
        it again), the playhead over them."""
        ratio = self.devicePixelRatioF()
        if self._picture is None or self._picture.size() != self.size() * ratio:
            self._picture = QPixmap(self.size() * ratio)
            self._picture.setDevicePixelRatio(ratio)
            picture_painter = QPainter(self._picture)
            self._paint_tracks(picture_painter)
            picture_painter.end()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        if self.playhead is not None:
            painter.setPen(QPen(PLAYHEAD, 2))
            x = self.x_of(self.playhead)
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def _paint_tracks(self, painter: QPainter) -> None:
        width, rows = self.width(), self.row_height()
        left = self.name_width()
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        for row, label in enumerate(self.labels):
            top = row * rows
            painter.fillRect(QRectF(0, top, width, rows), ROW_SHADES[row % 2])
            painter.setPen(QColor(30, 30, 30))
            painter.drawText(QRectF(4, top, left - 8, rows), int(Qt.AlignVCenter | Qt.AlignLeft), label)
        sequence = self._preview or self.sequence
        if sequence is not None and len(sequence.muscles) == len(self.labels):
            painter.setClipRect(QRectF(left, 0, width - left, self.height()))
            if sequence.phases:
                self._paint_phases(painter, sequence)
            else:
                self._paint_keyframes(painter, sequence)

    def _paint_phases(self, painter: QPainter, sequence: ExcitationSequence) -> None:
        ends = edit.boundary_times(sequence)
        starts = [0.0, *ends[:-1]]
        span_end = self.x_of(self.span)
        painter.setPen(Qt.NoPen)
        for row in range(len(self.labels)):
            bottom = self.y_of(row, 0.0)
            for start, end, phase in zip(starts, ends, sequence.phases, strict=True):
                top = self.y_of(row, phase.excitations[row])
                painter.fillRect(QRectF(self.x_of(start), top, self.x_of(end) - self.x_of(start), bottom - top), FILL)
            if not sequence.loop:  # the last values hold
                top = self.y_of(row, sequence.phases[-1].excitations[row])
                painter.fillRect(QRectF(self.x_of(ends[-1]), top, span_end - self.x_of(ends[-1]), bottom - top), HOLD)
        painter.setPen(QPen(BOUNDARY, 1))
        for end in ends:
            x = self.x_of(end)
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        if sequence.loop:
            self._paint_loop_repeats(painter, sequence)

    def _paint_keyframes(self, painter: QPainter, sequence: ExcitationSequence) -> None:
        linear = sequence.interpolation == LINEAR
        for row, track in enumerate(sequence.keyframes):
            if not track:
                continue
            path = QPainterPath(QPointF(self.x_of(0.0), self.y_of(row, 0.0)))
            path.lineTo(self.x_of(0.0), self.y_of(row, track[0][1]))
            previous = track[0][1]
            for time, value in track:
                if not linear:
                    path.lineTo(self.x_of(time), self.y_of(row, previous))
                path.lineTo(self.x_of(time), self.y_of(row, value))
                previous = value
            end = self.x_of(sequence.duration)
            path.lineTo(end, self.y_of(row, previous))
            path.lineTo(end, self.y_of(row, 0.0))
            path.closeSubpath()
            painter.setPen(QPen(FILL.darker(130), 1))
            painter.setBrush(FILL)
            painter.drawPath(path)
            if not sequence.loop:
                top, bottom = self.y_of(row, previous), self.y_of(row, 0.0)
                painter.fillRect(QRectF(end, top, self.x_of(self.span) - end, bottom - top), HOLD)
            for index, (time, value) in enumerate(track):
                painter.setBrush(GRABBED if self.selected == (row, index) else QColor(255, 255, 255))
                painter.setPen(QPen(QColor(20, 20, 20), 1))
                painter.drawEllipse(QPointF(self.x_of(time), self.y_of(row, value)), 3.5, 3.5)
        if sequence.loop:
            self._paint_loop_repeats(painter, sequence)

    def _paint_loop_repeats(self, painter: QPainter, sequence: ExcitationSequence) -> None:
        """A looping sequence repeats: its period's ends are marked, the repeats shaded."""
        period = sequence.duration
        if period <= 0:
            return
        painter.fillRect(QRectF(self.x_of(period), 0, self.width(), self.height()), HOLD)
        painter.setPen(QPen(BOUNDARY, 1, Qt.DashLine))
        time = period
        while time <= self.span:
            painter.drawLine(QPointF(self.x_of(time), 0), QPointF(self.x_of(time), self.height()))
            time += period

    # -- the mouse -----------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        x, y = event.x(), event.y()
        sequence, row = self.sequence, self.row_at(y)
        if sequence is None or row is None or x < self.name_width():
            return
        if event.button() == Qt.RightButton:
            self._remove_at(sequence, row, x, y)
        elif event.button() == Qt.LeftButton:
            self._drag = self._grab(sequence, row, x, y)
            if self._drag is not None:
                self._follow_drag(x, y)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._drag is not None:
            self._follow_drag(event.x(), event.y())
        else:
            self.setCursor(self._cursor_at(event.x(), event.y()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self._drag is None:
            return
        self._follow_drag(event.x(), event.y())  # where the button came up (a move may not have said)
        preview, what = self._preview, self._drag_what
        self._drag, self._preview = None, None
        if preview is not None and preview != self.sequence:
            self.edited.emit(preview, what)
        self._fit_span()
        self._changed()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        sequence, row = self.sequence, self.row_at(event.y())
        if sequence is None or row is None or event.x() < self.name_width():
            return
        time = self.time_of(event.x())
        self._drag = None
        if sequence.phases:
            self._apply(lambda: edit.split_phase(sequence, time), f"split the phase at {edit.snap_time(time):.2f} s")
        else:
            value = self.value_of(row, event.y())
            self._apply(
                lambda: edit.add_keyframe(sequence, row, time, value),
                f"add a keyframe to {self.labels[row]} at {edit.snap_time(time):.2f} s",
            )

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key_Delete and self.selected and self.sequence is not None:
            muscle, index = self.selected
            sequence = self.sequence
            self._apply(
                lambda: edit.remove_keyframe(sequence, muscle, index), f"remove a keyframe of {self.labels[muscle]}"
            )
            return
        super().keyPressEvent(event)

    def _grab(self, sequence: ExcitationSequence, row: int, x: float, y: float):
        """What a press at (x, y) drags: a function of the mouse giving (preview, hint)."""
        if sequence.phases:
            boundary = self._boundary_near(sequence, x)
            if boundary is not None:
                self._drag_what = f"phase {boundary + 1}'s length"
                return lambda mx, _my: self._boundary_preview(sequence, boundary, mx)
            phase = edit.phase_at(sequence, self.time_of(x))
            self._drag_what = f"{self.labels[row]} in phase {phase + 1}"

            def value_drag(_mx: float, my: float) -> tuple[ExcitationSequence, str]:
                value = self.value_of(row, my)
                return edit.set_phase_value(sequence, phase, row, value), f"{self._drag_what}: {value:.2f}"

            return value_drag
        index = self._keyframe_near(sequence, row, x, y)
        self.selected = None if index is None else (row, index)
        self._changed()
        if index is None:
            return None
        self._drag_what = f"a keyframe of {self.labels[row]}"

        def keyframe_drag(mx: float, my: float) -> tuple[ExcitationSequence, str]:
            moved = edit.move_keyframe(sequence, row, index, self.time_of(mx), self.value_of(row, my))
            time, value = moved.keyframes[row][index]
            return moved, f"{self.labels[row]}: {value:.2f} at {time:.2f} s"

        return keyframe_drag

    def _boundary_preview(self, sequence: ExcitationSequence, index: int, x: float) -> tuple[ExcitationSequence, str]:
        moved = edit.move_boundary(sequence, index, self.time_of(x))
        lengths = ", ".join(f"{p.duration:.2f}" for p in moved.phases[index : index + 2])
        return moved, f"phase {index + 1}{' and the next' if index + 1 < len(moved.phases) else ''}: {lengths} s"

    def _follow_drag(self, x: float, y: float) -> None:
        assert self._drag is not None
        self._preview, hint = self._drag(x, y)
        self.hinted.emit(hint)
        self._changed()

    def _remove_at(self, sequence: ExcitationSequence, row: int, x: float, y: float) -> None:
        if sequence.phases:
            boundary = self._boundary_near(sequence, x)
            if boundary is not None:
                self._apply(
                    lambda: edit.merge_at_boundary(sequence, boundary), f"join phases {boundary + 1} and {boundary + 2}"
                )
            return
        index = self._keyframe_near(sequence, row, x, y)
        if index is not None:
            self._apply(lambda: edit.remove_keyframe(sequence, row, index), f"remove a keyframe of {self.labels[row]}")

    def _apply(self, change: Callable[[], ExcitationSequence], what: str) -> None:
        try:
            changed = change()
        except EditError as refused:
            self.hinted.emit(f"Not done: {refused}")
            return
        self.selected = None
        self.edited.emit(changed, what)

    def _boundary_near(self, sequence: ExcitationSequence, x: float) -> int | None:
        for index, end in enumerate(edit.boundary_times(sequence)):
            if abs(self.x_of(end) - x) <= GRAB_PIXELS:
                return index
        return None

    def _keyframe_near(self, sequence: ExcitationSequence, row: int, x: float, y: float) -> int | None:
        track = sequence.keyframes[row] if sequence.keyframes else ()
        near = [
            (abs(self.x_of(t) - x) + abs(self.y_of(row, v) - y), i)
            for i, (t, v) in enumerate(track)
            if abs(self.x_of(t) - x) <= GRAB_PIXELS + 1 and abs(self.y_of(row, v) - y) <= max(GRAB_PIXELS, 8)
        ]
        return min(near)[1] if near else None

    def _cursor_at(self, x: float, y: float) -> Qt.CursorShape:
        sequence, row = self.sequence, self.row_at(y)
        if sequence is None or row is None or x < self.name_width():
            return Qt.ArrowCursor
        if sequence.phases:
            return Qt.SizeHorCursor if self._boundary_near(sequence, x) is not None else Qt.SizeVerCursor
        return Qt.SizeAllCursor if self._keyframe_near(sequence, row, x, y) is not None else Qt.CrossCursor
