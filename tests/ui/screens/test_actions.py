"""The `a` menu: only the actions of the device's platform, permissions from the token, nothing
in read-only mode, incremental consent only once an action is confirmed."""

from __future__ import annotations

from textual.widgets import Static

from intune_tui.intune.scopes import MANAGED_DEVICES_READ_WRITE, PRIVILEGED_OPERATIONS, READ_SCOPES
from intune_tui.ui.screens.actions import ActionsMenu
from intune_tui.ui.screens.confirm import BenignConfirm
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen

from .remote_action_support import (
    DEVICES,
    IOS_ESCAPES_ID,
    IOS_SUPERVISED_ID,
    WINDOWS_ID,
    action_posts,
    at_device,
    audit_lines,
    choose,
    messages,
    open_menu,
    settle,
)


def offered(menu: ActionsMenu) -> set[str]:
    return {entry.action.key for entry in menu.entries}


async def test_windows_device_gets_windows_actions_and_no_activation_lock(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        menu = await open_menu(pilot, app, wait_until)
        keys = offered(menu)
        assert {"syncDevice", "cleanWindowsDevice", "windowsDefenderQuickScan", "wipe",
                "retire", "rebootNow", "delete", "rotateBitLockerKeys",
                "initiateOnDemandProactiveRemediation"} <= keys
        # Microsoft's Windows tab lists neither Remote lock nor Reset passcode.
        assert not keys & {"remoteLock", "resetPasscode", "bypassActivationLock",
                           "enableLostMode"}


async def test_ios_device_gets_no_clean_windows_device(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, IOS_SUPERVISED_ID)
        menu = await open_menu(pilot, app, wait_until)
        keys = offered(menu)
        assert "cleanWindowsDevice" not in keys
        assert "windowsDefenderQuickScan" not in keys
        assert {"bypassActivationLock", "enableLostMode", "wipe"} <= keys
        # Benign first, the irreversible ones (wipe, delete) last.
        assert [entry.action.key for entry in menu.entries][-2:] == ["wipe", "delete"]


async def test_read_only_mode_opens_nothing_and_says_why(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES, read_only=True)
    # The notes shown are counted below: none may expire first (5 s by default, which a loaded
    # machine outlasted between the first note and the fourth count).
    app.NOTIFICATION_TIMEOUT = 600
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await pilot.press("a", "A", "space", "A")
        await pilot.pause()
        assert isinstance(app.screen, DevicesScreen)
        assert sum("Read-only mode" in message for message in messages(app)) == 3
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DeviceDetailScreen)
        assert sum("Read-only mode" in message for message in messages(app)) == 4
        assert action_posts(app) == []


async def test_actions_the_token_cannot_run_are_disabled_with_the_reason(
        make_app, wait_until) -> None:
    # A token given directly (the demo's) cannot ask for more consent: missing = forbidden.
    app = make_app(devices=DEVICES, scopes=(*READ_SCOPES, MANAGED_DEVICES_READ_WRITE))
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        menu = await open_menu(pilot, app, wait_until)
        enabled = {entry.action.key for entry in menu.entries if entry.enabled}
        disabled = {entry.action.key: entry.note for entry in menu.entries if not entry.enabled}
        # The seed lists these under ReadWrite.All, which the token holds.
        # Delete and Collect diagnostics document ManagedDevices.ReadWrite.All.
        assert enabled == {"locateDevice", "requestRemoteAssistance", "delete",
                           "createDeviceLogCollectionRequest"}
        assert PRIVILEGED_OPERATIONS in disabled["wipe"]
        # The highlighted disabled entry explains itself on screen.
        wipe_index = [entry.action.key for entry in menu.entries].index("wipe")
        menu.query_one("#actions-list").highlighted = wipe_index
        await pilot.pause()
        about = str(menu.query_one("#actions-about", Static).render())
        assert "cannot ask for" in about and PRIVILEGED_OPERATIONS in about
        # Enter on a disabled action does nothing.
        await pilot.press("enter")
        assert app.screen is menu
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert action_posts(app) == []


async def test_escape_in_the_menu_sends_nothing(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await open_menu(pilot, app, wait_until)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert action_posts(app) == [] and audit_lines(app) == []


async def test_double_enter_in_the_menu_lands_on_no(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await open_menu(pilot, app, wait_until)
        await pilot.press("enter", "enter")  # Sync chosen, then Enter on the focused "No"
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.pause(0.2)
        assert action_posts(app) == []


async def test_a_on_the_device_view_opens_the_same_menu(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, IOS_SUPERVISED_ID)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        menu = await open_menu(pilot, app, wait_until)
        assert "bypassActivationLock" in offered(menu)
        assert "Kiosk [/old]" in str(menu.query_one("#actions-devices", Static).render())


async def test_privileged_scope_is_requested_only_when_an_action_is_confirmed(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        provider = app.session.token_provider
        asked: list[tuple[str, ...]] = []
        original = provider.get_token

        async def recording(**kwargs):
            asked.append(tuple(kwargs.get("scopes") or ()))
            return await original(**kwargs)

        provider.get_token = recording
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "syncDevice")
        assert isinstance(app.screen, BenignConfirm)
        await pilot.press("n")
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "syncDevice")
        before_confirm = len(asked)
        assert before_confirm > 0  # the menu read the token's claims
        assert all(PRIVILEGED_OPERATIONS not in scopes for scopes in asked)
        await pilot.press("y")
        await settle(pilot, app, wait_until, 1)
        after = asked[before_confirm:]
        assert any(PRIVILEGED_OPERATIONS in scopes for scopes in after)
        assert len(action_posts(app)) == 1


async def test_a_pressed_twice_opens_one_menu(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await pilot.press("a", "a", "a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await pilot.pause(0.3)
        assert sum(isinstance(screen, ActionsMenu) for screen in app.screen_stack) == 1


LINUX_ID = "7f330faa-3bc0-42a6-a9d3-b551201fbcce"  # ubuntu-rosafisc-397


async def test_unsupervised_iphone_sees_supervised_actions_disabled_with_the_reason(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await at_device(pilot, app, wait_until, IOS_ESCAPES_ID)
        menu = await open_menu(pilot, app, wait_until)
        lines = {line.action.key: line for line in menu.entries}
        assert not lines["enableLostMode"].enabled
        assert lines["enableLostMode"].note == "Lost mode needs a supervised iOS/iPadOS device."
        assert lines["syncDevice"].enabled and lines["wipe"].enabled
        index = [line.action.key for line in menu.entries].index("enableLostMode")
        menu.query_one("#actions-list").highlighted = index
        await pilot.pause()
        about = str(menu.query_one("#actions-about", Static).render())
        assert "Not available: Lost mode needs a supervised iOS/iPadOS device." in about
        await pilot.press("enter")  # disabled: nothing happens
        assert app.screen is menu


async def test_linux_device_gets_no_action_and_the_reason(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(100, 40)) as pilot:
        await at_device(pilot, app, wait_until, LINUX_ID)
        menu = await open_menu(pilot, app, wait_until)
        assert menu.entries == []
        about = str(menu.query_one("#actions-about", Static).render())
        assert "lists no remote action for Linux devices" in about
        await pilot.press("enter", "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert action_posts(app) == []
