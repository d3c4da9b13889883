"""The atlas's answer the moment a muscle is soloed: what that muscle does alone (its sentence
and its joint changes) in a line of its own over the timeline (`textChanged`), and its stored run
as the live episode's ghost, while
the live run computes. From the atlas's cache at once; where the cache has nothing yet, that
muscle's atlas entry runs in the background and is shown when done."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PyQt5.QtCore import QObject, pyqtSignal

from muscle_lab.core.atlas.effects import Effect
from muscle_lab.core.atlas.runs import AtlasResult, AtlasRun, AtlasSettings
from muscle_lab.qt.atlas.runner import RUN_ERRORS, AtlasRunner

if TYPE_CHECKING:
    from muscle_lab.qt.lab import LabModel

JOINTS_SHOWN = 3  # the largest joint changes named beside the sentence


class SoloAnswer(QObject):
    """Answers each solo of one muscle from the atlas; `settings()` gives the atlas's settings
    (the Atlas tab's level, base and length, the window's model and mode). Its runs in the
    background join `runners`, the Atlas tab's, which stops them when it goes."""

    answered = pyqtSignal(object)  # the Effect shown: from the cache, or once its run is done
    textChanged = pyqtSignal(str)  # the answer (or what is being done for one); "" when there is none
    computing = pyqtSignal(int)  # a muscle whose atlas entry runs in the background

    def __init__(
        self,
        lab: LabModel,
        settings: Callable[[], AtlasSettings | None],
        runners: list[AtlasRunner],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._lab = lab
        self._settings = settings
        self._asked: int | None = None  # the muscle soloed alone now
        self._runners = runners
        self.shown: Effect | None = None
        self.text = ""
        # Off: a muscle the cache lacks is only said to be missing (the window tests' choice:
        # every solo there would start simulation processes).
        self.run_missing = True
        lab.soloChanged.connect(self.on_solo)
        lab.muscleFocused.connect(self.on_focus)
        self._soloed: tuple[int, ...] = ()

    def on_focus(self, muscle: int) -> None:
        """A focused row, while nothing is soloed, gets the cache's answer (no simulation: rows
        take the focus too often to start processes for each)."""
        if not self._soloed and muscle != self._asked:
            self._asked = muscle
            self._answer(run_missing=False)

    def on_solo(self, soloed: tuple[int, ...]) -> None:
        self._soloed = tuple(soloed)
        self._asked = soloed[0] if len(soloed) == 1 else None
        if self._asked is None:
            self._clear()
            return
        self._answer(self.run_missing)

    def _answer(self, run_missing: bool) -> None:
        settings = self._settings()
        if settings is None or self._asked is None:
            return
        try:  # two small files: at once, before the simulation's next step reaches the window
            result = AtlasRun(settings, muscles=(self._asked,)).cached()
        except RUN_ERRORS as error:
            self._set_text(f"The atlas could not answer: {error}")
            return
        if result is not None:
            self._show(result, cached=True)
        elif run_missing:
            self._compute(settings, self._asked)
        else:
            self._lab.clear_reference_run()
            self._set_text("")

    def _compute(self, settings: AtlasSettings, muscle: int) -> None:
        name = self._lab.muscle_names[muscle] if muscle < len(self._lab.muscle_names) else str(muscle)
        self._lab.clear_reference_run()
        self._set_text(
            f"{muscle} {name} alone: the atlas has no run of it yet; simulating {settings.seconds:g} s of it in the "
            "background (the live run goes on; end the solo to stop waiting)…"
        )
        runner = AtlasRunner(settings, muscles=(muscle,))
        # Bound methods (through partial): queued to this object's thread, never run in the runner's.
        runner.succeeded.connect(partial(self._on_computed, muscle))
        runner.failed.connect(partial(self._on_failed, name))
        runner.finished.connect(partial(self._on_finished, runner))
        self._runners.append(runner)
        self.computing.emit(muscle)
        runner.start()

    def _on_computed(self, muscle: int, result: AtlasResult) -> None:
        if self._asked == muscle:  # still the soloed muscle: else another answer is shown
            self._show(result, cached=False)

    def _on_failed(self, name: str, message: str) -> None:
        self._set_text(f"The atlas could not run {name}: {message}")

    def _on_finished(self, runner: AtlasRunner) -> None:
        if runner in self._runners:
            self._runners.remove(runner)
        runner.deleteLater()

    def _show(self, result: AtlasResult, cached: bool) -> None:
        effect = result.effect(self._asked) if self._asked is not None else None
        if effect is None:
            return
        self.shown = effect
        where = "the atlas's stored run" if cached else "the atlas, just run"
        self._set_text(f"{answer_text(effect, result.settings)} (ghost: {where}).")
        self._lab.set_reference_run(
            effect.run.frames, effect.run.poses, stored_run_label(effect, result.settings.level)
        )
        self.answered.emit(effect)

    def _clear(self) -> None:
        self.shown = None
        self._set_text("")
        self._lab.clear_reference_run()

    def _set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.textChanged.emit(text)


def stored_run_label(effect: Effect, level: float) -> str:
    """What a stored run is called where it is shown: "atlas: 5 iliopsoas_r alone" (at 1)."""
    return f"atlas: {effect.index} {effect.name} alone" + (f" at {level:g}" if level != 1 else "")


def answer_text(effect: Effect, settings: AtlasSettings) -> str:
    """ "5 iliopsoas_r flexes the right hip by 131° within 0.32 s; no fall within 0.5 s · alone at
    1: hip_flexion_r +131°, hip_adduction_r +24°, ...": the sentence, then the largest changes."""
    changes = sorted(effect.joint_changes_deg.items(), key=lambda item: -abs(item[1]))[:JOINTS_SHOWN]
    joints = ", ".join(f"{name} {change:+.0f}°" for name, change in changes)
    return f"{effect.sentence} · alone at {settings.level:g}: {joints}"
