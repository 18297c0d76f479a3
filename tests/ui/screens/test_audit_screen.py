""":audit: the local audit newest first (answered or not), Intune's remoteActionAudits beside it,
and a sentence instead of that tab when the tenant does not allow it."""

from __future__ import annotations

from textual.widgets import TabbedContent

from intune_tui.audit import OUTCOME_NO_ANSWER, AuditLog, AuditRecord
from intune_tui.ui.screens.audit import AuditScreen
from intune_tui.ui.screens.devices import DevicesScreen

from .remote_action_support import (
    DEVICES,
    WINDOWS_ID,
    at_device,
    choose,
    list_ready,
    open_menu,
    settle,
    shown,
)


async def open_audit(pilot, app, wait_until) -> AuditScreen:
    await pilot.press("colon", *"audit", "enter")
    await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen))
    return app.screen


async def test_audit_lists_attempts_newest_first_with_their_outcome(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(160, 40)) as pilot:
        await at_device(pilot, app, wait_until, WINDOWS_ID)
        await open_menu(pilot, app, wait_until)
        await choose(pilot, app, wait_until, "syncDevice")
        await pilot.press("y")
        await settle(pilot, app, wait_until, 1)
        # Another run of the app that closed before Graph answered its wipe.
        AuditLog(app.settings.audit_path).begin(AuditRecord(
            tenant="Contoso Demo (demo tenant)", operator="other@contoso-demo.onmicrosoft.com",
            action="wipe", device_id="0000", device_name="OLD-LAPTOP", serial="S1",
            options={"keepUserData": False}))
        screen = await open_audit(pilot, app, wait_until)
        rows = screen.query_one("#audit-local-table").visible_rows
        assert [(row.cells[1], row.cells[2], row.cells[3]) for row in rows] == [
            ("Wipe", "OLD-LAPTOP", OUTCOME_NO_ANSWER),
            ("Sync", "CONTOSO-DT-91956", "succeeded"),
        ]
        assert rows[1].cells[4] == "204" and rows[1].cells[5] == "9490-4390-1554"
        detail = shown(screen, "#audit-local-detail")
        assert "OLD-LAPTOP" in detail and '{"keepUserData": false}' in detail
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))


async def test_intune_remote_action_audits_are_shown_beside(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(160, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        remote = screen.query_one("#audit-remote-table")
        await wait_until(pilot, lambda: remote.rows_count > 0)
        assert any(r.path == "/beta/deviceManagement/remoteActionAudits"
                   for r in app.session.fake.requests)
        assert not screen.query_one("#audit-remote-problem").display


async def test_remote_audits_refused_leave_a_sentence_and_the_local_tab(
        make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(160, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        app.session.fake.faults.fail_next(403, path_contains="remoteActionAudits")
        screen = await open_audit(pilot, app, wait_until)
        problem = screen.query_one("#audit-remote-problem")
        await wait_until(pilot, lambda: problem.display)
        screen.query_one(TabbedContent).active = "audit-remote"
        await pilot.pause()
        text = shown(screen, "#audit-remote-problem")
        assert "not available here" in text and "local audit" in text
        assert screen.query_one("#audit-local-table").empty_text == \
            "No remote action recorded yet"
