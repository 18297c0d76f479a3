"""Autopilot edits from the `:offboard` lookup: group tag / assigned user for one or many
identities, previewed, the count typed for many, audited, one updateDeviceProperties each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea
from waiting import list_loaded, wait_until

from intune_tui.demo import lifecycle
from intune_tui.demo.tenant import build_tenant
from intune_tui.ui.screens.autopilot_edit import AutopilotEditScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.offboard import OffboardScreen

DEVICES = 300


@pytest.fixture(scope="module")
def serials() -> list[str]:
    directories = lifecycle.LifecycleDirectories.build(build_tenant(devices=DEVICES))
    return [item["serialNumber"] for item in directories.autopilot
            if item["enrollmentState"] == "enrolled"][:3]


def updates(app: Any) -> list[tuple[str, Any]]:
    return [(r.path, r.json) for r in app.session.fake.requests
            if r.method == "POST" and r.path.endswith("/updateDeviceProperties")]


def writes(app: Any) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in app.session.fake.requests
            if r.method != "GET" and r.path != "/v1.0/$batch"]


def shown(screen: AutopilotEditScreen) -> str:
    return str(screen.query_one("#autopilot-preview").render())


async def edit_screen(pilot: Any, app: Any, wait_until: Any, serials: list[str]
                      ) -> AutopilotEditScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("colon", *"offboard", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, OffboardScreen))
    app.screen.query_one("#offboard-input", TextArea).text = "\n".join(serials)
    await pilot.press("ctrl+l")
    await wait_until(pilot, lambda: app.screen.plan is not None)
    await pilot.press("ctrl+t")
    await wait_until(pilot, lambda: isinstance(app.screen, AutopilotEditScreen))
    return app.screen  # type: ignore[return-value]


async def test_group_tag_for_many_previewed_counted_audited_sent_once(
        make_app: Any, wait_until: Any, serials: list[str], tmp_path: Path) -> None:
    app = make_app(devices=DEVICES, data_dir=tmp_path / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await edit_screen(pilot, app, wait_until, serials)
        assert len(screen.identities) == 3
        screen.query_one("#autopilot-group-tag", Input).value = "Spares"
        await pilot.press("ctrl+r")  # no preview yet: nothing is sent
        await pilot.pause()
        assert updates(app) == []
        await pilot.press("ctrl+l")
        text = shown(screen)
        assert text.count("-> Spares") == 3
        assert "Type 3 below and press ctrl+r" in text
        assert updates(app) == []

        screen.query_one("#autopilot-confirm", Input).value = "2"  # the wrong count
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert updates(app) == []
        screen.query_one("#autopilot-confirm", Input).value = "3"
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: screen.outcomes is not None)
        assert "3 done, 0 failed, 0 unknown" in shown(screen)
        sent = updates(app)
        assert len(sent) == 3 and len({path for path, _ in sent}) == 3
        assert all(body == {"groupTag": "Spares"} for _, body in sent)
        await pilot.press("ctrl+r")  # one confirmation, one run
        await pilot.pause()
        assert len(updates(app)) == 3
        autopilot = app.session.fake.lifecycle.autopilot
        assert {item["groupTag"] for item in autopilot if item["serialNumber"] in serials} == {
            "Spares"}

    records = [json.loads(line) for line in app.settings.audit_path.read_text().splitlines()]
    attempts = {r["attempt_id"] for r in records if r["phase"] == "attempt"
                and r["action"] == "autopilot updateDeviceProperties"}
    results = [r for r in records if r["phase"] == "result" and r["attempt_id"] in attempts]
    assert len(attempts) == 3 and [r["outcome"] for r in results] == ["succeeded"] * 3


async def test_assigned_user_for_one_needs_the_preview_and_an_edit_voids_it(
        make_app: Any, wait_until: Any, serials: list[str], tmp_path: Path) -> None:
    app = make_app(devices=DEVICES, data_dir=tmp_path / "data")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await edit_screen(pilot, app, wait_until, serials[:1])
        user = screen.query_one("#autopilot-user", Input)
        user.value = "adele.vance@contoso-demo.onmicrosoft.com"
        await pilot.press("ctrl+l")
        assert "assigned user" in shown(screen)
        assert "-> adele.vance@contoso-demo.onmicrosoft.com" in shown(screen)
        user.value = "someone.else@contoso-demo.onmicrosoft.com"  # the preview no longer holds
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert updates(app) == []
        await pilot.press("ctrl+l", "ctrl+r")  # one identity: the preview and ctrl+r
        await wait_until(pilot, lambda: screen.outcomes is not None)
        assert updates(app)[0][1] == {
            "userPrincipalName": "someone.else@contoso-demo.onmicrosoft.com"}
        assert len(writes(app)) == 1


async def test_nothing_to_change_says_so(make_app: Any, wait_until: Any, serials: list[str],
                                         tmp_path: Path) -> None:
    app = make_app(devices=DEVICES, data_dir=tmp_path / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await edit_screen(pilot, app, wait_until, serials[:1])
        await pilot.press("ctrl+l")
        assert "Give a group tag or an assigned user" in shown(screen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert updates(app) == []


SNAPSHOT_SERIALS = ("9490-4390-1554", "5CGGVYLUC0")  # two of the demo's Autopilot serials


async def _preview_shown(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("colon", *"offboard", "enter")
    await pilot.pause()
    app.screen.query_one("#offboard-input", TextArea).text = "\n".join(SNAPSHOT_SERIALS)
    await pilot.press("ctrl+l")
    await wait_until(pilot, lambda: getattr(app.screen, "plan", None) is not None)
    await pilot.press("ctrl+t")
    await pilot.pause()
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    app.screen.query_one("#autopilot-group-tag", Input).value = "Spares"
    await pilot.press("ctrl+l")
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_autopilot_preview(snap_compare: Any, make_app: Any,
                                    size: tuple[int, int]) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=size,
                        run_before=_preview_shown)
