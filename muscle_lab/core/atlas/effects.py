"""What one run did, compared with the all-at-base run: signed joint changes and a sentence.

For each joint coordinate the change is the run's angle minus the baseline's at the same time,
taken at the moment its size is largest (over the steps both runs have). The muscle's own side
comes first: its main joint is the largest change on its own leg (or anywhere, for a muscle of
no side); the other leg's largest change is reported apart, as a cross effect. No OpenSim here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from muscle_lab.core.frame import Frame
from muscle_lab.core.muscles import side_of
from muscle_lab.core.reward import is_done
from muscle_lab.core.simulation.pose import BodyPose

SMALL_CHANGE_DEG = 1.0  # below this a muscle "hardly moves" its leg
# The coordinate conventions of OpenSim's gait models (gait2392 and osim-rl's, whose knee range is
# -120..10 degrees): the joint's name, the word for a positive change, the word for a negative one.
CONVENTIONS: dict[str, tuple[str, str, str]] = {
    "hip_flexion": ("hip", "flexes", "extends"),
    "hip_adduction": ("hip", "adducts", "abducts"),
    "hip_rotation": ("hip", "rotates inward", "rotates outward"),
    "knee_angle": ("knee", "extends", "flexes"),  # 0 straight, negative bent
    "ankle_angle": ("ankle", "dorsiflexes", "plantarflexes"),
    "subtalar_angle": ("subtalar joint", "inverts", "everts"),
    "mtp_angle": ("toes", "extends", "flexes"),
    "lumbar_extension": ("lower back", "extends", "flexes"),
    "lumbar_bending": ("lower back", "bends", "bends back"),
    "lumbar_rotation": ("lower back", "rotates", "rotates back"),
    "elbow_flex": ("elbow", "flexes", "extends"),  # arm26
    "shoulder_elev": ("shoulder", "raises", "lowers"),
}


@dataclass(frozen=True)
class RunRecord:
    """One simulated run: its frames and poses from the standing start (step 0) on, aligned."""

    label: str
    excitations: np.ndarray
    frames: tuple[Frame, ...]
    poses: tuple[BodyPose | None, ...]
    wall_seconds: float = 0.0  # what simulating it took (from the reset to the last step)

    @property
    def fell_at(self) -> float | None:
        """Simulated time the pelvis first dropped below the fall height, None if it did not."""
        return next((f.time for f in self.frames if is_done(f.pelvis_height)), None)

    @property
    def error(self) -> str | None:
        return self.frames[-1].error if self.frames else None

    @property
    def duration(self) -> float:
        return self.frames[-1].time if self.frames else 0.0


@dataclass(frozen=True)
class Effect:
    """What one run (a muscle alone, or a pattern) did relative to the all-at-base run."""

    index: int | None  # the muscle's index; None for a pattern such as the hip thrust
    name: str  # muscle or pattern name
    side: str  # "right", "left" or "" (a pattern, or a muscle of no side)
    joint_changes_deg: dict[str, float]  # coordinate -> signed change at its largest; own side first
    peak_times_s: dict[str, float]  # coordinate -> when that largest change came
    main_joint: str  # the largest change on the muscle's own side ("" when nothing compared)
    cross_joint: str | None  # the other side's largest change, None for no side
    pelvis_change_m: float  # signed pelvis height change at its largest
    fell_at: float | None
    sentence: str
    run: RunRecord

    @property
    def main_change_deg(self) -> float:
        return self.joint_changes_deg.get(self.main_joint, 0.0)

    @property
    def cross_change_deg(self) -> float | None:
        return None if self.cross_joint is None else self.joint_changes_deg[self.cross_joint]

    @property
    def error(self) -> str | None:
        return self.run.error


def coordinate_side(name: str) -> str:
    """`hip_flexion_r` and `r_elbow_flex` are right, `_l` / `l_` left; `lumbar_extension` neither."""
    side = side_of(name)
    if side:
        return side
    return {"r_": "right", "l_": "left"}.get(name[:2], "")


def ordered_for(side: str, coordinates: Sequence[str]) -> list[str]:
    """Own side first, then coordinates of no side, then the other side (model order within each)."""
    if not side:
        return list(coordinates)
    rank = {side: 0, "": 1}
    return sorted(coordinates, key=lambda c: rank.get(coordinate_side(c), 2))


def compare(
    run: RunRecord,
    baseline: RunRecord,
    joint_angle_names: Sequence[str],
    coordinates: Sequence[str],
    index: int | None,
    side: str,
    crossed: Collection[str] = (),
) -> Effect:
    """`run` against `baseline` over `coordinates` (a subset of `joint_angle_names`). The main
    joint is the largest change on the muscle's own side among the coordinates it `crossed`
    (those it turns itself), or among all of its side when it crosses none of them."""
    steps = min(len(run.frames), len(baseline.frames))
    columns = [joint_angle_names.index(c) for c in coordinates]
    times = np.array([f.time for f in run.frames[:steps]])
    if steps:
        angles = np.array([f.joint_angles[columns] for f in run.frames[:steps]])
        base_angles = np.array([f.joint_angles[columns] for f in baseline.frames[:steps]])
        delta = angles - base_angles
        heights = np.array([f.pelvis_height for f in run.frames[:steps]]) - np.array(
            [f.pelvis_height for f in baseline.frames[:steps]]
        )
    else:
        delta, heights = np.zeros((0, len(columns))), np.zeros(0)
    changes, peaks = {}, {}
    for name in ordered_for(side, coordinates):
        column = delta[:, coordinates.index(name)]
        row = int(np.argmax(np.abs(column))) if column.size else 0
        changes[name] = float(column[row]) if column.size else 0.0
        peaks[name] = float(times[row]) if column.size else 0.0
    pelvis = float(heights[int(np.argmax(np.abs(heights)))]) if heights.size else 0.0
    own = [c for c in changes if not side or coordinate_side(c) in (side, "")]
    other = [c for c in changes if c not in own]
    main = max([c for c in own if c in crossed] or own, key=lambda c: abs(changes[c]), default="")
    cross = max(other, key=lambda c: abs(changes[c]), default=None)
    label = f"{index} {run.label}" if index is not None else run.label
    sentence = describe(label, main, changes, peaks, cross, run)
    return Effect(index, run.label, side, changes, peaks, main, cross, pelvis, run.fell_at, sentence, run)


def joint_phrase(coordinate: str, change: float) -> str:
    """ "flexes the right hip by 38°"; "moves r_shoulder_x by +5°" for coordinates of unknown convention."""
    side = coordinate_side(coordinate)
    base = _base_name(coordinate)
    if base not in CONVENTIONS:
        return f"moves {coordinate} by {change:+.0f}°"
    joint, positive, negative = CONVENTIONS[base]
    verb = positive if change >= 0 else negative
    return f"{verb} the {side + ' ' if side else ''}{joint} by {abs(change):.0f}°"


def describe(
    label: str,
    main: str,
    changes: dict[str, float],
    peaks: dict[str, float],
    cross: str | None,
    run: RunRecord,
) -> str:
    """The plain sentence, e.g. "5 iliopsoas_r flexes the right hip by 38° within 0.3 s; falls at 0.64 s"."""
    if not main or abs(changes[main]) < SMALL_CHANGE_DEG:
        text = f"{label} hardly moves a joint" + (" of its own leg" if cross is not None else "")
        if main:
            text += f" (at most {abs(changes[main]):.1f}°, {main})"
    else:
        text = f"{label} {joint_phrase(main, changes[main])} within {seconds_text(peaks[main])} s"
    if cross is not None and abs(changes[cross]) > max(abs(changes.get(main, 0.0)), SMALL_CHANGE_DEG):
        text += f"; the other leg moves more: {joint_phrase(cross, changes[cross])} (cross effect)"
    if run.error:
        return f"{text}; the simulation failed at {seconds_text(run.duration)} s"
    fell = run.fell_at
    if fell is not None:
        return f"{text}; falls at {fell:.2f} s"
    return f"{text}; no fall within {seconds_text(run.duration)} s"


def seconds_text(value: float) -> str:
    """0.3 -> "0.3", 0.27 -> "0.27", 0.5 -> "0.5"."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def _base_name(coordinate: str) -> str:
    if side_of(coordinate):
        return coordinate[:-2]
    if coordinate[:2] in ("r_", "l_"):
        return coordinate[2:]
    return coordinate
