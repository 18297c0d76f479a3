"""Entra users over the fake Graph: the user card (full or basic profile), finding users, and a
user's devices filtered by Graph."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from intune_tui.auth.provider import token_claims
from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.intune.directory import (
    USER_READ,
    Directory,
    devices_of_user,
    full_profile_granted,
)
from intune_tui.intune.service import IntuneService


class Tokens:
    def __init__(self, token: str) -> None:
        self.token = token
        self.asked: list[tuple[str, ...]] = []

    async def get_token(self, *, scopes: Sequence[str] | None = None, force_refresh: bool = False,
                        claims_challenge: str | None = None) -> str:
        self.asked.append(tuple(scopes or ()))
        return self.token


@pytest.fixture(scope="module")
def fake() -> FakeGraph:
    return FakeGraph(build_tenant(devices=300, seed=7))


def client(fake: FakeGraph, scopes: tuple[str, ...] = rules.ALL_DEMO_SCOPES) -> GraphClient:
    return GraphClient(Tokens(fake.issue_token(scopes=scopes)), transport=fake.transport())


async def test_the_card_has_job_department_and_phone_with_user_read_all(fake) -> None:
    users = fake.tenant.users
    card = await Directory(client(fake)).user(users.id_of(0))
    assert (card.display_name, card.user_principal_name) == ("Alice Smith", users.upn[0])
    assert card.full and card.job_title and card.department == users.department[0]
    assert card.phones and card.phones[0].startswith("+1 425 555")


async def test_with_only_read_basic_the_card_says_what_it_needs(fake) -> None:
    basic = tuple(s for s in rules.ALL_DEMO_SCOPES if s != USER_READ)
    token = fake.issue_token(scopes=basic)
    full = full_profile_granted(token_claims(token))
    assert full is False
    card = await Directory(client(fake, basic)).user(fake.tenant.users.id_of(0),
                                                     full_profile=full)
    assert not card.full and card.display_name == "Alice Smith"
    shown = dict(card.fields())
    assert shown["Job title"] == shown["Department"] == f"(needs {USER_READ})"
    assert shown["Sign-in name"] == fake.tenant.users.upn[0]


async def test_find_users_by_the_start_of_a_name_or_sign_in_name(fake) -> None:
    directory = Directory(client(fake))
    found = await directory.find_users("alice.sm")
    assert [card.display_name for card in found][:1] == ["Alice Smith"]
    by_name = await directory.find_users("Alice S")
    assert "Alice Smith" in [card.display_name for card in by_name]
    assert await directory.find_users("zzz-nobody") == []
    quote = await directory.find_users("O'Brien")  # a quote in the name is escaped, not a 400
    assert isinstance(quote, list)


async def test_devices_of_a_user_are_filtered_by_graph(fake) -> None:
    store = fake.tenant.devices
    upn = fake.tenant.users.upn[0]
    expected = {store.id_of(i) for i in store.live_indices() if store.user[i] == 0}
    fake.requests.clear()
    rows = await devices_of_user(IntuneService(client(fake)), upn)
    assert {row.key for row in rows} == expected and expected
    assert any(request.params.get("$filter") == f"userPrincipalName eq '{upn}'"
               for request in fake.requests)
