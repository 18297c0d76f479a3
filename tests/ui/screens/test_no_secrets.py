"""After a full session (list, search, detail, a remote action, exports, :audit) with debug
logging on, the token appears in no file the app wrote and nowhere on screen."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from intune_tui.config import load_settings
from intune_tui.logs import reset_logging, setup_logging
from intune_tui.session import demo_session
from intune_tui.ui.app import IntuneApp
from intune_tui.ui.screens.audit import AuditScreen
from intune_tui.ui.screens.device_detail import DeviceDetailScreen

from .remote_action_support import (
    WINDOWS_ID,
    at_device,
    choose,
    open_menu,
    settle,
)


def written_text(*folders: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace")
                     for folder in folders for path in folder.rglob("*") if path.is_file())


async def test_no_token_in_logs_audit_exports_or_screen(wait_until) -> None:
    settings = dataclasses.replace(load_settings(None), demo=True, demo_devices=300, debug=True)
    setup_logging(settings)
    app = IntuneApp(settings, demo_session(settings, frozen=True))
    screens: list[str] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await at_device(pilot, app, wait_until, WINDOWS_ID)
            await open_menu(pilot, app, wait_until)
            await choose(pilot, app, wait_until, "syncDevice")
            await pilot.press("y")
            await settle(pilot, app, wait_until, posts=1)
            await pilot.press("slash", *"os:windows", "enter")
            await wait_until(pilot, lambda: app.screen._complete)
            await pilot.press("e")
            await pilot.press("colon", *"export json", "enter")
            screens.append(app.export_screenshot())
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
            screens.append(app.export_screenshot())
            await pilot.press("escape", "colon", *"audit", "enter")
            await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen))
            screens.append(app.export_screenshot())
            token = await app.session.token_provider.get_token()
    finally:
        reset_logging()

    exports = list((settings.data_dir / "exports").glob("*"))
    assert {path.suffix for path in exports} == {".csv", ".json"}
    assert settings.audit_path.exists()
    assert "managedDevices" in settings.log_path.read_text(encoding="utf-8")  # debug log ran
    everything = written_text(settings.data_dir, settings.log_dir) + "\n".join(screens)
    _header, payload, signature = token.split(".")
    for secret in (token, payload, signature):
        assert secret not in everything
