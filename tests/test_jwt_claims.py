"""The one JWT-claims helper: what the header shows and which scopes the service reports."""

from __future__ import annotations

import base64
import json

from intune_tui.jwt_claims import token_claims


def _part(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(payload: bytes) -> str:
    header = _part(b'{"alg": "none"}')
    return f"{header}.{_part(payload)}.{_part(b'signature')}"


def test_claims_are_read_from_the_payload_without_verifying() -> None:
    claims = {"upn": "a@b.c", "scp": "X.Read.All Y.Read.All", "exp": 123, "roles": ["R"]}
    assert token_claims(_jwt(json.dumps(claims).encode())) == claims


def test_anything_that_is_not_a_three_part_jwt_with_an_object_gives_no_claims() -> None:
    object_payload = _part(b'{"upn": "a@b.c"}')
    assert token_claims("opaque-token") == {}
    assert token_claims(f"header.{object_payload}") == {}  # two parts: not a JWS
    assert token_claims(f"h.{object_payload}.s.extra") == {}
    assert token_claims("a.!!!.c") == {}  # not base64url
    assert token_claims(_jwt(b"\xff\xfe")) == {}  # not UTF-8 JSON
    assert token_claims(_jwt(b"[1, 2]")) == {}  # JSON, but not an object
    assert token_claims(_jwt(b"not json")) == {}
