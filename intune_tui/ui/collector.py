"""Holding Python's cyclic garbage collector off: at start-up until the first rows
(`ui.startup.pause_gc`) and while a screen builds its first frame. Every hold goes through here,
so one hold ending never turns the collector on under another.

Building the device screen allocates tens of thousands of container objects (widgets, styles,
strips) between Enter and its first frame: the collector ran 35-60 young collections in that
window, and now and then a full one over every object of the app (2-30 ms each, 124 ms once,
measured 2026-12-07 on the 2-core machine, `gc.callbacks`). Held off, the same garbage is
collected once the frame is out, in one young collection instead of dozens.

Nothing is leaked by holding: reference counting still frees what has no cycle, and the
collector is on again after the frame, after `SAFETY_S` at the latest (a screen that fails to
mount), and never left off by a nested hold; a collector that was off before a hold (a test
that turned it off) stays off.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable

SAFETY_S = 2.0  # the longest a hold lasts, whatever happens to the screen

_holds = 0
_was_enabled = False


def hold() -> Callable[[], None]:
    """Turn the collector off until the returned callable is called (once counts; more calls
    do nothing)."""
    global _holds, _was_enabled
    if _holds == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _holds += 1
    released = False

    def release() -> None:
        global _holds
        nonlocal released
        if released:
            return
        released = True
        _holds -= 1
        if _holds == 0 and _was_enabled:
            gc.enable()

    with contextlib.suppress(RuntimeError):  # no running loop: the caller releases it
        asyncio.get_running_loop().call_later(SAFETY_S, release)
    return release
