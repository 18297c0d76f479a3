"""The token cache on a real Secret Service (gnome-keyring over D-Bus): the main path on a Linux
jump host, with no stand-in backend.

`.ci/run` starts these inside `dbus-run-session` with `gnome-keyring-daemon --unlock
--components=secrets`. Without a reachable, unlocked Secret Service (the README's test command on
a bare machine) every test here is skipped, saying why. The locked-collection test locks the
collection for good, so it is the last one in this file.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import pytest

from intune_tui.auth.cache import MAGIC, CacheMode, encrypted_path, open_token_cache
from intune_tui.auth.keystore import KEYRING_SERVICE, key_name
from intune_tui.config import Settings

# One worker runs them all, in file order: the last one locks the collection for good, and the
# keyring daemon is shared by every xdist worker.
pytestmark = pytest.mark.xdist_group("secret-service")

ROOT = Path(__file__).resolve().parents[2]


def _secret_service_or_reason() -> tuple[Any, str]:
    """The Secret Service backend, or why there is none here."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None, "no D-Bus session bus (run inside dbus-run-session, as .ci/run does)"
    try:
        import secretstorage
        from keyring.backends import SecretService
    except ImportError as error:
        return None, f"the Secret Service client is not installed ({error.name})"
    try:
        backend = SecretService.Keyring()
        backend.priority  # noqa: B018 - raises when no daemon answers
        connection = secretstorage.dbus_init()
        collection = secretstorage.get_default_collection(connection)
        if collection.is_locked():
            return None, "the Secret Service's default collection is locked"
    except Exception as error:
        return None, f"no Secret Service daemon answers on the session bus ({error})"
    return backend, ""


@pytest.fixture
def secret_service() -> Iterator[keyring.backend.KeyringBackend]:
    backend, reason = _secret_service_or_reason()
    if backend is None:
        pytest.skip(f"needs a running, unlocked Secret Service: {reason}")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def settings(tmp_path: Path, secret_service: keyring.backend.KeyringBackend) -> Iterator[Settings]:
    profile = f"ss-{uuid.uuid4().hex[:12]}"  # never another run's key
    yield Settings(profile=profile, data_dir=tmp_path / "data", log_dir=tmp_path / "logs",
                   config_path=tmp_path / "config.toml", keyring_timeout=5.0)
    with contextlib.suppress(Exception):  # the collection may be locked by the last test
        secret_service.delete_password(KEYRING_SERVICE, key_name(profile))


def cache_state(marker: str) -> str:
    return json.dumps({
        "RefreshToken": {"uid.utid-login.example-refreshtoken-client--": {
            "credential_type": "RefreshToken", "secret": marker, "home_account_id": "uid.utid",
            "environment": "login.example", "client_id": "client", "target": ""}},
        "Account": {"uid.utid-login.example-utid": {
            "home_account_id": "uid.utid", "environment": "login.example", "realm": "utid",
            "username": "helpdesk@contoso.onmicrosoft.com", "authority_type": "MSSTS"}},
    })


def test_the_key_lands_in_the_secret_service(
    settings: Settings, secret_service: keyring.backend.KeyringBackend
) -> None:
    import secretstorage

    store = open_token_cache(settings)

    assert store.mode is CacheMode.ENCRYPTED
    assert "OS keyring" in store.describe()
    collection = secretstorage.get_default_collection(secretstorage.dbus_init())
    items = list(collection.search_items(
        {"service": KEYRING_SERVICE, "username": key_name(settings.profile)}))
    assert len(items) == 1
    assert len(base64.b64decode(items[0].get_secret())) == 32


def test_the_cache_file_on_disk_is_ciphertext(settings: Settings) -> None:
    marker = f"RT-{uuid.uuid4().hex}"
    store = open_token_cache(settings)
    store.replace_cache(cache_state(marker))

    assert store.save()

    blob = encrypted_path(settings).read_bytes()
    assert blob.startswith(MAGIC)
    assert marker.encode() not in blob and b"RefreshToken" not in blob


def test_a_second_process_reads_the_cache(settings: Settings) -> None:
    marker = f"RT-{uuid.uuid4().hex}"
    store = open_token_cache(settings)
    store.replace_cache(cache_state(marker))
    store.save()
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from intune_tui.auth.cache import open_token_cache\n"
        "from intune_tui.config import Settings\n"
        "store = open_token_cache(Settings(profile=sys.argv[1], data_dir=Path(sys.argv[2]),"
        " keyring_timeout=5.0))\n"
        "found = sys.argv[3] in store.cache.serialize()\n"
        "print(store.mode.value, 'found' if found else 'missing', store.notice or '')\n"
    )

    answer = subprocess.run(
        [sys.executable, "-c", script, settings.profile, str(settings.data_dir), marker],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )

    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.split()[:2] == ["encrypted", "found"], answer.stdout


def test_zz_a_locked_collection_means_memory_only_with_its_notice_in_time(
    settings: Settings,
) -> None:
    """Last in the file: the collection stays locked (unlocking needs a prompt)."""
    import secretstorage

    collection = secretstorage.get_default_collection(secretstorage.dbus_init())
    collection.lock()
    assert collection.is_locked()
    short = Settings(profile=settings.profile, data_dir=settings.data_dir,
                     log_dir=settings.log_dir, config_path=settings.config_path,
                     keyring_timeout=2.0)

    started = time.monotonic()
    store = open_token_cache(short)
    waited = time.monotonic() - started

    assert waited < short.keyring_timeout + 0.5
    assert store.mode is CacheMode.MEMORY
    assert "memory only" in (store.notice or "") and "keyring" in (store.notice or "")
    assert not encrypted_path(short).exists()
