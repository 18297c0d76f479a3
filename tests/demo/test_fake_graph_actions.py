"""The fake Graph serves the remote actions of Microsoft's per-platform matrix as Graph documents
them: beta-only actions on beta, their bodies, 204 (200 for log collection) and the device's
deviceActionResults; Delete removes the device; the remediation scripts list pages and selects;
scopes give Graph's 403."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import DemoTenant

BETA_DEVICES = "/beta/deviceManagement/managedDevices"
V1_DEVICES = "/v1.0/deviceManagement/managedDevices"
SCRIPTS = "/beta/deviceManagement/deviceHealthScripts"


def managed_device(tenant: DemoTenant, os_name: str) -> int:
    store = tenant.devices
    return next(index for index in range(len(store))
                if store.os[index] == os_name and store.management[index] == "managed"
                and store.sync_age[index] < 86_400 and index not in store.actions)


async def action_results(client: httpx.AsyncClient, tenant: DemoTenant,
                         index: int) -> list[dict[str, Any]]:
    response = await client.get(f"{V1_DEVICES}/{tenant.devices.id_of(index)}",
                                params={"$select": "deviceActionResults"})
    assert response.status_code == 200, response.text
    return response.json()["deviceActionResults"]


async def token_client(fake: FakeGraph, *scopes: str) -> httpx.AsyncClient:
    token = fake.issue_token(scopes=list(scopes))
    return httpx.AsyncClient(transport=fake.transport(), base_url="https://graph.microsoft.com",
                             headers={"Authorization": f"Bearer {token}"})


# (action, platform, body) with the bodies of the beta SDK's request-body classes.
BETA_ACTIONS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("rotateBitLockerKeys", "Windows", None),
    ("rotateLocalAdminPassword", "Windows", None),
    ("pauseConfigurationRefresh", "Windows", {"pauseTimePeriodInMinutes": 60}),
    ("initiateOnDemandProactiveRemediation", "Windows", {"scriptPolicyId": "abc"}),
    ("playLostModeSound", "iOS", {"durationInMinutes": "5"}),
    ("playLostModeSound", "Android", {"durationInMinutes": "5"}),
    ("sendCustomNotificationToCompanyPortal", "Android",
     {"notificationTitle": "IT", "notificationBody": "Please restart today."}),
    ("rotateFileVaultKey", "macOS", None),
    ("rotateRecoveryLockPasscode", "macOS", None),
    ("activateDeviceEsim", "iOS", {"carrierUrl": "https://carrier.example/activate"}),
    ("setDeviceName", "Android", {"deviceName": "SCANNER-07"}),
]


@pytest.mark.parametrize(("action", "os_name", "body"), BETA_ACTIONS,
                         ids=[f"{a}-{o}" for a, o, _ in BETA_ACTIONS])
async def test_beta_action_answers_204_and_lists_a_result(
        client: httpx.AsyncClient, fake: FakeGraph, tenant: DemoTenant, clock, action: str,
        os_name: str, body: dict[str, Any] | None) -> None:
    index = managed_device(tenant, os_name)
    path = f"{BETA_DEVICES}/{tenant.devices.id_of(index)}/{action}"
    response = await client.post(path, json=body)
    assert response.status_code == 204, response.text
    assert [r.path for r in fake.requests if r.method == "POST"] == [path]
    results = await action_results(client, tenant, index)
    assert [(r["actionName"], r["actionState"]) for r in results] == [(action, "pending")]
    clock.advance(61)
    assert (await action_results(client, tenant, index))[-1]["actionState"] == "done"


@pytest.mark.parametrize("action", sorted({a for a, _, _ in BETA_ACTIONS}
                                          | {"createDeviceLogCollectionRequest"}))
async def test_beta_only_actions_are_not_found_on_v1(client: httpx.AsyncClient,
                                                     tenant: DemoTenant, action: str) -> None:
    index = managed_device(tenant, "Windows")
    response = await client.post(f"{V1_DEVICES}/{tenant.devices.id_of(index)}/{action}")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"Resource not found for the segment '{action}'.")
    assert index not in tenant.devices.actions


async def test_wrong_body_parameter_is_400(client: httpx.AsyncClient, tenant: DemoTenant) -> None:
    index = managed_device(tenant, "Windows")
    url = f"{BETA_DEVICES}/{tenant.devices.id_of(index)}/pauseConfigurationRefresh"
    wrong_type = await client.post(url, json={"pauseTimePeriodInMinutes": "sixty"})
    unknown = await client.post(url, json={"minutes": 60})
    missing = await client.post(url, json={})
    assert [r.status_code for r in (wrong_type, unknown, missing)] == [400, 400, 400]
    assert "'pauseTimePeriodInMinutes' is required" in missing.json()["error"]["message"]


async def test_log_collection_answers_200_with_a_pending_response(
        client: httpx.AsyncClient, tenant: DemoTenant) -> None:
    index = managed_device(tenant, "Windows")
    device_id = tenant.devices.id_of(index)
    body = {"templateType": {"@odata.type": "microsoft.graph.deviceLogCollectionRequest",
                             "templateType": "predefined"}}
    response = await client.post(
        f"{BETA_DEVICES}/{device_id}/createDeviceLogCollectionRequest", json=body)
    assert response.status_code == 200, response.text
    value = response.json()["value"]
    assert value["@odata.type"] == "#microsoft.graph.deviceLogCollectionResponse"
    assert (value["status"], value["managedDeviceId"]) == ("pending", device_id)
    results = await action_results(client, tenant, index)
    assert [r["actionName"] for r in results] == ["collectDiagnostics"]


async def test_log_collection_takes_readwrite_not_privileged(fake: FakeGraph,
                                                             tenant: DemoTenant) -> None:
    index = managed_device(tenant, "Windows")
    url = f"{BETA_DEVICES}/{tenant.devices.id_of(index)}/createDeviceLogCollectionRequest"
    async with await token_client(fake, rules.MD_READWRITE) as writer:
        assert (await writer.post(url, json={})).status_code == 200
    async with await token_client(fake, rules.MD_READ, rules.MD_PRIVILEGED) as reader:
        refused = await reader.post(url, json={})
    assert refused.status_code == 403
    assert rules.MD_READWRITE in json.loads(refused.json()["error"]["message"])["Message"]


async def test_new_privileged_actions_need_privileged_operations(fake: FakeGraph,
                                                                 tenant: DemoTenant) -> None:
    index = managed_device(tenant, "Windows")
    async with await token_client(fake, rules.MD_READWRITE) as c:
        response = await c.post(f"{BETA_DEVICES}/{tenant.devices.id_of(index)}/"
                                "rotateBitLockerKeys")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Forbidden"
    assert index not in tenant.devices.actions


async def test_delete_removes_the_device_and_it_is_404_after(client: httpx.AsyncClient,
                                                            fake: FakeGraph,
                                                            tenant: DemoTenant) -> None:
    index = managed_device(tenant, "Android")
    url = f"{V1_DEVICES}/{tenant.devices.id_of(index)}"
    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(url)).status_code == 404
    listed = await client.get(V1_DEVICES, params={
        "$filter": f"deviceName eq '{tenant.devices.name[index]}'", "$select": "id"})
    assert tenant.devices.id_of(index) not in {d["id"] for d in listed.json()["value"]}
    assert [r.method for r in fake.requests].count("DELETE") == 2


async def test_delete_needs_readwrite(fake: FakeGraph, tenant: DemoTenant) -> None:
    index = managed_device(tenant, "iOS")
    url = f"{V1_DEVICES}/{tenant.devices.id_of(index)}"
    async with await token_client(fake, rules.MD_READ, rules.MD_PRIVILEGED) as c:
        refused = await c.delete(url)
        still_there = await c.get(url)
    assert refused.status_code == 403
    assert still_there.status_code == 200


async def test_remediation_scripts_page_and_select(client: httpx.AsyncClient,
                                                   tenant: DemoTenant) -> None:
    everything = tenant.collections["deviceManagement/deviceHealthScripts"]
    assert len(everything) > 5
    seen: list[dict[str, Any]] = []
    url: str | None = SCRIPTS
    params: dict[str, str] | None = {"$select": "id,displayName", "$top": "5"}
    pages = 0
    while url:
        response = await client.get(url, params=params)
        assert response.status_code == 200, response.text
        payload = response.json()
        seen.extend(payload["value"])
        url, params, pages = payload.get("@odata.nextLink"), None, pages + 1
    assert pages == -(-len(everything) // 5)
    assert {item["id"] for item in seen} == {item["id"] for item in everything}
    assert all(set(item) <= {"id", "displayName", "@odata.type"} for item in seen)
    assert "Restart stopped Office C2R svc" in {item["displayName"] for item in seen}


async def test_remediation_scripts_are_beta_only_and_need_configuration_read(
        client: httpx.AsyncClient, fake: FakeGraph) -> None:
    v1 = await client.get("/v1.0/deviceManagement/deviceHealthScripts")
    assert v1.status_code == 400
    async with await token_client(fake, rules.MD_READ, rules.MD_PRIVILEGED) as c:
        refused = await c.get(SCRIPTS)
    assert refused.status_code == 403
    assert rules.CONFIG_READ in json.loads(refused.json()["error"]["message"])["Message"]
    async with await token_client(fake, rules.CONFIG_READ) as c:
        assert (await c.get(SCRIPTS)).status_code == 200
