"""The fake Graph behaves as Graph documents: envelope, paging, $select, $filter, errors."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import DemoTenant, build_tenant

DEVICES = "/v1.0/deviceManagement/managedDevices"


async def test_device_list_envelope_and_page_cap(client: httpx.AsyncClient) -> None:
    big = build_tenant(devices=2500)
    fake = FakeGraph(big)
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {fake.issue_token()}"}) as c:
        response = await c.get(DEVICES, params={"$top": "5000"})
        body = response.json()
        assert response.status_code == 200
        assert body["@odata.context"].endswith("$metadata#deviceManagement/managedDevices")
        assert len(body["value"]) == 1000
        seen = [item["id"] for item in body["value"]]
        while "@odata.nextLink" in body:
            body = (await c.get(body["@odata.nextLink"])).json()
            seen.extend(item["id"] for item in body["value"])
    assert len(seen) == len(set(seen)) == 2500


async def test_next_link_is_absolute_keeps_query_and_hides_offset(
        client: httpx.AsyncClient) -> None:
    response = await client.get(DEVICES, params={"$top": "50", "$select": "id,deviceName",
                                                 "$filter": "operatingSystem eq 'Windows'"})
    link = response.json()["@odata.nextLink"]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc) == ("https", "graph.microsoft.com")
    assert parts.path == DEVICES
    query = parse_qs(parts.query)
    assert query["$top"] == ["50"]
    assert query["$filter"] == ["operatingSystem eq 'Windows'"]
    assert query["$select"] == ["id,deviceName"]
    token = query["$skiptoken"][0]
    assert "50" not in token and not token.isdigit()


async def test_next_link_uses_the_request_origin(fake: FakeGraph) -> None:
    async with httpx.AsyncClient(transport=fake.transport(), base_url="http://127.0.0.1:8123",
                                 headers={"Authorization": f"Bearer {fake.issue_token()}"}) as c:
        body = (await c.get(DEVICES, params={"$top": "10"})).json()
    assert body["@odata.nextLink"].startswith(f"http://127.0.0.1:8123{DEVICES}?")


async def test_tampered_or_reused_skiptoken_is_refused(client: httpx.AsyncClient) -> None:
    link = (await client.get(DEVICES, params={"$top": "10"})).json()["@odata.nextLink"]
    forged = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert (await client.get(forged)).status_code == 400
    token = parse_qs(urlsplit(link).query)["$skiptoken"][0]
    other_query = await client.get(DEVICES, params={"$top": "10", "$skiptoken": token,
                                                    "$filter": "operatingSystem eq 'iOS'"})
    assert other_query.status_code == 400


async def test_skip_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(DEVICES, params={"$skip": "10"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BadRequest"


async def test_select_trims_but_keeps_id_and_type(client: httpx.AsyncClient) -> None:
    body = (await client.get(DEVICES, params={"$select": "deviceName,osVersion",
                                              "$top": "3"})).json()
    assert body["@odata.context"].endswith("managedDevices(deviceName,osVersion)")
    for item in body["value"]:
        assert set(item) == {"@odata.type", "id", "deviceName", "osVersion"}


async def test_select_of_unknown_property_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get(DEVICES, params={"$select": "deviceName,bogusProperty"})
    assert response.status_code == 400
    assert "bogusProperty" in response.json()["error"]["message"]


async def test_beta_only_property_exists_only_on_beta(client: httpx.AsyncClient) -> None:
    v1 = (await client.get(DEVICES, params={"$top": "1"})).json()["value"][0]
    beta = (await client.get("/beta/deviceManagement/managedDevices",
                             params={"$top": "1"})).json()["value"][0]
    assert "ownerType" not in v1 and beta["ownerType"] in ("company", "personal")
    assert (await client.get(DEVICES, params={"$select": "ownerType"})).status_code == 400


async def test_non_default_properties_only_with_get_and_select(
        client: httpx.AsyncClient, tenant: DemoTenant) -> None:
    windows = next(index for index in range(len(tenant.devices))
                   if tenant.devices.os[index] == "Windows")
    device_id = tenant.devices.id_of(windows)
    listed = (await client.get(DEVICES, params={"$filter": f"deviceName eq "
                                                f"'{tenant.devices.name[windows]}'"})).json()
    listed_item = next(item for item in listed["value"] if item["id"] == device_id)
    plain = (await client.get(f"{DEVICES}/{device_id}")).json()
    selected = (await client.get(f"{DEVICES}/{device_id}",
                                 params={"$select": "id,ethernetMacAddress,physicalMemoryInBytes"}
                                 )).json()
    for item in (listed_item, plain):
        assert item["ethernetMacAddress"] is None and item["physicalMemoryInBytes"] == 0
    assert len(selected["ethernetMacAddress"]) == 12
    assert selected["physicalMemoryInBytes"] > 0
    assert selected["@odata.context"].endswith("managedDevices/$entity")


async def test_count_only_when_asked_on_v1_always_on_beta(client: httpx.AsyncClient,
                                                          tenant: DemoTenant) -> None:
    assert "@odata.count" not in (await client.get(DEVICES, params={"$top": "1"})).json()
    counted = (await client.get(DEVICES, params={"$top": "1", "$count": "true"})).json()
    assert counted["@odata.count"] == len(tenant.devices)
    beta = (await client.get("/beta/deviceManagement/managedDevices",
                             params={"$top": "1"})).json()
    assert beta["@odata.count"] == len(tenant.devices)


async def test_get_unknown_device_is_404_resource_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{DEVICES}/00000000-0000-0000-0000-000000000001")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "ResourceNotFound"
    assert json.loads(error["message"])["Message"].startswith("The requested resource")


async def test_beta_only_endpoint_on_v1_is_segment_not_found(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1.0/deviceManagement/configurationPolicies")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Resource not found for the segment 'configurationPolicies'.")
    assert (await client.get("/beta/deviceManagement/configurationPolicies")).status_code == 200


async def test_every_response_has_request_ids(client: httpx.AsyncClient) -> None:
    ok = await client.get(DEVICES, params={"$top": "1"},
                          headers={"client-request-id": "my-correlation-id"})
    bad = await client.get("/v1.0/nowhere")
    assert ok.headers["client-request-id"] == "my-correlation-id"
    for response in (ok, bad):
        assert response.headers["request-id"]
    assert bad.json()["error"]["innerError"]["request-id"] == bad.headers["request-id"]


async def test_settings_catalog_pages_in_25s(client: httpx.AsyncClient) -> None:
    policies = (await client.get("/beta/deviceManagement/configurationPolicies",
                                 params={"$top": "100"})).json()
    assert len(policies["value"]) == 25 and "@odata.nextLink" in policies
    big = next(policy for policy in policies["value"] if policy["settingCount"] > 25)
    settings_url = f"/beta/deviceManagement/configurationPolicies/{big['id']}/settings"
    page = (await client.get(settings_url)).json()
    settings = list(page["value"])
    assert len(settings) == 25
    while "@odata.nextLink" in page:
        page = (await client.get(page["@odata.nextLink"])).json()
        settings.extend(page["value"])
    assert len(settings) == big["settingCount"]
    assert all("settingDefinitionId" in item["settingInstance"] for item in settings)


async def test_beta_only_app_types_are_hidden_on_v1(client: httpx.AsyncClient) -> None:
    async def all_apps(version: str) -> list[dict]:
        page = (await client.get(f"/{version}/deviceAppManagement/mobileApps")).json()
        apps = list(page["value"])
        while "@odata.nextLink" in page:
            page = (await client.get(page["@odata.nextLink"])).json()
            apps.extend(page["value"])
        return apps

    v1_types = {app["@odata.type"] for app in await all_apps("v1.0")}
    beta_types = {app["@odata.type"] for app in await all_apps("beta")}
    assert "#microsoft.graph.winGetApp" in beta_types - v1_types
    assert "#microsoft.graph.futureShinyApp" in beta_types - v1_types
    assert "#microsoft.graph.win32LobApp" in v1_types
    assert len(await all_apps("beta")) >= 150


async def test_isof_filter_on_mobile_apps(client: httpx.AsyncClient) -> None:
    body = (await client.get("/beta/deviceAppManagement/mobileApps", params={
        "$filter": "isof('microsoft.graph.win32LobApp')", "$top": "200"})).json()
    assert body["value"]
    assert {app["@odata.type"] for app in body["value"]} == {"#microsoft.graph.win32LobApp"}


async def test_cast_select_on_mobile_apps(client: httpx.AsyncClient) -> None:
    body = (await client.get("/v1.0/deviceAppManagement/mobileApps", params={
        "$filter": "isof('microsoft.graph.win32LobApp')",
        "$select": "displayName,microsoft.graph.win32LobApp/installCommandLine"})).json()
    assert all(app["installCommandLine"] for app in body["value"])
    plain = await client.get("/v1.0/deviceAppManagement/mobileApps",
                             params={"$select": "installCommandLine"})
    assert plain.status_code == 400


async def test_policy_overview_matches_device_statuses(client: httpx.AsyncClient) -> None:
    policies = (await client.get("/v1.0/deviceManagement/deviceCompliancePolicies")).json()
    for policy in policies["value"]:
        base = f"/v1.0/deviceManagement/deviceCompliancePolicies/{policy['id']}"
        overview = (await client.get(f"{base}/deviceStatusOverview")).json()
        page = (await client.get(f"{base}/deviceStatuses")).json()
        statuses = list(page["value"])
        while "@odata.nextLink" in page:
            page = (await client.get(page["@odata.nextLink"])).json()
            statuses.extend(page["value"])
        failed = sum(1 for item in statuses if item["status"] == "nonCompliant")
        success = sum(1 for item in statuses if item["status"] == "compliant")
        assert (overview["failedCount"], overview["successCount"]) == (failed, success)


async def test_noncompliant_devices_have_a_failing_setting(client: httpx.AsyncClient,
                                                           tenant: DemoTenant) -> None:
    noncompliant = [index for index in range(len(tenant.devices))
                    if tenant.devices.compliance[index] == "noncompliant"][:15]
    assert noncompliant
    for index in noncompliant:
        states = (await client.get(f"{DEVICES}/{tenant.devices.id_of(index)}"
                                   "/deviceCompliancePolicyStates")).json()["value"]
        failing = [setting for state in states for setting in state["settingStates"]
                   if setting["state"] == "nonCompliant"]
        assert failing, tenant.devices.name[index]
        for setting in failing:
            assert setting["settingName"] and setting["currentValue"] is not None
        if not tenant.devices.encrypted[index] and tenant.devices.os[index] == "Windows":
            assert any(setting["setting"].endswith("BitLockerEnabled") for setting in failing)


async def test_unsupported_query_option_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get(DEVICES, params={"$format": "json"})
    assert response.status_code == 400


async def test_search_refused_on_devices_allowed_on_apps(client: httpx.AsyncClient) -> None:
    assert (await client.get(DEVICES, params={"$search": '"laptop"'})).status_code == 400
    apps = await client.get("/beta/deviceAppManagement/mobileApps",
                            params={"$search": '"Zoom"'})
    assert apps.status_code == 200
    assert apps.json()["value"]
    assert all("zoom" in json.dumps(app).lower() for app in apps.json()["value"])


@pytest.mark.parametrize("path", [
    "/v1.0/deviceManagement/deviceConfigurations",
    "/v1.0/deviceManagement/roleDefinitions",
    "/v1.0/deviceManagement/roleAssignments",
    "/v1.0/deviceManagement/resourceOperations",
    "/v1.0/deviceManagement/notificationMessageTemplates",
    "/v1.0/deviceManagement/deviceEnrollmentConfigurations",
    "/v1.0/deviceManagement/termsAndConditions",
    "/v1.0/deviceManagement/exchangeConnectors",
    "/v1.0/deviceManagement/mobileThreatDefenseConnectors",
    "/v1.0/deviceManagement/deviceCategories",
    "/v1.0/deviceManagement/detectedApps",
    "/v1.0/deviceAppManagement/mobileAppCategories",
    "/v1.0/deviceAppManagement/managedAppPolicies",
    "/v1.0/deviceAppManagement/iosManagedAppProtections",
    "/v1.0/deviceAppManagement/androidManagedAppProtections",
    "/beta/deviceAppManagement/windowsManagedAppProtections",
    "/v1.0/deviceAppManagement/targetedManagedAppConfigurations",
    "/v1.0/deviceAppManagement/mobileAppConfigurations",
    "/v1.0/deviceAppManagement/vppTokens",
    "/beta/deviceManagement/depOnboardingSettings",
    "/beta/deviceManagement/remoteActionAudits",
])
async def test_every_documented_collection_serves_items(client: httpx.AsyncClient,
                                                        path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.json()["value"], path


async def test_singletons(client: httpx.AsyncClient, tenant: DemoTenant) -> None:
    apns = (await client.get("/v1.0/deviceManagement/applePushNotificationCertificate")).json()
    assert apns["appleIdentifier"] and apns["expirationDateTime"]
    overview = (await client.get("/v1.0/deviceManagement/managedDeviceOverview")).json()
    assert overview["enrolledDeviceCount"] == len(tenant.devices)
    assert rules.COLLECTION_RULES  # the rule table is populated
