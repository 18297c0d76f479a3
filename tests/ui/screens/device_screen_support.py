"""Driving the device screen in tests as a user does: a tab other than the first is built when
it is first opened, so a test opens it (as a click or `]` would) before it looks inside."""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.widgets import TabbedContent
from waiting import wait_until

from intune_tui.ui.widgets.detail import RowsPane
from intune_tui.ui.widgets.tab_bar import TabBar


async def open_tab(pilot: Any, screen: Any, tab_id: str) -> None:
    """Open `tab_id` on a detail screen and wait until its widgets are there."""
    tabs = screen.query_one(TabbedContent)
    tabs.active = tab_id

    def shown() -> bool:
        try:  # the device screen mounts a pane only once it has all its widgets
            pane = tabs.get_pane(tab_id)
        except NoMatches:
            return False
        return pane.display and bool(pane.children)

    await wait_until(pilot, shown, what=f"the {tab_id} tab")
    await pilot.pause()


async def click_tab(pilot: Any, screen: Any, tab_id: str) -> None:
    """Click the label of `tab_id` in the device screen's tab bar, where it is drawn."""
    bar = screen.query_one(TabBar)
    tab = next(tab for tab in bar.tabs if tab.tab_id == tab_id)
    await pilot.click(TabBar, offset=(tab.start - round(bar.strip_x) + 1, 0))


def device_settled(app: Any) -> bool:
    """The device screen's reads have all answered and each list built so far is loaded."""
    screen = app.screen
    return (not any(job.key.startswith("device:") for job in app._jobs.values())
            and all(pane.table.empty_text != "Loading…" for pane in screen.query(RowsPane)))
