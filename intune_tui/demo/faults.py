"""Fault injection for the fake Graph: throttling, server errors, lost answers, bad bodies.

Rates are probabilities per request drawn from a seeded RNG, so a run is reproducible.
One-shots fire on the next matching request(s) and are consumed.

Faults "after processing" let the request take effect first (the wipe really happens) and only
then spoil the answer, as a gateway that answers 503 after Intune queued the action does: a
client that sends the change again would do it twice.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

# The claims challenge Graph sends under continuous access evaluation (learn: claims-challenge).
CLAIMS_CHALLENGE = (
    'Bearer realm="", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'error="insufficient_claims", '
    'claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ=="'
)


@dataclass
class FailureShot:
    status: int
    path_contains: str | None
    times: int
    retry_after: float | str | None
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    after_processing: bool = False


@dataclass
class DelayShot:
    seconds: float
    path_contains: str | None
    released: threading.Event | None = None  # held until set (then `seconds` is the limit)


@dataclass
class DropShot:
    path_contains: str | None
    after_processing: bool


@dataclass
class InjectedFailure:
    """What the fake should answer instead of processing the request (or, after_processing,
    in place of the answer to a request it did process)."""

    status: int
    retry_after: float | str | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    after_processing: bool = False


@dataclass
class Faults:
    """Switchable faults. All rates are 0..1 per request; 0 means off.

    rate_429: answer 429 with a fractional `Retry-After` drawn from retry_after_range (seconds).
    rate_503 / rate_504: answer 503 / 504 without processing (503 carries a Retry-After).
    rate_drop: the connection drops before any answer (nothing was processed).
    rate_malformed: a GET is processed and answered 200 with a truncated JSON body.
    rate_write_503: a change (POST, PATCH, PUT, DELETE; `$batch` too) is processed, then
        answered 503 with a Retry-After, as a gateway can after the service acted.
    rate_write_drop: a change is processed, then the connection drops before the answer.
    rate_write_truncated: a change is processed and answered 200 with a cut-off JSON body.
    app_list_503_above: when set, a mobileApps list page holding more than this many apps
        answers 503 (the seed: "If you receive a large amount of data while requesting your
        app listing ... you may encounter a 503 ... try again with a smaller page size").
    """

    rate_429: float = 0.0
    retry_after_range: tuple[float, float] = (0.1, 1.0)
    rate_503: float = 0.0
    rate_504: float = 0.0
    rate_drop: float = 0.0
    rate_malformed: float = 0.0
    rate_write_503: float = 0.0
    rate_write_drop: float = 0.0
    rate_write_truncated: float = 0.0
    app_list_503_above: int | None = None
    seed: int = 7
    _failures: list[FailureShot] = field(default_factory=list, repr=False)
    _truncations: list[str | None] = field(default_factory=list, repr=False)
    _drops: list[DropShot] = field(default_factory=list, repr=False)
    _delays: list[DelayShot] = field(default_factory=list, repr=False)
    _expire_listeners: list[Callable[[], None]] = field(default_factory=list, repr=False)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # --- one-shots -------------------------------------------------------------------------------
    def fail_next(
        self,
        status: int,
        *,
        path_contains: str | None = None,
        times: int = 1,
        retry_after: float | str | None = None,
        body: Any = None,
        after_processing: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `status` (without processing them).

        body: a dict (sent as JSON), str/bytes (sent as is, e.g. an HTML error page) or None
        for Graph's error body for that status.
        after_processing=True: the request takes effect first, then `status` is answered (a
        503 or 504 from a gateway after Intune acted). Also inside `$batch`, per sub-request.
        """
        self._failures.append(FailureShot(status, path_contains, times, retry_after, body,
                                          after_processing=after_processing))

    def truncate_next(self, *, path_contains: str | None = None) -> None:
        """Process the next matching change (not a GET), then answer it 200 with a JSON body cut
        off halfway (a 204 action gets a cut-off body too). On `$batch` the whole batch runs
        and its list of answers is what is cut off."""
        self._truncations.append(path_contains)

    def drop_next(self, *, path_contains: str | None = None, after_processing: bool = True) -> None:
        """Lose the answer of the next matching request.

        after_processing=True: the request takes effect (the wipe really happens), then the
        connection drops; False: the connection drops before anything happens.
        """
        self._drops.append(DropShot(path_contains, after_processing))

    def slow_next(self, seconds: float, *, path_contains: str | None = None) -> None:
        """Hold the answer of the next matching request for `seconds` (to trip a timeout)."""
        self._delays.append(DelayShot(seconds, path_contains))

    def hold_next(self, *, path_contains: str | None = None,
                  at_most: float = 60.0) -> threading.Event:
        """Hold the next matching request, before it is processed, until the returned event is
        set (from any thread), or `at_most` seconds: a write kept "on the wire" for as long
        as a test needs it."""
        released = threading.Event()
        self._delays.append(DelayShot(at_most, path_contains, released))
        return released

    def claims_challenge_next(self, *, path_contains: str | None = None) -> None:
        """Answer the next matching request with a CAE claims challenge (401 with
        error="insufficient_claims" and base64 claims in WWW-Authenticate)."""
        self._failures.append(FailureShot(
            401, path_contains, 1, None,
            {"error": {"code": "InvalidAuthenticationToken",
                       "message": "Continuous access evaluation resulted in challenge with "
                       "result: InteractionRequired and code: "
                       "TokenIssuedBeforeRevocationTimestamp"}},
            {"WWW-Authenticate": CLAIMS_CHALLENGE}))

    def expire_tokens(self) -> None:
        """Every token issued so far answers 401 "expired" from now on."""
        for listener in self._expire_listeners:
            listener()

    def attach(self, on_expire_tokens: Callable[[], None]) -> None:
        """Used by FakeGraph: called when expire_tokens() is."""
        self._expire_listeners.append(on_expire_tokens)

    def clear(self) -> None:
        """Turn every fault off and forget pending one-shots."""
        self.rate_429 = self.rate_503 = self.rate_504 = 0.0
        self.rate_drop = self.rate_malformed = 0.0
        self.rate_write_503 = self.rate_write_drop = self.rate_write_truncated = 0.0
        self.app_list_503_above = None
        self._failures.clear()
        self._truncations.clear()
        self._drops.clear()
        self._delays.clear()

    # --- used by the fake ------------------------------------------------------------------------
    def take_failure(self, path: str) -> InjectedFailure | None:
        for shot in self._failures:
            if _matches(path, shot.path_contains):
                shot.times -= 1
                if shot.times <= 0:
                    self._failures.remove(shot)
                return InjectedFailure(shot.status, shot.retry_after, shot.body,
                                       dict(shot.headers), shot.after_processing)
        return None

    def take_truncation(self, path: str) -> bool:
        for needle in self._truncations:
            if _matches(path, needle):
                self._truncations.remove(needle)
                return True
        return False

    def take_delay(self, path: str) -> DelayShot | None:
        return _take_first(self._delays, path)

    def take_drop(self, path: str) -> DropShot | None:
        return _take_first(self._drops, path)

    def roll_failure(self) -> InjectedFailure | None:
        """A random 429/503/504 per the rates, or None."""
        if self.rate_429 and self._rng.random() < self.rate_429:
            low, high = self.retry_after_range
            return InjectedFailure(429, round(self._rng.uniform(low, high), 3))
        if self.rate_503 and self._rng.random() < self.rate_503:
            low, high = self.retry_after_range
            return InjectedFailure(503, round(self._rng.uniform(low, high), 3))
        if self.rate_504 and self._rng.random() < self.rate_504:
            return InjectedFailure(504)
        return None

    def roll_drop(self) -> bool:
        return bool(self.rate_drop) and self._rng.random() < self.rate_drop

    def roll_write_failure(self) -> InjectedFailure | None:
        """A 503 after processing a change, per rate_write_503, or None."""
        if self.rate_write_503 and self._rng.random() < self.rate_write_503:
            low, high = self.retry_after_range
            return InjectedFailure(503, round(self._rng.uniform(low, high), 3),
                                   after_processing=True)
        return None

    def roll_write_drop(self) -> bool:
        return bool(self.rate_write_drop) and self._rng.random() < self.rate_write_drop

    def roll_write_truncated(self) -> bool:
        return bool(self.rate_write_truncated) and self._rng.random() < self.rate_write_truncated

    def roll_malformed(self) -> bool:
        return bool(self.rate_malformed) and self._rng.random() < self.rate_malformed


def _matches(path: str, needle: str | None) -> bool:
    return needle is None or needle in path


_Shot = TypeVar("_Shot", DelayShot, DropShot)


def _take_first(shots: list[_Shot], path: str) -> _Shot | None:
    """Remove and return the first one-shot fault aimed at `path`."""
    for shot in shots:
        if _matches(path, shot.path_contains):
            shots.remove(shot)
            return shot
    return None
