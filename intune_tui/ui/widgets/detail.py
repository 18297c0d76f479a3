"""Pieces of detail screens: label/value lists and tabs that hold a list or its error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.visual import VisualType
from textual.widgets import Header, Static
from textual.widgets._header import HeaderClock, HeaderClockSpace, HeaderIcon, HeaderTitle

from intune_tui.intune.formatting import Field
from intune_tui.intune.resources import Resource, Row
from intune_tui.text import clean
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn


def shown_value(value: object) -> str:
    return clean(value) if value not in (None, "") else "—"


FIELD_GAP = 2  # cells between a label and its value (`field_table`'s padding)


def one_line_each(fields: Sequence[Field], width: int) -> bool:
    """Whether `field_table` draws each field on one line at this content width: no value
    wraps beside the widest label."""
    if not fields:
        return False
    label_width = max(cell_len(label) for label, _ in fields)
    room = width - label_width - FIELD_GAP
    return all(cell_len(shown_value(value)) <= room for _, value in fields)


def field_table(fields: Iterable[Field], *, cursor: int | None = None) -> Table:
    """Label/value pairs as a two-column table; values are tenant data, shown literally. The
    `cursor` row (when given) is drawn reversed."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for index, (label, value) in enumerate(fields):
        table.add_row(Text(label), Text(shown_value(value)),
                      style="reverse" if index == cursor else None)
    return table


class FieldTable:
    """`field_table` as drawn: when every field fits on one line (the usual case), its lines
    are put together here, the same segments as Rich's Table gives them (tests/ui/widgets/
    test_detail.py compares them), without the Table measuring every cell; otherwise that
    Table draws it."""

    def __init__(self, fields: Sequence[Field], *, cursor: int | None = None) -> None:
        self.fields = list(fields)
        self.cursor = cursor

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not one_line_each(self.fields, options.max_width):
            yield field_table(self.fields, cursor=self.cursor)
            return
        values = [shown_value(value) for _, value in self.fields]
        label_width = max(cell_len(label) for label, _ in self.fields)
        value_width = max(cell_len(value) for value in values)
        gap = " " * FIELD_GAP
        for index, ((label, _), value) in enumerate(zip(self.fields, values, strict=True)):
            on_cursor = index == self.cursor
            label_style = _CURSOR_LABEL if on_cursor else _LABEL
            yield Segment(label + " " * (label_width - cell_len(label)), label_style)
            yield Segment(gap, label_style)
            yield Segment(value + " " * (value_width - cell_len(value)),
                          _CURSOR if on_cursor else None)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, field_table(self.fields, cursor=self.cursor))


_LABEL = Style(bold=True)
_CURSOR = Style(reverse=True)
_CURSOR_LABEL = _LABEL + _CURSOR


class DrawnOnce:
    """A Rich renderable drawn once per width. Textual draws a Static's renderable to measure
    its height (`height: auto`) and again to paint it, at the same width, and a table measures
    every cell each time: a field list took a good part of a detail screen's first paint."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._drawn: tuple[tuple[object, ...], list[Segment]] | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Everything a table's drawing depends on but the height, which it ignores (Textual
        # measures with the terminal's and paints with the widget's).
        key = (options.size, options.legacy_windows, options.min_width, options.max_width,
               options.is_terminal, options.encoding, options.justify, options.overflow,
               options.no_wrap, options.highlight, options.markup)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, list(console.render(self.renderable, options)))
        return self._drawn[1]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


class _OneLineTitle(HeaderTitle):
    """The header's title: one line whatever it says (`Header` is one line high, the title
    does not wrap), so a new title is a repaint, not a layout of the whole screen. Textual's
    Header sets its title again from four watchers as a screen mounts; after the screen's
    first layout each one laid it all out again."""

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(content, layout=False)


class DetailHeader(Header):
    """Textual's Header (its `compose`, Textual 8.2.8) with `_OneLineTitle`."""

    def compose(self) -> ComposeResult:
        yield HeaderIcon().data_bind(Header.icon)
        yield _OneLineTitle()
        yield (HeaderClock().data_bind(Header.time_format) if self._show_clock
               else HeaderClockSpace())


class FieldList(Static):
    """A Static showing label/value pairs. `selectable`: it takes focus and has a cursor row
    (↑/↓), so `y` can copy the field under it."""

    DEFAULT_CSS = "FieldList { height: auto; padding: 0 1; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Previous field", show=False, id="fields.up"),
        Binding("down,j", "move(1)", "Next field", show=False, id="fields.down"),
    ]

    def __init__(self, *, id: str | None = None, selectable: bool = False) -> None:
        super().__init__(id=id)
        self.can_focus = selectable
        self._fields: list[Field] = []
        self.cursor = 0

    def show(self, fields: Sequence[Field]) -> None:
        # As many lines as before (one per field, then and now): a repaint, not a layout of
        # the whole screen (the device's GET and its scope tags redraw the Overview so).
        width = self.content_region.width
        same_height = (len(fields) == len(self._fields) == self.content_region.height
                       and one_line_each(self._fields, width) and one_line_each(fields, width))
        self._fields = list(fields)
        self.cursor = min(self.cursor, max(len(self._fields) - 1, 0))
        self._redraw(layout=not same_height)

    @property
    def current_field(self) -> tuple[str, str] | None:
        """(label, value as shown) under the cursor, or None when there are no fields."""
        if not self._fields:
            return None
        label, value = self._fields[self.cursor]
        return label, shown_value(value)

    def action_move(self, step: int) -> None:
        self.cursor = max(0, min(self.cursor + step, len(self._fields) - 1))
        self._draw()
        self.scroll_visible()

    @on(events.Focus)
    @on(events.Blur)
    def _draw(self) -> None:
        """The cursor shows while the list has focus (it changes no line's height)."""
        self._redraw(layout=False)

    def _redraw(self, *, layout: bool) -> None:
        self.update(DrawnOnce(FieldTable(self._fields,
                                         cursor=self.cursor if self.has_focus else None)),
                    layout=layout)


class RowsPane(Vertical):
    """A tab's list: a table of one catalog resource, or the sentence saying why it is empty."""

    DEFAULT_CSS = """
    RowsPane { height: 1fr; }
    RowsPane > .rows-problem { height: auto; padding: 0 1; display: none; }
    RowsPane > ResourceTable { height: 1fr; }
    """

    def __init__(self, resource: Resource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.resource = resource

    def compose(self) -> ComposeResult:
        yield Static("", classes="rows-problem")
        table: ResourceTable[Row] = ResourceTable(
            [TableColumn(c.key, c.title, c.width, min_width=c.min_width, flex=i == 0)
             for i, c in enumerate(self.resource.columns)])
        table.empty_text = "Loading…"
        yield table

    @property
    def table(self) -> ResourceTable[Row]:
        return self.query_one(ResourceTable)

    def show_rows(self, rows: list[Row], *, empty: str = "Nothing here") -> None:
        self.query_one(".rows-problem").display = False
        self.table.empty_text = empty
        self.table.replace_rows(rows, keep_key=True)

    def show_error(self, error: BaseException) -> None:
        problem = self.query_one(".rows-problem", Static)
        problem.update(Text(f"Could not load {self.resource.title.lower()}: {error}"))
        problem.display = True
        self.table.empty_text = "—"
        self.table.clear()
