"""The search box: typing repaints the box, it does not lay out the whole screen again."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from intune_tui.ui.widgets.search_box import SearchBox


class BoxApp(App[None]):
    CSS: ClassVar[str] = """
    #search { height: 1; border: none; padding: 0 1; display: none; }
    #search.-visible { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield SearchBox(placeholder="Search")
        yield Static("rows", id="rows")


def box_line(app: BoxApp) -> str:
    box = app.query_one(SearchBox)
    return "".join(segment.text for segment in box.render_line(0))


@contextlib.asynccontextmanager
async def opened_box() -> AsyncIterator[tuple[BoxApp, Pilot[None], SearchBox]]:
    app = BoxApp()
    async with app.run_test(size=(40, 10)) as pilot:
        box = app.query_one(SearchBox)
        box.open()
        await pilot.pause()
        yield app, pilot, box


async def test_typing_repaints_the_box_without_laying_out_the_screen() -> None:
    async with opened_box() as (app, pilot, box):
        layouts = 0
        lay_out = app.screen._refresh_layout

        def counted(*args: object, **kwargs: object) -> None:
            nonlocal layouts
            layouts += 1
            lay_out(*args, **kwargs)  # type: ignore[arg-type]

        app.screen._refresh_layout = counted  # type: ignore[method-assign]
        await pilot.press(*"ingrid")
        await pilot.pause()
        assert box.value == "ingrid"
        assert "ingrid" in box_line(app)
        assert layouts == 0


async def test_a_query_longer_than_the_box_scrolls_to_what_is_typed() -> None:
    async with opened_box() as (app, pilot, box):
        typed = "user:alice@contoso.com os:ios compliance:noncompliant synced<7d"
        await pilot.press(*(("space" if c == " " else "colon" if c == ":" else
                             "less_than_sign" if c == "<" else c) for c in typed))
        await pilot.pause()
        assert box.value == typed
        assert "synced<7d" in box_line(app)
        assert "user:alice" not in box_line(app)
        await pilot.press("home")
        await pilot.pause()
        assert "user:alice" in box_line(app)
