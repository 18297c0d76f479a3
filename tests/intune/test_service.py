"""IntuneService against the real GraphClient and the fake Graph (its own copy of Graph's rules):
a wrong path, version, $select, $filter operator or action body in our catalogs fails here."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fake_time import FakeTime

from intune_tui.auth.errors import SignInCancelled
from intune_tui.demo.fake_graph import FakeGraph
from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant import build_tenant
from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError
from intune_tui.intune.actions import (
    ACTIONS,
    BulkAction,
    OptionError,
    RemoteAction,
    actions_for,
    build_body,
)
from intune_tui.intune.resources import DEVICE_DETAIL_SELECT, RESOURCES, Row
from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS, READ_SCOPES
from intune_tui.intune.search import SearchQuery, parse_query
from intune_tui.intune.service import ActionOutcome, IntuneService, RowPage
from intune_tui.intune.split_listing import SPLIT_MAX_PARTS, time_ranges

DEVICE_COUNT = 1200


class TenantClock:
    """The fake's clock: moves only when a test says so (actions finish 20-60 s after start)."""

    def __init__(self) -> None:
        self.seconds = 1_800_000_000.0

    def __call__(self) -> float:
        return self.seconds


class ScopeRecordingTokens:
    """A token provider that hands out one fake token and records the extra scopes asked for."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.scopes_asked: list[tuple[str, ...] | None] = []

    async def get_token(self, *, scopes: Sequence[str] | None = None,
                        force_refresh: bool = False, claims_challenge: str | None = None) -> str:
        self.scopes_asked.append(tuple(scopes) if scopes else None)
        return self.token


async def _no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


@pytest.fixture
def clock() -> TenantClock:
    return TenantClock()


@pytest.fixture
def fake(clock: TenantClock) -> FakeGraph:
    return FakeGraph(build_tenant(devices=DEVICE_COUNT), clock=clock)


def _service(fake: FakeGraph, clock: TenantClock, tokens: ScopeRecordingTokens
             ) -> tuple[IntuneService, GraphClient]:
    client = GraphClient(tokens, transport=fake.transport(), sleep=_no_sleep)
    return IntuneService(client, now=lambda: fake.tenant_now()), client


@pytest.fixture
def tokens(fake: FakeGraph) -> ScopeRecordingTokens:
    return ScopeRecordingTokens(fake.issue_token())


@pytest.fixture
async def service(fake: FakeGraph, clock: TenantClock,
                  tokens: ScopeRecordingTokens) -> AsyncIterator[IntuneService]:
    svc, client = _service(fake, clock, tokens)
    yield svc
    await client.aclose()


def requests_to(fake: FakeGraph, fragment: str, method: str | None = None) -> list[Any]:
    return [r for r in fake.requests
            if fragment in r.path and (method is None or r.method == method)]


async def all_devices(service: IntuneService) -> list[dict[str, Any]]:
    return [row.item for row in await service.rows("devices")]


def pick(devices: list[dict[str, Any]], **wanted: Any) -> dict[str, Any]:
    for device in devices:
        if all(device.get(key) == value for key, value in wanted.items()):
            return device
    raise AssertionError(f"the demo tenant has no device with {wanted}")


async def send(service: IntuneService, device: dict[str, Any], action: RemoteAction,
               options: dict[str, object] | None = None) -> ActionOutcome:
    """One action as the action flow sends it: the body its confirmation builds, sent once."""
    return await service.send_action(device, action, build_body(action, options, device=device))


async def send_bulk(service: IntuneService, devices: list[dict[str, Any]], action: RemoteAction,
                    options: dict[str, object] | None = None) -> list[ActionOutcome]:
    """A bulk action as the bulk screen sends it: planned (and audited) first, then sent."""
    return await service.send_bulk(BulkAction.plan(devices, action, options))


# -- lists --------------------------------------------------------------------------------------


async def test_device_stream_pages_through_the_tenant_with_catalog_select_and_count(
        service: IntuneService, fake: FakeGraph) -> None:
    pages = [page async for page in service.list_pages("devices")]
    rows = [row for page in pages for row in page.rows]
    assert len(rows) == DEVICE_COUNT
    assert len({row.key for row in rows}) == DEVICE_COUNT
    assert pages[0].count == DEVICE_COUNT
    assert [page.has_more for page in pages][-2:] == [True, False]
    sent = requests_to(fake, "/v1.0/deviceManagement/managedDevices")
    assert all(r.params["$select"] == ",".join(RESOURCES["devices"].select) for r in sent)
    assert all(r.params["$count"] == "true" for r in sent)
    assert [r.params["$top"] for r in sent[:2]] == ["100", "1000"]  # the preview, then the page
    assert all(r.status == 200 for r in fake.requests)
    assert isinstance(rows[0], Row) and len(rows[0].cells) == len(RESOURCES["devices"].columns)


def _answer_the_preview_first(fake: FakeGraph) -> None:
    """The preview is sent first: answer it at once and hold the full first page a moment."""
    fake.faults.slow_next(0.0, path_contains="/managedDevices")
    fake.faults.slow_next(0.2, path_contains="/managedDevices")


async def test_a_short_preview_shows_first_and_every_device_still_comes_once(
        service: IntuneService, fake: FakeGraph) -> None:
    _answer_the_preview_first(fake)
    pages = [page async for page in service.list_pages("devices")]
    assert len(pages[0].rows) == 100 and pages[0].count == DEVICE_COUNT and pages[0].has_more
    keys = [row.key for page in pages for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert [r.params["$top"] for r in requests_to(fake, "/managedDevices")] == [
        "100", "1000", "1000"]


async def test_a_preview_holding_the_whole_list_ends_it(
        service: IntuneService, fake: FakeGraph) -> None:
    linux = "operatingSystem eq 'Linux'"
    expected = len(await service.rows("devices", server_filter=linux))
    assert 0 < expected < 100
    fake.requests.clear()
    _answer_the_preview_first(fake)
    pages = [page async for page in service.list_pages("devices", server_filter=linux)]
    assert [(len(page.rows), page.has_more) for page in pages] == [(expected, False)]


async def test_a_failing_preview_is_ignored_and_the_list_loads_whole(
        service: IntuneService, fake: FakeGraph) -> None:
    fake.faults.fail_next(400, path_contains="/managedDevices")  # the preview, sent first
    pages = [page async for page in service.list_pages("devices")]
    keys = [row.key for page in pages for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert [r.status for r in requests_to(fake, "/managedDevices")] == [400, 200, 200]


async def test_with_a_hold_the_first_full_page_is_asked_for_at_once_and_read_after_it(
        service: IntuneService, fake: FakeGraph) -> None:
    """Start-up (ui/startup.py): the preview comes alone; the first full page is asked for
    beside it, and its answer read once the hold (the app's first frame) has returned. Every
    device still comes once."""
    released = asyncio.Event()

    async def first_frame() -> None:
        await released.wait()

    pages = service.list_pages("devices", full_page_after=first_frame)
    preview = await anext(pages)
    assert len(preview.rows) == 100 and preview.count == DEVICE_COUNT and preview.has_more
    following = asyncio.ensure_future(anext(pages))
    await asyncio.sleep(0.05)
    assert [r.params["$top"] for r in requests_to(fake, "/managedDevices")] == ["100", "1000"]
    assert not following.done()  # answered, not read: the hold is closed
    released.set()
    rest = [await following, *[page async for page in pages]]
    keys = [row.key for page in [preview, *rest] for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert [r.params["$top"] for r in requests_to(fake, "/managedDevices")] == [
        "100", "1000", "1000"]


async def test_with_a_hold_the_preview_comes_first_even_when_the_full_page_is_answered_first(
        service: IntuneService, fake: FakeGraph) -> None:
    """With the hold open (the first frame is out, still without rows), the first full page's
    answer is read only after the preview's: the first rows are the preview's, not held back
    behind 1,000 devices."""
    async def open_hold() -> None:
        return None

    fake.faults.slow_next(0.2, path_contains="/managedDevices")  # the preview, sent first
    fake.faults.slow_next(0.0, path_contains="/managedDevices")
    pages = [page async for page in service.list_pages("devices", full_page_after=open_hold)]
    assert len(pages[0].rows) == 100 and pages[0].has_more
    keys = [row.key for page in pages for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT


async def test_with_a_hold_a_preview_that_hangs_holds_the_full_page_back_only_so_long(
        service: IntuneService, fake: FakeGraph, monkeypatch) -> None:
    from intune_tui.intune import service as service_module

    monkeypatch.setattr(service_module, "PREVIEW_HEAD_START", 0.05)

    async def open_hold() -> None:
        return None

    fake.faults.slow_next(60.0, path_contains="/managedDevices")  # the preview, sent first
    pages = service.list_pages("devices", full_page_after=open_hold)
    first = await asyncio.wait_for(anext(pages), timeout=10)
    assert len(first.rows) == 1000
    await pages.aclose()


async def test_a_preview_holding_the_whole_list_ends_it_while_the_full_page_is_held(
        service: IntuneService, fake: FakeGraph) -> None:
    """The first full page's answer, never read (the hold stays closed), is let go when the
    preview turns out to be the whole list: the listing ends, nothing waits for the hold."""
    linux = "operatingSystem eq 'Linux'"
    expected = len(await service.rows("devices", server_filter=linux))
    assert 0 < expected < 100

    async def never() -> None:
        await asyncio.Event().wait()

    _answer_the_preview_first(fake)
    listing = service.list_pages("devices", server_filter=linux, full_page_after=never)
    pages = await asyncio.wait_for(_all(listing), timeout=30)
    assert [(len(page.rows), page.has_more) for page in pages] == [(expected, False)]


async def _all(pages: AsyncIterator[Any]) -> list[Any]:
    return [page async for page in pages]


async def test_a_hold_on_a_list_without_preview_holds_nothing(
        service: IntuneService, fake: FakeGraph) -> None:
    """Without a preview the first full page is the first page: the hold is not waited for."""
    async def never() -> None:
        await asyncio.Event().wait()

    first = await asyncio.wait_for(
        anext(service.list_pages("apps", full_page_after=never)), timeout=30)
    assert first.rows
    assert RESOURCES["apps"].preview_size is None


async def test_search_filters_are_accepted_by_graph_and_rows_match_them(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await all_devices(service)
    someone = pick(devices, operatingSystem="Windows")["userPrincipalName"]
    for text in ("os:ios compliance:noncompliant", "os:ios,android synced<7d",
                 "synced>30d", "name:a state:managed", f"user:{someone}",
                 "compliance:grace enrolled>2025-01-01", "model:surface", "version:10."):
        query = parse_query(text, now=DEMO_NOW)
        assert isinstance(query, SearchQuery), text
        assert query.server_filter, text
        fake.requests.clear()
        rows = [row async for page in service.list_pages("devices",
                                                          server_filter=query.server_filter)
                for row in page.rows]
        assert all(r.status == 200 for r in fake.requests), (text, fake.requests[-1])
        assert all(query.matches_all(row) for row in rows), text
        expected = [d for d in devices if query.matches_all(RESOURCES["devices"].to_row(d))]
        assert len(rows) == len(expected), text


async def test_partial_serial_is_filtered_here_not_on_graph(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await all_devices(service)
    serial = pick(devices, operatingSystem="macOS")["serialNumber"]
    query = parse_query(f"serial:{serial[:5]}", now=DEMO_NOW)
    assert isinstance(query, SearchQuery) and query.server_filter is None
    rows = [row for row in await service.rows("devices") if query.matches(row)]
    assert any(row.item["serialNumber"] == serial for row in rows)
    assert all(serial[:5].lower() in row.item["serialNumber"].lower() for row in rows)


async def test_apps_come_from_beta_twenty_at_a_time_with_friendly_types(
        service: IntuneService, fake: FakeGraph) -> None:
    pages = [page async for page in service.list_pages("apps")]
    assert len(pages) > 1
    calls = requests_to(fake, "/deviceAppManagement/mobileApps")
    assert all(call.path.startswith("/beta/") for call in calls)
    assert calls[0].params["$top"] == "20"
    rows = [row for page in pages for row in page.rows]
    type_column = RESOURCES["apps"].column_index("@odata.type")
    shown = {row.cells[type_column] for row in rows}
    assert "Windows app (Win32)" in shown
    assert not any(text.startswith("#microsoft.graph.") for text in shown)


async def test_every_catalog_list_is_served_by_graph_as_the_catalog_describes(
        service: IntuneService, fake: FakeGraph) -> None:
    for key, resource in RESOURCES.items():
        if resource.parent is not None:
            continue
        fake.requests.clear()
        rows = [row async for page in service.list_pages(key) for row in page.rows]
        assert fake.requests and all(r.status == 200 for r in fake.requests), (
            key, fake.requests[-1])
        assert all(r.path.startswith(f"/{resource.api_version}/") for r in fake.requests), key
        assert rows, key


async def test_every_child_list_is_served_for_a_real_parent(
        service: IntuneService, fake: FakeGraph) -> None:
    parents = {key: (await service.rows(key))[0].key
               for key in ("devices", "apps", "device_configurations", "compliance_policies",
                           "settings_catalog")}
    for key, resource in RESOURCES.items():
        if resource.parent is None:
            continue
        fake.requests.clear()
        [row async for page in service.list_pages(key, parent_id=parents[resource.parent])
         for row in page.rows]
        assert all(r.status == 200 for r in fake.requests), (key, fake.requests[-1])


async def test_settings_catalog_settings_are_paged_to_the_end(
        service: IntuneService, fake: FakeGraph) -> None:
    policies = await service.rows("settings_catalog")
    calls = requests_to(fake, "/beta/deviceManagement/configurationPolicies")
    assert calls[0].params["$top"] == "25"
    biggest = max(policies, key=lambda row: row.item.get("settingCount") or 0)
    fake.requests.clear()
    settings = await service.policy_settings(biggest.key)
    assert len(settings) == biggest.item["settingCount"]
    assert len(requests_to(fake, "/settings")) == -(-len(settings) // 25)


# -- details ------------------------------------------------------------------------------------


async def test_get_device_selects_the_non_default_fields(
        service: IntuneService, fake: FakeGraph) -> None:
    windows = pick(await all_devices(service), operatingSystem="Windows")
    fake.requests.clear()
    device = await service.get_device(windows["id"])
    call = fake.requests[0]
    assert call.path.endswith(f"/managedDevices/{windows['id']}")
    assert call.params["$select"] == ",".join(DEVICE_DETAIL_SELECT)
    assert device.id == windows["id"] and device.name == windows["deviceName"]
    assert device.physical_memory_bytes and device.physical_memory_bytes > 0
    assert device.ethernet_mac
    assert "activationLockBypassCode" not in device.raw


async def test_roles_parse_permissions_into_words(service: IntuneService) -> None:
    roles = await service.role_definitions()
    assert roles and any(role.is_built_in for role in roles)
    grouped = next(r for r in roles if r.allowed).permissions_by_resource()
    assert all(not resource.startswith("Microsoft.") for resource in grouped)
    assignments = await service.role_assignments()
    assert all(a.name for a in assignments)


async def test_tenant_health_reports_each_part_and_survives_one_failing(
        service: IntuneService, fake: FakeGraph) -> None:
    items = await service.tenant_health()
    areas = {item.area for item in items}
    assert {"Apple push certificate", "Apple VPP tokens", "Exchange connectors"} <= areas
    assert all(item.summary for item in items)
    for item in items:
        if item.area == "Exchange connectors":
            expected = "bad" if item.summary.startswith("Disconnected") else "good"
            assert item.status == expected, item
    fake.faults.fail_next(403, path_contains="vppTokens")
    items = await service.tenant_health()
    vpp = [item for item in items if item.area == "Apple VPP tokens"]
    assert len(vpp) == 1 and vpp[0].error and vpp[0].status is None
    assert any(item.area == "Apple push certificate" and item.error is None for item in items)


# -- remote actions -----------------------------------------------------------------------------


async def test_sync_posts_once_with_privileged_scope_and_is_then_pending(
        service: IntuneService, fake: FakeGraph, tokens: ScopeRecordingTokens,
        clock: TenantClock) -> None:
    device = pick(await all_devices(service), operatingSystem="Windows", managementState="managed")
    fake.requests.clear()
    outcome = await send(service, device, ACTIONS["syncDevice"])
    assert outcome.outcome == "succeeded" and outcome.status == 204 and outcome.sent
    posts = requests_to(fake, "/syncDevice", "POST")
    assert [p.path for p in posts] == [
        f"/v1.0/deviceManagement/managedDevices/{device['id']}/syncDevice"]
    assert posts[0].json is None
    assert (PRIVILEGED_OPERATIONS,) in tokens.scopes_asked
    state = await service.device_action_state(device["id"])
    result = state.latest_result(ACTIONS["syncDevice"].result_names)
    assert result is not None and result.state == "pending"
    clock.seconds += 120
    state = await service.device_action_state(device["id"])
    result = state.latest_result(ACTIONS["syncDevice"].result_names)
    assert result is not None and result.finished


async def test_wipe_sends_only_the_options_for_the_device_platform(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await all_devices(service)
    windows = pick(devices, operatingSystem="Windows", managementState="managed")
    mac = pick(devices, operatingSystem="macOS", managementState="managed")
    options = {"keepUserData": True, "macOsUnlockCode": "123456"}
    assert (await send(service, windows, ACTIONS["wipe"], options)).outcome == "succeeded"
    assert (await send(service, mac, ACTIONS["wipe"], options)).outcome == "succeeded"
    bodies = {p.path.split("/")[-2]: p.json for p in requests_to(fake, "/wipe", "POST")}
    assert bodies[windows["id"]] == {"keepEnrollmentData": False, "keepUserData": True}
    assert bodies[mac["id"]] == {"macOsUnlockCode": "123456"}
    state = await service.device_action_state(windows["id"])
    assert state.management_state == "wipePending"


async def test_the_macos_unlock_pin_reaches_graph_but_not_the_request_log(
        service: IntuneService, fake: FakeGraph) -> None:
    macs = [device for device in await all_devices(service)
            if device.get("operatingSystem") == "macOS"
            and device.get("managementState") == "managed"][:2]
    options = {"macOsUnlockCode": "246802"}
    assert (await send(service, macs[0], ACTIONS["wipe"], options)).outcome == "succeeded"
    assert [outcome.outcome for outcome in await send_bulk(
        service, macs[1:], ACTIONS["wipe"], options)] == ["succeeded"]
    assert [p.json for p in requests_to(fake, "/wipe", "POST")] == [options, options]
    logged = [entry.body or "" for entry in service.client.requests.entries()
              if entry.method == "POST"]
    assert len(logged) == 2 and all("macOsUnlockCode" in body for body in logged)
    assert not any("246802" in body for body in logged)


async def test_beta_actions_go_to_beta(service: IntuneService, fake: FakeGraph) -> None:
    devices = await all_devices(service)
    supervised = pick(devices, operatingSystem="iOS", isSupervised=True,
                      managementState="managed")
    assert ACTIONS["enableLostMode"] in actions_for(supervised)
    outcome = await send(service, supervised, ACTIONS["enableLostMode"],
                                       {"message": "Return to IT", "phoneNumber": "+1 555 0100"})
    assert outcome.outcome == "succeeded"
    post = requests_to(fake, "/enableLostMode", "POST")[0]
    assert post.path.startswith("/beta/")
    assert post.json == {"message": "Return to IT", "phoneNumber": "+1 555 0100"}


async def test_an_action_that_does_not_apply_is_never_sent(
        service: IntuneService, fake: FakeGraph) -> None:
    mac = pick(await all_devices(service), operatingSystem="macOS")
    fake.requests.clear()
    outcome = await send(service, mac, ACTIONS["cleanWindowsDevice"])
    assert outcome.outcome == "not_sent" and not outcome.sent
    assert "Windows" in (outcome.error or "")
    with pytest.raises(OptionError, match="message"):  # the confirmation cannot be given
        build_body(ACTIONS["enableLostMode"], {"message": ""},
                   device=pick(await all_devices(service), operatingSystem="iOS",
                               isSupervised=True))
    assert not [r for r in fake.requests if r.method == "POST"]


async def test_a_lost_answer_is_unknown_never_resent_and_the_device_is_re_read(
        service: IntuneService, fake: FakeGraph) -> None:
    device = pick(await all_devices(service), operatingSystem="Windows", managementState="managed")
    fake.requests.clear()
    fake.faults.drop_next(path_contains="/rebootNow", after_processing=True)
    outcome = await send(service, device, ACTIONS["rebootNow"])
    assert outcome.outcome == "unknown" and outcome.sent
    assert len(requests_to(fake, "/rebootNow", "POST")) == 1
    reread = [r for r in fake.requests if r.method == "GET"]
    assert reread and "deviceActionResults" in reread[-1].params["$select"]
    assert outcome.action_result is not None and outcome.action_result.action_name == "rebootNow"
    assert "Intune lists Restart" in (outcome.error or "")


async def test_a_lost_request_that_never_arrived_says_nothing_shows_yet(
        service: IntuneService, fake: FakeGraph) -> None:
    device = pick(await all_devices(service), operatingSystem="Android", managementState="managed")
    fake.faults.drop_next(path_contains="/syncDevice", after_processing=False)
    outcome = await send(service, device, ACTIONS["syncDevice"])
    assert outcome.outcome == "unknown"
    assert outcome.action_result is None
    assert "shows no Sync" in (outcome.error or "")


async def test_an_old_result_of_the_same_action_is_not_taken_for_the_new_one(
        service: IntuneService, fake: FakeGraph, clock: TenantClock) -> None:
    device = pick(await all_devices(service), operatingSystem="Windows", managementState="managed")
    assert (await send(service, device, ACTIONS["rebootNow"])).outcome == "succeeded"
    clock.seconds += timedelta(hours=2).total_seconds()
    fake.faults.drop_next(path_contains="/rebootNow", after_processing=False)
    outcome = await send(service, device, ACTIONS["rebootNow"])
    assert outcome.outcome == "unknown" and outcome.action_result is None


async def test_missing_privileged_scope_fails_with_the_scope_named(
        fake: FakeGraph, clock: TenantClock) -> None:
    read_only = ScopeRecordingTokens(fake.issue_token(scopes=READ_SCOPES))
    svc, client = _service(fake, clock, read_only)
    try:
        device = pick([row.item for row in await svc.rows("devices")], operatingSystem="Windows")
        outcome = await send(svc, device, ACTIONS["syncDevice"])
    finally:
        await client.aclose()
    assert outcome.outcome == "failed" and outcome.status == 403
    assert PRIVILEGED_OPERATIONS in (outcome.error or "")
    assert outcome.support and "403" in outcome.support


async def test_bulk_action_uses_batches_of_twenty_and_reports_every_device(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await all_devices(service)
    windows = [d for d in devices if d["operatingSystem"] == "Windows"
               and d["managementState"] == "managed"][:45]
    mac = pick(devices, operatingSystem="macOS")
    fake.requests.clear()
    outcomes = await send_bulk(service, [*windows, mac], ACTIONS["windowsDefenderQuickScan"])
    batches = [r for r in fake.requests if r.path == "/v1.0/$batch"]
    assert [len(b.json["requests"]) for b in batches] == [20, 20, 5]
    assert [o.device_id for o in outcomes] == [d["id"] for d in [*windows, mac]]
    assert all(o.outcome == "succeeded" for o in outcomes[:45])
    assert outcomes[45].outcome == "not_sent" and not outcomes[45].sent
    scans = [r for r in fake.requests if r.in_batch and r.path.endswith("/windowsDefenderScan")]
    assert len(scans) == 45 and all(r.json == {"quickScan": True} for r in scans)


async def test_one_device_failing_in_a_bulk_action_does_not_stop_the_rest(
        service: IntuneService, fake: FakeGraph) -> None:
    windows = [d for d in await all_devices(service) if d["operatingSystem"] == "Windows"][:5]
    fake.faults.fail_next(404, path_contains=f"{windows[2]['id']}/syncDevice")
    outcomes = await send_bulk(service, windows, ACTIONS["syncDevice"])
    assert [o.outcome for o in outcomes] == ["succeeded", "succeeded", "failed", "succeeded",
                                             "succeeded"]
    assert outcomes[2].status == 404 and outcomes[2].error


async def test_a_lost_batch_answer_makes_its_devices_unknown_and_re_reads_them(
        service: IntuneService, fake: FakeGraph) -> None:
    windows = [d for d in await all_devices(service)
               if d["operatingSystem"] == "Windows" and d["managementState"] == "managed"][:3]
    fake.requests.clear()
    fake.faults.drop_next(path_contains="/$batch", after_processing=True)
    outcomes = await send_bulk(service, windows, ACTIONS["rebootNow"])
    assert [o.outcome for o in outcomes] == ["unknown"] * 3
    assert len([r for r in fake.requests if r.in_batch and r.method == "POST"]) == 3
    assert all(o.action_result is not None and o.action_result.state == "pending"
               for o in outcomes)


# -- exactly once, under every fault ------------------------------------------------------------


def _fresh(devices: list[dict[str, Any]], os_name: str, count: int = 1
           ) -> list[dict[str, Any]]:
    """Managed devices of `os_name` with no remote action yet (so one found later is ours)."""
    found = [d for d in devices if d["operatingSystem"] == os_name
             and d["managementState"] == "managed" and not d.get("deviceActionResults")]
    assert len(found) >= count
    return found[:count]


async def _fresh_devices(service: IntuneService, os_name: str, count: int = 1
                         ) -> list[dict[str, Any]]:
    devices = await all_devices(service)
    candidates = [d for d in devices
                  if d["operatingSystem"] == os_name and d["managementState"] == "managed"][:40]
    states = [await service.device_action_state(d["id"]) for d in candidates]
    ids = {state.id for state in states if not state.action_results}
    return _fresh([d for d in devices if d["id"] in ids], os_name, count)


def _after_processing_503(fake: FakeGraph, fragment: str) -> None:
    fake.faults.fail_next(503, path_contains=fragment, retry_after=1, after_processing=True)


def _after_processing_504(fake: FakeGraph, fragment: str) -> None:
    fake.faults.fail_next(504, path_contains=fragment, after_processing=True)


def _after_processing_drop(fake: FakeGraph, fragment: str) -> None:
    fake.faults.drop_next(path_contains=fragment, after_processing=True)


@pytest.mark.parametrize("inject", [_after_processing_503, _after_processing_504,
                                    _after_processing_drop], ids=["503", "504", "drop"])
async def test_a_write_whose_outcome_is_lost_is_sent_once_then_the_device_is_re_read(
        service: IntuneService, fake: FakeGraph,
        inject: Callable[[FakeGraph, str], None]) -> None:
    [device] = await _fresh_devices(service, "Windows")
    fake.requests.clear()
    inject(fake, "/rebootNow")
    outcome = await send(service, device, ACTIONS["rebootNow"])
    assert len(requests_to(fake, "/rebootNow", "POST")) == 1
    assert outcome.outcome == "unknown" and outcome.sent and outcome.checked
    reread = fake.requests[-1]
    assert reread.method == "GET" and reread.path.endswith(device["id"])
    assert "deviceActionResults" in reread.params["$select"]
    assert outcome.action_result is not None
    assert outcome.action_result.action_name == "rebootNow"
    assert outcome.management_state == "managed" and not outcome.device_gone
    assert "Intune lists Restart" in (outcome.error or "")


async def test_a_wipe_answered_503_reports_the_management_state_read_back(
        service: IntuneService, fake: FakeGraph) -> None:
    [device] = await _fresh_devices(service, "Windows")
    _after_processing_503(fake, "/wipe")
    outcome = await send(service, device, ACTIONS["wipe"])
    assert len(requests_to(fake, "/wipe", "POST")) == 1
    assert outcome.outcome == "unknown" and outcome.status == 503 and outcome.checked
    assert outcome.management_state == "wipePending"
    assert "HTTP 503" in (outcome.error or "") and "wipe pending" in (outcome.error or "")

async def test_a_lost_outcome_whose_re_read_fails_too_says_so(
        service: IntuneService, fake: FakeGraph) -> None:
    [device] = await _fresh_devices(service, "Windows")
    fake.requests.clear()
    _after_processing_503(fake, "/rebootNow")  # the first matching shot: the POST's
    fake.faults.fail_next(500, path_contains=device["id"])  # then the re-read's
    outcome = await send(service, device, ACTIONS["rebootNow"])
    assert [(r.method, r.status) for r in fake.requests] == [("POST", 503), ("GET", 500)]
    assert outcome.outcome == "unknown" and outcome.sent and not outcome.checked
    assert "could not be re-read" in (outcome.error or "")


class _SignInLostAfterSending(ScopeRecordingTokens):
    """The sign-in works for the action, then fails (a session revoked meanwhile)."""

    async def get_token(self, *, scopes: Sequence[str] | None = None,
                        force_refresh: bool = False, claims_challenge: str | None = None) -> str:
        if self.scopes_asked and self.scopes_asked[-1] == (PRIVILEGED_OPERATIONS,):
            raise SignInCancelled("Sign-in required.")
        return await super().get_token(scopes=scopes)


async def test_a_lost_outcome_whose_re_read_cannot_sign_in_is_still_an_honest_unknown(
        fake: FakeGraph, clock: TenantClock) -> None:
    svc, client = _service(fake, clock, _SignInLostAfterSending(fake.issue_token()))
    try:
        [device] = _fresh(await all_devices(svc), "Windows")
        fake.requests.clear()
        _after_processing_503(fake, "/syncDevice")
        outcome = await send(svc, device, ACTIONS["syncDevice"])
    finally:
        await client.aclose()
    assert [r.method for r in fake.requests] == ["POST"]
    assert outcome.outcome == "unknown" and outcome.sent and not outcome.checked
    assert "could not be re-read" in (outcome.error or "")

async def test_a_2xx_with_an_unreadable_body_is_accepted_and_not_re_read(
        service: IntuneService, fake: FakeGraph) -> None:
    [device] = await _fresh_devices(service, "Windows")
    fake.requests.clear()
    fake.faults.truncate_next(path_contains="/syncDevice")
    outcome = await send(service, device, ACTIONS["syncDevice"])
    assert outcome.outcome == "succeeded" and outcome.body_unreadable
    assert outcome.status == 200 and outcome.request_id and outcome.error is None
    assert [r.method for r in fake.requests] == ["POST"]


async def test_a_write_answered_429_is_sent_again_once_after_retry_after(
        fake: FakeGraph, tokens: ScopeRecordingTokens) -> None:
    time = FakeTime()
    client = GraphClient(tokens, transport=fake.transport(), sleep=time.sleep, clock=time.clock)
    svc = IntuneService(client, now=lambda: fake.tenant_now())
    try:
        [device] = _fresh(await all_devices(svc), "Windows")
        fake.faults.fail_next(429, path_contains="/syncDevice", retry_after=2.5)
        outcome = await send(svc, device, ACTIONS["syncDevice"])
    finally:
        await client.aclose()
    assert outcome.outcome == "succeeded" and outcome.status == 204
    assert [r.status for r in requests_to(fake, "/syncDevice", "POST")] == [429, 204]
    assert time.sleeps == [pytest.approx(2.5)]


class _ConsentCancelled(ScopeRecordingTokens):
    """The user cancels the consent prompt for PrivilegedOperations."""

    async def get_token(self, *, scopes: Sequence[str] | None = None,
                        force_refresh: bool = False, claims_challenge: str | None = None) -> str:
        if scopes and PRIVILEGED_OPERATIONS in scopes:
            raise SignInCancelled("Sign-in cancelled.")
        return await super().get_token(scopes=scopes)


async def test_no_token_for_a_write_is_not_sent_and_nothing_reaches_graph(
        fake: FakeGraph, clock: TenantClock) -> None:
    svc, client = _service(fake, clock, _ConsentCancelled(fake.issue_token()))
    try:
        devices = [d for d in await all_devices(svc) if d["operatingSystem"] == "Windows"][:3]
        fake.requests.clear()
        one = await send(svc, devices[0], ACTIONS["wipe"])
        many = await send_bulk(svc, devices, ACTIONS["syncDevice"])
    finally:
        await client.aclose()
    assert one.outcome == "not_sent" and not one.sent and "Sign-in cancelled" in (one.error or "")
    assert [o.outcome for o in many] == ["not_sent"] * 3 and not any(o.sent for o in many)
    assert fake.requests == []


async def test_a_batch_whose_answer_is_unreadable_makes_every_device_unknown_and_re_reads_each(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await _fresh_devices(service, "Windows", 3)
    fake.requests.clear()
    fake.faults.truncate_next(path_contains="/$batch")
    outcomes = await send_bulk(service, devices, ACTIONS["rebootNow"])
    assert [o.outcome for o in outcomes] == ["unknown"] * 3
    posts = [r.path for r in fake.requests if r.in_batch and r.method == "POST"]
    assert len(posts) == len(set(posts)) == 3
    reads = [r for r in fake.requests if r.in_batch and r.method == "GET"]
    assert {r.path.rsplit("/", 1)[1] for r in reads} == {d["id"] for d in devices}
    assert all(o.checked and o.action_result is not None and o.action_result.state == "pending"
               for o in outcomes)


async def test_a_batch_sub_request_answered_503_is_unknown_re_read_and_never_resent(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await _fresh_devices(service, "Windows", 3)
    fake.requests.clear()
    fake.faults.fail_next(503, path_contains=f"{devices[1]['id']}/syncDevice", retry_after=1,
                          after_processing=True)
    outcomes = await send_bulk(service, devices, ACTIONS["syncDevice"])
    assert [o.outcome for o in outcomes] == ["succeeded", "unknown", "succeeded"]
    posts = [r.path for r in fake.requests if r.in_batch and r.method == "POST"]
    assert len(posts) == len(set(posts)) == 3
    assert outcomes[1].checked and outcomes[1].action_result is not None
    assert outcomes[1].status == 503


async def test_a_batch_sub_request_answered_429_is_sent_again_once(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await _fresh_devices(service, "Windows", 3)
    fake.requests.clear()
    fake.faults.fail_next(429, path_contains=f"{devices[0]['id']}/syncDevice", retry_after=1)
    outcomes = await send_bulk(service, devices, ACTIONS["syncDevice"])
    assert [o.outcome for o in outcomes] == ["succeeded"] * 3
    sent = [r.status for r in fake.requests if r.in_batch and devices[0]["id"] in r.path]
    assert sent == [429, 204]
    assert len([r for r in fake.requests if r.in_batch and r.method == "POST"]) == 4

DELETE = replace(ACTIONS["retire"], key="delete", label="Delete", segment="", options=(),
                 result_names=("delete",), http_method="DELETE")


async def test_delete_is_sent_as_delete_on_the_device_once(
        service: IntuneService, fake: FakeGraph) -> None:
    [device] = await _fresh_devices(service, "Windows")
    fake.requests.clear()
    outcome = await send(service, device, DELETE)
    assert outcome.outcome == "succeeded" and outcome.status == 204
    assert [(r.method, r.path) for r in fake.requests] == [
        ("DELETE", f"/v1.0/deviceManagement/managedDevices/{device['id']}")]


@pytest.mark.parametrize("inject", [_after_processing_503, _after_processing_drop],
                         ids=["503", "drop"])
async def test_a_delete_whose_answer_is_lost_is_settled_by_the_device_being_gone(
        service: IntuneService, fake: FakeGraph,
        inject: Callable[[FakeGraph, str], None]) -> None:
    [device] = await _fresh_devices(service, "Windows")
    fake.requests.clear()
    inject(fake, device["id"])
    outcome = await send(service, device, DELETE)
    assert [r.method for r in fake.requests] == ["DELETE", "GET"]
    assert fake.requests[1].status == 404
    assert outcome.outcome == "succeeded" and outcome.device_gone and outcome.checked


async def test_a_delete_lost_before_it_arrived_stays_unknown_with_the_device_still_listed(
        service: IntuneService, fake: FakeGraph) -> None:
    [device] = await _fresh_devices(service, "Windows")
    fake.requests.clear()
    fake.faults.drop_next(path_contains=device["id"], after_processing=False)
    outcome = await send(service, device, DELETE)
    assert [r.method for r in fake.requests] == ["DELETE", "GET"]
    assert outcome.outcome == "unknown" and outcome.checked and not outcome.device_gone
    assert "still lists the device" in (outcome.error or "")


async def test_a_bulk_delete_whose_batch_answer_is_lost_settles_each_gone_device(
        service: IntuneService, fake: FakeGraph) -> None:
    devices = await _fresh_devices(service, "Windows", 2)
    fake.requests.clear()
    fake.faults.drop_next(path_contains="/$batch", after_processing=True)
    outcomes = await send_bulk(service, devices, DELETE)
    assert [r.method for r in fake.requests if r.in_batch][:2] == ["DELETE", "DELETE"]
    assert [o.outcome for o in outcomes] == ["succeeded", "succeeded"]
    assert all(o.device_gone and o.checked for o in outcomes)


def test_the_delete_action_used_here_is_a_remote_action() -> None:
    assert isinstance(DELETE, RemoteAction) and DELETE.path("x").endswith("/managedDevices/x")


# -- long lists split by enrollment time -------------------------------------------------------


def tenant_device_ids(fake: FakeGraph) -> set[str]:
    store = fake.tenant.devices
    return {store.id_of(index) for index in store.live_indices()}


def device_list_filters(fake: FakeGraph) -> list[str | None]:
    return [r.params.get("$filter")
            for r in requests_to(fake, "/v1.0/deviceManagement/managedDevices", "GET")]


def enrolled_at(fake: FakeGraph) -> list[datetime]:
    store = fake.tenant.devices
    return [store.comparable(index, "enrolledDateTime") for index in store.live_indices()]


def in_range(clause: str, moment: datetime) -> bool:
    """Whether `moment` passes a split clause (`p lt T`, `p gt T and p lt U`, `p gt T`)."""
    tests = [part.split() for part in clause.split(" and ")]
    return all((moment < parse(literal)) if op == "lt" else (moment > parse(literal))
               for _, op, literal in tests)


def parse(literal: str) -> datetime:
    return datetime.fromisoformat(literal)


async def test_a_long_device_list_is_fetched_split_by_enrollment_and_every_device_comes_once(
        service: IntuneService, fake: FakeGraph) -> None:
    pages = [page async for page in service.list_pages("devices", top=100)]
    keys = [row.key for page in pages for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert set(keys) == tenant_device_ids(fake)
    assert all(page.count == DEVICE_COUNT for page in pages)
    assert [page.has_more for page in pages] == [True] * (len(pages) - 1) + [False]
    parts = [f for f in dict.fromkeys(device_list_filters(fake)) if f is not None]
    assert len(parts) == 15  # 1,200 devices in parts of about 0.8 of a 100-device page
    assert parts[0].startswith("enrolledDateTime lt ")
    assert parts[-1].startswith("enrolledDateTime gt ")
    # Every device of the tenant is in exactly one part.
    assert all(sum(in_range(part, moment) for part in parts) == 1
               for moment in enrolled_at(fake))
    answered = requests_to(fake, "/v1.0/deviceManagement/managedDevices")
    assert all(r.status == 200 and r.params.get("$count") == "true" for r in answered)
    # The whole list's first page, then each part's pages, and nothing asked for twice.
    assert len(answered) == len({(r.params.get("$filter"), r.params.get("$skiptoken"))
                                 for r in answered})


async def test_a_split_starts_from_the_preview_and_the_first_page_still_counts_once(
        service: IntuneService, fake: FakeGraph) -> None:
    _answer_the_preview_first(fake)
    pages = [page async for page in service.list_pages("devices", top=200)]
    assert len(pages[0].rows) == 100 and pages[0].count == DEVICE_COUNT
    keys = [row.key for page in pages for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert set(keys) == tenant_device_ids(fake)
    filters = device_list_filters(fake)
    assert len(set(filters) - {None}) == 8  # 1,200 devices, parts of about 160
    # The parts were asked for on the preview's count: Graph answered them while it still held
    # the whole list's first page (which the parts made unneeded: it may never be answered).
    assert filters[0] is None and filters[1] is not None


async def test_after_their_first_pages_only_eight_parts_page_on_at_a_time(
        service: IntuneService, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.latency_ms = 5  # answers overlap, as over a network
    answering = fake.handle
    in_flight: dict[str, int] = {"first": 0, "later": 0}
    most: dict[str, int] = {"first": 0, "later": 0}

    async def counted(request: Any) -> Any:
        params = request.url.params
        kind = "later" if "$skiptoken" in params else "first"
        if "$filter" not in params:
            return await answering(request)
        in_flight[kind] += 1
        most[kind] = max(most[kind], in_flight[kind])
        try:
            return await answering(request)
        finally:
            in_flight[kind] -= 1

    monkeypatch.setattr(fake, "handle", counted)
    keys = [row.key async for page in service.list_pages("devices", top=20) for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert most["first"] == 16  # 1,200 devices in pages of 20: 16 parts, all asked for at once
    assert 1 < most["later"] <= 8


async def test_a_split_whose_counts_do_not_add_up_falls_back_to_the_plain_list(
        service: IntuneService, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    from intune_tui.intune import split_listing

    def with_a_gap(prop: str, sample: Sequence[datetime], parts: int) -> list[str] | None:
        clauses = time_ranges(prop, sample, parts)
        assert clauses is not None and len(clauses) > 2
        return clauses[:2] + clauses[3:]  # the devices of the third range are on no part

    monkeypatch.setattr(split_listing, "time_ranges", with_a_gap)
    pages = [page async for page in service.list_pages("devices", top=100)]
    keys = [row.key for page in pages for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert set(keys) == tenant_device_ids(fake)
    assert [page.has_more for page in pages] == [True] * (len(pages) - 1) + [False]
    plain = [f for f in device_list_filters(fake) if f is None]
    assert len(plain) == DEVICE_COUNT // 100  # the whole list, page after page, to its end


def test_time_ranges_cut_a_sample_into_even_parts_between_its_values() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    sample = [start + timedelta(hours=7 * n) for n in range(100)]
    clauses = time_ranges("enrolledDateTime", sample, 4)
    assert clauses is not None and len(clauses) == 4
    assert clauses[0] == "enrolledDateTime lt 2025-01-08T03:30:00.5Z"  # between items 24 and 25
    assert clauses[1].startswith("enrolledDateTime gt 2025-01-08T03:30:00.5Z and ")
    shares = [sum(in_range(clause, moment) for moment in sample) for clause in clauses]
    assert shares == [25, 25, 25, 25]


def test_time_ranges_need_two_distinct_values_and_make_no_more_parts_than_values() -> None:
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    assert time_ranges("enrolledDateTime", [], 4) is None
    assert time_ranges("enrolledDateTime", [moment, moment], 4) is None
    two = time_ranges("enrolledDateTime", [moment, moment + timedelta(days=1)], 8)
    assert two == ["enrolledDateTime lt 2025-01-01T12:00:00.5Z",
                   "enrolledDateTime gt 2025-01-01T12:00:00.5Z"]


async def test_a_split_part_that_graph_refuses_falls_back_to_the_plain_list(
        service: IntuneService, fake: FakeGraph) -> None:
    pages = service.list_pages("devices", top=100)
    first = await anext(pages)
    fake.faults.fail_next(400, path_contains="/managedDevices")
    rest = [page async for page in pages]
    keys = [row.key for page in (first, *rest) for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert any(r.status == 400 for r in fake.requests)


async def test_short_or_ordered_device_lists_are_not_split(
        service: IntuneService, fake: FakeGraph) -> None:
    await service.rows("devices")
    assert device_list_filters(fake) == [None, None, None]  # the preview and two pages
    fake.requests.clear()
    rows = [row async for page in service.list_pages("devices", top=100, orderby="deviceName")
            for row in page.rows]
    assert len(rows) == DEVICE_COUNT
    assert set(device_list_filters(fake)) == {None}


async def test_a_list_filtered_on_enrollment_is_not_split_again(
        service: IntuneService, fake: FakeGraph) -> None:
    query = parse_query("enrolled>90d", now=DEMO_NOW)
    assert isinstance(query, SearchQuery)
    enrolled_before = query.server_filter
    assert enrolled_before is not None and "enrolledDateTime lt " in enrolled_before
    expected = len(await service.rows("devices", server_filter=enrolled_before))
    assert expected > 4 * 100  # long enough to be split, were it not filtered on that
    fake.requests.clear()
    rows = [row async for page in service.list_pages("devices", top=100,
                                                     server_filter=enrolled_before)
            for row in page.rows]
    assert len(rows) == expected
    assert set(device_list_filters(fake)) == {enrolled_before}


async def test_stopping_a_split_listing_early_cancels_its_parts(
        service: IntuneService, fake: FakeGraph) -> None:
    pages = service.list_pages("devices", top=100)
    await anext(pages)
    await anext(pages)
    await pages.aclose()
    sent = len(fake.requests)
    await asyncio.sleep(0.05)
    assert len(fake.requests) == sent


@pytest.mark.parametrize("read_to_the_end", [True, False])
async def test_a_split_listing_lets_go_of_the_keys_it_passed_on_once_it_ends(
        service: IntuneService, monkeypatch: pytest.MonkeyPatch, read_to_the_end: bool) -> None:
    # Issue 21: a million keys freed at once held the GIL ~90 ms (the UI's loop stood still as
    # the list finished); they are let go piecewise, as the listing ends or is stopped.
    from intune_tui.intune import split_listing

    listings: list[split_listing.SplitListing[Any]] = []
    made = split_listing.SplitListing.__init__

    def kept(listing: split_listing.SplitListing[Any], *args: Any, **kwargs: Any) -> None:
        made(listing, *args, **kwargs)
        listings.append(listing)

    monkeypatch.setattr(split_listing.SplitListing, "__init__", kept)
    pages = service.list_pages("devices", top=100)
    if read_to_the_end:
        rows = sum([len(page.rows) async for page in pages])
        assert rows == DEVICE_COUNT
    else:
        for _ in range(4):
            await anext(pages)
        assert listings and listings[0]._seen  # keys passed on while it runs
        await pages.aclose()
        await asyncio.sleep(0.05)  # the listing's own generator is closed by the loop's hook
    assert len(listings) == 1 and listings[0]._seen == set()


async def test_a_split_part_answering_503_is_retried_without_shrinking_its_pages(
        service: IntuneService, fake: FakeGraph) -> None:
    pages = service.list_pages("devices", top=100)
    first = await anext(pages)
    fake.faults.fail_next(503, path_contains="/managedDevices", retry_after=0)
    rest = [page async for page in pages]
    keys = [row.key for page in (first, *rest) for row in page.rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    answered = requests_to(fake, "/v1.0/deviceManagement/managedDevices", "GET")
    assert any(r.status == 503 for r in answered)
    assert {r.params["$top"] for r in answered} == {"100"}


# -- remediation scripts (Run remediation's choices) ------------------------------------------


async def test_remediation_scripts_come_from_beta_by_name_with_select(
        service: IntuneService, fake: FakeGraph) -> None:
    scripts = await service.remediation_scripts()
    stored = fake.tenant.collections["deviceManagement/deviceHealthScripts"]
    assert [s.id for s in scripts] == [
        item["id"] for item in sorted(stored, key=lambda item: item["displayName"].casefold())]
    assert scripts[0].display_name == "Clear Teams cache"
    office = next(s for s in scripts if s.display_name.startswith("Restart stopped Office"))
    assert office.is_global and office.publisher == "Microsoft"
    (request,) = requests_to(fake, "/deviceHealthScripts")
    assert request.path == "/beta/deviceManagement/deviceHealthScripts"
    assert set(request.params["$select"].split(",")) >= {"id", "displayName", "publisher"}


async def test_remediation_scripts_without_configuration_read_is_forbidden(
        fake: FakeGraph, clock: TenantClock) -> None:
    tokens = ScopeRecordingTokens(fake.issue_token(
        scopes=["DeviceManagementManagedDevices.Read.All"]))
    service, client = _service(fake, clock, tokens)
    try:
        with pytest.raises(GraphError) as raised:
            await service.remediation_scripts()
        assert raised.value.status == 403
        assert "DeviceManagementConfiguration" in str(raised.value)
    finally:
        await client.aclose()


# -- Delete: DELETE on the device itself ----------------------------------------------------------


async def test_delete_sends_one_delete_and_the_device_is_gone(service: IntuneService,
                                                              fake: FakeGraph) -> None:
    device = pick(await all_devices(service), operatingSystem="Windows", managementState="managed")
    outcome = await send(service, device, ACTIONS["delete"])
    assert (outcome.outcome, outcome.status) == ("succeeded", 204)
    path = f"/v1.0/deviceManagement/managedDevices/{device['id']}"
    assert [(r.method, r.path) for r in fake.requests if r.method != "GET"] == [("DELETE", path)]
    assert fake.tenant.devices.index_of(device["id"]) is None


async def test_bulk_delete_goes_out_as_delete_sub_requests(service: IntuneService,
                                                           fake: FakeGraph) -> None:
    devices = [d for d in await all_devices(service)
               if d["operatingSystem"] == "Android" and d["managementState"] == "managed"][:3]
    outcomes = await send_bulk(service, devices, ACTIONS["delete"])
    assert [o.outcome for o in outcomes] == ["succeeded"] * 3
    subs = [r for r in fake.requests if r.in_batch]
    assert {(r.method, r.path.rsplit("/", 1)[-1]) for r in subs} == {
        ("DELETE", d["id"]) for d in devices}
    assert all(fake.tenant.devices.index_of(d["id"]) is None for d in devices)


async def test_a_long_list_asked_for_as_columns_comes_as_the_same_rows_built_from_the_answers(
        service: IntuneService, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 21: past `COLUMNS_FROM` (Graph's count), each answer becomes table columns on the
    # worker, with no Row a device; the rows the table rebuilds are those of the row path.
    from intune_tui.table import store
    from intune_tui.table.columns import wait_for_engine
    from intune_tui.table.store import ColumnStore

    monkeypatch.setattr(store, "COLUMNS_FROM", 300)
    wait_for_engine()
    fake.faults.rate_malformed = 0.15  # cut-off answers are still asked for again
    columns = [page async for page in service.list_pages("devices", top=100, as_columns=True)]
    fake.faults.rate_malformed = 0.0
    rows = [page async for page in service.list_pages("devices", top=100)]
    built = [page for page in columns if page.columns is not None]
    assert len(built) >= len(columns) // 2  # most pages (not the head) came as columns
    assert all(not page.rows for page in built)
    table: ColumnStore[Row] = ColumnStore(len(RESOURCES["devices"].columns))
    for page in columns:
        table.append(page.columns if page.columns is not None else page.rows)
    expected = {row.key: row for page in rows for row in page.rows}
    shown = list(table.visible_rows)
    assert len(shown) == sum(page.size for page in columns) == DEVICE_COUNT
    assert {row.key for row in shown} == set(expected) == tenant_device_ids(fake)
    assert all(row == expected[row.key] for row in shown)


async def test_a_long_list_reads_and_builds_no_page_while_the_user_types(
        service: IntuneService, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 21: behind a warm start's frame, reading and building a million devices' pages
    # (Python holding the GIL) made the first keystroke wait 0.1-0.25 s. `pace` holds them
    # while the user types; on the reading and building threads only, never the loop's.
    from intune_tui.intune import page_columns
    from intune_tui.table import store
    from intune_tui.table.columns import wait_for_engine

    monkeypatch.setattr(store, "COLUMNS_FROM", 300)
    wait_for_engine()
    read: list[str] = []
    read_page = page_columns.read_page
    monkeypatch.setattr(page_columns, "read_page", lambda body, schema=None: (
        read.append(threading.current_thread().name), read_page(body, schema))[1])
    typing_over = threading.Event()
    paced: list[str] = []

    def pace() -> None:
        paced.append(threading.current_thread().name.rsplit("_", 1)[0])
        typing_over.wait(10)

    fake.latency_ms = 5  # answers overlap, as over a network: pages are built together
    pages = service.list_pages("devices", top=100, as_columns=True, pace=pace)
    first = await anext(pages)
    rest = asyncio.ensure_future(_all(pages))
    await asyncio.sleep(0.3)
    held = [name for name in read if name.startswith("graph-page-read")]
    assert held == [] and paced  # the user types: no answer read on the reading thread
    typing_over.set()
    pages_after = await rest
    assert sum(page.size for page in [first, *pages_after]) == DEVICE_COUNT
    assert set(paced) == {"graph-page-read", "list-page-build"}


async def _all(pages: AsyncIterator[RowPage]) -> list[RowPage]:
    return [page async for page in pages]


async def test_answers_that_arrive_together_come_as_one_page_of_columns(
        service: IntuneService, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 21: the split's parts answer at once; the answers read meanwhile are built into
    # columns together (the engine's per-page work once), and every device still comes once.
    from intune_tui.table import store
    from intune_tui.table.columns import wait_for_engine

    monkeypatch.setattr(store, "COLUMNS_FROM", 300)
    wait_for_engine()
    fake.latency_ms = 5  # answers overlap, as over a network
    pages = [page async for page in service.list_pages("devices", top=100, as_columns=True)]
    answered = [r for r in requests_to(fake, "/v1.0/deviceManagement/managedDevices")
                if r.status == 200]
    built = [page for page in pages if page.columns is not None]
    assert any(page.size > 100 for page in built)  # more than one 100-device answer
    assert len(pages) < len(answered)
    assert sum(page.size for page in pages) == DEVICE_COUNT
    assert [page.has_more for page in pages] == [True] * (len(pages) - 1) + [False]
    assert all(page.count == DEVICE_COUNT for page in pages)


async def test_answers_read_as_json_among_those_built_together_still_come_once_each(
        service: IntuneService, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    # Answers read before the row engine was loaded come as rows, beside the others of their
    # batch, which are still built together as columns.
    from intune_tui.intune import page_columns
    from intune_tui.table import store
    from intune_tui.table.columns import wait_for_engine
    from intune_tui.table.store import ColumnStore

    monkeypatch.setattr(store, "COLUMNS_FROM", 300)
    wait_for_engine()
    read_page = page_columns.read_page
    calls = iter(range(10_000))
    monkeypatch.setattr(page_columns, "read_page",
                        lambda body, schema=None: None if next(calls) % 3 == 0
                        else read_page(body, schema))
    fake.latency_ms = 5
    pages = [page async for page in service.list_pages("devices", top=100, as_columns=True)]
    assert any(page.columns is not None and page.size > 100 for page in pages)
    assert sum(1 for page in pages if page.rows) > 2  # the declined answers, as rows
    table: ColumnStore[Row] = ColumnStore(len(RESOURCES["devices"].columns))
    for page in pages:
        table.append(page.columns if page.columns is not None else page.rows)
    keys = [row.key for row in table.visible_rows]
    assert len(keys) == len(set(keys)) == DEVICE_COUNT
    assert set(keys) == tenant_device_ids(fake)
    assert [page.has_more for page in pages] == [True] * (len(pages) - 1) + [False]


async def test_a_long_lists_answers_are_read_and_built_off_the_loops_thread(
        service: IntuneService, fake: FakeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 21: reading an answer (~3 ms) and building a batch of pages (~50 ms) on the
    # worker's loop held it: no request went out meanwhile. The pages are the same either way.
    import threading

    from intune_tui.intune import page_columns
    from intune_tui.table import store
    from intune_tui.table.columns import wait_for_engine

    monkeypatch.setattr(store, "COLUMNS_FROM", 300)
    wait_for_engine()
    where: dict[str, list[str]] = {"read": [], "built": []}
    read_page, column_page = page_columns.read_page, page_columns.column_page

    def reading(body: bytes, schema: Any = None) -> Any:
        where["read"].append(threading.current_thread().name)
        return read_page(body, schema)

    def building(*arguments: Any) -> Any:
        where["built"].append(threading.current_thread().name)
        return column_page(*arguments)

    monkeypatch.setattr(page_columns, "read_page", reading)
    monkeypatch.setattr(page_columns, "column_page", building)
    fake.latency_ms = 5
    loop_thread = threading.current_thread().name
    pages = [page async for page in service.list_pages("devices", top=100, as_columns=True)]
    assert sum(page.size for page in pages) == DEVICE_COUNT
    # A part's first answer is read on the loop (see `GraphClient.paginate`); the others not.
    assert where["read"].count(loop_thread) <= SPLIT_MAX_PARTS
    assert any(name.startswith("graph-page-read") for name in where["read"])
    assert where["built"] and all(name.startswith("list-page-build") for name in where["built"])


def test_a_long_lists_answers_wait_for_the_row_engine_once_and_then_no_more(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 21: answers that come while the engine is being imported wait for it (read as
    # JSON they cost 2-3x the CPU); an import held longer than ENGINE_WAIT is not waited for
    # again by the list's later answers.
    import json

    from intune_tui.intune import service as service_module
    from intune_tui.table import columns as col
    from intune_tui.table.store import COLUMNS_FROM

    body = json.dumps({"value": [{"id": "a", "deviceName": "x"}]}, separators=(",", ":")).encode()
    waits: list[float] = []
    ready = [False]
    monkeypatch.setattr(col, "engine_ready", lambda: ready[0])

    def within(seconds: float) -> bool:
        waits.append(seconds)
        return ready[0]

    monkeypatch.setattr(col, "engine_ready_within", within)
    reader = service_module._ColumnReader()
    reader.long_list(COLUMNS_FROM)
    monkeypatch.setattr(service_module.time, "monotonic",
                        iter([0.0, service_module.ENGINE_WAIT + 0.1]).__next__)
    assert reader(body) is None and reader(body) is None
    assert waits == [service_module.ENGINE_WAIT]  # once, then no more
    ready[0] = True
    read = reader(body)
    assert read is not None and read.table is not None and read.table.items.height == 1
    assert waits == [service_module.ENGINE_WAIT]
