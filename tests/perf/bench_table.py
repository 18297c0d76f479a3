"""Benchmark the virtual ResourceTable against Textual's DataTable at tenant scale.

    .venv/bin/python tests/perf/bench_table.py                      # 10,000 and 100,000 rows
    .venv/bin/python tests/perf/bench_table.py --rows 10000 100000 --datatable-cap 20000

Each (table, size) runs headless (`App.run_test`, 120x40) in its own subprocess, so resident
memory of one run does not leak into the next. Rows are synthetic managed devices: 9 columns plus
the Graph-like `item` dict each real row carries.

What is measured (wall clock, `time.perf_counter`):
- append: rows arrive in 1,000-row pages, as the Graph worker delivers them. Per page:
  "block" is the longest stretch the event loop could not run anything else (a 1 ms ticker task
  measures its own lateness) from the append call until the page is on screen, i.e. what a key
  press arriving at that moment would wait; "to screen" is from the call until the compositor
  finished the next frame (includes waiting for Textual's frame timer). The ResourceTable is
  loaded twice: unsorted and unfiltered, then with a sort and a filter active (pages merged).
- filter: typing a query one key at a time (set_filter + the repaint), then clearing it; with
  `words=` (the C fast path over search_text), with a closure predicate, and with a predicate
  shaped like `SearchQuery.matches_all` (all() over a list of checks), unsorted and sorted.
  DataTable has no filter: clear() + add_rows(matching rows), as apps do today.
- sort: by a text column, then reversed (DataTable: sort(); its work is synchronous).
- RSS: process resident memory after building the rows, after loading, at the end.
DataTable is capped (--datatable-cap, default 20,000 rows): it measures every new cell on the UI
thread, so 100,000 rows would take minutes per load and per filter.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

RESULTS = Path(__file__).resolve().parent / "results" / "bench_table.json"
PAGE_SIZE = 1_000
SCREEN_SIZE = (120, 40)
TYPED_QUERY = "laptop-01"
SORT_COLUMN = 5  # "Last sync": ISO text, some devices never synced (None sorts last)
FILTER_WHILE_LOADING = "laptop"


@dataclass(slots=True)
class BenchRow:
    """Shaped like intune.resources.Row."""

    key: str
    cells: tuple[str, ...]
    sort_keys: tuple[Any, ...]
    search_text: str
    marks: tuple[str | None, ...]
    item: dict[str, Any]


COLUMN_SPECS = (
    ("deviceName", "Device name", 16, 10, True),
    ("userPrincipalName", "Primary user", 26, 12, True),
    ("operatingSystem", "OS", 8, None, False),
    ("osVersion", "OS version", 15, 8, False),
    ("complianceState", "Compliance", 13, None, False),
    ("lastSyncDateTime", "Last sync", 20, 10, False),
    ("serialNumber", "Serial", 12, 8, False),
    ("model", "Model", 16, 8, True),
    ("managedDeviceOwnerType", "Owner", 9, None, False),
)
PLATFORMS = {
    "Windows": ("DESKTOP", "LAPTOP"),
    "iOS": ("IPHONE", "IPAD"),
    "Android": ("PIXEL", "GALAXY"),
    "macOS": ("MACBOOK",),
}
VERSIONS = {
    "Windows": ("10.0.19045.4529", "10.0.22631.3880", "10.0.26100.1150"),
    "iOS": ("17.5.1", "17.6", "18.0"),
    "Android": ("13", "14", "15"),
    "macOS": ("14.5", "14.6", "15.0"),
}
MODELS = ("Latitude 7440", "Surface Laptop 5", "iPhone 15", "Pixel 8", "MacBook Air M2")
COMPLIANCE_MARK = {"compliant": "good", "noncompliant": "bad", "inGracePeriod": "warn"}


def make_rows(count: int, seed: int = 42) -> list[BenchRow]:
    rnd = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for number in range(count):
        os_name = rnd.choice(tuple(PLATFORMS))
        synced = (
            None
            if rnd.random() < 0.02
            else (base + timedelta(minutes=rnd.randint(0, 400_000))).isoformat()[:19] + "Z"
        )
        item = {
            "id": f"{rnd.getrandbits(64):016x}-{number:08d}",
            "deviceName": f"{rnd.choice(PLATFORMS[os_name])}-{number:06d}",
            "userPrincipalName": f"user{number % 5000:04d}@contoso.onmicrosoft.com",
            "operatingSystem": os_name,
            "osVersion": rnd.choice(VERSIONS[os_name]),
            "complianceState": rnd.choice(("compliant", "noncompliant", "inGracePeriod")),
            "lastSyncDateTime": synced,
            "serialNumber": f"SN{rnd.getrandbits(40):010X}",
            "model": rnd.choice(MODELS),
            "managedDeviceOwnerType": rnd.choice(("company", "personal")),
        }
        cells = tuple(item[spec[0]] or "never" for spec in COLUMN_SPECS)
        rows.append(
            BenchRow(
                key=item["id"],
                cells=cells,
                sort_keys=tuple(
                    value.casefold() if isinstance(value, str) else value
                    for value in (item[spec[0]] for spec in COLUMN_SPECS)
                ),
                search_text=" ".join(cells).casefold(),
                marks=tuple(COMPLIANCE_MARK.get(cell) for cell in cells),
                item=item,
            )
        )
    return rows


def contains(text: str) -> Callable[[BenchRow], bool]:
    def predicate(row: BenchRow) -> bool:
        return text in row.search_text

    return predicate


def rss_mib() -> float:
    gc.collect()
    return round(psutil.Process(os.getpid()).memory_info().rss / 2**20, 1)


def summary(values: Sequence[float]) -> dict[str, float]:
    """Milliseconds: max, p95, median."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "max_ms": round(ordered[-1] * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "median_ms": round(statistics.median(ordered) * 1000, 1),
    }


class LoopWatch:
    """Measures event-loop blocking (a ticker's lateness) and when frames reach the screen."""

    def __init__(self, app: Any, interval: float = 0.001) -> None:
        self.interval = interval
        self.max_block = 0.0
        self.frames: list[float] = []
        self._running = True
        self._task: asyncio.Task[None] | None = None
        self.gc_pauses: list[tuple[int, float]] = []  # (generation, seconds) in this window
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)
        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            original_display(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())

        app._display = display

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_pauses.append((info["generation"], time.perf_counter() - self._gc_started))

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)
        self._running = False
        if self._task is not None:
            await self._task

    async def _tick(self) -> None:
        last = time.perf_counter()
        while self._running:
            await asyncio.sleep(self.interval)
            now = time.perf_counter()
            self.max_block = max(self.max_block, now - last - self.interval)
            last = now

    async def measure(
        self, action: Callable[[], None], busy: Callable[[], bool] = lambda: False
    ) -> dict[str, float]:
        """Run `action` on the loop; wait until nothing is pending and a frame was drawn."""
        await asyncio.sleep(0.02)  # let the previous frame and ticker settle
        self.max_block = 0.0
        self.gc_pauses = []
        start = time.perf_counter()
        action()
        call = time.perf_counter() - start
        deadline = start + 600
        while busy() and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        work_done = time.perf_counter()
        frame_wait_until = work_done + 0.5
        while time.perf_counter() < frame_wait_until:
            if self.frames and self.frames[-1] >= work_done:
                break
            await asyncio.sleep(0.001)
        drawn = [frame for frame in self.frames if frame >= work_done]
        on_screen = (drawn[0] if drawn else work_done) - start
        await asyncio.sleep(0.005)  # one more tick, so a block ending in the frame is counted
        full_collections = [seconds for generation, seconds in self.gc_pauses if generation == 2]
        return {
            "call": call,
            "to_screen": on_screen,
            "block": max(self.max_block, call),
            "gc_full": max(full_collections, default=0.0),
        }


async def load_in_pages(
    watch: LoopWatch,
    rows: list[BenchRow],
    append: Callable[[list[BenchRow]], None],
    busy: Callable[[], bool] = lambda: False,
) -> dict[str, Any]:
    calls, blocks, screens, quiet_blocks, full_gcs = [], [], [], [], []
    start = time.perf_counter()
    for offset in range(0, len(rows), PAGE_SIZE):
        page = rows[offset : offset + PAGE_SIZE]
        figures = await watch.measure(lambda page=page: append(page), busy)
        calls.append(figures["call"])
        blocks.append(figures["block"])
        screens.append(figures["to_screen"])
        if figures["gc_full"]:
            full_gcs.append(figures["gc_full"])
        else:
            quiet_blocks.append(figures["block"])
    return {
        "pages": len(calls),
        "call": summary(calls),
        "block": summary(blocks),
        "block_pages_without_full_gc": summary(quiet_blocks),
        "to_screen": summary(screens),
        "full_gc_pauses": {
            "count": len(full_gcs),
            "max_ms": round(max(full_gcs, default=0.0) * 1000, 1),
        },
        "total_s_including_pauses": round(time.perf_counter() - start, 2),
    }


async def type_query(
    watch: LoopWatch, apply: Callable[[str | None], None], busy: Callable[[], bool]
) -> dict[str, Any]:
    keystrokes: list[dict[str, Any]] = []
    for length in range(1, len(TYPED_QUERY) + 1):
        query = TYPED_QUERY[:length]
        figures = await watch.measure(lambda query=query: apply(query), busy)
        keystrokes.append({"query": query, **_ms(figures)})
    cleared = await watch.measure(lambda: apply(None), busy)
    return {
        "keystrokes": keystrokes,
        "keystroke_to_screen": summary([k["to_screen_ms"] / 1000 for k in keystrokes]),
        "keystroke_block": summary([k["block_ms"] / 1000 for k in keystrokes]),
        "clear_filter": _ms(cleared),
    }


def _ms(figures: dict[str, float]) -> dict[str, float]:
    return {f"{name}_ms": round(value * 1000, 1) for name, value in figures.items()}


async def bench_resource_table(count: int, freeze_gc: bool = False) -> dict[str, Any]:
    from textual.app import App, ComposeResult

    from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn

    columns = [
        TableColumn(key, title, width, low, flex) for key, title, width, low, flex in COLUMN_SPECS
    ]
    name = "ResourceTable + gc.freeze()" if freeze_gc else "ResourceTable"
    result: dict[str, Any] = {"impl": name, "rows": count, "rss_start_mib": rss_mib()}
    rows = make_rows(count)
    result["rss_rows_built_mib"] = rss_mib()
    if freeze_gc:
        # What an app can do once rows are built: move them out of the cyclic GC's way, so
        # full collections stop walking 100k rows (rows are freed by refcount as usual).
        gc.freeze()

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ResourceTable(columns, id="table")

    app = BenchApp()
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        table: ResourceTable[BenchRow] = app.query_one(ResourceTable)
        table.focus()
        await pilot.pause()
        watch = LoopWatch(app)
        watch.start()
        result["idle_loop_block"] = await idle_noise(watch)
        result["rss_app_mib"] = rss_mib()

        result["append_plain"] = await load_in_pages(watch, rows, table.append_rows)
        assert table.rows_count == count
        result["rss_loaded_mib"] = rss_mib()

        await pilot.press("pagedown", "pagedown")
        result["cursor_end"] = _ms(await watch.measure(table.action_cursor_bottom))

        def filter_words(query: str | None) -> None:
            table.set_filter(words=() if query is None else (query,))

        def filter_predicate(query: str | None) -> None:
            table.set_filter(None if query is None else contains(query))

        def filter_clause_list(query: str | None) -> None:
            table.set_filter(None if query is None else all_clauses([contains(query)]))

        result["filter_words"] = await type_query(watch, filter_words, idle)
        result["filter_predicate"] = await type_query(watch, filter_predicate, idle)
        result["filter_clause_list_predicate"] = await type_query(watch, filter_clause_list, idle)

        result["sort"] = _ms(await watch.measure(lambda: table.sort_by(SORT_COLUMN)))
        result["sort_reverse"] = _ms(
            await watch.measure(lambda: table.sort_by(SORT_COLUMN, reverse=True))
        )
        table.set_filter(words=(TYPED_QUERY[:3],))
        result["sort_while_filtered"] = _ms(await watch.measure(lambda: table.sort_by(0)))
        result["filter_words_while_sorted"] = await type_query(watch, filter_words, idle)
        result["filter_predicate_while_sorted"] = await type_query(watch, filter_predicate, idle)

        # Reload with a sort and a filter active: each page is filtered, sorted and merged.
        table.clear()
        table.sort_by(SORT_COLUMN, reverse=True)
        table.set_filter(words=(FILTER_WHILE_LOADING,))
        await pilot.pause()
        table.move_cursor(0)
        result["append_sorted_filtered"] = await load_in_pages(watch, rows, table.append_rows)
        expected = sorted(
            (row for row in rows if FILTER_WHILE_LOADING in row.search_text),
            key=lambda row: (
                row.sort_keys[SORT_COLUMN] is not None,
                row.sort_keys[SORT_COLUMN] or "",
            ),
            reverse=True,
        )
        assert [r.key for r in table.visible_rows[:50]] == [r.key for r in expected[:50]]
        table.set_filter()
        result["rss_end_mib"] = rss_mib()
        await watch.stop()
    return result


def idle() -> bool:
    return False


def all_clauses(checks: list[Callable[[BenchRow], bool]]) -> Callable[[BenchRow], bool]:
    """A predicate shaped like `SearchQuery.matches_all`: all() over a list of checks."""

    def predicate(row: BenchRow) -> bool:
        return all(check(row) for check in checks)

    return predicate


async def idle_noise(watch: LoopWatch) -> dict[str, float]:
    """Ticker lateness with nothing to do: the measurement floor."""
    watch.max_block = 0.0
    await asyncio.sleep(0.5)
    return {"max_ms": round(watch.max_block * 1000, 2)}


async def bench_datatable(count: int) -> dict[str, Any]:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    result: dict[str, Any] = {
        "impl": "textual DataTable (Text cells)",
        "rows": count,
        "rss_start_mib": rss_mib(),
    }
    rows = make_rows(count)
    result["rss_rows_built_mib"] = rss_mib()

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(id="table", cursor_type="row")

    def as_cells(page: Sequence[BenchRow]) -> list[tuple[Text, ...]]:
        # Text, not str: DataTable parses str cells as markup ("Kiosk [/old]" would crash it).
        return [tuple(Text(cell, no_wrap=True, end="") for cell in row.cells) for row in page]

    app = BenchApp()
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        table: DataTable[Any] = app.query_one(DataTable)
        table.add_columns(*(title for _, title, *_ in COLUMN_SPECS))
        table.focus()
        await pilot.pause()
        watch = LoopWatch(app)
        watch.start()
        result["idle_loop_block"] = await idle_noise(watch)
        result["rss_app_mib"] = rss_mib()

        def busy() -> bool:
            return bool(table._require_update_dimensions or table._new_rows or table._updated_cells)

        def append(page: list[BenchRow]) -> None:
            table.add_rows(as_cells(page))

        result["append_plain"] = await load_in_pages(watch, rows, append, busy)
        assert table.row_count == count
        result["rss_loaded_mib"] = rss_mib()
        result["cursor_end"] = _ms(await watch.measure(table.action_scroll_bottom, busy))

        def apply_filter(query: str | None) -> None:
            matching = rows if query is None else [r for r in rows if query in r.search_text]
            table.clear()
            table.add_rows(as_cells(matching))

        result["filter_predicate"] = await type_query(watch, apply_filter, busy)

        def sort(reverse: bool) -> None:
            table.sort(
                table.ordered_columns[SORT_COLUMN].key,
                key=lambda cell: cell.plain,
                reverse=reverse,
            )

        result["sort"] = _ms(await watch.measure(lambda: sort(False), busy))
        result["sort_reverse"] = _ms(await watch.measure(lambda: sort(True), busy))
        result["rss_end_mib"] = rss_mib()
        await watch.stop()
    return result


async def bench_resource_table_frozen_gc(count: int) -> dict[str, Any]:
    return await bench_resource_table(count, freeze_gc=True)


IMPLEMENTATIONS: dict[str, Callable[[int], Awaitable[dict[str, Any]]]] = {
    "resource_table": bench_resource_table,
    "resource_table_frozen_gc": bench_resource_table_frozen_gc,
    "datatable": bench_datatable,
}


def run_in_subprocess(impl: str, count: int) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, __file__, "--one", str(count), "--impl", impl],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        return {"impl": impl, "rows": count, "error": completed.stderr[-3000:]}
    return json.loads(lines[-1])


def print_table(results: list[dict[str, Any]]) -> None:
    columns = (
        ("table", 30),
        ("rows", 8),
        ("append p95/max", 16),
        ("+sort+filt p95", 16),
        ("words key p95/max", 19),
        ("pred key p95/max", 18),
        ("unfilter", 10),
        ("sort", 8),
        ("RSS MiB", 9),
    )
    header = "".join(
        f"{name:<{width}}" if index == 0 else f"{name:>{width}}"
        for index, (name, width) in enumerate(columns)
    )
    print(header)
    print("-" * len(header))
    for result in results:
        if "error" in result:
            print(f"{result['impl']:<30}{result['rows']:>8}  ERROR {result['error'][-300:]}")
            continue
        append = result["append_plain"]["block"]
        merged = result.get("append_sorted_filtered", {}).get("block")
        words = result.get("filter_words", {}).get("keystroke_to_screen")
        predicate = result["filter_predicate"]["keystroke_to_screen"]
        cells = [
            f"{result['impl']:<30}",
            f"{result['rows']:>8}",
            f"{_pair(append):>16}",
            f"{merged['p95_ms'] if merged else 'n/a':>16}",
            f"{_pair(words) if words else 'n/a':>19}",
            f"{_pair(predicate):>18}",
            f"{result['filter_predicate']['clear_filter']['to_screen_ms']:>10}",
            f"{result['sort']['to_screen_ms']:>8}",
            f"{result['rss_end_mib']:>9}",
        ]
        print("".join(cells))
    print(
        "\nms. append = longest event-loop stall per 1,000-row page until it is on screen"
        " (+sort+filt: with a sort and a word filter active);\nkey = keystroke to frame on screen"
        " while typing a query (words= fast path / a predicate; DataTable: clear + add_rows);"
        "\nunfilter = clearing the filter; sort = call to frame. Details: the JSON file."
    )


def _pair(figures: dict[str, float]) -> str:
    return f"{figures['p95_ms']}/{figures['max_ms']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--datatable-cap", type=int, default=20_000)
    parser.add_argument("--skip-datatable", action="store_true")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="also run the ResourceTable with gc.freeze() after the rows are built",
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--impl", choices=sorted(IMPLEMENTATIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one is not None:
        print(json.dumps(asyncio.run(IMPLEMENTATIONS[args.impl](args.one))))
        return

    import textual

    results: list[dict[str, Any]] = []
    for count in args.rows:
        print(f"ResourceTable, {count:,} rows ...", file=sys.stderr, flush=True)
        results.append(run_in_subprocess("resource_table", count))
        if args.gc_freeze:
            print(f"ResourceTable + gc.freeze(), {count:,} rows ...", file=sys.stderr, flush=True)
            results.append(run_in_subprocess("resource_table_frozen_gc", count))
    if not args.skip_datatable:
        for count in sorted({min(count, args.datatable_cap) for count in args.rows}):
            print(f"DataTable, {count:,} rows ...", file=sys.stderr, flush=True)
            results.append(run_in_subprocess("datatable", count))
    report = {
        "python": sys.version.split()[0],
        "textual": textual.__version__,
        "cpus": os.cpu_count(),
        "screen": list(SCREEN_SIZE),
        "page_size": PAGE_SIZE,
        "datatable_cap": args.datatable_cap,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"\nJSON: {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
