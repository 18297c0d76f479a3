"""`intune-tui login / whoami / logout` end to end against the fake Entra (real msal)."""

from __future__ import annotations

import _thread
import re
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from intune_tui.auth import commands
from intune_tui.auth.cache import encrypted_path
from intune_tui.auth.keystore import KEYRING_SERVICE, key_name
from intune_tui.config import Settings

from .conftest import CONTOSO_ID, HELPDESK, MemoryKeyring
from .fake_entra import FakeEntra, unsigned_jwt


@pytest.fixture
def ssh_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_CONNECTION", "192.0.2.10 50022 192.0.2.20 22")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def test_login_whoami_logout(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    ssh_session: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(auth_mode="auto")

    assert commands.login(settings, http_client=http_client) == 0
    out = capsys.readouterr().out
    assert "with a device code: this is an SSH session" in out
    assert "https://microsoft.com/devicelogin" in out
    user_code = next(line.split()[-1] for line in out.splitlines() if "Code:" in line)
    assert len(user_code) == 9
    assert f"Signed in as {HELPDESK.upn} to tenant {CONTOSO_ID}" in out
    assert str(encrypted_path(settings)) in out

    assert commands.whoami(settings) == 0
    who = capsys.readouterr().out
    assert HELPDESK.upn in who and CONTOSO_ID in who and "contoso.onmicrosoft.com" in who
    assert "DeviceManagementRBAC.Read.All" in who and "PrivilegedOperations" not in who
    assert re.search(r"Token: +expires \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 5\d min\)", who)
    assert str(encrypted_path(settings)) in who and "encrypted" in who
    assert "global" in who
    for secret in entra.issued_secrets:
        assert secret not in out + who

    assert commands.logout(settings) == 0
    bye = capsys.readouterr().out
    assert f"Signed out of profile contoso: {HELPDESK.upn}" in bye
    assert not encrypted_path(settings).exists()
    assert (KEYRING_SERVICE, key_name("contoso")) not in memory_keyring.passwords

    assert commands.whoami(settings) == 1
    assert "Not signed in" in capsys.readouterr().out


def test_logout_deletes_the_profiles_list_snapshots_and_no_others(
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from intune_tui.snapshot import SnapshotPlace, write_snapshot
    from intune_tui.snapshot_files import snapshots_folder

    settings = make_settings()
    mine = snapshots_folder(settings.data_dir, "contoso")
    theirs = snapshots_folder(settings.data_dir, "northwind")
    for folder, profile in ((mine, "contoso"), (theirs, "northwind")):
        write_snapshot(SnapshotPlace(folder, profile, "tenant"), bytes(32), "devices",
                       b"rows", now=1_800_000_000)
    assert commands.logout(settings) == 0
    assert f"Deleted {mine}" in capsys.readouterr().out
    assert not mine.exists() and (theirs / "devices.bin").exists()


def test_login_without_client_id_explains_registration(
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commands.login(make_settings(client_id=None)) == 2
    err = capsys.readouterr().err
    assert "No client ID" in err and "Allow public client flows" in err
    assert 'client_id = "graph-powershell"' in err


def test_login_blocked_device_code_prints_the_alternatives(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entra.device_code_answer = "blocked"

    assert commands.login(make_settings(), http_client=http_client) == 1
    err = capsys.readouterr().err
    assert "device code" in err and "AADSTS53003" in err
    assert "ssh -L" in err and "INTUNE_TUI_ACCESS_TOKEN" in err


def test_login_needing_admin_consent_says_what_the_admin_does(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entra.device_code_answer = "admin_consent"

    assert commands.login(make_settings(), http_client=http_client) == 1
    assert "Grant admin consent" in capsys.readouterr().err


def test_ctrl_c_cancels_the_login(
    request: pytest.FixtureRequest,
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entra.device_code_answer = "never"
    entra.interval = 1
    # Ctrl-C raises KeyboardInterrupt even where the runner was started with SIGINT ignored (a
    # backgrounded shell): interrupt_main() does nothing then, and the login would wait forever.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    request.addfinalizer(lambda: signal.signal(signal.SIGINT, previous))

    def press_ctrl_c() -> None:
        entra.first_poll.wait(10)
        _thread.interrupt_main()

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    assert commands.login(make_settings(), http_client=http_client) == 130
    assert "cancelled" in capsys.readouterr().err


def test_browser_login_prints_the_address_and_the_port_forward(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(auth_mode="browser")

    assert commands.login(settings, http_client=http_client, open_browser=entra.browser()) == 0
    out = capsys.readouterr().out
    assert "Your browser was opened" in out and "ssh -L" in out
    assert f"Signed in as {HELPDESK.upn}" in out


def test_whoami_with_a_given_token_never_prints_it(
    make_settings: Callable[..., Settings], capsys: pytest.CaptureFixture[str]
) -> None:
    token = unsigned_jwt(
        {"upn": "ops@contoso.com", "tid": CONTOSO_ID, "scp": "B.Read.All A.Read.All", "exp": 1}
    )

    assert commands.whoami(make_settings(access_token=token), now=lambda: 1000.0) == 0
    out = capsys.readouterr().out
    assert token not in out
    assert "INTUNE_TUI_ACCESS_TOKEN" in out and "ops@contoso.com" in out
    assert "A.Read.All, B.Read.All" in out and "expired at 1970-01-01 00:00 UTC" in out


def test_logout_of_a_profile_that_was_never_signed_in(
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commands.logout(make_settings()) == 0
    assert "had no saved sign-in" in capsys.readouterr().out
    assert memory_keyring.passwords == {}  # logout does not create a key to delete it


def test_whoami_without_keyring_explains_memory_only(
    make_settings: Callable[..., Settings],
    no_keyring: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commands.whoami(make_settings()) == 1
    captured = capsys.readouterr()
    assert "memory only" in captured.err and "Not signed in" in captured.out
    assert not Path(make_settings().data_dir, "tokens").exists()
