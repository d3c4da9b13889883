"""`SimulationProcess`'s side of a user's reward (core.simulation.user_reward): loaded in the
child, which calls it after every step and puts its value and total in the frame; loaded again
in a restarted child; a failure in a step kept for the caller to take."""

from __future__ import annotations

from typing import Any, cast

from muscle_lab.core.simulation.user_controller import CALL_LIMIT_SECONDS, LOAD_LIMIT_SECONDS
from muscle_lab.core.simulation.user_reward import RewardError


class RewardCalls:
    """Mixed into SimulationProcess, whose `_call` reaches the child."""

    _reward: tuple[str, float, float] | None = None  # (FILE.py[:NAME], call and load limits, s)
    # A step's reward failed: the child dropped the reward (that step's frame has none). Taken
    # (and cleared) by `take_reward_failure`; a restarted child that cannot load it again says so here.
    reward_failure: RewardError | None = None

    def _call(self, command: str, *args: object, timeout: float | None = None) -> Any:
        raise NotImplementedError

    @property
    def reward(self) -> str | None:
        """The reward the child calls after every step (FILE.py[:NAME]), None when none."""
        return self._reward[0] if self._reward is not None else None

    def set_reward(
        self, spec: str | None, call_limit: float = CALL_LIMIT_SECONDS, load_limit: float = LOAD_LIMIT_SECONDS
    ) -> str | None:
        """Load a reward (FILE.py[:NAME]) in the child; None: osim-rl's reward only. Its total
        counts from the next step. Returns its name; raises RewardError (the child then has none)."""
        self.reward_failure = None
        try:
            name = cast("str | None", self._call("reward", spec, call_limit, load_limit))
        except RewardError:
            self._reward = None
            raise
        self._reward = (spec, call_limit, load_limit) if spec is not None else None
        return name

    def take_reward_failure(self) -> RewardError | None:
        """The failure of a step's reward since the last call, once; the reward is off since."""
        failure, self.reward_failure = self.reward_failure, None
        if failure is not None:
            self._reward = None
        return failure

    def _reward_noted(self, answer: tuple[Any, ...]) -> tuple[Any, ...]:
        """A step's answer (frame, pose, observed, reward failure): the failure kept, the rest returned."""
        *rest, failure = answer
        if failure is not None:
            self.reward_failure = failure
            self._reward = None  # the child dropped it: a restarted child does not load it again
        return tuple(rest)

    def _send_reward(self) -> None:
        """A new child loads the reward of the one before."""
        if self._reward is not None:
            try:
                self._call("reward", *self._reward)
            except RewardError as error:  # the file changed since: the caller learns it here
                self._reward, self.reward_failure = None, error
