"""Regenerate every screenshot in screenshots/ from the demo tenant.

    .venv/bin/python tests/make_screenshots.py              # every scene, 120x40
    .venv/bin/python tests/make_screenshots.py help signin  # only these scenes
    .venv/bin/python tests/make_screenshots.py --list       # scene names and what they show
    .venv/bin/python tests/make_screenshots.py --keys       # print the key map (README table)
    .venv/bin/python tests/make_screenshots.py --readme     # rewrite the key map and the
                                                            # configuration reference in README.md

Each scene drives the real app headless with the keys a person would press, on the seeded
300-device demo tenant, with the demo clock frozen, no cursor blink and config/data directories
in a throw-away folder (your own config.toml and audit file are never read). Running it twice
gives byte-identical SVGs.

The same scenes are the snapshot tests in tests/ui/test_snapshots.py (at 80x24 and 120x40): the
README's pictures and the tests cannot drift apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, OptionList
from waiting import wait_until

from intune_tui import audit as audit_module
from intune_tui.audit import ChainKey, link_of, sealed_line
from intune_tui.auth.flows import DeviceCodeFlow
from intune_tui.config import SETTINGS, VIEW_KEYS, Settings, SettingSpec, load_settings
from intune_tui.list_columns import TABLE_KEYS as COLUMNS_KEYS
from intune_tui.session import demo_session
from intune_tui.ui.app import IntuneApp

REPO = Path(__file__).resolve().parent.parent
SCREENSHOTS = REPO / "screenshots"
SIZE = (120, 40)
DEVICES = 300
# Devices of the seeded 300-device demo tenant the scenes open.
WINDOWS_DEVICE = "CONTOSO-DT-91956"  # Windows, compliant, every Windows action applies
NONCOMPLIANT_DEVICE = "DESKTOP-GW28D86"  # Windows, non-compliant: the "why?" story
ACTED_ON_DEVICE = "CONTOSO-LT-56414"  # a passcode reset that failed, in its action history
PERSONAL_ANDROID = "Sara-Galaxy-S918B-445"  # personally owned: corporate-only actions disabled
RECOVERY_DEVICE = "CONTOSO-LT-63219"  # Windows: a BitLocker key and three LAPS backups
CATALOG_DEVICE = "CONTOSO-DT-44835"  # Windows: its Defender baseline (settings catalog) in Error
# The audit screen shows where its file is: one fixed place, so the picture is the same anywhere.
AUDIT_SCENE_DATA_DIR = Path("/tmp/intune-tui-demo/data")
PATIENCE = 15.0  # seconds a scene waits for the demo tenant before it gives up

Driver = Callable[[Pilot[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    """One picture: the app in a state a person reaches with keys."""

    name: str
    title: str
    drive: Driver
    settings: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Settings], None] | None = None


# -- waiting --------------------------------------------------------------------------------------


async def wait_for(pilot: Pilot[Any], ready: Callable[[], bool], what: str) -> None:
    await wait_until(pilot, ready, PATIENCE, what=what)


def screen_is(pilot: Pilot[Any], class_name: str) -> bool:
    return type(pilot.app.screen).__name__ == class_name


def list_complete(pilot: Pilot[Any], class_name: str) -> bool:
    screen = pilot.app.screen
    return screen_is(pilot, class_name) and bool(getattr(screen, "_complete", False))


async def settle(pilot: Pilot[Any]) -> None:
    """Let timers, animations and late layout finish before the picture is taken."""
    await pilot.pause(0.2)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def detail_tabs_loaded(pilot: Pilot[Any]) -> bool:
    """The tab shown is built, every read of the screen (device, app or policy detail) has
    answered and every list built is loaded (a hidden tab is built when it is first opened,
    from what its reads brought)."""
    from textual.widgets import TabbedContent

    from intune_tui.ui.widgets.detail import RowsPane
    from intune_tui.ui.widgets.resource_table import ResourceTable

    app: Any = pilot.app
    screen = app.screen
    tabs = screen.query_one(TabbedContent)

    def loaded(pane: RowsPane) -> bool:
        # A pane of a tab being built may not have composed its table yet.
        tables = pane.query(ResourceTable)
        return bool(tables) and tables.first().empty_text != "Loading…"

    return (bool(tabs.active) and bool(tabs.get_pane(tabs.active).children)
            and not any(job.key.startswith(("device:", "app:", "detail:"))
                        for job in app._jobs.values())
            and all(loaded(pane) for pane in screen.query(RowsPane)))


# -- steps ----------------------------------------------------------------------------------------


async def devices_loaded(pilot: Pilot[Any]) -> None:
    await wait_for(pilot, lambda: list_complete(pilot, "DevicesScreen"), "the devices list")


async def area(pilot: Pilot[Any], key: str, screen_class: str) -> None:
    """Press an area's number key and wait for its list."""
    await devices_loaded(pilot)
    await pilot.press(key)
    await wait_for(pilot, lambda: list_complete(pilot, screen_class), f"the {screen_class}")


async def paste(pilot: Pilot[Any], text: str) -> None:
    """`text` pasted into the focused input, as a terminal hands a paste to the app."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def find_device(pilot: Pilot[Any], name: str) -> None:
    """`/`, NAME pasted, Enter: the list narrows to the device and the cursor sits on it.
    Pasted as a helpdesk pastes a name from a ticket (typing it narrowed and redrew the list at
    every key, ~0.25 s of CPU a scene; tests/ui/screens/test_devices.py types searches)."""
    await devices_loaded(pilot)
    await pilot.press("slash")
    await paste(pilot, name)
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen.table.cursor_row is not None
                   and pilot.app.screen.table.cursor_row.cells[0] == name, f"device {name}")


async def open_device(pilot: Pilot[Any], name: str, key: str = "enter") -> None:
    await find_device(pilot, name)
    await pilot.press(key)
    await wait_for(pilot, lambda: screen_is(pilot, "DeviceDetailScreen")
                   and detail_tabs_loaded(pilot), f"the detail of {name}")


async def to_tab(pilot: Pilot[Any], tab_id: str) -> None:
    """← or → along the open device's tab bar (it has the keys) to `tab_id`, the shorter way
    round: the bar wraps, and each tab passed on the way is built (~0.1 s of CPU). The bar's
    labels are all there from the first frame; the tabs' panes are not (each is made when
    first shown)."""
    from textual.widgets import TabbedContent

    from intune_tui.ui.widgets.tab_bar import TabBar

    bar = pilot.app.screen.query_one(TabBar)
    ids = [tab.tab_id for tab in bar.tabs]
    ahead = (ids.index(tab_id) - ids.index(bar.active)) % len(ids)
    if ahead <= len(ids) - ahead:
        await pilot.press(*["right"] * ahead)
    else:
        await pilot.press(*["left"] * (len(ids) - ahead))
    tabs = pilot.app.screen.query_one(TabbedContent)
    await wait_for(pilot, lambda: tabs.active == tab_id and detail_tabs_loaded(pilot),
                   f"the {tab_id} tab")


async def actions_menu(pilot: Pilot[Any], device: str = WINDOWS_DEVICE) -> None:
    await find_device(pilot, device)
    await pilot.press("a")
    await wait_for(pilot, lambda: screen_is(pilot, "ActionsMenu"), "the actions menu")


async def choose_action(pilot: Pilot[Any], label: str) -> None:
    """In the open actions menu, go to `label` and press Enter: the highlight is set on the
    entry above it and the arrow key takes the last step (each arrow key redraws the menu;
    one per entry above cost the snapshot tests ~1 s of CPU, 2026-12-07)."""
    menu: Any = pilot.app.screen
    target = [entry.label for entry in menu.entries].index(label)
    if target > 0:
        menu.query_one(OptionList).highlighted = target - 1
        await pilot.press("down")
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen is not menu, f"the {label} confirmation")


def stop_cursor_blink(app: Any) -> None:
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


# -- scenes ---------------------------------------------------------------------------------------


async def devices(pilot: Pilot[Any]) -> None:
    await devices_loaded(pilot)
    await settle(pilot)


async def device_overview(pilot: Pilot[Any]) -> None:
    await open_device(pilot, WINDOWS_DEVICE)
    await settle(pilot)


async def device_compliance(pilot: Pilot[Any]) -> None:
    """`w` on a non-compliant device: its compliance tab, cursor on the failing policy."""
    await find_device(pilot, NONCOMPLIANT_DEVICE)
    await pilot.press("w")
    await wait_for(pilot, lambda: screen_is(pilot, "DeviceDetailScreen")
                   and detail_tabs_loaded(pilot), "the compliance tab")
    await settle(pilot)


async def setting_states(pilot: Pilot[Any]) -> None:
    """…and Enter on the failing policy: which settings fail, and why."""
    await device_compliance(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_is(pilot, "SettingStatesScreen")
                   and getattr(pilot.app.screen, "_complete", True), "the setting states")
    await settle(pilot)


async def catalog_settings(pilot: Pilot[Any]) -> None:
    """Config tab (]]), Enter on a settings-catalog profile in Error: each setting's state, error
    code and the value the profile sets, in the words of the setting's definition."""
    from intune_tui.ui.widgets.detail import RowsPane

    await open_device(pilot, CATALOG_DEVICE)
    await pilot.press("right_square_bracket", "right_square_bracket")
    pane = pilot.app.screen.query_one("#configuration-pane", RowsPane)

    def failing_profile() -> int | None:
        return next((index for index, row in enumerate(pane.table.visible_rows)
                     if row.item.get("state") == "error" and "Settings catalog" in row.cells),
                    None)

    await wait_for(pilot, lambda: failing_profile() is not None, "the settings-catalog profiles")
    pane.table.focus()
    pane.table.move_cursor(failing_profile())
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_is(pilot, "CatalogSettingsScreen") and "Loading" not in
                   str(pilot.app.screen.query_one("#catalog-settings").render()),
                   "the profile's settings")
    await settle(pilot)


async def device_recovery_tab(pilot: Pilot[Any]) -> None:
    """The Recovery tab (k) of a Windows laptop: BitLocker key and LAPS password, both masked."""
    from intune_tui.ui.widgets.recovery import RecoveryPanel

    await open_device(pilot, RECOVERY_DEVICE)
    await pilot.press("k")
    await wait_for(pilot, lambda: bool(pilot.app.screen.query_one(RecoveryPanel).items),
                   "the recovery secrets")
    await settle(pilot)


async def device_groups_tab(pilot: Pilot[Any]) -> None:
    """The Groups tab: the device's Entra groups and its primary user's, by name."""
    await open_device(pilot, RECOVERY_DEVICE)
    await to_tab(pilot, "groups")
    await wait_for(pilot, lambda: "groups (" in str(
        pilot.app.screen.query_one("#groups-view").render()), "the device's groups")
    await settle(pilot)


async def device_apps_tab(pilot: Pilot[Any]) -> None:
    """The Apps tab: the managed apps targeted at the device or its user, failing first, a
    failing app's error code in words, then the discovered apps."""
    import re

    await open_device(pilot, RECOVERY_DEVICE)
    await to_tab(pilot, "apps")
    await wait_for(pilot, lambda: detail_tabs_loaded(pilot) and re.search(
        r"0x[0-9A-F]{8}", str(pilot.app.screen.query_one("#managed-apps").render())) is not None,
        "the device's managed apps and a failing app's error code")
    await settle(pilot)


async def user_devices(pilot: Pilot[Any]) -> None:
    """`u` on a device: its primary user's card and every device of theirs (Graph-filtered)."""
    from intune_tui.ui.widgets.detail import RowsPane

    await open_device(pilot, RECOVERY_DEVICE)
    await pilot.press("u")
    await wait_for(pilot, lambda: screen_is(pilot, "UserDevicesScreen")
                   and pilot.app.screen.query_one(RowsPane).table.empty_text != "Loading…"
                   and "Loading" not in str(pilot.app.screen.query_one("#user-card").render()),
                   "the user's devices")
    await settle(pilot)


async def device_actions_tab(pilot: Pilot[Any]) -> None:
    """The Actions tab (history and tracking): the tab bar has the focus, ← from Overview
    wraps round to it."""
    await open_device(pilot, ACTED_ON_DEVICE)
    await to_tab(pilot, "actions")
    await settle(pilot)


async def actions(pilot: Pilot[Any]) -> None:
    await actions_menu(pilot)
    await settle(pilot)


async def confirm_benign(pilot: Pilot[Any]) -> None:
    await actions_menu(pilot)
    await choose_action(pilot, "Sync")
    await settle(pilot)


async def confirm_destructive(pilot: Pilot[Any]) -> None:
    await actions_menu(pilot)
    await choose_action(pilot, "Restart")
    await settle(pilot)


async def actions_disabled(pilot: Pilot[Any]) -> None:
    """A personally owned Android phone: the corporate-only actions are listed, disabled, and
    the highlighted one says why."""
    await actions_menu(pilot, PERSONAL_ANDROID)
    menu: Any = pilot.app.screen
    labels = [entry.label for entry in menu.entries]
    for _ in range(labels.index("Locate device")):
        await pilot.press("down")
    await settle(pilot)


async def confirm_remediation(pilot: Pilot[Any]) -> None:
    """Run remediation: the tenant's script packages read from Graph, the first one chosen."""
    from textual.widgets import Select

    await actions_menu(pilot)
    await choose_action(pilot, "Run remediation")
    select: Any = pilot.app.screen.query_one(Select)
    await wait_for(pilot, lambda: select.prompt == "Choose a script", "the remediation scripts")
    await pilot.press("enter", "down", "enter")
    await wait_for(pilot, lambda: isinstance(select.value, str), "a chosen script")
    await settle(pilot)


async def confirm_notification(pilot: Pilot[Any]) -> None:
    """Send custom notification: a title and a message, within Intune's 50/500 characters.
    Pasted, as a helpdesk pastes a prepared notice (typed, each of the 51 keys redrew the dialog:
    ~0.6 s of CPU; tests/ui/screens/test_confirm.py types them). The message's first letter is
    typed: Textual's Input (8.2.8) keeps its view still on the first change of an empty field,
    so a paste wider than the field as the first change leaves the cursor out of view."""
    await actions_menu(pilot, PERSONAL_ANDROID)
    await choose_action(pilot, "Send custom notification")
    await paste(pilot, "IT notice")
    message = "Please restart today to finish the update."
    await pilot.press("tab", message[0])
    await paste(pilot, message[1:])
    stop_cursor_blink(pilot.app)
    await settle(pilot)


async def confirm_irreversible(pilot: Pilot[Any]) -> None:
    """Wipe: options chosen with the keyboard, the device name typed, Wipe ready. The name is
    pasted (typed, each key redrew the dialog; tests/ui/screens/test_confirm.py types it)."""
    await actions_menu(pilot)
    await choose_action(pilot, "Wipe")
    await pilot.press("right", "enter", "tab", "enter", "tab")
    await paste(pilot, WINDOWS_DEVICE)
    stop_cursor_blink(pilot.app)
    await settle(pilot)


async def quit_while_sending(pilot: Pilot[Any]) -> None:
    """`q` while a Sync is still on the wire (the fake Graph holds its answer for a few
    seconds): the app asks instead of quitting, and never cancels the POST."""
    await actions_menu(pilot)
    # Held until the app goes away: the picture never shows the answer's notification.
    pilot.app.session.fake.faults.hold_next(path_contains="/syncDevice", at_most=3.0)
    await choose_action(pilot, "Sync")
    await pilot.press("y", "q")
    await wait_for(pilot, lambda: screen_is(pilot, "QuitWhileSending"), "the quit question")
    await settle(pilot)


async def bulk(pilot: Pilot[Any]) -> None:
    """Five devices marked with space, `A`, Sync: the preview before anything is sent."""
    await devices_loaded(pilot)
    for _ in range(5):
        await pilot.press("space")  # marks and moves down
    await pilot.press("A")
    await wait_for(pilot, lambda: screen_is(pilot, "ActionsMenu"), "the bulk actions menu")
    await choose_action(pilot, "Sync")
    await wait_for(pilot, lambda: screen_is(pilot, "BulkActionScreen"), "the bulk preview")
    await settle(pilot)


def write_audit_file(settings: Settings) -> None:
    """Earlier attempts, chained as the app writes them (fixed ids and times, so the picture
    holds still): a sync the device finished, a lock Intune accepted, a wipe whose answer never
    came, and a result for that wipe appended by hand afterwards, which breaks the chain."""
    records: list[dict[str, Any]] = []
    attempts = (
        ("a1", "2026-11-20T08:41:07Z", "syncDevice", "succeeded", 204, {}, "done"),
        ("a2", "2026-11-20T08:47:55Z", "remoteLock", "succeeded", 204, {}, None),
        ("a3", "2026-11-20T08:52:30Z", "wipe", None, None,
         {"keepEnrollmentData": False, "keepUserData": True}, None),
    )
    for attempt_id, time, action, outcome, status, options, settled in attempts:
        records.append({"phase": "attempt", "attempt_id": attempt_id * 16, "time": time,
                        "tenant": "Contoso Demo (demo tenant)",
                        "operator": "helpdesk@contoso-demo.onmicrosoft.com", "action": action,
                        "device_id": "c3c8756d-70ff-4078-892d-f05e7f2ea3cc",
                        "device_name": WINDOWS_DEVICE, "serial": "9490-4390-1554",
                        "options": options})
        if outcome is not None:
            records.append({"phase": "result", "attempt_id": attempt_id * 16, "time": time,
                            "outcome": outcome, "http_status": status,
                            "request_id": f"{attempt_id}000000-0000-4000-8000-000000000000",
                            "error": None})
        if settled is not None:
            records.append({"phase": "settled", "attempt_id": attempt_id * 16, "time": time,
                            "state": settled, "detail": None})
    lines: list[bytes] = []
    for seq, record in enumerate(records, start=1):
        chained = {**record, "seq": seq, "prev": link_of(lines[-1] if lines else b"", None),
                   "alg": "sha256", "key_id": None}
        lines.append(sealed_line(chained, None))
    forged = {"phase": "result", "attempt_id": "a3" * 16, "time": "2026-11-20T08:52:31Z",
              "outcome": "succeeded", "http_status": 204, "request_id": None, "error": None}
    lines.append(json.dumps(forged).encode())
    settings.audit_path.parent.mkdir(parents=True, exist_ok=True)
    # One fixed path (the picture shows it) that other runs may write at the same time: whole
    # files only, never one half-written.
    staged = settings.audit_path.with_name(f"{settings.audit_path.name}.{os.getpid()}.tmp")
    staged.write_bytes(b"".join(line + b"\n" for line in lines))
    os.replace(staged, settings.audit_path)
    settings.audit_path.with_name(settings.audit_path.name + ".head").unlink(missing_ok=True)


async def audit(pilot: Pilot[Any]) -> None:
    await devices_loaded(pilot)
    await pilot.press("colon", *"audit", "enter")
    await wait_for(pilot, lambda: screen_is(pilot, "AuditScreen"), "the audit")
    await wait_for(pilot, lambda: pilot.app.screen.query_one("#audit-local-table").rows_count > 0,
                   "the audit file read and verified")
    await pilot.pause(0.3)
    await settle(pilot)


async def requests(pilot: Pilot[Any]) -> None:
    """`:requests` once the devices list is in: its Graph calls, newest first, one in detail."""
    await devices_loaded(pilot)
    await pilot.press("colon", *"requests", "enter")
    await wait_for(pilot, lambda: screen_is(pilot, "RequestLogScreen"), "the request log")
    await settle(pilot)


async def apps(pilot: Pilot[Any]) -> None:
    await area(pilot, "2", "AppsScreen")
    await settle(pilot)


async def app_detail(pilot: Pilot[Any]) -> None:
    await area(pilot, "2", "AppsScreen")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_is(pilot, "AppDetailScreen")
                   and detail_tabs_loaded(pilot), "the app detail")
    await settle(pilot)


async def policies(pilot: Pilot[Any]) -> None:
    await area(pilot, "3", "PoliciesScreen")
    await settle(pilot)


async def policy_detail(pilot: Pilot[Any]) -> None:
    await area(pilot, "3", "PoliciesScreen")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_is(pilot, "PolicyDetailScreen")
                   and detail_tabs_loaded(pilot), "the policy detail")
    await settle(pilot)


async def roles(pilot: Pilot[Any]) -> None:
    await area(pilot, "4", "RolesScreen")
    await settle(pilot)


async def role_detail(pilot: Pilot[Any]) -> None:
    await area(pilot, "4", "RolesScreen")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_is(pilot, "RoleDetailScreen")
                   and getattr(pilot.app.screen, "details", None) is not None, "the role")
    await settle(pilot)


async def health(pilot: Pilot[Any]) -> None:
    await area(pilot, "5", "HealthScreen")
    await settle(pilot)


async def access(pilot: Pilot[Any]) -> None:
    await devices_loaded(pilot)
    await pilot.press("colon", *"access", "enter")
    await wait_for(pilot, lambda: screen_is(pilot, "AccessScreen")
                   and bool(getattr(pilot.app.screen, "claims", None))
                   and getattr(pilot.app.screen, "access", None) is not None, "my access")
    await settle(pilot)


async def columns(pilot: Pilot[Any]) -> None:
    """`c` on the devices list: OS hidden, OS version made wider, not kept yet."""
    await devices_loaded(pilot)
    await pilot.press("c")
    await wait_for(pilot, lambda: screen_is(pilot, "ColumnChooser"), "the column chooser")
    await pilot.press("down", "down", "space", "down", "plus", "plus")
    await settle(pilot)


async def help_keys(pilot: Pilot[Any]) -> None:
    await devices_loaded(pilot)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: screen_is(pilot, "HelpScreen"), "the help")
    await settle(pilot)


async def command_line(pilot: Pilot[Any]) -> None:
    """`:` and two letters: the completion shows in grey; Tab or → takes it."""
    await devices_loaded(pilot)
    await pilot.press("colon", "p", "o")
    await wait_for(pilot, lambda: screen_is(pilot, "CommandLine"), "the command line")
    stop_cursor_blink(pilot.app)
    await settle(pilot)


async def palette(pilot: Pilot[Any]) -> None:
    """ctrl+p, "exp": this list's export commands next to the app's."""
    await devices_loaded(pilot)
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: screen_is(pilot, "CommandPalette"), "the palette")
    await pilot.press(*"exp")
    stop_cursor_blink(pilot.app)
    await pilot.pause(0.5)
    await settle(pilot)


SIGN_IN_STARTED = 1_800_000_000.0


def fake_device_code() -> DeviceCodeFlow:
    """A device code sign-in as Entra hands it out; the code is made up and nothing polls."""
    return DeviceCodeFlow(
        verification_uri="https://microsoft.com/devicelogin",
        user_code="GJ8XNPQ2E",
        message="To sign in, open https://microsoft.com/devicelogin and enter GJ8XNPQ2E.",
        expires_at=SIGN_IN_STARTED + 900,
        interval=5,
        tenant_label="contoso.onmicrosoft.com",
        msal_flow={},
        clock=lambda: SIGN_IN_STARTED,
    )


async def signin(pilot: Pilot[Any]) -> None:
    from intune_tui.ui.screens.signin import SignInScreen

    await devices_loaded(pilot)
    await pilot.app.push_screen(SignInScreen(fake_device_code(), clock=lambda: SIGN_IN_STARTED))
    await wait_for(pilot, lambda: screen_is(pilot, "SignInScreen"), "the sign-in")
    await settle(pilot)


OFFBOARD_SERIALS = ("9490-4390-1554", "5CGGVYLUC0", "NOT-A-SERIAL")  # two of the demo's, one not


def keys_listed(pilot: Pilot[Any]) -> bool:
    """The offboarding plan is built and every recovery key is listed (masked)."""
    screen = pilot.app.screen
    return getattr(screen, "plan", None) is not None and not any(
        "Loading" in str(note.render()) for note in screen.query("#recovery-note"))


async def offboard_plan(pilot: Pilot[Any]) -> None:
    """`:offboard`, three pasted serials, ctrl+l: the plan, then the masked recovery keys."""
    await devices_loaded(pilot)
    await pilot.press("colon", *"offboard", "enter")
    await wait_for(pilot, lambda: screen_is(pilot, "OffboardScreen"), "the offboarding screen")
    pilot.app.screen.query_one("#offboard-input").text = "\n".join(OFFBOARD_SERIALS)
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: keys_listed(pilot), "the plan and its recovery keys")
    pilot.app.screen.query_one("#offboard-output").scroll_end(animate=False)
    await settle(pilot)


async def offboard_report(pilot: Pilot[Any]) -> None:
    """The plan above, confirmed by typing its count and ctrl+r: the report of every step."""
    await offboard_plan(pilot)
    count = len(pilot.app.screen.plan.devices)  # type: ignore[attr-defined]
    pilot.app.screen.query_one("#offboard-confirm").focus()
    await pilot.press(*str(count), "ctrl+r")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "result", None) is not None,
                   "the report")
    pilot.app.screen.query_one("#offboard-output").scroll_home(animate=False)
    await settle(pilot)


async def stale_view(pilot: Pilot[Any]) -> None:
    """`:stale 90`: by platform, each candidate's last sync, the left-out devices, the plan."""
    await devices_loaded(pilot)
    await pilot.press("colon", *"stale 90", "enter")
    await wait_for(pilot, lambda: screen_is(pilot, "OffboardScreen") and keys_listed(pilot),
                   "the stale view")
    await settle(pilot)


async def autopilot_edit(pilot: Pilot[Any]) -> None:
    """ctrl+t after the lookup, a new group tag, ctrl+l: the preview per identity."""
    await devices_loaded(pilot)
    await pilot.press("colon", *"offboard", "enter")
    await wait_for(pilot, lambda: screen_is(pilot, "OffboardScreen"), "the offboarding screen")
    pilot.app.screen.query_one("#offboard-input").text = "\n".join(OFFBOARD_SERIALS[:2])
    await pilot.press("ctrl+l")
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "plan", None) is not None,
                   "the lookup")
    await pilot.press("ctrl+t")
    await wait_for(pilot, lambda: screen_is(pilot, "AutopilotEditScreen"), "the Autopilot edit")
    pilot.app.screen.query_one("#autopilot-group-tag").value = "Spares"
    await pilot.press("ctrl+l")
    await settle(pilot)


SCENES: tuple[Scene, ...] = (
    Scene("devices", "Devices", devices),
    Scene("device-overview", "Device detail: overview", device_overview),
    Scene("device-compliance", "Device detail: why non-compliant (w)", device_compliance),
    Scene("setting-states", "Failing settings of a compliance policy", setting_states),
    Scene("catalog-settings", "A settings-catalog profile in Error on a device, in words",
          catalog_settings),
    Scene("device-actions-tab", "Device detail: remote actions history", device_actions_tab),
    Scene("device-recovery", "Device detail: BitLocker key and LAPS password, masked (k)",
          device_recovery_tab),
    Scene("device-groups", "Device detail: its Entra groups and its user's, by name",
          device_groups_tab),
    Scene("device-apps", "Device detail: managed apps, failing first, the error in words",
          device_apps_tab),
    Scene("user-devices", "A user's card and all their devices (u on a device, :user NAME)",
          user_devices),
    Scene("actions-menu", "Remote actions menu (a)", actions),
    Scene("confirm-benign", "Benign action: y/n, No focused", confirm_benign),
    Scene("confirm-destructive", "Destructive action: device, user, serial, tenant",
          confirm_destructive),
    Scene("confirm-irreversible", "Irreversible action: options and the name typed",
          confirm_irreversible),
    Scene("actions-disabled", "Actions that do not apply to this device, with the reason",
          actions_disabled),
    Scene("confirm-remediation", "Run remediation: choose the script package",
          confirm_remediation),
    Scene("confirm-notification", "Send custom notification: title and message",
          confirm_notification),
    Scene("bulk", "Bulk action preview (space to mark, A)", bulk),
    Scene("quit-while-sending", "Quitting while an action is on the wire asks first",
          quit_while_sending),
    Scene("audit", "Audit of remote actions (:audit)", audit, prepare=write_audit_file,
          settings={"data_dir": AUDIT_SCENE_DATA_DIR}),
    Scene("requests", "Every Graph call of the session, copied as curl or PowerShell (:requests)",
          requests),
    Scene("offboard-plan", "Offboarding plan, recovery keys masked before confirming (:offboard)",
          offboard_plan, settings={"bulk_destructive_cap": 4}),
    Scene("offboard-report", "Offboarding report: each step's outcome, after the typed count",
          offboard_report, settings={"bulk_destructive_cap": 4}),
    Scene("stale-view", "Devices not synced for 90 days, by platform (:stale 90)", stale_view,
          settings={"bulk_destructive_cap": 4}),
    Scene("autopilot-edit", "Autopilot group tag / user, previewed (ctrl+t in :offboard)",
          autopilot_edit),
    Scene("apps", "Apps", apps),
    Scene("app-detail", "App detail", app_detail),
    Scene("policies", "Policies", policies),
    Scene("policy-detail", "Policy detail", policy_detail),
    Scene("roles", "Intune roles", roles),
    Scene("role-detail", "Role detail", role_detail),
    Scene("access", "My access (:access)", access),
    Scene("health", "Tenant health", health),
    Scene("columns", "Columns of a list: show, hide, reorder, widths (c)", columns),
    Scene("help", "Keys of the current screen (?)", help_keys),
    Scene("command-line", "Command line with completion (:)", command_line),
    Scene("palette", "Command palette (ctrl+p)", palette),
    Scene("signin", "Sign-in with a device code", signin),
)
SCENES_BY_NAME = {scene.name: scene for scene in SCENES}


# -- the key map, from the real bindings ----------------------------------------------------------

# (heading, module, class): where each group of keys lives, in the order a user meets them.
KEYMAP_SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("Everywhere", "intune_tui.ui.app", "IntuneApp"),
    ("Every list (devices, apps, policies, roles, tenant health)",
     "intune_tui.ui.screens.resource_list", "ResourceListScreen"),
    ("Moving in a table (lists and the lists inside detail tabs)",
     "intune_tui.ui.widgets.resource_table", "ResourceTable"),
    ("Devices", "intune_tui.ui.screens.devices", "DevicesScreen"),
    ("Every detail (a device, an app, a policy, a role)", "intune_tui.ui.screens.detail",
     "DetailScreen"),
    ("A device", "intune_tui.ui.screens.device_detail", "DeviceDetailScreen"),
    ("A device's tab bar (it has the keys when a device opens; Tab moves on)",
     "intune_tui.ui.widgets.tab_bar", "TabBar"),
    ("A device's Recovery tab (k)", "intune_tui.ui.widgets.recovery", "RecoveryPanel"),
    ("A device's Overview fields (Tab to them)", "intune_tui.ui.widgets.detail", "FieldList"),
    ("A user's devices (u, :user NAME)", "intune_tui.ui.screens.user_devices",
     "UserDevicesScreen"),
    ("Users found by :user NAME", "intune_tui.ui.screens.user_devices", "UserPickScreen"),
    ("Choosing a new primary user (U)", "intune_tui.ui.screens.user_devices",
     "ChooseUserScreen"),
    ("Roles", "intune_tui.ui.screens.roles", "RolesScreen"),
    ("A role", "intune_tui.ui.screens.role_detail", "RoleDetailScreen"),
    ("An operation of a role", "intune_tui.ui.screens.role_detail", "OperationScreen"),
    ("Tenant health", "intune_tui.ui.screens.health", "HealthScreen"),
    ("My access (:access)", "intune_tui.ui.screens.access", "AccessScreen"),
    ("Audit (:audit)", "intune_tui.ui.screens.audit", "AuditScreen"),
    ("Graph requests (:requests, ! after an error)", "intune_tui.ui.screens.requests",
     "RequestLogScreen"),
    ("Offboarding (:offboard)", "intune_tui.ui.screens.offboard", "OffboardScreen"),
    ("Autopilot edits (:offboard, ctrl+t)", "intune_tui.ui.screens.autopilot_edit",
     "AutopilotEditScreen"),
    ("Failing settings", "intune_tui.ui.screens.setting_states", "SettingStatesScreen"),
    ("Columns of a list (c)", "intune_tui.ui.screens.columns", "ColumnChooser"),
    ("A settings-catalog profile's settings", "intune_tui.ui.screens.catalog_settings",
     "CatalogSettingsScreen"),
    ("Remote actions menu", "intune_tui.ui.screens.actions", "ActionsMenu"),
    ("Benign confirmation", "intune_tui.ui.screens.confirm", "BenignConfirm"),
    ("Destructive and irreversible confirmation", "intune_tui.ui.screens.confirm",
     "ActionConfirmScreen"),
    ("Bulk action", "intune_tui.ui.screens.bulk", "BulkActionScreen"),
    ("Quitting while an action is sent", "intune_tui.ui.screens.in_flight",
     "QuitWhileSending"),
    ("Sign-in", "intune_tui.ui.screens.signin", "SignInScreen"),
    ("Help (?)", "intune_tui.ui.screens.help", "HelpScreen"),
    ("Command line (:)", "intune_tui.ui.screens.command_line", "CommandLine"),
)
KEYMAP_START = "<!-- key map: generated by tests/make_screenshots.py --readme -->"
KEYMAP_END = "<!-- end of key map -->"
_KEY_WORDS = {"⏎": "Enter", "esc": "Esc", "space": "Space", "tab": "Tab"}


def key_text(keys: str) -> str:
    """'escape,q' -> '`Esc` `q`', as a person reads keys."""
    from textual.keys import format_key

    shown = []
    for key in keys.split(","):
        name = format_key(key.strip())
        name = _KEY_WORDS.get(name, name)
        if name.startswith("ctrl+"):
            name = "Ctrl+" + name.removeprefix("ctrl+")
        shown.append(f"`{name}`")
    return " ".join(shown)


def keymap_markdown() -> str:
    """The README's key map: one table per screen, every binding with its id (for [keymap])."""
    import importlib

    from textual.binding import Binding

    lines = [KEYMAP_START]
    for heading, module_name, class_name in KEYMAP_SECTIONS:
        cls = getattr(importlib.import_module(module_name), class_name)
        bindings = [item for item in cls.__dict__.get("BINDINGS", []) if isinstance(item, Binding)]
        if not bindings:  # a screen that only inherits its keys (listed under its base)
            continue
        lines += ["", f"**{heading}**", "", "| Key | Does | Id |", "| --- | --- | --- |"]
        lines += [f"| {key_text(binding.key)} | {binding.description} | `{binding.id}` |"
                  for binding in bindings]
    lines += ["", KEYMAP_END]
    return "\n".join(lines)


SETTINGS_START = "<!-- settings: generated by tests/make_screenshots.py --readme -->"
SETTINGS_END = "<!-- end of settings -->"


def _default_text(spec: SettingSpec) -> str:
    if spec.shown_default:
        return spec.shown_default
    if spec.default is None:
        return "none"
    if isinstance(spec.default, bool):
        return "`true`" if spec.default else "`false`"
    if isinstance(spec.default, dict):
        return "empty"
    if isinstance(spec.default, str):
        return f'`"{spec.default}"`'
    return f"`{spec.default}`"


def _key_text(spec: SettingSpec) -> str:
    if spec.kind == "table":
        return f"`[{spec.key}.{spec.entry}]`" if spec.entry else f"`[{spec.key}]`"
    where = {(True, False): "", (False, True): " (profile)",
             (True, True): " (top level or profile)"}.get((spec.top_level, spec.profile))
    return "—" if where is None else f"`{spec.key}`{where}"


def _flag_text(spec: SettingSpec) -> str:
    return ", ".join(f"`{flag.option}{' ' + flag.metavar if flag.metavar else ''}`"
                     for flag in spec.flags) or "—"


def settings_markdown() -> str:
    """The README's configuration reference, from the settings' declarations (config.SETTINGS)."""
    lines = [SETTINGS_START, "", "| Key | Default | Environment | Flag | Meaning |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {_key_text(spec)} | {_default_text(spec)} | "
              f"{f'`{spec.env_var}`' if spec.env_var else '—'} | {_flag_text(spec)} | "
              f"{spec.help} |" for spec in SETTINGS]
    lines += ["", "A saved view, `[views.NAME]` (`NAME`: letters, digits, `-`, `_`):", "",
              "| Key | Default | Meaning |", "| --- | --- | --- |"]
    lines += [f"| `{key.name}` | {key.shown_default} | {key.help} |" for key in VIEW_KEYS]
    lines += ["", "A list's columns, `[columns.LIST]` (what `c` on the list writes; an id the "
              "list does not have is left out):", "", "| Key | Default | Meaning |",
              "| --- | --- | --- |"]
    lines += [f"| `{key.name}` | {key.shown_default} | {key.help} |" for key in COLUMNS_KEYS]
    lines += ["", SETTINGS_END]
    return "\n".join(lines)


def _between(text: str, start: str, end: str, generated: str) -> str:
    first, last = text.index(start), text.index(end) + len(end)
    return text[:first] + generated + text[last:]


def rewrite_readme_keymap(readme: Path = REPO / "README.md") -> bool:
    """Put the generated key map and configuration reference between their markers in
    README.md; True if it changed."""
    text = readme.read_text(encoding="utf-8")
    updated = _between(text, KEYMAP_START, KEYMAP_END, keymap_markdown())
    updated = _between(updated, SETTINGS_START, SETTINGS_END, settings_markdown())
    if updated != text:
        readme.write_text(updated, encoding="utf-8", newline="\n")
    return updated != text


# -- running a scene ------------------------------------------------------------------------------


def make_app(scene: Scene) -> IntuneApp:
    """The demo app as the tests build it: 300 devices, frozen clock, the scene's settings."""
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=DEVICES,
                                   **scene.settings)
    # Pictures never ask the machine's keyring: the audit chain is unkeyed, and says so.
    audit_module.DEFAULT_KEY_PROVIDER = lambda: ChainKey(None, "no keyring for screenshots")
    if scene.prepare is not None:
        scene.prepare(settings)
    return IntuneApp(settings, demo_session(settings, frozen=True))


def no_cursor_blink() -> None:
    """A blinking cursor makes two pictures of the same screen differ."""
    Input._toggle_cursor = lambda self: None  # type: ignore[method-assign]


def no_animations() -> None:
    """Textual's animations off, as the snapshot tests take their pictures (tests/ui/conftest.py):
    what slides jumps to where it ends."""
    from textual import constants

    constants.TEXTUAL_ANIMATIONS = "none"


@contextmanager
def isolated_dirs() -> Iterator[Path]:
    """Config, data and log directories of our own, and no INTUNE_TUI_* from the shell."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="intune-tui-screens-") as root:
        for name in [name for name in os.environ if name.startswith("INTUNE_TUI_")]:
            del os.environ[name]
        for kind in ("CONFIG", "DATA", "LOG"):
            os.environ[f"INTUNE_TUI_{kind}_DIR"] = str(Path(root) / kind.lower())
        try:
            yield Path(root)
        finally:
            os.environ.clear()
            os.environ.update(saved)


def take(scene: Scene, size: tuple[int, int] = SIZE) -> str:
    """Drive a fresh app into the scene and return the screen as SVG."""
    app = make_app(scene)

    async def auto_pilot(pilot: Pilot[Any]) -> None:
        await scene.drive(pilot)
        await pilot.pause()
        pilot.app.exit(pilot.app.export_screenshot(title=f"intune-tui · {scene.title}"))

    svg = app.run(headless=True, size=size, auto_pilot=auto_pilot)
    if not isinstance(svg, str):
        raise RuntimeError(f"scene {scene.name} ended without a screenshot")
    return svg


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenes", nargs="*", metavar="SCENE", help="default: every scene")
    parser.add_argument("--list", action="store_true", help="list the scenes and stop")
    parser.add_argument("--keys", action="store_true", help="print the key map and stop")
    parser.add_argument("--readme", action="store_true",
                        help="rewrite the key map and configuration reference in README.md, stop")
    parser.add_argument("--out", type=Path, default=SCREENSHOTS, help="default: screenshots/")
    args = parser.parse_args(argv)
    if args.list:
        for scene in SCENES:
            print(f"{scene.name:22} {scene.title}")
        return 0
    if args.keys:
        print(keymap_markdown())
        return 0
    if args.readme:
        changed = rewrite_readme_keymap()
        print("README.md key map and settings " + ("rewritten" if changed else "unchanged"))
        return 0
    unknown = [name for name in args.scenes if name not in SCENES_BY_NAME]
    if unknown:
        parser.error(f"unknown scene {', '.join(unknown)}; --list shows them")
    chosen = [SCENES_BY_NAME[name] for name in args.scenes] or list(SCENES)
    no_cursor_blink()
    no_animations()
    args.out.mkdir(parents=True, exist_ok=True)
    for scene in chosen:
        with isolated_dirs():
            svg = take(scene)
        path = args.out / f"{scene.name}.svg"
        path.write_text(svg, encoding="utf-8", newline="\n")
        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
