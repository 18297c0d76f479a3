"""Benchmark the real app end to end: the devices list of an N-device tenant over loopback HTTP.

    .venv/bin/python tests/perf/bench_app.py                           # 10,000 and 100,000 devices
    .venv/bin/python tests/perf/bench_app.py --devices 100000 --latency-ms 50
    .venv/bin/python tests/perf/bench_app.py --devices 10000 --skip-datatable
    .venv/bin/python tests/perf/bench_app.py --devices 300000 --repeat 1 --skip-plain

For each N the fake Graph (`intune_tui.demo.server.DemoServer`) runs in a process of its own
(`graph_process.py`, so its CPU never shares the app's GIL) on 127.0.0.1 with `--latency-ms`
added to every answer (default 50 ms). Then, each in a fresh subprocess (clean RSS):

1. app: the real `IntuneApp` headless (`run_test`, 120x40) on a token session whose Graph URL is
   the loopback fake (INTUNE_TUI_GRAPH_URL + INTUNE_TUI_ACCESS_TOKEN through `load_settings`).
   Measured from the app's start, its Load event (`app_probe.Probe`): before the terminal is set
   up and the first screen composed, and before the first list is asked for (Textual sends Mount
   only once that screen is composed, which would hide its cost):
   - first rows: until the first frame drawn after the first device page reached the table;
   - full list: until the first frame drawn after the table held all N devices;
   - event-loop lag during the load: a ticker task on the app's loop sleeps 5 ms at a time and
     records how late it wakes up (max, p95, p99); full GC pauses in that window;
   - RSS with N devices loaded (psutil);
   - filter keystrokes through the real screen: `/`, then a query typed one key at a time with
     the pilot; each keystroke is timed from the key press to the first frame after the table's
     `set_filter` returned (a free-word query, then one with fields and a word);
   - sort through the real screen: Escape, `s` (name), `s` (reversed), `s` on "Last sync";
     timed from the key press to the first frame after `sort_by` returned.
2. plain: what a script does: one `httpx.Client`, GET managedDevices with no `$select` (every
   property), follow `@odata.nextLink` one page after the other, until the end.
   msgraph-sdk is timed too when it is importable (it is not a dependency: reported as absent).
3. lower bound: pages x latency, pages = ceil(N / 1000) (Graph's managedDevices page cap).
4. tables alone (bench_table.py's rows, `LoopWatch` and page loop): the same N rows appended in
   1,000-row pages to our ResourceTable and to Textual's DataTable (Text cells); "loading N rows"
   is the sum over pages of the time from the append call to the frame showing it (DataTable:
   including its deferred cell measuring). DataTable filter/sort figures come from
   bench_table's own DataTable run, capped at --datatable-ops-cap rows (default 20,000: every
   DataTable filter keystroke re-adds the matching rows, minutes at 100k).

The app is run --repeat times (default 3) per size: headline figures are medians over the runs
(this machine is shared, and one run can be hit by other work; the 1-minute load average is
printed beside the figures). Prints the figures with the targets and writes
tests/perf/results/bench_app.json.
Figures vary with the machine; compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
for path in (str(REPO), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from app_probe import SCREEN_SIZE, Probe, lag_summary, ms, rss_mib, token_app  # noqa: E402
from graph_process import GraphProcess  # noqa: E402
from probe_store_memory import PeakRss  # noqa: E402

RESULTS = HERE / "results" / "bench_app.json"
PAGE_CAP = 1000
DEVICES_PATH = "/v1.0/deviceManagement/managedDevices"
FREE_WORD_QUERY = "ingrid"
FIELD_QUERY = "os:ios iphone"
LOAD_TIMEOUT = 900.0
TOKEN_VARIABLE = "BENCH_APP_TOKEN"
# `--snapshot`: the child writes the list's snapshot (a fixed key in place of the OS keyring, as
# bench_warm_start.py does) and waits for it, measuring the loop's lag until it is written.
SNAPSHOT_VARIABLE = "BENCH_APP_SNAPSHOT"
SNAPSHOT_TIMEOUT = 300.0


# -- 1. the app -----------------------------------------------------------------------------------


async def run_app(url: str, token: str, devices: int) -> dict[str, Any]:
    # As the CLI starts the app (cli._dispatch): the collector off and the row engine's import
    # held until the first list is painted (the app lets both go then, `_start_up_over`).
    from intune_tui.ui import startup

    startup.pause_gc()
    startup.hold_engine_import()
    try:
        return await _run_app(url, token, devices)
    finally:
        startup.resume_gc()
        startup.release_engine_import()


async def _run_app(url: str, token: str, devices: int) -> dict[str, Any]:
    snapshot = bool(os.environ.get(SNAPSHOT_VARIABLE))
    if snapshot:
        from intune_tui import warm_start

        warm_start.KEY_SOURCE = lambda *args, **kwargs: bytes(range(32))
    app = token_app(url, token=token)
    probe = Probe(app)
    result: dict[str, Any] = {"rss_start_mib": rss_mib()}
    cpu_started = time.process_time()
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        screen = app.screen
        loaded = await probe.wait_for(
            lambda: screen.table.rows_count >= devices and screen._complete, LOAD_TIMEOUT)
        done = time.perf_counter()
        assert probe.started is not None
        started = probe.started
        first_append = probe.first_append_at_least(1)
        full_append = probe.first_append_at_least(devices)
        result["app_cpu_s"] = round(time.process_time() - cpu_started, 2)
        first_frame = probe.frame_after(first_append) if first_append else None
        full_frame = (await probe.next_frame_after(full_append)) if full_append else None
        load_end = full_frame or done
        result.update({
            "loaded": loaded,
            "rows": screen.table.rows_count,
            "status": str(screen._status.text) if hasattr(screen._status, "text") else "",
            "first_rows_s": _since(started, first_frame),
            "list_asked_s": _since(started, probe.loads[0] if probe.loads else None),
            "first_page_in_table_s": _since(started, first_append),
            "full_list_s": _since(started, full_frame),
            "pages_received": len(probe.appends),
            "load_lag": lag_summary(probe.lags_between(started, load_end)),
            "load_full_gcs_ms": [ms(s) for s in probe.full_gcs_between(started, load_end)],
            "requests_sent": app._worker._service.client.request_count
            if app._worker and app._worker._service else None,
        })
        # With a snapshot, its write starts at the load's end: the highest RSS until it is
        # written too, not only the figure 0.2 s in (sampled every 10 ms).
        peak = PeakRss(interval=0.01).__enter__() if snapshot else None
        await pilot.pause(0.2)
        result["rss_loaded_mib"] = rss_mib()
        result["filter_free_words"] = await type_query(pilot, probe, FREE_WORD_QUERY,
                                                       screen.table)
        await pilot.press("escape")
        await pilot.pause(0.1)
        result["filter_fields_and_word"] = await type_query(pilot, probe, FIELD_QUERY,
                                                            screen.table)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert screen.table.visible_count == devices, "escape did not clear the filter"
        assert screen.table.has_focus
        result["sort_name"] = await timed_key(pilot, probe, "s", probe.sorts)
        result["sort_name_reversed"] = await timed_key(pilot, probe, "s", probe.sorts)
        for _ in range(6):
            await pilot.press("right")
        result["sort_last_sync"] = await timed_key(pilot, probe, "s", probe.sorts)
        result["interaction_lag"] = lag_summary(probe.lags_between(load_end,
                                                                   time.perf_counter()))
        if snapshot:
            result.update(await _snapshot_written(probe, app.settings.data_dir, load_end))
            assert peak is not None
            peak.__exit__()
            result["rss_peak_until_snapshot_mib"] = round(peak.highest, 1)
        result["interaction_full_gcs_ms"] = [
            ms(s) for s in probe.full_gcs_between(load_end, time.perf_counter())]
        result["rss_end_mib"] = rss_mib()
        probe.stop()
    # What gc.freeze() (if the app used it) kept from the collector: objects frozen, and the
    # unreachable ones among them (cyclic garbage a freeze made immortal).
    result["gc_frozen_objects"] = gc.get_freeze_count()
    gc.unfreeze()
    result["gc_garbage_found_after_unfreeze"] = gc.collect()
    return result


async def _snapshot_written(probe: Probe, data_dir: Path, load_end: float) -> dict[str, Any]:
    """Wait for the list's snapshot file (written once, by an atomic replace); the loop's lag
    from the load's end until then (the typing and sorting above included)."""
    def written() -> bool:
        return any((data_dir / "snapshots").glob("*/devices.bin"))

    found = await probe.wait_for(written, SNAPSHOT_TIMEOUT, 0.02)
    seen = time.perf_counter()
    files = list((data_dir / "snapshots").glob("*/devices.bin"))
    return {"snapshot_written_s": round(seen - load_end, 2) if found else None,
            "snapshot_mib": round(files[0].stat().st_size / 2**20, 1) if files else None,
            "lag_until_snapshot": lag_summary(probe.lags_between(load_end, seen))}


def _since(start: float, moment: float | None) -> float | None:
    return None if moment is None else round(moment - start, 3)


async def timed_key(pilot: Any, probe: Probe, key: str, calls: list[float]) -> dict[str, Any]:
    """Press `key`; time to the first frame repainting the list after the call it causes (in
    `calls`) returned (not merely the first frame: it may show only the letter typed)."""
    await pilot.pause(0.05)
    before = len(calls)
    pressed = time.perf_counter()
    await pilot.press(key)
    await probe.wait_for(lambda: len(calls) > before, 5.0, 0.001)
    if len(calls) == before:
        return {"key": key, "to_screen_ms": None, "note": "no table call"}
    frame = await probe.next_list_frame_after(calls[-1])
    return {"key": key, "call_ms": ms(calls[-1] - pressed),
            "to_screen_ms": ms(frame - pressed) if frame else None}


async def type_query(pilot: Any, probe: Probe, text: str, table: Any) -> dict[str, Any]:
    await pilot.press("slash")
    keystrokes = []
    for character in text:
        key = "space" if character == " " else ("colon" if character == ":" else character)
        figures = await timed_key(pilot, probe, key, probe.filters)
        figures["shown"] = table.visible_count
        keystrokes.append(figures)
    times = [k["to_screen_ms"] for k in keystrokes if k["to_screen_ms"] is not None]
    return {
        "query": text,
        "keystrokes": keystrokes,
        "max_ms": max(times, default=None),
        "median_ms": sorted(times)[len(times) // 2] if times else None,
    }


# -- 2. plain paging ------------------------------------------------------------------------------


def run_plain(url: str, token: str) -> dict[str, Any]:
    import httpx

    started = time.perf_counter()
    items: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = url + DEVICES_PATH
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        while next_url:
            response = client.get(next_url)
            response.raise_for_status()
            body = response.json()
            items.extend(body["value"])
            pages += 1
            next_url = body.get("@odata.nextLink")
    return {"rows": len(items), "pages": pages, "full_list_s": round(time.perf_counter() -
                                                                      started, 3),
            "rss_mib": rss_mib()}


def msgraph_sdk_status() -> str:
    if importlib.util.find_spec("msgraph") is None:
        return "not installed (not a dependency of intune-tui): not measured"
    return "installed, but not measured by this script"


# -- 4. tables alone ------------------------------------------------------------------------------


async def table_load(impl: str, count: int) -> dict[str, Any]:
    """Append `count` bench_table rows in 1,000-row pages; sum of call-to-screen per page."""
    import bench_table
    from textual.app import App, ComposeResult

    rows = bench_table.make_rows(count)

    if impl == "datatable":
        from rich.text import Text
        from textual.widgets import DataTable

        def make_widget() -> Any:
            return DataTable(id="table", cursor_type="row")

        def prepare(table: Any) -> None:
            table.add_columns(*(title for _, title, *_ in bench_table.COLUMN_SPECS))

        def append(table: Any, page: list[Any]) -> None:
            table.add_rows([tuple(Text(cell, no_wrap=True, end="") for cell in row.cells)
                            for row in page])

        def busy(table: Any) -> bool:
            return bool(table._require_update_dimensions or table._new_rows
                        or table._updated_cells)
    else:
        from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn

        columns = [TableColumn(*spec) for spec in bench_table.COLUMN_SPECS]

        def make_widget() -> Any:
            return ResourceTable(columns, id="table")

        def prepare(table: Any) -> None:
            return None

        def append(table: Any, page: list[Any]) -> None:
            table.append_rows(page)

        def busy(table: Any) -> bool:
            return False

    class TableApp(App[None]):
        def compose(self) -> ComposeResult:
            yield make_widget()

    app = TableApp()
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        table = app.query_one("#table")
        prepare(table)
        table.focus()
        await pilot.pause()
        watch = bench_table.LoopWatch(app)
        watch.start()
        to_screen, blocks = 0.0, 0.0
        for offset in range(0, count, bench_table.PAGE_SIZE):
            page = rows[offset:offset + bench_table.PAGE_SIZE]
            figures = await watch.measure(lambda page=page: append(table, page),
                                          lambda: busy(table))
            to_screen += figures["to_screen"]
            blocks += figures["block"]
        await watch.stop()
    return {"impl": impl, "rows": count, "load_to_screen_s": round(to_screen, 3),
            "load_longest_stall_sum_s": round(blocks, 3)}


def datatable_ops(count: int) -> dict[str, Any]:
    import bench_table

    result = bench_table.run_in_subprocess("datatable", count)
    if "error" in result:
        return {"rows": count, "error": result["error"][-500:]}
    return {
        "rows": count,
        "filter_keystroke_to_screen": result["filter_predicate"]["keystroke_to_screen"],
        "clear_filter_ms": result["filter_predicate"]["clear_filter"]["to_screen_ms"],
        "sort_ms": result["sort"]["to_screen_ms"],
        "rss_end_mib": result["rss_end_mib"],
    }


# -- orchestration --------------------------------------------------------------------------------


def child(mode: str, *arguments: str, token: str | None = None,
          timeout: float = 3600) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; the token goes through the environment
    (never on a command line, where any process listing shows it)."""
    env = dict(os.environ)
    if token is not None:
        env[TOKEN_VARIABLE] = token
    completed = subprocess.run([sys.executable, __file__, "--child", mode, *arguments],
                               capture_output=True, text=True, timeout=timeout, cwd=REPO,
                               env=env, check=False)
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        return {"error": (completed.stderr or completed.stdout)[-3000:]}
    return json.loads(lines[-1])


def bench_size(devices: int, latency_ms: float, args: argparse.Namespace) -> dict[str, Any]:
    print(f"{devices:,} devices: starting the fake Graph ...", file=sys.stderr, flush=True)
    result: dict[str, Any] = {"devices": devices, "latency_ms": latency_ms,
                              "load_average_before": round(os.getloadavg()[0], 2)}
    with GraphProcess(devices, latency_ms) as graph:
        result["server_build_s"] = graph.build_seconds
        print("  the app ...", file=sys.stderr, flush=True)
        runs = []
        for run in range(args.repeat):
            graph.call("clear_requests")
            runs.append(child("app", graph.url, str(devices), token=graph.token))
            if run == 0:
                result["app_requests"] = graph.call("stats")
        result["app_runs"] = runs
        result["app"] = representative(runs)
        if args.skip_plain:
            result["plain"] = {"error": "skipped (--skip-plain)"}
        else:
            graph.call("clear_requests")
            print("  the plain paging loop ...", file=sys.stderr, flush=True)
            result["plain"] = child("plain", graph.url, token=graph.token)
            result["plain_requests"] = graph.call("stats")
    result["load_average_after_app_and_plain"] = round(os.getloadavg()[0], 2)
    result["msgraph_sdk"] = msgraph_sdk_status()
    pages = math.ceil(devices / PAGE_CAP)
    result["lower_bound_s"] = round(pages * latency_ms / 1000, 3)
    result["pages_at_cap"] = pages
    if not args.skip_datatable:
        print("  tables alone: ResourceTable ...", file=sys.stderr, flush=True)
        ours = child("table", "resource_table", str(devices))
        print("  tables alone: DataTable (slow) ...", file=sys.stderr, flush=True)
        theirs = child("table", "datatable", str(devices))
        result["table_load"] = {"resource_table": ours, "datatable": theirs}
        if "error" not in ours and "error" not in theirs:
            result["table_load"]["datatable_over_ours"] = round(
                theirs["load_to_screen_s"] / ours["load_to_screen_s"], 1)
        cap = min(devices, args.datatable_ops_cap)
        print(f"  DataTable filter/sort at {cap:,} rows ...", file=sys.stderr, flush=True)
        result["datatable_ops"] = datatable_ops(cap)
    return result


MEDIAN_FIGURES = ("first_rows_s", "full_list_s", "app_cpu_s", "rss_loaded_mib")


def representative(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median full-list time, with the median of each headline figure and of
    the lag and keystroke figures over all runs (`runs` says how many there were)."""
    good = [run for run in runs if "error" not in run and run.get("full_list_s") is not None]
    if not good:
        return runs[0]
    good.sort(key=lambda run: run["full_list_s"])
    chosen = dict(good[len(good) // 2])
    for key in MEDIAN_FIGURES:
        chosen[key] = round(statistics.median(run[key] for run in good), 3)
    chosen["load_lag"] = dict(chosen["load_lag"])
    for key in ("p95_ms", "max_ms", "p99_ms"):
        chosen["load_lag"][key] = round(
            statistics.median(run["load_lag"][key] for run in good), 1)
    chosen["runs"] = len(good)
    return chosen


def targets(result: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(what, figure, met) for every target of issue #9 this run can judge."""
    app, plain = result["app"], result["plain"]
    if "error" in app:
        return [("app run", "failed", False)]
    latency = result["latency_ms"] / 1000
    bound = result["lower_bound_s"]
    rows: list[tuple[str, str, bool | None]] = []

    def add(what: str, value: float | None, limit: float, unit: str = "s") -> None:
        shown = "n/a" if value is None else f"{value}{unit} (target <= {round(limit, 3)}{unit})"
        rows.append((what, shown, None if value is None else value <= limit))

    add("first rows after start", app["first_rows_s"], latency + 0.150)
    add("full list after start", app["full_list_s"], 1.2 * bound)
    if app["full_list_s"] and "full_list_s" in plain:
        ratio = round(plain["full_list_s"] / app["full_list_s"], 2)
        rows.append(("faster than plain paging (plain / ours)", f"{ratio}x", ratio > 1))
    add("load lag p95", app["load_lag"].get("p95_ms"), 30, " ms")
    add("load lag max", app["load_lag"].get("max_ms"), 100, " ms")
    filter_max = max(filter(None, (app["filter_free_words"]["max_ms"],
                                   app["filter_fields_and_word"]["max_ms"])), default=None)
    add("filter keystroke (max)", filter_max, 50, " ms")
    sort_max = max(filter(None, (app[key]["to_screen_ms"] for key in
                                 ("sort_name", "sort_name_reversed", "sort_last_sync"))),
                   default=None)
    add("sort (max)", sort_max, 300, " ms")
    add("RSS loaded", app["rss_loaded_mib"], 300 / 1.048576, " MiB")
    ratio = result.get("table_load", {}).get("datatable_over_ours")
    if ratio is not None:
        rows.append(("loading N rows vs DataTable", f"{ratio}x faster (target >= 20x)",
                     ratio >= 20))
    return rows


def print_report(results: list[dict[str, Any]]) -> None:
    for result in results:
        app, plain = result["app"], result["plain"]
        print(f"\n== {result['devices']:,} devices, {result['latency_ms']:g} ms per request ==")
        if "error" in app:
            print("app run failed:\n" + app["error"])
            continue
        print(f"1-minute load average {result['load_average_before']} before, "
              f"{result['load_average_after_app_and_plain']} after (2 cores: above ~0.5 other "
              "work was competing for the CPU)")
        runs = result.get("app_runs", [])
        print(f"app runs: first rows {[r.get('first_rows_s') for r in runs]} s, full list "
              f"{[r.get('full_list_s') for r in runs]} s, lag max "
              f"{[r.get('load_lag', {}).get('max_ms') for r in runs]} ms; below: medians, "
              "details of the median run")
        print(f"app: first rows {app['first_rows_s']} s, full list {app['full_list_s']} s "
              f"({app['rows']:,} rows, {app['pages_received']} pages to the table, "
              f"{app['requests_sent']} requests)")
        print(f"     first rows (the median run): the list screen loaded (taking over the list "
              f"the app asked for at start) {app['list_asked_s']} s after start, the first page "
              f"was in the table at {app['first_page_in_table_s']} s")
        print(f"     load lag max {app['load_lag'].get('max_ms')} ms, p99 "
              f"{app['load_lag'].get('p99_ms')} ms, p95 {app['load_lag'].get('p95_ms')} ms; "
              f"full GCs during load (ms): {app['load_full_gcs_ms']}")
        print(f"     app CPU from start to full list {app['app_cpu_s']} s")
        print(f"     RSS {app['rss_start_mib']} -> {app['rss_loaded_mib']} MiB loaded, "
              f"{app['rss_end_mib']} MiB at the end; gc: {app['gc_frozen_objects']:,} objects "
              f"frozen, {app['gc_garbage_found_after_unfreeze']:,} unreachable among them; "
              f"full GCs while filtering/sorting (ms): {app['interaction_full_gcs_ms']}")
        for name in ("filter_free_words", "filter_fields_and_word"):
            typed = app[name]
            keys = ", ".join(f"{k['key']}:{k['to_screen_ms']}" for k in typed["keystrokes"])
            print(f"     filter {typed['query']!r}: max {typed['max_ms']} ms, median "
                  f"{typed['median_ms']} ms  [{keys}]")
        if "lag_until_snapshot" in app:
            lag = app["lag_until_snapshot"]
            print(f"     RSS at its highest until the snapshot was written "
                  f"{app.get('rss_peak_until_snapshot_mib')} MiB")
            print(f"     snapshot written {app['snapshot_written_s']} s after the load "
                  f"({app['snapshot_mib']} MiB); lag until then p95 {lag.get('p95_ms')} ms, "
                  f"max {lag.get('max_ms')} ms")
        print(f"     sort name {app['sort_name']['to_screen_ms']} ms, reversed "
              f"{app['sort_name_reversed']['to_screen_ms']} ms, last sync "
              f"{app['sort_last_sync']['to_screen_ms']} ms")
        if "error" in plain:
            print("plain paging failed:\n" + plain["error"])
        else:
            print(f"plain paging (httpx, no $select, sequential): {plain['full_list_s']} s for "
                  f"{plain['rows']:,} rows in {plain['pages']} pages")
        print(f"msgraph-sdk: {result['msgraph_sdk']}")
        print(f"lower bound: {result['pages_at_cap']} pages x {result['latency_ms']:g} ms = "
              f"{result['lower_bound_s']} s")
        print(f"requests seen by the fake for the app's first load: {result['app_requests']}"
              " (server_cpu_s: the fake's own CPU time for them, on the other core)")
        table_load = result.get("table_load")
        if table_load:
            ours, theirs = table_load["resource_table"], table_load["datatable"]
            print(f"tables alone, {result['devices']:,} rows in 1,000-row pages: ResourceTable "
                  f"{ours.get('load_to_screen_s')} s, DataTable {theirs.get('load_to_screen_s')}"
                  f" s -> {table_load.get('datatable_over_ours')}x")
            ops = result["datatable_ops"]
            if "error" not in ops:
                print(f"DataTable at {ops['rows']:,} rows: filter keystroke p95/max "
                      f"{ops['filter_keystroke_to_screen']['p95_ms']}/"
                      f"{ops['filter_keystroke_to_screen']['max_ms']} ms, clear filter "
                      f"{ops['clear_filter_ms']} ms, sort {ops['sort_ms']} ms, RSS "
                      f"{ops['rss_end_mib']} MiB")
        print()
        width = max(len(what) for what, _, _ in targets(result)) + 2
        for what, figure, met in targets(result):
            verdict = {True: "met", False: "NOT met", None: "?"}[met]
            print(f"  {what:<{width}}{figure:<44}{verdict}")


def run_child(mode: str, arguments: list[str]) -> dict[str, Any]:
    token = os.environ.get(TOKEN_VARIABLE, "")
    if mode == "app":
        url, devices = arguments
        return asyncio.run(run_app(url, token, int(devices)))
    if mode == "plain":
        (url,) = arguments
        return run_plain(url, token)
    impl, count = arguments
    return asyncio.run(table_load(impl, int(count)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--skip-datatable", action="store_true",
                        help="skip the table-only comparison with Textual's DataTable")
    parser.add_argument("--datatable-ops-cap", type=int, default=20_000)
    parser.add_argument("--skip-plain", action="store_true",
                        help="skip the plain paging loop (minutes at 300,000+ devices)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="app runs per size (medians are reported; default 3)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--snapshot", action="store_true",
                        help="have the app write the list's snapshot (a fixed key for the "
                             "keyring) and report the loop's lag until it is written")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child[0], args.child[1:])))
        return

    import textual

    if args.snapshot:
        os.environ[SNAPSHOT_VARIABLE] = "1"  # the children get the environment
    results = [bench_size(devices, args.latency_ms, args) for devices in args.devices]
    report = {"python": sys.version.split()[0], "textual": textual.__version__,
              "cpus": os.cpu_count(), "screen": list(SCREEN_SIZE), "results": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(results)
    print(f"\nJSON: {args.output}")


if __name__ == "__main__":
    main()
