"""The devices screen on the demo tenant: search (here and on Graph), sort, detail, export,
hostile names, and snapshots of the list and the detail."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path
from typing import Any

import pytest
from waiting import list_loaded, wait_until

from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.resources import RESOURCES
from intune_tui.table import store
from intune_tui.table.columns import wait_for_engine
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.user_devices import UserDevicesScreen
from intune_tui.ui.widgets.detail import FieldList, RowsPane

from .device_screen_support import device_settled, open_tab

DEVICES = 300
KIOSK_ID = "b1cd1cd7-7a36-4bd6-af4a-c26efee84186"  # 'Kiosk [/old]', serial FQX5J1QCURNB, iOS


def tenant_devices() -> list[dict[str, Any]]:
    store = build_tenant(devices=DEVICES).devices
    return [store.to_json(index, beta=False) for index in range(len(store))]


def table_lines(app: Any) -> list[str]:
    table = app.screen.table
    return [table.render_line(y).text for y in range(table.size.height)]


def device_gets(app: Any) -> list[Any]:
    """The device listings Graph received (each list load also asks for a short preview page
    beside the first full page: those are left out here)."""
    preview = str(RESOURCES["devices"].preview_size)
    return [request for request in app.session.fake.requests
            if request.method == "GET" and request.path.endswith("/managedDevices")
            and request.params.get("$top") != preview]


async def test_each_list_load_also_asks_for_a_short_preview_page(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        tops = [request.params.get("$top") for request in app.session.fake.requests
                if request.path.endswith("/managedDevices")]
        assert tops == ["100", "1000"]
        assert app.screen.table.rows_count == DEVICES
        assert len({row.key for row in app.screen.table.visible_rows}) == DEVICES


async def loaded(pilot: Any, app: Any, wait_until: Any, rows: int = DEVICES) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen.table.rows_count >= rows and app.screen._complete)


def painted_lines(update: Any) -> set[int]:
    """The screen lines a compositor update (Textual's `LayoutUpdate`, `ChopsUpdate`) paints."""
    spans = getattr(update, "spans", None)
    if spans is not None:
        return {y for y, _, _ in spans}
    return set(range(update.region.y, update.region.bottom))


async def test_the_rows_a_keystroke_selects_show_in_the_frame_that_shows_the_letter(
        make_app, wait_until, monkeypatch) -> None:
    # A long list's filter outlasts a frame's period (~21 ms at a million rows): the screen
    # then painted the letter at once and the rows it selects one frame later (17-33 ms).
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("slash")
        await pilot.pause(0.1)
        screen = app.screen
        table, box = screen.table, screen.search_box
        set_filter = table.set_filter

        def slow_filter(*args: Any, **kwargs: Any) -> None:
            set_filter(*args, **kwargs)
            time.sleep(0.03)

        monkeypatch.setattr(table, "set_filter", slow_filter)
        frames: list[set[int]] = []
        display = app._display

        def recorded(screen: Any, update: Any) -> None:
            display(screen, update)
            if update is not None:
                frames.append(painted_lines(update))

        monkeypatch.setattr(app, "_display", recorded)
        await pilot.press("q")
        await wait_until(pilot, lambda: table.visible_count < DEVICES)
        await pilot.pause(0.2)
        first = next(lines for lines in frames if box.region.y in lines)
        assert set(range(table.region.y, table.region.bottom)) <= first
        assert table.visible_count < DEVICES


async def test_list_asks_graph_only_for_its_columns(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        selected = set(device_gets(app)[0].params["$select"].split(","))
        assert {"deviceName", "userPrincipalName", "serialNumber", "lastSyncDateTime"} <= selected
        assert "imei" not in selected and "physicalMemoryInBytes" not in selected
        assert (app.screen._status.loaded, app.screen._status.total) == (DEVICES, DEVICES)


async def test_part_of_a_serial_finds_the_device_and_back_returns_to_it(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("slash", *"QCURN")
        table = app.screen.table
        assert [row.key for row in table.visible_rows] == [KIOSK_ID]
        await pilot.press("enter")  # search submitted: focus goes to the table
        await pilot.press("enter")  # open the device
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        detail = app.screen
        await wait_until(pilot, lambda: all(
            pane.table.empty_text != "Loading…" for pane in detail.query(RowsPane)))
        assert detail.device.imei  # the per-device GET brought the non-default fields
        assert not any(pane.query_one(".rows-problem").display for pane in detail.query(RowsPane))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert app.screen.table.cursor_row.key == KIOSK_ID


async def test_a_long_list_held_as_columns_finds_a_serial_and_sorts(
        make_app, wait_until, monkeypatch) -> None:
    # A list past `COLUMNS_FROM` rows: its pages come as columns built in the worker, and the
    # table holds them as columns (lowered here from 5,000 so the demo tenant stays small).
    monkeypatch.setattr(store, "COLUMNS_FROM", 100)
    wait_for_engine()
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        table = app.screen.table
        assert table._store.columnar
        assert table.rows_count == DEVICES
        await pilot.press("slash", *"QCURN")
        assert [row.key for row in table.visible_rows] == [KIOSK_ID]
        assert table.cursor_row.item["serialNumber"] == "FQX5J1QCURNB"
        await pilot.press("escape")
        await wait_until(pilot, lambda: table.visible_count == DEVICES)
        table.sort_by(0, reverse=True)
        names = [row.sort_keys[0] for row in table.visible_rows]
        present = [name for name in names if name is not None]
        assert present == sorted(present, reverse=True) and len(present) == len(names)
        await pilot.pause()
        assert table.visible_rows[0].cells[0] in "\n".join(table_lines(app))


async def test_field_search_goes_to_graph_as_a_supported_filter(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("slash", *"os:ios compliance:noncompliant", "enter")
        await wait_until(pilot, lambda: len(device_gets(app)) == 2 and app.screen._complete)
        sent = device_gets(app)[-1].params["$filter"]
        assert sent == "operatingSystem eq 'iOS' and complianceState eq 'noncompliant'"
        expected = {d["id"] for d in tenant_devices()
                    if d["operatingSystem"] == "iOS" and d["complianceState"] == "noncompliant"}
        assert {row.key for row in app.screen.table.visible_rows} == expected
        assert "Graph:" in app.screen._status.filter_split


async def test_what_graph_cannot_filter_is_done_here_and_said(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("slash", *"os:ios serial:FQX", "enter")
        await wait_until(pilot, lambda: len(device_gets(app)) == 2 and app.screen._complete)
        assert device_gets(app)[-1].params["$filter"] == "operatingSystem eq 'iOS'"
        split = app.screen._status.filter_split
        assert "Graph:" in split and "Here:" in split
        keys = {row.key for row in app.screen.table.visible_rows}
        expected = {d["id"] for d in tenant_devices()
                    if d["operatingSystem"] == "iOS" and "fqx" in d["serialNumber"].lower()}
        assert keys == expected and KIOSK_ID in keys
        await pilot.press("escape")  # clearing the search lists everything again
        await wait_until(pilot, lambda: app.screen._complete
                         and app.screen.table.visible_count == DEVICES)


async def test_a_query_graph_would_reject_is_explained(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("slash", *'serial:"unclosed')
        assert "never closed" in app.screen._status.error
        assert len(device_gets(app)) == 1


async def test_sort_by_name_and_reverse_with_indicator(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("s")
        names = [row.sort_keys[0] for row in app.screen.table.visible_rows]
        assert names == sorted(names)
        assert "▲" in table_lines(app)[0]
        await pilot.press("S")
        names = [row.sort_keys[0] for row in app.screen.table.visible_rows]
        assert names == sorted(names, reverse=True)
        assert "▼" in table_lines(app)[0]


async def test_one_failing_tab_shows_its_error_and_the_others_load(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        app.session.fake.faults.fail_next(404, path_contains="/deviceConfigurationStates")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        detail = app.screen
        await open_tab(pilot, detail, "configuration")
        await wait_until(pilot, lambda: device_settled(app))
        # The Config tab has two sources: the template profiles' failure is said above the
        # settings-catalog profiles, which still load.
        note = detail.query_one("#configuration-note")
        await wait_until(pilot, lambda: "Could not load the template profiles" in str(
            note.render()))
        assert note.display
        config = detail.query_one("#configuration-pane", RowsPane)
        assert config.table.rows_count > 0
        assert all(row.cells[2] == "Settings catalog" for row in config.table.visible_rows)
        await open_tab(pilot, detail, "compliance")
        compliance = detail.query_one("#compliance-pane", RowsPane)
        assert not compliance.query_one(".rows-problem").display
        assert compliance.table.rows_count > 0


async def test_export_writes_the_filtered_view(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("slash", *"os:macos", "enter")
        await wait_until(pilot, lambda: len(device_gets(app)) == 2 and app.screen._complete)
        await pilot.press("e")
        await pilot.pause()
        message = next(n.message for n in app._notifications if "Exported" in n.message)
        path = Path(message.split(" to ", 1)[1])
        with path.open(newline="", encoding="utf-8") as stream:
            rows = list(csv.DictReader(stream))
        expected = {d["id"] for d in tenant_devices() if d["operatingSystem"] == "macOS"}
        assert {row["Id"] for row in rows} == expected
        assert {row["OS"] for row in rows} == {"macOS"}


async def test_hostile_device_names_render_literally(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        screen_text = ""
        for query in ("kiosk", "bold red", "laptop-red", "invoice"):
            await pilot.press("slash", *query)
            lines = table_lines(app)
            screen_text += "\n".join(lines)
            await pilot.press("escape")
        assert "Kiosk [/old]" in screen_text
        assert "[bold red]x" in screen_text
        rows = {row.key: row.cells[0] for row in app.screen.table.visible_rows}
        assert rows["b8cc9d2f-8245-42b5-a4ab-c114ab6a0d02"] == "LAPTOP-RED"
        assert rows["8e9e1941-bc06-4f90-880f-e7dc7d502394"] == "invoicegnp.exe-PC"
        assert "\x1b" not in screen_text and "\u202e" not in screen_text
        await pilot.press("slash", *"kiosk", "enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        assert app.screen.title == "Kiosk [/old]"


async def test_refresh_keeps_the_cursor_on_the_same_device(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("down", "down", "down")
        key = app.screen.table.cursor_row.key
        await pilot.press("r")
        await wait_until(pilot, lambda: len(device_gets(app)) == 2 and app.screen._complete)
        assert app.screen.table.cursor_row.key == key


async def wait_for_list(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.pause()


async def open_kiosk_detail(pilot: Any) -> None:
    await wait_for_list(pilot)
    await pilot.press("slash", *"FQX5J1", "enter", "enter")
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen)
                     and device_settled(app))
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_devices_list(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size, run_before=wait_for_list)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_device_detail(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=open_kiosk_detail)


async def test_a_403_is_explained_and_p_opens_my_access(make_app, wait_until) -> None:
    from intune_tui.demo.rules import ALL_DEMO_SCOPES
    from intune_tui.ui.screens.access import AccessScreen

    scopes = tuple(s for s in ALL_DEMO_SCOPES if not s.startswith("DeviceManagementManagedDevices"))
    app = make_app(devices=DEVICES, scopes=scopes)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen.query_one("#list-problem").display)
        explained = str(app.screen.query_one("#list-problem").render())
        assert "DeviceManagementManagedDevices.Read.All" in explained
        assert "admin consent" in explained.lower()
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, AccessScreen))


async def test_a_trailing_space_does_not_filter_again(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("slash", *"os:ios")
        table = app.screen.table
        shown = [row.key for row in table.visible_rows]
        calls: list[object] = []
        original = table.set_filter
        table.set_filter = lambda *args, **kwargs: (calls.append(args), original(*args, **kwargs))
        await pilot.press("space")
        assert calls == [] and [row.key for row in table.visible_rows] == shown
        await pilot.press("m")  # a new word filters again
        assert len(calls) == 1


# -- y copies the field under the cursor; Enter on a user lists that user's devices ------------


async def y_copies(pilot: Any, app: Any, label: str, value: str) -> None:
    """`y` put `value` on the clipboard and said so, naming `label`."""
    await pilot.press("y")
    await pilot.pause()
    assert app.clipboard == value
    assert f"Copied {label}: {value}" in messages(app)


def messages(app: Any) -> list[str]:
    return [notification.message for notification in app._notifications]


async def test_y_copies_the_cell_under_the_cursor_and_says_what(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        table = app.screen.table
        await pilot.press("right")  # the User column
        row = table.cursor_row
        upn = row.cells[1]
        assert "@" in upn
        await y_copies(pilot, app, "User", upn)


async def test_slash_on_a_device_tab_filters_its_list_and_esc_shows_all_again(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        detail = app.screen
        await open_tab(pilot, detail, "apps")
        pane = detail.query_one("#apps-pane", RowsPane)
        await wait_until(pilot, lambda: len(pane.table.visible_rows) > 1)
        everything = ["\t".join(row.cells) for row in pane.table.visible_rows]
        word = max(re.findall(r"[A-Za-z0-9]+", everything[-1].split("\t")[0]), key=len).lower()
        await pilot.press("slash", *word)
        await wait_until(pilot, lambda: len(pane.table.visible_rows) < len(everything))
        filtered = ["\t".join(row.cells) for row in pane.table.visible_rows]
        await pilot.press("escape")
        await pilot.pause()
        after_esc = ["\t".join(row.cells) for row in pane.table.visible_rows]
        still_there = isinstance(app.screen, DeviceDetailScreen)
    assert everything[-1] in filtered
    assert all(word in row.lower() for row in filtered)
    assert after_esc == everything and still_there


async def test_y_on_a_detail_tab_copies_its_cell(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        detail = app.screen
        await pilot.press("right_square_bracket", "right_square_bracket",
                          "right_square_bracket", "right_square_bracket")  # Users
        pane = detail.query_one("#users-pane", RowsPane)
        await wait_until(pilot, lambda: bool(pane.table.visible_rows))
        pane.table.focus()
        await pilot.press("right")  # the User column
        upn = pane.table.cursor_row.cells[1]
        await y_copies(pilot, app, "User", upn)


async def test_y_on_the_overview_copies_the_field_under_its_cursor(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        fields = app.screen.query_one("#overview-fields", FieldList)
        fields.focus()
        serial = str(app.screen.item["serialNumber"])
        while fields.current_field is not None and fields.current_field[0] != "Serial number":
            before = fields.cursor
            await pilot.press("down")
            assert fields.cursor != before, "no Serial number field on the Overview"
        await y_copies(pilot, app, "Serial number", serial)


async def test_o_copies_and_shows_the_admin_center_link_of_the_device(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        device_id = app.screen.table.cursor_row.item["id"]
        await pilot.press("o")
        await pilot.pause()
        link = ("https://intune.microsoft.com/#view/Microsoft_Intune_Devices/"
                f"DeviceSettingsMenuBlade/~/overview/mdmDeviceId/{device_id}")
        assert app.clipboard.endswith(link.removeprefix("https://intune.microsoft.com"))
        assert any(app.clipboard in message for message in messages(app))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        app.copy_to_clipboard("")
        await pilot.press("o")
        await pilot.pause()
        assert app.clipboard.endswith(f"/mdmDeviceId/{device_id}")


async def test_enter_on_a_device_user_lists_that_users_devices_from_graph(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        detail = app.screen
        await open_tab(pilot, detail, "users")
        pane = detail.query_one("#users-pane", RowsPane)
        await wait_until(pilot, lambda: bool(pane.table.visible_rows))
        upn = pane.table.cursor_row.item["userPrincipalName"]
        pane.table.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, UserDevicesScreen))
        assert app.screen.user_principal_name == upn
        await wait_until(pilot, lambda: any(
            f"userPrincipalName eq '{upn}'" in (r.params.get("$filter") or "")
            for r in app.session.fake.requests))
