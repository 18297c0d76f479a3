"""The session's request log: one entry per Graph call the client made, newest first, bounded.

An entry holds only what describes the call: method, URL, status, timing, retries, the
request-id, the extra headers the client chose (`ConsistencyLevel`, never `Authorization`) and
the JSON body of a change. Never a token and never an answer's body, so a recovery key or a LAPS
password read through Graph cannot end up here; a body field the caller names as a secret (the
macOS unlock PIN of a wipe, inside a `$batch` too) is kept as `WITHHELD`, never its value.

`as_curl` and `as_powershell` turn an entry back into a command a support engineer can run: curl
with the token left to an environment variable, `Invoke-MgGraphRequest` with the signed-in
session of `Connect-MgGraph`.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from intune_tui.text import clean

MAX_ENTRIES = 500
TOKEN_PLACEHOLDER = "$GRAPH_TOKEN"
# Headers that carry a credential: never recorded, whatever the caller passes.
_SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
WITHHELD = "(not recorded)"


@dataclass(frozen=True, slots=True)
class RequestEntry:
    """One call. status None: no answer (network error, cancelled, never sent); `outcome` says
    which in words. retries: how many times it was sent again after the first attempt."""

    number: int
    time: datetime
    method: str
    url: str
    status: int | None
    milliseconds: float
    retries: int
    request_id: str | None
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    outcome: str = ""

    @property
    def path(self) -> str:
        """The URL without its origin: `/v1.0/deviceManagement/managedDevices?$top=50`."""
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 400


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RequestLog:
    """The last `limit` calls. Written by the client (the worker's thread), read by the UI's:
    every access holds one lock.

    `clock` stamps and times the calls: the session's clock, so a demo with a frozen clock
    shows the same times (and 0 ms) on every run. A call is numbered when it starts (`begin`)
    and listed once it has ended, newest (latest started) first.
    """

    def __init__(self, limit: int = MAX_ENTRIES,
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.clock = clock
        self.limit = limit
        self._entries: deque[RequestEntry] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._numbers = 0

    def begin(self) -> tuple[int, datetime]:
        """The next call's number and start time."""
        with self._lock:
            self._numbers += 1
            return self._numbers, self.clock()

    def record(
        self,
        *,
        number: int,
        time: datetime,
        method: str,
        url: str,
        status: int | None,
        milliseconds: float | None = None,
        retries: int = 0,
        request_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        outcome: str = "",
        secret_fields: frozenset[str] = frozenset(),
    ) -> RequestEntry:
        """Add one finished call begun as `number` at `time`. `body`: the JSON sent; kept for
        changes only (not GET/HEAD), each field named in `secret_fields` (at any depth) as
        `WITHHELD`. milliseconds None: measured here, from `time` to now."""
        if milliseconds is None:
            milliseconds = (self.clock() - time).total_seconds() * 1000
        method = method.upper()
        kept_body = None
        if body is not None and method not in ("GET", "HEAD"):
            kept_body = json.dumps(_withheld(body, secret_fields), ensure_ascii=False,
                                   separators=(",", ":"))
        kept_headers = tuple(
            (clean(name), clean(value)) for name, value in (headers or {}).items()
            if name.lower() not in _SECRET_HEADERS
        )
        with self._lock:
            entry = RequestEntry(
                number=number, time=time.astimezone(UTC), method=method, url=url,
                status=status, milliseconds=milliseconds, retries=retries,
                request_id=clean(request_id) if request_id else None,
                headers=kept_headers, body=kept_body, outcome=clean(outcome),
            )
            self._entries.append(entry)
        return entry

    def entries(self) -> list[RequestEntry]:
        """Newest first."""
        with self._lock:
            return sorted(self._entries, key=lambda entry: entry.number, reverse=True)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def find(self, number: int) -> RequestEntry | None:
        with self._lock:
            return next((entry for entry in self._entries if entry.number == number), None)


def _withheld(body: Any, secret_fields: frozenset[str]) -> Any:
    """`body` with the value of every field named in `secret_fields` replaced, at any depth."""
    if not secret_fields:
        return body
    if isinstance(body, Mapping):
        return {key: WITHHELD if key in secret_fields and value not in (None, "")
                else _withheld(value, secret_fields) for key, value in body.items()}
    if isinstance(body, list | tuple):
        return [_withheld(item, secret_fields) for item in body]
    return body


def _sh(value: str) -> str:
    """A POSIX shell word in single quotes (a quote inside becomes '\\'')."""
    return "'" + value.replace("'", "'\\''") + "'"


def _ps(value: str) -> str:
    """A PowerShell verbatim string (a quote inside is doubled)."""
    return "'" + value.replace("'", "''") + "'"


def _content_headers(entry: RequestEntry) -> Iterable[tuple[str, str]]:
    yield from entry.headers
    if entry.body is not None:
        yield ("Content-Type", "application/json")


def as_curl(entry: RequestEntry) -> str:
    """The call as one curl command line; the token comes from $GRAPH_TOKEN, never from here."""
    words = ["curl", "-X", entry.method, _sh(entry.url),
             "-H", f'"Authorization: Bearer {TOKEN_PLACEHOLDER}"']
    for name, value in _content_headers(entry):
        words += ["-H", _sh(f"{name}: {value}")]
    if entry.body is not None:
        words += ["--data-raw", _sh(entry.body)]
    return " ".join(words)


def as_powershell(entry: RequestEntry) -> str:
    """The call for the Microsoft Graph PowerShell SDK: `Invoke-MgGraphRequest` signs in through
    `Connect-MgGraph`, so no token is written at all."""
    words = ["Invoke-MgGraphRequest", "-Method", entry.method, "-Uri", _ps(entry.url)]
    if entry.headers:
        pairs = "; ".join(f"{_ps(name)} = {_ps(value)}" for name, value in entry.headers)
        words += ["-Headers", f"@{{ {pairs} }}"]
    if entry.body is not None:
        words += ["-Body", _ps(entry.body), "-ContentType", _ps("application/json")]
    return " ".join(words)
