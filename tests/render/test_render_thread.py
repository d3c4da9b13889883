"""The renderer in a thread of its own: the same images, requests coalesced, queries after the
pending render, a clean close, failures reported; its GIL-free finish gives moderngl's pixels."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from muscle_lab.render.render_thread import RenderRequest, RenderThread, RenderThreadClosed
from muscle_lab.render.renderer import Renderer
from muscle_lab.render.scene import MuscleStyle, fit_camera

SIZE = (640, 480)
WAIT = 30.0  # seconds: only a hang reaches it


@pytest.fixture
def render_thread(hip_thrust):
    render_thread = RenderThread(SIZE)
    render_thread.set_scene(hip_thrust.scene)
    yield render_thread
    render_thread.close()


def _request(run, moment: int, **options) -> RenderRequest:
    pose = run.poses[moment]
    return RenderRequest(pose, fit_camera(run.poses[0], run.scene, "side"), SIZE, **options)


def _hold(render_thread: RenderThread) -> tuple[threading.Event, object]:
    """Keep the thread busy with a job until the returned event is set; returns once it is held."""
    entered, release = threading.Event(), threading.Event()
    held = render_thread.submit(lambda renderer: entered.set() or release.wait(WAIT))
    assert entered.wait(WAIT)
    return release, held


def test_the_thread_draws_what_the_renderer_draws(hip_thrust, renderer, render_thread):
    request = _request(hip_thrust, -1, style=MuscleStyle(highlighted=(4,)), ghost=hip_thrust.poses[0])
    render_thread.request(request)
    assert render_thread.wait_idle(WAIT)
    image = render_thread.latest()
    expected = renderer.render(request.pose, request.camera, request.style, ghost=request.ghost)
    assert image.number == 1 and image.request is request and render_thread.renders_done == 1
    assert image.pixels.shape == (SIZE[1], SIZE[0], 4)
    assert (image.pixels == expected).all()
    assert (render_thread.id_image() == renderer.id_image()).all()
    assert image.label_anchor(4) == renderer.label_anchor(4)
    assert render_thread.size == SIZE and render_thread.last_render_ms > 0
    assert render_thread.missing_meshes == () and render_thread.renderer_name.startswith("llvmpipe")


def test_poses_asked_for_during_a_render_are_coalesced_the_latest_wins(hip_thrust, render_thread):
    release, _ = _hold(render_thread)
    requests = [_request(hip_thrust, moment) for moment in range(5)]
    for request in requests:
        render_thread.request(request)  # returns at once: the thread is busy
    assert render_thread.pending and render_thread.requests_replaced == 4
    assert render_thread.latest() is None
    release.set()
    assert render_thread.wait_idle(WAIT)
    assert render_thread.renders_done == 1 and render_thread.latest().request is requests[-1]


def test_queries_answer_for_the_image_asked_for_before_them(hip_thrust, renderer, render_thread):
    names = hip_thrust.muscle_names
    standing, thrust = _request(hip_thrust, 0), _request(hip_thrust, -1)
    render_thread.request(standing)
    release, _ = _hold(render_thread)  # the standing render is done; the next waits
    render_thread.request(thrust)
    ids = render_thread.submit(lambda renderer: renderer.id_image())
    release.set()
    renderer.render(thrust.pose, thrust.camera)
    assert (ids.result(WAIT) == renderer.id_image()).all()
    x, y = render_thread.latest().label_anchor(names.index("glut_max_r"))
    assert render_thread.pick(x, y) == names.index("glut_max_r")
    assert render_thread.latest().request is thrust


def test_renders_are_paced_but_queries_are_not(hip_thrust, renderer):
    paced = RenderThread(SIZE, min_interval=3600.0)
    try:
        paced.set_scene(hip_thrust.scene)
        paced.request(_request(hip_thrust, 0))
        assert paced.wait_idle(WAIT) and paced.renders_done == 1  # the first at once
        thrust = _request(hip_thrust, -1)
        paced.request(thrust)
        assert not paced.wait_idle(0.2) and paced.pending  # the next waits for its turn (an hour)
        renderer.render(thrust.pose, thrust.camera)
        assert (paced.id_image() == renderer.id_image()).all()  # a query has it drawn now
        assert paced.renders_done == 2 and paced.latest().request is thrust
    finally:
        paced.close()


def test_closing_drops_the_pending_render_and_ends_the_thread(hip_thrust, render_thread):
    release, held = _hold(render_thread)
    render_thread.request(_request(hip_thrust, 0))
    render_thread.close(wait=False)
    assert not render_thread.pending and not render_thread.closed
    release.set()
    render_thread.close()
    assert render_thread.closed and held.result(WAIT) is True and render_thread.renders_done == 0
    render_thread.request(_request(hip_thrust, 0))  # ignored
    assert not render_thread.pending
    with pytest.raises(RenderThreadClosed, match=r"^the render thread is closed$"):
        render_thread.pick(10, 10)


def test_a_failed_render_is_reported_and_ends_the_thread(hip_thrust):
    render_thread = RenderThread(SIZE, on_rendered=(told := threading.Event()).set)
    try:
        render_thread.request(_request(hip_thrust, 0))  # no scene set
        assert told.wait(WAIT)
        assert render_thread.error == "rendering failed: set_scene() before render()"
        render_thread.close()
        assert render_thread.closed and render_thread.latest() is None
    finally:
        render_thread.close()


def test_the_gil_free_finish_gives_moderngls_pixels(hip_thrust, renderer):
    pose = hip_thrust.poses[-1]
    camera = fit_camera(pose, hip_thrust.scene, "three_quarter")
    plain = Renderer(SIZE, gil_free=False)
    try:
        plain.set_scene(hip_thrust.scene)
        assert renderer.gil_free and not plain.gil_free
        expected = plain.render(pose, camera, ghost=hip_thrust.poses[0])
        expected_ids = plain.id_image()
    finally:
        plain.release()
    assert (renderer.render(pose, camera, ghost=hip_thrust.poses[0]) == expected).all()
    assert (renderer.id_image() == expected_ids).all()
    assert np.count_nonzero(expected_ids >= 0) > 1000
