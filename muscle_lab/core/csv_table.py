"""The per-step CSV table written by `run --csv` and by saved recordings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.core.frame import Frame

# `end_reason`: "fell", "time limit", or empty while the episode runs (`Frame.end_reason`).
BASE_COLUMNS = ("time", "pelvis_height", "pelvis_vx", "reward", "total_reward", "done", "end_reason")


def csv_columns(joint_angle_names: Sequence[str], muscle_names: Sequence[str]) -> list[str]:
    return [
        *BASE_COLUMNS,
        *(f"{name}_deg" for name in joint_angle_names),
        *(f"excitation_{name}" for name in muscle_names),
        *(f"activation_{name}" for name in muscle_names),
    ]


def frame_row(frame: Frame) -> list[object]:
    return [
        round(frame.time, 6),
        frame.pelvis_height,
        frame.pelvis_vx,
        frame.reward,
        frame.total_reward,
        int(frame.done),
        frame.end_reason or "",
        *frame.joint_angles.tolist(),
        *frame.excitations.tolist(),
        *frame.activations.tolist(),
    ]


def frames_to_csv(frames: Iterable[Frame], joint_angle_names: Sequence[str], muscle_names: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_columns(joint_angle_names, muscle_names))
    writer.writerows(frame_row(frame) for frame in frames)
    return buffer.getvalue()


def write_csv(
    path: str, frames: Iterable[Frame], joint_angle_names: Sequence[str], muscle_names: Sequence[str]
) -> None:
    atomic_write_text(path, frames_to_csv(frames, joint_angle_names, muscle_names))
