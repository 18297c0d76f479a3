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
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from intune_tui.table.store import RowStore

if TYPE_CHECKING:
    from intune_tui.intune.resources import Row
    from intune_tui.intune.service import RowPage
    from intune_tui.ui.app import IntuneApp
    from intune_tui.warm_start import WarmRows

log = logging.getLogger(__name__)


class WarmStarts:
    """One session's list snapshots. Each read is handed over once; a result that arrives after
    the session changed (another tenant) is dropped."""

    def __init__(self, app: IntuneApp) -> None:
        self._app = app
        self._session = app.session
        self._reads: dict[str, Future[WarmRows | None]] = {}
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

        def read() -> None:
            try:
                from intune_tui.intune.resources import RESOURCES
                from intune_tui.warm_start import read_rows, snapshot_access

                started = time.perf_counter()
                access = snapshot_access(settings, session)
                rows = read_rows(access, RESOURCES[resource_key], now) if access else None
                log.debug("snapshot of %s: %s rows, read in %.3f s", resource_key,
                          rows.count if rows is not None else "no",
                          time.perf_counter() - started)
                future.set_result(rows)
            except Exception:  # a bug: the live list comes all the same
                log.exception("the snapshot of %s could not be read", resource_key)
                future.set_result(None)

        self._reads[resource_key] = future
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

        if future.done():  # read already: shown now, in the list's first frame
            arrived(future)
        else:
            asyncio.wrap_future(future).add_done_callback(arrived)
        return True

    def save(self, resource_key: str, dump: Callable[[], bytes | None]) -> None:
        """Write the rows of a fully loaded list to its snapshot, in a thread: `dump` (called
        there: dumping a million rows takes seconds) gives them, or None when they changed
        meanwhile (nothing is written then)."""
        if not self.enabled:
            return
        settings, session = self._app.settings, self._session
        future: Future[object] = Future()

        def write() -> None:
            try:
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
        threading.Thread(target=write, name="intune-tui-snapshot-write").start()


class RowsBehind:
    """A live list loading behind other rows (the snapshot, or the list being refreshed): its
    pages appended to a store of its own on a worker thread, in order, so the UI thread never
    builds a million rows' columns; `when_filled` hands the store over once every page is in,
    for `ResourceTable.adopt_rows`."""

    def __init__(self, column_count: int) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.store: RowStore[Row] = RowStore(column_count)
        self.count = 0
        self._failed = False
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="intune-tui-rows-behind")

    def add(self, page: RowPage) -> None:
        """Queue a page (call on the UI thread, in the order pages arrive)."""
        self.count += len(page.rows)
        self._worker.submit(self._append, page)

    def _append(self, page: RowPage) -> None:
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
