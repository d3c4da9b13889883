"""The per-step CSV table written by `run --csv` and by saved recordings."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.core.frame import Frame

# `end_reason`: "fell", "time limit", or empty while the episode runs (`Frame.end_reason`).
BASE_COLUMNS = ("time", "pelvis_height", "pelvis_vx", "reward", "total_reward", "done", "end_reason")
# With a user's reward (`run --reward`): its value and total beside osim-rl's (empty where it failed).
USER_REWARD_COLUMNS = ("user_reward", "user_total_reward")


def csv_columns(joint_angle_names: Sequence[str], muscle_names: Sequence[str], user_reward: bool = False) -> list[str]:
    base = list(BASE_COLUMNS)
    if user_reward:
        base[5:5] = USER_REWARD_COLUMNS  # after osim-rl's total
    return [
        *base,
        *(f"{name}_deg" for name in joint_angle_names),
        *(f"excitation_{name}" for name in muscle_names),
        *(f"activation_{name}" for name in muscle_names),
    ]


def frame_row(frame: Frame, user_reward: bool = False) -> list[object]:
    yours = [_cell(frame.user_reward), _cell(frame.user_total_reward)] if user_reward else []
    return [
        round(frame.time, 6),
        frame.pelvis_height,
        frame.pelvis_vx,
        frame.reward,
        frame.total_reward,
        *yours,
        int(frame.done),
        frame.end_reason or "",
        *frame.joint_angles.tolist(),
        *frame.excitations.tolist(),
        *frame.activations.tolist(),
    ]


def _cell(value: float | None) -> object:
    return "" if value is None else value


def frames_to_csv(
    frames: Iterable[Frame], joint_angle_names: Sequence[str], muscle_names: Sequence[str], user_reward: bool = False
) -> str:
    """A row per frame; `user_reward` adds USER_REWARD_COLUMNS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_columns(joint_angle_names, muscle_names, user_reward))
    writer.writerows(frame_row(frame, user_reward) for frame in frames)
    return buffer.getvalue()


def write_csv(
    path: str, frames: Iterable[Frame], joint_angle_names: Sequence[str], muscle_names: Sequence[str]
) -> None:
    atomic_write_text(path, frames_to_csv(frames, joint_angle_names, muscle_names))
