"""The prosthetic model, read once, and one CasADi worker per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reader import read_model
from muscle_lab.core.compiled.reference import OpenSimReference
from muscle_lab.core.compiled.worker import CasadiWorker
from muscle_lab.core.simulation.model import LoadedModel


@pytest.fixture(scope="session")
def loaded() -> LoadedModel:
    return LoadedModel(weld_locked=True)


@pytest.fixture(scope="session")
def data(loaded: LoadedModel) -> ModelData:
    return read_model(loaded.model)


@pytest.fixture(scope="session")
def reference(loaded: LoadedModel, data: ModelData) -> OpenSimReference:
    return OpenSimReference(loaded, data)


@pytest.fixture(scope="session")
def worker(data: ModelData) -> Iterator[CasadiWorker]:
    with CasadiWorker(data) as casadi_worker:
        yield casadi_worker
