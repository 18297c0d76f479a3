"""`:tenant NAME` switches to another profile's tenant without a restart; no row crosses over."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from intune_tui.config import load_settings
from intune_tui.demo.server import DemoServer
from intune_tui.session import open_session
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.screens.devices import DevicesScreen


@pytest.fixture
def two_tenants(monkeypatch: pytest.MonkeyPatch):
    with DemoServer(devices=120, seed=7) as contoso, DemoServer(devices=80, seed=11) as fabrikam:
        config = Path(os.environ["INTUNE_TUI_CONFIG_DIR"]) / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            'default_profile = "contoso"\n'
            "[profiles.contoso]\n"
            'tenant = "contoso.onmicrosoft.com"\n'
            f'graph_url = "{contoso.url}"\n'
            "[profiles.fabrikam]\n"
            'tenant = "fabrikam.onmicrosoft.com"\n'
            f'graph_url = "{fabrikam.url}"\n',
            encoding="utf-8",
        )
        # The demo servers share the demo tenant's signing key, so one token serves both.
        monkeypatch.setenv("INTUNE_TUI_ACCESS_TOKEN", contoso.token)
        yield contoso, fabrikam


async def test_unknown_profile_is_named_and_nothing_changes(two_tenants, wait_until):
    settings = load_settings(None)
    app = IntuneApp(settings, open_session(settings))
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen._complete)
        await pilot.press("colon", *"tenant nowhere", "enter")
        await pilot.pause()
        assert "contoso.onmicrosoft.com" in app.sub_title
        assert any("nowhere" in n.message for n in app._notifications)
