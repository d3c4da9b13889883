"""The window's memory of episodes: every step's frame and pose, and plot-ready arrays,
bounded in bytes (oldest episodes dropped first, like MuJoCo `simulate`'s history buffer).

Episodes are numbered by the simulation (`Frame.episode`). A branch ("continue from here")
starts a new episode that shares its steps up to the branch point with its source; the source
stays whole, as the previous episode, for comparison.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from muscle_lab.core.compiled.pose_layout import DeferredPose
from muscle_lab.core.frame import STEP_SECONDS, Frame
from muscle_lab.core.simulation.pose import BodyPose

DEFAULT_BUDGET_BYTES = 75 * 2**20  # the simulation process keeps the states: 20 MB more
# What Python allocates besides the numbers (CPython 3.11, 64 bit, measured with tracemalloc on
# unpickled frames and poses: `python -m muscle_lab.bench --history` compares the two).
ARRAY_OVERHEAD_BYTES = 122  # a numpy array's object and header
OBJECT_OVERHEAD_BYTES = 550  # a frozen dataclass instance with its dict of fields, and its list slot
NAME_BYTES = 64  # a short str, unpickled anew with every pose (body names)
PAIR_BYTES = 64  # a (parent, child) tuple of a pose's segments
FIRST_CAPACITY = 256  # rows an episode's plot arrays start with; they double as it grows


EXTRA_CHANNELS = 5  # pelvis height, reward, total reward, your reward, your total


def channel_count(joint_angles: int) -> int:
    """Plot channels of a frame: its joint angles, then pelvis height, reward, total reward, and
    your reward and its total (NaN without one)."""
    return joint_angles + EXTRA_CHANNELS


def frame_channels(frame: Frame) -> np.ndarray:
    yours = [_or_nan(frame.user_reward), _or_nan(frame.user_total_reward)]
    return np.concatenate([frame.joint_angles, [frame.pelvis_height, frame.reward, frame.total_reward, *yours]])


def _or_nan(value: float | None) -> float:
    return float("nan") if value is None else value


class EpisodeTrace:
    """One episode's plot data: episode time and a row of channels per kept step, in arrays
    that grow by doubling (the plots hand views of them to pyqtgraph, never copies)."""

    def __init__(self, channels: int) -> None:
        self.channels = channels
        self._times = np.zeros(FIRST_CAPACITY)
        self._values = np.zeros((FIRST_CAPACITY, channels))
        self._start = 0  # rows before this were dropped (an episode longer than the budget)
        self._end = 0
        self.end_time: float | None = None  # when `done` first turned on, None if it has not
        self._was_done: bool | None = None

    def __len__(self) -> int:
        return self._end - self._start

    @property
    def times(self) -> np.ndarray:
        """Episode time of each kept step, oldest first (a view)."""
        return self._times[self._start : self._end]

    @property
    def values(self) -> np.ndarray:
        """One row of channels per kept step (a view; see `channel_count`)."""
        return self._values[self._start : self._end]

    def append(self, frame: Frame) -> None:
        if frame.joint_angles.size + EXTRA_CHANNELS != self.channels:
            angles = frame.joint_angles.size
            raise ValueError(f"a frame with {angles} joint angles in a trace of {self.channels} channels")
        if self._end == self._times.size:
            self._grow()
        self._times[self._end] = frame.time
        self._values[self._end] = frame_channels(frame)
        self._end += 1
        # The end line marks the step where `done` turns on; a model that starts below the
        # done height has none.
        if frame.done and self._was_done is False and self.end_time is None:
            self.end_time = frame.time
        self._was_done = frame.done

    def drop_first(self, count: int) -> None:
        self._start = min(self._end, self._start + count)

    def _grow(self) -> None:
        kept = slice(self._start, self._end)
        size = max(FIRST_CAPACITY, 2 * (self._end - self._start))
        times, values = np.zeros(size), np.zeros((size, self.channels))
        n = self._end - self._start
        times[:n], values[:n] = self._times[kept], self._values[kept]
        self._times, self._values, self._start, self._end = times, values, 0, n

    @property
    def nbytes(self) -> int:
        return int(self._times.nbytes + self._values.nbytes)


def frame_bytes(frame: Frame) -> int:
    arrays = (frame.excitations, frame.activations, frame.coordinates, frame.joint_angles)
    return OBJECT_OVERHEAD_BYTES + sum(a.nbytes + ARRAY_OVERHEAD_BYTES for a in arrays)


def pose_bytes(pose: BodyPose | None) -> int:
    if pose is None:
        return 0
    if isinstance(pose, DeferredPose):  # its names belong to its layout, shared by all
        return OBJECT_OVERHEAD_BYTES + sum(a.nbytes + ARRAY_OVERHEAD_BYTES for a in pose.kept_arrays)
    arrays = [pose.body_positions, pose.activations, pose.frame_rotations, pose.frame_translations, *pose.muscle_paths]
    arrays += [a for a in (pose.excitations, pose.fiber_forces) if a is not None]
    names = NAME_BYTES * len(pose.body_names) + PAIR_BYTES * len(pose.segments)
    return OBJECT_OVERHEAD_BYTES + names + sum(a.nbytes + ARRAY_OVERHEAD_BYTES for a in arrays)


@dataclass(eq=False)  # compared by identity: two episodes are never "equal"
class Episode:
    """The kept steps of one episode, in order: `frames[i]` is step `first_step + i`."""

    number: int
    trace: EpisodeTrace
    frames: list[Frame] = field(default_factory=list)
    poses: list[BodyPose | None] = field(default_factory=list)
    first_step: int = 0  # > 0 once an episode longer than the budget lost its oldest steps
    label: str = ""  # what ran: a preset's name or a summary of the excitations
    branched_from: tuple[int, int] | None = None  # (episode, step) this one continues from
    pinned: bool = False  # kept for comparison: dropped last
    nbytes: int = 0  # of the steps it holds alone
    shared_bytes: int = 0  # of the steps it shares with its source (counted there while it is kept)

    @property
    def last_step(self) -> int:
        return self.first_step + len(self.frames) - 1

    @property
    def duration(self) -> float:
        return self.frames[-1].time if self.frames else 0.0

    @property
    def ended(self) -> bool:
        """The pelvis dropped below the done height (or the simulation failed) in this episode."""
        return self.trace.end_time is not None or any(f.error for f in self.frames[-1:])

    def index(self, step: int) -> int:
        """Row of `frames` for a step, clamped to the kept steps."""
        return min(max(step - self.first_step, 0), len(self.frames) - 1)

    def frame_at(self, step: int) -> Frame:
        return self.frames[self.index(step)]

    def pose_at(self, step: int) -> BodyPose | None:
        """The pose at a step, or the nearest readable one before it."""
        i = self.index(step)
        while i >= 0 and self.poses[i] is None:
            i -= 1
        return self.poses[i] if i >= 0 else None

    def step_at_time(self, time: float) -> int:
        """The kept step nearest episode time `time` (for showing a ghost at the same time)."""
        step = round(time / STEP_SECONDS)
        return min(max(step, self.first_step), self.last_step)

    def append(self, frame: Frame, pose: BodyPose | None) -> int:
        self.frames.append(frame)
        self.poses.append(pose)
        self.trace.append(frame)
        added = frame_bytes(frame) + pose_bytes(pose)
        self.nbytes += added
        return added

    def drop_first_steps(self, count: int) -> int:
        dropped = zip(self.frames[:count], self.poses[:count], strict=True)
        freed = sum(frame_bytes(frame) + pose_bytes(pose) for frame, pose in dropped)
        del self.frames[:count], self.poses[:count]
        self.trace.drop_first(count)
        self.first_step += count
        shared = min(freed, self.shared_bytes)  # steps its source still holds: nothing freed
        self.shared_bytes -= shared
        self.nbytes -= freed - shared
        return freed - shared


def episode_name(episode: Episode) -> str:
    """ "episode 3", or a stored run's own name ("atlas: 5 iliopsoas_r alone"): a run simulated
    elsewhere has no episode number a person should read."""
    return episode.label if episode.number < 0 and episode.label else f"episode {episode.number}"


class History:
    """Episodes in the order they began; the newest is where live steps go."""

    def __init__(self, channels: int, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.channels = channels
        self.budget_bytes = budget_bytes
        self.episodes: list[Episode] = []
        self.nbytes = 0
        self.dropped_episodes = 0
        self.revision = 0  # counts changes to the list of episodes and their pins (not to their steps)

    def __iter__(self) -> Iterator[Episode]:
        return iter(self.episodes)

    def __len__(self) -> int:
        return len(self.episodes)

    @property
    def current(self) -> Episode | None:
        return self.episodes[-1] if self.episodes else None

    def get(self, number: int) -> Episode | None:
        return next((e for e in self.episodes if e.number == number), None)

    def previous(self, episode: Episode) -> Episode | None:
        """The episode before this one (a branch's source counts as before it)."""
        if episode.branched_from is not None:
            source = self.get(episode.branched_from[0])
            if source is not None:
                return source
        earlier = [e for e in self.episodes if e.number < episode.number]
        return earlier[-1] if earlier else None

    def add(self, frame: Frame, pose: BodyPose | None) -> Episode:
        """File a live step: a new episode number starts an episode (a reset), else it extends
        the newest. A step of an older episode (one in flight when a branch began) joins that one."""
        current = self.current  # nearly always its episode: the others are looked for only if not
        episode = current if current is not None and current.number == frame.episode else self.get(frame.episode)
        if episode is None:
            episode = Episode(frame.episode, EpisodeTrace(self.channels), first_step=frame.step)
            self.episodes.append(episode)
            self.revision += 1
        elif frame.step <= episode.last_step:
            if frame.error and frame.step == episode.last_step:
                # A failed integration repeats the last good step with its error: the episode
                # then says it failed, and the last pose stays.
                episode.frames[-1] = frame
            return episode
        if episode is not current:  # an older episode's length changed: its description too
            self.revision += 1
        self.nbytes += episode.append(frame, pose)
        self._keep_within_budget()
        return episode

    def branch(self, source_number: int, step: int, frame: Frame, pose: BodyPose | None) -> Episode:
        """A new episode (`frame.episode`) that continues `source` from `step`: it shares the
        source's steps before `step` and starts with `frame`, the restored state of `step`."""
        source = self.get(source_number)
        episode = Episode(frame.episode, EpisodeTrace(self.channels), branched_from=(source_number, step))
        if source is not None and source.first_step < step:
            end = source.index(step - 1) + 1
            episode.first_step = source.first_step
            for shared_frame, shared_pose in zip(source.frames[:end], source.poses[:end], strict=True):
                episode.shared_bytes += episode.append(shared_frame, shared_pose)
            episode.nbytes -= episode.shared_bytes  # the same objects: counted once, in the source
            episode.label = source.label
        else:
            episode.first_step = frame.step
        self.nbytes += episode.append(frame, pose)
        self.episodes.append(episode)
        self.revision += 1
        self._keep_within_budget()
        return episode

    def file_first(self, episodes: list[Episode]) -> None:
        """File episodes made elsewhere (stored runs, their bytes already counted) before all others."""
        self.episodes[0:0] = episodes
        self.revision += 1

    def remove(self, episode: Episode) -> None:
        self.episodes.remove(episode)
        self.nbytes -= episode.nbytes
        self.revision += 1

    def pin(self, number: int | None) -> None:
        """Keep this episode for comparison (one at a time); None unpins."""
        for episode in self.episodes:
            episode.pinned = episode.number == number
        self.revision += 1

    @property
    def pinned(self) -> Episode | None:
        return next((e for e in self.episodes if e.pinned), None)

    def clear(self, channels: int | None = None) -> None:
        self.episodes.clear()
        self.nbytes = 0
        self.revision += 1
        if channels is not None:
            self.channels = channels

    def _keep_within_budget(self) -> None:
        """Drop whole episodes, oldest first (a pinned one last); the current episode loses its
        oldest steps only when it alone is over the budget."""
        while self.nbytes > self.budget_bytes and len(self.episodes) > 1:
            newest = self.episodes[-1]
            # The pinned episode and the one the newest episode branched from go last.
            keep = {e.number for e in self.episodes if e.pinned}
            if newest.branched_from is not None:
                keep.add(newest.branched_from[0])
            droppable = [e for e in self.episodes[:-1] if e.number not in keep]
            victim = droppable[0] if droppable else self.episodes[0]
            self.remove(victim)
            self.dropped_episodes += 1
            for branch in self.episodes:  # the steps a branch shared with it now count there
                if branch.branched_from is not None and branch.branched_from[0] == victim.number:
                    branch.nbytes += branch.shared_bytes
                    self.nbytes += branch.shared_bytes
                    branch.shared_bytes = 0
        current = self.current
        if current is not None and self.nbytes > self.budget_bytes and len(current.frames) > 1:
            per_step = max(1, current.nbytes // len(current.frames))
            excess = -(-(self.nbytes - self.budget_bytes) // per_step)
            self.nbytes -= current.drop_first_steps(min(excess, len(current.frames) - 1))
