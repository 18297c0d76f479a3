"""Tenant health on the demo tenant: what expired, fails or expires soon comes first in words,
Enter opens the area, every area lists its items, search and export, and 403s explained."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from waiting import list_loaded, wait_until

from intune_tui.demo.rules import ALL_DEMO_SCOPES
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.health import HealthScreen

DEVICES = 50
NO_SERVICE_CONFIG = tuple(scope for scope in ALL_DEMO_SCOPES if "ServiceConfig" not in scope)


def widget_text(widget: Any) -> str:
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height))


async def open_health(pilot: Any, app: Any, wait_until: Any) -> HealthScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("5")
    await wait_until(pilot, lambda: isinstance(app.screen, HealthScreen)
                     and app.screen._complete)
    return app.screen  # type: ignore[return-value]


async def test_expiring_and_failing_come_first_with_days_in_words(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_health(pilot, app, wait_until)
        rows = [row.cells[:3] for row in screen.table.visible_rows]
        tab = str(screen.query_one("#view-0").label)
        table_lines = widget_text(screen.table).splitlines()

    states = [state for state, _, _ in rows]
    first_ok = states.index("OK")
    assert set(states[first_ok:]) == {"OK"}  # nothing needing attention below a fine one
    assert ("EXPIRING", "VPP Contoso Retail", "expires in 18 days") in rows[:first_ok]
    assert rows[0] == ("EXPIRED", "VPP Contoso Education (old)",
                       "expired 40 days ago; sync failed")
    assert ("FAILING", "Contoso ADE (retail stores)",
            "sync failed (400); expires in 12 days") in rows[:first_ok]
    assert ("FAILING", "Exchange mail.contoso-demo.com",
            "Disconnected, last sync 19d ago") in rows[:first_ok]
    assert tab == f"Attention ({first_ok})"
    # on screen the state is a word, and the problems are the first lines under the header
    assert table_lines[1].split()[1:3] == ["EXPIRED", "VPP"]


async def test_enter_on_a_problem_opens_its_area(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_health(pilot, app, wait_until)
        rows = screen.table.visible_rows
        screen.table.move_cursor(next(i for i, row in enumerate(rows)
                                      if row.cells[1] == "VPP Contoso Retail"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: screen.view.resource == "vpp_tokens"
                         and screen._complete)
        vpp = {row.cells[0]: row.cells for row in screen.table.visible_rows}
        columns = [column.title for column in screen.resource.columns]
        under_cursor = screen.table.cursor_row.cells[0]

    sync = columns.index("Sync status")
    expires = columns.index("Expires")
    assert set(vpp) == {"Contoso Demo Ltd", "Contoso Retail", "Contoso Education (old)"}
    assert under_cursor == "Contoso Retail"
    assert vpp["Contoso Retail"][expires].endswith("(18d left)")
    assert vpp["Contoso Education (old)"][expires].endswith("(expired)")
    assert vpp["Contoso Education (old)"][sync] == "Failed"


async def test_every_area_lists_its_items(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    counts: dict[str, int] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_health(pilot, app, wait_until)
        for index, view in enumerate(HealthScreen.VIEWS[1:], 1):
            await pilot.press("right_square_bracket")
            await wait_until(pilot, lambda index=index: screen._view_index == index
                             and screen._complete)
            assert not screen.query_one("#list-problem").display, view.resource
            counts[view.resource] = screen.table.rows_count
            if view.resource == "dep_settings":
                results = {row.cells[0]: row.cells[4] for row in screen.table.visible_rows}
        tenant = app.session.fake.tenant

    assert counts == {
        "apns": 1,
        "dep_settings": 2,
        "vpp_tokens": 3,
        "enrollment_configurations": len(
            tenant.collections["deviceManagement/deviceEnrollmentConfigurations"]),
        "terms_and_conditions": 2,
        "exchange_connectors": 2,
        "mtd_connectors": len(tenant.collections["deviceManagement/mobileThreatDefenseConnectors"]),
    }
    assert results == {"Contoso ADE (corporate)": "OK",
                       "Contoso ADE (retail stores)": "Failed (400)"}


async def test_search_and_export_attention(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_health(pilot, app, wait_until)
        await pilot.press("slash", *"vpp", "enter")
        await pilot.pause()
        shown = [row.cells[1] for row in screen.table.visible_rows]
        await pilot.press("e")
        await pilot.pause()
        message = next(n.message for n in app._notifications if "Exported" in n.message)
    assert shown == ["VPP Contoso Education (old)", "VPP Contoso Retail", "VPP Contoso Demo Ltd"]
    with Path(message.split(" to ", 1)[1]).open(newline="", encoding="utf-8") as stream:
        exported = list(csv.DictReader(stream))
    assert [(row["State"], row["What"], row["Details"]) for row in exported][:2] == [
        ("EXPIRED", "VPP Contoso Education (old)", "expired 40 days ago; sync failed"),
        ("EXPIRING", "VPP Contoso Retail", "expires in 18 days"),
    ]


async def test_without_service_config_scope_health_says_why(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES, scopes=NO_SERVICE_CONFIG)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_health(pilot, app, wait_until)
        attention = [row.cells for row in screen.table.visible_rows]
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: screen._view_index == 1
                         and screen.query_one("#list-problem").display)
        await pilot.pause()
        panel = " ".join(widget_text(screen.query_one("#list-problem")).replace("│", " ").split())

    unknown = {cells[1]: cells[2] for cells in attention if cells[0] == "UNKNOWN"}
    # ADE tokens and VPP tokens are also readable with the Configuration and Apps scopes
    assert set(unknown) == {"Apple push certificate", "Exchange connectors",
                            "Mobile threat defense"}
    assert all(details.startswith("could not be read: Access denied") and
               "DeviceManagementServiceConfig.Read.All" in details
               for details in unknown.values())
    assert ("EXPIRING", "VPP Contoso Retail", "expires in 18 days") in [
        cells[:3] for cells in attention]
    assert "DeviceManagementServiceConfig.Read.All" in panel
    assert '("Read Microsoft Intune configuration")' in panel
    assert "4. Intune licence:" in panel and "Press p (or type :access)" in panel


async def wait_for_health(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("5")
    await wait_until(pilot, list_loaded(app, HealthScreen))
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24)])
def test_snapshot_tenant_health(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=wait_for_health)


async def test_a_failed_refresh_keeps_the_last_good_data_and_says_it_is_stale(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_health(pilot, app, wait_until)
        before = {row.cells[1]: row.cells for row in screen.table.visible_rows}
        assert before["VPP Contoso Retail"][0] == "EXPIRING"
        app.session.fake.faults.fail_next(403, path_contains="vppTokens", times=5)
        await pilot.press("r")
        await wait_until(pilot, lambda: screen._complete and not screen._status.loading)
        await pilot.pause(0.3)
        after = {row.cells[1]: row.cells for row in screen.table.visible_rows}
        status = screen._status

    assert after["VPP Contoso Retail"][0] == "EXPIRING"  # not UNKNOWN
    assert "expires in 18 days (stale: last read 09:00:00)" in after["VPP Contoso Retail"][2]
    assert not any(cells[0] == "UNKNOWN" for cells in after.values())
    assert "refresh failed for Apple VPP tokens" in status.error
    assert "read at 09:00:00" in status.error
