"""The panels docked beside the simulation (presets, recording, atlas, tune, observation), tabbed in the
window's dock area and wired to the lab model and the simulation controller."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PyQt5 import sip
from PyQt5.QtCore import QObject, Qt, QTimer
from PyQt5.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabWidget, QWidget

from muscle_lab.core.excitations import ExcitationError
from muscle_lab.core.presets.playback import sequence_schedule
from muscle_lab.core.recording.columns import RecordingNames
from muscle_lab.qt.atlas.panel import AtlasPanel
from muscle_lab.qt.panels.observation import ObservationPanel
from muscle_lab.qt.panels.presets import PresetsPanel
from muscle_lab.qt.panels.recording import RecordingPanel
from muscle_lab.qt.tune.panel import TunePanel

if TYPE_CHECKING:
    from muscle_lab.qt.lab import LabModel
    from muscle_lab.qt.simulation.controller import SimulationController
    from muscle_lab.qt.simulation.news import ModelInfo

NO_MODEL_YET = RecordingNames((), (), (), ())
DOCK_SHARE = 0.2  # of the window's width: the body and the plots are what a person watches
DOCK_LEAST_WIDTH = 205  # pixels: a preset's name and the panels' buttons two a row
DOCK_MOST_WIDTH = 320
ATLAS_DOCK_WIDTH = 535  # the atlas's heat map: a muscle name and ten columns
OBSERVATION_DOCK_WIDTH = 430  # entry, value and unit columns of the observation tree
NARROW_WINDOW_WIDTH = 1200  # below this the sliders take one column


def dock_width(window_width: int) -> int:
    """The docks' usual width in a window this wide."""
    return min(DOCK_MOST_WIDTH, max(DOCK_LEAST_WIDTH, round(window_width * DOCK_SHARE)))


class DockPanels(QObject):
    """Builds the presets, recording, atlas and observation docks (tabbed) in `window`'s dock
    area, listed in `view_menu`, and keeps them in step with the lab model."""

    def __init__(
        self,
        window: QMainWindow,
        view_menu: QMenu,
        lab: LabModel,
        controller: SimulationController,
        spare_width: Callable[[], int] = lambda: 0,
    ) -> None:
        """`spare_width()` says how many pixels the window could give a wide tab beyond the
        docks' usual width without narrowing its plots below their least."""
        super().__init__(window)
        self._window = window
        self._spare_width = spare_width
        # Tabs down the dock's edge: their names stay whole at any width (along the top they
        # read "Pr… Rec… At…" in a dock a fifth of 1024 pixels wide).
        window.setTabPosition(Qt.RightDockWidgetArea, QTabWidget.East)
        window.setTabPosition(Qt.LeftDockWidgetArea, QTabWidget.West)
        self._view_menu = view_menu
        self._lab = lab
        self._controller = controller
        self.presets = PresetsPanel((), "")  # lists at once; apply and save wait for a model
        self.recording = RecordingPanel(NO_MODEL_YET)
        presets_dock = self.add_dock_panel("Presets", self.presets)
        recording_dock = self.add_dock_panel("Recording", self.recording)
        window.tabifyDockWidget(presets_dock, recording_dock)
        self.atlas = AtlasPanel(lab, controller)
        self.atlas_dock = self.add_dock_panel("Atlas", self.atlas)
        window.tabifyDockWidget(recording_dock, self.atlas_dock)
        self._wide_tabs_shown: dict[str, int] = {}  # the wide tabs in front, with the width each would like
        self.widen_while_shown(self.atlas_dock, ATLAS_DOCK_WIDTH)
        self.tune = TunePanel(lab)
        self.tune_dock = self.add_dock_panel("Tune", self.tune)
        window.tabifyDockWidget(self.atlas_dock, self.tune_dock)
        self.tune.presetSaved.connect(self.show_saved_preset)
        self.tune_dock.visibilityChanged.connect(self.tune.set_shown)  # a bound slot: gone with the panel
        presets_dock.raise_()
        self.docks = (presets_dock, recording_dock)

        self.presets.applyRequested.connect(self._apply_preset)
        # "Save current as…" saves what the sliders say, before mute and solo.
        lab.excitationsChanged.connect(lambda _effective: self.presets.set_current_excitations(lab.slider_values))
        lab.modelReady.connect(self._on_model_ready)
        lab.framesArrived.connect(self.recording.add_frames)
        self.recording.replayRequested.connect(controller.play_controls)
        self.observation = self._add_observation(lab, controller)

    def add_dock_panel(self, title: str, widget: QWidget) -> QDockWidget:
        """Add an extra panel (presets, recording, ...) to the dock area on the right."""
        dock = QDockWidget(title, self._window)
        dock.setObjectName(title.lower().replace(" ", "_"))
        dock.setWidget(widget)
        dock.setAllowedAreas(Qt.RightDockWidgetArea | Qt.LeftDockWidgetArea)
        self._window.addDockWidget(Qt.RightDockWidgetArea, dock)
        self._view_menu.addAction(dock.toggleViewAction())
        return dock

    def _add_observation(self, lab: LabModel, controller: SimulationController) -> ObservationPanel:
        """The observation panel as a tab; the simulation computes observations only while the
        tab is shown."""
        panel = ObservationPanel(controller.worker.observations)
        dock = self.add_dock_panel("Observation", panel)
        first = self.docks[0]
        self._window.tabifyDockWidget(first, dock)
        first.raise_()
        dock.visibilityChanged.connect(panel.set_shown)
        self.widen_while_shown(dock, OBSERVATION_DOCK_WIDTH)
        dock.visibilityChanged.connect(controller.set_observing)
        lab.modelReady.connect(lambda info: panel.set_layout(info.observation_layout))
        panel.dock = dock
        return panel

    def fit_width(self) -> None:
        """The docks take a fifth of the window (within bounds), whatever width a session or a
        drag left them: the body and the plots need the width more. A wide tab in front (the
        atlas's heat map, the observation tree) widens them only into width the plots can spare;
        where there is none, the tab scrolls."""
        window = self._window
        if sip.isdeleted(window):
            return
        dock = self.docks[0]
        width = max(dock_width(window.width()), dock.minimumSizeHint().width())
        if self._wide_tabs_shown:
            width = max(width, min(max(self._wide_tabs_shown.values()), width + max(0, self._spare_width())))
        window.resizeDocks([dock], [width], Qt.Horizontal)

    def widen_while_shown(self, dock: QDockWidget, width: int) -> None:
        """A tab that needs room widens the dock while it is in front (as far as `fit_width` allows)."""
        dock.visibilityChanged.connect(lambda shown: self._on_wide_tab(dock, width, shown))

    def _on_wide_tab(self, dock: QDockWidget, width: int, shown: bool) -> None:
        if shown and not dock.isFloating():
            self._wide_tabs_shown[dock.objectName()] = width
        else:
            self._wide_tabs_shown.pop(dock.objectName(), None)
        QTimer.singleShot(0, self.fit_width)  # once the tab coming to the front has said so too

    def show_saved_preset(self, name: str) -> None:
        """A preset saved elsewhere (the Tune tab, the excitation editor): listed and selected."""
        self.presets.refresh(select=name)

    def apply_named_preset(self, name: str, values: np.ndarray) -> None:
        """`main.py --preset NAME`: what Apply does with it chosen at full strength (a sequence
        shows in the excitation editor and plays from the standing start)."""
        self.presets.select(name)
        chosen = self.presets.selected_preset()
        if chosen is None or chosen.name != name:  # not listed (a file that failed to read): values only
            self._lab.apply_preset(name, values)
            return
        self._apply_preset(values)

    def _apply_preset(self, values: np.ndarray) -> None:
        preset = self.presets.selected_preset()
        try:
            self._lab.apply_preset(preset.name if preset is not None else "", values)
        except ExcitationError as error:  # the panel matched names; a bad length is a bug upstream
            self._lab.say(f"preset not applied: {error}")
            return
        # The excitation editor shows it (a constant preset as one phase, to split and edit).
        sequence = preset.schedule().reordered(self._lab.muscle_names) if preset is not None else None
        self._lab.set_sequence(sequence, preset.name if preset is not None else "")
        if preset is not None and sequence is not None and not sequence.is_constant:
            # A sequence plays from the standing start as a replay does (a slider move takes over).
            self._controller.play_controls(sequence_schedule(preset.name, sequence))

    def _on_model_ready(self, info: ModelInfo) -> None:
        self.presets.set_model([m.name for m in info.muscles], info.name)
        self.presets.set_current_excitations(self._lab.slider_values)
        self.recording.set_model(info.recording_names)
