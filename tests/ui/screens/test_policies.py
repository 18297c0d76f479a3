"""The Policies area on the demo tenant: platform and type in words, the settings catalog in
pages of 25, every sub-view, snapshots."""

from __future__ import annotations

from typing import Any

import pytest
from waiting import list_loaded, wait_until

from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.formatting import MISSING
from intune_tui.intune.resources import RESOURCES
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.policies import PoliciesScreen

DEVICES = 300
COLLECTIONS = {
    "device_configurations": "deviceManagement/deviceConfigurations",
    "compliance_policies": "deviceManagement/deviceCompliancePolicies",
    "settings_catalog": "deviceManagement/configurationPolicies",
    "notification_templates": "deviceManagement/notificationMessageTemplates",
}


async def open_policies(pilot: Any, app: Any, wait_until: Any) -> PoliciesScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("3")
    await wait_until(pilot, lambda: isinstance(app.screen, PoliciesScreen)
                     and app.screen._complete)
    return app.screen


async def show_view(pilot: Any, screen: PoliciesScreen, wait_until: Any, index: int) -> None:
    while screen._view_index != index:
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: screen._complete)
    await wait_until(pilot, lambda: screen._complete)


async def test_every_list_shows_all_its_items_with_platform_and_type_in_words(
        make_app, wait_until) -> None:
    tenant = build_tenant(devices=DEVICES)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_policies(pilot, app, wait_until)
        shown: dict[str, list[tuple[str, ...]]] = {}
        for index, view in enumerate(PoliciesScreen.VIEWS):
            await show_view(pilot, screen, wait_until, index)
            shown[view.resource] = [row.cells for row in screen.table.visible_rows]

    for key, path in COLLECTIONS.items():
        assert len(shown[key]) == len(tenant.collection(path)), key
        for cells in shown[key]:
            assert not any("#microsoft.graph" in cell or "microsoft.graph." in cell
                           for cell in cells), (key, cells)
    for key in ("device_configurations", "compliance_policies"):
        platform = RESOURCES[key].column_index("@odata.type")
        for cells in shown[key]:
            assert cells[platform] != MISSING and cells[platform + 1] != MISSING, cells
    words = {cells[1] for cells in shown["device_configurations"]}
    assert {"Windows 10 and later", "iOS/iPadOS", "macOS"} <= words
    kinds = {cells[2] for cells in shown["device_configurations"]}
    assert {"Device restrictions", "Endpoint protection", "Update ring", "Custom"} <= kinds
    assert {cells[1] for cells in shown["settings_catalog"]} >= {"Windows 10 and later",
                                                                 "macOS", "iOS/iPadOS"}


async def test_settings_catalog_is_read_in_pages_of_25_to_the_end(make_app, wait_until) -> None:
    policies = build_tenant(devices=DEVICES).collection(COLLECTIONS["settings_catalog"])
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        screen = await open_policies(pilot, app, wait_until)
        await show_view(pilot, screen, wait_until, 2)
        gets = [request for request in app.session.fake.requests
                if request.path == "/beta/deviceManagement/configurationPolicies"]
        assert screen.table.rows_count == len(policies) == 60
    assert [request.params.get("$top") for request in gets] == ["25", "25", "25"]


async def wait_for_policies(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("3")
    await wait_until(pilot, list_loaded(app, PoliciesScreen))
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_policies_list(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=wait_for_policies)
