"""Rows as columns: a page of rows turned into a polars frame, and rows rebuilt from it.

A row (`store.TableRow`: key, cells, sort_keys, search_text, marks, and optionally `item`, the
Graph dict) becomes one line of a frame. Each sort key column and each item property gets a
*kind*, decided from its values: text, whole numbers, floats, booleans, aware or naive datetimes,
versions (tuples of ints, stored as hex text so text order is tuple order), JSON (item
properties holding lists, objects or mixed scalars), or Python objects (anything else, kept in a
plain list beside the frame: sorting those keeps Python's own comparison rules). A page whose
values do not fit a column's kind turns the column into JSON (item) or objects (sort keys), so
rows rebuilt from the frame equal the rows that went in, and sorts compare what Python would.

Item dicts keep which properties they had and in which order (a per-row pattern id into a list
of key tuples: rows of one list share a handful), so a property that was missing stays missing.

polars is imported on first use (`engine()`); `preload_engine()` starts that import on a
background thread so it overlaps with loading the list instead of delaying the first frame
(at start-up the thread waits for the first rows to be painted: `hold_preload`).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

from intune_tui.table import memory

if TYPE_CHECKING:
    import polars as pl

# Before anything imports the engine (its allocator reads its settings when it starts).
memory.tune_engine_allocator()

NONE = "none"
TEXT = "str"
CATEGORY = "cat"  # text with few distinct values (OS, states, models): 4 bytes a row
INT = "int"
FLOAT = "float"
BOOL = "bool"
AWARE = "dt"
NAIVE = "ndt"
VERSION = "ver"
JSON = "json"
OBJECT = "obj"
# Item properties only: text that is exactly a lower-case GUID (16 bytes a row instead of 52 as
# text) or exactly Graph's `2026-11-19T16:23:24Z` form (8 bytes instead of 36); a page with any
# other text in the column keeps it as text.
GUID = "guid"
STAMP = "stamp"
# GUIDs and blanks, no None: Graph's `userId` of a userless device is "" (stored as null, so a
# column of GUIDs costs 16 bytes a row, not 52 as text). A page holding None and "" is text.
BLANK_GUID = "guid0"

FRAME_KINDS = (NONE, TEXT, CATEGORY, INT, FLOAT, BOOL, AWARE, NAIVE, VERSION, JSON, GUID, STAMP,
               BLANK_GUID)
TEXTS = (TEXT, CATEGORY)
TEXT_LIKE = (TEXT, CATEGORY, GUID, STAMP, BLANK_GUID)  # item kinds whose values are all str
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_GUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STAMP_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
ALIAS = "="  # kind "=c0": the same values as column c0 (item properties shown as cells)
LOWER = "~"  # kind "~c0": column c0 in lower case (polars' `to_lowercase`: text sort keys)
CATEGORY_SHARE = 8  # a page's text column is a category when it has 1/8 as many values
INT64_LIMIT = 2**63

KEY = "key"
SEARCH = "search"
CELL_COUNT = "cells#"
MARKS = "marks#"
ITEM_KEYS = "item#"


def derived(kind: str) -> bool:
    """True for kinds whose values come from another column (ALIAS, LOWER) but for
    exceptions."""
    return kind[:1] in (ALIAS, LOWER)


def derive(series: pl.Series, kind: str) -> pl.Series:
    """The values of a derived `kind` from its column's `series`."""
    import polars as pl
    if kind.startswith(LOWER):
        if isinstance(series.dtype, pl.Categorical):
            return _lower_category(series)
        return series.cast(pl.String).str.to_lowercase()
    return series


def _lower_category(series: pl.Series) -> pl.Series:
    """A category column in lower case: its few distinct values lowered and each row's code
    mapped (~15 ms at a million rows; every row's text lowered took ~90 ms)."""
    import numpy as np
    import polars as pl

    distinct = series.drop_nulls().unique()
    if not len(distinct):
        return series
    codes = distinct.to_physical().to_numpy()
    lowered = distinct.cast(pl.String).str.to_lowercase().cast(pl.Categorical)
    table = np.zeros(int(codes.max()) + 1, dtype=np.uint32)
    table[codes] = lowered.to_physical().to_numpy()
    return pl.Series(series.name, table).gather(series.to_physical()).cat.to(pl.Categorical)


def cell_name(index: int) -> str:
    return f"c{index}"


def sort_name(index: int) -> str:
    return f"k{index}"


def item_name(prop: str) -> str:
    return f"i:{prop}"


_engine_lock = threading.Lock()
# Set once the preload thread has ended (engine imported, or the import failed). The module
# keeps this Event, not the Thread: a Thread keeps the `sys.stderr` of the moment it was made
# (CPython's `Thread._stderr`), inside a running Textual app that app's print capture, so a kept
# Thread kept the process's first app, and every widget of it, alive for good.
_preloaded: threading.Event | None = None
# While cleared, a started preload waits before importing (ui/startup.py holds it until the
# first rows are painted: on another thread the import still takes the GIL from the first frame).
_preload_allowed = threading.Event()
_preload_allowed.set()


def engine() -> ModuleType:
    """The polars module (imported on first call; waits for a preload under way)."""
    import polars

    return polars


def engine_ready() -> bool:
    """True once the preload thread has imported the engine (never waits)."""
    return _preloaded is not None and _preloaded.is_set()


def hold_preload() -> None:
    """Make a preload, started now or later, wait for `release_preload()` before importing."""
    _preload_allowed.clear()


def release_preload() -> None:
    _preload_allowed.set()


def engine_ready_within(seconds: float) -> bool:
    """Whether the engine is imported, waiting up to `seconds` for a preload started (held
    or under way) to finish it; never starts nor releases one."""
    loaded = _preloaded
    return loaded is not None and loaded.wait(seconds)


def wait_for_engine() -> None:
    """Block until the engine is imported (starts the import if nobody did; a held preload is
    released, since something needs the engine now)."""
    release_preload()
    preload_engine()
    assert _preloaded is not None
    _preloaded.wait()


def preload_engine() -> None:
    """Start importing polars and numpy on a daemon thread, once (returns at once)."""
    global _preloaded
    with _engine_lock:
        if _preloaded is not None:
            return
        ended = threading.Event()

        def load() -> None:
            try:
                _preload_allowed.wait()
                import numpy  # noqa: F401
                import polars  # noqa: F401

                # A long list's load is coming: its freed large blocks should leave the process.
                memory.keep_large_blocks_out_of_heap()
            finally:
                ended.set()

        _preloaded = ended
        threading.Thread(target=load, name="row-engine-import", daemon=True).start()


def dtype_of(kind: str) -> Any:
    import polars as pl
    return {
        NONE: pl.Null,
        TEXT: pl.String,
        CATEGORY: pl.Categorical,
        INT: pl.Int64,
        FLOAT: pl.Float64,
        BOOL: pl.Boolean,
        AWARE: pl.Datetime("us", "UTC"),
        NAIVE: pl.Datetime("us"),
        VERSION: pl.Categorical,
        JSON: pl.String,
        GUID: pl.UInt128,
        STAMP: pl.Datetime("us", "UTC"),
        BLANK_GUID: pl.UInt128,
    }[kind]


# ---------------------------------------------------------------- kinds


def _json_safe(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is list:
        return all(map(_json_safe, value))
    if kind is dict:
        return all(type(key) is str and _json_safe(item) for key, item in value.items())
    return False


def _version_ok(value: tuple[Any, ...]) -> bool:
    return all(type(part) is int and 0 <= part < INT64_LIMIT for part in value)


def kind_of(values: Sequence[Any], *, item: bool) -> str:
    """The narrowest kind that holds every value exactly (None is allowed in every kind)."""
    types = set(map(type, values))
    types.discard(type(None))
    if not types:
        return NONE
    if len(types) == 1:
        kind = _single_kind(types.pop(), values, item=item)
        if kind is not None:
            return kind
    if item and all(map(_json_safe, values)):
        return JSON
    return OBJECT


def narrow_text(values: Sequence[str | None]) -> str:
    """An item text column's kind: GUID when every value is exactly of that form or None,
    BLANK_GUID when every value is of that form or "" (tested over the column in the engine: a
    Python regex per value held the GIL ~0.4 ms a page and column), STAMP when the first is
    (`series_of` then checks every value: each must come back as the same text), else TEXT."""
    first = next((value for value in values if value), None)
    if first is None:
        return TEXT
    if _STAMP_TEXT.fullmatch(first):
        return STAMP
    if _GUID_TEXT.fullmatch(first):
        import polars as pl

        text = pl.Series(values, dtype=pl.String)
        if not text.null_count():
            # Graph's GUID properties are never null: a page of GUIDs alone is kept as one
            # that may hold blanks too, or the first page with a blank would turn it into text.
            blank = text == ""
            if text.filter(~blank).str.contains(f"^{_GUID_TEXT.pattern}$").all():
                return BLANK_GUID
        elif text.str.contains(f"^{_GUID_TEXT.pattern}$").fill_null(True).all():
            return GUID
    return TEXT


def _single_kind(value_type: type, values: Sequence[Any], *, item: bool) -> str | None:
    present = [value for value in values if value is not None]
    if value_type is str:
        return TEXT
    if value_type is bool:
        return BOOL
    if value_type is int:
        return INT if all(-INT64_LIMIT <= value < INT64_LIMIT for value in present) else None
    if value_type is float:
        # NaN has no place in Python's ordering; keep such keys as objects (Python's rules).
        return FLOAT if item or not any(value != value for value in present) else None
    if value_type is datetime and not item:
        aware = {value.utcoffset() is not None for value in present}
        if aware == {True}:
            return AWARE
        if aware == {False}:
            return NAIVE
        return None
    if value_type is tuple and not item:
        return VERSION if _encode_versions(present) is not None else None
    return None


# Rows share a few hundred OS versions (one tuple object each, `resources.version_key`).
_version_text: dict[tuple[int, ...], str] = {}


def _encode_version(value: tuple[int, ...] | None) -> str | None:
    """16 hex digits per part, big-endian (text order is tuple order, a shorter prefix first);
    None if a part does not fit. Stored as a category: a tenant has a few hundred versions."""
    if value is None or not _version_ok(value):  # checked each time: (True,) == (1,)
        return None
    encoded = _version_text.get(value)
    if encoded is None:
        encoded = "".join(f"{part:016x}" for part in value)
        if len(_version_text) > 65536:
            _version_text.clear()
        _version_text[value] = encoded
    return encoded


def _encode_versions(values: Sequence[tuple[int, ...] | None]) -> list[str | None] | None:
    """`_encode_version` of each value, None if one does not fit. Rows share one tuple object
    per version (`resources.version_key`): each object is encoded once (by identity, so
    (True,) and (1,), equal keys of a dict, are still told apart)."""
    codes: dict[int, str | None] = {}
    for value in values:
        if id(value) not in codes:
            code = codes[id(value)] = _encode_version(value)
            if code is None and value is not None:
                return None
    return [codes[id(value)] for value in values]


def _decode_version(value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    return tuple(int(value[start:start + 16], 16) for start in range(0, len(value), 16))


def _encode_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _decode_json(value: str | None) -> Any:
    return None if value is None else json.loads(value)


_EPOCH_AWARE = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def _micros(values: Sequence[datetime | None], epoch: datetime) -> list[int | None]:
    """Datetimes as exact microseconds since the epoch (polars reads ints much faster)."""
    return [None if value is None else (value - epoch) // _MICROSECOND for value in values]


def _guid_int(value: str | None) -> int | None:
    return None if value is None else int(value.replace("-", ""), 16)


def _blank_guid_int(value: str) -> int | None:
    return None if value == "" else int(value.replace("-", ""), 16)


def _guid_text(value: int | None) -> str | None:
    if value is None:
        return None
    digits = f"{value:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def key_series(keys: Sequence[str]) -> tuple[pl.Series, str]:
    """A page's key column and its kind: GUID when every key is a lower-case GUID (Intune's
    ids: 16 bytes a row, 52 as text), else TEXT. A store holds the kind in `kinds[KEY]`
    (missing: TEXT, as pages built elsewhere and dumps of the first formats have it)."""
    import polars as pl

    text = pl.Series(KEY, keys, dtype=pl.String)
    if keys and _GUID_TEXT.fullmatch(keys[0]) \
            and text.str.contains(f"^{_GUID_TEXT.pattern}$").all():
        return pl.Series(KEY, list(map(_guid_int, keys)), dtype=pl.UInt128), GUID
    return text, TEXT


def guid_numbers(text: pl.Series, kind: str = GUID) -> pl.Series | None:
    """A text column of lower-case GUIDs (and None for GUID, "" for BLANK_GUID) as the
    16-byte numbers `series_of` makes of them, by numpy over the joined text (~0.1 us a row;
    a Python int a row or polars' hex decoding took ~1 us); None when a value is of another
    form. Pages built from Graph's answers (`intune.page_columns`) bring ids as text: 52 bytes
    a row against 16 (`store.ColumnStore` narrows them)."""
    import numpy as np
    import polars as pl

    if kind not in (GUID, BLANK_GUID) or (kind == BLANK_GUID and text.null_count()):
        return None
    missing = None
    if kind == BLANK_GUID or text.null_count():
        missing = text.is_null() if kind == GUID else (text == "")
        holes = int(missing.sum())
        if holes == len(text):
            return None
        if not holes:
            missing = None
    filled = text if missing is None else pl.select(
        pl.when(pl.lit(missing)).then(pl.lit(_ZERO_GUID)).otherwise(pl.lit(text))).to_series()
    lengths = filled.str.len_bytes()
    if not len(lengths) or lengths.min() != 36 or lengths.max() != 36:
        return None
    try:
        joined = cast("str", filled.str.join("").item()).encode("ascii")
    except UnicodeEncodeError:
        return None
    raw = np.frombuffer(joined, dtype=np.uint8).reshape(-1, 36)
    if not (raw[:, _GUID_DASHES] == ord("-")).all():
        return None
    nibbles = np.take(_hex_values(), raw)[:, _GUID_DIGITS]
    if (nibbles == 255).any():
        return None
    octets = (nibbles[:, 0::2] << 4) | nibbles[:, 1::2]
    high = pl.Series(octets[:, :8].copy().view(">u8").ravel().astype(np.uint64))
    low = pl.Series(octets[:, 8:].copy().view(">u8").ravel().astype(np.uint64))
    number = pl.lit(high).cast(pl.UInt128) * (2**64) + pl.lit(low).cast(pl.UInt128)
    if missing is not None:
        number = pl.when(~pl.lit(missing)).then(number)
    return pl.select(number).to_series().alias(text.name)


_ZERO_GUID = "00000000-0000-0000-0000-000000000000"
_GUID_DASHES = [8, 13, 18, 23]
_GUID_DIGITS = [index for index in range(36) if index not in _GUID_DASHES]
_hex_table: Any = None


def _hex_values() -> Any:
    """Byte -> its value as a lower-case hex digit (255: not one)."""
    global _hex_table
    if _hex_table is None:
        import numpy as np

        table = np.full(256, 255, dtype=np.uint8)
        for value, digit in enumerate(b"0123456789abcdef"):
            table[digit] = value
        _hex_table = table
    return _hex_table


def guid_kind(text: pl.Series) -> str:
    """The GUID kind a text column of GUIDs would have: BLANK_GUID without None, else GUID."""
    return GUID if text.null_count() else BLANK_GUID


def key_code(key: str, kind: str) -> str | int | None:
    """`key` as a key column of `kind` holds it, to compare with the column; None when no row
    of such a column can have it (not a GUID in a column of GUIDs)."""
    if kind != GUID:
        return key
    return _guid_int(key) if _GUID_TEXT.fullmatch(key) else None


def series_of(name: str, kind: str, values: Sequence[Any]) -> pl.Series:
    """A frame column holding `values` (of `kind`)."""
    import polars as pl
    if kind == GUID:
        return pl.Series(name, list(map(_guid_int, values)), dtype=pl.UInt128)
    if kind == BLANK_GUID:
        if any(value is None for value in values):
            raise ValueError("None among GUIDs and blanks")
        return pl.Series(name, list(map(_blank_guid_int, values)), dtype=pl.UInt128)
    if kind == STAMP:
        text = pl.Series(name, values, dtype=pl.String)
        stamps = text.str.strptime(dtype_of(STAMP), STAMP_FORMAT, strict=False)
        # A date the calendar lacks (02-30) parses as null: such text stays text.
        if stamps.null_count() != text.null_count() or \
                not stamps.dt.strftime(STAMP_FORMAT).equals(text):
            raise ValueError("not a timestamp")
        return stamps
    if kind == VERSION:
        encoded = _encode_versions(values)
        values = encoded if encoded is not None else list(map(_encode_version, values))
    elif kind == JSON:
        values = list(map(_encode_json, values))
    elif kind in (AWARE, NAIVE):
        micros = _micros(values, _EPOCH_AWARE if kind == AWARE else _EPOCH_NAIVE)
        return pl.Series(name, micros, dtype=pl.Int64).cast(dtype_of(kind))
    return pl.Series(name, values, dtype=dtype_of(kind))


def decoder(kind: str) -> Callable[[list[Any]], list[Any]] | None:
    """Turns `Series.to_list()` of a column back into the values that went in (None: as is)."""
    if kind == VERSION:
        return lambda values: list(map(_decode_version, values))
    if kind == JSON:
        return lambda values: list(map(_decode_json, values))
    if kind == GUID:
        return lambda values: list(map(_guid_text, values))
    if kind == BLANK_GUID:
        return lambda values: ["" if value is None else _guid_text(value) for value in values]
    return None


def python_values(column: pl.Series, kind: str) -> list[Any]:
    if kind == STAMP:
        column = column.dt.strftime(STAMP_FORMAT)
    values: list[Any] = column.to_list()
    decode = decoder(kind)
    return decode(values) if decode is not None else values


# ---------------------------------------------------------------- pages


@dataclass
class ColumnPage:
    """A page of rows as columns (built by `encode_page`, in any thread).

    frame: key, search text, cell count, marks pattern, cells, sort keys and item properties
        of the frame kinds; objects: columns of kind OBJECT as lists; kinds: column -> kind;
    marks / item_keys: the distinct marks tuples and item key tuples, `frame` holds indexes
        into these lists; exceptions: for item properties of an ALIAS kind, the rows (index in
        the page) whose value differs from the column they are the same as, and their value;
    earlier: on the first page of a stream built as columns, the rows streamed before it (a
        table holding them as Python rows moves them to columns without building these on the
        UI thread: `store.RowStore.append`).
    """

    frame: pl.DataFrame
    objects: dict[str, list[Any]]
    kinds: dict[str, str]
    marks: list[tuple[str | None, ...]]
    item_keys: list[tuple[str, ...]]
    row_type: type
    has_item: bool
    length: int = field(default=0)
    exceptions: dict[str, dict[int, Any]] = field(default_factory=dict)
    column_count: int = 0
    earlier: ColumnPage | None = None


def encode_page(rows: Sequence[Any], column_count: int) -> ColumnPage:
    """Columns of `rows` (at least one row; all of one type) for a store of `column_count`
    columns. Pure: the Graph worker can build pages while the UI thread draws."""
    import polars as pl
    first = rows[0]
    has_item = hasattr(first, "item")
    kinds: dict[str, str] = {}
    objects: dict[str, list[Any]] = {}
    exceptions: dict[str, dict[int, Any]] = {}
    key_column, kinds[KEY] = key_series([row.key for row in rows])
    columns: list[pl.Series] = [
        key_column,
        pl.Series(SEARCH, [row.search_text for row in rows], dtype=pl.String),
    ]
    cell_rows = [row.cells for row in rows]
    columns.append(pl.Series(CELL_COUNT, list(map(len, cell_rows)), dtype=pl.UInt16))
    mark_ids: dict[tuple[str | None, ...], int] = {}
    marks_column = [mark_ids.setdefault(row.marks, len(mark_ids)) for row in rows]
    columns.append(pl.Series(MARKS, marks_column, dtype=pl.UInt32))
    width = max(map(len, cell_rows))
    padded = cell_rows if all(len(cells) == width for cells in cell_rows) else [
        tuple(cells) + (None,) * (width - len(cells)) for cells in cell_rows]
    cell_values: dict[str, list[Any]] = {KEY: [row.key for row in rows]}
    for index, values in enumerate(zip(*padded, strict=True)):
        cell_values[cell_name(index)] = list(values)
        _add_column(columns, objects, kinds, cell_name(index), list(values), item=False)
    sort_rows = [row.sort_keys for row in rows]
    for index in range(column_count):
        keys_of_column = [keys[index] for keys in sort_rows]
        same = cell_name(index)
        if same in cell_values and kinds.get(same) in TEXTS:
            # The same text as the cell but for a few rows (a blank cell's key is None).
            alias = _alias_for(keys_of_column, {same: cell_values[same]}, kinds,
                               fits=_text_or_none)
            prefix = ALIAS
            if alias is None and kinds.get(same) == TEXT:
                # A name or serial: its sort key is the cell in lower case (a category keeps
                # a category of its own: sorted by its few values' ranks, at 4 bytes a row).
                prefix = LOWER
                lowered = pl.Series(cell_values[same], dtype=pl.String).str.to_lowercase()
                alias = _alias_for(keys_of_column, {same: lowered.to_list()}, kinds,
                                   fits=_text_or_none)
            if alias is not None:
                kinds[sort_name(index)] = prefix + same
                if alias[1]:
                    exceptions[sort_name(index)] = alias[1]
                continue
        _add_column(columns, objects, kinds, sort_name(index), keys_of_column, item=False)
    item_patterns: list[tuple[str, ...]] = []
    if has_item:
        pattern_ids: dict[tuple[str, ...], int] = {}
        items = [row.item for row in rows]
        patterns = [tuple(item) for item in items]
        columns.append(pl.Series(ITEM_KEYS, [pattern_ids.setdefault(p, len(pattern_ids))
                                             for p in patterns], dtype=pl.UInt32))
        item_patterns = list(pattern_ids)
        props: dict[str, None] = {}
        for pattern in pattern_ids:
            props.update(dict.fromkeys(pattern))
        for prop in props:
            props_values = [item.get(prop) for item in items]
            alias = _alias_for(props_values, cell_values, kinds)
            if alias is not None:
                kinds[item_name(prop)] = ALIAS + alias[0]
                if alias[1]:
                    exceptions[item_name(prop)] = alias[1]
                continue
            _add_column(columns, objects, kinds, item_name(prop), props_values, item=True)
    page = ColumnPage(pl.DataFrame(columns), objects, kinds, list(mark_ids), item_patterns,
                      type(first), has_item, len(rows), exceptions, column_count)
    _derive_category_keys(page)
    return narrow_categories(page)


def narrow_page(page: ColumnPage) -> ColumnPage:
    """`page` with its key and its item text columns that hold only GUIDs (and None, or
    blanks) held as 16-byte numbers (`guid_numbers`), as `encode_page` holds them. For pages
    built elsewhere (from Graph's answers, on the worker: ~0.4 us a row and column)."""
    names = [KEY] if page.kinds.get(KEY, TEXT) == TEXT else []
    names += [name for name, kind in page.kinds.items()
              if kind == TEXT and name.startswith("i:")]
    replaced = []
    for name in names:
        if name not in page.frame.columns:
            continue
        text = page.frame.get_column(name)
        kind = GUID if name == KEY else guid_kind(text)
        numbers = guid_numbers(text, kind) if text.dtype == engine().String else None
        if numbers is not None:
            replaced.append(numbers)
            page.kinds[name] = kind
    if replaced:
        page.frame = page.frame.with_columns(replaced)
    _derive_category_keys(page)
    return page


def _derive_category_keys(page: ColumnPage) -> None:
    """Sort keys that are their category cell in lower case on every row of `page` (OS,
    compliance, ownership, model: 4 bytes a row each) become derived (LOWER) instead of
    columns of their own; sorts rank the category's few values as before."""
    import polars as pl

    frame = page.frame
    candidates = [index for index in range(page.column_count)
                  if page.kinds.get(sort_name(index)) == CATEGORY
                  and page.kinds.get(cell_name(index)) == CATEGORY
                  and sort_name(index) in frame.columns and cell_name(index) in frame.columns]
    if not candidates or not frame.height:
        return
    same = frame.select(
        pl.col(sort_name(index)).cast(pl.String).eq_missing(
            pl.col(cell_name(index)).cast(pl.String).str.to_lowercase()).all()
        for index in candidates).row(0)
    derived = [index for index, equal in zip(candidates, same, strict=True) if equal]
    for index in derived:
        page.kinds[sort_name(index)] = LOWER + cell_name(index)
    if derived:
        page.frame = frame.drop([sort_name(index) for index in derived])


# A column of categories (OS, states, models, versions: CATEGORY and VERSION) in a mapping of
# its own (one per column name, shared by the lists that have it) with 1-byte codes, or 2-byte
# ones once that holds 255 values, instead of the engine's shared mapping's 4-byte codes: 2-3
# bytes a row saved (40 MiB for fourteen columns at a million devices). A mapping is the
# process's: once full it stays full (`_FULL`), and pages then use the next.
OWN_CATEGORIES = "intune-tui"
_FULL: set[tuple[str, str]] = set()


def own_category(name: str, physical: str) -> Any:
    """Column `name`'s category dtype with codes of its own, `physical` UInt8 or UInt16."""
    import polars as pl

    return pl.Categorical(pl.Categories(name, OWN_CATEGORIES, physical=getattr(pl, physical)))


def category_rank(dtype: Any) -> int:
    """0 and 1 for `own_category` UInt8 and UInt16, 2 for any other (the engine's mapping):
    a column of several is held as the highest."""
    import polars as pl

    if not isinstance(dtype, pl.Categorical) or dtype.categories.namespace() != OWN_CATEGORIES:
        return 2
    return 0 if dtype.categories.physical() == pl.UInt8 else 1


def category_of_rank(name: str, rank: int) -> Any:
    import polars as pl

    return own_category(name, ("UInt8", "UInt16")[rank]) if rank < 2 else pl.Categorical()


def as_category(series: pl.Series, rank: int) -> pl.Series:
    """`series` (text or categories) as categories of `rank` or, where those cannot hold its
    values, of the next rank that can."""
    import polars as pl

    name = series.name
    while rank < 2:
        if (name, str(rank)) not in _FULL:
            try:
                return series.cast(category_of_rank(name, rank))
            except pl.exceptions.PolarsError:  # more values than the mapping holds
                _FULL.add((name, str(rank)))
        rank += 1
    return series.cast(pl.Categorical())


def narrow_categories(page: ColumnPage) -> ColumnPage:
    """`page` with its category columns in mappings of their own (OWN_CATEGORIES), for
    whoever builds pages (a worker thread: ~0.5 ms a column for 32,000 rows)."""
    frame = page.frame
    narrowed = [as_category(frame.get_column(name), 0) for name, kind in page.kinds.items()
                if kind in (CATEGORY, VERSION) and name in frame.columns]
    if narrowed:
        page.frame = frame.with_columns(narrowed)
    return page


def fits_exception(value: Any, *, item: bool) -> bool:
    """True when `value` can be kept as an exception to a derived column: text or None for a
    sort key (`store._sort_keys` puts them into a text column), a JSON value for an item
    property (the warm-start dump writes them as JSON)."""
    return _json_safe(value) if item else _text_or_none(value)


def _text_or_none(value: Any) -> bool:
    return value is None or type(value) is str


def _alias_for(values: list[Any], candidates: dict[str, list[Any]],
               kinds: dict[str, str], fits: Callable[[Any], bool] = _json_safe,
               ) -> tuple[str, dict[int, Any]] | None:
    """The text column `values` are the same as but for a few rows (hostile names the cells
    show cleaned, missing values shown as ""), and those rows' values; None if there is none."""
    limit = len(values) // 8
    head = values[:16]
    for name, cells in candidates.items():
        if name != KEY and kinds.get(name, TEXT) not in TEXTS:  # keys are text, however held
            continue
        if cells == values:
            return name, {}
        if sum(map(_equal, head, cells)) * 4 < len(head) * 3:
            continue
        misses = {index: value for index, (value, cell) in enumerate(zip(values, cells,
                                                                        strict=True))
                  if value != cell}
        if len(misses) <= limit and all(map(fits, misses.values())):
            return name, misses
    return None


def _equal(first: Any, second: Any) -> bool:
    return bool(first == second)


def materialise(name: str, values: list[Any], *, item: bool = True,
                ) -> tuple[pl.Series | None, list[Any] | None, str]:
    """Item property (or sort key) values as a frame column or an object list, and their
    kind."""
    columns: list[pl.Series] = []
    objects: dict[str, list[Any]] = {}
    kinds: dict[str, str] = {}
    _add_column(columns, objects, kinds, name, values, item=item)
    return (columns[0] if columns else None), objects.get(name), kinds[name]


def _add_column(columns: list[pl.Series], objects: dict[str, list[Any]], kinds: dict[str, str],
                name: str, values: list[Any], *, item: bool) -> None:
    kind = kind_of(values, item=item)
    if kind == TEXT and len(set(values)) * CATEGORY_SHARE <= len(values):
        kind = CATEGORY
    elif kind == TEXT and item:
        kind = narrow_text(values)
    if kind in (GUID, STAMP, BLANK_GUID):
        try:
            columns.append(series_of(name, kind, values))
            kinds[name] = kind
            return
        except ValueError:
            kind = TEXT
    if kind != OBJECT:
        try:
            columns.append(series_of(name, kind, values))
        except Exception:  # text polars cannot hold (lone surrogates) or an overflow
            kind = JSON if item and all(map(_json_safe, values)) else OBJECT
            if kind == JSON:
                try:
                    columns.append(series_of(name, kind, values))
                except Exception:
                    kind = OBJECT
    if kind == OBJECT:
        objects[name] = list(values)
    kinds[name] = kind


def widen(kind_a: str, kind_b: str, *, item: bool) -> str:
    """The kind holding both kinds' values."""
    if item and BLANK_GUID in (kind_a, kind_b) and NONE in (kind_a, kind_b):
        return TEXT  # None and "" in one column: BLANK_GUID holds no None
    if kind_a == kind_b or kind_b == NONE or (kind_a in TEXTS and kind_b in TEXTS):
        return kind_a
    if kind_a == NONE:
        return kind_b
    if item and kind_a in TEXT_LIKE and kind_b in TEXT_LIKE:
        return TEXT
    if item and OBJECT not in (kind_a, kind_b):
        return JSON
    return OBJECT


def convert(column: pl.Series | None, objects: list[Any] | None, kind: str, new_kind: str,
            length: int) -> tuple[pl.Series | None, list[Any] | None]:
    """A column of `kind` as `new_kind`: a frame column, or a list for OBJECT."""
    if kind in TEXTS and new_kind in TEXTS and column is not None:
        return column.cast(dtype_of(new_kind)), None
    if kind == NONE:
        values: list[Any] = [None] * length
    elif kind == OBJECT:
        assert objects is not None
        values = objects
    else:
        assert column is not None
        values = python_values(column, kind)
    if new_kind == OBJECT:
        return None, list(values)
    name = column.name if column is not None else ""
    return series_of(name, new_kind, values), None


@dataclass
class RowBuilder:
    """Rebuilds rows of one type from gathered columns."""

    row_type: type
    has_item: bool
    column_count: int
    marks: list[tuple[str | None, ...]]
    item_keys: list[tuple[str, ...]]

    def build(self, frame: pl.DataFrame, kinds: dict[str, str],
              objects: dict[str, list[Any]], exceptions: Mapping[str, Mapping[int, Any]],
              indexes: Sequence[int]) -> list[Any]:
        """Rows `indexes` (arrival order) of `frame`."""
        import polars as pl
        if not len(indexes):
            return []
        whole = isinstance(indexes, range) and indexes == range(frame.height)
        needed = frame if whole else frame[list(indexes)]

        def column(name: str) -> list[Any]:
            kind = kinds.get(name, NONE)
            if derived(kind):
                values = column(kind[1:])
                if kind.startswith(LOWER):
                    values = derive(pl.Series(values, dtype=pl.String), kind).to_list()
                differs = exceptions.get(name)
                if differs:
                    values = [differs.get(index, value) if index in differs else value
                              for index, value in zip(indexes, values, strict=True)]
                return values
            if name == KEY:
                return keys
            if kind == OBJECT:
                values = objects[name]
                return [values[index] for index in indexes]
            if name not in needed.columns:
                return [None] * len(indexes)
            return python_values(needed.get_column(name), kind)

        keys = python_values(needed.get_column(KEY), kinds.get(KEY, TEXT))
        texts = needed.get_column(SEARCH).to_list()
        counts = needed.get_column(CELL_COUNT).to_list()
        width = 0
        while cell_name(width) in kinds:
            width += 1
        cell_columns = [column(cell_name(index)) for index in range(width)]
        cells = [tuple(cells[:count]) for cells, count in
                 zip(zip(*cell_columns, strict=True), counts, strict=True)] \
            if cell_columns else [() for _ in keys]
        marks = list(map(self.marks.__getitem__, needed.get_column(MARKS).to_list()))
        sort_columns = [column(sort_name(index)) for index in range(self.column_count)]
        sort_keys = list(zip(*sort_columns, strict=True))
        if not self.has_item:
            return [self.row_type(key=key, cells=cell, sort_keys=sort, search_text=text,
                                  marks=mark)
                    for key, cell, sort, text, mark in zip(keys, cells, sort_keys, texts, marks,
                                                           strict=True)]
        patterns = list(map(self.item_keys.__getitem__, needed.get_column(ITEM_KEYS).to_list()))
        props: dict[str, None] = {}
        for pattern in set(patterns):
            props.update(dict.fromkeys(pattern))
        values = {prop: column(item_name(prop)) for prop in props}
        items = [{prop: values[prop][position] for prop in pattern}
                 for position, pattern in enumerate(patterns)]
        return [self.row_type(key=key, cells=cell, sort_keys=sort, search_text=text,
                              marks=mark, item=item)
                for key, cell, sort, text, mark, item in zip(keys, cells, sort_keys, texts,
                                                             marks, items, strict=True)]


def pattern_mapping(own: list[Any], into: list[Any], index: dict[Any, int]) -> list[int]:
    """For each pattern of a page (`own`), its id in the store's list `into` (extended)."""
    mapping = []
    for pattern in own:
        found = index.get(pattern)
        if found is None:
            found = index[pattern] = len(into)
            into.append(pattern)
        mapping.append(found)
    return mapping
