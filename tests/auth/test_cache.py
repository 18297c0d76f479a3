"""The token cache file: encrypted, private, atomic, per profile; memory or plaintext fallback."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intune_tui.auth.cache import (
    CacheMode,
    CacheUnreadable,
    decrypt,
    encrypt,
    encrypted_path,
    file_stem,
    open_token_cache,
    plaintext_path,
    remove_token_cache,
    token_cache_dir,
)
from intune_tui.auth.keystore import KEYRING_SERVICE, key_name
from intune_tui.config import Settings

from .conftest import HangingKeyring, MemoryKeyring

SECRET = "RT.this-refresh-token-must-never-be-readable-on-disk"


def msal_state(secret: str = SECRET) -> str:
    """A minimal serialized MSAL cache holding one refresh token."""
    return json.dumps(
        {
            "RefreshToken": {
                "uid.utid-127.0.0.1-refreshtoken-client--": {
                    "credential_type": "RefreshToken",
                    "secret": secret,
                    "home_account_id": "uid.utid",
                    "environment": "127.0.0.1",
                    "client_id": "client",
                    "target": "",
                }
            },
            "Account": {
                "uid.utid-127.0.0.1-utid": {
                    "home_account_id": "uid.utid",
                    "environment": "127.0.0.1",
                    "realm": "utid",
                    "username": "helpdesk@contoso.onmicrosoft.com",
                    "authority_type": "MSSTS",
                }
            },
        }
    )


def saved(settings: Settings, text: str = "") -> None:
    store = open_token_cache(settings)
    store.replace_cache(text or msal_state())
    assert store.save()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_encrypted_round_trip_in_a_private_file(
    make_settings: Callable[..., Settings], memory_keyring: MemoryKeyring
) -> None:
    settings = make_settings()
    saved(settings)

    reopened = open_token_cache(settings)

    assert reopened.mode is CacheMode.ENCRYPTED and reopened.notice is None
    assert SECRET in reopened.cache.serialize()
    path = encrypted_path(settings)
    assert SECRET.encode() not in path.read_bytes()
    assert mode_of(path) == 0o600 and mode_of(token_cache_dir(settings)) == 0o700
    assert [p.name for p in token_cache_dir(settings).iterdir() if p.suffix == ".tmp"] == []
    assert "AES-GCM" in reopened.describe() and str(path) in reopened.describe()


def test_a_failed_write_leaves_the_previous_cache_intact(
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_settings()
    saved(settings)
    before = encrypted_path(settings).read_bytes()
    store = open_token_cache(settings)
    store.replace_cache(msal_state("RT.a-newer-refresh-token"))

    def disk_full(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError):
        store.save()

    assert encrypted_path(settings).read_bytes() == before
    assert sorted(p.name for p in token_cache_dir(settings).iterdir()) == [
        "contoso.bin",
        "contoso.lock",
    ]


def test_save_writes_only_when_msal_changed_something(
    make_settings: Callable[..., Settings], memory_keyring: MemoryKeyring
) -> None:
    settings = make_settings()
    saved(settings)
    store = open_token_cache(settings)
    before = encrypted_path(settings).read_bytes()

    assert store.save() is False
    assert encrypted_path(settings).read_bytes() == before


def test_a_cache_file_moved_to_another_profile_does_not_decrypt(
    make_settings: Callable[..., Settings], memory_keyring: MemoryKeyring
) -> None:
    contoso = make_settings()
    northwind = make_settings(profile="northwind")
    saved(contoso)
    key = memory_keyring.passwords[(KEYRING_SERVICE, key_name("contoso"))]
    memory_keyring.passwords[(KEYRING_SERVICE, key_name("northwind"))] = key  # even same key
    encrypted_path(northwind).write_bytes(encrypted_path(contoso).read_bytes())

    store = open_token_cache(northwind)

    assert SECRET not in store.cache.serialize()
    assert "could not be read" in (store.notice or "")


def test_a_lost_keyring_key_means_sign_in_again_not_a_crash(
    make_settings: Callable[..., Settings], memory_keyring: MemoryKeyring
) -> None:
    settings = make_settings()
    saved(settings)
    memory_keyring.passwords.clear()

    store = open_token_cache(settings)

    assert store.mode is CacheMode.ENCRYPTED
    assert SECRET not in store.cache.serialize()
    assert "sign in again" in (store.notice or "")


def test_decrypt_rejects_foreign_and_tampered_data() -> None:
    key = os.urandom(32)
    blob = encrypt(key, "contoso", b"hello")
    assert decrypt(key, "contoso", blob) == b"hello"
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    for bad in (b"{}", tampered):
        with pytest.raises(CacheUnreadable):
            decrypt(key, "contoso", bad)


def test_no_keyring_keeps_tokens_in_memory_and_says_so(
    make_settings: Callable[..., Settings], no_keyring: Any
) -> None:
    settings = make_settings()
    store = open_token_cache(settings)
    store.replace_cache(msal_state())

    assert store.save() is False
    assert store.mode is CacheMode.MEMORY
    assert "memory only" in (store.notice or "")
    assert "allow_plaintext_token_cache" in (store.notice or "")
    assert not Path(settings.data_dir).exists() or not any(Path(settings.data_dir).rglob("*"))


def test_a_hanging_keyring_falls_back_to_memory_within_the_timeout(
    make_settings: Callable[..., Settings], use_keyring: Callable[[Any], Any]
) -> None:
    use_keyring(HangingKeyring())
    settings = make_settings(keyring_timeout=0.2)

    store = open_token_cache(settings)

    assert store.mode is CacheMode.MEMORY
    assert "did not answer within 0.2 s" in (store.notice or "")


def test_plaintext_only_by_opt_in_private_and_with_a_warning(
    make_settings: Callable[..., Settings], no_keyring: Any
) -> None:
    settings = make_settings(allow_plaintext_token_cache=True)
    saved(settings)

    store = open_token_cache(settings)

    path = plaintext_path(settings)
    assert store.mode is CacheMode.PLAINTEXT
    assert mode_of(path) == 0o600
    assert SECRET in store.cache.serialize()
    assert "UNENCRYPTED" in (store.notice or "") and str(path) in (store.notice or "")


def test_a_plaintext_cache_moves_into_the_encrypted_file_once_a_keyring_exists(
    make_settings: Callable[..., Settings], use_keyring: Callable[[Any], Any], no_keyring: Any
) -> None:
    settings = make_settings(allow_plaintext_token_cache=True)
    saved(settings)
    use_keyring(MemoryKeyring())

    store = open_token_cache(settings)

    assert store.mode is CacheMode.ENCRYPTED
    assert SECRET in store.cache.serialize()
    assert not plaintext_path(settings).exists()
    assert SECRET.encode() not in encrypted_path(settings).read_bytes()


def test_a_world_readable_cache_file_is_made_private_again(
    make_settings: Callable[..., Settings], memory_keyring: MemoryKeyring
) -> None:
    settings = make_settings()
    saved(settings)
    encrypted_path(settings).chmod(0o644)

    open_token_cache(settings)

    assert mode_of(encrypted_path(settings)) == 0o600


def test_remove_token_cache_deletes_both_files_and_the_key(
    make_settings: Callable[..., Settings], memory_keyring: MemoryKeyring
) -> None:
    settings = make_settings()
    saved(settings)
    plaintext_path(settings).write_text("{}")

    removed, problem = remove_token_cache(settings)

    assert problem is None
    assert sorted(p.name for p in removed) == ["contoso.bin", "contoso.json"]
    assert memory_keyring.passwords == {}


def test_profile_names_never_become_paths() -> None:
    assert file_stem("contoso") == "contoso"
    for hostile in ("../../etc/passwd", "a/b", "..", ""):
        stem = file_stem(hostile)
        assert "/" not in stem and ".." not in stem and stem.startswith("profile-")
