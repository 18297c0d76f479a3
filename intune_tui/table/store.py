"""The rows of a table, without the widget: arrival order, sort order, filter, marks, cursor.

`RowStore` holds what a list shows and in which order, and which row the cursor is on; the
widget (`ui.widgets.resource_table`) draws it and scrolls. Its interface speaks in visible
indexes, keys and rows, never in what is behind them. A short list keeps Python rows
(`python_store.PythonStore`); past `COLUMNS_FROM` rows, once the engine is imported, the rows
move to columns (`ColumnStore`, issue 21): about half the memory of the Python rows at 300,000
devices, and filters and sorts run in the engine.

`ColumnStore` keeps the rows as columns of a polars frame in arrival order (`table.columns`);
a row is rebuilt only when asked for (drawn rows, the cursor row, marked rows, exports), and a
drawn row stays the same object while it may be drawn (a cache keyed by arrival index), so the
widget's line cache (keyed by `id(row)`) keeps working.

Ordering model, as numpy int32 index arrays into the arrival order: `_ordered` the rows in sort
order (None when unsorted), `_view` the rows that pass the filter in display order (None when
it is `_ordered` or, unsorted, every row). Sorting is stable, missing keys last in arrival order,
the order Python's stable sort gives (`sort_order`); a page appended under a sort is sorted on
its own and merged in by binary search over the sorted keys (`search_sorted`), never a full
re-sort. Filters run over whole columns: every word of the query must occur in the row's search
text (`str.contains(word, literal=True)`), column tests become polars expressions (others run
over a list of the column's keys), and a predicate runs only on rows those let through. Sort
keys polars cannot compare like Python does (mixed types: bad data) stay a Python list and sort
with Python's rules, falling back to numbers-first-then-text when the types do not compare.
"""

from __future__ import annotations

import bisect
import functools
import io
import json
import struct
from array import array
from collections import OrderedDict
from collections.abc import Callable, ItemsView, Iterable, Iterator, Mapping, Sequence, ValuesView
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, cast

from intune_tui.table import columns as col
from intune_tui.table import memory
from intune_tui.table.python_store import (
    Appended,
    KeyTest,
    PythonStore,
    RowPredicate,
    RowT,
    StoreSettings,
    TableRow,
    insertion_positions,
    sort_order,
    splice,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import polars as pl

    Indexes = npt.NDArray[np.int32]
    Mask = npt.NDArray[np.bool_]
    OwnKeys = tuple[npt.NDArray[np.int64], list[Any]]  # arrival indexes (ascending), keys


__all__ = ["Appended", "ColumnStore", "KeyTest", "RowPredicate", "RowStore", "RowT",
           "TableRow", "insertion_positions", "sort_order", "splice"]


# ---------------------------------------------------------------- Python ordering helpers
# Used for sort keys kept as Python objects (mixed types), with Python's own comparisons.


def tolerant_key(value: Any) -> Any:
    """A key for columns whose sort keys mix types: numbers first, then the rest as text."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value, "")
    return (1, 0, str(value))


# ---------------------------------------------------------------- the store

ROW_CACHE_SIZE = 4096  # rows handed out, kept alive: 8x the widget's line cache
PREFETCH = 64  # rows rebuilt at once around a drawn row
PREDICATE_BATCH = 4096
COMPACT_PAGES = 32
# ... or as soon as this many rows came since the last one: the app's pages of a long list come
# in batches of up to 32,000 rows (`intune.split_listing.BATCH_PAGES`), so 32 pages could be a
# whole million rows, each page's text in its own small blocks until then (`_compacted`).
COMPACT_ROWS = 65_536
ORDERS_KEPT = 2  # sort orders cached (per column and direction) until rows change
RUN_LIMIT = 65_536  # sorted keys kept in runs of at most about this many for page merges
# 2: columns of kinds an older reader would misread (GUIDs as numbers, derived sort keys);
# 3: the same with GUIDs and blanks (`columns.BLANK_GUID`) or keys held as GUIDs, written
# only by a dump holding them. An older reader refuses a newer magic as "not a row store
# dump" (the warm start then ignores the snapshot); this one reads them all.
# 4: the frame in Arrow IPC files, its columns of GUIDs (text or numbers) uncompressed in one
# and the others zstd-compressed (each in its own since 2026-12-07, all in one before: read
# alike), with a table of them at the end (`_write_parts`); written for a
# frame of `DUMP_PARTS_FROM` rows or more that has such columns.
DUMP_MAGIC = b"ITRS3\n"
DUMP_MAGIC_2 = b"ITRS2\n"
DUMP_MAGIC_4 = b"ITRS4\n"
DUMP_MAGICS = (b"ITRS1\n", DUMP_MAGIC_2, DUMP_MAGIC, DUMP_MAGIC_4)
_KINDS_SINCE_3 = (col.BLANK_GUID,)
# Random GUIDs shrink to about half with zstd, and decompressing them is most of the time their
# columns take to read: 36-byte GUID texts at a million rows read in ~20 ms uncompressed and
# ~95 ms (CPU) compressed (three such columns in the devices list; 74 MB more on disk).
DUMP_PARTS_FROM = 50_000
_GUID_SAMPLE = 1_000  # values of a text column looked at to tell whether it holds GUIDs
_PART_TABLE = struct.Struct(">Q")
_PAGE_OPS = ("in", "contains", "after", "before")
# The characters whose lower case is or holds ASCII, but for A-Z (Python's str.lower over
# every code point, Unicode 14; Rust's to_lowercase, polars', maps them alike): a row holding
# one must have its lower case tested, not its text (`_is_ascii_test`). Others that fold into
# ASCII (ß -> ss, ﬁ -> fi) do so only in a casefold: their rows' keys are exceptions already.
_INTO_ASCII = ("\u0130", "\u212a")  # İ -> i̇, the Kelvin sign -> k
# Rows from which `prepare_sorts` waits after each column for its temporaries to be freed
# (`memory.let_engine_free`).
SETTLE_FROM = 100_000
CATEGORIZE_FROM = 65_536  # rows from which a loaded list's item properties may become categories
SPLIT_FROM = 100_000  # rows from which the filter's words are tested in slices at once
SPLIT_PARTS = 2
# Typing on tests only the rows that passed while they are under this share of all rows
# (measured at a million: a third of the rows in half the time of all, four fifths slower).
NARROW_SHARE = (2, 3)
# The frame holds its pattern ids and cell counts (`columns.MARKS`, ITEM_KEYS, CELL_COUNT) as the
# narrowest of these that holds the largest (pages make them UInt32 or UInt16: 6.7 MiB less at a
# million devices), and its categories as `columns.narrow_categories` made them
# (`_narrowed`). A dump writes both as a page did before (an older reader reads it as ever).
CODE_TYPES = ("UInt8", "UInt16", "UInt32")
CODE_COLUMNS = (col.MARKS, col.ITEM_KEYS, col.CELL_COUNT)


NUMERIC_KINDS = (col.INT, col.FLOAT, col.BOOL, col.AWARE, col.NAIVE)


def _numeric_order(series: pl.Series, reverse: bool) -> Indexes | None:
    """`_stable_order` of numbers, booleans and datetimes with numpy's stable sort (several
    times faster than the engine's sort by (key, index)); None when it cannot (overflow)."""
    np = _np()
    present = series.is_not_null().to_numpy()
    where = np.flatnonzero(present).astype(np.int32)
    keys = series.drop_nulls().to_physical().to_numpy()
    if keys.dtype == np.bool_:
        keys = keys.astype(np.int8)
    if reverse:
        if keys.dtype.kind == "i" and len(keys) and keys.min() == np.iinfo(keys.dtype).min:
            return None
        keys = -keys
    order: Indexes = where[np.argsort(keys, kind="stable")]
    if len(where) != len(series):
        order = np.concatenate([order, np.flatnonzero(~present).astype(np.int32)])
    return order


def _category_order(series: pl.Series, reverse: bool) -> Indexes:
    """`_stable_order` of a category column: each value's rank among the few distinct values
    (Python's text order), then numpy's stable sort of the ranks (a radix sort)."""
    import polars as pl

    np = _np()
    present = series.is_not_null().to_numpy()
    where = np.flatnonzero(present).astype(np.int32)
    values = series.drop_nulls()
    distinct = values.unique()
    codes = distinct.to_physical().to_numpy()
    texts: list[str] = distinct.cast(pl.String).to_list()
    by_text = sorted(range(len(texts)), key=texts.__getitem__)
    rank_type = np.int16 if len(texts) < 2**15 else np.int32
    lookup = np.zeros(int(codes.max()) + 1 if len(codes) else 1, dtype=rank_type)
    lookup[codes[by_text]] = np.arange(len(texts), dtype=rank_type)
    keys = lookup[values.to_physical().to_numpy()]
    order: Indexes = where[np.argsort(-keys if reverse else keys, kind="stable")]
    if len(where) != len(series):
        order = np.concatenate([order, np.flatnonzero(~present).astype(np.int32)])
    return order


BUCKETS = 64  # `_lean_text_ascending`'s splitters (at most: fewer when keys repeat)
MISSING_BUCKET = 255  # ... and its bucket of missing keys (BUCKETS must stay below it)
BUCKET_SAMPLE = 32  # keys sampled per bucket
TAG_BASE = 10**7  # a row's index + TAG_BASE: 8 decimal digits for up to 90 million rows
TAG_WIDTH = 8
TAGGED_FROM = 20_000  # keys from which `_text_order` sorts (a page of 1,000: twice as slow)


def _in_slices(series: pl.Series, step: Callable[[pl.Series, int], pl.Series]) -> pl.Series:
    """`step(slice, its first index)` a RUN_LIMIT slice at a time, the results kept as chunks
    (not copied into one). For a worker thread beside the UI thread: each call holds the row
    engine's thread pool for one slice, so a keystroke's filter, which needs that pool too,
    waits for a slice, not for the whole column (`_text_order`'s `alone`)."""
    import polars as pl

    if len(series) <= RUN_LIMIT:
        return step(series, 0)
    return pl.concat([step(series.slice(start, RUN_LIMIT), start)
                      for start in range(0, len(series), RUN_LIMIT)], rechunk=False)


def _text_order(values: pl.Series, *, same: bool = True,
                alone: bool = False) -> tuple[Indexes, Any] | None:
    """The ascending `_stable_order` of text keys without None, and (with `same`) which
    sorted keys equal the one before (packed bits, as `_same_as_before`; else None): each key
    with NUL and its index appended (TAG_WIDTH decimal digits), sorted as values (polars sorts
    texts that way about twice as fast as it sorts indexes by (key, index)). A key that is a
    prefix of another sorts first (NUL is below any character the longer key goes on with),
    equal keys by the index: arrival order. None when it cannot (a key holding NUL) or need
    not (fewer than TAGGED_FROM keys).

    `alone`: for a worker thread while the user may type (`prepare_sorts`): sorted on this
    thread only, never in the row engine's thread pool, which a keystroke's filter needs at
    once (a sort of a million keys there held every keystroke meanwhile for up to ~1 s:
    `bench_store.py`, 2026-12-07), and in buckets (`_lean_text_ascending`)."""
    import polars as pl

    np = _np()
    count = len(values)
    if not max(TAGGED_FROM, 2) <= count <= 9 * TAG_BASE:
        return None
    if alone:
        lean = _lean_text_ascending(values, same=same)
        return lean[0], lean[2]
    nul = values.str.contains("\x00", literal=True)
    if nul.any():
        return None
    del nul
    tagged = _tagged(values, 0)
    ordered = tagged.sort()
    del tagged
    # The indexes and keys are cut out of the sorted texts a slice at a time: all at once, they
    # were two more columns as long as the keys (at a million names, ~50 MB more at the peak
    # of the worker's `prepare_sorts`, ~90 MB for user names).
    order: Indexes = np.empty(count, dtype=np.int32)
    equal = np.empty(count - 1, dtype=bool) if same else None
    last: str | None = None
    for start in range(0, count, RUN_LIMIT):
        part = ordered.slice(start, RUN_LIMIT)
        found = part.str.tail(TAG_WIDTH).cast(pl.UInt32).to_numpy()
        order[start:start + len(part)] = found - np.uint32(TAG_BASE)
        if equal is not None:
            keys = part.str.head(-TAG_WIDTH - 1)
            if start:
                equal[start - 1] = keys[0] == last
            equal[start:start + len(part) - 1] = (
                keys.slice(1) == keys.slice(0, len(part) - 1)).to_numpy()
            last = keys[-1]
    return order, None if equal is None else np.packbits(equal)


class _KeysOnDemand:
    """A text sort key column worked out only for the rows asked for (`gather`, `slice`):
    its column's values (`series`), derived as its kind says (`columns.derive`), with the
    rows where the keys differ (`differs`) set to their own. For `_lean_text_ascending`,
    which looks at each key a few times, a few thousand at a time: no copy of the whole key
    column is held (a million device names in lower case: ~32 MiB)."""

    def __init__(self, series: pl.Series, kind: str,
                 differs: Mapping[int, Any] | None) -> None:
        import polars as pl

        np = _np()
        self._series = series
        self._kind = kind
        pairs = sorted(differs.items()) if differs else []
        self._where = np.array([index for index, _ in pairs], dtype=np.int64)
        self._values = pl.Series([value for _, value in pairs], dtype=pl.String)

    def __len__(self) -> int:
        return len(self._series)

    def gather(self, rows: Indexes) -> pl.Series:
        """The keys of `rows`, derived RUN_LIMIT at a time (as `_in_slices`)."""
        import polars as pl

        if len(rows) <= RUN_LIMIT:
            return self._patched(self._series.gather(rows), rows)
        return pl.concat([self._patched(self._series.gather(part), part)
                          for part in (rows[start:start + RUN_LIMIT]
                                       for start in range(0, len(rows), RUN_LIMIT))],
                         rechunk=False)

    def slice(self, start: int, length: int) -> pl.Series:
        part = self._series.slice(start, length)
        return self._patched(part, _np().arange(start, start + len(part)))

    def _patched(self, part: pl.Series, rows: Any) -> pl.Series:
        np = _np()
        keys = col.derive(part, self._kind) if col.derived(self._kind) else part
        if not len(self._where) or not len(rows):
            return keys
        found = np.minimum(np.searchsorted(self._where, rows), len(self._where) - 1)
        hit = self._where[found] == rows
        if not hit.any():
            return keys
        return keys.clone().scatter(np.flatnonzero(hit), self._values.gather(found[hit]))


def _lean_text_ascending(keys: pl.Series | _KeysOnDemand, *,
                         same: bool) -> tuple[Indexes, int, Any]:
    """`_text_ascending` for a worker thread (`alone`), in little memory: a sample sort.
    Present keys sampled at random (the same ones for the same count) and sorted give up to
    BUCKETS splitters; each key goes to the bucket of how many splitters are at most it (a
    binary search, a slice of keys at a time), so every key of a bucket sorts before every
    key of the next and equal keys share one; each bucket's rows, in arrival order, are
    sorted by the engine's stable sort on this thread; missing keys come last, in arrival
    order. Which sorted keys equal the one before is worked out a slice at a time
    (`_same_as_before`). At a million user names the engine's sort of all the keys at once
    held ~48 MiB at the peak (the tagged keys of the UI thread's sort, ~95 MiB), this ~20 MiB,
    in as much time (tests/perf/probe_store_memory.py)."""
    import polars as pl

    np = _np()
    count = len(keys)
    picked = np.random.default_rng(count).integers(0, count, min(BUCKETS * BUCKET_SAMPLE, count))
    sample = keys.gather(picked).drop_nulls().sort(multithreaded=False)
    splitters = sample.gather(np.arange(BUCKET_SAMPLE, len(sample), BUCKET_SAMPLE))
    splitters = splitters.filter(splitters.is_first_distinct())  # sorted: equal ones adjacent
    buckets = np.zeros(count, dtype=np.uint8)
    for start in range(0, count, RUN_LIMIT):
        part = keys.slice(start, RUN_LIMIT)
        found = buckets[start:start + len(part)]
        if len(splitters):
            found[:] = splitters.search_sorted(part.fill_null(""), side="right").to_numpy()
        if part.null_count():
            found[part.is_null().to_numpy()] = MISSING_BUCKET
    order: Indexes = np.empty(count, dtype=np.int32)
    at = 0
    for bucket in (*range(len(splitters) + 1), MISSING_BUCKET):
        rows = np.flatnonzero(buckets == bucket).astype(np.int32)
        if len(rows) > 1 and bucket != MISSING_BUCKET:
            local = keys.gather(rows).to_frame("v").select(pl.arg_sort_by(
                "v", maintain_order=True, multithreaded=False)).to_series().to_numpy()
            rows = rows[local]
        order[at:at + len(rows)] = rows
        at += len(rows)
    present = count - int(np.count_nonzero(buckets == MISSING_BUCKET))
    del buckets
    return order, present, _same_as_before(keys, order[:present]) if same else None


def _tagged(values: pl.Series, first: int) -> pl.Series:
    """Each key with NUL and its index (from `first`) appended, TAG_WIDTH decimal digits."""
    import polars as pl

    tags = TAG_BASE + pl.int_range(first, first + len(values), dtype=pl.Int64, eager=True)
    return pl.select(pl.concat_str([pl.lit(values), pl.lit("\x00"), pl.lit(tags)])).to_series()


def _text_ascending(series: pl.Series, *, same: bool = True,
                    alone: bool = False) -> tuple[Indexes, int, Any] | None:
    """Text keys (None last) in ascending stable order, how many are present, and (with
    `same`) which sorted present keys equal the one before (packed bits): what `_descending`
    takes. None when `_text_order` cannot."""
    np = _np()
    present = series.is_not_null().to_numpy() if series.null_count() else None
    values = series if present is None else series.drop_nulls()
    found = _text_order(values, same=same, alone=alone)
    if found is None:
        return None
    order, equal = found
    if present is not None:
        where = np.flatnonzero(present).astype(np.int32)
        order = np.concatenate([where[order], np.flatnonzero(~present).astype(np.int32)])
    return order, len(values), equal


def _stable_order(series: pl.Series, reverse: bool, kind: str = col.TEXT, *,
                  alone: bool = False) -> Indexes:
    """Indexes of `series` in stable order, None last (ties keep arrival order either way).

    Long text columns as `_text_order`; the rest sorted by (key, index) rather than with
    `maintain_order`: the same order, found faster. `alone`: as `_text_order`'s."""
    import polars as pl

    if kind in NUMERIC_KINDS:
        numeric = _numeric_order(series, reverse)
        if numeric is not None:
            return numeric
    if kind in (col.CATEGORY, col.VERSION) and isinstance(series.dtype, pl.Categorical):
        return _category_order(series, reverse)
    if series.dtype == pl.String:
        ascending = _text_ascending(series, alone=alone)
        if ascending is not None:
            return _descending(*ascending) if reverse else ascending[0]

    frame = series.to_frame("v").with_row_index("i")
    order = frame.select(
        pl.arg_sort_by(["v", "i"], descending=[reverse, False], nulls_last=True,
                       multithreaded=not alone))
    result: Indexes = order.to_series().to_numpy().astype(_np().int32)
    return result


def _merge_runs(runs: list[pl.Series], reverse: bool) -> None:
    """Merge the last runs while the newest is at least half the size of the one before, up to
    RUN_LIMIT keys (a binary counter: at a million keys about twenty runs, each page's merge
    sorts only small runs, never the whole column)."""
    while len(runs) >= 2 and len(runs[-2]) < RUN_LIMIT and 2 * len(runs[-1]) >= len(runs[-2]):
        last = runs.pop()
        runs[-1] = runs[-1].append(last).sort(descending=reverse).rechunk()


def _np() -> Any:
    import numpy

    return numpy


def _code_type(largest: int, held: Any) -> Any:
    """The narrowest of CODE_TYPES holding `largest`, and no narrower than `held` (None: the
    store holds none yet)."""
    import polars as pl

    types = [getattr(pl, name) for name in CODE_TYPES]
    least = 0 if held is None or held not in types else types.index(held)
    for index in range(least, len(types)):
        if largest < 2 ** (8 * 2 ** index):
            return types[index]
    raise OverflowError(f"a code of {largest}")


def _as_written(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with its columns of `ColumnStore._narrowed` as a page has them (a dump of
    the store is then what a dump was before: an older reader reads it)."""
    import polars as pl

    page_types = {col.MARKS: pl.UInt32, col.ITEM_KEYS: pl.UInt32, col.CELL_COUNT: pl.UInt16}
    widened = [pl.col(name).cast(page_types[name]) for name in CODE_COLUMNS
               if name in frame.columns and frame.schema[name] != page_types[name]]
    widened += [pl.col(name).cast(pl.Categorical()) for name, dtype in frame.schema.items()
                if col.category_rank(dtype) < 2]
    return frame.with_columns(widened) if widened else frame


@functools.cache  # made once, at first use (two threads racing may make one that stays idle)
def _compactor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1, thread_name_prefix="row-store-compact")


def _compact_later(frame: pl.DataFrame) -> Future[pl.DataFrame]:
    """`_compacted(frame)` on a thread of its own (polars releases the GIL while it copies)."""
    return _compactor().submit(_compacted, frame)


def _compacted(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` in one chunk, its text columns' characters copied into a few large blocks.

    `rechunk` copies a text column's views (16 bytes a row) but not its characters: each
    page's few small blocks of them (a few KB each) stay, and keep resident the allocator's
    pages they share with the page's freed temporaries. Copying them (`concat_str` writes
    new blocks; None stays None) let those pages go: at a million devices the store took
    ~70 MiB less RSS (tests/perf/probe_store_memory.py, 495 -> 422 MiB after the load), for
    ~0.3 ms of this thread's time per thousand rows."""
    import polars as pl

    joined = frame.rechunk()
    texts = [name for name, dtype in joined.schema.items() if dtype == pl.String]
    if not texts:
        return joined
    return joined.with_columns(pl.concat_str([pl.col(name), pl.lit("")]).alias(name)
                               for name in texts)


class RowValues(Mapping[int, Any]):
    """Arrival index -> value, for the rows where a derived column differs from the one it is
    derived from (a store's exceptions, `ColumnStore._exceptions`): the indexes in an array
    of 8-byte numbers, ascending, the values in a list beside it: 16 bytes a row where a dict
    took ~65 (at a million devices the ~67,000 userless ones differ in two columns: 6.6 MiB
    less). Filled page by page (`add`), read by index."""

    __slots__ = ("_rows", "_values")

    def __init__(self) -> None:
        self._rows = array("q")
        self._values: list[Any] = []

    def add(self, first: int, differs: Mapping[int, Any]) -> None:
        """The rows of a page whose first row is `first` (`differs`: index in the page ->
        value); rows held already take their new value."""
        shifted = sorted((first + index, value) for index, value in differs.items())
        if shifted and self._rows and shifted[0][0] <= self._rows[-1]:
            merged = dict(zip(self._rows, self._values, strict=True))
            merged.update(shifted)
            shifted = sorted(merged.items())
            self._rows, self._values = array("q"), []
        self._rows.extend(index for index, _ in shifted)
        self._values.extend(value for _, value in shifted)

    def _position(self, index: object) -> int:
        if type(index) is not int:
            return -1
        position = bisect.bisect_left(self._rows, index)
        return position if position < len(self._rows) and self._rows[position] == index \
            else -1

    def __getitem__(self, index: int) -> Any:
        position = self._position(index)
        if position < 0:
            raise KeyError(index)
        return self._values[position]

    def __contains__(self, index: object) -> bool:
        return self._position(index) >= 0

    def __iter__(self) -> Iterator[int]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def items(self) -> ItemsView[int, Any]:
        return _RowItems(self)

    def values(self) -> ValuesView[Any]:
        return _RowValuesView(self)

    def arrays(self) -> OwnKeys:
        """The indexes (a numpy array, no copy) and the values beside them."""
        return _np().frombuffer(self._rows, dtype=_np().int64), self._values


class _RowItems(ItemsView[int, Any]):
    """`RowValues.items()` read side by side, not looked up one by one."""

    _mapping: RowValues

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        return zip(self._mapping._rows, self._mapping._values, strict=True)


class _RowValuesView(ValuesView[Any]):
    _mapping: RowValues

    def __iter__(self) -> Iterator[Any]:
        return iter(self._mapping._values)


class ColumnStore(StoreSettings[RowT]):
    """The rows of one table as columns: loaded in pages, sorted by a column, filtered, marked,
    and the cursor's row (an index into the visible rows that follows its row through every
    change). `RowStore` uses it for long lists.

    `column_count` is how many columns the rows carry (`sort_keys[column]` for each); sorts and
    key tests name columns by that index.
    """

    def __init__(self, column_count: int) -> None:
        super().__init__(column_count)
        col.preload_engine()
        self._tolerant = False
        self._marked: dict[str, int] = {}  # key -> arrival index, in marking order
        self._reset_rows()

    def _reset_rows(self) -> None:
        self._frame: pl.DataFrame | None = None
        self._length = 0
        self._compacted = 0  # rows before this are in few chunks
        self._pages_since_compact = 0
        # Changes whenever the frame's columns change other than by appending rows (a kind
        # widened, a column added): a compaction started before then is dropped.
        self._reshapes = getattr(self, "_reshapes", 0) + 1
        # The compaction under way: (first row, rows, `_reshapes` then, the joined rows).
        self._compacting: tuple[int, int, int, Future[pl.DataFrame]] | None = None
        # Text item properties a worker found few values in once the list loaded, as
        # categories: ((generation, rows, `_reshapes`) then, the columns) (`categorize_loaded`).
        self._categorized: tuple[tuple[int, int, int], list[pl.Series]] | None = None
        self._kinds: dict[str, str] = {}
        self._objects: dict[str, list[Any]] = {}
        # Item properties of an alias kind: arrival index -> value, where not the same.
        self._exceptions: dict[str, RowValues] = {}
        self._mark_patterns: list[tuple[str | None, ...]] = []
        self._mark_index: dict[tuple[str | None, ...], int] = {}
        self._item_patterns: list[tuple[str, ...]] = []
        self._item_index: dict[tuple[str, ...], int] = {}
        self._builder: col.RowBuilder | None = None
        self._ordered: Indexes | None = None
        self._view: Indexes | None = None
        self._mask: Mask | None = None  # arrival order, while a filter is active
        self._ordered_mask: Mask | None = None  # `_ordered` order, while sorted and filtered
        self._orders: dict[tuple[int, bool], Indexes] = {}
        # Sort orders worked out by `prepare_sorts` on a worker: column -> (rows held then,
        # ascending order, keys present, which sorted keys equal the one before: packed bits).
        self._prepared: dict[int, tuple[tuple[int, int], Indexes, int, Any]] = {}
        # While sorted by a column of a frame kind: its present keys in sorted runs (their
        # union is the column in sort order), for placing a page's rows (`_engine_positions`).
        self._runs: list[pl.Series] | None = None
        self._column_keys: dict[int, list[Any]] = {}
        # The last derived category sort key column asked for (`_sort_series`), and when.
        self._derived_keys: tuple[tuple[int, int, int, int], pl.Series] | None = None
        # Per text column tested by an ASCII word: its rows whose lower case holds ASCII made
        # from other characters (`_lowered_into_ascii`), and when.
        self._into_ascii: dict[str, tuple[tuple[int, int, int], OwnKeys]] = {}
        self._handed: OrderedDict[int, RowT] = OrderedDict()
        self._prefetched: dict[int, RowT] = {}
        self._index_by_id: dict[int, int] = {}

    # ---------------------------------------------------------------- reading

    @property
    def rows_count(self) -> int:
        """Rows loaded (filter ignored)."""
        return self._length

    @property
    def visible_count(self) -> int:
        """Rows that pass the filter."""
        return self._length if self._view is None else len(self._view)

    @property
    def visible_rows(self) -> tuple[RowT, ...]:
        """The rows that pass the filter, in display order (rebuilt: a copy)."""
        if not self._length:
            return ()
        indexes = range(self._length) if self._view is None else self._view.tolist()
        return tuple(self._build(indexes))

    def row_at(self, index: int) -> RowT:
        """The visible row at `index` (display order)."""
        count = self.visible_count
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("row index out of range")
        self._take_compacted()  # one a worker made after the load (`compact_loaded`)
        arrival = self._arrival(index)
        row = self._handed.get(arrival)
        if row is not None:
            self._handed.move_to_end(arrival)
            return row
        row = self._prefetched.pop(arrival, None)
        if row is None:
            row = self._prefetch(index, arrival)
        self._hand_out(arrival, row)
        return row

    @property
    def cursor_row(self) -> RowT | None:
        return self.row_at(self._cursor) if self.visible_count else None

    @property
    def marked_rows(self) -> list[RowT]:
        """Marked rows in the order they were marked, including rows the filter hides."""
        return self._build(list(self._marked.values()))

    # ---------------------------------------------------------------- rows

    def append(self, rows: Iterable[RowT] | col.ColumnPage) -> Appended:
        """Add a page (rows, or `columns.encode_page` of them); the cursor stays on its row.

        Cost is O(page) without a sort, O(page * log(total)) plus index array copies with one;
        rows already loaded are neither re-sorted nor re-filtered.
        """
        page = self._page(rows)
        old_length = self.visible_count
        if page is None or not page.length:
            return Appended(old_length, 0)
        was_empty = not old_length
        previous = self._arrival(self._cursor) if old_length else None
        first = self._length
        self._add_page(page)
        np = _np()
        origins = np.arange(first, self._length, dtype=np.int32)
        if self._sort_column is None:
            appended = self._append_unsorted(origins, old_length)
        else:
            try:
                appended = self._merge_page(origins, old_length)
            except TypeError:
                # Keys of mixed types (bad data): switch to a tolerant key and sort everything.
                self._tolerant = True
                self._rebuild_order()
                index = self._visible_index_of(previous) if previous is not None else -1
                self.place_cursor(max(index, 0))
                appended = Appended(0, 0, reordered=True)
        if was_empty:
            self._cursor = 0
        else:
            self._cursor += appended.above_cursor
        return appended

    def replace(self, rows: Iterable[RowT] | col.ColumnPage, *, keep_key: bool = False) -> bool:
        """Hold a new result set (filter and sort settings stay). True when the cursor found
        its row again.

        With `keep_key`, the cursor stays on the row with the same key, or near where it was,
        and marks of rows still present survive; otherwise the cursor goes to the first row
        and marks are cleared.
        """
        previous_key = self._key_at(self._arrival(self._cursor)) if self.visible_count else None
        previous_cursor = self._cursor
        page = self._page(rows)
        self._start_generation()
        if page is not None and page.length:
            self._add_page(page)
        self._rebuild_order()
        return self._after_replace(keep_key, previous_key, previous_cursor)

    def clear(self) -> None:
        """Drop every row and mark (filter and sort settings stay)."""
        self._start_generation()
        self._rebuild_order()
        self._marked.clear()
        self._cursor = 0

    def index_of_key(self, key: str) -> int:
        """Visible index of the row with `key`, or -1."""
        if self._frame is None:
            return -1
        np = _np()
        arrivals = self._arrivals_of_key(key)
        if not len(arrivals):
            return -1
        if self._view is None:
            return int(arrivals[0])
        found = np.flatnonzero(np.isin(self._view, arrivals))
        return int(found[0]) if len(found) else -1

    # ---------------------------------------------------------------- warm start

    def dump(self) -> bytes:
        """Every row (arrival order) as bytes for `load`/`restore`: what `dump_into` writes,
        in one buffer (short lists, tests). Safe to call from another thread, as `dump_into`
        is."""
        body = io.BytesIO()
        self.dump_into(body)
        return body.getvalue()

    def dump_into(self, stream: BinaryStream) -> None:
        """Every row (arrival order), as `load`/`restore` read them (Arrow IPC, zstd), written
        to `stream` (a snapshot's sealing file) a part at a time: a long list's dump is never
        whole in memory (121 MB at a million devices), nor is a copy of its frame.

        Safe to call from another thread: it writes the rows held when it was called.
        """
        # Copies taken first (each one call, atomic under the GIL): the UI thread may append
        # while the frame is written.
        frame, length, kinds = self._frame, self._length, dict(self._kinds)
        objects = {name: list(values) for name, values in dict(self._objects).items()}
        exceptions = {name: dict(differs.items())
                      for name, differs in dict(self._exceptions).items()}
        marks, item_keys = list(self._mark_patterns), list(self._item_patterns)
        if frame is not None and frame.height != length:
            frame = frame.head(length)
        header: dict[str, Any] = {
            "column_count": self._column_count,
            "length": length,
            "kinds": kinds,
            "marks": [list(pattern) for pattern in marks],
            "item_keys": [list(pattern) for pattern in item_keys],
            "has_item": self._builder.has_item if self._builder else False,
            "objects": {name: _dump_objects(values[:length]) for name, values in objects.items()},
            "exceptions": {name: [[index, value] for index, value in differs.items()
                                  if index < length]
                           for name, differs in exceptions.items()},
        }
        head = json.dumps(header, separators=(",", ":")).encode()
        raw = _guid_columns(frame) if frame is not None and length >= DUMP_PARTS_FROM else []
        magic = DUMP_MAGIC_4 if raw else DUMP_MAGIC if kinds.get(col.KEY) == col.GUID or any(
            kind in _KINDS_SINCE_3 for kind in kinds.values()) else DUMP_MAGIC_2
        out = _Counting(stream)
        out.write(magic + struct.pack(">Q", len(head)) + head)
        if frame is not None and raw:
            _write_parts(out, frame, raw)
        elif frame is not None:
            _write_ipc(out, _as_written(frame).rechunk(), "zstd")

    @classmethod
    def load(cls, data: bytes, row_type: type[RowT]) -> ColumnStore[RowT]:
        """A store holding the rows of `dump()` (as `row_type`); ValueError if `data` is not
        a dump."""
        page = decode_dump(data, row_type)
        store: ColumnStore[RowT] = cls(page[1])
        if page[0].length:
            store._add_page(page[0])
        store._rebuild_order()
        return store

    def restore(self, data: bytes, row_type: type[RowT], *, keep_key: bool = False) -> bool:
        """`replace` with the rows of a `dump()`; ValueError if `data` is not a dump of a store
        with as many columns."""
        page, column_count = decode_dump(data, row_type)
        if column_count != self._column_count:
            raise ValueError("the dump holds another table's rows")
        return self.replace(page, keep_key=keep_key)

    # ---------------------------------------------------------------- filter and sort

    def _filter(self, predicate: RowPredicate[RowT] | None, words: tuple[str, ...],
                key_tests: tuple[KeyTest, ...]) -> bool:
        """`set_filter`: over whole columns, and typing on only tests the rows that passed."""
        self._take_compacted()
        previous = self._arrival(self._cursor) if self.visible_count else None
        old_words, old_mask = self._filter_words, self._mask
        old_tests = self._key_tests
        narrower = predicate is self._predicate and _narrower_tests(key_tests, old_tests)
        self._predicate = predicate
        self._filter_words = words
        self._key_tests = key_tests
        # Typing one more letter: every row that passes now passed before (each old word is in
        # a new one, each old column test implied by a new one), so only those rows are tested
        # again.
        narrower = narrower and old_mask is not None and all(
            any(old in new for new in self._filter_words) for old in old_words)
        self._apply_filter(old_mask if narrower else None, tests_changed=key_tests != old_tests)
        if previous is None or (self._mask is not None and not self._mask[previous]):
            self._cursor = 0
            return False
        self.place_cursor(self._visible_index_of(previous))
        return True

    def _sort(self) -> None:
        self._take_compacted()
        self._tolerant = False
        self._rebuild_order()

    def prepare_sorts(self, columns: Iterable[int] | None = None, *,
                      pause: Callable[[], object] | None = None) -> int:
        """Work out the sort orders of `columns` (default: every column whose sort takes a
        full sort: text, numbers and dates) for the rows held now; until rows change,
        `sort_by` on one of them, either way, then takes its order instead of sorting (a
        descending order is derived from the ascending one in linear time). Meant for a worker
        thread once a list has loaded: polars releases the GIL while it sorts, and an order
        is kept only if no rows arrived meanwhile. `pause` is called before each column (it
        may wait for the user to stop typing: `table.quiet`); a column a sort has worked out
        meanwhile is not sorted again. Returns how many orders were prepared."""

        frame, length, generation = self._frame, self._length, self._generation
        if frame is None or not length:
            return 0
        if frame.height != length:
            frame = frame.head(length)
        kinds = dict(self._kinds)
        chosen = range(self._column_count) if columns is None else list(columns)
        prepared = 0
        for column in chosen:
            sort = col.sort_name(column)
            kind = _resolved(kinds, sort)[1]
            if kind in (col.NONE, col.OBJECT) or (kind in (col.CATEGORY, col.VERSION)
                                                   and columns is None):
                continue
            if pause is not None:
                pause()
            if (self._generation, self._length) != (generation, length):
                return prepared  # rows changed meanwhile: the orders would be stale
            done = self._prepared.get(column)
            if done is not None and done[0] == (generation, length):
                continue  # a sort worked it out meanwhile
            differs = self._exceptions.get(sort)
            found = _prepared_order(frame, kinds, dict(differs.items()) if differs else None,
                                    sort, kind)
            if (self._generation, self._length) != (generation, length):
                return prepared  # rows changed meanwhile: the orders would be stale
            self._prepared[column] = ((generation, length), *found)
            prepared += 1
            del found
            if length >= SETTLE_FROM:
                memory.let_engine_free()
        return prepared

    # ---------------------------------------------------------------- cursor and marks

    def toggle_mark(self, row: RowT) -> None:
        """Mark `row`, or unmark it if marked."""
        if self._marked.pop(row.key, None) is None:
            arrival = self._index_by_id.get(id(row))
            if arrival is None or self._handed.get(arrival) is not row:
                arrival = self._last_index_of_key(row.key)
            if arrival is not None:
                self._marked[row.key] = arrival

    def mark_all_visible(self) -> None:
        """Mark every visible row; if all already are, unmark them."""
        if self._frame is None or not self.visible_count:
            return
        indexes = (list(range(self._length)) if self._view is None else self._view.tolist())
        keys = self._frame.get_column(col.KEY)
        if self._view is not None:
            keys = keys.gather(self._view)
        key_list: list[str] = col.python_values(keys, self._key_kind())
        marked = self._marked
        if all(key in marked for key in key_list):
            for key in key_list:
                marked.pop(key, None)
        else:
            for key, index in zip(key_list, indexes, strict=True):
                marked.setdefault(key, index)

    # ---------------------------------------------------------------- internals: rows

    def _page(self, rows: Iterable[RowT] | col.ColumnPage) -> col.ColumnPage | None:
        if not isinstance(rows, col.ColumnPage):
            return self._encode(rows)
        if rows.column_count != self._column_count:
            raise ValueError(f"a page of {rows.column_count} columns for a table of "
                             f"{self._column_count}")
        return rows

    def _encode(self, rows: Iterable[RowT]) -> col.ColumnPage | None:
        page = list(rows)
        return col.encode_page(page, self._column_count) if page else None

    def _start_generation(self) -> None:
        self._generation += 1
        self._reset_rows()

    def _add_page(self, page: col.ColumnPage) -> None:
        """Append a page's columns to the frame, widening kinds where the two differ."""
        import polars as pl
        if self._narrower_in_store(page):
            page = col.narrow_page(page)
        frame = page.frame
        if self._builder is None:
            self._builder = col.RowBuilder(page.row_type, page.has_item, self._column_count,
                                           self._mark_patterns, self._item_patterns)
        mapping = col.pattern_mapping(page.marks, self._mark_patterns, self._mark_index)
        updates = [] if mapping == list(range(len(mapping))) else [
            pl.Series(col.MARKS, mapping, dtype=pl.UInt32).gather(frame.get_column(col.MARKS))]
        if page.has_item:
            mapping = col.pattern_mapping(page.item_keys, self._item_patterns, self._item_index)
            if mapping != list(range(len(mapping))):  # ids as the store numbers the patterns
                updates.append(pl.Series(col.ITEM_KEYS, mapping, dtype=pl.UInt32)
                               .gather(frame.get_column(col.ITEM_KEYS)))
        if updates:
            frame = frame.with_columns(updates)
        frame = self._narrowed(self._reconcile(frame, page))
        if self._frame is None:
            self._frame = frame
        else:
            if frame.columns != self._frame.columns:
                frame = frame.select(self._frame.columns)
            self._frame = pl.concat([self._frame, frame], how="vertical", rechunk=False)
            self._compact()
        for name, values in page.objects.items():
            if self._kinds.get(name) == col.OBJECT:
                self._objects[name].extend(values)
        for name, differs in page.exceptions.items():
            if col.derived(self._kinds.get(name, "")):
                self._exceptions.setdefault(name, RowValues()).add(self._length, differs)
        self._length += page.length
        self._orders.clear()
        self._prepared.clear()
        for column, keys in self._column_keys.items():
            keys.extend(self._keys_of(column, self._length - page.length))

    def _narrowed(self, frame: pl.DataFrame) -> pl.DataFrame:
        """`frame` (a page's, reconciled) with its pattern ids and cell counts in the narrowest
        of CODE_TYPES that holds them, and each category column with the codes the store
        holds it with (`columns.narrow_categories`): where one of the two needs wider ones,
        both get them (the store's column then changes: a compaction under way is dropped,
        `_reshapes`)."""
        import polars as pl

        held = dict(self._frame.schema) if self._frame is not None else {}
        theirs = dict(frame.schema)
        wanted: dict[str, Any] = {}
        for name in CODE_COLUMNS:
            if name in theirs:
                largest = {col.MARKS: len(self._mark_patterns) - 1,
                           col.ITEM_KEYS: len(self._item_patterns) - 1}.get(name)
                if largest is None:
                    largest = cast("int | None", frame.get_column(name).max()) or 0
                wanted[name] = _code_type(largest, held.get(name))
        changed = [frame.get_column(name).cast(dtype) for name, dtype in wanted.items()
                   if theirs[name] != dtype]
        for name, dtype in theirs.items():
            if name not in held or held[name] == dtype \
                    or self._kinds.get(name) not in (col.CATEGORY, col.VERSION):
                continue
            # (A page's column in the engine's mapping, as `_reconcile` makes a text column of
            # a page categories, turns the store's into that too, once, rather than costing
            # every such page a cast on this thread: ~3 ms for 32,000 rows.)
            series = col.as_category(frame.get_column(name), max(
                col.category_rank(held[name]), col.category_rank(dtype)))
            changed.append(series)
            wanted[name] = series.dtype
        widened = [pl.col(name).cast(dtype) for name, dtype in wanted.items()
                   if held.get(name) not in (None, dtype)]
        if widened:
            assert self._frame is not None
            self._frame = self._frame.with_columns(widened)
            self._reshapes += 1
            self._runs = None  # sorted keys of the narrower type: made again when needed
        return frame.with_columns(changed) if changed else frame

    def _narrower_in_store(self, page: col.ColumnPage) -> bool:
        """True when the store holds GUIDs as numbers where `page` holds text (a page built
        without `columns.narrow_page`): the page's column is narrowed rather than the store's
        made text again."""
        guids = (col.GUID, col.BLANK_GUID)
        return any(self._kinds.get(name) in guids and (
            page.kinds.get(name, col.TEXT if name == col.KEY else col.NONE) == col.TEXT)
            for name in self._kinds)

    def _compact(self) -> None:
        """Join the pages since the last compaction into one chunk, every COMPACT_PAGES pages:
        at a million rows the frame then has a few dozen chunks, not a thousand (each chunk
        costs every later concat, gather and filter a little). The copy is made on another
        thread (5-10 ms of CPU that blocked the UI every 32 pages) and taken in at a later
        page, in O(chunks); it is dropped if the columns changed meanwhile. Every
        COMPACT_ROWS rows too: the compaction is also what gives the pages' small blocks of
        text back (`_compacted`)."""
        assert self._frame is not None
        self._pages_since_compact += 1
        self._take_compacted()
        if self._compacting is not None or (
                self._pages_since_compact < COMPACT_PAGES
                and self._frame.height - self._compacted < COMPACT_ROWS):
            return
        self._compact_rest()

    def _compact_rest(self) -> Future[pl.DataFrame] | None:
        """Start compacting the rows since the last compaction (`_compact`); the job, or
        None when there are none. Each attribute read once: a worker thread may call it
        (`compact_loaded`) while the UI thread replaces the rows, whose new `_reshapes` then
        has the job dropped."""
        frame, start, reshapes = self._frame, self._compacted, self._reshapes
        if frame is None or start >= frame.height:
            return None
        tail = frame.slice(start)
        job = _compact_later(tail)
        self._compacting = (start, tail.height, reshapes, job)
        self._pages_since_compact = 0
        return job

    def compact_loaded(self) -> None:
        """Compact the rows of the last pages (fewer than COMPACT_ROWS) once a list has
        loaded: a worker thread's job (`RowStore.prepare_sorts`), which waits for it. The UI
        thread takes it in at its next read of a row, filter or sort (`_take_compacted`)."""
        if self._compacting is not None:
            return
        job = self._compact_rest()
        if job is not None:
            job.result()

    def categorize_loaded(self) -> None:
        """Once a long list has loaded (a worker thread's job: `RowStore.prepare_sorts`): its
        text item properties that hold few distinct values over the whole list, though many
        in each page (so the pages made them text, `columns.CATEGORY_SHARE`), as categories,
        for the UI thread to take in at its next read of a row, filter or sort
        (`_take_compacted`). Either kind holds the same texts (`columns.widen`); a category
        holds one code a row, text 16 bytes a row and its characters: the devices' user
        display names (a few thousand people) took ~21 MiB at a million devices, ~2 as
        categories. Item properties only: the table sorts by none of them (a category
        column's sort ranks its distinct values in Python)."""
        frame, length = self._frame, self._length
        stamp = (self._generation, length, self._reshapes)
        if frame is None or length < CATEGORIZE_FROM or frame.height != length:
            return
        found = [_chunked_like(col.as_category(series, 0), series) for series in (
            frame.get_column(name) for name, kind in dict(self._kinds).items()
            if kind == col.TEXT and name.startswith("i:") and name in frame.columns)
            if cast("int", series.approx_n_unique()) * col.CATEGORY_SHARE <= length]
        if found:
            self._categorized = (stamp, found)

    def take_in_worker_results(self) -> None:
        """Take in what a worker made for the rows (a compaction, categories), now (UI
        thread): its memory is then given back without waiting for the next row drawn."""
        self._take_compacted()

    def _take_categorized(self) -> None:
        """Take in the categories `categorize_loaded` made, if the rows are still those."""
        found, self._categorized = self._categorized, None
        if found is None or self._frame is None or found[0] != (
                self._generation, self._length, self._reshapes) \
                or self._frame.height != self._length \
                or any(self._kinds.get(series.name) != col.TEXT for series in found[1]):
            return  # (a page being appended: the frame holds its rows, the count not yet)
        self._frame = self._frame.with_columns(found[1])
        for series in found[1]:
            self._kinds[series.name] = col.CATEGORY
        self._reshapes += 1  # a compaction under way holds the text: dropped

    def _take_compacted(self) -> None:
        """Take in the compaction under way if it is done (see `_compact`), then the
        categories a worker made (`categorize_loaded`: they would have it dropped)."""
        self._take_compaction()
        if self._categorized is not None:
            self._take_categorized()

    def _take_compaction(self) -> None:
        import polars as pl

        job = self._compacting
        if job is None or not job[3].done():
            return
        self._compacting = None
        start, length, reshapes, done = job
        if reshapes != self._reshapes or self._frame is None or done.exception() is not None:
            return  # the next compaction joins these rows too
        parts = [self._frame.slice(0, start)] if start else []
        parts.append(done.result())
        if self._frame.height > start + length:
            parts.append(self._frame.slice(start + length))
        self._frame = pl.concat(parts, how="vertical", rechunk=False) if len(parts) > 1 \
            else parts[0]
        self._compacted = start + length

    def _reconcile(self, frame: pl.DataFrame, page: col.ColumnPage) -> pl.DataFrame:
        """`frame` (the page) and the store's frame with the same columns and kinds."""
        import polars as pl

        page.kinds.setdefault(col.KEY, col.TEXT)  # pages built elsewhere, older dumps
        names = list(page.kinds) + [name for name in self._kinds if name not in page.kinds]
        for name in names:
            mine = self._kinds.get(name, col.NONE)
            theirs = page.kinds.get(name, col.NONE)
            if self._frame is None and name not in self._kinds:
                self._kinds[name] = theirs  # the first page
                if theirs == col.OBJECT:
                    self._objects[name] = []
                continue
            if mine == theirs and name in self._kinds:
                continue
            if col.derived(mine) and not col.derived(theirs):
                realiased = _derived_page(frame, page, name, mine, self._kinds)
                if realiased is not None:
                    frame = realiased
                    continue
            if col.derived(mine):
                mine = self._unalias_own(name, mine)
            if col.derived(theirs):
                frame, theirs = own_values(frame, page.kinds, page.objects,
                                            page.exceptions.pop(name, None), name, theirs)
                page.kinds[name] = theirs
            kind = col.TEXT if name == col.KEY else col.widen(mine, theirs,
                                                               item=name.startswith("i:"))
            if name not in self._kinds or mine != kind:
                self._convert_own(name, mine, kind)
            if theirs != kind or (name not in frame.columns and kind != col.OBJECT):
                series = frame.get_column(name) if name in frame.columns else None
                converted, values = col.convert(series, page.objects.get(name), theirs, kind,
                                                page.length)
                if converted is not None:
                    frame = frame.with_columns(converted.alias(name))
                else:
                    assert values is not None
                    page.objects[name] = values
                    if name in frame.columns:
                        frame = frame.drop(name)
                page.kinds[name] = kind
        objects = [name for name in frame.columns if self._kinds.get(name) == col.OBJECT]
        if objects:  # a drop of nothing still copies the frame (a tenth of a warm start)
            frame = frame.drop(objects)
        if self._frame is not None:
            missing = [name for name in frame.columns if name not in self._frame.columns]
            if missing:
                self._reshapes += 1
                self._frame = self._frame.with_columns(
                    pl.lit(None, dtype=frame.schema[name]).alias(name) for name in missing)
            frame = frame.with_columns(
                pl.lit(None, dtype=self._frame.schema[name]).alias(name)
                for name in self._frame.columns if name not in frame.columns)
        return frame

    def _unalias_own(self, name: str, derived: str) -> str:
        """Give column `name`, so far derived from another (`derived`: its kind), values of
        its own; its kind."""
        assert self._frame is not None
        self._runs = None
        self._reshapes += 1
        self._frame, kind = own_values(self._frame, self._kinds, self._objects,
                                        self._exceptions.pop(name, None), name, derived)
        self._kinds[name] = kind
        return kind

    def _resolve(self, name: str) -> tuple[str, str]:
        """The column holding `name`'s values (itself, or the one it is derived from), and the
        kind of `name`'s values (text for a LOWER column)."""
        return _resolved(self._kinds, name)

    def _convert_own(self, name: str, kind: str, new_kind: str) -> None:
        """The store's column `name` from `kind` to `new_kind` (a new column: all None)."""
        self._kinds[name] = new_kind
        self._runs = None
        self._reshapes += 1
        frame = self._frame
        if frame is None:
            if new_kind == col.OBJECT:
                self._objects[name] = []
            return
        series = frame.get_column(name) if name in frame.columns else None
        converted, values = col.convert(series, self._objects.pop(name, None), kind, new_kind,
                                        self._length)
        if converted is not None:
            self._frame = frame.with_columns(converted.alias(name))
        else:
            self._frame = frame.drop(name) if name in frame.columns else frame
            assert values is not None
            self._objects[name] = values
        if name.startswith("k") and name != col.KEY:
            self._column_keys.pop(int(name[1:]), None)

    def _build(self, indexes: Sequence[int]) -> list[RowT]:
        if self._frame is None or self._builder is None or not len(indexes):
            return []
        rows: list[RowT] = []
        for start in range(0, len(indexes), 65536):
            chunk = indexes[start:start + 65536]
            rows.extend(self._builder.build(self._frame, self._kinds, self._objects,
                                            self._exceptions, chunk))
        return rows

    def _prefetch(self, index: int, arrival: int) -> RowT:
        """Rebuild the visible rows around `index` at once; returns the one at `index`."""
        start = max(0, index - PREFETCH // 4)
        stop = min(self.visible_count, start + PREFETCH)
        if self._view is not None:
            arrivals = self._view[start:stop].tolist()
        elif self._ordered is not None:
            arrivals = self._ordered[start:stop].tolist()
        else:
            arrivals = list(range(start, stop))
        arrivals = [each for each in arrivals if each not in self._handed]
        if len(self._prefetched) > 4 * PREFETCH:
            self._prefetched.clear()
        rows = self._build(arrivals)
        self._prefetched.update(zip(arrivals, rows, strict=True))
        return self._prefetched.pop(arrival)

    def _hand_out(self, arrival: int, row: RowT) -> None:
        # Rows handed out stay alive while they may be drawn: the widget caches drawn lines
        # by id(row), which must not be reused for another row meanwhile.
        self._handed[arrival] = row
        self._index_by_id[id(row)] = arrival
        while len(self._handed) > ROW_CACHE_SIZE:
            _, old = self._handed.popitem(last=False)
            self._index_by_id.pop(id(old), None)

    def _arrival(self, index: int) -> int:
        if self._view is not None:
            return int(self._view[index])
        if self._ordered is not None:
            return int(self._ordered[index])
        return index

    def _key_at(self, arrival: int) -> str:
        assert self._frame is not None
        key: str = col.python_values(self._frame.get_column(col.KEY).slice(arrival, 1),
                                     self._key_kind())[0]
        return key

    def _key_kind(self) -> str:
        return self._kinds.get(col.KEY, col.TEXT)

    def _arrivals_of_key(self, key: str) -> Indexes:
        """Arrival indexes of the rows with `key` (a frame is held)."""
        np = _np()
        assert self._frame is not None
        code = col.key_code(key, self._key_kind())
        if code is None:
            none: Indexes = np.zeros(0, dtype=np.int32)
            return none
        found: Indexes = np.flatnonzero((self._frame.get_column(col.KEY) == code).to_numpy())
        return found

    def _last_index_of_key(self, key: str) -> int | None:
        if self._frame is None:
            return None
        found = self._arrivals_of_key(key)
        return int(found[-1]) if len(found) else None

    def _visible_index_of(self, arrival: int) -> int:
        """Visible index of the row with this arrival index, or -1."""
        if self._view is None:
            return arrival if arrival < self._length else -1
        found = _np().flatnonzero(self._view == arrival)
        return int(found[0]) if len(found) else -1

    def _after_replace(self, keep_key: bool, previous_key: str | None,
                       previous_cursor: int) -> bool:
        if not keep_key:
            self._marked.clear()
            self._cursor = 0
            return False
        self._keep_marks_present()
        index = self.index_of_key(previous_key) if previous_key is not None else -1
        if index >= 0:
            self._cursor = index
            return True
        self.place_cursor(min(previous_cursor, max(self.visible_count - 1, 0)))
        return False

    def _keep_marks_present(self) -> None:
        if not self._marked:
            return
        if self._frame is None:
            self._marked.clear()
            return
        import polars as pl

        np = _np()
        keys = self._frame.get_column(col.KEY)
        kind = self._key_kind()
        codes = [code for code in (col.key_code(key, kind) for key in self._marked)
                 if code is not None]
        chosen = np.flatnonzero(keys.is_in(pl.Series(codes, dtype=keys.dtype).implode())
                                .to_numpy())
        present = dict(zip(col.python_values(keys.gather(chosen), kind), chosen.tolist(),
                           strict=True))
        self._marked = {key: present[key] for key in self._marked if key in present}

    # ---------------------------------------------------------------- internals: order

    def _rebuild_order(self) -> None:
        self._runs = None
        if self._sort_column is None or not self._length:
            self._ordered = None
            if self._sort_column is not None:
                self._ordered = _np().arange(0, dtype=_np().int32)
        else:
            self._ordered = self._order(self._sort_column, self._sort_reverse)
        self._apply_filter()

    def _order(self, column: int, reverse: bool) -> Indexes:
        """Arrival indexes in the stable order of `column` (cached until rows change)."""
        import polars as pl

        np = _np()
        cache_key = (column, reverse)
        name, kind = self._resolve(col.sort_name(column))
        cached = self._orders.get(cache_key)
        if cached is not None and kind != col.OBJECT:
            return cached
        prepared = self._prepared.get(column)
        if prepared is not None and prepared[0] == (self._generation, self._length) \
                and kind != col.OBJECT:
            if reverse and prepared[3] is None:
                same = _same_as_before(self._sort_series(column), prepared[1][:prepared[2]])
                prepared = self._prepared[column] = (*prepared[:3], same)
            order: Indexes = (_descending(prepared[1], prepared[2], prepared[3])
                              if reverse else prepared[1])
        elif kind == col.NONE:
            order = np.arange(self._length, dtype=np.int32)
        elif kind == col.OBJECT:
            keys = self._objects[name]
            if self._tolerant:
                keys = list(map(tolerant_key, keys))
            try:
                order = np.array(sort_order(keys, reverse), dtype=np.int32)
            except TypeError:
                self._tolerant = True
                keys = list(map(tolerant_key, keys))
                order = np.array(sort_order(keys, reverse), dtype=np.int32)
        else:
            series = self._sort_series(column)
            texts = (_text_ascending(series, same=reverse) if series.dtype == pl.String
                     else None)
            if texts is None:
                order = _stable_order(series, reverse, kind)
            else:
                # Kept as if prepared: the other direction is then derived, not sorted again
                # (which keys are equal, needed for that, worked out when first needed).
                self._prepared[column] = ((self._generation, self._length), *texts)
                order = _descending(*texts) if reverse else texts[0]
        if kind != col.OBJECT:
            if len(self._orders) >= ORDERS_KEPT:
                self._orders.pop(next(iter(self._orders)))
            self._orders[cache_key] = order
        return order

    def _append_unsorted(self, origins: Indexes, old_length: int) -> Appended:
        np = _np()
        if self._mask is not None:
            matches = self._matches(int(origins[0]))
            self._mask = np.concatenate([self._mask, matches])
            assert self._view is not None
            self._view = np.concatenate([self._view, origins[matches]])
        return Appended(old_length, 0)

    def _merge_page(self, origins: Indexes, old_length: int) -> Appended:
        """Merge a page (arrival indexes `origins`) into the sorted order."""
        np = _np()
        assert self._sort_column is not None and self._ordered is not None
        first = int(origins[0])
        reverse = self._sort_reverse
        name, kind = self._resolve(col.sort_name(self._sort_column))
        if kind == col.OBJECT:
            page_order, positions = self._object_positions(name, first, reverse)
        elif kind == col.NONE:
            page_order = np.arange(len(origins), dtype=np.int32)
            positions = np.full(len(origins), len(self._ordered), dtype=np.int32)
        else:
            page_order, positions = self._engine_positions(self._sort_column, kind, first,
                                                           reverse)
        page_sorted = origins[page_order]
        self._ordered = np.insert(self._ordered, positions, page_sorted)
        if not self.filter_active:
            self._view = self._ordered
            view_positions = positions
        else:
            arrival_matches = self._matches(first)
            matches = arrival_matches[page_order]
            old_mask = self._ordered_mask
            assert old_mask is not None and self._mask is not None and self._view is not None
            above = np.concatenate([[0], np.cumsum(old_mask)])
            view_positions = above[positions][matches]
            self._view = np.insert(self._view, view_positions, page_sorted[matches])
            self._ordered_mask = np.insert(old_mask, positions, matches)
            self._mask = np.concatenate([self._mask, arrival_matches])
        if not len(view_positions):
            return Appended(old_length, 0)
        if old_length == 0:
            return Appended(0, 0)
        return Appended(int(view_positions[0]),
                        int(np.count_nonzero(view_positions <= self._cursor)))

    def _engine_positions(self, column: int, kind: str, first: int,
                          reverse: bool) -> tuple[Indexes, Indexes]:
        """The page's sort order and where its rows go in `_ordered` (frame kinds)."""
        np = _np()
        assert self._ordered is not None
        old_ordered = self._ordered
        page = self._sort_series(column, first)
        page_order = _stable_order(page, reverse, kind)
        present_page = len(page) - page.null_count()
        runs = self._runs
        if runs is None:
            column_keys = self._sort_series(column)
            old_present = first - column_keys.slice(0, first).null_count()
            runs = self._runs = ([column_keys.gather(old_ordered[:old_present])]
                                 if old_present else [])
        positions = np.full(len(page), len(old_ordered), dtype=np.int32)
        if present_page:
            sorted_keys = page.gather(page_order[:present_page])
            # Rows before a key = rows before it in each run (equal keys: the new row after).
            counts = np.zeros(present_page, dtype=np.int64)
            for run in runs:
                counts += run.search_sorted(sorted_keys, side="right",
                                            descending=reverse).to_numpy()
            positions[:present_page] = counts
            runs.append(sorted_keys.rechunk())
            _merge_runs(runs, reverse)
        return page_order, positions

    def _object_positions(self, name: str, first: int, reverse: bool) -> tuple[Indexes, Indexes]:
        """Same as `_engine_positions` with Python's comparisons (keys kept as objects)."""
        np = _np()
        assert self._ordered is not None
        values = self._objects[name]
        keys = list(map(tolerant_key, values)) if self._tolerant else values
        page_keys = keys[first:]
        page_order = sort_order(page_keys, reverse)
        target = [keys[index] for index in self._ordered.tolist()]
        positions = insertion_positions(target, [page_keys[i] for i in page_order], reverse)
        return (np.array(page_order, dtype=np.int32), np.array(positions, dtype=np.int32))

    # ---------------------------------------------------------------- internals: filter

    def _apply_filter(self, within: Mask | None = None, *, tests_changed: bool = False) -> None:
        """Filter every row, or with `within` (a mask every passing row is in), only those:
        their words, and their column tests too when those changed (`tests_changed`)."""
        np = _np()
        if not self.filter_active or not self._length:
            self._mask = self._ordered_mask = None
            self._view = self._ordered
            if self.filter_active:
                self._mask = np.zeros(0, dtype=bool)
                self._view = np.zeros(0, dtype=np.int32)
                if self._ordered is not None:
                    self._ordered_mask = np.zeros(0, dtype=bool)
            return
        narrowed = None
        if within is not None and len(within) == self._length \
                and np.count_nonzero(within) * NARROW_SHARE[1] < self._length * NARROW_SHARE[0]:
            narrowed = self._matches_within(within, tests_changed)
        self._mask = self._matches(0) if narrowed is None else narrowed
        if self._ordered is None:
            self._ordered_mask = None
            self._view = np.flatnonzero(self._mask).astype(np.int32)
        else:
            self._ordered_mask = self._mask[self._ordered]
            self._view = self._ordered[self._ordered_mask]

    def _matches_within(self, within: Mask, tests_changed: bool) -> Mask | None:
        """The filter's words, and its column tests when `tests_changed`, tested on the rows of
        `within` only (they passed the rest); None when a column test must run in Python.

        The rows are taken with a boolean `filter`, which shares the texts (a `gather` of
        the same rows copies them: at a million rows it costs twice the test itself), so
        narrowing never costs more than testing every row."""
        import polars as pl

        np = _np()
        assert self._frame is not None
        plain, own, python_tests = self._split_tests(self._key_tests if tests_changed else (), 0)
        if python_tests:
            return None
        tests = _word_tests(self._filter_words) + plain
        if not tests and not own:
            return within.copy()
        rows = np.flatnonzero(within)
        keep = pl.Series(within)
        passed = _tested(self._frame, tests, keep) if tests else np.ones(len(rows), dtype=bool)
        for test, expression, keys in own:
            part = _tested(self._frame, [expression], keep)
            _take_own_keys(part, test, keys, rows=rows)
            passed &= part
        mask: Mask = np.zeros(self._length, dtype=bool)
        mask[rows[passed]] = True
        return mask

    def _matches(self, first: int) -> Mask:
        """Which rows from arrival index `first` on pass the filter."""
        np = _np()
        assert self._frame is not None
        frame = self._frame.slice(first) if first else self._frame
        length = self._length - first
        plain, own, python_tests = self._split_tests(self._key_tests, first)
        tests = _word_tests(self._filter_words) + plain
        mask: Mask = _tested(frame, tests) if tests else np.ones(length, dtype=bool)
        for test, expression, keys in own:
            passed = _tested(frame, [expression])
            _take_own_keys(passed, test, keys, first=first)
            mask &= passed
        for test in python_tests:
            keys_ = self._arrival_keys(test.column)[first:]
            mask &= np.array(test.matches_keys(keys_), dtype=bool)
        predicate = self._predicate
        if predicate is not None:
            candidates = (np.flatnonzero(mask) + first).tolist()
            for start in range(0, len(candidates), PREDICATE_BATCH):
                batch = candidates[start:start + PREDICATE_BATCH]
                rows = self._build(batch)
                for arrival, row in zip(batch, rows, strict=True):
                    if not predicate(row):
                        mask[arrival - first] = False
        return mask

    def _split_tests(self, tests: Iterable[KeyTest], first: int) -> tuple[
            list[pl.Expr], list[tuple[KeyTest, pl.Expr, OwnKeys]], list[KeyTest]]:
        """`tests` (on rows from arrival index `first` on) as polars expressions: those on
        columns without exceptions, those on columns with (test, expression, the rows' own
        keys), and the tests that must run in Python."""
        plain: list[pl.Expr] = []
        own: list[tuple[KeyTest, pl.Expr, OwnKeys]] = []
        python_tests: list[KeyTest] = []
        for test in tests:
            expression = self._test_expression(test, first)
            if expression is None:
                python_tests.append(test)
                continue
            keys = self._own_keys(test)
            if keys is None:
                plain.append(expression)
            else:
                own.append((test, expression, keys))
        return plain, own, python_tests

    def _own_keys(self, test: KeyTest) -> OwnKeys | None:
        """The rows `_test_expression(test)` may tell wrong, with their keys: the rows whose
        keys are their own (exceptions), and for a test searched as ASCII
        (`_searched_as_ascii`) the rows whose lower case holds ASCII of other characters."""
        sort = col.sort_name(test.column)
        name, kind = self._resolve(sort)
        exceptions = self._exceptions.get(sort) if kind in col.FRAME_KINDS else None
        own = exceptions.arrays() if exceptions else None
        if not self._searched_as_ascii(test):
            return own
        special = self._lowered_into_ascii(name)
        if own is None:
            return special if len(special[0]) else None
        return _merged_keys(own, special)

    def _searched_as_ascii(self, test: KeyTest) -> bool:
        """True when `test` runs on a lower-case text column's own text, ASCII
        case-insensitively (`_is_ascii_test`)."""
        sort = col.sort_name(test.column)
        return self._resolve(sort)[1] == col.TEXT \
            and self._kinds[sort].startswith(col.LOWER) and _is_ascii_test(test)

    def _lowered_into_ascii(self, name: str) -> OwnKeys:
        """The rows of text column `name` holding a character whose lower case is or holds
        ASCII (`_INTO_ASCII`), with their lower case: found once for the rows held."""
        np = _np()
        assert self._frame is not None
        stamp = (self._generation, self._length, self._reshapes)
        cached = self._into_ascii.get(name)
        if cached is None or cached[0] != stamp:
            column = self._frame.get_column(name)
            found = column.str.contains_any(list(_INTO_ASCII)).fill_null(False)
            rows = np.flatnonzero(found.to_numpy())
            keys = column.gather(rows).str.to_lowercase().to_list() if len(rows) else []
            cached = self._into_ascii[name] = (stamp, (rows.astype(np.int64), keys))
        return cached[1]

    def _test_expression(self, test: KeyTest, first: int) -> pl.Expr | None:
        """A column test (on rows from arrival index `first` on) as a polars expression over
        the frame's columns (the rows with keys of their own, exceptions, are not told
        apart), or None when it must run in Python."""
        op = getattr(test, "op", None)
        if op not in _PAGE_OPS:
            return None
        operand = getattr(test, "operand", None)
        sort = col.sort_name(test.column)
        name, kind = self._resolve(sort)
        import polars as pl
        column = pl.col(name)
        lower = self._kinds[sort].startswith(col.LOWER)
        if kind == col.CATEGORY and _text_test(op, operand):
            return self._category_test(name, lower, op, operand, first)
        if self._searched_as_ascii(test):
            return column.str.contains_any([operand], ascii_case_insensitive=True) \
                .fill_null(False)
        if lower:
            if kind != col.TEXT:
                return None
            column = column.str.to_lowercase()  # as `columns.derive`
        if kind in col.TEXTS and op == "in" and _text_test(op, operand):
            choices = pl.Series(list(cast("frozenset[str]", operand)), dtype=pl.String)
            return column.is_in(choices.implode()).fill_null(False)
        if kind in col.TEXTS and op == "contains" and type(operand) is str:
            text = column if kind == col.TEXT else column.cast(pl.String)
            return text.str.contains(operand, literal=True).fill_null(False)
        if op in ("after", "before") and isinstance(operand, datetime) and (
                (kind == col.AWARE and operand.utcoffset() is not None)
                or (kind == col.NAIVE and operand.utcoffset() is None)):
            value = pl.lit(operand, dtype=col.dtype_of(kind))
            compared = column > value if op == "after" else column < value
            return compared.fill_null(False)
        return None

    def _category_test(self, name: str, lower: bool, op: str, operand: Any,
                       first: int) -> pl.Expr:
        """A text test on category column `name` (in lower case when `lower`) as a test of
        its codes: its few distinct values are tested, then each row's code looked up. No
        row's text is made (lowering a million rows' OS took ~20 ms a keystroke)."""
        import polars as pl

        assert self._frame is not None
        values = self._frame.get_column(name)
        distinct = (values.slice(first) if first else values).unique().drop_nulls()
        texts = distinct.cast(pl.String)
        if lower:
            texts = texts.str.to_lowercase()
        if op == "in":
            passing = texts.is_in(pl.Series(list(operand), dtype=pl.String).implode())
        else:
            passing = texts.str.contains(operand, literal=True)
        codes = distinct.filter(passing).to_physical()
        return pl.col(name).to_physical().is_in(codes.implode()).fill_null(False)

    def _keys_of(self, column: int, first: int) -> list[Any]:
        name, kind = self._resolve(col.sort_name(column))
        if kind == col.OBJECT:  # never derived: only text sort keys are
            return self._objects[name][first:]
        if kind == col.NONE or self._frame is None:
            return [None] * (self._length - first)
        return col.python_values(self._sort_series(column, first), kind)

    def _sort_series(self, column: int, first: int = 0) -> pl.Series:
        """A sort key column of a frame kind in arrival order from row `first` on: the column
        it is the same as, with the rows where it differs set to their own keys
        (`columns.encode_page`)."""
        assert self._frame is not None
        sort = col.sort_name(column)
        kind = self._kinds.get(sort, col.NONE)
        if first or not (kind.startswith(col.LOWER)
                         and self._kinds.get(kind[1:]) == col.CATEGORY):
            return _sort_keys(self._frame, self._kinds, self._exceptions.get(sort), sort, first)
        # A category's lower case (`columns._derive_category_keys`): worked out once for the
        # rows held (~15 ms at a million rows), not at each sort by it or page merged in.
        stamp = (self._generation, self._length, self._reshapes, column)
        cached = self._derived_keys
        if cached is None or cached[0] != stamp:
            cached = self._derived_keys = (stamp, _sort_keys(
                self._frame, self._kinds, self._exceptions.get(sort), sort))
        return cached[1]

    def _arrival_keys(self, column: int) -> list[Any]:
        """One column's sort keys in arrival order, as Python values (kept, extended)."""
        keys = self._column_keys.get(column)
        if keys is None:
            keys = self._column_keys[column] = self._keys_of(column, 0)
        return keys


def _prepared_order(frame: pl.DataFrame, kinds: dict[str, str],
                    differs: Mapping[int, Any] | None, sort: str,
                    kind: str) -> tuple[Indexes, int, Any]:
    """`ColumnStore.prepare_sorts`' work for one column (on its worker thread): the ascending
    order of sort key `sort`, how many keys are present, and which sorted present keys equal
    the one before (packed bits). Its temporaries are gone when it returns, before the next
    column's are made. Text keys are sorted in buckets and worked out from their column a
    bucket at a time (`_lean_text_ascending`, `_KeysOnDemand`)."""
    import polars as pl

    source = frame.get_column(_resolved(kinds, sort)[0])
    if source.dtype == pl.String and len(source) >= max(TAGGED_FROM, 2):
        return _lean_text_ascending(_KeysOnDemand(source, kinds[sort], differs), same=True)
    keys = _sort_keys(frame, kinds, differs, sort, alone=True)
    texts = _text_ascending(keys, alone=True) if keys.dtype == pl.String else None
    if texts is not None:
        return texts
    order = _stable_order(keys, False, kind, alone=True)
    present = len(keys) - keys.null_count()
    return order, present, _same_as_before(keys, order[:present])


def _chunked_like(series: pl.Series, model: pl.Series) -> pl.Series:
    """`series` in chunks as long as `model`'s (views of its own, no copy). A cast to
    categories makes one chunk; a frame whose columns are chunked alike is not aligned
    again (copied) by each expression that runs on it."""
    import polars as pl

    if series.n_chunks() == model.n_chunks():
        return series
    parts, start = [], 0
    for chunk in model.get_chunks():
        parts.append(series.slice(start, len(chunk)))
        start += len(chunk)
    return pl.concat(parts, rechunk=False)


def _tested(frame: pl.DataFrame, tests: Sequence[pl.Expr],
            keep: pl.Series | None = None) -> Mask:
    """Which rows of `frame` (of those `keep` keeps) pass every one of `tests`. They run on
    the columns they read only, and on columns chunked alike: an expression run on columns
    chunked otherwise has polars align them first, a copy (one column made categories at
    once cost every column test ~45 ms at a million rows)."""
    import polars as pl

    names = sorted({name for test in tests for name in test.meta.root_names()})
    read = [frame.get_column(name) for name in names]
    if len(tests) > 1 and len({_chunk_lengths(series) for series in read}) > 1:
        # (a snapshot's categories come back in one chunk, its other columns in several)
        passed = _tested(frame, tests[:1], keep)
        for test in tests[1:]:
            passed &= _tested(frame, [test], keep)
        return passed
    columns = pl.DataFrame(read) if names else frame
    return _passing(columns if keep is None else columns.filter(keep), tests)


def _chunk_lengths(series: pl.Series) -> tuple[int, ...]:
    return tuple(len(chunk) for chunk in series.get_chunks())


def _take_own_keys(passed: Mask, test: KeyTest, keys: OwnKeys, *, first: int = 0,
                   rows: Indexes | None = None) -> None:
    """`test` run again in Python on the rows of `keys` (arrival indexes, ascending, and
    their keys) among those of `passed`: arrival indexes `first` on, or `rows` (ascending)."""
    np = _np()
    indexes, values = keys
    if rows is None:
        start = int(np.searchsorted(indexes, first))
        where, chosen = indexes[start:] - first, values[start:]
    else:
        positions = np.searchsorted(rows, indexes)
        found = positions < len(rows)
        found[found] = rows[positions[found]] == indexes[found]
        where = positions[found]
        chosen = [values[index] for index in np.flatnonzero(found).tolist()]
    if len(where):
        passed[where] = test.matches_keys(chosen)


def _is_ascii_test(test: KeyTest) -> bool:
    """True for "contains" a lower-case ASCII text: on a lower case (`columns.LOWER`), such a
    test is an ASCII case-insensitive search of the text itself (no row lowered; ~2x faster
    at a million rows) on every row but those `_INTO_ASCII` names."""
    operand = getattr(test, "operand", None)
    return getattr(test, "op", None) == "contains" and type(operand) is str \
        and operand.isascii() and operand == operand.lower() and bool(operand)


def _merged_keys(first: OwnKeys, second: OwnKeys) -> OwnKeys:
    """The rows of both, ascending; a row in both keeps `first`'s key."""
    np = _np()
    merged = dict(zip(second[0].tolist(), second[1], strict=True))
    merged.update(zip(first[0].tolist(), first[1], strict=True))
    rows = sorted(merged)
    return np.array(rows, dtype=np.int64), [merged[row] for row in rows]


def _text_test(op: str, operand: Any) -> bool:
    """True for a column test of text: "contains" a text, or "in" a set of texts."""
    if op == "contains":
        return type(operand) is str
    return op == "in" and isinstance(operand, frozenset | set) \
        and all(type(value) is str for value in operand)


def _implies(new: KeyTest, old: KeyTest) -> bool:
    """True when every row `new` lets through, `old` lets through too (typing on)."""
    if new == old:
        return True
    if new.column != old.column:
        return False
    op, old_op = getattr(new, "op", None), getattr(old, "op", None)
    operand, old_operand = getattr(new, "operand", None), getattr(old, "operand", None)
    if op == old_op == "contains" and type(operand) is str and type(old_operand) is str:
        return old_operand in operand
    return op == old_op == "in" and isinstance(operand, frozenset | set) \
        and isinstance(old_operand, frozenset | set) and operand <= old_operand


def _narrower_tests(tests: tuple[KeyTest, ...], old_tests: tuple[KeyTest, ...]) -> bool:
    """True when `tests` let through no row `old_tests` did not: each old test is implied by
    a new one."""
    return all(any(_implies(new, old) for new in tests) for old in old_tests)


def _word_tests(words: tuple[str, ...]) -> list[pl.Expr]:
    """A row's search text holds each of `words` (None holds none)."""
    import polars as pl

    return [pl.col(col.SEARCH).str.contains(word, literal=True) for word in words]


def _passing(frame: pl.DataFrame, tests: Sequence[pl.Expr]) -> Mask:
    """Which rows of `frame` pass every one of `tests` (a null fails). Long frames are tested
    in SPLIT_PARTS slices at once (`collect_all` runs them on polars' threads; one
    expression over the whole frame runs on one), unless a test holds a whole column of
    its own (a literal: it reads no column of `frame`)."""
    import polars as pl

    np = _np()
    test = pl.all_horizontal(tests).fill_null(False)
    whole = any(not expression.meta.root_names() for expression in tests)
    parts = SPLIT_PARTS if frame.height >= SPLIT_FROM and not whole else 1
    if parts == 1:
        return frame.select(test).to_series().to_numpy()
    size = -(-frame.height // parts)
    found = pl.collect_all([frame.slice(part * size, size).lazy().select(test)
                            for part in range(parts)])
    result: Mask = np.concatenate([part.to_series().to_numpy() for part in found])
    return result


def _resolved(kinds: dict[str, str], name: str) -> tuple[str, str]:
    """`ColumnStore._resolve` over `kinds`."""
    kind = kinds.get(name, col.NONE)
    if kind.startswith(col.LOWER):  # a category's lower case is one too
        return kind[1:], col.CATEGORY if kinds.get(kind[1:]) == col.CATEGORY else col.TEXT
    if kind.startswith(col.ALIAS):
        name = kind[1:]
        kind = col.TEXT if name == col.KEY else kinds.get(name, col.NONE)
    return name, kind


def _sort_keys(frame: pl.DataFrame, kinds: dict[str, str], differs: Mapping[int, Any] | None,
               sort: str, first: int = 0, *, alone: bool = False) -> pl.Series:
    """Sort key column `sort` (of a frame kind) from row `first` on: its own column, or the
    one it is derived from with the rows where it differs (`differs`) set to their keys.
    `alone`: derived a slice at a time, as `_text_order`'s."""
    import polars as pl

    series = frame.get_column(_resolved(kinds, sort)[0])
    if first:
        series = series.slice(first)
    kind = kinds[sort]
    if alone and col.derived(kind):
        series = _in_slices(series, lambda part, _: col.derive(part, kind))
    else:
        series = col.derive(series, kind)
    if not differs:
        return series
    pairs = [(index - first, value) for index, value in differs.items() if index >= first]
    if not pairs:
        return series
    where = [index for index, _ in pairs]
    if col.category_rank(series.dtype) < 2:  # its own mapping may not hold the values
        series = series.cast(pl.Categorical())
    values = pl.Series([value for _, value in pairs], dtype=pl.String).cast(series.dtype)
    return series.clone().scatter(where, values)


def _same_as_before(keys: pl.Series | _KeysOnDemand, order: Indexes) -> Any:
    """Which keys, taken in `order` (present keys only), equal the one before (the first
    excluded), as packed bits. Taken a slice at a time: gathering every text key at once
    would hold a second copy of the column."""
    np = _np()
    bits = np.zeros(max(len(order) - 1, 0), dtype=bool)
    for start in range(0, len(bits), RUN_LIMIT):
        chunk = keys.gather(order[start:start + RUN_LIMIT + 1])
        bits[start:start + len(chunk) - 1] = (
            chunk.slice(1) == chunk.slice(0, len(chunk) - 1)).fill_null(False).to_numpy()
    return np.packbits(bits)


def _descending(ascending: Indexes, present: int, same_packed: Any) -> Indexes:
    """The stable descending order from the stable ascending one (`present` keys first,
    missing ones last in both; `same_packed`: which present sorted keys equal the one before,
    packed bits): groups of equal keys in reverse order, each group's rows still in arrival
    order."""
    np = _np()
    if present < 2:
        return ascending
    same = np.unpackbits(same_packed, count=present - 1).astype(bool)
    starts = np.flatnonzero(np.concatenate([[True], ~same]))
    ends = np.append(starts[1:], present)
    group = np.cumsum(np.concatenate([[True], ~same])) - 1
    positions = np.arange(present) - starts[group] + (present - ends[group])
    result: Indexes = ascending.copy()
    result[positions] = ascending[:present]
    return result


DERIVED_MISSES = (1, 2)  # a page's column is kept derived while at most half its rows differ


def _derived_page(frame: pl.DataFrame, page: col.ColumnPage, name: str, derived: str,
                  store_kinds: dict[str, str]) -> pl.DataFrame | None:
    """The page's column `name`, which came with values of its own, made derived like the
    store's (`derived`: its kind there), the rows that differ kept as the page's exceptions;
    the page's frame without the column, or None when more than half of its rows differ
    (or what it is derived from is not text).

    `columns.encode_page` derives a column only while few of a page's rows differ, and looks
    at the first rows to decide quickly: a page with more userless devices than most (their
    user cell "—", their sort key None) came with the user's sort key and Graph UPN as text
    of their own, and one such page made the store hold both for every row (a million
    devices: two more copies of every UPN, ~110 MB)."""
    target = derived[1:]
    theirs = page.kinds[name]
    page_target = col.TEXT if target == col.KEY else page.kinds.get(target)
    store_target = col.TEXT if target == col.KEY else store_kinds.get(target)
    if page_target not in col.TEXTS or store_target not in col.TEXTS \
            or (theirs != col.OBJECT and name not in frame.columns) or not page.length:
        return None
    values = (page.objects[name] if theirs == col.OBJECT
              else col.python_values(frame.get_column(name), theirs))
    targets = (col.python_values(frame.get_column(col.KEY), page.kinds.get(col.KEY, col.TEXT))
               if target == col.KEY else col.derive(frame.get_column(target), derived).to_list())
    misses = {index: value for index, (value, same) in enumerate(zip(values, targets,
                                                                      strict=True))
              if value != same}
    item = name.startswith("i:")
    if len(misses) * DERIVED_MISSES[1] > page.length * DERIVED_MISSES[0] \
            or not all(col.fits_exception(value, item=item) for value in misses.values()):
        return None
    if theirs == col.OBJECT:
        del page.objects[name]
    else:
        frame = frame.drop(name)
    page.kinds[name] = derived
    if misses:
        page.exceptions[name] = misses
    return frame


def own_values(frame: pl.DataFrame, kinds: dict[str, str], objects: dict[str, list[Any]],
                differs: Mapping[int, Any] | None, name: str,
                derived: str) -> tuple[pl.DataFrame, str]:
    """Column `name` (of a store or a page: its frame, kinds and objects), so far derived from
    another (`derived`: its kind, `differs`: its exceptions), with values of its own: the
    frame holding them (or `objects`) and their kind."""
    target = derived[1:]
    kind = kinds.get(col.KEY, col.TEXT) if target == col.KEY else kinds[target]
    if kind == col.OBJECT:
        values = list(objects[target])
        if not differs:
            objects[name] = values
            return frame, kind
    else:
        series = col.derive(frame.get_column(target), derived)
        if derived.startswith(col.LOWER) and kind != col.CATEGORY:
            kind = col.TEXT
        if not differs:
            return frame.with_columns(series.alias(name)), kind
        own = _text_with(series, kind, differs, name)
        if own is not None:
            return frame.with_columns(own[0]), own[1]
        values = col.python_values(series, kind)
    for index, value in differs.items():
        values[index] = value
    converted, own_objects, kind = col.materialise(name, values, item=name.startswith("i:"))
    if converted is not None:
        return frame.with_columns(converted), kind
    assert own_objects is not None
    objects[name] = own_objects
    return frame, kind


def _text_with(series: pl.Series, kind: str, differs: Mapping[int, Any], name: str
               ) -> tuple[pl.Series, str] | None:
    """Text column `series` (of `kind`) with the rows of `differs` set to their values, in the
    engine, and the kind `columns.materialise` gives such values (a category when few are
    distinct: counted by estimate, an exact count of a million texts takes ~0.1 s; either
    kind holds the same texts); None when it cannot tell (values other than text, a GUID or
    timestamp the column might become, text the engine cannot hold). A store's column turned
    from derived to its own mid-load (a page where one differs too often) took ~45 ms at
    65,000 rows as Python values, ~0.7 s at a million."""
    import polars as pl

    if kind not in col.TEXTS or not all(type(value) is str or value is None
                                        for value in differs.values()):
        return None
    where = list(differs)
    try:
        replaced = pl.Series(name, [differs[index] for index in where], dtype=pl.String)
    except Exception:  # lone surrogates: the Python path keeps them as objects
        return None
    text = series.cast(pl.String) if series.dtype != pl.String else series
    own = text.clone().scatter(where, replaced).alias(name)
    if own.null_count() == len(own):
        return None
    if cast("int", own.approx_n_unique()) * col.CATEGORY_SHARE <= len(own):
        return own.cast(pl.Categorical), col.CATEGORY
    if name.startswith("i:") and col.narrow_text([own.drop_nulls()[0]]) != col.TEXT:
        return None
    return own, col.TEXT


# ---------------------------------------------------------------- dumps


def _dump_objects(values: list[Any]) -> list[Any]:
    """Sort keys kept as objects, as tagged JSON values (what `_load_objects` reads back)."""
    tagged: list[Any] = []
    for value in values:
        if value is None or type(value) in (str, int, bool) or type(value) is float:
            tagged.append(value if type(value) is not float else ["f", repr(value)])
        elif isinstance(value, datetime):
            tagged.append(["d", value.isoformat()])
        elif isinstance(value, tuple):
            tagged.append(["t", _dump_objects(list(value))])
        else:
            raise ValueError(f"a sort key of type {type(value).__name__} cannot be dumped")
    return tagged


def _load_objects(tagged: list[Any]) -> list[Any]:
    values: list[Any] = []
    for value in tagged:
        if isinstance(value, list):
            tag, payload = value
            values.append(float(payload) if tag == "f" else datetime.fromisoformat(payload)
                          if tag == "d" else tuple(_load_objects(payload)))
        else:
            values.append(value)
    return values


class BinaryStream(Protocol):
    """Where a dump is written: a binary file, a `BytesIO`, a snapshot's sealing stream."""

    def write(self, data: bytes, /) -> int: ...


class _Counting:
    """`stream` counting the bytes written to it: the offsets of a dump's parts are counted
    from the dump's own start, wherever in the stream that is (after a snapshot's head)."""

    def __init__(self, stream: BinaryStream) -> None:
        self._stream = stream
        self.written = 0

    def write(self, data: bytes, /) -> int:
        self._stream.write(data)
        self.written += memoryview(data).nbytes
        return memoryview(data).nbytes

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        """Nothing kept here to flush (polars calls it); the stream's owner flushes it."""


def _write_ipc(out: BinaryStream, frame: pl.DataFrame, compression: str) -> None:
    """One Arrow IPC file of `frame` in one record batch (read back about a third faster than
    one per chunk), in Arrow's oldest string layout (offsets, not views), which every reader
    of these magics reads back as the same frame: a third smaller zstd-compressed, and quicker
    to read (100,000 demo devices: 17.1 -> 13.3 MB, read 130 -> 119 ms). polars writes it to
    `out` as it encodes it, in pieces of a few MB (2.2.0: 2.4 MB at most for a million GUIDs,
    zstd), not as one buffer."""
    from polars import CompatLevel

    frame.write_ipc(cast(Any, out), compression=cast(Any, compression),
                    compat_level=CompatLevel.oldest())


def _guid_columns(frame: pl.DataFrame) -> list[str]:
    """The frame's columns of GUIDs: 16-byte numbers, or text whose first `_GUID_SAMPLE`
    values are GUIDs or blank (a guess that only picks how the column is stored)."""
    import polars as pl

    found = []
    pattern = r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$"
    for name, dtype in frame.schema.items():
        if dtype == pl.UInt128:
            found.append(name)
        elif dtype == pl.String:
            sample = frame.get_column(name).head(_GUID_SAMPLE)
            if sample.null_count() < len(sample) and bool(
                    sample.drop_nulls().str.contains(pattern).all()) and bool(
                    (sample.drop_nulls() != "").any()):
                found.append(name)
    return found


def _write_parts(out: _Counting, frame: pl.DataFrame, raw: list[str]) -> None:
    """The frame as Arrow IPC files, each other column compressed in one of its own and the
    columns `raw` uncompressed in one, then the table of parts (JSON: each part's end offset in
    the dump, the frame's columns in order) and its size. Each part is made whole (widened as
    written, in one chunk) only when it is written: no copy of the whole frame at once.

    One compressed column a file: the snapshot's writer thread holds the row engine's thread
    pool for one column at a time, and a keystroke's filter, which needs it, waits for that
    column only. Written in one file, a million rows held keystrokes for up to 0.8-1.9 s;
    one a column, 0.1-0.7 s (same bytes, same read time; `bench_store.py`, load 8,
    2026-12-07)."""
    parts: list[int] = []
    rest = [name for name in frame.columns if name not in raw]
    for names, compression in [*(([name], "zstd") for name in rest), (raw, "uncompressed")]:
        if names:
            _write_ipc(out, _as_written(frame.select(names)).rechunk(), compression)
            parts.append(out.written)
    table = json.dumps({"parts": parts, "columns": frame.columns},
                       separators=(",", ":")).encode()
    out.write(table + _PART_TABLE.pack(len(table)))


def _read_parts(data: bytes | memoryview, start: int) -> pl.DataFrame:
    """The frame `_write_parts` wrote from `start` on, its parts side by side in the written
    column order."""
    import polars as pl

    view = memoryview(data)
    (size,) = _PART_TABLE.unpack_from(view, len(view) - _PART_TABLE.size)
    table_start = len(view) - _PART_TABLE.size - size
    if table_start < start:
        raise ValueError("no table of parts")
    table = json.loads(bytes(view[table_start:table_start + size]))
    frames = []
    for end in table["parts"]:
        if not start < int(end) <= table_start:
            raise ValueError("a part out of bounds")
        frames.append(pl.read_ipc(io.BytesIO(view[start:int(end)])))  # BytesIO: one copy
        start = int(end)
    frame = pl.concat(frames, how="horizontal") if len(frames) > 1 else frames[0]
    columns = [str(name) for name in table["columns"]]
    if sorted(frame.columns) != sorted(columns):
        raise ValueError("the parts hold other columns")
    return frame.select(columns)


def decode_dump(data: bytes | memoryview, row_type: type) -> tuple[col.ColumnPage, int]:
    """The rows of a `RowStore.dump()` as one page, and the store's column count. `data` may
    be a view (of a larger payload): the rows are then copied once, not twice."""
    import polars as pl
    magic = bytes(data[:len(DUMP_MAGIC)])
    if magic not in DUMP_MAGICS or len(data) < len(DUMP_MAGIC) + 8:
        raise ValueError("not a row store dump")
    try:
        (size,) = struct.unpack_from(">Q", data, len(DUMP_MAGIC))
        start = len(DUMP_MAGIC) + 8
        header = json.loads(bytes(data[start:start + size]))
        length = int(header["length"])
        if not length:
            frame = pl.DataFrame()
        elif magic == DUMP_MAGIC_4:
            frame = _read_parts(data, start + size)
        else:  # one IPC file, as bytes: the reader reads a BytesIO over them without a copy
            body = (data[start + size:] if isinstance(data, bytes)
                    else bytes(data[start + size:]))
            frame = pl.read_ipc(io.BytesIO(body))
        if frame.height != length:
            raise ValueError("row count differs")
        kinds = dict(header["kinds"])
        for name, kind in kinds.items():
            if kind in col.FRAME_KINDS and name not in frame.columns:
                raise ValueError(f"column {name} missing")
        page = col.ColumnPage(
            frame,
            {name: _load_objects(values) for name, values in header["objects"].items()},
            kinds,
            [tuple(marks) for marks in header["marks"]],
            [tuple(keys) for keys in header["item_keys"]],
            row_type,
            bool(header["has_item"]),
            length,
            {name: dict((int(index), value) for index, value in differs)
             for name, differs in header["exceptions"].items()},
            int(header["column_count"]),
        )
        return col.narrow_categories(page), int(header["column_count"])
    except ValueError:
        raise
    except Exception as error:  # a truncated or foreign body: polars raises its own errors
        raise ValueError(f"not a row store dump: {type(error).__name__}") from error


# ---------------------------------------------------------------- the facade

COLUMNS_FROM = 5_000  # rows: a list this long moves from Python rows to columns


def _same_rows(page: col.ColumnPage, rows: Sequence[TableRow], column_count: int) -> bool:
    """`page` holds `rows` as columns (as many of the same type, same first and last keys)."""
    if page.column_count != column_count or page.length != len(rows) or not rows \
            or page.row_type is not type(rows[0]):
        return False
    keys = page.frame.get_column(col.KEY)
    ends = col.python_values(keys.gather([0, len(keys) - 1]), page.kinds.get(col.KEY, col.TEXT))
    return bool(ends[0] == rows[0].key and ends[-1] == rows[-1].key)


class RowStore(Generic[RowT]):
    """The rows of one table (what the widget uses): Python rows for short lists
    (`PythonStore`: faster there, and needs no engine), columns once a list reaches
    `columns_from` rows and the engine is imported (`ColumnStore`: a sixth of the memory, filters
    and sorts in the engine). Both show the same rows in the same order; the move keeps the
    sort, filter, marks and cursor row, and changes `generation` (rows are new objects).
    """

    def __init__(self, column_count: int, *, columns_from: int | None = None) -> None:
        if column_count < 1:
            raise ValueError("a RowStore needs at least one column")
        col.preload_engine()
        self._column_count = column_count
        self._columns_from = COLUMNS_FROM if columns_from is None else columns_from
        self._impl: PythonStore[RowT] | ColumnStore[RowT] = PythonStore(column_count)
        self._generation_base = 0

    # ---------------------------------------------------------------- reading

    @property
    def columnar(self) -> bool:
        """True once the rows are held as columns."""
        return isinstance(self._impl, ColumnStore)

    @property
    def column_count(self) -> int:
        return self._column_count

    @property
    def generation(self) -> int:
        """Changes whenever rows are replaced, cleared or moved to columns (within one, rows
        are only added)."""
        return self._generation_base + self._impl.generation

    @property
    def rows_count(self) -> int:
        return self._impl.rows_count

    @property
    def visible_count(self) -> int:
        return self._impl.visible_count

    @property
    def visible_rows(self) -> tuple[RowT, ...]:
        return self._impl.visible_rows

    def row_at(self, index: int) -> RowT:
        return self._impl.row_at(index)

    @property
    def cursor(self) -> int:
        return self._impl.cursor

    @property
    def cursor_row(self) -> RowT | None:
        return self._impl.cursor_row

    @property
    def sort_column(self) -> int | None:
        return self._impl.sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._impl.sort_reverse

    @property
    def filter_active(self) -> bool:
        return self._impl.filter_active

    @property
    def marked_rows(self) -> list[RowT]:
        return self._impl.marked_rows

    @property
    def marked_count(self) -> int:
        return self._impl.marked_count

    def is_marked(self, row: TableRow) -> bool:
        return self._impl.is_marked(row)

    def index_of_key(self, key: str) -> int:
        return self._impl.index_of_key(key)

    # ---------------------------------------------------------------- rows

    def append(self, rows: Iterable[RowT], *, columns: col.ColumnPage | None = None) -> Appended:
        """Add a page (`columns`: the same rows as `columns.encode_page` built them, used
        once the rows are columns); the cursor stays on its row. `columns` with no `rows`
        (built from Graph's answer, issue 21) moves the store to columns at once."""
        page = list(rows)
        only_columns = columns is not None and not page and columns.length > 0
        if (only_columns and not isinstance(self._impl, ColumnStore)) \
                or self._should_move(len(page), columns is not None):
            self._move_to_columns(columns.earlier if columns is not None else None)
        impl = self._impl
        if isinstance(impl, ColumnStore):
            usable = columns is not None and columns.column_count == self._column_count
            if only_columns and not usable:
                raise ValueError("columns built for a table of another width")
            return impl.append(columns if usable and columns is not None else page)
        return impl.append(page)

    def replace(self, rows: Iterable[RowT], *, keep_key: bool = False) -> bool:
        page = list(rows)
        if self._should_move(len(page) - self.rows_count, False):
            self._move_to_columns()
        return self._impl.replace(page, keep_key=keep_key)

    def clear(self) -> None:
        self._impl.clear()

    # ---------------------------------------------------------------- warm start

    def dump(self) -> bytes:
        """Every row as bytes for `load`/`restore` (Arrow IPC, zstd). Safe to call from another
        thread: it writes the rows held when it was called."""
        return self._as_columns().dump()

    def dump_into(self, stream: BinaryStream) -> None:
        """`dump`'s bytes written to `stream` a part at a time
        (`ColumnStore.dump_into`). Safe to call from another thread, as `dump` is."""
        self._as_columns().dump_into(stream)

    def _as_columns(self) -> ColumnStore[RowT]:
        """The rows as columns: the store itself, or a copy of its Python rows."""
        impl = self._impl
        if isinstance(impl, ColumnStore):
            return impl
        copy: ColumnStore[RowT] = ColumnStore(self._column_count)
        rows = list(impl._rows)
        if rows:
            copy.append(rows)
        return copy

    @classmethod
    def load(cls, data: bytes, row_type: type[RowT]) -> RowStore[RowT]:
        """A store holding the rows of `dump()` as `row_type`; ValueError if `data` is not a
        dump (truncated, foreign)."""
        loaded = ColumnStore.load(data, row_type)
        store: RowStore[RowT] = cls(loaded.column_count)
        store._impl = loaded
        return store

    def restore(self, data: bytes | col.ColumnPage, row_type: type[RowT], *,
                keep_key: bool = False) -> bool:
        """`replace` with the rows of a `dump()` (filter and sort settings stay); ValueError if
        `data` is not a dump of a table with as many columns (the store is then unchanged).
        `data` may also be `decode_dump(data, row_type)[0]`, decoded on another thread (most
        of the time a restore takes)."""
        page, column_count = ((data, data.column_count) if isinstance(data, col.ColumnPage)
                              else decode_dump(data, row_type))
        if column_count != self._column_count:
            raise ValueError("the dump holds another table's rows")
        if not isinstance(self._impl, ColumnStore):
            col.wait_for_engine()
            self._move_to_columns()
        impl = self._impl
        assert isinstance(impl, ColumnStore)
        return impl.replace(page, keep_key=keep_key)

    def adopt(self, other: RowStore[RowT], *, keep_key: bool = False) -> bool:
        """Hold the rows of `other`, a store filled elsewhere (a worker thread appending a live
        list's pages with their columns) and not used afterwards; like `replace`: this store's
        filter and sort settings stay, and with `keep_key` its cursor row and marks (by key).
        True when the cursor found its row again."""
        if other._column_count != self._column_count:
            raise ValueError("the other store holds another table's rows")
        old = self._impl
        cursor_row = old.cursor_row
        previous_key = cursor_row.key if cursor_row is not None else None
        previous_cursor = old.cursor
        marked = dict.fromkeys(old._marked) if keep_key else {}
        impl = other._impl
        impl.sort_by(old.sort_column, old.sort_reverse)
        impl.set_filter(old._predicate, words=old._filter_words, key_tests=old._key_tests)
        impl._marked = marked  # keys, resolved just below
        impl._keep_marks_present()
        self._generation_base += old.generation + other._generation_base + 1
        self._impl = impl
        if not keep_key:
            impl.place_cursor(0)
            return False
        index = impl.index_of_key(previous_key) if previous_key is not None else -1
        if index >= 0:
            impl.place_cursor(index)
            return True
        impl.place_cursor(min(previous_cursor, max(impl.visible_count - 1, 0)))
        return False

    # ---------------------------------------------------------------- filter, sort, marks

    def set_filter(self, predicate: RowPredicate[RowT] | None = None, *,
                   words: Iterable[str] = (), key_tests: Iterable[KeyTest] = ()) -> bool:
        return self._impl.set_filter(predicate, words=words, key_tests=key_tests)

    def sort_by(self, column: int | None, reverse: bool = False) -> None:
        self._impl.sort_by(column, reverse)

    def prepare_sorts(self, columns: Iterable[int] | None = None, *,
                      pause: Callable[[], object] | None = None,
                      on_ui_thread: Callable[[Callable[[], None]], object] | None = None
                      ) -> int:
        """`ColumnStore.prepare_sorts` (a worker thread's job once a list has loaded); Python
        rows sort quickly enough without: 0. First the last pages are compacted and item
        properties of few values made categories (`ColumnStore.categorize_loaded`), which
        `on_ui_thread` (having the UI thread run a callable soon) has the UI thread take in
        without waiting for its next row drawn."""
        impl = self._impl
        if not isinstance(impl, ColumnStore):
            return 0
        # Once a long list has loaded: what the load freed goes back to the system before the
        # sorts' temporaries are made, and what those freed after.
        memory.give_back_freed()
        impl.compact_loaded()
        impl.categorize_loaded()
        if on_ui_thread is not None:
            on_ui_thread(impl.take_in_worker_results)
        prepared = impl.prepare_sorts(columns, pause=pause)
        memory.give_back_freed()
        return prepared

    def place_cursor(self, index: int) -> int:
        return self._impl.place_cursor(index)

    def toggle_mark(self, row: RowT) -> None:
        self._impl.toggle_mark(row)

    def mark_all_visible(self) -> None:
        self._impl.mark_all_visible()

    def clear_marks(self) -> None:
        self._impl.clear_marks()

    # ---------------------------------------------------------------- moving to columns

    def _should_move(self, extra: int, columns_given: bool) -> bool:
        if isinstance(self._impl, ColumnStore):
            return False
        if self._impl.rows_count + extra < self._columns_from:
            return False
        return columns_given or col.engine_ready()

    def _move_to_columns(self, encoded: col.ColumnPage | None = None) -> None:
        """Hold the rows as columns from now on, keeping sort, filter, marks and cursor row.
        `encoded`: the rows held, as columns built elsewhere (used when they are the same
        rows: as many, with the same first and last keys)."""
        old = self._impl
        assert isinstance(old, PythonStore)
        rows: list[RowT] = old._rows
        if encoded is None or not _same_rows(encoded, rows, self._column_count):
            encoded = col.encode_page(rows, self._column_count) if rows else None
        new: ColumnStore[RowT] = ColumnStore(self._column_count)
        new._sort_column, new._sort_reverse = old.sort_column, old.sort_reverse
        new._predicate, new._filter_words = old._predicate, old._filter_words
        new._key_tests = old._key_tests
        if encoded is not None:
            new._add_page(encoded)
        new._rebuild_order()
        arrival = {id(row): index for index, row in enumerate(rows)}
        cursor_row = old.cursor_row
        if cursor_row is not None:
            new.place_cursor(new._visible_index_of(arrival[id(cursor_row)]))
        new._marked = {key: arrival[id(row)] for key, row in old._marked.items()
                       if id(row) in arrival}
        self._generation_base += old.generation + 1
        self._impl = new
