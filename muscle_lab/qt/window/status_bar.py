"""The window's status bar: simulated time, real-time factor, total reward, the episode's state
(or a slow step) and the model, read from the lab model when the redraw timer finds it changed."""

from __future__ import annotations

from PyQt5.QtWidgets import QLabel, QStatusBar

from muscle_lab.qt.lab import LabModel
from muscle_lab.qt.panels.elided_label import ElidedLabel


class StatusBar:
    """Fills `bar` with labels that say the lab model's state."""

    def __init__(self, bar: QStatusBar, lab: LabModel) -> None:
        self._lab = lab
        self._last_rate: float | None = None  # shown while paused
        self.time_label = QLabel()
        self.rate_label = QLabel()
        self.reward_label = QLabel()
        # Long texts end in "…" with the whole text on hover: they never widen the window.
        self.episode_label = ElidedLabel()
        self.model_label = ElidedLabel()
        for label, width in ((self.time_label, 125), (self.rate_label, 215), (self.reward_label, 150)):
            label.setMinimumWidth(width)
            bar.addPermanentWidget(label)
        bar.addPermanentWidget(self.episode_label, 3)
        bar.addPermanentWidget(self.model_label, 1)
        lab.modelTextChanged.connect(self.model_label.setText)

    def update(self) -> None:
        """Say the lab's state now."""
        lab = self._lab
        lab.status_dirty = False
        browser = lab.browser
        frame = lab.latest_frame if browser.live else browser.frame
        if frame is not None:
            self.time_label.setText(f"sim time {frame.time:6.2f} s")
            yours = frame.user_total_reward  # your reward's total, beside osim-rl's
            mine = "" if yours is None else f" · yours {yours:.2f}"
            self.reward_label.setText(f"total reward {frame.total_reward:8.2f}{mine}")
            self.reward_label.setToolTip(
                "osim-rl's total reward this episode" + ("; yours: your reward file's total" if mine else "")
            )
        if lab.running and lab.real_time_factor > 0:
            self._last_rate = lab.real_time_factor
        last = self._last_rate
        if lab.running or last is None:
            self.rate_label.setText(f"real-time factor {lab.real_time_factor:4.2f}")
        else:
            self.rate_label.setText(f"real-time factor {last:4.2f} (last run)")
        where = browser.status_text()
        shown = f"showing {where} · " if where and where != "live" else ""
        # The live episode's state is named as the live one's beside a run shown from elsewhere.
        episode = browser.episode
        live = "live episode" if episode is not None and episode.number < 0 else "episode"
        self.episode_label.setText(lab.busy_text or f"{shown}{live}: {lab.episode_state}")
