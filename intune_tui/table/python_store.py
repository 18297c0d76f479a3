"""The small-list row store: rows as Python objects in lists (the table's store before issue 21).

`table.store.RowStore` uses it for lists of a few thousand rows (every detail pane, most lists),
where it is faster than the columnar store (no engine import, no per-page column building, C-level
list operations over few rows), and moves the rows to columns once a list grows past
`store.COLUMNS_FROM` rows. Same interface and results as the columnar store (the property test in
tests/table/test_store_equivalence.py holds both to the original, kept in tests/table).

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
from typing import Any, Generic, Protocol, TypedDict, TypeVar


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


class FilterTests(TypedDict, total=False):
    """`set_filter`'s tests besides the predicate (see `PythonStore.set_filter`), declared once
    for the layers that pass them on (`**tests: Unpack[FilterTests]`)."""

    words: Iterable[str]
    key_tests: Iterable[KeyTest]


@dataclass(frozen=True, slots=True)
class Appended:
    """What a page did to the visible rows.

    first_changed: the first visible index whose row changed (the old visible count when the page
        only went below); above_cursor: rows put above the cursor row (the cursor index moved by
        as many, so it stays on its row); reordered: every row was sorted again (sort keys of
        mixed types), the cursor was found again on its row.
    """

    first_changed: int
    above_cursor: int
    reordered: bool = False


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


class StoreSettings(Generic[RowT]):
    """What both row stores keep besides their rows: the column count, the sort, the filter,
    the cursor, the marks (by key) and the generation; and the readings of those."""

    def __init__(self, column_count: int) -> None:
        if column_count < 1:
            raise ValueError("a RowStore needs at least one column")
        self._column_count = column_count
        self._generation = 0
        self._sort_column: int | None = None
        self._sort_reverse = False
        self._predicate: RowPredicate[RowT] | None = None
        self._filter_words: tuple[str, ...] = ()
        self._key_tests: tuple[KeyTest, ...] = ()
        self._cursor = 0
        self._marked: dict[str, Any] = {}  # key -> the row (Python rows) or its arrival index

    @property
    def column_count(self) -> int:
        return self._column_count

    @property
    def generation(self) -> int:
        """Changes whenever rows are replaced or cleared (within one, rows are only added)."""
        return self._generation

    @property
    def cursor(self) -> int:
        """Index of the cursor in the visible rows (0 when there are none)."""
        return self._cursor

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
    def marked_count(self) -> int:
        return len(self._marked)

    def is_marked(self, row: TableRow) -> bool:
        return row.key in self._marked

    def clear_marks(self) -> None:
        self._marked.clear()

    def set_filter(
        self,
        predicate: RowPredicate[RowT] | None = None,
        *,
        words: Iterable[str] = (),
        key_tests: Iterable[KeyTest] = (),
    ) -> bool:
        """Keep only rows that contain every one of `words`, pass every one of `key_tests` and
        pass `predicate` (all optional; `set_filter()` keeps all rows). True when the cursor row
        still passes (the cursor stays on it); otherwise the cursor goes to the first row.

        `words` are matched case-insensitively as substrings of `row.search_text` (lower-case
        by contract). O(rows), nothing re-sorted; IndexError (nothing changed) if a key test
        names no column.
        """
        tests = tuple(key_tests)
        for test in tests:
            if not 0 <= test.column < self._column_count:
                raise IndexError(f"no column {test.column}")
        return self._filter(predicate, tuple(word.lower() for word in words if word), tests)

    def _filter(self, predicate: RowPredicate[RowT] | None, words: tuple[str, ...],
                key_tests: tuple[KeyTest, ...]) -> bool:
        raise NotImplementedError

    def sort_by(self, column: int | None, reverse: bool = False) -> None:
        """Sort by a column's sort keys (None keys last); None restores arrival order. The
        cursor goes to the first row."""
        if column is not None and not 0 <= column < self._column_count:
            raise IndexError(f"no column {column}")
        self._sort_column = column
        self._sort_reverse = reverse if column is not None else False
        self._sort()
        self._cursor = 0

    def _sort(self) -> None:
        """`sort_by`'s work, with `_sort_column` and `_sort_reverse` set."""
        raise NotImplementedError

    @property
    def visible_count(self) -> int:
        """Rows that pass the filter."""
        raise NotImplementedError

    def place_cursor(self, index: int) -> int:
        """Put the cursor on visible row `index`, clamped; returns where it went."""
        count = self.visible_count
        self._cursor = max(0, min(index, count - 1)) if count else 0
        return self._cursor


class PythonStore(StoreSettings[RowT]):
    """The rows of one table: loaded in pages, sorted by a column, filtered, marked, and the
    cursor's row (an index into the visible rows that follows its row through every change).

    `column_count` is how many columns the rows carry (`sort_keys[column]` for each); sorts and
    key tests name columns by that index.
    """

    def __init__(self, column_count: int) -> None:
        super().__init__(column_count)
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
        # `row.search_text` of every row, in arrival order: word filters run in C over it.
        self._search_texts: list[str] = []
        # Column index -> that column's sort key of every row, in arrival order (for key tests).
        self._column_keys: dict[int, list[Any]] = {}
        self._sort_key: Callable[[TableRow], Any] = _sort_key_for(0)
        # Rows are never removed within a generation, so id(row) is a stable cache key inside it.

    # ---------------------------------------------------------------- reading

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
        """The rows that pass the filter, in display order (a copy)."""
        return tuple(self._view)

    def row_at(self, index: int) -> RowT:
        """The visible row at `index` (display order)."""
        return self._view[index]

    @property
    def cursor_row(self) -> RowT | None:
        return self._view[self._cursor] if self._view else None

    @property
    def marked_rows(self) -> list[RowT]:
        """Marked rows in the order they were marked, including rows the filter hides."""
        return list(self._marked.values())

    # ---------------------------------------------------------------- rows

    def append(self, rows: Iterable[RowT]) -> Appended:
        """Add a page; the cursor stays on its row.

        Cost is O(page) without a sort, O(page * log(total)) comparisons plus one list copy
        with a sort; rows already loaded are neither re-sorted nor re-filtered.
        """
        page = list(rows)
        old_length = len(self._view)
        if not page:
            return Appended(old_length, 0)
        was_empty = not self._view
        previous_row = self.cursor_row
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
            appended = Appended(old_length, 0)
        else:
            try:
                appended = self._merge_page(page, page_texts, first_origin)
            except TypeError:
                # Keys of mixed types (bad data): switch to a tolerant key and sort everything.
                self._use_tolerant_sort_key()
                self._rebuild_order()
                self.place_cursor(max(_index_of_identity(self._view, previous_row), 0))
                appended = Appended(0, 0, reordered=True)
        if was_empty:
            self._cursor = 0
        else:
            self._cursor += appended.above_cursor
        return appended

    def replace(self, rows: Iterable[RowT], *, keep_key: bool = False) -> bool:
        """Hold a new result set (filter and sort settings stay). True when the cursor found
        its row again.

        With `keep_key`, the cursor stays on the row with the same key, or near where it was,
        and marks of rows still present survive; otherwise the cursor goes to the first row
        and marks are cleared.
        """
        previous_row = self.cursor_row
        previous_cursor = self._cursor
        self._start_generation(list(rows))
        self._rebuild_sorted()
        if not keep_key:
            self._marked.clear()
            self._cursor = 0
            return False
        self._keep_marks_present()
        index = self.index_of_key(previous_row.key) if previous_row is not None else -1
        if index >= 0:
            self._cursor = index
            return True
        self.place_cursor(min(previous_cursor, max(len(self._view) - 1, 0)))
        return False

    def clear(self) -> None:
        """Drop every row and mark (filter and sort settings stay)."""
        self._start_generation([])
        self._rebuild_order()
        self._marked.clear()
        self._cursor = 0

    def index_of_key(self, key: str) -> int:
        """Visible index of the row with `key`, or -1."""
        keys = [row.key for row in self._view]
        return keys.index(key) if key in keys else -1

    # ---------------------------------------------------------------- filter and sort

    def _filter(self, predicate: RowPredicate[RowT] | None, words: tuple[str, ...],
                key_tests: tuple[KeyTest, ...]) -> bool:
        """`set_filter`: words are tested in C over a list of every row's search text, and
        `key_tests` over a list of their column's sort keys (several times faster than the
        same tests in a predicate); the predicate then runs only on rows those let through."""
        position = self._cursor_position_in_ordered()
        self._predicate = predicate
        self._filter_words = words
        self._key_tests = key_tests
        self._apply_filter()
        mask = self._view_mask
        if position is None or (mask is not None and not mask[position]):
            self._cursor = 0
            return False
        self.place_cursor(position if mask is None else mask[:position].count(True))
        return True

    def _sort(self) -> None:
        if self._sort_column is not None:
            self._sort_key = _sort_key_for(self._sort_column)
        try:
            self._rebuild_order()
        except TypeError:
            self._use_tolerant_sort_key()
            self._rebuild_order()

    # ---------------------------------------------------------------- cursor and marks

    def toggle_mark(self, row: RowT) -> None:
        """Mark `row`, or unmark it if marked."""
        if self._marked.pop(row.key, None) is None:
            self._marked[row.key] = row

    def mark_all_visible(self) -> None:
        """Mark every visible row; if all already are, unmark them."""
        if all(row.key in self._marked for row in self._view):
            for row in self._view:
                self._marked.pop(row.key, None)
        else:
            for row in self._view:
                self._marked.setdefault(row.key, row)

    # ---------------------------------------------------------------- internals

    def _start_generation(self, rows: list[RowT]) -> None:
        self._generation += 1
        self._rows = rows
        self._search_texts = [row.search_text for row in rows]
        self._column_keys = {}

    def _rebuild_sorted(self) -> None:
        """`_rebuild_order`, tolerant of sort keys of mixed types (bad data)."""
        try:
            self._rebuild_order()
        except TypeError:
            self._use_tolerant_sort_key()
            self._rebuild_order()

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

    def _merge_page(self, page: list[RowT], page_texts: list[str], first_origin: int) -> Appended:
        """Merge a page into the sorted lists."""
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
            return Appended(old_view_length, 0)
        if old_view_length == 0:
            return Appended(0, 0)
        cursor = self._cursor
        return Appended(positions[0], sum(1 for position in positions if position <= cursor))

    def _keep_marks_present(self) -> None:
        if not self._marked:
            return
        present = {row.key: row for row in self._rows if row.key in self._marked}
        self._marked = {key: present[key] for key in self._marked if key in present}
