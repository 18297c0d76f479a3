""":audit: the local audit newest first (answered or not), its hash chain verified on every read
with any break shown first, Intune's remoteActionAudits beside it newest first, and a sentence
instead of that tab when the tenant does not allow it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.geometry import Region
from textual.widgets import Static, TabbedContent

from intune_tui import audit
from intune_tui.audit import OUTCOME_NO_ANSWER, AuditLog, AuditRecord, ChainKey
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
    screen = app.screen
    await wait_until(pilot, lambda: "Verifying" not in shown(screen, "#audit-chain"))
    return screen


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
            ("Sync", "CONTOSO-DT-91956", "accepted by Intune"),
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


# --- the chain, as the helpdesk sees it ---------------------------------------------------------

def write_three(path: Path) -> AuditLog:
    """Three answered attempts: lines 1 to 6 of the file."""
    log = AuditLog(path)
    for name in ("PC-1", "PC-2", "PC-3"):
        attempt_id = log.begin(AuditRecord(tenant="Contoso", operator="helpdesk@contoso.com",
                                           action="remoteLock", device_id=f"id-{name}",
                                           device_name=name))
        log.complete(attempt_id, outcome="succeeded", http_status=204)
    return log


def rewrite(path: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in change(path.read_bytes().splitlines())))


def outcomes(screen: AuditScreen) -> dict[str, str]:
    return {row.cells[2]: row.cells[3]
            for row in screen.query_one("#audit-local-table").visible_rows}


async def test_an_edited_line_shows_as_a_break_above_the_table(make_app, wait_until) -> None:
    app = make_app()
    write_three(app.settings.audit_path)
    rewrite(app.settings.audit_path,
            lambda lines: [line.replace(b'"PC-2"', b'"PC-7"') for line in lines])
    async with app.run_test(size=(120, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        banner = shown(screen, "#audit-chain")
        assert "AUDIT CHAIN BROKEN (edited): line 3 was changed after it was written" in banner
        assert screen.query_one("#audit-chain").has_class("-broken")
        assert outcomes(screen) == {"PC-3": "accepted by Intune", "PC-7": "⚠ accepted by Intune",
                                    "PC-1": "accepted by Intune"}
        await pilot.press("down")
        await pilot.pause()
        detail = whole(screen, "#audit-local-detail")
        assert "BROKEN: line 3 was changed after it was written" in squeeze_spaces(detail)


async def test_a_deleted_line_shows_as_a_break(make_app, wait_until) -> None:
    app = make_app()
    write_three(app.settings.audit_path)
    rewrite(app.settings.audit_path, lambda lines: lines[:3] + lines[4:])
    async with app.run_test(size=(120, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        banner = squeeze_spaces(shown(screen, "#audit-chain"))
        assert "AUDIT CHAIN BROKEN (removed): 1 record(s) removed before line 4 (record 4 is " \
               "missing)" in banner
        # The removed line was PC-2's result: its attempt now reads as never answered.
        assert outcomes(screen)["PC-2"] == OUTCOME_NO_ANSWER


async def test_an_appended_forged_result_shows_as_a_break(make_app, wait_until) -> None:
    app = make_app()
    log = write_three(app.settings.audit_path)
    closed = log.begin(AuditRecord(tenant="Contoso", operator="helpdesk@contoso.com",
                                   action="wipe", device_id="id-W", device_name="WIPED"))
    with app.settings.audit_path.open("a", encoding="utf-8") as file:
        file.write(json.dumps({"phase": "result", "attempt_id": closed, "time": "x",
                               "outcome": "failed", "http_status": 400}) + "\n")
    async with app.run_test(size=(120, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        banner = squeeze_spaces(shown(screen, "#audit-chain"))
        assert "AUDIT CHAIN BROKEN (unchained): line 8 has no chain link: added or " \
               "rewritten outside intune-tui" in banner
        assert outcomes(screen)["WIPED"] == "⚠ failed"


async def test_an_unkeyed_chain_says_what_it_cannot_detect(make_app, wait_until) -> None:
    app = make_app()
    write_three(app.settings.audit_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        banner = squeeze_spaces(shown(screen, "#audit-chain"))
        assert banner.startswith("Chain intact over 6 line(s).")
        assert "chain not keyed: an editor who recomputes hashes is not detected" in banner
        assert not screen.query_one("#audit-chain").has_class("-broken")


async def test_a_keyed_chain_does_not_warn(make_app, wait_until,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "DEFAULT_KEY_PROVIDER", lambda: ChainKey(bytes(range(32))))
    app = make_app()
    write_three(app.settings.audit_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        assert squeeze_spaces(shown(screen, "#audit-chain")) == "Chain intact over 6 line(s)."


async def test_an_old_unchained_file_reads_as_before_chaining(make_app, wait_until) -> None:
    app = make_app()
    old = [{"phase": "attempt", "attempt_id": "a1", "time": "2026-01-05T10:00:00Z",
            "tenant": "Contoso", "operator": "o", "action": "wipe", "device_id": "d1",
            "device_name": "OLD-PC", "serial": "", "options": {}},
           {"phase": "result", "attempt_id": "a1", "time": "2026-01-05T10:00:01Z",
            "outcome": "cancelled", "http_status": None, "request_id": None, "error": None}]
    app.settings.audit_path.parent.mkdir(parents=True, exist_ok=True)
    app.settings.audit_path.write_text("".join(json.dumps(line) + "\n" for line in old))
    async with app.run_test(size=(120, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        banner = squeeze_spaces(shown(screen, "#audit-chain"))
        assert "BROKEN" not in banner
        assert "2 older line(s) before chaining, not verifiable" in banner
        assert outcomes(screen) == {"OLD-PC": "not sent (cancelled)"}
        assert "before chaining" in squeeze_spaces(whole(screen, "#audit-local-detail"))


async def test_intune_remote_action_audits_are_newest_first(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(160, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        remote = screen.query_one("#audit-remote-table")
        await wait_until(pilot, lambda: remote.rows_count > 1)
        requested = [row.sort_keys[3] for row in remote.visible_rows]
        assert requested == sorted(requested, reverse=True) and len(set(requested)) > 1


def whole(screen: AuditScreen, selector: str) -> str:
    """Every line a bordered widget shows (its border included)."""
    widget = screen.query_one(selector, Static)
    lines = widget.render_lines(Region(0, 0, *widget.outer_size))
    return "\n".join(strip.text.rstrip() for strip in lines)


def squeeze_spaces(text: str) -> str:
    """Shown text with its wrapping (and the banner's left border) undone."""
    return " ".join(text.replace("█", " ").split())




async def test_several_breaks_are_each_named(make_app, wait_until) -> None:
    app = make_app()
    write_three(app.settings.audit_path)
    rewrite(app.settings.audit_path,
            lambda lines: [lines[0].replace(b'"PC-1"', b'"PC-0"'), *lines[1:3], *lines[4:]])
    async with app.run_test(size=(120, 40)) as pilot:
        await list_ready(pilot, app, wait_until)
        screen = await open_audit(pilot, app, wait_until)
        banner = squeeze_spaces(shown(screen, "#audit-chain"))
        assert banner.startswith("AUDIT CHAIN BROKEN in 2 places, first (edited): line 1 was "
                                 "changed after it was written (its seal does not match) then "
                                 "(removed): 1 record(s) removed before line 4 (record 4 is "
                                 "missing)")
