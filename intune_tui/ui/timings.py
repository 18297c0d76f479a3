"""How long the UI waits before it does something on its own, in one record the app takes.

The defaults are what users get. Tests pass shorter ones (tests/ui/conftest.py `FAST_TIMINGS`),
so they never sit out a real timer to see what comes after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from intune_tui.intune.polling import POLL_FIRST_DELAY, POLL_LIMIT, POLL_MAX_DELAY


@dataclass(frozen=True)
class Timings:
    """Seconds the UI waits; see each field."""

    # While a list is still loading, typing in its search waits this long before asking Graph
    # to filter (each key restarts the wait).
    server_search_delay: float = 0.6
    # A list's key bar comes after its first rows, and at the latest this long after the
    # screen mounts (ui/startup.py: deferred footer).
    footer_at_the_latest: float = 0.5
    # Following a remote action in the device view: the first read of the device after this
    # long, doubling up to `action_poll_max`, for `action_poll_limit` at most.
    action_poll_first: float = POLL_FIRST_DELAY
    action_poll_max: float = POLL_MAX_DELAY
    action_poll_limit: float = POLL_LIMIT
    # The status bar's "throttled by Graph, retrying in N s" counts down in steps this long.
    throttle_tick: float = 0.5
    # A "retrying (2 of 6) …" note stays this long after the retry it announces is due.
    retry_note_linger: float = 2.0


DEFAULT_TIMINGS = Timings()
