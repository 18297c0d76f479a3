"""`c` on a list: show, hide, reorder and size its columns; the choice is saved in the config
file, survives a restart, shapes the export, and the first column stays in sight. (The chooser's
own picture is the `columns` scene of tests/ui/test_snapshots.py.)"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import Any

import pytest

from intune_tui.ui.screens.columns import ColumnChooser
from intune_tui.ui.screens.devices import DevicesScreen

DEVICES = 300
SIZES = ((80, 24), (120, 40))


def header(app: Any) -> str:
    return app.screen.table.render_line(0).text


def table_lines(app: Any) -> list[str]:
    table = app.screen.table
    return [table.render_line(y).text for y in range(table.size.height)]


async def loaded(pilot: Any, app: Any, wait_until: Any) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen.table.rows_count >= DEVICES and app.screen._complete)


async def open_chooser(pilot: Any, app: Any, wait_until: Any) -> ColumnChooser:
    await pilot.press("c")
    await wait_until(pilot, lambda: isinstance(app.screen, ColumnChooser))
    return app.screen  # type: ignore[return-value]


def chooser_lines(app: Any) -> list[str]:
    from textual.widgets import OptionList

    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def saved_columns(app: Any) -> dict[str, Any]:
    document = tomllib.loads(app.settings.config_path.read_text(encoding="utf-8"))
    return document.get("columns", {})


async def test_space_hides_a_column_and_enter_keeps_it_in_the_config(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        assert " OS " in header(app) and " User " in header(app)
        await open_chooser(pilot, app, wait_until)
        assert chooser_lines(app)[:3] == [
            "[x] Device name   20 wide", "[x] User          28 wide", "[x] OS             8 wide"]
        await pilot.press("down", "down", "space")  # hide OS
        assert chooser_lines(app)[2].startswith("[ ] OS")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        titles = [column.title for column in app.screen.table.columns]
        assert "OS" not in titles and "OS version" in titles and "User" in titles
        assert header(app).split()[:4] == ["Device", "name", "User", "OS"]  # OS vers…
        assert saved_columns(app)["devices"]["shown"] == [
            "deviceName", "userPrincipalName", "osVersion", "complianceState", "managementState",
            "lastSyncDateTime", "managedDeviceOwnerType", "serialNumber", "model"]


async def test_shift_down_moves_a_column_and_plus_widens_it(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await open_chooser(pilot, app, wait_until)
        await pilot.press("shift+down")  # Device name one place right: after User
        await pilot.press("plus", "plus", "plus", "plus")
        assert chooser_lines(app)[1] == "[x] Device name   24 wide (was 20)"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        line = header(app)
        assert line.index(" User ") < line.index("Device name")
        assert app.screen.table.columns[1].width == 24
        assert saved_columns(app)["devices"]["widths"] == {"deviceName": 24}
        assert saved_columns(app)["devices"]["shown"][:2] == ["userPrincipalName", "deviceName"]
        assert app.screen.view_columns()[:2] == ("userPrincipalName", "deviceName")


async def test_escape_leaves_the_columns_as_they_were(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        before = header(app)
        await open_chooser(pilot, app, wait_until)
        await pilot.press("space", "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert header(app) == before
        assert not app.settings.config_path.exists()


async def test_the_last_shown_column_cannot_be_hidden(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        chooser = await open_chooser(pilot, app, wait_until)
        for _ in range(10):
            await pilot.press("space", "down")  # hides every one in turn
        assert chooser.choice.shown == (9,)  # Model: the last one left
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert [column.title for column in app.screen.table.columns] == ["Model"]


async def test_a_restart_keeps_the_choice(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        await open_chooser(pilot, app, wait_until)
        await pilot.press("down", "space", "enter")  # hide User
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
    # A new process reads the file again.
    again = make_app(devices=DEVICES)  # make_app reads the config file again
    async with again.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, again, wait_until)
        assert " User " not in header(again) and "Device name" in header(again)
        await open_chooser(pilot, again, wait_until)
        await pilot.press("r", "enter")  # the list's own columns: nothing left to keep
        await wait_until(pilot, lambda: isinstance(again.screen, DevicesScreen))
        assert " User " in header(again)
        assert saved_columns(again) == {}


async def test_export_follows_the_chosen_columns(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, wait_until)
        app.screen.apply_columns(["serialNumber", "deviceName", "nothing"])
        await pilot.press("e")
        await pilot.pause()
        message = next(n.message for n in app._notifications if "Exported" in n.message)
        with Path(message.split(" to ", 1)[1]).open(newline="", encoding="utf-8") as stream:
            rows = list(csv.reader(stream))
        assert rows[0] == ["Id", "Serial", "Device name"]
        assert len(rows) == DEVICES + 1
        assert header(app).split() == ["Serial", "Device", "name"]


async def test_the_first_column_stays_in_sight_when_scrolled_right(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app, wait_until)
        table = app.screen.table
        first_name = table.visible_rows[0].cells[0]
        assert "Model" not in header(app)
        await pilot.press(*["l"] * 9)  # to the last column: the table scrolls right
        await pilot.pause()
        assert table.scroll_offset.x > 0
        assert "Model" in header(app)
        assert header(app)[3:].startswith("Device name")
        assert table_lines(app)[1][3:].startswith(first_name[:8])
        await pilot.press(*["h"] * 9)
        await pilot.pause()
        assert table.scroll_offset.x == 0


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_list_with_a_hidden_column(snap_compare, make_app,
                                            size: tuple[int, int]) -> None:
    async def run_before(pilot: Any) -> None:
        await _ready(pilot)
        await pilot.press("c", "down", "space", "enter")  # hide User
        await pilot.pause()

    assert snap_compare(make_app(devices=DEVICES), terminal_size=size, run_before=run_before)


async def _ready(pilot: Any) -> None:
    app = pilot.app
    for _ in range(300):
        if isinstance(app.screen, DevicesScreen) and app.screen._complete:
            break
        await pilot.pause(0.05)
    await pilot.pause()


async def test_a_saved_view_keeps_its_columns_across_a_restart(make_app, wait_until) -> None:
    """`:save NAME` with a column hidden, the list's own columns back, a restart: `:NAME` shows
    the view's columns again (config [views.NAME] columns), the list alone shows its own."""

    def titles(app: Any) -> list[str]:
        return [column.title for column in app.screen.table.columns]

    def notified(app: Any, text: str) -> bool:
        return any(text in notification.message for notification in app._notifications)

    first = make_app(devices=DEVICES)
    async with first.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, first, wait_until)
        everything = titles(first)
        await open_chooser(pilot, first, wait_until)
        await pilot.press("down", "down", "space", "enter")  # hide OS
        await wait_until(pilot, lambda: isinstance(first.screen, DevicesScreen))
        without_os = titles(first)
        assert "OS" not in without_os and "OS" in everything
        table = first.screen.table
        while table.columns[table.column_cursor].key != "lastSyncDateTime":
            await pilot.press("right")
        await pilot.press("s")  # sorted by Last sync, one place left of where it was
        await pilot.press("colon", *"save no-os", "enter")
        await wait_until(pilot, lambda: notified(first, "Saved view no-os"))
        await open_chooser(pilot, first, wait_until)
        await pilot.press("r", "enter")  # the list's own columns again: [columns.devices] goes
        await wait_until(pilot, lambda: isinstance(first.screen, DevicesScreen))
        assert titles(first) == everything

    document = tomllib.loads(first.settings.config_path.read_text(encoding="utf-8"))
    assert "columns" not in document
    assert "operatingSystem" not in document["views"]["no-os"]["columns"]
    assert document["views"]["no-os"]["columns"][:2] == ["deviceName", "userPrincipalName"]
    assert document["views"]["no-os"]["sort"] == "lastSyncDateTime"

    second = make_app(devices=DEVICES)  # a new start on the same config directory
    async with second.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, second, wait_until)
        assert titles(second) == everything
        await pilot.press("colon", *"no-os", "enter")
        await wait_until(pilot, lambda: titles(second) == without_os)
        assert header(second).split()[:5] == ["Device", "name", "User", "OS", "vers…"]
        table = second.screen.table
        assert table.all_columns[table.sort_column].key == "lastSyncDateTime"
