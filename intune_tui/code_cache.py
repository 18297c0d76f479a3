"""The methods `dataclasses` writes for each dataclass, compiled once per machine, not once per
start.

Python 3.11's `dataclasses` writes every class's `__init__`, `__repr__` and `__eq__` (and
`__setattr__`, `__delattr__` and `__hash__` for a frozen one) as source text and compiles each
when the class is defined: the CLI's way to the app's first frame defines ~130 dataclasses
(ours, Textual's, anyio's, h11's), ~500 such texts, and compiling them was the largest cost of
its imports that the target's bare Textual app does not pay.

`CodeOnDisk` keeps the compiled code of each text in the user's cache folder, as Python keeps a
module's bytecode: installed (`install`), it stands in for `exec` inside `dataclasses` only,
runs a text seen before from its code and compiles any other as `exec` does (same text, same
"<string>" file name, no inherited compiler flags), so every class is what it would have been
without it. What was compiled anew is written to the file afterwards (`save`). The file is
the user's own (0600 in a 0700 folder, written atomically); one that is not, that others may
write, or that does not hold code is ignored (everything is compiled), since loading runs what
it holds.

Measured (2026-12-07, valgrind's instruction count of the CLI's imports up to the app's first
screen and the network transport, deterministic): 1.457 -> 1.198 billion, -18%.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import hashlib
import importlib.util
import logging
import marshal
import threading
from pathlib import Path
from types import CodeType
from typing import Any

from intune_tui.app_dirs import app_dir
from intune_tui.private_files import read_own_private_bytes, write_private_bytes

log = logging.getLogger(__name__)

# Part of the file's name: a change of how the file is laid out, or of Python (whose bytecode
# it holds), makes an old file unused.
_FORMAT = 1
# A session of the app defines ~1,100 dataclasses' texts, the demo's Graph ~150 more. Past
# this many (upgrades leave old texts behind), a save keeps only what its process used.
MOST_KEPT = 4096


def _key(source: str) -> bytes:
    return hashlib.blake2b(source.encode("utf-8"), digest_size=16).digest()


class CodeOnDisk:
    """Compiled dataclass methods kept in one file: the digest of each source text to its code,
    marshalled on its own (only the code of the classes a run defines is unmarshalled: the file
    holds every class a session of the app defined, most of them after start-up)."""

    def __init__(self, directory: Path) -> None:
        version = importlib.util.MAGIC_NUMBER.hex()
        self.path = directory / f"dataclasses-{_FORMAT}-{version}.code"
        self._known: dict[bytes, bytes] = {}
        self._new: dict[bytes, CodeType] = {}  # marshalled when saved, not on the way
        self._used: set[bytes] = set()
        self._lock = threading.Lock()

    @property
    def compiled(self) -> int:
        """How many texts were compiled here since the file was read (or last written)."""
        return len(self._new)

    def load(self) -> None:
        """Read the file, if there is a usable one."""
        self._known = self._read()

    def _read(self) -> dict[bytes, bytes]:
        data = read_own_private_bytes(self.path)
        if data is None:
            return {}
        try:
            known = marshal.loads(data)
        except (EOFError, ValueError, TypeError) as error:
            log.info("dataclass code cache %s ignored: %s", self.path, type(error).__name__)
            return {}
        if isinstance(known, dict) and all(
                isinstance(key, bytes) and isinstance(code, bytes) for key, code in known.items()):
            return known
        return {}

    def _kept_code(self, key: bytes) -> CodeType | None:
        kept = self._known.get(key)
        if kept is None:
            return None
        try:
            code = marshal.loads(kept)
        except (EOFError, ValueError, TypeError):
            return None
        return code if isinstance(code, CodeType) else None

    def exec(self, source: Any, globals: dict[str, Any] | None = None,
             locals: dict[str, Any] | None = None) -> None:
        """`exec` as `dataclasses` calls it, from the kept code when the text is known."""
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        key = _key(source)
        code = self._kept_code(key)
        if code is not None:
            self._used.add(key)
        else:
            # What exec(source) compiles: the caller's module (dataclasses) has no __future__
            # flags to pass on, and this module's must not be (`annotations` would turn the
            # methods' annotations into strings).
            code = compile(source, "<string>", "exec", dont_inherit=True)
            with self._lock:
                self._new[key] = code
        builtins.exec(code, globals, locals)

    def save(self) -> None:
        """Write the file with what was compiled anew (nothing when nothing was), and what
        the file holds now: another process (the demo's Graph) may have added to it."""
        with self._lock:
            if not self._new:
                return
            new = {key: marshal.dumps(code) for key, code in self._new.items()}
            known = {**self._read(), **self._known, **new}
            if len(known) > MOST_KEPT:
                known = {key: code for key, code in known.items()
                         if key in self._used or key in self._new}
            self._known, self._new = known, {}
        try:
            write_private_bytes(self.path, marshal.dumps(known))
        except Exception as error:  # a read-only cache folder: compiled again next time
            log.info("dataclass code cache not written in %s: %s", self.path.parent, error)


_installed: CodeOnDisk | None = None


def install(directory: Path | None = None) -> CodeOnDisk:
    """Have `dataclasses` use the code kept in `directory` (the user's cache folder by default)
    from now on, in this process; once (a second call returns the first cache)."""
    global _installed
    if _installed is None:
        disk = CodeOnDisk(directory or app_dir("cache") / "code")
        disk.load()
        # A global of that module, found before the builtin.
        dataclasses.exec = disk.exec  # type: ignore[attr-defined]
        _installed = disk
    return _installed


def uninstall() -> None:
    """`dataclasses` compiles every text again (what is kept stays on disk)."""
    global _installed
    if _installed is not None:
        with contextlib.suppress(AttributeError):
            delattr(dataclasses, "exec")
        _installed = None


def save_installed() -> None:
    """Write what the installed cache compiled anew, if any (any thread)."""
    disk = _installed
    if disk is not None:
        disk.save()
