"""A first compile is said while it runs (the simulation process sends it as a status its caller
shows), and a failed compile is remembered: not tried again at each load, the message naming the
record to remove to try again."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from muscle_lab.core.compiled.build import failure_path
from muscle_lab.core.compiled.choose import open_engine
from muscle_lab.core.compiled.reader import read_model
from muscle_lab.core.engine_choice import ENGINE_VARIABLE
from muscle_lab.core.simulation.integrator import FAITHFUL
from muscle_lab.core.simulation.model import LoadedModel
from muscle_lab.core.simulation.process import SimulationProcess

COMPILING = "compiling the model's equations for the compiled engine (gait14dof22musc_pros; first time only, ~"


@pytest.fixture
def refusing_compiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """CC: a compiler that counts its calls (one line each in the returned file) and fails."""
    calls = tmp_path / "calls"
    script = tmp_path / "refusing-cc"
    script.write_text(f'#!/bin/sh\necho called >> "{calls}"\necho "refusing-cc: no, not today" >&2\nexit 1\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CC", str(script))
    return calls


def test_a_failed_compile_is_remembered_and_tried_again_once_its_record_is_removed(refusing_compiler: Path) -> None:
    said: list[str] = []
    simulation, note = open_engine(None, FAITHFUL, engine="auto", say=said.append)
    assert type(simulation).__name__ == "Simulation"  # OpenSim's, with the reason said
    assert len(said) == 1 and said[0].startswith(COMPILING)
    assert note is not None and "could not be compiled (refusing-cc failed: refusing-cc: no, not today" in note
    record = failure_path(read_model(LoadedModel(weld_locked=True).model))
    assert f"remove {record} to try again" in note and record.is_file()
    assert refusing_compiler.read_text().splitlines() == ["called"]

    said.clear()
    _, again = open_engine(None, FAITHFUL, engine="auto", say=said.append)
    assert said == []  # nothing to compile: the failure is remembered
    assert again is not None and "no, not today (remembered; remove" in again
    assert refusing_compiler.read_text().splitlines() == ["called"]  # not tried again

    record.unlink()
    open_engine(None, FAITHFUL, engine="auto", say=said.append)
    assert said[0].startswith(COMPILING)
    assert refusing_compiler.read_text().splitlines() == ["called", "called"]


def test_the_simulation_process_tells_its_caller_it_is_compiling(
    refusing_compiler: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status arrives while the load waits (in `busy` too), before the answer."""
    monkeypatch.setenv(ENGINE_VARIABLE, "auto")
    process = SimulationProcess(None, FAITHFUL, start=False)
    seen: list[tuple[str, str | None, str | None]] = []

    def on_status(text: str) -> None:
        busy = process.busy
        seen.append((text, busy.command if busy else None, busy.status if busy else None))

    process.on_status = on_status
    try:
        process.start()
        assert len(seen) == 1
        text, command, status = seen[0]
        assert text.startswith(COMPILING) and command == "load" and status == text
        assert process.engine == "opensim" and process.busy is None
        assert "refusing-cc failed" in process.start_warnings[-1]
    finally:
        process.close()
    assert refusing_compiler.read_text().splitlines() == ["called"]
