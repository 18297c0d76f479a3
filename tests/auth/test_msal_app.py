"""Real msal against the fake Entra on loopback HTTPS: device code, silent, refresh, consent,
claims challenge, browser sign-in, cancellation, tenant switch."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from intune_tui.auth.cache import decrypt, encrypted_path, open_token_cache
from intune_tui.auth.errors import (
    AppRegistrationError,
    ConsentRequired,
    DeviceCodeBlocked,
    SignInCancelled,
    SignInRequired,
    TenantError,
)
from intune_tui.auth.flows import SignInState
from intune_tui.auth.keystore import KEYRING_SERVICE, key_name
from intune_tui.auth.msal_app import MsalSession, sign_in_scopes
from intune_tui.config import Settings
from intune_tui.graph.tokens import token_claims
from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS, READ_SCOPES

from .conftest import CONTOSO_ID, HELPDESK, NORTHWIND_ID, PARTNER, MemoryKeyring
from .fake_entra import FakeEntra

SettingsFactory = Callable[..., Settings]


def start(settings: Settings, http_client: httpx.Client, **kwargs: Any) -> MsalSession:
    """What a fresh intune-tui process does: open the cache from disk, build the session."""
    return MsalSession(settings, open_token_cache(settings), http_client=http_client, **kwargs)


def device_code_login(session: MsalSession, settings: Settings, extra: list[str] | None = None):
    flow = session.start_device_code(sign_in_scopes(settings, extra))
    return flow, session.complete_device_code(flow)


def test_device_code_login_signs_in_and_saves_the_account_encrypted(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    session = start(settings, http_client)

    flow, token = device_code_login(session, settings)

    assert flow.verification_uri == "https://microsoft.com/devicelogin"
    assert len(flow.user_code) == 9 and flow.user_code in flow.message
    assert flow.outcome is not None and flow.outcome.state is SignInState.SIGNED_IN
    assert token.username == HELPDESK.upn
    claims = token_claims(token.token)
    assert claims["tid"] == CONTOSO_ID
    assert set(claims["scp"].split()) == set(READ_SCOPES)
    account = session.account()
    assert account is not None and account.username == HELPDESK.upn
    assert account.tenant_id == CONTOSO_ID
    # The device code request asked for exactly the read scopes, fully qualified.
    asked = next(r for r in entra.requests if r.path.endswith("/devicecode")).form["scope"]
    assert "https://graph.microsoft.com/DeviceManagementManagedDevices.Read.All" in asked.split()
    assert PRIVILEGED_OPERATIONS not in asked
    # Saved encrypted, under the key this profile has in the keyring.
    blob = encrypted_path(settings).read_bytes()
    assert token.token.encode() not in blob
    key = memory_keyring.passwords[(KEYRING_SERVICE, key_name("contoso"))]
    assert len(key) == 44


def test_second_start_signs_in_silently_from_the_cache_without_asking_entra(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    _, first = device_code_login(start(settings, http_client), settings)
    token_calls = len(entra.token_requests())

    second = start(settings, http_client).acquire_silent(sign_in_scopes(settings))

    assert second.token == first.token
    assert second.source == "cache"
    assert len(entra.token_requests()) == token_calls


def test_an_expiring_token_is_refreshed_with_the_refresh_token(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    entra.access_token_lifetime = 120  # MSAL renews anything with less than 5 minutes left
    _, first = device_code_login(start(settings, http_client), settings)
    entra.access_token_lifetime = 3600

    renewed = start(settings, http_client).acquire_silent(sign_in_scopes(settings))

    assert renewed.token != first.token
    assert renewed.source == "identity_provider"
    assert len(entra.token_requests("refresh_token")) == 1
    # And the renewed token was saved: a third start uses it without asking Entra.
    third = start(settings, http_client).acquire_silent(sign_in_scopes(settings))
    assert third.token == renewed.token
    assert len(entra.token_requests("refresh_token")) == 1


def test_a_revoked_refresh_token_means_sign_in_again(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    device_code_login(start(settings, http_client), settings)
    entra.revoke_refresh_tokens()

    with pytest.raises(SignInRequired) as caught:
        start(settings, http_client).acquire_silent(sign_in_scopes(settings), force_refresh=True)

    assert caught.value.interaction_may_help
    assert "intune-tui login --profile contoso" in caught.value.explain()


def test_claims_challenge_skips_the_cached_token_and_sends_claims_with_cp1(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    session = start(settings, http_client)
    _, first = device_code_login(session, settings)
    challenge = json.dumps({"access_token": {"nbf": {"essential": True, "value": "1700000000"}}})

    renewed = session.acquire_silent(sign_in_scopes(settings), claims_challenge=challenge)

    assert renewed.token != first.token
    sent = json.loads(entra.token_requests("refresh_token")[-1].form["claims"])
    assert sent["access_token"]["nbf"] == {"essential": True, "value": "1700000000"}
    assert sent["access_token"]["xms_cc"] == {"values": ["CP1"]}
    assert token_claims(renewed.token)["xms_cc"] == ["CP1"]


def test_privileged_scope_needs_consent_then_an_interactive_sign_in_grants_it(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    session = start(settings, http_client)
    device_code_login(session, settings)
    privileged = sign_in_scopes(settings, [PRIVILEGED_OPERATIONS])

    with pytest.raises(ConsentRequired) as caught:
        session.acquire_silent(privileged)
    assert caught.value.interaction_may_help and not caught.value.admin_required
    assert "Grant admin consent" in caught.value.explain()
    assert PRIVILEGED_OPERATIONS in str(caught.value)

    flow = session.start_device_code(privileged)
    token = session.complete_device_code(flow)
    assert PRIVILEGED_OPERATIONS in token_claims(token.token)["scp"].split()
    # From now on silent works for it, and the read scopes still come from the same grant.
    assert session.acquire_silent(privileged).source == "cache"
    assert session.acquire_silent(sign_in_scopes(settings)).source == "cache"


def test_admin_consent_required_explains_what_the_administrator_must_do(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    entra.device_code_answer = "admin_consent"
    session = start(settings, http_client)
    flow = session.start_device_code(sign_in_scopes(settings))

    with pytest.raises(ConsentRequired) as caught:
        session.complete_device_code(flow)

    error = caught.value
    assert error.admin_required and error.code == "AADSTS90094"
    text = error.explain()
    assert "administrator" in text and "Grant admin consent" in text
    assert "DeviceManagementRBAC.Read.All" in text
    assert flow.outcome is not None and flow.outcome.state is SignInState.FAILED


def test_device_code_blocked_by_conditional_access_offers_other_ways(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    entra.device_code_answer = "blocked"
    session = start(settings, http_client)
    flow = session.start_device_code(sign_in_scopes(settings))

    with pytest.raises(DeviceCodeBlocked) as caught:
        session.complete_device_code(flow)

    text = caught.value.explain()
    assert "AADSTS53003" in text
    assert "ssh -L" in text and "INTUNE_TUI_ACCESS_TOKEN" in text and "auth_mode" in text
    assert "c0ffee00-0000-0000-0000-000000000001" in text  # correlation id for the admin
    assert flow.outcome is not None and "device code" in flow.outcome.message


def test_cancelling_a_device_code_flow_stops_polling(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    entra.device_code_answer = "never"
    entra.interval = 1
    session = start(settings, http_client)
    flow = session.start_device_code(sign_in_scopes(settings))
    threading.Thread(target=lambda: (entra.first_poll.wait(10), flow.cancel()), daemon=True).start()

    with pytest.raises(SignInCancelled):
        session.complete_device_code(flow)

    assert flow.cancelled
    assert flow.outcome is not None and flow.outcome.state is SignInState.CANCELLED
    polls = len(entra.token_requests())
    assert polls >= 1
    assert session.account() is None


def test_browser_sign_in_uses_pkce_form_post_and_the_opener_we_chose(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings(auth_mode="browser")
    opened: list[str] = []
    browser = entra.browser()

    def open_url(url: str) -> bool:
        opened.append(url)
        return browser(url)

    session = start(settings, http_client, open_browser=open_url)
    sign_in = session.start_browser(sign_in_scopes(settings))
    token = session.complete_browser(sign_in)

    assert sign_in.browser_opened and opened == [sign_in.auth_url]
    assert f"ssh -L {sign_in.port}:127.0.0.1:{sign_in.port}" in sign_in.forward_hint
    assert token.username == HELPDESK.upn
    assert entra.token_requests("authorization_code")[0].form["code_verifier"]
    assert sign_in.outcome is not None and sign_in.outcome.ok


def test_browser_sign_in_without_a_browser_can_be_cancelled(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings(auth_mode="browser")
    session = start(settings, http_client, open_browser=lambda url: False)
    sign_in = session.start_browser(sign_in_scopes(settings))
    assert not sign_in.browser_opened
    threading.Timer(0.3, sign_in.cancel).start()

    with pytest.raises(SignInCancelled):
        session.complete_browser(sign_in)

    with pytest.raises(httpx.ConnectError):  # the localhost listener is gone
        httpx.post(f"http://127.0.0.1:{sign_in.port}/", data={"code": "x"}, timeout=2)


def test_two_profiles_for_two_tenants_keep_their_caches_apart(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    contoso = make_settings()
    northwind = make_settings(profile="northwind", tenant="northwind.onmicrosoft.com")
    _, contoso_token = device_code_login(start(contoso, http_client), contoso)
    _, northwind_token = device_code_login(start(northwind, http_client), northwind)

    assert token_claims(contoso_token.token)["tid"] == CONTOSO_ID
    assert token_claims(northwind_token.token)["tid"] == NORTHWIND_ID
    assert northwind_token.username == PARTNER.upn  # the partner's guest account
    assert start(northwind, http_client).account().tenant_id == NORTHWIND_ID
    # Each profile's file holds only its own account and tokens.
    for settings, own, other in (
        (contoso, contoso_token, northwind_token),
        (northwind, northwind_token, contoso_token),
    ):
        key = base64.b64decode(
            memory_keyring.passwords[(KEYRING_SERVICE, key_name(settings.profile))]
        )
        text = decrypt(key, settings.profile, encrypted_path(settings).read_bytes()).decode()
        assert own.token in text and other.token not in text
        assert (other.username or "") not in text
    # A third profile for northwind signs in on its own, never with contoso's cache.
    fresh = make_settings(profile="northwind-2", tenant="northwind.onmicrosoft.com")
    with pytest.raises(SignInRequired):
        start(fresh, http_client).acquire_silent(sign_in_scopes(fresh))


def test_unknown_client_id_and_unknown_tenant_are_explained(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
) -> None:
    settings = make_settings()
    entra.unknown_client = True
    with pytest.raises(AppRegistrationError) as caught:
        start(settings, http_client).start_device_code(sign_in_scopes(settings))
    assert "not registered" in str(caught.value) and settings.client_id in str(caught.value)

    wrong = make_settings(profile="typo", tenant="nowhere.onmicrosoft.com")
    with pytest.raises(TenantError) as caught_tenant:
        start(wrong, http_client).start_device_code(sign_in_scopes(wrong))
    assert "AADSTS90002" in str(caught_tenant.value)


def test_a_cache_that_cannot_be_saved_does_not_fail_the_sign_in(
    entra: FakeEntra,
    http_client: httpx.Client,
    make_settings: SettingsFactory,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings()
    session = start(settings, http_client)

    def disk_full() -> bool:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session.store, "save", disk_full)
    _, token = device_code_login(session, settings)

    assert token.username == HELPDESK.upn
    assert "not saved: No space left on device" in caplog.text
    assert token.token not in caplog.text
