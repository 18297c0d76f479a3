"""Offboarding plans and their runner against the fake Graph: Microsoft's order, each write once,
an interrupted run resumed from its journal without repeating a step."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from intune_tui.audit import AuditLog
from intune_tui.demo import lifecycle as demo_lifecycle
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.rules import ALL_DEMO_SCOPES
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.tokens import StaticTokenProvider
from intune_tui.intune.lifecycle import DeviceLookup, InputKind, JoinedDevice, LookupInput
from intune_tui.intune.offboarding import (
    DEFAULT_STEPS,
    DONE,
    FAILED,
    GONE,
    Journal,
    OffboardPlan,
    OffboardRunner,
    PlanError,
    Step,
    build_plan,
    describe_plan,
    parse_steps,
    unfinished_journals,
)

DEVICES = 400


class Crash(Exception):
    """Stands for the process dying (power cut, kill -9) at a chosen point."""


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
def fake() -> FakeGraph:
    graph = FakeGraph(build_tenant(devices=DEVICES))
    graph.lifecycle = demo_lifecycle.LifecycleDirectories.build(graph.tenant)  # type: ignore[attr-defined]
    return graph


def make_client(fake: FakeGraph, scopes: tuple[str, ...] = ALL_DEMO_SCOPES) -> GraphClient:
    return GraphClient(StaticTokenProvider(fake.issue_token(scopes=scopes)),
                       transport=fake.transport(), sleep=_no_sleep)


@pytest.fixture
async def client(fake: FakeGraph) -> AsyncIterator[GraphClient]:
    graph = make_client(fake)
    yield graph
    await graph.aclose()


async def devices_with_all_three(fake: FakeGraph, client: GraphClient,
                                 count: int) -> list[JoinedDevice]:
    enrolled = [item for item in fake.lifecycle.autopilot  # type: ignore[attr-defined]
                if item["enrollmentState"] == "enrolled"]
    inputs = [LookupInput(item["serialNumber"], InputKind.SERIAL) for item in enrolled[:count * 4]]
    report = await DeviceLookup(client).lookup(inputs)
    found = [result.devices[0] for result in report.matched()
             if result.devices[0].entra and not result.devices[0].flags]
    assert len(found) >= count
    return found[:count]


def writes(fake: FakeGraph) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests
            if r.method != "GET" and r.path != "/v1.0/$batch"]


def plan_for(devices: list[JoinedDevice], steps: tuple[Step, ...] = DEFAULT_STEPS,
             fake: FakeGraph | None = None) -> OffboardPlan:
    return build_plan(devices, steps, tenant="Contoso Demo", operator="helpdesk@contoso",
                      now=fake.tenant_now() if fake is not None else None)


# -- steps and plans ----------------------------------------------------------------------------


def test_steps_come_in_microsofts_order_whatever_order_is_typed() -> None:
    assert parse_steps("disable-entra, delete-autopilot,wipe,delete-intune") == (
        Step.WIPE, Step.DELETE_INTUNE, Step.DELETE_AUTOPILOT, Step.DISABLE_ENTRA)
    with pytest.raises(PlanError, match="retire or wipe"):
        parse_steps("retire,wipe")
    with pytest.raises(PlanError, match="unknown step 'erase'"):
        parse_steps("erase")


async def test_the_plan_lists_each_devices_steps_in_order(fake: FakeGraph,
                                                          client: GraphClient) -> None:
    devices = await devices_with_all_three(fake, client, 2)
    plan = plan_for(devices)
    for device, joined in zip(plan.devices, devices, strict=True):
        assert [step.step for step in device.steps] == [
            "retire", "delete-intune", "delete-autopilot", "disable-entra"]
        managed = joined.managed[0].id
        assert [(s.method, s.path) for s in device.steps] == [
            ("POST", f"/deviceManagement/managedDevices/{managed}/retire"),
            ("DELETE", f"/deviceManagement/managedDevices/{managed}"),
            ("DELETE", f"/deviceManagement/windowsAutopilotDeviceIdentities/"
                       f"{joined.autopilot[0].id}"),
            ("PATCH", f"/devices/{joined.entra[0].id}")]
    text = describe_plan(plan)
    assert text[0].startswith(f"Offboarding plan {plan.id}: 2 device(s), 8 step(s)")
    assert f"1. {devices[0].name}  serial {devices[0].serial}" in text
    assert not writes(fake)  # planning reads only


async def test_a_step_with_nothing_to_act_on_is_noted_not_planned(
        fake: FakeGraph, client: GraphClient) -> None:
    orphan = next(item for item in fake.lifecycle.autopilot  # type: ignore[attr-defined]
                  if item["groupTag"] == "Returned")
    report = await DeviceLookup(client).lookup(
        [LookupInput(orphan["serialNumber"], InputKind.SERIAL)])
    plan = plan_for(list(report.results[0].devices))
    [device] = plan.devices
    assert [step.step for step in device.steps] == ["delete-autopilot", "disable-entra"]
    assert "retire (remove company data): nothing to do (no such record)" in device.notes
    assert "Autopilot identity without an Intune device" in device.notes


# -- running ------------------------------------------------------------------------------------


async def test_a_run_sends_each_step_once_in_order_journals_and_audits(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 3)
    plan = plan_for(devices)
    journal = Journal.create(tmp_path / "offboarding", plan)
    audit = AuditLog(tmp_path / "audit.jsonl")
    report = await OffboardRunner(client, journal, audit).run()
    assert report.complete and report.count(DONE) == 12
    for device in plan.devices:
        sent = [(m, p) for m, p in writes(fake) if any(s.target in p for s in device.steps)]
        assert sent == [(s.method, "/v1.0" + s.path) for s in device.steps]
    assert len(writes(fake)) == 12
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    reloaded = Journal.load(journal.path)
    assert reloaded.finished and {s.state for s in reloaded.states.values()} == {DONE}
    entries = audit.read_newest_first()
    assert len(entries) == 12 and {entry.outcome for entry in entries} == {"succeeded"}
    assert {entry.action for entry in entries} == {
        "offboard retire", "offboard delete-intune", "offboard delete-autopilot",
        "offboard disable-entra"}
    directories = fake.lifecycle  # type: ignore[attr-defined]
    for joined in devices:
        assert fake.tenant.devices.index_of(joined.managed[0].id or "") is None
        assert directories.find(directories.autopilot, joined.autopilot[0].id) is None
        assert directories.find(directories.entra, joined.entra[0].id)["accountEnabled"] is False
    assert unfinished_journals(tmp_path / "offboarding") == []


async def test_a_crash_between_steps_resumes_without_repeating_one(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 2)
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices))
    audit = AuditLog(tmp_path / "audit.jsonl")
    finished: list[str] = []

    def crash_after_five(outcome: Any) -> None:
        finished.append(outcome.step.key)
        if len(finished) == 5:
            raise Crash

    with pytest.raises(Crash):
        await OffboardRunner(client, journal, audit, concurrency=1,
                             on_step=crash_after_five).run()
    assert len(writes(fake)) == 5
    assert unfinished_journals(tmp_path / "offboarding") == [journal.path]

    resumed = Journal.load(journal.path)
    report = await OffboardRunner(client, resumed, audit).run()
    assert report.complete
    sent = writes(fake)
    assert len(sent) == 8 and len(set(sent)) == 8  # every DELETE, POST and PATCH exactly once


async def test_a_crash_after_journaling_sending_sends_once_on_resume(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 1)
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices, (Step.DELETE_INTUNE,
                                                                          Step.DELETE_AUTOPILOT)))
    audit = AuditLog(tmp_path / "audit.jsonl")

    def die(step: Any) -> None:
        if step.step == "delete-autopilot":
            raise Crash

    with pytest.raises(Crash):
        await OffboardRunner(client, journal, audit, before_send=die).run()
    assert Journal.load(journal.path).states[journal.plan.devices[0].steps[1].key].state == \
        "sending"
    report = await OffboardRunner(client, Journal.load(journal.path), audit).run()
    assert report.complete
    deletes = [path for method, path in writes(fake) if method == "DELETE"]
    assert len(deletes) == 2 and len(set(deletes)) == 2


async def test_a_lost_answer_is_settled_by_reading_not_by_sending_again(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 1)
    managed_id = devices[0].managed[0].id or ""
    fake.faults.drop_next(path_contains=f"managedDevices/{managed_id}", after_processing=True)
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices, (Step.DELETE_INTUNE,)))
    audit = AuditLog(tmp_path / "audit.jsonl")
    report = await OffboardRunner(client, journal, audit).run()
    assert report.complete
    assert [m for m, p in writes(fake) if managed_id in p] == ["DELETE"]
    assert [entry.outcome for entry in audit.read_newest_first()] == ["unknown"]


async def test_a_refused_step_stops_the_later_steps_of_that_device(
        fake: FakeGraph, tmp_path: Path) -> None:
    no_service_write = tuple(scope for scope in ALL_DEMO_SCOPES
                             if scope != "DeviceManagementServiceConfig.ReadWrite.All")
    client = make_client(fake, no_service_write)
    devices = await devices_with_all_three(fake, client, 1)
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices))
    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl")).run()
    await client.aclose()
    assert [o.state.state for o in report.outcomes] == [DONE, DONE, FAILED, "blocked"]
    assert report.outcomes[2].state.http_status == 403
    assert not any(p.startswith("/v1.0/devices/") for _, p in writes(fake))
    assert "1 not sent" in report.lines()[-1]


async def test_a_refused_autopilot_step_names_the_scope_and_the_intune_roles(
        fake: FakeGraph, tmp_path: Path) -> None:
    """The 403 on deleting an Autopilot identity says which permission the app lacks and which
    Intune roles hold "Enrollment programs / Delete device" (Microsoft's built-in roles table)."""
    no_service_write = tuple(scope for scope in ALL_DEMO_SCOPES
                             if scope != "DeviceManagementServiceConfig.ReadWrite.All")
    client = make_client(fake, no_service_write)
    devices = await devices_with_all_three(fake, client, 1)
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices))
    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl")).run()
    await client.aclose()
    autopilot = report.outcomes[2].state
    assert (autopilot.state, autopilot.http_status) == (FAILED, 403)
    assert "DeviceManagementServiceConfig.ReadWrite.All" in (autopilot.error or "")
    assert "Enrollment programs / Delete device" in (autopilot.error or "")
    assert "Policy and Profile Manager or School Administrator" in (autopilot.error or "")


async def test_the_entra_step_needs_the_delegated_directory_permission_and_names_the_role(
        fake: FakeGraph, tmp_path: Path) -> None:
    """Device.ReadWrite.All alone (app-only on Graph's device pages) does not disable an Entra
    device for a signed-in user: the 403 names Directory.AccessAsUser.All and the Entra role."""
    without = tuple(scope for scope in ALL_DEMO_SCOPES if scope != "Directory.AccessAsUser.All")
    client = make_client(fake, without)
    devices = await devices_with_all_three(fake, client, 1)
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices))
    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl")).run()
    await client.aclose()
    entra = report.outcomes[-1].state
    assert (entra.state, entra.http_status) == (FAILED, 403)
    assert "Directory.AccessAsUser.All" in (entra.error or "")
    assert "Intune Administrator" in (entra.error or "")
    assert not any(p.startswith("/v1.0/devices/") and m in ("PATCH", "DELETE")
                   and s == 204 for m, p, s in _write_statuses(fake))


def _write_statuses(fake: FakeGraph) -> list[tuple[str, str, int | None]]:
    return [(r.method, r.path, r.status) for r in fake.requests if r.method != "GET"]


async def test_an_already_deleted_record_counts_as_done(fake: FakeGraph, client: GraphClient,
                                                        tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 1)
    index = fake.tenant.devices.index_of(devices[0].managed[0].id or "")
    assert index is not None
    fake.tenant.devices.delete(index)
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices, (Step.DELETE_INTUNE,)))
    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl")).run()
    assert [o.state.state for o in report.outcomes] == [GONE] and report.complete



async def test_faults_on_each_step_still_end_with_each_change_made_once(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 1)
    # 429 (not processed, retried by the client after Retry-After) on the retire and the Entra
    # PATCH; 504 (outcome unknown: settled by re-reading, then sent again only because the
    # record is still there) on both DELETEs. Each fault is armed as its step starts.
    faults = {"retire": 429, "delete-intune": 504, "delete-autopilot": 504, "disable-entra": 429}

    def arm(step: Any) -> None:
        status = faults.pop(step.step, None)
        if status is not None:
            fake.faults.fail_next(status, path_contains=step.path, retry_after=0)

    journal = Journal.create(tmp_path / "offboarding", plan_for(devices))
    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl"),
                                  before_send=arm).run()
    assert report.complete
    applied = [(r.method, r.path) for r in fake.requests
               if r.method != "GET" and r.path != "/v1.0/$batch" and r.status
               and 200 <= r.status < 300]
    assert len(applied) == 4 and len(set(applied)) == 4
    refused = [r.status for r in fake.requests if r.method != "GET" and r.status in (429, 504)]
    assert sorted(refused) == [429, 429, 504, 504]


async def test_a_retire_without_an_answer_is_not_sent_again_and_stops_the_device(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 1)
    fake.faults.fail_next(504, path_contains="/retire")
    journal = Journal.create(tmp_path / "offboarding", plan_for(devices))
    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl")).run()
    assert [o.state.state for o in report.outcomes] == ["unknown", "blocked", "blocked",
                                                        "blocked"]
    assert "check it before trying again" in (report.outcomes[0].state.error or "")
    assert [m for m, _ in writes(fake)] == ["POST"]
    assert unfinished_journals(tmp_path / "offboarding") == [journal.path]


async def test_a_delete_that_never_gets_an_answer_is_tried_a_bounded_number_of_times(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 1)
    path = f"windowsAutopilotDeviceIdentities/{devices[0].autopilot[0].id}"
    journal = Journal.create(tmp_path / "offboarding",
                             plan_for(devices, (Step.DELETE_AUTOPILOT,)))

    def always_504(step: Any) -> None:
        fake.faults.fail_next(504, path_contains=path)

    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl"),
                                  before_send=always_504).run()
    [outcome] = report.outcomes
    assert outcome.state.state == "unknown" and outcome.state.attempts == 3
    assert "no answer after 3 tries" in (outcome.state.error or "")
    assert [r.status for r in fake.requests if r.method == "DELETE"] == [504, 504, 504]


async def test_a_retire_whose_answer_was_lost_is_found_in_the_device_and_not_resent(
        fake: FakeGraph, client: GraphClient, tmp_path: Path) -> None:
    devices = await devices_with_all_three(fake, client, 1)
    fake.faults.drop_next(path_contains="/retire", after_processing=True)
    journal = Journal.create(tmp_path / "offboarding",
                             plan_for(devices, (Step.RETIRE, Step.DELETE_INTUNE), fake))
    report = await OffboardRunner(client, journal, AuditLog(tmp_path / "a.jsonl")).run()
    assert [o.state.state for o in report.outcomes] == [DONE, DONE]
    assert [m for m, _ in writes(fake)] == ["POST", "DELETE"]
