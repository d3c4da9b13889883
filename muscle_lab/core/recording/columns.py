"""A recording of a run: every step's frame data in preallocated numpy columns.

One float64 block holds all columns (8 bytes per number); it doubles when full, so a long
recording costs a few reallocations, never one Python object per step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.reward import END_REASONS

if TYPE_CHECKING:
    from muscle_lab.core.simulation.engine import Simulation

INITIAL_CAPACITY = 256
SCALAR_COLUMNS = (
    "step",
    "time",
    "pelvis_height",
    "pelvis_vx",
    "reward",
    "total_reward",
    "done",
    "end_reason",
    "user_reward",  # your reward (core.simulation.user_reward) and its total; NaN where none was computed
    "user_total_reward",
)


class RecordingError(ValueError):
    """A frame that does not fit the recording (wrong sizes, or time going backwards)."""


@dataclass(frozen=True)
class RecordingNames:
    """What the columns of a recording are called: the model's muscles, coordinates and angles."""

    muscle_names: tuple[str, ...]
    coordinate_names: tuple[str, ...]
    coordinate_is_rotation: tuple[bool, ...]
    joint_angle_names: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.coordinate_names) != len(self.coordinate_is_rotation):
            raise ValueError("one coordinate_is_rotation flag is needed per coordinate")

    @classmethod
    def from_simulation(cls, simulation: Simulation) -> RecordingNames:
        return cls(
            muscle_names=tuple(simulation.muscle_names),
            coordinate_names=tuple(simulation.coordinate_names),
            coordinate_is_rotation=tuple(simulation.coordinate_is_rotation),
            joint_angle_names=tuple(simulation.joint_angle_names),
        )


class Recording:
    """Frames kept column by column. Column views are read-only and stay valid after appends."""

    def __init__(self, names: RecordingNames, capacity: int = INITIAL_CAPACITY) -> None:
        self.names = names
        muscles = len(names.muscle_names)
        widths = {
            **dict.fromkeys(SCALAR_COLUMNS, 1),
            "excitations": muscles,
            "activations": muscles,
            "coordinates": len(names.coordinate_names),
            "joint_angles": len(names.joint_angle_names),
        }
        self._slices: dict[str, slice] = {}
        start = 0
        for column, width in widths.items():
            self._slices[column] = slice(start, start + width)
            start += width
        self.width = start
        self._initial_capacity = max(1, capacity)
        self._data = np.empty((self._initial_capacity, self.width))
        self._length = 0

    @classmethod
    def for_simulation(cls, simulation: Simulation) -> Recording:
        return cls(RecordingNames.from_simulation(simulation))

    # -- filling -----------------------------------------------------------------------
    def append(self, frame: Frame) -> bool:
        """Keep this step's frame. Returns False for frames that are not a new step.

        A reset frame (step 0: nothing was integrated) and a failure frame (a copy of the
        last good step) are skipped. A step at or before the last recorded time means the
        simulation was reset: that raises RecordingError, since the times must increase.
        """
        if frame.step == 0 or frame.error is not None:
            return False
        if self._length and frame.time <= self._data[self._length - 1, self._slices["time"].start]:
            raise RecordingError(
                f"frame at t={frame.time:.2f} s is not after the last recorded one "
                f"(t={self.time[-1]:.2f} s): the simulation was reset or continued from an earlier step"
            )
        row = np.empty(self.width)
        scalars = (
            frame.step,
            frame.time,
            frame.pelvis_height,
            frame.pelvis_vx,
            frame.reward,
            frame.total_reward,
            float(frame.done),
            _end_reason_code(frame.end_reason),
            _or_nan(frame.user_reward),
            _or_nan(frame.user_total_reward),
        )
        for column, value in zip(SCALAR_COLUMNS, scalars, strict=True):
            row[self._slices[column].start] = value
        for column in ("excitations", "activations", "coordinates", "joint_angles"):
            values = getattr(frame, column)
            target = self._slices[column]
            if len(values) != target.stop - target.start:
                raise RecordingError(
                    f"frame has {len(values)} {column}, the recording expects {target.stop - target.start}"
                )
            row[target] = values
        if self._length == len(self._data):
            self._grow()
        self._data[self._length] = row
        self._length += 1
        return True

    def extend(self, frames: Iterable[Frame]) -> int:
        """Append each frame; returns how many were kept."""
        return sum(self.append(frame) for frame in frames)

    def clear(self) -> None:
        """Forget every frame. A fresh block, so views handed out earlier keep their data."""
        self._data = np.empty((self._initial_capacity, self.width))
        self._length = 0

    def _grow(self) -> None:
        grown = np.empty((2 * len(self._data), self.width))
        grown[: self._length] = self._data[: self._length]
        self._data = grown

    # -- reading -----------------------------------------------------------------------
    def __len__(self) -> int:
        return self._length

    @property
    def capacity(self) -> int:
        """Rows allocated; grows by doubling."""
        return len(self._data)

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    def column(self, name: str) -> np.ndarray:
        """A read-only view of one column: 1-D for scalars, (steps, n) for per-muscle etc."""
        part = self._slices[name]
        view: np.ndarray = self._data[: self._length, part]
        if part.stop - part.start == 1 and name in SCALAR_COLUMNS:
            view = view[:, 0]
        view = view.view()
        view.flags.writeable = False
        return view

    @property
    def time(self) -> np.ndarray:
        return self.column("time")

    @property
    def step(self) -> np.ndarray:
        return self.column("step")

    @property
    def start_time(self) -> np.ndarray:
        """When each step began: its excitations were applied from then to `time`."""
        return np.round(self.time - STEP_SECONDS, 9)

    @property
    def excitations(self) -> np.ndarray:
        return self.column("excitations")

    @property
    def activations(self) -> np.ndarray:
        return self.column("activations")

    @property
    def coordinates(self) -> np.ndarray:
        return self.column("coordinates")

    @property
    def joint_angles(self) -> np.ndarray:
        return self.column("joint_angles")

    @property
    def pelvis_height(self) -> np.ndarray:
        return self.column("pelvis_height")

    @property
    def pelvis_vx(self) -> np.ndarray:
        return self.column("pelvis_vx")

    @property
    def reward(self) -> np.ndarray:
        return self.column("reward")

    @property
    def total_reward(self) -> np.ndarray:
        return self.column("total_reward")

    @property
    def user_reward(self) -> np.ndarray:
        return self.column("user_reward")

    @property
    def user_total_reward(self) -> np.ndarray:
        return self.column("user_total_reward")

    @property
    def has_user_reward(self) -> bool:
        """True when your reward was computed for some step: saved tables then carry its columns."""
        return bool(np.isfinite(self.user_total_reward).any())

    @property
    def done(self) -> np.ndarray:
        return self.column("done").astype(bool)

    @property
    def end_reason(self) -> list[str | None]:
        """Per step: why the episode ended there ("fell", "time limit"), or None."""
        return [END_REASONS[code - 1] if code else None for code in self.column("end_reason").astype(int).tolist()]

    def coordinates_for_display(self) -> np.ndarray:
        """All coordinates with rotations in degrees (translations stay in metres)."""
        values = np.array(self.coordinates)
        rotations = np.array(self.names.coordinate_is_rotation, dtype=bool)
        values[:, rotations] = np.degrees(values[:, rotations])
        return values


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _end_reason_code(reason: str | None) -> float:
    """The end reason as a number, so it fits the float block: 0 none, then 1 + its index in END_REASONS."""
    return 0.0 if reason is None else float(END_REASONS.index(reason) + 1)
