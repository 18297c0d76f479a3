"""GraphClient tests.

Against the project's fake Graph (`intune_tui.demo.fake_graph`) for what Graph does; against
`httpx.MockTransport` server handlers only for protocol edge cases the fake cannot produce (an
HTTP-date Retry-After, a nextLink to another host, a CAE claims challenge, a read timeout).
Sleeps go through an injected clock, so no test waits and none asserts on wall time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from intune_tui.auth.errors import SignInCancelled
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.rules import ALL_DEMO_SCOPES
from intune_tui.demo.tenant import DemoTenant, build_tenant
from intune_tui.graph.client import (
    BatchItem,
    GraphClient,
    ThrottleState,
    loopback_http_transport,
)
from intune_tui.graph.errors import (
    GraphBadRequest,
    GraphBadResponse,
    GraphForbidden,
    GraphNetworkError,
    GraphNotFound,
    GraphServerError,
    GraphThrottled,
    GraphUnauthorized,
    NotSent,
    OutcomeUnknown,
)
from intune_tui.graph.odata import ODataQuery
from intune_tui.graph.tokens import StaticTokenProvider

if TYPE_CHECKING:
    import weakref

    from conftest import FakeTime, RecordingTokens

Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]
BASE = "https://graph.microsoft.com"
SECRET = "eyJ0eXAiOiJKV1QiLCJhbGciOi-secret-token"


def mock_client(handler: Handler, fake_time: FakeTime, **options: Any) -> GraphClient:
    options.setdefault("token_provider", StaticTokenProvider(SECRET))
    return GraphClient(
        options.pop("token_provider"),
        base_url=BASE,
        transport=httpx.MockTransport(handler),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        jitter=lambda: 1.0,
        **options,
    )


def graph_json(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


# --- URLs and the token ----------------------------------------------------------------------


async def test_path_goes_under_the_api_version_with_graph_style_query(fake_time: FakeTime) -> None:
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return graph_json({"id": "1"})

    client = mock_client(handler, fake_time)
    query = ODataQuery(select=("id", "deviceName"), filter="deviceName eq 'a+b'")
    await client.get("/deviceManagement/managedDevices/1", query=query)
    await client.get("deviceManagement/configurationPolicies", api_version="beta")

    assert seen[0].url.raw_path == (
        b"/v1.0/deviceManagement/managedDevices/1"
        b"?$select=id,deviceName&$filter=deviceName%20eq%20'a%2Bb'"
    )
    assert seen[1].url.path == "/beta/deviceManagement/configurationPolicies"
    assert seen[0].headers["authorization"] == f"Bearer {SECRET}"
    assert client.request_count == 2


async def test_next_link_followed_verbatim(fake_time: FakeTime) -> None:
    next_link = (
        f"{BASE}/beta/deviceManagement/configurationPolicies?$top=25"
        "&$skiptoken=%5Bcosmosdb%5D%5B%7B%22compositeToken%22%3A%7B%22token%22%3Anull%7D%7D%5D"
    )
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            return graph_json({"value": [{"id": "a"}], "@odata.nextLink": next_link})
        return graph_json({"value": [{"id": "b"}]})

    client = mock_client(handler, fake_time)
    pages = [page async for page in client.paginate("/deviceManagement/configurationPolicies")]

    assert str(seen[1].url) == next_link
    assert [page.number for page in pages] == [1, 2]
    assert [item["id"] for page in pages for item in page.items] == ["a", "b"]
    assert pages[1].next_link is None


@pytest.mark.parametrize(
    "foreign",
    [
        "https://graph.evil.example/v1.0/x?$skiptoken=1",
        "http://graph.microsoft.com/v1.0/x?$skiptoken=1",  # same host, not https
        "https://graph.microsoft.com:8443/v1.0/x?$skiptoken=1",
    ],
)
async def test_next_link_to_another_origin_is_refused(fake_time: FakeTime, foreign: str) -> None:
    hosts: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(f"{request.url.scheme}://{request.url.netloc.decode()}")
        return graph_json({"value": [{"id": "a"}], "@odata.nextLink": foreign})

    client = mock_client(handler, fake_time)
    pages = []
    with pytest.raises(GraphBadResponse, match="token is only ever sent to Graph"):
        async for page in client.paginate("/deviceManagement/managedDevices"):
            pages.append(page)

    assert len(pages) == 1
    assert hosts == [BASE]


async def test_token_never_logged_and_not_in_repr(
    fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadTimeout("timed out", request=request)
        return graph_json({"id": "1"}, **{"request-id": "rid-77"})

    client = mock_client(handler, fake_time)
    caplog.set_level(logging.DEBUG, logger="intune_tui.graph")

    await client.get("/deviceManagement/managedDevices/1")
    with pytest.raises(OutcomeUnknown) as lost:
        await client.post_action("/deviceManagement/managedDevices/1/syncDevice")

    log_text = "\n".join(record.getMessage() for record in caplog.records)
    assert f"GET {BASE}/v1.0/deviceManagement/managedDevices/1 -> 200" in log_text
    assert "rid-77" in log_text
    assert SECRET not in log_text
    assert "authorization" not in log_text.lower()
    assert SECRET not in repr(client)
    assert SECRET not in str(lost.value) and SECRET not in repr(lost.value)


# --- retries ---------------------------------------------------------------------------------


async def test_retry_after_as_http_date_is_honoured(fake_time: FakeTime) -> None:
    answers = iter([
        httpx.Response(429, headers={
            "Retry-After": "Fri, 20 Nov 2026 09:00:04 GMT",
            "Date": "Fri, 20 Nov 2026 09:00:00 GMT",
        }),
        graph_json({"id": "1"}),
    ])

    async def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    client = mock_client(handler, fake_time)
    assert await client.get("/deviceManagement/managedDevices/1") == {"id": "1"}

    assert fake_time.sleeps == [pytest.approx(4.0)]
    assert client.request_count == 2


async def test_429_without_retry_after_backs_off_then_gives_up(fake_time: FakeTime) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return graph_json({"error": {"code": "TooManyRequests", "message": "Too many"}}, 429)

    client = mock_client(handler, fake_time, max_retries=4, backoff_base=0.5, backoff_cap=3.0)
    with pytest.raises(GraphThrottled, match="after 5 tries"):
        await client.get("/deviceManagement/detectedApps")

    assert fake_time.sleeps == [0.5, 1.0, 2.0, 3.0]
    assert client.request_count == 5


async def test_one_429_holds_back_requests_started_during_the_pause(
    fake_time: FakeTime,
) -> None:
    served_at: list[tuple[str, float, int]] = []
    states: list[ThrottleState] = []
    later: list[asyncio.Task[dict[str, Any]]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        first = not served_at
        served_at.append((request.url.path, fake_time.now, 429 if first else 200))
        if first:
            return httpx.Response(429, headers={"Retry-After": "2.5"})
        return graph_json({"id": request.url.path})

    def on_throttle(state: ThrottleState) -> None:
        states.append(state)
        if state.paused:  # another screen asks for something while the tenant is throttled
            later.append(asyncio.ensure_future(client.get("/deviceManagement/deviceCategories")))

    client = mock_client(handler, fake_time, on_throttle=on_throttle)
    throttled_at = fake_time.now
    await client.get("/deviceManagement/managedDevices")
    await asyncio.gather(*later)

    assert [status for _, _, status in served_at].count(429) == 1
    assert all(at >= throttled_at + 2.5 for _, at, status in served_at if status == 200)
    assert {path for path, _, _ in served_at} == {
        "/v1.0/deviceManagement/managedDevices", "/v1.0/deviceManagement/deviceCategories"
    }
    assert states[0].paused and states[0].seconds_left == pytest.approx(2.5)
    assert states[-1] == ThrottleState(paused=False, seconds_left=0.0, reason="")
    assert client.throttle.state().paused is False


async def test_get_read_timeout_is_retried(fake_time: FakeTime) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return graph_json({"id": "1"})

    client = mock_client(handler, fake_time)
    assert await client.get("/deviceManagement/managedDevices/1") == {"id": "1"}
    assert calls == 2


async def test_get_unreachable_retries_then_network_error(fake_time: FakeTime) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = mock_client(handler, fake_time, max_retries=2)
    with pytest.raises(GraphNetworkError, match="nothing was changed"):
        await client.get("/deviceManagement/managedDevices")

    assert len(fake_time.sleeps) == 2
    assert client.request_count == 0  # nothing ever left this machine


async def test_post_not_connected_is_not_retried_and_changed_nothing(fake_time: FakeTime) -> None:
    attempts = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectTimeout("connect timeout", request=request)

    client = mock_client(handler, fake_time)
    with pytest.raises(NotSent, match="nothing was changed"):
        await client.post_action("/deviceManagement/managedDevices/1/remoteLock")
    assert attempts == 1


@pytest.mark.parametrize(
    "lost", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError]
)
async def test_post_answer_lost_is_outcome_unknown_and_sent_once(
    fake_time: FakeTime, lost: type[httpx.TransportError]
) -> None:
    attempts = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise lost("gone", request=request)

    client = mock_client(handler, fake_time)
    with pytest.raises(OutcomeUnknown, match="may or may not have happened"):
        await client.post_action("/deviceManagement/managedDevices/1/wipe", json={})
    assert attempts == 1
    assert client.request_count == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_post_answered_a_5xx_that_can_follow_processing_is_unknown_and_sent_once(
    fake_time: FakeTime, status: int,
) -> None:
    attempts = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return graph_json({"error": {"code": "x", "message": "m"}}, status,
                          **{"Retry-After": "1"})

    client = mock_client(handler, fake_time)
    with pytest.raises(OutcomeUnknown, match=f"HTTP {status}") as lost:
        await client.post_action("/deviceManagement/managedDevices/1/syncDevice")
    assert attempts == 1 and fake_time.sleeps == []
    assert lost.value.status == status


class _CutOffBody(httpx.AsyncByteStream):
    """A body whose connection breaks after its first bytes."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"@odata.context": "https://graph.micro'
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


@pytest.mark.parametrize(("status", "expected"), [
    (200, None), (204, None), (400, GraphBadRequest), (503, OutcomeUnknown)])
async def test_a_change_whose_body_is_cut_off_after_the_status_counts_by_its_status(
    fake_time: FakeTime, status: int, expected: type[Exception] | None,
) -> None:
    attempts = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return httpx.Response(status, headers={"Content-Type": "application/json",
                                               "Content-Length": "400", "request-id": "rid-9"},
                              stream=_CutOffBody())

    client = mock_client(handler, fake_time)
    if expected is None:
        done = await client.post_action("/deviceManagement/managedDevices/1/syncDevice")
        assert done.status == status and done.body is None and done.request_id == "rid-9"
        assert done.body_unreadable == (status == 200)  # a 204 has no body to read anyway
    else:
        with pytest.raises(expected) as failed:
            await client.post_action("/deviceManagement/managedDevices/1/syncDevice")
        assert failed.value.status == status and failed.value.request_id == "rid-9"
    assert attempts == 1


@pytest.mark.parametrize("status", [501, 507, 509])
async def test_post_answered_a_5xx_refusal_failed_and_is_sent_once(
    fake_time: FakeTime, status: int,
) -> None:
    attempts = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return graph_json({"error": {"code": "x", "message": "m"}}, status)

    client = mock_client(handler, fake_time)
    with pytest.raises(GraphServerError) as refused:
        await client.post_action("/deviceManagement/managedDevices/1/syncDevice")
    assert not isinstance(refused.value, OutcomeUnknown)
    assert attempts == 1


class FailingTokens:
    """A sign-in that fails (consent cancelled) when asked for the scopes of a change."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_token(self, *, scopes: Sequence[str] | None = None,
                        force_refresh: bool = False, claims_challenge: str | None = None) -> str:
        if scopes:
            raise SignInCancelled("Sign-in cancelled.")
        return self.token


async def test_a_write_whose_token_cannot_be_had_is_not_sent(fake_time: FakeTime) -> None:
    attempts = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        return httpx.Response(204)

    client = mock_client(handler, fake_time, token_provider=FailingTokens(SECRET))
    with pytest.raises(NotSent, match="Sign-in cancelled") as not_sent:
        await client.post_action("/deviceManagement/managedDevices/1/wipe", json={},
                                 scopes=["DeviceManagementManagedDevices.PrivilegedOperations.All"])
    [batched] = await client.batch(
        [BatchItem("1", "POST", "/deviceManagement/managedDevices/1/wipe")],
        scopes=["DeviceManagementManagedDevices.PrivilegedOperations.All"])
    assert isinstance(batched.error, NotSent)
    assert isinstance(not_sent.value.__cause__, SignInCancelled)
    assert attempts == 0 and client.request_count == 0


async def test_a_read_whose_token_cannot_be_had_raises_the_sign_in_error(
    fake_time: FakeTime,
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return graph_json({"id": "1"})

    client = mock_client(handler, fake_time, token_provider=FailingTokens(SECRET))
    with pytest.raises(SignInCancelled):
        await client.request("GET", "/me", scopes=["User.Read"])


async def test_claims_challenge_reacquires_once_with_the_claims(
    fake_time: FakeTime, recording_tokens: Callable[..., RecordingTokens]
) -> None:
    tokens = recording_tokens(lambda n: f"token-{n}")
    challenge = (
        'Bearer realm="", error="insufficient_claims", '
        'claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ=="'
    )

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer token-1":
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        return graph_json({"id": "1"})

    client = mock_client(handler, fake_time, token_provider=tokens)
    assert await client.get("/deviceManagement/managedDevices/1") == {"id": "1"}

    assert tokens.calls[1].force_refresh is True
    claims = tokens.calls[1].claims_challenge
    assert claims is not None and json.loads(claims)["access_token"]["acrs"]["value"] == "cp1"
    assert len(tokens.calls) == 2


async def test_second_401_is_unauthorized(
    fake_time: FakeTime, recording_tokens: Callable[..., RecordingTokens]
) -> None:
    tokens = recording_tokens(lambda n: f"token-{n}")

    async def handler(request: httpx.Request) -> httpx.Response:
        return graph_json({"error": {"code": "InvalidAuthenticationToken",
                                     "message": "Lifetime validation failed"}}, 401)

    client = mock_client(handler, fake_time, token_provider=tokens)
    with pytest.raises(GraphUnauthorized, match="sign in again"):
        await client.get("/deviceManagement/managedDevices")

    assert [call.force_refresh for call in tokens.calls] == [False, True]


async def test_html_page_instead_of_json_is_a_bad_response(fake_time: FakeTime) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, text="<html><body>Sign in to the proxy</body></html>",
            headers={"content-type": "text/html"},
        )

    client = mock_client(handler, fake_time)
    with pytest.raises(GraphBadResponse, match="HTML page"):
        await client.get("/deviceManagement/managedDevices/1")


@pytest.mark.parametrize(
    "body", [{"items": []}, {"value": {"id": "1"}}, {"value": [1, 2]}, [{"id": "1"}]]
)
async def test_list_answer_without_value_list_is_a_bad_response(
    fake_time: FakeTime, body: Any
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return graph_json(body)

    client = mock_client(handler, fake_time)
    with pytest.raises(GraphBadResponse):
        async for _ in client.paginate("/deviceManagement/managedDevices"):
            pass


async def test_server_error_on_a_read_backs_off_then_gives_up(fake_time: FakeTime) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(504, text="<html>Gateway Timeout</html>")

    client = mock_client(handler, fake_time, max_retries=3, backoff_base=1.0)
    with pytest.raises(GraphServerError, match=r"HTTP 504.*after 4 tries"):
        await client.get("/deviceManagement/managedDevices/1")
    assert fake_time.sleeps == [1.0, 2.0, 4.0]


# --- $batch ----------------------------------------------------------------------------------


async def test_batch_sub_answers_each_on_their_own_in_input_order(fake_time: FakeTime) -> None:
    posts: list[list[str]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1.0/$batch"
        requests = json.loads(request.content)["requests"]
        posts.append([sub["id"] for sub in requests])
        answers = []
        for sub in reversed(requests):  # Graph may answer in any order
            if sub["id"] == "3" and len(posts) == 1:
                answers.append({"id": "3", "status": 429, "headers": {"Retry-After": "1.5"}})
            elif sub["id"] == "4":
                answers.append({"id": "4", "status": 404, "body": {"error": {
                    "code": "ResourceNotFound", "message": "Not here"}}})
            else:
                answers.append({"id": sub["id"], "status": 200, "body": {"n": sub["id"]}})
        return graph_json({"responses": answers})

    client = mock_client(handler, fake_time)
    items = [BatchItem(str(n), "GET", f"/deviceManagement/managedDevices/{n}") for n in range(45)]
    results = await client.batch(items)

    assert [result.id for result in results] == [str(n) for n in range(45)]
    assert [len(ids) for ids in posts] == [20, 1, 20, 5]  # chunk of 20, then only the 429 one
    assert posts[1] == ["3"]
    assert fake_time.sleeps == [pytest.approx(1.5)]
    assert results[3].status == 200 and results[3].body == {"n": "3"}
    assert results[4].status == 404 and results[4].error is not None
    assert str(results[4].error).startswith("Not found: Not here")
    assert all(result.error is None for n, result in enumerate(results) if n != 4)


# --- against the fake Graph ------------------------------------------------------------------

DEVICES = "/deviceManagement/managedDevices"
APPS = "/deviceAppManagement/mobileApps"


class FakeSignIn:
    """A token provider over the fake's token issuer: caches one token like MSAL does."""

    def __init__(self, fake: FakeGraph, scopes: Sequence[str] = ALL_DEMO_SCOPES) -> None:
        self._fake = fake
        self._scopes = scopes
        self._token: str | None = None
        self.force_refresh_calls = 0

    async def get_token(
        self,
        *,
        scopes: Sequence[str] | None = None,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
    ) -> str:
        if force_refresh:
            self.force_refresh_calls += 1
        if self._token is None or force_refresh:
            self._token = self._fake.issue_token(scopes=self._scopes)
        return self._token


@pytest.fixture
def tenant() -> DemoTenant:
    return build_tenant(devices=2500)


@pytest.fixture
def fake(tenant: DemoTenant) -> FakeGraph:
    return FakeGraph(tenant)


@pytest.fixture
def sign_in(fake: FakeGraph) -> FakeSignIn:
    return FakeSignIn(fake)


@pytest.fixture
async def client(
    fake: FakeGraph, sign_in: FakeSignIn, fake_time: FakeTime
) -> AsyncIterator[GraphClient]:
    graph = GraphClient(
        sign_in,
        transport=fake.transport(),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        jitter=lambda: 1.0,
    )
    yield graph
    await graph.aclose()


def device_ids(tenant: DemoTenant) -> set[str]:
    return {tenant.devices.id_of(index) for index in tenant.devices.live_indices()}


async def all_items(
    client: GraphClient, path: str, query: ODataQuery | None = None, **options: Any
) -> list[dict[str, Any]]:
    return [
        item
        async for page in client.paginate(path, query=query, **options)
        for item in page.items
    ]


def statuses(fake: FakeGraph, method: str, path_contains: str) -> list[int | None]:
    return [
        recorded.status
        for recorded in fake.requests
        if recorded.method == method and path_contains in recorded.path
    ]


async def test_paging_returns_every_device_exactly_once(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant
) -> None:
    pages = [
        page async for page in client.paginate(DEVICES, query=ODataQuery(top=1000))
    ]

    ids = [item["id"] for page in pages for item in page.items]
    assert [len(page.items) for page in pages] == [1000, 1000, 500]
    assert len(ids) == len(set(ids)) == 2500
    assert set(ids) == device_ids(tenant)
    assert client.request_count == 3
    assert [recorded.params.get("$top") for recorded in fake.requests] == ["1000"] * 3
    assert "$skiptoken" not in fake.requests[0].params
    assert all("$skiptoken" in recorded.params for recorded in fake.requests[1:])


async def test_select_trims_properties(client: GraphClient) -> None:
    query = ODataQuery(select=("id", "deviceName", "complianceState"), top=50)

    page = await anext(client.paginate(DEVICES, query=query))

    assert len(page.items) == 50
    for item in page.items:
        assert set(item) - {"@odata.type"} == {"id", "deviceName", "complianceState"}


async def test_count_is_reported_with_the_first_page(client: GraphClient) -> None:
    page = await anext(client.paginate(DEVICES, query=ODataQuery(top=10, count=True)))
    assert page.count == 2500


async def test_429_with_retry_after_waits_that_long_then_succeeds(
    client: GraphClient, fake: FakeGraph, fake_time: FakeTime
) -> None:
    fake.faults.fail_next(429, path_contains="managedDevices", retry_after=1.5)

    items = await all_items(client, DEVICES, ODataQuery(top=1000))

    assert len(items) == 2500
    assert fake_time.sleeps == [pytest.approx(1.5)]
    assert statuses(fake, "GET", "managedDevices") == [429, 200, 200, 200]


async def test_429_storm_loses_and_duplicates_nothing(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant, fake_time: FakeTime
) -> None:
    fake.faults.rate_429 = 0.3
    fake.faults.retry_after_range = (0.2, 2.5)

    items = await all_items(client, DEVICES, ODataQuery(top=100))

    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == 2500
    assert set(ids) == device_ids(tenant)
    answered = statuses(fake, "GET", "managedDevices")
    assert answered.count(200) == 25  # every page fetched once, none twice
    assert answered.count(429) >= 5
    assert len(fake_time.sleeps) >= answered.count(429)


async def test_503_and_504_are_retried_then_succeed(
    client: GraphClient, fake: FakeGraph, fake_time: FakeTime
) -> None:
    fake.faults.fail_next(503, path_contains="managedDevices")
    fake.faults.fail_next(504, path_contains="managedDevices")

    page = await anext(client.paginate(DEVICES, query=ODataQuery(top=20)))

    assert len(page.items) == 20
    assert statuses(fake, "GET", "managedDevices") == [503, 504, 200]
    assert fake_time.sleeps == [0.5, 1.0]  # backoff (jitter pinned to its maximum)


async def test_persistent_server_errors_give_up_with_a_clear_error(
    client: GraphClient, fake: FakeGraph
) -> None:
    fake.faults.fail_next(504, path_contains="managedDevices", times=50)

    with pytest.raises(GraphServerError) as failure:
        await client.get(f"{DEVICES}?$top=1")

    assert str(failure.value).startswith("Graph had a server error (HTTP 504")
    assert "after 6 tries" in str(failure.value)
    assert failure.value.request_id is not None
    assert len(statuses(fake, "GET", "managedDevices")) == 6


async def test_503_on_a_large_app_list_retries_with_smaller_pages(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant
) -> None:
    fake.faults.app_list_503_above = 20

    apps = await all_items(client, APPS, ODataQuery(select=("id", "displayName"), top=100))

    expected = {app["id"] for app in tenant.collection(APPS.lstrip("/"))
                if not app.get("_betaOnly")}
    assert [app["id"] for app in apps].count(apps[0]["id"]) == 1
    assert {app["id"] for app in apps} == expected and len(apps) == len(expected)
    tops = [recorded.params.get("$top") for recorded in fake.requests]
    assert tops[:4] == ["100", "50", "25", "20"]
    assert set(tops[4:]) == {"20"}


async def test_expired_token_is_refreshed_once(
    client: GraphClient, fake: FakeGraph, sign_in: FakeSignIn
) -> None:
    await client.get(f"{DEVICES}?$top=1")
    fake.expire_tokens()

    body = await client.get(f"{DEVICES}?$top=1")

    assert len(body["value"]) == 1
    assert sign_in.force_refresh_calls == 1
    assert statuses(fake, "GET", "managedDevices") == [200, 401, 200]


async def test_a_token_graph_keeps_rejecting_means_sign_in_again(
    fake: FakeGraph, fake_time: FakeTime, recording_tokens: Callable[..., RecordingTokens]
) -> None:
    tokens = recording_tokens(lambda n: fake.issue_token(expires_in=-60))
    client = GraphClient(
        tokens, transport=fake.transport(), sleep=fake_time.sleep, clock=fake_time.clock
    )

    with pytest.raises(GraphUnauthorized, match="sign in again"):
        await client.get(DEVICES)

    assert [call.force_refresh for call in tokens.calls] == [False, True]
    assert statuses(fake, "GET", "managedDevices") == [401, 401]


async def test_403_names_the_missing_scope_from_intunes_nested_message(
    fake: FakeGraph, fake_time: FakeTime
) -> None:
    devices_only = FakeSignIn(fake, scopes=("DeviceManagementManagedDevices.Read.All",))
    client = GraphClient(devices_only, transport=fake.transport(), sleep=fake_time.sleep)

    with pytest.raises(GraphForbidden) as denied:
        await all_items(client, APPS, required_scope="SomethingElse.Read.All")

    assert denied.value.missing_scope == "DeviceManagementApps.Read.All"
    assert str(denied.value).startswith(
        "Access denied: the app's token lacks one of DeviceManagementApps.Read.All, "
        "DeviceManagementApps.ReadWrite.All (request-id "
    )
    assert "Operation ID" not in str(denied.value)
    assert denied.value.request_id is not None
    assert denied.value.missing_role is False


async def test_unsupported_filter_is_a_bad_request_with_graphs_reason(
    client: GraphClient,
) -> None:
    with pytest.raises(GraphBadRequest) as refused:
        await all_items(client, DEVICES, ODataQuery(filter="lastSyncDateTime eq 2026-11-01"))

    assert str(refused.value).startswith("Graph refused the request: ")
    assert "lastSyncDateTime" in str(refused.value)


async def test_missing_device_is_not_found(client: GraphClient) -> None:
    with pytest.raises(GraphNotFound, match="does not exist"):
        await client.get(f"{DEVICES}/00000000-0000-0000-0000-00000000dead")


async def test_beta_only_resource_on_v1_is_refused_but_works_on_beta(
    client: GraphClient,
) -> None:
    with pytest.raises(GraphBadRequest, match="Resource not found for the segment"):
        await all_items(client, "/deviceManagement/configurationPolicies")

    policies = await all_items(client, "/deviceManagement/configurationPolicies",
                               api_version="beta")
    assert policies


async def test_malformed_json_is_a_bad_response(client: GraphClient, fake: FakeGraph) -> None:
    fake.faults.rate_malformed = 1.0

    with pytest.raises(GraphBadResponse, match="malformed JSON"):
        await all_items(client, DEVICES, ODataQuery(top=10))


async def test_lost_get_answer_is_fetched_again(client: GraphClient, fake: FakeGraph) -> None:
    fake.faults.drop_next(path_contains="managedDevices", after_processing=True)

    items = await all_items(client, DEVICES, ODataQuery(top=1000))

    assert len(items) == 2500
    assert [recorded.dropped for recorded in fake.requests] == [True, False, False, False]


async def test_action_whose_answer_is_lost_is_sent_once_and_unknown(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant
) -> None:
    device_id = tenant.devices.id_of(7)
    fake.faults.drop_next(path_contains="syncDevice", after_processing=True)

    with pytest.raises(OutcomeUnknown, match="may or may not have happened"):
        await client.post_action(f"{DEVICES}/{device_id}/syncDevice")

    posts = [recorded for recorded in fake.requests if recorded.method == "POST"]
    assert len(posts) == 1 and posts[0].dropped
    device = await client.get(f"{DEVICES}/{device_id}",
                              query=ODataQuery(select=("id", "deviceActionResults")))
    assert "syncDevice" in {result["actionName"] for result in device["deviceActionResults"]}


async def test_action_answered_429_was_not_processed_and_is_retried(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant, fake_time: FakeTime
) -> None:
    device_id = tenant.devices.id_of(3)
    fake.faults.fail_next(429, path_contains="remoteLock", retry_after=0.75)

    done = await client.post_action(f"{DEVICES}/{device_id}/remoteLock")

    assert done.status == 204 and done.body is None
    assert statuses(fake, "POST", "remoteLock") == [429, 204]
    assert fake_time.sleeps == [pytest.approx(0.75)]


async def test_action_answered_503_after_it_was_done_is_unknown_and_never_sent_again(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant, fake_time: FakeTime
) -> None:
    index = next(i for i in range(len(tenant.devices)) if i not in tenant.devices.actions)
    fake.faults.fail_next(503, path_contains="remoteLock", retry_after=0.5,
                          after_processing=True)

    with pytest.raises(OutcomeUnknown, match="HTTP 503") as lost:
        await client.post_action(f"{DEVICES}/{tenant.devices.id_of(index)}/remoteLock")

    assert statuses(fake, "POST", "remoteLock") == [503]
    assert [record.action_name for record in tenant.devices.actions[index]] == ["remoteLock"]
    assert lost.value.status == 503 and lost.value.request_id
    assert fake_time.sleeps == []


async def test_action_accepted_with_a_cut_off_body_is_accepted(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant
) -> None:
    index = next(i for i in range(len(tenant.devices)) if i not in tenant.devices.actions)
    fake.faults.truncate_next(path_contains="syncDevice")

    done = await client.post_action(f"{DEVICES}/{tenant.devices.id_of(index)}/syncDevice")

    assert done.status == 200 and done.body_unreadable and done.body is None
    assert done.request_id
    assert statuses(fake, "POST", "syncDevice") == [200]
    assert [record.action_name for record in tenant.devices.actions[index]] == ["syncDevice"]


async def test_delete_is_a_write_sent_once_whatever_the_answer(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant
) -> None:
    first, second = tenant.devices.id_of(5), tenant.devices.id_of(6)

    done = await client.write("DELETE", f"{DEVICES}/{first}")
    fake.faults.fail_next(503, path_contains=second, after_processing=True)
    with pytest.raises(OutcomeUnknown):
        await client.write("DELETE", f"{DEVICES}/{second}")

    assert done.status == 204 and not done.body_unreadable
    assert statuses(fake, "DELETE", first) == [204]
    assert statuses(fake, "DELETE", second) == [503]
    with pytest.raises(GraphNotFound):
        await client.get(f"{DEVICES}/{second}")
    with pytest.raises(ValueError):
        await client.write("GET", f"{DEVICES}/{first}")


async def test_batch_sub_request_answered_503_after_it_was_done_is_unknown_not_resent(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant, fake_time: FakeTime
) -> None:
    ids = [tenant.devices.id_of(index) for index in range(4)]
    fake.faults.fail_next(503, path_contains=f"{ids[2]}/syncDevice", retry_after=1.0,
                          after_processing=True)
    items = [BatchItem(str(n), "POST", f"{DEVICES}/{device_id}/syncDevice")
             for n, device_id in enumerate(ids)]

    results = await client.batch(items)

    assert isinstance(results[2].error, OutcomeUnknown) and results[2].status == 503
    assert all(results[n].status == 204 and results[n].error is None for n in (0, 1, 3))
    synced = [r.path for r in fake.requests if r.in_batch and r.method == "POST"]
    assert len(synced) == len(set(synced)) == 4
    assert len([r for r in fake.requests if r.path == "/v1.0/$batch"]) == 1
    assert fake_time.sleeps == []


async def test_batch_whose_answer_is_cut_off_makes_each_change_unknown(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant
) -> None:
    ids = [tenant.devices.id_of(index) for index in range(3)]
    fake.faults.truncate_next(path_contains="$batch")
    items = [BatchItem(str(n), "POST", f"{DEVICES}/{device_id}/syncDevice")
             for n, device_id in enumerate(ids)]

    results = await client.batch(items)

    assert all(isinstance(result.error, OutcomeUnknown) for result in results)
    assert [r.status for r in fake.requests if r.path == "/v1.0/$batch"] == [200]
    assert len([r for r in fake.requests if r.in_batch and r.method == "POST"]) == 3


async def test_batch_keeps_the_answers_of_an_earlier_round_when_a_later_one_is_lost(
    fake_time: FakeTime,
) -> None:
    calls: list[list[str]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        ids = [sub["id"] for sub in json.loads(request.content)["requests"]]
        calls.append(ids)
        if len(calls) == 2:  # the round that re-sends the throttled one loses its answer
            raise httpx.RemoteProtocolError("gone", request=request)
        return graph_json({"responses": [
            {"id": sub_id, "status": 429, "headers": {"Retry-After": "1"}} if sub_id == "1"
            else {"id": sub_id, "status": 204} for sub_id in ids]})

    client = mock_client(handler, fake_time)
    items = [BatchItem(str(n), "POST", f"/deviceManagement/managedDevices/{n}/syncDevice")
             for n in range(3)]

    results = await client.batch(items)

    assert calls == [["0", "1", "2"], ["1"]]
    assert [result.status for result in results] == [204, 0, 204]
    assert results[0].error is None and results[2].error is None
    assert isinstance(results[1].error, OutcomeUnknown)


async def test_batch_of_reads_answered_503_is_retried_as_a_read(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant, fake_time: FakeTime
) -> None:
    ids = [tenant.devices.id_of(index) for index in range(2)]
    fake.faults.fail_next(503, path_contains="$batch", retry_after=2.0)
    items = [BatchItem(str(n), "GET", f"{DEVICES}/{device_id}?$select=id")
             for n, device_id in enumerate(ids)]

    results = await client.batch(items)

    assert [result.body["id"] for result in results] == ids
    assert [r.status for r in fake.requests if r.path == "/v1.0/$batch"] == [503, 200]
    assert fake_time.sleeps == [pytest.approx(2.0)]


async def test_batch_against_the_fake_retries_throttled_sub_requests(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant, fake_time: FakeTime
) -> None:
    ids = [tenant.devices.id_of(index) for index in range(25)]
    fake.faults.fail_next(429, path_contains=ids[4], retry_after=2.0)
    items = [
        BatchItem(str(n), "GET", f"{DEVICES}/{device_id}?$select=id,deviceName")
        for n, device_id in enumerate(ids)
    ]
    items.append(BatchItem("gone", "GET", f"{DEVICES}/00000000-0000-0000-0000-00000000dead"))

    results = await client.batch(items)

    assert [result.id for result in results] == [item.id for item in items]
    assert [result.body["id"] for result in results[:25]] == ids
    assert all(result.status == 200 and result.error is None for result in results[:25])
    assert results[25].status == 404 and isinstance(results[25].error, GraphNotFound)
    sub_statuses = [r.status for r in fake.requests if r.in_batch and ids[4] in r.path]
    assert sub_statuses == [429, 200]
    assert fake_time.sleeps == [pytest.approx(2.0)]
    assert len([r for r in fake.requests if r.path == "/v1.0/$batch"]) == 3


async def test_batch_of_actions_whose_answer_is_lost_is_never_resent(
    client: GraphClient, fake: FakeGraph, tenant: DemoTenant
) -> None:
    ids = [tenant.devices.id_of(index) for index in range(22)]
    items = [BatchItem(str(n), "POST", f"{DEVICES}/{device_id}/syncDevice")
             for n, device_id in enumerate(ids)]
    fake.faults.drop_next(path_contains="$batch", after_processing=True)

    results = await client.batch(items)

    assert all(isinstance(result.error, OutcomeUnknown) for result in results[:20])
    assert all(result.status == 204 and result.error is None for result in results[20:])
    assert len([r for r in fake.requests if r.path == "/v1.0/$batch"]) == 2
    synced = [r.path for r in fake.requests if r.in_batch and r.method == "POST"]
    assert len(synced) == len(set(synced)) == 22  # each device asked exactly once


async def test_a_page_s_http_answer_is_not_kept_while_the_caller_holds_the_page(
        fake_time: FakeTime) -> None:
    # A page body is up to a few MB; an httpx response is freed only by the cyclic collector,
    # which an app with a big list may keep away from old objects (gc.freeze).
    import gc
    import weakref

    answers: list[weakref.ref[httpx.Response]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = {"value": [{"id": str(len(answers))}]}
        if not answers:
            body["@odata.nextLink"] = f"{BASE}/v1.0/deviceManagement/managedDevices?$skiptoken=2"
        response = graph_json(body)
        answers.append(weakref.ref(response))
        return response

    pages = mock_client(handler, fake_time).paginate("/deviceManagement/managedDevices")
    first = await anext(pages)
    gc.collect()
    assert first.items == [{"id": "0"}]
    assert answers[0]() is None
    assert [page.items async for page in pages] == [[{"id": "1"}]]


# -- the loopback transport (the demo's Graph process) ------------------------------------------


async def test_the_loopback_transport_reads_a_plain_http_graph() -> None:
    from intune_tui.demo.server import DemoServer

    with DemoServer(devices=3) as server:
        client = GraphClient(StaticTokenProvider(server.token), base_url=server.url,
                             transport=loopback_http_transport())
        try:
            page = await anext(client.paginate("/deviceManagement/managedDevices"))
        finally:
            await client.aclose()

    assert len(page.items) == 3


@contextlib.contextmanager
def _tls_listener() -> Iterator[int]:
    """A loopback TLS port whose certificate comes from a throw-away CA nobody trusts."""
    import trustme

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: the test is over
                return
            # A client that skipped the certificate check would get this answer.
            with contextlib.suppress(OSError, ssl.SSLError), context.wrap_socket(
                    connection, server_side=True) as tls:
                tls.recv(65536)
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            b"Content-Length: 2\r\nConnection: close\r\n\r\n{}")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        # close() alone leaves accept() blocked on Linux, and the join then waited its 5 s.
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(timeout=5)


async def test_the_loopback_transport_never_skips_certificate_checks() -> None:
    # Given an https origin by mistake, it fails the handshake instead of going unverified.
    with _tls_listener() as port:
        client = GraphClient(StaticTokenProvider("a.b.c"), base_url=f"https://127.0.0.1:{port}",
                             transport=loopback_http_transport(), max_retries=0, timeout=5)
        try:
            with pytest.raises(GraphNetworkError):
                await client.get("/me")
        finally:
            await client.aclose()


# --- unreadable answers and visible retries (issue 19) -----------------------------------------


async def test_a_truncated_page_is_asked_again_and_the_list_keeps_what_arrived(
    fake: FakeGraph, sign_in: FakeSignIn, fake_time: FakeTime, tenant: DemoTenant
) -> None:
    """At a malformed-answer rate this high, a list without retries of unreadable pages
    never finishes; with them every device arrives exactly once."""
    fake.faults.rate_malformed = 0.3
    notices: list[str] = []
    graph = GraphClient(sign_in, transport=fake.transport(), sleep=fake_time.sleep,
                        clock=fake_time.clock, jitter=lambda: 1.0,
                        on_retry=lambda notice: notices.append(notice.describe()))

    ids = [item["id"] for item in await all_items(graph, DEVICES, ODataQuery(top=100))]
    await graph.aclose()

    assert len(ids) == len(set(ids)) == 2500 and set(ids) == device_ids(tenant)
    malformed = sum(1 for recorded in fake.requests if recorded.status == 200) - 25
    assert malformed > 0  # some pages really were unreadable and were asked again
    assert len(notices) >= malformed
    assert all(notice.startswith("retrying (") and " of 6) — " in notice for notice in notices)
    assert any("malformed JSON" in notice for notice in notices)
    assert len(fake_time.sleeps) >= malformed  # each re-ask waited its back-off


async def test_an_unreadable_object_is_asked_again_then_given_up(fake_time: FakeTime) -> None:
    answers = [b'{"id": "1", "deviceN', b"<html>gateway</html>", b'{"id": "1"}']
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=answers[min(len(seen), 3) - 1])

    client = mock_client(handler, fake_time)
    assert await client.get("/deviceManagement/managedDevices/1") == {"id": "1"}
    assert len(seen) == 3 and len(fake_time.sleeps) == 2

    async def always_broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"id": ')

    broken = mock_client(always_broken, fake_time)
    with pytest.raises(GraphBadResponse):
        await broken.get("/deviceManagement/managedDevices/1")
    assert broken.request_count == 6  # bounded: 1 + 5 retries


async def test_a_down_network_is_announced_at_the_first_failure(fake_time: FakeTime) -> None:
    notices: list[tuple[float, str]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    client = mock_client(handler, fake_time,
                         on_retry=lambda notice: notices.append((fake_time.now,
                                                                 notice.describe())))
    started = fake_time.now
    with pytest.raises(GraphNetworkError):
        await client.get("/me")

    assert notices[0] == (started, "retrying (2 of 6) — no answer from Graph (ConnectError)")
    assert [text.split(")")[0] for _when, text in notices] == [
        f"retrying ({n} of 6" for n in range(2, 7)]


@pytest.mark.parametrize("retry_after", ["0", "-5", "0.0"])
async def test_retry_after_zero_or_negative_waits_at_least_the_back_off(
    fake_time: FakeTime, retry_after: str
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return graph_json({"error": {"code": "ServiceUnavailable", "message": "busy"}},
                          status=503, **{"Retry-After": retry_after})

    client = mock_client(handler, fake_time)
    with pytest.raises(GraphServerError):
        await client.get("/me")

    assert len(fake_time.sleeps) == 5
    assert all(delay > 0 for delay in fake_time.sleeps)
    assert fake_time.sleeps == sorted(fake_time.sleeps)  # the back-off grows between tries


# --- memory ----------------------------------------------------------------------------------


async def test_answers_are_freed_without_the_cyclic_collector(
    fake_time: FakeTime, httpx_answers: list[weakref.ref[httpx.Response]],
) -> None:
    # The UI keeps a long list's objects away from the collector (gc.freeze): an answer that
    # needed it to be freed, alive at that moment, was never freed (~0.7 MB a page).
    import gc

    answers = httpx_answers
    next_link = f"{BASE}/v1.0/deviceManagement/managedDevices?$skiptoken=2"

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(204)
        if "skiptoken" in str(request.url):
            return graph_json({"value": [{"id": "b"}]})
        return graph_json({"value": [{"id": "a"}], "@odata.nextLink": next_link})

    client = mock_client(handler, fake_time)
    gc.disable()
    try:
        pages = [page.items async for page in client.paginate("/deviceManagement/managedDevices")]
        read = await client.get("/deviceManagement/managedDevices/a")
        done = await client.post_action("/deviceManagement/managedDevices/a/syncDevice")
        assert len(answers) >= 3
        assert [ref() for ref in answers if ref() is not None] == []
    finally:
        gc.enable()
    assert pages == [[{"id": "a"}], [{"id": "b"}]] and read["value"] and done.status == 204


def test_httpcores_lookups_of_an_absent_sniffio_fail_at_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # httpcore tries `import sniffio` for every lock it sets up; a failed import searches
    # sys.path again each time (~120 us, several a request) unless sys.modules says it failed.
    import importlib.util
    import sys
    import types

    from httpcore._synchronization import current_async_library

    from intune_tui.graph import client

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None
                        if name == "sniffio" else find_spec(name, *rest))
    monkeypatch.delitem(sys.modules, "sniffio", raising=False)
    searched: list[str] = []

    class Recorder:
        def find_spec(self, name: str, *rest: Any) -> None:
            if name == "sniffio":
                searched.append(name)

    monkeypatch.setattr(sys, "meta_path", [Recorder(), *sys.meta_path])
    try:
        client.skip_absent_sniffio()

        async def library() -> str:
            return current_async_library()

        assert asyncio.run(library()) == "asyncio"  # what httpcore says without sniffio
        assert searched == []  # and it did not search for it
        installed = types.ModuleType("sniffio")
        sys.modules["sniffio"] = installed
        client.skip_absent_sniffio()
        assert sys.modules["sniffio"] is installed  # an installed one is left alone
    finally:
        sys.modules.pop("sniffio", None)


async def test_a_first_page_read_after_a_hold_is_asked_for_at_once_and_read_once_it_returns(
        fake_time: FakeTime) -> None:
    """`first_read_after` (start-up, ui/startup.py): the request goes out at once; its answer
    is read, and the page given, only once the hold has returned. The next pages are not held."""
    asked: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("$skiptoken", "first"))
        if "$skiptoken" in request.url.params:
            return graph_json({"value": [{"id": "b"}]})
        return graph_json({"value": [{"id": "a"}],
                           "@odata.nextLink": f"{BASE}/v1.0/things?$skiptoken=2"})

    released = asyncio.Event()

    async def hold() -> None:
        await released.wait()

    graph = mock_client(handler, fake_time)
    pages = graph.paginate("/things", first_read_after=hold)
    first = asyncio.ensure_future(anext(pages))
    for _ in range(20):
        await asyncio.sleep(0)
    assert asked == ["first"] and not first.done()
    released.set()
    assert [item["id"] for item in (await first).items] == ["a"]
    assert [item["id"] for page in [page async for page in pages] for item in page.items] == ["b"]
    assert asked == ["first", "2"]
    await graph.aclose()
