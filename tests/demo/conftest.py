"""Fixtures for the demo tests: one small tenant per module, a fake with a hand-driven clock
and an httpx client wired to it in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import DemoTenant, build_tenant


class ManualClock:
    """A clock that moves only when the test says so."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def tenant() -> DemoTenant:
    return build_tenant(devices=300, seed=7)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def fake(tenant: DemoTenant, clock: ManualClock) -> FakeGraph:
    return FakeGraph(tenant, clock=clock)


@pytest.fixture
async def client(fake: FakeGraph) -> AsyncIterator[httpx.AsyncClient]:
    token = fake.issue_token()
    async with httpx.AsyncClient(transport=fake.transport(),
                                 base_url="https://graph.microsoft.com",
                                 headers={"Authorization": f"Bearer {token}"}) as http:
        yield http
