"""The fake Graph's BitLocker, LAPS and FileVault endpoints keep Graph's documented rules."""

from __future__ import annotations

import base64

import httpx

from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.recovery import BITLOCKER_FULL, LAPS_FULL

KEYS = "/v1.0/informationProtection/bitlocker/recoveryKeys"


def windows_with_keys(fake: FakeGraph) -> tuple[int, str]:
    vault = fake.recovery
    for index in fake.tenant.devices.live_indices():
        if vault.bitlocker_keys(index) and vault.laps_backups(index):
            return index, str(fake.tenant.devices.value(index, "azureADDeviceId"))
    raise AssertionError("the demo tenant has no Windows device with a key and a LAPS backup")


async def get(fake: FakeGraph, url: str, scopes: tuple[str, ...] = rules.ALL_DEMO_SCOPES,
              **headers: str) -> httpx.Response:
    token = fake.issue_token(scopes=scopes)
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com") as http:
        return await http.get(url, headers={"Authorization": f"Bearer {token}", **headers})


async def test_keys_of_a_device_list_without_the_key(fake: FakeGraph) -> None:
    _index, entra_id = windows_with_keys(fake)
    answer = await get(fake, f"{KEYS}?$filter=deviceId eq '{entra_id}'")
    assert answer.status_code == 200
    keys = answer.json()["value"]
    assert keys and all(key["deviceId"] == entra_id and "key" not in key for key in keys)
    assert {key["volumeType"] for key in keys} <= {"1", "2"}


async def test_the_key_only_when_selected_and_only_with_read_all(fake: FakeGraph) -> None:
    index, _entra_id = windows_with_keys(fake)
    key_id = fake.recovery.bitlocker_keys(index)[0].id
    plain = await get(fake, f"{KEYS}/{key_id}")
    assert plain.status_code == 200 and "key" not in plain.json()
    selected = await get(fake, f"{KEYS}/{key_id}?$select=key")
    assert selected.status_code == 200
    assert selected.json()["key"] == fake.recovery.bitlocker_keys(index)[0].key
    basic_only = tuple(s for s in rules.ALL_DEMO_SCOPES if s != BITLOCKER_FULL)
    refused = await get(fake, f"{KEYS}/{key_id}?$select=key", scopes=basic_only)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
    assert (await get(fake, f"{KEYS}/{key_id}", scopes=basic_only)).status_code == 200


async def test_only_a_device_id_filter_is_accepted(fake: FakeGraph) -> None:
    answer = await get(fake, f"{KEYS}?$filter=startswith(deviceId,'a')")
    assert answer.status_code == 400


async def test_an_unfiltered_listing_pages_with_absolute_next_links(fake: FakeGraph) -> None:
    answer = await get(fake, KEYS)
    body = answer.json()
    assert len(body["value"]) == 20
    assert body["@odata.nextLink"].startswith("https://graph.microsoft.com/v1.0/")
    second = await get(fake, body["@odata.nextLink"])
    assert {key["id"] for key in second.json()["value"]}.isdisjoint(
        {key["id"] for key in body["value"]})


async def test_user_agent_is_required(fake: FakeGraph) -> None:
    _index, _entra_id = windows_with_keys(fake)
    token = fake.issue_token()
    request = httpx.Request("GET", f"https://graph.microsoft.com{KEYS}",
                            headers={"Authorization": f"Bearer {token}"})
    assert "user-agent" not in request.headers
    response = await fake.handle(request)
    assert response.status_code == 400


async def test_laps_has_several_backups_and_needs_read_all_and_a_role(fake: FakeGraph) -> None:
    index, entra_id = windows_with_keys(fake)
    url = f"/v1.0/directory/deviceLocalCredentials/{entra_id}"
    basic = await get(fake, url)
    assert basic.status_code == 200 and "credentials" not in basic.json()
    full = await get(fake, f"{url}?$select=credentials")
    credentials = full.json()["credentials"]
    assert len(credentials) >= 2
    newest = max(credentials, key=lambda item: item["backupDateTime"])
    raw = base64.b64decode(newest["passwordBase64"])
    assert fake.recovery.laps_backups(index)[-1].password in (
        raw.decode("utf-16-le", errors="replace"), raw.decode("utf-8", errors="replace"))
    without = tuple(s for s in rules.ALL_DEMO_SCOPES if s != LAPS_FULL)
    assert (await get(fake, f"{url}?$select=credentials", scopes=without)).status_code == 403
    fake.recovery.roles[fake.tenant.users.upn[0].lower()] = {"Helpdesk Administrator"}
    helpdesk = fake.issue_token(upn=fake.tenant.users.upn[0])
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com") as http:
        auth = {"Authorization": f"Bearer {helpdesk}"}
        assert (await http.get(url, headers=auth)).status_code == 200
        assert (await http.get(f"{url}?$select=credentials", headers=auth)).status_code == 403


async def test_laps_of_a_device_without_backup_is_404(fake: FakeGraph) -> None:
    store = fake.tenant.devices
    index = next(i for i in store.live_indices()
                 if store.os[i] == "Windows" and not fake.recovery.laps_backups(i)
                 and store.value(i, "azureADDeviceId") != "00000000-0000-0000-0000-000000000000")
    answer = await get(fake, f"/v1.0/directory/deviceLocalCredentials/"
                             f"{store.value(index, 'azureADDeviceId')}")
    assert answer.status_code == 404


async def test_filevault_key_of_an_encrypted_mac_on_beta_only(fake: FakeGraph) -> None:
    store = fake.tenant.devices
    index = next(i for i in store.live_indices() if store.os[i] == "macOS" and store.encrypted[i])
    device_id = store.id_of(index)
    url = f"/beta/deviceManagement/managedDevices/{device_id}/getFileVaultKey"
    answer = await get(fake, url)
    assert answer.status_code == 200
    assert answer.json()["value"] == fake.recovery.filevault_key(device_id)
    no_privileged = tuple(s for s in rules.ALL_DEMO_SCOPES if s != rules.MD_PRIVILEGED)
    assert (await get(fake, url, scopes=no_privileged)).status_code == 403
    assert (await get(fake, url.replace("/beta/", "/v1.0/"))).status_code in (400, 404)
