"""The tab bar: a click on a label (or under it) picks that tab and focuses the bar, ← and →
move between tabs while it has the focus, the label under the mouse and the active one are drawn
apart, and a bar wider than the screen keeps the active tab in view."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import Static

from intune_tui.ui.widgets.tab_bar import TabBar

LABELS = (("overview", "Overview"), ("compliance", "Compliance"), ("config", "Config"),
          ("apps", "Apps"))


class Pane(Static, can_focus=True):
    """Where the focus goes when it leaves the bar."""


class BarApp(App[None]):
    """A bar above a pane, that records which tab the user picked (DeviceTabs shows it)."""

    CSS: ClassVar[str] = "Pane { height: 1; }"

    def __init__(self) -> None:
        super().__init__()
        self.picked: list[str] = []

    def compose(self) -> ComposeResult:
        yield TabBar(LABELS, active="overview")
        yield Pane("", id="after")

    def on_tab_bar_chosen(self, event: TabBar.Chosen) -> None:
        self.picked.append(event.tab_id)


def drawn(bar: TabBar) -> tuple[str, str]:
    """The bar's two lines as text."""
    lines = bar.render_lines(bar.region.reset_offset)
    return "".join(s.text for s in lines[0]), "".join(s.text for s in lines[1])


def style_of(bar: TabBar, label: str) -> Style:
    """The style a label's text is drawn in."""
    line = bar.render_lines(bar.region.reset_offset)[0]
    return next(segment.style for segment in line if segment.text == label and segment.style)


def lit(bar: TabBar) -> str:
    """The labels above the lit part of the underline."""
    labels, underline = drawn(bar)
    segments = list(bar.render_lines(bar.region.reset_offset)[1])
    bright = bar.get_component_rich_style("tab-bar--underline").color
    x, spans = 0, []
    for segment in segments:
        if segment.style is not None and segment.style.color == bright:
            spans.append(labels[x:x + len(segment.text)])
        x += len(segment.text)
    assert len(underline) == len(labels)
    return "".join(spans).strip()


async def test_a_click_on_a_label_picks_it_and_focuses_the_bar() -> None:
    app = BarApp()
    async with app.run_test(size=(60, 5)) as pilot:
        bar = app.query_one(TabBar)
        await pilot.click("#after")  # the bar does not have the focus
        assert not bar.has_focus
        labels, _ = drawn(bar)
        await pilot.click(TabBar, offset=(labels.index("Config") + 2, 0))
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert app.picked == ["config"]
        assert bar.active == "config" and bar.has_focus
        assert lit(bar) == "Config"
        await pilot.click(TabBar, offset=(labels.index("Compliance") - 1, 1))  # under its pad
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert app.picked == ["config", "compliance"]
        assert lit(bar) == "Compliance"
        await pilot.click(TabBar, offset=(labels.index("Apps") + 10, 0))  # right of every tab
        await pilot.click(TabBar, offset=(labels.index("Compliance") + 1, 0))  # the active one
        assert app.picked == ["config", "compliance"]


async def test_arrows_move_between_tabs_while_the_bar_has_the_focus() -> None:
    app = BarApp()
    async with app.run_test(size=(60, 5)) as pilot:
        bar = app.query_one(TabBar)
        bar.focus()
        await pilot.press("right", "right")
        assert app.picked == ["compliance", "config"]
        await pilot.press("left", "left", "left")  # past the first: the last
        assert app.picked == ["compliance", "config", "compliance", "overview", "apps"]
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert lit(bar) == "Apps"


async def test_the_active_label_the_focused_one_and_the_hovered_one_look_apart() -> None:
    app = BarApp()
    async with app.run_test(size=(60, 5)) as pilot:
        bar = app.query_one(TabBar)
        await pilot.click("#after")
        await pilot.pause()
        plain, active = style_of(bar, "Config"), style_of(bar, "Overview")
        assert plain.color != active.color
        labels, _ = drawn(bar)
        await pilot.hover(TabBar, offset=(labels.index("Config"), 0))
        await pilot.pause()
        assert style_of(bar, "Config").color == active.color  # lit under the mouse
        await pilot.hover(TabBar, offset=(labels.index("Config"), 1))  # its underline: not
        await pilot.pause()
        assert style_of(bar, "Config") == plain
        bar.focus()
        await pilot.pause()
        cursor = style_of(bar, "Overview")
        assert cursor.bgcolor != active.bgcolor and cursor.bold  # the block cursor


async def test_a_bar_wider_than_the_screen_keeps_the_active_tab_in_view() -> None:
    app = BarApp()
    async with app.run_test(size=(20, 5)) as pilot:
        bar = app.query_one(TabBar)
        bar.focus()
        await pilot.press("left")  # to the last tab, at the end of the line
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        labels, underline = drawn(bar)
        assert len(labels) == len(underline) == 20
        assert "Apps" in labels and "Overview" not in labels
        assert lit(bar) == "Apps"
        await pilot.click(TabBar, offset=(labels.index("Apps") + 1, 0))  # where it is drawn now
        assert bar.active == "apps"
