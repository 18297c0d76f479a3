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
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intune_tui.intune.resources import Row
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
                          len(rows.rows) if rows is not None else "no",
                          time.perf_counter() - started)
                future.set_result(rows)
            except Exception:  # a bug: the live list comes all the same
                log.exception("the snapshot of %s could not be read", resource_key)
                future.set_result(None)

        self._reads[resource_key] = future
        threading.Thread(target=read, name="intune-tui-snapshot-read", daemon=True).start()

    def take(self, resource_key: str, deliver: Callable[[WarmRows], None]) -> bool:
        """Hand the list's snapshot rows to `deliver` on the UI thread once read (not at all when
        there are none). False when snapshots are off. Call on the UI thread."""
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

    def save(self, resource_key: str, rows: Sequence[Row]) -> None:
        """Write the rows of a fully loaded list to its snapshot, in a thread (encoding and
        encrypting 100,000 rows takes a while; the keyring may too)."""
        if not self.enabled:
            return
        settings, session, kept = self._app.settings, self._session, list(rows)
        future: Future[object] = Future()

        def write() -> None:
            try:
                from intune_tui.intune.resources import RESOURCES
                from intune_tui.warm_start import snapshot_access, write_rows

                access = snapshot_access(settings, session)
                future.set_result(
                    write_rows(access, RESOURCES[resource_key], kept) if access else None)
            except Exception:
                log.exception("the snapshot of %s could not be written", resource_key)
                future.set_result(None)

        self.saving = future
        # Not a daemon: a write under way when the app quits finishes (it replaces the file
        # atomically either way; a keyring that hangs is given up after keyring_timeout).
        threading.Thread(target=write, name="intune-tui-snapshot-write").start()
