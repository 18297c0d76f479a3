"""After every sign-in flow, no access, refresh or ID token is readable anywhere on disk (log
file included, at DEBUG level) or on the terminal; only the encrypted cache holds them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from intune_tui.auth import commands
from intune_tui.auth.cache import encrypted_path
from intune_tui.auth.provider import MsalTokenProvider, make_token_provider
from intune_tui.config import Settings
from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS
from intune_tui.logs import reset_logging, setup_logging

from .conftest import MemoryKeyring
from .fake_entra import FakeEntra
from .test_provider import RecordingInteraction


@pytest.fixture
def debug_log(make_settings: Callable[..., Settings]):
    path = setup_logging(make_settings(debug=True))
    yield path
    reset_logging()


def test_no_token_reaches_the_log_files_or_the_terminal(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
    debug_log: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings()
    northwind = make_settings(
        profile="northwind", tenant="northwind.onmicrosoft.com", auth_mode="browser"
    )
    assert commands.login(settings, http_client=http_client) == 0
    assert commands.login(northwind, http_client=http_client, open_browser=entra.browser()) == 0

    async def use_the_app() -> None:
        provider = make_token_provider(
            settings, interaction=RecordingInteraction(), http_client=http_client
        )
        assert isinstance(provider, MsalTokenProvider)
        await provider.get_token()
        await provider.get_token(force_refresh=True)
        await provider.get_token(claims_challenge=json.dumps({"access_token": {"x": 1}}))
        await provider.get_token(scopes=[PRIVILEGED_OPERATIONS])

    asyncio.run(use_the_app())
    assert commands.whoami(settings) == 0
    terminal = capsys.readouterr()

    tokens = [s for s in entra.issued_secrets if s.startswith(("eyJ", "RT."))]
    assert len(tokens) >= 15  # the flows above really ran
    log_text = debug_log.read_text()
    assert "msal" in log_text and "refresh_token" in log_text  # DEBUG records were written
    cache_files = {encrypted_path(settings), encrypted_path(northwind)}
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert debug_log in written and cache_files <= set(written)
    for path in written:
        content = path.read_bytes()
        for token in tokens:
            assert token.encode() not in content, f"a token is readable in {path}"
    for token in tokens:
        assert token not in terminal.out and token not in terminal.err

    assert commands.logout(settings) == 0 and commands.logout(northwind) == 0
    assert not any(p.exists() for p in cache_files)
