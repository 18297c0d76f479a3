"""The fake's Entra devices and Autopilot identities: consistent with the managed devices, with
the documented filters, writes, scopes and Graph's error forms."""

from __future__ import annotations

import httpx

from intune_tui.demo import lifecycle
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.rules import ALL_DEMO_SCOPES

AUTOPILOT = "/v1.0/deviceManagement/windowsAutopilotDeviceIdentities"


def built(fake: FakeGraph) -> lifecycle.LifecycleDirectories:
    directories = lifecycle.LifecycleDirectories.build(fake.tenant)
    fake.lifecycle = directories  # type: ignore[attr-defined]
    return directories


def test_the_directories_agree_with_the_managed_devices(fake: FakeGraph) -> None:
    directories = built(fake)
    devices = fake.tenant.devices
    by_id = {devices.id_of(index): index for index in range(len(devices))}
    enrolled = [item for item in directories.autopilot if item["enrollmentState"] == "enrolled"]
    assert enrolled
    for identity in enrolled:
        index = by_id[identity["managedDeviceId"]]
        assert devices.value(index, "serialNumber") == identity["serialNumber"]
        assert devices.value(index, "azureADDeviceId") == identity["azureActiveDirectoryDeviceId"]
    entra_ids = {item["deviceId"] for item in directories.entra}
    orphans = [item for item in directories.autopilot if item["groupTag"] == "Returned"]
    assert len(orphans) == lifecycle.ORPHAN_AUTOPILOT
    assert all(item["azureActiveDirectoryDeviceId"] in entra_ids for item in orphans)


async def test_autopilot_filters_by_contains_on_serial_only(fake: FakeGraph,
                                                            client: httpx.AsyncClient) -> None:
    identity = built(fake).autopilot[0]
    found = await client.get(AUTOPILOT, params={
        "$filter": f"contains(serialNumber,'{identity['serialNumber'][2:]}')"})
    assert found.status_code == 200
    assert identity["id"] in [item["id"] for item in found.json()["value"]]
    refused = await client.get(AUTOPILOT, params={
        "$filter": f"serialNumber eq '{identity['serialNumber']}'"})
    assert refused.status_code == 400
    assert "deploymentProfileAssignmentStatus" not in found.json()["value"][0]
    beta = await client.get(AUTOPILOT.replace("v1.0", "beta"))
    assert "deploymentProfileAssignmentStatus" in beta.json()["value"][0]


async def test_entra_devices_page_and_filter(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    directories = built(fake)
    first = await client.get("/v1.0/devices")
    body = first.json()
    assert len(body["value"]) == lifecycle.ENTRA_PAGE and "@odata.nextLink" in body
    second = await client.get(body["@odata.nextLink"])
    assert second.json()["value"][0]["id"] == directories.entra[100]["id"]
    wanted = directories.entra[5]
    one = await client.get("/v1.0/devices", params={
        "$filter": f"deviceId eq '{wanted['deviceId']}'", "$select": "id,accountEnabled"})
    assert one.json()["value"] == [{"id": wanted["id"], "accountEnabled": True}]
    unsupported = await client.get("/v1.0/devices", params={"$filter": "trustType eq 'AzureAd'"})
    assert unsupported.status_code == 400
    assert unsupported.json()["error"]["code"] == "Request_UnsupportedQuery"


async def test_writes_change_what_is_read_back(fake: FakeGraph,
                                               client: httpx.AsyncClient) -> None:
    directories = built(fake)
    entra = directories.entra[3]
    identity = directories.autopilot[0]
    patched = await client.patch(f"/v1.0/devices/{entra['id']}", json={"accountEnabled": False})
    assert patched.status_code == 204
    read = await client.get(f"/v1.0/devices/{entra['id']}")
    assert read.json()["accountEnabled"] is False
    tagged = await client.post(f"{AUTOPILOT}/{identity['id']}/updateDeviceProperties",
                               json={"groupTag": "Spares"})
    assert tagged.status_code == 204
    assert (await client.get(f"{AUTOPILOT}/{identity['id']}")).json()["groupTag"] == "Spares"
    assert (await client.delete(f"{AUTOPILOT}/{identity['id']}")).status_code == 204
    assert (await client.get(f"{AUTOPILOT}/{identity['id']}")).status_code == 404
    assert (await client.delete(f"/v1.0/devices/{entra['id']}")).status_code == 204
    gone = await client.get(f"/v1.0/devices/{entra['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "Request_ResourceNotFound"


async def test_read_scopes_cannot_write_and_403s_take_each_service_form(
        fake: FakeGraph) -> None:
    directories = built(fake)
    read_only = tuple(scope for scope in ALL_DEMO_SCOPES
                      if scope not in ("Directory.AccessAsUser.All",
                                       "DeviceManagementServiceConfig.ReadWrite.All"))
    token = fake.issue_token(scopes=read_only)
    async with httpx.AsyncClient(transport=fake.transport(), base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        entra = await http.delete(f"/v1.0/devices/{directories.entra[0]['id']}")
        autopilot = await http.delete(f"{AUTOPILOT}/{directories.autopilot[0]['id']}")
        listed = await http.get("/v1.0/devices")
    assert entra.status_code == 403
    assert entra.json()["error"]["code"] == "Authorization_RequestDenied"
    assert autopilot.status_code == 403
    assert "DeviceManagementServiceConfig.ReadWrite.All" in autopilot.json()["error"]["message"]
    assert listed.status_code == 200
    assert len(directories.entra) == len(lifecycle.LifecycleDirectories.build(fake.tenant).entra)
