""":requests: the session's Graph calls newest first, copied as curl or PowerShell without the
token, and reached from an error with `!` at the call that failed."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from intune_tui.graph.request_log import as_curl, as_powershell
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.requests import RequestLogScreen
from intune_tui.ui.widgets.recovery import RecoveryPanel

from .remote_action_support import DEVICES, list_ready, messages, shown


async def open_requests(pilot: Any, app: Any, wait_until: Any) -> RequestLogScreen:
    await pilot.press("colon", *"requests", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RequestLogScreen))
    return app.screen


def table_rows(screen: RequestLogScreen) -> list[tuple[str, ...]]:
    return [row.cells for row in screen.query_one("#requests-table").visible_rows]


async def test_the_list_load_is_there_and_copies_as_curl_without_the_token(
    make_app, wait_until
) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(160, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_requests(pilot, app, wait_until)
        rows = table_rows(screen)
        listed = [row for row in rows if row[1] == "GET"
                  and row[2].startswith("/v1.0/deviceManagement/managedDevices?")]
        assert listed, rows
        assert all(row[3] == "200" for row in listed)
        assert f"{len(rows)} calls, newest first" in shown(screen, "#requests-note")

        # The cursor starts on the newest call; put it on the device list's.
        table = screen.query_one("#requests-table")
        table.move_cursor(rows.index(listed[0]))
        await pilot.pause()
        entry = screen.selected()
        assert entry is not None and entry.path == listed[0][2]
        detail = shown(screen, "#requests-detail")
        assert "Request  GET" in detail and "$count=true" in detail
        assert f"HTTP 200 after 0 ms, 0 retries, request-id {entry.request_id}" in detail

        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == as_curl(entry)
        assert app.clipboard.startswith(f"curl -X GET '{entry.url}'")
        assert 'Authorization: Bearer $GRAPH_TOKEN' in app.clipboard
        token = await app.session.token_provider.get_token()
        assert token not in app.clipboard
        assert any(message.startswith("Copied GET /v1.0/deviceManagement/managedDevices?")
                   for message in messages(app))

        await pilot.press("p")
        await pilot.pause()
        assert app.clipboard == as_powershell(entry)
        assert app.clipboard.startswith(f"Invoke-MgGraphRequest -Method GET -Uri '{entry.url}'")
        assert token not in app.clipboard


async def test_an_error_on_a_list_opens_the_log_at_its_request(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(160, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        app.session.fake.faults.fail_next(400, path_contains="mobileApps", times=10)
        await pilot.press("2")
        await wait_until(pilot, lambda: app.screen.query_one("#list-problem").display)
        problem = str(app.screen.query_one("#list-problem", Static).content)
        assert "Graph refused the request" in problem and "! shows the request" in problem

        await pilot.press("exclamation_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, RequestLogScreen))
        entry = app.screen.selected()
        assert entry is not None
        assert (entry.method, entry.status) == ("GET", 400)
        assert "/deviceAppManagement/mobileApps" in entry.path
        assert entry.number == app.last_failed_request


# CONTOSO-LT-63219 of the seeded 300-device tenant: one BitLocker key, three LAPS backups.
LAPTOP_ID = "3ee9d80e-1689-47c4-9dbd-8029760df3f5"


async def test_revealed_recovery_key_and_laps_password_never_reach_the_log(
    make_app, wait_until
) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        table = app.screen.table
        table.move_cursor([row.key for row in table.visible_rows].index(LAPTOP_ID))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        await pilot.press("k")
        recovery = app.screen.query_one(RecoveryPanel)
        await wait_until(pilot, lambda: bool(recovery.items))
        fake = app.session.fake

        def read(select: str) -> bool:
            return any(r.params.get("$select") == select for r in fake.requests)

        await pilot.press("v")  # the BitLocker key
        await wait_until(pilot, lambda: read("key") and recovery.revealed_count == 1)
        await pilot.press("down", "v")  # the LAPS password
        await wait_until(pilot, lambda: read("credentials") and recovery.revealed_count == 2)
        index = fake.tenant.devices.index_of(LAPTOP_ID)
        key = fake.recovery.bitlocker_keys(index)[0].key
        password = fake.recovery.laps_backups(index)[-1].password

        screen = await open_requests(pilot, app, wait_until)
        paths = [row[2] for row in table_rows(screen)]
        assert any(path.endswith("?$select=key") for path in paths)
        assert any(path.endswith("?$select=credentials") for path in paths)
        entries = app.session.requests.entries()
        kept = repr(entries) + "".join(as_curl(e) + as_powershell(e) for e in entries)
        kept += app.export_screenshot()
        assert key not in kept and password not in kept
