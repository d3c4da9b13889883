"""The compiled derivative built in a process of its own, with a time limit.

`python -m muscle_lab.core.compiled.build` reads pickled ModelData on stdin, builds (or finds)
the library with codegen.compiled_library and prints its path. The caller waits at most
`time_limit` seconds, then ends the builder's whole process group (the CasADi worker and gcc
with it): a compile never hangs the window or an environment. Imports no OpenSim.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

from muscle_lab.core.compiled.codegen import CompileError, compiled_library, library_path
from muscle_lab.core.compiled.model_data import ModelData
from muscle_lab.core.compiled.worker import casadi_environment

# A first build takes ~4-10 s (prosthetic model, gait14dof22musc) on two shared cores; past two
# minutes something is wrong, and OpenSim's engine is the better answer.
TIME_LIMIT_SECONDS = 120.0


def estimated_seconds(data: ModelData) -> int:
    """A first build's duration, for the message said before it (measured: ~6 s for the
    prosthetic model's 19 muscles and 14 coordinates, on two shared cores)."""
    return max(3, round(0.2 * (len(data.muscles) + len(data.coordinates))))


def failure_path(data: ModelData) -> Path:
    """Where a failed build of this library is remembered (beside where it would be)."""
    return library_path(data, "rhs").with_suffix(".failed")


def remembered_failure(data: ModelData) -> str | None:
    """Why this library's build failed before, if it did (then it is not tried again)."""
    try:
        return failure_path(data).read_text(encoding="utf-8")
    except OSError:
        return None


def build_library(data: ModelData, time_limit: float = TIME_LIMIT_SECONDS) -> Path:
    """The staged derivative's library (level "rhs"), from the cache or built in a child.
    Raises CompileError when the build fails or takes longer than `time_limit` seconds. A build
    that failed (the compiler refused, not the time limit: a busy machine may do better later)
    is remembered and not tried again until its record is removed; the error says where."""
    cached = library_path(data, "rhs")
    if cached.is_file():
        return cached
    failed = remembered_failure(data)
    if failed is not None:
        raise CompileError(f"{failed} (remembered; remove {failure_path(data)} to try again)")
    cached.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + time_limit
    # One builder per library: the copies of a vector environment, or the atlas's processes,
    # starting together wait for the first instead of each compiling (2 cores for all).
    with cached.with_suffix(".lock").open("w") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CompileError(f"another process was still compiling it after {time_limit:g} s") from None
                time.sleep(0.1)
        if cached.is_file():
            return cached
        failed = remembered_failure(data)  # by the builder this one waited for
        if failed is not None:
            raise CompileError(f"{failed} (remembered; remove {failure_path(data)} to try again)")
        return _build(data, deadline, time_limit)


def _build(data: ModelData, deadline: float, time_limit: float) -> Path:
    process = subprocess.Popen(  # our own module, our own interpreter
        [sys.executable, "-m", "muscle_lab.core.compiled.build"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=casadi_environment(),
        start_new_session=True,  # a group of its own: ended whole at the time limit
    )
    try:
        out, err = process.communicate(pickle.dumps(data), timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise CompileError(f"its compile took longer than {time_limit:g} s and was stopped") from None
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        why = lines[-1] if lines else f"the builder exited with status {process.returncode}"
        record = failure_path(data)
        temporary = record.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(why, encoding="utf-8")
        os.replace(temporary, record)
        raise CompileError(f"{why} (remembered; remove {record} to try again)")
    return Path(out.decode().strip())


def _main() -> int:
    data = pickle.load(sys.stdin.buffer)
    try:
        library = compiled_library(data, "rhs")
    except CompileError as error:
        print(" ".join(str(error).split())[-400:], file=sys.stderr)  # one line: the parent reads the last
        return 1
    print(library)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
