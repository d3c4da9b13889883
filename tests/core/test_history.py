"""The window's episode history, filled with real frames and poses of the default model."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.core.history import History, channel_count, frame_bytes, frame_channels, pose_bytes
from muscle_lab.core.simulation.engine import Simulation
from muscle_lab.core.simulation.pose import PoseReader

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.fixture(scope="module")
def hip_thrust_episode():
    """(frames, poses) of a hip thrust until the episode ends, then one reset frame."""
    sim = Simulation()
    reader = PoseReader(sim.loaded)
    sim.set_excitations(HIP_THRUST)
    frames, poses = [sim.frame], [reader.read(sim.state)]
    while not frames[-1].done:
        frames.append(sim.step())
        poses.append(reader.read(sim.state))
    reset = sim.reset()
    return frames, poses, (reset, reader.read(sim.state))


def test_steps_go_to_their_episode_and_a_reset_starts_the_next(hip_thrust_episode):
    frames, poses, (reset, reset_pose) = hip_thrust_episode
    history = History(channel_count(frames[0].joint_angles.size))
    for frame, pose in zip(frames, poses, strict=True):
        history.add(frame, pose)
    history.add(reset, reset_pose)
    first, second = history.episodes
    assert (first.number, second.number) == (0, 1)
    assert first.last_step == len(frames) - 1 == 41
    assert first.ended and first.trace.end_time == pytest.approx(0.41)
    assert first.frame_at(12) is frames[12] and first.pose_at(12) is poses[12]
    assert np.array_equal(first.trace.times, [f.time for f in frames])
    assert np.array_equal(first.trace.values[7], frame_channels(frames[7]), equal_nan=True)  # NaN: no reward of yours
    assert history.current is second and history.previous(second) is first


def test_a_branch_shares_the_steps_before_it_and_keeps_the_source_whole(hip_thrust_episode):
    frames, poses, _ = hip_thrust_episode
    history = History(channel_count(frames[0].joint_angles.size))
    for frame, pose in zip(frames, poses, strict=True):
        history.add(frame, pose)
    restored = frames[20].__class__(**{**frames[20].__dict__, "episode": 1})
    branch = history.branch(0, 20, restored, poses[20])
    assert branch.number == 1 and branch.branched_from == (0, 20)
    assert [f.step for f in branch.frames] == list(range(21))
    assert branch.frames[19] is frames[19] and branch.frames[20] is restored
    assert len(history.get(0).frames) == len(frames)  # the old future is kept
    assert history.previous(branch) is history.get(0)
    # A step of the old episode still in flight when the branch began joins the old episode.
    late = frames[-1].__class__(**{**frames[-1].__dict__, "step": 42, "time": 0.42})
    assert history.add(late, None) is history.get(0)


def test_the_budget_drops_whole_old_episodes_first_and_keeps_a_pinned_one(hip_thrust_episode):
    frames, poses, _ = hip_thrust_episode
    per_episode = sum(frame_bytes(f) + pose_bytes(p) for f, p in zip(frames, poses, strict=True))
    history = History(channel_count(frames[0].joint_angles.size), budget_bytes=int(2.5 * per_episode))
    for number in range(5):
        for frame, pose in zip(frames, poses, strict=True):
            history.add(frame.__class__(**{**frame.__dict__, "episode": number}), pose)
        if number == 0:
            history.pin(0)
    assert [e.number for e in history.episodes] == [0, 4]  # 0 is pinned, 1-3 went oldest first
    assert history.nbytes <= history.budget_bytes
    assert history.dropped_episodes == 3


def test_an_episode_longer_than_the_budget_loses_its_oldest_steps(hip_thrust_episode):
    frames, poses, _ = hip_thrust_episode
    one = frame_bytes(frames[5]) + pose_bytes(poses[5])
    history = History(channel_count(frames[0].joint_angles.size), budget_bytes=10 * one)
    for frame, pose in zip(frames, poses, strict=True):
        history.add(frame, pose)
    episode = history.current
    assert episode.last_step == 41 and 8 <= len(episode.frames) <= 10
    assert episode.first_step == 42 - len(episode.frames)
    assert episode.frame_at(0) is episode.frames[0]  # clamped to the kept steps
    assert np.array_equal(episode.trace.times, [f.time for f in episode.frames])
    assert history.nbytes <= history.budget_bytes


def test_the_pose_estimate_is_close_to_what_pickling_costs(hip_thrust_episode):
    import pickle

    _, poses, _ = hip_thrust_episode
    pickled = len(pickle.dumps(poses[10]))
    assert 0.5 < pose_bytes(poses[10]) / pickled < 3


def test_a_branch_counts_shared_steps_once_and_keeps_its_source_over_older_episodes(hip_thrust_episode):
    frames, poses, _ = hip_thrust_episode
    per_episode = sum(frame_bytes(f) + pose_bytes(p) for f, p in zip(frames, poses, strict=True))
    history = History(channel_count(frames[0].joint_angles.size), budget_bytes=int(1.6 * per_episode))
    for frame, pose in zip(frames, poses, strict=True):
        history.add(frame.__class__(**{**frame.__dict__, "episode": 0}), pose)
    for frame, pose in zip(frames, poses, strict=True):
        history.add(frame.__class__(**{**frame.__dict__, "episode": 1}), pose)  # over budget: 0 goes
    assert [e.number for e in history.episodes] == [1]
    restored = frames[30].__class__(**{**frames[30].__dict__, "episode": 2})
    before = history.nbytes
    branch = history.branch(1, 30, restored, poses[30])
    assert history.nbytes - before == frame_bytes(restored) + pose_bytes(poses[30])  # not 30 steps more
    assert [e.number for e in history.episodes] == [1, 2]  # the source stays for comparison
    for step in range(31, 42):  # the branch grows past the budget: the source is dropped last
        history.add(frames[step].__class__(**{**frames[step].__dict__, "episode": 2}), poses[step])
    assert history.nbytes <= history.budget_bytes
    if history.get(1) is None:  # once dropped, the shared steps count in the branch
        assert branch.shared_bytes == 0 and branch.nbytes == history.nbytes


def test_a_failed_step_is_filed_and_the_episode_says_it_ended(hip_thrust_episode):
    frames, poses, _ = hip_thrust_episode
    history = History(channel_count(frames[0].joint_angles.size))
    for frame, pose in zip(frames[:10], poses[:10], strict=True):
        history.add(frame, pose)
    failed = frames[9].__class__(**{**frames[9].__dict__, "error": "integration failed at t=0.10 s", "done": True})
    history.add(failed, None)
    episode = history.current
    assert episode.last_step == 9 and episode.frames[-1] is failed and episode.ended
    assert episode.pose_at(9) is poses[9]  # the pose of the last good step stays


def test_the_revision_counts_changes_to_the_list_of_episodes_not_their_steps(hip_thrust_episode):
    """The timeline rebuilds its list of episodes only when this changes (hundreds of episodes
    were described at every redraw)."""
    frames, poses, (reset, reset_pose) = hip_thrust_episode
    history = History(channel_count(frames[0].joint_angles.size))
    seen = [history.revision]

    def changed() -> bool:
        seen.append(history.revision)
        return seen[-1] != seen[-2]

    history.add(frames[0], poses[0])
    assert changed()  # a new episode
    for frame, pose in zip(frames[1:], poses[1:], strict=True):
        history.add(frame, pose)
    assert not changed()  # its steps
    history.add(reset, reset_pose)
    assert changed()
    history.pin(0)
    assert changed()
    history.branch(0, 5, frames[5].__class__(**{**frames[5].__dict__, "episode": 2}), poses[5])
    assert changed()
    history.remove(history.episodes[-1])
    assert changed() and len(history.episodes) == 2
    late = frames[-1].__class__(**{**frames[-1].__dict__, "step": 42, "time": 0.42})
    history.add(late, None)  # a step in flight joins its older episode: that one's length changed
    assert changed() and history.get(0).last_step == 42
    stored = history.episodes[:1]
    history.remove(stored[0])
    history.file_first(stored)  # stored runs, filed first
    assert changed() and history.episodes[0] is stored[0]
    history.clear()
    assert changed()
    small = History(history.channels, budget_bytes=1)  # every new episode drops the older ones
    small.add(frames[0], poses[0])
    before = small.revision
    small.add(reset, reset_pose)
    assert small.revision >= before + 2 and len(small.episodes) == 1  # one added, one dropped
