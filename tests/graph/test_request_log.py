"""The request log: bounded, newest first, what the client records of each call, and the curl and
PowerShell text of an entry. The token and the answers' bodies (recovery keys) never get in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphForbidden
from intune_tui.graph.odata import ODataQuery
from intune_tui.graph.request_log import RequestEntry, RequestLog, as_curl, as_powershell
from intune_tui.graph.tokens import StaticTokenProvider

if TYPE_CHECKING:
    from fake_time import FakeTime

BASE = "https://graph.microsoft.com"
SECRET = "eyJ0eXAiOiJKV1QiLCJhbGciOi-secret-token"
RECOVERY_KEY = "123456-654321-111111-222222-333333-444444-555555-666666"
T0 = datetime(2026, 12, 6, 22, 0, 0, tzinfo=UTC)


class StepClock:
    """A datetime clock that moves 25 ms each time it is read."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        current = self.now
        self.now += timedelta(milliseconds=25)
        return current


def record(log: RequestLog, method: str = "GET", url: str = f"{BASE}/v1.0/me",
           **fields: Any) -> RequestEntry:
    number, started = log.begin()
    fields.setdefault("status", 200)
    return log.record(number=number, time=started, method=method, url=url, **fields)


def test_the_log_keeps_only_the_newest_calls_newest_first() -> None:
    log = RequestLog(limit=3)
    for index in range(5):
        record(log, url=f"{BASE}/v1.0/call/{index}")

    assert len(log) == 3
    assert [entry.path for entry in log.entries()] == [
        "/v1.0/call/4", "/v1.0/call/3", "/v1.0/call/2"]
    assert log.find(1) is None
    assert log.find(5) is not None


def test_calls_are_listed_by_when_they_started_not_when_they_ended() -> None:
    log = RequestLog()
    first, first_at = log.begin()
    second, second_at = log.begin()
    log.record(number=second, time=second_at, method="GET", url=f"{BASE}/v1.0/b", status=200)
    log.record(number=first, time=first_at, method="GET", url=f"{BASE}/v1.0/a", status=200)

    assert [entry.path for entry in log.entries()] == ["/v1.0/b", "/v1.0/a"]


def test_an_authorization_header_is_never_kept_and_a_read_keeps_no_body() -> None:
    log = RequestLog()
    entry = record(log, headers={"Authorization": f"Bearer {SECRET}", "ConsistencyLevel":
                                 "eventual"}, body={"ignored": True})

    assert entry.headers == (("ConsistencyLevel", "eventual"),)
    assert entry.body is None
    assert SECRET not in repr(log.entries())


def test_a_secret_body_field_is_kept_as_withheld_at_any_depth() -> None:
    log = RequestLog()
    batch = {"requests": [{"id": "0", "method": "POST", "url": "/x/wipe",
                           "body": {"macOsUnlockCode": "123456", "keepUserData": False}}]}
    entry = record(log, "POST", f"{BASE}/v1.0/$batch", body=batch,
                   secret_fields=frozenset({"macOsUnlockCode"}))

    assert entry.body is not None and "123456" not in entry.body
    assert '"macOsUnlockCode":"(not recorded)"' in entry.body
    assert '"keepUserData":false' in entry.body
    assert "123456" not in as_curl(entry) and "123456" not in as_powershell(entry)


def mock_client(handler: Any, fake_time: FakeTime) -> GraphClient:
    return GraphClient(
        StaticTokenProvider(SECRET), base_url=BASE, transport=httpx.MockTransport(handler),
        sleep=fake_time.sleep, clock=fake_time.clock, jitter=lambda: 1.0,
        request_log=RequestLog(clock=StepClock()),
    )


async def test_the_client_records_every_call_with_status_retries_and_request_id(
    fake_time: FakeTime,
) -> None:
    answers = iter([
        httpx.Response(200, json={"value": [{"id": "a"}]}, headers={"request-id": "r-1"}),
        httpx.Response(503, json={}, headers={"request-id": "r-2"}),
        httpx.Response(200, json={"id": "d"}, headers={"request-id": "r-3"}),
        httpx.Response(204, headers={"request-id": "r-4"}),
        httpx.Response(403, json={"error": {"code": "Forbidden", "message": "no"}},
                       headers={"request-id": "r-5"}),
    ])

    async def handler(request: httpx.Request) -> httpx.Response:
        return next(answers)

    client = mock_client(handler, fake_time)
    [page async for page in client.paginate(
        "/deviceManagement/managedDevices", query=ODataQuery(top=50, count=True))]
    await client.get("/deviceManagement/managedDevices/d")
    await client.post_action("/deviceManagement/managedDevices/d/syncDevice",
                             json={"note": "it's"})
    with pytest.raises(GraphForbidden) as refused:
        await client.get("/deviceManagement/managedDevices/e")

    entries = client.requests.entries()
    assert [(e.method, e.path, e.status, e.retries, e.request_id) for e in entries] == [
        ("GET", "/v1.0/deviceManagement/managedDevices/e", 403, 0, "r-5"),
        ("POST", "/v1.0/deviceManagement/managedDevices/d/syncDevice", 204, 0, "r-4"),
        ("GET", "/v1.0/deviceManagement/managedDevices/d", 200, 1, "r-3"),
        ("GET", "/v1.0/deviceManagement/managedDevices?$top=50&$count=true", 200, 0, "r-1"),
    ]
    assert entries[0].failed and not entries[1].failed
    assert entries[1].body == '{"note":"it\'s"}'
    assert entries[3].headers == (("ConsistencyLevel", "eventual"),)
    assert entries[0].milliseconds == 25.0  # started at one read of the clock, ended the next
    assert entries[3].time == T0
    assert refused.value.request_entry == entries[0].number
    assert SECRET not in repr(entries)


async def test_a_recovery_key_read_leaves_only_its_url(fake_time: FakeTime) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "k1", "key": RECOVERY_KEY})

    client = mock_client(handler, fake_time)
    answer = await client.request(
        "GET", "/informationProtection/bitlocker/recoveryKeys/k1", params={"$select": "key"})

    assert answer.body["key"] == RECOVERY_KEY
    [entry] = client.requests.entries()
    assert entry.path == "/v1.0/informationProtection/bitlocker/recoveryKeys/k1?$select=key"
    assert RECOVERY_KEY not in repr(entry)
    assert RECOVERY_KEY not in as_curl(entry) + as_powershell(entry)


async def test_a_call_that_never_got_an_answer_says_so(fake_time: FakeTime) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = mock_client(handler, fake_time)
    with pytest.raises(Exception):  # noqa: B017 - any error: the log is under test
        await client.write("DELETE", "/deviceManagement/managedDevices/d")

    [entry] = client.requests.entries()
    assert (entry.method, entry.status, entry.outcome) == ("DELETE", None, "not sent")
    assert entry.failed


ENTRY = RequestEntry(
    number=7, time=T0, method="POST",
    url=f"{BASE}/beta/deviceManagement/managedDevices/d1/rotateLocalAdminPassword?x='1'",
    status=204, milliseconds=12.0, retries=0, request_id="r-7",
    headers=(("ConsistencyLevel", "eventual"),), body='{"name":"O\'Brien"}',
)


def test_copy_as_curl_names_the_token_placeholder_never_a_token() -> None:
    assert as_curl(ENTRY) == (
        "curl -X POST "
        "'https://graph.microsoft.com/beta/deviceManagement/managedDevices/d1/"
        "rotateLocalAdminPassword?x='\\''1'\\''' "
        '-H "Authorization: Bearer $GRAPH_TOKEN" '
        "-H 'ConsistencyLevel: eventual' -H 'Content-Type: application/json' "
        "--data-raw '{\"name\":\"O'\\''Brien\"}'"
    )


def test_copy_as_powershell_uses_the_connected_graph_session() -> None:
    assert as_powershell(ENTRY) == (
        "Invoke-MgGraphRequest -Method POST -Uri "
        "'https://graph.microsoft.com/beta/deviceManagement/managedDevices/d1/"
        "rotateLocalAdminPassword?x=''1''' "
        "-Headers @{ 'ConsistencyLevel' = 'eventual' } "
        "-Body '{\"name\":\"O''Brien\"}' -ContentType 'application/json'"
    )


def test_a_get_copies_without_a_body() -> None:
    entry = RequestEntry(number=1, time=T0, method="GET", url=f"{BASE}/v1.0/me", status=200,
                         milliseconds=1.0, retries=0, request_id=None)
    assert as_curl(entry) == (
        "curl -X GET 'https://graph.microsoft.com/v1.0/me' "
        '-H "Authorization: Bearer $GRAPH_TOKEN"')
    assert as_powershell(entry) == (
        "Invoke-MgGraphRequest -Method GET -Uri 'https://graph.microsoft.com/v1.0/me'")
