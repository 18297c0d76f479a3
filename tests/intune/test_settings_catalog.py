"""A device's settings-catalog profiles and their settings, in words, over the fake Graph."""

from __future__ import annotations

import pytest

from intune_tui.demo import settings_catalog as demo_catalog
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune import settings_catalog
from intune_tui.intune.settings_catalog import (
    SettingValues,
    catalog_setting_states,
    device_catalog_policies,
    error_code,
)

DESKTOP_ID = "5fa47093-1ec4-4b77-b3d3-eee71bd349a7"  # CONTOSO-DT-44835: Defender baseline Error


def connect(fake: FakeGraph, scopes: tuple[str, ...] | None = None) -> GraphClient:
    token = fake.issue_token(scopes) if scopes else fake.issue_token()
    return GraphClient(StaticTokenProvider(token), transport=fake.transport())


async def test_the_device_s_profiles_come_from_the_report_failing_first() -> None:
    fake = FakeGraph(build_tenant(devices=300))
    policies = await device_catalog_policies(connect(fake), DESKTOP_ID)
    index = fake.tenant.devices.index_of(DESKTOP_ID)
    expected = {policy["id"]: demo_catalog.policy_status(fake.tenant, policy, index)
                for policy in demo_catalog.device_policies(fake.tenant, index)}
    assert {policy.policy_id for policy in policies} == set(expected)
    assert policies[0].failing and policies[0].state == "Error" and policies[0].status == "error"
    assert all(policy.failing == (expected[policy.policy_id] in (4, 5, 6))
               for policy in policies)
    assert policies[0].user.endswith("@contoso-demo.onmicrosoft.com")
    (request,) = fake.requests
    assert request.method == "POST" and request.path == (
        "/beta/deviceManagement/reports/getConfigurationPoliciesReportForDevice")
    assert request.json["select"] == list(settings_catalog.POLICY_COLUMNS)


async def test_settings_are_named_and_valued_from_their_definitions() -> None:
    fake = FakeGraph(build_tenant(devices=300))
    client = connect(fake)
    policy = next(policy for policy in await device_catalog_policies(client, DESKTOP_ID)
                  if policy.failing)
    found = await catalog_setting_states(client, policy, DESKTOP_ID)
    assert not found.values_error
    first, *others = found.settings
    assert (first.name, first.state, first.failing) == ("Allow User UI Access", "Error", True)
    assert first.error == "0x87D1FDE8 (-2016281112)"
    # The profile sets ..._allowuseruiaccess_{0,1,2}: read in the definition's words.
    assert first.value in ("Not allowed", "Allowed", "Audit mode")
    by_name = {setting.name: setting for setting in found.settings}
    assert by_name["Cloud Block Level"].value in ("Default State", "High", "High Plus")
    assert not any(setting.failing for setting in others)
    assert all(not setting.value.startswith("device_vendor") for setting in found.settings)
    report = next(r for r in fake.requests if r.path.endswith("getConfigurationSettingsReport"))
    assert report.json["filter"] == (f"(PolicyId eq '{policy.policy_id}') and "
                                     f"(DeviceId eq '{DESKTOP_ID}') and "
                                     f"(UserId eq '{policy.user_id}')")
    pages = [r for r in fake.requests if r.path.endswith(f"{policy.policy_id}/settings")]
    assert len(pages) == 2  # 28 settings, 25 a page
    assert all(r.params["$expand"] == "settingDefinitions" for r in pages)


async def test_report_pages_are_followed_with_skip_and_top(monkeypatch) -> None:
    fake = FakeGraph(build_tenant(devices=300))
    client = connect(fake)
    policy = next(policy for policy in await device_catalog_policies(client, DESKTOP_ID)
                  if policy.failing)
    monkeypatch.setattr(settings_catalog, "PAGE", 10)
    found = await catalog_setting_states(client, policy, DESKTOP_ID)
    assert len(found.settings) == 28
    skips = [r.json["skip"] for r in fake.requests
             if r.path.endswith("getConfigurationSettingsReport")]
    assert skips == [0, 10, 20]


async def test_without_a_scope_the_report_is_refused_in_intune_s_form() -> None:
    fake = FakeGraph(build_tenant(devices=300))
    client = connect(fake, ("User.Read",))
    with pytest.raises(GraphError) as refused:
        await device_catalog_policies(client, DESKTOP_ID)
    assert refused.value.status == 403


def test_choice_values_inside_groups_and_collections_read_in_words() -> None:
    values = SettingValues([{
        "settingInstance": {
            "settingDefinitionId": "parent",
            "choiceSettingValue": {"value": "parent_1", "children": [
                {"settingDefinitionId": "child", "simpleSettingCollectionValue": [
                    {"value": "a"}, {"value": "b"}]}]}},
        "settingDefinitions": [
            {"id": "parent", "displayName": "Parent",
             "options": [{"itemId": "parent_1", "displayName": "Enabled"}]},
            {"id": "child", "displayName": "Child"}]}])
    assert (values.name("PARENT"), values.value("parent")) == ("Parent", "Enabled")
    assert values.value("child") == "a, b"
    assert values.value("unknown") == ""


def test_error_codes_read_as_hex_and_decimal() -> None:
    assert error_code(-2016281211) == "0x87D1FD85 (-2016281211)"
    assert error_code(0) == error_code(None) == ""
