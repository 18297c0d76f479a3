"""A clock for retry tests: monotonic time that moves only when slept on, every sleep recorded."""

from __future__ import annotations

import asyncio


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
