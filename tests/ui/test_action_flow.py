"""The remote-action flow: permissions from token scopes, the back-off schedule, literal bodies,
and following an action's state in the device view until it is done."""

from __future__ import annotations

import dataclasses

import pytest
from screens.remote_action_support import (
    DEVICES,
    WINDOWS_ID,
    at_device,
    choose,
    open_menu,
    settle,
    shown,
)

from intune_tui.config import load_settings
from intune_tui.intune.actions import ACTIONS
from intune_tui.intune.resources import DEVICE_ACTION_STATE_SELECT
from intune_tui.intune.scopes import MANAGED_DEVICES_READ_WRITE, PRIVILEGED_OPERATIONS, READ_SCOPES
from intune_tui.session import demo_session
from intune_tui.ui import action_flow
from intune_tui.ui.action_flow import (
    PollSchedule,
    TokenAccess,
    device_word,
    literal_json,
    scopes_from_claims,
)
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen


class Clock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


# -- permissions -------------------------------------------------------------------------------


def test_permission_follows_the_token_and_whether_the_sign_in_can_ask() -> None:
    wipe, locate = ACTIONS["wipe"], ACTIONS["locateDevice"]
    granted = TokenAccess(frozenset({*READ_SCOPES, PRIVILEGED_OPERATIONS}), can_ask=False)
    assert granted.permission(wipe).allowed and not granted.permission(wipe).note

    can_ask = TokenAccess(frozenset(READ_SCOPES), can_ask=True)
    assert can_ask.permission(wipe).allowed
    assert "Will ask for consent" in can_ask.permission(wipe).note

    cannot_ask = TokenAccess(frozenset({*READ_SCOPES, MANAGED_DEVICES_READ_WRITE}),
                             can_ask=False)
    assert not cannot_ask.permission(wipe).allowed
    assert PRIVILEGED_OPERATIONS in cannot_ask.permission(wipe).note
    assert cannot_ask.permission(locate).allowed  # the seed: locate needs ReadWrite.All

    unknown = TokenAccess(None, can_ask=False)
    assert unknown.permission(wipe).allowed and "could not be read" in \
        unknown.permission(wipe).note


def test_scopes_come_from_scp_or_app_roles() -> None:
    assert scopes_from_claims({"scp": "A.Read.All  B.Read.All"}) == {"A.Read.All", "B.Read.All"}
    assert scopes_from_claims({"roles": ["C.ReadWrite.All", 7]}) == {"C.ReadWrite.All"}
    assert scopes_from_claims({}) is None


# -- what the user reads and types -------------------------------------------------------------


def test_literal_json_shows_invisible_characters_as_escapes() -> None:
    body = {"message": "Call\u202eTI", "footer": "line\x1b[31m", "phoneNumber": "Åsa"}
    shown = literal_json(body)
    assert "\u202e" not in shown and "\x1b" not in shown
    assert "\\u202e" in shown and "\\u001b" in shown and "Åsa" in shown
    assert literal_json(None) == "(no body)"


def test_device_word_is_the_name_as_shown() -> None:
    assert device_word({"deviceName": "LAPTOP-\x1b[31mRED\x1b[0m", "id": "x"}) == "LAPTOP-RED"
    assert device_word({"deviceName": "invoice\u202egnp.exe-PC"}) == "invoicegnp.exe-PC"
    assert device_word({"deviceName": "", "id": "abc"}) == "abc"


# -- back-off -------------------------------------------------------------------------------------


def test_poll_schedule_doubles_to_a_minute_and_stops_after_ten_minutes() -> None:
    clock = Clock(0.0)
    schedule = PollSchedule(clock=clock)
    delays = []
    while (delay := schedule.next_delay()) is not None:
        delays.append(delay)
        clock.now += delay
    assert delays[:7] == [2, 4, 8, 16, 32, 60, 60]
    assert sum(delays) >= 600 and sum(delays[:-1]) < 600
    schedule.restart()
    assert schedule.next_delay() == 2


# -- following an action in the device view -----------------------------------------------------


@pytest.fixture
def tracking_app(monkeypatch: pytest.MonkeyPatch):
    """An app whose fake Graph runs on a clock the test moves, polling every few ms."""
    monkeypatch.setattr(action_flow, "POLL_FIRST_DELAY", 0.05)
    monkeypatch.setattr(action_flow, "POLL_MAX_DELAY", 0.1)
    clock = Clock()
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=DEVICES)
    app = IntuneApp(settings, demo_session(settings, frozen=True, fake_clock=clock))
    app.cursor_blink = False  # type: ignore[attr-defined]
    return app, clock


def state_reads(app) -> int:
    select = ",".join(DEVICE_ACTION_STATE_SELECT)
    return sum(1 for r in app.session.fake.requests
               if r.method == "GET" and r.params.get("$select") == select)


async def test_device_view_follows_an_action_until_done_then_stops(
        tracking_app, wait_until) -> None:
    app, clock = tracking_app
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        screen = app.screen
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "syncDevice")
        await pilot.press("y")
        await settle(pilot, app, wait_until, 1)
        await wait_until(pilot, lambda: "Sync: Pending" in shown(screen, "#action-tracking"))
        assert screen.query_one("TabbedContent").active == "actions"
        pane_rows = screen.query_one("#actions-pane").table.visible_rows
        assert any(row.item.get("actionName") == "syncDevice"
                   and row.item.get("actionState") == "pending" for row in pane_rows)
        clock.now += 120  # the device checked in
        await wait_until(pilot, lambda: "Sync: Done" in shown(screen, "#action-tracking"))
        assert "finished" in shown(screen, "#action-tracking")
        reads = state_reads(app)
        await pilot.pause(0.5)
        assert state_reads(app) == reads  # no more polling once finished


async def test_an_action_sent_from_the_list_is_followed_when_the_device_opens(
        tracking_app, wait_until) -> None:
    app, clock = tracking_app
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "retire")
        await pilot.press("tab", "enter")
        await settle(pilot, app, wait_until, 1)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        screen = app.screen
        assert screen.query_one("TabbedContent").active == "actions"  # shown at once
        await wait_until(pilot, lambda: "Retire: Pending" in shown(screen, "#action-tracking"))
        await wait_until(pilot, lambda: "Management state: Retire pending"
                         in shown(screen, "#action-tracking"))
        clock.now += 120
        # the next poll comes on the back-off schedule (real time, up to 16 s at this point)
        await wait_until(pilot, lambda: "Retire: Done" in shown(screen, "#action-tracking"),
                         timeout=45)
        assert "Management state: Retire issued" in shown(screen, "#action-tracking")


async def test_following_stops_when_the_device_view_closes(tracking_app, wait_until) -> None:
    app, _clock = tracking_app
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "syncDevice")
        await pilot.press("y")
        await wait_until(pilot, lambda: state_reads(app) >= 2)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.pause(0.3)
        reads = state_reads(app)
        await pilot.pause(0.5)
        assert state_reads(app) <= reads + 1  # at most the read already in flight
