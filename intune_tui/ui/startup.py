"""Start-up tricks: what makes `intune-tui` paint its first device rows sooner, in one place.

Each trick is kept for a gain measured with tests/perf/bench_startup.py's method at 10,000 demo
devices: exec to the first device rows on a pty, each trick turned off in turn against all of
them on, runs alternating, medians of 9 (2026-12-06, the 2-core machine while ~7 other sessions
loaded it, load average ~16: wall times ~5x an idle machine's, so the CPU seconds the app
process used until its first rows are given too, they suffer less from the load). All on: first
rows after 4.30 s wall, 0.85 s CPU.

Not a start-up trick: the worker's 1 ms GIL switch interval (worker.py). Turned off, the first
rows came 30 ms wall / 20 ms CPU *sooner*, within the noise; it stays in the worker for what it
is for, a key pressed or a frame painted while a long list loads waits at most 1 ms for the GIL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from intune_tui.ui import collector

if TYPE_CHECKING:
    from intune_tui.worker import WorkerEvent

# -- the garbage collector off until the first rows are painted --------------------------------
# Start-up allocates so many objects (imports, styles, widgets, the first page) that the cyclic
# collector ran ~165 times during it, ~40 ms of a ~0.44 s start. The CLI turns it off before it
# imports the app; the app turns it on once the first list page is painted, the first list fails,
# or this long after mount at the latest (a sign-in may come first).
# Measured gain at 10k rows: 0.66 s wall, 0.13 s CPU.
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


def hold_engine_import() -> None:
    from intune_tui.table.columns import hold_preload

    hold_preload()


def release_engine_import() -> None:
    from intune_tui.table.columns import release_preload

    release_preload()


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


# -- the key bar mounted after the first rows --------------------------------------------------
# Textual's Footer is one widget per key, restyled at every focus change: on a first screen that
# is ~100 ms of UI-thread work, which held the first rows back. A list screen mounts its
# KeyFooter after the frame with its first rows (or when the list ends or fails), and at the
# latest `Timings.footer_at_the_latest` after it mounts.
# Measured gain at 10k rows: 2.25 s wall, 0.47 s CPU.
