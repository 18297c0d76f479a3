"""The Roles area on the demo tenant: built-in or custom, Enter on a role, an assignment or an
operation, search and export, and the 403 explained when the token lacks the RBAC scope."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from waiting import list_loaded, wait_until

from intune_tui.demo.rules import ALL_DEMO_SCOPES
from intune_tui.ui.screens.access import AccessScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.role_detail import OperationScreen, RoleDetailScreen
from intune_tui.ui.screens.roles import RolesScreen

DEVICES = 50
NO_RBAC = tuple(scope for scope in ALL_DEMO_SCOPES if "RBAC" not in scope)
BUILT_IN = ["Help Desk Operator", "Read Only Operator", "Policy and Profile Manager",
            "School Administrator", "Application Manager", "Endpoint Security Manager",
            "Intune Role Administrator"]
CUSTOM = "Contoso Tier-1 Helpdesk (custom)"


def widget_text(widget: Any) -> str:
    """What a widget shows, line by line, trailing spaces dropped."""
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height))


async def open_roles(pilot: Any, app: Any, wait_until: Any, view: int = 0) -> RolesScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("4")
    await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen)
                     and (app.screen._complete or app.screen.query_one("#list-problem").display))
    screen: RolesScreen = app.screen  # type: ignore[assignment]
    for index in range(1, view + 1):
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda index=index: screen._view_index == index
                         and screen._complete)
    return screen


async def test_roles_list_says_built_in_or_custom(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_roles(pilot, app, wait_until)
        kinds = {row.cells[0]: row.cells[1] for row in screen.table.visible_rows}
    assert kinds == {**dict.fromkeys(BUILT_IN, "Built-in"), CUSTOM: "Custom"}


async def test_enter_on_an_assignment_opens_its_role_with_it_marked(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_roles(pilot, app, wait_until, view=1)
        rows = screen.table.visible_rows
        target = next(index for index, row in enumerate(rows)
                      if row.cells[0] == "Tier-1 contractors")
        screen.table.move_cursor(target)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, RoleDetailScreen)
                         and app.screen.details is not None)
        detail: RoleDetailScreen = app.screen  # type: ignore[assignment]
        await pilot.pause()
        assert detail.role.name == CUSTOM
        assert detail.query_one("TabbedContent").active == "assignments"
        marked = detail.query(".assignment.-focused")
        assert len(marked) == 1 and "Tier-1 contractors" in widget_text(marked.first())
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)


async def test_enter_on_an_operation_names_the_roles_that_allow_it(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_roles(pilot, app, wait_until, view=2)
        rows = screen.table.visible_rows
        wipe = next(index for index, row in enumerate(rows)
                    if row.item.get("id") == "Microsoft.Intune_RemoteTasks_Wipe")
        assert rows[wipe].cells[:2] == ("Remote tasks", "Wipe")
        assert ("Remote tasks", "Update device account") in {row.cells[:2] for row in rows}
        screen.table.move_cursor(wipe)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OperationScreen)
                         and app.screen.roles.answer is not None
                         and app.screen.effective.answer is not None)
        await pilot.pause()
        text = " ".join(widget_text(app.screen.query_one("#operation-access")).split())
        heading = widget_text(app.screen.query_one("#operation-heading"))
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
    assert heading.startswith("Remote tasks: Wipe")
    assert ("Roles that allow it: Help Desk Operator, School Administrator" in text)
    assert "Read Only Operator" not in text and CUSTOM not in text
    assert "Your account: allowed" in text


async def test_search_and_export_the_roles(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_roles(pilot, app, wait_until)
        await pilot.press("slash", *"operator", "enter")
        await pilot.pause()
        shown = [row.cells[0] for row in screen.table.visible_rows]
        keys = [row.key for row in screen.table.visible_rows]
        await pilot.press("e")
        await pilot.pause()
        message = next(n.message for n in app._notifications if "Exported" in n.message)
    assert shown == ["Help Desk Operator", "Read Only Operator"]
    path = Path(message.split(" to ", 1)[1])
    with path.open(newline="", encoding="utf-8") as stream:
        exported = list(csv.DictReader(stream))
    assert [row["Name"] for row in exported] == shown
    assert [row["Id"] for row in exported] == keys


async def test_without_the_rbac_scope_the_403_is_explained_and_access_shows_it(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES, scopes=NO_RBAC)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_roles(pilot, app, wait_until)
        panel = screen.query_one("#list-problem")
        await pilot.pause()
        explained = " ".join(widget_text(panel).replace("│", " ").split())
        assert not screen.table.display  # the empty table gives the checklist its room
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, AccessScreen)
                         and bool(app.screen.claims))
        access: AccessScreen = app.screen  # type: ignore[assignment]
        await pilot.pause()
        top = " ".join(widget_text(access.query_one("#access-refused")).split())
        overview = widget_text(access.query_one("#access-overview")).splitlines()
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)

    assert "the app's token lacks" in explained
    assert "DeviceManagementRBAC.Read.All" in explained
    for number, title in enumerate(("Application permission", "Admin consent", "Intune role",
                                    "Intune licence"), 1):
        assert f"{number}. {title}:" in explained
    assert '("Read Microsoft Intune RBAC settings")' in explained
    assert "Press p (or type :access)" in explained
    assert "Refused: the token lacks DeviceManagementRBAC.Read.All" in top
    rbac_read = next(line for line in overview if "DeviceManagementRBAC.Read.All" in line)
    assert rbac_read.split()[0] == "missing" and "◀ refused" in rbac_read
    devices_read = next(line for line in overview
                        if "DeviceManagementManagedDevices.Read.All" in line)
    assert devices_read.split()[0] == "granted"


async def test_the_roles_list_loads_again_once_it_can(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        app.session.fake.faults.fail_next(403, path_contains="roleDefinitions")
        await pilot.press("4")
        screen: RolesScreen = app.screen  # type: ignore[assignment]
        await wait_until(pilot, lambda: screen.query_one("#list-problem").display)
        assert not screen.table.display
        await pilot.press("r")
        await wait_until(pilot, lambda: screen._complete)
        assert screen.table.display and not screen.query_one("#list-problem").display
        assert screen.table.rows_count == len(BUILT_IN) + 1


async def wait_for_roles(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("4")
    await wait_until(pilot, list_loaded(app, RolesScreen))
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24)])
def test_snapshot_roles_list(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size, run_before=wait_for_roles)


async def test_o_on_a_role_copies_the_roles_list_and_says_it_is_not_the_role(
        make_app: Any, wait_until: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_roles(pilot, app, wait_until)
        await wait_until(pilot, lambda: screen.table.cursor_row is not None)
        await pilot.press("o")
        await pilot.pause()
        assert app.clipboard.endswith(
            "/#view/Microsoft_Intune_DeviceSettings/RolesLandingMenuBlade/~/roles")
        shown = [n.message for n in app._notifications]
        assert any("no link to one role" in m and app.clipboard in m for m in shown)
