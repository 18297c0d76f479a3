"""The token cache's encryption key in the OS keyring, probed without ever hanging the caller.

Only a 32-byte key lives in the keyring (a Windows credential holds 2,560 bytes; a token cache is
8-12 KB). Every keyring call runs on a daemon thread and is abandoned after `timeout` seconds: a
locked Secret Service over SSH can wait for an unlock prompt nobody will ever see. A daemon
thread (not a thread pool) so that an abandoned call cannot block interpreter exit either.

Only a real OS store is trusted with the key (`OS_KEYRING_BACKENDS`): keyring's priority says
how *preferred* a backend is, not whether it is safe, and a `ChainerBackend` has the highest
priority of all even when it chains nothing but a plaintext file. A chainer is accepted when its
first backend is an OS store, and then only that backend is used.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import filelock
import keyring
import keyring.backend
import keyring.backends.chainer
import keyring.core
import keyring.errors

from intune_tui.private_files import file_stem, make_private_dir

KEYRING_SERVICE = "intune-tui"
KEY_BYTES = 32
# keyring 25's backends that keep secrets in the operating system's own store: the Secret
# Service (over D-Bus or libsecret), KWallet, the Windows Credential Manager, the macOS Keychain.
OS_KEYRING_BACKENDS = frozenset({
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
    "keyring.backends.Windows.WinVaultKeyring",
    "keyring.backends.macOS.Keyring",
})
# Two first starts of the same profile must not each create a key: the second would replace the
# first's, whose cache then no longer decrypts.
KEY_LOCK_TIMEOUT = 10.0

T = TypeVar("T")


def profile_lock_path(data_dir: Path, profile: str) -> Path:
    """The file lock around creating the profile's key and writing its token cache
    (`<data dir>/tokens/<profile>.lock`)."""
    return Path(data_dir) / "tokens" / f"{file_stem(profile)}.lock"


class KeyringTimeout(Exception):
    """The keyring did not answer in time."""


@dataclass(frozen=True)
class KeyringProbe:
    """What the keyring gave: a key, or why there is none.

    created: the key is new, so a cache file written under an older key cannot be read.
    """

    key: bytes | None = field(repr=False)
    backend: str
    problem: str | None = None
    created: bool = False

    @property
    def usable(self) -> bool:
        return self.key is not None


def key_name(profile: str) -> str:
    """The keyring user name of one profile's cache key (one key per profile)."""
    return f"token-cache-key:{profile}"


def load_or_create_key(
    profile: str, *, timeout: float, create: bool = True, lock_path: Path | None = None,
    entry: str | None = None,
) -> KeyringProbe:
    """The profile's cache key from the keyring, created there if missing (when `create`).

    `entry` names another key kept the same way (the audit chain's key, app-wide, which logout
    must not delete); by default the profile's token cache key.
    A missing key is created while holding the file lock at `lock_path` (the profile's cache
    lock), after reading again: of two processes starting at once, one creates and the other
    reads. Never raises and never waits longer than `timeout` seconds.
    """
    name = entry if entry is not None else key_name(profile)
    try:
        return call_with_timeout(lambda: _load_or_create(name, create, lock_path), timeout)
    except KeyringTimeout:
        return KeyringProbe(
            None,
            backend=_backend_name_quietly(),
            problem=(
                f"the OS keyring did not answer within {timeout:g} s (a locked keyring waiting "
                "for an unlock prompt?)"
            ),
        )


def delete_key(profile: str, *, timeout: float) -> str | None:
    """Remove the profile's key. Returns None when done (or there was none), else the problem."""

    def delete() -> None:
        backend = os_keyring(keyring.get_keyring())
        if backend is None:
            return  # not a store we ever put a key in
        try:
            backend.delete_password(KEYRING_SERVICE, key_name(profile))
        except keyring.errors.PasswordDeleteError:
            return  # there was no key

    try:
        call_with_timeout(delete, timeout)
    except KeyringTimeout:
        return f"the OS keyring did not answer within {timeout:g} s"
    except Exception as error:  # any backend failure is reported, not raised
        return f"the OS keyring refused ({type(error).__name__})"
    return None


def call_with_timeout(function: Callable[[], T], timeout: float) -> T:
    """Run `function` on a daemon thread; its result, its exception, or KeyringTimeout."""
    values: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            values.append(function())
        except BaseException as error:  # handed to the caller's thread below
            errors.append(error)

    thread = threading.Thread(target=run, name="intune-tui-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise KeyringTimeout
    if errors:
        raise errors[0]
    return values[0]


def os_keyring(backend: Any) -> keyring.backend.KeyringBackend | None:
    """`backend` if it is an OS store, a chainer's first backend if that one is; else None."""
    if isinstance(backend, keyring.backends.chainer.ChainerBackend):
        try:
            chained = list(backend.backends)
        except Exception:
            return None
        backend = chained[0] if chained else None
    if backend is not None and _backend_name(backend) in OS_KEYRING_BACKENDS:
        found: keyring.backend.KeyringBackend = backend
        return found
    return None


def _load_or_create(entry: str, create: bool, lock_path: Path | None) -> KeyringProbe:
    try:
        chosen = keyring.get_keyring()
    except Exception as error:
        return KeyringProbe(None, backend="none", problem=f"no keyring ({type(error).__name__})")
    backend = os_keyring(chosen)
    if backend is None:
        # fail/null backends, keyrings.alt's files, a chainer over them: not a secure store.
        name = _backend_name(chosen)
        return KeyringProbe(None, backend=name, problem=f"no secure OS keyring ({name})")
    name = _backend_name(backend)
    try:
        key = _decode_key(backend.get_password(KEYRING_SERVICE, entry))
        if key is not None:
            return KeyringProbe(key, backend=name)
        if not create:
            return KeyringProbe(None, backend=name, problem="no key saved")
        with _key_lock(lock_path):
            return _create_key(backend, name, entry)
    except keyring.errors.KeyringLocked:
        return KeyringProbe(None, backend=name, problem=f"the OS keyring ({name}) is locked")
    except Exception as error:
        return KeyringProbe(
            None, backend=name, problem=f"the OS keyring ({name}) failed: {type(error).__name__}"
        )


def _key_lock(lock_path: Path | None) -> contextlib.AbstractContextManager[object]:
    if lock_path is None:
        return contextlib.nullcontext()
    try:
        make_private_dir(lock_path.parent)
    except OSError:  # no folder for the lock: the key is still made (two starts may race)
        return contextlib.nullcontext()
    return filelock.FileLock(str(lock_path), timeout=KEY_LOCK_TIMEOUT)


def _create_key(backend: keyring.backend.KeyringBackend, name: str, entry: str) -> KeyringProbe:
    # Read again under the lock: another process may have created it since the first read.
    key = _decode_key(backend.get_password(KEYRING_SERVICE, entry))
    if key is not None:
        return KeyringProbe(key, backend=name)
    key = secrets.token_bytes(KEY_BYTES)
    encoded = base64.b64encode(key).decode("ascii")
    backend.set_password(KEYRING_SERVICE, entry, encoded)
    if backend.get_password(KEYRING_SERVICE, entry) != encoded:
        return KeyringProbe(None, backend=name, problem=f"{name} did not keep the key")
    return KeyringProbe(key, backend=name, created=True)


def _decode_key(stored: str | None) -> bytes | None:
    if not stored:
        return None
    try:
        key = base64.b64decode(stored.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None
    return key if len(key) == KEY_BYTES else None


def _backend_name(backend: object) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _backend_name_quietly() -> str:
    # Only the already-chosen backend's class name; asking the keyring again could hang too.
    chosen = getattr(keyring.core, "_keyring_backend", None)
    return _backend_name(chosen) if chosen is not None else "unknown"
