"""Issue 21: which columnar engine should hold the device table's rows? Side by side in one run.

    .venv/bin/python tests/perf/bench_row_engines.py                         # 100,000 rows
    .venv/bin/python tests/perf/bench_row_engines.py --rows 100000 1000000 --base 20000

Engines (each in its own subprocess, so one's memory does not leak into the next):
- python: today's rows, `intune.resources.Row` objects (cells, sort keys, search text, marks and
  the Graph `item` dict) in a list, filtered the way the table does today (flat lists of search
  text and sort keys, tested in C through `map`), sorted with `sort_rows`.
- numpy: one array per column: variable-width `StringDType` for high-cardinality text, small
  integer codes + a Python list of values for low-cardinality text, int64 microseconds for times;
  boolean masks for filters, stable `argsort` for sorts.
- pyarrow: one RecordBatch per page (dictionary-encoded low-cardinality columns),
  `pyarrow.compute` (`match_substring`, `is_in`, `sort_indices`).
- polars: a DataFrame grown with `vstack`, rechunked once loaded; expressions
  (`str.contains(literal=True)`, `is_in`, `arg_sort_by(..., maintain_order=True)`).

Rows: `build_tenant(devices=base)` + `RESOURCES["devices"].to_row` give `base` real rows; beyond
that, copy k of base row j is the same row with its id, device name and serial suffixed with k
(cells, sort keys and search text rebuilt the way `to_row` builds them, a fresh `item` dict).
Rows arrive in 1,000-row pages, as the Graph worker delivers them; every engine starts from the
same page of `Row`s, so the per-row `to_row` cost (common to all) is not in "append".

What is measured (wall clock, median of `--repeat` runs unless said otherwise):
- rss: process resident memory after loading minus before (all columns the table needs to draw,
  sort and search; python also holds each row's Graph dict, as today).
- append: total time of the 1,000-row pages, and p95/max of one page; "finish" is what the
  engine does once the list is complete (polars rechunk, arrow combine_chunks).
- filter: one evaluation of a query over every row, the result the same set of row indexes as
  `SearchQuery.matches_all` on the rows (asserted before timing, against the python run).
- sort: the order of every row by a text column (ascending), by last sync (descending) and by
  compliance (a handful of values: ties everywhere), missing values last, ties in arrival order:
  the same order as `sort_rows` (asserted).
- draw: the cells and marks of 40 rows, 500 rows down a filtered and sorted view.
- disk: the columns written to the engine's on-disk format and read back (size, times).
- import: `python -c "import X"` minus `python -c "pass"` in fresh processes, and installed size.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import compress, count, repeat
from operator import contains
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from intune_tui.demo.identity import DEMO_NOW  # noqa: E402
from intune_tui.intune.resources import RESOURCES, Row, sort_rows  # noqa: E402
from intune_tui.intune.search import RowFilter, SearchQuery, parse_query  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "bench_row_engines.json"
PAGE_SIZE = 1_000
ENGINES = ("python", "numpy", "pyarrow", "polars")
QUERIES = ("lt-63", "fernandez", "compliance:noncompliant", "compliance:noncompliant lt-6",
           "synced<7d os:windows")
# Device columns: 0 name, 1 user, 2 OS, 3 OS version, 4 compliance, 5 management, 6 last sync,
# 7 ownership, 8 serial, 9 model.
NCOLS = 10
HIGH = (0, 1, 8)  # text with ~one value per row: StringDType / large_string / String
LOW = (2, 3, 4, 5, 6, 7, 9)  # a few hundred values at most: codes / dictionary / Categorical
TIME_COL = 6
SEARCHABLE = (0, 1, 8, 9)
SORTS = ((0, False), (TIME_COL, True), (4, False))  # name, last sync, compliance (ties)
VISIBLE = 40
VIEW_START = 500
VIEW_QUERY = "compliance:noncompliant"
VIEW_SORT = (0, False)
NOW = DEMO_NOW  # the demo tenant's clock: ages and "synced<7d" count from it


# ---------------------------------------------------------------------------------------------
# Rows


def base_rows(count_: int) -> list[Row]:
    from intune_tui.demo.tenant import build_tenant

    tenant = build_tenant(devices=count_)
    resource = RESOURCES["devices"]
    only = frozenset(resource.select)
    rows = []
    for index in tenant.devices.live_indices():
        item = tenant.devices.to_json(index, beta=False, only=only)
        rows.append(resource.to_row({k: item.get(k) for k in resource.select}, tenant.now))
    return rows


def copy_row(row: Row, k: int) -> Row:
    """Row `row` as device copy k: its id, name and serial suffixed, everything else equal."""
    suffix = f"{k:02d}"
    cells = list(row.cells)
    keys = list(row.sort_keys)
    for column in (0, 8):
        if keys[column] is not None:
            cells[column] = cells[column] + suffix
            keys[column] = cells[column].casefold()
    search = "\t".join(cells[c] for c in SEARCHABLE if keys[c] is not None).lower()
    item = dict(row.item, id=f"{row.key}-{k}", deviceName=cells[0], serialNumber=cells[8])
    return Row(f"{row.key}-{k}", tuple(cells), tuple(keys), search, row.marks, item)


def pages(base: list[Row], total: int) -> Iterator[list[Row]]:
    for start in range(0, total, PAGE_SIZE):
        page = []
        for index in range(start, min(start + PAGE_SIZE, total)):
            k, j = divmod(index, len(base))
            page.append(base[j] if k == 0 else copy_row(base[j], k))
        yield page


def version_key(key: tuple[int, ...] | None) -> str | None:
    return None if key is None else ".".join(f"{part:08d}" for part in key)


def micros(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1_000_000)


def transpose(page: list[Row], mark_ids: dict[tuple[str | None, ...], int]
              ) -> dict[str, list[Any]]:
    """A page of rows as lists per column: what every columnar engine ingests."""
    columns: dict[str, list[Any]] = {"key": [row.key for row in page]}
    cells = list(zip(*(row.cells for row in page), strict=True))
    keys = list(zip(*(row.sort_keys for row in page), strict=True))
    for c in range(NCOLS):
        columns[f"c{c}"] = list(cells[c])
    for c in range(NCOLS):
        if c == TIME_COL:
            columns[f"k{c}"] = [micros(v) for v in keys[c]]
        elif c == 3:
            columns[f"k{c}"] = [version_key(v) for v in keys[c]]
        else:
            columns[f"k{c}"] = list(keys[c])
    columns["search"] = [row.search_text for row in page]
    columns["marks"] = [mark_ids.setdefault(row.marks, len(mark_ids)) for row in page]
    return columns


def mark_table(mark_ids: dict[tuple[str | None, ...], int]) -> list[tuple[str | None, ...]]:
    table: list[tuple[str | None, ...]] = [()] * len(mark_ids)
    for marks, index in mark_ids.items():
        table[index] = marks
    return table


def column_tests(query: SearchQuery) -> RowFilter:
    row_filter = query.row_filter(include_server=True)
    assert row_filter.predicate is None, f"{query.text!r} needs a per-row predicate"
    return row_filter


def operand_for(column: int, operand: Any) -> Any:
    if column == TIME_COL:
        return micros(operand)
    if column == 3:
        return frozenset(version_key(v) for v in operand)
    return operand


# ---------------------------------------------------------------------------------------------
# Engines: append(page), finish(), filter(RowFilter) -> indexes, sort(column, descending, within)
# -> indexes, draw(indexes) -> [(cells, marks)], save(path), load(path)


class PythonRows:
    """Today's rows, with the flat lists the table filters over (`table.store`)."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.search: list[str] = []
        self.keys: dict[int, list[Any]] = {c: [] for c in range(NCOLS)}

    def append(self, page: list[Row]) -> None:
        self.rows.extend(page)
        self.search.extend(row.search_text for row in page)
        for c, keys in self.keys.items():
            keys.extend(row.sort_keys[c] for row in page)

    def finish(self) -> None:
        pass

    def filter(self, row_filter: RowFilter) -> list[int]:
        mask: list[bool] | None = None
        for word in row_filter.words:
            hits = list(map(contains, self.search, repeat(word)))
            mask = hits if mask is None else list(map(bool.__and__, mask, hits))
        for test in row_filter.column_tests:
            hits = test.matches_keys(self.keys[test.column])
            mask = hits if mask is None else list(map(bool.__and__, mask, hits))
        assert mask is not None
        return list(compress(count(), mask))

    def sort(self, column: int, descending: bool, within: Sequence[int] | None = None
             ) -> list[int]:
        rows = self.rows if within is None else [self.rows[i] for i in within]
        ordered = sort_rows(rows, column, descending=descending)
        position = {id(row): i for i, row in enumerate(self.rows)}
        return [position[id(row)] for row in ordered]

    def draw(self, indexes: Sequence[int]) -> list[tuple[tuple[str, ...], tuple[Any, ...]]]:
        return [(self.rows[i].cells, self.rows[i].marks) for i in indexes]

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            pickle.dump(self.rows, handle, protocol=5)

    def load(self, path: Path) -> None:
        with path.open("rb") as handle:
            self.rows = pickle.load(handle)


class NumpyColumns:
    def __init__(self) -> None:
        import numpy as np

        self.np = np
        self.strings = np.dtypes.StringDType(na_object=None)
        self.n = 0
        self.capacity = 0
        self.arrays: dict[str, Any] = {}
        self.values: dict[str, list[Any]] = {}  # low-cardinality column -> its values
        self.codes: dict[str, dict[Any, int]] = {}
        self.mark_ids: dict[tuple[str | None, ...], int] = {}

    def _kind(self, name: str) -> str:
        if name in ("key", "search") or name in {f"c{c}" for c in HIGH} | {
                f"k{c}" for c in HIGH}:
            return "string"
        if name == f"k{TIME_COL}":
            return "time"
        return "code"

    def _grow(self, needed: int, names: list[str]) -> None:
        np = self.np
        capacity = max(needed, self.capacity * 2, 1024)
        for name in names:
            kind = self._kind(name)
            if kind == "string":
                fresh = np.empty(capacity, dtype=self.strings)
            elif kind == "time":
                fresh = np.full(capacity, np.iinfo(np.int64).min, dtype=np.int64)
            else:
                fresh = np.zeros(capacity, dtype=np.uint16)
            if name in self.arrays:
                fresh[: self.n] = self.arrays[name][: self.n]
            self.arrays[name] = fresh
        self.capacity = capacity

    def append(self, page: list[Row]) -> None:
        np = self.np
        columns = transpose(page, self.mark_ids)
        end = self.n + len(page)
        if end > self.capacity:
            self._grow(end, list(columns))
        for name, values in columns.items():
            kind = self._kind(name)
            if kind == "time":
                values = [np.iinfo(np.int64).min if v is None else v for v in values]
            elif kind == "code":
                codes = self.codes.setdefault(name, {})
                known = self.values.setdefault(name, [])
                for value in set(values) - codes.keys():
                    codes[value] = len(known)
                    known.append(value)
                values = list(map(codes.__getitem__, values))
            self.arrays[name][self.n:end] = values
        self.n = end

    def finish(self) -> None:
        for name, array in self.arrays.items():
            self.arrays[name] = array[: self.n].copy()
        self.capacity = self.n

    def _test(self, column: int, op: str, operand: Any) -> Any:
        np = self.np
        name = f"k{column}"
        array = self.arrays[name][: self.n]
        operand = operand_for(column, operand)
        if column == TIME_COL:
            present = array != np.iinfo(np.int64).min
            return present & ((array > operand) if op == "after" else (array < operand))
        if self._kind(name) == "string":
            if op == "contains":
                return np.strings.find(array, operand) >= 0
            return np.isin(array, list(operand))
        values = self.values[name]
        if op == "contains":
            wanted = [i for i, v in enumerate(values) if v is not None and operand in v]
        else:
            wanted = [i for i, v in enumerate(values) if v in operand]
        return np.isin(array, np.array(wanted, dtype=np.uint16))

    def filter(self, row_filter: RowFilter) -> Any:
        np = self.np
        mask = None
        search = self.arrays["search"][: self.n]
        for word in row_filter.words:
            hits = np.strings.find(search, word) >= 0
            mask = hits if mask is None else mask & hits
        for test in row_filter.column_tests:
            hits = self._test(test.column, test.op, test.operand)
            mask = hits if mask is None else mask & hits
        return np.flatnonzero(mask)

    def sort(self, column: int, descending: bool, within: Any = None) -> Any:
        np = self.np
        name = f"k{column}"
        array = self.arrays[name][: self.n]
        if self._kind(name) == "code":
            values = self.values[name]
            present_values = sorted(v for v in values if v is not None)
            rank = np.zeros(len(values), dtype=np.int64)
            for i, v in enumerate(values):
                rank[i] = -1 if v is None else present_values.index(v)
            array = rank[array]
            missing_value: Any = -1
        elif self._kind(name) == "time":
            missing_value = np.iinfo(np.int64).min
        else:
            missing_value = None
        rows = np.arange(self.n) if within is None else np.asarray(within)
        keys = array[rows]
        missing = (np.equal(keys, None) if missing_value is None
                   else keys == missing_value)
        present_rows = rows[~missing]
        present_keys = keys[~missing]
        if descending:  # stable descending: ties keep arrival order
            order = np.argsort(present_keys[::-1], kind="stable")[::-1]
            order = len(present_keys) - 1 - order
        else:
            order = np.argsort(present_keys, kind="stable")
        return np.concatenate([present_rows[order], rows[missing]])

    def draw(self, indexes: Sequence[int]) -> list[tuple[tuple[str, ...], tuple[Any, ...]]]:
        idx = self.np.asarray(indexes)
        columns = []
        for c in range(NCOLS):
            name = f"c{c}"
            picked = self.arrays[name][idx].tolist()
            if self._kind(name) == "code":
                values = self.values[name]
                picked = [values[i] for i in picked]
            columns.append(picked)
        marks = mark_table(self.mark_ids)
        mark_rows = [marks[i] for i in self.arrays["marks"][idx].tolist()]
        return list(zip(zip(*columns, strict=True), mark_rows, strict=True))

    def save(self, path: Path) -> None:
        with path.open("wb") as handle:
            pickle.dump((self.arrays, self.values, self.mark_ids), handle, protocol=5)

    def load(self, path: Path) -> None:
        with path.open("rb") as handle:
            self.arrays, self.values, self.mark_ids = pickle.load(handle)


class ArrowColumns:
    def __init__(self) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        self.pa = pa
        self.pc = pc
        fields = [pa.field("key", pa.large_string())]
        for prefix in ("c", "k"):
            for c in range(NCOLS):
                if prefix == "k" and c == TIME_COL:
                    kind = pa.int64()
                elif c in HIGH:
                    kind = pa.large_string()
                else:
                    kind = pa.dictionary(pa.int32(), pa.string())
                fields.append(pa.field(f"{prefix}{c}", kind))
        fields += [pa.field("search", pa.large_string()), pa.field("marks", pa.uint16())]
        self.schema = pa.schema(fields)
        self.batches: list[Any] = []
        self.table: Any = None
        self.mark_ids: dict[tuple[str | None, ...], int] = {}

    def append(self, page: list[Row]) -> None:
        self.batches.append(
            self.pa.RecordBatch.from_pydict(transpose(page, self.mark_ids), schema=self.schema))

    def finish(self) -> None:
        self.table = self.pa.Table.from_batches(self.batches, self.schema).combine_chunks()
        self.batches = []

    def _test(self, column: int, op: str, operand: Any) -> Any:
        pc = self.pc
        array = self.table[f"k{column}"]
        operand = operand_for(column, operand)
        if column == TIME_COL:
            return (pc.greater if op == "after" else pc.less)(array, operand)
        if op == "contains":
            return pc.match_substring(array, operand)
        return pc.is_in(array, value_set=self.pa.array(sorted(operand), self.pa.string()))

    def filter(self, row_filter: RowFilter) -> Any:
        pc = self.pc
        mask = None
        for word in row_filter.words:
            hits = pc.match_substring(self.table["search"], word)
            mask = hits if mask is None else pc.and_(mask, hits)
        for test in row_filter.column_tests:
            hits = self._test(test.column, test.op, test.operand)
            mask = hits if mask is None else pc.and_(mask, hits)
        return pc.indices_nonzero(pc.fill_null(mask, False)).to_numpy()

    def sort(self, column: int, descending: bool, within: Any = None) -> Any:
        pc = self.pc
        array = self.table[f"k{column}"]
        if self.pa.types.is_dictionary(array.type):
            # sort_indices has no kernel for dictionaries: sort the values' ranks instead.
            chunk = array.combine_chunks()
            ranks = pc.rank(chunk.dictionary, sort_keys="ascending", tiebreaker="dense")
            array = pc.take(ranks, chunk.indices)
        if within is not None:
            order = pc.array_sort_indices(array.take(within),
                                          order="descending" if descending else "ascending",
                                          null_placement="at_end")
            return self.pa.array(within).take(order).to_numpy()
        return pc.array_sort_indices(array, order="descending" if descending else "ascending",
                                     null_placement="at_end").to_numpy()

    def draw(self, indexes: Sequence[int]) -> list[tuple[tuple[str, ...], tuple[Any, ...]]]:
        picked = self.table.select([f"c{c}" for c in range(NCOLS)] + ["marks"]).take(indexes)
        columns = [picked.column(c).to_pylist() for c in range(NCOLS)]
        marks = mark_table(self.mark_ids)
        mark_rows = [marks[i] for i in picked.column(NCOLS).to_pylist()]
        return list(zip(zip(*columns, strict=True), mark_rows, strict=True))

    def save(self, path: Path) -> None:
        import pyarrow.feather as feather

        feather.write_feather(self.table, str(path), compression="zstd")

    def load(self, path: Path) -> None:
        import pyarrow.feather as feather

        self.table = feather.read_table(str(path), memory_map=False)


class PolarsColumns:
    def __init__(self) -> None:
        import polars as pl

        self.pl = pl
        schema: dict[str, Any] = {"key": pl.String}
        for prefix in ("c", "k"):
            for c in range(NCOLS):
                if prefix == "k" and c == TIME_COL:
                    schema[f"{prefix}{c}"] = pl.Int64
                elif c in HIGH:
                    schema[f"{prefix}{c}"] = pl.String
                else:
                    schema[f"{prefix}{c}"] = pl.Categorical
        schema |= {"search": pl.String, "marks": pl.UInt16}
        self.schema = schema
        self.df: Any = None
        self.mark_ids: dict[tuple[str | None, ...], int] = {}

    def append(self, page: list[Row]) -> None:
        frame = self.pl.DataFrame(transpose(page, self.mark_ids), schema=self.schema)
        if self.df is None:
            self.df = frame
        else:
            self.df.vstack(frame, in_place=True)

    def finish(self) -> None:
        self.df = self.df.rechunk()

    def _test(self, column: int, op: str, operand: Any) -> Any:
        pl = self.pl
        expr = pl.col(f"k{column}")
        operand = operand_for(column, operand)
        if column == TIME_COL:
            return expr > operand if op == "after" else expr < operand
        if op == "contains":
            return expr.cast(pl.String).str.contains(operand, literal=True)
        return expr.is_in(sorted(operand))  # on the categories, not on strings cast per row

    def filter(self, row_filter: RowFilter) -> Any:
        pl = self.pl
        parts = [pl.col("search").str.contains(word, literal=True) for word in row_filter.words]
        parts += [self._test(t.column, t.op, t.operand) for t in row_filter.column_tests]
        return self.df.select(pl.arg_where(pl.all_horizontal(parts).fill_null(False))
                              ).to_series().to_numpy()

    def sort(self, column: int, descending: bool, within: Any = None) -> Any:
        pl = self.pl
        name = f"k{column}"
        key = pl.col(name)  # a Categorical sorts by its values (lexical), no cast needed
        if within is None:
            return self.df.select(pl.arg_sort_by(key, descending=descending, nulls_last=True,
                                                 maintain_order=True)).to_series().to_numpy()
        rows = pl.Series("row", within, dtype=pl.UInt32)
        sub = self.df.select(key)[rows].with_columns(rows)
        return sub.sort(name, descending=descending, nulls_last=True, maintain_order=True
                        )["row"].to_numpy()

    def draw(self, indexes: Sequence[int]) -> list[tuple[tuple[str, ...], tuple[Any, ...]]]:
        picked = self.df.select([f"c{c}" for c in range(NCOLS)] + ["marks"])[list(indexes)]
        marks = mark_table(self.mark_ids)
        return [(row[:NCOLS], marks[row[NCOLS]]) for row in picked.iter_rows()]

    def save(self, path: Path) -> None:
        self.df.write_ipc(path, compression="zstd")

    def load(self, path: Path) -> None:
        self.df = self.pl.read_ipc(path)


ENGINE_CLASSES: dict[str, Callable[[], Any]] = {
    "python": PythonRows, "numpy": NumpyColumns, "pyarrow": ArrowColumns,
    "polars": PolarsColumns,
}


# ---------------------------------------------------------------------------------------------
# One engine in one process


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def timed(action: Callable[[], Any], repeat_: int) -> tuple[float, Any]:
    """Median milliseconds of `repeat_` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat_):
        start = time.perf_counter()
        result = action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_engine(name: str, total: int, base_count: int, expected_path: Path, repeat_: int
               ) -> dict[str, Any]:
    base = base_rows(base_count)
    engine = ENGINE_CLASSES[name]()  # imports the engine
    queries = {text: parse_query(text, "devices", now=NOW) for text in QUERIES}
    gc.collect()
    before = rss_mib()
    page_ms: list[float] = []
    for page in pages(base, total):
        start = time.perf_counter()
        engine.append(page)
        page_ms.append((time.perf_counter() - start) * 1000)
    finish_ms, _ = timed(engine.finish, 1)
    del page
    gc.collect()
    out: dict[str, Any] = {
        "engine": name, "rows": total, "rss_mib": rss_mib() - before,
        "append_total_s": sum(page_ms) / 1000, "append_p95_ms": percentile(page_ms, 0.95),
        "append_max_ms": max(page_ms), "finish_ms": finish_ms,
    }
    results: dict[str, Any] = {}
    for text, query in queries.items():
        assert isinstance(query, SearchQuery), query
        row_filter = column_tests(query)
        results[f"filter {text}"] = [int(i) for i in engine.filter(row_filter)]
    for column, descending in SORTS:
        results[f"sort {column}"] = [int(i) for i in engine.sort(column, descending)]
    view_query = queries[VIEW_QUERY]
    assert isinstance(view_query, SearchQuery)

    def draw() -> Any:
        shown = engine.filter(column_tests(view_query))
        view = engine.sort(*VIEW_SORT, within=shown)
        return engine.draw(view[VIEW_START:VIEW_START + VISIBLE])

    results["draw"] = [(list(cells), list(marks)) for cells, marks in draw()]
    if name == "python":
        rows = engine.rows
        for text, query in queries.items():  # today's semantics, row by row
            assert isinstance(query, SearchQuery)
            wanted = [i for i, row in enumerate(rows) if query.matches_all(row)]
            assert results[f"filter {text}"] == wanted, text
        with expected_path.open("wb") as handle:
            pickle.dump(results, handle)
    else:
        with expected_path.open("rb") as handle:
            expected = pickle.load(handle)
        for what, value in results.items():
            assert value == expected[what], f"{name}: {what} differs from today's rows"
    out["matches"] = {k: len(v) for k, v in results.items() if k.startswith("filter")}
    del results
    for text, query in queries.items():
        assert isinstance(query, SearchQuery)
        out[f"filter {text}"], _ = timed(lambda q=query: engine.filter(column_tests(q)),
                                         repeat_)
    for column, descending in SORTS:
        out[f"sort {column}"], _ = timed(lambda c=column, d=descending: engine.sort(c, d),
                                         repeat_)
    view = engine.sort(*VIEW_SORT, within=engine.filter(column_tests(view_query)))
    out["draw_ms"], _ = timed(lambda: engine.draw(view[VIEW_START:VIEW_START + VISIBLE]),
                              repeat_)
    out["filter_sort_draw_ms"], _ = timed(draw, repeat_)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot"
        out["save_ms"], _ = timed(lambda: engine.save(path), 1)
        out["disk_mib"] = path.stat().st_size / 2**20
        fresh = ENGINE_CLASSES[name]()
        out["load_ms"], _ = timed(lambda: fresh.load(path), 1)
    return out


# ---------------------------------------------------------------------------------------------
# Import cost and size


DISTRIBUTIONS = {"numpy": ("numpy",), "pyarrow": ("pyarrow",),
                 "polars": ("polars", "polars-runtime-32")}
IMPORTS = {"numpy": "import numpy", "pyarrow": "import pyarrow, pyarrow.compute",
           "polars": "import polars"}


def installed_mib(distributions: Sequence[str]) -> float:
    total = 0
    for dist_name in distributions:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            continue
        for file in dist.files or ():
            located = Path(str(dist.locate_file(file)))
            if located.is_file():
                total += located.stat().st_size
    return total / 2**20


def import_ms(statement: str, repeat_: int) -> float:
    times = []
    for _ in range(repeat_):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


# ---------------------------------------------------------------------------------------------


def table(results: list[dict[str, Any]], imports: dict[str, tuple[float, float]]) -> str:
    metrics = [("rss_mib", "RSS of the rows (MiB)", "{:.0f}"),
               ("append_total_s", "append 1,000-row pages, total (s)", "{:.2f}"),
               ("append_p95_ms", "  one page p95 (ms)", "{:.1f}"),
               ("append_max_ms", "  one page max (ms)", "{:.1f}"),
               ("finish_ms", "  finish (rechunk) (ms)", "{:.0f}")]
    metrics += [(f"filter {q}", f"filter {q!r} (ms)", "{:.1f}") for q in QUERIES]
    metrics += [("sort 0", "sort name asc (ms)", "{:.0f}"),
                (f"sort {TIME_COL}", "sort last sync desc (ms)", "{:.0f}"),
                ("sort 4", "sort compliance asc (ms, ties)", "{:.0f}"),
                ("draw_ms", "draw 40 rows of a view (ms)", "{:.2f}"),
                ("filter_sort_draw_ms", "  filter+sort+draw (ms)", "{:.0f}"),
                ("disk_mib", "on disk (MiB)", "{:.0f}"),
                ("save_ms", "  write (ms)", "{:.0f}"),
                ("load_ms", "  read (ms)", "{:.0f}")]
    lines = []
    for rows in sorted({r["rows"] for r in results}):
        mine = {r["engine"]: r for r in results if r["rows"] == rows}
        names = [e for e in ENGINES if e in mine]
        lines.append(f"\n{rows:,} rows")
        lines.append(f"{'':38}" + "".join(f"{n:>12}" for n in names))
        for key, label, fmt in metrics:
            cells = [fmt.format(mine[n][key]) if key in mine[n] else "-" for n in names]
            lines.append(f"{label:38}" + "".join(f"{c:>12}" for c in cells))
    lines.append("\nimport (ms, fresh process, minus bare python) / installed size (MiB)")
    for name, (ms, mib) in imports.items():
        lines.append(f"  {name:10} {ms:8.0f} ms {mib:8.0f} MiB")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--base", type=int, default=20_000,
                        help="real demo rows; more rows are copies with new ids/names/serials")
    parser.add_argument("--engines", nargs="+", default=list(ENGINES), choices=ENGINES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "ROWS"), help=argparse.SUPPRESS)
    parser.add_argument("--expected", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_engine(args.one[0], int(args.one[1]), args.base, args.expected,
                                    args.repeat)))
        return
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} on {os.cpu_count()} cores; base {args.base:,} real rows")
    engines = ["python"] + [e for e in args.engines if e != "python"]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for rows in args.rows:
            expected = Path(folder) / f"expected-{rows}.pickle"
            for name in engines:
                started = time.perf_counter()
                done = subprocess.run(
                    [sys.executable, __file__, "--one", name, str(rows), "--base",
                     str(args.base), "--expected", str(expected), "--repeat", str(args.repeat)],
                    capture_output=True, text=True, cwd=REPO)
                if done.returncode:
                    print(f"  {name} at {rows:,} FAILED:\n{done.stderr[-2000:]}", flush=True)
                    continue
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"  {name} at {rows:,}: {time.perf_counter() - started:.0f} s wall",
                      flush=True)
    bare = import_ms("pass", 3)
    imports = {name: (import_ms(IMPORTS[name], 3) - bare, installed_mib(DISTRIBUTIONS[name]))
               for name in engines if name in IMPORTS}
    print(table(results, imports))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"load": load, "base": args.base, "results": results,
                                   "imports": imports}, indent=1) + "\n")


if __name__ == "__main__":
    main()
