"""CVODE driven from C (cvode_driver.c): the compiled engine's integration loop without Python in
its callbacks. Built once by gcc against the SUNDIALS libraries inside scikit-sundae's wheel
(cached beside the model libraries, keyed by the source and those libraries); where that cannot be
done (no such libraries, a compiler that fails: remembered), `driver_library` says None and the
engine integrates through scikit-sundae's Python interface instead, with the same results.

Why (measured on the prosthetic model, random actions): scikit-sundae wraps every callback's
vectors as numpy arrays and calls Python, ~15-20 us a call on top of the derivative's ~5 us, over
~60 derivative calls a step; and importing it imports SciPy (~0.5 s for every new process).
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from muscle_lab.core.compiled.codegen import cache_dir
from muscle_lab.core.engine_choice import c_compiler

SOURCE = Path(__file__).with_name("cvode_driver.c")
_LIBRARIES = ("libsundials_cvode", "libsundials_core")  # CVODE (with its serial vector and dense
# solver) and SUNDIALS' core, as the scikit-sundae wheel names them (auditwheel's hashed names)


def sundials_libraries() -> list[Path] | None:
    """The SUNDIALS libraries of the installed scikit-sundae wheel, found without importing it."""
    spec = importlib.util.find_spec("sksundae")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))).parent / "scikit_sundae.libs"
    found = []
    for stem in _LIBRARIES:
        matches = sorted(folder.glob(f"{stem}-*.so*"))
        if len(matches) != 1:
            return None
        found.append(matches[0])
    return found


def driver_library() -> Path | None:
    """The built driver (from the cache, or built now, ~0.5 s), or None where it cannot be."""
    libraries, compiler = sundials_libraries(), c_compiler()
    if libraries is None or compiler is None:
        return None
    key = hashlib.sha256(SOURCE.read_bytes() + "\n".join(map(str, libraries)).encode()).hexdigest()[:20]
    target = cache_dir() / "compiled" / f"cvode-{key}.so"
    if target.is_file():
        return target
    failed = target.with_suffix(".failed")
    if failed.is_file():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="muscle_lab_cvode_") as folder:
        built = Path(folder) / "driver.so"
        rpath = f"-Wl,-rpath,{libraries[0].parent}"
        command = [compiler, "-O2", "-fPIC", "-shared", str(SOURCE), "-o", str(built), *map(str, libraries), rpath]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            failed.write_text(result.stderr[-2000:] or f"exit status {result.returncode}", encoding="utf-8")
            return None
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(built.read_bytes())
        os.replace(temporary, target)  # atomic: a concurrent builder never sees half a library
    return target


_P = ctypes.c_void_p
_LL = ctypes.c_longlong


class CvodeDriver:
    """One CVODE integration of the model library's `rhs_into`, its Jacobian by grouped
    differences (`rhs_jacobian_into`, pattern as the engine colours it) and the excitations read
    from `excitation` (kept by the caller, as every array given here) at each call."""

    def __init__(
        self,
        driver: Path,
        model: Path,
        excitation: np.ndarray,
        pattern: tuple[np.ndarray, np.ndarray, np.ndarray],
        colours: int,
        relative_step: float,
        tolerances: tuple[float, float],
        max_order: int,
        max_steps: int,
    ) -> None:
        self._lib = lib = ctypes.CDLL(str(driver))
        lib.driver_new.restype = _P
        lib.driver_new.argtypes = [_LL, _P, _P, _P, _P, _LL, _P, _P, ctypes.c_double]
        lib.driver_new.argtypes += [ctypes.c_double, ctypes.c_double, ctypes.c_int, ctypes.c_long]
        lib.driver_start.argtypes = [_P, ctypes.c_double, _P]
        lib.driver_step.argtypes = [_P, ctypes.c_double, _P]
        lib.driver_evaluations.argtypes, lib.driver_evaluations.restype = [_P], _LL
        lib.driver_flag_name.argtypes, lib.driver_flag_name.restype = [ctypes.c_long], ctypes.c_char_p
        lib.driver_free.argtypes = [_P]
        functions = ctypes.CDLL(str(model))
        rhs = ctypes.cast(functions.rhs_into, _P).value
        jacobian = ctypes.cast(functions.rhs_jacobian_into, _P).value
        colour, starts, rows = pattern
        self.size = colour.size
        self._handle = lib.driver_new(
            self.size, rhs, jacobian, excitation.ctypes.data, colour.ctypes.data, colours,
            starts.ctypes.data, rows.ctypes.data, relative_step, *tolerances, max_order, max_steps,
        )  # fmt: skip
        if not self._handle:
            raise RuntimeError("the CVODE driver could not be created")
        self._out = np.zeros(self.size)

    def start(self, time: float, x: np.ndarray) -> None:
        """A fresh integration from (time, x)."""
        x = np.ascontiguousarray(x, dtype=float)
        flag = self._lib.driver_start(self._handle, time, x.ctypes.data)
        if flag != 0:
            raise RuntimeError(f"CVODE could not start: {self.flag_name(flag)}")

    def step(self, end: float) -> tuple[int, np.ndarray]:
        """Integrate to `end` exactly: CVODE's flag (negative: failed) and the state (a copy)."""
        flag = self._lib.driver_step(self._handle, end, self._out.ctypes.data)
        return flag, self._out.copy()

    @property
    def evaluations(self) -> int:
        """Derivative evaluations so far, a Jacobian counting its colours."""
        return int(self._lib.driver_evaluations(self._handle))

    def flag_name(self, flag: int) -> str:
        name = self._lib.driver_flag_name(flag)
        return name.decode() if name else f"flag {flag}"

    def __del__(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            self._lib.driver_free(handle)
