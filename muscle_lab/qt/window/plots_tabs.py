"""The plots and the excitation editor share the area under the body, one page in front: time
runs across both, and each gets the window's width ("Plots | Excitations" over them)."""

from __future__ import annotations

from PyQt5.QtWidgets import QTabWidget

from muscle_lab.qt.editor.panel import ExcitationEditor
from muscle_lab.qt.plots.panel import PlotPanel

EDITOR_TALL_ROW_HEIGHT = 22  # pixels a muscle's track gets in a tall window (1500x950)


class PlotsTabs(QTabWidget):
    def __init__(self, plots: PlotPanel, editor: ExcitationEditor) -> None:
        super().__init__()
        self.setDocumentMode(True)  # a tab bar without a frame: the plots keep their pixels
        self.plots, self.editor = plots, editor
        self.addTab(plots, "Plots")
        self.addTab(editor, "Excitations")
        self.setTabToolTip(1, "The excitation editor: the sequence as a track per muscle over time")

    @property
    def editor_in_front(self) -> bool:
        return self.currentWidget() is self.editor

    def height_for(self, data_height: int, tall: bool) -> int:
        """The height at which the page in front is readable: every plot's data area
        `data_height` pixels, or every track a line of text (EDITOR_TALL_ROW_HEIGHT when `tall`)."""
        bar = self.tabBar().sizeHint().height()
        if self.editor_in_front:
            least = self.editor.tracks.row_height_least()
            return bar + self.editor.height_for_rows(max(least, EDITOR_TALL_ROW_HEIGHT) if tall else least)
        return bar + self.plots.height_for_data(data_height)
