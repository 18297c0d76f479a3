"""The app's side of warm start (issue 21): a list's snapshot read in a thread at start and
handed to its screen on the UI thread; a fully loaded list written in a thread.

What is read, written and how is `intune_tui.warm_start`'s (imported in those threads: its
cryptography and keyring imports stay off the UI thread and out of the first frame).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from intune_tui.table.store import RowStore

if TYPE_CHECKING:
    from intune_tui.config import Settings
    from intune_tui.intune.resources import Row
    from intune_tui.intune.service import RowPage
    from intune_tui.ui.app import IntuneApp
    from intune_tui.warm_start import EarlyRows, WarmRows

log = logging.getLogger(__name__)
PageT = TypeVar("PageT")

# The live list's first request waits for the snapshot's frame at most this long (seconds): a
# read slower than that (a keyring that takes its time) lets the live list start regardless,
# and its pages then go behind the snapshot once it comes.
LIVE_WAITS_AT_MOST = 5.0

# The first screen's list (`ui.app.FIRST_MODE`'s screen's first view), read ahead by the CLI.
FIRST_LIST = "devices"

# Snapshots read by `read_ahead` (at most one a process), by profile and list, until taken.
_early: dict[tuple[str, str], Future[EarlyRows | None]] = {}


def read_ahead(settings: Settings, resource_key: str = FIRST_LIST) -> None:
    """Start reading the first list's snapshot now, before the app and Textual are imported (a
    third of a second of start-up on an idle machine): the session, which says whose rows they
    must be, is not there yet, so the rows are decoded now and handed over by the app's
    `WarmStarts` only when the session's profile and tenant are theirs
    (`warm_start.claim`). Nothing when snapshots are off or there is no file (one stat)."""
    from intune_tui.snapshot_files import session_profile, snapshot_on_disk

    profile = session_profile(settings)
    if not settings.snapshot or (profile, resource_key) in _early \
            or not snapshot_on_disk(settings.data_dir, profile, resource_key):
        return
    future: Future[EarlyRows | None] = Future()
    _early[(profile, resource_key)] = future

    def read() -> None:
        try:
            _preload_engine()
            from intune_tui.intune.resources import RESOURCES
            from intune_tui.warm_start import read_rows_early

            future.set_result(read_rows_early(settings, RESOURCES[resource_key]))
        except Exception:  # a bug: the app reads it again, or the live list comes all the same
            log.exception("the snapshot of %s could not be read ahead", resource_key)
            future.set_result(None)

    threading.Thread(target=read, name="intune-tui-snapshot-ahead", daemon=True).start()


def _preload_engine() -> None:
    """The table showing the rows needs the whole engine (numpy too, which the decode does not
    import): imported beside the read, not after it on the UI thread (`wait_for_engine`,
    0.1-0.14 s of the snapshot's frame at a million)."""
    from intune_tui.table.columns import preload_engine, release_preload

    release_preload()
    preload_engine()


class WarmStarts:
    """One session's list snapshots. Each read is handed over once; a result that arrives after
    the session changed (another tenant) is dropped."""

    def __init__(self, app: IntuneApp) -> None:
        self._app = app
        self._session = app.session
        self._reads: dict[str, Future[WarmRows | None]] = {}
        # Per list read: done once its snapshot is on screen, or known to be absent.
        self._settled: dict[str, Future[None]] = {}
        # The last write started (tests and quitting can wait for it); None before any.
        self.saving: Future[object] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._app.settings.snapshot)

    def prefetch(self, resource_key: str) -> None:
        """Start reading the list's snapshot now, so it is ready when its screen asks."""
        if not self.enabled or resource_key in self._reads:
            return
        settings, session, now = self._app.settings, self._session, self._app.now()
        future: Future[WarmRows | None] = Future()
        settled: Future[None] = Future()
        self._reads[resource_key] = future
        self._settled[resource_key] = settled
        from intune_tui.snapshot_files import snapshot_on_disk

        early = _early.pop((session.profile, resource_key), None)
        if early is None and not snapshot_on_disk(settings.data_dir, session.profile,
                                                  resource_key):
            # A cold start: known at once (one stat), so the live list is not held back until
            # a thread, which the starting UI leaves little of the GIL to, has said so.
            future.set_result(None)
            settled.set_result(None)
            return

        def read() -> None:
            try:
                _preload_engine()
                from intune_tui.intune.resources import RESOURCES
                from intune_tui.warm_start import claim, read_rows, snapshot_access

                started = time.perf_counter()
                access = snapshot_access(settings, session)
                if access is None:
                    rows = None
                elif early is not None:  # read ahead: the rows if this session's
                    ahead = early.result()
                    rows = (claim(ahead, access, RESOURCES[resource_key], now)
                            if ahead is not None else None)
                else:
                    rows = read_rows(access, RESOURCES[resource_key], now)
                log.debug("snapshot of %s: %s rows, read in %.3f s", resource_key,
                          rows.count if rows is not None else "no",
                          time.perf_counter() - started)
            except Exception:  # a bug: the live list comes all the same
                log.exception("the snapshot of %s could not be read", resource_key)
                rows = None
            if rows is None:
                _settle(settled)
            future.set_result(rows)

        threading.Thread(target=read, name="intune-tui-snapshot-read", daemon=True).start()

    def take(self, resource_key: str, deliver: Callable[[WarmRows], None], *,
             none: Callable[[], None] | None = None) -> bool:
        """Hand the list's snapshot rows to `deliver` on the UI thread once read (when there are
        none, `none` is called instead). False when snapshots are off. Call on the UI
        thread."""
        if not self.enabled:
            return False
        self.prefetch(resource_key)
        future = self._reads.pop(resource_key)
        settled = self._settled.get(resource_key)
        session = self._session

        def arrived(done: Future[WarmRows | None] | asyncio.Future[WarmRows | None]) -> None:
            if done.cancelled() or session is not self._app.session:
                return
            rows = done.result()
            if rows is None:
                if none is not None:
                    none()
                return
            try:
                deliver(rows)
            except Exception:  # a screen that closed meanwhile, or a bug: never crash the app
                log.exception("the snapshot of %s could not be shown", resource_key)
            if settled is not None:  # the live list starts once the snapshot's frame is drawn
                self._app.call_after_refresh(_settle, settled)

        if future.done():  # read already: shown now, in the list's first frame
            arrived(future)
        else:
            asyncio.wrap_future(future).add_done_callback(arrived)
        return True

    def live_after_snapshot(
            self, resource_key: str, pages: Callable[[Any], AsyncIterator[PageT]]
    ) -> Callable[[Any], AsyncIterator[PageT]]:
        """`pages` (a list's live load) starting only once the list's snapshot is on screen or
        known to be absent (`LIVE_WAITS_AT_MOST` at the longest): while a long snapshot is
        decoded, the live list's pages (their JSON, their columns, on the worker thread) would
        take the CPU it needs, and the pages would only go behind it."""
        settled = self._settled.get(resource_key)
        if settled is None or settled.done():
            return pages

        def gated(service: Any) -> AsyncIterator[PageT]:
            return _after(settled, resource_key, pages, service)

        return gated

    def save(self, resource_key: str, dump: Callable[[BinaryIO], bool], *,
             wait: Callable[[], object] | None = None) -> None:
        """Write the rows of a fully loaded list to its snapshot, in a thread: `dump` (called
        there: dumping a million rows takes seconds) writes them to the stream it is given,
        or returns False when they changed meanwhile (nothing is written then). `wait` is
        called there first, before the file is begun (it may wait for the user to stop
        typing)."""
        if not self.enabled:
            return
        settings, session = self._app.settings, self._session
        future: Future[object] = Future()

        def write() -> None:
            try:
                if wait is not None:
                    wait()
                from intune_tui.intune.resources import RESOURCES
                from intune_tui.warm_start import snapshot_access, write_rows

                access = snapshot_access(settings, session)
                future.set_result(
                    write_rows(access, RESOURCES[resource_key], dump) if access else None)
            except Exception:
                log.exception("the snapshot of %s could not be written", resource_key)
                future.set_result(None)

        self.saving = future
        # Not a daemon: a write under way when the app quits finishes (it replaces the file
        # atomically either way; a keyring that hangs is given up after keyring_timeout).
        # Started once the app's first frame is out: its imports (keyring, cryptography, the
        # row engine) would take the GIL from the frame with a short list's first rows.
        thread = threading.Thread(target=write, name="intune-tui-snapshot-write")
        self._app.after_first_frame(thread.start)


def _settle(settled: Future[None]) -> None:
    if not settled.done():
        settled.set_result(None)


async def _after(settled: Future[None], resource_key: str,
                 pages: Callable[[Any], AsyncIterator[PageT]], service: Any
                 ) -> AsyncIterator[PageT]:
    """`pages(service)` once `settled` is done, or `LIVE_WAITS_AT_MOST` has passed."""
    try:
        await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(settled)), LIVE_WAITS_AT_MOST)
    except TimeoutError:
        log.info("the snapshot of %s is not on screen yet: the live list starts all the same",
                 resource_key)
    inner = pages(service)
    try:
        async for page in inner:
            yield page
    finally:
        close = getattr(inner, "aclose", None)
        if close is not None:
            await close()


class RowsBehind:
    """A live list loading behind other rows (the snapshot, or the list being refreshed): its
    pages appended to a store of its own on a worker thread, in order, so the UI thread never
    builds a million rows' columns; `when_filled` hands the store over once every page is in,
    for `ResourceTable.adopt_rows`."""

    def __init__(self, column_count: int, *, pace: Callable[[], object] | None = None) -> None:
        """`pace`: called (it may block) on the worker thread before each page is added."""
        from concurrent.futures import ThreadPoolExecutor

        self._pace = pace
        self.store: RowStore[Row] = RowStore(column_count)
        self.count = 0
        self._failed = False
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="intune-tui-rows-behind")

    def add(self, page: RowPage) -> None:
        """Queue a page (call on the UI thread, in the order pages arrive)."""
        self.count += page.size
        self._worker.submit(self._append, page)

    def _append(self, page: RowPage) -> None:
        if self._pace is not None:
            self._pace()
        if self._failed:
            return
        try:
            self.store.append(page.rows, columns=page.columns)
        except Exception:  # a bug: the rows shown stay, with an error
            log.exception("a page of the live list could not be kept")
            self._failed = True

    def when_filled(self, then: Callable[[RowStore[Row] | None], None]) -> None:
        """Call `then` on the UI thread with the store once every queued page is in it (None if
        one could not be added). No more pages after this."""
        done = self._worker.submit(lambda: None)
        self._worker.shutdown(wait=False)

        def filled(_: object) -> None:
            then(None if self._failed else self.store)

        asyncio.wrap_future(done).add_done_callback(filled)

    def drop(self) -> None:
        """Forget it: pages still queued are not added."""
        self._failed = True
        self._worker.shutdown(wait=False, cancel_futures=True)
