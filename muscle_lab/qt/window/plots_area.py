"""The plots and the excitation editor share the area under the body, one page in front: time
runs across both, and each gets the window's width. The switch is a toggle on the options tool
bar and in the View menu (Ctrl+E): a tab bar over the plots (or down their side) would take the
height (the width) that keeps their data areas readable at 1024x700."""

from __future__ import annotations

from PyQt5.QtWidgets import QAction, QStackedWidget

from muscle_lab.qt.editor.panel import ExcitationEditor
from muscle_lab.qt.plots.panel import PlotPanel

EDITOR_TALL_ROW_HEIGHT = 22  # pixels a muscle's track gets in a tall window (1500x950)


class PlotsArea(QStackedWidget):
    """The plots, or the excitation editor while `editor_action` is checked."""

    def __init__(self, plots: PlotPanel, editor: ExcitationEditor) -> None:
        super().__init__()
        self.plots, self.editor = plots, editor
        self.addWidget(plots)
        self.addWidget(editor)
        self.editor_action = QAction("Excitation editor", self)
        self.editor_action.setCheckable(True)
        self.editor_action.setShortcut("Ctrl+E")
        self.editor_action.setToolTip(
            "The sequence as a track per muscle over time, in place of the plots (Ctrl+E): drag phases and "
            "keyframes, Record the sliders, Save as preset"
        )
        self.editor_action.toggled.connect(lambda on: self.setCurrentWidget(editor if on else plots))

    def show_editor(self, on: bool) -> None:
        self.editor_action.setChecked(on)

    @property
    def editor_in_front(self) -> bool:
        return self.currentWidget() is self.editor

    def height_for(self, data_height: int, tall: bool) -> int:
        """The height at which the page in front is readable: every plot's data area
        `data_height` pixels, or every track a line of text (EDITOR_TALL_ROW_HEIGHT when `tall`)."""
        if self.editor_in_front:
            least = self.editor.tracks.row_height_least()
            return self.editor.height_for_rows(max(least, EDITOR_TALL_ROW_HEIGHT) if tall else least)
        return self.plots.height_for_data(data_height)
