"""Reading and creating files in the user's folders without hanging, crashing or clobbering.

A user's folder can hold anything: a FIFO (opening it waits for a writer), a link to /dev/zero
(reading it never ends), a huge or absurdly nested file. Reads here take only regular files of
bounded size and parse JSON with every failure turned into a reason. Writers share a folder
lock, create files exclusively and sweep up the temporary files of writers killed mid-save.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import reprlib
import stat
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

MEGABYTE = 1024 * 1024
MAX_USER_FILE_BYTES = MEGABYTE
MAX_JSON_DEPTH = 64
MAX_NUMBER_DIGITS = 4300  # Python's own default limit for int <-> str conversion
LOCK_FILE = ".lock"
LOCK_TIMEOUT_SECONDS = 10.0
STALE_TEMP_SECONDS = 10.0
# atomic_write_text's temporary files: ".{target}." + mkstemp's 8 random characters + ".tmp"
TEMP_FILE_NAME = re.compile(r"\..+\.json\.[a-z0-9_]{8}\.tmp")

# Opening never blocks (a FIFO would wait for a writer) nor takes a terminal.
OPEN_WITHOUT_BLOCKING = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
)
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS}
_NO_LOCKS = {errno.ENOLCK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EINVAL}


class UserFileError(Exception):
    """A user's file that cannot be read, parsed or locked: says which file and why."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{display_path(self.path)}: {reason}")


def display_path(path: str | os.PathLike[str]) -> str:
    """The path as printable text: bytes that are not UTF-8 become `\\xff` escapes."""
    text = os.fspath(path)
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def describe_size(size: int) -> str:
    return f"{size // MEGABYTE} MB" if size >= MEGABYTE and size % MEGABYTE == 0 else f"{size} bytes"


def brief_repr(value: Any) -> str:
    """repr() cut short, so that a message quoting a value from a file stays one readable line."""
    return _BRIEF.repr(value)


_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = 60
_BRIEF.maxlong = 40


# -- reading ---------------------------------------------------------------------------------
def read_user_bytes(path: str | os.PathLike[str], limit: int = MAX_USER_FILE_BYTES) -> bytes:
    """The bytes of a regular file (or a link to one) of at most `limit` bytes; never blocks."""
    path = Path(path)
    try:
        _check_regular(path, os.stat(path), limit)  # before opening: a FIFO must not be opened
        handle = os.open(path, OPEN_WITHOUT_BLOCKING)  # O_NONBLOCK: a FIFO swapped in meanwhile cannot block
    except OSError as error:
        raise UserFileError(path, f"cannot read: {error.strerror or error}") from None
    try:
        _check_regular(path, os.fstat(handle), limit)  # what was opened, not what was checked
        chunks: list[bytes] = []
        size = 0
        while size <= limit:  # at most limit + 1 bytes: enough to know it is too big
            chunk = os.read(handle, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise UserFileError(path, f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(handle)
    if size > limit:
        raise UserFileError(path, f"larger than {describe_size(limit)}")
    return b"".join(chunks)


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for messages: "a FIFO", "a character device"..."""
    return next((name for test, name in _FILE_KINDS if test(mode)), "of an unknown kind")


def _check_regular(path: Path, info: os.stat_result, limit: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise UserFileError(path, f"not a regular file ({file_kind(info.st_mode)})")
    if info.st_size > limit:
        raise UserFileError(path, f"larger than {describe_size(limit)}")


def load_user_json(path: str | os.PathLike[str], limit: int = MAX_USER_FILE_BYTES) -> Any:
    """Parse a user's JSON file; any problem raises UserFileError(path, reason)."""
    data = read_user_bytes(path, limit)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserFileError(path, "not UTF-8 text") from None
    if not text.strip():
        raise UserFileError(path, "the file is empty")
    try:
        return parse_json(text)
    except ValueError as error:
        raise UserFileError(path, str(error)) from None


class _TooManyDigits(Exception):
    pass


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _TooManyDigits
    return int(digits)


def parse_json(text: str) -> Any:
    """json.loads that raises only ValueError: for bad JSON, deep nesting, huge numbers, lone surrogates."""
    try:
        value = json.loads(text, parse_int=_bounded_int)
    except _TooManyDigits:
        raise ValueError(f"a number has more than {MAX_NUMBER_DIGITS} digits") from None
    except RecursionError:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as error:  # JSONDecodeError, and anything else the decoder refuses
        raise ValueError(f"not valid JSON: {error}") from None
    problem = _structure_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _structure_problem(value: Any) -> str | None:
    """Too deep, or a string that cannot be printed; breadth first, so top-level fields come first."""
    pending: deque[tuple[Any, str, int]] = deque([(value, "", 1)])
    while pending:
        item, where, depth = pending.popleft()
        if depth > MAX_JSON_DEPTH:
            return f"nested more than {MAX_JSON_DEPTH} levels deep"
        if isinstance(item, str):
            bad = invalid_character(item)
            if bad:
                return f"{where or 'the text'} contains an invalid character {bad}"
        elif isinstance(item, dict):
            for key, child in item.items():
                bad = invalid_character(key)
                if bad:
                    return f"a key in {where or 'the object'} contains an invalid character {bad}"
                pending.append((child, f"{where}.{key}" if where else key, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, f"{where}[{index}]", depth + 1) for index, child in enumerate(item))
    return None


def invalid_character(text: str) -> str | None:
    """'U+D800' for the first character UTF-8 cannot encode (a lone surrogate), else None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"U+{ord(text[error.start]):04X}"
    return None


# -- writing ---------------------------------------------------------------------------------
def create_exclusive_text(path: str | os.PathLike[str], text: str) -> None:
    """Create `path` holding `text`, whole or not at all; FileExistsError if the name is taken.

    Written to a temporary file first, then hard-linked to its name: unlike a rename, a link
    never replaces an existing file, and readers never see half a file.
    """
    target = Path(path)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.link(temporary, target)
        except FileExistsError:
            raise
        except OSError as error:
            if error.errno not in _NO_HARD_LINKS:
                raise
            _create_in_place(target, text)  # e.g. FAT or some network shares
    finally:
        Path(temporary).unlink(missing_ok=True)


def _create_in_place(target: Path, text: str) -> None:
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        target.unlink(missing_ok=True)
        raise


class FolderLock:
    """An advisory lock (flock on `.lock`) that writers of one folder hold around check-then-create.

    Waits at most `timeout` seconds, so a stuck process can never hang the others. The lock is
    released when the holder closes it or dies (even by kill -9).
    """

    def __init__(self, directory: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.path = Path(directory) / LOCK_FILE
        self.timeout = timeout
        self._handle: int | None = None

    def acquire(self) -> FolderLock:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            handle = os.open(self.path, flags | getattr(os, "O_CLOEXEC", 0), 0o600)
        except OSError as error:
            raise UserFileError(self.path, f"cannot lock: {error.strerror or error}") from None
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise UserFileError(
                            self.path, f"another muscle_lab has held this lock for over {self.timeout:g} s; try again"
                        ) from None
                    time.sleep(0.01)
                except OSError as error:
                    if error.errno in _NO_LOCKS:
                        break  # a file system without locks: exclusive creation still guards names
                    raise UserFileError(self.path, f"cannot lock: {error.strerror or error}") from None
        except BaseException:
            os.close(handle)
            raise
        self._handle = handle
        return self

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing the file releases the lock
            self._handle = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def remove_stale_temp_files(directory: str | os.PathLike[str], older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete the temporary files of writers killed mid-save; returns what was removed.

    Call it while holding the folder's lock; the age check also spares writers that do not
    take the lock (atomic_write_text from elsewhere) while they write.
    """
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        if not TEMP_FILE_NAME.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode) or now - info.st_mtime < older_than:
                continue
            os.unlink(entry.path)
        except OSError:
            continue  # gone already, or not ours to delete: try again next time
        removed.append(Path(entry.path))
    return removed
