"""The Graph client: requests, paging, `$batch`, retries and typed errors over async httpx.

Retry rules, in short:
- 429: wait `Retry-After` (or backoff without one) through the tenant-wide throttle gate.
- 503/504 (and 502) on a read: jittered exponential backoff; a 503 on a list's first page is
  retried with a smaller `$top` first (large Intune app listings answer 503).
- A change (POST, PATCH, DELETE, ...) is retried only when Graph *answered* 429 or 503, which means
  it was not processed. An answer lost after sending, or a gateway timeout, raises `OutcomeUnknown`
  and is never sent again.
- 401: one retry with a fresh token (or with the claims of a CAE challenge).

The bearer token goes only to `base_url`'s origin, is never logged, and is not in any repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from intune_tui import __version__
from intune_tui.graph.errors import (
    GraphBadResponse,
    GraphError,
    GraphNetworkError,
    OutcomeUnknown,
)
from intune_tui.graph.odata import ODataQuery, encode_params
from intune_tui.graph.parsing import claims_challenge, error_for_status
from intune_tui.graph.throttle import (
    Clock,
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


def loopback_http_transport() -> httpx.AsyncHTTPTransport:
    """httpx's network transport for a plain-http loopback origin (the demo's Graph process).

    httpx's default loads the CA bundle (~45 ms, on the first request's path) for TLS that plain
    http never uses. This one's TLS context trusts no CA at all: an https URL given to it fails
    verification rather than going unverified.
    """
    return httpx.AsyncHTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))


log = logging.getLogger("intune_tui.graph")

MAX_BATCH = 20
# Assumed page size when a list that answers 503 was asked without `$top` (Graph's usual default).
ASSUMED_DEFAULT_PAGE = 100
_SAFE_METHODS = frozenset({"GET", "HEAD"})
# Statuses that mean "not processed, try again later". Only these are retried for a change.
_NOT_PROCESSED = frozenset({429, 503})
_RETRIED_READ = frozenset({429, 502, 503, 504})
# A gateway error on a change: the gateway gave up waiting, the service may have done it.
_GATEWAY_GAVE_UP = frozenset({502, 504})
# Failures where the request never left this machine: retrying can't repeat anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError,
             httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class GraphResponse:
    """A successful answer: status, headers, decoded JSON body (None for 204), request-id."""

    status: int
    headers: httpx.Headers
    body: Any
    request_id: str | None


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, `@odata.count` when Graph sent it, the next link, 1-based."""

    items: list[dict[str, Any]]
    count: int | None
    next_link: str | None
    number: int


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
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        jitter: Callable[[], float] = random.random,
    ) -> None:
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
        response = await self._send(
            method, url, json_body=json, scopes=scopes, required_scope=required_scope
        )
        return GraphResponse(
            status=response.status_code,
            headers=response.headers,
            body=self._decode(response),
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
        response = await self._send(
            "GET", url, headers=_query_headers(query), required_scope=required_scope
        )
        body = self._decode(response)
        if not isinstance(body, dict):
            raise self._bad_response("Graph's answer was not a JSON object", response)
        return body

    async def paginate(
        self,
        path: str,
        *,
        query: ODataQuery | None = None,
        api_version: str | None = None,
        required_scope: str | None = None,
        min_page_size: int = 20,
    ) -> AsyncIterator[Page]:
        """Yield every page of a list, following `@odata.nextLink` exactly as Graph sent it."""
        query = query or ODataQuery()
        headers = _query_headers(query)
        response = await self._first_page(path, query, api_version, required_scope, min_page_size)
        links_followed: set[str] = set()
        number = 1
        while True:
            page = self._page(response, number)
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
            response = await self._send("GET", url, headers=headers, required_scope=required_scope)
            number += 1

    async def post_action(
        self,
        path: str,
        *,
        json: Any = None,
        api_version: str | None = None,
        scopes: Sequence[str] | None = None,
        required_scope: str | None = None,
    ) -> GraphResponse:
        """POST an action (e.g. a remote device action). Never re-sent once it may have arrived."""
        return await self.request(
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
    ) -> list[BatchResult]:
        """Send `items` through `$batch`, 20 per call; one result per item, in input order.

        Each sub-answer stands on its own: 429/503 ones are sent again (after their Retry-After),
        others become a result with `error` set. When a whole call fails (a lost answer, a network
        error), every item of that call gets that error; the other calls still go out.
        """
        ids = [item.id for item in items]
        if len(set(ids)) != len(ids):
            raise ValueError("batch item ids must be unique")
        results: dict[str, BatchResult] = {}
        for start in range(0, len(items), MAX_BATCH):
            chunk = items[start : start + MAX_BATCH]
            try:
                results.update(await self._batch_chunk(chunk, api_version, scopes, required_scope))
            except GraphError as error:
                for item in chunk:
                    results[item.id] = BatchResult(item.id, error.status or 0, None, error)
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
    ) -> httpx.Response:
        """Send until a success, a final error, or a lost answer to a change. Returns a 2xx."""
        safe = method in _SAFE_METHODS
        retries = 0
        sign_in = _SignInRetry()
        while True:
            await self.throttle.wait()
            token = await self._tokens.get_token(
                scopes=scopes,
                force_refresh=sign_in.force_refresh,
                claims_challenge=sign_in.claims,
            )
            sign_in.token_requested()
            try:
                response = await self._transmit(method, url, token, json_body, headers)
            except httpx.TransportError as exc:
                if not safe and not isinstance(exc, _NOT_SENT):
                    raise _outcome_unknown(method, exc) from exc
                if not safe or retries >= self.max_retries:
                    raise _network_error(exc, retries + 1) from exc
                await self._sleep(self._backoff(retries))
                retries += 1
                continue
            status = response.status_code
            if 200 <= status < 300:
                return response
            if status == 401 and sign_in.after_401(response.headers.get("www-authenticate")):
                continue
            if shrinkable and status == 503:
                raise _PageTooLarge
            if _retryable(method, status) and retries < self.max_retries:
                await self._wait_before_retry(status, response.headers, retries, method, url)
                retries += 1
                continue
            raise self._failure(
                method, status, response.content, response.headers.get("request-id"),
                required_scope, attempts=retries + 1,
            )

    async def _transmit(
        self,
        method: str,
        url: str,
        token: str,
        json_body: Any,
        extra_headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if extra_headers:
            headers.update(extra_headers)
        request = self._http.build_request(method, url, headers=headers, json=json_body)
        started = self._clock()
        try:
            response = await self._http.send(request)
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
        return response

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
            await self._sleep(delay)

    def _retry_delay(self, headers: Mapping[str, str], retries: int) -> float:
        wall_now = self._wall_clock()
        retry_after = parse_retry_after(
            headers.get("retry-after"), now=server_now(headers, wall_now)
        )
        return retry_after if retry_after is not None else self._backoff(retries)

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
        if method not in _SAFE_METHODS and status in _GATEWAY_GAVE_UP:
            return OutcomeUnknown(
                f"Graph's gateway gave up waiting (HTTP {status}): the change may or may not "
                "have happened; check before trying again",
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

    def _bad_response(self, sentence: str, response: httpx.Response) -> GraphBadResponse:
        return _bad_response(sentence, response.status_code, response.headers.get("request-id"))

    async def _first_page(
        self,
        path: str,
        query: ODataQuery,
        api_version: str | None,
        required_scope: str | None,
        min_page_size: int,
    ) -> httpx.Response:
        """Fetch page 1, halving `$top` on each 503 down to `min_page_size` before giving up."""
        headers = _query_headers(query)
        while True:
            smaller = _smaller_page(query.top, min_page_size)
            url = self._url(path, api_version, query.to_params())
            try:
                return await self._send(
                    "GET",
                    url,
                    headers=headers,
                    required_scope=required_scope,
                    shrinkable=smaller is not None,
                )
            except _PageTooLarge:
                log.debug("GET %s answered 503, asking again with $top=%s", url, smaller)
                query = query.with_top(smaller)

    def _page(self, response: httpx.Response, number: int) -> Page:
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
    ) -> dict[str, BatchResult]:
        results: dict[str, BatchResult] = {}
        pending = list(chunk)
        retries = 0
        url = self._url("/$batch", api_version, None)
        while pending:
            response = await self._send(
                "POST",
                url,
                json_body={"requests": [_batch_request(item) for item in pending]},
                scopes=scopes,
                required_scope=required_scope,
            )
            answers = self._batch_answers(response)
            again: list[BatchItem] = []
            delays: list[float] = []
            throttled = False
            for item in pending:
                answer = answers.get(item.id)
                status = answer.get("status") if answer else None
                if not isinstance(status, int):
                    results[item.id] = self._unanswered(item, response)
                    continue
                headers = _sub_headers(answer)
                if status in _NOT_PROCESSED and retries < self.max_retries:
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
        error = self._bad_response(f"Graph's batch answer skipped request {item.id}", response)
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


def _retryable(method: str, status: int) -> bool:
    return status in (_RETRIED_READ if method in _SAFE_METHODS else _NOT_PROCESSED)


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


def _outcome_unknown(method: str, exc: Exception) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"The connection dropped after the {method} was sent: it may or may not have happened; "
        "check before trying again",
        detail=type(exc).__name__,
    )
