"""What every detail screen shares (ui/screens/detail.py)."""

from __future__ import annotations

import gc

from .remote_action_support import at_device


async def test_a_detail_screen_is_built_without_cyclic_collections_then_they_resume(
        make_app, wait_until, monkeypatch) -> None:
    from intune_tui.ui.screens.device_detail import DeviceDetailScreen

    app = make_app(devices=300)
    at_mount: list[bool] = []
    original = DeviceDetailScreen.on_mount

    def on_mount(screen: DeviceDetailScreen) -> None:
        at_mount.append(gc.isenabled())
        original(screen)

    monkeypatch.setattr(DeviceDetailScreen, "on_mount", on_mount)
    async with app.run_test(size=(120, 40)) as pilot:
        await at_device(pilot, app, wait_until, "3ee9d80e-1689-47c4-9dbd-8029760df3f5")
        assert gc.isenabled()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        await pilot.pause()
        assert at_mount == [False]
        assert gc.isenabled()
