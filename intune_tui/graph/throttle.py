"""Waiting politely: `Retry-After` parsing, jittered backoff, and the tenant-wide throttle gate.

Intune throttles per tenant and per app (a few thousand requests per 20 s). When one request gets a
429 the others are about to get one too, so the gate pauses every request of the client until the
`Retry-After` has passed instead of letting each concurrent request trip over the limit on its own.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

# A Retry-After beyond this is treated as this: retrying then costs one more 429, while honouring
# a broken header literally would freeze the app for hours.
MAX_RETRY_AFTER = 300.0


@dataclass(frozen=True)
class ThrottleState:
    """What the gate is doing, for the status bar: "throttled, retrying in 3 s"."""

    paused: bool
    seconds_left: float
    reason: str

    def describe(self) -> str:
        """One line for the status bar; empty when not throttled."""
        if not self.paused:
            return ""
        return f"throttled, retrying in {math.ceil(self.seconds_left)} s"


NOT_THROTTLED = ThrottleState(paused=False, seconds_left=0.0, reason="")


@dataclass(frozen=True)
class RetryNotice:
    """A read is about to be tried again: attempt `attempt` of `attempts`, after `delay` s."""

    attempt: int
    attempts: int
    reason: str
    delay: float

    def describe(self) -> str:
        """One line for the status bar and stderr: "retrying (2 of 6) — Graph answered 503"."""
        return f"retrying ({self.attempt} of {self.attempts}) — {self.reason}"


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header, or None when absent or unreadable.

    Graph sends seconds, sometimes fractional (`2.128`); HTTP also allows a date
    (`Wed, 21 Oct 2026 07:28:00 GMT`), measured against `now` (epoch seconds).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _seconds_until_http_date(text: str, now: float) -> float | None:
    moment = _http_date(text)
    if moment is None:
        return None
    return min(max(moment - now, 0.0), MAX_RETRY_AFTER)


def _http_date(text: str) -> float | None:
    """Epoch seconds of an HTTP date, or None when it is not one."""
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # HTTP dates are GMT by definition
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def server_now(headers: Mapping[str, str], fallback: float) -> float:
    """The server's clock from its `Date` header (so a date Retry-After ignores our clock skew)."""
    date = headers.get("date")
    server_time = _http_date(date) if date else None
    return server_time if server_time is not None else fallback


def backoff_delay(attempt: int, *, base: float, cap: float, jitter: float) -> float:
    """Exponential backoff with jitter: base * 2**attempt, capped, scaled into [50 %, 100 %].

    `attempt` counts from 0; `jitter` is a number in [0, 1] (random in production, fixed in tests).
    Keeping at least half the delay spreads concurrent retries out without ever retrying at once.
    """
    ceiling = min(cap, base * (2.0 ** min(attempt, 32)))
    return ceiling * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0))


class ThrottleGate:
    """One pause shared by every request of a client.

    `pause(seconds)` holds back all requests until that many seconds from now (a later pause only
    ever extends it); `wait()` is awaited before each request. `on_change` hears every change of
    state: paused with the seconds left, and resumed.
    """

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        on_change: Callable[[ThrottleState], None] | None = None,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._on_change = on_change
        self._resume_at: float | None = None
        self._reason = ""

    def pause(self, seconds: float, reason: str) -> None:
        """Hold every request back for `seconds` from now, unless already held back longer."""
        resume_at = self._clock() + max(seconds, 0.0)
        if self._resume_at is not None and resume_at <= self._resume_at:
            return
        self._resume_at = resume_at
        self._reason = reason
        self._notify(self.state())

    def state(self) -> ThrottleState:
        """Paused or not, and for how much longer."""
        if self._resume_at is None:
            return NOT_THROTTLED
        seconds_left = self._resume_at - self._clock()
        if seconds_left <= 0:
            return NOT_THROTTLED
        return ThrottleState(paused=True, seconds_left=seconds_left, reason=self._reason)

    async def wait(self) -> None:
        """Return once no pause is in force; the first waiter to see a pause end announces it."""
        while self._resume_at is not None:
            seconds_left = self._resume_at - self._clock()
            if seconds_left <= 0:
                self._resume_at = None
                self._reason = ""
                self._notify(NOT_THROTTLED)
                return
            await self._sleep(seconds_left)

    def _notify(self, state: ThrottleState) -> None:
        if self._on_change is not None:
            self._on_change(state)
