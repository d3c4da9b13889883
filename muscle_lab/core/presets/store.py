"""Presets: named excitation patterns, built-in (read-only, in assets/) or the user's own.

Every file is checked on read; a bad one (or a FIFO, a device, a huge file) is reported with
its path and reason, skipped, and left on disk for the user. Names are unique regardless of
case and a user preset can never hide a built-in one. Writes are atomic; writers hold the
folder's lock around check-then-create and never replace a file without `force`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from muscle_lab.core.atomic import atomic_write_text
from muscle_lab.core.paths import assets_dir, user_data_dir
from muscle_lab.core.presets.format import (
    BUILTIN,
    USER,
    Preset,
    PresetError,
    PresetFileError,
    check_muscles,
    check_text,
    check_values,
    load_json,
    name_problem,
    preset_from_data,
    read_preset_file,
    utc_now,
    validate_name,
)
from muscle_lab.core.presets.sequence import ExcitationSequence, SequenceError, sequence_from_data
from muscle_lab.core.user_files import (
    LOCK_TIMEOUT_SECONDS,
    FolderLock,
    UserFileError,
    create_exclusive_text,
    remove_stale_temp_files,
)

__all__ = [
    "BUILTIN",
    "USER",
    "Preset",
    "PresetError",
    "PresetExistsError",
    "PresetFileError",
    "PresetListing",
    "PresetMatch",
    "PresetStore",
    "blend",
    "excitations_from_preset",
    "match_preset",
    "schedule_from_preset",
]


class PresetExistsError(PresetError):
    """Saving would replace an existing user preset or file, and `force` was not given."""


@dataclass
class PresetListing:
    presets: list[Preset] = field(default_factory=list)
    problems: list[PresetFileError] = field(default_factory=list)

    def names(self) -> list[str]:
        return [p.name for p in self.presets]


@dataclass(frozen=True)
class PresetMatch:
    """A preset's excitations laid out for one model's muscles (missing muscles get 0)."""

    excitations: np.ndarray  # at time 0
    missing: tuple[str, ...]
    extra: tuple[str, ...]
    notes: tuple[str, ...]
    sequence: ExcitationSequence  # the pattern over time, in the model's muscle order


def match_preset(preset: Preset, muscle_names: Sequence[str]) -> PresetMatch:
    """Match by muscle name, so a preset made for another model applies where names agree."""
    by_name = dict(zip(preset.muscles, preset.excitations, strict=True))
    model_muscles = set(muscle_names)
    missing = tuple(m for m in muscle_names if m not in by_name)
    extra = tuple(m for m in preset.muscles if m not in model_muscles)
    if len(missing) == len(muscle_names):
        raise PresetError(f"preset {preset.name!r} (for model {preset.model!r}) shares no muscle with this model")
    notes = []
    if missing:
        notes.append(
            f"preset {preset.name!r} (for model {preset.model!r}) has no value for "
            f"{len(missing)} muscle(s) of this model, set to 0: {', '.join(missing)}"
        )
    if extra:
        notes.append(f"preset {preset.name!r} has {len(extra)} muscle(s) this model lacks, ignored: {', '.join(extra)}")
    values = np.array([by_name.get(m, 0.0) for m in muscle_names], dtype=float)
    return PresetMatch(values, missing, extra, tuple(notes), preset.schedule().reordered(muscle_names))


def blend(current: Sequence[float], target: Sequence[float], strength: float) -> np.ndarray:
    """`current + strength * (target - current)`: strength 0 keeps current, 1 gives the preset."""
    if not 0.0 <= strength <= 1.0:
        raise PresetError(f"blend strength must be in [0, 1], got {strength:g}")
    current_array = np.asarray(current, dtype=float)
    target_array = np.asarray(target, dtype=float)
    if current_array.shape != target_array.shape:
        raise PresetError(f"cannot blend {current_array.size} excitations with {target_array.size}")
    blended: np.ndarray = np.clip(current_array + strength * (target_array - current_array), 0.0, 1.0)
    return blended


class PresetStore:
    """Built-in presets (read-only) and the user's presets (one JSON file each)."""

    def __init__(
        self,
        user_dir: str | Path | None = None,
        builtin_dir: str | Path | None = None,
        *,
        lock_timeout: float = LOCK_TIMEOUT_SECONDS,
    ) -> None:
        self.user_dir = Path(user_dir) if user_dir is not None else user_data_dir() / "presets"
        self.builtin_dir = Path(builtin_dir) if builtin_dir is not None else assets_dir() / "presets"
        self.lock_timeout = lock_timeout

    # -- reading -------------------------------------------------------------------------
    def list_presets(self) -> PresetListing:
        """Every readable preset, built-ins first; bad files go to `problems`, not an exception."""
        self._sweep_stale_temp_files()
        listing = PresetListing()
        taken: dict[str, Preset] = {}  # casefolded name -> the preset holding it
        for directory, kind in ((self.builtin_dir, BUILTIN), (self.user_dir, USER)):
            for path in _preset_files(directory):
                try:
                    preset = self._read(path, kind)
                    holder = taken.get(preset.name.casefold())
                    if holder is not None and holder.kind == BUILTIN:
                        raise PresetFileError(path, f"would hide the built-in preset {holder.name!r}; rename the file")
                    if holder is not None:
                        raise PresetFileError(
                            path, f"another preset is already named {holder.name!r} (names ignore case)"
                        )
                except PresetFileError as problem:
                    listing.problems.append(problem)
                    continue
                taken[preset.name.casefold()] = preset
                listing.presets.append(preset)
        return listing

    def get(self, name: str) -> Preset:
        """The preset called `name` (any case); a built-in wins over a stray user file."""
        for directory, kind in ((self.builtin_dir, BUILTIN), (self.user_dir, USER)):
            path = _find(directory, name)
            if path is not None:
                return self._read(path, kind)
        raise PresetError(f"no preset named {name!r}")

    def kind_of(self, name: str) -> str | None:
        """BUILTIN or USER when a file holds that name (readable or not), else None."""
        if _find(self.builtin_dir, name) is not None:
            return BUILTIN
        if _find(self.user_dir, name) is not None:
            return USER
        return None

    # -- writing -------------------------------------------------------------------------
    def save(
        self,
        name: str,
        muscles: Sequence[str],
        excitations: Sequence[float],
        *,
        model: str,
        description: str = "",
        force: bool = False,
        created: str | None = None,
        sequence: ExcitationSequence | None = None,
    ) -> Preset:
        """Save a user preset; an existing one is replaced only with `force`. With a `sequence`
        (for these muscles) the preset is that pattern over time and `excitations` are ignored."""
        validate_name(name)
        checked_muscles = check_muscles(list(muscles))
        if sequence is not None:
            if sequence.muscles != checked_muscles:
                raise PresetError("the sequence is for other muscles than the preset's")
            try:  # checked as a file's would be: a NaN or a zero duration made in code is refused too
                sequence = sequence_from_data(sequence.to_data(), checked_muscles)
            except SequenceError as error:
                raise PresetError(str(error)) from None
            excitations = sequence.excitations_at(0.0).tolist()
        try:
            values = [float(v) for v in excitations]
        except (TypeError, ValueError):
            raise PresetError("excitations must be numbers") from None
        checked_values = check_values(checked_muscles, values)
        check_text("description", description)
        check_text("model", model)
        self._refuse_builtin_name(name)
        target = self.user_dir / f"{name}.json"
        preset = Preset(
            name, description, model, checked_muscles, checked_values, created or utc_now(), USER, target, sequence
        )
        with self._locked():  # no other writer between the check and the creation
            existing = _find(self.user_dir, name)
            if existing is not None and not force:
                raise PresetExistsError(f"a user preset named {existing.stem!r} already exists")
            self._write(preset, old=existing)
        return preset

    def rename(self, old_name: str, new_name: str) -> Preset:
        validate_name(new_name)
        with self._locked():
            preset = self.get(old_name)
            if preset.kind == BUILTIN:
                raise PresetError(f"{preset.name!r} is a built-in preset and cannot be renamed")
            self._refuse_builtin_name(new_name)
            existing = _find(self.user_dir, new_name)
            if existing is not None and existing != preset.path:
                raise PresetExistsError(f"a user preset named {existing.stem!r} already exists")
            renamed = dataclasses.replace(preset, name=new_name, path=self.user_dir / f"{new_name}.json")
            self._write(renamed, old=preset.path)
        return renamed

    def delete(self, name: str) -> Path:
        """Delete a user preset's file (even an unreadable one, so bad files can be cleared)."""
        if _find(self.builtin_dir, name) is not None:
            raise PresetError(f"{name!r} is a built-in preset and cannot be deleted")
        path = _find(self.user_dir, name)
        if path is None:
            raise PresetError(f"no user preset named {name!r}")
        try:
            path.unlink()
        except OSError as error:
            raise PresetError(f"cannot delete {path}: {error.strerror or error}") from None
        return path

    def import_file(
        self,
        source: str | Path,
        *,
        model: str,
        muscle_names: Sequence[str],
        name: str | None = None,
        description: str | None = None,
        force: bool = False,
    ) -> Preset:
        """Import a preset file, or a plain JSON list (what osim-rl code passes to `env.step`).

        A plain list needs one value per muscle of `model`; a preset file keeps its own model
        and muscles, matched by name when applied.
        """
        source = Path(source).expanduser()
        data = load_json(source)
        if name is None:
            name = data["name"] if isinstance(data, dict) and isinstance(data.get("name"), str) else source.stem
            problem = name_problem(name)
            if problem:
                raise PresetError(f"{problem}; choose a name for the imported preset")
        if isinstance(data, list):
            if len(data) != len(muscle_names):
                raise PresetFileError(
                    source,
                    f"a plain list needs one excitation per muscle of {model} ({len(muscle_names)}), got {len(data)}",
                )
            try:
                values = check_values(muscle_names, data)
            except PresetError as error:
                raise PresetFileError(source, str(error)) from None
            text = f"Imported from {source.name}" if description is None else description
            return self.save(name, muscle_names, values, model=model, description=text, force=force)
        try:
            preset = preset_from_data(data, path=source)
        except PresetError as error:
            raise PresetFileError(source, str(error)) from None
        return self.save(
            name,
            preset.muscles,
            preset.excitations,
            model=preset.model,
            description=preset.description if description is None else description,
            force=force,
            created=preset.created,
            sequence=preset.sequence,
        )

    def export(self, name: str, destination: str | Path, *, force: bool = False) -> Path:
        """Write a copy of a preset anywhere (into a folder: as NAME.json); never overwrites without `force`."""
        preset = self.get(name)
        target = Path(destination).expanduser()
        if target.is_dir():
            target = target / f"{preset.name}.json"
        try:
            if force:
                atomic_write_text(target, preset.to_json())
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                create_exclusive_text(target, preset.to_json())
        except FileExistsError:
            raise PresetExistsError(f"{target} already exists") from None
        except OSError as error:
            raise PresetError(f"cannot write {target}: {error.strerror or error}") from None
        return target

    # -- helpers -------------------------------------------------------------------------
    def _read(self, path: Path, kind: str) -> Preset:
        preset = read_preset_file(path, kind=kind)
        if preset.name != path.stem:
            raise PresetFileError(path, f"the name {preset.name!r} does not match the file name {path.name!r}")
        return preset

    def _refuse_builtin_name(self, name: str) -> None:
        builtin = _find(self.builtin_dir, name)
        if builtin is not None:
            raise PresetError(f"{builtin.stem!r} is the name of a built-in preset; choose another name")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the user folder's lock (creating the folder), and sweep up stale temporary files."""
        try:
            self.user_dir.mkdir(parents=True, exist_ok=True)
            lock = FolderLock(self.user_dir, self.lock_timeout).acquire()
        except OSError as error:
            raise PresetError(f"cannot create {self.user_dir}: {error.strerror or error}") from None
        except UserFileError as error:
            raise PresetError(str(error)) from None
        try:
            remove_stale_temp_files(self.user_dir)
            yield
        finally:
            lock.release()

    def _sweep_stale_temp_files(self) -> None:
        """Best effort while listing: never waits for the lock, never creates the folder."""
        if not self.user_dir.is_dir():
            return
        try:
            with FolderLock(self.user_dir, timeout=0):
                remove_stale_temp_files(self.user_dir)
        except UserFileError:
            pass  # a read-only folder, or a writer at work: next time

    def _write(self, preset: Preset, *, old: Path | None) -> None:
        """Write `preset` to its path; `old` is the file it supersedes (same name, or renamed from).

        Call with the lock held. A new name is created exclusively, so an existing file is
        never replaced unless it is `old`.
        """
        assert preset.path is not None
        target = preset.path
        try:
            if old is not None and old.name.casefold() == target.name.casefold():
                # Same name, maybe in another case: rewrite in place, then rename, so that a
                # case-insensitive file system never sees the new file deleted as the "old" one.
                atomic_write_text(old, preset.to_json())
                if old != target:
                    os.replace(old, target)
            else:
                create_exclusive_text(target, preset.to_json())
                if old is not None:
                    old.unlink()
        except FileExistsError:
            raise PresetExistsError(f"a user preset named {preset.name!r} already exists") from None
        except OSError as error:
            raise PresetError(f"cannot write {target}: {error.strerror or error}") from None


def _preset_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        (p for p in directory.glob("*.json") if not p.name.startswith(".")), key=lambda p: (p.name.casefold(), p.name)
    )


def _find(directory: Path, name: str) -> Path | None:
    """The file in `directory` holding `name`, compared without case."""
    if name_problem(name):
        return None
    key = name.casefold()
    return next((p for p in _preset_files(directory) if p.stem.casefold() == key), None)


def excitations_from_preset(
    name: str, muscle_names: Sequence[str], store: PresetStore | None = None
) -> tuple[np.ndarray, list[str]]:
    """A preset's excitations for these muscles, and notes on muscles missing or extra."""
    match = match_preset((store or PresetStore()).get(name), muscle_names)
    return match.excitations, list(match.notes)


def schedule_from_preset(
    name: str, muscle_names: Sequence[str], store: PresetStore | None = None
) -> tuple[ExcitationSequence, list[str]]:
    """A preset's pattern over time for these muscles (a constant one: one phase), and notes."""
    match = match_preset((store or PresetStore()).get(name), muscle_names)
    return match.sequence, list(match.notes)
