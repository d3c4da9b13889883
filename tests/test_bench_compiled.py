"""`python -m muscle_lab.bench --compiled --model`: the cases fit another model's muscles."""

from __future__ import annotations

import numpy as np

from muscle_lab.bench.compiled import cases

GAIT14 = (
    "abd_r", "add_r", "hamstrings_r", "bifemsh_r", "glut_max_r", "iliopsoas_r", "rect_fem_r", "vasti_r", "gastroc_r",
    "soleus_r", "tib_ant_r", "abd_l", "add_l", "hamstrings_l", "bifemsh_l", "glut_max_l", "iliopsoas_l", "rect_fem_l",
    "vasti_l", "gastroc_l", "soleus_l", "tib_ant_l",
)  # fmt: skip


def test_cases_of_another_model_have_its_muscles() -> None:
    found = {name: (policy, seconds) for name, policy, seconds in cases([21], 2, GAIT14)}
    assert list(found) == [
        "standing 0.05",
        "all zero",
        "hip thrust",
        "muscle 21 alone",
        *(f"random actions, seed {s}" for s in range(2)),
    ]
    assert all(policy(0).shape == (22,) for policy, _ in found.values())
    thrust = found["hip thrust"][0](0)
    assert [GAIT14[i] for i in np.flatnonzero(thrust)] == ["hamstrings_r", "glut_max_r", "hamstrings_l", "glut_max_l"]
    assert found["muscle 21 alone"][0](0)[21] == 1.0 and found["hip thrust"][1] == 3.0


def test_the_prosthetic_models_cases_are_unchanged() -> None:
    found = cases([0], 1)
    assert [name for name, _, _ in found] == [
        "standing 0.05",
        "all zero",
        "hip thrust",
        "muscle 0 alone",
        "random actions, seed 0",
    ]
    assert all(policy(0).shape == (19,) for _, policy, _ in found)
