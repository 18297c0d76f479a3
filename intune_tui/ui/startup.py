"""Start-up tricks: what makes `intune-tui` paint its first device rows sooner, in one place.

Each trick is kept for a gain measured with tests/perf/bench_startup.py's method at 10,000 demo
devices: exec to the first device rows on a pty, each trick turned off in turn against all of
them on, runs alternating, medians of 9 (2026-12-06, the 2-core machine while ~7 other sessions
loaded it, load average ~16: wall times ~5x an idle machine's, so the CPU seconds the app
process used until its first rows are given too, they suffer less from the load). All on: first
rows after 4.30 s wall, 0.85 s CPU.

Re-measured 2026-12-07 at the target's size (bench_startup.py --trees, 2,000 demo devices, each
trick off in a copy of the tree against all on, runs alternating, medians of 9, load average
2.7-4.6): all on, first rows after 0.99 s wall, 0.59 s CPU (the reference screen: 0.51 s, 0.34 s).
Each gain below names its measurement.

Not a start-up trick: the worker's 1 ms GIL switch interval (worker.py). Turned off, the first
rows came 30 ms wall / 20 ms CPU *sooner*, within the noise; it stays in the worker for what it
is for, a key pressed or a frame painted while a long list loads waits at most 1 ms for the GIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, TypeVar

from intune_tui.ui import collector

if TYPE_CHECKING:
    from intune_tui.worker import WorkerEvent

S = TypeVar("S")
T = TypeVar("T")

# -- the garbage collector off until the first rows are painted --------------------------------
# Start-up allocates so many objects (imports, styles, widgets, the first page) that the cyclic
# collector ran ~165 times during it, ~40 ms of a ~0.44 s start. The CLI turns it off before it
# imports the app; the app turns it on once the first list page is painted, the first list fails,
# or this long after mount at the latest (a sign-in may come first).
# Measured gain at 10k rows: 0.66 s wall, 0.13 s CPU. At 2k rows (2026-12-07): 0.05 s wall,
# 0.20 s CPU.
START_UP_GC_AT_THE_LATEST = 3.0


_release_gc: Callable[[], None] | None = None


def pause_gc() -> None:
    """A hold on the collector (`ui.collector`, the one switch every hold shares) for start-up."""
    global _release_gc
    if _release_gc is None:
        _release_gc = collector.hold()


def resume_gc() -> None:
    global _release_gc
    if _release_gc is not None:
        _release_gc()
        _release_gc = None


# -- the row engine's import after the first rows --------------------------------------------
# A table starts importing polars and numpy on a thread when it is built (table/columns.py), so
# the engine is there when a long list needs columns. During start-up that thread still takes
# the GIL from the UI thread: the CLI holds it back before the app's imports and the app lets it
# go when start-up is over (with the collector, above). A warm start's snapshot decode imports
# polars itself and is not held.
# Measured (bench_startup.py's method, 2,000 demo devices, 9 runs each alternating, load ~3.6,
# 2026-12-07): first rows 0.887 -> 0.779 s wall, 0.680 -> 0.560 s CPU of the app's process.
# Re-measured (2026-12-07, the header's run): 0.22 s wall, 0.18 s CPU.


def hold_engine_import() -> None:
    from intune_tui.table.columns import hold_preload

    hold_preload()


def release_engine_import() -> None:
    from intune_tui.table.columns import release_preload

    release_preload()


# -- what the first frame does without, imported after it --------------------------------------
# The first frame imports only what the device list's first page and frame need. The records of
# one item (`intune.models`), the remote actions (`intune.actions`, `intune.action_run`) and the
# search parser (`intune.search`) are used from the first Enter, `a` or search keystroke on:
# they are imported on a thread once start-up is over, so neither the first frame nor that
# first key waits for them (a key pressed before the thread is done waits on Python's import
# lock for the rest of that module only).
# Measured (2026-12-07): the instructions of the first frame's imports and the app's
# construction (valgrind callgrind, deterministic) 1.69 -> 1.54 billion, ~9% (~30 ms of CPU on
# this machine); the app's CPU at its first frame (in-process, 2,000 demo devices, 11 runs each
# alternating, load ~7.5) 0.677 -> 0.657 s, within the noise at that load.
WARM_AFTER_START_UP = (
    "intune_tui.intune.models",
    "intune_tui.intune.actions",
    "intune_tui.intune.action_run",
    "intune_tui.intune.search",
    # The device screen and what it shows: the first Enter on a device imported them before its
    # screen could start. First Enter to the device screen (demo, headless, 3 runs each,
    # alternating, load ~2, 2026-12-07): 467-526 -> 290-370 ms, CPU 361-374 -> 205-259 ms.
    "intune_tui.ui.screens.device_detail",
)

# Set once the warming thread has ended. An Event, not the Thread: a Thread keeps the
# `sys.stderr` of the moment it was made, the running app's print capture, and so the app
# (table/columns.py's preload says more).
_warmed: threading.Event | None = None


def warm_imports() -> None:
    """Import `WARM_AFTER_START_UP` on a daemon thread, once a process (returns at once)."""
    global _warmed
    if _warmed is not None:
        return
    ended = threading.Event()

    def load() -> None:
        try:
            for module in WARM_AFTER_START_UP:
                importlib.import_module(module)
        finally:
            ended.set()

    _warmed = ended
    threading.Thread(target=load, name="warm-imports", daemon=True).start()


# -- the first list asked for before its screen exists -----------------------------------------
# The app asks for the first area's list in on_load, not once its screen is composed (~0.1 s
# later), so Graph's answer is on its way while the UI starts; the screen takes that stream over.
# Measured gain at 10k rows: 1.52 s wall, 0.23 s CPU.


class EarlyStream:
    """The first list, asked for before its screen existed.

    Until a screen claims it, the worker's events for it are kept here, from the worker's
    thread, rather than posted: the UI thread is busy composing that screen and would only
    read them after the first frame. The screen then shows them before the first frame.
    """

    def __init__(self, view: str) -> None:
        self.view = view
        self.stream_id = 0
        self._lock = threading.Lock()
        self._events: list[WorkerEvent] = []
        self._claimed = False

    def keep(self, event: WorkerEvent) -> bool:
        """Keep `event` if it belongs here and nobody claimed it yet (any thread)."""
        if getattr(event, "view", None) != self.view:
            return False
        with self._lock:
            if self._claimed:
                return False
            self._events.append(event)
            return True

    def claim(self) -> list[WorkerEvent]:
        """What came so far; what comes next is posted to the app as usual."""
        with self._lock:
            self._claimed = True
            events, self._events = self._events, []
        return events


# -- the first list's later pages after the first frame ---------------------------------------
# The first list's first page is all the first frame shows (the preview page of 100 rows, or the
# first full page). The pages after it came while the first screen was still being built, and
# the worker turned each into rows (~35 ms of CPU a 1,000 devices) and the UI thread appended
# them before its first frame, both on the one GIL. The early stream takes its pages after the
# first one only once the first frame is out (or start-up is over at the latest): the requests
# are already on their way, only turning the answers into rows waits.
# Measured (2026-12-07, the app's CPU and wall time at its first frame, in-process, 2,000 demo
# devices, 11 runs each alternating with the tree before it, load ~7.5): 0.657 -> 0.513 s CPU,
# 0.920 -> 0.793 s wall; the worker's CPU by the first frame 50-80 -> ~20 ms. The list's first
# frame still has its rows (bench_startup: "Loading…" first in 1 run of 15).


# The first full page's answer waits for the first frame too, when the preview came first
# (`IntuneService.list_pages(full_page_after=...)`): it is still asked for beside the preview,
# but on a fast Graph (the demo's, on loopback) its answer (1,000 devices, ~0.7 MB) was read and
# decoded by the worker before the first frame, taking the GIL from it. The answer now waits,
# unread, in its connection until the first frame is out and the preview's answer is in (or
# 1 s has passed: `IntuneService` `PREVIEW_HEAD_START`), so that when the first frame came
# still without rows ("Loading…"), the preview's rows are not held back behind it either
# (`GraphClient`'s `read_after`). On a slower Graph both are out before it comes.
# Measured (2026-12-07, valgrind, instructions of the app's process to its first rows, 2,000
# demo devices, PYTHONHASHSEED=0, 2 runs each): the worker's 92 -> 43 million; asking for the
# page only after the first frame saved 6 million more, but delayed the whole list by the
# time to the first frame, which a real tenant's list pays.


class FirstFrameGate:
    """Opened once, from any thread, when the app's first frame is out; a coroutine on any
    event loop waits for it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = False
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def open(self) -> None:
        with self._lock:
            self._open = True
            waiting, self._waiting = self._waiting, []
        for loop, future in waiting:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_wake, future)

    async def wait(self) -> None:
        if self._open:  # every page after the gate opened: nothing to wait for
            return
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._open:
                return
            self._waiting.append((loop, future))
        await future

    def after_first_page(self, pages: Callable[[S], AsyncIterator[T]]
                         ) -> Callable[[S], AsyncIterator[T]]:
        """`pages` whose first page comes at once and the others once the gate is open."""

        async def held(service: S) -> AsyncIterator[T]:
            stream = pages(service)
            try:
                async for page in stream:
                    yield page
                    await self.wait()
            finally:
                close = getattr(stream, "aclose", None)
                if close is not None:
                    await close()

        return held


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# -- the key bar mounted after the first rows --------------------------------------------------
# Textual's Footer is one widget per key, restyled at every focus change: on a first screen that
# is ~100 ms of UI-thread work, which held the first rows back. A list screen mounts its
# KeyFooter after the frame with its first rows (or when the list ends or fails), and at the
# latest `Timings.footer_at_the_latest` after it mounts; at start-up that frame is the app's
# first (next trick).
# Measured gain at 10k rows: 2.25 s wall, 0.47 s CPU.


# -- what would hold the first rows back waits for the app's first frame ---------------------
# While Textual mounts the first screen it paints nothing (a batch update until the app is
# ready) and runs `call_after_refresh` callbacks at once. When the first page came during that
# mount (the demo's Graph answers in ~50 ms), "after the frame with the rows" was before the
# first frame: the key bar (~100 ms), the first page's gc.freeze (a young collection over every
# start-up object, the collector being off), the loaded list's full collection and the snapshot
# writer's thread (keyring, cryptography, the row engine's imports) all ran before the rows
# were painted. `IntuneApp.after_first_frame` holds them until Textual's Ready has been
# followed by a refresh; afterwards it runs them at once.
# Measured gain (2026-12-07, the header's run): 0.03 s wall, 0.08 s CPU.


# -- the terminal's size handled once ------------------------------------------------------
# Textual (8.2.8) hands the first screen the terminal's size three times at start-up: its own
# Resize after its first layout, then the app's first Resize and the driver's, both unchanged,
# after the app's start-up batch. Each laid out the whole screen and painted what had changed
# since, before the frame with the rows. A list screen lets a Resize to the size it is already
# laid out at go (`ResourceListScreen._on_resize`); the first rows' frame then comes after one
# partial paint instead of three.
# The screen is also given its width class (-narrow, -wide) when it is built: that first Resize
# then changes no class, and the whole screen is not restyled once more before its first rows.
# Measured (2026-12-07, the app's CPU seconds at its first rows, in-process, 9 runs each
# alternating with the tree before it, load ~8.6): 273.7 -> 268.8 ms (main thread 265.0 ->
# 258.3 ms); Textual's paint work before the rows: 2 reflows and 2 partial paints fewer. With
# the width class too (same method, load ~15): 272.5 -> 262.6 ms (main thread 264.0 -> 254.2).


# -- parsed style rules kept between runs ----------------------------------------------------
# The first app of a process parsed ~13 KB of our CSS and Textual's widgets' defaults (35-65 ms
# of CPU on the loaded machine, each parse timed). The CLI's app keeps the parsed rules in the
# user's cache folder (ui/stylesheet.py's `RulesOnDisk`) and reads them back, as Python keeps
# bytecode; the first launch after an install or upgrade parses and writes them.
# Measured gain (2026-12-07, bench_startup.py --trees, the cache off in a copy of the tree,
# medians of 11, load average ~10): 0.05 s wall, 0.05 s CPU.


# -- dataclasses' methods compiled once per machine ---------------------------------------------
# Python 3.11 compiles every dataclass's generated methods from source text when the class is
# defined: ~500 texts on the way to the first frame (ours, Textual's, anyio's, h11's). The CLI
# (and the demo's Graph process) run them from code kept in the user's cache folder
# (`code_cache.py`), as Python keeps bytecode; the first launch after an install or upgrade
# compiles and writes them.
# Measured (2026-12-07): the instructions of the CLI's imports up to the first screen and the
# network transport (valgrind, deterministic) 1.457 -> 1.198 billion (the imports left out of
# the first frame's path, tests/ui/test_startup.py, took 1.506 -> 1.457); bench_startup.py
# --trees (15 each, load 6.6-10): the app's CPU at its first rows 0.39 -> 0.34 s (1.63x ->
# 1.42x the reference's), both changes together.
