"""The atlas's runs on disk, so that the second look is instant.

One file per run, keyed by the model (its resolved path and the SHA-256 of its file), the
integrator's settings (`IntegratorSettings.key`: mode, method, accuracy, welding), the duration
and the excitations by muscle name (which hold the level and the base): atlases of other levels
share their all-at-base run, and the window's atlas and the `atlas` command share every run. A
key also holds the fields of every class stored (`Frame`, `BodyPose`...), so a record of an
older program is never taken for a current one.

Files are pickles in the user data folder (`atlas_cache/`), written atomically; a file that
cannot be read back, or holds something else, counts as missing and is replaced. The folder is
kept under a byte budget, least recently used files dropped first. Writing is best effort: a
full or read-only disk costs the next look its speed, never the atlas.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from muscle_lab.core.atlas.effects import RunRecord
from muscle_lab.core.atlas.pool import AtlasModel
from muscle_lab.core.atomic import create_temporary
from muscle_lab.core.frame import Frame
from muscle_lab.core.muscles import MuscleInfo
from muscle_lab.core.paths import user_data_dir
from muscle_lab.core.simulation.moment_arms import CoordinateCurve, MomentArms
from muscle_lab.core.simulation.pose import BodyPose, MeshInfo, SceneDescription

CACHE_FORMAT = 1  # raise when what a run holds, or how it is computed, changes
CACHE_FOLDER = "atlas_cache"
DEFAULT_BUDGET_BYTES = 200 * 2**20  # an atlas of the default model at 0.5 s takes ~6 MB
SUFFIX = ".pickle"

T = TypeVar("T")
# What a record is made of: a class that gains or loses a field changes every key.
STORED_CLASSES = (
    RunRecord, Frame, BodyPose, AtlasModel, MuscleInfo, SceneDescription, MeshInfo, MomentArms, CoordinateCurve,
)  # fmt: skip


@dataclass(frozen=True)
class ModelIdentity:
    """Which model file, by path and content."""

    path: str  # resolved
    digest: str  # SHA-256 of the file


def model_identity(path: str | os.PathLike[str]) -> ModelIdentity:
    resolved = Path(path).expanduser().resolve()
    return ModelIdentity(str(resolved), hashlib.sha256(resolved.read_bytes()).hexdigest())


def run_key(
    model: ModelIdentity,
    mode: str,
    seconds: float,
    muscle_names: Sequence[str],
    excitations: Sequence[float],
    sequence: dict[str, object] | None = None,
) -> str:
    """The file name (without suffix) of one run's record; `sequence`: a pattern over time's data
    (constant runs keep the keys they always had)."""
    by_name = dict(zip(muscle_names, map(float, excitations), strict=True))
    more: dict[str, object] = {} if sequence is None else {"sequence": sequence}
    return _key("run", model, mode, seconds=seconds, excitations=by_name, **more)


def description_key(model: ModelIdentity, mode: str) -> str:
    """The file name of what the atlas needs to know of the model (muscles, joints, scene)."""
    return _key("model", model, mode)


def _key(kind: str, model: ModelIdentity, mode: str, **more: object) -> str:
    schema = {c.__name__: [f.name for f in dataclasses.fields(c)] for c in STORED_CLASSES}
    text = json.dumps(
        {
            "format": CACHE_FORMAT,
            "kind": kind,
            "model": dataclasses.asdict(model),
            "mode": mode,
            "schema": schema,
            **more,
        },
        sort_keys=True,
    )
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:40]}"


class AtlasCache:
    """Records by key in a folder (default: `atlas_cache` in the user data folder)."""

    def __init__(self, folder: str | os.PathLike[str] | None = None, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.folder = Path(folder) if folder is not None else user_data_dir() / CACHE_FOLDER
        self.budget_bytes = budget_bytes
        self.discarded: list[Path] = []  # files that could not be read back, removed
        self.write_problems: list[str] = []  # why a record could not be written (the atlas went on)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    def load(self, key: str, kind: type[T]) -> T | None:
        """The record stored under `key`, or None: missing, unreadable, or not a `kind` for this key."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:  # missing, or not readable: computed again
            return None
        try:
            payload = pickle.loads(data)  # the user's own data folder, written by this program
            valid = isinstance(payload, dict) and payload.get("format") == CACHE_FORMAT and payload.get("key") == key
            value = payload["value"] if valid else None
        except Exception:  # noqa: BLE001 - a truncated or garbled file raises anything: it is replaced
            value = None
        if not isinstance(value, kind):
            self.discarded.append(path)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        return value

    def save(self, key: str, value: object) -> None:
        """Store `value` under `key` atomically; a failure is noted in `write_problems`, never raised."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # said once, not once a muscle ("File exists" 21 times)
            problem = f"{self.folder}: cannot make the cache folder: {error.strerror or error}"
            if problem not in self.write_problems:
                self.write_problems.append(problem)
            return
        try:
            data = pickle.dumps({"format": CACHE_FORMAT, "key": key, "value": value}, protocol=pickle.HIGHEST_PROTOCOL)
            handle, temporary = create_temporary(self.path(key))
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.replace(temporary, self.path(key))
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        except OSError as error:
            self.write_problems.append(f"{self.path(key)}: {error.strerror or error}")
            return
        self.prune()

    def prune(self) -> None:
        """Drop the least recently used records until the folder fits the budget."""
        try:
            entries = [(p.stat(), p) for p in self.folder.glob(f"*{SUFFIX}")]
        except OSError:
            return
        entries.sort(key=lambda entry: entry[0].st_mtime)
        total = sum(info.st_size for info, _ in entries)
        for info, path in entries:
            if total <= self.budget_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= info.st_size
