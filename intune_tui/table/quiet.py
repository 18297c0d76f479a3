"""Background work on a table's rows that waits for the user to stop typing (issue 21).

Once a long list has loaded, worker threads work on its rows: the sort orders
(`RowStore.prepare_sorts`) and the snapshot (`RowStore.dump`), seconds of CPU at a million
rows, most of it in the row engine's thread pool. A keystroke's filter needs that pool (and a
core) at once: typing while they ran took 130-670 ms a keystroke at a million rows instead of
~50 ms. `Quiet` lets the table say when the user last filtered or sorted (`touch`, UI thread)
and the workers wait for a quiet moment before each heavy step (`wait`, worker threads).

A long list loading behind a snapshot's frame is such work too: reading, building and keeping
its pages (threads of their own, each page's Python holding the GIL) made the first keystroke
on a warm start's frame wait 0.1-0.25 s at a million devices. Its threads `pace` on the app's
`Quiet`, which the list's table touches.
"""

from __future__ import annotations

import time
from collections.abc import Callable

QUIET_SECONDS = 0.5  # the user is still typing when the last filter is more recent than this
# `Quiet.pace`: a unit of background work waits this long at most, so a list still loads (a page
# at a time) under a user who never stops typing.
PACE_AT_MOST = 1.0


class Quiet:
    """When the user last asked a table for something (a filter, a sort), and a wait for a
    moment without that, for worker threads. Thread-safe without a lock: one float, set and
    read whole."""

    def __init__(self, quiet_seconds: float = QUIET_SECONDS, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], object] = time.sleep) -> None:
        self._quiet_seconds = quiet_seconds
        self._clock = clock
        self._sleep = sleep
        self._last = float("-inf")

    def touch(self) -> None:
        """The user did something (UI thread)."""
        self._last = self._clock()

    def quiet_for(self) -> float:
        """Seconds since the user last did something."""
        return self._clock() - self._last

    def pace(self) -> None:
        """Before each unit of background work that shares the GIL and the cores with the UI
        thread (a live list's page read, built or kept behind a snapshot): wait while the user
        types, `PACE_AT_MOST` at most (worker threads)."""
        self.wait(PACE_AT_MOST)

    def wait(self, at_most: float | None = None) -> bool:
        """Return once nothing was asked for `quiet_seconds`, or after `at_most` seconds
        (worker threads). True when it is quiet."""
        deadline = None if at_most is None else self._clock() + at_most
        while True:
            left = self._quiet_seconds - self.quiet_for()
            if left <= 0:
                return True
            if deadline is not None:
                if self._clock() >= deadline:
                    return False
                left = min(left, deadline - self._clock())
            self._sleep(left)  # touched meanwhile: the next turn waits again
