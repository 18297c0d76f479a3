"""One profile's MSAL PublicClientApplication and the sign-ins it can do.

Everything here blocks (MSAL is synchronous): callers run it on a thread. A profile is one
(client id, tenant authority) pair with its own token cache file, so an account signed in for
one tenant is never used for another. After each MSAL call the cache is saved (only when MSAL
changed it), so a killed process loses nothing.

Scopes are always fully qualified with the cloud's Graph resource
("https://graph.microsoft.com/DeviceManagementApps.Read.All"): MSAL matches cached tokens by
exact scope strings, so mixing short and long names would miss the cache on every call.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import filelock
import httpx
import msal
import msal.authority
import requests

from intune_tui.auth.browser import BrowserOpener, find_gui_browser
from intune_tui.auth.cache import TokenCacheStore, forget_all
from intune_tui.auth.errors import (
    AuthError,
    SignInCancelled,
    SignInRequired,
    SignInTimedOut,
    TenantError,
    error_from_entra,
    resolve_client_id,
)
from intune_tui.auth.flows import (
    BrowserSignIn,
    DeviceCodeFlow,
    PendingSignIn,
    SignInOutcome,
    SignInState,
)
from intune_tui.auth.redirect import RedirectReceiver
from intune_tui.intune.scopes import READ_SCOPES
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.config import Settings

log = logging.getLogger("intune_tui.auth")

CLIENT_CAPABILITIES = ["CP1"]  # we handle CAE claims challenges
BROWSER_SIGN_IN_SECONDS = 300.0
_NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.RequestException,
    httpx.HTTPError,
    OSError,
)


class SignInUnreachable(AuthError):
    """The sign-in service could not be reached (network, proxy, TLS)."""


@dataclass(frozen=True)
class AccountInfo:
    """The signed-in account of a profile, as the token cache knows it."""

    username: str
    home_account_id: str
    tenant_id: str
    environment: str


@dataclass(frozen=True)
class AccessToken:
    """An access token and what we know about it. The token never appears in a repr."""

    token: str = field(repr=False)
    expires_at: float
    scopes: tuple[str, ...]
    source: str  # "cache" or "identity_provider"
    username: str | None = None


def graph_resource(settings: Settings) -> str:
    """The Graph resource scopes belong to, e.g. "https://graph.microsoft.com"."""
    parts = urlsplit(settings.graph_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "https://graph.microsoft.com"


def qualify_scopes(settings: Settings, names: Iterable[str]) -> list[str]:
    """Full scope URIs for `names` (short or full), deduplicated, in the order given."""
    resource = graph_resource(settings)
    qualified: list[str] = []
    for name in names:
        full = name if "://" in name else f"{resource}/{name.lstrip('/')}"
        if full.lower() not in (known.lower() for known in qualified):
            qualified.append(full)
    return qualified


def sign_in_scopes(settings: Settings, extra: Sequence[str] | None = None) -> list[str]:
    """The read scopes, plus `extra` (e.g. PrivilegedOperations at the first remote action)."""
    return qualify_scopes(settings, [*READ_SCOPES, *(extra or ())])


def tenant_label(settings: Settings) -> str:
    return settings.tenant or "your organization"


class MsalSession:
    """MSAL for one profile: silent, device code and browser sign-in, sign-out.

    http_client: what MSAL talks HTTP through (tests pass one trusting their own CA); None lets
    MSAL build its requests session. open_browser: launches the browser for browser sign-in.
    """

    def __init__(
        self,
        settings: Settings,
        store: TokenCacheStore,
        *,
        http_client: Any | None = None,
        open_browser: BrowserOpener | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.client_id = resolve_client_id(settings)
        self.authority = settings.authority
        self.environment = urlsplit(self.authority).hostname or ""
        self._http_client = http_client
        self._open_browser = open_browser
        self._clock = clock
        self._app: msal.PublicClientApplication | None = None
        self._app_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MsalSession(profile={self.settings.profile!r}, authority={self.authority!r})"

    # --- the application -------------------------------------------------------------------

    def application(self) -> msal.PublicClientApplication:
        """The PublicClientApplication, built on first use (building it does tenant discovery)."""
        with self._app_lock:
            if self._app is None:
                self._app = self._build_application()
            return self._app

    def _build_application(self) -> msal.PublicClientApplication:
        options: dict[str, Any] = {
            "authority": self.authority,
            "token_cache": self.store.cache,
            "client_capabilities": CLIENT_CAPABILITIES,
        }
        if self.environment not in msal.authority.WELL_KNOWN_AUTHORITY_HOSTS:
            # A sign-in host of the user's choosing: do not ask login.microsoftonline.com
            # whether it exists (MSAL would refuse it, and it would leave the machine).
            options["instance_discovery"] = False
        if self._http_client is not None:
            options["http_client"] = self._http_client
        try:
            return msal.PublicClientApplication(self.client_id, **options)
        except _NETWORK_ERRORS as error:
            raise self._unreachable(error) from None
        except ValueError as error:
            raise self._discovery_error(error) from None

    # --- accounts ------------------------------------------------------------------------------

    def account(self) -> AccountInfo | None:
        """The profile's signed-in account from the cache (no network)."""
        accounts = [
            item
            for item in self.store.cache.search(msal.TokenCache.CredentialType.ACCOUNT)
            if item.get("environment") == self.environment
        ]
        chosen = self._pick(accounts)
        if chosen is None:
            return None
        return AccountInfo(
            username=clean(chosen.get("username")),
            home_account_id=str(chosen.get("home_account_id", "")),
            tenant_id=clean(chosen.get("realm")),
            environment=str(chosen.get("environment", "")),
        )

    def cached_access_tokens(self) -> list[dict[str, Any]]:
        """Unexpired access-token entries of the profile's account (for whoami; no network)."""
        info = self.account()
        if info is None:
            return []
        return list(
            self.store.cache.search(
                msal.TokenCache.CredentialType.ACCESS_TOKEN,
                query={"home_account_id": info.home_account_id, "environment": self.environment},
            )
        )

    def forget_accounts(self) -> list[str]:
        """Remove every account and token from the profile's cache (sign out). No network.

        Returns the usernames that were signed in.
        """
        usernames = forget_all(self.store.cache)
        self._persist()
        return usernames

    def _pick(self, accounts: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
        if not accounts:
            return None
        tenant = (self.settings.tenant or "").lower()
        for account in accounts:
            if str(account.get("realm", "")).lower() == tenant:
                return account
        return accounts[0]

    # --- silent --------------------------------------------------------------------------------

    def acquire_silent(
        self,
        scopes: Sequence[str],
        *,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
    ) -> AccessToken:
        """A token from the cache, refreshed with the refresh token when needed.

        Raises SignInRequired when nothing usable is cached, or the classified Entra error.
        """
        if self.account() is None:  # checked in the cache first: no network for "signed out"
            raise SignInRequired(
                f"Not signed in to profile {self.settings.profile!r} "
                f"({tenant_label(self.settings)}).",
                help=f"Run intune-tui login --profile {self.settings.profile}, or sign in "
                "in the app.",
                interaction_may_help=True,
            )
        app = self.application()
        try:
            account = self._pick(app.get_accounts())
            if account is None:
                raise SignInRequired(
                    "The saved sign-in is for another sign-in service; sign in again.",
                    interaction_may_help=True,
                )
            result = app.acquire_token_silent_with_error(
                list(scopes),
                account,
                force_refresh=force_refresh,
                claims_challenge=claims_challenge,
            )
        except _NETWORK_ERRORS as error:
            raise self._unreachable(error) from None
        finally:
            self._persist()
        if result is None:
            raise SignInRequired(
                "The saved sign-in has no token for the permissions needed; sign in again.",
                interaction_may_help=True,
            )
        if "access_token" in result:
            return self._access_token(result, scopes, account.get("username"))
        raise self._entra_error(result, scopes, "silent")

    # --- device code ---------------------------------------------------------------------------

    def start_device_code(
        self, scopes: Sequence[str], *, claims_challenge: str | None = None
    ) -> DeviceCodeFlow:
        app = self.application()
        try:
            flow = app.initiate_device_flow(scopes=list(scopes), claims_challenge=claims_challenge)
        except _NETWORK_ERRORS as error:
            raise self._unreachable(error) from None
        if "user_code" not in flow:
            raise self._entra_error(flow, scopes, "device-code")
        return DeviceCodeFlow(
            verification_uri=clean(flow.get("verification_uri")),
            user_code=clean(flow.get("user_code")),
            message=clean(flow.get("message")),
            expires_at=float(flow.get("expires_at", self._clock() + 900)),
            interval=int(flow.get("interval", 5)),
            tenant_label=tenant_label(self.settings),
            msal_flow=flow,
            scopes=tuple(scopes),
            claims_challenge=claims_challenge,
            clock=self._clock,
        )

    def complete_device_code(self, flow: DeviceCodeFlow) -> AccessToken:
        """Poll until the user finishes, cancels (flow.cancel()) or the code expires."""
        app = self.application()

        def run() -> dict[str, Any]:
            result: dict[str, Any] = app.acquire_token_by_device_flow(
                flow._msal_flow,
                claims_challenge=flow.claims_challenge,
                exit_condition=lambda _msal_flow: flow.should_stop(),
            )
            return result

        return self._complete(flow, run, flow.scopes, "device-code")

    # --- browser --------------------------------------------------------------------------------

    def start_browser(
        self,
        scopes: Sequence[str],
        *,
        claims_challenge: str | None = None,
        login_hint: str | None = None,
        port: int = 0,
    ) -> BrowserSignIn:
        """Open the sign-in page in a graphical browser (if any) and listen on localhost."""
        app = self.application()
        receiver = RedirectReceiver(port=port)
        try:
            auth_flow = app.initiate_auth_code_flow(
                list(scopes),
                redirect_uri=receiver.redirect_uri,
                claims_challenge=claims_challenge,
                login_hint=login_hint,
                prompt="select_account",
                response_mode="form_post",
            )
        except BaseException:
            receiver.close()
            raise
        receiver.expected_state = auth_flow["state"]
        url = auth_flow["auth_uri"]
        opener = self._open_browser or find_gui_browser()
        opened = bool(opener(url)) if opener is not None else False
        return BrowserSignIn(
            auth_url=url,
            port=receiver.port,
            browser_opened=opened,
            expires_at=self._clock() + BROWSER_SIGN_IN_SECONDS,
            tenant_label=tenant_label(self.settings),
            receiver=receiver,
            auth_flow=auth_flow,
            scopes=tuple(scopes),
            claims_challenge=claims_challenge,
            clock=self._clock,
        )

    def complete_browser(self, sign_in: BrowserSignIn) -> AccessToken:
        """Wait for the browser's answer (or cancel / timeout), then redeem the code."""
        receiver: RedirectReceiver = sign_in._receiver
        app = self.application()

        def run() -> dict[str, Any]:
            try:
                answer = receiver.wait(sign_in.should_stop)
            finally:
                receiver.close()
            if answer is None:
                return {"error": "authorization_pending"}
            result: dict[str, Any] = app.acquire_token_by_auth_code_flow(
                sign_in._auth_flow, answer, scopes=list(sign_in.scopes)
            )
            return result

        return self._complete(sign_in, run, sign_in.scopes, "browser")

    # --- shared ---------------------------------------------------------------------------------

    def _complete(
        self,
        pending: PendingSignIn,
        run: Callable[[], dict[str, Any]],
        scopes: Sequence[str],
        flow_name: str,
    ) -> AccessToken:
        try:
            try:
                result = run()
            except _NETWORK_ERRORS as error:
                raise self._unreachable(error) from None
            except ValueError as error:  # MSAL's state / nonce checks on a forged answer
                raise AuthError(f"The sign-in answer was rejected: {clean(error)}") from None
            if "access_token" in result:
                claims = result.get("id_token_claims") or {}
                username = clean(claims.get("preferred_username") or claims.get("upn"))
                self._keep_only(username)
                token = self._access_token(result, scopes, username)
                pending.finish(
                    SignInOutcome(SignInState.SIGNED_IN, f"Signed in as {username}.", username)
                )
                return token
            if pending.cancelled:
                raise SignInCancelled("Sign-in cancelled.")
            if result.get("error") in ("authorization_pending", "slow_down"):
                raise SignInTimedOut(
                    "The sign-in was not finished in time.",
                    help="Start it again; a device code is valid for about 15 minutes.",
                )
            raise self._entra_error(result, scopes, flow_name)
        except AuthError as error:
            pending.finish(SignInOutcome(_state_of(error), error.explain()))
            raise
        except BaseException as error:
            pending.finish(
                SignInOutcome(SignInState.FAILED, f"Sign-in failed ({type(error).__name__}).")
            )
            raise
        finally:
            self._persist()

    def _persist(self) -> None:
        """Save the cache; a full disk or a stuck lock must not turn a sign-in into a failure."""
        try:
            self.store.save()
        except (OSError, filelock.Timeout) as error:
            log.warning(
                "Token cache for profile %r not saved: %s",
                self.settings.profile,
                getattr(error, "strerror", None) or type(error).__name__,
            )

    def _keep_only(self, username: str) -> None:
        """One account per profile: a new sign-in replaces whoever was signed in before."""
        if not username:
            return
        app = self.application()
        for account in app.get_accounts():
            if str(account.get("username", "")).lower() != username.lower():
                app.remove_account(account)

    def _access_token(
        self, result: dict[str, Any], requested: Sequence[str], username: str | None
    ) -> AccessToken:
        granted = str(result.get("scope") or "").split()
        return AccessToken(
            token=result["access_token"],
            expires_at=self._clock() + float(result.get("expires_in") or 0),
            scopes=tuple(granted or requested),
            source=str(result.get("token_source") or ""),
            username=clean(username) if username else None,
        )

    def _entra_error(
        self, result: dict[str, Any], scopes: Sequence[str], flow_name: str
    ) -> AuthError:
        return error_from_entra(
            result,
            profile=self.settings.profile,
            tenant=self.settings.tenant,
            client_id=self.client_id,
            scopes=scopes,
            flow=flow_name,
        )

    def _unreachable(self, error: BaseException) -> SignInUnreachable:
        return SignInUnreachable(
            f"Could not reach the sign-in service at {self.environment} ({type(error).__name__}).",
            help="Check the network, proxy settings (HTTPS_PROXY) and the profile's cloud.",
        )

    def _discovery_error(self, error: ValueError) -> AuthError:
        # MSAL re-raises discovery failures with its own text; Entra's answer (with the AADSTS
        # code) is in the original exception.
        for candidate in (error, error.__context__):
            text = str(candidate or "")
            if "OIDC Discovery failed" in text and "Error: " in text:
                try:
                    body = json.loads(text.split("Error: ", 1)[1])
                except ValueError:
                    continue
                if isinstance(body, dict) and body.get("error"):
                    return self._entra_error(body, (), "silent")
        return TenantError(
            f"The sign-in service at {self.environment} could not be used for "
            f"{tenant_label(self.settings)}.",
            help=f"Check tenant, cloud and authority_host of profile {self.settings.profile!r}.",
        )


def _state_of(error: AuthError) -> SignInState:
    if isinstance(error, SignInCancelled):
        return SignInState.CANCELLED
    if isinstance(error, SignInTimedOut):
        return SignInState.EXPIRED
    return SignInState.FAILED
