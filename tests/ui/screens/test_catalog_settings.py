"""Enter on a settings-catalog profile in Error on the device's Config tab: each setting's state,
error code and the value the profile sets, in the words of its setting definition."""

from __future__ import annotations

import html
from typing import Any

from intune_tui.ui.screens.catalog_settings import CatalogSettingsScreen
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.widgets.detail import RowsPane

from .device_screen_support import open_tab
from .remote_action_support import at_device

# CONTOSO-DT-44835 (seeded 300-device tenant): its Defender baseline (settings catalog) is in
# Error on one setting, Cloud Block Level.
DESKTOP_ID = "5fa47093-1ec4-4b77-b3d3-eee71bd349a7"
PROFILE = "Windows - Defender Antivirus baseline"


def text_of(app: Any) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


async def open_config_tab(pilot: Any, app: Any, wait_until: Any) -> RowsPane:
    await at_device(pilot, app, wait_until, DESKTOP_ID)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
    await open_tab(pilot, app.screen, "configuration")
    pane = app.screen.query_one("#configuration-pane", RowsPane)
    await wait_until(pilot, lambda: any(row.item.get("displayName") == PROFILE
                                        for row in pane.table.visible_rows))
    return pane


async def test_the_config_tab_lists_settings_catalog_profiles_beside_the_templates(
        make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_config_tab(pilot, app, wait_until)
        rows = {row.item.get("displayName"): row for row in pane.table.visible_rows}
        asked = [request for request in app.session.fake.requests
                 if request.path.endswith("/getConfigurationPoliciesReportForDevice")]
    assert rows[PROFILE].item["state"] == "error"
    assert "Settings catalog" in rows[PROFILE].cells
    assert any(row.item.get("@odata.type") == "#microsoft.graph.deviceConfigurationState"
               for row in rows.values())  # the template profiles are still there
    assert asked and asked[0].json["filter"] == (
        "(PolicyBaseTypeName eq 'DeviceManagementConfigurationPolicy') and "
        f"(IntuneDeviceId eq '{DESKTOP_ID}')")


async def test_enter_on_an_error_profile_shows_the_failing_setting_in_words(
        make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_config_tab(pilot, app, wait_until)
        index = next(i for i, row in enumerate(pane.table.visible_rows)
                     if row.item.get("displayName") == PROFILE)
        pane.table.focus()
        pane.table.move_cursor(index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CatalogSettingsScreen)
                         and "Loading" not in text_of(app))
        shown = text_of(app)
        paths = [request.path for request in app.session.fake.requests]
    assert f"{PROFILE} on CONTOSO-DT-44835: Error, 1 of 28 settings failing" in shown
    assert "Cloud Block Level" in shown  # the definition's display name
    assert "✗ Error" in shown
    assert "0x87D1FDE8" in shown and "(-2016281112)" in shown  # hex and decimal, as Intune
    assert "Allow Realtime Monitoring" in shown
    assert "device_vendor_msft_policy_config" not in shown  # no raw definition or option ids
    assert any(path.endswith("/reports/getConfigurationSettingsReport") for path in paths)
    assert any(path.endswith("/settings") and "configurationPolicies" in path for path in paths)


async def test_a_profile_whose_values_cannot_be_read_still_shows_its_states(
        make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_config_tab(pilot, app, wait_until)
        index = next(i for i, row in enumerate(pane.table.visible_rows)
                     if row.item.get("displayName") == PROFILE)
        app.session.fake.faults.fail_next(403, path_contains="/settings")
        pane.table.focus()
        pane.table.move_cursor(index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CatalogSettingsScreen)
                         and "Loading" not in text_of(app), timeout=30)
        shown = text_of(app)
    assert "✗ Error" in shown and "0x87D1FDE8" in shown
    assert "The profile's own values could not be read" in shown


async def test_a_report_refused_for_a_missing_scope_leaves_the_template_profiles(
        make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        app.session.fake.faults.fail_next(403, path_contains="getConfigurationPoliciesReport")
        await at_device(pilot, app, wait_until, DESKTOP_ID)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        await open_tab(pilot, app.screen, "configuration")
        pane = app.screen.query_one("#configuration-pane", RowsPane)
        await wait_until(pilot, lambda: "Could not load the settings-catalog" in text_of(app))
        names = [row.item.get("displayName") for row in pane.table.visible_rows]
    assert names and PROFILE not in names
