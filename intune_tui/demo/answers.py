"""The fake Graph's answers: one request as the fake sees it, one answer, and Graph's error
bodies (`{"error": {"code", "message", "innerError"}}`, with Intune's JSON-inside-a-string
message). Shared by `fake_graph` and the parts of the fake that answer on their own
(`lifecycle`), so that neither has to import the other to build an answer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx

from intune_tui.demo import rules

if TYPE_CHECKING:
    from datetime import datetime

T = TypeVar("T")

WWW_AUTHENTICATE = (
    'Bearer realm="", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'client_id="00000003-0000-0000-c000-000000000000"'
)


@dataclass
class Call:
    """One request as the fake serves it: its path split under the version, the token's
    scopes and user once checked, and the request-id its answer (and any error) carries."""

    method: str
    version: str
    segments: list[str]
    params: dict[str, str]
    body: Any
    headers: httpx.Headers
    origin: str
    request_id: str
    in_batch: bool = False
    scopes: frozenset[str] = frozenset()
    upn: str = ""

    @property
    def path(self) -> str:
        return "/" + "/".join([self.version, *self.segments])


@dataclass
class Answer:
    """What the fake answers: status, body and extra headers (the transport encodes it)."""

    status: int
    body: Any = None  # dict/list -> JSON, bytes/str -> raw, None -> empty
    headers: dict[str, str] = field(default_factory=dict)


def next_link(call: Call, token: str) -> str:
    pairs = [(key, value) for key, value in call.params.items() if key != "$skiptoken"]
    pairs.append(("$skiptoken", token))
    query = "&".join(f"{quote(key, safe='$')}={quote(value, safe=_QUERY_SAFE)}"
                     for key, value in pairs)
    return f"{call.origin}{call.path}?{query}"


_QUERY_SAFE = "$'(),/:@*!"


class GraphAnswer(Exception):
    """Raised anywhere while serving a call to answer with `answer` at once (mostly errors)."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.status)
        self.answer = answer


STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "The request is invalid."),
    409: ("Conflict", "The request conflicts with the current state."),
    429: ("TooManyRequests", "Too many requests. Retry after the time in the Retry-After "
          "header."),
    500: ("InternalServerError", "An internal server error occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is temporarily unavailable."),
    504: ("GatewayTimeout", "The gateway timed out waiting for the service."),
}


def inner_error(request_id: str) -> dict[str, str]:
    # "date" is filled in from the tenant clock when the answer leaves (see stamp_date).
    return {"date": "", "request-id": request_id, "client-request-id": request_id}


def stamp_date(body: Any, now: datetime, client_request_id: str | None = None) -> None:
    inner = body.get("error", {}).get("innerError") if isinstance(body, dict) else None
    if isinstance(inner, dict):
        inner["date"] = now.strftime("%Y-%m-%dT%H:%M:%S")
        if client_request_id:
            inner["client-request-id"] = client_request_id


def graph_error(status: int, code: str, message: str, request_id: str) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message,
                                     "innerError": inner_error(request_id)}})


def unauthorized(message: str, request_id: str) -> Answer:
    answer = graph_error(401, "InvalidAuthenticationToken", message, request_id)
    answer.headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return answer


def intune_message(text: str, request_id: str, path: str) -> str:
    """Intune's error text: JSON serialised into a string, CRLF-indented, as the service does."""
    url = (f"https://fef.msub05.manage.microsoft.com/StatelessDeviceFEService/{path}"
           "?api-version=2024-09-01")
    inner = {
        "_version": 3,
        "Message": f"{text} - Operation ID (for customer support): "
        f"00000000-0000-0000-0000-000000000000 - Activity ID: {request_id} - Url: {url}",
        "CustomApiErrorPhrase": "",
        "RetryAfter": None,
        "ErrorSourceService": "",
        "HttpHeaders": "{}",
    }
    return json.dumps(inner, indent=2).replace("\n", "\r\n")


def forbidden(one_of: Sequence[str], request_id: str, path: str) -> Answer:
    text = ("Application is not authorized to perform this operation. Application must have one "
            f"of the following scopes: {', '.join(one_of)}")
    return Answer(403, {"error": {"code": "Forbidden",
                                  "message": intune_message(text, request_id, path),
                                  "innerError": inner_error(request_id)}})


def not_found(request_id: str, path: str) -> Answer:
    text = "The requested resource does not exist."
    return Answer(404, {"error": {"code": "ResourceNotFound",
                                  "message": intune_message(text, request_id, path),
                                  "innerError": inner_error(request_id)}})


def segment_not_found(segments: list[str], version: str, request_id: str) -> Answer:
    """Graph's answer to a path it does not know, such as a beta-only resource on v1.0."""
    known: list[str] = []
    for segment in segments:
        candidate = [*known, segment]
        if not _prefix_known(candidate, version):
            return graph_error(400, "BadRequest",
                               f"Resource not found for the segment '{segment}'.", request_id)
        known = candidate
    return graph_error(400, "BadRequest", f"Resource not found for the segment '{segments[-1]}'.",
                       request_id)


def _prefix_known(segments: list[str], version: str) -> bool:
    patterns: list[tuple[str, rules.CollectionRule | rules.SingletonRule]] = [
        *rules.COLLECTION_RULES.items(), *rules.SINGLETON_RULES.items()]
    for pattern, rule in patterns:
        parts = pattern.split("/")
        if version not in rule.versions or len(parts) + 1 < len(segments):
            continue
        padded = [*parts, "{id}"]
        if all(part in ("{id}", segment) for part, segment in zip(padded, segments,
                                                                   strict=False)):
            return True
    return False


def method_not_allowed(call: Call) -> Answer:
    return graph_error(405, "BadRequest", f"The HTTP method '{call.method}' is not allowed on "
                       f"'{call.path}'.", call.request_id)


def position_token(prefix: str, offset: int) -> str:
    """A `$skiptoken` that carries where the next page starts (`prefix` names the listing)."""
    return base64.urlsafe_b64encode(f"{prefix}:{offset}".encode()).decode().rstrip("=")


def position_from(call: Call, prefix: str) -> int:
    """The offset a `position_token` of this listing carries (0 without one); any other token
    is Graph's 400."""
    token = call.params.get("$skiptoken")
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if text.startswith(prefix + ":"):
            return int(text[len(prefix) + 1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise GraphAnswer(graph_error(400, "BadRequest", "The $skiptoken is invalid.",
                                  call.request_id))


def page_of(call: Call, prefix: str, items: Sequence[T], top: int,
            body: dict[str, Any]) -> Sequence[T]:
    """The `top` items this call asks for: from where its `$skiptoken` (a `position_token` of
    the listing `prefix`) says, or the first ones; sets `@odata.nextLink` in `body` when more
    follow."""
    offset = position_from(call, prefix)
    if offset + top < len(items):
        body["@odata.nextLink"] = next_link(call, position_token(prefix, offset + top))
    return items[offset:offset + top]
