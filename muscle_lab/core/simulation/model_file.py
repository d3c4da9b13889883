"""Read a model's name and muscle names straight from its .osim XML, without OpenSim.

Loading a model with OpenSim takes seconds; the `presets` commands only need the names, in
the order OpenSim lists them (the order of the muscles in the model's ForceSet).
"""

from __future__ import annotations

import os
import re
import stat
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from muscle_lab.core.paths import ModelNotFoundError
from muscle_lab.core.user_files import file_kind

_MESH_FILE = re.compile(rb"<(?:mesh_file|geometry_file)>\s*([^<]+?)\s*</(?:mesh_file|geometry_file)>")  # 4.x, 3.x
MAX_MODEL_BYTES = 256 << 20  # an .osim this large is no model (and would be read whole)
# OpenSim writes tags such as `<HuntCrossleyForce::ContactParametersSet>`, which XML forbids.
_SCOPED_TAG = re.compile(r"<(/?)([A-Za-z_][\w.]*(?:::[\w.]+)+)")


class ModelFileError(ValueError):
    """An .osim file that is not readable XML or has no muscles."""


@dataclass(frozen=True)
class ModelSummary:
    name: str
    muscle_names: tuple[str, ...]


def model_file_problem(path: str | Path) -> str | None:
    """Why OpenSim must not be given this model file, None when it may: missing, not a regular
    file (a folder, /dev/zero, a FIFO), or naming a mesh in its folder that is no regular file
    (OpenSim's Model() would wait on a FIFO for ever)."""
    path = Path(path).expanduser()
    try:
        info = path.stat()
    except OSError:
        return f"model file not found: {path}"
    if not stat.S_ISREG(info.st_mode):
        return f"not a model file: {path} is {file_kind(info.st_mode)}"
    if info.st_size > MAX_MODEL_BYTES:
        return f"not a model file: {path} is larger than {MAX_MODEL_BYTES >> 20} MB"
    try:
        text = path.read_bytes()
    except OSError as error:
        return f"cannot read model {path}: {error.strerror or error}"
    for name in dict.fromkeys(_MESH_FILE.findall(text)):
        for folder in (path.parent, path.parent / "Geometry"):
            try:
                mode = os.stat(folder / os.fsdecode(name)).st_mode
            except (OSError, ValueError):
                continue
            if not stat.S_ISREG(mode):
                return f"model {path}: its mesh file {folder / os.fsdecode(name)} is {file_kind(mode)}, not a file"
    return None


def read_model_summary(path: str | Path) -> ModelSummary:
    """The model's name and its muscles' names, in model order."""
    path = Path(path).expanduser()
    model = _model_element(path)
    names = tuple(
        element.get("name", "")
        for force_set in model.iter("ForceSet")
        for objects in force_set.findall("objects")
        for element in objects
        if "Muscle" in element.tag  # Thelen2003Muscle, Millard2012EquilibriumMuscle, Schutte1993Muscle_Deprecated
    )
    if not names:
        raise ModelFileError(f"model {path} has no muscles")
    return ModelSummary(model.get("name", path.stem), names)


def _model_element(path: str | Path) -> ET.Element:
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelNotFoundError(f"model file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
        root = ET.fromstring(_SCOPED_TAG.sub(lambda m: f"<{m[1]}{m[2].replace('::', '__')}", text))
    except (OSError, UnicodeDecodeError, ET.ParseError) as error:
        raise ModelFileError(f"cannot read model {path}: {error}") from None
    model = root if root.tag == "Model" else root.find("Model")
    if model is None:
        raise ModelFileError(f"cannot read model {path}: no <Model> element")
    return model


@dataclass(frozen=True)
class CoordinateInfo:
    name: str
    rotational: bool  # else translational (m) or coupled
    locked: bool  # OpenSim holds it at its default value


def read_model_coordinates(path: str | Path) -> tuple[CoordinateInfo, ...]:
    """The model's coordinates as its XML declares them (motion type rotational by default, as
    OpenSim reads it), in file order."""
    model = _model_element(path)
    return tuple(
        CoordinateInfo(
            element.get("name", ""),
            (element.findtext("motion_type") or "rotational").strip() == "rotational",
            (element.findtext("locked") or element.findtext("default_locked") or "false").strip() == "true",
        )
        for element in model.iter("Coordinate")
        if element.get("name")
    )


def muscle_names_in_model_file(path: str | Path) -> tuple[str, ...]:
    """The muscle names of an .osim model, in the order OpenSim's `getMuscles()` gives them."""
    return read_model_summary(path).muscle_names
