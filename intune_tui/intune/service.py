"""IntuneService: the typed operations the UI calls, over the Graph client and the catalogs.

- `stream(resource_key, ...)` yields pages of display rows as Graph sends them.
- `get_device`, the `device_*` / `app_*` / `policy_*` fetchers and the `*_details` fan-outs fill
  the detail panes; a fan-out reports each part's error separately instead of failing whole.
- `run_action` sends one remote action exactly once; `bulk_action` sends one through `$batch`;
  an answer that may have been lost is settled by re-reading the device, never by sending again.
- `tenant_health` reads the certificates, tokens and connectors that expire or break.

Graph errors reach the caller as the client's typed `GraphError`s, except where a method says it
folds them into its result (fan-outs, actions, health).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import math
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import pairwise
from typing import Any, Generic, Literal, TypeVar

from intune_tui.graph.client import BatchItem, BatchResult, GraphClient, Page
from intune_tui.graph.errors import GraphError, GraphNotFound, NotSent, OutcomeUnknown
from intune_tui.graph.odata import ODataQuery, quote
from intune_tui.intune.actions import (
    REMEDIATION_SCRIPT_SELECT,
    REMEDIATION_SCRIPTS_PATH,
    REMEDIATION_SCRIPTS_VERSION,
    BulkAction,
    BulkRequest,
    RemediationScript,
    RemoteAction,
    build_body,
)
from intune_tui.intune.formatting import (
    age_in_days,
    enum_word,
    format_datetime,
    parse_datetime,
    relative_time,
)
from intune_tui.intune.models import (
    ApnsCertificate,
    DepToken,
    DeviceActionResult,
    HealthItem,
    InstallSummary,
    ManagedDevice,
    RoleAssignment,
    RoleDefinition,
    StatusOverview,
    VppToken,
    expiry_status,
    expiry_words,
)
from intune_tui.intune.resources import (
    DEVICE_ACTION_STATE_SELECT,
    DEVICE_DETAIL_SELECT,
    EXCHANGE_CONNECTOR_MARKS,
    MTD_PARTNER_MARKS,
    RESOURCES,
    Resource,
    Row,
)
from intune_tui.intune.scopes import CONFIGURATION_READ
from intune_tui.text import clean

T = TypeVar("T")
Outcome = Literal["succeeded", "failed", "unknown", "not_sent"]

log = logging.getLogger("intune_tui.intune")

# Long lists are fetched as several listings in parallel, each one range of a timestamp every
# item has and never changes (a device's enrollment), cut where a sample of the list (its first
# page) puts as many items in each range. The split is used only when Graph's counts prove it
# complete: the counts of the parts add up to the count of the whole list; otherwise the plain
# listing goes on. A property that changes (compliance, last sync) could move an item from a part
# not yet read to one already read while the parts are paged, and it would be missed.
PARTITIONS: dict[str, str] = {"devices": "enrolledDateTime"}
# Split only lists longer than this many pages: shorter ones are as fast one page after another.
SPLIT_ABOVE_PAGES = 4
# Parts of about 0.8 of a page, so that most parts of a short list fit in one page; and at most
# this many parts: past that Graph answers no faster and every part costs one more short page.
SPLIT_PAGES_PER_PART = 0.8
SPLIT_MAX_PARTS = 16
# After their first pages, this many parts page on at a time: enough to keep Graph busy; more
# only hold more pages in memory at once and take the UI's time in bursts.
SPLIT_PAGING_PARTS = 8

# A result that started this long before we sent the action still counts as ours when the
# answer was lost: Intune's and our clocks differ, and Graph stamps when it queued the action.
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class RowPage:
    """One page of a stream: its rows, and how many match in all when Graph said (`count`)."""

    rows: list[Row]
    count: int | None
    number: int
    has_more: bool


@dataclass(frozen=True)
class Part(Generic[T]):
    """One part of a detail fan-out: its value, or the error that kept it from loading."""

    value: T | None = None
    error: GraphError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class DeviceDetails:
    device: ManagedDevice
    compliance: Part[list[Row]]
    configuration: Part[list[Row]]
    detected_apps: Part[list[Row]]
    users: Part[list[Row]]
    actions: Part[list[Row]]


@dataclass(frozen=True)
class AppDetails:
    app: dict[str, Any]
    assignments: Part[list[Row]]
    install_summary: Part[InstallSummary]


@dataclass(frozen=True)
class PolicyDetails:
    policy: dict[str, Any]
    assignments: Part[list[Row]]
    status_overview: Part[StatusOverview] | None  # None: this kind of policy has none
    device_statuses: Part[list[Row]] | None
    settings: Part[list[Row]] | None  # settings catalog only


@dataclass(frozen=True)
class ActionOutcome:
    """What happened to one remote action on one device.

    outcome:
        "succeeded": Graph answered 2xx, whatever its body (`body_unreadable` when it could not
            be read): Intune accepted the action, and the device carries it out at its next
            check-in (follow it with `action_status`). Also a Delete whose answer was lost
            when the re-read finds the device gone (`device_gone`, `checked`).
        "failed": Graph refused it (a 4xx, 429 through every retry, 501/507/509): nothing
            was changed.
        "unknown": sent once, and it may or may not have happened (a lost answer, a timeout,
            500/502/503/504); never re-sent. The device was then re-read (`checked`) and
            `action_result` / `management_state` / `device_gone` say what that showed.
        "not_sent": nothing left this machine (`sent` is False): the action does not apply to
            the device, its options were wrong, or no token could be had (consent cancelled,
            sign-in failed, no network to the sign-in service or to Graph).
    error: one sentence for the user (for "unknown", what the re-read showed); support:
        status/code/request-id for a support ticket.
    checked: the device was re-read after an unknown answer and the read worked (False on an
        unknown outcome means the re-read failed too; `error` says so).
    action_result: the device's deviceActionResults entry for this action since it was sent,
        as the re-read (after "unknown") showed it.
    management_state: the device's managementState as the re-read showed it (retire and wipe
        show there first: retirePending, wipePending).
    device_gone: the re-read found no such device (HTTP 404).
    """

    device_id: str
    device_name: str
    action_key: str
    outcome: Outcome
    status: int | None = None
    request_id: str | None = None
    error: str | None = None
    support: str | None = None
    sent: bool = True
    action_result: DeviceActionResult | None = None
    checked: bool = False
    management_state: str | None = None
    device_gone: bool = False
    body_unreadable: bool = False


def _utc_now() -> datetime:
    return datetime.now(UTC)


class IntuneService:
    """Intune operations for one tenant over one `GraphClient`."""

    def __init__(
        self, client: GraphClient, *, now: Callable[[], datetime] = _utc_now
    ) -> None:
        self.client = client
        self._now = now

    # -- lists ----------------------------------------------------------------------------------

    async def stream(
        self,
        resource_key: str,
        *,
        server_filter: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        parent_id: str | None = None,
    ) -> AsyncIterator[RowPage]:
        """Yield the rows of a catalog list page by page, following Graph's next links.

        `parent_id` fills in the parent for a tab (`device_compliance_states` of one device).
        Singletons and list properties (APNs certificate, deviceActionResults) come as one page.
        """
        resource = _resource(resource_key)
        path = resource.path_for(parent_id)
        if resource.singleton:
            if server_filter:
                raise ValueError(f"{resource.title} cannot be filtered on Graph")
            yield RowPage(await self._singleton_rows(resource, path), None, 1, False)
            return
        query = ODataQuery(
            select=resource.select,
            filter=server_filter or None,
            top=top or resource.page_size,
            orderby=orderby or resource.default_orderby,
            count=resource.request_count and not _uncountable(server_filter),
        )
        split = _partition_for(resource, query)
        preview = self._start_preview(resource, path, query)  # first: Graph answers it first
        pages = self._pages(resource, path, query)
        first_future = asyncio.ensure_future(anext(pages))
        first_page: asyncio.Future[Page] | None = first_future  # None once awaited here
        try:
            shown: frozenset[str] = frozenset()  # the preview's keys, when it came first
            head = await _preview_before(first_future, preview)
            if head is not None:
                shown = _keys(resource, head)
                yield self._row_page(resource, head, 0, head.next_link is not None)
                if head.next_link is None:
                    return  # the whole list fitted in the preview
            else:
                head, first_page = await first_future, None
                yield self._row_page(resource, head, head.number, head.next_link is not None)
            parts = _split_clauses(split, head, query) if split is not None else None
            if parts is not None:
                listing = _SplitListing(self, resource, path, query, parts, head, pages,
                                        first_page, passed_on=shown or _keys(resource, head))
                async for row_page in listing.pages():
                    yield row_page
                return
            if first_page is not None:
                first = await first_page
                yield self._row_page(resource, first, first.number,
                                     first.next_link is not None, skip=_unseen(shown))
            async for page in pages:
                yield self._row_page(resource, page, page.number, page.next_link is not None,
                                     skip=_unseen(shown))
        finally:
            tasks = [task for task in (first_page, preview) if task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await pages.aclose()

    def _start_preview(self, resource: Resource, path: str, query: ODataQuery
                       ) -> asyncio.Task[Page] | None:
        """A short first page asked for beside the full one (`Resource.preview_size`): it is
        rendered and answered sooner, so the first rows show while Graph still builds the full
        page. Only a preview: the full listing still brings every row (its rows already shown
        are left out), and a preview that fails is ignored."""
        size = resource.preview_size
        if not size or not query.top or size >= query.top:
            return None

        async def first_of_preview() -> Page:
            pages = self._pages(resource, path, replace(query, top=size), keep_page_size=True)
            try:
                return await anext(pages)
            finally:
                await pages.aclose()

        return asyncio.ensure_future(first_of_preview())

    def _pages(self, resource: Resource, path: str, query: ODataQuery, *,
               keep_page_size: bool = False) -> AsyncGenerator[Page, None]:
        min_page_size = resource.min_page_size or min(20, query.top or 20)
        if keep_page_size and query.top:
            min_page_size = query.top
        return self.client.paginate(
            path, query=query, api_version=resource.api_version,
            required_scope=resource.required_scope, min_page_size=min_page_size,
        )

    def _row_page(self, resource: Resource, page: Page, number: int, has_more: bool,
                  skip: set[str] | None = None) -> RowPage:
        """The page as rows; with `skip`, items whose key is in it are left out (before they
        are made into rows) and the keys passed on are added to it."""
        items = _dicts(page.items)
        if skip is not None:
            keys = [resource.row_key(item) for item in items]
            items = [item for item, key in zip(items, keys, strict=True) if key not in skip]
            skip.update(keys)
        return RowPage(resource.to_rows(items, self._now()), page.count, number, has_more)

    async def rows(self, resource_key: str, *, parent_id: str | None = None,
                   server_filter: str | None = None) -> list[Row]:
        """Every row of a list, paged to the end."""
        collected: list[Row] = []
        async for page in self.stream(resource_key, parent_id=parent_id,
                                      server_filter=server_filter):
            collected.extend(page.rows)
        return collected

    async def _singleton_rows(self, resource: Resource, path: str) -> list[Row]:
        query = ODataQuery(select=resource.select) if resource.select else None
        if resource.list_property:
            query = ODataQuery(select=("id", resource.list_property))
        body = await self.client.get(path, query=query, api_version=resource.api_version,
                                     required_scope=resource.required_scope)
        items = body.get(resource.list_property) if resource.list_property else [body]
        return resource.to_rows(_dicts(items if isinstance(items, list) else []), self._now())

    # -- devices --------------------------------------------------------------------------------

    async def get_device(self, device_id: str) -> dict[str, Any]:
        """One device with the fields a list leaves out (hardware, IMEI/MEID, MACs, storage,
        memory, encryption, Entra device id, enrollment type, action results)."""
        devices = RESOURCES["devices"]
        return await self.client.get(
            devices.path_for() + "/" + _segment(device_id),
            query=ODataQuery(select=DEVICE_DETAIL_SELECT),
            api_version=devices.api_version, required_scope=devices.required_scope,
        )

    async def device_action_state(self, device_id: str) -> dict[str, Any]:
        """The device's deviceActionResults and managementState, for following an action."""
        devices = RESOURCES["devices"]
        return await self.client.get(
            devices.path_for() + "/" + _segment(device_id),
            query=ODataQuery(select=DEVICE_ACTION_STATE_SELECT),
            api_version=devices.api_version, required_scope=devices.required_scope,
        )

    async def device_action_results(self, device_id: str) -> tuple[DeviceActionResult, ...]:
        return ManagedDevice.from_graph(await self.device_action_state(device_id)).action_results

    async def action_status(self, device_id: str, action: RemoteAction
                            ) -> DeviceActionResult | None:
        """The latest deviceActionResults entry for `action` on the device (for polling)."""
        device = ManagedDevice.from_graph(await self.device_action_state(device_id))
        return device.latest_result(action.result_names)

    async def device_compliance_states(self, device_id: str) -> list[Row]:
        """Compliance policies on the device, each item with its `settingStates`."""
        return await self.rows("device_compliance_states", parent_id=device_id)

    async def device_configuration_states(self, device_id: str) -> list[Row]:
        return await self.rows("device_configuration_states", parent_id=device_id)

    async def device_detected_apps(self, device_id: str) -> list[Row]:
        """Apps Intune discovered on the device (beta only)."""
        return await self.rows("device_detected_apps", parent_id=device_id)

    async def device_users(self, device_id: str) -> list[Row]:
        return await self.rows("device_users", parent_id=device_id)

    async def device_details(self, device_id: str) -> DeviceDetails:
        """The device and every tab, fetched concurrently. The device itself must load (its
        error is raised); a tab that fails carries its error and the others still show."""
        device, compliance, configuration, apps, users = await asyncio.gather(
            self.get_device(device_id),
            _part(self.device_compliance_states(device_id)),
            _part(self.device_configuration_states(device_id)),
            _part(self.device_detected_apps(device_id)),
            _part(self.device_users(device_id)),
        )
        results = RESOURCES["device_action_results"]
        action_rows = results.to_rows(
            _dicts(device.get("deviceActionResults") or []), self._now())
        return DeviceDetails(ManagedDevice.from_graph(device), compliance, configuration, apps,
                             users, Part(action_rows))

    # -- apps -----------------------------------------------------------------------------------

    async def get_app(self, app_id: str) -> dict[str, Any]:
        apps = RESOURCES["apps"]
        return await self.client.get(apps.path_for() + "/" + _segment(app_id),
                                     api_version=apps.api_version,
                                     required_scope=apps.required_scope)

    async def app_assignments(self, app_id: str) -> list[Row]:
        return await self.rows("app_assignments", parent_id=app_id)

    async def app_install_summary(self, app_id: str) -> InstallSummary:
        summary = RESOURCES["app_install_summary"]
        body = await self.client.get(summary.path_for(app_id), api_version=summary.api_version,
                                     required_scope=summary.required_scope)
        return InstallSummary.from_graph(body)

    async def app_details(self, app_id: str) -> AppDetails:
        app, assignments, summary = await asyncio.gather(
            self.get_app(app_id), _part(self.app_assignments(app_id)),
            _part(self.app_install_summary(app_id)),
        )
        return AppDetails(app, assignments, summary)

    async def app_device_statuses(self, app_id: str) -> list[Row]:
        """The app's install state on each device it targets (beta), with the device's id."""
        return await self.rows("app_device_statuses", parent_id=app_id)

    async def apps_in_category(self, category_id: str) -> list[Row]:
        """Apps in one app category. Graph cannot filter apps by category, so the list is read
        with its categories expanded (pages of the apps list's size) and filtered here."""
        apps = RESOURCES["apps"]
        query = ODataQuery(select=apps.select, top=apps.page_size, expand="categories")
        wanted = category_id.lower()
        found: list[Row] = []
        async for page in self.client.paginate(
                apps.path_for(), query=query, api_version=apps.api_version,
                required_scope=apps.required_scope,
                min_page_size=apps.min_page_size or min(20, apps.page_size or 20)):
            for item in _dicts(page.items):
                categories = item.pop("categories", None)
                if any(isinstance(c, dict) and str(c.get("id", "")).lower() == wanted
                       for c in categories or []):
                    found.append(apps.to_row(item, self._now()))
        return found

    # -- any list item --------------------------------------------------------------------------

    async def get_item(self, resource_key: str, item_id: str, *,
                       expand: Sequence[str] = ()) -> dict[str, Any]:
        """One item of a catalog list with all its properties, and the lists named in `expand`
        read with it (`$expand`: an app protection policy's apps and assignments)."""
        resource = _resource(resource_key)
        if resource.parent is not None or resource.singleton:
            raise ValueError(f"{resource.title} has no items of its own to read")
        query = ODataQuery(expand=",".join(expand)) if expand else None
        return await self.client.get(resource.path_for() + "/" + _segment(item_id), query=query,
                                     api_version=resource.api_version,
                                     required_scope=resource.required_scope)

    async def devices_named(self, name: str) -> list[Row]:
        """Devices whose name is exactly `name` (a status report names a device, not its id)."""
        return await self.rows("devices", server_filter=f"deviceName eq {quote(name)}")

    # -- policies -------------------------------------------------------------------------------

    async def get_policy(self, resource_key: str, policy_id: str) -> dict[str, Any]:
        policies = _policy_resource(resource_key)
        return await self.client.get(policies.path_for() + "/" + _segment(policy_id),
                                     api_version=policies.api_version,
                                     required_scope=policies.required_scope)

    async def policy_assignments(self, resource_key: str, policy_id: str) -> list[Row]:
        _policy_resource(resource_key)
        return await self.rows(f"{resource_key}.assignments", parent_id=policy_id)

    async def policy_device_statuses(self, resource_key: str, policy_id: str) -> list[Row]:
        _policy_resource(resource_key)
        return await self.rows(f"{resource_key}.device_statuses", parent_id=policy_id)

    async def policy_status_overview(self, resource_key: str, policy_id: str) -> StatusOverview:
        _policy_resource(resource_key)
        overview = _resource(f"{resource_key}.device_status_overview")
        body = await self.client.get(overview.path_for(policy_id),
                                     api_version=overview.api_version,
                                     required_scope=overview.required_scope)
        return StatusOverview.from_graph(body)

    async def policy_settings(self, policy_id: str) -> list[Row]:
        """A settings-catalog policy's settings, every page (Graph sends 25 at a time)."""
        return await self.rows("settings_catalog.settings", parent_id=policy_id)

    async def policy_details(self, resource_key: str, policy_id: str) -> PolicyDetails:
        """A policy with its assignments and status (configuration and compliance policies) or
        its settings (settings catalog), fetched concurrently; each part fails on its own."""
        _policy_resource(resource_key)
        if resource_key == "settings_catalog":
            policy, assignments, settings = await asyncio.gather(
                self.get_policy(resource_key, policy_id),
                _part(self.policy_assignments(resource_key, policy_id)),
                _part(self.policy_settings(policy_id)),
            )
            return PolicyDetails(policy, assignments, None, None, settings)
        policy, assignments, overview, statuses = await asyncio.gather(
            self.get_policy(resource_key, policy_id),
            _part(self.policy_assignments(resource_key, policy_id)),
            _part(self.policy_status_overview(resource_key, policy_id)),
            _part(self.policy_device_statuses(resource_key, policy_id)),
        )
        return PolicyDetails(policy, assignments, overview, statuses, None)

    # -- roles ----------------------------------------------------------------------------------

    async def role_definitions(self) -> list[RoleDefinition]:
        return [RoleDefinition.from_graph(row.item) for row in await self.rows("role_definitions")]

    async def role_definition(self, role_id: str) -> RoleDefinition:
        roles = RESOURCES["role_definitions"]
        body = await self.client.get(roles.path_for() + "/" + _segment(role_id),
                                     api_version=roles.api_version,
                                     required_scope=roles.required_scope)
        return RoleDefinition.from_graph(body)

    async def role_assignments(self) -> list[RoleAssignment]:
        return [RoleAssignment.from_graph(row.item) for row in await self.rows("role_assignments")]

    async def role_assignments_of(self, role_id: str) -> list[RoleAssignment]:
        """The assignments of one role definition."""
        roles = RESOURCES["role_definitions"]
        items: list[dict[str, Any]] = []
        pages = self.client.paginate(
            f"{roles.path_for()}/{_segment(role_id)}/roleAssignments",
            api_version=roles.api_version, required_scope=roles.required_scope)
        async for page in pages:
            items.extend(_dicts(page.items))
        return [RoleAssignment.from_graph(item) for item in items]

    # -- the tenant's own name -------------------------------------------------------------------

    async def organization_name(self) -> str | None:
        """The tenant's display name from GET /organization (a collection of one), cleaned.

        User.Read is enough for `displayName` (learn.microsoft.com/graph/api/organization-list,
        read 2026-12); the caller checks the token holds one of ORGANIZATION_SCOPES first.
        """
        body = await self.client.get(
            "/organization", query=ODataQuery(select=("id", "displayName")),
            required_scope=ORGANIZATION_SCOPES[0],
        )
        for item in _dicts(body.get("value") or []):
            name = clean(item.get("displayName")).strip()
            if name:
                return name
        return None

    # -- remediation scripts (Run remediation) -------------------------------------------------

    async def remediation_scripts(self) -> list[RemediationScript]:
        """The tenant's remediation script packages (beta deviceHealthScripts), every page, by
        name; what Run remediation lets the user choose from."""
        scripts: list[RemediationScript] = []
        pages = self.client.paginate(
            REMEDIATION_SCRIPTS_PATH, query=ODataQuery(select=REMEDIATION_SCRIPT_SELECT),
            api_version=REMEDIATION_SCRIPTS_VERSION, required_scope=CONFIGURATION_READ)
        async for page in pages:
            scripts.extend(RemediationScript.from_graph(item) for item in _dicts(page.items))
        return sorted((s for s in scripts if s.id), key=lambda s: s.display_name.casefold())

    # -- tenant health --------------------------------------------------------------------------

    async def tenant_health(self) -> list[HealthItem]:
        """Certificates, tokens and connectors, each with a status in words. A part that cannot
        be read becomes an item with `error`; the others still show."""
        now = self._now()
        parts = await asyncio.gather(
            self._health_part("Apple push certificate", self._apns_health(now)),
            self._health_part("Apple enrollment tokens", self._dep_health(now)),
            self._health_part("Apple VPP tokens", self._vpp_health(now)),
            self._health_part("Exchange connectors", self._exchange_health(now)),
            self._health_part("Mobile threat defense", self._mtd_health(now)),
        )
        return [item for part in parts for item in part]

    async def _health_part(self, area: str, items: Awaitable[list[HealthItem]]
                           ) -> list[HealthItem]:
        try:
            return await items
        except GraphError as error:
            return [HealthItem(area, area, None, "could not be read", error=str(error))]

    async def _apns_health(self, now: datetime) -> list[HealthItem]:
        area = "Apple push certificate"
        apns = RESOURCES["apns"]
        try:
            body = await self.client.get(apns.path_for(), api_version=apns.api_version,
                                         required_scope=apns.required_scope)
        except GraphNotFound:
            return [HealthItem(area, area, None, "not set up")]
        cert = ApnsCertificate.from_graph(body)
        return [HealthItem(area, cert.apple_id or area, expiry_status(cert.expires, now),
                           expiry_words(cert.expires, now), cert.expires,
                           cert.days_left(now))]

    async def _dep_health(self, now: datetime) -> list[HealthItem]:
        area = "Apple enrollment tokens"
        items = []
        for row in await self.rows("dep_settings"):
            token = DepToken.from_graph(row.item)
            status = expiry_status(token.expires, now)
            summary = expiry_words(token.expires, now)
            if token.last_sync_error and token.last_sync_error.lower() not in ("", "none", "0"):
                status = "bad"
                summary = _problems_first(summary, [f"sync failed ({token.last_sync_error})"],
                                          token.expires, now)
            items.append(HealthItem(area, token.name or token.apple_id or "token", status,
                                    summary, token.expires, token.days_left(now),
                                    token.last_sync))
        return items

    async def _vpp_health(self, now: datetime) -> list[HealthItem]:
        area = "Apple VPP tokens"
        items = []
        for row in await self.rows("vpp_tokens"):
            token = VppToken.from_graph(row.item)
            status = expiry_status(token.expires, now)
            summary = expiry_words(token.expires, now)
            problems: list[str] = []
            state = (token.state or "").lower()
            if state and state != "valid" and not (state == "expired" and status == "bad"):
                problems.append(enum_word(token.state))  # an expired date already says expired
            if (token.last_sync_status or "").lower() == "failed":
                problems.append("sync failed")
            if problems or state == "expired":
                status = "bad"
                summary = _problems_first(summary, problems, token.expires, now)
            items.append(HealthItem(area, token.organization or token.apple_id or "token",
                                    status, summary, token.expires, token.days_left(now),
                                    token.last_sync))
        return items

    async def _exchange_health(self, now: datetime) -> list[HealthItem]:
        return await self._connector_health(
            "Exchange connectors", "exchange_connectors", now, name="serverName",
            state="status", when="lastSyncDateTime", marks=EXCHANGE_CONNECTOR_MARKS,
            when_words="last sync")

    async def _mtd_health(self, now: datetime) -> list[HealthItem]:
        return await self._connector_health(
            "Mobile threat defense", "mtd_connectors", now, name="id",
            state="partnerState", when="lastHeartbeatDateTime", marks=MTD_PARTNER_MARKS,
            when_words="last heartbeat")

    async def _connector_health(
        self, area: str, resource_key: str, now: datetime, *, name: str, state: str, when: str,
        marks: Mapping[str, str | None], when_words: str,
    ) -> list[HealthItem]:
        """A connector is healthy when its state says so and it was heard from within a day."""
        items = []
        for row in await self.rows(resource_key):
            item = row.item
            current = str(item.get(state) or "")
            last = _date(item.get(when))
            status = marks.get(current.lower())
            status = status if status in ("good", "warn", "bad") else None
            summary = f"{enum_word(current)}, {when_words} {relative_time(last, now)}"
            if status == "good" and (age_in_days(last, now) or 0) > 1:
                status = "warn"
            items.append(HealthItem(area, str(item.get(name) or "connector"), status, summary,
                                    last_sync=last))
        return items

    # -- remote actions -------------------------------------------------------------------------

    async def run_action(
        self,
        device: Mapping[str, Any],
        action: RemoteAction,
        options: Mapping[str, object] | None = None,
    ) -> ActionOutcome:
        """`send_action` with the body `options` make for this device ("not_sent" when they
        are wrong for it)."""
        try:
            body = build_body(action, options, device=device)
        except ValueError as error:
            device_id = str(device.get("id") or "")
            return ActionOutcome(device_id, str(device.get("deviceName") or device_id),
                                 action.key, "not_sent", error=str(error), sent=False)
        return await self.send_action(device, action, body)

    async def send_action(
        self,
        device: Mapping[str, Any],
        action: RemoteAction,
        body: Mapping[str, Any] | None,
    ) -> ActionOutcome:
        """Send `action` (its `http_method`: POST, or DELETE for Delete) for one device, once,
        with exactly `body` (what the user confirmed and the audit holds). Asks the token
        provider for PrivilegedOperations (incremental consent). Never raises for Graph or
        sign-in errors: they become the outcome (see `ActionOutcome`).

        An inapplicable action or no token give "not_sent". An answer that may have been lost
        gives "unknown" after re-reading the device's deviceActionResults and managementState
        (a Delete whose device is then gone is "succeeded").
        """
        device_id = str(device.get("id") or "")
        name = str(device.get("deviceName") or device_id)
        not_sent = _not_sent_outcome(device, action)
        if not_sent is not None:
            return not_sent
        try:
            path = action.path(device_id)
        except ValueError as error:
            return ActionOutcome(device_id, name, action.key, "not_sent", error=str(error),
                                 sent=False)
        sent_at = self._now()
        try:
            # The scope the action needs is the one asked for (incremental consent): the
            # PrivilegedOperations actions ask for it, Delete and log collection ReadWrite.
            response = await self.client.write(
                action.http_method, path, json=body, api_version=action.api_version,
                scopes=[action.required_scope], required_scope=action.required_scope,
            )
        except NotSent as error:
            return _not_sent_error(device_id, name, action, error)
        except OutcomeUnknown as error:
            return await self._unknown_outcome(device_id, name, action, error, sent_at)
        except GraphError as error:
            return _failed_outcome(device_id, name, action, error)
        return ActionOutcome(device_id, name, action.key, "succeeded", status=response.status,
                             request_id=response.request_id,
                             body_unreadable=response.body_unreadable)

    async def bulk_action(
        self,
        devices: Iterable[Mapping[str, Any]],
        action: RemoteAction,
        options: Mapping[str, object] | None = None,
    ) -> list[ActionOutcome]:
        """Send `action` to many devices through `$batch` (20 per call), one outcome per
        distinct device in the order given. A device's failure does not stop the others;
        devices the action does not apply to are "not_sent". Sub-requests that may or may not
        have happened (a lost or unreadable batch answer, a sub-status 5xx) are "unknown", each
        device is re-read (also by `$batch`) and settled as `run_action` does.

        Options wrong for every device (unknown key, missing required text) raise OptionError
        before anything is sent.
        """
        device_list = list(devices)
        outcomes = await self.send_bulk(BulkAction.plan(device_list, action, options))
        by_device = {outcome.device_id: outcome for outcome in outcomes}
        ordered: list[ActionOutcome] = []
        for device in device_list:
            outcome = by_device.pop(str(device.get("id") or ""), None)
            if outcome is not None:
                ordered.append(outcome)
        return ordered

    async def send_bulk(self, plan: BulkAction) -> list[ActionOutcome]:
        """Send a planned bulk action, each device with exactly the body the plan holds (what
        the audit recorded); one outcome per request, then one "not_sent" per skipped device."""
        action = plan.action
        sent_at = self._now()
        items = [BatchItem(id=str(i), method=request.method, url=request.url, body=request.body)
                 for i, request in enumerate(plan.requests)]
        results = await self.client.batch(
            items, api_version=action.api_version, scopes=[action.required_scope],
            required_scope=action.required_scope,
        ) if items else []
        outcomes: list[ActionOutcome] = []
        unknown: list[int] = []
        for request, result in zip(plan.requests, results, strict=True):
            outcome = _batch_outcome(request, action, result)
            if outcome.outcome == "unknown":
                unknown.append(len(outcomes))
            outcomes.append(outcome)
        if unknown:
            ids = [outcomes[index].device_id for index in unknown]
            found = await self._reread_many(ids, action, sent_at)
            for index in unknown:
                current = outcomes[index]
                outcomes[index] = _settle(current, action,
                                          found.get(current.device_id, _REREAD_FAILED))
        outcomes.extend(ActionOutcome(skip.device_id, skip.device_name, action.key, "not_sent",
                                      error=skip.reason, sent=False) for skip in plan.skipped)
        return outcomes

    async def _unknown_outcome(self, device_id: str, name: str, action: RemoteAction,
                               error: OutcomeUnknown, sent_at: datetime) -> ActionOutcome:
        outcome = ActionOutcome(device_id, name, action.key, "unknown", status=error.status,
                                request_id=error.request_id, error=str(error),
                                support=error.support_line() or None)
        try:
            state = await self.device_action_state(device_id)
        except GraphNotFound:
            return _settle(outcome, action, _REREAD_GONE)
        except Exception as reread_error:
            # Any failure here (a sign-in error too) leaves the outcome unknown and says the
            # check failed: it must not turn an action that was sent into an error.
            log.info("re-reading %s after a lost answer failed: %s", device_id,
                     type(reread_error).__name__)
            return _settle(outcome, action, _REREAD_FAILED)
        return _settle(outcome, action, _reread_of(state, action, sent_at))

    async def _reread_many(self, device_ids: Sequence[str], action: RemoteAction,
                           sent_at: datetime) -> dict[str, _Reread]:
        """What a `$batch` of reads shows of each device (a device whose read failed is left
        out)."""
        devices = RESOURCES["devices"]
        select = ",".join(DEVICE_ACTION_STATE_SELECT)
        items = [BatchItem(id=str(i), method="GET",
                           url=f"{devices.path_for()}/{_segment(device_id)}?$select={select}")
                 for i, device_id in enumerate(device_ids)]
        try:
            results = await self.client.batch(items, api_version=devices.api_version,
                                              required_scope=devices.required_scope)
        except Exception as reread_error:  # as in _unknown_outcome
            log.info("re-reading %d devices after lost answers failed: %s", len(items),
                     type(reread_error).__name__)
            return {}
        found: dict[str, _Reread] = {}
        for device_id, result in zip(device_ids, results, strict=True):
            if isinstance(result.error, GraphNotFound):
                found[device_id] = _REREAD_GONE
            elif result.error is None and isinstance(result.body, dict):
                found[device_id] = _reread_of(result.body, action, sent_at)
        return found


# -- helpers ------------------------------------------------------------------------------------


def _resource(key: str) -> Resource:
    try:
        return RESOURCES[key]
    except KeyError:
        raise ValueError(f"no such list in the catalog: {key!r}") from None


_POLICY_KEYS = ("device_configurations", "compliance_policies", "settings_catalog")


def _policy_resource(key: str) -> Resource:
    if key not in _POLICY_KEYS:
        raise ValueError(f"{key!r} is not a policy list; use one of {', '.join(_POLICY_KEYS)}")
    return RESOURCES[key]


def _segment(value: str) -> str:
    text = str(value)
    if not text or any(ch in text for ch in "/?#%\\") or text in (".", ".."):
        raise ValueError(f"not a valid Graph id: {text!r}")
    return text


def _uncountable(server_filter: str | None) -> bool:
    # Graph: azureADDeviceId "not combine with count".
    return bool(server_filter) and "azureADDeviceId" in str(server_filter)


def _keys(resource: Resource, page: Page) -> frozenset[str]:
    return frozenset(resource.row_key(item) for item in _dicts(page.items))


def _unseen(shown: frozenset[str]) -> set[str] | None:
    """A page's `skip` set after a preview showed `shown` (None: nothing to leave out)."""
    return set(shown) if shown else None


def _succeeded(task: asyncio.Future[Any]) -> bool:
    if not task.done() or task.cancelled():
        return False
    error = task.exception()
    if error is not None:
        log.debug("list preview failed (the full page still comes): %s", error)
    return error is None


def _dicts(items: Iterable[Any]) -> list[dict[str, Any]]:
    return [item for item in items if isinstance(item, dict)]


def _date(value: Any) -> datetime | None:
    return parse_datetime(value)


def _problems_first(expiry: str, problems: list[str], expires: datetime | None,
                    now: datetime) -> str:
    """'sync failed; expires in 240 days', but 'expired 40 days ago; sync failed' (worst first)."""
    if expires is not None and expires <= now:
        return "; ".join([expiry, *problems])
    return "; ".join([*problems, expiry])


async def _part(call: Awaitable[T]) -> Part[T]:
    try:
        return Part(value=await call)
    except GraphError as error:
        return Part(error=error)


def _not_sent_outcome(device: Mapping[str, Any], action: RemoteAction) -> ActionOutcome | None:
    device_id = str(device.get("id") or "")
    name = str(device.get("deviceName") or device_id)
    if not device_id:
        return ActionOutcome("", name, action.key, "not_sent", error="The device has no id.",
                             sent=False)
    reason = action.why_not(device)
    if reason is not None:
        return ActionOutcome(device_id, name, action.key, "not_sent", error=reason, sent=False)
    return None


def _not_sent_error(device_id: str, name: str, action: RemoteAction,
                    error: GraphError) -> ActionOutcome:
    return ActionOutcome(device_id, name, action.key, "not_sent", error=str(error),
                         support=error.support_line() or None, sent=False)


def _failed_outcome(device_id: str, name: str, action: RemoteAction,
                    error: GraphError) -> ActionOutcome:
    return ActionOutcome(device_id, name, action.key, "failed", status=error.status,
                         request_id=error.request_id, error=str(error),
                         support=error.support_line() or None)


def _batch_outcome(request: BulkRequest, action: RemoteAction,
                   result: BatchResult) -> ActionOutcome:
    if result.error is None and 200 <= result.status < 300:
        return ActionOutcome(request.device_id, request.device_name, action.key, "succeeded",
                             status=result.status)
    error = result.error
    if isinstance(error, NotSent):
        return _not_sent_error(request.device_id, request.device_name, action, error)
    if isinstance(error, OutcomeUnknown) or (error is None and result.status == 0):
        return ActionOutcome(
            request.device_id, request.device_name, action.key, "unknown",
            status=result.status or None,
            request_id=error.request_id if error else None,
            error=str(error) if error else "The answer for this device was lost.",
            support=(error.support_line() or None) if error else None,
        )
    if error is None:
        return ActionOutcome(request.device_id, request.device_name, action.key, "failed",
                             status=result.status,
                             error=f"Graph answered HTTP {result.status}.")
    return _failed_outcome(request.device_id, request.device_name, action, error)


def result_since(device: ManagedDevice, action: RemoteAction,
                 sent_at: datetime) -> DeviceActionResult | None:
    """The device's latest result for `action` that is not older than what we sent."""
    latest = device.latest_result(action.result_names)
    if latest is None:
        return None
    started = latest.started or latest.last_updated
    if started is not None and started < sent_at - _CLOCK_SKEW:
        return None  # an older run of the same action, not the one we just sent
    return latest


@dataclass(frozen=True)
class _Reread:
    """What re-reading a device showed after an unknown answer."""

    failed: bool = False
    gone: bool = False
    result: DeviceActionResult | None = None
    management_state: str | None = None


_REREAD_FAILED = _Reread(failed=True)
_REREAD_GONE = _Reread(gone=True)


def _reread_of(state: Mapping[str, Any], action: RemoteAction, sent_at: datetime) -> _Reread:
    device = ManagedDevice.from_graph(state)
    return _Reread(result=result_since(device, action, sent_at),
                   management_state=device.management_state)


def _settle(outcome: ActionOutcome, action: RemoteAction, reread: _Reread) -> ActionOutcome:
    """The unknown `outcome` with what the re-read showed. It stays "unknown" (the answer was
    lost, and a listed action may be someone else's), except a Delete whose device is gone:
    the device's absence is the delete having happened."""
    label = action.label
    if reread.gone and action.http_method == "DELETE":
        return replace(outcome, outcome="succeeded", status=None, error=None, checked=True,
                       device_gone=True, sent=True)
    why = _why_unknown(outcome, label)
    state = reread.management_state
    if reread.failed:
        note = (f"{why} and the device could not be re-read. Check its remote actions before "
                "trying again.")
    elif reread.gone:
        note = f"{why} and the device is no longer in Intune (deleted, or retired and removed)."
    elif reread.result is None:
        if action.http_method == "DELETE":
            shows = f" Intune still lists the device ({enum_word(state)})." if state else ""
        else:
            shows = _state_words(state)
        note = (f"{why} and Intune shows no {label} since it was sent.{shows} Check again in a "
                "minute before trying again.")
    else:
        result = reread.result
        started = format_datetime(result.started) if result.started else "recently"
        note = (f"{why}, but Intune lists {label} started {started} "
                f"({result.state_words.lower()}).{_state_words(state)}")
    return replace(outcome, outcome="unknown", error=note, sent=True,
                   checked=not reread.failed, action_result=reread.result,
                   management_state=state, device_gone=reread.gone)


def _why_unknown(outcome: ActionOutcome, label: str) -> str:
    if outcome.status:
        return f"Graph answered HTTP {outcome.status} to {label} (which it can do after acting)"
    return f"The answer to {label} was lost"


def _state_words(state: str | None) -> str:
    """The device's management state when it says more than "managed" (retire and wipe show
    there first: retirePending, wipePending)."""
    if not state or state.lower() == "managed":
        return ""
    return f" The device's management state is {enum_word(state).lower()}."


# -- split listings -----------------------------------------------------------------------------


def _partition_for(resource: Resource, query: ODataQuery) -> str | None:
    """The property to split this listing by, or None when it must stay whole: no split known,
    Graph was asked for an order (parts would interleave), no `$count` (nothing to prove the
    split complete), or the filter already names the property."""
    prop = PARTITIONS.get(resource.key)
    if prop is None or query.orderby or not query.count:
        return None
    if query.filter and prop in query.filter:
        return None
    return prop


def _split_clauses(prop: str, head: Page, query: ODataQuery) -> list[str] | None:
    """The `$filter` clauses of the parts to list in parallel, cut at the timestamps `prop` has
    in the list's first page (`head`, a preview or the first full page); None when the list is
    not long enough to gain from a split, or the page has too few timestamps to cut at."""
    page_size = max(query.top or 0, len(head.items), 1)
    if head.next_link is None or head.count is None:
        return None
    if math.ceil(head.count / page_size) <= SPLIT_ABOVE_PAGES:
        return None
    parts = min(SPLIT_MAX_PARTS, math.ceil(head.count / (page_size * SPLIT_PAGES_PER_PART)))
    stamps = (parse_datetime(item.get(prop)) for item in _dicts(head.items))
    return time_ranges(prop, [stamp for stamp in stamps if stamp is not None], parts)


def time_ranges(prop: str, sample: Sequence[datetime], parts: int) -> list[str] | None:
    """`$filter` clauses splitting `prop` into at most `parts` ranges with as many of `sample`
    in each: `prop lt b1`, `prop gt b1 and prop lt b2`, ..., `prop gt bn`.

    Graph filters timestamps with `lt` and `gt` only, so an item exactly on a boundary would be
    in no range. Boundaries sit half a second past a whole second, between two sampled values,
    where Intune's timestamps (whole seconds or 7-digit fractions) almost never fall; and if one
    does, the parts' counts fall short of the whole list's and the split is not used.
    None when the sample has too few distinct values for two ranges.
    """
    values = sorted(set(sample))
    parts = min(parts, len(values))
    bounds: list[datetime] = []
    for part in range(1, parts):
        before, after = values[part * len(values) // parts - 1], values[part * len(values) // parts]
        middle = before + (after - before) / 2
        bound = middle.astimezone(UTC).replace(microsecond=500_000)
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    if not bounds:
        return None
    literals = [f"{bound:%Y-%m-%dT%H:%M:%S}.5Z" for bound in bounds]
    clauses = [f"{prop} lt {literals[0]}"]
    clauses += [f"{prop} gt {low} and {prop} lt {high}"
                for low, high in pairwise(literals)]
    clauses.append(f"{prop} gt {literals[-1]}")
    return clauses


async def _preview_before(first_page: asyncio.Future[Page], preview: asyncio.Future[Page] | None
                          ) -> Page | None:
    """The preview page when it came back, and before the first full page; else None."""
    if preview is None:
        return None
    await asyncio.wait((first_page, preview), return_when=asyncio.FIRST_COMPLETED)
    if not first_page.done() and _succeeded(preview):
        return preview.result()
    return None


WHOLE = -1  # the arrivals of the whole list's first page, beside the parts' (0, 1, ...)
Arrival = tuple[int, "Page | BaseException | None"]


def _forward_to(arrivals: asyncio.Queue[Arrival], whole_first: asyncio.Future[Page]) -> None:
    # A done-callback, not a task awaiting it: cancelling such a task would cancel the page,
    # which the fallback still needs.
    if not whole_first.cancelled():
        arrivals.put_nowait((WHOLE, whole_first.exception() or whole_first.result()))


class _SplitListing:
    """The rest of a long list after its first (or preview) page `head`, as one listing per
    `$filter` clause, run in parallel and merged as pages arrive.

    Nothing is passed on from the parts until every part's first page is in and their
    `@odata.count`s add up to the whole list's count (from `head`). If they do not (an item on
    no part, or a part Graph refused), the parts are dropped and the whole list's own next links
    are followed instead, exactly as without a split. Rows already passed on (`head`'s, a
    preview's, the whole list's first page while it is still on its way, `whole_first`) come
    again in the parts: each row is passed on once (by key; `passed_on`: the keys passed so far).
    """

    def __init__(self, service: IntuneService, resource: Resource, path: str,
                 query: ODataQuery, clauses: list[str], head: Page,
                 whole: AsyncIterator[Page], whole_first: asyncio.Future[Page] | None, *,
                 passed_on: frozenset[str]) -> None:
        self._service = service
        self._resource = resource
        self._path = path
        self._query = query
        self._clauses = clauses
        self._count = head.count
        self._whole = whole
        self._whole_first = whole_first
        self._number = head.number if whole_first is None else 0
        self._seen = set(passed_on)
        self._paging = asyncio.Semaphore(SPLIT_PAGING_PARTS)

    async def pages(self) -> AsyncIterator[RowPage]:
        arrivals: asyncio.Queue[Arrival] = asyncio.Queue()
        tasks = [asyncio.create_task(self._pump(index, self._part_query(clause), arrivals))
                 for index, clause in enumerate(self._clauses)]
        if self._whole_first is not None:
            self._whole_first.add_done_callback(partial(_forward_to, arrivals))
        try:
            firsts = await self._first_pages(arrivals, len(self._clauses))
            if firsts is None:
                for task in tasks:
                    task.cancel()
                async for page in self._whole_listing():
                    yield self._next(page, has_more=page.next_link is not None)
                return
            open_parts = len(self._clauses)
            for index, page in firsts:
                open_parts -= index != WHOLE and page.next_link is None
                yield self._next(page, has_more=open_parts > 0)
            while open_parts > 0:
                index, item = await arrivals.get()
                if isinstance(item, BaseException) and index != WHOLE:
                    raise item
                if not isinstance(item, Page):
                    continue  # a part's end, or the whole first page failing (the parts have it)
                open_parts -= index != WHOLE and item.next_link is None
                yield self._next(item, has_more=open_parts > 0)
            if len(self._seen) != self._count:
                log.warning("split listing of %s gave %d items, Graph counted %s",
                            self._resource.key, len(self._seen), self._count)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _first_pages(self, arrivals: asyncio.Queue[Arrival], parts: int
                           ) -> list[tuple[int, Page]] | None:
        """Every part's first page, then any page that came meanwhile (in arrival order); None
        when the parts do not provably make up the whole list."""
        firsts: dict[int, Page] = {}
        later: list[tuple[int, Page]] = []
        while len(firsts) < parts:
            index, item = await arrivals.get()
            if isinstance(item, BaseException) and index != WHOLE:
                log.info("split listing of %s: a part failed (%s); listing it whole",
                         self._resource.key, item)
                return None
            if not isinstance(item, Page):
                continue
            if index == WHOLE or index in firsts:
                later.append((index, item))
            else:
                firsts[index] = item
        counts = [page.count for page in firsts.values()]
        total = sum(count for count in counts if count is not None)
        if None in counts or total != self._count:
            log.info("split listing of %s: the parts count %s, the whole %s; listing it whole",
                     self._resource.key, counts, self._count)
            return None
        return [*firsts.items(), *later]

    async def _whole_listing(self) -> AsyncIterator[Page]:
        if self._whole_first is not None:
            yield await self._whole_first
        async for page in self._whole:
            yield page

    def _part_query(self, clause: str) -> ODataQuery:
        query_filter = f"({self._query.filter}) and {clause}" if self._query.filter else clause
        return replace(self._query, filter=query_filter)

    async def _pump(self, index: int, query: ODataQuery, arrivals: asyncio.Queue[Arrival]
                    ) -> None:
        # The whole list's first page was answered at this page size: a 503 on a part is
        # passing trouble, retried as it is, not a reason to halve the part's pages.
        pages = self._service._pages(self._resource, self._path, query, keep_page_size=True)
        try:
            page = await anext(pages, None)  # every part's first page at once: the count check
            while page is not None:
                await arrivals.put((index, page))
                async with self._paging:  # then only so many parts page on at a time
                    page = await anext(pages, None)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # handed to the merging side, which decides
            await arrivals.put((index, error))
            return
        finally:
            await pages.aclose()
        await arrivals.put((index, None))

    def _next(self, page: Page, *, has_more: bool) -> RowPage:
        self._number += 1
        row_page = self._service._row_page(self._resource, page, self._number, has_more,
                                           skip=self._seen)
        return RowPage(row_page.rows, self._count, row_page.number, has_more)


# -- tokens -------------------------------------------------------------------------------------


# Delegated scopes that may read /organization's displayName, least privileged first.
ORGANIZATION_SCOPES = ("User.Read", "Organization.Read.All", "Directory.Read.All",
                       "Organization.ReadWrite.All", "Directory.ReadWrite.All")


def granted_scopes(token: str) -> frozenset[str]:
    """The scopes a JWT access token carries (`scp`, plus app-only `roles`), for display only.

    The signature is NOT verified: this says what the token claims, nothing more. A token that
    cannot be decoded gives an empty set.
    """
    claims = _jwt_claims(token)
    scopes: set[str] = set()
    scp = claims.get("scp")
    if isinstance(scp, str):
        scopes.update(part for part in scp.split() if part)
    roles = claims.get("roles")
    if isinstance(roles, list):
        scopes.update(role for role in roles if isinstance(role, str) and role)
    return frozenset(scopes)


def _jwt_claims(token: str) -> dict[str, Any]:
    parts = str(token).split(".")
    if len(parts) < 2:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


__all__ = [
    "ActionOutcome",
    "AppDetails",
    "DeviceDetails",
    "IntuneService",
    "Part",
    "PolicyDetails",
    "RowPage",
    "granted_scopes",
]
