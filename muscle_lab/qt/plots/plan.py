"""What the plots show, without Qt: which curve goes on which plot in which colour, the
automatic time range, and the values a hover readout prints."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from muscle_lab.core.frame import STEP_SECONDS
from muscle_lab.core.history import EpisodeTrace
from muscle_lab.core.muscles import side_of

DEFAULT_WINDOW_SECONDS = 10.0
MAX_WINDOW_SECONDS = 120.0  # the longest plot window the toolbar offers
GROW_STEP_SECONDS = 0.5  # the time axis of a young episode grows in these steps
MIN_SPAN_SECONDS = 1.0  # a short episode fills at least this much of the time axis
CURSOR_MARGIN = 0.05  # of the span: a cursor brought into view does not sit on the very edge
MIN_PLOT_WIDTH = 150  # pixels: narrower, a plot's axis and title crowd its curves
MAX_COLUMNS = 3
TITLE_HEIGHT = 18  # pixels of a plot's title row (pyqtgraph's 30 take height the curves need)
# Most specific first: the three hip angles share a plot and need colours of their own; every
# curve of a plot differs in hue (hip adduction was brown beside the ankle's orange).
JOINT_COLOURS = (
    ("hip_adduction", "#e377c2"),
    ("hip_rotation", "#bcbd22"),
    ("hip", "#1f77b4"),
    ("knee", "#2ca02c"),
    ("ankle", "#ff7f0e"),
    ("lumbar", "#9467bd"),
)
OTHER_COLOURS = ("#17becf", "#8c564b", "#7f7f7f", "#bcbd22", "#e377c2", "#1f77b4")  # no red: red marks the end
END_COLOUR = "#d62728"
YOURS_COLOUR = "#17becf"  # your reward beside osim-rl's: no angle's colour (the legend row names those)
CURSOR_COLOUR = "#303030"
HOVER_COLOUR = "#a0a0a0"
GHOST_ALPHA = 80  # of 255: the ghost stays behind the episode it is compared with
NBSP = "\u00a0"
MIN_Y_SPAN = {"pelvis": 0.2, "reward": 2.0, "total": 2.0}  # plot units; angles: 10 degrees
UNITS = {"pelvis": (" m", 3), "reward": ("", 2), "total": ("", 2)}  # suffix, decimals; angles: degrees
CURVE_WIDTH = 1  # 1 px lines take the raster engine's fast path: a third of the redraw time saved
TITLES = {
    "right": "Right leg (deg)",
    "left": "Left leg (deg)",
    "other": "Trunk (deg)",
    "pelvis": "Pelvis height (m)",
    "reward": "Reward per step",
    "total": "Total reward",
}


@dataclass(frozen=True)
class Curve:
    plot: str
    label: str
    colour: str
    channel: int
    optional: bool = False  # your reward's: in the hover readout only where it has a value


def angle_label(name: str) -> str:
    """'hip_flexion_r' -> 'hip flexion'; the plot title gives the side."""
    base = name[:-2] if side_of(name) else name
    return base.replace("_angle", "").replace("_", " ")


def angle_colour(name: str, fallback_index: int) -> str:
    for joint, colour in JOINT_COLOURS:
        if name.startswith(joint):
            return colour
    return OTHER_COLOURS[fallback_index % len(OTHER_COLOURS)]


def plan_curves(joint_angle_names: Sequence[str], locked: Sequence[str] = ()) -> tuple[dict[str, str], list[Curve]]:
    """Plot titles by key and one Curve per plotted series. A locked coordinate never moves:
    it gets no curve, and a plot left without curves is not made.

    Channels are `EpisodeTrace`'s: the joint angles in order, then pelvis height, reward, total
    reward, your reward and your total (NaN, so not drawn, without a reward of your own).
    """
    n = len(joint_angle_names)
    titles = dict(TITLES)
    curves: list[Curve] = []
    others = 0
    for channel, name in enumerate(joint_angle_names):
        if name in locked:
            continue
        plot = side_of(name) or "other"
        if plot == "other":
            others += 1
        curves.append(Curve(plot, angle_label(name), angle_colour(name, others), channel))
    if not any(c.plot in ("right", "left") for c in curves):
        titles["other"] = "Joint angles (deg)"
    curves += [
        Curve("pelvis", "pelvis height", "#1f77b4", n),
        Curve("reward", "reward", "#2ca02c", n + 1),
        Curve("total", "total reward", "#9467bd", n + 2),
        Curve("reward", "your reward", YOURS_COLOUR, n + 3, optional=True),
        Curve("total", "your total", YOURS_COLOUR, n + 4, optional=True),
    ]
    used = {c.plot for c in curves}
    return {k: v for k, v in titles.items() if k in used}, curves


def columns_for(width: int, count: int) -> int:
    """As many plots a row as have MIN_PLOT_WIDTH, at most three (two rows for the usual five)."""
    return max(1, min(MAX_COLUMNS, count, width // MIN_PLOT_WIDTH))


TIME_TICK_STEPS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)
TIME_LABEL_PIXELS = 40  # a time label ("0.25") and the gap before the next


def time_tick_step(span: float, width: float) -> float:
    """The finest of TIME_TICK_STEPS whose labels keep TIME_LABEL_PIXELS apart over `width` pixels."""
    most_labels = max(2.0, width / TIME_LABEL_PIXELS)
    return next((step for step in TIME_TICK_STEPS if span / step <= most_labels), TIME_TICK_STEPS[-1])


def legend_html(curves: Sequence[Curve]) -> str:
    """One entry per joint-angle colour (the same on the right and left plots), in its colour."""
    entries: dict[tuple[str, str], None] = {}
    for curve in curves:
        if curve.plot in ("right", "left", "other"):
            entries[(curve.label, curve.colour)] = None
    return f"{NBSP}{NBSP} ".join(  # entries wrap between each other, never inside one
        f"<span style='color:{colour}'>━━</span>{NBSP}{label.replace(' ', NBSP)}" for label, colour in entries
    )


def auto_x_range(end: float, window: float, cursor: float | None) -> tuple[float, float]:
    """The whole episode (at least MIN_SPAN_SECONDS) until it outgrows the window, then its
    last `window` seconds; moved just enough to show a cursor that lies outside."""
    if end <= window:
        # The axis grows in half seconds: relabelled a few times an episode, not at every step.
        grown = math.ceil(end / GROW_STEP_SECONDS - 1e-9) * GROW_STEP_SECONDS
        lo, hi = 0.0, min(window, max(MIN_SPAN_SECONDS, grown))
    else:
        lo, hi = end - window, end
    if cursor is not None and not lo <= cursor <= hi:
        span, margin = hi - lo, CURSOR_MARGIN * (hi - lo)
        if cursor < lo:
            lo = max(0.0, cursor - margin)
            hi = lo + span
        else:
            hi = cursor + margin
            lo = hi - span
    return lo, hi


def shown_rows(times: np.ndarray, lo: float, hi: float) -> slice:
    """The rows from the last sample before `lo` to the first after `hi`: lines reach the edges."""
    start = max(0, int(np.searchsorted(times, lo, side="right")) - 1)
    stop = min(times.size, int(np.searchsorted(times, hi, side="left")) + 1)
    return slice(start, stop)


def value_at(trace: EpisodeTrace | None, channel: int, t: float) -> float | None:
    """The channel's value at the sample nearest time t; None beyond a step from any sample."""
    if trace is None or len(trace) == 0:
        return None
    times = trace.times
    i = int(np.searchsorted(times, t))
    nearest = min((j for j in (i - 1, i) if 0 <= j < times.size), key=lambda j: abs(times[j] - t))
    if abs(times[nearest] - t) > STEP_SECONDS:
        return None
    return float(trace.values[nearest, channel])


def shows_value(curve: Curve, t: float, *traces: EpisodeTrace | None) -> bool:
    """Whether the hover readout lists the curve: your reward's only where one of the traces has it."""
    if not curve.optional:
        return True
    values = [value_at(trace, curve.channel, t) for trace in traces]
    return any(value is not None and not math.isnan(value) for value in values)


def drawable(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The samples a curve draws: your reward's NaN (steps without a reward of yours) left out."""
    kept = ~np.isnan(values)
    return (times, values) if kept.all() else (times[kept], values[kept])


def format_value(plot: str, value: float | None) -> str:
    if value is None or math.isnan(value):
        return "—"
    suffix, decimals = UNITS.get(plot, ("°", 1))
    return f"{value:.{decimals}f}{suffix}"
