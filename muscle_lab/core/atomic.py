"""Writing output files safely: a reader sees the old file or the new one, never half of either.

Files written together are all prepared as temporary files beside their targets, then renamed,
so a failure (no space, a full device) names its file and replaces none of the others.
`check_output_files` refuses, before any work, targets that can never be written.

- A new file gets the user's umask; an existing file keeps its mode (and, for root, its owner).
- A symlink is written through to the file it points to: the link stays.
- A character device or FIFO (`/dev/null`, a pipe, a terminal) is written to, never renamed
  over; `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` write to the process's own descriptor.
- An existing file that is read-only (no write permission bit, or none for this user) is
  refused: root would otherwise replace it silently, since access() lets root write anything.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

NEW, FILE, DEVICE, DESCRIPTOR = "new", "file", "device", "descriptor"
# Names of the process's own descriptors: writing to them must not reopen or replace anything.
_DESCRIPTOR_PATH = re.compile(r"/dev/(stdout|stderr|fd/(\d+))|/proc/self/fd/(\d+)")
_TEMP_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # user_files.TEMP_FILE_NAME matches these
_REFUSED_KINDS = ((stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class OutputFileError(OSError):
    """An output file that cannot be written: `str()` is "<path>: <reason>".

    `strerror` is the system's bare reason ("No space left on device") when there is one, so
    callers that word their own message ("cannot write <path>: ...") can use it.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, code: int = 0, strerror: str | None = None) -> None:
        super().__init__(code, strerror or reason, os.fspath(path))
        self.path = Path(path)
        self.reason = reason

    @classmethod
    def write_failed(cls, path: str | os.PathLike[str], error: OSError) -> OutputFileError:
        return cls(path, f"cannot write it: {error.strerror or error}", error.errno or 0, error.strerror)

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class OutputTarget:
    """A checked output path and how it will be written."""

    path: Path  # as the user gave it
    kind: str  # NEW or FILE: temporary file + rename at `write_path`; DEVICE, DESCRIPTOR: written through
    write_path: Path  # symlinks resolved
    mode: int | None = None  # an existing file's permission bits, kept
    owner: tuple[int, int] | None = None
    descriptor: int | None = None

    @property
    def replaced(self) -> bool:
        """Whether writing replaces a file (two such targets must not be the same file)."""
        return self.kind in (NEW, FILE)


def check_output_file(path: str | os.PathLike[str]) -> OutputTarget:
    """Check that `path` can be written, without writing it; OutputFileError says why not."""
    given = Path(path)
    descriptor = _descriptor_of(given)
    if descriptor is not None:
        try:
            os.fstat(descriptor)
        except OSError as error:
            raise OutputFileError.write_failed(given, error) from None
        return OutputTarget(given, DESCRIPTOR, given, descriptor=descriptor)
    try:
        info: os.stat_result | None = os.stat(given)
    except (FileNotFoundError, NotADirectoryError):  # a folder on the way that is missing or a file: said below
        info = None
    except OSError as error:
        raise OutputFileError(given, f"cannot use it: {error.strerror}", error.errno or 0) from None
    if info is not None:
        _refuse_unwritable(given, info)
        if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
            return OutputTarget(given, DEVICE, given)
    real = Path(os.path.realpath(given))
    _check_folder(given, real.parent)
    if info is None:
        return OutputTarget(given, NEW, real)
    return OutputTarget(given, FILE, real, stat.S_IMODE(info.st_mode) & 0o777, (info.st_uid, info.st_gid))


def check_output_files(paths: Iterable[str | os.PathLike[str] | None]) -> list[OutputTarget]:
    """Check every path (None is skipped) and refuse two that are the same file."""
    targets = [check_output_file(path) for path in paths if path is not None]
    seen: dict[object, OutputTarget] = {}
    for target in targets:
        if not target.replaced:  # a device or pipe takes both, one after the other
            continue
        key = _identity(target.write_path)
        if key in seen:
            first = seen[key].path
            same = "given for two outputs" if first == target.path else f"the same file as {first}, another output"
            raise OutputFileError(target.path, f"{same}; give each output its own file")
        seen[key] = target
    return targets


def write_files_together(contents: Sequence[tuple[str | os.PathLike[str], str]]) -> None:
    """Write each (path, text): all files are prepared first, so one that fails writes none of the others.

    Files written through (devices, pipes, descriptors) cannot be undone: they go after every
    temporary file is ready and before the renames, so their failure still replaces nothing.
    """
    targets = check_output_files(path for path, _ in contents)
    prepared: list[tuple[OutputTarget, Path]] = []
    try:
        for target, (_, text) in zip(targets, contents, strict=True):
            if target.replaced:
                prepared.append((target, _prepare(target, text.encode("utf-8"))))
        for target, (_, text) in zip(targets, contents, strict=True):
            if not target.replaced:
                _write_through(target, text.encode("utf-8"))
        while prepared:
            target, temporary = prepared[0]
            try:
                os.replace(temporary, target.write_path)
            except OSError as error:
                raise OutputFileError.write_failed(target.path, error) from None
            prepared.pop(0)
    finally:
        for _, temporary in prepared:
            temporary.unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write `text` to `path` (creating its folder) as above; raises OSError (OutputFileError) on failure."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_files_together([(path, text)])


# -- helpers -------------------------------------------------------------------------------
def _descriptor_of(path: Path) -> int | None:
    match = _DESCRIPTOR_PATH.fullmatch(os.path.normpath(path))
    if match is None:
        return None
    name, fd_number, proc_number = match.groups()
    if name in ("stdout", "stderr"):
        return 1 if name == "stdout" else 2
    return int(fd_number or proc_number)


def _refuse_unwritable(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise OutputFileError(path, "is a folder, not a file", errno.EISDIR)
    for test, kind in _REFUSED_KINDS:
        if test(info.st_mode):
            raise OutputFileError(path, f"is {kind}, not a file")
    if not info.st_mode & 0o222 or (os.geteuid() != 0 and not os.access(path, os.W_OK)):
        raise OutputFileError(path, "is read-only; make it writable or choose another file", errno.EACCES)


def _check_folder(path: Path, folder: Path) -> None:
    """The folder must exist and take a new file (checked by creating and removing one)."""
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        raise OutputFileError(path, f"the folder {folder} does not exist", errno.ENOENT) from None
    except NotADirectoryError:
        raise OutputFileError(path, f"{folder} is not a folder", errno.ENOTDIR) from None
    except OSError as error:
        raise OutputFileError(path, f"cannot use the folder {folder}: {error.strerror}", error.errno or 0) from None
    if not stat.S_ISDIR(info.st_mode):
        raise OutputFileError(path, f"{folder} is not a folder", errno.ENOTDIR)
    try:
        handle, probe = create_temporary(folder / path.name)
    except OSError as error:
        raise OutputFileError(path, f"cannot create files in {folder}: {error.strerror}", error.errno or 0) from None
    os.close(handle)
    probe.unlink(missing_ok=True)


def _identity(path: Path) -> object:
    try:
        info = os.stat(path)
    except OSError:
        return os.path.normcase(path)  # not there yet: its resolved path names it
    return (info.st_dev, info.st_ino)


def create_temporary(target: Path) -> tuple[int, Path]:
    """A new empty file beside `target`, created with mode 0666 so the umask applies."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        suffix = "".join(secrets.choice(_TEMP_CHARACTERS) for _ in range(8))
        temporary = target.with_name(f".{target.name}.{suffix}.tmp")
        try:
            return os.open(temporary, flags, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(target.parent))


def _prepare(target: OutputTarget, data: bytes) -> Path:
    """The complete new content in a temporary file beside the target, flushed to disk."""
    try:
        handle, temporary = create_temporary(target.write_path)
    except OSError as error:
        raise OutputFileError.write_failed(target.path, error) from None
    try:
        if target.mode is not None:
            os.fchmod(handle, target.mode)
        if target.owner is not None and os.geteuid() == 0:
            with contextlib.suppress(OSError):  # e.g. a filesystem without owners: the content matters more
                os.fchown(handle, *target.owner)
        _write_all(handle, data)
        os.fsync(handle)
    except BaseException as error:
        os.close(handle)
        temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputFileError.write_failed(target.path, error) from None
        raise
    os.close(handle)
    return temporary


def _write_through(target: OutputTarget, data: bytes) -> None:
    try:
        if target.descriptor is not None:
            _flush_standard_streams()  # what was printed before comes first
            _write_all(target.descriptor, data)
            return
        handle = os.open(target.path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            _write_all(handle, data)
        finally:
            os.close(handle)
    except BrokenPipeError:
        raise  # the reader left (`--csv /dev/stdout | head`): nothing to report
    except OSError as error:
        raise OutputFileError.write_failed(target.path, error) from None


def _flush_standard_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # replaced, closed or gone
            stream.flush()


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]
