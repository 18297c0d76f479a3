"""The key bar shows the keys that matter on the screen, at 80 columns too, and nothing cut."""

from __future__ import annotations

from typing import Any

import pytest
from make_screenshots import WINDOWS_DEVICE, devices_loaded, open_device
from textual.widgets._footer import FooterKey


def footer_keys(app: Any) -> list[str]:
    return [key.key_display for key in app.screen.query(FooterKey)
            if not key.has_class("-command-palette")]


def footer_width(app: Any) -> int:
    keys = [key for key in app.screen.query(FooterKey) if key.display]
    return max(key.region.right for key in keys)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_devices_footer_shows_why_actions_and_bulk(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await devices_loaded(pilot)
        await pilot.pause(0.3)
        shown = footer_keys(app)
        assert {"w", "a", "A", "⏎", "/", "?", "q"} <= set(shown), shown
        assert footer_width(app) <= size[0]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_device_screen_footer_shows_actions(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_device(pilot, WINDOWS_DEVICE)
        await pilot.pause(0.3)
        shown = footer_keys(app)
        assert {"a", "esc", "?", "q"} <= set(shown), shown
        assert footer_width(app) <= size[0]


async def test_the_bar_is_rebuilt_only_when_its_keys_change(make_app) -> None:
    from intune_tui.ui.widgets.key_footer import KeyFooter

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        await pilot.pause(0.3)
        footer = app.screen.query_one(KeyFooter)
        before = list(footer.query(FooterKey))
        await footer.recompose()  # the bindings signal with nothing changed
        assert list(footer.query(FooterKey)) == before
        await pilot.resize_terminal(80, 24)  # narrower: other labels, so a new bar
        await pilot.pause(0.3)
        assert list(footer.query(FooterKey)) != before
