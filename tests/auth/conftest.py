"""Fixtures for the sign-in tests: a fake Entra on loopback HTTPS, in-memory keyrings, Settings."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from intune_tui.config import Settings

from .fake_entra import FakeEntra, FakeTenant, FakeUser

CLIENT_ID = "0b1c2d3e-0000-4000-8000-00000000c11e"
CONTOSO_ID = "11111111-2222-3333-4444-555555555555"
NORTHWIND_ID = "99999999-8888-7777-6666-555555555555"
PARTNER_HOME_ID = "77777777-0000-0000-0000-000000000007"  # a partner's own tenant
HELPDESK = FakeUser(
    "helpdesk@contoso.onmicrosoft.com", "aaaaaaaa-0000-0000-0000-000000000001", CONTOSO_ID
)
# A partner technician: a guest in the customer's tenant (northwind), home tenant elsewhere.
PARTNER = FakeUser("tech@partner.example", "bbbbbbbb-0000-0000-0000-000000000002", PARTNER_HOME_ID)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A secure-looking keyring that keeps passwords in a dict."""

    priority = 5
    viable = False  # never picked by keyring's own detection, only by set_keyring()

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class HangingKeyring(MemoryKeyring):
    """A keyring that never answers (a locked Secret Service waiting for an unlock prompt)."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.calls = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.calls += 1
        self.release.wait(60)
        return None


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


def _qualified(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


# The in-memory stand-ins play an OS store in these tests (the real one: test_secret_service.py).
STAND_IN_OS_KEYRINGS = frozenset(
    _qualified(kind) for kind in (MemoryKeyring, HangingKeyring, LockedKeyring)
)


@pytest.fixture
def use_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[keyring.backend.KeyringBackend], Any]]:
    from intune_tui.auth import keystore

    monkeypatch.setattr(keystore, "OS_KEYRING_BACKENDS",
                        keystore.OS_KEYRING_BACKENDS | STAND_IN_OS_KEYRINGS)
    previous = keyring.get_keyring()
    installed: list[keyring.backend.KeyringBackend] = []

    def install(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
        keyring.set_keyring(backend)
        installed.append(backend)
        return backend

    yield install
    for backend in installed:
        if isinstance(backend, HangingKeyring):
            backend.release.set()
    keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(use_keyring: Callable[[Any], Any]) -> MemoryKeyring:
    return use_keyring(MemoryKeyring())


@pytest.fixture
def no_keyring(use_keyring: Callable[[Any], Any]) -> keyring.backend.KeyringBackend:
    return use_keyring(keyring.backends.fail.Keyring())


@pytest.fixture
def entra() -> Iterator[FakeEntra]:
    tenants = [
        FakeTenant(CONTOSO_ID, "contoso.onmicrosoft.com", {HELPDESK.upn: HELPDESK}),
        FakeTenant(NORTHWIND_ID, "northwind.onmicrosoft.com", {PARTNER.upn: PARTNER}),
    ]
    with FakeEntra(tenants, CLIENT_ID) as fake:
        yield fake


@pytest.fixture
def http_client(entra: FakeEntra) -> Iterator[httpx.Client]:
    client = entra.http_client()
    yield client
    client.close()


@pytest.fixture
def make_settings(tmp_path: Path, entra: FakeEntra) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "profile": "contoso",
            "tenant": "contoso.onmicrosoft.com",
            "client_id": CLIENT_ID,
            "authority_host": entra.authority_host,
            "auth_mode": "device-code",
            "keyring_timeout": 2.0,
            "config_path": tmp_path / "config" / "config.toml",
            "data_dir": tmp_path / "data",
            "log_dir": tmp_path / "logs",
        }
        values.update(overrides)
        return Settings(**values)

    return make
