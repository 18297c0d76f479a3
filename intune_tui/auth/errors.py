"""Sign-in failures as exceptions a helpdesk user can act on.

`str(error)` is one sentence; `error.explain()` adds what to do about it (registration steps,
other ways to sign in). Entra's answers are classified by their AADSTS codes (`error_codes`) and
`suberror`, not by their wording, which Microsoft changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intune_tui.config import GRAPH_POWERSHELL_ALIAS, GRAPH_POWERSHELL_CLIENT_ID, Settings
from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS, READ_SCOPES
from intune_tui.text import clean, truncate


class AuthError(Exception):
    """A sign-in problem. `str()` is one sentence; `help` holds the steps to fix it.

    interaction_may_help: an interactive sign-in (device code or browser) could fix it, so a
    provider with a UI may try one instead of failing.
    """

    def __init__(
        self,
        message: str,
        *,
        help: str = "",
        code: str | None = None,
        interaction_may_help: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.help = help
        self.code = code
        self.interaction_may_help = interaction_may_help

    def __str__(self) -> str:
        return self.message

    def explain(self) -> str:
        """The sentence, then what to do (several lines), ready for a terminal or a modal."""
        return f"{self.message}\n{self.help}" if self.help else self.message


class ClientIdMissing(AuthError):
    """No app registration is configured for the profile."""


class SignInRequired(AuthError):
    """Nothing usable in the token cache: the user must sign in (again)."""


class SignInCancelled(AuthError):
    """The user cancelled (Esc, Ctrl-C) or declined the sign-in."""


class SignInTimedOut(AuthError):
    """The device code or the browser sign-in expired before it was finished."""


class DeviceCodeBlocked(AuthError):
    """Conditional Access refuses the device code flow (or remote-device sign-in) here."""


class AccessBlocked(AuthError):
    """Conditional Access blocked the sign-in (not specifically the device code flow)."""


class ConsentRequired(AuthError):
    """The app lacks consent for a permission; `admin_required` when only an admin can grant it."""

    def __init__(self, message: str, *, admin_required: bool, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.admin_required = admin_required


class AppRegistrationError(AuthError):
    """The app registration is missing, wrong, or not set up for public client sign-in."""


class TenantError(AuthError):
    """The tenant is unknown, or the account has no access to it (partner / guest setup)."""


class SignInFailed(AuthError):
    """Any other refusal from Entra, with its code and correlation id for support."""


class TokenCommandFailed(AuthError):
    """access_token_command failed or printed no token."""


# --- help texts ------------------------------------------------------------------------------

ALL_PERMISSIONS: tuple[str, ...] = (*READ_SCOPES, PRIVILEGED_OPERATIONS)


def registration_steps(profile: str, config_path: object = "the config file") -> str:
    """How an administrator registers the public client app intune-tui signs in with."""
    permissions = ", ".join(READ_SCOPES)
    return "\n".join(
        (
            "Register an app once per organization (an administrator, or a user allowed to "
            "register applications):",
            "  1. Entra admin center > App registrations > New registration. Name: intune-tui. "
            "Account types: this directory only (multitenant for partners managing customers).",
            "  2. Redirect URI: platform 'Public client/native (mobile & desktop)', "
            "value http://localhost",
            "  3. Authentication > Allow public client flows: Yes (device code sign-in needs it).",
            "  4. API permissions > Add a permission > Microsoft Graph > Delegated: "
            f"{permissions}; "
            f"for remote actions also {PRIVILEGED_OPERATIONS}. Then 'Grant admin consent' (every "
            "Intune permission needs administrator consent).",
            f"  5. Put the Application (client) ID in {config_path} under [profiles.{profile}] "
            'as client_id = "<id>", or set INTUNE_TUI_CLIENT_ID.',
            "Or opt in to Microsoft's 'Microsoft Graph Command Line Tools' app (used by Graph "
            f"PowerShell, {GRAPH_POWERSHELL_CLIENT_ID}) with client_id = "
            f'"{GRAPH_POWERSHELL_ALIAS}". Tenants may block or restrict that app, and an '
            "administrator must still consent to the Intune permissions.",
        )
    )


def consent_steps(scopes: Iterable[str]) -> str:
    names = ", ".join(_short_scope(scope) for scope in scopes) or "the Intune permissions"
    return "\n".join(
        (
            "An administrator of this tenant must grant consent once:",
            "  Entra admin center > App registrations (or Enterprise applications) > the app "
            f"intune-tui signs in with > API permissions > add the delegated Microsoft Graph "
            f"permission(s) {names} > 'Grant admin consent for <tenant>'.",
            "  Partners: the app must be multitenant and consented in the customer's tenant too.",
        )
    )


DEVICE_CODE_ALTERNATIVES = "\n".join(
    (
        "Other ways to sign in:",
        '  - Browser sign-in through a forwarded port: set auth_mode = "browser" '
        "(or INTUNE_TUI_AUTH_MODE=browser) and run intune-tui login. It prints a localhost port "
        "and an address; on your own computer run ssh -L PORT:127.0.0.1:PORT <this host>, then "
        "open the address in your browser there.",
        "  - Run intune-tui on a computer with a browser (your workstation); browser sign-in is "
        "used there automatically.",
        "  - Bring a token obtained elsewhere: INTUNE_TUI_ACCESS_TOKEN=<token>, or "
        'access_token_command = "<a command that prints a Graph token>" in the profile\'s '
        "[profiles.NAME] table (or --access-token-command).",
    )
)


# --- classifying Entra's answers -----------------------------------------------------------------

_AADSTS = re.compile(r"AADSTS(\d+)")

_DEVICE_OR_CA_BLOCK = {53003, 530033, 530032, 53000, 53001, 50097}
_CONSENT = {65001}
_ADMIN_CONSENT = {90094, 900941, 90095, 90099}
_PUBLIC_CLIENT_DISABLED = {7000218}
_APP_NOT_FOUND = {700016}
_REDIRECT_MISMATCH = {50011, 500113}
_APP_DISABLED = {7000112}
_USER_NOT_ASSIGNED = {50105}
_NOT_IN_TENANT = {50020, 50177}
_TENANT_NOT_FOUND = {90002, 900023, 50059}
_INTERACTION = {50076, 50079, 50072, 50074, 50158, 50199, 50125, 50055, 50133}
_SIGN_IN_AGAIN = {700082, 70043, 700084, 50173, 50132, 70008, 700081, 50078}


@dataclass(frozen=True)
class EntraError:
    """The fields of an OAuth error answer that matter for classification and support."""

    error: str
    description: str
    codes: tuple[int, ...]
    suberror: str
    correlation_id: str

    @property
    def code(self) -> str | None:
        return f"AADSTS{self.codes[0]}" if self.codes else None

    def first_line(self) -> str:
        line = self.description.splitlines()[0] if self.description else self.error
        return truncate(clean(line), 300)

    def reference(self) -> str:
        """A line support can search the sign-in logs with."""
        parts = [part for part in (self.code, self.error) if part]
        if self.correlation_id:
            parts.append(f"correlation id {self.correlation_id}")
        return "Entra: " + ", ".join(parts) if parts else ""


def parse_entra_error(result: Mapping[str, Any]) -> EntraError:
    description = str(result.get("error_description") or "")
    codes: list[int] = []
    for value in result.get("error_codes") or ():
        try:
            codes.append(int(value))
        except (TypeError, ValueError):
            continue
    if not codes:
        codes = [int(found) for found in _AADSTS.findall(description)[:1]]
    return EntraError(
        error=clean(result.get("error") or "unknown_error"),
        description=description,
        codes=tuple(codes),
        suberror=clean(result.get("suberror") or ""),
        correlation_id=clean(result.get("correlation_id") or ""),
    )


def error_from_entra(
    result: Mapping[str, Any],
    *,
    profile: str,
    tenant: str | None,
    client_id: str,
    scopes: Sequence[str] = (),
    flow: str = "silent",
) -> AuthError:
    """Turn an MSAL error dict into the AuthError a user can act on.

    flow: "silent", "device-code" or "browser" — the same code means different things: a
    Conditional Access block during a device code sign-in is the device code flow being refused.
    """
    entra = parse_entra_error(result)
    codes = set(entra.codes)
    code = entra.code
    where = f"tenant {tenant}" if tenant else "your organization"
    reference = entra.reference()

    def with_reference(text: str) -> str:
        return f"{text}\n{reference}" if reference else text

    if codes & _DEVICE_OR_CA_BLOCK:
        if flow == "device-code":
            return DeviceCodeBlocked(
                f"{where.capitalize()} does not allow signing in with a device code here "
                f"(Conditional Access, {code}).",
                help=with_reference(DEVICE_CODE_ALTERNATIVES),
                code=code,
            )
        return AccessBlocked(
            f"Conditional Access in {where} blocked this sign-in ({code}).",
            help=with_reference(
                "Your administrator's policy decides from where and how you may sign in; the "
                "sign-in logs in the Entra admin center name the policy."
            ),
            code=code,
        )
    if codes & _ADMIN_CONSENT:
        return ConsentRequired(
            f"Only an administrator can consent to the permissions intune-tui asks for ({code}).",
            help=with_reference(consent_steps(scopes)),
            code=code,
            admin_required=True,
        )
    if (
        codes & _CONSENT
        or entra.suberror == "consent_required"
        or entra.error == "consent_required"
    ):
        return ConsentRequired(
            "The app intune-tui signs in with has not been granted "
            f"{_scope_list(scopes)} in {where} ({code or entra.error}).",
            help=with_reference(consent_steps(scopes)),
            code=code,
            admin_required=False,
            interaction_may_help=flow == "silent",
        )
    if codes & _PUBLIC_CLIENT_DISABLED:
        return AppRegistrationError(
            f"The app registration {client_id} does not allow public client flows, which "
            f"sign-in from a terminal needs ({code}).",
            help=with_reference(
                "An administrator sets App registrations > the app > Authentication > "
                "Allow public client flows: Yes."
            ),
            code=code,
        )
    if codes & _APP_NOT_FOUND:
        return AppRegistrationError(
            f"The client ID {client_id} is not registered in {where} ({code}).",
            help=with_reference(
                f"Check client_id and tenant of profile {profile!r}. To manage a customer's "
                "tenant, the app must be multitenant and consented there.\n"
                + registration_steps(profile)
            ),
            code=code,
        )
    if codes & _REDIRECT_MISMATCH:
        return AppRegistrationError(
            f"The app registration {client_id} lacks the redirect URI http://localhost ({code}).",
            help=with_reference(
                "An administrator adds it under App registrations > the app > Authentication > "
                "Add a platform > Mobile and desktop applications > http://localhost."
            ),
            code=code,
        )
    if codes & _APP_DISABLED:
        return AppRegistrationError(
            f"The app {client_id} is disabled in {where} ({code}).",
            help=with_reference("An administrator can enable it under Enterprise applications."),
            code=code,
        )
    if codes & _USER_NOT_ASSIGNED:
        return AppRegistrationError(
            f"Your account is not assigned to the app intune-tui signs in with ({code}).",
            help=with_reference(
                "An administrator assigns you under Enterprise applications > the app > "
                "Users and groups."
            ),
            code=code,
        )
    if codes & _NOT_IN_TENANT:
        return TenantError(
            f"Your account is not a member or guest of {where} ({code}).",
            help=with_reference(
                "For a customer's tenant, ask its administrator to invite you as a guest (or set "
                "up a partner relationship) and give you an Intune role; sign in with that "
                "account."
            ),
            code=code,
        )
    if codes & _TENANT_NOT_FOUND:
        return TenantError(
            f"{where.capitalize()} was not found in this cloud ({code}).",
            help=with_reference(
                f"Check tenant (a domain such as contoso.onmicrosoft.com, or the tenant ID) and "
                f"cloud of profile {profile!r}."
            ),
            code=code,
        )
    if entra.error == "expired_token" or 70019 in codes:
        return SignInTimedOut(
            "The sign-in code expired before the sign-in was finished.",
            help="Start the sign-in again and enter the new code within its time limit.",
            code=code,
        )
    if entra.error in ("authorization_declined", "access_denied"):
        return SignInCancelled("The sign-in was declined in the browser.", code=code)
    if codes & (_INTERACTION | _SIGN_IN_AGAIN) or entra.error in (
        "invalid_grant",
        "interaction_required",
        "login_required",
    ):
        return SignInRequired(
            f"You need to sign in again to {where} ({code or entra.error}).",
            help=with_reference(
                f"Run intune-tui login --profile {profile}, or sign in in the app."
            ),
            code=code,
            interaction_may_help=True,
        )
    return SignInFailed(
        f"Sign-in failed: {entra.first_line()}",
        help=reference,
        code=code,
    )


def _short_scope(scope: str) -> str:
    return scope.rsplit("/", 1)[-1]


def _scope_list(scopes: Sequence[str]) -> str:
    names = [_short_scope(scope) for scope in scopes]
    if not names:
        return "the permissions it needs"
    return ("the permission " if len(names) == 1 else "the permissions ") + ", ".join(names)


def resolve_client_id(settings: Settings) -> str:
    """The application (client) ID to sign in with; ClientIdMissing (with the steps) if none."""
    client_id = (settings.client_id or "").strip()
    if client_id == GRAPH_POWERSHELL_ALIAS:
        return GRAPH_POWERSHELL_CLIENT_ID
    if not client_id:
        raise ClientIdMissing(
            f"No client ID is configured for profile {settings.profile!r}: intune-tui signs in "
            "through an app registration of your organization.",
            help=registration_steps(settings.profile, settings.config_path),
        )
    return client_id
