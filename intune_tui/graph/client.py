"""The Graph client: requests, paging, `$batch`, retries and typed errors over async httpx.

Retry rules, in short:
- 429: wait `Retry-After` (or backoff without one) through the tenant-wide throttle gate.
- 503/504 (and 502) on a read: jittered exponential backoff; a 503 on a list's first page is
  retried with a smaller `$top` first (large Intune app listings answer 503).
- A change (POST, PATCH, DELETE, ...) is sent again only when Graph *answered* 429, which says it
  was not processed (after its Retry-After, through the gate); and after a 401, which Graph
  answers before it processes anything. Everything else is sent once:
  - a 5xx that can come after the service acted (500, 502, 503, 504: a gateway can answer 503
    after Intune queued the action), a timeout or a connection lost after sending raise
    `OutcomeUnknown`: the caller re-reads the resource to settle it;
  - any 2xx is accepted, whatever its body: an unreadable body is `GraphResponse.body_unreadable`,
    never an error;
  - a token that could not be had (consent cancelled, sign-in failed) or a connection that could
    not be opened raise `NotSent`: nothing left this machine;
  - other answers (4xx, 429 through every retry, 501/507/509) are Graph's refusal.
  In `$batch`, a change's sub-request is sent again only after its own 429; one answered 5xx is
  unknown, and so is every change of a call whose answer was lost or unreadable. A `$batch` of
  reads only is retried as a read.
- 401: one retry with a fresh token (or with the claims of a CAE challenge).
- A read whose 2xx body is unreadable (truncated, malformed, an HTML page) is asked again with
  the same bounded back-off, like a dropped answer; a list keeps the pages it has and asks for
  the failed page again.
- `Retry-After: 0` (or a negative one, or one shorter than the back-off) waits the back-off: a
  server that says "now" must not use up every retry at once.
- Each retry that is not a throttle pause (which has its own countdown) is announced through
  `on_retry` before the wait: "retrying (2 of 6) — Graph answered HTTP 503".

The bearer token goes only to `base_url`'s origin, is never logged, and is not in any repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import json
import logging
import random
import ssl
import sys
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import httpx

from intune_tui import __version__
from intune_tui.graph.errors import (
    GraphBadResponse,
    GraphError,
    GraphNetworkError,
    NotSent,
    OutcomeUnknown,
)
from intune_tui.graph.odata import ODataQuery, encode_params
from intune_tui.graph.parsing import claims_challenge, error_for_status
from intune_tui.graph.request_log import RequestLog
from intune_tui.graph.throttle import (
    Clock,
    RetryNotice,
    Sleep,
    ThrottleGate,
    ThrottleState,
    backoff_delay,
    parse_retry_after,
    server_now,
)
from intune_tui.graph.tokens import TokenProvider
from intune_tui.text import clean

__all__ = [
    "BatchItem",
    "BatchResult",
    "GraphClient",
    "GraphResponse",
    "Page",
    "RetryNotice",
    "ThrottleState",
]


# Graph documents User-Agent as "Required" on the BitLocker key and LAPS reads
# (bitlockerrecoverykey-get, devicelocalcredentialinfo-get; learn.microsoft.com, read 2026-12-06).
USER_AGENT = f"intune-tui/{__version__}"


def preload_network_transport() -> None:
    """Import what httpx's network transport needs (httpcore, h11, anyio and anyio's asyncio
    backend: ~100 modules, ~35 ms), on the thread that calls this, at start-up.

    httpx imports them when the first client is made and the first request sent: in the
    worker thread, while the UI thread paints its first screen. The two then fight over the
    GIL, and the first request went out ~150 ms later. A session on an in-process transport
    (the demo) never needs them.
    """
    import httpcore  # noqa: F401

    with contextlib.suppress(ImportError):  # anyio's own module name: a later anyio may move it
        import anyio._backends._asyncio  # noqa: F401


def skip_absent_sniffio() -> None:
    """When sniffio is not installed, have `import sniffio` fail at once.

    httpcore 1.0.9 tries `import sniffio` (falling back to asyncio when it is absent) each time
    it sets up one of its locks, several a request (`httpcore/_synchronization.py`). An import
    that fails is not remembered: each searches sys.path again, ~120 us (measured here), which
    a long list's 1,000 requests paid on the worker's loop, holding the GIL. `None` in
    sys.modules makes it fail at once (~4 us), with the same ModuleNotFoundError; an installed
    sniffio is left alone.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def loopback_http_transport() -> httpx.AsyncHTTPTransport:
    """httpx's network transport for a plain-http loopback origin (the demo's Graph process).

    httpx's default loads the CA bundle (~45 ms, on the first request's path) for TLS that plain
    http never uses. This one's TLS context trusts no CA at all: an https URL given to it fails
    verification rather than going unverified.
    """
    return httpx.AsyncHTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))


log = logging.getLogger("intune_tui.graph")
T = TypeVar("T")

MAX_BATCH = 20
# Assumed page size when a list that answers 503 was asked without `$top` (Graph's usual default).
ASSUMED_DEFAULT_PAGE = 100
_SAFE_METHODS = frozenset({"GET", "HEAD"})
# The one status that says "not processed, try again later": the only one a change is re-sent
# after. learn.microsoft.com/graph/errors (read 2026-12-06): 429 "shouldn't attempt to repeat the
# request until an amount of time has elapsed"; 503 "may repeat the request after a delay" says
# nothing about whether a change was done, and a gateway can answer 503 after Intune acted.
_NOT_PROCESSED = frozenset({429})
_RETRIED_READ = frozenset({429, 502, 503, 504})
# 5xx answers to a change that are Graph's refusal, not a lost outcome (the same page: 501 "the
# requested feature isn't implemented", 507 "the maximum storage quota has been reached", 509
# "throttled for exceeding the maximum bandwidth cap"). Every other 5xx to a change is unknown:
# 500 is "an internal server error while processing the request", after work may have begun.
_REFUSED_5XX = frozenset({501, 507, 509})
# Failures where the request never left this machine: retrying can't repeat anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError,
             httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class GraphResponse:
    """A successful answer: status, headers, decoded JSON body (None for 204), request-id.

    body_unreadable: a change's 2xx came with a body that is not JSON (cut off, garbled). The
    change was accepted all the same; `body` is None.
    """

    status: int
    headers: httpx.Headers
    body: Any
    request_id: str | None
    body_unreadable: bool = False


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, `@odata.count` when Graph sent it, the next link, 1-based.

    `table`: what `paginate`'s `read_items` made of the answer, when it took it (then `items` is
    empty): the caller's own form of the items (a long list's table columns, issue 21)."""

    items: list[dict[str, Any]]
    count: int | None
    next_link: str | None
    number: int
    table: Any = None


@dataclass(frozen=True)
class ItemsRead:
    """A list answer as a `paginate(read_items=...)` reader read it: its items in the reader's
    own form (`Page.table`), and Graph's `@odata.count` and next link (None when absent)."""

    table: Any
    count: int | None
    next_link: str | None


# Reads a list answer's bytes its own way, or declines (None): the answer is then read as JSON.
ItemsReader = Callable[[bytes], ItemsRead | None]


@dataclass(frozen=True)
class BatchItem:
    """One request inside `$batch`; `url` is relative and without the version (`/me`)."""

    id: str
    method: str
    url: str
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class BatchResult:
    """The answer to one `BatchItem`. `error` is set when it failed; `status` is 0 if unanswered."""

    id: str
    status: int
    body: Any
    error: GraphError | None


class _PageTooLarge(Exception):
    """Internal: a list page answered 503 and may succeed with a smaller `$top`."""


@dataclass
class _CallTrace:
    """Internal: what the request log keeps of one call, filled in as its attempts go."""

    attempts: int = 0
    status: int | None = None
    request_id: str | None = None


@dataclass
class _SignInRetry:
    """The one retry a 401 earns: with a fresh token, or with a CAE claims challenge."""

    used: bool = False
    force_refresh: bool = False
    claims: str | None = None

    def after_401(self, www_authenticate: str | None) -> bool:
        if self.used:
            return False
        self.used = True
        self.force_refresh = True
        self.claims = claims_challenge(www_authenticate)
        return True

    def token_requested(self) -> None:
        self.force_refresh = False
        self.claims = None


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host.lower(), url.port or default_port


class GraphClient:
    """Async Microsoft Graph client for one tenant (one token provider).

    `sleep`, `clock` (monotonic), `wall_clock` (epoch, for date `Retry-After`s) and `jitter` (a
    number in [0, 1]) are injectable so tests run instantly and deterministically.
    """

    def __init__(
        self,
        token_provider: TokenProvider,
        *,
        base_url: str = "https://graph.microsoft.com",
        api_version: str = "v1.0",
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        on_throttle: Callable[[ThrottleState], None] | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        jitter: Callable[[], float] = random.random,
        request_log: RequestLog | None = None,
    ) -> None:
        """`request_log`: where every call is recorded (the session's; a new one if None)."""
        self.requests = request_log if request_log is not None else RequestLog()
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.throttle = ThrottleGate(clock=clock, sleep=sleep, on_change=on_throttle)
        self.request_count = 0
        self._tokens = token_provider
        self._origin = _origin(httpx.URL(self.base_url))
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock
        self._jitter = jitter
        self._on_retry = on_retry
        skip_absent_sniffio()
        self._http = httpx.AsyncClient(
            transport=transport, timeout=timeout, follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    def __repr__(self) -> str:
        return (
            f"GraphClient(base_url={self.base_url!r}, api_version={self.api_version!r}, "
            f"requests_sent={self.request_count})"
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> GraphClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- public calls -------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url_or_path: str,
        *,
        api_version: str | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        scopes: Sequence[str] | None = None,
        required_scope: str | None = None,
    ) -> GraphResponse:
        """Send one request (retried as the module doc says) and decode its JSON answer.

        A path (`/deviceManagement/managedDevices`) is put under `/{api_version}`; an absolute URL
        is used as it is, but only on `base_url`'s origin.
        """
        method = method.upper()
        url = self._url(url_or_path, api_version, params)
        if method not in _SAFE_METHODS:
            return await self._write_to(method, url, json, scopes, required_scope)
        response, body = await self._read(
            method, url, self._decode, scopes=scopes, required_scope=required_scope
        )
        return GraphResponse(
            status=response.status_code,
            headers=response.headers,
            body=body,
            request_id=response.headers.get("request-id"),
        )

    async def get(
        self,
        path: str,
        *,
        query: ODataQuery | None = None,
        api_version: str | None = None,
        required_scope: str | None = None,
    ) -> dict[str, Any]:
        """GET one object (JSON object expected)."""
        params = query.to_params() if query else None
        url = self._url(path, api_version, params)
        _response, body = await self._read(
            "GET", url, self._object, headers=_query_headers(query),
            required_scope=required_scope,
        )
        return body

    async def paginate(
        self,
        path: str,
        *,
        query: ODataQuery | None = None,
        api_version: str | None = None,
        required_scope: str | None = None,
        min_page_size: int = 20,
        read_items: ItemsReader | None = None,
        first_read_after: Callable[[], Awaitable[None]] | None = None,
    ) -> AsyncGenerator[Page, None]:
        """Yield every page of a list, following `@odata.nextLink` exactly as Graph sent it.

        `read_items`: offered each answer's bytes first; a page it reads comes with its `table`
        and no `items`. What it declines is read as JSON, which also judges (and asks again
        for) unreadable answers. `first_read_after`: the first page is asked for at once, and
        its answer read once this returns."""
        query = query or ODataQuery()
        headers = _query_headers(query)
        response, page = await self._first_page(
            path, query, api_version, required_scope, min_page_size, read_items,
            first_read_after,
        )
        links_followed: set[str] = set()
        number = 1
        while True:
            status, request_id = response.status_code, response.headers.get("request-id")
            # Not held while the caller works on the page: an httpx response sits in a reference
            # cycle, so only the cyclic collector frees it, and its body is the size of the page.
            del response
            yield page
            if page.next_link is None:
                return
            if page.next_link in links_followed:
                raise _bad_response("Graph sent the same next-page link twice", status,
                                    request_id)
            links_followed.add(page.next_link)
            url = self._url(page.next_link, None, None)
            number += 1
            response, page = await self._read(
                "GET", url, partial(self._page, number=number, read_items=read_items),
                headers=headers,
                required_scope=required_scope,
                # (A first page is read on the loop: at start-up, while the first rows are
                # drawn, a loop waiting for the row engine leaves the UI the GIL.)
                off_loop=read_items is not None,
            )

    async def write(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        api_version: str | None = None,
        scopes: Sequence[str] | None = None,
        required_scope: str | None = None,
        secret_fields: frozenset[str] = frozenset(),
    ) -> GraphResponse:
        """Send one change (POST, DELETE, PATCH) exactly once, as the module doc says: any 2xx
        is returned (its body may be unreadable), `OutcomeUnknown` when it may or may not have
        happened, `NotSent` when it never left, another `GraphError` when Graph refused it.
        `secret_fields`: body fields whose values the request log does not keep."""
        method = method.upper()
        if method in _SAFE_METHODS:
            raise ValueError(f"{method} is not a change; use get or request")
        return await self._write_to(method, self._url(path, api_version, None), json, scopes,
                                    required_scope, secret_fields)

    async def _write_to(self, method: str, url: str, json: Any,
                        scopes: Sequence[str] | None,
                        required_scope: str | None,
                        secret_fields: frozenset[str] = frozenset()) -> GraphResponse:
        response = await self._send(
            method, url, json_body=json, scopes=scopes, required_scope=required_scope,
            secret_fields=secret_fields,
        )
        return self._accepted(method, url, response)

    def _accepted(self, method: str, url: str, response: httpx.Response) -> GraphResponse:
        """A change's 2xx: accepted whatever its body; an unreadable body is only noted."""
        try:
            body, unreadable = self._decode(response), False
        except GraphBadResponse:
            log.debug("%s %s accepted (HTTP %s) with an unreadable body", method, url,
                      response.status_code)
            body, unreadable = None, True
        return GraphResponse(
            status=response.status_code,
            headers=response.headers,
            body=body,
            request_id=response.headers.get("request-id"),
            body_unreadable=unreadable,
        )

    async def post_action(
        self,
        path: str,
        *,
        json: Any = None,
        api_version: str | None = None,
        scopes: Sequence[str] | None = None,
        required_scope: str | None = None,
    ) -> GraphResponse:
        """POST an action (e.g. a remote device action) exactly once: see `write`."""
        return await self.write(
            "POST",
            path,
            api_version=api_version,
            json=json,
            scopes=scopes,
            required_scope=required_scope,
        )

    async def batch(
        self,
        items: Sequence[BatchItem],
        *,
        api_version: str | None = None,
        scopes: Sequence[str] | None = None,
        required_scope: str | None = None,
        secret_fields: frozenset[str] = frozenset(),
    ) -> list[BatchResult]:
        """Send `items` through `$batch`, 20 per call; one result per item, in input order.
        `secret_fields`: fields of the items' bodies whose values the request log does not keep.

        Each sub-answer stands on its own: a change is sent again only after its own 429, a
        read after 429/502/503/504 (after their Retry-After); others become a result with `error`
        set (`OutcomeUnknown` for a change answered 5xx). When a whole call fails (a lost or
        unreadable answer, a network error), every item of that call gets that error, a change
        `OutcomeUnknown` when the call may have been run; the other calls still go out.
        """
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            raise ValueError("batch item ids must be unique")
        results: dict[str, BatchResult] = {}
        for start in range(0, len(items), MAX_BATCH):
            chunk = items[start : start + MAX_BATCH]
            results.update(await self._batch_chunk(chunk, api_version, scopes, required_scope,
                                                   secret_fields))
        return [results[item.id] for item in items]

    # -- sending and retrying -----------------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        scopes: Sequence[str] | None = None,
        required_scope: str | None = None,
        shrinkable: bool = False,
        as_read: bool = False,
        secret_fields: frozenset[str] = frozenset(),
        read_after: Callable[[], Awaitable[None]] | None = None,
    ) -> httpx.Response:
        """Send until a success, a final error, or a lost answer to a change. Returns a 2xx.

        as_read: retry this POST as a read (a `$batch` of GETs changes nothing).
        read_after (a read): each answer's body is read once this returns (`_transmit`).
        The call goes into the request log however it ends; a `GraphError` it raises carries
        the log entry's number (`request_entry`), so an error shown can open its request.
        """
        trace = _CallTrace()
        number, started = self.requests.begin()
        try:
            response = await self._attempts(
                method, url, trace, json_body=json_body, headers=headers, scopes=scopes,
                required_scope=required_scope, shrinkable=shrinkable, as_read=as_read,
                read_after=read_after,
            )
        except BaseException as error:
            self._log_call(method, url, headers, json_body, trace, number, started, error,
                           secret_fields)
            if isinstance(error, GraphError):
                error.request_entry = number
            raise
        self._log_call(method, url, headers, json_body, trace, number, started, None,
                       secret_fields)
        return response

    def _log_call(self, method: str, url: str, headers: Mapping[str, str] | None,
                  json_body: Any, trace: _CallTrace, number: int, started: datetime,
                  error: BaseException | None,
                  secret_fields: frozenset[str] = frozenset()) -> None:
        outcome = ""
        if isinstance(error, asyncio.CancelledError):
            outcome = "cancelled"
        elif isinstance(error, _PageTooLarge):
            outcome = "too large: asked again with a smaller page"
        elif error is not None and trace.status is None:
            never_sent = isinstance(error, NotSent) or trace.attempts == 0
            outcome = "not sent" if never_sent else "no answer"
        self.requests.record(
            number=number, time=started, method=method, url=url, status=trace.status,
            retries=max(trace.attempts - 1, 0), request_id=trace.request_id,
            headers=headers, body=json_body, outcome=outcome, secret_fields=secret_fields,
        )

    async def _attempts(
        self,
        method: str,
        url: str,
        trace: _CallTrace,
        *,
        json_body: Any,
        headers: Mapping[str, str] | None,
        scopes: Sequence[str] | None,
        required_scope: str | None,
        shrinkable: bool,
        as_read: bool,
        read_after: Callable[[], Awaitable[None]] | None = None,
    ) -> httpx.Response:
        safe = method in _SAFE_METHODS or as_read
        if not safe:
            read_after = None  # a change's answer is read as it comes (`_read_or_status_only`)
        retries = 0
        sign_in = _SignInRetry()
        while True:
            await self.throttle.wait()
            token = await self._token(scopes, sign_in, safe)
            sign_in.token_requested()
            trace.attempts += 1
            trace.status = trace.request_id = None  # the log shows how the last attempt ended
            try:
                response = await self._transmit(method, url, token, json_body, headers,
                                                 keep_status=not safe, read_after=read_after)
            except httpx.TransportError as exc:
                if not safe and not isinstance(exc, _NOT_SENT):
                    raise _outcome_unknown(method, exc) from exc
                if not safe:
                    raise _not_sent(method, exc) from exc
                if retries >= self.max_retries:
                    raise _network_error(exc, retries + 1) from exc
                delay = self._backoff(retries)
                self._announce_retry(retries, f"no answer from Graph ({type(exc).__name__})", delay)
                await self._sleep(delay)
                retries += 1
                continue
            status = response.status_code
            trace.status, trace.request_id = status, response.headers.get("request-id")
            if 200 <= status < 300:
                return response
            if status == 401 and sign_in.after_401(response.headers.get("www-authenticate")):
                continue
            if shrinkable and status == 503:
                raise _PageTooLarge
            if _retryable("GET" if safe else method, status) and retries < self.max_retries:
                await self._wait_before_retry(status, response.headers, retries, method, url)
                retries += 1
                continue
            raise self._failure(
                "GET" if safe else method, status, response.content,
                response.headers.get("request-id"), required_scope, attempts=retries + 1,
            )

    async def _token(self, scopes: Sequence[str] | None, sign_in: _SignInRetry,
                     safe: bool) -> str:
        """A token for the next attempt. For a change, a failure here means nothing was sent
        (every earlier attempt was answered 401 or 429, which Graph does not process): it
        becomes `NotSent`. For a read, the sign-in error goes up as it is."""
        try:
            return await self._tokens.get_token(
                scopes=scopes,
                force_refresh=sign_in.force_refresh,
                claims_challenge=sign_in.claims,
            )
        except Exception as exc:
            if safe:
                raise
            reason = clean(str(exc)) or type(exc).__name__
            raise NotSent(f"Not sent: no sign-in token ({reason}). Nothing was changed.",
                          detail=type(exc).__name__) from exc

    async def _transmit(
        self,
        method: str,
        url: str,
        token: str,
        json_body: Any,
        extra_headers: Mapping[str, str] | None,
        *,
        keep_status: bool = False,
        read_after: Callable[[], Awaitable[None]] | None = None,
    ) -> httpx.Response:
        """Send once. keep_status (a change): the status line is read first, so an answer whose
        body is cut off after it still counts by its status (see `_read_or_status_only`).
        read_after (a read): the body is read once it returns; until then it waits, unread, in
        the connection (start-up: a page the first frame does not show, ui/startup.py)."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if extra_headers:
            headers.update(extra_headers)
        request = self._http.build_request(method, url, headers=headers, json=json_body)
        started = self._clock()
        try:
            response = await self._http.send(request, stream=keep_status
                                             or read_after is not None)
            if keep_status:
                response = await _read_or_status_only(response, method, url)
            elif read_after is not None:
                response = await _read_later(response, read_after)
        except _NOT_SENT as exc:
            log.debug("%s %s not sent: %s", method, url, type(exc).__name__)
            raise
        except httpx.TransportError as exc:
            self.request_count += 1
            log.debug(
                "%s %s sent, no answer after %.0f ms: %s",
                method, url, (self._clock() - started) * 1000, type(exc).__name__,
            )
            raise
        self.request_count += 1
        log.debug(
            "%s %s -> %s in %.0f ms (request-id %s)",
            method, url, response.status_code, (self._clock() - started) * 1000,
            response.headers.get("request-id", "-"),
        )
        return _without_stream_cycle(response)

    async def _wait_before_retry(
        self, status: int, headers: Mapping[str, str], retries: int, method: str, url: str
    ) -> None:
        delay = self._retry_delay(headers, retries)
        log.debug(
            "%s %s answered %s, retry %d of %d in %.2f s",
            method, url, status, retries + 1, self.max_retries, delay,
        )
        if status == 429:
            # The gate holds every request of this client, this one included, until it passes.
            reason = f"Graph throttled a request (HTTP 429), waiting {delay:.1f} s"
            self.throttle.pause(delay, reason)
        else:
            self._announce_retry(retries, f"Graph answered HTTP {status}", delay)
            await self._sleep(delay)

    def _retry_delay(self, headers: Mapping[str, str], retries: int) -> float:
        wall_now = self._wall_clock()
        retry_after = parse_retry_after(
            headers.get("retry-after"), now=server_now(headers, wall_now)
        )
        backoff = self._backoff(retries)
        # "Retry-After: 0" (or negative, clamped to 0) must not spend every retry at once.
        return backoff if retry_after is None else max(retry_after, backoff)

    def _announce_retry(self, retries: int, reason: str, delay: float) -> None:
        """Tell `on_retry` before waiting, so a user sees why nothing arrives (never raises)."""
        if self._on_retry is None:
            return
        notice = RetryNotice(attempt=retries + 2, attempts=self.max_retries + 1,
                             reason=clean(reason), delay=delay)
        try:
            self._on_retry(notice)
        except Exception:  # a closing UI must not break the request
            log.debug("retry notice not delivered", exc_info=True)

    async def _read(
        self,
        method: str,
        url: str,
        parse: Callable[[httpx.Response], T],
        *,
        headers: Mapping[str, str] | None = None,
        scopes: Sequence[str] | None = None,
        required_scope: str | None = None,
        shrinkable: bool = False,
        off_loop: bool = False,
        read_after: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[httpx.Response, T]:
        """Send a read and `parse` its answer; an unreadable 2xx body is asked for again.

        A truncated or malformed body is a transport failure that happened to arrive with a
        200: the same bounded back-off as a dropped answer, then the last error.
        `off_loop`: parse on a page-reading thread (`_page_readers`), not the loop's.
        `read_after`: the answer's body is read and parsed once this returns (the request
        goes out at once).
        """
        unreadable = 0
        while True:
            response = await self._send(
                method, url, headers=headers, scopes=scopes, required_scope=required_scope,
                shrinkable=shrinkable, read_after=read_after,
            )
            try:
                if off_loop:
                    return response, await asyncio.get_running_loop().run_in_executor(
                        _page_readers(), parse, response)
                return response, parse(response)
            except GraphBadResponse as error:
                if unreadable >= self.max_retries:
                    raise
                delay = self._backoff(unreadable)
                log.debug("%s %s: unreadable answer (%s), retry %d of %d in %.2f s",
                          method, url, error, unreadable + 1, self.max_retries, delay)
                self._announce_retry(unreadable, _unreadable_reason(error), delay)
                await self._sleep(delay)
                unreadable += 1

    def _backoff(self, retries: int) -> float:
        return backoff_delay(
            retries, base=self.backoff_base, cap=self.backoff_cap, jitter=self._jitter()
        )

    def _failure(
        self,
        method: str,
        status: int,
        body: Any,
        request_id: str | None,
        required_scope: str | None,
        *,
        attempts: int,
    ) -> GraphError:
        if method not in _SAFE_METHODS and status >= 500 and status not in _REFUSED_5XX:
            return OutcomeUnknown(
                f"Graph answered HTTP {status}, which can come after the change was made: it "
                "may or may not have happened; check before trying again",
                status=status,
                request_id=request_id,
            )
        return error_for_status(
            status,
            body,
            request_id=request_id,
            required_scope=required_scope,
            attempts=attempts,
        )

    # -- URLs, bodies, pages ------------------------------------------------------------------

    def _url(
        self, url_or_path: str, api_version: str | None, params: Mapping[str, str] | None
    ) -> str:
        if "://" in url_or_path:
            target = httpx.URL(url_or_path)
            if _origin(target) != self._origin:
                raise GraphBadResponse(
                    f"Refused to follow a link to another server ({clean(target.host)}): "
                    "the sign-in token is only ever sent to Graph",
                    detail=clean(url_or_path),
                )
            url = url_or_path
        else:
            path = url_or_path if url_or_path.startswith("/") else f"/{url_or_path}"
            url = f"{self.base_url}/{api_version or self.api_version}{path}"
        if params:
            url += ("&" if "?" in url else "?") + encode_params(params)
        return url

    def _decode(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content.strip():
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            content_type = response.headers.get("content-type", "")
            what = "an HTML page" if "html" in content_type.lower() else "malformed JSON"
            raise self._bad_response(f"Graph answered with {what}", response) from None

    def _object(self, response: httpx.Response) -> dict[str, Any]:
        body = self._decode(response)
        if not isinstance(body, dict):
            raise self._bad_response("Graph's answer was not a JSON object", response)
        return body

    def _bad_response(self, sentence: str, response: httpx.Response) -> GraphBadResponse:
        return _bad_response(sentence, response.status_code, response.headers.get("request-id"))

    async def _first_page(
        self,
        path: str,
        query: ODataQuery,
        api_version: str | None,
        required_scope: str | None,
        min_page_size: int,
        read_items: ItemsReader | None = None,
        read_after: Callable[[], Awaitable[None]] | None = None,
    ) -> tuple[httpx.Response, Page]:
        """Fetch page 1, halving `$top` on each 503 down to `min_page_size` before giving up."""
        headers = _query_headers(query)
        while True:
            smaller = _smaller_page(query.top, min_page_size)
            url = self._url(path, api_version, query.to_params())
            try:
                return await self._read(
                    "GET",
                    url,
                    partial(self._page, number=1, read_items=read_items),
                    headers=headers,
                    required_scope=required_scope,
                    shrinkable=smaller is not None,
                    read_after=read_after,
                )
            except _PageTooLarge:
                log.debug("GET %s answered 503, asking again with $top=%s", url, smaller)
                query = query.with_top(smaller)

    def _page(self, response: httpx.Response, number: int,
              read_items: ItemsReader | None = None) -> Page:
        if read_items is not None and response.status_code != 204:
            read = _read_items(read_items, response.content)
            if read is not None:
                return Page(items=[], count=read.count, next_link=read.next_link,
                            number=number, table=read.table)
        body = self._decode(response)
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise self._bad_response("Graph's list answer had no list of items", response)
        items = body["value"]
        if not all(isinstance(item, dict) for item in items):
            raise self._bad_response("Graph's list answer held non-items", response)
        count = body.get("@odata.count")
        next_link = body.get("@odata.nextLink")
        return Page(
            items=items,
            count=count if isinstance(count, int) and not isinstance(count, bool) else None,
            next_link=next_link if isinstance(next_link, str) and next_link else None,
            number=number,
        )

    # -- $batch -------------------------------------------------------------------------------

    async def _batch_chunk(
        self,
        chunk: Sequence[BatchItem],
        api_version: str | None,
        scopes: Sequence[str] | None,
        required_scope: str | None,
        secret_fields: frozenset[str] = frozenset(),
    ) -> dict[str, BatchResult]:
        results: dict[str, BatchResult] = {}
        pending = list(chunk)
        retries = 0
        url = self._url("/$batch", api_version, None)
        while pending:
            reads_only = all(item.method.upper() in _SAFE_METHODS for item in pending)
            try:
                response = await self._send(
                    "POST",
                    url,
                    json_body={"requests": [_batch_request(item) for item in pending]},
                    scopes=scopes,
                    required_scope=required_scope,
                    as_read=reads_only,
                    secret_fields=secret_fields,
                )
            except GraphError as error:
                # The call failed whole: only the items it carried share its fate (the items
                # an earlier round settled keep their own answers).
                for item in pending:
                    results[item.id] = BatchResult(item.id, error.status or 0, None, error)
                break
            try:
                answers = self._batch_answers(response)
            except GraphBadResponse as error:
                # Graph ran the call (200) but its answer cannot be read: each change may or may
                # not have happened.
                results.update(_batch_unreadable(pending, error))
                break
            again: list[BatchItem] = []
            delays: list[float] = []
            throttled = False
            for item in pending:
                answer = answers.get(item.id)
                status = answer.get("status") if answer else None
                if answer is None or not isinstance(status, int):
                    results[item.id] = self._unanswered(item, response)
                    continue
                headers = _sub_headers(answer)
                if _retryable(item.method.upper(), status) and retries < self.max_retries:
                    again.append(item)
                    delays.append(self._retry_delay(headers, retries))
                    throttled = throttled or status == 429
                    continue
                results[item.id] = self._batch_result(
                    item, status, answer.get("body"), headers, required_scope, retries + 1
                )
            if again:
                delay = max(delays)
                if throttled:
                    self.throttle.pause(
                        delay, f"Graph throttled a batch (HTTP 429), waiting {delay:.1f} s"
                    )
                else:
                    await self._sleep(delay)
                retries += 1
            pending = again
        return results

    def _batch_answers(self, response: httpx.Response) -> dict[str, dict[str, Any]]:
        body = self._decode(response)
        answers = body.get("responses") if isinstance(body, dict) else None
        if not isinstance(answers, list):
            raise self._bad_response("Graph's batch answer had no list of responses", response)
        return {
            str(answer.get("id")): answer for answer in answers if isinstance(answer, dict)
        }

    def _unanswered(self, item: BatchItem, response: httpx.Response) -> BatchResult:
        error: GraphError = self._bad_response(
            f"Graph's batch answer skipped request {item.id}", response
        )
        if item.method.upper() not in _SAFE_METHODS:
            error = OutcomeUnknown(
                f"Graph's batch answer said nothing about request {item.id}: it may or may not "
                "have happened; check before trying again",
                request_id=response.headers.get("request-id"),
            )
        return BatchResult(item.id, 0, None, error)

    def _batch_result(
        self,
        item: BatchItem,
        status: int,
        body: Any,
        headers: httpx.Headers,
        required_scope: str | None,
        attempts: int,
    ) -> BatchResult:
        if 200 <= status < 300:
            return BatchResult(item.id, status, body, None)
        error = self._failure(
            item.method.upper(), status, body, headers.get("request-id"), required_scope,
            attempts=attempts,
        )
        return BatchResult(item.id, status, body, error)


def _bad_response(sentence: str, status: int, request_id: str | None) -> GraphBadResponse:
    suffix = f" (request-id {request_id})" if request_id else ""
    return GraphBadResponse(sentence + suffix, status=status, request_id=request_id)


def _unreadable_reason(error: GraphBadResponse) -> str:
    # The sentence without its request-id: a status line has no room for it.
    return str(error).split(" (request-id", 1)[0]


def _retryable(method: str, status: int) -> bool:
    return status in (_RETRIED_READ if method in _SAFE_METHODS else _NOT_PROCESSED)


# A long list's answers are read (`paginate(read_items=...)`: the row engine's JSON reader, ~3
# ms of CPU a 1,000-device page, mostly outside the GIL) on a thread of their own: the loop
# meanwhile sends the next requests and takes in other answers, where reading them on it held
# it for every page (issue 21: at a million devices the loop's thread was the load's bottleneck).
PAGE_READERS = 1


@functools.cache  # made once, at first use (two threads racing may make one that stays idle)
def _page_readers() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(PAGE_READERS, thread_name_prefix="graph-page-read")


def _read_items(read_items: ItemsReader, content: bytes) -> ItemsRead | None:
    """`read_items(content)`; a reader that fails declines (the page is read as JSON)."""
    try:
        return read_items(content)
    except Exception:
        log.warning("a list page could not be read as columns; read as JSON", exc_info=True)
        return None


def _smaller_page(top: int | None, minimum: int) -> int | None:
    """Half the page size, not below `minimum`; None when it cannot get smaller."""
    current = top if top is not None else ASSUMED_DEFAULT_PAGE
    if current <= minimum:
        return None
    return max(minimum, current // 2)


def _query_headers(query: ODataQuery | None) -> dict[str, str] | None:
    # Directory objects need this header for $count and $search; Intune ignores it.
    if query is not None and (query.count or query.search):
        return {"ConsistencyLevel": "eventual"}
    return None


def _batch_request(item: BatchItem) -> dict[str, Any]:
    url = item.url if item.url.startswith("/") else f"/{item.url}"
    request: dict[str, Any] = {"id": item.id, "method": item.method.upper(), "url": url}
    if item.body is not None:
        request["body"] = item.body
        request["headers"] = {"Content-Type": "application/json"}
    return request


def _sub_headers(answer: Mapping[str, Any]) -> httpx.Headers:
    raw = answer.get("headers")
    if not isinstance(raw, dict):
        return httpx.Headers()
    return httpx.Headers({str(key): str(value) for key, value in raw.items()})


def _network_error(exc: Exception, attempts: int) -> GraphNetworkError:
    tries = f" after {attempts} tries" if attempts > 1 else ""
    reason = clean(str(exc)) or type(exc).__name__
    return GraphNetworkError(
        f"Could not reach Graph{tries} ({reason}): nothing was changed",
        detail=type(exc).__name__,
    )


# The body given to an answer whose status came but whose body was cut off: never valid JSON.
_CUT_OFF = b"\x00"


async def _read_later(response: httpx.Response, read_after: Callable[[], Awaitable[None]]
                      ) -> httpx.Response:
    """The answer with its body read once `read_after()` has returned (a failure to read it
    goes up as the `httpx.TransportError` an unstreamed send would raise)."""
    try:
        await read_after()
        await response.aread()
    except BaseException:
        await response.aclose()
        raise
    return response


async def _read_or_status_only(response: httpx.Response, method: str, url: str
                               ) -> httpx.Response:
    """The answer with its body read; when the connection breaks after the status line, the
    answer's status and headers with a body that says it was cut off (a 2xx is then accepted
    with an unreadable body; another status counts as that status)."""
    try:
        await response.aread()
        return response
    except httpx.TransportError as exc:
        await response.aclose()
        log.debug("%s %s -> %s, then the body was cut off: %s", method, url,
                  response.status_code, type(exc).__name__)
        kept = [(name, value) for name, value in response.headers.multi_items()
                if name.lower() not in ("content-length", "content-encoding",
                                        "transfer-encoding", "content-type")]
        cut = _CUT_OFF if 200 <= response.status_code < 300 else b""
        return httpx.Response(response.status_code, headers=kept, content=cut,
                              request=response.request)


def _without_stream_cycle(response: httpx.Response) -> httpx.Response:
    """The answer, its body read, freed by reference counting once dropped.

    httpx ties an answer and its stream to each other (`response.stream` holds the response),
    so every answer is cyclic garbage: a page (~0.7 MB at 1,000 devices) waits for the
    collector, and one alive when the UI moves long-lived objects out of the collector's reach
    (`gc.freeze`) is never freed. The body is read and the stream closed: nothing reads the
    stream again, and an empty one stands in for it.
    """
    if response.is_closed:
        response.stream = httpx.ByteStream(b"")
    return response


def _not_sent(method: str, exc: Exception) -> NotSent:
    reason = clean(str(exc)) or type(exc).__name__
    return NotSent(f"Could not reach Graph ({reason}): the {method} was not sent, nothing was "
                   "changed", detail=type(exc).__name__)


def _batch_unreadable(items: Sequence[BatchItem], error: GraphBadResponse
                      ) -> dict[str, BatchResult]:
    results: dict[str, BatchResult] = {}
    for item in items:
        item_error: GraphError = error
        if item.method.upper() not in _SAFE_METHODS:
            item_error = OutcomeUnknown(
                f"Graph ran the batch but its answer could not be read: request {item.id} may "
                "or may not have happened; check before trying again",
                status=error.status, request_id=error.request_id)
        results[item.id] = BatchResult(item.id, 0, None, item_error)
    return results


def _outcome_unknown(method: str, exc: Exception) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"The connection dropped after the {method} was sent: it may or may not have happened; "
        "check before trying again",
        detail=type(exc).__name__,
    )
