"""CasADi in a child process.

The opensim 4.6 wheel ships its own libcasadi.so.3.7 (built with another C++ ABI); whichever of
it and PyPI casadi's loads first, the other fails with undefined symbols. So the process that
holds OpenSim never imports casadi: it sends model data and states to this worker (pickles
over a pipe), which builds the expressions and evaluates them. The compiled engine will load
generated C, which needs no libcasadi at all.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from muscle_lab.core.compiled.model_data import ModelData


class CasadiWorker:
    """`python -m muscle_lab.core.compiled.worker`, driven by pickled requests."""

    def __init__(self, data: ModelData) -> None:
        self._process = subprocess.Popen(  # our own module, our own interpreter
            [sys.executable, "-m", "muscle_lab.core.compiled.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=casadi_environment(),
        )
        self.outputs: dict[str, int] = self._call("build", data)

    def evaluate(self, level: str, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """`level`'s outputs at each state: inputs are (states, size) arrays; (states, outputs)."""
        result: np.ndarray = self._call("evaluate", (level, inputs))
        return result

    def generate(self, level: str, jacobian: bool, path: Path) -> None:
        """Write C for `level` as `rhs(x, excitation)`, x = [q, u, activation, fiber_length]
        (and its Jacobian with respect to x as a second output). Level "rhs" is the staged
        state derivative (muscle_lab.core.compiled.staged), with `pose(x)`, `bodies(x, udot)` and
        `drawing(x)` beside it."""
        self._call("generate", (level, jacobian, str(path)))

    def _call(self, command: str, argument: Any) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        pickle.dump((command, argument), self._process.stdin)
        self._process.stdin.flush()
        status, value = pickle.load(self._process.stdout)
        if status != "ok":
            raise RuntimeError(f"casadi worker: {value}")
        return value

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=10)
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> CasadiWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def casadi_environment() -> dict[str, str]:
    """Ours for a process that imports CasADi: this muscle_lab first on the path (a worktree or
    checkout run in place), and no folder holding a libcasadi on the library path. Importing
    opensim puts its own folder, with its libcasadi.so.3.7, on LD_LIBRARY_PATH; a child inherits
    it, and PyPI's casadi 3.7/3.8 (the same soname) would then load OpenSim's build and fail."""
    root = str(Path(__file__).resolve().parents[3])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    library_path = [
        folder
        for folder in env.get("LD_LIBRARY_PATH", "").split(os.pathsep)
        if folder and not any(Path(folder).glob("libcasadi.so*"))
    ]
    if library_path:
        env["LD_LIBRARY_PATH"] = os.pathsep.join(library_path)
    else:
        env.pop("LD_LIBRARY_PATH", None)
    return env


def _serve() -> None:
    from muscle_lab.core.compiled.dynamics import level_functions  # casadi: only in this process

    functions: dict[str, Any] = {}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            command, argument = pickle.load(stdin)
        except EOFError:
            return
        try:
            if command == "build":
                functions = level_functions(argument)
                reply: Any = {name: f.size1_out(0) for name, f in functions.items()}
                functions["data"] = argument
            elif command == "generate":
                _generate(functions, *argument)
                reply = None
            else:
                level, inputs = argument
                function = functions[level]
                count = len(next(iter(inputs.values())))
                mapped = function.map(count)
                columns = [np.asarray(inputs[function.name_in(i)], dtype=float).T for i in range(function.n_in())]
                reply = np.asarray(mapped(*columns)).T
            pickle.dump(("ok", reply), stdout)
        except Exception as error:  # noqa: BLE001  reported to the parent, which raises
            pickle.dump(("error", f"{type(error).__name__}: {error}"), stdout)
        stdout.flush()


def _generate(functions: dict[str, Any], level: str, jacobian: bool, path: str) -> None:
    import casadi as ca

    from muscle_lab.core.compiled.staged import (
        bodies_function,
        drawing_function,
        pose_function,
        rhs_function,
        state_symbols,
    )

    generator = ca.CodeGenerator(os.path.basename(path))
    if level == "rhs":  # the staged derivative; the free body's pose (frames), the bodies
        data = functions["data"]  # (observations) and what a drawn pose reads
        generator.add(rhs_function(data, jacobian))
        generator.add(pose_function(data))
        generator.add(bodies_function(data))
        generator.add(drawing_function(data))
    else:
        function = functions[level]
        x, excitation, parts = state_symbols(functions["data"])
        out = function(*parts, excitation)
        outputs = [out, ca.jacobian(out, x)] if jacobian else [out]
        generator.add(ca.Function("rhs", [x, excitation], outputs))
    generator.generate(os.path.dirname(path) + os.sep)


if __name__ == "__main__":
    _serve()
