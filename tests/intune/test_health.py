"""Tenant health, worst first, in words: against the fake Graph's service configuration."""

from __future__ import annotations

from datetime import timedelta

from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.health import (
    ATTENTION_STATES,
    attention_order,
    attention_rows,
    health_state,
)
from intune_tui.intune.models import HealthItem
from intune_tui.intune.service import IntuneService


async def demo_health() -> list[HealthItem]:
    fake = FakeGraph(build_tenant(devices=20))
    client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    try:
        return await IntuneService(client, now=lambda: DEMO_NOW).tenant_health()
    finally:
        await client.aclose()


async def test_demo_tenant_problems_come_first_in_words() -> None:
    rows = attention_rows(await demo_health())
    lines = [(row.cells[0], row.cells[1], row.cells[2]) for row in rows]
    assert lines[:5] == [
        ("EXPIRED", "VPP Contoso Education (old)", "expired 40 days ago; sync failed"),
        ("FAILING", "Contoso ADE (retail stores)", "sync failed (400); expires in 12 days"),
        ("FAILING", "Exchange mail.contoso-demo.com", "Disconnected, last sync 19d ago"),
        ("FAILING", "MTD c0c0a867-e316-4664-8f73-14deb9f39cc8",
         "Unresponsive, last heartbeat 6d ago"),
        ("EXPIRING", "VPP Contoso Retail", "expires in 18 days"),
    ]
    assert {row.cells[0] for row in rows[5:]} == {"OK"}
    assert [row.marks[0] for row in rows[:5]] == ["bad", "bad", "bad", "bad", "warn"]


def item(status: str | None, days: int | None, name: str = "x", summary: str = "") -> HealthItem:
    expires = DEMO_NOW + timedelta(days=days) if days is not None else None
    return HealthItem("Apple VPP tokens", name, status, summary, expires, days)


def test_states_say_what_is_wrong() -> None:
    assert health_state(item("bad", -3)) == "expired"
    assert health_state(item("bad", 100)) == "failing"
    assert health_state(item("bad", None)) == "failing"
    assert health_state(item("warn", 12)) == "expiring"
    assert health_state(item("warn", None)) == "stale"
    assert health_state(item(None, None)) == "unknown"
    assert health_state(item("good", 200)) == "ok"
    assert "unknown" not in ATTENTION_STATES and "ok" not in ATTENTION_STATES


def test_fewest_days_left_first_within_a_state() -> None:
    ordered = attention_order([item("good", 90, "b"), item("warn", 20, "late"),
                               item("warn", 3, "soon"), item(None, None, "unread"),
                               item("bad", -1, "gone")])
    assert [i.name for i in ordered] == ["gone", "soon", "late", "unread", "b"]


def test_unreadable_area_says_why() -> None:
    unread = HealthItem("Exchange connectors", "Exchange connectors", None,
                        "could not be read", error="Access denied: the token lacks X")
    row = attention_rows([unread])[0]
    assert row.cells[:3] == ("UNKNOWN", "Exchange connectors",
                             "could not be read: Access denied: the token lacks X")
