"""What the Graph client needs from sign-in: a bearer token on request.

The client depends only on this protocol; `intune_tui.auth` implements it with MSAL, and
`StaticTokenProvider` serves a token given directly (INTUNE_TUI_ACCESS_TOKEN, tests, the demo).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies bearer tokens to the Graph client."""

    async def get_token(
        self,
        *,
        scopes: Sequence[str] | None = None,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
    ) -> str:
        """Return an access token.

        scopes: extra scopes this call needs beyond the sign-in scopes (incremental consent,
            e.g. PrivilegedOperations at the first remote action). None means the default set.
        force_refresh: the last token was rejected with 401; get a new one, not the cached one.
        claims_challenge: decoded `claims` from a 401 `WWW-Authenticate` challenge (CAE).
        """
        ...


class StaticTokenProvider:
    """A provider that always returns the same token (bring-your-own token, demo, tests)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def get_token(
        self,
        *,
        scopes: Sequence[str] | None = None,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
    ) -> str:
        return self._token

    def __repr__(self) -> str:  # never show the token, even in a debugger or traceback
        return "StaticTokenProvider(<redacted>)"
