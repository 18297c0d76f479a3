"""The primary user on the device screen, `u` for all of their devices, and `:user NAME`."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.user_devices import UserDevicesScreen, UserPickScreen
from intune_tui.ui.widgets.detail import RowsPane

from .device_screen_support import open_tab
from .remote_action_support import at_device

LAPTOP_ID = "3ee9d80e-1689-47c4-9dbd-8029760df3f5"  # CONTOSO-LT-63219, primary user uma.murphy


def text_of(app: Any) -> str:
    return html.unescape(app.export_screenshot()).replace("\xa0", " ")


def writes(requests: list[Any]) -> list[Any]:
    """The POSTs that change something (Intune's reports are read with a POST too)."""
    return [r for r in requests if r.method == "POST"
            and not r.path.startswith("/beta/deviceManagement/reports/")]


def user_devices_loaded(app: Any) -> bool:
    return (isinstance(app.screen, UserDevicesScreen)
            and app.screen.query_one(RowsPane).table.empty_text != "Loading…"
            and "Loading" not in str(app.screen.query_one("#user-card").render()))


async def open_laptop(pilot: Any, app: Any, wait_until: Any) -> None:
    await at_device(pilot, app, wait_until, LAPTOP_ID)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))


async def test_u_lists_every_device_of_the_primary_user_from_graph(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_laptop(pilot, app, wait_until)
        fake = app.session.fake
        store = fake.tenant.devices
        owner = store.user[store.index_of(LAPTOP_ID)]
        upn = fake.tenant.users.upn[owner]
        expected = {store.id_of(i) for i in store.live_indices() if store.user[i] == owner}
        detail = app.screen
        await pilot.press("u")
        await wait_until(pilot, lambda: user_devices_loaded(app))
        shown = text_of(app)
        table = app.screen.query_one(RowsPane).table
        assert {row.key for row in table.visible_rows} == expected and len(expected) > 1
        assert "CONTOSO-LT-63219" in shown
        assert fake.tenant.users.display_name(owner) in shown
        assert any(request.params.get("$filter") == f"userPrincipalName eq '{upn}'"
                   for request in fake.requests)
        card = fake.directory.user_json(owner)
        assert card["jobTitle"] in shown and card["businessPhones"][0] in shown
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is detail)


async def test_the_users_tab_shows_the_primary_user_card(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_laptop(pilot, app, wait_until)
        fake = app.session.fake
        owner = fake.tenant.devices.user[fake.tenant.devices.index_of(LAPTOP_ID)]
        card = fake.directory.user_json(owner)
        await open_tab(pilot, app.screen, "users")
        await wait_until(pilot, lambda: card["department"] in text_of(app))
        shown = text_of(app)
        assert card["jobTitle"] in shown and card["userPrincipalName"] in shown


@pytest.mark.parametrize("typed", ["alice.smith", "Alice Smith"])
async def test_user_command_with_one_match_opens_their_devices(make_app, wait_until,
                                                                 typed: str) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "DevicesScreen")
        await pilot.press("colon", *f"user {typed}", "enter")
        await wait_until(pilot, lambda: user_devices_loaded(app))
        assert "Alice Smith" in text_of(app)


async def test_user_command_with_several_matches_lets_you_pick(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "DevicesScreen")
        await pilot.press("colon", *"user a", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, UserPickScreen)
                         and len(app.screen.users) > 1)
        first = app.screen.users[0]
        await pilot.press("enter")
        await wait_until(pilot, lambda: user_devices_loaded(app))
        assert first.user_principal_name in text_of(app)


async def test_user_command_without_a_match_says_so(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.screen.__class__.__name__ == "DevicesScreen")
        await pilot.press("colon", *"user zzzz", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, UserPickScreen) and "No user's name"
                         in str(app.screen.query_one("#user-pick-note").render()))


async def change_to_alice(pilot: Any, app: Any, wait_until: Any) -> Any:
    from intune_tui.ui.screens.confirm import DestructiveConfirm
    from intune_tui.ui.screens.user_devices import ChooseUserScreen

    await open_laptop(pilot, app, wait_until)
    detail = app.screen
    await pilot.press("U")
    await wait_until(pilot, lambda: isinstance(app.screen, ChooseUserScreen))
    await pilot.press(*"alice.smith", "enter")
    await wait_until(pilot, lambda: bool(app.screen.users))
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DestructiveConfirm))
    return detail


async def test_change_primary_user_is_confirmed_sent_once_and_audited(
        make_app, wait_until) -> None:
    from .remote_action_support import audit_lines

    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await change_to_alice(pilot, app, wait_until)
        fake = app.session.fake
        alice_id = fake.tenant.users.id_of(0)
        shown = text_of(app)
        assert "Change primary user to Alice Smith" in shown and "destructive" in shown
        assert "CONTOSO-LT-63219" in shown and "uma.murphy" in shown  # device and current user
        assert alice_id[:8] in shown and "$ref" in shown  # the exact request and body
        await pilot.press("tab", "enter", "enter", "enter")
        await wait_until(pilot, lambda: app.screen is detail and any(
            line["phase"] == "result" for line in audit_lines(app)))
        posts = writes(fake.requests)
        assert [r.path for r in posts] == [
            f"/beta/deviceManagement/managedDevices/{LAPTOP_ID}/users/$ref"]
        assert posts[0].json["@odata.id"].endswith(f"/beta/users/{alice_id}")
        store = fake.tenant.devices
        assert store.user[store.index_of(LAPTOP_ID)] == 0
        lines = audit_lines(app)
        assert [line["phase"] for line in lines] == ["attempt", "result"]
        assert lines[0]["action"] == "changePrimaryUser" and lines[1]["outcome"] == "succeeded"
        assert lines[0]["options"]["userPrincipalName"] == fake.tenant.users.upn[0]
        await wait_until(pilot, lambda: "alice.smith" in text_of(app))  # the device re-read


async def test_cancel_sends_nothing(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        detail = await change_to_alice(pilot, app, wait_until)
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is detail)
        await pilot.pause(0.2)
        assert not writes(app.session.fake.requests)


async def test_read_only_mode_refuses(make_app, wait_until) -> None:
    from .remote_action_support import messages

    app = make_app(devices=300, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_laptop(pilot, app, wait_until)
        await pilot.press("U")
        await wait_until(pilot, lambda: any("Read-only" in m for m in messages(app)))
        assert isinstance(app.screen, DeviceDetailScreen)


async def test_the_groups_tab_names_the_device_and_user_groups(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_laptop(pilot, app, wait_until)
        fake = app.session.fake
        store = fake.tenant.devices
        index = store.index_of(LAPTOP_ID)
        groups = fake.directory.groups()
        device_groups = [groups[g] for g in fake.directory.device_groups(index)]
        user_groups = [groups[g] for g in fake.directory.user_groups(store.user[index])]
        await open_tab(pilot, app.screen, "groups")
        await wait_until(pilot, lambda: device_groups[0] in text_of(app))
        shown = text_of(app)
    assert all(name in shown for name in device_groups + user_groups)
    assert f"This device's groups ({len(device_groups)})" in shown


async def test_enter_on_a_failing_profile_shows_its_setting_states(make_app, wait_until) -> None:
    from intune_tui.ui.screens.setting_states import SettingStatesScreen

    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_laptop(pilot, app, wait_until)
        detail = app.screen
        await open_tab(pilot, detail, "configuration")
        pane = detail.query_one("#configuration-pane", RowsPane)
        await wait_until(pilot, lambda: pane.table.rows_count > 0)
        index = next(i for i, row in enumerate(pane.table.visible_rows)
                     if row.item.get("state") == "conflict")
        pane.table.focus()
        pane.table.move_cursor(index)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingStatesScreen))
        await pilot.pause(0.2)
        shown = text_of(app)
    assert "Why is this profile failing" in shown
    assert "Conflicting settings from another" in shown  # the error description, wrapped
    assert "code -2016281211" in shown
    assert "Windows - custom OMA-URI (legacy proxy) on CONTOSO-LT-63219: Conflict" in shown


async def test_the_apps_tab_lists_managed_apps_failing_first(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_laptop(pilot, app, wait_until)
        await open_tab(pilot, app.screen, "apps")
        await wait_until(pilot, lambda: "Managed apps (" in text_of(app))
        shown = text_of(app)
    assert "failing)" in shown and "Failed to install" in shown
    assert shown.index("Failed to install") < shown.index("· Installed")
    assert "Discovered apps" in shown


async def test_a_failing_managed_app_shows_its_error_code(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_laptop(pilot, app, wait_until)
        await open_tab(pilot, app.screen, "apps")
        await wait_until(pilot, lambda: "Managed apps (" in text_of(app))
        # the list paints first, the failing apps' codes follow
        await wait_until(pilot, lambda: re.search(r">\s+0x[0-9A-F]{8}", text_of(app)) is not None)
        shown = text_of(app)
    # the code (hex, and its words when documented) right under the first failing app
    assert re.search(r"Failed to install[^·]*?>\s+0x[0-9A-F]{8}(: \w|<)", shown)


async def test_side_tabs_load_from_the_list_row_without_waiting_for_the_device_get(
        make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, LAPTOP_ID)
        fake = app.session.fake
        # The device's own GET (v1.0; its scope tags are read on beta) is the first request
        # after Enter for this path: hold it until the side reads have answered.
        own_get = f"/v1.0/deviceManagement/managedDevices/{LAPTOP_ID}"
        released = fake.faults.hold_next(path_contains=own_get)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        detail = app.screen

        owner = fake.tenant.devices.user[fake.tenant.devices.index_of(LAPTOP_ID)]
        user_id = fake.tenant.users.id_of(owner)
        wanted = ("/informationProtection/bitlocker/recoveryKeys", "/transitiveMemberOf",
                  f"/users/{user_id}/mobileAppIntentAndStates", f"/users/{user_id}")

        def side_reads_answered() -> bool:
            paths = [r.path for r in fake.requests]
            return all(any(needle in path for path in paths) for needle in wanted)

        await wait_until(pilot, side_reads_answered)
        answered = [r.path for r in fake.requests]
        released.set()
        await open_tab(pilot, detail, "users")
        await wait_until(pilot, lambda: fake.tenant.users.display_name(owner) in text_of(app))
    # every side read was answered while the device's own GET was still held
    assert own_get not in answered
