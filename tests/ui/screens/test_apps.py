"""The Apps area on the demo tenant: friendly type names for every app, small pages and the 503
retry, every sub-view listing and opening, snapshots."""

from __future__ import annotations

from typing import Any

import pytest
from waiting import list_loaded, wait_until

from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.resources import RESOURCES
from intune_tui.intune.wording import APP_TYPE_NAMES
from intune_tui.ui.screens.app_detail import AppDetailScreen
from intune_tui.ui.screens.apps import AppsScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.policy_detail import PolicyDetailScreen

DEVICES = 300
APPS_PATH = "deviceAppManagement/mobileApps"


def tenant_apps() -> list[dict[str, Any]]:
    return build_tenant(devices=DEVICES).collection(APPS_PATH)


def app_list_gets(app: Any) -> list[Any]:
    return [request for request in app.session.fake.requests
            if request.method == "GET" and request.path.endswith("/" + APPS_PATH)]


async def open_apps(pilot: Any, app: Any, wait_until: Any) -> AppsScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(app.screen, AppsScreen) and app.screen._complete)
    return app.screen


async def test_every_app_type_in_the_tenant_shows_a_friendly_name(make_app, wait_until) -> None:
    apps = tenant_apps()
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        screen = await open_apps(pilot, app, wait_until)
        type_column = RESOURCES["apps"].column_index("@odata.type")
        shown_by_id = {row.key: row.cells[type_column] for row in screen.table.visible_rows}

    assert set(shown_by_id) == {item["id"] for item in apps}
    raw_types = {item["@odata.type"].removeprefix("#microsoft.graph.") for item in apps}
    unknown = {kind for kind in raw_types if kind not in APP_TYPE_NAMES}
    assert unknown == {"futureShinyApp"}  # the one type the demo invents on purpose
    for item in apps:
        kind = item["@odata.type"].removeprefix("#microsoft.graph.")
        assert shown_by_id[item["id"]] == APP_TYPE_NAMES.get(kind, kind)
    assert not any(text.startswith("#microsoft.graph.") for text in shown_by_id.values())
    friendly = set(shown_by_id.values()) - {"futureShinyApp"}
    assert len(friendly) == len(raw_types) - 1  # every known type has a name of its own


async def test_apps_list_asks_beta_in_pages_of_twenty(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        screen = await open_apps(pilot, app, wait_until)
        gets = app_list_gets(app)
        assert all(request.path.startswith("/beta/") for request in gets)
        assert {request.params.get("$top") for request in gets} == {"20"}
        assert len(gets) == -(-len(tenant_apps()) // 20)
        assert screen.table.rows_count == len(tenant_apps())


async def test_a_503_on_a_large_app_page_is_retried_smaller_and_the_list_is_complete(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        app.session.fake.faults.app_list_503_above = 10  # the seed's 503 on big app pages
        await pilot.press("2")
        await wait_until(pilot, lambda: isinstance(app.screen, AppsScreen)
                         and app.screen._complete)
        gets = app_list_gets(app)
        keys = {row.key for row in app.screen.table.visible_rows}

    assert (gets[0].params["$top"], gets[0].status) == ("20", 503)
    assert all(request.params["$top"] == "10" and request.status == 200 for request in gets[1:])
    assert keys == {item["id"] for item in tenant_apps()}


async def test_every_sub_view_lists_its_items_and_enter_opens_them(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_apps(pilot, app, wait_until)
        for index, view in enumerate(AppsScreen.VIEWS):
            if index:
                await pilot.press("right_square_bracket")
            await wait_until(pilot, lambda index=index: screen._view_index == index
                             and screen._complete)
            assert screen.table.rows_count > 0, view.resource
            first = screen.table.cursor_row
            await pilot.press("enter")
            expected = AppDetailScreen if view.resource == "apps" else PolicyDetailScreen
            await wait_until(pilot, lambda expected=expected: isinstance(app.screen, expected))
            detail = app.screen
            # the full item arrived (a GET answer carries its @odata.context)
            await wait_until(pilot, lambda detail=detail: "@odata.context" in detail.item)
            assert detail.query_one("#overview-problem").display is False
            assert detail.item_id == first.key
            assert first.cells[0] in str(detail.query_one("#detail-title").content)
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.screen is screen)


async def test_search_finds_an_app_by_name_and_publisher(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        screen = await open_apps(pilot, app, wait_until)
        await pilot.press("slash", *"igor")
        names = [row.cells[0] for row in screen.table.visible_rows]
    assert names and all("7-Zip" in name for name in names)


async def wait_for_apps(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("2")
    await wait_until(pilot, list_loaded(app, AppsScreen))
    await settle(pilot)


async def settle(pilot: Any) -> None:
    """Let the last page's layout (scrollbar, column widths) reach the screen."""
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_apps_list(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size, run_before=wait_for_apps)
