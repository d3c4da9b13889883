"""Where the keyboard focus goes in the window: shortcuts work from anywhere but a text box, Enter
or Esc leaves the box, a click on the plots or the body takes the focus back, and a slider that
takes the focus selects its muscle in the 3D view."""

from __future__ import annotations

from collections.abc import Callable

from PyQt5.QtCore import QEvent, QObject, Qt, QTimer
from PyQt5.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QMainWindow, QWidget

from muscle_lab.qt.body.area import BodyArea
from muscle_lab.qt.panels.muscles import MusclePanel
from muscle_lab.qt.plots.panel import PlotPanel

LEAVE_BOX_KEYS = (Qt.Key_Return, Qt.Key_Enter, Qt.Key_Escape)


class FocusKeeper(QObject):
    """Installed on the application for `window`'s lifetime (`release` when it closes)."""

    def __init__(
        self,
        window: QMainWindow,
        muscles: MusclePanel,
        plots: PlotPanel,
        body: BodyArea,
        muscle_focused: Callable[[int], None] = lambda _index: None,
    ) -> None:
        """`muscle_focused(index)` is told when a muscle's row takes the focus."""
        super().__init__(window)
        self._window, self._muscles, self._body = window, muscles, body
        self._muscle_focused = muscle_focused
        window.centralWidget().setFocusPolicy(Qt.StrongFocus)
        for view in (plots, body.view2d, body.view3d):
            view.setFocusPolicy(Qt.ClickFocus)
        self._leave_boxes = _LeaveBoxOnEnter(self._take_focus)
        QApplication.instance().installEventFilter(self._leave_boxes)
        QApplication.instance().focusChanged.connect(self._on_focus_changed)

    def release(self) -> None:
        QApplication.instance().removeEventFilter(self._leave_boxes)
        QApplication.instance().focusChanged.disconnect(self._on_focus_changed)

    def _take_focus(self, box: QWidget) -> None:
        """Focus back to the window itself, where the shortcuts live, if `box` still has it
        (Enter in "Go to" has already moved it to a slider)."""
        focused = QApplication.focusWidget()
        window = self._window
        if focused is not None and (focused is box or box.isAncestorOf(focused)) and box.window() is window:
            window.centralWidget().setFocus(Qt.OtherFocusReason)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        for row in self._muscles.rows:
            if new is row.slider or new is row.spin or (new is not None and row.spin.isAncestorOf(new)):
                self._body.view3d.set_selected(row.muscle.index)
                self._muscle_focused(row.muscle.index)
                return


class _LeaveBoxOnEnter(QObject):
    """After Enter, Return or Esc in a number or text box, the focus leaves it (once the box
    has taken the key: Enter commits the typed value)."""

    def __init__(self, leave: Callable[[QWidget], None]) -> None:
        super().__init__()
        self._leave = leave

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (
            event.type() == QEvent.KeyPress
            and event.key() in LEAVE_BOX_KEYS
            and isinstance(watched, (QAbstractSpinBox, QLineEdit))
        ):
            QTimer.singleShot(0, lambda: self._leave(watched))
        return False
