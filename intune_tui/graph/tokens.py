"""What the Graph client needs from sign-in: a bearer token on request.

The client depends only on this protocol; `intune_tui.auth` implements it with MSAL, and
`StaticTokenProvider` serves a token given directly (INTUNE_TUI_ACCESS_TOKEN, tests, the demo).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypedDict, Unpack, runtime_checkable


class TokenRequest(TypedDict, total=False):
    """What a call asks of the token it gets (each optional).

    scopes: extra scopes this call needs beyond the sign-in scopes (incremental consent,
        e.g. PrivilegedOperations at the first remote action). None means the default set.
    force_refresh: the last token was rejected with 401; get a new one, not the cached one.
    claims_challenge: decoded `claims` from a 401 `WWW-Authenticate` challenge (CAE).
    """

    scopes: Sequence[str] | None
    force_refresh: bool
    claims_challenge: str | None


@runtime_checkable
class TokenProvider(Protocol):
    """Supplies bearer tokens to the Graph client."""

    async def get_token(self, **request: Unpack[TokenRequest]) -> str:
        """Return an access token for `request`."""
        ...


class SuppliedTokenProvider:
    """Base of the providers whose tokens come from outside (a given token, a command): they
    cannot ask for scopes, and a rejected token or a claims challenge can only be met by the
    next token they get (`renew`)."""

    async def get_token(self, **request: Unpack[TokenRequest]) -> str:
        renew = request.get("force_refresh", False) or request.get("claims_challenge") is not None
        return await self.supplied_token(renew=renew)

    async def supplied_token(self, *, renew: bool) -> str:
        raise NotImplementedError


class StaticTokenProvider(SuppliedTokenProvider):
    """A provider that always returns the same token (bring-your-own token, demo, tests)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def supplied_token(self, *, renew: bool) -> str:
        return self._token  # there is no other

    def __repr__(self) -> str:  # never show the token, even in a debugger or traceback
        return "StaticTokenProvider(<redacted>)"


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token, decoded WITHOUT verifying it (display and hints only).

    Useful claims: scp (delegated scopes, space separated), roles (app-only permissions),
    upn / unique_name, tid, exp. Returns {} for an opaque or unreadable token.
    """
    parts = str(token).split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def claimed_scopes(claims: Mapping[str, Any]) -> frozenset[str] | None:
    """The scopes a token's claims carry (`scp` delegated, `roles` app-only); None when they
    have neither (an opaque token: nothing is known)."""
    scp, roles = claims.get("scp"), claims.get("roles")
    if not isinstance(scp, str) and not isinstance(roles, list):
        return None
    names = set(scp.split()) if isinstance(scp, str) else set()
    if isinstance(roles, list):
        names.update(role for role in roles if isinstance(role, str) and role)
    return frozenset(names)
