"""`run --engine`: the engine running faithful mode is in the JSON summary; a model the compiled
engine declines runs on OpenSim with one message under auto, and is refused under compiled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from muscle_lab.cli import main
from muscle_lab.core.paths import HOME_ENV, osim_rl_models_dir

ARM26 = str(osim_rl_models_dir() / "arm26.osim")


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict, str]:
    assert main(["run", *args, "--seconds", "0.1", "--json"]) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_run_reports_the_engine(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, compiled_home: Path
) -> None:
    monkeypatch.setenv(HOME_ENV, str(compiled_home))
    compiled, _ = run_json(capsys, "--preset", "hip-thrust", "--engine", "compiled")
    opensim, _ = run_json(capsys, "--preset", "hip-thrust", "--engine", "opensim")
    assert (compiled["engine"], opensim["engine"]) == ("compiled", "opensim")
    assert compiled["steps"] == opensim["steps"] == 10
    assert compiled["final_pelvis_height"] == pytest.approx(opensim["final_pelvis_height"], abs=5e-3)
    fast, _ = run_json(capsys, "--mode", "fast", "--engine", "compiled")  # other modes: OpenSim
    assert fast["engine"] == "opensim"


def test_a_declined_model_falls_back_or_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    summary, err = run_json(capsys, "--model", ARM26, "--engine", "auto")
    assert summary["engine"] == "opensim"
    assert err.count("faithful mode runs on OpenSim") == 1 and "TRIlongglen (WrapCylinder)" in err
    assert main(["run", "--model", ARM26, "--engine", "compiled", "--seconds", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "error: the compiled engine cannot run faithful mode here" in err and "WrapCylinder" in err


def test_the_engine_variable_sets_the_default(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUSCLE_LAB_ENGINE", "turbo")
    assert main(["run", "--seconds", "0.01"]) == 2
    assert "unknown engine 'turbo' (from MUSCLE_LAB_ENGINE)" in capsys.readouterr().err
