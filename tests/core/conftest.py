"""Shared by the core tests: run a function in a forked child with bounded memory and time; a
preset store of the test's own."""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from muscle_lab.core.presets.store import PresetStore


def run_in_child(function: Callable[[], Any], timeout: float = 60.0) -> tuple[str, Any]:
    """("returned", value) or ("raised", "Type: message") of function() run in a forked process.

    Memory and time are bounded, so a regression that reads /dev/zero or blocks on a FIFO
    fails the test instead of hanging it or exhausting the machine.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        in_use = int(next(line for line in status.splitlines() if line.startswith("VmSize:")).split()[1]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (in_use + 512 * 2**20, resource.RLIM_INFINITY))
        try:
            sender.send(("returned", function()))
        except BaseException as error:  # noqa: BLE001 - the test asserts on whatever happened
            sender.send(("raised", f"{type(error).__name__}: {error}"))

    process = context.Process(target=child, daemon=True)
    process.start()
    try:
        if not receiver.poll(timeout):
            pytest.fail(f"still running after {timeout:g} s")
        return receiver.recv()
    finally:
        process.kill()
        process.join()


@pytest.fixture
def in_child() -> Callable[..., tuple[str, Any]]:
    """`in_child(function)`: see run_in_child."""
    return run_in_child


@pytest.fixture
def store(tmp_path) -> PresetStore:
    """A preset store whose user presets live in the test's temporary folder."""
    return PresetStore(user_dir=tmp_path / "user")
