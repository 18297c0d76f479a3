"""Where the devices list's UI thread spends its time: stalls during the load, and each filter
keystroke and sort (a diagnostic, not a benchmark; bench_app.py has the figures).

    .venv/bin/python tests/perf/trace_app.py --devices 100000
    .venv/bin/python tests/perf/trace_app.py --devices 300000 --stall-ms 40 --profile
    .venv/bin/python tests/perf/trace_app.py --devices 100000 --load-only   # the load alone

The real app (`app_probe.token_app`) against the fake Graph in its own process (`graph_process`),
as bench_app.py runs it. While the list loads, a sampler thread watches a ticker on the app's
loop; while the loop has not ticked for `--stall-ms`, it samples the UI thread's stack every
millisecond. Each stall is printed with its length and the app frames most often on the stack
(innermost last). Then the `os:ios iphone` query is typed and the list sorted by name, each
keystroke timed from the key press to the next frame; with `--profile`, the slowest of them
is printed as a cProfile table. `TRACE_APP_REPO=/other/checkout` traces another checkout's app.
Each stall also names where the other busy threads were (the one holding the GIL is often why
the UI thread, back from `select`, cannot go on); the table's appends (rows, UI-thread ms) and
the store's whole-column changes are listed. The app starts as the CLI starts it (collector off
and the row engine's import held until the first list is painted). `--load-only` stops once
the list has loaded (for a sampling profiler run around the whole script, e.g. py-spy).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import os
import pstats
import sys
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

# TRACE_APP_REPO: the checkout whose app (and app_probe, graph_process) is traced.
REPO = Path(os.environ.get("TRACE_APP_REPO") or Path(__file__).resolve().parents[2])
HERE = REPO / "tests" / "perf"
for path in (str(REPO), str(HERE)):
    if path not in sys.path:
        sys.path.insert(0, path)

from app_probe import SCREEN_SIZE, Probe, token_app  # noqa: E402
from graph_process import GraphProcess  # noqa: E402

FIELD_QUERY = "os:ios iphone"


class StallSampler:
    """Samples the UI thread's stack while its event loop is late."""

    def __init__(self, stall_seconds: float) -> None:
        self.stall = stall_seconds
        self.beat = time.perf_counter()
        self.stalls: list[tuple[float, float, Counter[str]]] = []  # (start, length, stacks)
        self._thread_id = threading.get_ident()
        self._running = True
        self._sampler = threading.Thread(target=self._watch, daemon=True)

    async def tick(self) -> None:
        while self._running:
            self.beat = time.perf_counter()
            await asyncio.sleep(0.002)

    def start(self) -> None:
        asyncio.get_running_loop().create_task(self.tick())
        self._sampler.start()

    def stop(self) -> None:
        self._running = False

    def _watch(self) -> None:
        current: Counter[str] | None = None
        started = 0.0
        while self._running:
            time.sleep(0.001)
            now = time.perf_counter()
            late = now - self.beat
            if late >= self.stall:
                if current is None:
                    current, started = Counter(), self.beat
                frames = sys._current_frames()
                frame = frames.get(self._thread_id)
                if frame is not None:
                    current[_stack(frame)] += 1
                # Where the other threads are meanwhile (the one holding the GIL most of the
                # time is often the reason the UI thread, back from select, cannot go on).
                for ident, other in frames.items():
                    if ident not in (self._thread_id, threading.get_ident()):
                        where = _where(other)
                        if where:
                            current[f"[{_names.get(ident, ident)}] {where}"] += 1
            elif current is not None:
                self.stalls.append((started, now - started, current))
                current = None


_names: dict[int | None, str] = {}
_IDLE = ("wait", "_worker", "select", "_watch", "sleep", "poll", "run_forever", "_run_once",
         "read", "readline", "_bootstrap", "_bootstrap_inner")


def _where(frame: Any) -> str:
    """A busy thread's innermost frames (of the app's code when it is in it); "" when idle."""
    if frame.f_code.co_name in _IDLE:
        return ""
    if frame.f_code.co_name not in _IDLE and not _names:
        _names.update({thread.ident: thread.name for thread in threading.enumerate()})
    stack = traceback.extract_stack(frame)
    mine = [summary for summary in stack if "intune_tui" in summary.filename]
    picked = (mine[-2:] if mine else []) + [stack[-1]]
    return " < ".join(f"{Path(summary.filename).name}:{summary.lineno} {summary.name}"
                      for summary in reversed(picked))


def _stack(frame: Any) -> str:
    lines = []
    for summary in traceback.extract_stack(frame)[-14:]:
        where = summary.filename.replace(str(REPO) + "/", "")
        if "site-packages" in where:
            where = "…" + where.split("site-packages")[-1]
        lines.append(f"{where}:{summary.lineno} {summary.name}")
    return "\n      ".join(lines)


def watch_reshapes() -> list[tuple[Any, ...]]:
    """Record every whole-column change of the row store (a kind widened, a derived column
    given values of its own): (what, column, kinds, rows, ms)."""
    from intune_tui.table import store

    events: list[tuple[Any, ...]] = []
    own_values, convert_own = store.own_values, store.ColumnStore._convert_own

    def timed_own(frame: Any, kinds: Any, objects: Any, differs: Any, name: str,
                  derived: str) -> Any:
        start = time.perf_counter()
        result = own_values(frame, kinds, objects, differs, name, derived)
        events.append(("own values", name, derived, frame.height,
                       round((time.perf_counter() - start) * 1000, 1)))
        return result

    def timed_convert(self: Any, name: str, kind: str, new_kind: str) -> None:
        start = time.perf_counter()
        convert_own(self, name, kind, new_kind)
        events.append(("convert", name, f"{kind}->{new_kind}", self._length,
                       round((time.perf_counter() - start) * 1000, 1)))

    store.own_values = timed_own  # type: ignore[assignment]
    store.ColumnStore._convert_own = timed_convert  # type: ignore[method-assign]
    return events


class FullCollections:
    """Every full garbage collection: when, how long, on which thread, what it found."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, float, str, int, int]] = []
        self._started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
            return
        now = time.perf_counter()
        self.seen.append((now, now - self._started, threading.current_thread().name,
                          info["collected"], len(gc.get_objects(2))))


def watch_appends() -> list[tuple[int, float]]:
    """(rows added, seconds of the UI thread) of each page the list's table appends."""
    from intune_tui.ui.widgets.resource_table import ResourceTable

    appends: list[tuple[int, float]] = []
    original = ResourceTable.append_rows

    def append_rows(table: Any, rows: Any, **kwargs: Any) -> None:
        before, started = table.rows_count, time.perf_counter()
        original(table, rows, **kwargs)
        appends.append((table.rows_count - before, time.perf_counter() - started))

    ResourceTable.append_rows = append_rows  # type: ignore[method-assign]
    return appends


def print_appends(appends: list[tuple[int, float]]) -> None:
    times = sorted(seconds for _, seconds in appends)
    if not times:
        return
    print(f"table appends: {len(times)} pages, {sum(rows for rows, _ in appends):,} rows, "
          f"{sum(times) * 1000:.0f} ms in all, p50 {times[len(times) // 2] * 1000:.1f} ms, "
          f"p95 {times[int(len(times) * 0.95)] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms; "
          f"slowest (rows, ms): "
          + ", ".join(f"({rows}, {seconds * 1000:.0f})"
                      for rows, seconds in sorted(appends, key=lambda a: -a[1])[:5]))


async def run(url: str, token: str, devices: int, profile: bool, stall: float,
              load_only: bool = False) -> None:
    reshapes = watch_reshapes()
    appends = watch_appends()
    collections = FullCollections()
    app = token_app(url, token=token)
    probe = Probe(app)
    sampler = StallSampler(stall)
    if stall > 0:
        app.load_hooks.append(sampler.start)
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        screen = app.screen
        await probe.wait_for(lambda: screen.table.rows_count >= devices and screen._complete,
                             900)
        assert probe.started is not None
        first = probe.first_append_at_least(1)
        started = probe.started
        loads = [round(moment - started, 3) for moment in probe.loads]
        frame = probe.frame_after(first or 0) or 0
        print(f"list asked {loads} s, first page in table {first and round(first - started, 3)}"
              f" s, first frame after {round(frame - started, 3)} s")
        loaded_at = time.perf_counter()
        print(f"loaded at {loaded_at - probe.started:.2f} s, process CPU "
              f"{time.process_time():.2f} s")
        print_appends(appends)
        print("whole-column changes while loading (what, column, kinds, rows, ms):",
              reshapes or "none")
        if load_only:
            sampler.stop()
            print_stalls(sampler, probe.started, loaded_at, stall)
            return
        impl = screen.table._store._impl
        kinds = getattr(impl, "_kinds", {})
        print("store columns (name kind [exceptions]):", ", ".join(
            f"{name} {kind}" + (f" [{len(impl._exceptions[name])}]"
                                if impl._exceptions.get(name) else "")
            for name, kind in kinds.items()))
        # What bench_app.py does next, with the same pauses and waits.
        await pilot.pause(0.2)
        keys: list[tuple[float, str, cProfile.Profile, str]] = []
        for query in ("ingrid", "os:ios iphone"):
            await pilot.press("slash")
            for character in query:
                key = {" ": "space", ":": "colon"}.get(character, character)
                keys.append(await timed(pilot, probe, key, probe.filters, profile))
            await pilot.press("escape")
            await pilot.pause(0.1)
        for key in ("s", "s", "right", "right", "right", "right", "right", "right", "s"):
            if key == "s":
                keys.append(await timed(pilot, probe, key, probe.sorts, profile))
            else:
                await pilot.press(key)
        sampler.stop()
        print_stalls(sampler, probe.started, loaded_at, stall)
        print("\n== full garbage collections (at s, ms, thread, collected, objects in the "
              "oldest generation after it) ==")
        for when, seconds, thread, collected, left in collections.seen:
            print(f"   {when - probe.started:.2f}{' (after load)' if when > loaded_at else ''}"
                  f" {seconds * 1000:.0f} ms {thread} {collected} {left}")
        print("\n== whole-column changes (what, column, kinds, rows, ms) ==")
        for event in reshapes:
            print(f"   {event}")
        print("\n== keys (to screen; UI thread CPU; process CPU; other threads busy) ==")
        for elapsed, key, _, note in keys:
            print(f"{key}: {elapsed * 1000:.1f} ms  {note}")
        if profile:
            for elapsed, key, prof, _ in sorted(keys, key=lambda k: k[0])[-2:]:
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
                print(f"\n== profile of {key} ({elapsed * 1000:.1f} ms) ==\n{out.getvalue()}")


def print_stalls(sampler: StallSampler, started: float, loaded_at: float, stall: float) -> None:
    print(f"\n== stalls of {stall * 1000:.0f} ms or more ==")
    for start, length, stacks in sampler.stalls:
        when = start - started
        print(f"-- at {when:.2f} s{' (after load)' if start > loaded_at else ''}: "
              f"{length * 1000:.0f} ms, {sum(stacks.values())} samples")
        mine = Counter({stack: count for stack, count in stacks.items()
                        if not stack.startswith("[")})
        others = Counter({stack: count for stack, count in stacks.items()
                          if stack.startswith("[")})
        for stack, count in mine.most_common(2):
            print(f"   {count} x\n      {stack}")
        for stack, count in others.most_common(3):
            print(f"   other thread, {count} x: {stack}")


def _busy_threads() -> str:
    """Threads other than this one, with the function each is in (idle pool threads left out)."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    busy = []
    for ident, frame in sys._current_frames().items():
        if ident == threading.get_ident():
            continue
        where = f"{frame.f_code.co_name}"
        if where in ("wait", "_worker", "select", "_watch", "sleep", "poll", "run_forever",
                     "_run_once", "read", "readline"):
            continue
        busy.append(f"{names.get(ident, ident)}:{where}")
    return ",".join(busy)


async def timed(pilot: Any, probe: Probe, key: str, calls: list[float],
                profile: bool) -> tuple[float, str, cProfile.Profile, str]:
    await pilot.pause(0.05)
    before = len(calls)
    prof = cProfile.Profile()
    busy = _busy_threads()
    cpu, process_cpu = time.thread_time(), time.process_time()
    pressed = time.perf_counter()
    if profile:
        prof.enable()
    await pilot.press(key)
    await probe.wait_for(lambda: len(calls) > before, 5.0, 0.001)
    frame = await probe.next_frame_after(calls[-1]) if len(calls) > before else None
    prof.disable()
    note = (f"ui cpu {(time.thread_time() - cpu) * 1000:.0f} ms, process cpu "
            f"{(time.process_time() - process_cpu) * 1000:.0f} ms, busy [{busy}]")
    if frame is None:  # the key made no call (a query the box cannot run yet): not timed
        return (0.0, key + " (no call)", prof, "")
    return (frame - pressed, key, prof, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--stall-ms", type=float, default=40.0)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--load-only", action="store_true",
                        help="stop once the list has loaded (no keystrokes; for a profiler "
                             "run around the whole script); --stall-ms 0: no stall sampler")
    args = parser.parse_args()
    from intune_tui.ui import startup

    with GraphProcess(args.devices, args.latency_ms) as graph:
        # As the CLI starts the app (bench_app.run_app does the same).
        startup.pause_gc()
        startup.hold_engine_import()
        try:
            asyncio.run(run(graph.url, graph.token, args.devices, args.profile,
                            args.stall_ms / 1000, args.load_only))
        finally:
            startup.resume_gc()
            startup.release_engine_import()


if __name__ == "__main__":
    main()
