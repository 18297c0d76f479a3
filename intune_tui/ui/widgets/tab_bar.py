"""The device screen's tab bar: every tab's label on one line and the underline under the active
one on the next, as one widget drawn with Textual's line API.

Textual 8.2.8's TabbedContent puts a Tabs above its panes: three containers, a Tab widget per
label and an animated Underline, 13 widgets for the device screen's eight tabs, each styled, laid
out and drawn before the screen's first frame; the Tabs then took the focus and restyled its
whole subtree, and its underline was placed one refresh later. With this one widget the UI
thread's CPU from Enter to the device screen's first frame went from a median of 84 to 37 ms
(tests/perf/bench_device_screen.py, interleaved runs, load average 5-7, 2026-12-07).

It draws what they drew, cell for cell and style for style (the snapshot tests compare them,
and 44 states - hover, focus, clicks, arrows, light and ansi themes, 60 columns - were compared
cell by cell with Textual's); its colours are component classes that mirror Tab's, Tabs' and
Underline's CSS. It keeps what a user does with Tabs: a click on a label (or on the underline
under it) opens that tab and focuses the bar, ← and → move between tabs while the bar has the
focus, the label under the mouse lights up, the underline slides to the new tab, and a bar wider
than the screen scrolls to centre the active tab. Differences: the underline is under the active
tab in the first frame already; under 70 columns, when the bar scrolls under a still mouse, the
label lit stays the one the mouse last moved or clicked on (Textual re-checked it at some
refreshes).
It only shows which tab is active: the owner (DeviceTabs) decides when a tab is shown, and tells
the bar (`active`); the bar posts `Chosen` when the user picks one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.renderables.bar import Bar
from textual.strip import Strip
from textual.widget import Widget

from intune_tui.ui.widgets.part_styles import PartStyles


@dataclass(frozen=True)
class TabLabel:
    """A tab as drawn: its id, its label, and the cells it covers on the whole (unscrolled)
    line, padding included."""

    tab_id: str
    label: str
    start: int
    end: int

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2


def underline_segments(console: Console, width: int, start: float, end: float,
                       highlight: Style, background: Style) -> list[Segment]:
    """The underline `width` cells wide, `start`..`end` highlighted (half cells while it slides):
    Textual's own Bar (the Underline of its Tabs) as segments."""
    bar = Bar((start, end), highlight_style=highlight, background_style=background, width=width)
    return [segment for segment in console.render(bar, console.options.update_width(width))
            if segment.text != "\n"]


class TabBar(Widget, can_focus=True):
    """Tab labels on one line, the active one underlined on the next."""

    ALLOW_SELECT = False
    BINDINGS: ClassVar[list[BindingType]] = [
        # Textual's Tabs' keys (same descriptions in `?`), with ids to remap them.
        Binding("left", "previous_tab", "Previous tab", show=False, id="tabs.previous"),
        Binding("right", "next_tab", "Next tab", show=False, id="tabs.next"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tab-bar--tab", "tab-bar--hover", "tab-bar--active", "tab-bar--cursor",
        "tab-bar--underline",
    }
    # Textual 8.2.8's Tab, Tabs and Underline CSS, as one widget's parts: --tab is every label
    # (Tab), --hover the one under the mouse (Tab:hover), --active the active one (Tab.-active),
    # --cursor the active one while the bar has the focus (Tabs:focus .-active).
    DEFAULT_CSS = """
    TabBar {
        width: 100%;
        height: 2;
        & > .tab-bar--tab { color: $foreground 50%; padding: 0 1; }
        & > .tab-bar--hover { color: $foreground; }
        & > .tab-bar--active { color: $foreground; }
        & > .tab-bar--cursor {
            text-style: $block-cursor-text-style;
            color: $block-cursor-foreground;
            background: $block-cursor-background;
        }
        & > .tab-bar--underline {
            color: $block-cursor-background;
            background: $foreground 10%;
        }
        &:focus > .tab-bar--underline { background: $foreground 30%; }
        &:ansi {
            & > .tab-bar--tab { text-style: dim; }
            & > .tab-bar--active { text-style: not dim bold; }
            & > .tab-bar--underline {
                color: $block-cursor-background;
                background: $border-blurred;
            }
        }
    }
    """

    highlight_start: reactive[float] = reactive(0.0)
    highlight_end: reactive[float] = reactive(0.0)
    strip_x: reactive[float] = reactive(0.0)  # the scroll of a bar wider than the widget

    class Chosen(Message):
        """The user picked a tab (a click, ← or →): the owner shows it."""

        def __init__(self, tab_bar: TabBar, tab_id: str) -> None:
            super().__init__()
            self.tab_bar = tab_bar
            self.tab_id = tab_id

        @property
        def control(self) -> TabBar:
            return self.tab_bar

    def __init__(self, labels: tuple[tuple[str, str], ...], *, active: str = "",
                 id: str | None = None) -> None:
        """`labels`: (tab id, label) in order; `active`: the tab shown first."""
        super().__init__(id=id)
        self._labels = labels
        self._active = active or (labels[0][0] if labels else "")
        self._tabs: list[TabLabel] | None = None  # None: to work out at the next draw
        self._hover: str | None = None  # the tab whose label is under the mouse
        self._style = PartStyles(self._part_style)

    # -- what is shown --------------------------------------------------------------------------

    @property
    def tabs(self) -> list[TabLabel]:
        """Every tab, where it is drawn on the whole line."""
        if self._tabs is None:
            padding = self.get_component_styles("tab-bar--tab").padding
            x, tabs = 0, []
            for tab_id, label in self._labels:
                width = padding.left + cell_len(label) + padding.right
                tabs.append(TabLabel(tab_id, label, x, x + width))
                x += width
            self._tabs = tabs
        return self._tabs

    @property
    def active(self) -> str:
        return self._active

    @active.setter
    def active(self, tab_id: str) -> None:
        if tab_id == self._active:
            return
        had_one = bool(self._active)
        self._active = tab_id
        if not self.is_mounted or not self.size.width:
            return  # placed at mount and at the first resize, without sliding
        self._move_underline(animate=had_one)
        self._scroll_to_active(animate=True)
        self.refresh()

    def _tab(self, tab_id: str | None) -> TabLabel | None:
        return next((tab for tab in self.tabs if tab.tab_id == tab_id), None)

    def _label_span(self) -> tuple[float, float]:
        """The active label's cells (its padding left out), where the underline lights up."""
        tab = self._tab(self._active)
        if tab is None:
            return 0.0, 0.0
        padding = self.get_component_styles("tab-bar--tab").padding
        return float(tab.start + padding.left), float(tab.end - padding.right)

    def _move_underline(self, *, animate: bool) -> None:
        start, end = self._label_span()
        if animate:  # Tabs slides its underline so (and not at all with animations off)
            self.animate("highlight_start", start, duration=0.3, level="basic")
            self.animate("highlight_end", end, duration=0.3, level="basic")
        else:
            self.highlight_start, self.highlight_end = start, end

    def _line_width(self) -> int:
        return max(self.size.width, self.tabs[-1].end if self.tabs else 0)

    def _scroll_to_active(self, *, animate: bool) -> None:
        """A bar wider than the widget: the active tab in the middle, as far as the line goes
        (Tabs' scroll_to_center)."""
        tab = self._tab(self._active)
        most = self._line_width() - self.size.width
        target = 0.0 if tab is None else min(max(tab.center - self.size.width / 2, 0.0),
                                             float(most))
        if animate and target != self.strip_x:
            self.animate("strip_x", target, speed=50, easing="out_cubic", level="basic")
        else:
            self.strip_x = target

    def on_mount(self) -> None:
        self._move_underline(animate=False)

    def on_resize(self, _event: events.Resize) -> None:
        self._move_underline(animate=False)
        self._scroll_to_active(animate=False)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- drawing --------------------------------------------------------------------------------

    def _part_style(self, part: str) -> Style:
        """The rich style of a part ("tab", "hover", "active", "cursor", "underline"), or
        "background" (the bar's own)."""
        if part == "background":
            return Style(bgcolor=self.rich_style.bgcolor)
        return self.get_component_rich_style(f"tab-bar--{part}")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style.clear()
        self._tabs = None

    def _label_segments(self, tab: TabLabel) -> list[Segment]:
        """A label as Tab draws it: its padding in the background, its text in its style."""
        parts: tuple[str, ...] = ("tab",)
        if tab.tab_id == self._active:
            parts += ("active", "cursor") if self.has_focus else ("active",)
        elif tab.tab_id == self._hover:
            parts += ("hover",)
        style = self._style(*parts)
        padding_style = Style(bgcolor=style.bgcolor)
        padding = self.get_component_styles("tab-bar--tab").padding
        return [Segment(" " * padding.left, padding_style), Segment(tab.label, style),
                Segment(" " * padding.right, padding_style)]

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        background = self._style("background")
        if y > 1 or width <= 0:
            return Strip.blank(width, background)
        line_width = self._line_width()
        if y == 0:
            segments: list[Segment] = []
            for tab in self.tabs:
                segments += self._label_segments(tab)
            end = self.tabs[-1].end if self.tabs else 0
            if line_width > end:
                segments.append(Segment(" " * (line_width - end), background))
        else:
            bar = self._style("underline")
            on = Style(bgcolor=background.bgcolor)
            segments = underline_segments(
                self.app.console, line_width, self.highlight_start, self.highlight_end,
                Style(color=bar.color) + on, Style(color=bar.bgcolor) + on)
        x = round(self.strip_x)
        return Strip(segments).crop_extend(x, x + width, background)

    # -- the mouse and the keys -----------------------------------------------------------------

    def tab_at(self, x: int) -> TabLabel | None:
        """The tab drawn at content cell `x` of the widget."""
        column = x + round(self.strip_x)
        return next((tab for tab in self.tabs if tab.start <= column < tab.end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover_at(event)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        # Where a click lands is where the mouse is (Textual re-checks the widget under the
        # mouse after the click's refresh: a Tab there then lit up, even with no move before).
        self._hover_at(event)

    def _hover_at(self, event: events.MouseEvent) -> None:
        """The label under the mouse lights up (its underline row does not, as on Tabs)."""
        offset = event.get_content_offset(self)
        tab = self.tab_at(offset.x) if offset is not None and offset.y == 0 else None
        hover = tab.tab_id if tab is not None else None
        if hover != self._hover:
            self._hover = hover
            self.styles.pointer = "pointer" if tab is not None else "default"
            self.screen.update_pointer_shape()
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.styles.pointer = "default"
            self.refresh()

    def on_click(self, event: events.Click) -> None:
        """A click on a label, or on the underline under it, opens that tab (the bar took the
        focus at the mouse down, as Tabs does)."""
        offset = event.get_content_offset(self)
        tab = self.tab_at(offset.x) if offset is not None else None
        if tab is None:
            return
        event.stop()
        self._choose(tab.tab_id)

    def _choose(self, tab_id: str) -> None:
        if tab_id != self._active:
            self.active = tab_id
            self.post_message(self.Chosen(self, tab_id))

    def action_next_tab(self) -> None:
        self._move(1)

    def action_previous_tab(self) -> None:
        self._move(-1)

    def _move(self, step: int) -> None:
        ids = [tab_id for tab_id, _label in self._labels]
        if not ids:
            return
        current = ids.index(self._active) if self._active in ids else (-1 if step > 0 else 0)
        self._choose(ids[(current + step) % len(ids)])
