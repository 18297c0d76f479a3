"""The remote-action flow in the app: following an action's state in the device view until it is
done, and writes in flight that a tenant switch or quitting waits for."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import threading
import weakref
from typing import Any

import pytest
from screens.remote_action_support import (
    DEVICES,
    WINDOWS_ID,
    action_posts,
    at_device,
    audit_lines,
    choose,
    open_menu,
    settle,
    shown,
)
from waiting import FAST_TIMINGS

from intune_tui.config import load_settings
from intune_tui.intune.resources import DEVICE_ACTION_STATE_SELECT
from intune_tui.session import demo_session
from intune_tui.table import columns
from intune_tui.ui import action_flow, startup
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.in_flight import QuitWhileSending


class Clock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


# -- following an action in the device view -----------------------------------------------------


@pytest.fixture
def tracking_app():
    """An app whose fake Graph runs on a clock the test moves, polling every few ms."""
    clock = Clock()
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=DEVICES)
    app = IntuneApp(settings, demo_session(settings, frozen=True, fake_clock=clock),
                    timings=FAST_TIMINGS)
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
        # the audit says the device did it: no longer only "accepted by Intune"
        settled = [line for line in audit_lines(app) if line["phase"] == "settled"]
        assert [(line["state"], line["attempt_id"]) for line in settled] == [
            ("done", audit_lines(app)[0]["attempt_id"])]
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
        await wait_until(pilot, lambda: "Retire: Done" in shown(screen, "#action-tracking"))
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


# -- quitting while a write is on the wire -------------------------------------------------


async def test_quitting_during_a_remote_action_asks_then_waits_for_its_answer(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        answer = app.session.fake.faults.hold_next(path_contains="/syncDevice")
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "syncDevice")
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(action_flow.action_flow(app).in_flight))

        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitWhileSending))
        assert "Sync → CONTOSO-DT-91956" in shown(app.screen, "#in-flight-text")
        await pilot.press("escape")  # stay
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        assert app.return_code is None

        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, QuitWhileSending))
        await pilot.press("enter")  # "Wait, then quit" is focused
        await pilot.pause(0.3)
        assert app.return_code is None  # still waiting for Graph's answer
        answer.set()
        await wait_until(pilot, lambda: app.return_code is not None)
        assert action_posts(app) and not action_flow.action_flow(app).in_flight

    phases = [(line["phase"], line.get("outcome")) for line in audit_lines(app)]
    assert phases == [("attempt", None), ("result", "succeeded")]


async def test_quitting_with_nothing_on_the_wire_asks_nothing(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await pilot.press("q")
        await wait_until(pilot, lambda: app.return_code is not None)


def join_threads(names: tuple[str, ...]) -> None:
    """Wait (10 s at most each) for the threads of these names to end; no Thread is kept."""
    for thread in threading.enumerate():
        if thread.name in names:
            thread.join(10)


async def test_an_app_that_ended_is_freed_with_its_flow(make_app, wait_until,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The flow of an app must not keep the app (and every widget of it) alive once it ended.
    (The app runs in a task of its own: Textual's `active_app` context variable holds it in the
    context it ran in.) Nor may what the app starts once a process: its threads are made while
    the app captures `sys.stderr`, and a Thread keeps the `sys.stderr` it was made with."""
    # The once-a-process threads start again under this test's app, whichever test came first.
    monkeypatch.setattr(startup, "_warmed", None)
    monkeypatch.setattr(columns, "_preloaded", None)

    async def run_an_app() -> tuple[weakref.ref[Any], weakref.ref[Any]]:
        app = make_app(devices=DEVICES)
        async with app.run_test() as pilot:
            # ...and both once-a-process threads started under this app (start-up's end).
            await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                             and None not in (startup._warmed, columns._preloaded))
            flow = action_flow.action_flow(app)
        return weakref.ref(app), weakref.ref(flow)

    app, flow = await asyncio.create_task(run_an_app())
    # Each of those threads holds the app while it runs (a Thread keeps its `sys.stderr`);
    # nothing may hold it once they end.
    await asyncio.to_thread(join_threads, ("warm-imports", "row-engine-import"))
    gc.collect()
    assert app() is None, "an app that ended is still referenced"
    assert flow() is None, "the flow of an app that ended is still referenced"
