"""Bulk remote actions: preview of every marked device, typed count and cap for destructive
actions, $batch of 20, per-device results and audit lines, failures that do not stop the rest."""

from __future__ import annotations

import dataclasses

from textual.widgets import Button, Input

from intune_tui.ui.screens.bulk import BulkActionScreen
from intune_tui.ui.screens.devices import DevicesScreen

from .remote_action_support import (
    DEVICES,
    action_posts,
    audit_lines,
    choose,
    list_ready,
    messages,
    open_menu,
    shown,
    squeezed,
)


def batch_calls(app) -> int:
    return sum(1 for r in app.session.fake.requests if r.method == "POST"
               and r.path.endswith("/$batch"))


def table_cells(screen, selector: str) -> list[tuple[str, ...]]:
    return [row.cells for row in screen.query_one(selector).visible_rows]


async def mark_first(pilot, app, wait_until, count: int) -> list[str]:
    await list_ready(pilot, app, wait_until)
    table = app.screen.table
    table.move_cursor(0)
    for _ in range(count):
        await pilot.press("space")  # marks and moves down
    assert len(table.marked_rows) == count
    return [row.key for row in table.marked_rows]


async def bulk_screen(pilot, app, wait_until, action_key: str) -> BulkActionScreen:
    await open_menu(pilot, app, wait_until, key="A")
    await choose(pilot, app, wait_until, action_key)
    assert isinstance(app.screen, BulkActionScreen)
    return app.screen


async def test_bulk_sync_of_45_with_3_failing_reports_each_device(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        ids = await mark_first(pilot, app, wait_until, 45)
        failing = {ids[3]: 404, ids[21]: 409, ids[44]: 403}
        for device_id, status in failing.items():
            app.session.fake.faults.fail_next(
                status, path_contains=f"/managedDevices/{device_id}/syncDevice")
        screen = await bulk_screen(pilot, app, wait_until, "syncDevice")
        preview = table_cells(screen, "#bulk-preview")
        assert len(preview) == 45 and all(cells[-1] == "send" for cells in preview)
        assert app.focused is screen.query_one("#cancel", Button)
        await pilot.press("tab", "enter", "enter")
        await wait_until(pilot, lambda: screen.progress is not None and screen.progress.finished)
        await pilot.pause(0.2)

        posts = action_posts(app)
        assert len(posts) == 45 and all(post.in_batch for post in posts)
        assert batch_calls(app) == 3  # 20 + 20 + 5
        assert sorted(p.status for p in posts) == sorted([204] * 42 + [403, 404, 409])
        results = table_cells(screen, "#bulk-results")
        assert len(results) == 45
        failed = {cells[0]: cells for cells in results if cells[1] == "Failed"}
        assert len(failed) == 3 and sum(cells[1] == "Accepted" for cells in results) == 42
        assert sorted(cells[2] for cells in failed.values()) == ["403", "404", "409"]
        assert all(cells[3] for cells in failed.values())  # each with its error sentence
        assert "42 accepted by Intune, 3 failed" in shown(screen, "#bulk-summary")
        assert any("Bulk Sync: 42 accepted by Intune, 3 failed" in m for m in messages(app))

        lines = audit_lines(app)
        attempts = [line for line in lines if line["phase"] == "attempt"]
        outcomes = {line["attempt_id"]: line for line in lines if line["phase"] == "result"}
        assert sorted(a["device_id"] for a in attempts) == sorted(ids)
        by_device = {a["device_id"]: outcomes[a["attempt_id"]] for a in attempts}
        for device_id, status in failing.items():
            assert (by_device[device_id]["outcome"], by_device[device_id]["http_status"]) == (
                "failed", status)
        assert sum(result["outcome"] == "succeeded" for result in by_device.values()) == 42


async def test_cancel_in_the_preview_sends_nothing(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark_first(pilot, app, wait_until, 3)
        await bulk_screen(pilot, app, wait_until, "syncDevice")
        await pilot.press("enter")  # Cancel is focused
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await bulk_screen(pilot, app, wait_until, "syncDevice")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.pause(0.2)
        assert action_posts(app) == [] and audit_lines(app) == []


async def test_capital_a_without_marks_explains(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await list_ready(pilot, app, wait_until)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, DevicesScreen)
        assert any("Mark devices with space first" in m for m in messages(app))


async def test_destructive_bulk_needs_the_count_typed(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark_first(pilot, app, wait_until, 4)
        screen = await bulk_screen(pilot, app, wait_until, "retire")
        confirm = screen.query_one("#confirm", Button)
        assert app.focused is screen.query_one("#bulk-count", Input)
        await pilot.press("3")
        assert confirm.disabled
        await pilot.press("enter", "tab", "tab", "enter")
        await pilot.pause(0.2)
        assert action_posts(app) == []
        screen.query_one("#bulk-count", Input).value = "4"
        await pilot.pause()
        assert not confirm.disabled
        await pilot.click(confirm)
        await pilot.click(confirm)
        await wait_until(pilot, lambda: screen.progress is not None and screen.progress.finished)
        assert [p.path.rsplit("/", 1)[1] for p in action_posts(app)] == ["retire"] * 4
        assert batch_calls(app) == 1


async def test_destructive_bulk_above_the_cap_is_refused(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    app.settings = dataclasses.replace(app.settings, bulk_destructive_cap=5)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark_first(pilot, app, wait_until, 6)
        screen = await bulk_screen(pilot, app, wait_until, "rebootNow")
        problem = " ".join(shown(screen, "#bulk-problem").split())
        assert "limited to 5 devices" in problem and "bulk_destructive_cap" in problem
        screen.query_one("#bulk-count", Input).value = str(len(screen.planned))
        await pilot.pause()
        assert screen.query_one("#confirm", Button).disabled
        screen.action_confirm()
        await pilot.pause(0.2)
        assert action_posts(app) == []


async def test_devices_the_action_does_not_apply_to_are_listed_as_skipped(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark_first(pilot, app, wait_until, 3)  # Windows, supervised iOS, Windows
        screen = await bulk_screen(pilot, app, wait_until, "windowsDefenderQuickScan")
        preview = {cells[0]: cells[-1] for cells in table_cells(screen, "#bulk-preview")}
        assert preview["CONTOSO-DT-91956"] == "send"
        assert preview["Kiosk [/old]"] == "skip, reason 1"
        assert len(screen.planned) == 2
        await pilot.press("tab", "enter")
        await wait_until(pilot, lambda: screen.progress is not None and screen.progress.finished)
        assert len(action_posts(app)) == 2
        assert all(post.json == {"quickScan": True} for post in action_posts(app))
        results = {cells[0]: cells[1] for cells in table_cells(screen, "#bulk-results")}
        assert results["Kiosk [/old]"] == "Skipped"
        assert len([line for line in audit_lines(app) if line["phase"] == "attempt"]) == 2


async def test_skip_reasons_are_shown_in_full_at_80_columns(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(80, 24)) as pilot:
        await mark_first(pilot, app, wait_until, 3)  # Windows, supervised iOS, Windows
        screen = await bulk_screen(pilot, app, wait_until, "windowsDefenderQuickScan")
        reason = screen.reasons[next(key for key, why in screen.reasons.items() if why)]
        assert reason and len(reason) > 24  # longer than the "Will" column
        summary = squeezed(shown(screen, "#bulk-summary"))
        assert squeezed(f"reason 1 (1 device): {reason}") in summary
        assert "…" not in summary
        plans = [cells[-1] for cells in table_cells(screen, "#bulk-preview")]
        assert sorted(plans) == ["send", "send", "skip, reason 1"]


async def test_bulk_wipe_options_are_chosen_per_platform_and_shown(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark_first(pilot, app, wait_until, 2)  # Windows + supervised iOS
        screen = await bulk_screen(pilot, app, wait_until, "wipe")
        assert {option.key for option in screen.options} == {
            "keepEnrollmentData", "keepUserData", "persistEsimDataPlan"}
        # No, No, Yes
        await pilot.press("right", "enter", "tab", "right", "enter", "tab", "enter")
        bodies = squeezed(shown(screen, "#bulk-bodies"))
        assert '1device:{"keepEnrollmentData":false,"keepUserData":false}' in bodies
        assert '1device:{"persistEsimDataPlan":true}' in bodies
        screen.query_one("#bulk-count", Input).value = "2"
        await pilot.pause()
        assert not screen.query_one("#confirm", Button).disabled
        screen.query_one("#confirm", Button).press()
        await wait_until(pilot, lambda: screen.progress is not None and screen.progress.finished)
        sent = {post.path.split("/")[-2]: post.json for post in action_posts(app)}
        assert sent == {
            "c3c8756d-70ff-4078-892d-f05e7f2ea3cc": {"keepEnrollmentData": False,
                                                     "keepUserData": False},
            "b1cd1cd7-7a36-4bd6-af4a-c26efee84186": {"persistEsimDataPlan": True},
        }


async def test_bulk_delete_shows_delete_and_sends_delete_sub_requests(make_app,
                                                                      wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        marked = await mark_first(pilot, app, wait_until, 3)
        screen = await bulk_screen(pilot, app, wait_until, "delete")
        assert squeezed(shown(screen, "#bulk-bodies")).startswith(
            "DELETE/v1.0/deviceManagement/managedDevices/{id}(onepe")
        screen.query_one("#bulk-count", Input).value = "3"
        await pilot.pause()
        await pilot.click(screen.query_one("#confirm", Button))
        await wait_until(pilot, lambda: screen.progress is not None and screen.progress.finished)
        deletes = [r for r in app.session.fake.requests if r.method == "DELETE"]
        assert sorted(r.path.rsplit("/", 1)[1] for r in deletes) == sorted(marked)
        assert all(app.session.fake.tenant.devices.index_of(key) is None for key in marked)


async def test_bulk_menu_shows_what_bulk_leaves_out_with_the_reason(make_app,
                                                                    wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await mark_first(pilot, app, wait_until, 3)  # Windows, supervised iOS, Windows
        menu = await open_menu(pilot, app, wait_until, key="A")
        lines = {line.action.key: line for line in menu.entries}
        assert not lines["setDeviceName"].enabled
        assert "one by one" in lines["setDeviceName"].note
        assert not lines["initiateOnDemandProactiveRemediation"].enabled
        assert lines["windowsDefenderQuickScan"].applies == 2
        assert "cleanWindowsDevice" in lines and "enableLostMode" in lines
        assert "chromeOsWipe" not in lines  # no ChromeOS device is marked
