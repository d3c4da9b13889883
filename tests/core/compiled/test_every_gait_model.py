"""Every osim-rl gait model's compiled equations against OpenSim's (issue 22), a cheap sample on
every run of the suite: the prosthetic model in test_equations.py, the planar ones in
test_planar.py, the others here. The 10,000-state sweeps are `python -m
muscle_lab.core.compiled.reference --states 10000 MODEL.osim` (README, *The compiled engine*)."""

from __future__ import annotations

import numpy as np
import pytest

from muscle_lab.core.compiled.reader import read_model
from muscle_lab.core.compiled.reference import LEVELS, OpenSimReference, coverage, random_states, worst
from muscle_lab.core.compiled.worker import CasadiWorker
from muscle_lab.core.paths import DEFAULT_MODEL_FILE, osim_rl_models_dir
from muscle_lab.core.simulation.model import LoadedModel

PLANAR = ("gait14dof22musc_planar_20170320", "gait14dof22musc_planar_pros_20180507")  # test_planar.py's
OTHERS = ("gait14dof22musc_20170320", "gait9dof18musc", "gait9dof18musc_20170320", "gait9dof18musc_pros_20180507")


def test_every_gait_model_is_sampled_somewhere() -> None:
    """A gait model added to osim-rl's folder needs a sample in the suite."""
    gait = {p.stem for p in osim_rl_models_dir().glob("gait*.osim")}
    assert gait == {*OTHERS, *PLANAR, DEFAULT_MODEL_FILE.removesuffix(".osim")}


@pytest.mark.parametrize("name", OTHERS)
def test_every_level_equals_opensim(name: str) -> None:
    """30 random states per model, every level within 1e-8 relative or 1e-9 absolute; the
    sample holds feet in and out of contact and conditional points on and off their paths."""
    loaded = LoadedModel(osim_rl_models_dir() / f"{name}.osim", weld_locked=True)
    data = read_model(loaded.model)
    reference = OpenSimReference(loaded, data)
    rng = np.random.default_rng(7)
    states = random_states(data, rng, 30)
    reference.touch_down(states, rng, share=0.8)
    with CasadiWorker(data) as worker:
        for level in LEVELS:
            theirs = reference.evaluate(level, states)
            assert np.isfinite(theirs).all()
            _, _, ratio = worst(worker.evaluate(level, states), theirs)
            assert ratio <= 1.0, f"{level}: {ratio:.2f} of the bar"
            if level == "contacts":
                held = coverage(data, states, theirs)
    assert 0.0 < held["in contact"] < 1.0
    assert held["conditional on"] > 0 and held["conditional off"] > 0


def test_the_sweep_prints_each_level_what_it_covered_and_a_table_row() -> None:
    from muscle_lab.core.compiled.reference import sweep

    lines = sweep(str(osim_rl_models_dir() / "gait9dof18musc.osim"), 40)
    assert [line.split(":")[0] for line in lines[: len(LEVELS)]] == [f"gait9dof18musc {level}" for level in LEVELS]
    assert lines[-2].startswith("gait9dof18musc covered: in contact ") and "conditional off" in lines[-2]
    cells = lines[-1].strip("|").split("|")
    assert cells[0].strip() == "gait9dof18musc" and cells[1].strip() == "40" and cells[-1].strip().startswith("1/")
