"""One role on the demo tenant: every built-in role and the custom one show their permissions in
words, grouped by resource; the assignments show member and scope groups and scope tags."""

from __future__ import annotations

from typing import Any

import pytest
from waiting import list_loaded, wait_until

from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.role_detail import RoleDetailScreen
from intune_tui.ui.screens.roles import RolesScreen

DEVICES = 50

# Spot checks per role, as a reader would phrase them: resource -> every operation allowed.
EXPECTED: dict[str, dict[str, str]] = {
    "Help Desk Operator": {
        "Managed devices": "Read, Update",
        "Mobile apps": "Assign, Read",
        "Device configurations": "Assign, Read",
    },
    "Read Only Operator": {
        "Managed devices": "Read",
        "Terms and conditions": "Read",
        "Device compliance policies": "Read",
    },
    "Policy and Profile Manager": {
        "Device configurations": "Assign, Create, Delete, Read, Update",
        "Device compliance policies": "Assign, Create, Delete, Read, Update",
        "Security baselines": "Assign, Create, Delete, Read, Update",
    },
    "School Administrator": {
        "Mobile apps": "Assign, Create, Delete, Read, Update",
        "Remote tasks": "Reboot now, Sync device, Wipe",
    },
    "Application Manager": {
        "Mobile apps": "Assign, Create, Delete, Read, Relate, Update",
        "Managed apps": "Assign, Create, Delete, Read, Update, Wipe",
    },
    "Endpoint Security Manager": {
        "Endpoint protection": "Assign, Create, Delete, Read, Update",
        "Remote tasks": "Rotate bit locker keys, Windows defender",
        "Security tasks": "Read, Update",
    },
    "Intune Role Administrator": {
        "Organization": "Read",
        "Roles": "Assign, Create, Delete, Read, Update",
    },
    "Contoso Tier-1 Helpdesk (custom)": {
        "Managed devices": "Read",
        "Mobile apps": "Read",
        "Remote tasks": "Locate device, Reboot now, Remote lock, Sync device",
    },
}
ABSENT: dict[str, tuple[str, ...]] = {
    "Read Only Operator": ("Remote tasks",),
    "Intune Role Administrator": ("Managed devices", "Remote tasks"),
    "Contoso Tier-1 Helpdesk (custom)": ("Roles", "Device configurations"),
}


def widget_text(widget: Any) -> str:
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height))


def permission_rows(text: str) -> dict[str, str]:
    """The Allows grid read back: 'Managed devices   Read, Update' (+ wrapped lines)."""
    rows: dict[str, str] = {}
    current = ""
    for line in text.split("Allows", 1)[1].splitlines()[1:]:
        if not line.strip():
            break
        if line.startswith(" ") and current:
            rows[current] += " " + line.strip()
            continue
        resource, _, operations = line.partition("  ")
        current = resource.strip()
        rows[current] = operations.strip()
    return rows


async def open_role(pilot: Any, app: Any, wait_until: Any, name: str) -> RoleDetailScreen:
    if not isinstance(app.screen, RolesScreen):
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        await pilot.press("4")
        await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen)
                         and app.screen._complete)
    roles: RolesScreen = app.screen  # type: ignore[assignment]
    index = next(i for i, row in enumerate(roles.table.visible_rows) if row.cells[0] == name)
    roles.table.move_cursor(index)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RoleDetailScreen)
                     and app.screen.details is not None)
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


async def test_every_role_shows_its_permissions_in_words(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    shown: dict[str, tuple[str, dict[str, str]]] = {}
    async with app.run_test(size=(120, 60)) as pilot:
        for name in EXPECTED:
            detail = await open_role(pilot, app, wait_until, name)
            text = widget_text(detail.query_one("#role-permissions"))
            title = widget_text(detail.query_one("#role-title"))
            shown[name] = (title, permission_rows(text))
            assert "Microsoft.Intune" not in text and "_" not in text
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen))

    for name, expected in EXPECTED.items():
        title, rows = shown[name]
        kind = "Custom role" if "custom" in name else "Built-in role"
        assert title.startswith(f"{name} · {kind} · "), title
        for resource, operations in expected.items():
            assert rows.get(resource) == operations, (name, resource, rows.get(resource))
        for resource in ABSENT.get(name, ()):
            assert resource not in rows, (name, resource)
    help_desk = shown["Help Desk Operator"][1]["Remote tasks"].split(", ")
    assert {"Wipe", "Retire", "Sync device", "Remote lock", "Reset passcode"} <= set(help_desk)


async def test_assignments_show_groups_and_scope_tags(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_role(pilot, app, wait_until, "Help Desk Operator")
        detail.query_one("TabbedContent").active = "assignments"
        await wait_until(pilot, lambda: bool(detail.group_names))  # Entra named the groups
        entries = {widget_text(entry).splitlines()[0].strip(): widget_text(entry)
                   for entry in detail.query(".assignment")}
        note = widget_text(detail.query_one("#assignments-note"))
        tenant = app.session.fake.tenant
        group_names = app.session.fake.directory.groups()

    assignments = {a["displayName"]: a for a in
                   tenant.collections["deviceManagement/roleAssignments"]}
    assert set(entries) == {"Service desk - global", "Service desk - EMEA"}
    assert note.startswith("2 assignments.") and "by id" in note
    for name, text in entries.items():
        flat = " ".join(text.split())
        assignment = assignments[name]
        assert f"Members (groups) {group_names[assignment['members'][0]]}" in flat
        assert assignment["members"][0] not in flat
        for group in assignment["resourceScopes"]:
            assert group_names[group] in flat
    # by name, the id beside it (to copy, and to tell two tags of one name apart)
    assert "Scope tags Default (0)" in " ".join(entries["Service desk - global"].split())
    assert "Scope tags EMEA (1)" in " ".join(entries["Service desk - EMEA"].split())


async def test_y_on_the_assignments_copies_each_group_s_id_beside_its_name(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_role(pilot, app, wait_until, "Help Desk Operator")
        await pilot.press("y")  # on the Permissions tab: the role's own id, as before
        role_copy = app.clipboard
        detail.query_one("TabbedContent").active = "assignments"
        await wait_until(pilot, lambda: bool(detail.group_names))
        await pilot.press("y")
        await pilot.pause()
        copied = app.clipboard
        notes = [str(note.message) for note in app._notifications]
        tenant = app.session.fake.tenant
        group_names = app.session.fake.directory.groups()

    assert role_copy == detail.role_id
    assignments = [a for a in tenant.collections["deviceManagement/roleAssignments"]
                   if a["displayName"] in {"Service desk - global", "Service desk - EMEA"}]
    groups = dict.fromkeys(group for a in assignments
                           for group in (*a["members"], *a["resourceScopes"]))
    assert copied.splitlines() == [f"{group_names[group]}\t{group}" for group in groups]
    assert any(f"Copied the ids of {len(groups)} groups" in note for note in notes)


async def test_a_role_whose_assignments_fail_still_shows_its_permissions(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        app.session.fake.faults.fail_next(403, path_contains="/roleAssignments")
        detail = await open_role(pilot, app, wait_until, "Application Manager")
        permissions = widget_text(detail.query_one("#role-permissions"))
        detail.query_one("TabbedContent").active = "assignments"
        await pilot.pause()
        note = widget_text(detail.query_one("#assignments-note"))
    assert "Managed apps" in permissions
    assert note.startswith("Could not load the assignments:")


async def test_a_role_of_the_old_tenant_closes_when_the_tenant_changes(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_role(pilot, app, wait_until, "Read Only Operator")
        app.session_changed.publish(app.session)
        await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen))


async def open_help_desk_operator(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("4")
    await wait_until(pilot, list_loaded(app, RolesScreen))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RoleDetailScreen)
                     and app.screen.details is not None)
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24)])
def test_snapshot_role_detail(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=open_help_desk_operator)


async def test_a_role_has_the_detail_keys_but_no_list_to_filter(make_app, wait_until) -> None:
    """The keys every detail screen has (`]` next tab, `y` copy id, Esc back); `/` and `e` are
    not offered: no tab of a role holds a list."""
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await open_role(pilot, app, wait_until, "Help Desk Operator")
        keys = {binding.action for _node, binding, _enabled, _tooltip
                in detail.active_bindings.values()}
        await pilot.press("y")  # the role's id (on Assignments, `y` gives the groups' ids)
        await pilot.pause()
        copied = app.clipboard
        await pilot.press("right_square_bracket")
        await pilot.pause()
        tab = detail.query_one("TabbedContent").active
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, RolesScreen))
    assert {"back", "reload", "next_tab", "copy_id", "show_access"} <= keys
    assert not {"search", "export"} & keys
    assert tab == "assignments"
    assert copied == detail.role_id and copied
