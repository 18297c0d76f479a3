"""The one way a test waits for the app, `wait_until(pilot, predicate)`, and the app's own
delays cut short for tests, `FAST_TIMINGS` (what tests/ui/conftest.py's `make_app` passes).

`wait_until` lets the app run (answer the fake Graph, fire its timers, paint) until `predicate()`
holds, then one more pause so the frame that shows it is drawn. Tests never sleep a fixed time:
one that needs the app's own delays to pass gives the app short ones (`FAST_TIMINGS`), and a test
of a delay itself uses the fake clock (fake_time.py).

    from waiting import wait_until           # in helpers and snapshot `run_before`s
    async def test_x(make_app, wait_until)   # or as the fixture of tests/ui/conftest.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from intune_tui.ui.timings import Timings

# Seconds between looks; the app runs meanwhile. Each look walks the screen's widgets (Textual's
# Pilot.pause), so looking more often costs CPU the other xdist worker could use.
POLL = 0.05
TIMEOUT = 15.0  # generous: the machine may be busy with the other tests

# The app's delays, cut short. Not zero: a search typed key by key still asks Graph once.
FAST_TIMINGS = Timings(
    server_search_delay=0.05,
    footer_at_the_latest=0.05,
    action_poll_first=0.05,
    action_poll_max=0.1,
)

# Textual's Pilot waits for the app to go idle after every key and every `pause()`
# (`textual._wait.wait_for_idle`): it sleeps in windows of 20 ms until one passes with under 1 ms
# of the process's CPU, so a key cost at least 40 ms of a test's time with its core idle. The
# same rule on 5 ms windows (under 0.25 ms of CPU) still waits for the app and its Graph worker
# thread to stop working, 4x sooner once they have. Tests only: the app never calls it.
# Pictures (`snap_compare`) keep Textual's 20 ms: a tab switched just before the picture was
# drawn half-way in 1 of 4 runs with 5 ms windows (device-actions-tab, load ~19).
IDLE_WINDOW = 0.005


def quick_idle_windows(monkeypatch: Any, window: float = IDLE_WINDOW) -> None:
    """Make Textual's idle wait (`wait_for_idle`, under `Pilot.press` and `Pilot.pause`) look
    at windows of `window` seconds, with its idle share (1/20 of a window) kept, until
    `monkeypatch` undoes it."""
    from textual import _wait

    for name in ("SLEEP_GRANULARITY", "SLEEP_IDLE"):  # a Textual without them: say so here
        if not isinstance(getattr(_wait, name, None), float):
            raise RuntimeError(f"textual._wait.{name} is gone: check quick_idle_windows")
    monkeypatch.setattr(_wait, "SLEEP_IDLE",
                        window * (_wait.SLEEP_IDLE / _wait.SLEEP_GRANULARITY))
    monkeypatch.setattr(_wait, "SLEEP_GRANULARITY", window)


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], object],
                     timeout: float = TIMEOUT, *, what: str = "the expected state") -> None:
    """Run the app until `predicate()` is true (then one more pause); fail after `timeout`
    saying `what` was not reached."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"the app did not reach {what} in {timeout:.0f} s")
        await pilot.pause(POLL)
    await pilot.pause()


def list_loaded(app: Any, screen_type: type) -> Callable[[], bool]:
    """A predicate for `wait_until`: the app shows a `screen_type` list, loaded to the end."""
    return lambda: isinstance(app.screen, screen_type) and bool(app.screen._complete)
