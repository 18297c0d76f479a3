"""Issue 21: the old pure-Python row store against the columnar one, side by side in one run.

    .venv/bin/python tests/perf/bench_store.py                          # 100,000 rows
    .venv/bin/python tests/perf/bench_store.py --rows 100000 300000 1000000

Each (store, size) runs in its own subprocess, so one's memory does not leak into the next.
Rows are real device rows (`build_tenant` + `RESOURCES["devices"].to_row`, copies of a base of
`--base` devices with id, name and serial suffixed: `bench_row_engines.pages`), delivered in
1,000-row pages. The old store is `tests/table/oracle_store.py` (the store before issue 21).

What is measured (wall clock):
- rss: process resident memory after loading minus before (the page generator's base rows are
  in both); the old store keeps every `Row` (with its Graph dict), the new one only columns.
- append: every 1,000-row page of the load (unsorted, unfiltered: the list as it streams in),
  on the UI thread: total, p95 and max of one page; "merge" is one more page appended under a
  sort and a filter at full size (binary-search merge), median of 5. For the new store the
  pages' columns are built first, as the Graph worker does (`with_columns`), timed apart
  ("worker encode/page"); the first 5,000 rows are Python rows, then moved to columns.
- filter: "laptop-01" typed one key at a time (`set_filter(words=...)`, each keystroke timed:
  median and max), then `compliance:noncompliant` as the search box runs it (a column test).
- sort: by device name, by last sync descending, by compliance (ties everywhere): each the
  first time (nothing cached); then (new store) `prepare_sorts` as the list screen runs it on
  a worker once the list has loaded, and the sorts again, taking the prepared orders;
  then (after more pages came) the filter typed again and again while `prepare_sorts` works
  them out again on a thread, as when a user types right after a long list has loaded, and
  while `dump()` runs on a thread (the snapshot's writer).
- draw: 40 rows read 500 rows down a sorted, filtered view (`row_at`, nothing cached).
- dump/load (new store only): `dump()` bytes, its time, and `RowStore.load` + the first 40 rows
  + a first keystroke (what a warm start does before the first frame).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
for extra in (REPO, REPO / "tests" / "perf", REPO / "tests" / "table"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

RESULTS = Path(__file__).resolve().parent / "results" / "bench_store.json"
TYPED = "laptop-01"
COLUMN_QUERY = "compliance:noncompliant"
NAME, COMPLIANCE, LAST_SYNC = 0, 4, 6


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def timed(action: Callable[[], Any]) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def run(store_name: str, total: int, base_count: int) -> dict[str, Any]:
    import bench_row_engines as engines

    from intune_tui.intune.resources import RESOURCES, Row
    from intune_tui.intune.search import parse_query

    if store_name == "old":
        import oracle_store

        store: Any = oracle_store.RowStore(len(RESOURCES["devices"].columns))
    else:
        from intune_tui.table.columns import encode_page, wait_for_engine
        from intune_tui.table.store import COLUMNS_FROM, RowStore

        store = RowStore(len(RESOURCES["devices"].columns))
        wait_for_engine()  # the preload thread's import, not timed below
    base = engines.base_rows(base_count)
    gc.collect()
    before = rss_mib()
    page_ms: list[float] = []
    encode_ms: list[float] = []
    for page in engines.pages(base, total):
        columns = None
        if store_name == "new" and store.rows_count + len(page) >= COLUMNS_FROM:
            start = time.perf_counter()
            columns = encode_page(page, store.column_count)  # the worker's share
            encode_ms.append((time.perf_counter() - start) * 1000)
        if columns is None:
            page_ms.append(timed(lambda page=page: store.append(page)))
        else:
            page_ms.append(timed(lambda page=page, c=columns: store.append(page, columns=c)))
    del page, columns
    gc.collect()
    result: dict[str, Any] = {"store": store_name, "rows": total}
    result["rss_mib"] = rss_mib() - before
    ordered = sorted(page_ms)
    result["append_total_ms"] = sum(page_ms)
    result["append_p95_ms"] = ordered[int(len(ordered) * 0.95) - 1] if ordered else 0.0
    result["append_max_ms"] = ordered[-1] if ordered else 0.0
    if encode_ms:
        result["encode_median_ms"] = statistics.median(encode_ms)
    keystrokes = [timed(lambda n=n: store.set_filter(words=TYPED[:n].split()))
                  for n in range(1, len(TYPED) + 1)]
    result["filter_median_ms"] = statistics.median(keystrokes)
    result["filter_max_ms"] = max(keystrokes)
    result["filter_clear_ms"] = timed(lambda: store.set_filter())
    row_filter = parse_query(COLUMN_QUERY, "devices").row_filter(include_server=True)
    result["filter_column_ms"] = timed(lambda: store.set_filter(
        row_filter.predicate, words=row_filter.words, key_tests=row_filter.column_tests))
    result["visible_column"] = store.visible_count
    store.set_filter()
    result["sort_name_ms"] = timed(lambda: store.sort_by(NAME))
    result["sort_sync_desc_ms"] = timed(lambda: store.sort_by(LAST_SYNC, True))
    result["sort_compliance_ms"] = timed(lambda: store.sort_by(COMPLIANCE))
    if store_name == "new":  # what the list screen does on a worker once the list has loaded
        store.sort_by(None)
        result["prepare_ms"] = timed(store.prepare_sorts)
        result["rss_prepared_mib"] = rss_mib() - before
        result["sorted_name_ms"] = timed(lambda: store.sort_by(NAME))
        result["sorted_name_desc_ms"] = timed(lambda: store.sort_by(NAME, True))
        result["sorted_sync_desc_ms"] = timed(lambda: store.sort_by(LAST_SYNC, True))
    store.sort_by(NAME)
    store.set_filter(words=["laptop"])
    result["draw_ms"] = timed(lambda: [store.row_at(500 + i) for i in range(40)])
    merges = []
    for k in range(5):
        extra = [engines.copy_row(row, 90 + k) for row in base[:1000]]
        columns = encode_page(extra, store.column_count) if store_name == "new" else None
        merges.append(timed(lambda extra=extra, c=columns: store.append(extra, columns=c)
                            if c is not None else store.append(extra)))
    result["merge_median_ms"] = statistics.median(merges)
    result["rss_end_mib"] = rss_mib() - before
    if store_name == "new":
        store.sort_by(None)
        store.set_filter()
        # The orders are stale (pages came since): prepare_sorts works them all out again.
        result.update(typing_while(store, "prepare", store.prepare_sorts))
        result.update(typing_while(store, "dump", store.dump))
        data = b""

        def dump() -> None:
            nonlocal data
            data = store.dump()

        result["dump_ms"] = timed(dump)
        result["dump_mib"] = len(data) / 2**20
        from intune_tui.table.store import RowStore

        start = time.perf_counter()
        loaded = RowStore.load(data, Row)
        result["load_ms"] = (time.perf_counter() - start) * 1000
        [loaded.row_at(i) for i in range(40)]
        loaded.set_filter(words=["l"])
        result["warm_ms"] = (time.perf_counter() - start) * 1000
    return result


def typing_while(store: Any, name: str, job: Callable[[], object]) -> dict[str, float]:
    """What a keystroke costs while a worker thread runs `job` on `store`'s rows (the list
    screen's sort preparation, the snapshot's dump): the filter typed again and again, 30 ms
    apart, until the worker is done."""
    import threading

    worker = threading.Thread(target=job)
    started = time.perf_counter()
    worker.start()
    keystrokes: list[float] = []
    while worker.is_alive():
        n = len(keystrokes) % len(TYPED) + 1
        keystrokes.append(timed(lambda n=n: store.set_filter(words=TYPED[:n].split())))
        time.sleep(0.03)
    worker.join()
    store.set_filter()
    return {f"{name}_typing_ms": (time.perf_counter() - started) * 1000,
            f"typing_{name}_median_ms": statistics.median(keystrokes or [0.0]),
            f"typing_{name}_max_ms": max(keystrokes or [0.0])}


def table(results: list[dict[str, Any]]) -> str:
    fields = (
        ("rss_mib", "RSS MiB", "{:.0f}"),
        ("append_total_ms", "append total ms", "{:.0f}"),
        ("append_p95_ms", "append p95 ms", "{:.1f}"),
        ("append_max_ms", "append max ms", "{:.1f}"),
        ("merge_median_ms", "merge page ms", "{:.1f}"),
        ("encode_median_ms", "worker encode/page ms", "{:.1f}"),
        ("filter_median_ms", "keystroke med ms", "{:.1f}"),
        ("filter_max_ms", "keystroke max ms", "{:.1f}"),
        ("filter_column_ms", "column test ms", "{:.1f}"),
        ("sort_name_ms", "sort name ms", "{:.0f}"),
        ("sort_sync_desc_ms", "sort sync desc ms", "{:.0f}"),
        ("sort_compliance_ms", "sort compliance ms", "{:.0f}"),
        ("prepare_ms", "prepare_sorts (worker) ms", "{:.0f}"),
        ("rss_prepared_mib", "RSS after prepare MiB", "{:.0f}"),
        ("prepare_typing_ms", "prepare_sorts while typing ms", "{:.0f}"),
        ("typing_prepare_median_ms", "keystroke med meanwhile ms", "{:.1f}"),
        ("typing_prepare_max_ms", "keystroke max meanwhile ms", "{:.1f}"),
        ("dump_typing_ms", "dump while typing ms", "{:.0f}"),
        ("typing_dump_median_ms", "keystroke med meanwhile ms", "{:.1f}"),
        ("typing_dump_max_ms", "keystroke max meanwhile ms", "{:.1f}"),
        ("sorted_name_ms", "prepared sort name ms", "{:.0f}"),
        ("sorted_name_desc_ms", "prepared sort name desc ms", "{:.0f}"),
        ("sorted_sync_desc_ms", "prepared sort sync desc ms", "{:.0f}"),
        ("draw_ms", "40 rows ms", "{:.1f}"),
        ("dump_ms", "dump ms", "{:.0f}"),
        ("dump_mib", "dump MiB", "{:.1f}"),
        ("load_ms", "load ms", "{:.0f}"),
        ("warm_ms", "load+40 rows+key ms", "{:.0f}"),
    )
    header = ["", *(f"{r['store']} {r['rows']:,}" for r in results)]
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for key, label, pattern in fields:
        cells = [pattern.format(r[key]) if key in r else "-" for r in results]
        lines.append(" | ".join([label, *cells]))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000])
    parser.add_argument("--base", type=int, default=20_000)
    parser.add_argument("--stores", nargs="+", default=["old", "new"])
    parser.add_argument("--child", nargs=2, metavar=("STORE", "ROWS"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run(args.child[0], int(args.child[1]), args.base)))
        return
    results = []
    for rows in args.rows:
        for store in args.stores:
            output = subprocess.run(
                [sys.executable, __file__, "--child", store, str(rows),
                 "--base", str(min(args.base, rows))],
                capture_output=True, text=True, check=True, cwd=REPO,
                env={**os.environ, "PYTHONPATH": str(REPO)})
            results.append(json.loads(output.stdout.strip().splitlines()[-1]))
            print(f"{store} {rows:,} done", file=sys.stderr)
    load = os.getloadavg()
    text = table(results) + f"\n\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"results": results, "loadavg": load}, indent=2))


if __name__ == "__main__":
    main()
