from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING

import pytest

from intune_tui.graph.throttle import (
    MAX_RETRY_AFTER,
    ThrottleGate,
    ThrottleState,
    backoff_delay,
    parse_retry_after,
    server_now,
)

if TYPE_CHECKING:
    from conftest import FakeTime

NOW = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2.128", 2.128), ("1.5", 1.5), ("0", 0.0), (" 7 ", 7.0), ("-3", 0.0)],
)
def test_retry_after_in_seconds_fractional_too(header: str, seconds: float) -> None:
    assert parse_retry_after(header, now=NOW) == pytest.approx(seconds)


def test_retry_after_as_http_date() -> None:
    assert parse_retry_after("Fri, 20 Nov 2026 09:00:03 GMT", now=NOW) == pytest.approx(3.0)


def test_retry_after_date_in_the_past_means_now() -> None:
    assert parse_retry_after("Fri, 20 Nov 2026 08:59:00 GMT", now=NOW) == 0.0


@pytest.mark.parametrize("header", [None, "", "soon", "nan", "inf", "Fri, 99 Foo 2026"])
def test_unreadable_retry_after_is_none(header: str | None) -> None:
    assert parse_retry_after(header, now=NOW) is None


def test_absurd_retry_after_is_capped() -> None:
    assert parse_retry_after("86400", now=NOW) == MAX_RETRY_AFTER


def test_server_clock_from_date_header_else_fallback() -> None:
    date = format_datetime(datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC), usegmt=True)
    assert server_now({"date": date}, fallback=5.0) == pytest.approx(NOW)
    assert server_now({}, fallback=5.0) == 5.0
    assert server_now({"date": "garbage"}, fallback=5.0) == 5.0


def test_backoff_doubles_until_the_cap() -> None:
    delays = [backoff_delay(n, base=0.5, cap=4.0, jitter=1.0) for n in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_jitter_keeps_between_half_and_full() -> None:
    assert backoff_delay(3, base=1.0, cap=30.0, jitter=0.0) == 4.0
    assert backoff_delay(3, base=1.0, cap=30.0, jitter=0.5) == 6.0
    assert backoff_delay(3, base=1.0, cap=30.0, jitter=1.0) == 8.0
    assert backoff_delay(500, base=1.0, cap=30.0, jitter=1.0) == 30.0


async def test_gate_holds_every_waiter_until_the_pause_ends(fake_time: FakeTime) -> None:
    time = fake_time
    states: list[ThrottleState] = []
    gate = ThrottleGate(clock=time.clock, sleep=time.sleep, on_change=states.append)

    gate.pause(3.0, "429")
    released_at: list[float] = []

    async def waiter() -> None:
        await gate.wait()
        released_at.append(time.now)

    await asyncio.gather(*(waiter() for _ in range(5)))

    assert len(released_at) == 5
    assert min(released_at) >= 1003.0
    assert states[0] == ThrottleState(paused=True, seconds_left=3.0, reason="429")
    assert states[-1].paused is False
    assert [state.paused for state in states].count(False) == 1
    assert gate.state().paused is False


async def test_gate_state_counts_down_for_the_status_bar(fake_time: FakeTime) -> None:
    time = fake_time
    gate = ThrottleGate(clock=time.clock, sleep=time.sleep)

    gate.pause(3.0, "Graph throttled")
    time.now += 1.0

    state = gate.state()
    assert state.paused and state.seconds_left == pytest.approx(2.0)
    assert state.describe() == "throttled, retrying in 2 s"
    time.now += 2.0
    assert gate.state().paused is False
    assert gate.state().describe() == ""


async def test_a_later_longer_pause_extends_a_shorter_one(fake_time: FakeTime) -> None:
    time = fake_time
    gate = ThrottleGate(clock=time.clock, sleep=time.sleep)

    gate.pause(5.0, "first")
    gate.pause(2.0, "shorter")
    assert gate.state().seconds_left == pytest.approx(5.0)
    gate.pause(8.0, "longer")
    await gate.wait()

    assert time.now == pytest.approx(1008.0)


async def test_gate_without_pause_does_not_sleep(fake_time: FakeTime) -> None:
    time = fake_time
    gate = ThrottleGate(clock=time.clock, sleep=time.sleep)

    await gate.wait()

    assert time.sleeps == []
