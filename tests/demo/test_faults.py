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


def _fresh_device(tenant: DemoTenant) -> int:
    return next(i for i in range(len(tenant.devices))
                if tenant.devices.management[i] == "managed" and i not in tenant.devices.actions)


async def test_fail_next_after_processing_does_the_action_then_answers_503(
        client: httpx.AsyncClient, fake: FakeGraph, tenant: DemoTenant) -> None:
    index = _fresh_device(tenant)
    fake.faults.fail_next(503, path_contains="/remoteLock", retry_after=2, after_processing=True)
    response = await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/remoteLock")
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert response.json()["error"]["code"]
    assert [record.action_name for record in tenant.devices.actions[index]] == ["remoteLock"]
    assert (fake.requests[-1].method, fake.requests[-1].status) == ("POST", 503)


async def test_fail_next_after_processing_inside_a_batch_does_that_sub_request(
        client: httpx.AsyncClient, fake: FakeGraph, tenant: DemoTenant) -> None:
    index = _fresh_device(tenant)
    device_id = tenant.devices.id_of(index)
    fake.faults.fail_next(504, path_contains=f"{device_id}/syncDevice", after_processing=True)
    response = await client.post("/v1.0/$batch", json={"requests": [
        {"id": "1", "method": "POST", "url": f"/deviceManagement/managedDevices/{device_id}"
         "/syncDevice"}]})
    assert response.status_code == 200
    assert [sub["status"] for sub in response.json()["responses"]] == [504]
    assert [record.action_name for record in tenant.devices.actions[index]] == ["syncDevice"]


async def test_truncate_next_does_the_change_and_cuts_its_2xx_body(
        client: httpx.AsyncClient, fake: FakeGraph, tenant: DemoTenant) -> None:
    index = _fresh_device(tenant)
    fake.faults.truncate_next(path_contains="/syncDevice")
    listed = await client.get(DEVICES, params={"$top": "1"})  # a read is never cut
    response = await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/syncDevice")
    assert listed.status_code == 200 and listed.json()["value"]
    assert response.status_code == 200 and response.content
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert [record.action_name for record in tenant.devices.actions[index]] == ["syncDevice"]


async def test_truncate_next_on_batch_runs_every_sub_request(
        client: httpx.AsyncClient, fake: FakeGraph, tenant: DemoTenant) -> None:
    indices = [i for i in range(len(tenant.devices))
               if tenant.devices.management[i] == "managed"
               and i not in tenant.devices.actions][:3]
    fake.faults.truncate_next(path_contains="$batch")
    response = await client.post("/v1.0/$batch", json={"requests": [
        {"id": str(n), "method": "POST",
         "url": f"/deviceManagement/managedDevices/{tenant.devices.id_of(i)}/syncDevice"}
        for n, i in enumerate(indices)]})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    assert all(tenant.devices.actions[i][-1].action_name == "syncDevice" for i in indices)


async def test_write_rates_spoil_only_changes_after_doing_them(
        client: httpx.AsyncClient, fake: FakeGraph, tenant: DemoTenant) -> None:
    fake.faults.rate_write_503 = 1.0
    assert (await client.get(DEVICES, params={"$top": "1"})).status_code == 200
    first = _fresh_device(tenant)
    assert (await client.post(f"{DEVICES}/{tenant.devices.id_of(first)}/syncDevice")
            ).status_code == 503
    assert tenant.devices.actions[first][-1].action_name == "syncDevice"
    fake.faults.clear()
    fake.faults.rate_write_drop = 1.0
    assert (await client.get(DEVICES, params={"$top": "1"})).status_code == 200
    second = _fresh_device(tenant)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(f"{DEVICES}/{tenant.devices.id_of(second)}/syncDevice")
    assert tenant.devices.actions[second][-1].action_name == "syncDevice"
    assert fake.requests[-1].dropped and fake.requests[-1].status == 204
    fake.faults.clear()
    fake.faults.rate_write_truncated = 1.0
    assert (await client.get(DEVICES, params={"$top": "1"})).json()["value"]
    third = _fresh_device(tenant)
    cut = await client.post(f"{DEVICES}/{tenant.devices.id_of(third)}/syncDevice")
    assert cut.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)
    fake.faults.clear()
    assert (fake.faults.rate_write_503, fake.faults.rate_write_drop,
            fake.faults.rate_write_truncated) == (0.0, 0.0, 0.0)
