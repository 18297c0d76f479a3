"""Helpers for the Graph client tests: a clock that moves only when slept on, a token provider
that records what it was asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest


class FakeTime:
    """Monotonic clock + sleep: sleeping advances the clock at once and records the delay."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True)
class TokenCall:
    scopes: tuple[str, ...] | None
    force_refresh: bool
    claims_challenge: str | None


class RecordingTokens:
    """A TokenProvider that hands out `issue(n)` for the n-th call and records each call."""

    def __init__(self, issue: Callable[[int], str]) -> None:
        self._issue = issue
        self.calls: list[TokenCall] = []

    async def get_token(
        self,
        *,
        scopes: Sequence[str] | None = None,
        force_refresh: bool = False,
        claims_challenge: str | None = None,
    ) -> str:
        self.calls.append(
            TokenCall(tuple(scopes) if scopes else None, force_refresh, claims_challenge)
        )
        return self._issue(len(self.calls))

    def issued(self) -> list[str]:
        return [self._issue(n) for n in range(1, len(self.calls) + 1)]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def recording_tokens() -> Callable[[Callable[[int], str]], RecordingTokens]:
    """Make a RecordingTokens from a function of the call number to the token it returns."""
    return RecordingTokens
