"""The key bar shows the keys that matter on the screen, at 80 columns too, and nothing cut; a
click on a key presses it; the keys follow the focus."""

from __future__ import annotations

from typing import Any

import pytest
from make_screenshots import WINDOWS_DEVICE, devices_loaded, open_device
from textual.widgets import TabbedContent
from waiting import wait_until

from intune_tui.ui.widgets.key_footer import KeyFooter


def footer_keys(app: Any) -> list[str]:
    return [key.display for key in app.screen.query_one(KeyFooter).shown]


def bar_line(app: Any) -> str:
    """The bar's line as drawn on the screen."""
    footer = app.screen.query_one(KeyFooter)
    return "".join(segment.text for segment in footer.render_lines(footer.region.reset_offset)[0])


def assert_whole_keys(app: Any, width: int) -> None:
    """Every key shown is on the line with its whole label, inside the width."""
    line = bar_line(app)
    assert len(line) == width
    for key in app.screen.query_one(KeyFooter).shown:
        assert f"{key.display} {key.label}" in line, (key, line)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_devices_footer_shows_why_actions_and_bulk(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await devices_loaded(pilot)
        await pilot.pause(0.3)
        shown = footer_keys(app)
        assert {"w", "a", "A", "⏎", "/", "?", "q"} <= set(shown), shown
        assert_whole_keys(app, size[0])
        assert ("^p palette" in bar_line(app)) == (size[0] >= 100)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_device_screen_footer_shows_actions(make_app, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_device(pilot, WINDOWS_DEVICE)
        await pilot.pause(0.3)
        shown = footer_keys(app)
        assert {"a", "esc", "?", "q"} <= set(shown), shown
        assert_whole_keys(app, size[0])
        # The screen's order of importance, not the binding chain's.
        assert shown[:4] == ["a", "esc", "c", "?"], shown


async def test_narrower_takes_short_labels_and_leaves_out_what_does_not_fit(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_device(pilot, WINDOWS_DEVICE)
        await pilot.pause(0.3)
        assert "c Why non-compliant? " in bar_line(app)
        at_120 = footer_keys(app)
        await pilot.resize_terminal(50, 24)
        await wait_until(pilot, lambda: len(bar_line(app)) == 50)
        await pilot.pause(0.1)
        assert_whole_keys(app, 50)
        shown = footer_keys(app)
        assert "c Why " in bar_line(app)
        assert "non-compliant" not in bar_line(app)
        assert 0 < len(shown) < len(at_120)
        assert shown == [key for key in at_120 if key in shown]  # in the same order
        assert shown[:2] == ["a", "esc"]  # the most important stay


async def test_a_click_on_a_key_presses_it(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_device(pilot, WINDOWS_DEVICE)
        await pilot.pause(0.3)
        footer = app.screen.query_one(KeyFooter)
        keys = next(key for key in footer.shown if key.display == "k")
        await pilot.click(KeyFooter, offset=(footer.styles.padding.left + keys.start, 0))
        await wait_until(pilot, lambda: app.screen.query_one(TabbedContent).active
                         == "recovery")
        back = next(key for key in footer.shown if key.display == "esc")
        await pilot.click(KeyFooter, offset=(footer.styles.padding.left + back.end - 1, 0))
        await wait_until(pilot, lambda: type(app.screen).__name__ == "DevicesScreen")


async def test_the_keys_follow_the_focus(make_app) -> None:
    """The device list's own keys (Open, Mark) are there while it has the focus, and go when
    the search box takes it."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await devices_loaded(pilot)
        await pilot.pause(0.3)
        assert "⏎ Open" in bar_line(app)
        await pilot.press("slash")
        await wait_until(pilot, lambda: "⏎ Open" not in bar_line(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: "⏎ Open" in bar_line(app))
