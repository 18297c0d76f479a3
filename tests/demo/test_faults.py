"""Fault injection: what a client sees when Graph throttles, fails, drops or garbles."""

from __future__ import annotations

import json

import httpx
import pytest

from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.faults import Faults
from intune_tui.demo.tenant import DemoTenant

DEVICES = "/v1.0/deviceManagement/managedDevices"


async def test_fail_next_answers_once_with_graph_body_and_retry_after(
        client: httpx.AsyncClient, fake: FakeGraph) -> None:
    fake.faults.fail_next(429, path_contains="managedDevices", retry_after=1.25)
    other = await client.get("/v1.0/deviceManagement/deviceCategories")
    throttled = await client.get(DEVICES)
    again = await client.get(DEVICES)
    assert other.status_code == 200
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "1.25"
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert throttled.headers["request-id"]
    assert again.status_code == 200


async def test_fail_next_times_and_custom_body(client: httpx.AsyncClient,
                                               fake: FakeGraph) -> None:
    fake.faults.fail_next(502, times=2, body="<html>Bad Gateway</html>")
    responses = [await client.get(DEVICES) for _ in range(3)]
    assert [response.status_code for response in responses] == [502, 502, 200]
    assert responses[0].headers["Content-Type"].startswith("text/html")
    assert responses[0].text == "<html>Bad Gateway</html>"
    fake.faults.fail_next(503, body={"error": {"code": "custom", "message": "m"}})
    assert (await client.get(DEVICES)).json()["error"]["code"] == "custom"


async def test_injected_failure_does_not_run_the_action(client: httpx.AsyncClient,
                                                        fake: FakeGraph,
                                                        tenant: DemoTenant) -> None:
    device_id = tenant.devices.id_of(20)
    fake.faults.fail_next(503, path_contains="syncDevice")
    response = await client.post(f"{DEVICES}/{device_id}/syncDevice")
    assert response.status_code == 503
    assert 20 not in tenant.devices.actions or all(
        record.action_name != "syncDevice" for record in tenant.devices.actions[20])


async def test_drop_after_processing_performs_the_wipe(client: httpx.AsyncClient,
                                                      fake: FakeGraph,
                                                      tenant: DemoTenant) -> None:
    index = next(i for i in range(len(tenant.devices))
                 if tenant.devices.management[i] == "managed" and i not in tenant.devices.actions)
    fake.faults.drop_next(path_contains="/wipe")
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/wipe", json={})
    assert [record.action_name for record in tenant.devices.actions[index]] == ["wipe"]
    recorded = fake.requests[-1]
    assert (recorded.method, recorded.status, recorded.dropped) == ("POST", 204, True)


async def test_drop_before_processing_changes_nothing(client: httpx.AsyncClient,
                                                      fake: FakeGraph,
                                                      tenant: DemoTenant) -> None:
    index = next(i for i in range(len(tenant.devices)) if i not in tenant.devices.actions)
    fake.faults.drop_next(after_processing=False)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/retire")
    assert index not in tenant.devices.actions
    assert fake.requests[-1].status is None and fake.requests[-1].dropped


async def test_rates_are_seeded_and_reproducible(tenant: DemoTenant) -> None:
    async def run() -> list[int]:
        fake = FakeGraph(tenant, faults=Faults(rate_429=0.3, rate_503=0.1, rate_504=0.1,
                                               seed=11))
        async with httpx.AsyncClient(transport=fake.transport(),
                                     base_url="https://graph.microsoft.com",
                                     headers={"Authorization": f"Bearer {fake.issue_token()}"}
                                     ) as c:
            return [(await c.get("/v1.0/deviceManagement/deviceCategories")).status_code
                    for _ in range(60)]

    first, second = await run(), await run()
    assert first == second
    assert {429, 503, 504, 200} <= set(first)


async def test_429_retry_after_is_fractional_within_range(client: httpx.AsyncClient,
                                                          fake: FakeGraph) -> None:
    fake.faults.rate_429 = 1.0
    fake.faults.retry_after_range = (0.1, 1.0)
    waits = [float((await client.get(DEVICES)).headers["Retry-After"]) for _ in range(20)]
    assert all(0.1 <= wait <= 1.0 for wait in waits)
    assert any(wait != int(wait) for wait in waits)


async def test_rate_drop_raises_remote_protocol_error(client: httpx.AsyncClient,
                                                      fake: FakeGraph) -> None:
    fake.faults.rate_drop = 1.0
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(DEVICES)


async def test_malformed_body_is_truncated_json(client: httpx.AsyncClient,
                                                fake: FakeGraph) -> None:
    fake.faults.rate_malformed = 1.0
    response = await client.get(DEVICES, params={"$top": "5"})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_app_list_503_above_a_page_size(client: httpx.AsyncClient,
                                              fake: FakeGraph) -> None:
    fake.faults.app_list_503_above = 20
    large = await client.get("/v1.0/deviceAppManagement/mobileApps")
    small = await client.get("/v1.0/deviceAppManagement/mobileApps", params={"$top": "20"})
    devices = await client.get(DEVICES)
    assert large.status_code == 503
    assert small.status_code == 200 and len(small.json()["value"]) == 20
    assert devices.status_code == 200


async def test_clear_turns_everything_off(client: httpx.AsyncClient, fake: FakeGraph) -> None:
    fake.faults.rate_429 = 1.0
    fake.faults.fail_next(500)
    fake.faults.clear()
    assert (await client.get(DEVICES)).status_code == 200


async def test_latency_is_applied_per_request(tenant: DemoTenant, monkeypatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("intune_tui.demo.fake_graph.asyncio.sleep", fake_sleep)
    fake = FakeGraph(tenant, latency_ms=250)
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {fake.issue_token()}"}) as c:
        await c.get(DEVICES, params={"$top": "1"})
        await c.get(DEVICES, params={"$top": "1"})
    assert slept == [0.25, 0.25]


async def test_claims_challenge_next(client: httpx.AsyncClient, fake: FakeGraph) -> None:
    import base64

    fake.faults.claims_challenge_next(path_contains="managedDevices")
    response = await client.get(DEVICES)
    assert response.status_code == 401
    header = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_claims"' in header
    claims = header.split('claims="')[1].rstrip('"')
    assert json.loads(base64.b64decode(claims))["access_token"]["acrs"]["value"] == "cp1"
    assert (await client.get(DEVICES)).status_code == 200


async def test_slow_next_holds_one_answer(client: httpx.AsyncClient, fake: FakeGraph,
                                          monkeypatch) -> None:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr("intune_tui.demo.fake_graph.asyncio.sleep", fake_sleep)
    fake.faults.slow_next(31.0, path_contains="managedDevices")
    await client.get(DEVICES)
    await client.get(DEVICES)
    assert slept == [31.0]
