"""A controller's tunable parameters: what its file declares, and the values it is built with.

The convention: the controller's file declares, at module level, a literal dict

    PARAMETERS = {"frequency": (1.0, 0.5, 2.0), ...}   # name: (initial, low, high)

and the controller takes each as a keyword argument: a class in its constructor (beside osim-rl-
helper's `observation_space, action_space` when it takes those), a function in each call
(`controller(observation, frequency=1.0)`). A literal, so that the window and `tune` read it with
`ast` without running the file (the user's code runs in the simulation process only); the file
also works without muscle_lab (its defaults are its own). `tune --controller` searches the box
[low, high]; `run --controller FILE.py --params best.json` runs with the values a search wrote.
"""

from __future__ import annotations

import ast
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from muscle_lab.core.user_files import UserFileError, load_user_json

DECLARATION = "PARAMETERS"
MAX_PARAMETERS = 200
MAX_PARAMS_FILE_BYTES = 1 << 20


class ParameterError(ValueError):
    """A declaration or a values file that cannot be used: names the entry and says why (in the
    simulation process, loading the controller turns it into a ControllerError)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    initial: float
    low: float
    high: float


Values = tuple[tuple[str, float], ...]  # (name, value) pairs: hashable, picklable, in declared order


def read_parameters(path: Path) -> tuple[Parameter, ...]:
    """The file's PARAMETERS, read without running it; () when it declares none."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError) as error:
        raise ParameterError(f"{path} could not be read for its {DECLARATION}: {error}") from None
    found = [
        node.value
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        and any(isinstance(t, ast.Name) and t.id == DECLARATION for t in _targets(node))
        and node.value is not None
    ]
    if not found:
        return ()
    try:
        value = ast.literal_eval(found[-1])
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ParameterError(
            f"{DECLARATION} in {path.name} must be a literal dict of name: (initial, low, high) (muscle_lab reads "
            "it without running the file): no names, calls or expressions"
        ) from None
    return check_declaration(value, path.name)


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return list(node.targets) if isinstance(node, ast.Assign) else [node.target]


def check_declaration(value: Any, where: str) -> tuple[Parameter, ...]:
    """The declaration's parameters, or ParameterError naming the entry that is wrong."""
    if not isinstance(value, dict):
        raise ParameterError(f"{DECLARATION} in {where} must be a dict of name: (initial, low, high), not a "
                             f"{type(value).__name__}")  # fmt: skip
    if len(value) > MAX_PARAMETERS:
        raise ParameterError(f"{DECLARATION} in {where} declares {len(value)} parameters; at most {MAX_PARAMETERS}")
    parameters = []
    for name, entry in value.items():
        what = f"{DECLARATION}[{name!r}] in {where}"
        if not isinstance(name, str) or not name.isidentifier():
            raise ParameterError(f"{what}: a parameter's name must be a Python identifier (a keyword argument)")
        if not isinstance(entry, (tuple, list)) or len(entry) != 3:
            raise ParameterError(f"{what} must be (initial, low, high), got {entry!r}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in entry):
            raise ParameterError(f"{what} must be three numbers (initial, low, high), got {entry!r}")
        initial, low, high = (float(v) for v in entry)
        if not all(math.isfinite(v) for v in (initial, low, high)):
            raise ParameterError(f"{what} must be finite numbers, got {entry!r}")
        if not low < high:
            raise ParameterError(f"{what}: low ({low:g}) must be below high ({high:g})")
        if not low <= initial <= high:
            raise ParameterError(f"{what}: the initial value {initial:g} is outside [{low:g}, {high:g}]")
        parameters.append(Parameter(name, initial, low, high))
    return tuple(parameters)


def initial_values(parameters: tuple[Parameter, ...]) -> Values:
    return tuple((p.name, p.initial) for p in parameters)


def merged_values(parameters: tuple[Parameter, ...], given: Mapping[str, object], where: str) -> Values:
    """The declared parameters' values: `given` where it names them, the initial value elsewhere.
    A name the declaration lacks (a typo) or a value that is no finite number is an error."""
    declared = {p.name for p in parameters}
    unknown = [name for name in given if name not in declared]
    if unknown:
        valid = ", ".join(p.name for p in parameters) or "none"
        raise ParameterError(f"{where}: no parameter named {', '.join(map(repr, unknown))}; the controller declares: "
                             f"{valid}")  # fmt: skip
    values = []
    for parameter in parameters:
        value = given.get(parameter.name, parameter.initial)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):  # JSON's true
            raise ParameterError(f"{where}: the value of {parameter.name!r} must be a finite number, got {value!r}")
        values.append((parameter.name, float(value)))
    return tuple(values)


def load_params_file(path: str | Path, parameters: tuple[Parameter, ...]) -> Values:
    """`--params FILE.json`: {"name": value, ...}, or what `tune --out` writes (its "parameters")."""
    try:
        data = load_user_json(Path(path).expanduser(), MAX_PARAMS_FILE_BYTES)
    except UserFileError as error:
        raise ParameterError(f"parameters {error}") from None
    if isinstance(data, dict) and isinstance(data.get("parameters"), dict):
        data = data["parameters"]
    if not isinstance(data, dict):
        raise ParameterError(f"{path} must hold a JSON object of name: value")
    return merged_values(parameters, data, str(path))


def declared_values(module: Any, given: Values, where: str) -> Values:
    """At load, in the simulation process: the values the controller is built with, from the
    running module's PARAMETERS and `given` (() when it declares none and none are given)."""
    declared = getattr(module, DECLARATION, None)
    if declared is None:
        if given:
            raise ParameterError(f"{where} declares no {DECLARATION}: its controller takes no parameters")
        return ()
    return merged_values(check_declaration(declared, where), dict(given), where)


def check_keywords(target: Any, values: Values, description: str) -> None:
    """The controller (a class or a function) must take every parameter as a keyword argument."""
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):  # no signature to read (a C type): the call will say
        return
    accepted = signature.parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in accepted):
        return
    keywords = {p.name for p in accepted if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    missing = [name for name, _ in values if name not in keywords]
    if missing:
        raise ParameterError(
            f"{description} does not take {', '.join(map(repr, missing))}, which {DECLARATION} declares: "
            "each parameter must be a keyword argument of the class's constructor or of the function"
        )


def describe_values(values: Values) -> str:
    return ", ".join(f"{name}={value:.4g}" for name, value in values)
