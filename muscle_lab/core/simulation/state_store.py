"""The simulation process's memory of past states, for branching ("continue from here").

Each step's state-variable values and the excitations applied during it are kept, keyed by
(episode, step), within a byte budget: the oldest are dropped first.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from muscle_lab.core.errors import SimulationFailed

DEFAULT_BUDGET_BYTES = 20 * 2**20
ENTRY_OVERHEAD_BYTES = 650  # the dataclass, its two arrays' headers and the dict slot


class StateNotKept(SimulationFailed):
    """A branch asked for a state that was never stored or was dropped to stay in budget."""


@dataclass(frozen=True)
class SavedState:
    """What `Simulation.restore` needs to continue exactly from one step."""

    episode: int
    step: int
    time: float
    values: np.ndarray  # OpenSim's Y: coordinates, speeds, then muscle states
    excitations: np.ndarray  # applied during the step that ended here
    reward: float
    total_reward: float
    user_total_reward: float | None = None  # a user's reward's total at this step (core.simulation.user_reward)

    @property
    def nbytes(self) -> int:
        return ENTRY_OVERHEAD_BYTES + self.values.nbytes + self.excitations.nbytes


class StateStore:
    """States by (episode, step), oldest dropped first beyond `budget_bytes`."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self.nbytes = 0
        self._states: OrderedDict[tuple[int, int], SavedState] = OrderedDict()
        self._cleared_because = "it keeps none from before it restarted"

    def __len__(self) -> int:
        return len(self._states)

    def put(self, saved: SavedState) -> None:
        key = (saved.episode, saved.step)
        old = self._states.pop(key, None)
        if old is not None:
            self.nbytes -= old.nbytes
        self._states[key] = saved
        self.nbytes += saved.nbytes
        while self.nbytes > self.budget_bytes and len(self._states) > 1:
            _, dropped = self._states.popitem(last=False)
            self.nbytes -= dropped.nbytes

    def get(self, episode: int, step: int) -> SavedState:
        """Raises StateNotKept, saying why, when the state is not here."""
        saved = self._states.get((episode, step))
        if saved is None:
            oldest = next(iter(self._states), None)
            kept = f"; the oldest kept is step {oldest[1]} of episode {oldest[0]}" if oldest else ""
            raise StateNotKept(
                f"the state of step {step} of episode {episode} is not kept by the simulation process (it "
                f"keeps the last {self.budget_bytes // 2**20} MB of states; {self._cleared_because}){kept}"
            )
        return saved

    def clear(self, because: str) -> None:
        """Forget every state; `because` says why in later refusals ("it keeps none from ...")."""
        self._states.clear()
        self.nbytes = 0
        self._cleared_because = because
