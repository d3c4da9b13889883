"""The prosthetic model, read once, one CasADi worker and one compiled derivative per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from muscle_lab.core.compiled.codegen import compiled_library
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.reader import read_model
from muscle_lab.core.compiled.reference import OpenSimReference, States, random_states
from muscle_lab.core.compiled.worker import CasadiWorker
from muscle_lab.core.paths import HOME_ENV
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
def states(data: ModelData, reference: OpenSimReference) -> States:
    """60 random states, 70 % of them with a foot near or in the floor."""
    rng = np.random.default_rng(22)
    sample = random_states(data, rng, 60)
    reference.touch_down(sample, rng)
    return sample


@pytest.fixture(scope="session")
def worker(data: ModelData) -> Iterator[CasadiWorker]:
    with CasadiWorker(data) as casadi_worker:
        yield casadi_worker


@pytest.fixture(scope="session")
def rhs_library(data: ModelData, worker: CasadiWorker, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The staged derivative's library, compiled once (~5 s) in a home of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(tmp_path_factory.mktemp("compiled_home")))
        return compiled_library(data, "rhs", worker=worker)
