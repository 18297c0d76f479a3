"""The policy detail on the demo tenant: status counts that match the devices' statuses, opening a
device from the status list, readable settings (classic and settings catalog, paged), actions
for noncompliance, app protection and notification details, "why non-compliant" in two keys, and
snapshots."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from rich.console import Console
from textual import events
from waiting import list_loaded, wait_until

from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.models import StatusOverview
from intune_tui.intune.wording import readable_properties, setting_definition_words, setting_rows
from intune_tui.ui.screens.apps import AppsScreen
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.policies import PoliciesScreen
from intune_tui.ui.screens.policy_detail import PolicyDetailScreen, status_words
from intune_tui.ui.screens.setting_states import SettingStatesScreen
from intune_tui.ui.widgets.detail import RowsPane

from .device_screen_support import device_settled

DEVICES = 300
CONFIGURATIONS = "deviceManagement/deviceConfigurations"
COMPLIANCE = "deviceManagement/deviceCompliancePolicies"
CATALOG = "deviceManagement/configurationPolicies"


def plain(renderable: Any, width: int = 200) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def tenant_item(path: str, name: str) -> dict[str, Any]:
    return next(item for item in build_tenant(devices=DEVICES).collection(path)
                if item.get("displayName", item.get("name")) == name)


def expected_counts(path: str, policy_id: str) -> Counter[str]:
    statuses = build_tenant(devices=DEVICES).record_set(f"{path}/{{id}}/deviceStatuses",
                                                        [policy_id], beta=False)
    assert statuses is not None
    return Counter(statuses.render(record)["status"] for record in statuses.records)


async def open_policy(pilot: Any, app: Any, wait_until: Any, view: int,
                      name: str) -> PolicyDetailScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("3")
    await wait_until(pilot, lambda: isinstance(app.screen, PoliciesScreen)
                     and app.screen._complete)
    screen = app.screen
    while screen._view_index != view:
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: screen._complete)
    await pilot.press("slash")
    app.post_message(events.Paste(name))  # pasted: the search is not under test
    await pilot.pause()
    await pilot.press("enter", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, PolicyDetailScreen)
                     and "@odata.context" in app.screen.item)
    return app.screen


@pytest.mark.parametrize(("view", "path", "name", "success", "failed"), [
    (0, CONFIGURATIONS, "Windows - device restrictions", "Succeeded", "Failed"),
    (1, COMPLIANCE, "Windows - baseline compliance", "Compliant", "Not compliant"),
])
async def test_status_counts_match_the_devices_statuses_of_the_tenant(
        make_app, wait_until, view, path, name, success, failed) -> None:
    policy = tenant_item(path, name)
    counts = expected_counts(path, policy["id"])
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policy(pilot, app, wait_until, view, name)
        pane = screen.query_one("#status-pane", RowsPane)
        await wait_until(pilot, lambda: pane.table.rows_count == sum(counts.values())
                         and screen._status_text is not None)
        shown_text = str(screen.query_one("#status-counts").content)
        overview = plain(screen.query_one("#overview-fields").content)
        by_status = Counter(row.cells[2] for row in pane.table.visible_rows)

    expected = (f"{success} {counts['compliant'] + counts['remediated']} · "
                f"Error {counts['error']} · Conflict {counts['conflict']} · "
                f"Pending {counts['unknown']} · Not applicable {counts['notApplicable']} · "
                f"{failed} {counts['nonCompliant']}")
    assert shown_text.startswith(expected)
    assert re.sub(r"\s+", " ", expected) in re.sub(r"\s+", " ", overview)
    assert by_status["Compliant"] == counts["compliant"]
    assert by_status["Noncompliant"] == counts["nonCompliant"]
    assert by_status["Error"] == counts["error"] and by_status["Conflict"] == counts["conflict"]


async def test_enter_on_a_device_status_opens_that_device_found_by_name(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policy(pilot, app, wait_until, 0, "Windows - device restrictions")
        pane = screen.query_one("#status-pane", RowsPane)
        await wait_until(pilot, lambda: pane.table.rows_count > 0)
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: pane.table.has_focus)
        await pilot.press("down")
        status = pane.table.cursor_row.item
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        device = app.screen.item
        filters = [request.params.get("$filter") for request in app.session.fake.requests
                   if request.path.endswith("/managedDevices")]

    assert "deviceId" not in status  # the status report names the device only
    assert device["deviceName"] == status["deviceDisplayName"]
    assert device["userPrincipalName"] == status["userPrincipalName"]
    assert f"deviceName eq '{status['deviceDisplayName']}'" in filters


async def test_a_classic_profile_shows_its_properties_as_readable_settings(
        make_app, wait_until) -> None:
    profile = tenant_item(CONFIGURATIONS, "Windows - device restrictions")
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policy(pilot, app, wait_until, 0, "Windows - device restrictions")
        pane = screen.query_one("#settings-pane", RowsPane)
        rows = {row.cells for row in pane.table.visible_rows}

    assert ("Password required", "Yes") in rows
    assert ("Camera blocked", "No") in rows
    assert ("SmartScreen enable app install control", "Yes") in rows
    # every configured setting of the profile (supportsScopeTags is bookkeeping, not a setting)
    assert len(rows) == sum(1 for key, value in profile.items() if isinstance(value, bool)
                            and not key.startswith("_") and key != "supportsScopeTags")
    assert not any("{" in cell or "[" in cell for row in rows for cell in row)


async def test_settings_catalog_settings_are_paged_to_the_end_and_readable(
        make_app, wait_until) -> None:
    name = "Windows - Defender Antivirus baseline"
    policy = tenant_item(CATALOG, name)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policy(pilot, app, wait_until, 2, name)
        pane = screen.query_one("#settings-pane", RowsPane)
        await wait_until(pilot, lambda: pane.table.rows_count == policy["settingCount"])
        rows = [row.cells for row in pane.table.visible_rows]
        pages = [request for request in app.session.fake.requests
                 if request.path.endswith(f"/configurationPolicies/{policy['id']}/settings")]

    assert policy["settingCount"] == 28 and len(pages) == 2  # 25 + 3
    assert ("Defender › Allow realtime monitoring", rows[0][1]) == rows[0]
    assert ("Defender › Days to retain cleaned malware", "4") in rows or any(
        row[0] == "Defender › Days to retain cleaned malware" for row in rows)
    assert not any("vendor_msft" in row[0] for row in rows)


async def test_nested_catalog_settings_show_under_their_parent(make_app, wait_until) -> None:
    name = "Windows - Edge security baseline"
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policy(pilot, app, wait_until, 2, name)
        pane = screen.query_one("#settings-pane", RowsPane)
        await wait_until(pilot, lambda: pane.table.empty_text != "Loading…")
        rows = [row.cells for row in pane.table.visible_rows]

    parent = rows.index(("Microsoft › Edge › Homepage location", "1"))
    assert rows[parent + 1] == ("↳ Microsoft › Edge › Homepage location › Homepage location",
                                "https://intranet.contoso-demo.com")


async def test_compliance_actions_name_their_message_template(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policy(pilot, app, wait_until, 1, "Windows - baseline compliance")
        pane = screen.query_one("#actions-pane", RowsPane)
        await wait_until(pilot, lambda: any(
            row.cells[2].startswith("Noncompliant device") for row in pane.table.visible_rows))
        rows = [row.cells for row in pane.table.visible_rows]

    assert rows[0] == ("Mark device noncompliant", "Immediately", "—")
    assert rows[1][:2] == ("Send email to end user", "After 1 day")
    assert rows[2][:2] == ("Retire the noncompliant device", "After 30 days")


async def test_an_app_protection_policy_shows_its_apps_assignments_and_settings(
        make_app, wait_until) -> None:
    name = "iOS - Microsoft 365 data protection (level 2)"
    tenant = build_tenant(devices=DEVICES)
    path = "deviceAppManagement/iosManagedAppProtections"
    policy = next(item for item in tenant.collection(path) if item["displayName"] == name)
    apps = tenant.children[f"{path}/{{id}}/apps"][policy["id"]]
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, AppsScreen)
                         and app.screen._complete)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_until(pilot, lambda: app.screen._view_index == 2 and app.screen._complete)
        await pilot.press("slash", *"level 2", "enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyDetailScreen)
                         and "@odata.context" in app.screen.item)
        screen = app.screen
        shown_apps = [row.cells for row in screen.query_one("#apps-pane", RowsPane)
                      .table.visible_rows]
        assigned = screen.query_one("#assignments-pane", RowsPane).table.rows_count
        settings = {row.cells for row in screen.query_one("#settings-pane", RowsPane)
                    .table.visible_rows}

    assert [cells[0] for cells in shown_apps] == [a["mobileAppIdentifier"]["bundleId"]
                                                  for a in apps]
    assert {cells[1] for cells in shown_apps} == {"iOS/iPadOS"}
    assert assigned == 2
    assert ("PIN required", "Yes") in settings
    assert ("Period offline before access check", "12 hours") in settings
    assert ("Allowed data storage locations", "OneDrive for business, SharePoint") in settings


async def test_a_notification_template_shows_its_messages(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policy(pilot, app, wait_until, 3, "final warning")
        rows = [row.cells for row in screen.query_one("#messages-pane", RowsPane)
                .table.visible_rows]
    assert [cells[1] for cells in rows] == ["en-us", "de-de", "ja-jp"]
    assert rows[0][0] == "Action required: access will be blocked" and rows[0][2] == "Yes"


async def test_why_noncompliant_takes_two_keys_from_a_noncompliant_device(
        make_app, wait_until) -> None:
    tenant = build_tenant(devices=DEVICES)
    store = tenant.devices
    names = Counter(store.device_name(index) for index in store.live_indices())
    index = next(index for index in store.live_indices()
                 if store.compliance[index] == "noncompliant"
                 and re.fullmatch(r"[A-Za-z0-9-]+", store.device_name(index))
                 and names[store.device_name(index)] == 1)
    states = tenant.record_set("deviceManagement/managedDevices/{id}/deviceCompliancePolicyStates",
                               [store.id_of(index)], beta=False)
    assert states is not None
    failing = next(setting["settingName"] for policy in states.records
                   for setting in policy["settingStates"] if setting["state"] == "nonCompliant")
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        await pilot.press("slash", *store.device_name(index), "enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        await wait_until(pilot, lambda: device_settled(app))  # every tab's read answered
        await pilot.press("c", "enter")  # the two keys
        await wait_until(pilot, lambda: isinstance(app.screen, SettingStatesScreen))
        shown = plain(app.screen.query_one("#setting-states").content)

    assert failing in shown
    first_row = next(line for line in shown.splitlines() if failing in line)
    assert "✗ Noncompliant" in first_row


def test_readable_properties_flatten_nesting_and_keep_tenant_text() -> None:
    fields = readable_properties({
        "@odata.type": "#microsoft.graph.x", "passwordRequired": True, "cameraBlocked": False,
        "automaticUpdateMode": "autoInstallAtMaintenanceTime", "nothing": None, "empty": [],
        "installExperience": {"runAsAccount": "system", "maxRunTimeInMinutes": 60},
        "omaSettings": [{"@odata.type": "#s", "displayName": "Proxy", "omaUri": "./Vendor/X",
                         "value": "0"}],
        "customSettings": [{"name": "com.contoso.key", "value": "<b>literal</b>"}],
        "lockScreenFootnote": "Contoso IT: x4357", "offline": "PT12H",
    })
    assert fields == [
        ("Password required", "Yes"), ("Camera blocked", "No"),
        ("Automatic update mode", "Auto install at maintenance time"),
        ("Install experience › Run as account", "system"),
        ("Install experience › Max run time (minutes)", "60"),
        ("OMA settings › Proxy › OMA-URI", "./Vendor/X"),
        ("OMA settings › Proxy › Value", "0"),
        ("com.contoso.key", "<b>literal</b>"),
        ("Lock screen footnote", "Contoso IT: x4357"), ("Offline", "12 hours"),
    ]


def test_setting_rows_read_every_instance_shape() -> None:
    group = {"settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules",
             "groupSettingCollectionValue": [{"children": [
                 {"settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules_name",
                  "simpleSettingValue": {"value": "Block SMB"}}]}]}
    assert setting_rows(group) == [
        (0, "Firewall › MDM store › Firewall rules", "1 group of settings"),
        (1, "Firewall › MDM store › Firewall rules › Name", "Block SMB")]
    collection = {"settingDefinitionId": "device_vendor_msft_policy_config_x_list",
                  "simpleSettingCollectionValue": [{"value": "a"}, {"value": "b"}]}
    assert setting_rows(collection) == [(0, "X › List", "a, b")]
    choice = {"settingDefinitionId": "device_vendor_msft_policy_config_camera_allowcamera",
              "choiceSettingValue": {"value":
                                     "device_vendor_msft_policy_config_camera_allowcamera_true"}}
    assert setting_rows(choice) == [(0, "Camera › Allow camera", "Yes")]
    assert setting_rows(None) == [] and setting_rows({"odd": 1}) == [(0, "—", "—")]
    assert setting_definition_words("com.apple.mcx.filevault2_setting0") == \
        "com.apple.mcx.filevault2 › setting0"


def test_status_words_leave_out_what_graph_did_not_send() -> None:
    overview = StatusOverview(succeeded=3, failed=None, errors=1, pending=None,
                              not_applicable=0, conflicts=None, last_update=None)
    assert status_words("device_configurations", overview, DEMO_NOW) == \
        "Succeeded 3 · Error 1 · Not applicable 0"
    empty = StatusOverview(None, None, None, None, None, None, None)
    assert status_words("compliance_policies", empty, DEMO_NOW) == "Graph gave no counts"


async def open_restrictions(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("3")
    await wait_until(pilot, list_loaded(app, PoliciesScreen))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, PolicyDetailScreen)
                     and app.screen._status_text and app.screen._scope_tags is not None
                     and all(pane.table.empty_text != "Loading…"
                             for pane in app.screen.query(RowsPane)))
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_policy_detail(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=open_restrictions)


def screen_lines(app: Any) -> list[str]:
    """The screenshot's text, one string per terminal line."""
    import html
    import re

    rows: dict[float, list[tuple[float, str]]] = {}
    for match in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>',
                             app.export_screenshot()):
        rows.setdefault(float(match.group(2)), []).append(
            (float(match.group(1)), html.unescape(match.group(3)).replace("\xa0", " ")))
    return ["".join(text for _x, text in sorted(parts)).strip()
            for _y, parts in sorted(rows.items())]


def scope_tag_line(app: Any) -> str | None:
    return next((" ".join(line.split()) for line in screen_lines(app)
                 if line.startswith("Scope tags")), None)


@pytest.mark.parametrize(("view", "name"), [(0, "Windows - device restrictions"),
                                            (1, "Windows - baseline compliance")])
async def test_scope_tags_and_assigned_groups_show_by_name(make_app, wait_until, view,
                                                          name) -> None:
    from intune_tui.demo.tenant import GROUPS

    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 60)) as pilot:
        screen = await open_policy(pilot, app, wait_until, view, name)
        fields = screen.query_one("#overview-fields")
        # v1.0 has no roleScopeTagIds on these: they are read from beta, named, id kept
        await wait_until(pilot, lambda: scope_tag_line(app) not in (None,
                                                                    "Scope tags Loading…"))
        assert scope_tag_line(app) == "Scope tags Default (0)"
        assert fields.display
        assigned = screen.query_one("#assignments-pane", RowsPane)
        await wait_until(pilot, lambda: assigned.table.rows_count > 0)
        targets = [row.cells[0] for row in assigned.table.visible_rows]
    assert any(name in target for target in targets for name in GROUPS)
