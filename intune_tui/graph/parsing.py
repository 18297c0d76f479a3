"""Graph error answers turned into the typed errors of `errors.py`, each with one sentence.

Graph's error body is `{"error": {"code", "message", "innerError": {"request-id"}}}`, but Intune
puts its own JSON, as a string, inside `error.message`, and sometimes JSON again inside that
(`{"ErrorCode": "Forbidden", "Message": "{ \\"_version\\": 3, \\"Message\\": \\"...\\" }"}`).
Everything here is defensive: any body (bytes, text, HTML, a dict from `$batch`) gives an answer.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from intune_tui.graph.errors import (
    ErrorDetails,
    GraphBadRequest,
    GraphError,
    GraphForbidden,
    GraphNotFound,
    GraphServerError,
    GraphThrottled,
    GraphUnauthorized,
)
from intune_tui.text import clean, truncate

_MAX_NESTING = 5
_MAX_MESSAGE = 300
# Intune appends support data to its messages: " - Operation ID (for customer support): … -
# Activity ID: … - Url: … - CustomApiErrorPhrase: …". Useful for support, noise in a sentence.
_SUPPORT_TRAILER = re.compile(
    r"\s+-\s+(Operation ID|Activity ID|Url:|CustomApiErrorPhrase)", re.IGNORECASE
)
_QUOTED_MESSAGE = re.compile(r'"(?:Message|message)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_QUOTED_ERROR_CODE = re.compile(r'"ErrorCode"\s*:\s*"((?:[^"\\]|\\.)*)"')
_SCOPE_LIST = re.compile(r"following (?:permission )?scopes?\s*:\s*(.*?)(?:\s+-\s+|$)", re.I | re.S)
_SCOPE_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+\b")
_USER_NOT_AUTHORIZED = re.compile(r"\buser is not authori[sz]ed\b", re.IGNORECASE)
_APP_NOT_AUTHORIZED = re.compile(r"\bapplication is not authori[sz]ed\b", re.IGNORECASE)
_AUTH_PARAM = re.compile(r'([A-Za-z_]+)\s*=\s*"([^"]*)"')


@dataclass(frozen=True)
class ErrorBody:
    """What a Graph error answer says, read as deep as Intune nests it.

    code: the most specific code found (Intune's inner `ErrorCode`, else Graph's `error.code`).
    message: the innermost readable message, one clean line without Intune's support trailer.
    detail: the innermost message in full (with Operation/Activity IDs) for "copy for support".
    request_id: `error.innerError.request-id` when the body carries one.
    """

    code: str | None
    message: str
    detail: str
    request_id: str | None


def parse_error_body(body: Any) -> ErrorBody:
    """Read a Graph error body given as bytes, text or already-decoded JSON; never raises."""
    document = _as_json(body)
    if not isinstance(document, dict):
        text = _plain_text(body)
        return ErrorBody(code=None, message=_sentence_part(text), detail=text, request_id=None)
    error = document.get("error")
    if not isinstance(error, dict):
        error = document
    code = _string(error.get("code"))
    message, code = _innermost_message(_string(error.get("message")) or "", code)
    inner = error.get("innerError") or error.get("innererror")
    request_id = _string(inner.get("request-id")) if isinstance(inner, dict) else None
    detail = truncate(clean(message).strip(), 2000)
    return ErrorBody(
        code=code, message=_sentence_part(message), detail=detail, request_id=request_id
    )


def _as_json(body: Any) -> Any:
    if isinstance(body, bytes | bytearray):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(body, str):
        return _json_object(body)
    return body


def _plain_text(body: Any) -> str:
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", errors="replace")
    if not isinstance(body, str):
        return ""
    if "<html" in body[:500].lower():
        return "the answer was an HTML page, not Graph's JSON"
    return truncate(clean(body).strip(), 2000)


def _json_object(text: str) -> dict[str, Any] | None:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _innermost_message(message: str, code: str | None) -> tuple[str, str | None]:
    """Follow JSON nested in the message (`Message`, `ErrorCode`, `error.message`) to the end."""
    for _ in range(_MAX_NESTING):
        inner = _json_object(message)
        if inner is None:
            return _salvage_broken_json(message, code)
        if isinstance(inner.get("error"), dict):
            inner = inner["error"]
        code = _string(inner.get("ErrorCode")) or _string(inner.get("code")) or code
        nested = _string(inner.get("Message")) or _string(inner.get("message"))
        if nested is None:
            return "", code
        message = nested
    return message, code


def _salvage_broken_json(message: str, code: str | None) -> tuple[str, str | None]:
    """A message that looks like JSON but does not parse (truncated): pick out what we can."""
    if not message.lstrip().startswith("{"):
        return message, code
    found_code = _QUOTED_ERROR_CODE.search(message)
    found_message = _QUOTED_MESSAGE.search(message)
    if found_code:
        code = _unescape(found_code.group(1)) or code
    if found_message is None:
        return message, code
    return _innermost_message(_unescape(found_message.group(1)), code)


def _unescape(quoted: str) -> str:
    try:
        value = json.loads(f'"{quoted}"')
    except ValueError:
        return quoted
    return value if isinstance(value, str) else quoted


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _sentence_part(message: str) -> str:
    text = _SUPPORT_TRAILER.split(message, maxsplit=1)[0]
    text = " ".join(clean(text).split())
    return truncate(text.rstrip(" .-"), _MAX_MESSAGE)


def scopes_named(message: str) -> tuple[str, ...]:
    """The permission scopes listed in "... must have one of the following scopes: X, Y"."""
    listed = _SCOPE_LIST.search(message)
    if listed is None:
        return ()
    return tuple(dict.fromkeys(_SCOPE_NAME.findall(listed.group(1))))


def _preferred_scope(scopes: tuple[str, ...]) -> str:
    """The least privileged of the listed scopes: the first read scope, else the first one."""
    return next((scope for scope in scopes if ".Read." in scope), scopes[0])


def _with_request_id(sentence: str, request_id: str | None) -> str:
    return f"{sentence} (request-id {request_id})" if request_id else sentence


def forbidden_error(
    body: ErrorBody, *, required_scope: str | None, request_id: str | None
) -> GraphForbidden:
    """A 403 as a sentence naming what is missing: a scope, an Intune role, or what Graph said."""
    details: ErrorDetails = {
        "status": 403, "code": body.code, "request_id": request_id, "detail": body.detail
    }
    if _USER_NOT_AUTHORIZED.search(body.detail):
        sentence = (
            "Access denied: your account has no Intune role that allows this; "
            "ask an Intune administrator to assign one"
        )
        return GraphForbidden(
            _with_request_id(sentence, request_id),
            missing_role=True,
            missing_scope=None,
            **details,
        )
    scopes = scopes_named(body.detail)
    if scopes:
        named = scopes[0] if len(scopes) == 1 else "one of " + ", ".join(scopes)
        sentence = f"Access denied: the app's token lacks {named}"
        return GraphForbidden(
            _with_request_id(sentence, request_id),
            missing_scope=_preferred_scope(scopes),
            **details,
        )
    if _APP_NOT_AUTHORIZED.search(body.detail) and required_scope:
        sentence = f"Access denied: the app's token lacks {required_scope}"
    elif required_scope:
        sentence = (
            f"Access denied: the app's token may lack {required_scope}, "
            "or your account an Intune role or licence"
        )
        if body.message:
            sentence += f" (Graph said: {body.message})"
    else:
        sentence = f"Access denied: {body.message or 'Graph refused this operation'}"
    return GraphForbidden(
        _with_request_id(sentence, request_id), missing_scope=required_scope, **details
    )


def error_for_status(
    status: int,
    body: Any,
    *,
    request_id: str | None = None,
    required_scope: str | None = None,
    attempts: int = 1,
) -> GraphError:
    """The typed error for a non-success answer. `request_id` is the `request-id` header if any."""
    parsed = parse_error_body(body)
    request_id = request_id or parsed.request_id
    if status == 403:
        return forbidden_error(parsed, required_scope=required_scope, request_id=request_id)
    details: ErrorDetails = {"status": status, "code": parsed.code, "request_id": request_id,
                             "detail": parsed.detail}
    said = parsed.message
    tries = f" after {attempts} tries" if attempts > 1 else ""
    if status == 400:
        sentence = f"Graph refused the request: {said or 'it was not understood'}"
        return GraphBadRequest(_with_request_id(sentence, request_id), **details)
    if status == 401:
        sentence = "Graph rejected the sign-in even with a fresh token: sign in again"
        return GraphUnauthorized(_with_request_id(sentence, request_id), **details)
    if status == 404:
        sentence = f"Not found: {said}" if said else "Not found: the item no longer exists"
        return GraphNotFound(_with_request_id(sentence, request_id), **details)
    if status == 429:
        sentence = f"Graph is still throttling this tenant{tries}: wait a minute and try again"
        return GraphThrottled(_with_request_id(sentence, request_id), **details)
    if status >= 500:
        sentence = f"Graph had a server error (HTTP {status}){tries}: try again later"
        if said:
            sentence = f"Graph had a server error (HTTP {status}, {said}){tries}: try again later"
        return GraphServerError(_with_request_id(sentence, request_id), **details)
    sentence = f"Graph refused the request (HTTP {status}): {said or 'no reason given'}"
    return GraphError(_with_request_id(sentence, request_id), **details)


def claims_challenge(www_authenticate: str | None) -> str | None:
    """The decoded claims JSON of a CAE challenge (`error="insufficient_claims", claims="…"`)."""
    if not www_authenticate:
        return None
    params = {key.lower(): value for key, value in _AUTH_PARAM.findall(www_authenticate)}
    if params.get("error") != "insufficient_claims" or not params.get("claims"):
        return None
    encoded = params["claims"].replace("-", "+").replace("_", "/")
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        text = decoded.decode("utf-8")
        json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return text
