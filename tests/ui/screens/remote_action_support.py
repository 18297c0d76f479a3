"""Driving remote actions on the demo tenant in tests: find a device, open the menu, choose an
action, read what the fake Graph received and what the audit file says."""

from __future__ import annotations

import json
import re
from typing import Any

from textual.widgets import OptionList, Static

from intune_tui.demo.fake_graph import RecordedRequest
from intune_tui.ui.screens.actions import ActionsMenu
from intune_tui.ui.screens.devices import DevicesScreen

DEVICES = 300
# Stable devices of the seeded 300-device demo tenant.
WINDOWS_ID = "c3c8756d-70ff-4078-892d-f05e7f2ea3cc"  # CONTOSO-DT-91956, serial 9490-4390-1554
IOS_SUPERVISED_ID = "b1cd1cd7-7a36-4bd6-af4a-c26efee84186"  # 'Kiosk [/old]'
IOS_ESCAPES_ID = "b8cc9d2f-8245-42b5-a4ab-c114ab6a0d02"  # 'LAPTOP-\x1b[31mRED\x1b[0m'
MACOS_ID = "3a20c286-f6e4-4e96-ae5b-86977fab47fa"  # 'Björn’s MacBook'
ANDROID_ID = "c0b0d2aa-72a4-40b6-9bae-23393cdb2c25"  # 'Ava-Pixel 8-628'


async def list_ready(pilot: Any, app: Any, wait_until: Any) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen.table.rows_count >= DEVICES and app.screen._complete)


async def at_device(pilot: Any, app: Any, wait_until: Any, device_id: str) -> None:
    """The devices list loaded, cursor on `device_id`."""
    await list_ready(pilot, app, wait_until)
    table = app.screen.table
    index = [row.key for row in table.visible_rows].index(device_id)
    table.move_cursor(index)
    await pilot.pause()


async def open_menu(pilot: Any, app: Any, wait_until: Any, key: str = "a") -> ActionsMenu:
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
    return app.screen  # type: ignore[no-any-return]


async def choose(pilot: Any, app: Any, wait_until: Any, action_key: str) -> None:
    """In the open menu, move to `action_key` and press Enter. The highlight is set next to
    the entry and the last step is an arrow key, so the menu's arrows are still pressed (and
    must move it) without a key for every entry above: each key costs the menu a redraw (~15 ms
    of CPU; 361 keys in tests/ui/screens, 2026-12-07), and a dialog's tests start with this."""
    menu: ActionsMenu = app.screen
    target = [entry.action.key for entry in menu.entries].index(action_key)
    option_list = menu.query_one(OptionList)
    if option_list.highlighted != target:
        above = target > 0
        option_list.highlighted = target - 1 if above else target + 1
        await pilot.press("down" if above else "up")
        assert option_list.highlighted == target, "the arrow key did not move the highlight"
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen is not menu)


def action_posts(app: Any) -> list[RecordedRequest]:
    """Remote-action POSTs the fake received (sub-requests of a $batch included)."""
    return [request for request in app.session.fake.requests
            if request.method == "POST" and "/managedDevices/" in request.path]


def audit_lines(app: Any) -> list[dict[str, Any]]:
    path = app.settings.audit_path
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def messages(app: Any) -> list[str]:
    return [notification.message for notification in app._notifications]


async def settle(pilot: Any, app: Any, wait_until: Any, posts: int) -> None:
    """Wait until `posts` action POSTs were answered and the audit holds their results."""
    await wait_until(pilot, lambda: len(action_posts(app)) >= posts
                     and sum(1 for line in audit_lines(app) if line["phase"] == "result")
                     >= posts)


def shown(screen: Any, selector: str) -> str:
    """The text a widget shows on screen (lines joined), whatever it renders from."""
    widget = screen.query_one(selector, Static)
    return "\n".join(strip.text.rstrip() for strip in widget.render_lines(widget.size.region))


def squeezed(text: str) -> str:
    """Text without whitespace: what was shown, however the dialog wrapped it."""
    return re.sub(r"\s", "", text)
