"""`intune-tui login`, `logout` and `whoami`: plain terminal output, no Textual.

Exit codes: 0 done, 1 failed (the reason is printed), 2 not configured (no client id),
130 cancelled with Ctrl-C. No token is ever printed.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from intune_tui.auth.browser import BrowserOpener, choose_sign_in_method
from intune_tui.auth.cache import forget_all, open_token_cache, remove_token_cache
from intune_tui.auth.errors import AuthError, ClientIdMissing, SignInCancelled, resolve_client_id
from intune_tui.auth.flows import BrowserSignIn, DeviceCodeFlow, PendingSignIn
from intune_tui.auth.msal_app import (
    AccessToken,
    MsalSession,
    graph_resource,
    sign_in_scopes,
    tenant_label,
)
from intune_tui.auth.provider import CommandTokenProvider
from intune_tui.graph.tokens import claimed_scopes, token_claims
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.config import Settings

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_CONFIGURED = 2
EXIT_CANCELLED = 130


def login(
    settings: Settings,
    *,
    http_client: Any | None = None,
    open_browser: BrowserOpener | None = None,
) -> int:
    """Sign in interactively (device code or browser) and save the account in the cache."""
    try:
        resolve_client_id(settings)
    except ClientIdMissing as error:
        _err(error.explain())
        return EXIT_NOT_CONFIGURED
    if settings.access_token or settings.access_token_command:
        source = "INTUNE_TUI_ACCESS_TOKEN" if settings.access_token else "access_token_command"
        _err(f"Note: {source} is set, so the app uses that token and not this sign-in.")
    store = open_token_cache(settings)
    if store.notice:
        _err(store.notice)
    session = MsalSession(settings, store, http_client=http_client, open_browser=open_browser)
    method = choose_sign_in_method(settings.auth_mode)
    print(
        f"Signing in to {tenant_label(settings)} (profile {settings.profile}) with "
        f"{'a device code' if method.method == 'device-code' else 'your browser'}: "
        f"{method.reason}."
    )
    scopes = sign_in_scopes(settings)
    try:
        if method.method == "device-code":
            flow = session.start_device_code(scopes)
            _show_device_code(flow)
            token = _wait_for(flow, session.complete_device_code)
        else:
            sign_in = session.start_browser(scopes)
            _show_browser(sign_in)
            token = _wait_for(sign_in, session.complete_browser)
    except SignInCancelled as error:
        _err(error.explain())
        return EXIT_CANCELLED
    except AuthError as error:
        _err(error.explain())
        return EXIT_FAILED
    account = session.account()
    tenant = account.tenant_id if account else tenant_label(settings)
    print(f"Signed in as {clean(token.username) or 'unknown user'} to tenant {tenant}.")
    print(f"Token cache: {store.describe()}")
    return EXIT_OK


def logout(settings: Settings) -> int:
    """Forget the profile's account: cache entries, the cache file, the keyring key."""
    store = open_token_cache(settings, create_key=False)
    usernames = [clean(name) for name in forget_all(store.cache) if name]
    removed, key_problem = remove_token_cache(settings)
    if usernames:
        print(f"Signed out of profile {settings.profile}: {', '.join(usernames)}.")
    elif removed:
        print(f"Signed out of profile {settings.profile}.")
    else:
        print(f"Profile {settings.profile} had no saved sign-in.")
    for path in removed:
        print(f"Deleted {path}")
    if key_problem:
        _err(f"The cache key could not be removed from the OS keyring: {key_problem}.")
    if settings.access_token or settings.access_token_command:
        _err(
            "INTUNE_TUI_ACCESS_TOKEN / access_token_command is still set; logout does not touch it."
        )
    return EXIT_OK


def whoami(settings: Settings, *, now: Callable[[], float] = time.time) -> int:
    """Print who the app acts as: account, tenant, cloud, granted scopes, token expiry."""
    if settings.access_token:
        _print_token_summary(settings, settings.access_token, "INTUNE_TUI_ACCESS_TOKEN", now())
        return EXIT_OK
    if settings.access_token_command:
        try:
            token = CommandTokenProvider(settings.access_token_command).token()
        except AuthError as error:
            _err(error.explain())
            return EXIT_FAILED
        _print_token_summary(settings, token, "access_token_command", now())
        return EXIT_OK
    try:
        resolve_client_id(settings)
    except ClientIdMissing as error:
        _err(error.explain())
        return EXIT_NOT_CONFIGURED
    store = open_token_cache(settings)
    if store.notice:
        _err(store.notice)
    session = MsalSession(settings, store)
    account = session.account()
    if account is None:
        print(f"Not signed in (profile {settings.profile}, {tenant_label(settings)}).")
        print(f"Run: intune-tui login --profile {settings.profile}")
        return EXIT_FAILED
    entries = session.cached_access_tokens()
    _print_rows(
        [
            ("Profile", settings.profile),
            ("Account", account.username),
            ("Tenant", _tenant_line(account.tenant_id, settings.tenant)),
            ("Cloud", _cloud_line(settings)),
            ("Client ID", session.client_id),
        ]
    )
    if entries:
        latest = max(entries, key=lambda entry: int(entry.get("expires_on", 0)))
        claims = token_claims(str(latest.get("secret", "")))
        scopes = _scopes_from(claims) or [
            _short(scope) for scope in str(latest.get("target", "")).split()
        ]
        _print_rows(
            [
                ("Scopes", ", ".join(sorted(scopes))),
                ("Token", _expiry_line(float(latest.get("expires_on", 0)), now())),
            ]
        )
    else:
        _print_rows(
            [("Token", "none valid in the cache; the next use gets one with the refresh token")]
        )
    _print_rows([("Cache", store.describe())])
    return EXIT_OK


# --- helpers ------------------------------------------------------------------------------------


def _wait_for(pending: PendingSignIn, complete: Callable[[Any], AccessToken]) -> AccessToken:
    """Run `complete(pending)` on a thread; Ctrl-C here cancels it (MSAL stops within ~1 s)."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["token"] = complete(pending)
        except BaseException as error:  # handed back to the main thread
            result["error"] = error

    worker = threading.Thread(target=run, name="intune-tui-sign-in", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        pending.cancel()
        worker.join(5.0)
        raise SignInCancelled("Sign-in cancelled (Ctrl-C).") from None
    if "error" in result:
        raise result["error"]
    token: AccessToken = result["token"]
    return token


def _show_device_code(flow: DeviceCodeFlow) -> None:
    minutes = max(1, round(flow.seconds_left() / 60))
    print()
    print(flow.message or f"Open {flow.verification_uri} and enter the code {flow.user_code}.")
    print(f"  Address: {flow.verification_uri}")
    print(f"  Code:    {flow.user_code}")
    print(f"The code expires in about {minutes} min. Waiting for you to finish; Ctrl-C cancels.")
    sys.stdout.flush()


def _show_browser(sign_in: BrowserSignIn) -> None:
    print()
    if sign_in.browser_opened:
        print("Your browser was opened for the sign-in. If it did not appear, open this address:")
    else:
        print("Open this address in a browser to sign in:")
    print(f"  {sign_in.auth_url}")
    print(sign_in.forward_hint)
    print("Waiting for you to finish; Ctrl-C cancels.")
    sys.stdout.flush()


def _print_token_summary(settings: Settings, token: str, source: str, now: float) -> None:
    claims = token_claims(token)
    username = claims.get("upn") or claims.get("unique_name") or claims.get("preferred_username")
    rows = [
        ("Source", source),
        ("Account", clean(username) or "unknown (not a readable token)"),
        ("Tenant", clean(claims.get("tid")) or "unknown"),
        ("Cloud", _cloud_line(settings)),
        ("Scopes", ", ".join(sorted(_scopes_from(claims))) or "unknown"),
    ]
    exp = claims.get("exp")
    rows.append(
        (
            "Token",
            _expiry_line(float(exp), now) if isinstance(exp, int | float) else "expiry unknown",
        )
    )
    rows.append(("Cache", "not used (the token comes from " + source + ")"))
    _print_rows(rows)


def _scopes_from(claims: dict[str, Any]) -> list[str]:
    return [clean(name) for name in claimed_scopes(claims) or ()]


def _short(scope: str) -> str:
    return clean(scope.rsplit("/", 1)[-1])


def _tenant_line(tenant_id: str, configured: str | None) -> str:
    if configured and configured.lower() != tenant_id.lower():
        return f"{tenant_id} (configured as {configured})"
    return tenant_id or (configured or "unknown")


def _cloud_line(settings: Settings) -> str:
    return f"{settings.cloud} (sign-in {settings.authority_host}, Graph {graph_resource(settings)})"


def _expiry_line(expires_on: float, now: float) -> str:
    when = datetime.fromtimestamp(expires_on, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    left = expires_on - now
    if left <= 0:
        return f"expired at {when} (renewed automatically at next use)"
    return f"expires {when} (in {_duration(left)})"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _print_rows(rows: list[tuple[str, str]]) -> None:
    for label, value in rows:
        print(f"{label + ':':<11}{value}")


def _err(text: str) -> None:
    print(text, file=sys.stderr)
