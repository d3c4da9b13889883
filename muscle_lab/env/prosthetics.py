"""osim-rl's ProstheticsEnv (v2.1.5): rounds 1 and 2 of NeurIPS 2018's AI for Prosthetics, on its four models.

Round 1 (`difficulty=0`): run at 3 m/s, reward `9 - (vx - 3)^2`, 300 steps. Round 2
(`difficulty=1`): follow a target velocity that changes about every 3 s (`targets`,
`get_state_desc()["target_vel"]`), reward `10 - 0.001 Σ activation² - (vx - tx)² - (vz - tz)²`,
1000 steps. Both end when the pelvis falls below 0.6 m.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

import numpy as np

from muscle_lab.core.frame import Frame
from muscle_lab.core.observation.layout import markdown_table
from muscle_lab.core.observation.reader import ObservationReader
from muscle_lab.core.reward import FELL
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.env.base import NAN_ACTION, OsimEnv, clip_action
from muscle_lab.env.observation_hints import ObservationHints, load_hints
from muscle_lab.env.targets import TargetRandom, generate_new_targets

__all__ = ["NAN_ACTION", "ProstheticsEnv", "clip_action", "observation_table"]

# osim-rl's `model_paths`, by `get_model_key()`.
MODEL_FILES = {
    "3D_pros": "gait14dof22musc_pros_20180507.osim",
    "3D": "gait14dof22musc_20170320.osim",
    "2D_pros": "gait14dof22musc_planar_pros_20180507.osim",
    "2D": "gait14dof22musc_planar_20170320.osim",
}
TIME_LIMITS = {0: 300, 1: 1000}  # steps, by difficulty
ROUND2_ALIVE = 10.0
ROUND2_EFFORT = 0.001


class ProstheticsEnv(OsimEnv):
    """The gait models: one excitation per muscle, 0.01 s a step; osim-rl's arguments first.

    terminated: the pelvis fell below 0.6 m; truncated: the time limit (300 steps, 1000 in
    round 2). The observation is osim-rl's vector (160 values with the prosthesis, 169 without;
    see `observation_names`); round 2's target is in the state description, not in the vector
    (as in osim-rl). `seed` seeds the targets as osim-rl's `random.seed` and `np.random.seed` do;
    `reset(seed=S)` reseeds them. `model`, `prosthetic`: one of osim-rl's four models
    (`change_model` switches); `model_path`: any .osim model instead. See OsimEnv for the rest.
    """

    def __init__(
        self,
        visualize: bool = False,
        integrator_accuracy: float | None = None,
        difficulty: int = 0,
        seed: int | None = 0,
        report: str | Path | None = None,
        *,
        model: str = "3D",
        prosthetic: bool = True,
        **kwargs: Any,
    ) -> None:
        self.model, self.prosthetic = model, prosthetic
        self._check_model_key()
        self.difficulty = difficulty  # before the spaces are made: round 2's description has a target
        self.targets: np.ndarray | None = None
        self._generators = TargetRandom(seed)
        self._report: tuple[IO[str], Any, IO[str], Any] | None = None
        super().__init__(visualize, integrator_accuracy, **kwargs)
        self.set_difficulty(difficulty)
        if report is not None:
            self._open_report(Path(report))

    # -- osim-rl's interface --------------------------------------------------------------
    def get_model_key(self) -> str:
        return self.model + ("_pros" if self.prosthetic else "")

    def default_model_path(self) -> Path:
        from muscle_lab.core.paths import osim_rl_models_dir

        return osim_rl_models_dir() / MODEL_FILES[self.get_model_key()]

    def set_difficulty(self, difficulty: int) -> None:
        if difficulty not in TIME_LIMITS:
            raise ValueError(f"difficulty {difficulty!r}: osim-rl v2.1.5 has 0 (round 1) and 1 (round 2)")
        self.difficulty = difficulty
        self.time_limit = TIME_LIMITS[difficulty]

    def change_model(
        self, model: str = "3D", prosthetic: bool = True, difficulty: int = 0, seed: int | None = 0
    ) -> None:
        """Another of the four models (reloaded only if it changes), a difficulty, and the seed."""
        if (self.model, self.prosthetic) != (model, prosthetic):
            previous = (self.model, self.prosthetic)
            self.model, self.prosthetic = model, prosthetic
            try:
                self._check_model_key()
            except ValueError:
                self.model, self.prosthetic = previous
                raise
            self.load_model(self.default_model_path())
        self.set_difficulty(difficulty)
        self._generators.seed(seed)

    def generate_new_targets(self) -> None:
        self.targets = generate_new_targets(self.time_limit, self._generators)

    @property
    def observation_names(self) -> tuple[str, ...]:
        """The name of each index of the observation (`reader.layout.entries()` says more)."""
        return self.reader.layout.names()

    @property
    def observation_hints(self) -> ObservationHints | None:
        """A typical offset and scale per index of the vector observation, recorded on episodes of
        this model (env.observation_hints); None for a model without a recording (only the default
        prosthetic model has one)."""
        return load_hints(self.model_path, self.observation_names)

    def get_observation(self) -> np.ndarray:
        """osim-rl's vector of the current state; `reset` and `step` return it."""
        return self.simulation.observation(self.reader)

    def describe(self, desc: dict[str, Any], previous: bool = False) -> dict[str, Any]:
        if self.difficulty > 0:
            desc["target_vel"] = self.target_vel(self.istep - 1 if previous else self.istep)
        return desc

    def target_vel(self, step: int) -> list[float]:
        """Round 2's target velocity after `step` steps (the start's before the first reset)."""
        if self.targets is None:
            return [1.25, 0.0, 0.0]
        return [float(value) for value in self.targets[step]]

    def reward(self) -> float:
        frame = self.simulation.frame
        if self.difficulty == 0:
            return frame.reward  # round 1, computed by the simulation
        velocity = self.simulation.pelvis_velocity()  # the compiled engine's without an OpenSim state
        target = self.target_vel(self.istep)
        penalty = float(np.sum(np.asarray(frame.activations) ** 2)) * ROUND2_EFFORT
        penalty += (velocity[0] - target[0]) ** 2 + (velocity[2] - target[2]) ** 2
        return ROUND2_ALIVE - penalty

    def is_done(self) -> bool:
        return self.simulation.frame.end_reason == FELL

    # -- gymnasium ----------------------------------------------------------------------
    def before_reset(self, seed: int | None, options: dict[str, Any]) -> None:
        """New targets at every reset, as osim-rl (also in round 1, so the draws stay in step)."""
        if seed is not None:
            self._generators.seed(seed)  # osim-rl's reset(seed=...) too, though it ignored 0
        self.generate_new_targets()

    def step(self, action: Any, project: bool | None = None) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        result = super().step(action, project)
        if self._report is not None:
            self._write_report(action)
        return result

    def close(self) -> None:
        if self._report is not None:
            self._report[0].close()
            self._report[2].close()
            self._report = None
        super().close()

    def _info(self, frame: Frame, end_reason: str | None = None) -> dict[str, Any]:
        return {**super()._info(frame, end_reason), "pelvis_height": frame.pelvis_height}

    # -- internals ----------------------------------------------------------------------
    def _check_model_key(self) -> None:
        if self.get_model_key() not in MODEL_FILES:
            raise ValueError(f"model={self.model!r}, prosthetic={self.prosthetic!r}: model is '3D' or '2D'")

    def _open_report(self, report: Path) -> None:
        """osim-rl's `report`: REPORT-obs.csv and REPORT-act.csv, a row per step (osim-rl's own never ran)."""
        observations = open(f"{report}-obs.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115  closed by close()
        actions = open(f"{report}-act.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._report = (observations, csv.writer(observations), actions, csv.writer(actions))
        self._report[1].writerow(self.observation_names)
        self._report[3].writerow(self.muscle_names)

    def _write_report(self, action: Any) -> None:
        assert self._report is not None
        self._report[1].writerow(np.asarray(self.get_observation(), dtype=float).tolist())
        self._report[3].writerow(self.excitations(action).tolist())
        self._report[0].flush()
        self._report[2].flush()


def observation_table(model_path: str | Path | None = None) -> str:
    """The observation's every index, name, meaning and unit as a Markdown table (the README's)."""
    return markdown_table(ObservationReader(Simulation(model_path).loaded).layout.entries())
