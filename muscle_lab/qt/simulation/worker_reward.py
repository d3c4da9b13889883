"""The worker's side of your own reward: the simulation process loads it and calls it after every
step (core.simulation.user_reward), so the window, which never imports OpenSim, gets its value and
total in each frame. A failure is reported as a failing controller's is: the simulation pauses at
that step, the message shows the error and its traceback, and the reward is off (osim-rl's goes on)."""

from __future__ import annotations

from PyQt5.QtCore import pyqtSlot

from muscle_lab.core.errors import SimulationFailed
from muscle_lab.core.simulation.protocol import SimulationAbandoned
from muscle_lab.core.simulation.user_reward import RewardError
from muscle_lab.qt.simulation.worker_state import WorkerState, guarded


class RewardWorker(WorkerState):
    """`set_reward` and the report of a failure; `SimulationWorker` adds the rest."""

    @pyqtSlot(object)
    @guarded
    def set_reward(self, spec: object) -> None:
        """Your reward (FILE.py[:NAME]) from the next step on, its total counted from there; None:
        osim-rl's only. Answers with `rewardChanged`, or `rewardFailed`."""
        self._reward = None if spec is None else str(spec)
        sim = self._sim
        if sim is None:
            return
        self._collect_steps_in_flight()  # type: ignore[attr-defined]  # real steps, taken before the change
        self._flush()
        try:
            name = sim.set_reward(self._reward)
        except RewardError as error:
            self._reward = None
            self._post("rewardChanged", None)
            self._post("rewardFailed", (error, False))
            return
        except SimulationAbandoned as abandoned:  # Pause or Reset while its file was loading
            self._reward = None
            self._post("rewardChanged", None)
            self._post("problem", f"Your reward was not loaded: {abandoned}.")
            self.reset()  # type: ignore[attr-defined]
            return
        except (SimulationFailed, OSError) as error:  # the simulation process died
            self._post("simulationFailed", str(error))
            return
        self._post("rewardChanged", name)

    def _report_reward_failure(self) -> None:
        """A step's reward failed (or a new simulation process could not load it again): the
        steps already asked for are collected, the simulation pauses and the window is told."""
        sim = self._sim
        failure = sim.take_reward_failure() if sim is not None else None
        if failure is None:
            return
        self._reward = None
        self._post("rewardChanged", None)
        self._collect_steps_in_flight()  # type: ignore[attr-defined]
        self._flush()
        self._set_running(False)
        self._post("rewardFailed", (failure, True))
