"""Saving a Recording as CSV, an OpenSim motion (.mot) or an OpenSim controls file (.sto).

Plain text written here, never through OpenSim, so the window can save from its own thread.
The OpenSim files use the version-1 Storage header the OpenSim GUI and tools write.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from muscle_lab.core.atomic import OutputTarget, atomic_write_text, check_output_files
from muscle_lab.core.csv_table import csv_columns
from muscle_lab.core.recording.columns import Recording

SAVE_FORMATS = {".csv": "CSV table", ".mot": "OpenSim motion", ".sto": "OpenSim controls"}


class RecordingFileError(ValueError):
    """A recording that cannot be saved as asked (unknown format, nothing recorded)."""


def activation_label(muscle_name: str) -> str:
    """The .mot column for a muscle's activation: its OpenSim 4.x state path.

    The 4.x GUI turns a loaded motion into full states with `Model.formStateStorage` (after
    converting degrees to radians) and colours muscles when a column mentions "activation".
    On OpenSim 4.6 `formStateStorage` maps `<muscle>.activation`, `<muscle>/activation` and
    this path alike (measured); the state path is the name 4.x itself reports, so it needs no
    legacy mapping (tests/core/test_recording.py forms the states from our .mot). Coordinates
    keep their plain names, as the issue asks: the GUI (name or path), `formStateStorage` and
    `TimeSeriesTable` all accept them, whereas `/jointset/.../value` paths read poorly in
    spreadsheets and older tools.
    """
    return f"/forceset/{muscle_name}/activation"


def storage_text(name: str, labels: Sequence[str], rows: np.ndarray, in_degrees: bool) -> str:
    """A version-1 Storage file: header, `endheader`, tab-separated labels, then the rows."""
    if name.strip().lower() == "endheader":  # as the first line it would end the header there
        name = f"{name}_table"
    buffer = io.StringIO()
    buffer.write(
        f"{name}\nversion=1\nnRows={len(rows)}\nnColumns={len(labels)}\n"
        f"inDegrees={'yes' if in_degrees else 'no'}\nendheader\n"
    )
    buffer.write("\t".join(labels) + "\n")
    for row in rows.tolist():  # repr of a float round-trips exactly: replay sees the same values
        buffer.write("\t".join(repr(value) for value in row) + "\n")
    return buffer.getvalue()


def mot_text(recording: Recording, name: str = "muscle_lab_motion") -> str:
    """Every coordinate (rotations in degrees) and every muscle's activation, per step."""
    names = recording.names
    labels = ["time", *names.coordinate_names, *(activation_label(m) for m in names.muscle_names)]
    rows = np.column_stack([np.round(recording.time, 9), recording.coordinates_for_display(), recording.activations])
    return storage_text(name, labels, rows, in_degrees=True)


def controls_text(recording: Recording, name: str = "muscle_lab_controls") -> str:
    """Each muscle's excitation, one row at each step's start time (the value held during it).

    A last row at the end of the final step holds the last excitations, so the file covers
    the whole recording. Columns are the muscle names, as `ControlSetController` expects.
    """
    times = np.append(recording.start_time, np.round(recording.time[-1:], 9))
    excitations = np.vstack([recording.excitations, recording.excitations[-1:]])
    rows = np.column_stack([times, excitations])
    return storage_text(name, ["time", *recording.names.muscle_names], rows, in_degrees=False)


def csv_text(recording: Recording) -> str:
    """The same columns and number format as `run --csv` (`csv_table.frame_row`), your reward's
    two columns included when it was computed (empty where it was not)."""
    names = recording.names
    yours = recording.has_user_reward
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_columns(names.joint_angle_names, names.muscle_names, user_reward=yours))
    user_columns = zip(_cells(recording.user_reward), _cells(recording.user_total_reward), strict=True)
    for time, height, vx, reward, total, done, reason, angles, excitations, activations, user in zip(
        np.round(recording.time, 6).tolist(),
        recording.pelvis_height.tolist(),
        recording.pelvis_vx.tolist(),
        recording.reward.tolist(),
        recording.total_reward.tolist(),
        recording.done.tolist(),
        recording.end_reason,
        recording.joint_angles.tolist(),
        recording.excitations.tolist(),
        recording.activations.tolist(),
        user_columns,
        strict=True,
    ):
        mine = list(user) if yours else []
        writer.writerow(
            [time, height, vx, reward, total, *mine, int(done), reason or "", *angles, *excitations, *activations]
        )
    return buffer.getvalue()


def _cells(values: np.ndarray) -> list[object]:
    """A column's values for the table, empty where there is none (NaN), as `run --csv` writes them."""
    return ["" if value != value else value for value in values.tolist()]


def write_mot(path: str | os.PathLike[str], recording: Recording) -> None:
    _require_frames(recording, path)
    atomic_write_text(path, mot_text(recording, name=Path(path).stem or "muscle_lab_motion"))


def write_controls(path: str | os.PathLike[str], recording: Recording) -> None:
    _require_frames(recording, path)
    atomic_write_text(path, controls_text(recording, name=Path(path).stem or "muscle_lab_controls"))


def write_recording_csv(path: str | os.PathLike[str], recording: Recording) -> None:
    atomic_write_text(path, csv_text(recording))


def save_recording(path: str | os.PathLike[str], recording: Recording) -> str:
    """Save in the format the extension names (.csv, .mot, .sto); returns that format's name."""
    suffix = Path(path).suffix.lower()
    writers = {".csv": write_recording_csv, ".mot": write_mot, ".sto": write_controls}
    if suffix not in writers:
        raise RecordingFileError(
            f"{path}: unknown format {suffix or '(no extension)'!r}; use one of {', '.join(SAVE_FORMATS)}"
        )
    writers[suffix](path, recording)
    return SAVE_FORMATS[suffix]


def check_output_paths(paths: Iterable[str | os.PathLike[str] | None]) -> list[OutputTarget]:
    """Refuse, before any work, output paths that cannot be written (OutputFileError says why)."""
    return check_output_files(paths)


def _require_frames(recording: Recording, path: str | os.PathLike[str]) -> None:
    if not len(recording):
        raise RecordingFileError(f"{path}: nothing recorded yet, no steps to save")
