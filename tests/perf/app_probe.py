"""Instruments for driving the real IntuneApp headless in benchmarks (not a test module).

- `token_app(url, token_or_command)`: the real app on a token session pointing at a loopback fake
  Graph (settings through `load_settings`, config/data/log dirs in a temp dir).
- `Probe`: installed on the app before it runs; records when the app started (its Load event,
  before the terminal is set up and the first screen composed: Textual sends Mount only after
  that screen is composed, with the first rows often in it already), every frame the
  compositor produced (`App._display`), every `ResourceTable.append_rows` / `set_filter` /
  `sort_by` call, full garbage collections, and the event-loop lag seen by a ticker task on the
  app's own loop (how late each `asyncio.sleep(interval)` wakes up: what a key press arriving at
  that moment would wait for).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import psutil

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

SCREEN_SIZE = (120, 40)
TICK_SECONDS = 0.005


def token_app(url: str, *, token: str | None = None, token_command: str | None = None) -> Any:
    """The real IntuneApp on a token session against `url` (a loopback fake Graph)."""
    from textual.types import CSSPathType

    from intune_tui.config import load_settings
    from intune_tui.session import graph_session
    from intune_tui.ui import app as app_module
    from intune_tui.ui.app import IntuneApp

    home = tempfile.mkdtemp(prefix="intune-tui-bench-")
    env = {f"INTUNE_TUI_{kind}_DIR": str(Path(home) / kind.lower())
           for kind in ("CONFIG", "DATA", "LOG")}
    env["INTUNE_TUI_GRAPH_URL"] = url
    if token is not None:
        env["INTUNE_TUI_ACCESS_TOKEN"] = token
    if token_command is not None:
        env["INTUNE_TUI_ACCESS_TOKEN_COMMAND"] = token_command
    settings = load_settings(None, env=env)

    class MeasuredIntuneApp(IntuneApp):
        """Runs `load_hooks` first when loaded (Textual then runs IntuneApp.on_load too)."""

        CSS_PATH: ClassVar[CSSPathType | None] = [
            str(Path(app_module.__file__).parent / path) for path in app_module.STYLESHEETS]
        load_hooks: ClassVar[list[Callable[[], None]]] = []

        def on_load(self) -> None:
            for hook in self.load_hooks:
                hook()

    return MeasuredIntuneApp(settings, graph_session(settings))


def rss_mib() -> float:
    return round(psutil.Process(os.getpid()).memory_info().rss / 2**20, 1)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def lag_summary(lags: Sequence[float]) -> dict[str, Any]:
    """max, p95, p99 and median of ticker lateness, in ms."""
    if not lags:
        return {"samples": 0}
    ordered = sorted(lags)

    def pick(fraction: float) -> float:
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]

    return {
        "samples": len(ordered),
        "max_ms": ms(ordered[-1]),
        "p99_ms": ms(pick(0.99)),
        "p95_ms": ms(pick(0.95)),
        "median_ms": ms(statistics.median(ordered)),
    }


class Probe:
    """Timestamps (time.perf_counter) of what the app did, taken on its own loop."""

    def __init__(self, app: Any) -> None:
        from intune_tui.ui.widgets.resource_table import ResourceTable

        self.app = app
        self.started: float | None = None
        self.frames: list[float] = []
        self.list_frames: list[float] = []  # the frames among them repainting the list's rows
        self.appends: list[tuple[float, int]] = []  # (end of call, rows loaded after it)
        self.filters: list[float] = []  # end of each set_filter call
        self.sorts: list[float] = []  # end of each sort_by call
        self.lags: list[tuple[float, float]] = []  # (when, lateness)
        self.full_gcs: list[tuple[float, float]] = []  # (when, seconds)
        self._gc_started = 0.0
        self._ticking = False
        self.loads: list[float] = []  # each list screen's load() (the stream is asked for)
        self._patch_display(app)
        self._patch_table(ResourceTable)
        self._patch_screen_load()
        self._patch_load(app)
        gc.callbacks.append(self._on_gc)

    # -- installation ------------------------------------------------------------------------

    def _patch_display(self, app: Any) -> None:
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append(time.perf_counter())
                if _repaints_list(screen, renderable):
                    self.list_frames.append(self.frames[-1])

        app._display = display

    def _patch_table(self, table_class: Any) -> None:
        probe = self
        append_rows, set_filter, sort_by = (table_class.append_rows, table_class.set_filter,
                                            table_class.sort_by)

        def timed_append(table: Any, rows: Any, **kwargs: Any) -> None:
            append_rows(table, rows, **kwargs)
            if table.id == "list":
                probe.appends.append((time.perf_counter(), table.rows_count))

        def timed_filter(table: Any, *args: Any, **kwargs: Any) -> None:
            set_filter(table, *args, **kwargs)
            probe.filters.append(time.perf_counter())

        def timed_sort(table: Any, *args: Any, **kwargs: Any) -> None:
            sort_by(table, *args, **kwargs)
            probe.sorts.append(time.perf_counter())

        table_class.append_rows = timed_append
        table_class.set_filter = timed_filter
        table_class.sort_by = timed_sort

    def _patch_screen_load(self) -> None:
        from intune_tui.ui.screens.resource_list import ResourceListScreen

        probe = self
        load = ResourceListScreen.load

        def timed_load(screen: Any, *args: Any, **kwargs: Any) -> None:
            probe.loads.append(time.perf_counter())
            load(screen, *args, **kwargs)

        ResourceListScreen.load = timed_load

    def _patch_load(self, app: Any) -> None:
        def on_load() -> None:
            self.started = time.perf_counter()
            self.start_ticker()

        app.load_hooks.append(on_load)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif info["generation"] == 2:
            now = time.perf_counter()
            self.full_gcs.append((now, now - self._gc_started))

    # -- the ticker --------------------------------------------------------------------------

    def start_ticker(self) -> None:
        if not self._ticking:
            self._ticking = True
            asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        while self._ticking:
            before = time.perf_counter()
            await asyncio.sleep(TICK_SECONDS)
            now = time.perf_counter()
            self.lags.append((now, max(0.0, now - before - TICK_SECONDS)))

    def stop(self) -> None:
        self._ticking = False
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    # -- reading -----------------------------------------------------------------------------

    def frame_after(self, moment: float) -> float | None:
        return next((frame for frame in self.frames if frame >= moment), None)

    def list_frame_after(self, moment: float) -> float | None:
        return next((frame for frame in self.list_frames if frame >= moment), None)

    def lags_between(self, start: float, end: float) -> list[float]:
        return [lag for when, lag in self.lags if start <= when <= end]

    def full_gcs_between(self, start: float, end: float) -> list[float]:
        return [seconds for when, seconds in self.full_gcs if start <= when <= end]

    def first_append_at_least(self, rows: int) -> float | None:
        return next((when for when, count in self.appends if count >= rows), None)

    async def wait_for(self, condition: Callable[[], bool], timeout: float,
                       poll: float = 0.01) -> bool:
        deadline = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > deadline:
                return False
            await asyncio.sleep(poll)
        return True

    async def next_frame_after(self, moment: float, timeout: float = 2.0) -> float | None:
        await self.wait_for(lambda: self.frame_after(moment) is not None, timeout, 0.001)
        return self.frame_after(moment)

    async def next_list_frame_after(self, moment: float, timeout: float = 2.0) -> float | None:
        """The first frame after `moment` that repaints the list's rows: a keystroke's first
        frame may hold only the letter typed, the rows it selects coming a frame later."""
        await self.wait_for(lambda: self.list_frame_after(moment) is not None, timeout, 0.001)
        return self.list_frame_after(moment)


def _repaints_list(screen: Any, update: Any) -> bool:
    """Whether a compositor update (Textual's `LayoutUpdate` or `ChopsUpdate`) paints lines of
    the screen's devices list (`#list`)."""
    try:
        region = screen.query_one("#list").region
    except Exception:  # no list on this screen
        return False
    if not region.height:
        return False
    lines = range(region.y, region.y + region.height)
    spans = getattr(update, "spans", None)
    if spans is not None:
        return any(y in lines for y, _, _ in spans)
    painted = getattr(update, "region", None)
    return painted is not None and painted.y < lines.stop and lines.start < painted.bottom
