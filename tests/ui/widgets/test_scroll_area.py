"""The scroll bar of a `ScrollArea` shows where the view is after its content shrank to fit and
grew again (Textual 8.2.8 left the hidden bar's thumb where it was)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from intune_tui.ui.widgets.scroll_area import ScrollArea


class Report(App[None]):
    CSS = "ScrollArea { height: 8; }"

    def compose(self) -> ComposeResult:
        with ScrollArea():
            yield Static(id="text")

    def show(self, lines: int) -> None:
        self.query_one("#text", Static).update(Text("\n".join(f"line {n}" for n in range(lines))))


async def test_the_thumb_is_at_the_top_when_a_long_text_follows_one_that_fit() -> None:
    app = Report()
    async with app.run_test(size=(40, 12)) as pilot:
        area = app.query_one(ScrollArea)
        app.show(49)  # a long plan, read to its end
        await pilot.pause()
        area.scroll_end(animate=False)
        await pilot.pause()
        assert area.scroll_y == 41 and area.vertical_scrollbar.position == 41
        app.show(1)  # "Running…": fits, the bar hides and the view goes to the top
        await pilot.pause()
        app.show(14)  # the report: longer than the window again
        await pilot.pause()
        assert area.show_vertical_scrollbar
        assert area.scroll_y == 0
        assert area.vertical_scrollbar.position == 0, "the thumb is not where the view is"
