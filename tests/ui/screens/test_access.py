"""My access on the demo tenant: the account, the token's scopes against the seed's table in
words, what each allows and needs it, the Intune permissions Graph reports, and the last 403."""

from __future__ import annotations

from typing import Any

import pytest
from waiting import list_loaded, wait_until

from intune_tui.demo.rules import ALL_DEMO_SCOPES, READ_ONLY_SCOPES
from intune_tui.graph.errors import GraphForbidden
from intune_tui.intune.scopes import SCOPES
from intune_tui.ui.screens.access import AccessScreen, roles_text
from intune_tui.ui.screens.devices import DevicesScreen

DEVICES = 50


def widget_text(widget: Any) -> str:
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height))


def flat(widget: Any) -> str:
    return " ".join(widget_text(widget).split())


def overview_status(screen: AccessScreen) -> dict[str, str]:
    """Scope -> 'granted' / 'missing', read from what the overview shows."""
    status: dict[str, str] = {}
    for line in widget_text(screen.query_one("#access-overview")).splitlines():
        words = line.split()
        if len(words) >= 2:
            status[words[1]] = words[0]
    return status


async def open_access(pilot: Any, app: Any, wait_until: Any) -> AccessScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("colon", *"access", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AccessScreen) and bool(
        app.screen.claims) and (app.screen.access or app.screen.access_error) is not None)
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


async def test_full_token_every_scope_granted_and_the_operator_roles(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = await open_access(pilot, app, wait_until)
        account = flat(screen.query_one("#access-account"))
        status = overview_status(screen)
        others = flat(screen.query_one("#access-other-scopes"))
        roles = widget_text(screen.query_one("#access-roles"))
        refused_shown = screen.query_one("#access-refused").display
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))

    assert "Helpdesk Operator <helpdesk@contoso-demo.onmicrosoft.com>" in account
    assert "Contoso Demo (demo tenant)" in account
    assert "(delegated)" in account
    assert status == dict.fromkeys(SCOPES, "granted")
    assert others == "Other scopes in the token: none"
    assert not refused_shown
    flat_roles = " ".join(roles.split())
    assert ("Your permissions include every permission of: Help Desk Operator, Read Only "
            "Operator, Contoso Tier-1 Helpdesk (custom)") in flat_roles
    managed = next(line for line in roles.splitlines() if line.strip().startswith(
        "Managed devices"))
    assert managed.split()[-2:] == ["Read,", "Update"]


async def test_read_only_token_misses_write_and_privileged_scopes(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES, scopes=READ_ONLY_SCOPES)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = await open_access(pilot, app, wait_until)
        status = overview_status(screen)
        privileged = flat(screen.query_one("#scope-0"))
        devices_read = flat(screen.query_one("#scope-2"))

    for name in SCOPES:
        expected = "granted" if name in READ_ONLY_SCOPES else "missing"
        assert status[name] == expected, name
    assert privileged.startswith("missing DeviceManagementManagedDevices.PrivilegedOperations")
    assert "Perform user-impacting remote actions on Microsoft Intune devices" in privileged
    assert "Lets the app run remote actions: retire, wipe" in privileged
    assert "Needed by remote actions: Sync," in privileged and " Wipe," in privileged
    assert devices_read.startswith("granted DeviceManagementManagedDevices.Read.All")
    assert "Needed by lists: Devices, Remote action history; detail tabs:" in devices_read


async def test_readwrite_holds_read_and_says_so(make_app, wait_until) -> None:
    scopes = ("DeviceManagementManagedDevices.ReadWrite.All", "User.Read", "openid")
    app = make_app(devices=0, scopes=scopes)
    async with app.run_test(size=(100, 60)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("colon", *"access", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, AccessScreen)
                         and app.screen.access_error is not None and bool(app.screen.claims))
        await pilot.pause()
        screen: AccessScreen = app.screen  # type: ignore[assignment]
        status = overview_status(screen)
        devices_read = flat(screen.query_one("#scope-2"))
        others = flat(screen.query_one("#access-other-scopes"))
        roles = flat(screen.query_one("#access-roles"))

    assert status["DeviceManagementManagedDevices.Read.All"] == "granted"
    assert "held through its read and write scope" in devices_read
    assert others == "Other scopes in the token: User.Read, openid"
    assert roles.startswith("Graph does not say: Access denied")
    assert "DeviceManagementRBAC.Read.All" in roles


async def test_without_rbac_scope_access_shows_it_missing_and_roles_unknown(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES, scopes=tuple(s for s in ALL_DEMO_SCOPES if "RBAC" not in s))
    async with app.run_test(size=(100, 60)) as pilot:
        screen = await open_access(pilot, app, wait_until)
        status = overview_status(screen)
        roles = flat(screen.query_one("#access-roles"))
        rbac_read = flat(screen.query_one("#scope-4"))

    assert status["DeviceManagementRBAC.Read.All"] == "missing"
    assert status["DeviceManagementRBAC.ReadWrite.All"] == "missing"
    assert status["DeviceManagementManagedDevices.Read.All"] == "granted"
    assert rbac_read.startswith("missing DeviceManagementRBAC.Read.All")
    assert "Needed by lists: Intune roles, Role assignments, Resource operations." in rbac_read
    assert roles.startswith("Graph does not say: Access denied: the app's token lacks")


async def test_a_refused_role_is_named_at_the_top_and_marked(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        refused = GraphForbidden("Access denied: your account has no Intune role that allows "
                                 "this", status=403, missing_role=True)
        await app.push_screen(AccessScreen(highlight=refused))
        await wait_until(pilot, lambda: bool(app.screen.claims))
        await pilot.pause()
        screen: AccessScreen = app.screen  # type: ignore[assignment]
        top = flat(screen.query_one("#access-refused"))
        roles_marked = screen.query_one("#access-roles").has_class("-refused")
        marked_scopes = [entry.name for entry in screen.query(".scope-entry.-refused")
                         if entry.id and entry.id.startswith("scope-")]
        status = overview_status(screen)

    assert top.startswith("Refused: your account has no Intune role that allows it")
    assert "Fix: app permission, admin consent, Intune role, licence" in top
    assert roles_marked and marked_scopes == []
    assert set(status.values()) == {"granted"}


async def test_another_tenant_forgets_the_old_refusal(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        refused = GraphForbidden("Access denied: the app's token lacks X", status=403,
                                 missing_scope="DeviceManagementApps.Read.All")
        await app.push_screen(AccessScreen(highlight=refused))
        await wait_until(pilot, lambda: bool(app.screen.claims))
        screen: AccessScreen = app.screen  # type: ignore[assignment]
        await pilot.pause()
        before = [line for line in widget_text(screen.query_one("#access-overview")).splitlines()
                  if "◀ refused" in line]
        app.session_changed.publish(app.session)
        await wait_until(pilot, lambda: bool(screen.claims) and screen.access is not None)
        await pilot.pause()
        after = widget_text(screen.query_one("#access-overview"))
        checklist = flat(screen.query_one("#access-checklist"))
        top_shown = screen.query_one("#access-refused").display

    assert len(before) == 1 and "DeviceManagementApps.Read.All" in before[0]
    assert "◀ refused" not in after and not top_shown
    assert "DeviceManagementApps.Read.All" not in checklist


def test_roles_text_for_app_tokens_and_directory_admins() -> None:
    app_only = roles_text(None, {"roles": ["DeviceManagementManagedDevices.Read.All"]}, None)
    assert str(app_only).startswith("An application token: Intune role assignments do not")
    admin = roles_text(None, {"scp": "x", "wids": ["62e90394-69f5-4237-9190-012177145e10"]},
                       None)
    assert str(admin).startswith("Entra role Global Administrator: every Intune permission")


async def open_access_after_wait(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("colon", *"access", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AccessScreen) and app.screen.claims
                     and app.screen.access is not None)
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24)])
def test_snapshot_my_access(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=open_access_after_wait)


async def test_each_recovery_and_directory_scope_says_what_it_unlocks_and_which_role(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 60)) as pilot:
        screen = await open_access(pilot, app, wait_until)
        entries = {str(widget.name): flat(widget) for widget in screen.query(".scope-entry")
                   if widget.name}
    laps = entries["DeviceLocalCredential.Read.All"]
    assert "Windows LAPS passwords" in laps and "reveal the LAPS password" in laps
    assert "Entra role Cloud Device Administrator or Intune Service Administrator" in laps
    bitlocker = entries["BitlockerKey.Read.All"]
    assert "reveal a BitLocker key" in bitlocker and "Helpdesk Administrator" in bitlocker
    assert "group names in assignments and roles" in entries["Directory.Read.All"]
