"""The Intune + Entra + Autopilot lookup and join, against the fake Graph's own rules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from intune_tui.demo import lifecycle as demo_lifecycle
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.rules import ALL_DEMO_SCOPES
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.lifecycle import (
    AutopilotIdentity,
    DeviceLookup,
    EntraDevice,
    Flag,
    InputKind,
    LookupInput,
    RequestBudget,
    join,
    parse_inputs,
)
from intune_tui.intune.models import ManagedDevice

DEVICES = 500
ZERO_GUID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def fake() -> FakeGraph:
    return FakeGraph(build_tenant(devices=DEVICES))


@pytest.fixture
async def client(fake: FakeGraph) -> AsyncIterator[GraphClient]:
    graph = GraphClient(StaticTokenProvider(fake.issue_token()), transport=fake.transport())
    yield graph
    await graph.aclose()


def directories(fake: FakeGraph) -> demo_lifecycle.LifecycleDirectories:
    built = demo_lifecycle.LifecycleDirectories.build(fake.tenant)
    fake.lifecycle = built  # type: ignore[attr-defined]
    return built


def serial(text: str) -> LookupInput:
    return LookupInput(text, InputKind.SERIAL)


def managed(**fields: Any) -> ManagedDevice:
    return ManagedDevice.from_graph({"id": "m1", **fields})


# -- the join on its own ------------------------------------------------------------------------


def test_join_links_the_three_records_of_one_device_and_flags_nothing() -> None:
    device = managed(serialNumber="SN1", azureADDeviceId="aad-1", complianceState="compliant")
    entra = EntraDevice.from_graph({"id": "e1", "deviceId": "aad-1", "accountEnabled": True})
    autopilot = AutopilotIdentity.from_graph({"id": "a1", "serialNumber": "SN1",
                                              "managedDeviceId": "m1"})
    [joined] = join([device], [entra], [autopilot])
    assert (joined.managed, joined.entra, joined.autopilot) == ((device,), (entra,), (autopilot,))
    assert joined.flags == ()


def test_join_flags_each_inconsistency() -> None:
    disabled = managed(serialNumber="SN1", azureADDeviceId="aad-1", complianceState="compliant")
    entra = EntraDevice.from_graph({"id": "e1", "deviceId": "aad-1", "accountEnabled": False})
    orphan = AutopilotIdentity.from_graph({"id": "a9", "serialNumber": "SN9",
                                           "managedDeviceId": ZERO_GUID})
    twin_a = AutopilotIdentity.from_graph({"id": "a1", "serialNumber": "SN1"})
    twin_b = AutopilotIdentity.from_graph({"id": "a2", "serialNumber": "sn1"})
    stale = AutopilotIdentity.from_graph({"id": "a3", "serialNumber": "SN3",
                                          "managedDeviceId": "gone"})
    other = ManagedDevice.from_graph({"id": "m3", "serialNumber": "SN3"})
    lonely = ManagedDevice.from_graph({"id": "m4", "serialNumber": "SN4",
                                       "azureADDeviceId": "aad-4"})
    devices = join([disabled, other, lonely], [entra], [orphan, twin_a, twin_b, stale])
    flags = {device.serial.upper(): set(device.flags) for device in devices}
    assert flags["SN1"] == {Flag.ENTRA_DISABLED_BUT_COMPLIANT, Flag.DUPLICATE_SERIAL}
    assert flags["SN9"] == {Flag.AUTOPILOT_WITHOUT_INTUNE}
    assert flags["SN3"] == {Flag.AUTOPILOT_LINK_STALE}
    assert flags["SN4"] == {Flag.INTUNE_WITHOUT_ENTRA}


def test_join_keeps_devices_that_share_nothing_apart() -> None:
    first = ManagedDevice.from_graph({"id": "m1", "deviceName": "SAME", "serialNumber": "A"})
    second = ManagedDevice.from_graph({"id": "m2", "deviceName": "SAME", "serialNumber": "B"})
    assert len(join([first, second], [], [])) == 2


# -- inputs -------------------------------------------------------------------------------------


def test_pasted_lines_commas_prefixes_comments_and_repeats() -> None:
    text = ("# returned by the leasing firm\n5CG123, 5CG124\n\nname:LAPTOP-7\n5cg123\n"
            "id:not-a-guid\n0633a2bb-19b2-4cbf-817b-a39e1ee81398\n")
    inputs = parse_inputs(text)
    assert [(item.kind, item.text, item.line) for item in inputs] == [
        (InputKind.SERIAL, "5CG123", 2), (InputKind.SERIAL, "5CG124", 2),
        (InputKind.NAME, "LAPTOP-7", 4), (InputKind.ID, "not-a-guid", 6),
        (InputKind.ID, "0633a2bb-19b2-4cbf-817b-a39e1ee81398", 7)]


def test_a_csv_is_read_by_its_named_column() -> None:
    text = "Device name,Serial number,Owner\nPC-1,SN-1,alice\nPC-2,,bob\n,,carol\n"
    inputs = parse_inputs(text)
    assert [(item.kind, item.text, item.line) for item in inputs] == [
        (InputKind.SERIAL, "SN-1", 2), (InputKind.NAME, "PC-2", 3)]


def test_control_characters_in_pasted_text_are_dropped() -> None:
    [item] = parse_inputs("5CG\u202e123\x1b[31m")
    assert item.text == "5CG123"


# -- lookups against the fake -------------------------------------------------------------------


async def test_serials_find_all_three_records_and_unknown_ones_are_listed(
        fake: FakeGraph, client: GraphClient) -> None:
    built = directories(fake)
    enrolled = [item for item in built.autopilot if item["enrollmentState"] == "enrolled"][:3]
    inputs = [serial(item["serialNumber"]) for item in enrolled] + [serial("NO-SUCH-SERIAL")]
    report = await DeviceLookup(client).lookup(inputs)
    assert [result.status for result in report.results] == ["matched"] * 3 + ["unmatched"]
    for result, identity in zip(report.results, enrolled, strict=False):
        [device] = result.devices
        assert [m.id for m in device.managed] == [identity["managedDeviceId"]]
        assert [a.id for a in device.autopilot] == [identity["id"]]
        assert [e.device_id for e in device.entra] == [identity["azureActiveDirectoryDeviceId"]]
    assert [result.input.text for result in report.unmatched()] == ["NO-SUCH-SERIAL"]


async def test_every_lookup_goes_through_batches_of_at_most_20(
        fake: FakeGraph, client: GraphClient) -> None:
    built = directories(fake)
    inputs = [serial(item["serialNumber"]) for item in built.autopilot[:45]]
    await DeviceLookup(client).lookup(inputs)
    outer = [r for r in fake.requests if not r.in_batch]
    assert outer and all(r.path == "/v1.0/$batch" and r.method == "POST" for r in outer)
    assert max(len(r.json["requests"]) for r in outer) <= 20
    serial_queries = [r for r in fake.requests if r.in_batch and "serialNumber eq" in
                      r.params.get("$filter", "")]
    assert all(r.status == 200 for r in fake.requests)
    # Up to 15 serials per managedDevices query (`or` within serialNumber).
    assert len(serial_queries) <= 45 // 15 + 1


async def test_autopilot_without_intune_and_duplicates_are_flagged(
        fake: FakeGraph, client: GraphClient) -> None:
    built = directories(fake)
    orphan = next(item for item in built.autopilot if item["groupTag"] == "Returned")
    serials = [item["serialNumber"] for item in built.autopilot]
    duplicated = next(value for value in serials if serials.count(value) > 1)
    report = await DeviceLookup(client).lookup([serial(orphan["serialNumber"]),
                                                serial(duplicated)])
    [orphan_device] = report.results[0].devices
    assert Flag.AUTOPILOT_WITHOUT_INTUNE in orphan_device.flags
    assert not orphan_device.managed and len(orphan_device.entra) == 1
    [twin] = report.results[1].devices
    assert Flag.DUPLICATE_SERIAL in twin.flags and len(twin.autopilot) == 2


async def test_entra_disabled_but_compliant_is_flagged(fake: FakeGraph,
                                                       client: GraphClient) -> None:
    built = directories(fake)
    disabled = next(item for item in built.entra if item["accountEnabled"] is False)
    report = await DeviceLookup(client).lookup([LookupInput(disabled["deviceId"], InputKind.ID)])
    [device] = report.results[0].devices
    assert Flag.ENTRA_DISABLED_BUT_COMPLIANT in device.flags
    assert device.managed[0].compliance_state == "compliant"


async def test_a_name_two_devices_carry_is_ambiguous(fake: FakeGraph,
                                                     client: GraphClient) -> None:
    devices = fake.tenant.devices
    devices.set_name(1, devices.name[0])
    directories(fake)
    report = await DeviceLookup(client).lookup([LookupInput(devices.name[0], InputKind.NAME)])
    [result] = report.results
    assert result.status == "ambiguous"
    assert {d.managed[0].id for d in result.devices} == {devices.id_of(0), devices.id_of(1)}
    assert report.ambiguous() == [result]


async def test_a_missing_entra_scope_is_reported_not_dropped(fake: FakeGraph) -> None:
    built = directories(fake)
    scopes = tuple(scope for scope in ALL_DEMO_SCOPES if not scope.startswith("Device."))
    client = GraphClient(StaticTokenProvider(fake.issue_token(scopes=scopes)),
                         transport=fake.transport())
    identity = next(item for item in built.autopilot if item["enrollmentState"] == "enrolled")
    report = await DeviceLookup(client).lookup([serial(identity["serialNumber"])])
    await client.aclose()
    [result] = report.results
    assert result.devices and not result.devices[0].entra  # Intune and Autopilot still found
    assert any(error.startswith("entra:") for error in result.errors)
    denied = [r for r in fake.requests if r.path.startswith("/v1.0/devices")]
    assert denied and all(r.status == 403 for r in denied)


async def test_a_refused_autopilot_read_names_the_scope_and_the_intune_roles(
        fake: FakeGraph) -> None:
    built = directories(fake)
    scopes = tuple(scope for scope in ALL_DEMO_SCOPES
                   if not scope.startswith("DeviceManagementServiceConfig."))
    client = GraphClient(StaticTokenProvider(fake.issue_token(scopes=scopes)),
                         transport=fake.transport())
    identity = next(item for item in built.autopilot if item["enrollmentState"] == "enrolled")
    report = await DeviceLookup(client).lookup([serial(identity["serialNumber"])])
    await client.aclose()
    [result] = report.results
    [refusal] = [error for error in result.errors if error.startswith("autopilot:")]
    assert "DeviceManagementServiceConfig.Read.All" in refusal
    assert "Enrollment programs / Read device" in refusal
    assert "Help Desk Operator" in refusal


async def test_the_request_budget_spreads_requests_over_its_window() -> None:
    budget = RequestBudget(limit=4, window=0.2)
    started = time.monotonic()
    await asyncio.gather(*(budget.take(2) for _ in range(4)))
    assert time.monotonic() - started >= 0.2


async def test_many_serials_read_the_autopilot_list_whole_with_the_same_answers(
        fake: FakeGraph, client: GraphClient) -> None:
    built = directories(fake)
    serials = [item["serialNumber"] for item in built.autopilot][:60]
    few = await DeviceLookup(client).lookup([serial(value) for value in serials[:10]])
    fake.requests.clear()
    many = await DeviceLookup(client).lookup([serial(value) for value in serials])
    autopilot = [r for r in fake.requests if "windowsAutopilotDeviceIdentities" in r.path]
    assert autopilot and all(not r.in_batch and "$filter" not in r.params for r in autopilot)
    assert len(autopilot) == 1  # one page holds this tenant's identities

    def shape(results: Any) -> list[tuple[str, list[tuple[int, int, int]]]]:
        return [(r.status, [(len(d.managed), len(d.entra), len(d.autopilot)) for d in r.devices])
                for r in results]

    assert shape(many.results[:10]) == shape(few.results)
    assert all(result.status == "matched" for result in many.results)


async def test_stale_devices_are_filtered_on_graph_and_exclusions_are_shown(
        fake: FakeGraph, client: GraphClient) -> None:
    from datetime import timedelta

    from intune_tui.intune.lifecycle import stale_devices, stale_inputs

    now = fake.tenant_now()
    devices = fake.tenant.devices
    old = [i for i in devices.live_indices() if devices.sync_age[i] > 90 * 86_400]
    devices.management[old[0]] = "wipePending"
    stale = await stale_devices(client, 90, now=now)
    [sent] = [r for r in fake.requests if r.path == "/v1.0/deviceManagement/managedDevices"]
    cutoff = (now - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sent.params["$filter"] == f"lastSyncDateTime lt {cutoff}"
    expected = {devices.id_of(i) for i in old}
    assert {item.device.id for item in stale} == expected and expected
    syncs = [item.device.last_sync for item in stale]
    assert syncs == sorted(syncs)  # oldest first
    pending = [item for item in stale if item.device.management_state in (
        "retirePending", "retireIssued", "wipePending", "wipeIssued", "deletePending")]
    assert devices.id_of(old[0]) in {item.device.id for item in pending}
    assert all(item.exclusion and "already under way" in item.exclusion for item in pending)
    assert len(stale_inputs(stale)) == len(stale) - len(pending)
    windows = await stale_devices(client, 90, now=now, operating_system="Windows")
    assert windows and all(item.device.operating_system == "Windows" for item in windows)


class ScopeRecordingTokens:
    def __init__(self, token: str) -> None:
        self.token = token
        self.asked: list[tuple[str, ...]] = []

    async def get_token(self, *, scopes: Any = None, force_refresh: bool = False,
                        claims_challenge: str | None = None) -> str:
        if scopes:
            self.asked.append(tuple(scopes))
        return self.token


async def test_entra_and_autopilot_scopes_are_asked_for_when_first_needed(
        fake: FakeGraph) -> None:
    built = directories(fake)
    tokens = ScopeRecordingTokens(fake.issue_token())
    graph = GraphClient(tokens, transport=fake.transport())
    identity = next(item for item in built.autopilot if item["enrollmentState"] == "enrolled")
    await DeviceLookup(graph).lookup([serial(identity["serialNumber"])])
    await graph.aclose()
    assert {scopes for scopes in tokens.asked} == {
        ("DeviceManagementManagedDevices.Read.All",),
        ("DeviceManagementServiceConfig.Read.All",), ("Device.Read.All",)}
