"""A page of a Graph list answer turned straight into table columns (issue 21).

`read_page(body)` parses the answer's bytes with the row engine (polars, in Rust: no Python dict
a device), and `column_page(resource, page, now)` builds the `table.columns.ColumnPage` that
`encode_page(resource.to_rows(items, now))` would build, without a `Row` a device: cells, sort
keys, marks and search text are computed a column at a time. The rows the table rebuilds from it
(only the visible ones) equal `Resource.to_row`'s: the same text in every cell, the same sort
keys, search text, marks and item dict.

Exactness first. A column of few distinct values (OS, versions, states, models) is rendered by
`Column.render` once per distinct value. A column of many (names, serials, last sync) is
computed in the engine only for the values where that is provably the same as `render`:
printable ASCII text, timestamps in Graph's `2026-11-19T16:23:24Z` form; any other value
(hostile text, other timestamp forms, Graph's 0001-01-01 "never") goes through `render` too.
A page the engine could read differently from `json.loads` is refused (`read_page` or
`column_page` return None) and takes the row path: malformed JSON (so the client's retry of an
unreadable answer is unchanged), a property holding a number, an object or a list, a string
where another item has a boolean (the engine would turn one into the other), an item missing a
property others have, a duplicated property, escaped quotes or lone surrogates in the text, an
item without an id. One difference is accepted: an item's properties are kept in the order of the
page's first item, or, when `read_page` is given an earlier page's schema, of that page's first
item (Graph writes them in one order).
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from intune_tui.intune.formatting import MISSING
from intune_tui.intune.resources import BAD, MUTED, Column, Kind, Resource, Row
from intune_tui.intune.split_listing import KeySet
from intune_tui.table import columns as col

if TYPE_CHECKING:
    import polars as pl

# An ASCII printable value is its own `clean` (text.clean's first test), and its only
# whitespace is the space: `clean(value).strip()` is then `strip_chars(" ")`.
_PRINTABLE_ASCII = r"^[\x20-\x7e]*$"
# Non-ASCII characters lower case changes (Python's `lower` and the engine's may differ there,
# by their Unicode versions); every other character both leave as it is.
_CASED_WIDE = r"[\p{Changes_When_Lowercased}&&[^\x00-\x7f]]"
_LONE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_STAMP_FORM = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9]Z$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MINUTE_US, _HOUR_US, _DAY_US = 60_000_000, 3_600_000_000, 86_400_000_000
_MARK_CODES: dict[str | None, int] = {None: 0, BAD: 1, "warn": 2, "good": 3, MUTED: 4}
_MARK_OF_CODE = {code: mark for mark, code in _MARK_CODES.items()}
_MAX_COLUMNS = 20  # a row's marks are one Int64: 3 bits a column
# A column with at most this share of distinct values is rendered a distinct value at a time.
_DISTINCT_SHARE = 4


@dataclass(frozen=True)
class ListPage:
    """A Graph list answer read by the engine: its items as a frame (one column a property)
    and the bytes it came from (for the row path, should `column_page` refuse it)."""

    items: pl.DataFrame
    body: bytes


@dataclass(frozen=True)
class ReadPage:
    """What `read_page` made of an answer: the page, Graph's count and next link."""

    page: ListPage
    count: int | None
    next_link: str | None
    # The engine's schema of the whole answer: for `read_page` to read the next one with.
    schema: pl.Schema | None = None


def supported(resource: Resource) -> bool:
    """Whether `column_page` can build this list's pages (columns rendered from their own
    property: no `get` or `format` of their own; a list of items, not a singleton)."""
    return (not resource.singleton and resource.list_property is None
            and len(resource.columns) <= _MAX_COLUMNS
            and all(column.get is None and column.format is None
                    for column in resource.columns))


def read_page(body: bytes, schema: pl.Schema | None = None) -> ReadPage | None:
    """A list answer's bytes read by the engine; None when it cannot be read exactly as
    `json.loads` reads it (the caller then reads it as JSON, which judges malformed answers).

    `schema`: an earlier page's (`ReadPage.schema`), tried first. Working the schema out
    takes the JSON reader more than half its time (~4 of ~6 ms a 1,000-device page); given
    one, it only reads. What a schema makes the reader do differently is caught by the same
    checks (`_same_as_json`: a property it does not name is skipped, one it names but the
    item lacks is null, a number or boolean where it says text is read as text), and such a
    page is read again without it. Properties null in every item of the page are made `Null`,
    as the reader makes them when it works the schema out."""
    import polars as pl

    if not _plain_escapes(body):
        return None
    if schema is not None:
        try:
            whole = pl.read_json(io.BytesIO(body), schema=schema)
        except Exception:  # not of that schema (or malformed): read as if there were none
            whole = None
        read = _checked(body, whole, nulls_as_null=True) if whole is not None else None
        if read is not None:
            return read
    try:
        whole = pl.read_json(io.BytesIO(body), infer_schema_length=None)
    except Exception:  # malformed: the JSON reader says so, and the client asks again
        return None
    return _checked(body, whole)


def _checked(body: bytes, whole: pl.DataFrame, *, nulls_as_null: bool = False
             ) -> ReadPage | None:
    """`whole` (the answer as the engine read it) as a page, if it is what `json.loads`
    reads (see `read_page`); `nulls_as_null`: make properties that are null in every item
    `Null` (the reader was given a schema)."""
    import polars as pl

    schema = whole.schema  # (made anew at each call: once here)
    if whole.height != 1 or "value" not in schema:
        return None
    value = schema["value"]
    if not isinstance(value, pl.List) or not isinstance(value.inner, pl.Struct):
        return None
    fields = value.inner.fields
    if not fields or not all(field.dtype in (pl.String, pl.Boolean, pl.Null)
                             for field in fields):
        return None
    count, next_link = _envelope(whole, schema)
    if count is False or next_link is False:
        return None
    try:
        items = whole.select(pl.col("value").explode()).unnest("value")
    except Exception:  # a property twice in an item
        return None
    if not _same_as_json(body, whole, schema, items):
        return None
    if nulls_as_null:
        items = _nulls_as_null(items)
    return ReadPage(ListPage(items, body), count, next_link, schema)


def _nulls_as_null(items: pl.DataFrame) -> pl.DataFrame:
    """Properties null in every item as `Null` (what the reader infers for them)."""
    import polars as pl

    height = items.height
    empty = [name for name, dtype in items.schema.items()
             if dtype != pl.Null and items.get_column(name).null_count() == height]
    if not empty:
        return items
    return items.with_columns(pl.lit(None, pl.Null).alias(name) for name in empty)


def _plain_escapes(body: bytes) -> bool:
    """No escaped quote (it would spoil `_same_as_json`'s counts) and no lone surrogate (the
    engine reads it as another character). Most answers hold no backslash at all."""
    index = body.find(b"\\")
    for _ in range(256):
        if index < 0:
            return True
        escaped = body[index + 1:index + 4]
        if escaped[:1] == b'"' or (escaped[:2] in (b"ud", b"uD")
                                   and escaped[2:] and escaped[2:] in b"89abcdefABCDEF"):
            return False
        index = body.find(b"\\", index + 2)  # past `\\` too: an escaped backslash
    return b'\\"' not in body and _LONE_SURROGATE.search(body) is None


def _envelope(whole: pl.DataFrame, schema: pl.Schema) -> tuple[Any, Any]:
    """Graph's `@odata.count` and `@odata.nextLink` as the client reads them (None when absent
    or unusable); False when the engine read them as something `json.loads` would not."""
    import polars as pl

    count: Any = None
    if "@odata.count" in whole.columns:
        dtype = schema["@odata.count"]
        if dtype == pl.Int64:
            count = whole.item(0, "@odata.count")
        elif dtype != pl.Null:
            return False, False
    next_link: Any = None
    if "@odata.nextLink" in whole.columns:
        dtype = schema["@odata.nextLink"]
        if dtype == pl.String:
            next_link = whole.item(0, "@odata.nextLink") or None
        elif dtype != pl.Null:
            return False, False
    return count, next_link


def _same_as_json(body: bytes, whole: pl.DataFrame, schema: pl.Schema, items: pl.DataFrame
                  ) -> bool:
    """Every item holds every property once, and each string the engine read was a string in
    the JSON (not a number or a boolean it turned into text). Counted in the bytes: `":` ends
    each property name (escaped quotes were refused), `":"` each one holding a string."""
    import polars as pl

    names = len(whole.columns) + items.height * items.width
    strings = 0
    for name, dtype in schema.items():
        if name != "value" and dtype == pl.String and whole.item(0, name) is not None:
            strings += 1
    for series in items.iter_columns():
        if series.dtype == pl.String:
            strings += series.len() - series.null_count()
    found_names, found_strings = _name_counts(body)
    return found_names == names and found_strings == strings


def _name_counts(body: bytes) -> tuple[int, int]:
    """How often `":` and `":"` occur in `body`. Quotes are most of an answer's punctuation,
    which makes `bytes.count` slow here (~1.8 ms each on a 1,000-device page); compared a byte
    position at a time in numpy, both take ~0.4 ms."""
    import numpy as np

    data = np.frombuffer(body, np.uint8)
    quotes = data == ord('"')
    ends = quotes[:-1] & (data[1:] == ord(":"))
    return int(np.count_nonzero(ends)), int(np.count_nonzero(ends[:-1] & quotes[2:]))


# ------------------------------------------------------------------------------- the page
# The page is built in a handful of engine queries over all columns at once (each query of the
# engine costs ~0.1 ms however small; one a column and value took ~40 ms a page).


@dataclass
class _Plan:
    """How one column's cells come out of the items: text, mark code (UInt8) and sort key
    expressions; `other`: the rows `Column.render` must do instead (None: none);
    `encode`: a rendered sort key as a value of the sort expression's type."""

    column: Column
    text: pl.Expr
    mark: pl.Expr
    sort: pl.Expr
    sort_kind: str
    encode: Callable[[Any], Any]
    other: pl.Expr | None = None
    # Computed first, as column `_x<index>` that `text`/`mark`/`sort` read (the engine would
    # otherwise work it out again in every branch that uses it).
    first: pl.Expr | None = None


def unseen(resource: Resource, page: ListPage, skip: set[str] | KeySet | None,
           ) -> tuple[ListPage, list[str]] | None:
    """The page without the items whose id is in `skip`, and the page's ids (for the caller
    to add to `skip` once the page is passed on); None when an item has no id of its own
    (`row_key` makes one up: the row path)."""
    import polars as pl

    items = page.items
    id_field = resource.id_field
    if id_field not in items.columns or items.schema[id_field] != pl.String:
        return None
    ids = items.get_column(id_field)
    if ids.null_count() or not items.height or ids.str.len_bytes().min() == 0:
        return None
    if skip is None:
        return page, []
    keys: list[str] = ids.to_list()
    if skip and not skip.isdisjoint(keys):
        held = skip.found(keys) if isinstance(skip, KeySet) else [key in skip for key in keys]
        page = ListPage(items.filter(~pl.Series(held, dtype=pl.Boolean)), page.body)
    return page, keys


def joined(pages: Sequence[ListPage]) -> ListPage | None:
    """Pages read one after the other as one (`column_page` then pays its per-page queries
    once for them all); None when they do not hold the same properties, each of one type or
    of none (`Null`: every value null): joined, the engine would make one into the other (a
    boolean into text) or a property missing from a page into nulls."""
    import polars as pl

    if len(pages) == 1:
        return pages[0]
    first = pages[0].items
    names = set(first.columns)
    types: dict[str, Any] = {}
    for page in pages:
        schema = page.items.schema
        if set(schema) != names:
            return None
        for name, dtype in schema.items():
            if dtype == pl.Null:
                continue
            if types.setdefault(name, dtype) != dtype:
                return None
    order = first.columns
    wanted = pl.Schema((name, types.get(name, pl.Null)) for name in order)
    frames = [page.items if page.items.schema == wanted else page.items.select(
        pl.col(name) if page.items.schema[name] == dtype else pl.col(name).cast(dtype)
        for name, dtype in wanted.items()) for page in pages]
    return ListPage(pl.concat(frames, how="vertical", rechunk=False), b"")


def column_page(resource: Resource, page: ListPage, now: datetime) -> col.ColumnPage | None:
    """The page's items as the table's columns, as `encode_page(resource.to_rows(items, now))`
    builds them; None if the page cannot be built so (see the module's note): the caller
    takes the row path. The items have ids of their own (`unseen`)."""
    items = page.items
    if not items.height:
        return None
    with _CACHES_LOCK:  # pages may be built on more than one thread (`split_listing`)
        plans = _plans(resource, items, now)
        if plans is None:
            return None
        cells = _cells(items, plans, now)
    if cells is None:
        return None
    built = _assemble(resource, items, plans, cells)
    return col.narrow_page(built) if built is not None else None


def _plans(resource: Resource, items: pl.DataFrame, now: datetime) -> list[_Plan] | None:
    import polars as pl

    length = items.height
    schema = items.schema
    keys = [column.key for column in resource.columns if column.key in schema]
    distinct = items.select(pl.col(list(dict.fromkeys(keys))).n_unique()).row(
        0, named=True) if keys else {}

    def fast(column: Column) -> bool:
        return (column.key in distinct and schema[column.key] == pl.String
                and distinct[column.key] * _DISTINCT_SHARE > length
                and column.kind in (Kind.TEXT, Kind.AGE))

    few = list(dict.fromkeys(column.key for column in resource.columns
                             if column.key in distinct and not fast(column)))
    uniques = items.select(pl.col(few).unique(maintain_order=True).implode()).row(
        0, named=True) if few else {}
    plans: list[_Plan] = []
    for index, column in enumerate(resource.columns):
        plan: _Plan | None
        if fast(column):
            plan = _text_plan(column, f"_x{index}") if column.kind is Kind.TEXT \
                else _age_plan(column, now, f"_x{index}")
        else:
            plan = _distinct_plan(column, uniques.get(column.key, []), now,
                                  schema.get(column.key, pl.Null), f"_x{index}")
        if plan is None:
            return None
        plans.append(plan)
    return plans


def _rendered(column: Column, value: Any, now: datetime) -> tuple[str, str | None, Any]:
    text, mark, sort = column.render({column.key: value}, now)
    return text, mark, sort


def _codes(marks: Sequence[str | None]) -> list[int] | None:
    codes = [_MARK_CODES.get(mark, -1) for mark in marks]
    return None if -1 in codes else codes


@dataclass
class _Known:
    """A column's distinct values rendered so far (pages of one list repeat them: OS, states,
    versions, models), and the engine's series for spreading them (None: to be rebuilt)."""

    column: Column
    values: list[Any] = field(default_factory=list)
    index: dict[Any, int] = field(default_factory=dict)
    cells: list[tuple[str, str | None, Any]] = field(default_factory=list)
    spread: tuple[pl.Series, pl.Series, pl.Series, pl.Series, str,
                  Callable[[Any], Any]] | None = None


# Per column (and the engine's type of its values): what `_distinct_plan` rendered. Columns
# whose text depends on the time are rendered afresh for each page.
_KNOWN: dict[tuple[int, str], _Known] = {}
# `_KNOWN` and `_RENDERED` are read and written by one thread at a time.
_CACHES_LOCK = threading.Lock()
_KNOWN_LIMIT = 4096  # distinct values a column keeps; past that it starts again


def _known(column: Column, dtype: Any, present: list[Any], now: datetime) -> _Known:
    key = (id(column), str(dtype))
    known = _KNOWN.get(key)
    if known is None or known.column is not column or column.shows_time_passing \
            or len(known.values) > _KNOWN_LIMIT:
        known = _Known(column)
        if not column.shows_time_passing:
            _KNOWN[key] = known
    new = [value for value in present if value not in known.index]
    if new:
        for value in new:
            known.index[value] = len(known.values)
            known.values.append(value)
            known.cells.append(_rendered(column, value, now))
        known.spread = None
    return known


def _spread(known: _Known, missing: tuple[str, str | None, Any], dtype: Any) -> bool:
    """Build `known.spread`; False when a value's mark or sort key has no place in the
    engine."""
    import polars as pl

    codes = _codes([cell[1] for cell in known.cells])
    sort_type = _sort_type([*(cell[2] for cell in known.cells), missing[2]])
    if codes is None or sort_type is None:
        return False
    kind, sort_dtype, encode = sort_type
    known.spread = (pl.Series(known.values, dtype=dtype),
                    pl.Series([cell[0] for cell in known.cells], dtype=pl.String),
                    pl.Series(codes, dtype=pl.UInt8),
                    pl.Series([encode(cell[2]) for cell in known.cells], dtype=sort_dtype),
                    kind, encode)
    return True


def _distinct_plan(column: Column, values: list[Any], now: datetime, dtype: Any, name: str,
                   ) -> _Plan | None:
    """`Column.render` once per distinct value, spread over the rows (`name`: the column the
    rows' places among the values are computed as, `_Plan.first`)."""
    import polars as pl

    present = [value for value in values if value is not None]
    missing = _rendered(column, None, now)
    known = _known(column, dtype, present, now) if present else None
    if known is not None and known.spread is None and not _spread(known, missing, dtype):
        # Values of earlier pages may be what the engine cannot hold (a version past 64
        # bits): this page's own, afresh; else the row path.
        _KNOWN.pop((id(column), str(dtype)), None)
        known = _known(column, dtype, present, now)
        if not _spread(known, missing, dtype):
            return None
    missing_code = _codes([missing[1]])
    if missing_code is None:
        return None
    if known is None:
        sort_type = _sort_type([missing[2]])
        if sort_type is None:
            return None
        kind, sort_dtype, encode = sort_type
        sort = pl.lit(encode(missing[2]), sort_dtype)
        if kind in (col.AWARE, col.NAIVE):
            sort = sort.cast(col.dtype_of(kind))
        return _Plan(column, pl.lit(missing[0], pl.String), pl.lit(missing_code[0], pl.UInt8),
                     sort, kind, encode)
    assert known.spread is not None
    old, texts, marks, sorts, kind, encode = known.spread
    try:
        missing_sort = encode(missing[2])
    except TypeError:
        return None

    # Each row's distinct value as its place in `old` (null: not there, a missing value),
    # looked up once; the text, mark and sort key are taken by that place.
    place = pl.col(column.key).replace_strict(
        old, pl.Series(range(len(old)), dtype=pl.UInt32), default=None)

    def spread(new: pl.Series, fill: Any) -> pl.Expr:
        return pl.lit(new).gather(pl.col(name)).fill_null(pl.lit(fill, new.dtype))

    sort = spread(sorts, missing_sort)
    if kind in (col.AWARE, col.NAIVE):
        sort = sort.cast(col.dtype_of(kind))
    return _Plan(column, spread(texts, missing[0]), spread(marks, missing_code[0]), sort, kind,
                 encode, first=place)


def _sort_type(values: Sequence[Any]) -> tuple[str, Any, Callable[[Any], Any]] | None:
    """The row engine's kind of these sort keys, the series type that holds them and how a
    key becomes a value of it; None for keys the engine would keep as Python objects."""
    import polars as pl

    types = {type(value) for value in values if value is not None}
    if not types:
        return col.NONE, pl.Null, lambda value: None
    if len(types) > 1:
        return None
    (kind_type,) = types
    present = [value for value in values if value is not None]
    if kind_type is str:
        return col.TEXT, pl.String, _as_text
    if kind_type is bool:
        return col.BOOL, pl.Boolean, lambda value: value
    if kind_type is float and not any(value != value for value in present):
        return col.FLOAT, pl.Float64, lambda value: value
    if kind_type is tuple and all(col._encode_version(value) is not None for value in present):
        return col.VERSION, pl.String, col._encode_version
    if kind_type is datetime:
        aware = {value.utcoffset() is not None for value in present}
        if aware == {True}:
            return col.AWARE, pl.Int64, _aware_micros
        if aware == {False}:
            return col.NAIVE, pl.Int64, lambda value: (
                None if value is None else (value - _EPOCH_NAIVE) // _MICROSECOND)
    return None


_EPOCH_NAIVE = _EPOCH.replace(tzinfo=None)


def _as_text(value: Any) -> str | None:
    if value is not None and type(value) is not str:
        raise TypeError("not a text sort key")
    return value


def _aware_micros(value: Any) -> int | None:
    if value is None:
        return None
    if type(value) is not datetime or value.utcoffset() is None:
        raise TypeError("not an aware datetime")
    return int((value - _EPOCH) // _MICROSECOND)


def _text_plan(column: Column, first: str) -> _Plan:
    """A text column of many values: printable ASCII stripped of spaces in the engine (its own
    `clean`), the rest through `render`; a blank value is the missing cell."""
    import polars as pl

    raw = pl.col(column.key)
    plain = raw.str.contains(_PRINTABLE_ASCII).fill_null(False)
    stripped = pl.col(first)
    shown = (stripped != "").fill_null(False)
    return _Plan(
        column,
        pl.when(shown).then(stripped).otherwise(pl.lit(MISSING)),
        pl.when(shown).then(pl.lit(0, pl.UInt8)).otherwise(pl.lit(_MARK_CODES[MUTED],
                                                                   pl.UInt8)),
        pl.when(shown).then(stripped.str.to_lowercase()).otherwise(pl.lit(None, pl.String)),
        col.TEXT, _as_text, raw.is_not_null() & ~plain,
        pl.when(plain).then(raw.str.strip_chars(" ")).otherwise(pl.lit(None, pl.String)))


def _age_plan(column: Column, now: datetime, first: str) -> _Plan:
    """A time shown relative to `now` ("3h ago", "45d ago (stale)"), of many values: Graph's
    whole-second UTC stamps in the engine with `relative_time`'s and `age_in_days`' arithmetic
    on whole microseconds, the rest through `render` (other forms, 0001-01-01 "never")."""
    import polars as pl

    raw = pl.col(column.key)
    stamps = raw.str.strptime(pl.Datetime("us", "UTC"), col.STAMP_FORMAT, strict=False)
    # The exact form (and a real date: strptime gives null for 02-30) is what
    # `parse_datetime` reads as this instant; years 0 and 1 are not times to it ("never").
    fast = (raw.str.contains(_STAMP_FORM) & (stamps.dt.year() > 1)).fill_null(False)
    micros = pl.col(first)
    shown = micros.is_not_null()
    delta = pl.lit((now - _EPOCH) // _MICROSECOND, pl.Int64) - micros
    size = delta.abs()
    amount = (pl.when(size < _HOUR_US).then(size // _MINUTE_US)
              .when(size < _DAY_US).then(size // _HOUR_US)
              .when(size < _DAY_US * 365 * 2).then(size // _DAY_US)
              .otherwise(size // (_DAY_US * 365)))
    unit = (pl.when(size < _HOUR_US).then(pl.lit("m")).when(size < _DAY_US).then(pl.lit("h"))
            .when(size < _DAY_US * 365 * 2).then(pl.lit("d")).otherwise(pl.lit("y")))
    stale = pl.lit(False)
    if column.stale_after_days is not None:
        stale = ((delta.cast(pl.Float64) / float(_DAY_US)) >= column.stale_after_days) \
            .fill_null(False)
    tail = pl.when(stale).then(pl.lit(" (stale)")).otherwise(pl.lit(""))
    words = (pl.when(size < _MINUTE_US).then(pl.concat_str([pl.lit("just now"), tail]))
             .when(delta < 0).then(pl.concat_str([pl.lit("in "), amount.cast(pl.String),
                                                  unit, tail]))
             .otherwise(pl.concat_str([amount.cast(pl.String), unit, pl.lit(" ago"), tail])))
    return _Plan(
        column,
        pl.when(shown).then(words).otherwise(pl.lit(MISSING)),
        pl.when(~shown).then(pl.lit(_MARK_CODES[MUTED], pl.UInt8))
        .when(stale).then(pl.lit(_MARK_CODES[BAD], pl.UInt8)).otherwise(pl.lit(0, pl.UInt8)),
        micros.cast(col.dtype_of(col.AWARE)),
        col.AWARE, _aware_micros, raw.is_not_null() & ~fast,
        pl.when(fast).then(stamps.dt.epoch("us")).otherwise(pl.lit(None, pl.Int64)))


def _cells(items: pl.DataFrame, plans: list[_Plan], now: datetime) -> pl.DataFrame | None:
    """Every column's text `t<i>`, mark code `m<i>` and sort key `s<i>` (one query), with the
    rows the engine left to `Column.render` rendered by it."""

    exprs: list[pl.Expr] = []
    for index, plan in enumerate(plans):
        exprs += [plan.text.alias(f"t{index}"), plan.mark.alias(f"m{index}"),
                  plan.sort.alias(f"s{index}")]
    others = {index: plan.other for index, plan in enumerate(plans) if plan.other is not None}
    if not exprs:
        return None
    firsts = [plan.first.alias(f"_x{index}") for index, plan in enumerate(plans)
              if plan.first is not None]
    # Eager queries: the lazy optimiser's passes cost ~10 ms a page here.
    source = items.with_columns(firsts) if firsts else items
    frame = source.select(*exprs, *(other.alias(f"o{index}") for index, other in others.items()))
    if not others:
        return frame
    masks = {index: frame.get_column(f"o{index}") for index in others}
    frame = frame.drop(f"o{index}" for index in others)
    updates: list[pl.Series] = []
    for index, mask in masks.items():
        if not mask.any():
            continue
        rows = mask.to_numpy().nonzero()[0].tolist()
        plan = plans[index]
        # Only those rows' values as Python objects (a batch of pages is ~16,000 rows).
        values = items.get_column(plan.column.key).gather(rows).to_list()
        rendered = [_cached_render(plan.column, value, now) for value in values]
        codes = _codes([cell[1] for cell in rendered])
        try:
            keys = [plan.encode(cell[2]) for cell in rendered]
        except TypeError:
            return None
        if codes is None:
            return None
        text, mark, sort = (frame.get_column(f"{part}{index}").clone() for part in "tms")
        text.scatter(rows, [cell[0] for cell in rendered])
        mark.scatter(rows, codes)
        if plan.sort_kind == col.AWARE:
            sort = sort.dt.epoch("us").scatter(rows, keys).cast(col.dtype_of(col.AWARE))
        else:
            sort.scatter(rows, keys)
        updates += [text, mark, sort]
    return frame.with_columns(updates) if updates else frame


# Values the engine leaves to `render` in columns that do not show the time: the same odd
# names ("Anna’s iPhone") come again on many pages.
_RENDERED: dict[tuple[int, Any], tuple[Column, tuple[str, str | None, Any]]] = {}
_RENDERED_LIMIT = 65536


def _cached_render(column: Column, value: Any, now: datetime) -> tuple[str, str | None, Any]:
    if column.shows_time_passing:
        return _rendered(column, value, now)
    key = (id(column), value)
    found = _RENDERED.get(key)
    if found is not None and found[0] is column:
        return found[1]
    cell = _rendered(column, value, now)
    if len(_RENDERED) >= _RENDERED_LIMIT:
        _RENDERED.clear()
    _RENDERED[key] = (column, cell)
    return cell


# ------------------------------------------------------------------ assembling the frame


def _assemble(resource: Resource, items: pl.DataFrame, plans: list[_Plan],
              cells: pl.DataFrame) -> col.ColumnPage | None:
    """The frame `encode_page` makes of the rows, with the same kinds, aliases and
    exceptions (`table.columns`: the store then treats the page as one encoded from rows)."""
    import polars as pl

    length = items.height
    count = len(plans)
    pattern = tuple(items.columns)
    strings = [prop for prop in pattern if items.schema[prop] == pl.String]
    whole = pl.concat([cells, items.rename({prop: col.item_name(prop) for prop in pattern})],
                      how="horizontal").with_columns(
        items.get_column(resource.id_field).alias(col.KEY))
    code = pl.sum_horizontal(pl.col(f"m{index}").cast(pl.Int64) * (8 ** index)
                             for index in range(count))
    # Distinct values (a hash of every value: most of this query's time) only where they
    # decide something; those of sort keys and items that take an alias are not needed.
    stats = whole.select(
        *(pl.col(f"t{index}").n_unique().alias(f"ut{index}") for index in range(count)),
        *(pl.col(f"s{index}").null_count().alias(f"ns{index}") for index in range(count)),
        *(pl.col(col.item_name(prop)).null_count().alias(f"n:{prop}") for prop in pattern),
        *(_first_text(col.item_name(prop)).alias(f"f:{prop}") for prop in strings),
        code.unique().sort().implode().alias("codes"),
        _all_guids(pl.col(col.KEY)).alias("key_guids"),
    ).row(0, named=True)
    kinds: dict[str, str] = {}
    for index in range(count):
        kinds[col.cell_name(index)] = col.CATEGORY \
            if stats[f"ut{index}"] * col.CATEGORY_SHARE <= length else col.TEXT
    exceptions: dict[str, dict[int, Any]] = {}
    own_sorts: dict[int, str] = {}
    text_sorts = [index for index, plan in enumerate(plans)
                  if plan.sort_kind == col.TEXT and stats[f"ns{index}"] < length]
    aliases = _aliases(whole, length, kinds, text_sorts, strings)
    distinct = [
        *(pl.col(f"s{index}").n_unique().alias(f"us{index}") for index in text_sorts
          if col.sort_name(index) not in aliases),
        *(pl.col(col.item_name(prop)).n_unique().alias(f"u:{prop}") for prop in strings
          if col.item_name(prop) not in aliases and stats[f"n:{prop}"] < length)]
    if distinct:
        stats.update(whole.select(distinct).row(0, named=True))
    for index, plan in enumerate(plans):
        name = col.sort_name(index)
        if _took_alias(name, aliases, kinds, exceptions):
            continue
        kind = plan.sort_kind
        if stats[f"ns{index}"] == length:
            kind = col.NONE  # `kind_of`: no key at all
        elif kind == col.TEXT and stats[f"us{index}"] * col.CATEGORY_SHARE <= length:
            kind = col.CATEGORY
        kinds[name] = own_sorts[index] = kind
    own_items: dict[str, str] = {}
    for prop in pattern:
        name = col.item_name(prop)
        if _took_alias(name, aliases, kinds, exceptions):
            continue
        item_kind = _item_kind(items.schema[prop], stats.get(f"u:{prop}", 0), stats[f"n:{prop}"],
                               stats.get(f"f:{prop}"), length)
        if item_kind is None:
            return None
        kinds[name] = own_items[prop] = item_kind
    key_guids = bool(stats["key_guids"])
    kinds[col.KEY] = col.GUID if key_guids else col.TEXT
    checks = _text_checks(own_items)
    codes: list[int] = stats["codes"]
    marks = [tuple(_MARK_OF_CODE[(value // 8 ** index) % 8] for index in range(count))
             for value in codes]
    # The search text before lower case, once (each use in one query would make it again).
    whole = whole.with_columns(_joined(resource, count).alias("_joined"))
    joined = pl.col("_joined")
    frame = whole.select(
        _guid_numbers(pl.col(col.KEY)).alias(col.KEY) if key_guids else pl.col(col.KEY),
        joined.str.to_lowercase().alias(col.SEARCH),
        pl.lit(count, pl.UInt16).alias(col.CELL_COUNT),
        (code.rank("dense").cast(pl.UInt32) - 1).alias(col.MARKS),
        *(pl.col(f"t{index}").cast(col.dtype_of(kinds[col.cell_name(index)]))
          .alias(col.cell_name(index)) for index in range(count)),
        *(pl.col(f"s{index}").cast(col.dtype_of(kind)).alias(col.sort_name(index))
          for index, kind in own_sorts.items()),
        pl.lit(0, pl.UInt32).alias(col.ITEM_KEYS),
        *(_item_expr(prop, kind) for prop, kind in own_items.items()),
        (joined.str.len_bytes() != joined.str.len_chars()).fill_null(False).alias("_wide"),
        joined,
        *(check.alias(f"_ok:{prop}") for prop, check in checks.items()),
    )
    for prop in checks:
        if not frame.item(0, f"_ok:{prop}"):  # not every value of that form: text
            name = col.item_name(prop)
            kinds[name] = col.TEXT
            frame = frame.with_columns(whole.get_column(name))
    frame = _lower_wide(frame.drop(f"_ok:{prop}" for prop in checks))
    return col.narrow_categories(col.ColumnPage(frame, {}, kinds, marks, [pattern], Row, True,
                                                length, exceptions, count))


def _joined(resource: Resource, count: int) -> pl.Expr:
    """`to_row`'s search text before lower case: the searchable cells that are not missing,
    joined by tabs."""
    import polars as pl

    parts = [pl.when(pl.col(f"s{index}").is_not_null()).then(pl.col(f"t{index}"))
             .otherwise(pl.lit(None, pl.String))
             for index, column in enumerate(resource.columns[:count]) if column.searchable]
    if not parts:
        return pl.lit("", pl.String)
    return pl.concat_str(parts, separator="\t", ignore_nulls=True)


def _lower_wide(frame: pl.DataFrame) -> pl.DataFrame:
    """Search text in Python's lower case where a non-ASCII character changes in lower case
    (the engine's may differ there). `_wide`: the rows with a non-ASCII character, the only
    ones the (slow) test of `_CASED_WIDE` is run on."""
    wide = frame.get_column("_wide")
    if wide.any():
        texts = frame.get_column("_joined").filter(wide)
        cased = texts.str.contains(_CASED_WIDE).fill_null(False)
        if cased.any():
            rows = wide.to_numpy().nonzero()[0][cased.to_numpy()].tolist()
            search = frame.get_column(col.SEARCH).clone()
            search.scatter(rows, [text.lower() for text in texts.filter(cased).to_list()])
            frame = frame.with_columns(search)
    return frame.drop("_wide", "_joined")


def _took_alias(name: str, aliases: dict[str, tuple[str, dict[int, Any]]],
                kinds: dict[str, str], exceptions: dict[str, dict[int, Any]]) -> bool:
    """Whether column `name` is an alias of another (`_aliases`): then its kind, and the rows
    where it differs, are recorded."""
    found = aliases.get(name)
    if found is None:
        return False
    kinds[name] = found[0]
    if found[1]:
        exceptions[name] = found[1]
    return True


def _aliases(whole: pl.DataFrame, length: int, kinds: dict[str, str], text_sorts: list[int],
             strings: list[str]) -> dict[str, tuple[str, dict[int, Any]]]:
    """`columns._alias_for` for the text sort keys (the cell, then the cell in the engine's
    lower case) and the text item properties (the key, then each cell): the first candidate
    they equal but for at most an eighth of the rows, judged first on the first 16 rows."""
    import polars as pl

    count = len(kinds)
    lowered = {index: f"l{index}" for index in text_sorts
               if kinds[col.cell_name(index)] == col.TEXT}
    # (the alias's kind, the column judged, the column it may be the same as)
    pairs: dict[str, list[tuple[str, str, str]]] = {}
    for index in text_sorts:
        pairs[col.sort_name(index)] = [(col.ALIAS + col.cell_name(index), f"s{index}",
                                        f"t{index}")]
        if index in lowered:
            pairs[col.sort_name(index)].append((col.LOWER + col.cell_name(index), f"s{index}",
                                                lowered[index]))
    for prop in strings:
        name = col.item_name(prop)
        pairs[name] = [(col.ALIAS + col.KEY, name, col.KEY)] + [
            (col.ALIAS + col.cell_name(index), name, f"t{index}") for index in range(count)]
    if not pairs:
        return {}
    lower = [pl.col(f"t{index}").str.to_lowercase().alias(name)
             for index, name in lowered.items()]
    names = list(dict.fromkeys(name for choices in pairs.values() for _, values, other in choices
                               for name in (values, other) if name not in lowered.values()))
    head = whole.head(16).select(*names, *lower).to_dict(as_series=False)
    head_size = min(16, length)
    likely = [(name, number) for name, choices in pairs.items()
              for number, (_, values, other) in enumerate(choices)
              if sum(map(_equal, head[values], head[other])) * 4 >= head_size * 3]
    if not likely:
        return {}
    if lower:
        whole = whole.with_columns(lower)

    def differs(name: str, number: int) -> pl.Expr:
        _, values, other = pairs[name][number]
        return (pl.col(values) != pl.col(other)).fill_null(True)

    # One query: how many rows differ for each likely pair, and which (few, as a rule).
    found_rows = whole.select(
        *(pl.arg_where(differs(name, number)).implode().alias(f"r{name}|{number}")
          for name, number in likely),
        *(pl.col(pairs[name][number][1]).filter(differs(name, number)).implode()
          .alias(f"v{name}|{number}") for name, number in likely)).row(0, named=True)
    limit = length // 8
    found: dict[str, tuple[str, dict[int, Any]]] = {}
    for name, number in likely:
        rows = found_rows[f"r{name}|{number}"]
        if name not in found and len(rows) <= limit:
            values = found_rows[f"v{name}|{number}"]
            found[name] = (pairs[name][number][0], dict(zip(rows, values, strict=True)))
    return found


def _equal(first: Any, second: Any) -> bool:
    return first is not None and first == second


def _item_kind(dtype: Any, distinct: int, nulls: int, first: str | None,
               length: int) -> str | None:
    """An item property's kind as `columns._add_column` decides it (GUID and STAMP still to
    be checked over the column: `_checked_texts`); None for a type the page path refuses."""
    import polars as pl

    if nulls == length:
        return col.NONE
    if dtype == pl.Boolean:
        return col.BOOL
    if dtype != pl.String:
        return None
    if distinct * col.CATEGORY_SHARE <= length:
        return col.CATEGORY
    if first is not None and col._STAMP_TEXT.fullmatch(first):
        return col.STAMP
    if first is not None and col._GUID_TEXT.fullmatch(first):
        # `columns.narrow_text`: Graph's GUID properties are never null, and a column of
        # GUIDs without a null may hold blanks too (a userless device's userId is "").
        return col.BLANK_GUID if not nulls else col.GUID
    return col.TEXT


def _first_text(name: str) -> pl.Expr:
    """The first value that is neither null nor blank (`narrow_text` judges the form by it)."""
    import polars as pl

    raw = pl.col(name)
    return raw.filter(raw.is_not_null() & (raw != "")).first()


def _all_guids(raw: pl.Expr) -> pl.Expr:
    """Every value is a lower-case GUID (nulls pass)."""
    return raw.str.contains(f"^{col._GUID_TEXT.pattern}$").fill_null(True).all()


def _guid_numbers(raw: pl.Expr) -> pl.Expr:
    """GUID text as the 16-byte numbers the store holds (blank: null, as `_blank_guid_int`)."""
    import polars as pl

    return raw.str.replace_all("-", "", literal=True).str.to_integer(
        base=16, dtype=pl.UInt128, strict=False)


def _text_checks(kinds: dict[str, str]) -> dict[str, pl.Expr]:
    """For the GUID and STAMP item columns, whether every value is of that form
    (`narrow_text` and `series_of`'s checks): a column of another is kept as text."""
    import polars as pl

    checks: dict[str, pl.Expr] = {}
    for prop, kind in kinds.items():
        raw = pl.col(col.item_name(prop))
        if kind == col.GUID:
            checks[prop] = _all_guids(raw)
        elif kind == col.BLANK_GUID:
            checks[prop] = _all_guids(pl.when(raw == "").then(None).otherwise(raw))
        elif kind == col.STAMP:
            # `series_of` writes the parsed time back as text and compares. The same, without
            # writing (most of this query's time): each text is in the form's exact digits and
            # parses (a date the calendar lacks does not), so it is the one the time writes.
            # Seconds stop at 59: chrono reads 60 as a leap second, which the engine's
            # microseconds hold as the next minute (written back differently).
            stamps = raw.str.strptime(col.dtype_of(col.STAMP), col.STAMP_FORMAT, strict=False)
            checks[prop] = ((stamps.null_count() == raw.null_count())
                            & raw.str.contains(_STAMP_FORM).fill_null(True).all())
    return checks


def _item_expr(prop: str, kind: str) -> pl.Expr:
    import polars as pl

    name = col.item_name(prop)
    raw = pl.col(name)
    if kind in (col.GUID, col.BLANK_GUID):
        return _guid_numbers(raw).alias(name)
    if kind == col.STAMP:
        return raw.str.strptime(col.dtype_of(col.STAMP), col.STAMP_FORMAT,
                                strict=False).alias(name)
    if kind == col.NONE:
        return pl.lit(None, pl.Null).alias(name)
    return raw.cast(col.dtype_of(kind)).alias(name)
