"""The one JWT-claims reader: decoded without verifying, and the scopes the claims carry."""

from __future__ import annotations

import base64
import json
from typing import Any

from intune_tui.graph.tokens import claimed_scopes, token_claims


def unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'JWT', 'alg': 'none'})}.{part(claims)}.c2lnbmF0dXJl"


def test_token_claims_decodes_without_verifying() -> None:
    token = unsigned_jwt({"upn": "a@b.c", "scp": "X.Read.All", "exp": 123})

    assert token_claims(token) == {"upn": "a@b.c", "scp": "X.Read.All", "exp": 123}
    assert token_claims("opaque-token") == {}
    assert token_claims("a.!!!.c") == {}
    assert token_claims(unsigned_jwt({"scp": "X"}).rsplit(".", 1)[0]) == {}  # no signature part


def test_scopes_come_from_scp_or_app_roles() -> None:
    assert claimed_scopes({"scp": "A.Read.All  B.Read.All"}) == {"A.Read.All", "B.Read.All"}
    assert claimed_scopes({"roles": ["C.ReadWrite.All", 7, ""]}) == {"C.ReadWrite.All"}
    assert claimed_scopes({"scp": "A.Read.All", "roles": ["B.Read.All"]}) == {"A.Read.All",
                                                                             "B.Read.All"}
    assert claimed_scopes({}) is None
    assert claimed_scopes(token_claims("opaque-token")) is None
