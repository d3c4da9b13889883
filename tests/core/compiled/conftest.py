"""The prosthetic model, loaded and read once per test session."""

from __future__ import annotations

import pytest

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reader import read_model
from muscle_lab.core.model import LoadedModel


@pytest.fixture(scope="session")
def loaded() -> LoadedModel:
    return LoadedModel(weld_locked=True)


@pytest.fixture(scope="session")
def data(loaded: LoadedModel) -> ModelData:
    return read_model(loaded.model)
