"""Entra's refusals turned into sentences a helpdesk user (and their admin) can act on."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from intune_tui.auth.errors import (
    AccessBlocked,
    AppRegistrationError,
    ClientIdMissing,
    ConsentRequired,
    DeviceCodeBlocked,
    SignInCancelled,
    SignInFailed,
    SignInRequired,
    SignInTimedOut,
    TenantError,
    error_from_entra,
    parse_entra_error,
    resolve_client_id,
)
from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS, READ_SCOPES


def classify(code: int, error: str = "invalid_grant", flow: str = "silent", **extra):
    result = {
        "error": error,
        "error_description": f"AADSTS{code}: something.\r\nTrace ID: x\r\nCorrelation ID: y",
        "error_codes": [code],
        "correlation_id": "corr-123",
        **extra,
    }
    return error_from_entra(
        result,
        profile="contoso",
        tenant="contoso.onmicrosoft.com",
        client_id="client-guid",
        scopes=["https://graph.microsoft.com/" + PRIVILEGED_OPERATIONS],
        flow=flow,
    )


@pytest.mark.parametrize("code", [53003, 530033, 53000, 50097])
def test_conditional_access_during_device_code_is_the_device_code_being_blocked(code: int) -> None:
    error = classify(code, flow="device-code")

    assert isinstance(error, DeviceCodeBlocked)
    text = error.explain()
    assert f"AADSTS{code}" in text and "corr-123" in text
    assert "ssh -L PORT:127.0.0.1:PORT" in text
    assert "another" in text.lower() or "workstation" in text
    assert "INTUNE_TUI_ACCESS_TOKEN" in text


def test_conditional_access_outside_device_code_is_a_general_block() -> None:
    assert isinstance(classify(53003), AccessBlocked)


def test_consent_missing_names_the_permission_and_the_admin_steps() -> None:
    error = classify(65001, suberror="consent_required")

    assert isinstance(error, ConsentRequired) and not error.admin_required
    assert error.interaction_may_help
    assert PRIVILEGED_OPERATIONS in str(error)
    assert "Grant admin consent" in error.help and "API permissions" in error.help


@pytest.mark.parametrize("code", [90094, 900941, 90095])
def test_admin_only_consent(code: int) -> None:
    error = classify(code)

    assert isinstance(error, ConsentRequired) and error.admin_required
    assert "administrator" in str(error)
    assert not error.interaction_may_help


def test_public_client_flows_disabled_says_which_switch() -> None:
    error = classify(7000218, error="invalid_client")

    assert isinstance(error, AppRegistrationError)
    assert "Allow public client flows: Yes" in error.help


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        (700016, AppRegistrationError, "not registered"),
        (50011, AppRegistrationError, "http://localhost"),
        (50105, AppRegistrationError, "not assigned"),
        (50020, TenantError, "member or guest"),
        (90002, TenantError, "not found"),
    ],
)
def test_registration_and_tenant_problems(code: int, kind: type, words: str) -> None:
    error = classify(code)

    assert isinstance(error, kind)
    assert words in str(error)


@pytest.mark.parametrize("code", [700082, 50076, 50199, 70043])
def test_expired_or_interaction_needed_means_sign_in_again(code: int) -> None:
    error = classify(code)

    assert isinstance(error, SignInRequired) and error.interaction_may_help


def test_device_code_endings() -> None:
    assert isinstance(classify(70019, error="expired_token"), SignInTimedOut)
    assert isinstance(classify(70000, error="authorization_declined"), SignInCancelled)


def test_unknown_errors_keep_entras_first_line_and_the_correlation_id() -> None:
    error = classify(12345, error="server_error")

    assert isinstance(error, SignInFailed)
    assert "AADSTS12345: something." in str(error) and "\r" not in str(error)
    assert "corr-123" in error.help


def test_codes_are_read_from_the_description_when_error_codes_is_missing() -> None:
    parsed = parse_entra_error({"error": "invalid_grant", "error_description": "AADSTS65001: x"})

    assert parsed.codes == (65001,) and parsed.code == "AADSTS65001"


def test_missing_client_id_explains_how_to_register_one() -> None:
    settings = SimpleNamespace(profile="contoso", client_id=None,
                               config_path="/home/ann/.config/intune-tui/config.toml")

    with pytest.raises(ClientIdMissing) as caught:
        resolve_client_id(settings)  # type: ignore[arg-type]

    text = caught.value.explain()
    assert "App registrations > New registration" in text
    assert "http://localhost" in text and "Allow public client flows: Yes" in text
    for scope in (*READ_SCOPES, PRIVILEGED_OPERATIONS):
        assert scope in text
    assert "[profiles.contoso]" in text and "INTUNE_TUI_CLIENT_ID" in text
    assert "in /home/ann/.config/intune-tui/config.toml under [profiles.contoso]" in text
    assert 'client_id = "graph-powershell"' in text
    assert "14d82eec-204b-4c2f-b7e8-296a70dab67e" in text


def test_graph_powershell_is_used_only_when_asked_for_by_name() -> None:
    named = SimpleNamespace(profile="p", client_id="graph-powershell")
    own = SimpleNamespace(profile="p", client_id="0b1c2d3e-0000-4000-8000-00000000c11e")

    assert resolve_client_id(named) == "14d82eec-204b-4c2f-b7e8-296a70dab67e"  # type: ignore[arg-type]
    assert resolve_client_id(own) == "0b1c2d3e-0000-4000-8000-00000000c11e"  # type: ignore[arg-type]
