"""A device's managed apps (intent and install state) over the fake Graph."""

from __future__ import annotations

from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import _app_install_state, build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.device_apps import managed_app_states

LAPTOP_ID = "3ee9d80e-1689-47c4-9dbd-8029760df3f5"


async def test_managed_apps_of_a_device_match_the_app_install_statuses() -> None:
    fake = FakeGraph(build_tenant(devices=300))
    client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    store = fake.tenant.devices
    index = store.index_of(LAPTOP_ID)
    user_id = fake.tenant.users.id_of(store.user[index])
    states = await managed_app_states(client, user_id, LAPTOP_ID)
    assert states and states[0].failing  # failing first
    apps = {app["id"]: app for app in fake.tenant.collection("deviceAppManagement/mobileApps")}
    for state in states:
        expected = _app_install_state(fake.tenant, apps[state.app_id], index)
        assert state.failing == (expected == "failed")
    assert fake.requests[-1].path == f"/beta/users/{user_id}/mobileAppIntentAndStates"
    stranger = next(i for i in store.live_indices() if store.user[i] != store.user[index])
    assert await managed_app_states(client, user_id, store.id_of(stranger)) == []
