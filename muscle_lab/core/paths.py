"""Where muscle_lab finds its models, assets and the user's data."""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
from pathlib import Path

import platformdirs

DEFAULT_MODEL_FILE = "gait14dof22musc_pros_20180507.osim"
HOME_ENV = "MUSCLE_LAB_HOME"


class ModelNotFoundError(FileNotFoundError):
    """The osim-rl model files are not installed, or a model path does not exist."""


def osim_rl_models_dir() -> Path:
    """osim-rl's `osim/models` folder: the wheel's copy (`muscle_lab/models`, made when the wheel
    was built, see muscle_lab/build_models.py), else that of an osim-rl installed beside a checkout.

    Found with `find_spec` so that `osim` is never imported: its import pulls in
    env code that fails on OpenSim 4.6 (and gym, which muscle_lab does without).
    """
    packaged = Path(__file__).resolve().parents[1] / "models"
    if packaged.is_dir():
        return packaged
    spec = importlib.util.find_spec("osim")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "osim-rl's model files are not installed: a muscle_lab wheel carries them; for a checkout, "
            "pip install --no-deps osim-rl==3.0.11 (without its dependencies: they are not needed)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def default_model_path() -> Path:
    """The osim-rl 'AI for Prosthetics' model, 19 muscles."""
    path = osim_rl_models_dir() / DEFAULT_MODEL_FILE
    if not path.is_file():
        raise ModelNotFoundError(f"default model not found: {path}")
    return path


def assets_dir() -> Path:
    """The built-in presets and muscle descriptions.

    A wheel ships `assets/` inside the package, as `muscle_lab/assets`; a source checkout (run in
    place or installed editable) has it beside the package, at the top of the repository.
    """
    packaged = importlib.resources.files("muscle_lab") / "assets"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "assets"


def user_data_dir() -> Path:
    """Where the user's presets and settings live; `MUSCLE_LAB_HOME` points it elsewhere."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("muscle_lab"))
