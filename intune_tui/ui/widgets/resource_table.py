"""A virtual table for tenant-sized lists (up to ~100,000 rows).

Textual's `DataTable` measures every cell of every added row on the UI thread and parses string
cells as Rich markup. This table is built on the line API instead: rows live in plain Python
lists, column widths come from the column definitions (nothing is measured), only the lines on
screen are rendered (`render_line` -> `Strip`), and rendered lines are kept in a small LRU cache.
Cells are written as plain `Segment`s, so `"Kiosk [/old]"` is shown literally.

Ordering model: `_rows` holds rows in arrival order; `_ordered` the same rows in sort order (the
same list object when unsorted), with their sort keys alongside while sorted; `_view` the rows
that pass the filter, in display order (the same list object as `_ordered` when unfiltered), with
a mask over `_ordered` saying which rows are in it. A page appended under an active sort is sorted
on its own and merged in by binary search over the keys: O(page * log(total)) comparisons plus a
C-level list copy, never a full re-sort. Filters test rows in arrival order (memory order),
over flat lists kept beside `_rows`: every row's search text, and the sort keys of each column a
filter has asked about (built on first use, extended with every page).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, count, islice, repeat
from operator import and_, attrgetter, contains, itemgetter
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

ELLIPSIS = "…"
MARK_GLYPH = "●"
CURSOR_GLYPH = "›"
SORT_ASCENDING_GLYPH = "▲"
SORT_DESCENDING_GLYPH = "▼"
GUTTER_WIDTH = 3  # cursor glyph, mark glyph, one space
COLUMN_SEPARATOR = " "
HEADER_LINES = 1
SEMANTIC_MARKS = ("bad", "warn", "good", "muted")
LINE_CACHE_SIZE = 512


class TableRow(Protocol):
    """What the table needs from a row (`intune.resources.Row` satisfies it)."""

    @property
    def key(self) -> str: ...

    @property
    def cells(self) -> tuple[str, ...]: ...

    @property
    def sort_keys(self) -> tuple[Any, ...]: ...

    @property
    def search_text(self) -> str: ...

    @property
    def marks(self) -> tuple[str | None, ...]: ...


RowT = TypeVar("RowT", bound=TableRow)
RowPredicate = Callable[[RowT], bool]


class KeyTest(Protocol):
    """A filter on one column's sort keys, run over the list of those keys for many rows at once
    (no Python call per row, unlike a predicate)."""

    @property
    def column(self) -> int: ...

    def matches_keys(self, keys: Sequence[Any]) -> list[bool]: ...


@dataclass(frozen=True, slots=True)
class TableColumn:
    """One column: `width` is the preferred width in cells.

    `min_width` lets the column shrink to that width when the terminal is narrow (None: it never
    shrinks); `flex` columns share the spare width when the terminal is wide.
    """

    key: str
    title: str
    width: int
    min_width: int | None = None
    flex: bool = False

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ValueError(f"column {self.key!r}: width must be at least 1")
        if self.min_width is not None and not 1 <= self.min_width <= self.width:
            raise ValueError(f"column {self.key!r}: min_width must be between 1 and width")

    @property
    def narrowest(self) -> int:
        return self.width if self.min_width is None else self.min_width


@dataclass(frozen=True, slots=True)
class ColumnLayout:
    """Column widths for one available width; `offsets` are x positions after the gutter."""

    widths: tuple[int, ...]
    offsets: tuple[int, ...]
    total: int

    def column_at(self, x: int) -> int | None:
        for index, (offset, width) in enumerate(zip(self.offsets, self.widths, strict=True)):
            if offset <= x < offset + width + len(COLUMN_SEPARATOR):
                return index
        return None


def layout_columns(columns: Sequence[TableColumn], available: int) -> ColumnLayout:
    """Fit `columns` into `available` cells (gutter excluded): shrink, then grow flex columns."""
    widths = [column.width for column in columns]
    separators = len(COLUMN_SEPARATOR) * (len(columns) - 1)
    excess = sum(widths) + separators - available
    if excess > 0:
        _shrink_widths(widths, columns, excess)
    elif excess < 0:
        _grow_flex_widths(widths, columns, -excess)
    offsets = []
    x = 0
    for width in widths:
        offsets.append(x)
        x += width + len(COLUMN_SEPARATOR)
    return ColumnLayout(tuple(widths), tuple(offsets), sum(widths) + separators)


def _shrink_widths(widths: list[int], columns: Sequence[TableColumn], excess: int) -> None:
    # One cell at a time from the column with the most room left: O(excess * columns), both small.
    while excess > 0:
        slack = [width - column.narrowest for width, column in zip(widths, columns, strict=True)]
        widest = max(range(len(widths)), key=slack.__getitem__)
        if slack[widest] <= 0:
            return
        widths[widest] -= 1
        excess -= 1


def _grow_flex_widths(widths: list[int], columns: Sequence[TableColumn], spare: int) -> None:
    flex = [index for index, column in enumerate(columns) if column.flex]
    if not flex:
        return
    share, remainder = divmod(spare, len(flex))
    for position, index in enumerate(flex):
        widths[index] += share + (1 if position < remainder else 0)


def minimum_table_width(columns: Sequence[TableColumn]) -> int:
    """Width of the columns at their narrowest, separators included (gutter excluded)."""
    return sum(column.narrowest for column in columns) + len(COLUMN_SEPARATOR) * (len(columns) - 1)


def clip_to_cells(text: str, width: int) -> tuple[str, int]:
    """`text` cut to at most `width` cells (an ellipsis marks a cut) and its cell length."""
    if width <= 0:
        return "", 0
    if text.isascii():
        if len(text) <= width:
            return text, len(text)
        return text[: width - 1] + ELLIPSIS, width
    length = cell_len(text)
    if length <= width:
        return text, length
    budget = width - 1
    used = 0
    end = 0
    for index, character in enumerate(text):
        size = get_character_cell_size(character)
        if used + size > budget:
            break
        used += size
        end = index + 1
    return text[:end] + ELLIPSIS, used + 1


def fit_to_cells(text: str, width: int) -> str:
    """`text` cut (with an ellipsis) or padded with spaces to exactly `width` cells."""
    clipped, length = clip_to_cells(text, width)
    return clipped + " " * (width - length)


def _sort_key_for(column: int) -> Callable[[TableRow], Any]:
    def sort_key(row: TableRow) -> Any:
        return row.sort_keys[column]

    return sort_key


def _tolerant_sort_key_for(column: int) -> Callable[[TableRow], Any]:
    """A key for columns whose sort keys mix types: numbers first, then the rest as text."""

    def sort_key(row: TableRow) -> Any:
        value = row.sort_keys[column]
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (0, value, "")
        return (1, 0, str(value))

    return sort_key


def sort_order(keys: Sequence[Any], reverse: bool) -> list[int]:
    """Indices of `keys` in stable sorted order; None keys last in either direction."""
    order = [index for index, value in enumerate(keys) if value is not None]
    order.sort(key=keys.__getitem__, reverse=reverse)
    if len(order) != len(keys):
        order.extend(index for index, value in enumerate(keys) if value is None)
    return order


def _count_present(keys: Sequence[Any]) -> int:
    """Number of leading non-None keys in a key list ordered by `sort_order`."""
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) // 2
        if keys[middle] is None:
            high = middle
        else:
            low = middle + 1
    return low


def insertion_positions(
    target_keys: Sequence[Any], page_keys: Sequence[Any], reverse: bool
) -> list[int]:
    """For each key of a sorted page, the index in sorted `target_keys` to insert it before.

    Equal keys go after the ones already there (arrival order), None keys at the very end.
    O(len(page) * log(len(target))) comparisons, in C for ascending order.
    """
    end = len(target_keys)
    present = _count_present(target_keys)
    positions: list[int] = []
    low = 0
    for value in page_keys:
        if value is None:
            positions.append(end)
            continue
        if reverse:
            # bisect has no descending mode: first index whose key is smaller than `value`.
            high = present
            while low < high:
                middle = (low + high) // 2
                if target_keys[middle] < value:
                    high = middle
                else:
                    low = middle + 1
        else:
            low = bisect_right(target_keys, value, low, present)
        positions.append(low)
    return positions


SequenceT = TypeVar("SequenceT", list[Any], "array[int]")


def splice(target: SequenceT, inserts: Iterable[Any], positions: Sequence[int]) -> SequenceT:
    """`target` with each insert placed before `target[position]` (a list or an array).

    Appends in place when every insert goes at the end; otherwise one new copy of `target`.
    """
    if not positions:
        return target
    if positions[0] == len(target):
        target.extend(inserts)
        return target
    merged = target[:0]
    previous = 0
    for position, item in zip(positions, inserts, strict=True):
        if position > previous:
            merged.extend(target[previous:position])
            previous = position
        merged.append(item)
    merged.extend(target[previous:])
    return merged


def _view_positions(
    ordered_mask: list[bool], ordered_positions: list[int], matches: list[bool]
) -> list[int]:
    """Where matching page rows go in the filtered view, from where they go in the full order.

    A row inserted before `_ordered[p]` goes after every visible row above p.
    """
    positions: list[int] = []
    visible_above = 0
    previous = 0
    for position, matched in zip(ordered_positions, matches, strict=True):
        visible_above += ordered_mask[previous:position].count(True)
        previous = position
        if matched:
            positions.append(visible_above)
    return positions


def _column_of(rows: Sequence[TableRow], column: int) -> list[Any]:
    """The sort key in `column` of each row (C-level: no Python call per row)."""
    return list(map(itemgetter(column), map(attrgetter("sort_keys"), rows)))


def _index_of_identity(rows: list[RowT], row: RowT | None) -> int:
    """Index of this very object in `rows`, or -1 (C-level scan: no __eq__ on dataclasses)."""
    if row is None:
        return -1
    try:
        return list(map(id, rows)).index(id(row))
    except ValueError:
        return -1


class _Palette:
    """Rich styles of the table's parts, resolved once per style change."""

    def __init__(self, table: ScrollView) -> None:
        self._table = table
        self.base: Style = table.rich_style
        self._combined: dict[tuple[Any, ...], Style] = {}

    def _part(self, name: str) -> Style:
        """Only what the component class sets, so layers combine (mark colour on a marked row).

        Colours come from Textual's full style, which blends translucent colours
        (`$accent 20%`) and resolves `auto` ones; the partial style would drop the alpha.
        """
        component = f"resource-table--{name}"
        styles = self._table.get_component_styles(component)
        full = self._table.get_component_rich_style(component)
        return (
            Style(
                color=full.color if styles.has_rule("color") else None,
                bgcolor=full.bgcolor if styles.has_rule("background") else None,
            )
            + styles.text_style
        )

    def row(self, cursor: bool, marked: bool) -> Style:
        key = ("row", cursor, marked)
        style = self._combined.get(key)
        if style is None:
            style = self.base
            if marked:
                style += self._part("marked")
            if cursor:
                style += self._part("cursor")
            self._combined[key] = style
        return style

    def cell(self, cursor: bool, marked: bool, mark: str | None, column_cursor: bool) -> Style:
        key = ("cell", cursor, marked, mark, column_cursor)
        style = self._combined.get(key)
        if style is None:
            style = self.base
            if marked:
                style += self._part("marked")
            if mark in SEMANTIC_MARKS:
                style += self._part(mark)
            if cursor:
                style += self._part("cursor")
            if column_cursor:
                style += self._part("column-cursor")
            self._combined[key] = style
        return style

    def marker(self, cursor: bool) -> Style:
        key = ("marker", cursor)
        style = self._combined.get(key)
        if style is None:
            style = self.row(cursor, True) + self._part("marker")
            self._combined[key] = style
        return style

    def header(self, column_cursor: bool) -> Style:
        key = ("header", column_cursor)
        style = self._combined.get(key)
        if style is None:
            style = self.base + self._part("header")
            if column_cursor:
                style += self._part("column-cursor")
            self._combined[key] = style
        return style

    def empty(self) -> Style:
        key = ("empty",)
        style = self._combined.get(key)
        if style is None:
            style = self.base + self._part("empty")
            self._combined[key] = style
        return style


class ResourceTable(ScrollView, Generic[RowT], can_focus=True):
    """A keyboard-first virtual table: header, cursor row, column cursor, marks, sort, filter.

    Data comes down through methods (`append_rows`, `replace_rows`, `set_filter`, `sort_by`);
    what the user does goes up as messages (`CursorMoved`, `RowActivated`, `MarksChanged`).
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "resource-table--header",
        "resource-table--cursor",
        "resource-table--column-cursor",
        "resource-table--marked",
        "resource-table--marker",
        "resource-table--empty",
        *(f"resource-table--{mark}" for mark in SEMANTIC_MARKS),
    }

    DEFAULT_CSS = """
    ResourceTable {
        height: 1fr;
        background: $surface;
        color: $foreground;

        & > .resource-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .resource-table--column-cursor {
            text-style: underline;
        }
        & > .resource-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .resource-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .resource-table--marked {
            background: $accent 20%;
        }
        & > .resource-table--marker {
            color: $accent;
            text-style: bold;
        }
        & > .resource-table--empty {
            color: $text-muted;
            text-style: italic;
        }
        & > .resource-table--bad {
            color: $text-error;
        }
        & > .resource-table--warn {
            color: $text-warning;
        }
        & > .resource-table--good {
            color: $text-success;
        }
        & > .resource-table--muted {
            color: $text-muted;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "activate", "Open", id="table.activate", tooltip="Open the row"),
        Binding("space", "toggle_mark", "Mark", id="table.mark",
                tooltip="Mark or unmark the row, then move down"),
        Binding("asterisk", "mark_all_visible", "Mark all shown", show=False,
                id="table.mark_all", tooltip="Mark every row the search shows (again: unmark)"),
        Binding(
            "s",
            "sort_column",
            "Sort",
            id="table.sort",
            tooltip="Sort by the highlighted column (again: reverse)",
        ),
        Binding(
            "S",
            "reverse_sort",
            "Reverse sort",
            show=False,
            id="table.sort_reverse",
            tooltip="Sort by the highlighted column in the other direction",
        ),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="table.page_down"),
        Binding("g,home,ctrl+home", "cursor_top", "First row", show=False, id="table.top"),
        Binding("G,end,ctrl+end", "cursor_bottom", "Last row", show=False, id="table.bottom"),
        Binding("left,h", "column_left", "Previous column", show=False, id="table.column_left"),
        Binding("right,l", "column_right", "Next column", show=False, id="table.column_right"),
    ]

    empty_text: reactive[str] = reactive("Nothing to show")
    """Shown under the header when no row is visible ("Loading…", "No devices match")."""

    class _TableMessage(Message):
        """A message from one table: `control` is the table, so `@on(..., "#id")` works."""

        def __init__(self, table: ResourceTable[Any]) -> None:
            self.table = table
            super().__init__()

        @property
        def control(self) -> ResourceTable[Any]:
            return self.table

    class CursorMoved(_TableMessage):
        """The row under the cursor changed (None: the table shows no row)."""

        def __init__(self, table: ResourceTable[Any], row: TableRow | None) -> None:
            self.row = row
            super().__init__(table)

    class RowActivated(_TableMessage):
        """Enter (or a click on the cursor row) on `row`."""

        def __init__(self, table: ResourceTable[Any], row: TableRow) -> None:
            self.row = row
            super().__init__(table)

    class MarksChanged(_TableMessage):
        """The number of marked rows changed to `count`."""

        def __init__(self, table: ResourceTable[Any], count: int) -> None:
            self.count = count
            super().__init__(table)

    def __init__(
        self,
        columns: Sequence[TableColumn],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if not columns:
            raise ValueError("a ResourceTable needs at least one column")
        self._columns: tuple[TableColumn, ...] = tuple(columns)
        self._minimum_width = GUTTER_WIDTH + minimum_table_width(self._columns)
        self._rows: list[RowT] = []
        self._ordered: list[RowT] = self._rows
        self._view: list[RowT] = self._rows
        # While a sort is active: the sort keys alongside `_ordered`, and for each row of
        # `_ordered` its index in `_rows` (filters test rows in arrival order, which is also
        # memory order: about twice as fast at 100k rows as walking them sorted).
        self._ordered_keys: list[Any] = []
        self._ordered_origins: array[int] = array("q")
        # While a filter is active: for each row of `_ordered`, whether it is in `_view`.
        self._view_mask: list[bool] | None = None
        self._predicate: RowPredicate[RowT] | None = None
        self._filter_words: tuple[str, ...] = ()
        self._key_tests: tuple[KeyTest, ...] = ()
        # `row.search_text` of every row, in arrival order: word filters run in C over it.
        self._search_texts: list[str] = []
        # Column index -> that column's sort key of every row, in arrival order (for key tests).
        self._column_keys: dict[int, list[Any]] = {}
        self._sort_column: int | None = None
        self._sort_reverse = False
        self._sort_key: Callable[[TableRow], Any] = _sort_key_for(0)
        self._cursor = 0
        self._column_cursor = 0
        self._marked: dict[str, RowT] = {}
        self._reported_row: RowT | None = None
        # Rows are never removed within a generation, so id(row) is a stable cache key inside it.
        self._generation = 0
        self._line_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(LINE_CACHE_SIZE)
        self._layouts: dict[int, ColumnLayout] = {}
        self._palette: _Palette | None = None

    # ---------------------------------------------------------------- public read-only state

    @property
    def columns(self) -> tuple[TableColumn, ...]:
        return self._columns

    @property
    def rows_count(self) -> int:
        """Rows loaded (filter ignored)."""
        return len(self._rows)

    @property
    def visible_count(self) -> int:
        """Rows that pass the filter."""
        return len(self._view)

    @property
    def visible_rows(self) -> tuple[RowT, ...]:
        """The rows that pass the filter, in display order (a copy, e.g. for export)."""
        return tuple(self._view)

    @property
    def cursor_index(self) -> int:
        """Index of the cursor in the visible rows (0 when there are none)."""
        return self._cursor

    @property
    def cursor_row(self) -> RowT | None:
        return self._view[self._cursor] if self._view else None

    @property
    def cursor_cell(self) -> tuple[str, str] | None:
        """(column title, cell text) under the cursor: what `y` copies."""
        row = self.cursor_row
        if row is None or not self._columns:
            return None
        column = min(self._column_cursor, len(self._columns) - 1)
        return self._columns[column].title, str(row.cells[column])

    @property
    def column_cursor(self) -> int:
        """Index of the highlighted column (what `s` sorts by)."""
        return self._column_cursor

    @property
    def sort_column(self) -> int | None:
        return self._sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    @property
    def filter_active(self) -> bool:
        return self._predicate is not None or bool(self._filter_words) or bool(self._key_tests)

    @property
    def marked_rows(self) -> list[RowT]:
        """Marked rows in the order they were marked, including rows the filter hides."""
        return list(self._marked.values())

    # ---------------------------------------------------------------- data coming down

    def append_rows(self, rows: Iterable[RowT]) -> None:
        """Add a page. The cursor stays on its row, and that row stays where it is on screen.

        Cost is O(page) without a sort, O(page * log(total)) comparisons plus one list copy
        with a sort; rows already loaded are neither re-sorted, re-filtered nor re-rendered.
        """
        page = list(rows)
        if not page:
            return
        was_empty = not self._view
        old_length = len(self._view)
        previous_row, previous_screen_line = self.cursor_row, self._cursor - self._scroll_top
        first_origin = len(self._rows)
        self._rows.extend(page)
        page_texts = [row.search_text for row in page]
        self._search_texts.extend(page_texts)
        for column, keys in self._column_keys.items():
            keys.extend(_column_of(page, column))
        if self._sort_column is None:
            if self._view_mask is not None:
                matches = self._matches(page, page_texts)
                self._view.extend(compress(page, matches))
                self._view_mask.extend(matches)
            first_changed, inserted_above_cursor = old_length, 0
        else:
            try:
                first_changed, inserted_above_cursor = self._merge_page(
                    page, page_texts, first_origin
                )
            except TypeError:
                # Keys of mixed types (bad data): switch to a tolerant key and sort everything.
                self._use_tolerant_sort_key()
                self._rebuild_order()
                index = _index_of_identity(self._view, previous_row)
                self._place_cursor(max(index, 0), previous_screen_line)
                first_changed, inserted_above_cursor = 0, 0
        self._after_rows_added(was_empty, first_changed, inserted_above_cursor)

    def replace_rows(self, rows: Iterable[RowT], *, keep_key: bool = False) -> None:
        """Show a new result set (filter and sort settings stay).

        With `keep_key`, the cursor stays on the row with the same key (at the same screen line)
        and marks of rows still present survive; otherwise the cursor goes to the first row and
        marks are cleared.
        """
        previous_row = self.cursor_row
        previous_cursor = self._cursor
        previous_screen_line = self._cursor - self._scroll_top
        marks_before = len(self._marked)
        self._start_generation(list(rows))
        self._rebuild_order()
        if keep_key:
            self._keep_marks_present()
            index = -1
            if previous_row is not None:
                keys = [row.key for row in self._view]
                if previous_row.key in keys:
                    index = keys.index(previous_row.key)
            if index >= 0:
                self._place_cursor(index, previous_screen_line)
            else:
                self._place_cursor(min(previous_cursor, max(len(self._view) - 1, 0)), None)
        else:
            self._marked.clear()
            self._place_cursor(0, 0)
        self._after_view_changed()
        if len(self._marked) != marks_before:
            self.post_message(self.MarksChanged(self, len(self._marked)))

    def clear(self) -> None:
        """Drop every row and mark (filter and sort settings stay)."""
        had_marks = bool(self._marked)
        self._start_generation([])
        self._rebuild_order()
        self._marked.clear()
        self._place_cursor(0, 0)
        self._after_view_changed()
        if had_marks:
            self.post_message(self.MarksChanged(self, 0))

    def set_filter(
        self,
        predicate: RowPredicate[RowT] | None = None,
        *,
        words: Iterable[str] = (),
        key_tests: Iterable[KeyTest] = (),
    ) -> None:
        """Show only rows that contain every one of `words`, pass every one of `key_tests` and
        pass `predicate` (all optional; `set_filter()` shows all rows).

        `words` are matched case-insensitively as substrings of `row.search_text` (lower-case
        by contract). They are tested in C over a list of those texts, and `key_tests` over a
        list of their column's sort keys: several times faster than the same tests in a
        predicate. The predicate then runs only on rows the others let through.
        The cursor stays on its row (at the same screen line) if that row still matches,
        otherwise it goes to the first row. O(rows), nothing re-sorted.
        """
        previous_screen_line = self._cursor - self._scroll_top
        position = self._cursor_position_in_ordered()
        self._predicate = predicate
        self._filter_words = tuple(word.lower() for word in words if word)
        self._key_tests = tuple(key_tests)
        for test in self._key_tests:
            if not 0 <= test.column < len(self._columns):
                raise IndexError(f"no column {test.column}")
        self._apply_filter()
        mask = self._view_mask
        if position is None or (mask is not None and not mask[position]):
            index = -1
        else:
            index = position if mask is None else mask[:position].count(True)
        if index >= 0:
            self._place_cursor(index, previous_screen_line)
        else:
            self._place_cursor(0, 0)
        self._after_view_changed()

    def sort_by(self, column_index: int | None, reverse: bool = False) -> None:
        """Sort by a column's precomputed sort keys (None keys last); None restores load order.

        The cursor goes to the first row.
        """
        if column_index is not None and not 0 <= column_index < len(self._columns):
            raise IndexError(f"no column {column_index}")
        self._sort_column = column_index
        self._sort_reverse = reverse if column_index is not None else False
        if column_index is not None:
            self._sort_key = _sort_key_for(column_index)
        try:
            self._rebuild_order()
        except TypeError:
            self._use_tolerant_sort_key()
            self._rebuild_order()
        self._place_cursor(0, 0)
        self._after_view_changed()

    def move_cursor(self, index: int) -> None:
        """Put the cursor on visible row `index` (clamped) and scroll it into view."""
        if not self._view:
            return
        index = max(0, min(index, len(self._view) - 1))
        if index == self._cursor:
            return
        previous = self._cursor
        self._cursor = index
        if not self._scroll_cursor_into_view():
            self._refresh_rows(previous, index)
        self._report_cursor()

    def move_column_cursor(self, index: int) -> None:
        """Highlight column `index` (clamped), scrolling sideways if needed."""
        index = max(0, min(index, len(self._columns) - 1))
        if index == self._column_cursor:
            return
        self._column_cursor = index
        self._scroll_column_into_view()
        self._refresh_line(0)
        if self._view:
            self._refresh_rows(self._cursor)

    def toggle_mark(self) -> None:
        """Mark the cursor row, or unmark it if marked."""
        row = self.cursor_row
        if row is None:
            return
        if self._marked.pop(row.key, None) is None:
            self._marked[row.key] = row
        self._refresh_rows(self._cursor)
        self.post_message(self.MarksChanged(self, len(self._marked)))

    def clear_marks(self) -> None:
        if not self._marked:
            return
        self._marked.clear()
        self.refresh()
        self.post_message(self.MarksChanged(self, 0))

    # ---------------------------------------------------------------- actions (key bindings)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_cursor_page_up(self) -> None:
        self._page(-1)

    def action_cursor_page_down(self) -> None:
        self._page(1)

    def action_cursor_top(self) -> None:
        self.move_cursor(0)

    def action_cursor_bottom(self) -> None:
        self.move_cursor(len(self._view) - 1)

    def action_column_left(self) -> None:
        self.move_column_cursor(self._column_cursor - 1)

    def action_column_right(self) -> None:
        self.move_column_cursor(self._column_cursor + 1)

    def action_sort_column(self) -> None:
        """Sort ascending by the highlighted column; if it already is, sort descending."""
        column = self._column_cursor
        already_ascending = self._sort_column == column and not self._sort_reverse
        self.sort_by(column, reverse=already_ascending)

    def action_reverse_sort(self) -> None:
        """Reverse the sort of the highlighted column (descending if it is not sorted yet)."""
        column = self._column_cursor
        reverse = not self._sort_reverse if self._sort_column == column else True
        self.sort_by(column, reverse=reverse)

    def action_toggle_mark(self) -> None:
        """Mark (or unmark) and move down, so space x4 marks four rows."""
        self.toggle_mark()
        self.move_cursor(self._cursor + 1)

    def action_mark_all_visible(self) -> None:
        """Mark every row the filter shows; if all already are, unmark them."""
        if not self._view:
            return
        if all(row.key in self._marked for row in self._view):
            for row in self._view:
                self._marked.pop(row.key, None)
        else:
            for row in self._view:
                self._marked.setdefault(row.key, row)
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self._marked)))

    def action_activate(self) -> None:
        row = self.cursor_row
        if row is not None:
            self.post_message(self.RowActivated(self, row))

    # ---------------------------------------------------------------- mouse

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = None
        if offset.x >= GUTTER_WIDTH:
            layout = self._layout(self._available_width)
            column = layout.column_at(offset.x - GUTTER_WIDTH + self._scroll_left)
        if offset.y < HEADER_LINES:
            if column is not None:
                self.move_column_cursor(column)
                self.action_sort_column()
            return
        index = self._scroll_top + offset.y - HEADER_LINES
        if index >= len(self._view):
            return
        if column is not None:
            self.move_column_cursor(column)
        if index == self._cursor:
            self.action_activate()
        else:
            self.move_cursor(index)

    # ---------------------------------------------------------------- rendering

    def render_line(self, y: int) -> Strip:
        width = self._available_width
        if y < HEADER_LINES:
            return self._header_strip(width)
        if not self._view:
            return self._empty_strip(y, width)
        index = self._scroll_top + y - HEADER_LINES
        if index >= len(self._view):
            return Strip.blank(width, self._styles.base)
        return self._row_strip(index, width)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_rendering()

    def on_focus(self, event: events.Focus) -> None:
        self._forget_rendering()
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._forget_rendering()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._layouts.clear()
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def on_mount(self) -> None:
        self._update_virtual_size()

    def watch_empty_text(self) -> None:
        if not self._view:
            self.refresh()

    @property
    def _styles(self) -> _Palette:
        if self._palette is None:
            self._palette = _Palette(self)
        return self._palette

    def _forget_rendering(self) -> None:
        self._palette = None
        self._line_cache.clear()

    @property
    def _available_width(self) -> int:
        return max(self.scrollable_content_region.width, GUTTER_WIDTH + 1)

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_LINES)

    @property
    def _scroll_top(self) -> int:
        return self.scroll_offset.y

    @property
    def _scroll_left(self) -> int:
        return self.scroll_offset.x

    def _layout(self, width: int) -> ColumnLayout:
        layout = self._layouts.get(width)
        if layout is None:
            layout = layout_columns(self._columns, width - GUTTER_WIDTH)
            self._layouts[width] = layout
        return layout

    def _row_strip(self, index: int, width: int) -> Strip:
        row = self._view[index]
        is_cursor = index == self._cursor
        marked = row.key in self._marked
        scroll_left = self._scroll_left
        cache_key = (
            id(row),
            self._generation,
            is_cursor,
            marked,
            self._column_cursor if is_cursor else -1,
            width,
            scroll_left,
        )
        strip = self._line_cache.get(cache_key)
        if strip is None:
            strip = self._render_row(row, is_cursor, marked, width, scroll_left)
            self._line_cache[cache_key] = strip
        return strip

    def _render_row(
        self, row: TableRow, is_cursor: bool, marked: bool, width: int, scroll_left: int
    ) -> Strip:
        styles = self._styles
        row_style = styles.row(is_cursor, marked)
        gutter = [Segment(CURSOR_GLYPH if is_cursor else " ", row_style)]
        if marked:
            gutter.append(Segment(MARK_GLYPH, styles.marker(is_cursor)))
        else:
            gutter.append(Segment(" ", row_style))
        gutter.append(Segment(" " * (GUTTER_WIDTH - 2), row_style))
        layout = self._layout(width)
        cells = row.cells
        marks = row.marks
        column_cursor = self._column_cursor if is_cursor else -1
        segments: list[Segment] = []
        last = len(layout.widths) - 1
        for column, cell_width in enumerate(layout.widths):
            text = cells[column] if column < len(cells) else ""
            mark = marks[column] if column < len(marks) else None
            style = styles.cell(is_cursor, marked, mark, column == column_cursor)
            segments.append(Segment(fit_to_cells(text, cell_width), style))
            if column != last:
                segments.append(Segment(COLUMN_SEPARATOR, row_style))
        return self._assemble(gutter, segments, layout.total, width, scroll_left, row_style)

    def _header_strip(self, width: int) -> Strip:
        scroll_left = self._scroll_left
        cache_key = (
            "header",
            self._sort_column,
            self._sort_reverse,
            self._column_cursor,
            width,
            scroll_left,
        )
        strip = self._line_cache.get(cache_key)
        if strip is None:
            strip = self._render_header(width, scroll_left)
            self._line_cache[cache_key] = strip
        return strip

    def _render_header(self, width: int, scroll_left: int) -> Strip:
        styles = self._styles
        header_style = styles.header(False)
        layout = self._layout(width)
        segments: list[Segment] = []
        last = len(layout.widths) - 1
        for column, cell_width in enumerate(layout.widths):
            title = self._columns[column].title
            if column == self._sort_column:
                glyph = SORT_DESCENDING_GLYPH if self._sort_reverse else SORT_ASCENDING_GLYPH
                clipped, _ = clip_to_cells(title, cell_width - 2)
                title = f"{clipped} {glyph}" if clipped else glyph
            style = styles.header(column == self._column_cursor)
            segments.append(Segment(fit_to_cells(title, cell_width), style))
            if column != last:
                segments.append(Segment(COLUMN_SEPARATOR, header_style))
        gutter = [Segment(" " * GUTTER_WIDTH, header_style)]
        return self._assemble(gutter, segments, layout.total, width, scroll_left, header_style)

    @staticmethod
    def _assemble(
        gutter: list[Segment],
        segments: list[Segment],
        content_width: int,
        width: int,
        scroll_left: int,
        fill_style: Style,
    ) -> Strip:
        """Pinned gutter + the columns scrolled by `scroll_left`, exactly `width` cells wide."""
        visible = width - GUTTER_WIDTH
        columns = Strip(segments, content_width)
        if scroll_left or content_width != visible:
            columns = columns.crop_extend(scroll_left, scroll_left + visible, fill_style)
        return Strip.join([Strip(gutter, GUTTER_WIDTH), columns])

    def _empty_strip(self, y: int, width: int) -> Strip:
        if y != HEADER_LINES:
            return Strip.blank(width, self._styles.base)
        text, length = clip_to_cells(self.empty_text, width)
        left = (width - length) // 2
        base = self._styles.base
        return Strip(
            [
                Segment(" " * left, base),
                Segment(text, self._styles.empty()),
                Segment(" " * (width - left - length), base),
            ],
            width,
        )

    # ---------------------------------------------------------------- internals: data

    def _start_generation(self, rows: list[RowT]) -> None:
        self._generation += 1
        self._line_cache.clear()
        self._rows = rows
        self._search_texts = [row.search_text for row in rows]
        self._column_keys = {}

    def _rebuild_order(self) -> None:
        if self._sort_column is None:
            self._ordered, self._ordered_keys = self._rows, []
            self._ordered_origins = array("q")
        else:
            keys = list(map(self._sort_key, self._rows))
            order = sort_order(keys, self._sort_reverse)
            self._ordered = list(map(self._rows.__getitem__, order))
            self._ordered_keys = list(map(keys.__getitem__, order))
            self._ordered_origins = array("q", order)
        self._apply_filter()

    def _apply_filter(self) -> None:
        if not self.filter_active:
            self._view, self._view_mask = self._ordered, None
            return
        matches = self._matches(self._rows, self._search_texts, self._arrival_keys)
        if self._sort_column is not None:
            matches = list(map(matches.__getitem__, self._ordered_origins))
        self._view_mask = matches
        self._view = list(compress(self._ordered, matches))

    def _cursor_position_in_ordered(self) -> int | None:
        """Index in `_ordered` of the cursor row (None: no row), without searching for it."""
        if not self._view:
            return None
        if self._view_mask is None:
            return self._cursor
        # The position of the cursor-th True in the mask, counted in C.
        return next(islice(compress(count(), self._view_mask), self._cursor, None))

    def _arrival_keys(self, column: int) -> list[Any]:
        """One column's sort key of every row in arrival order (kept, and extended per page)."""
        keys = self._column_keys.get(column)
        if keys is None:
            keys = self._column_keys[column] = _column_of(self._rows, column)
        return keys

    def _matches(
        self,
        rows: list[RowT],
        texts: list[str],
        column_keys: Callable[[int], list[Any]] | None = None,
    ) -> list[bool]:
        """Which of `rows` (with their search texts, and `column_keys(column)` giving their keys
        in one column) pass the filter, as a list of bools."""
        matches: list[bool] | None = None
        for word in self._filter_words:
            found = map(contains, texts, repeat(word))
            matches = list(found) if matches is None else list(map(and_, matches, found))
        for test in self._key_tests:
            keys = column_keys(test.column) if column_keys else _column_of(rows, test.column)
            passed = test.matches_keys(keys)
            matches = passed if matches is None else list(map(and_, matches, passed))
        predicate = self._predicate
        if predicate is None:
            assert matches is not None
            return matches
        if matches is None:
            return list(map(bool, map(predicate, rows)))
        kept = [index for index in compress(range(len(rows)), matches) if predicate(rows[index])]
        matches = [False] * len(rows)
        for index in kept:
            matches[index] = True
        return matches

    def _use_tolerant_sort_key(self) -> None:
        assert self._sort_column is not None
        self._sort_key = _tolerant_sort_key_for(self._sort_column)

    def _merge_page(
        self, page: list[RowT], page_texts: list[str], first_origin: int
    ) -> tuple[int, int]:
        """Merge a page into the sorted lists; (first changed view index, rows put above cursor)."""
        reverse = self._sort_reverse
        keys = list(map(self._sort_key, page))
        order = sort_order(keys, reverse)
        page = list(map(page.__getitem__, order))
        page_texts = list(map(page_texts.__getitem__, order))
        keys = list(map(keys.__getitem__, order))
        positions = insertion_positions(self._ordered_keys, keys, reverse)
        self._ordered = splice(self._ordered, page, positions)
        self._ordered_keys = splice(self._ordered_keys, keys, positions)
        self._ordered_origins = splice(
            self._ordered_origins, [first_origin + index for index in order], positions
        )
        old_view_length = len(self._view)
        if not self.filter_active:
            self._view = self._ordered
        else:
            old_mask = self._view_mask
            assert old_mask is not None
            matches = self._matches(page, page_texts)
            ordered_positions = positions
            positions = _view_positions(old_mask, ordered_positions, matches)
            self._view = splice(self._view, compress(page, matches), positions)
            self._view_mask = splice(old_mask, matches, ordered_positions)
        if not positions:
            return old_view_length, 0
        if old_view_length == 0:
            return 0, 0
        cursor = self._cursor
        return positions[0], sum(1 for position in positions if position <= cursor)

    def _keep_marks_present(self) -> None:
        if not self._marked:
            return
        present = {row.key: row for row in self._rows if row.key in self._marked}
        self._marked = {key: present[key] for key in self._marked if key in present}

    # ---------------------------------------------------------------- internals: cursor, scroll

    def _after_rows_added(
        self, was_empty: bool, first_changed: int, inserted_above_cursor: int
    ) -> None:
        self._update_virtual_size()
        if was_empty:
            self._cursor = 0
        elif inserted_above_cursor:
            self._cursor += inserted_above_cursor
            self._scroll_vertically_to(self._scroll_top + inserted_above_cursor)
        if first_changed < self._scroll_top + self._page_height:
            self.refresh()
        self._report_cursor()

    def _after_view_changed(self) -> None:
        self._update_virtual_size()
        self.refresh()
        self._report_cursor()

    def _place_cursor(self, index: int, screen_line: int | None) -> None:
        """Cursor on `index`; scroll so it sits on `screen_line` (None: just into view)."""
        self._cursor = max(0, min(index, len(self._view) - 1)) if self._view else 0
        self._update_virtual_size()
        if screen_line is None:
            self._scroll_cursor_into_view()
            return
        screen_line = max(0, min(screen_line, self._page_height - 1))
        self._scroll_vertically_to(self._cursor - screen_line)

    def _page(self, direction: int) -> None:
        if not self._view:
            return
        page = self._page_height
        last_top = max(0, len(self._view) - page)
        top = max(0, min(self._scroll_top + direction * page, last_top))
        index = max(0, min(self._cursor + direction * page, len(self._view) - 1))
        if index == self._cursor:
            return
        self._cursor = index
        self._scroll_vertically_to(top)
        self._scroll_cursor_into_view()
        self.refresh()
        self._report_cursor()

    def _scroll_cursor_into_view(self) -> bool:
        """Scroll so the cursor row is visible; True if the scroll position changed."""
        top = self._scroll_top
        page = self._page_height
        if self._cursor < top:
            return self._scroll_vertically_to(self._cursor)
        if self._cursor >= top + page:
            return self._scroll_vertically_to(self._cursor - page + 1)
        return False

    def _scroll_vertically_to(self, top: int) -> bool:
        top = max(0, min(top, max(0, len(self._view) - self._page_height)))
        if top == self._scroll_top:
            return False
        self.scroll_to(y=top, animate=False, force=True)
        return True

    def _scroll_column_into_view(self) -> None:
        width = self._available_width
        layout = self._layout(width)
        visible = width - GUTTER_WIDTH
        start = layout.offsets[self._column_cursor]
        end = start + layout.widths[self._column_cursor]
        left = self._scroll_left
        if start < left:
            self.scroll_to(x=start, animate=False, force=True)
        elif end > left + visible:
            self.scroll_to(x=min(start, end - visible), animate=False, force=True)

    def _update_virtual_size(self) -> None:
        size = Size(self._minimum_width, len(self._view) + HEADER_LINES)
        if size == self.virtual_size:
            return
        if self._scrollbars_stay_as_they_are(size):
            # Setting `virtual_size` normally makes Textual lay out and repaint the whole screen
            # (~15 ms at 120x40): too much per page. When only the scrollbar thumb changes,
            # update the scrollbar alone, as Widget._size_updated would.
            self.set_reactive(ResourceTable.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def _scrollbars_stay_as_they_are(self, size: Size) -> bool:
        container = self.container_size
        if not container.area or size.width != self.virtual_size.width:
            return False
        overflow = self.styles.overflow_y
        needs_bar = overflow == "scroll" or (overflow == "auto" and size.height > container.height)
        return needs_bar == self.show_vertical_scrollbar

    def _refresh_line(self, y: int) -> None:
        self.refresh(Region(0, y, self.size.width, 1))

    def _refresh_rows(self, *indexes: int) -> None:
        top = self._scroll_top
        for index in indexes:
            if top <= index < top + self._page_height:
                self._refresh_line(index - top + HEADER_LINES)

    def _report_cursor(self) -> None:
        row = self.cursor_row
        if row is not self._reported_row:
            self._reported_row = row
            self.post_message(self.CursorMoved(self, row))
