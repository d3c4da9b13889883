"""The wheel's one build step beyond setup.cfg's lists: it carries osim-rl's model files.

muscle_lab needs osim-rl 3.0.11 only for its `osim/models` folder (the .osim models and their
Geometry meshes, Apache License 2.0). Depending on osim-rl at run time would install its
dependencies too, gym 0.26.2 among them, which stable-baselines3 imports whenever it is installed
and which then prints its "Gym has been unmaintained" banner. So osim-rl is a *build* requirement
(pyproject.toml): building the wheel copies its models into `muscle_lab/models`, and the installed
app has them without osim-rl or gym. An editable install (a checkout) reads them from an osim-rl
installed beside it instead (`.ci/install` installs it with --no-deps).

setup.cfg names `BuildPyWithModels` as its build_py command (the project's top level holds no
setup.py); setuptools loads this file by its path while building, so it imports only the standard
library and setuptools, never muscle_lab itself.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools.command.build_py import build_py

NOTICE = """These model files are osim-rl 3.0.11's `osim/models` folder (Apache License 2.0; osim-rl by
Lukasz Kidzinski and the Stanford NMBL, models from OpenSim), copied here when the wheel was built.
"""


def osim_rl_models() -> Path:
    spec = importlib.util.find_spec("osim")  # found, never imported: its env code needs gym
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("building muscle_lab's wheel needs osim-rl==3.0.11 (its model files): pip install osim-rl")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class BuildPyWithModels(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # a checkout reads the models from the installed osim-rl
        target = Path(self.build_lib) / "muscle_lab" / "models"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(osim_rl_models(), target, ignore=shutil.ignore_patterns("*.log", "__pycache__"))
        (target / "NOTICE.txt").write_text(NOTICE, encoding="utf-8")
