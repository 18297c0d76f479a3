"""The app detail on the demo tenant: a Win32 app's commands and rules, store/VPP/web/winGet
facts, assignments and install status, an unknown type, odd data, filter/export of its lists,
opening a device from the install status, snapshots."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual import events
from waiting import list_loaded, wait_until

from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.app_overview import app_sections
from intune_tui.intune.formatting import MISSING
from intune_tui.intune.wording import APP_TYPE_NAMES
from intune_tui.ui.screens.app_detail import AppDetailScreen
from intune_tui.ui.screens.apps import AppsScreen
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.widgets.detail import RowsPane

DEVICES = 300
APPS_PATH = "deviceAppManagement/mobileApps"
WIN32_NAME = "Greenshot 1.2.10"  # assigned, MSI-based, with a requirement rule
UNKNOWN_NAME = "Contoso Hologram Viewer"  # the demo's #microsoft.graph.futureShinyApp


def tenant_app(name: str) -> dict[str, Any]:
    return next(app for app in build_tenant(devices=DEVICES).collection(APPS_PATH)
                if app["displayName"] == name)


def plain(renderable: Any, width: int = 200) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def sections_text(screen: AppDetailScreen) -> str:
    return plain(screen.query_one("#app-sections").content)


async def open_app(pilot: Any, app: Any, wait_until: Any, search: str) -> AppDetailScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(app.screen, AppsScreen) and app.screen._complete)
    await pilot.press("slash")
    app.post_message(events.Paste(search))  # pasted: the search is not under test
    await pilot.pause()
    await pilot.press("enter", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AppDetailScreen)
                     and "@odata.context" in app.screen.item)
    return app.screen


async def test_a_win32_app_shows_its_commands_rules_requirements_and_return_codes(
        make_app, wait_until) -> None:
    win32 = tenant_app(WIN32_NAME)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, WIN32_NAME)
        text = sections_text(screen)

    assert f"Install command                {win32['installCommandLine']}" in text
    assert win32["uninstallCommandLine"] in text
    detection = next(rule for rule in win32["rules"] if rule["ruleType"] == "detection")
    requirement = next(rule for rule in win32["rules"] if rule["ruleType"] == "requirement")
    assert f"MSI product code {detection['productCode']} version ≥ " \
           f"{detection['productVersion']}" in text
    assert f"Registry {requirement['keyPath']} value Ring: string = Broad" in text
    assert "Minimum Windows release" in text and win32["minimumSupportedWindowsRelease"] in text
    assert "x64, arm64" in text
    for code in win32["returnCodes"]:
        assert str(code["returnCode"]) in text
    assert "Soft reboot" in text and "Hard reboot" in text and "Retry" in text
    assert "{" not in text.split("MSI")[0].split("Install command")[0]  # never raw JSON
    assert '"@odata.type"' not in text


async def test_assignments_and_install_status_match_the_tenant(make_app, wait_until) -> None:
    win32 = tenant_app(WIN32_NAME)
    tenant = build_tenant(devices=DEVICES)
    assignments = tenant.children[f"{APPS_PATH}/{{id}}/assignments"][win32["id"]]
    statuses = tenant.record_set(f"{APPS_PATH}/{{id}}/deviceStatuses", [win32["id"]], beta=True)
    assert statuses is not None
    states = Counter(statuses.render(record)["installState"] for record in statuses.records)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, WIN32_NAME)
        assigned = screen.query_one("#assignments-pane", RowsPane)
        install = screen.query_one("#install-pane", RowsPane)
        await wait_until(pilot, lambda: assigned.table.rows_count == len(assignments)
                         and install.table.rows_count == len(statuses.records)
                         and "Installed" in str(screen.query_one("#install-summary").content))
        intents = {row.cells[1] for row in assigned.table.visible_rows}
        summary = str(screen.query_one("#install-summary").content)

    assert intents == {{"required": "Required", "available": "Available",
                        "uninstall": "Uninstall"}.get(a["intent"], a["intent"])
                       for a in assignments}
    assert summary.startswith(
        f"Installed {states['installed']} · Failed {states['failed']} · "
        f"Pending {states['pendingInstall']} · Not installed {states['notInstalled']} · "
        f"Not applicable {states['notApplicable']}")


async def test_enter_on_a_device_in_the_install_status_opens_that_device(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, WIN32_NAME)
        install = screen.query_one("#install-pane", RowsPane)
        await wait_until(pilot, lambda: install.table.rows_count > 0)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_until(pilot, lambda: screen.tabs.active == "install"
                         and install.table.has_focus)
        wanted = install.table.cursor_row.item
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        assert app.screen.device_id == wanted["deviceId"]
        assert app.screen.query_one("TabbedContent").active == "apps"  # its managed apps
        assert any(request.path.endswith(f"/managedDevices/{wanted['deviceId']}")
                   for request in app.session.fake.requests)


async def test_filter_and_export_work_on_a_detail_tab_list(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, WIN32_NAME)
        install = screen.query_one("#install-pane", RowsPane)
        await wait_until(pilot, lambda: install.table.rows_count > 5)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_until(pilot, lambda: screen.tabs.active == "install")
        failed = [row for row in install.table.visible_rows if row.cells[2] == "Failed"]
        await pilot.press("slash", *"failed", "enter")
        assert list(install.table.visible_rows) == failed
        await pilot.press("s")  # sort by the first column
        await pilot.press("e")
        await pilot.pause()
        exported = sorted((Path(app.settings.data_dir) / "exports").glob("app_device_statuses-*"))
        await pilot.press("escape")  # clears the filter first
        assert install.table.visible_count == install.table.rows_count
        assert isinstance(app.screen, AppDetailScreen)

    assert len(exported) == 1
    with exported[0].open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Id", "Device", "User", "Install state"]
    assert sorted(row[1] for row in rows[1:]) == [row[1] for row in rows[1:]]
    assert {row[0] for row in rows[1:]} == {row.key for row in failed}


async def test_an_unknown_app_type_shows_its_raw_name_and_its_properties(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, "Hologram")
        text = sections_text(screen)
        title = str(screen.query_one("#detail-title").content)

    assert "futureShinyApp" in title and "#microsoft.graph" not in title
    assert "Type         futureShinyApp" in text
    assert "Properties of futureShinyApp" in text
    assert "Shininess level" in text and "11" in text and "volumetric" in text


async def test_switching_tenant_closes_the_detail_of_the_old_tenant(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_app(pilot, app, wait_until, WIN32_NAME)
        app.session_changed.publish(app.session)  # what :tenant does once it has switched
        await wait_until(pilot, lambda: isinstance(app.screen, AppsScreen))


def test_store_licence_web_and_winget_apps_show_their_own_facts() -> None:
    vpp = tenant_app("Microsoft Teams")
    text = plain(_sections(vpp))
    assert f"{vpp['usedLicenseCount']} used of {vpp['totalLicenseCount']} (0 left)" in text
    assert vpp["appStoreUrl"] in text and vpp["bundleId"] in text
    assert "iPad, iPhone and iPod" in text
    web = tenant_app("Contoso Intranet")
    assert f"URL                      {web['appUrl']}" in plain(_sections(web))
    winget = tenant_app("Windows Terminal")
    assert f"Package identifier  {winget['packageIdentifier']}" in plain(_sections(winget))
    android = next(app for app in build_tenant(devices=DEVICES).collection(APPS_PATH)
                   if app["@odata.type"].endswith("androidManagedStoreApp"))
    assert android["packageId"] in plain(_sections(android))


def _sections(item: dict[str, Any]) -> Any:
    from intune_tui.ui.screens.app_detail import sections_renderable

    return sections_renderable(app_sections(item, DEMO_NOW))


@pytest.mark.parametrize("item", [
    {},
    {"id": "x"},
    {"@odata.type": "#microsoft.graph.win32LobApp", "id": "w", "rules": "not a list",
     "returnCodes": [1, None, {"returnCode": None}, {"returnCode": 5, "type": None}],
     "installExperience": "odd", "size": "big", "minimumMemoryInMB": True,
     "msiInformation": [], "detectionRules": [None, {"@odata.type": "#x.y"}]},
    {"@odata.type": "#microsoft.graph.iosVppApp", "usedLicenseCount": "3",
     "totalLicenseCount": None, "licensingType": [], "applicableDeviceType": "iPad",
     "minimumSupportedOperatingSystem": {"v1_0": "yes"}},
    {"@odata.type": "#microsoft.graph.somethingFromTomorrow", "displayName": None,
     "nested": {"deeper": {"deepest": [1, {"x": None}]}}, "flag": False},
])
def test_missing_and_odd_fields_render_without_error(item: dict[str, Any]) -> None:
    sections = app_sections(item, DEMO_NOW)
    text = plain(_sections(item))
    assert sections[0][0] == "App"
    assert ("Id", item.get("id")) in sections[0][1]
    assert "Traceback" not in text
    kind = str(item.get("@odata.type", "")).removeprefix("#microsoft.graph.")
    assert dict(sections[0][1])["Type"] == (APP_TYPE_NAMES.get(kind, kind) if kind else MISSING)


async def open_win32_detail(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("2")
    await wait_until(pilot, list_loaded(app, AppsScreen))
    await pilot.press("slash")
    app.post_message(events.Paste(WIN32_NAME))  # pasted: the search is not under test
    await pilot.pause()
    await pilot.press("enter", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AppDetailScreen)
                     and "@odata.context" in app.screen.item
                     and app.screen._tag_list is not None and all(
                         pane.table.empty_text != "Loading…"
                         for pane in app.screen.query(RowsPane)))
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_app_detail(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=open_win32_detail)


async def test_assigned_groups_show_by_name_and_keep_their_id(make_app, wait_until) -> None:
    from intune_tui.demo.tenant import GROUPS, guid_from

    win32 = tenant_app(WIN32_NAME)
    tenant = build_tenant(devices=DEVICES)
    assignments = tenant.children[f"{APPS_PATH}/{{id}}/assignments"][win32["id"]]
    names = {guid_from(tenant.seed, 20, i): name for i, name in enumerate(GROUPS)}
    expected = {names[a["target"]["groupId"]] for a in assignments
                if a["target"].get("groupId")}
    assert expected
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, WIN32_NAME)
        assigned = screen.query_one("#assignments-pane", RowsPane)
        await wait_until(pilot, lambda: assigned.table.rows_count == len(assignments))
        targets = " ".join(row.cells[0] for row in assigned.table.visible_rows)
        ids = {row.item["target"].get("groupId") for row in assigned.table.visible_rows}
    assert all(name in targets for name in expected)
    assert not any(group_id in targets for group_id in names)
    assert {a["target"].get("groupId") for a in assignments} == ids


def app_tag_line(screen: AppDetailScreen) -> str | None:
    return next((" ".join(line.split()) for line in sections_text(screen).splitlines()
                 if line.strip().startswith("Scope tags")), None)


async def test_the_overview_names_the_app_s_scope_tags_and_keeps_their_ids(make_app, wait_until
                                                                         ) -> None:
    tagged = tenant_app("Mozilla Firefox ESR")
    assert tagged["roleScopeTagIds"] == ["0", "1"]
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, "Mozilla Firefox ESR")
        await wait_until(pilot, lambda: app_tag_line(screen) not in (None,
                                                                     "Scope tags Loading…"))
        line = app_tag_line(screen)
        reads = [r for r in app.session.fake.requests
                 if r.path.endswith(f"/mobileApps/{tagged['id']}")]
    assert line == "Scope tags Default (0), EMEA (1)"
    assert [r.path.split("/")[1] for r in reads] == ["beta"]  # where Graph has the ids


async def test_a_refused_tag_list_leaves_the_app_s_tag_ids_and_says_why(make_app, wait_until
                                                                       ) -> None:
    from intune_tui.demo.rules import ALL_DEMO_SCOPES

    scopes = tuple(s for s in ALL_DEMO_SCOPES
                   if not s.startswith(("DeviceManagementRBAC", "DeviceManagementConfiguration")))
    app = make_app(devices=DEVICES, scopes=scopes)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, "Mozilla Firefox ESR")
        await wait_until(pilot, lambda: app_tag_line(screen) not in (None,
                                                                     "Scope tags Loading…"))
        line = app_tag_line(screen)
    assert line == "Scope tags 0, 1 (names need DeviceManagementRBAC.Read.All)"


async def test_y_on_an_assignment_copies_its_group_s_id(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_app(pilot, app, wait_until, WIN32_NAME)
        await pilot.press("right_square_bracket")
        assigned = screen.query_one("#assignments-pane", RowsPane)
        await wait_until(pilot, lambda: screen.tabs.active == "assignments"
                         and assigned.table.rows_count > 0
                         and "groupDisplayName" in str(assigned.table.visible_rows[0].item))
        row = assigned.table.cursor_row
        assert row is not None
        target = row.item["target"]
        await pilot.press("y")
        await pilot.pause()
        notes = [str(n.message) for n in app._notifications]
        copied = app.clipboard
    assert copied == target["groupId"]
    assert any(target["groupId"] in note and target["groupDisplayName"] in note for note in notes)
