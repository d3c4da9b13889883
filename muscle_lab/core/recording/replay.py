"""Replaying recorded excitations: a controls file (.sto) or a `run --csv` table, step by step.

Parsed here in plain Python (no OpenSim call), so the window can load a file in its own
thread and every malformed file gets one clear error naming the file and the reason. The file
is streamed line by line (memory stays small for any size) and reading stops at `until`.
"""

from __future__ import annotations

import csv
import io
import math
import os
import stat
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.user_files import OPEN_WITHOUT_BLOCKING, file_kind

if TYPE_CHECKING:
    from muscle_lab.core.simulation.engine import Simulation

TIME_TOLERANCE = 1e-9  # file times are decimal text; a step's start must still find its own row
MAX_LINE_BYTES = 1 << 20  # a longer "line" is not a controls file (and must not fill the memory)
PROGRESS_EVERY_BYTES = 1 << 20
NAMES_SHOWN = 10  # of a list of wrong column names, in an error line

Progress = Callable[[int, int], None]  # (bytes read, file size); may raise to cancel the load


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
    complete: bool = True  # False when reading stopped at `until` (the file may go on): end_time is the last row read

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
        return np.array(self.excitations[max(row, 0)])  # a copy

    def for_step(self, steps_done: int) -> np.ndarray:
        """Excitations for the step that starts after `steps_done` steps (at its start time)."""
        return self.excitations_at(steps_done * STEP_SECONDS)


def load_controls(
    path: str | os.PathLike[str],
    muscle_names: Sequence[str],
    *,
    until: float | None = None,
    progress: Progress | None = None,
) -> ControlsSchedule:
    """Read a .sto controls file (columns named by muscle) or a `run --csv` table.

    CSV rows are written at each step's end, with the excitations applied during that step,
    so their times are shifted back one step. With `until` (seconds), reading stops at the
    first row at or after it: a replay of that long needs nothing later. Only regular files
    are read (a FIFO or a device would never end). Raises ReplayError for anything malformed.
    """
    source = Path(path)
    with _open_regular_file(source) as stream:
        lines = _Lines(source, stream, progress)
        parser = _Parser(source, tuple(muscle_names), until)
        try:
            if source.suffix.lower() == ".csv":
                return parser.from_csv(lines)
            return parser.from_storage(lines)
        finally:
            lines.release()


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


def _open_regular_file(source: Path) -> BinaryIO:
    """Open without blocking (a FIFO would wait for a writer), and refuse all but regular files."""
    try:
        handle = os.open(source, OPEN_WITHOUT_BLOCKING)
    except OSError as error:
        raise ReplayError(f"{source}: cannot read it: {error.strerror or error}") from None
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):
        os.close(handle)
        raise ReplayError(f"{source}: not a regular file ({file_kind(mode)})")
    os.set_blocking(handle, True)
    return open(handle, "rb")  # the caller's `with` closes it


class _Lines:
    """The file's lines as (line number, text without its line end), read one at a time. Any line
    end counts (Excel for Mac's "CSV (Macintosh)" ends lines with CR alone) and a byte-order mark
    is dropped."""

    def __init__(self, source: Path, stream: BinaryIO, progress: Progress | None) -> None:
        self.source = source
        self.stream = stream
        self.text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline=None)
        self.progress = progress
        self.total = os.fstat(stream.fileno()).st_size
        self.bytes_read = 0
        self.number = 0
        self._reported = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        while True:
            try:
                text = self.text.readline(MAX_LINE_BYTES)
            except UnicodeDecodeError:
                raise ReplayError(f"{self.source}: not a text file") from None
            self.bytes_read = self.stream.tell()  # read ahead by a block at most
            if not text:
                self._report()
                return
            self.number += 1
            if len(text) == MAX_LINE_BYTES and not text.endswith("\n"):
                raise ReplayError(f"{self.source}: line {self.number} is longer than {MAX_LINE_BYTES} bytes")
            if self.bytes_read - self._reported >= PROGRESS_EVERY_BYTES:
                self._report()
            yield self.number, text.rstrip("\n")

    def release(self) -> None:
        """Leave the binary stream to its owner (whose `with` closes it)."""
        self.text.detach()

    def _report(self) -> None:
        self._reported = self.bytes_read
        if self.progress is not None:
            self.progress(self.bytes_read, self.total)


class _Parser:
    def __init__(self, source: Path, muscle_names: tuple[str, ...], until: float | None) -> None:
        self.source = source
        self.muscle_names = muscle_names
        self.until = until

    def fail(self, reason: str) -> ReplayError:
        return ReplayError(f"{self.source}: {reason}")

    def from_storage(self, lines: _Lines) -> ControlsSchedule:
        header: dict[str, str] = {}
        rows = iter(lines)
        for _, line in rows:
            if line.strip().lower() == "endheader":
                break
            if "=" in line:
                key, value = line.split("=", 1)
                header[key] = value
        else:
            raise self.fail("no 'endheader' line: not an OpenSim controls (.sto) file")
        label_number, label_line = next(((n, line) for n, line in rows if line.strip()), (0, ""))
        if not label_line:
            raise self.fail("no column labels after 'endheader'")
        labels = [label.strip() for label in label_line.split("\t")] if "\t" in label_line else label_line.split()
        declared = header.get("nColumns", "").strip()
        if declared.isdigit() and int(declared) != len(labels):
            raise self.fail(f"the header says nColumns={declared} but line {label_number} has {len(labels)} labels")
        columns = {label: index for index, label in enumerate(labels) if label.lower() != "time"}
        self._time_column(labels)
        known = set(self.muscle_names)
        unknown = [label for label in columns if label not in known]
        if unknown:
            raise self.fail(f"columns that are not muscles of this model: {_some(unknown)}")
        table = _Table(self, labels, columns, time_shift=0.0)
        for number, line in rows:
            fields = line.split()
            if fields and table.add(number, fields):
                break
        return table.schedule()

    def from_csv(self, lines: _Lines) -> ControlsSchedule:
        reader = csv.reader(line for _, line in lines)
        rows = self._csv_rows(reader)
        header = next((row for row in rows if row), None)
        if header is None:
            raise self.fail("empty file: no header row")
        labels = [label.strip() for label in header]
        prefix = "excitation_"
        columns = {label[len(prefix) :]: i for i, label in enumerate(labels) if label.startswith(prefix)}
        if not columns:
            raise self.fail("no 'excitation_<muscle>' columns: not a muscle_lab CSV table")
        known = set(self.muscle_names)
        unknown = [name for name in columns if name not in known]
        if unknown:
            raise self.fail(f"excitation columns for muscles this model lacks: {_some(unknown)}")
        self._time_column(labels)
        table = _Table(self, labels, columns, time_shift=STEP_SECONDS)
        for row in rows:
            if row and table.add(reader.line_num, row):
                break
        return table.schedule()

    def _csv_rows(self, reader: Any) -> Iterator[list[str]]:
        """The reader's rows; its own errors (a field over its size limit, a stray quote) named."""
        try:
            yield from reader
        except csv.Error as error:
            raise self.fail(f"line {reader.line_num}: not a CSV row ({error})") from None

    def _time_column(self, labels: list[str]) -> int:
        duplicates = sorted(label for label, count in Counter(labels).items() if count > 1)  # linear: 480k labels
        if duplicates:
            raise self.fail(f"repeated columns: {_some(duplicates)}")
        if not labels or labels[0].lower() != "time":
            raise self.fail(f"the first column must be 'time', found {labels[0] if labels else 'nothing'!r}")
        return 0

    def number(self, text: str, line: int, label: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise self.fail(f"line {line}, column {label!r}: {text.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise self.fail(f"line {line}, column {label!r}: {text.strip()} is not a finite number")
        return value


def _some(names: Sequence[str], shown: int = NAMES_SHOWN) -> str:
    """The first names, and how many more: an error line stays short for any file."""
    listed = ", ".join(repr(name) if not name.isprintable() else name[:80] for name in names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")


class _Table:
    """Rows checked and kept as they are read, in compact arrays (8 bytes a value)."""

    def __init__(self, parser: _Parser, labels: list[str], columns: dict[str, int], time_shift: float) -> None:
        missing = [name for name in parser.muscle_names if name not in columns]
        if missing:
            raise parser.fail(f"no column for the muscles {_some(missing)}")
        self.parser = parser
        self.labels = labels
        self.order = [columns[name] for name in parser.muscle_names]
        self.time_shift = time_shift  # CSV rows carry their step's end time
        self.times = array("d")
        self.values = array("d")
        self.complete = True

    def add(self, number: int, fields: list[str]) -> bool:
        """Check and keep one row; True once the rows read cover `until` (stop reading)."""
        parser, labels = self.parser, self.labels
        if len(fields) != len(labels):
            raise parser.fail(f"line {number} has {len(fields)} values, expected {len(labels)}")
        time = parser.number(fields[0], number, labels[0])
        if self.times and time <= self.times[-1]:
            raise parser.fail(f"time is not increasing at line {number} (t={time:g} after t={self.times[-1]:g})")
        excitations = [parser.number(fields[i], number, labels[i]) for i in self.order]
        for value, name in zip(excitations, parser.muscle_names, strict=True):
            if not 0.0 <= value <= 1.0:
                raise parser.fail(f"line {number}: excitation of {name} is {value:g}, outside [0, 1]")
        self.times.append(time)
        self.values.extend(excitations)
        if parser.until is not None and time - self.time_shift >= parser.until - TIME_TOLERANCE:
            self.complete = False
            return True
        return False

    def schedule(self) -> ControlsSchedule:
        if not self.times:
            raise self.parser.fail("no data rows")
        times = np.frombuffer(self.times, dtype=float)
        end_time = float(times[-1])
        if self.time_shift:
            times = np.round(times - self.time_shift, 9)
        values = np.frombuffer(self.values, dtype=float).reshape(len(self.times), len(self.order))
        times, values = times.copy(), values.copy()  # own their memory, then made read-only
        for array_ in (times, values):
            array_.flags.writeable = False
        parser = self.parser
        return ControlsSchedule(parser.source, parser.muscle_names, times, values, end_time, self.complete)
