"""`:offboard` at 80x24 on the demo tenant: paste three serials -> plan -> typed count -> report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, OptionList, TextArea
from waiting import list_loaded, wait_until

from intune_tui.demo import lifecycle
from intune_tui.demo.tenant import build_tenant
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.screens.offboard import OffboardScreen
from intune_tui.ui.widgets.recovery import RecoveryPanel

DEVICES = 300


@pytest.fixture(scope="module")
def serials() -> list[str]:
    directories = lifecycle.LifecycleDirectories.build(build_tenant(devices=DEVICES))
    return [item["serialNumber"] for item in directories.autopilot
            if item["enrollmentState"] == "enrolled"][:3]


def plan_text(screen: OffboardScreen) -> str:
    return str(screen.query_one("#offboard-plan").render())


def writes(app: Any) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in app.session.fake.requests
            if r.method != "GET" and r.path != "/v1.0/$batch"]


async def open_offboard(pilot: Any, app: Any, wait_until: Any) -> OffboardScreen:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete)
    await pilot.press("colon", *"offboard", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, OffboardScreen))
    return app.screen  # type: ignore[return-value]


async def test_paste_three_serials_plan_confirm_report(
        make_app: Any, wait_until: Any, serials: list[str], tmp_path: Path) -> None:
    app = make_app(devices=DEVICES, data_dir=tmp_path / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_offboard(pilot, app, wait_until)
        screen.query_one("#offboard-input").text = "\n".join([*serials, "NOT-A-SERIAL"])
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: screen.plan is not None)
        shown = plan_text(screen)
        assert "3 matched one device, 1 matched none" in shown
        assert "not found: serial NOT-A-SERIAL (line 4)" in shown
        assert "3 device(s), 12 step(s)" in shown
        assert "Type 3 below and press ctrl+r" in shown
        assert writes(app) == []

        await pilot.press("2", "ctrl+r")  # the wrong count sends nothing
        await pilot.pause()
        assert writes(app) == [] and screen.plan is not None
        await pilot.press("backspace", "3", "ctrl+r")
        await wait_until(pilot, lambda: screen.result is not None)
        shown = plan_text(screen)
        assert shown.startswith("Every step is done.")
        assert "12 done, 0 failed, 0 unknown" in shown
        sent = writes(app)
        assert len(sent) == 12 and len(set(sent)) == 12
        await pilot.press("ctrl+r")  # one confirmation, one run
        await pilot.pause()
        assert len(writes(app)) == 12
    assert list((tmp_path / "data" / "offboarding").glob("*.jsonl"))


async def test_stale_90_plans_the_oldest_devices_under_the_bulk_cap(
        make_app: Any, wait_until: Any, tmp_path: Path) -> None:
    app = make_app(devices=DEVICES, data_dir=tmp_path / "data", bulk_destructive_cap=3)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_offboard(pilot, app, wait_until)
        screen.query_one("#offboard-input").text = "stale:90 os:Windows"
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: screen.plan is not None)
        shown = plan_text(screen)
        assert "not synced for 90 days, oldest first." in shown
        assert "(bulk_destructive_cap) in one plan." in shown
        assert screen.plan is not None and len(screen.plan.devices) == 3
        [query] = [r for r in app.session.fake.requests
                   if "lastSyncDateTime lt" in r.params.get("$filter", "")]
        assert query.params["$filter"].endswith("and operatingSystem eq 'Windows'")
        assert writes(app) == []


async def test_read_only_sessions_do_not_open_it(make_app: Any, wait_until: Any) -> None:
    app = make_app(devices=50, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("colon", *"offboard", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, OffboardScreen)


SNAPSHOT_SERIALS = ("9490-4390-1554", "5CGGVYLUC0", "NOT-A-SERIAL")  # two of the demo's, one not


async def _plan_shown(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("colon", *"offboard", "enter")
    await pilot.pause()
    screen = app.screen
    for widget in (*screen.query(Input), *screen.query(TextArea)):
        widget.cursor_blink = False  # deterministic pictures
    screen.query_one("#offboard-input").text = "\n".join(SNAPSHOT_SERIALS)
    await pilot.press("ctrl+l")
    await wait_until(pilot, lambda: screen.plan is not None and not any(
                "Loading" in str(panel.query_one("#recovery-note").render())
                for panel in screen.query(RecoveryPanel)))
    await pilot.pause(0.2)


async def _report_shown(pilot: Any) -> None:
    await _plan_shown(pilot)
    screen = pilot.app.screen
    await pilot.press("2", "ctrl+r")
    await wait_until(pilot, lambda: screen.result is not None)
    await pilot.pause(0.2)


def test_snapshot_offboard_plan(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=(80, 24),
                        run_before=_plan_shown)


def test_snapshot_offboard_plan_wide(snap_compare: Any, make_app: Any) -> None:
    """The plan with the masked recovery keys below it, before the typed count."""
    async def keys_in_view(pilot: Any) -> None:
        await _plan_shown(pilot)
        pilot.app.screen.query_one("#offboard-output").scroll_end(animate=False)
        await pilot.pause(0.2)

    assert snap_compare(make_app(devices=DEVICES), terminal_size=(120, 40),
                        run_before=keys_in_view)


def test_snapshot_offboard_report(snap_compare: Any, make_app: Any) -> None:
    assert snap_compare(make_app(devices=DEVICES), terminal_size=(80, 24),
                        run_before=_report_shown)


# CONTOSO-LT-63219 of the seeded 300-device tenant: one BitLocker key (and LAPS backups).
LAPTOP_ID = "3ee9d80e-1689-47c4-9dbd-8029760df3f5"


async def test_recovery_key_is_masked_revealable_and_audited_before_confirming(
        make_app: Any, wait_until: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RecoveryPanel, "mask_after", 0.5)
    app = make_app(devices=DEVICES, data_dir=tmp_path / "data")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_offboard(pilot, app, wait_until)
        fake = app.session.fake
        index = fake.tenant.devices.index_of(LAPTOP_ID)
        key = fake.recovery.bitlocker_keys(index)[0].key
        laps = fake.recovery.laps_backups(index)[-1].password
        serial = fake.tenant.devices.value(index, "serialNumber")
        screen.query_one("#offboard-input").text = serial
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: screen.plan is not None
                         and bool(screen.query(RecoveryPanel))
                         and bool(screen.query_one(RecoveryPanel).items))
        panel = screen.query_one(RecoveryPanel)
        shown = app.export_screenshot().replace("&#160;", " ")
        assert "BitLocker" in shown and "LAPS" not in shown
        assert key not in shown and "press v to reveal" in shown

        panel.query_one(OptionList).focus()
        await pilot.press("v")
        await wait_until(pilot, lambda: panel.revealed_count == 1)
        assert key in app.export_screenshot()
        assert laps not in app.export_screenshot()
        audit = app.settings.audit_path.read_text()
        assert "bitlocker" in audit.lower() and key not in audit
        assert json.loads(audit.splitlines()[-1])["outcome"] == "succeeded"

        await wait_until(pilot, lambda: panel.revealed_count == 0, timeout=5)
        assert key not in app.export_screenshot()
        assert screen.plan is not None and writes(app) == []  # still before the confirmation

        monkeypatch.setattr(RecoveryPanel, "mask_after", 30.0)
        panel.query_one(OptionList).focus()
        await pilot.press("v")
        await wait_until(pilot, lambda: panel.revealed_count == 1)
        await pilot.press("ctrl+t")  # another screen on top: the key is masked at once
        await wait_until(pilot, lambda: app.screen is not screen)
        assert panel.revealed_count == 0
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen)
        assert key not in app.export_screenshot()


async def test_stale_command_shows_the_view_by_platform_with_its_exclusions(
        make_app: Any, wait_until: Any, tmp_path: Path) -> None:
    app = make_app(devices=DEVICES, data_dir=tmp_path / "data", bulk_destructive_cap=5)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        await pilot.press("colon", *"stale 30", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OffboardScreen)
                         and app.screen.plan is not None)
        screen = app.screen
        shown = plan_text(screen)
        [query] = [r for r in app.session.fake.requests
                   if "lastSyncDateTime lt" in r.params.get("$filter", "")]
        assert "operatingSystem" not in query.params["$filter"]  # every platform
        assert "not synced for 30 days, oldest first." in shown
        assert "By platform: " in shown and "Windows " in shown
        # The documented exclusions are listed with their reason, not dropped silently.
        assert "left out:" in shown
        assert ("a retire or wipe is already under way" in shown
                or "Android dedicated device" in shown)
        assert "last sync " in shown
        assert screen.plan is not None and len(screen.plan.devices) <= 5
        assert writes(app) == []

        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.press("colon", *"stale 180 android", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OffboardScreen)
                         and app.screen.plan is not None)
        android = [r for r in app.session.fake.requests
                   if "lastSyncDateTime lt" in r.params.get("$filter", "")][-1]
        assert android.params["$filter"].endswith("and operatingSystem eq 'Android'")
        assert "not synced for 180 days" in plan_text(app.screen)


async def _stale_shown(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, list_loaded(app, DevicesScreen))
    await pilot.press("colon", *"stale 90", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, OffboardScreen)
                     and app.screen.plan is not None and not any(
                         "Loading" in str(panel.query_one("#recovery-note").render())
                         for panel in app.screen.query(RecoveryPanel)))
    for widget in (*app.screen.query(Input), *app.screen.query(TextArea)):
        widget.cursor_blink = False
    app.screen.query_one("#offboard-output").scroll_home(animate=False)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_stale_view(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(devices=DEVICES, bulk_destructive_cap=4), terminal_size=size,
                        run_before=_stale_shown)
