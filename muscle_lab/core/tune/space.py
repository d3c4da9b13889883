"""What a search tunes, as a vector in [0, 1]: each phase's excitations, and optionally its
duration (`SearchSpace`); or a controller's parameters, each scaled to its declared [low, high]
(`ParameterSpace`).

CMA-ES works on the vector with [0, 1] bounds; `decode` turns any vector back into a sequence
that plays (durations mapped into [MIN_DURATION, MAX_DURATION] seconds, at least one step long),
or into the parameters' values (each inside its bounds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.presets.sequence import ExcitationSequence, Phase
from muscle_lab.core.simulation.controller_parameters import Parameter, Values

VALUES = "values"  # every phase's excitations
PHASES = "phases"  # the excitations and the phases' durations
TUNABLE = (VALUES, PHASES)
PARAMETERS = "parameters"  # a controller's declared parameters
MIN_DURATION = 2 * STEP_SECONDS
MAX_DURATION = 1.0


class SpaceError(ValueError):
    """A pattern this search cannot tune (keyframes, or durations with a constant pattern)."""


@dataclass(frozen=True)
class SearchSpace:
    """The start pattern and which of its numbers the search may change."""

    start: ExcitationSequence
    tune: str = VALUES

    def __post_init__(self) -> None:
        if self.tune not in TUNABLE:
            raise SpaceError(f"tune {self.tune!r}: choose {' or '.join(TUNABLE)}")
        if not self.start.phases:
            raise SpaceError("a keyframed sequence cannot be tuned yet: give a preset of phases")
        if self.tune == PHASES and self.start.is_constant:
            raise SpaceError("a constant preset has no phases to time: tune its values")

    @property
    def size(self) -> int:
        phases = len(self.start.phases)
        return phases * len(self.start.muscles) + (phases if self.tune == PHASES else 0)

    def encode(self, sequence: ExcitationSequence) -> np.ndarray:
        values = [v for phase in sequence.phases for v in phase.excitations]
        if self.tune == PHASES:
            span = MAX_DURATION - MIN_DURATION
            values += [
                (min(max(p.duration, MIN_DURATION), MAX_DURATION) - MIN_DURATION) / span for p in sequence.phases
            ]
        encoded: np.ndarray = np.clip(np.array(values, dtype=float), 0.0, 1.0)
        return encoded

    def x0(self) -> np.ndarray:
        return self.encode(self.start)

    def decode(self, x: np.ndarray) -> ExcitationSequence:
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
        count, phases = len(self.start.muscles), self.start.phases
        phases_out = []
        for i, phase in enumerate(phases):
            values = tuple(round(float(v), 6) for v in x[i * count : (i + 1) * count])
            duration = phase.duration
            if self.tune == PHASES:
                seconds = MIN_DURATION + float(x[len(phases) * count + i]) * (MAX_DURATION - MIN_DURATION)
                duration = max(MIN_DURATION, round(seconds / STEP_SECONDS) * STEP_SECONDS)  # whole steps
                duration = round(duration, 6)
            phases_out.append(Phase(duration, values))
        return ExcitationSequence(self.start.muscles, tuple(phases_out), loop=self.start.loop)


@dataclass(frozen=True)
class ParameterSpace:
    """A controller's parameters: x in [0, 1] is low + x (high - low) for each, so that CMA-ES's
    one step size suits parameters of any scale."""

    parameters: tuple[Parameter, ...]

    def __post_init__(self) -> None:
        if not self.parameters:
            raise SpaceError("the controller declares no PARAMETERS to tune")
        if len(self.parameters) < 2:  # cma's covariance means nothing in 1-D, and it fails there for a large sigma
            raise SpaceError(
                f"CMA-ES tunes two numbers or more; the controller declares one parameter ({self.parameters[0].name})"
            )

    @property
    def size(self) -> int:
        return len(self.parameters)

    def encode(self, values: Values) -> np.ndarray:
        given = dict(values)
        x = [(given[p.name] - p.low) / (p.high - p.low) for p in self.parameters]
        encoded: np.ndarray = np.clip(np.array(x, dtype=float), 0.0, 1.0)
        return encoded

    def x0(self) -> np.ndarray:
        return self.encode(tuple((p.name, p.initial) for p in self.parameters))

    def decode(self, x: np.ndarray) -> Values:
        x = np.clip(np.asarray(x, dtype=float), 0.0, 1.0)
        return tuple(
            (p.name, float(np.clip(p.low + float(v) * (p.high - p.low), p.low, p.high)))
            for p, v in zip(self.parameters, x, strict=True)
        )
