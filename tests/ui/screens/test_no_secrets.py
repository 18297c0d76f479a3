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


async def test_no_token_on_disk_after_a_debug_session_over_loopback_http(wait_until) -> None:
    """The real transport (httpx, httpcore) logs at DEBUG too: a bring-your-own token, sent over
    HTTP to the demo server, is in no file the app or its headless export wrote."""
    import os
    import subprocess
    import sys

    from intune_tui.demo.server import DemoServer
    from intune_tui.session import open_session

    root = Path(__file__).resolve().parents[3]
    with DemoServer(devices=300) as server:
        token = server.token
        settings = dataclasses.replace(load_settings(None), access_token=token,
                                       graph_url=server.url, debug=True)
        setup_logging(settings)
        app = IntuneApp(settings, open_session(settings))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await at_device(pilot, app, wait_until, WINDOWS_ID)
                await open_menu(pilot, app, wait_until)
                await choose(pilot, app, wait_until, "syncDevice")
                await pilot.press("y")
                await wait_until(pilot, lambda: any(
                    request.method == "POST" for request in server.fake.requests))
                await pilot.press("colon", *"export json", "enter")
                await pilot.pause(0.5)
        finally:
            reset_logging()
        output = settings.data_dir / "headless.csv"
        env = {**os.environ, "PYTHONPATH": str(root), "INTUNE_TUI_ACCESS_TOKEN": token}
        headless = subprocess.run(
            [sys.executable, "-m", "intune_tui", "--debug", "--graph-url", server.url,
             "export", "devices", "--output", str(output)],
            env=env, capture_output=True, text=True, timeout=120, check=False)

    assert headless.returncode == 0, headless.stderr
    assert output.exists() and settings.audit_path.exists()
    log = settings.log_path.read_text(encoding="utf-8")
    assert "managedDevices" in log and "httpcore" in log  # the debug log of the real transport
    config_dir = settings.config_path.parent
    folders = [folder for folder in (settings.data_dir, settings.log_dir, config_dir)
               if folder.exists()]
    everything = written_text(*folders) + headless.stdout + headless.stderr
    _header, payload, signature = token.split(".")
    for secret in (token, payload, signature):
        assert secret not in everything
