"""make_token_provider: a given token, a token command, or MSAL with the app's sign-in screen."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from intune_tui.auth.errors import (
    ClientIdMissing,
    ConsentRequired,
    SignInRequired,
    TokenCommandFailed,
)
from intune_tui.auth.flows import DeviceCodeFlow, PendingSignIn, SignInState
from intune_tui.auth.provider import (
    CommandTokenProvider,
    MsalTokenProvider,
    make_token_provider,
)
from intune_tui.config import Settings
from intune_tui.graph.tokens import StaticTokenProvider, TokenProvider, token_claims
from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS

from .conftest import CONTOSO_ID, HELPDESK, HangingKeyring, MemoryKeyring
from .fake_entra import FakeEntra, unsigned_jwt


class RecordingInteraction:
    """The UI side: remembers what it was shown; optionally cancels like Esc would."""

    def __init__(self, *, cancel: bool = False) -> None:
        self.shown: list[PendingSignIn] = []
        self.cancel = cancel
        self.thread_ids: list[int] = []

    def sign_in_started(self, pending: PendingSignIn) -> None:
        self.shown.append(pending)
        self.thread_ids.append(threading.get_ident())
        if self.cancel:
            pending.cancel()


def msal_provider(
    settings: Settings, http_client: httpx.Client, interaction: Any = None
) -> MsalTokenProvider:
    provider = make_token_provider(settings, interaction=interaction, http_client=http_client)
    assert isinstance(provider, MsalTokenProvider)
    return provider


def test_a_given_token_wins(make_settings: Callable[..., Settings]) -> None:
    provider = make_token_provider(
        make_settings(access_token="abc.def.ghi", access_token_command="x")
    )

    assert isinstance(provider, StaticTokenProvider)


def test_a_token_command_is_used_when_no_token_is_given(
    make_settings: Callable[..., Settings],
) -> None:
    provider = make_token_provider(make_settings(access_token_command="get-token --graph"))

    assert isinstance(provider, CommandTokenProvider)
    assert isinstance(provider, TokenProvider)
    assert "get-token" in repr(provider)


def test_msal_without_client_id_fails_at_once_with_the_steps(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(ClientIdMissing) as caught:
        make_token_provider(make_settings(client_id=None))

    assert "App registrations" in caught.value.explain()


# --- the token command ----------------------------------------------------------------------------


def token_script(tmp_path: Path, body: str) -> str:
    script = tmp_path / "get_token.py"
    script.write_text(body)
    return f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}"


def counting_script(tmp_path: Path, exp_offset: int) -> tuple[str, Path]:
    runs = tmp_path / "runs.txt"
    body = f"""
import base64, json, time, pathlib
p = pathlib.Path({str(runs)!r})
p.write_text(p.read_text() + "x" if p.exists() else "x")
def part(d): return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
n = len(p.read_text())
claims = {{"exp": int(time.time()) + {exp_offset}, "n": n}}
print(part({{"alg": "none"}}) + "." + part(claims) + ".sig")
"""
    return token_script(tmp_path, body), runs


async def test_the_command_runs_once_while_its_token_is_valid(tmp_path: Path) -> None:
    command, runs = counting_script(tmp_path, exp_offset=3600)
    provider = CommandTokenProvider(command)

    first = await provider.get_token()
    second = await provider.get_token()

    assert first == second and runs.read_text() == "x"
    assert token_claims(first)["n"] == 1


async def test_the_command_runs_again_near_expiry_and_on_force_refresh(tmp_path: Path) -> None:
    command, runs = counting_script(tmp_path, exp_offset=3600)
    clock = [time.time()]
    provider = CommandTokenProvider(command, clock=lambda: clock[0])
    await provider.get_token()

    await provider.get_token(force_refresh=True)
    assert runs.read_text() == "xx"
    clock[0] += 3600 - 60  # within the refresh margin of `exp`
    third = await provider.get_token()
    assert runs.read_text() == "xxx" and token_claims(third)["n"] == 3


async def test_json_output_like_az_account_get_access_token(tmp_path: Path) -> None:
    token = unsigned_jwt({"upn": "a@b.c"})
    command = token_script(
        tmp_path, f"print({json.dumps(json.dumps({'accessToken': token, 'expiresOn': 'x'}))})"
    )

    assert await CommandTokenProvider(command).get_token() == token


async def test_a_failing_command_says_why_without_echoing_secrets(tmp_path: Path) -> None:
    leaked = unsigned_jwt({"upn": "secret@x"})
    command = token_script(
        tmp_path, f"import sys; print('bad: {leaked}', file=sys.stderr); sys.exit(3)"
    )

    with pytest.raises(TokenCommandFailed) as caught:
        await CommandTokenProvider(command).get_token()

    assert "exited with status 3" in str(caught.value)
    assert leaked not in str(caught.value) and "<redacted>" in str(caught.value)


async def test_a_command_printing_nothing_or_hanging_or_missing(tmp_path: Path) -> None:
    with pytest.raises(TokenCommandFailed, match="printed no access token"):
        await CommandTokenProvider(token_script(tmp_path, "print('')")).get_token()
    with pytest.raises(TokenCommandFailed, match=r"did not finish within 0\.5 s"):
        await CommandTokenProvider(
            token_script(tmp_path, "import time; time.sleep(30)"), timeout=0.5
        ).get_token()
    with pytest.raises(TokenCommandFailed, match="was not found"):
        await CommandTokenProvider("/nonexistent/get-token").get_token()


# --- MSAL ---------------------------------------------------------------------------------------


async def test_first_use_signs_in_through_the_ui_then_stays_silent(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    interaction = RecordingInteraction()
    provider = msal_provider(make_settings(), http_client, interaction)

    assert await provider.prepare() is None
    token = await provider.get_token()
    again = await provider.get_token()

    assert token == again
    assert len(interaction.shown) == 1
    flow = interaction.shown[0]
    assert isinstance(flow, DeviceCodeFlow)
    assert flow.outcome is not None and flow.outcome.state is SignInState.SIGNED_IN
    assert interaction.thread_ids == [threading.get_ident()]  # called on the awaiting loop
    assert token_claims(token)["upn"] == HELPDESK.upn
    assert (await provider.account()).username == HELPDESK.upn  # type: ignore[union-attr]
    assert token not in repr(provider) and token not in repr(provider.last_token)


async def test_without_a_ui_a_missing_sign_in_is_an_error_not_a_prompt(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    provider = msal_provider(make_settings(), http_client)

    with pytest.raises(SignInRequired, match="Not signed in to profile 'contoso'"):
        await provider.get_token()
    assert entra.requests == []  # known from the cache alone, without going to the network


async def test_privileged_operations_are_asked_for_only_when_needed(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    interaction = RecordingInteraction()
    provider = msal_provider(make_settings(), http_client, interaction)
    read_token = await provider.get_token()
    assert PRIVILEGED_OPERATIONS not in token_claims(read_token)["scp"]

    privileged = await provider.get_token(scopes=[PRIVILEGED_OPERATIONS])

    assert PRIVILEGED_OPERATIONS in token_claims(privileged)["scp"].split()
    assert len(interaction.shown) == 2  # sign-in, then the consent for the new scope
    refreshes = entra.token_requests("refresh_token")
    assert len(refreshes) == 1 and PRIVILEGED_OPERATIONS in refreshes[0].form["scope"]
    assert await provider.get_token(scopes=[PRIVILEGED_OPERATIONS]) == privileged


async def test_consent_refused_without_a_ui_names_the_admin_steps(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    await msal_provider(settings, http_client, RecordingInteraction()).get_token()
    headless = msal_provider(settings, http_client)

    with pytest.raises(ConsentRequired) as caught:
        await headless.get_token(scopes=[PRIVILEGED_OPERATIONS])

    assert "Grant admin consent" in caught.value.explain()


async def test_claims_challenge_gets_a_new_token(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    provider = msal_provider(make_settings(), http_client, RecordingInteraction())
    first = await provider.get_token()
    challenge = json.dumps({"access_token": {"acrs": {"essential": True, "value": "c1"}}})

    second = await provider.get_token(claims_challenge=challenge)

    assert second != first
    assert "acrs" in entra.token_requests("refresh_token")[-1].form["claims"]


async def test_force_refresh_skips_the_cached_token(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    provider = msal_provider(make_settings(), http_client, RecordingInteraction())
    first = await provider.get_token()

    assert await provider.get_token(force_refresh=True) != first


async def test_esc_in_the_ui_cancels_the_sign_in(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    entra.device_code_answer = "never"
    entra.interval = 1
    provider = msal_provider(make_settings(), http_client, RecordingInteraction(cancel=True))

    with pytest.raises(Exception, match="cancelled"):
        await provider.get_token()


async def test_a_cancelled_caller_stops_the_device_code_polling(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    entra.device_code_answer = "never"
    entra.interval = 1
    interaction = RecordingInteraction()
    provider = msal_provider(make_settings(), http_client, interaction)
    task = asyncio.create_task(provider.get_token())
    await asyncio.to_thread(entra.first_poll.wait, 10)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    flow = interaction.shown[0]
    assert flow.cancelled
    outcome = await asyncio.to_thread(flow.wait, 10)
    assert outcome is not None and outcome.state is SignInState.CANCELLED


async def test_no_keyring_signs_in_for_this_session_only_and_says_so(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    no_keyring: Any,
) -> None:
    settings = make_settings()
    provider = msal_provider(settings, http_client, RecordingInteraction())

    notice = await provider.prepare()
    await provider.get_token()

    assert notice is not None and "memory only" in notice
    assert (
        not any(Path(settings.data_dir).rglob("*.*")) if Path(settings.data_dir).exists() else True
    )
    with pytest.raises(SignInRequired):  # the next process starts signed out
        await msal_provider(settings, http_client).get_token()


async def test_a_hanging_keyring_does_not_hang_the_app(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    use_keyring: Callable[[Any], Any],
) -> None:
    use_keyring(HangingKeyring())
    provider = msal_provider(
        make_settings(keyring_timeout=0.2), http_client, RecordingInteraction()
    )

    notice = await provider.prepare()
    token = await provider.get_token()

    assert "did not answer within 0.2 s" in (notice or "")
    assert token_claims(token)["upn"] == HELPDESK.upn


async def test_the_signed_in_tenant_is_the_cached_accounts(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    provider = msal_provider(settings, http_client, RecordingInteraction())
    assert provider.signed_in_tenant() is None  # never signed in
    await provider.get_token()
    assert provider.signed_in_tenant() == CONTOSO_ID
    assert msal_provider(settings, http_client).signed_in_tenant() == CONTOSO_ID  # next start


async def test_sign_out_forgets_the_account_and_deletes_the_cache(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: Callable[..., Settings],
    memory_keyring: MemoryKeyring,
) -> None:
    from intune_tui.snapshot import SnapshotPlace, write_snapshot
    from intune_tui.snapshot_files import snapshots_folder

    settings = make_settings()
    provider = msal_provider(settings, http_client, RecordingInteraction())
    await provider.get_token()
    snapshots = snapshots_folder(settings.data_dir, settings.profile)
    write_snapshot(SnapshotPlace(snapshots, settings.profile, "contoso.onmicrosoft.com"),
                   bytes(32), "devices", b"rows", now=1_800_000_000)

    assert await provider.sign_out() == [HELPDESK.upn]

    assert memory_keyring.passwords == {}
    assert not list((Path(settings.data_dir) / "tokens").glob("*.bin"))
    assert not snapshots.exists()  # the list snapshots go with the sign-in
    with pytest.raises(SignInRequired):
        await msal_provider(settings, http_client).get_token()
