"""Replaying recorded excitations: a controls file (.sto) or a `run --csv` table, step by step.

Parsed here in plain Python (no OpenSim call), so the window can load a file in its own
thread and every malformed file gets one clear error naming the file and the reason.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS, Frame

if TYPE_CHECKING:
    from muscle_lab.core.simulation import Simulation

TIME_TOLERANCE = 1e-9  # file times are decimal text; a step's start must still find its own row


class ReplayError(ValueError):
    """A controls file that cannot be replayed on this model (malformed or mismatched)."""


@dataclass(frozen=True, eq=False)
class ControlsSchedule:
    """Excitations over time in the model's muscle order, held constant from each row's time."""

    source: Path
    muscle_names: tuple[str, ...]
    times: np.ndarray  # strictly increasing; row i applies from times[i] until times[i + 1]
    excitations: np.ndarray  # (rows, muscles)
    end_time: float  # when the recorded run ended; the last row holds after it

    @property
    def duration(self) -> float:
        return self.end_time

    @property
    def steps(self) -> int:
        """Steps from time 0 to the end of the file."""
        return round(self.end_time / STEP_SECONDS)

    def excitations_at(self, time: float) -> np.ndarray:
        """The row in force at `time`: before the first row, the first; after the last, the last."""
        row = int(np.searchsorted(self.times, time + TIME_TOLERANCE, side="right")) - 1
        return self.excitations[max(row, 0)].copy()

    def for_step(self, steps_done: int) -> np.ndarray:
        """Excitations for the step that starts after `steps_done` steps (at its start time)."""
        return self.excitations_at(steps_done * STEP_SECONDS)


def load_controls(path: str | os.PathLike[str], muscle_names: Sequence[str]) -> ControlsSchedule:
    """Read a .sto controls file (columns named by muscle) or a `run --csv` table.

    CSV rows are written at each step's end, with the excitations applied during that step,
    so their times are shifted back one step. Raises ReplayError for anything malformed.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ReplayError(f"{source}: not a text file") from None
    except OSError as error:
        raise ReplayError(f"{source}: cannot read it: {error.strerror or error}") from None
    parser = _Parser(source, tuple(muscle_names))
    if source.suffix.lower() == ".csv":
        return parser.from_csv(text)
    return parser.from_storage(text)


def replay(
    simulation: Simulation, schedule: ControlsSchedule, seconds: float | None = None, stop_at_done: bool = True
) -> list[Frame]:
    """Step `simulation` from its current state, each step with the schedule's excitations."""
    if tuple(simulation.muscle_names) != schedule.muscle_names:
        raise ReplayError(f"{schedule.source}: its muscles are not this model's muscles")
    steps = schedule.steps if seconds is None else round(seconds / STEP_SECONDS)
    frames = []
    for _ in range(steps):
        simulation.set_excitations(schedule.for_step(simulation.frame.step))
        frame = simulation.step()
        frames.append(frame)
        if frame.error or (stop_at_done and frame.done):
            break
    return frames


class _Parser:
    def __init__(self, source: Path, muscle_names: tuple[str, ...]) -> None:
        self.source = source
        self.muscle_names = muscle_names

    def fail(self, reason: str) -> ReplayError:
        return ReplayError(f"{self.source}: {reason}")

    def from_storage(self, text: str) -> ControlsSchedule:
        lines = text.splitlines()
        end = next((i for i, line in enumerate(lines) if line.strip().lower() == "endheader"), None)
        if end is None:
            raise self.fail("no 'endheader' line: not an OpenSim controls (.sto) file")
        header = dict(
            line.split("=", 1) for line in lines[:end] if "=" in line
        )
        body = [(number, line) for number, line in enumerate(lines[end + 1 :], start=end + 2) if line.strip()]
        if not body:
            raise self.fail("no column labels after 'endheader'")
        label_number, label_line = body[0]
        labels = [label.strip() for label in label_line.split("\t")] if "\t" in label_line else label_line.split()
        declared = header.get("nColumns", "").strip()
        if declared.isdigit() and int(declared) != len(labels):
            raise self.fail(f"the header says nColumns={declared} but line {label_number} has {len(labels)} labels")
        rows = [(number, line.split()) for number, line in body[1:]]
        columns = {label: index for index, label in enumerate(labels) if label.lower() != "time"}
        time_column = self._time_column(labels)
        unknown = [label for label in columns if label not in self.muscle_names]
        if unknown:
            raise self.fail(f"columns that are not muscles of this model: {', '.join(unknown)}")
        times, values = self._numbers(labels, rows, time_column, columns)
        return self._schedule(times, values, end_time=float(times[-1]))

    def from_csv(self, text: str) -> ControlsSchedule:
        records = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text)), start=1) if row]
        if not records:
            raise self.fail("empty file: no header row")
        labels = [label.strip() for label in records[0][1]]
        prefix = "excitation_"
        columns = {label[len(prefix) :]: i for i, label in enumerate(labels) if label.startswith(prefix)}
        if not columns:
            raise self.fail("no 'excitation_<muscle>' columns: not a muscle_lab CSV table")
        unknown = [name for name in columns if name not in self.muscle_names]
        if unknown:
            raise self.fail(f"excitation columns for muscles this model lacks: {', '.join(unknown)}")
        time_column = self._time_column(labels)
        times, values = self._numbers(labels, records[1:], time_column, columns)
        return self._schedule(np.round(times - STEP_SECONDS, 9), values, end_time=float(times[-1]))

    def _time_column(self, labels: list[str]) -> int:
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise self.fail(f"repeated columns: {', '.join(duplicates)}")
        if not labels or labels[0].lower() != "time":
            raise self.fail(f"the first column must be 'time', found {labels[0] if labels else 'nothing'!r}")
        return 0

    def _numbers(
        self, labels: list[str], rows: list[tuple[int, list[str]]], time_column: int, columns: dict[str, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        missing = [name for name in self.muscle_names if name not in columns]
        if missing:
            raise self.fail(f"no column for the muscles {', '.join(missing)}")
        if not rows:
            raise self.fail("no data rows")
        order = [columns[name] for name in self.muscle_names]
        times, values = [], []
        for number, fields in rows:
            if len(fields) != len(labels):
                raise self.fail(f"line {number} has {len(fields)} values, expected {len(labels)}")
            numbers = [self._number(fields[i], number, labels[i]) for i in [time_column, *order]]
            if times and numbers[0] <= times[-1]:
                raise self.fail(
                    f"time is not increasing at line {number} (t={numbers[0]:g} after t={times[-1]:g})"
                )
            for value, name in zip(numbers[1:], self.muscle_names):
                if not 0.0 <= value <= 1.0:
                    raise self.fail(f"line {number}: excitation of {name} is {value:g}, outside [0, 1]")
            times.append(numbers[0])
            values.append(numbers[1:])
        return np.array(times), np.array(values)

    def _number(self, text: str, line: int, label: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise self.fail(f"line {line}, column {label!r}: {text.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise self.fail(f"line {line}, column {label!r}: {text.strip()} is not a finite number")
        return value

    def _schedule(self, times: np.ndarray, values: np.ndarray, end_time: float) -> ControlsSchedule:
        for array in (times, values):
            array.flags.writeable = False
        return ControlsSchedule(self.source, self.muscle_names, times, values, end_time)
