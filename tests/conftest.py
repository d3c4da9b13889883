"""Shared fixtures: user data goes to a temporary folder, never the real home."""

from __future__ import annotations

import pytest

from muscle_lab.core.paths import HOME_ENV


@pytest.fixture(autouse=True)
def isolated_user_data(tmp_path, monkeypatch):
    """Point MUSCLE_LAB_HOME at a fresh folder so tests never touch a real user's presets."""
    home = tmp_path / "muscle_lab_home"
    monkeypatch.setenv(HOME_ENV, str(home))
    return home
