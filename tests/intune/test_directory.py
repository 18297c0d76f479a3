"""Entra users over the fake Graph: the user card (full or basic profile), finding users, and a
user's devices filtered by Graph."""

from __future__ import annotations

import pytest
from recording_tokens import RecordingTokens

from intune_tui.demo import rules
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError
from intune_tui.graph.tokens import token_claims
from intune_tui.intune.directory import (
    USER_READ,
    Directory,
    devices_of_user,
    full_profile_granted,
)
from intune_tui.intune.service import IntuneService


@pytest.fixture(scope="module")
def fake() -> FakeGraph:
    return FakeGraph(build_tenant(devices=300, seed=7))


def client(fake: FakeGraph, scopes: tuple[str, ...] = rules.ALL_DEMO_SCOPES) -> GraphClient:
    return GraphClient(RecordingTokens(fake.issue_token(scopes=scopes)), transport=fake.transport())


async def test_the_card_has_job_department_and_phone_with_user_read_all(fake) -> None:
    users = fake.tenant.users
    card = await Directory(client(fake)).user(users.id_of(0))
    assert (card.display_name, card.user_principal_name) == ("Alice Smith", users.upn[0])
    assert card.full and card.job_title and card.department == users.department[0]
    assert card.phones and card.phones[0].startswith("+1 425 555")


async def test_with_only_read_basic_the_card_says_what_it_needs(fake) -> None:
    basic = tuple(s for s in rules.ALL_DEMO_SCOPES if s not in (USER_READ, "Directory.Read.All"))
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


async def test_names_resolve_in_batches_of_1000_and_are_cached(fake) -> None:
    from intune_tui.demo.tenant import GROUPS, guid_from
    from intune_tui.intune.directory import NameCache

    groups = [guid_from(7, 20, position) for position in range(len(GROUPS))]
    strangers = [guid_from(7, 99, index) for index in range(5000 - len(groups))]
    cache = NameCache(client(fake))
    fake.requests.clear()
    names = await cache.resolve(groups + strangers)
    posts = [r for r in fake.requests if r.path.endswith("/directoryObjects/getByIds")]
    assert len(posts) == 5 == cache.calls
    assert all(len(post.json["ids"]) <= 1000 for post in posts)
    assert {names[g].name for g in groups} == set(GROUPS)
    assert names[groups[0]].kind == "group"
    again = await cache.resolve(groups[:3] + strangers[:10])
    assert len(again) == 3 and cache.calls == 5  # from the cache; unknown ids not asked again


async def test_assignment_rows_name_their_groups(fake) -> None:
    from datetime import UTC, datetime

    from intune_tui.intune.directory import with_group_names
    from intune_tui.intune.resources import RESOURCES

    service = IntuneService(client(fake))
    app = next(item for item in fake.tenant.collection("deviceAppManagement/mobileApps")
               if any((a.get("target") or {}).get("groupId") for a in fake.tenant.children.get(
                   "deviceAppManagement/mobileApps/{id}/assignments", {}).get(item["id"], [])))
    rows = await service.app_assignments(app["id"])
    named = await with_group_names(service, RESOURCES["app_assignments"], rows,
                                   datetime.now(UTC))
    from intune_tui.demo.tenant import GROUPS

    cells = [cell for row in named for cell in row.cells]
    assert any(cell.startswith(("Group ", "Excluded group ")) and
               cell.split("roup ", 1)[1].split(" (")[0] in GROUPS for cell in cells)
    before = [cell for row in rows for cell in row.cells]
    assert not any(name in cell for cell in before for name in GROUPS)
    assert all(row.item["target"].get("groupId") for row in named
               if row.item["target"].get("groupDisplayName"))


async def test_memberships_of_a_device_and_its_user(fake) -> None:
    from intune_tui.intune.directory import memberships

    store = fake.tenant.devices
    index = store.index_of("3ee9d80e-1689-47c4-9dbd-8029760df3f5")
    entra_id = str(store.value(index, "azureADDeviceId"))
    user_id = fake.tenant.users.id_of(store.user[index])
    found = await memberships(client(fake), entra_id, user_id)
    groups = fake.directory.groups()
    assert {g.name for g in found.device or ()} == {
        groups[g] for g in fake.directory.device_groups(index)}
    assert "All Windows devices" in {g.name for g in found.device or ()}
    assert {g.name for g in found.user or ()} == {
        groups[g] for g in fake.directory.user_groups(store.user[index])}
    none = await memberships(client(fake), "00000000-0000-0000-0000-000000000000", None)
    assert none.device is None and none.user is None and none.device_error is None


async def test_a_device_s_groups_take_one_round_trip(fake) -> None:
    from intune_tui.intune.directory import device_groups

    store = fake.tenant.devices
    index = store.index_of("3ee9d80e-1689-47c4-9dbd-8029760df3f5")
    entra_id = str(store.value(index, "azureADDeviceId"))
    fake.requests.clear()
    found = await device_groups(client(fake), entra_id)
    assert "All Windows devices" in {group.name for group in found or ()}
    assert [(r.path, r.params.get("$select")) for r in fake.requests] == [
        (f"/v1.0/devices(deviceId='{entra_id}')/transitiveMemberOf/microsoft.graph.group",
         "id,displayName")]
    with pytest.raises(GraphError, match="no device object"):
        await device_groups(client(fake), "11111111-2222-3333-4444-555555555555")


async def test_memberships_fail_each_on_their_own(fake) -> None:
    from intune_tui.intune.directory import memberships

    # Neither the directory nor the Entra device scopes (the /devices lookup needs one of them).
    no_directory = tuple(s for s in rules.ALL_DEMO_SCOPES
                         if s not in ("Directory.Read.All", "Device.Read.All",
                                      "Device.ReadWrite.All"))
    found = await memberships(client(fake, no_directory), "not-a-device", None)
    assert found.device is None and found.device_error and "Directory.Read.All" in \
        found.device_error
