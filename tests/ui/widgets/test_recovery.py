"""The device screen's Recovery tab on the demo tenant: masked until `v`, masked again after the
delay and when the screen is left, audited without the secret, never written to disk, and a 403
that says which scope and which Entra role are missing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from intune_tui.config import load_settings
from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.secrets import decode_password
from intune_tui.logs import reset_logging, setup_logging
from intune_tui.session import demo_session
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen
from intune_tui.ui.widgets.recovery import RecoveryPanel

# CONTOSO-LT-63219 of the seeded 300-device tenant: one BitLocker key, three LAPS backups.
LAPTOP_ID = "3ee9d80e-1689-47c4-9dbd-8029760df3f5"
MAC_ID = "3a20c286-f6e4-4e96-ae5b-86977fab47fa"  # 'Björn’s MacBook', FileVault-encrypted


def fake(app: IntuneApp) -> FakeGraph:
    return app.session.fake  # type: ignore[attr-defined,no-any-return]


def secrets_of(app: IntuneApp, device_id: str) -> tuple[str, str]:
    """(BitLocker key, newest LAPS password) the fake holds for the device."""
    vault = fake(app).recovery
    index = fake(app).tenant.devices.index_of(device_id)
    assert index is not None
    return vault.bitlocker_keys(index)[0].key, vault.laps_backups(index)[-1].password


def panel(app: IntuneApp) -> RecoveryPanel:
    return app.screen.query_one(RecoveryPanel)


def note_text(app: IntuneApp) -> str:
    return str(panel(app).query_one("#recovery-note").render())


def screen_text(app: IntuneApp) -> str:
    return app.export_screenshot().replace("&#160;", " ")


async def at_device(pilot: Any, app: IntuneApp, wait_until: Any, device_id: str) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and app.screen._complete and app.screen.table.rows_count >= 300)
    table = app.screen.table  # type: ignore[attr-defined]
    table.move_cursor([row.key for row in table.visible_rows].index(device_id))
    await pilot.pause()


async def open_recovery(pilot: Any, app: IntuneApp, wait_until: Any, device_id: str) -> None:
    await at_device(pilot, app, wait_until, device_id)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
    await pilot.press("k")
    await wait_until(pilot, lambda: bool(panel(app).items) and "Loading" not in note_text(app))


def audit_lines(app: IntuneApp) -> list[dict[str, Any]]:
    path = app.settings.audit_path
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_key_is_masked_until_revealed_and_masked_again_after_the_delay(
        make_app, wait_until, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RecoveryPanel, "mask_after", 0.5)
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_recovery(pilot, app, wait_until, LAPTOP_ID)
        key, password = secrets_of(app, LAPTOP_ID)
        before = screen_text(app)
        assert "BitLocker · OS volume" in before and "LAPS" in before
        assert key not in before and password not in before
        assert not any(request.params.get("$select") in ("key", "credentials")
                       for request in fake(app).requests)

        await pilot.press("v")  # the BitLocker key is highlighted first
        await wait_until(pilot, lambda: panel(app).revealed_count == 1)
        assert key in screen_text(app)
        assert password not in screen_text(app)  # only the chosen secret is read
        reads = [r for r in fake(app).requests if r.params.get("$select") == "key"]
        assert len(reads) == 1 and reads[0].path.endswith(
            fake(app).recovery.bitlocker_keys(
                fake(app).tenant.devices.index_of(LAPTOP_ID))[0].id)

        await wait_until(pilot, lambda: panel(app).revealed_count == 0, timeout=5)
        assert key not in screen_text(app)


async def test_leaving_the_screen_masks_and_the_audit_has_no_secret(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_recovery(pilot, app, wait_until, LAPTOP_ID)
        key, password = secrets_of(app, LAPTOP_ID)
        await pilot.press("down", "v")  # the LAPS password
        await wait_until(pilot, lambda: panel(app).revealed_count == 1)
        shown = screen_text(app)
        index = fake(app).tenant.devices.index_of(LAPTOP_ID)
        assert password in shown
        assert fake(app).recovery.laps_backups(index)[-1].account in shown
        detail = app.screen
        await pilot.press("question_mark")  # help on top: the device screen is left
        await wait_until(pilot, lambda: app.screen is not detail)
        assert detail.query_one(RecoveryPanel).revealed_count == 0
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is detail)
        assert password not in screen_text(app)
        lines = audit_lines(app)
    attempt = next(line for line in lines if line["phase"] == "attempt")
    result = next(line for line in lines if line["phase"] == "result")
    assert attempt["action"] == "revealLapsPassword"
    assert attempt["device_id"] == LAPTOP_ID and attempt["device_name"] == "CONTOSO-LT-63219"
    assert attempt["operator"] and attempt["tenant"]
    assert result["outcome"] == "succeeded" and result["attempt_id"] == attempt["attempt_id"]
    text = json.dumps(lines)
    assert password not in text and key not in text


async def test_leaving_the_tab_masks(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_recovery(pilot, app, wait_until, LAPTOP_ID)
        key, _ = secrets_of(app, LAPTOP_ID)
        await pilot.press("v")
        await wait_until(pilot, lambda: panel(app).revealed_count == 1)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert panel(app).revealed_count == 0
        assert key not in screen_text(app)


async def test_copy_puts_the_secret_on_the_clipboard_and_clears_it(
        make_app, wait_until, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RecoveryPanel, "clipboard_after", 0.5)
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_recovery(pilot, app, wait_until, LAPTOP_ID)
        key, _ = secrets_of(app, LAPTOP_ID)
        await pilot.press("Y")
        await wait_until(pilot, lambda: app.clipboard == key)
        assert all(key not in n.message for n in app._notifications)
        await wait_until(pilot, lambda: app.clipboard == "", timeout=5)


async def test_laps_403_names_the_scope_and_the_role(make_app, wait_until) -> None:
    scopes = tuple(s for s in rules.ALL_DEMO_SCOPES if s != "DeviceLocalCredential.Read.All")
    app = make_app(devices=300, scopes=scopes)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_recovery(pilot, app, wait_until, LAPTOP_ID)
        await pilot.press("down", "v")
        await wait_until(pilot, lambda: "Access denied" in note_text(app))
        shown = note_text(app)  # the sentence as the tab shows it (wrapped on screen)
        assert "DeviceLocalCredential.Read.All" in shown
        assert "Cloud Device Administrator" in shown and "Intune Service Administrator" in shown
        assert panel(app).revealed_count == 0
        lines = audit_lines(app)
    assert [line.get("outcome") for line in lines if line["phase"] == "result"] == ["failed"]


async def test_filevault_key_of_a_mac(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_recovery(pilot, app, wait_until, MAC_ID)
        key = fake(app).recovery.filevault_key(MAC_ID)
        assert key and key not in screen_text(app)
        await pilot.press("v")
        await wait_until(pilot, lambda: panel(app).revealed_count == 1)
        assert key in screen_text(app)


def written_text(root: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace")
                     for path in root.rglob("*") if path.is_file())


async def test_no_revealed_secret_reaches_any_file(wait_until, isolated_app_dirs: Path) -> None:
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=300, debug=True)
    setup_logging(settings)
    app = IntuneApp(settings, demo_session(settings, frozen=True))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await open_recovery(pilot, app, wait_until, LAPTOP_ID)
            await pilot.press("v")
            await wait_until(pilot, lambda: panel(app).revealed_count == 1)
            await pilot.press("down", "Y")
            await wait_until(pilot, lambda: panel(app).revealed_count == 2)
            await pilot.press("escape", "colon", *"export json", "enter")
            await pilot.pause(0.3)
            key, password = secrets_of(app, LAPTOP_ID)
            index = fake(app).tenant.devices.index_of(LAPTOP_ID)
            encoded = [backup.to_json()["passwordBase64"]
                       for backup in fake(app).recovery.laps_backups(index)]
    finally:
        reset_logging()
    assert "recoveryKeys" in settings.log_path.read_text(encoding="utf-8")  # debug log ran
    assert settings.audit_path.exists()
    everything = written_text(isolated_app_dirs)
    for secret in (key, password, *encoded):
        assert secret not in everything
    assert decode_password(encoded[-1]) == password


def test_the_demo_tenant_has_these_devices() -> None:
    demo = FakeGraph(build_tenant(devices=300))
    store = demo.tenant.devices
    assert store.name[store.index_of(LAPTOP_ID)] == "CONTOSO-LT-63219"
    assert demo.recovery.filevault_key(MAC_ID)


async def test_revealed_secrets_are_not_in_the_request_log(make_app, wait_until) -> None:
    app = make_app(devices=300)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_recovery(pilot, app, wait_until, LAPTOP_ID)
        key, password = secrets_of(app, LAPTOP_ID)
        await pilot.press("v")
        await wait_until(pilot, lambda: panel(app).revealed_count == 1)
        await pilot.press("down", "v")
        await wait_until(pilot, lambda: panel(app).revealed_count == 2)
        entries = app.session.requests.entries()
    logged = json.dumps([dataclasses.asdict(entry) for entry in entries], default=str)
    assert "$select=key" in logged and "deviceLocalCredentials" in logged  # the reads are there
    assert key not in logged and password not in logged
