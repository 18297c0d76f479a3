"""The fake Graph behaves as Graph documents: envelope, paging, $select, $filter, errors."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import DemoTenant, build_tenant

from .conftest import ManualClock

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


@pytest.mark.parametrize("version", ["v1.0", "beta"])
@pytest.mark.parametrize("select", [
    # The app's list (strings, a bool), and one with numbers, nulls, lists, objects, notes.
    "id,deviceName,userPrincipalName,operatingSystem,osVersion,complianceState,"
    "managementState,lastSyncDateTime,managedDeviceOwnerType,serialNumber,model,isSupervised,"
    "deviceEnrollmentType,userDisplayName,manufacturer,enrolledDateTime,azureADDeviceId,userId",
    "deviceName,notes,totalStorageSpaceInBytes,deviceActionResults,"
    "configurationManagerClientEnabledFeatures,usersLoggedOn,ethernetMacAddress,userId",
])
async def test_device_pages_are_the_json_graph_sends(client: httpx.AsyncClient, version: str,
                                                     select: str, tenant: DemoTenant) -> None:
    """A device page the fake encodes a column at a time is byte for byte what json writes for
    the same items (the hostile names on the first page included), and holds what the same
    request answers inside $batch."""
    if version == "v1.0":
        select = select.replace(",usersLoggedOn", "")  # beta only
    hostile = 'Say "hi" \\ \u202e\x1b[31m\u00e9\U0001f600'
    tenant.devices.set_name(2, hostile)
    url = f"/deviceManagement/managedDevices?$select={select}&$top=100&$count=true"
    response = await client.get(f"/{version}{url}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert response.content == json.dumps(body, ensure_ascii=False,
                                          separators=(",", ":")).encode()
    assert len(body["value"]) == 100 and body["@odata.count"] == len(tenant.devices)
    assert body["value"][2]["deviceName"] == hostile
    batched = await client.post(f"/{version}/$batch", json={"requests": [
        {"id": "1", "method": "GET", "url": url}]})
    assert batched.json()["responses"][0]["body"] == body


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
    # The offset (50) is in the token neither as text nor as its bytes (after the fixed
    # "RFNwdF" prefix, as Graph's own tokens start): the token is opaque.
    payload = token.removeprefix("RFNwdF")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert not token.isdigit() and (50).to_bytes(8, "big") not in raw


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
    assert bad.json()["error"]["innerError"]["date"] == "2026-11-20T09:00:00"  # tenant clock


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
                    if tenant.devices.compliance[index] == "noncompliant"]
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


# --- $filter through HTTP ------------------------------------------------------------------------
async def all_pages(client: httpx.AsyncClient, url: str, params: dict | None = None) -> list[dict]:
    page = (await client.get(url, params=params)).json()
    items = list(page["value"])
    while "@odata.nextLink" in page:
        page = (await client.get(page["@odata.nextLink"])).json()
        items.extend(page["value"])
    return items


@pytest.mark.parametrize(("text", "expected"), [
    ("operatingSystem eq 'iOS' and complianceState eq 'noncompliant'",
     lambda d: d.operatingSystem == "iOS" and d.complianceState == "noncompliant"),
    ("operatingSystem eq 'ios' or operatingSystem eq 'IPADOS'",
     lambda d: d.operatingSystem in ("iOS", "iPadOS")),
    ("contains(deviceName,'contoso-lt')", lambda d: "contoso-lt" in d.deviceName.lower()),
    ("contains(osVersion,'10.0.226')", lambda d: "10.0.226" in d.osVersion),
    ("userPrincipalName eq 'alice.smith@contoso-demo.onmicrosoft.com'",
     lambda d: d.userPrincipalName == "alice.smith@contoso-demo.onmicrosoft.com"),
    ("userPrincipalName ne ''", lambda d: d.userPrincipalName != ""),
    ("lastSyncDateTime lt 2026-10-21T09:00:00Z", lambda d: d.lastSyncDateTime
     < "2026-10-21T09:00:00Z"),
    ("enrolledDateTime gt 2026-06-01T00:00:00Z and managementAgent eq 'mdm'",
     lambda d: d.enrolledDateTime > "2026-06-01T00:00:00Z" and d.managementAgent == "mdm"),
    ("jailBroken eq 'True'", lambda d: d.jailBroken == "True"),
    ("manufacturer eq 'apple' or manufacturer eq 'Google'",
     lambda d: d.manufacturer in ("Apple", "Google")),
])
async def test_device_filters_match_brute_force(client: httpx.AsyncClient, tenant: DemoTenant,
                                                text: str, expected) -> None:
    class View:
        def __init__(self, index: int) -> None:
            self.index = index

        def __getattr__(self, name: str):
            return tenant.devices.value(self.index, name)

    wanted = {tenant.devices.id_of(index) for index in range(len(tenant.devices))
              if expected(View(index))}
    got = await all_pages(client, DEVICES, {"$filter": text, "$select": "id", "$top": "100"})
    assert {item["id"] for item in got} == wanted
    assert wanted or text.startswith("jailBroken")


async def test_every_filter_refusal_is_a_graph_400(client: httpx.AsyncClient) -> None:
    for text in ("startswith(deviceName,'LAP')",
                 "operatingSystem eq 'iOS' or complianceState eq 'noncompliant'",
                 "isEncrypted eq false", "bogusProperty eq 1",
                 "lastSyncDateTime lt '2026-01-01'"):
        response = await client.get(DEVICES, params={"$filter": text})
        assert response.status_code == 400, text
        error = response.json()["error"]
        assert error["code"] == "BadRequest"
        assert error["message"].startswith("Invalid filter clause")
        assert error["innerError"]["request-id"]


async def test_azure_ad_device_id_filter_cannot_be_counted(client: httpx.AsyncClient,
                                                           tenant: DemoTenant) -> None:
    aad = tenant.devices.value(12, "azureADDeviceId")
    ok = await client.get(DEVICES, params={"$filter": f"azureADDeviceId eq '{aad}'"})
    assert [item["id"] for item in ok.json()["value"]] == [tenant.devices.id_of(12)]
    counted = await client.get(DEVICES, params={"$filter": f"azureADDeviceId eq '{aad}'",
                                                "$count": "true"})
    assert counted.status_code == 400


async def test_orderby_documented_columns_only(client: httpx.AsyncClient) -> None:
    ordered = await all_pages(client, DEVICES, {"$orderby": "lastSyncDateTime desc",
                                                "$select": "lastSyncDateTime"})
    times = [item["lastSyncDateTime"] for item in ordered]
    assert times == sorted(times, reverse=True)
    assert (await client.get(DEVICES, params={"$orderby": "wiFiMacAddress"})).status_code == 400


# --- tokens and scopes ---------------------------------------------------------------------------
async def get_devices(fake: FakeGraph, authorization: str | None) -> httpx.Response:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com") as c:
        return await c.get(DEVICES, headers=headers)


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Basic dXNlcjpwYXNz",
                                           "Bearer not-a-jwt", "Bearer a.b.c"])
async def test_missing_or_garbage_token_is_401_with_challenge(fake: FakeGraph,
                                                             authorization: str | None) -> None:
    response = await get_devices(fake, authorization)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert response.headers["WWW-Authenticate"].startswith("Bearer realm=")


async def test_token_with_edited_scopes_is_refused(fake: FakeGraph) -> None:
    import base64

    token = fake.issue_token(scopes=[rules.APPS_READ])
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scp"] = " ".join(rules.ALL_DEMO_SCOPES)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert (await get_devices(fake, f"Bearer {header}.{forged}.{signature}")).status_code == 401


async def test_token_claims(fake: FakeGraph, clock) -> None:
    import base64

    token = fake.issue_token(scopes=[rules.MD_READ, rules.APPS_READ], expires_in=600,
                             upn="bob@contoso-demo.onmicrosoft.com")
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["scp"] == f"{rules.MD_READ} {rules.APPS_READ}"
    assert claims["tid"] == fake.tenant.tenant_id
    assert claims["upn"] == "bob@contoso-demo.onmicrosoft.com"
    assert claims["exp"] == int(clock() + 600)
    assert claims["name"]


async def test_expired_token_is_401_lifetime(fake: FakeGraph, clock) -> None:
    token = fake.issue_token(expires_in=60)
    assert (await get_devices(fake, f"Bearer {token}")).status_code == 200
    clock.advance(61)
    response = await get_devices(fake, f"Bearer {token}")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


async def test_expire_tokens_kills_old_tokens_only(fake: FakeGraph) -> None:
    old = fake.issue_token()
    fake.faults.expire_tokens()
    new = fake.issue_token()
    assert (await get_devices(fake, f"Bearer {old}")).status_code == 401
    assert (await get_devices(fake, f"Bearer {new}")).status_code == 200


async def test_missing_scope_is_intune_nested_403(fake: FakeGraph) -> None:
    token = fake.issue_token(scopes=[rules.APPS_READ])
    response = await get_devices(fake, f"Bearer {token}")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "Forbidden"
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    inner = json.loads(error["message"])
    assert inner["_version"] == 3
    assert inner["Message"].startswith(
        "Application is not authorized to perform this operation. Application must have one "
        "of the following scopes: DeviceManagementManagedDevices.Read.All, "
        "DeviceManagementManagedDevices.ReadWrite.All - Operation ID")
    assert "Activity ID: " in inner["Message"] and " - Url: https://" in inner["Message"]
    assert "CustomApiErrorPhrase" in inner and "RetryAfter" in inner
    assert "\r\n" in error["message"]


async def test_readwrite_grants_read(fake: FakeGraph) -> None:
    token = fake.issue_token(scopes=[rules.MD_READWRITE])
    assert (await get_devices(fake, f"Bearer {token}")).status_code == 200


# --- remote actions ------------------------------------------------------------------------------
def managed_device(tenant: DemoTenant, os_name: str, *, fresh: bool = True) -> int:
    store = tenant.devices
    return next(index for index in range(len(store))
                if store.os[index] == os_name and store.management[index] == "managed"
                and (store.sync_age[index] < 86_400) == fresh and index not in store.actions)


async def device_json(client: httpx.AsyncClient, tenant: DemoTenant, index: int,
                      select: str = "deviceActionResults,managementState,deviceName") -> dict:
    return (await client.get(f"{DEVICES}/{tenant.devices.id_of(index)}",
                             params={"$select": select})).json()


@pytest.mark.parametrize("action", [rule.name for rule in rules.ACTIONS
                                    if rule.versions == rules.BOTH])
async def test_every_v1_action_answers_204_and_records_a_result(
        client: httpx.AsyncClient, tenant: DemoTenant, action: str) -> None:
    rule = rules.ACTION_RULES[action]
    os_name = sorted(rule.platforms)[0] if rule.platforms else "Windows"
    index = managed_device(tenant, os_name)
    body = {"keepUserData": True} if action == "cleanWindowsDevice" else (
        {"quickScan": True} if action == "windowsDefenderScan" else
        {"userPrincipalName": "alice.smith@contoso-demo.onmicrosoft.com"}
        if action == "deleteUserFromSharedAppleDevice" else
        {"updateWindowsDeviceAccountActionParameter": {"deviceAccountEmail": "hub@x"}}
        if action == "updateWindowsDeviceAccount" else None)
    response = await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/{action}", json=body)
    assert response.status_code == 204, response.text
    assert response.content == b""
    results = (await device_json(client, tenant, index))["deviceActionResults"]
    assert [(r["actionName"], r["actionState"]) for r in results] == [(action, "pending")]


async def test_action_progresses_with_the_injected_clock(client: httpx.AsyncClient,
                                                         tenant: DemoTenant, clock) -> None:
    index = managed_device(tenant, "Windows")
    await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/rebootNow")
    clock.advance(19)
    first = (await device_json(client, tenant, index))["deviceActionResults"][0]
    assert first["actionState"] == "pending"
    clock.advance(42)
    done = (await device_json(client, tenant, index))["deviceActionResults"][0]
    assert done["actionState"] == "done"
    assert done["lastUpdatedDateTime"] > done["startDateTime"]
    assert done["startDateTime"] == "2026-11-20T09:00:00Z"


async def test_retire_moves_management_state(client: httpx.AsyncClient, tenant: DemoTenant,
                                             clock) -> None:
    index = managed_device(tenant, "iOS")
    await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/retire")
    assert (await device_json(client, tenant, index))["managementState"] == "retirePending"
    clock.advance(61)
    assert (await device_json(client, tenant, index))["managementState"] == "retireIssued"


async def test_a_list_filtered_on_management_state_follows_the_clock(
        client: httpx.AsyncClient, tenant: DemoTenant, clock) -> None:
    index = managed_device(tenant, "iOS")
    device_id = tenant.devices.id_of(index)
    await client.post(f"{DEVICES}/{device_id}/retire")
    pending = {"$filter": "managementState eq 'retirePending'", "$select": "id", "$top": "1000"}

    async def listed() -> set[str]:
        response = await client.get(DEVICES, params=pending)
        assert response.status_code == 200 and "@odata.nextLink" not in response.json()
        return {item["id"] for item in response.json()["value"]}

    assert device_id in await listed()
    clock.advance(61)  # the retire is issued: the same filter no longer lists the device
    assert device_id not in await listed()


async def test_wipe_on_a_stale_device_stays_pending(client: httpx.AsyncClient,
                                                    tenant: DemoTenant, clock) -> None:
    index = next(index for index in range(len(tenant.devices))
                 if tenant.devices.sync_age[index] > 31 * 86_400
                 and tenant.devices.management[index] == "managed")
    await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/wipe",
                      json={"keepEnrollmentData": False, "keepUserData": False})
    clock.advance(1800)  # well past any delay, still inside the token's hour
    device = await device_json(client, tenant, index)
    assert device["managementState"] == "wipePending"
    assert device["deviceActionResults"][-1]["actionState"] == "pending"


async def test_wrong_platform_ends_not_supported_and_retired_device_fails(
        client: httpx.AsyncClient, tenant: DemoTenant, clock) -> None:
    android = managed_device(tenant, "Android")
    await client.post(f"{DEVICES}/{tenant.devices.id_of(android)}/windowsDefenderScan",
                      json={"quickScan": True})
    retired = next(index for index in range(len(tenant.devices))
                   if tenant.devices.management[index] == "retireIssued")
    await client.post(f"{DEVICES}/{tenant.devices.id_of(retired)}/syncDevice")
    clock.advance(61)
    assert (await device_json(client, tenant, android))["deviceActionResults"][-1][
        "actionState"] == "notSupported"
    assert (await device_json(client, tenant, retired))["deviceActionResults"][-1][
        "actionState"] == "failed"


@pytest.mark.parametrize(("action", "body", "fragment"), [
    ("wipe", {"keepUserData": "yes"}, "Edm.Boolean"),
    ("wipe", {"obliterationBehavior": "always"}, "not a valid parameter"),
    ("wipe", {"wipeEverything": True}, "not a valid parameter"),
    ("syncDevice", {"force": True}, "not a valid parameter"),
    ("cleanWindowsDevice", {}, "'keepUserData' is required"),
    ("windowsDefenderScan", {"quickScan": None}, "'quickScan' is required"),
    ("deleteUserFromSharedAppleDevice", {}, "'userPrincipalName' is required"),
])
async def test_action_body_is_validated(client: httpx.AsyncClient, tenant: DemoTenant,
                                        action: str, body: dict, fragment: str) -> None:
    index = managed_device(tenant, "Windows")
    response = await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/{action}", json=body)
    assert response.status_code == 400
    assert fragment in response.json()["error"]["message"]
    assert "deviceActionResults" not in tenant.devices.actions.get(index, [])


async def test_beta_only_actions_and_parameters(client: httpx.AsyncClient, tenant: DemoTenant,
                                                clock) -> None:
    index = managed_device(tenant, "Windows")
    device_id = tenant.devices.id_of(index)
    v1 = await client.post(f"{DEVICES}/{device_id}/setDeviceName", json={"deviceName": "NEW"})
    assert v1.status_code == 400
    assert v1.json()["error"]["message"] == "Resource not found for the segment 'setDeviceName'."
    beta = await client.post(f"/beta/deviceManagement/managedDevices/{device_id}/setDeviceName",
                             json={"deviceName": "CONTOSO-NEW-01"})
    assert beta.status_code == 204
    clock.advance(61)
    assert (await device_json(client, tenant, index))["deviceName"] == "CONTOSO-NEW-01"
    wipe = await client.post(f"/beta/deviceManagement/managedDevices/{device_id}/wipe",
                             json={"obliterationBehavior": "doNotObliterate",
                                   "useProtectedWipe": True})
    assert wipe.status_code == 204


async def test_actions_need_privileged_operations(fake: FakeGraph, tenant: DemoTenant) -> None:
    index = managed_device(tenant, "iOS")
    token = fake.issue_token(scopes=[rules.MD_READWRITE])
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {token}"}) as c:
        sync = await c.post(f"{DEVICES}/{tenant.devices.id_of(index)}/syncDevice")
        locate = await c.post(f"{DEVICES}/{tenant.devices.id_of(index)}/locateDevice")
    assert sync.status_code == 403
    assert rules.MD_PRIVILEGED in json.loads(sync.json()["error"]["message"])["Message"]
    assert locate.status_code == 204
    assert [r.action_name for r in tenant.devices.actions[index]] == ["locateDevice"]


async def test_locate_result_carries_a_location_once_done(client: httpx.AsyncClient,
                                                          tenant: DemoTenant, clock) -> None:
    index = managed_device(tenant, "iOS")
    await client.post(f"{DEVICES}/{tenant.devices.id_of(index)}/locateDevice")
    clock.advance(61)
    result = (await device_json(client, tenant, index))["deviceActionResults"][-1]
    assert result["@odata.type"] == "#microsoft.graph.locateDeviceActionResult"
    assert -90 <= result["deviceLocation"]["latitude"] <= 90


async def test_delete_and_patch_device(client: httpx.AsyncClient, tenant: DemoTenant) -> None:
    index = managed_device(tenant, "macOS")
    url = f"{DEVICES}/{tenant.devices.id_of(index)}"
    assert (await client.patch(url, json={"notes": "Returned to IT"})).status_code == 204
    assert (await client.get(url, params={"$select": "notes"})).json()["notes"] == "Returned to IT"
    assert (await client.patch(url, json={"deviceName": "x"})).status_code == 400
    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_bulk_execute_action_result_shape(client: httpx.AsyncClient,
                                                tenant: DemoTenant) -> None:
    windows = managed_device(tenant, "Windows")
    ios = managed_device(tenant, "iOS")
    ids = [tenant.devices.id_of(windows), tenant.devices.id_of(ios),
           "00000000-0000-0000-0000-00000000dead"]
    url = "/beta/deviceManagement/managedDevices/executeAction"
    response = await client.post(url, json={"actionName": "quickScan", "deviceIds": ids})
    assert response.status_code == 200
    body = response.json()
    assert body["successfulDeviceIds"] == ids[:1]
    assert body["notSupportedDeviceIds"] == ids[1:2]
    assert body["notFoundDeviceIds"] == ids[2:]
    assert body["failedDeviceIds"] == []
    assert (await client.post("/v1.0/deviceManagement/managedDevices/executeAction",
                              json={"actionName": "syncDevice", "deviceIds": ids})
            ).status_code == 400
    bad = await client.post(url, json={"actionName": "explode", "deviceIds": ids})
    assert bad.status_code == 400


async def test_remote_action_audit_records_the_operator(client: httpx.AsyncClient,
                                                        tenant: DemoTenant) -> None:
    index = managed_device(tenant, "Android")
    device_id = tenant.devices.id_of(index)
    await client.post(f"{DEVICES}/{device_id}/remoteLock")
    audits = await all_pages(client, "/beta/deviceManagement/remoteActionAudits",
                             {"$filter": f"managedDeviceId eq '{device_id}'"})
    assert [(a["action"], a["actionState"], a["initiatedByUserPrincipalName"])
            for a in audits] == [("remoteLock", "pending",
                                  "helpdesk@contoso-demo.onmicrosoft.com")]


# --- $batch --------------------------------------------------------------------------------------
async def test_batch_dispatches_each_request_with_its_own_status(
        client: httpx.AsyncClient, fake: FakeGraph, tenant: DemoTenant) -> None:
    index = managed_device(tenant, "Windows")
    device_id = tenant.devices.id_of(index)
    requests = [
        {"id": "1", "method": "GET",
         "url": f"/deviceManagement/managedDevices/{device_id}?$select=id,deviceName"},
        {"id": "2", "method": "POST", "url": f"/deviceManagement/managedDevices/{device_id}"
         "/syncDevice"},
        {"id": "3", "method": "GET", "url": "/deviceManagement/managedDevices/nope"},
        {"id": "4", "method": "GET", "url": "/deviceManagement/managedDevices/nope/users",
         "dependsOn": ["3"]},
        {"id": "5", "method": "POST", "url": f"/deviceManagement/managedDevices/{device_id}"
         "/windowsDefenderScan", "body": {"quickScan": True},
         "headers": {"Content-Type": "application/json"}},
    ]
    fake.faults.fail_next(429, path_contains="syncDevice", retry_after=0.4)
    response = await client.post("/v1.0/$batch", json={"requests": requests})
    assert response.status_code == 200
    by_id = {item["id"]: item for item in response.json()["responses"]}
    assert by_id["1"]["status"] == 200 and by_id["1"]["body"]["id"] == device_id
    assert by_id["2"]["status"] == 429 and by_id["2"]["headers"]["Retry-After"] == "0.4"
    assert by_id["3"]["status"] == 404
    assert by_id["4"]["status"] == 424
    assert by_id["5"]["status"] == 204 and "body" not in by_id["5"]
    batched = [recorded for recorded in fake.requests if recorded.in_batch]
    assert {recorded.path for recorded in batched} >= {
        f"/v1.0/deviceManagement/managedDevices/{device_id}"}
    assert [r.action_name for r in tenant.devices.actions[index]] == ["windowsDefenderScan"]


async def test_batch_limits_and_shape(client: httpx.AsyncClient) -> None:
    one = {"method": "GET", "url": "/deviceManagement/deviceCategories"}
    too_many = [{"id": str(n), **one} for n in range(21)]
    assert (await client.post("/v1.0/$batch", json={"requests": too_many})).status_code == 400
    twenty = [{"id": str(n), **one} for n in range(20)]
    response = await client.post("/beta/$batch", json={"requests": twenty})
    assert response.status_code == 200
    assert sorted(int(item["id"]) for item in response.json()["responses"]) == list(range(20))
    duplicate = [{"id": "1", **one}, {"id": "1", **one}]
    assert (await client.post("/v1.0/$batch", json={"requests": duplicate})).status_code == 400
    absolute = [{"id": "1", "method": "GET",
                 "url": "https://graph.microsoft.com/v1.0/deviceManagement/deviceCategories"}]
    assert (await client.post("/v1.0/$batch", json={"requests": absolute})).status_code == 400
    no_type = [{"id": "1", "method": "POST", "url": "/deviceManagement/managedDevices/x/wipe",
                "body": {}}]
    assert (await client.post("/v1.0/$batch", json={"requests": no_type})).status_code == 400


async def test_batch_sub_requests_check_scopes(fake: FakeGraph) -> None:
    token = fake.issue_token(scopes=[rules.APPS_READ])
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {token}"}) as c:
        response = await c.post("/v1.0/$batch", json={"requests": [
            {"id": "a", "method": "GET", "url": "/deviceAppManagement/mobileApps?$top=1"},
            {"id": "b", "method": "GET", "url": "/deviceManagement/managedDevices?$top=1"}]})
    statuses = {item["id"]: item["status"] for item in response.json()["responses"]}
    assert statuses == {"a": 200, "b": 403}


async def test_expand_follows_version_rules(client: httpx.AsyncClient,
                                            tenant: DemoTenant) -> None:
    device_id = tenant.devices.id_of(0)
    beta = await client.get(f"/beta/deviceManagement/managedDevices/{device_id}",
                            params={"$expand": "detectedApps", "$select": "id"})
    assert beta.status_code == 200 and beta.json()["detectedApps"]
    v1 = await client.get(f"{DEVICES}/{device_id}", params={"$expand": "detectedApps"})
    assert v1.status_code == 400
    category = await client.get(f"{DEVICES}/{device_id}", params={"$expand": "deviceCategory"})
    assert category.json()["deviceCategory"]["displayName"] == tenant.devices.category[0]
    apps = (await client.get("/v1.0/deviceAppManagement/mobileApps",
                             params={"$expand": "assignments", "$top": "5"})).json()["value"]
    assert all(isinstance(app["assignments"], list) for app in apps)
    assert any(app["assignments"] for app in apps)


async def test_a_token_signed_with_a_key_derived_from_public_data_is_refused(
    tenant: DemoTenant, clock: ManualClock
) -> None:
    """The signing key is random per server: knowing the tenant id (which every token carries)
    is not enough to forge a token, and another server's token is not accepted either."""
    import hashlib
    import hmac

    fake = FakeGraph(tenant, clock=clock)
    genuine = fake.issue_token()
    header, payload, _signature = genuine.split(".")
    derived = hashlib.sha256(f"intune-tui-demo:{tenant.tenant_id}".encode()).digest()
    forged_signature = base64.urlsafe_b64encode(
        hmac.new(derived, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    ).rstrip(b"=").decode()
    other_server = FakeGraph(tenant, clock=clock).issue_token()

    for token in (f"{header}.{payload}.{forged_signature}", other_server):
        async with httpx.AsyncClient(transport=fake.transport(),
                                     base_url="https://graph.microsoft.com",
                                     headers={"Authorization": f"Bearer {token}"}) as http:
            answer = await http.get("/v1.0/deviceManagement/managedDevices")
        assert answer.status_code == 401
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {genuine}"}) as http:
        assert (await http.get("/v1.0/deviceManagement/managedDevices")).status_code == 200


@pytest.mark.parametrize(("scopes", "status", "full"), [
    ((), 403, False),
    (("User.Read",), 200, False),
    (("Organization.Read.All",), 200, True),
    (("Directory.Read.All",), 200, True),
])
async def test_organization_is_one_object_read_as_its_scopes_allow(
    fake: FakeGraph, scopes: tuple[str, ...], status: int, full: bool
) -> None:
    token = fake.issue_token(scopes=scopes)
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        answer = await http.get("/v1.0/organization")
        selected = await http.get("/v1.0/organization", params={"$select": "displayName"})

    assert answer.status_code == status
    if status == 403:
        assert answer.json()["error"]["code"] == "Authorization_RequestDenied"
        return
    body = answer.json()
    assert body["@odata.context"].endswith("/v1.0/$metadata#organization")
    [organization] = body["value"]
    assert organization["id"] == fake.tenant.tenant_id
    assert organization["displayName"] == fake.tenant.display_name
    assert organization["verifiedDomains"][0]["name"] == fake.tenant.domain
    assert (organization["tenantType"] is not None) is full
    assert set(selected.json()["value"][0]) == {"id", "displayName"}
