"""Folders and files that only the user can read: tenant data, tokens, logs, exports.

`Path.mkdir(parents=True, mode=0o700)` applies the mode to the last folder only; the parents it
creates get the umask's mode (usually 0755). Here every folder that has to be created is made
0700, and a file is either created new (never through a symlink, never over someone else's file)
or replaced atomically.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO, TypeVar

T = TypeVar("T")

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def file_stem(profile: str) -> str:
    """A file name for the profile: itself when safe, else a hash (never a path)."""
    if _SAFE_NAME.match(profile) and ".." not in profile:
        return profile
    return "profile-" + hashlib.sha256(profile.encode("utf-8")).hexdigest()[:16]


class UnsafeFile(OSError):
    """The target is a symlink or belongs to another user: we will not write through it."""


def make_private_dir(directory: Path) -> None:
    """Create `directory` and any missing parents, each 0700.

    A folder that already exists keeps its mode: it may be one the user chose (a log folder
    under /tmp) and is not ours to change."""
    directory = Path(directory)
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=0o700)
        if os.name == "posix":
            folder.chmod(0o700)  # mkdir's mode is filtered by the umask


def check_replaceable(path: Path) -> None:
    """Refuse a target that is a symlink or a file owned by another user (POSIX)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeFile(f"{path} is a symbolic link; refusing to write through it")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(f"{path} is not a regular file")
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise UnsafeFile(f"{path} belongs to another user; refusing to replace it")


def write_private(
    path: Path,
    write: Callable[[IO[str]], T],
    *,
    overwrite: bool = True,
    newline: str | None = None,
) -> T:
    """Write a 0600 text file through a temporary file in the same folder, then move it into place.

    overwrite=False refuses an existing file (FileExistsError), also one that appears meanwhile:
    the temporary file is hard-linked to the name, which fails if the name exists. A failed
    `write` leaves the previous file (or none) and no temporary file.
    """
    path = Path(path)
    make_private_dir(path.parent)
    if overwrite:
        check_replaceable(path)
    elif os.path.lexists(path):
        raise FileExistsError(17, "File exists", str(path))
    return _write_through_temporary(
        path, lambda descriptor: _fill_text(descriptor, write, newline), overwrite=overwrite)


def write_private_bytes(path: Path, data: bytes | bytearray) -> None:
    """`write_private` for bytes: a 0600 file replaced atomically, never through a symlink or
    over another user's file."""
    def fill(stream: BinaryIO) -> bool:
        stream.write(data)
        return True

    write_private_stream(path, fill)


def write_private_stream(path: Path, fill: Callable[[BinaryIO], bool]) -> bool:
    """`write_private_bytes` of the bytes `fill` writes to the file's stream as it makes them
    (none of it held whole in memory). The file is put in place only when `fill` returns True;
    when it returns False or raises, the previous file (or none) stays and no temporary file is
    left. True when the file was replaced."""
    path = Path(path)
    make_private_dir(path.parent)
    check_replaceable(path)
    try:
        _write_through_temporary(path, lambda descriptor: _fill_bytes(descriptor, fill))
    except _NotKept:
        return False
    return True


class _NotKept(Exception):
    """`fill` said the file it wrote is not to be kept."""


def _is_own_and_private(info: os.stat_result) -> bool:
    """The user's own file that nobody else may write (POSIX; elsewhere, any file)."""
    getuid = getattr(os, "getuid", None)
    owned = getuid is None or info.st_uid == getuid()
    return owned and not info.st_mode & 0o022


def read_own_private_bytes(path: Path) -> bytes | None:
    """The bytes of the user's own file that nobody else may write, as `write_private_bytes`
    leaves it; None when there is none, it is a symlink or it is not such a file (it may be
    one whose content this process would run: a cache of code or of parsed objects)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or not _is_own_and_private(info):
                return None
            return file.read()
    except OSError:
        return None


def _fill_text(descriptor: int, write: Callable[[IO[str]], T], newline: str | None) -> T:
    with open(descriptor, "w", encoding="utf-8", newline=newline) as stream:
        result = write(stream)
        stream.flush()
        os.fsync(stream.fileno())
    return result


def _fill_bytes(descriptor: int, fill: Callable[[BinaryIO], bool]) -> None:
    with open(descriptor, "wb") as stream:
        if not fill(stream):
            raise _NotKept
        stream.flush()
        os.fsync(stream.fileno())


def _write_through_temporary(path: Path, fill: Callable[[int], T], *,
                             overwrite: bool = True) -> T:
    """`fill` the new file's descriptor, then move it into place (or link it, when it must not
    replace one); a failure leaves no temporary file behind."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        result = fill(descriptor)
        if overwrite:
            os.replace(temporary, path)
        else:
            _link_new(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return result


def _link_new(temporary: str, path: Path) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: check, then move (a small race)
        if os.path.lexists(path):
            raise FileExistsError(17, "File exists", str(path)) from None
        os.replace(temporary, path)
        return
    os.unlink(temporary)
