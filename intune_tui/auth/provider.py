"""Token providers for the Graph client: a given token, a token command, or MSAL sign-in.

`make_token_provider(settings)` picks one:
  1. INTUNE_TUI_ACCESS_TOKEN (settings.access_token) -> StaticTokenProvider;
  2. settings.access_token_command -> CommandTokenProvider (runs it again when the token expires);
  3. otherwise MsalTokenProvider: silent sign-in from the encrypted cache, refresh with the
     refresh token, and, when that is not enough and a UI is attached, an interactive sign-in.
"""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from intune_tui.auth.browser import BrowserOpener, SignInMethod, choose_sign_in_method
from intune_tui.auth.errors import AuthError, TokenCommandFailed, resolve_client_id
from intune_tui.auth.flows import PendingSignIn
from intune_tui.graph.tokens import (
    StaticTokenProvider,
    SuppliedTokenProvider,
    TokenProvider,
    token_claims,
)
from intune_tui.logs import redact
from intune_tui.text import clean, truncate

# MSAL (with requests) and the token cache (keyring, cryptography) are imported where they are
# first used, in the Graph worker: at start-up they cost the UI ~0.1 s before its first frame.
if TYPE_CHECKING:
    from intune_tui.auth.cache import TokenCacheStore
    from intune_tui.auth.msal_app import AccessToken, AccountInfo, MsalSession
    from intune_tui.config import Settings

TOKEN_COMMAND_TIMEOUT = 60.0
REFRESH_MARGIN = 120.0  # re-run the token command this long before the token's `exp`
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9._~+/=-]+$")


class SignInInteraction(Protocol):
    """What the UI provides so the provider can run an interactive sign-in.

    `sign_in_started` is called on the thread of the event loop awaiting `get_token` (the Graph
    worker's loop, which may not be the UI thread: hop with App.call_from_thread). Show the
    device code or browser sign-in; the user cancels with `pending.cancel()`; the provider calls
    `pending.finish(...)` when it ends, so the screen can close itself on `pending.outcome`.
    """

    def sign_in_started(self, pending: PendingSignIn) -> None: ...


def make_token_provider(
    settings: Settings,
    *,
    interaction: SignInInteraction | None = None,
    http_client: Any | None = None,
    open_browser: BrowserOpener | None = None,
) -> TokenProvider:
    """The provider `settings` ask for. Raises ClientIdMissing when MSAL sign-in has no client id.

    http_client / open_browser are for tests (an HTTP client trusting a test CA; a fake browser).
    """
    if settings.access_token:
        return StaticTokenProvider(settings.access_token)
    if settings.access_token_command:
        return CommandTokenProvider(settings.access_token_command)
    return MsalTokenProvider(
        settings, interaction=interaction, http_client=http_client, open_browser=open_browser
    )


class CommandTokenProvider(SuppliedTokenProvider):
    """Runs a command (no shell) that prints an access token; runs it again near expiry.

    The output may be the token itself (optionally "Bearer ...") or JSON with accessToken /
    access_token, like `az account get-access-token --resource https://graph.microsoft.com`.
    """

    def __init__(
        self,
        command: str,
        *,
        timeout: float = TOKEN_COMMAND_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._argv = shlex.split(command)
        self._timeout = timeout
        self._clock = clock
        self._token: str | None = None
        self._expires_at: float | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        program = self._argv[0] if self._argv else ""
        return f"CommandTokenProvider({program!r}, token=<redacted>)"

    async def supplied_token(self, *, renew: bool) -> str:
        return await asyncio.to_thread(self.token, renew=renew)  # the command decides the scopes

    def token(self, *, renew: bool = False) -> str:
        """The current token, running the command when there is none, it expires, or `renew`."""
        with self._lock:
            if renew or self._token is None or self._expiring():
                self._token = self._run()
                exp = token_claims(self._token).get("exp")
                self._expires_at = float(exp) if isinstance(exp, int | float) else None
            return self._token

    def _expiring(self) -> bool:
        return self._expires_at is not None and self._clock() >= self._expires_at - REFRESH_MARGIN

    def _run(self) -> str:
        if not self._argv:
            raise TokenCommandFailed("access_token_command is empty.")
        program = self._argv[0]
        try:
            completed = subprocess.run(
                self._argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self._timeout,
                check=False,
            )
        except FileNotFoundError:
            raise TokenCommandFailed(
                f"access_token_command: the program {program!r} was not found."
            ) from None
        except subprocess.TimeoutExpired:
            raise TokenCommandFailed(
                f"access_token_command ({program}) did not finish within {self._timeout:g} s."
            ) from None
        except OSError as error:
            raise TokenCommandFailed(
                f"access_token_command ({program}) could not run: {error.strerror or error}."
            ) from None
        if completed.returncode != 0:
            raise TokenCommandFailed(
                f"access_token_command ({program}) exited with status {completed.returncode}"
                f"{_last_line(completed.stderr)}."
            )
        token = _token_from_output(completed.stdout)
        if token is None:
            raise TokenCommandFailed(
                f"access_token_command ({program}) printed no access token (expected the token, "
                "or JSON with accessToken)."
            )
        return token


class MsalTokenProvider:
    """Tokens through MSAL for one profile, with the encrypted cache and optional interaction."""

    def __init__(
        self,
        settings: Settings,
        *,
        interaction: SignInInteraction | None = None,
        http_client: Any | None = None,
        open_browser: BrowserOpener | None = None,
        choose_method: Callable[[str], SignInMethod] = choose_sign_in_method,
    ) -> None:
        resolve_client_id(settings)  # fail now, with the registration steps, not at first call
        self._settings = settings
        self._interaction = interaction
        self._http_client = http_client
        self._open_browser = open_browser
        self._choose_method = choose_method
        self._session: MsalSession | None = None
        self._open_lock = threading.Lock()
        self._lock: asyncio.Lock | None = None
        self.last_token: AccessToken | None = None

    def __repr__(self) -> str:
        return f"MsalTokenProvider(profile={self._settings.profile!r})"

    @property
    def store(self) -> TokenCacheStore | None:
        return self._session.store if self._session is not None else None

    async def prepare(self) -> str | None:
        """Open the token cache (keyring probed off the event loop, bounded by keyring_timeout).

        Returns the notice the UI must show (memory only, plaintext warning, unreadable cache).
        """
        session = await asyncio.to_thread(self._open)
        return session.store.notice

    async def account(self) -> AccountInfo | None:
        session = await asyncio.to_thread(self._open)
        return session.account()

    def signed_in_tenant(self) -> str | None:
        """The tenant id of the profile's cached account, None before any sign-in. No network,
        but opening the cache may wait for the keyring: call it off the UI thread."""
        account = self._open().account()
        return account.tenant_id if account is not None and account.tenant_id else None

    async def get_token(
        self,
        *,
        scopes: Sequence[str] | None = None,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
    ) -> str:
        from intune_tui.auth.msal_app import sign_in_scopes

        wanted = sign_in_scopes(self._settings, scopes)
        async with self._serial():
            session = await asyncio.to_thread(self._open)
            try:
                token = await asyncio.to_thread(
                    session.acquire_silent,
                    wanted,
                    force_refresh=force_refresh,
                    claims_challenge=claims_challenge,
                )
            except AuthError as error:
                if not error.interaction_may_help or self._interaction is None:
                    raise
                account = session.account()
                token = await self._interactive(
                    session, wanted, claims_challenge, account.username if account else None
                )
            self.last_token = token
            return token.token

    async def sign_in(self, *, scopes: Sequence[str] | None = None) -> AccessToken:
        """An interactive sign-in now (the UI's "sign in" / "switch account")."""
        if self._interaction is None:
            raise AuthError("Interactive sign-in needs the app's sign-in screen.")
        from intune_tui.auth.msal_app import sign_in_scopes

        wanted = sign_in_scopes(self._settings, scopes)
        async with self._serial():
            session = await asyncio.to_thread(self._open)
            token = await self._interactive(session, wanted, None, None)
            self.last_token = token
            return token

    async def sign_out(self) -> list[str]:
        """Forget the account, delete the cache file and the keyring key. Returns usernames."""
        from intune_tui.auth.cache import remove_token_cache

        async with self._serial():
            session = await asyncio.to_thread(self._open)
            usernames = await asyncio.to_thread(session.forget_accounts)
            await asyncio.to_thread(remove_token_cache, self._settings)
            with self._open_lock:
                self._session = None  # its key is gone; the next use opens a fresh cache
            self.last_token = None
            return usernames

    def _serial(self) -> asyncio.Lock:
        # Created on first use, inside the loop that awaits us (the Graph worker's loop).
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def _open(self) -> MsalSession:
        from intune_tui.auth.cache import open_token_cache
        from intune_tui.auth.msal_app import MsalSession

        with self._open_lock:
            if self._session is None:
                store = open_token_cache(self._settings)
                self._session = MsalSession(
                    self._settings,
                    store,
                    http_client=self._http_client,
                    open_browser=self._open_browser,
                )
            return self._session

    async def _interactive(
        self,
        session: MsalSession,
        scopes: list[str],
        claims_challenge: str | None,
        login_hint: str | None,
    ) -> AccessToken:
        assert self._interaction is not None
        method = self._choose_method(self._settings.auth_mode)
        pending: PendingSignIn
        if method.method == "device-code":
            pending = await asyncio.to_thread(
                session.start_device_code, scopes, claims_challenge=claims_challenge
            )
            complete: Callable[[Any], AccessToken] = session.complete_device_code
        else:
            pending = await asyncio.to_thread(
                session.start_browser,
                scopes,
                claims_challenge=claims_challenge,
                login_hint=login_hint,
            )
            complete = session.complete_browser
        try:
            self._interaction.sign_in_started(pending)
            return await asyncio.to_thread(complete, pending)
        except BaseException:
            pending.cancel()  # stop MSAL's polling thread too (caller cancelled, UI failed)
            raise


def _token_from_output(output: str) -> str | None:
    text = output.strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        value = next(
            (data[key] for key in ("accessToken", "access_token", "token") if key in data), None
        )
        text = str(value).strip() if value else ""
    else:
        text = text.splitlines()[0].strip()
    if text.lower().startswith("bearer "):
        text = text[len("bearer ") :].strip()
    return text if text and _TOKEN_SHAPE.match(text) else None


def _last_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    return ": " + truncate(clean(redact(lines[-1])), 200)
