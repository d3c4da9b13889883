"""The window's choices kept between launches (size, docks, plot window, mode, speed, episode end),
in the core's settings file. A corrupt file never stops the window: it says so and uses defaults."""

from __future__ import annotations

import sys
from typing import Any

from PyQt5.QtCore import QByteArray, QSize
from PyQt5.QtWidgets import QApplication, QMainWindow, QWidget

from muscle_lab.core.settings import SettingsError, load_settings, save_settings
from muscle_lab.qt.lab import LabModel
from muscle_lab.qt.simulation.news import ON_END_PAUSE, ON_END_RESET


def read_settings() -> tuple[dict[str, Any], str | None]:
    return load_settings()


def apply_settings(window: QMainWindow, lab: LabModel, values: dict[str, Any]) -> bool:
    """Set the lab's choices and the window's geometry and docks from `values`; True when a
    saved dock layout was restored."""
    lab.set_real_time(bool(values["real_time"]))
    lab.set_episode_end(ON_END_RESET if values["on_episode_end"] == ON_END_RESET else ON_END_PAUSE)
    lab.set_time_limit(bool(values["time_limit"]))
    lab.set_plot_window(values["plot_window_seconds"])
    if values["window_geometry"]:
        default = window.size()
        window.restoreGeometry(QByteArray.fromBase64(values["window_geometry"].encode("ascii")))
        clamp_to_screen(window, default)
    if values["window_state"]:
        return bool(window.restoreState(QByteArray.fromBase64(values["window_state"].encode("ascii"))))
    return False


def clamp_to_screen(window: QWidget, default: QSize) -> None:
    """Keep a restored geometry on the screen: no larger than the screen (or than the window's
    default size, where that is larger) and its corner inside it. A crafted settings file gave
    a 6 GB window, a 14 s freeze at every start and no 3D view."""
    screen = QApplication.screenAt(window.geometry().center()) or QApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    width = min(window.width(), max(area.width(), default.width()))
    height = min(window.height(), max(area.height(), default.height()))
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    x = min(max(window.x(), area.left()), max(area.left(), area.right() - width + 1))
    y = min(max(window.y(), area.top()), max(area.top(), area.bottom() - height + 1))
    if (x, y) != (window.x(), window.y()):
        window.move(x, y)


def collect_settings(window: QMainWindow, lab: LabModel) -> dict[str, Any]:
    return {
        "window_geometry": bytes(window.saveGeometry().toBase64()).decode("ascii"),
        "window_state": bytes(window.saveState().toBase64()).decode("ascii"),
        "plot_window_seconds": lab.plot_window_seconds,
        "mode": lab.mode,
        "real_time": lab.real_time,
        "on_episode_end": lab.episode_end,
        "time_limit": lab.time_limit,
    }


def store_settings(window: QMainWindow, lab: LabModel) -> None:
    """Save on close; a failure is said on stderr (the window is going away)."""
    try:
        save_settings(collect_settings(window, lab))
    except SettingsError as error:
        print(f"muscle_lab: settings not saved: {error}", file=sys.stderr)
