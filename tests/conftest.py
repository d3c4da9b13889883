"""Shared fixtures: user data goes to a temporary folder, never the real home; faithful mode runs
on OpenSim unless a test asks for the compiled engine (whose first build costs seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from muscle_lab.core.engine_choice import ENGINE_VARIABLE
from muscle_lab.core.paths import HOME_ENV


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path, monkeypatch):
    """Point MUSCLE_LAB_HOME at a fresh folder so tests never touch a real user's presets."""
    home = tmp_path / "muscle_lab_home"
    monkeypatch.setenv(HOME_ENV, str(home))
    monkeypatch.setenv(ENGINE_VARIABLE, "opensim")
    return home


@pytest.fixture(scope="session")
def compiled_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home shared by the session's tests of the compiled engine: its C is compiled once."""
    return tmp_path_factory.mktemp("compiled_home")
