"""The equations as compiled C: CasADi generates self-contained C (in the worker process), the
machine's gcc compiles it at first use, and the library is cached under the user cache folder
(MUSCLE_LAB_HOME/cache when set), keyed by the model data and this code's version. The process
that holds OpenSim calls it through ctypes: no libcasadi is loaded there."""

from __future__ import annotations

import ctypes
import hashlib
import os
import pickle
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import platformdirs

from muscle_lab.core.compiled.c_entry import DIRECT_FUNCTIONS, entry_points
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.worker import CasadiWorker
from muscle_lab.core.engine_choice import c_compiler
from muscle_lab.core.paths import HOME_ENV

EQUATIONS_VERSION = 9  # bump when the generated equations change: old libraries are then unused
_REAL_P = ctypes.POINTER(ctypes.c_double)
_INT_P = ctypes.POINTER(ctypes.c_longlong)  # casadi_int


class CompileError(RuntimeError):
    """No C compiler, or it failed: the engine then stays on OpenSim."""


def cache_dir() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser() / "cache"
    return Path(platformdirs.user_cache_dir("muscle_lab"))


def library_path(data: ModelData, level: str, jacobian: bool = False) -> Path:
    """Where `compiled_library` keeps (or will keep) this library: whether it is built is a look."""
    key = hashlib.sha256(pickle.dumps((EQUATIONS_VERSION, data, level, jacobian))).hexdigest()[:20]
    return cache_dir() / "compiled" / f"{level}-{key}.so"


def compiled_library(data: ModelData, level: str, jacobian: bool = False, worker: CasadiWorker | None = None) -> Path:
    """The shared library of `level` (and, with `jacobian`, of its Jacobian with respect to the
    state x = [q, u, activation, fiber_length]), built if not cached."""
    library = library_path(data, level, jacobian)
    if library.is_file():
        return library
    compiler = c_compiler()
    if compiler is None:
        raise CompileError("no C compiler (gcc) found")
    library.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="muscle_lab_c_") as folder:
        source = Path(folder) / f"{level}.c"
        own = worker is None
        casadi_worker = worker if worker is not None else CasadiWorker(data)
        try:
            casadi_worker.generate(level, jacobian, source)
        finally:
            if own:
                casadi_worker.close()
        if level == "rhs":
            with source.open("a") as c_file:
                c_file.write(entry_points())
        partial = Path(folder) / "library.so"
        command = [compiler, "-O1", "-fPIC", "-shared", str(source), "-o", str(partial), "-lm"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            said = result.stderr.strip()[-500:] or f"exit status {result.returncode}"
            raise CompileError(f"{Path(compiler).name} failed: {said}")
        temporary = library.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(partial, temporary)
        os.replace(temporary, library)  # atomic: a concurrent builder never sees half a library
    return library


class CompiledFunction:
    """A generated function of (x, excitation) -> outputs, called through ctypes."""

    def __init__(self, library: Path, name: str = "rhs") -> None:
        self.library = library
        self._lib = ctypes.CDLL(str(library))
        self._function = getattr(self._lib, name)
        self._function.restype = ctypes.c_int
        # NAME_into(input addresses..., output address) -> status (c_entry): the fastest call.
        self.direct: Callable[..., int] = _missing
        if hasattr(self._lib, f"{name}_into"):
            direct = getattr(self._lib, f"{name}_into")
            direct.restype = ctypes.c_int
            direct.argtypes = [ctypes.c_void_p] * (DIRECT_FUNCTIONS.get(name, 0) + 1)
            self.direct = direct
        sizes = [ctypes.c_longlong() for _ in range(4)]
        getattr(self._lib, f"{name}_work")(*[ctypes.byref(s) for s in sizes])
        sparsity = getattr(self._lib, f"{name}_sparsity_out")
        sparsity.restype = _INT_P
        self._outputs = [self._pattern(sparsity(i)) for i in range(getattr(self._lib, f"{name}_n_out")())]
        n_in = getattr(self._lib, f"{name}_n_in")()
        self._arg = (_REAL_P * max(n_in, sizes[0].value))()
        self._res = (_REAL_P * max(len(self._outputs), sizes[1].value))()
        self._iw = (ctypes.c_longlong * max(1, sizes[2].value))()
        self._w = np.zeros(max(1, sizes[3].value))
        self._buffers = [np.zeros(len(rows)) for _, _, rows, _ in self._outputs]
        for i, buffer in enumerate(self._buffers):
            self._res[i] = buffer.ctypes.data_as(_REAL_P)

    @staticmethod
    def _pattern(raw: ctypes._Pointer[ctypes.c_longlong]) -> tuple[int, int, np.ndarray, np.ndarray]:
        rows, columns = raw[0], raw[1]
        if raw[2] == 1:  # CasADi's compact form of a dense pattern: (rows, columns, 1)
            return rows, columns, np.arange(rows * columns), np.arange(columns + 1) * rows
        starts = np.array([raw[2 + j] for j in range(columns + 1)])
        nonzeros = int(starts[-1])
        row_index = np.array([raw[3 + columns + k] for k in range(nonzeros)], dtype=int)
        return rows, columns, row_index, starts

    def into(self, out: np.ndarray, *inputs: np.ndarray) -> None:
        """The first (dense) output written into `out` through NAME_into (levels with one);
        arrays must be contiguous float64. For integrators: no allocation, no copy."""
        if self.direct(*[array.ctypes.data for array in inputs], out.ctypes.data) != 0:
            raise RuntimeError("compiled function failed")

    def __call__(self, *inputs: np.ndarray) -> list[np.ndarray]:
        arrays = [np.ascontiguousarray(x, dtype=float) for x in inputs]
        for i, array in enumerate(arrays):
            self._arg[i] = array.ctypes.data_as(_REAL_P)
        if self._function(self._arg, self._res, self._iw, self._w.ctypes.data_as(_REAL_P), 0) != 0:
            raise RuntimeError("compiled function failed")
        outputs = []
        for (rows, columns, row_index, starts), buffer in zip(self._outputs, self._buffers, strict=True):
            if len(buffer) == rows * columns:
                outputs.append(buffer.reshape(columns, rows).T.copy())
                continue
            dense = np.zeros((rows, columns))
            for j in range(columns):
                dense[row_index[starts[j] : starts[j + 1]], j] = buffer[starts[j] : starts[j + 1]]
            outputs.append(dense)
        return outputs


def _missing(*_addresses: int) -> int:
    raise RuntimeError("this library has no direct entry point (only the staged level's do)")


def jacobian_function(library: Path) -> Callable[..., int]:
    """The staged level's rhs_jacobian_into (c_entry), typed for ctypes."""
    function = ctypes.CDLL(str(library)).rhs_jacobian_into
    pointer, integer = ctypes.c_void_p, ctypes.c_longlong
    function.argtypes = [
        pointer,
        pointer,
        pointer,
        pointer,
        integer,
        pointer,
        integer,
        pointer,
        pointer,
        ctypes.c_double,
    ]
    function.restype = ctypes.c_int
    typed: Callable[..., int] = function
    return typed
