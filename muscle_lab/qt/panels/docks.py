"""The panels docked beside the simulation (presets, recording, atlas, tune, observation), tabbed in the
window's dock area and wired to the lab model and the simulation controller."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PyQt5 import sip
from PyQt5.QtCore import QObject, Qt, QTimer
from PyQt5.QtWidgets import QDockWidget, QMainWindow, QMenu, QWidget

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
DOCK_WIDTH = 250  # pixels
ATLAS_DOCK_WIDTH = 535  # the atlas's heat map: a muscle name and ten columns
OBSERVATION_DOCK_WIDTH = 430  # entry, value and unit columns of the observation tree
ATLAS_DOCK_SHARE = 0.44  # of the window's width at most
ATLAS_DOCK_NARROW_SHARE = 0.34  # below NARROW_WINDOW_WIDTH: the window keeps room for its plots
NARROW_WINDOW_WIDTH = 1200  # below this the docks and the sliders take their least width


class DockPanels(QObject):
    """Builds the presets, recording, atlas and observation docks (tabbed) in `window`'s dock
    area, listed in `view_menu`, and keeps them in step with the lab model."""

    def __init__(self, window: QMainWindow, view_menu: QMenu, lab: LabModel, controller: SimulationController) -> None:
        super().__init__(window)
        self._window = window
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
        self._width_before_wide: int | None = None  # the dock's width before a wide tab came to the front
        self._wide_tabs_shown: set[str] = set()
        self.widen_while_shown(self.atlas_dock, ATLAS_DOCK_WIDTH)
        self.tune = TunePanel(lab)
        self.tune_dock = self.add_dock_panel("Tune", self.tune)
        window.tabifyDockWidget(self.atlas_dock, self.tune_dock)
        self.tune.presetSaved.connect(self._on_tune_saved)
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

    def fit_width(self, narrow: bool) -> None:
        """Narrow docks: the plots and the body drawing need the width more, all the more in a
        small window, where the docks take their least width."""
        dock = self.docks[0]
        width = dock.minimumSizeHint().width() if narrow else DOCK_WIDTH
        self._window.resizeDocks([dock], [width], Qt.Horizontal)

    def widen_while_shown(self, dock: QDockWidget, width: int) -> None:
        """A tab that needs room (the atlas's heat map, the observation tree) widens the dock
        while it is in front; the other tabs get their width back."""
        dock.visibilityChanged.connect(lambda shown: self._fit_wide_tab(dock, width, shown))

    def _fit_wide_tab(self, dock: QDockWidget, width: int, shown: bool) -> None:
        window = self._window
        if sip.isdeleted(window) or dock.isFloating() or not window.isVisible():
            return  # the window is being destroyed, the dock is a window of its own, or hidden
        if shown:
            self._wide_tabs_shown.add(dock.objectName())
            if self._width_before_wide is None:
                self._width_before_wide = dock.width()
            # A narrow window keeps room for its own plots: the tab scrolls instead.
            share = ATLAS_DOCK_SHARE if window.width() >= NARROW_WINDOW_WIDTH else ATLAS_DOCK_NARROW_SHARE
            target = min(width, round(window.width() * share))
            window.resizeDocks([dock], [max(target, self._width_before_wide)], Qt.Horizontal)
        else:
            self._wide_tabs_shown.discard(dock.objectName())
            QTimer.singleShot(0, self._restore_width)  # after the tab that comes to the front says so

    def _restore_width(self) -> None:
        if self._wide_tabs_shown or self._width_before_wide is None or sip.isdeleted(self._window):
            return
        self._window.resizeDocks([self.docks[0]], [self._width_before_wide], Qt.Horizontal)
        self._width_before_wide = None

    def _on_tune_saved(self, name: str) -> None:
        self.presets.refresh(select=name)

    def _apply_preset(self, values: np.ndarray) -> None:
        preset = self.presets.selected_preset()
        try:
            self._lab.apply_preset(preset.name if preset is not None else "", values)
        except ExcitationError as error:  # the panel matched names; a bad length is a bug upstream
            self._lab.say(f"preset not applied: {error}")
            return
        if preset is not None and preset.sequence is not None and not preset.sequence.is_constant:
            # A sequence plays from the standing start as a replay does (a slider move takes over).
            sequence = preset.sequence.reordered(self._lab.muscle_names)
            self._controller.play_controls(sequence_schedule(preset.name, sequence))

    def _on_model_ready(self, info: ModelInfo) -> None:
        self.presets.set_model([m.name for m in info.muscles], info.name)
        self.presets.set_current_excitations(self._lab.slider_values)
        self.recording.set_model(info.recording_names)
