"""A virtual table for tenant-sized lists (up to ~100,000 rows).

Textual's `DataTable` measures every cell of every added row on the UI thread and parses string
cells as Rich markup. This table is built on the line API instead: rows live in plain Python
lists, column widths come from the column definitions (nothing is measured), only the lines on
screen are rendered (`render_line` -> `Strip`), and rendered lines are kept in a small LRU cache.
Cells are written as plain `Segment`s, so `"Kiosk [/old]"` is shown literally.

Which rows there are, in which order, filtered and marked, and which row the cursor is on, is
the row store's (`intune_tui.table.store.RowStore`, no Textual); this module draws it and scrolls.

The table shows a choice of the rows' columns (`show_columns`: which, in which order, how wide);
sorts and filters still name the rows' own columns. Scrolled right, the first column shown stays
pinned beside the gutter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, ClassVar, Generic, Self, TypeVar, Unpack, overload

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

from intune_tui.table.columns import ColumnPage
from intune_tui.table.python_store import FilterTests
from intune_tui.table.quiet import Quiet
from intune_tui.table.store import RowPredicate, RowStore, RowT, TableRow

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
T = TypeVar("T")


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


def _with_width(column: TableColumn, width: int | None) -> TableColumn:
    """`column` at `width` cells (None: its own); it may still shrink down to its minimum, or
    to the new width when that is narrower."""
    if width is None or width == column.width:
        return column
    min_width = None if column.min_width is None else min(column.min_width, width)
    return replace(column, width=width, min_width=min_width)


def minimum_table_width(columns: Sequence[TableColumn]) -> int:
    """Width of the columns at their narrowest, separators included (gutter excluded)."""
    return sum(column.narrowest for column in columns) + len(COLUMN_SEPARATOR) * (len(columns) - 1)


def frozen_width(layout: ColumnLayout, visible: int) -> int:
    """Cells the first column (and its separator) keeps pinned while the table is scrolled right
    in `visible` cells: 0 when nothing else would be left to scroll through (one column, or a
    first column taking more than half the width)."""
    if len(layout.widths) < 2 or layout.total <= visible:
        return 0
    frozen = layout.widths[0] + len(COLUMN_SEPARATOR)
    return frozen if frozen * 2 <= visible else 0


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


class _Palette:
    """Rich styles of the table's parts, resolved once per style change."""

    def __init__(self, table: ScrollView) -> None:
        self._table = table
        self.base: Style = table.rich_style
        self._combined: dict[tuple[str, ...], Style] = {}

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

    def _combine(self, *parts: str) -> Style:
        """The base style with each named part laid over it in order ("" adds nothing)."""
        style = self._combined.get(parts)
        if style is None:
            style = self.base
            for part in parts:
                if part:
                    style += self._part(part)
            self._combined[parts] = style
        return style

    def row(self, cursor: bool, marked: bool) -> Style:
        return self._combine("marked" if marked else "", "cursor" if cursor else "")

    def cell(self, cursor: bool, marked: bool, mark: str | None, column_cursor: bool) -> Style:
        return self._combine("marked" if marked else "",
                             mark if mark in SEMANTIC_MARKS else "",
                             "cursor" if cursor else "",
                             "column-cursor" if column_cursor else "")

    def marker(self, cursor: bool) -> Style:
        return self._combine("marked", "cursor" if cursor else "", "marker")

    def header(self, column_cursor: bool) -> Style:
        return self._combine("header", "column-cursor" if column_cursor else "")

    def empty(self) -> Style:
        return self._combine("empty")


class _OfStore(Generic[T]):
    """A read-only attribute of the table that is its row store's (`read` picks it), declared
    in one line instead of a property that only returns the store's. Attributes that hold
    rows stay properties: they keep the table's row type, which `read` cannot name."""

    def __init__(self, read: Callable[[RowStore[Any]], T]) -> None:
        self._read = read

    @overload
    def __get__(self, table: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, table: ResourceTable[Any], owner: type[Any]) -> T: ...

    def __get__(self, table: ResourceTable[Any] | None, owner: type[Any]) -> Self | T:
        return self if table is None else self._read(table._store)

    def __set__(self, table: ResourceTable[Any], value: object) -> None:
        raise AttributeError("read-only: the table's row store holds it")


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

    class WorkerResultsReady(_TableMessage):
        """A worker made something for the table's rows that the UI thread is to take in
        (`take_in`); handled by the table itself."""

        bubble = False

        def __init__(self, table: ResourceTable[Any], take_in: Callable[[], None]) -> None:
            self.take_in = take_in
            super().__init__(table)

    def __init__(
        self,
        columns: Sequence[TableColumn],
        *,
        shown: Sequence[int] | None = None,
        widths: Mapping[int, int] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        quiet: Quiet | None = None,
    ) -> None:
        """`quiet`: where the table says the user filtered or sorted (`wait_until_quiet`),
        shared with background work that should wait meanwhile (default: the table's own)."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        if not columns:
            raise ValueError("a ResourceTable needs at least one column")
        # The rows' columns (what `cells`, `sort_keys` and `marks` hold, in that order), and the
        # ones shown: `_shown` indexes `_all_columns` in display order, `_columns` are those
        # columns as drawn (with the widths chosen). Sorts and filters name rows' columns.
        self._all_columns: tuple[TableColumn, ...] = tuple(columns)
        self._shown: tuple[int, ...] = ()
        self._widths: dict[int, int] = {}
        self._columns: tuple[TableColumn, ...] = ()
        self._minimum_width = GUTTER_WIDTH
        self._choose(range(len(columns)) if shown is None else shown, widths or {})
        self._store: RowStore[RowT] = RowStore(len(self._all_columns))
        self._column_cursor = 0
        self._reported_row: RowT | None = None
        self._line_cache: LRUCache[tuple[Any, ...], Strip] = LRUCache(LINE_CACHE_SIZE)
        self._layouts: dict[int, ColumnLayout] = {}
        self._palette: _Palette | None = None
        self._quiet = quiet or Quiet()

    # ---------------------------------------------------------------- public read-only state

    @property
    def columns(self) -> tuple[TableColumn, ...]:
        """The columns shown, in display order, as drawn."""
        return self._columns

    @property
    def all_columns(self) -> tuple[TableColumn, ...]:
        """Every column the rows carry, in the rows' order (shown or not)."""
        return self._all_columns

    @property
    def shown_columns(self) -> tuple[int, ...]:
        """Indexes into `all_columns` of the columns shown, in display order."""
        return self._shown

    @property
    def column_widths(self) -> dict[int, int]:
        """Widths chosen for columns (index into `all_columns` -> cells) instead of theirs."""
        return dict(self._widths)

    rows_count = _OfStore(lambda store: store.rows_count)
    """Rows loaded (filter ignored)."""

    rows_generation = _OfStore(lambda store: store.generation)
    """Changes whenever the rows are replaced or cleared (not when rows are added): a thread
    dumping the rows can tell whether they are still the ones it was asked for."""

    visible_count = _OfStore(lambda store: store.visible_count)
    """Rows that pass the filter."""

    @property
    def visible_rows(self) -> tuple[RowT, ...]:
        """The rows that pass the filter, in display order (a copy, e.g. for export)."""
        return self._store.visible_rows

    cursor_index = _OfStore(lambda store: store.cursor)
    """Index of the cursor in the visible rows (0 when there are none)."""

    @property
    def cursor_row(self) -> RowT | None:
        return self._store.cursor_row

    @property
    def cursor_cell(self) -> tuple[str, str] | None:
        """(column title, cell text) under the cursor: what `y` copies."""
        row = self.cursor_row
        if row is None or not self._columns:
            return None
        column = min(self._column_cursor, len(self._columns) - 1)
        return self._columns[column].title, str(row.cells[self._shown[column]])

    @property
    def column_cursor(self) -> int:
        """Display position of the highlighted column (what `s` sorts by)."""
        return self._column_cursor

    sort_column = _OfStore(lambda store: store.sort_column)
    """Index into `all_columns` of the column sorted by (None: arrival order)."""
    sort_reverse = _OfStore(lambda store: store.sort_reverse)
    filter_active = _OfStore(lambda store: store.filter_active)

    @property
    def marked_rows(self) -> list[RowT]:
        """Marked rows in the order they were marked, including rows the filter hides."""
        return self._store.marked_rows

    # ---------------------------------------------------------------- data coming down

    def append_rows(self, rows: Iterable[RowT], *, columns: ColumnPage | None = None) -> None:
        """Add a page. The cursor stays on its row, and that row stays where it is on screen.

        `columns`: the same rows as `columns.encode_page` built them (in the Graph worker), which
        a long list appends instead of `rows` (`RowStore.append`); or columns alone, with no
        `rows` (built from Graph's answer: `IntuneService.list_pages(as_columns=True)`). Rows
        already loaded are neither re-sorted, re-filtered nor re-rendered.
        """
        page = list(rows)
        if not page and (columns is None or not columns.length):
            return
        store = self._store
        was_empty = not store.visible_count
        previous_screen_line = self._cursor_screen_line()
        appended = store.append(page, columns=columns)
        self._update_virtual_size()
        if appended.reordered:
            self._place_cursor(store.cursor, previous_screen_line)
        elif appended.above_cursor and not was_empty:
            self._scroll_vertically_to(self.scroll_offset.y + appended.above_cursor)
        if appended.first_changed < self.scroll_offset.y + self._page_height:
            self.refresh()
        self._report_cursor()

    def replace_rows(self, rows: Iterable[RowT], *, keep_key: bool = False) -> None:
        """Show a new result set (filter and sort settings stay).

        With `keep_key`, the cursor stays on the row with the same key (at the same screen line)
        and marks of rows still present survive; otherwise the cursor goes to the first row and
        marks are cleared.
        """
        self._replace_with(lambda store: store.replace(rows, keep_key=keep_key), keep_key)

    def restore_rows(self, data: bytes | ColumnPage, row_type: type[RowT], *,
                     keep_key: bool = False) -> None:
        """`replace_rows` with the rows of `dump_rows()` (a warm start's snapshot, issue 21), or
        of `table.store.decode_dump(data, row_type)[0]` decoded on another thread. ValueError
        if `data` is not such a dump, or of a table with other columns; the table is then
        unchanged."""
        self._replace_with(lambda store: store.restore(data, row_type, keep_key=keep_key),
                           keep_key)

    def adopt_rows(self, rows: RowStore[RowT], *, keep_key: bool = False) -> None:
        """`replace_rows` with the rows of a store filled on another thread (`RowStore.adopt`):
        a long live list replacing a snapshot without building a million rows' columns on the
        UI thread."""
        self._replace_with(lambda store: store.adopt(rows, keep_key=keep_key), keep_key)

    def prepare_sorts(self) -> None:
        """Once a long list has loaded: work out its text and date columns' sort orders on a
        worker thread (`RowStore.prepare_sorts`), so sorting by one is a lookup, not a sort
        of a million keys on the UI thread. Each column waits until the user has not filtered
        or sorted for a moment (`wait_until_quiet`)."""
        if self._store.columnar:
            store, quiet = self._store, self._quiet
            self.run_worker(lambda: store.prepare_sorts(pause=quiet.wait,
                                                        on_ui_thread=self._later_from_worker),
                            thread=True, group="prepare-sorts", exit_on_error=False)

    def _later_from_worker(self, callback: Callable[[], None]) -> None:
        """Have the UI thread run `callback` soon (from a worker thread: a message, which may
        be posted from any thread; the worker goes on without waiting)."""
        self.post_message(self.WorkerResultsReady(self, callback))

    def on_resource_table_worker_results_ready(self, event: WorkerResultsReady) -> None:
        event.stop()
        event.take_in()

    def wait_until_quiet(self, at_most: float | None = None) -> bool:
        """For worker threads about to work on this table's rows for seconds (sort orders, a
        snapshot): return once the user has not filtered or sorted for a moment, or after
        `at_most` seconds; True when quiet. Their work would slow every keystroke meanwhile:
        a filter needs the row engine's threads, which they keep busy."""
        return self._quiet.wait(at_most)

    def dump_rows(self) -> bytes:
        """Every loaded row (filter ignored) as bytes for `restore_rows`: Arrow IPC, zstd. Safe
        to call from a worker thread: it writes the rows loaded when it was called."""
        return self._store.dump()

    def dump_rows_into(self, stream: BinaryIO) -> None:
        """`dump_rows`' bytes written to `stream` a part at a time (the snapshot's sealing
        stream: a long list's dump is never whole in memory). Safe from a worker thread."""
        self._store.dump_into(stream)

    def _replace_with(self, replace: Callable[[RowStore[RowT]], bool], keep_key: bool) -> None:
        """`replace` swaps the store's rows (True: the cursor's row is still there); the cursor
        keeps its screen line or goes as `keep_key` says, and a change of marks is posted."""
        store = self._store
        previous_screen_line = self._cursor_screen_line()
        marks_before = store.marked_count
        found = replace(store)
        self._line_cache.clear()
        if found:
            self._place_cursor(store.cursor, previous_screen_line)
        elif keep_key:
            self._place_cursor(store.cursor, None)
        else:
            self._place_cursor(0, 0)
        self._after_view_changed()
        if store.marked_count != marks_before:
            self.post_message(self.MarksChanged(self, store.marked_count))

    def clear(self) -> None:
        """Drop every row and mark (filter and sort settings stay)."""
        had_marks = bool(self._store.marked_count)
        self._store.clear()
        self._line_cache.clear()
        self._place_cursor(0, 0)
        self._after_view_changed()
        if had_marks:
            self.post_message(self.MarksChanged(self, 0))

    def set_filter(self, predicate: RowPredicate[RowT] | None = None,
                   **tests: Unpack[FilterTests]) -> None:
        """Show only rows that contain every one of `words`, pass every one of `key_tests` and
        pass `predicate` (all optional; `set_filter()` shows all rows); see `RowStore.set_filter`.

        The cursor stays on its row (at the same screen line) if that row still matches,
        otherwise it goes to the first row. O(rows), nothing re-sorted.
        """
        self._quiet.touch()
        previous_screen_line = self._cursor_screen_line()
        kept = self._store.set_filter(predicate, **tests)
        if kept:
            self._place_cursor(self._store.cursor, previous_screen_line)
        else:
            self._place_cursor(0, 0)
        self._after_view_changed()

    def sort_by(self, column_index: int | None, reverse: bool = False) -> None:
        """Sort by a column's precomputed sort keys (None keys last); None restores load order.

        The cursor goes to the first row.
        """
        self._quiet.touch()
        self._store.sort_by(column_index, reverse)
        self._place_cursor(0, 0)
        self._after_view_changed()

    def show_columns(self, shown: Sequence[int], widths: Mapping[int, int] | None = None) -> None:
        """Show the columns `shown` (indexes into `all_columns`) in that order, `widths`
        (index -> cells) replacing their own widths. Rows, sort, filter and marks stay."""
        self._choose(shown, widths or {})
        self._column_cursor = min(self._column_cursor, len(self._columns) - 1)
        self._layouts.clear()
        self._line_cache.clear()
        self._update_virtual_size()
        if self.is_mounted:
            self._scroll_column_into_view()
        self.refresh()

    def move_cursor(self, index: int) -> None:
        """Put the cursor on visible row `index` (clamped) and scroll it into view."""
        store = self._store
        if not store.visible_count:
            return
        previous = store.cursor
        if store.place_cursor(index) == previous:
            return
        index = store.cursor
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
        if self._store.visible_count:
            self._refresh_rows(self._store.cursor)

    def toggle_mark(self) -> None:
        """Mark the cursor row, or unmark it if marked."""
        row = self.cursor_row
        if row is None:
            return
        self._store.toggle_mark(row)
        self._refresh_rows(self._store.cursor)
        self.post_message(self.MarksChanged(self, self._store.marked_count))

    def clear_marks(self) -> None:
        if not self._store.marked_count:
            return
        self._store.clear_marks()
        self.refresh()
        self.post_message(self.MarksChanged(self, 0))

    # ---------------------------------------------------------------- actions (key bindings)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._store.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._store.cursor + 1)

    def action_cursor_page_up(self) -> None:
        self._page(-1)

    def action_cursor_page_down(self) -> None:
        self._page(1)

    def action_cursor_top(self) -> None:
        self.move_cursor(0)

    def action_cursor_bottom(self) -> None:
        self.move_cursor(self._store.visible_count - 1)

    def action_column_left(self) -> None:
        self.move_column_cursor(self._column_cursor - 1)

    def action_column_right(self) -> None:
        self.move_column_cursor(self._column_cursor + 1)

    def action_sort_column(self) -> None:
        """Sort ascending by the highlighted column; if it already is, sort descending."""
        column = self._shown[self._column_cursor]
        already_ascending = self.sort_column == column and not self.sort_reverse
        self.sort_by(column, reverse=already_ascending)

    def action_reverse_sort(self) -> None:
        """Reverse the sort of the highlighted column (descending if it is not sorted yet)."""
        column = self._shown[self._column_cursor]
        reverse = not self.sort_reverse if self.sort_column == column else True
        self.sort_by(column, reverse=reverse)

    def action_toggle_mark(self) -> None:
        """Mark (or unmark) and move down, so space x4 marks four rows."""
        self.toggle_mark()
        self.move_cursor(self._store.cursor + 1)

    def action_mark_all_visible(self) -> None:
        """Mark every row the filter shows; if all already are, unmark them."""
        if not self._store.visible_count:
            return
        self._store.mark_all_visible()
        self.refresh()
        self.post_message(self.MarksChanged(self, self._store.marked_count))

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
            column = self._column_at(offset.x - GUTTER_WIDTH)
        if offset.y < HEADER_LINES:
            if column is not None:
                self.move_column_cursor(column)
                self.action_sort_column()
            return
        index = self.scroll_offset.y + offset.y - HEADER_LINES
        if index >= self._store.visible_count:
            return
        if column is not None:
            self.move_column_cursor(column)
        if index == self._store.cursor:
            self.action_activate()
        else:
            self.move_cursor(index)

    # ---------------------------------------------------------------- rendering

    def render_line(self, y: int) -> Strip:
        width = self._available_width
        if y < HEADER_LINES:
            return self._header_strip(width)
        if not self._store.visible_count:
            return self._empty_strip(y, width)
        index = self.scroll_offset.y + y - HEADER_LINES
        if index >= self._store.visible_count:
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
        if not self._store.visible_count:
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

    def _cursor_screen_line(self) -> int:
        """Where the cursor row is on screen (below the header), to keep it there."""
        return self._store.cursor - self.scroll_offset.y

    def _choose(self, shown: Iterable[int], widths: Mapping[int, int]) -> None:
        shown = tuple(dict.fromkeys(shown))
        if not shown:
            raise ValueError("a ResourceTable shows at least one column")
        for index in (*shown, *widths):
            if not 0 <= index < len(self._all_columns):
                raise IndexError(f"no column {index}")
        self._shown = shown
        self._widths = {index: width for index, width in widths.items()
                        if width != self._all_columns[index].width}
        self._columns = tuple(_with_width(self._all_columns[index], self._widths.get(index))
                              for index in shown)
        self._minimum_width = GUTTER_WIDTH + minimum_table_width(self._columns)

    def _column_at(self, x: int) -> int | None:
        """Display position of the column at `x` cells right of the gutter, on screen."""
        width = self._available_width
        layout = self._layout(width)
        scroll_left = self.scroll_offset.x
        frozen = frozen_width(layout, width - GUTTER_WIDTH) if scroll_left else 0
        if x < frozen:
            return 0
        return layout.column_at(x + scroll_left)

    def _layout(self, width: int) -> ColumnLayout:
        layout = self._layouts.get(width)
        if layout is None:
            layout = layout_columns(self._columns, width - GUTTER_WIDTH)
            self._layouts[width] = layout
        return layout

    def _row_strip(self, index: int, width: int) -> Strip:
        store = self._store
        row = store.row_at(index)
        is_cursor = index == store.cursor
        marked = store.is_marked(row)
        scroll_left = self.scroll_offset.x
        cache_key = (
            id(row),
            store.generation,
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
        for column, (source, cell_width) in enumerate(zip(self._shown, layout.widths,
                                                          strict=True)):
            text = cells[source] if source < len(cells) else ""
            mark = marks[source] if source < len(marks) else None
            style = styles.cell(is_cursor, marked, mark, column == column_cursor)
            segments.append(Segment(fit_to_cells(text, cell_width), style))
            if column != last:
                segments.append(Segment(COLUMN_SEPARATOR, row_style))
        return self._assemble(gutter, segments, layout, width, scroll_left, row_style)

    def _header_strip(self, width: int) -> Strip:
        scroll_left = self.scroll_offset.x
        cache_key = (
            "header",
            self.sort_column,
            self.sort_reverse,
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
            if self._shown[column] == self.sort_column:
                glyph = SORT_DESCENDING_GLYPH if self.sort_reverse else SORT_ASCENDING_GLYPH
                clipped, _ = clip_to_cells(title, cell_width - 2)
                title = f"{clipped} {glyph}" if clipped else glyph
            style = styles.header(column == self._column_cursor)
            segments.append(Segment(fit_to_cells(title, cell_width), style))
            if column != last:
                segments.append(Segment(COLUMN_SEPARATOR, header_style))
        gutter = [Segment(" " * GUTTER_WIDTH, header_style)]
        return self._assemble(gutter, segments, layout, width, scroll_left, header_style)

    @staticmethod
    def _assemble(
        gutter: list[Segment],
        segments: list[Segment],
        layout: ColumnLayout,
        width: int,
        scroll_left: int,
        fill_style: Style,
    ) -> Strip:
        """Pinned gutter + the columns scrolled by `scroll_left`, exactly `width` cells wide.

        Scrolled right, the first column stays pinned beside the gutter (`segments` are cell,
        separator, cell, …) and the others scroll behind it.
        """
        visible = width - GUTTER_WIDTH
        content_width = layout.total
        frozen = frozen_width(layout, visible) if scroll_left else 0
        if frozen:
            pinned = Strip(segments[:2], frozen)
            rest = Strip(segments[2:], content_width - frozen).crop_extend(
                scroll_left, scroll_left + visible - frozen, fill_style)
            return Strip.join([Strip(gutter, GUTTER_WIDTH), pinned, rest])
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

    # ---------------------------------------------------------------- internals: cursor, scroll

    def _after_view_changed(self) -> None:
        self._update_virtual_size()
        self.refresh()
        self._report_cursor()

    def _place_cursor(self, index: int, screen_line: int | None) -> None:
        """Cursor on `index`; scroll so it sits on `screen_line` (None: just into view)."""
        cursor = self._store.place_cursor(index)
        self._update_virtual_size()
        if screen_line is None:
            self._scroll_cursor_into_view()
            return
        screen_line = max(0, min(screen_line, self._page_height - 1))
        self._scroll_vertically_to(cursor - screen_line)

    def _page(self, direction: int) -> None:
        store = self._store
        if not store.visible_count:
            return
        page = self._page_height
        last_top = max(0, store.visible_count - page)
        top = max(0, min(self.scroll_offset.y + direction * page, last_top))
        previous = store.cursor
        if store.place_cursor(previous + direction * page) == previous:
            return
        self._scroll_vertically_to(top)
        self._scroll_cursor_into_view()
        self.refresh()
        self._report_cursor()

    def _scroll_cursor_into_view(self) -> bool:
        """Scroll so the cursor row is visible; True if the scroll position changed."""
        top = self.scroll_offset.y
        page = self._page_height
        cursor = self._store.cursor
        if cursor < top:
            return self._scroll_vertically_to(cursor)
        if cursor >= top + page:
            return self._scroll_vertically_to(cursor - page + 1)
        return False

    def _scroll_vertically_to(self, top: int) -> bool:
        top = max(0, min(top, max(0, self._store.visible_count - self._page_height)))
        if top == self.scroll_offset.y:
            return False
        self.scroll_to(y=top, animate=False, force=True)
        return True

    def _scroll_column_into_view(self) -> None:
        width = self._available_width
        layout = self._layout(width)
        visible = width - GUTTER_WIDTH
        frozen = frozen_width(layout, visible)
        if self._column_cursor == 0:
            self.scroll_to(x=0, animate=False, force=True)  # back to the start, as before
            return
        # Behind a pinned first column, `frozen` cells fewer show the scrolled ones.
        start = layout.offsets[self._column_cursor] - frozen
        end = start + layout.widths[self._column_cursor]
        visible -= frozen
        left = self.scroll_offset.x
        if start < left:
            self.scroll_to(x=start, animate=False, force=True)
        elif end > left + visible:
            self.scroll_to(x=min(start, end - visible), animate=False, force=True)

    def _update_virtual_size(self) -> None:
        size = Size(self._minimum_width, self._store.visible_count + HEADER_LINES)
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
        top = self.scroll_offset.y
        for index in indexes:
            if top <= index < top + self._page_height:
                self._refresh_line(index - top + HEADER_LINES)

    def _report_cursor(self) -> None:
        row = self.cursor_row
        if row is not self._reported_row:
            self._reported_row = row
            self.post_message(self.CursorMoved(self, row))
