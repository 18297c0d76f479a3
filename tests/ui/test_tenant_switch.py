"""`:tenant NAME` switches to another profile's tenant without a restart; no row crosses over."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from screens.remote_action_support import choose

from intune_tui.config import load_settings
from intune_tui.demo.server import DemoServer
from intune_tui.session import open_session
from intune_tui.ui.action_flow import action_flow
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.screens.actions import ActionsMenu
from intune_tui.ui.screens.devices import DevicesScreen


@pytest.fixture
def two_tenants(tmp_path: Path):
    """Two loopback tenants of different sizes, each profile with its own token command."""
    with DemoServer(devices=120, seed=7) as contoso, DemoServer(devices=80, seed=11) as fabrikam:
        lines = ['default_profile = "contoso"']
        for name, server in (("contoso", contoso), ("fabrikam", fabrikam)):
            token_file = tmp_path / f"{name}.token"
            token_file.write_text(server.token, encoding="utf-8")
            lines += [f"[profiles.{name}]", f'tenant = "{name}.onmicrosoft.com"',
                      f'graph_url = "{server.url}"', f'access_token_command = "cat {token_file}"']
        config = Path(os.environ["INTUNE_TUI_CONFIG_DIR"]) / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield contoso, fabrikam


def open_app() -> IntuneApp:
    settings = load_settings(None)
    return IntuneApp(settings, open_session(settings))


async def test_switching_tenant_reloads_from_the_other_tenant_only(two_tenants, wait_until):
    contoso, fabrikam = two_tenants
    app = open_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        assert app.settings.profile == "contoso"
        contoso_keys = {row.key for row in app.screen.table.visible_rows}
        assert len(contoso_keys) == 120
        asked_contoso = len(contoso.fake.requests)

        await pilot.press("colon", *"tenant fabrikam", "enter")
        await wait_until(pilot, lambda: app.settings.profile == "fabrikam"
                         and app.screen._complete and app.screen.table.rows_count == 80)

        shown = {row.key for row in app.screen.table.visible_rows}
        assert shown == {fabrikam.tenant.devices.id_of(i) for i in range(80)}
        assert len(contoso.fake.requests) == asked_contoso  # the old tenant is not asked again
        assert fabrikam.fake.requests


async def test_unknown_profile_is_named_and_nothing_changes(two_tenants, wait_until):
    app = open_app()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        await pilot.press("colon", *"tenant nowhere", "enter")
        # the switch runs as a Textual worker: its answer is not one pause away on a busy machine
        await wait_until(pilot, lambda: any("nowhere" in n.message for n in app._notifications))
        assert app.settings.profile == "contoso"


def _audit_lines() -> list[dict]:
    settings = load_settings(None)
    path = settings.audit_path
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def test_switching_tenant_waits_for_a_remote_action_on_the_wire(two_tenants, wait_until):
    """`:tenant` during a slow POST: the POST is answered and audited before the switch."""
    contoso, _fabrikam = two_tenants
    answer = contoso.fake.faults.hold_next(path_contains="/syncDevice")
    app = open_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        rows = app.screen.table.visible_rows
        index = next(i for i, row in enumerate(rows)
                     if row.item.get("operatingSystem") == "Windows")
        app.screen.table.move_cursor(index)
        device_id = rows[index].key
        await pilot.pause()
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu))
        await choose(pilot, app, wait_until, "syncDevice")
        await pilot.press("y")
        await wait_until(pilot, lambda: bool(action_flow(app).in_flight))

        await pilot.press("colon", *"tenant fabrikam", "enter")
        await wait_until(pilot, lambda: any("Waiting for 1 action (Sync" in n.message
                                            for n in app._notifications))
        await pilot.pause(0.3)
        # not switched while the POST is out
        assert app.settings.profile == "contoso" and action_flow(app).in_flight
        answer.set()
        await wait_until(pilot, lambda: app.settings.profile == "fabrikam")

    posts = [r for r in contoso.fake.requests if r.method == "POST"]
    assert [(r.path, r.status) for r in posts] == [
        (f"/v1.0/deviceManagement/managedDevices/{device_id}/syncDevice", 204)]
    phases = [(line["phase"], line.get("outcome")) for line in _audit_lines()]
    assert phases == [("attempt", None), ("result", "succeeded")]
