"""The claims of a JWT access token, read for display only (one helper for auth and intune)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token, decoded WITHOUT verifying it (display only).

    Useful claims: scp (granted scopes, space separated), roles, upn / unique_name, tid, exp.
    Returns {} for an opaque token or one that does not decode.
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
