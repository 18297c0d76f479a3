"""The MSAL token cache, encrypted at rest, one file per profile.

Layout under `<data dir>/tokens/`:
    <profile>.bin   AES-256-GCM ciphertext of MSAL's serialized cache (the key is in the keyring)
    <profile>.json  the plaintext cache, only with allow_plaintext_token_cache and no keyring
    <profile>.lock  file lock shared by every intune-tui process using the profile

One file and one key per profile keeps tenants apart: a refresh token cached for one profile
can never be redeemed by another profile's sign-in. The profile name is bound into the
ciphertext (associated data), so a file copied to another profile's name does not decrypt.
Writes go to a temporary file in the same directory, then `os.replace`, so a killed process
leaves the old cache or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import enum
import json
import logging
import os
import secrets
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import filelock
import msal
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intune_tui.auth.keystore import (
    KeyringProbe,
    delete_key,
    load_or_create_key,
    profile_lock_path,
)
from intune_tui.private_files import file_stem as file_stem  # one profile, one file name
from intune_tui.private_files import make_private_dir

if TYPE_CHECKING:
    from intune_tui.config import Settings

MAGIC = b"ITC1"
NONCE_BYTES = 12
LOCK_TIMEOUT = 10.0


class CacheMode(enum.Enum):
    ENCRYPTED = "encrypted"
    PLAINTEXT = "plaintext"
    MEMORY = "memory"


class CacheUnreadable(Exception):
    """The cache file is not ours, is damaged, or was written under another key."""


def token_cache_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "tokens"


def encrypted_path(settings: Settings) -> Path:
    return token_cache_dir(settings) / f"{file_stem(settings.profile)}.bin"


def plaintext_path(settings: Settings) -> Path:
    return token_cache_dir(settings) / f"{file_stem(settings.profile)}.json"


def _lock_path(settings: Settings) -> Path:
    return profile_lock_path(settings.data_dir, settings.profile)


def _associated_data(profile: str) -> bytes:
    return b"intune-tui token cache v1|" + profile.encode("utf-8")


def encrypt(key: bytes, profile: str, plaintext: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, _associated_data(profile))


def decrypt(key: bytes, profile: str, blob: bytes) -> bytes:
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise CacheUnreadable("not an intune-tui token cache")
    nonce = blob[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(
            nonce, blob[len(MAGIC) + NONCE_BYTES :], _associated_data(profile)
        )
    except InvalidTag as error:
        raise CacheUnreadable("written under another key or for another profile") from error


class TokenCacheStore:
    """An msal SerializableTokenCache plus where (and whether) it is persisted.

    Call `save()` after every MSAL call: it writes only when MSAL changed something.
    `notice` is the sentence the UI must show at start (memory-only, plaintext, lost cache).
    """

    def __init__(
        self,
        *,
        profile: str,
        mode: CacheMode,
        path: Path | None,
        lock_path: Path | None,
        key: bytes | None = None,
        notice: str | None = None,
    ) -> None:
        self.profile = profile
        self.mode = mode
        self.path = path
        self.notice = notice
        self.cache = msal.SerializableTokenCache()
        self._key = key
        self._file_lock = (
            filelock.FileLock(str(lock_path), timeout=LOCK_TIMEOUT) if lock_path else None
        )
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"TokenCacheStore(profile={self.profile!r}, mode={self.mode.value}, path={self.path})"
        )

    def describe(self) -> str:
        """Where the cache lives, for whoami and the status line."""
        if self.mode is CacheMode.ENCRYPTED:
            return f"{self.path} (AES-GCM encrypted; key in the OS keyring)"
        if self.mode is CacheMode.PLAINTEXT:
            return f"{self.path} (UNENCRYPTED, allow_plaintext_token_cache = true)"
        return "memory only (no usable OS keyring; lost when intune-tui exits)"

    def load(self) -> str | None:
        """Read the file into the cache. Returns a notice when a file existed but was unreadable."""
        if self.path is None or self._file_lock is None:
            return None
        with self._lock, self._file_lock:
            if not self.path.exists():
                return None
            _make_private(self.path)
            blob = self.path.read_bytes()
            try:
                text = self._decode(blob)
                self.cache.deserialize(text)
            except (CacheUnreadable, ValueError, UnicodeDecodeError):
                self.cache = msal.SerializableTokenCache()
                return (
                    f"The saved sign-in of profile {self.profile!r} could not be read (the "
                    "keyring key changed or the file is damaged); sign in again."
                )
        return None

    def save(self) -> bool:
        """Persist the cache if MSAL changed it. Returns True when something was written."""
        if self.path is None or self._file_lock is None:
            return False
        with self._lock:
            if not self.cache.has_state_changed:
                return False
            text = self.cache.serialize()
            with self._file_lock:
                _write_private(self.path, self._encode(text))
        return True

    def replace_cache(self, text: str | None) -> None:
        """Load serialized MSAL state (a migration from the plaintext file)."""
        with self._lock:
            self.cache.deserialize(text)
            self.cache.has_state_changed = True

    def delete_files(self) -> list[Path]:
        """Remove this profile's cache files (both kinds). Returns what was removed."""
        removed: list[Path] = []
        directory = self.path.parent if self.path is not None else None
        if directory is None:
            return removed
        stem = file_stem(self.profile)
        with self._lock:
            for name in (f"{stem}.bin", f"{stem}.json"):
                candidate = directory / name
                with contextlib.suppress(FileNotFoundError):
                    candidate.unlink()
                    removed.append(candidate)
        return removed

    def _encode(self, text: str) -> bytes:
        data = text.encode("utf-8")
        if self.mode is CacheMode.ENCRYPTED and self._key is not None:
            return encrypt(self._key, self.profile, data)
        return data

    def _decode(self, blob: bytes) -> str:
        if self.mode is CacheMode.ENCRYPTED and self._key is not None:
            return decrypt(self._key, self.profile, blob).decode("utf-8")
        json.loads(blob)  # a plaintext cache must at least be JSON
        return blob.decode("utf-8")


def open_token_cache(settings: Settings, *, create_key: bool = True) -> TokenCacheStore:
    """The profile's token cache, loaded, in the safest mode available.

    Probes the keyring on a helper thread (at most settings.keyring_timeout seconds). With a key:
    the encrypted file. Without: memory only, or the plaintext file when the user opted in.
    create_key=False (logout) reads an existing key but does not make one.
    """
    lock_path = _lock_path(settings)
    probe = load_or_create_key(
        settings.profile, timeout=settings.keyring_timeout, create=create_key,
        lock_path=lock_path,
    )
    if probe.usable:
        return _open_encrypted(settings, probe, lock_path)
    if settings.allow_plaintext_token_cache:
        path = plaintext_path(settings)
        return _open_file(
            settings, CacheMode.PLAINTEXT, path, lock_path,
            notice=(
                f"Warning: sign-in tokens are stored UNENCRYPTED in {path} because "
                f"{probe.problem} (allow_plaintext_token_cache = true). Anyone who can read that "
                "file can use your Intune access until the tokens expire."
            ),
        )
    return TokenCacheStore(
        profile=settings.profile,
        mode=CacheMode.MEMORY,
        path=None,
        lock_path=None,
        notice=(
            f"Sign-in is kept in memory only: {probe.problem}. You will sign in again at the "
            "next start. To keep it, unlock or install an OS keyring, or set "
            "allow_plaintext_token_cache = true (an unencrypted 0600 file)."
        ),
    )


def forget_all(cache: msal.SerializableTokenCache) -> list[str]:
    """Remove every account and token from `cache`. Returns the usernames that were in it."""
    kinds = msal.TokenCache.CredentialType
    usernames = [str(item.get("username", "")) for item in cache.search(kinds.ACCOUNT)]
    for kind, remove in (
        (kinds.REFRESH_TOKEN, cache.remove_rt),
        (kinds.ACCESS_TOKEN, cache.remove_at),
        (kinds.ID_TOKEN, cache.remove_idt),
        (kinds.ACCOUNT, cache.remove_account),
    ):
        for item in list(cache.search(kind)):
            remove(item)
    return usernames


def remove_token_cache(settings: Settings) -> tuple[list[Path], str | None]:
    """Delete the profile's cache files, its list snapshots and its keyring key (logout).

    Returns the files (and the snapshots' folder) removed and, if the key could not be
    deleted, why.
    """
    from intune_tui.snapshot import delete_snapshots
    from intune_tui.snapshot_files import snapshots_folder

    store = TokenCacheStore(
        profile=settings.profile,
        mode=CacheMode.ENCRYPTED,
        path=encrypted_path(settings),
        lock_path=_lock_path(settings),
    )
    removed = store.delete_files()
    snapshots = snapshots_folder(settings.data_dir, settings.profile)
    try:
        if delete_snapshots(snapshots):
            removed.append(snapshots)
    except OSError as error:  # the key goes below all the same: what is left cannot be read
        logging.getLogger(__name__).warning("the list snapshots in %s could not be deleted: %s",
                                            snapshots, error.strerror or error)
    problem = delete_key(settings.profile, timeout=settings.keyring_timeout)
    return removed, problem


def _open_file(
    settings: Settings,
    mode: CacheMode,
    path: Path,
    lock_path: Path,
    *,
    key: bytes | None = None,
    notice: str | None = None,
) -> TokenCacheStore:
    """The store kept in `path` (its private folder made when new), read now; a file that
    existed but could not be read adds its own notice."""
    _make_private_dir(path.parent)
    store = TokenCacheStore(
        profile=settings.profile, mode=mode, path=path, lock_path=lock_path, key=key,
        notice=notice,
    )
    lost = store.load()
    store.notice = "\n".join(part for part in (notice, lost) if part) or None
    return store


def _open_encrypted(settings: Settings, probe: KeyringProbe, lock_path: Path) -> TokenCacheStore:
    path = encrypted_path(settings)
    store = _open_file(settings, CacheMode.ENCRYPTED, path, lock_path, key=probe.key)
    legacy = plaintext_path(settings)
    if legacy.exists():
        # A plaintext cache from a time without keyring: move it into the encrypted file.
        if not path.exists():
            with contextlib.suppress(OSError, ValueError, UnicodeDecodeError):
                text = legacy.read_text(encoding="utf-8")
                json.loads(text)
                store.replace_cache(text)
                store.save()
        with contextlib.suppress(FileNotFoundError):
            legacy.unlink()
    return store


def _make_private_dir(directory: Path) -> None:
    make_private_dir(directory)  # the data folder above tokens/ too, when it is new
    if os.name == "posix":
        directory.chmod(0o700)


def _make_private(path: Path) -> None:
    if os.name == "posix" and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def _write_private(path: Path, data: bytes) -> None:
    _make_private_dir(path.parent)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
