"""The fake Graph's settings-catalog reports and setting definitions keep Graph's rules."""

from __future__ import annotations

import json

import httpx

from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import DemoTenant

REPORTS = "/beta/deviceManagement/reports"


def some_device(tenant: DemoTenant) -> str:
    from intune_tui.demo import settings_catalog

    return next(tenant.devices.id_of(index) for index in tenant.devices.live_indices()
                if settings_catalog.device_policies(tenant, index))


async def test_a_report_answers_intune_s_table_as_a_stream(client: httpx.AsyncClient,
                                                           tenant: DemoTenant) -> None:
    device = some_device(tenant)
    answer = await client.post(f"{REPORTS}/getConfigurationPoliciesReportForDevice", json={
        "select": ["PolicyId", "PolicyStatus"], "skip": 0, "top": 1,
        "filter": "((PolicyBaseTypeName eq 'DeviceManagementConfigurationPolicy') or "
                  "(PolicyBaseTypeName eq 'DeviceConfigurationAdmxPolicy')) and "
                  f"(IntuneDeviceId eq '{device}')"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/octet-stream"
    table = json.loads(answer.content)
    assert table["TotalRowCount"] >= 1 and len(table["Values"]) == 1
    assert [column["Column"] for column in table["Schema"]] == [
        "PolicyId", "PolicyStatus", "PolicyStatus_loc"]
    assert table["Schema"][1]["PropertyType"] == "Int32"


async def test_reports_refuse_what_intune_refuses(client: httpx.AsyncClient) -> None:
    url = f"{REPORTS}/getConfigurationSettingsReport"
    for body in ({"filter": "(PolicyId ne 'x')"}, {"filter": "(Nonsense eq 'x')"},
                 {"select": ["Nonsense"]}, {"filter": "(PolicyId eq 'x'"}, {"top": -1}):
        answer = await client.post(url, json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]["code"] == "BadRequest"
    assert (await client.get(url)).status_code == 405
    v1 = await client.post("/v1.0/deviceManagement/reports/getConfigurationSettingsReport",
                           json={})
    assert v1.status_code == 400


async def test_without_a_scope_a_report_is_intune_s_403(fake: FakeGraph) -> None:
    token = fake.issue_token(("User.Read",))
    async with httpx.AsyncClient(transport=fake.transport(), base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        answer = await http.post(f"{REPORTS}/getConfigurationPoliciesReportForDevice", json={})
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "Forbidden"
    assert "DeviceManagementConfiguration.Read.All" in error["message"]


async def test_settings_with_their_definitions_page_by_25(client: httpx.AsyncClient,
                                                         tenant: DemoTenant) -> None:
    policy = next(policy for policy in tenant.collection("deviceManagement/configurationPolicies")
                  if policy["settingCount"] > 25)
    url = f"/beta/deviceManagement/configurationPolicies/{policy['id']}/settings"
    first = (await client.get(url, params={"$expand": "settingDefinitions"})).json()
    assert len(first["value"]) == 25
    second = (await client.get(first["@odata.nextLink"])).json()
    assert len(first["value"]) + len(second["value"]) == policy["settingCount"]
    assert "@odata.nextLink" not in second
    setting = first["value"][0]
    ids = {definition["id"] for definition in setting["settingDefinitions"]}
    assert setting["settingInstance"]["settingDefinitionId"] in ids
    choice = next(definition for item in first["value"]
                  for definition in item["settingDefinitions"] if "options" in definition)
    assert all(option["itemId"].startswith(choice["id"] + "_") and option["displayName"]
               for option in choice["options"])
    wrong = await client.get(url, params={"$expand": "settingDefinitions,assignments"})
    assert wrong.status_code == 400
    plain = (await client.get(url)).json()  # without the expansion: the settings alone
    assert "settingDefinitions" not in plain["value"][0]
