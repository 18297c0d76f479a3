"""A device's managed apps (intent and install state) over the fake Graph."""

from __future__ import annotations

from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.tenant import build_tenant
from intune_tui.demo.tenant.app_status import app_install_state
from intune_tui.graph.client import GraphClient
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.device_apps import error_words, managed_app_states, with_install_errors

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
        expected = app_install_state(fake.tenant, apps[state.app_id], index)
        assert state.failing == (expected == "failed")
    assert f"/beta/users/{user_id}/mobileAppIntentAndStates" in [r.path for r in fake.requests]
    stranger = next(i for i in store.live_indices() if store.user[i] != store.user[index])
    assert await managed_app_states(client, user_id, store.id_of(stranger)) == []


async def test_a_failing_app_shows_its_error_code_in_words_from_its_device_status() -> None:
    fake = FakeGraph(build_tenant(devices=300))
    client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    store = fake.tenant.devices
    index = store.index_of(LAPTOP_ID)
    user_id = fake.tenant.users.id_of(store.user[index])
    states = await managed_app_states(client, user_id, LAPTOP_ID)
    failing = [state for state in states if state.failing]
    assert failing
    for state in failing:
        status = await client.request(
            "GET", f"/deviceAppManagement/mobileApps/{state.app_id}/deviceStatuses",
            api_version="beta", params={"$filter": f"deviceId eq '{LAPTOP_ID}'"})
        (row,) = status.body["value"]
        expected = f"0x{row['errorCode'] & 0xFFFFFFFF:08X}"
        assert state.error.startswith(expected)
    assert all(not state.error for state in states if not state.failing)
    status_reads = [r for r in fake.requests if r.path.endswith("/deviceStatuses")]
    assert len(status_reads) == 2 * len(failing)  # one per failing app (and the test's own)


def test_error_words_documented_unknown_and_junk() -> None:
    assert error_words(-2016345060) == ("0x87D1041C: The application was not detected after "
                                        "installation completed successfully.")
    assert error_words(0xC7D14FB5) == "0xC7D14FB5: The app couldn't be installed."
    assert error_words(-2016330696) == "0x87D13C38"
    assert error_words(0) == error_words(None) == error_words("0x1") == error_words(True) == ""


async def test_an_unreadable_error_code_is_said_on_the_row_and_the_list_still_shows() -> None:
    fake = FakeGraph(build_tenant(devices=300))
    token = fake.issue_token(scopes=["DeviceManagementManagedDevices.Read.All"])
    client = GraphClient(StaticTokenProvider(token), transport=fake.transport())
    store = fake.tenant.devices
    user_id = fake.tenant.users.id_of(store.user[store.index_of(LAPTOP_ID)])
    states = await managed_app_states(client, user_id, LAPTOP_ID)
    failing = [state for state in states if state.failing]
    assert failing and all(state.error.startswith("error code not readable") for state in failing)


async def test_the_list_comes_first_and_the_error_codes_after() -> None:
    fake = FakeGraph(build_tenant(devices=300))
    client = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    store = fake.tenant.devices
    user_id = fake.tenant.users.id_of(store.user[store.index_of(LAPTOP_ID)])
    listed = await managed_app_states(client, user_id, LAPTOP_ID, with_errors=False)
    assert not any(r.path.endswith("/deviceStatuses") for r in fake.requests)
    assert any(state.failing for state in listed) and not any(state.error for state in listed)
    found = await with_install_errors(client, listed, LAPTOP_ID)
    assert [state.app_id for state in found] == [state.app_id for state in listed]
    assert all(state.error.startswith("0x") for state in found if state.failing)
