"""Helpers for the Graph client tests: a clock that moves only when slept on, a token provider
that records what it was asked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from fake_time import FakeTime


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
