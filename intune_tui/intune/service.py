"""IntuneService: the typed operations the UI calls, over the Graph client and the catalogs.

- `stream(resource_key, ...)` yields pages of display rows as Graph sends them.
- `get_device` and the `device_*` / `app_*` / `policy_*` fetchers fill the detail panes.
- `send_action` sends one remote action exactly once; `send_bulk` sends a planned one through
  `$batch`; an answer that may have been lost is settled by re-reading the device, never by
  sending again.
- `tenant_health` reads the certificates, tokens and connectors that expire or break.

Graph errors reach the caller as the client's typed `GraphError`s, except where a method says it
folds them into its result (actions, health).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
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
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from intune_tui.graph.client import (
    BatchItem,
    BatchResult,
    GraphClient,
    ItemsRead,
    ItemsReader,
    Page,
)
from intune_tui.graph.errors import (
    GraphBadResponse,
    GraphError,
    GraphNotFound,
    NotSent,
    OutcomeUnknown,
)
from intune_tui.graph.odata import ODataQuery, quote
from intune_tui.intune import page_columns
from intune_tui.intune.formatting import (
    age_in_days,
    enum_word,
    expiry_status,
    format_datetime,
    parse_datetime,
    relative_time,
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
from intune_tui.intune.split_listing import KeySet, SplitListing, partition_for, split_clauses
from intune_tui.intune.wording import expiry_words
from intune_tui.text import clean

# The records of one item (models), the remote actions (actions) and what follows them are
# imported where they are used: a list's first page needs none of them, and start-up imports
# only what the first list's first frame needs (ui/startup.py: imports after the first frame).
if TYPE_CHECKING:
    from intune_tui.intune.actions import BulkAction, BulkRequest, RemediationScript, RemoteAction
    from intune_tui.intune.models import (
        DepToken,
        DeviceActionResult,
        HealthItem,
        InstallSummary,
        ManagedDevice,
        RoleAssignment,
        RoleDefinition,
        StatusOverview,
        VppToken,
    )
    from intune_tui.table.columns import ColumnPage

T = TypeVar("T")
Outcome = Literal["succeeded", "failed", "unknown", "not_sent"]

log = logging.getLogger("intune_tui.intune")

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
    # The same rows as table columns, when whoever streams the list built them (in the worker:
    # `ui.screens.resource_list` does, so the UI thread only appends them). A page read
    # straight from Graph's answer as columns (`list_pages(as_columns=True)`) has no `rows`.
    columns: ColumnPage | None = None

    @property
    def size(self) -> int:
        """How many rows the page holds (as rows, or only as columns)."""
        if not self.rows and self.columns is not None:
            return self.columns.length
        return len(self.rows)


@dataclass(frozen=True)
class ActionOutcome:
    """What happened to one remote action on one device.

    outcome:
        "succeeded": Graph answered 2xx, whatever its body (`body_unreadable` when it could not
            be read): Intune accepted the action, and the device carries it out at its next
            check-in (follow it with `device_action_state`). Also a Delete whose answer was lost
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

    async def list_pages(
        self,
        resource_key: str,
        *,
        server_filter: str | None = None,
        orderby: str | None = None,
        top: int | None = None,
        parent_id: str | None = None,
        as_columns: bool = False,
        full_page_after: Callable[[], Awaitable[None]] | None = None,
        pace: Callable[[], object] | None = None,
    ) -> AsyncIterator[RowPage]:
        """Yield the rows of a catalog list page by page, following Graph's next links.

        `parent_id` fills in the parent for a tab (`device_compliance_states` of one device).
        Singletons and list properties (APNs certificate, deviceActionResults) come as one page.
        `as_columns`: once Graph's count says the list is long (`table.store.COLUMNS_FROM`) and
        the row engine is loaded, its pages come as table columns built from Graph's answers
        (`RowPage.columns`, no `rows`): no Python row a device (issue 21).
        `full_page_after`: with a preview (`Resource.preview_size`), the first full page is
        still asked for beside it, and its answer read once the preview is answered and this
        returns (start-up: once the app's first frame is out, ui/startup.py). Without a preview
        it is not used: the first full page is then the first page.
        `pace`: called (it may block) on the threads that read and build a long list's pages
        as columns, before each: the UI's way to have them wait while the user types.
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
        split = partition_for(resource.key, query)
        preview = self._start_preview(resource, path, query)  # first: Graph answers it first
        reader = _ColumnReader(pace) if as_columns and page_columns.supported(resource) \
            else None
        pages = self._pages(resource, path, query, read_items=reader,
                            first_read_after=_after_preview(preview, full_page_after))
        first_future = asyncio.ensure_future(anext(pages))
        first_page: asyncio.Future[Page] | None = first_future  # None once awaited here
        try:
            shown: frozenset[str] = frozenset()  # the preview's keys, when it came first
            head = await _preview_before(first_future, preview)
            if reader is not None and head is not None:
                reader.long_list(head.count)
            if head is not None:
                shown = _keys(resource, head)
                yield self._row_page(resource, head, 0, head.next_link is not None)
                if head.next_link is None:
                    return  # the whole list fitted in the preview
            else:
                head, first_page = await first_future, None
                if reader is not None:
                    reader.long_list(head.count)
                yield self._row_page(resource, head, head.number, head.next_link is not None)
            parts = split_clauses(split, head, query) if split is not None else None
            if parts is not None:
                listing = self._split_listing(resource, path, query, parts, head, pages,
                                              first_page, shown or _keys(resource, head),
                                              reader, pace)
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

    def _split_listing(self, resource: Resource, path: str, query: ODataQuery,
                       clauses: list[str], head: Page, pages: AsyncIterator[Page],
                       first_page: asyncio.Future[Page] | None, passed_on: frozenset[str],
                       reader: ItemsReader | None = None,
                       pace: Callable[[], object] | None = None) -> SplitListing[RowPage]:
        """The rest of the list after `head` as parts listed in parallel (`SplitListing`),
        each page as rows counted with the whole list's count."""
        count = head.count

        def to_page(page: Page, number: int, has_more: bool, seen: KeySet) -> RowPage:
            rows = self._row_page(resource, page, number, has_more, skip=seen)
            return replace(rows, count=count)

        def to_pages(pages: list[Page], number: int, has_more: bool, seen: KeySet
                     ) -> list[RowPage]:
            # The pages read as columns are built together; the others (read before the row
            # engine was loaded) and any the engine cannot build together, one at a time.
            tables = [page for page in pages if page.table is not None]
            built = self._column_pages(resource, tables, number, has_more, seen) \
                if len(tables) > 1 else None
            alone = [page for page in pages if built is None or page.table is None]
            first = number - len(pages) + 1
            made = [to_page(page, first + index,
                            has_more or built is not None or index < len(alone) - 1, seen)
                    for index, page in enumerate(alone)]
            return [*made, replace(built, count=count)] if built is not None else made

        return SplitListing(
            resource.key, query, clauses, head, pages, first_page, passed_on=passed_on,
            # The whole list's first page was answered at this page size: a 503 on a part is
            # passing trouble, retried as it is, not a reason to halve the part's pages.
            open_part=partial(self._pages, resource, path, keep_page_size=True,
                              read_items=reader),
            to_page=to_page, to_pages=to_pages if reader is not None else None, pace=pace)

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
               keep_page_size: bool = False, read_items: ItemsReader | None = None,
               first_read_after: Callable[[], Awaitable[None]] | None = None,
               ) -> AsyncGenerator[Page, None]:
        min_page_size = resource.min_page_size or min(20, query.top or 20)
        if keep_page_size and query.top:
            min_page_size = query.top
        return self.client.paginate(
            path, query=query, api_version=resource.api_version,
            required_scope=resource.required_scope, min_page_size=min_page_size,
            read_items=read_items, first_read_after=first_read_after,
        )

    def _row_page(self, resource: Resource, page: Page, number: int, has_more: bool,
                  skip: set[str] | KeySet | None = None) -> RowPage:
        """The page as rows; with `skip`, items whose key is in it are left out (before they
        are made into rows) and the keys passed on are added to it. A page read as columns
        (`_ColumnReader`) comes as columns, or as rows when they cannot be built exactly."""
        if page.table is not None:
            built = self._column_page(resource, page, number, has_more, skip)
            if built is not None:
                return built
            page = replace(page, items=_items_of(page.table.body), table=None)
        items = _dicts(page.items)
        if skip is not None:
            keys = [resource.row_key(item) for item in items]
            held = skip.found(keys).tolist() if isinstance(skip, KeySet) \
                else [key in skip for key in keys]
            items = [item for item, seen in zip(items, held, strict=True) if not seen]
            skip.update(keys)
        return RowPage(resource.to_rows(items, self._now()), page.count, number, has_more)

    def _column_page(self, resource: Resource, page: Page, number: int, has_more: bool,
                     skip: set[str] | KeySet | None) -> RowPage | None:
        listed: page_columns.ListPage = page.table
        unseen = page_columns.unseen(resource, listed, skip)
        if unseen is None:
            return None
        kept, keys = unseen
        if not kept.items.height:
            if skip is not None:
                skip.update(keys)
            return RowPage([], page.count, number, has_more)
        columns = page_columns.column_page(resource, kept, self._now())
        if columns is None:
            return None
        if skip is not None:
            skip.update(keys)
        return RowPage([], page.count, number, has_more, columns=columns)

    def _column_pages(self, resource: Resource, pages: list[Page], number: int, has_more: bool,
                      skip: KeySet) -> RowPage | None:
        """Pages read as columns that arrived together, as one page of columns built at once
        (`page_columns.joined`: the engine's per-page queries once for all of them); None when
        one of them was not read so, or they cannot be joined or built exactly (`skip` is then
        as it was: the caller makes each page on its own)."""
        listed: list[page_columns.ListPage] = []
        added: list[str] = []
        try:
            for page in pages:
                if page.table is None:
                    return None
                unseen = page_columns.unseen(resource, page.table, skip)
                if unseen is None:
                    return None
                kept, keys = unseen
                fresh = keys if kept is page.table else [
                    key for key, held in zip(keys, skip.found(keys).tolist(), strict=True)
                    if not held]
                skip.update(fresh)
                added.extend(fresh)
                if kept.items.height:
                    listed.append(kept)
            whole = page_columns.joined(listed) if listed else None
            if not listed:
                columns = None
            elif whole is None:
                return None
            else:
                columns = page_columns.column_page(resource, whole, self._now())
                if columns is None:
                    return None
            added = []  # built: the keys stay seen
        finally:
            skip.difference_update(added)
        return RowPage([], pages[-1].count, number, has_more, columns=columns)

    async def rows(self, resource_key: str, *, parent_id: str | None = None,
                   server_filter: str | None = None) -> list[Row]:
        """Every row of a list, paged to the end."""
        collected: list[Row] = []
        async for page in self.list_pages(resource_key, parent_id=parent_id,
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

    async def get_device(self, device_id: str) -> ManagedDevice:
        """One device with the fields a list leaves out (hardware, IMEI/MEID, MACs, storage,
        memory, encryption, Entra device id, enrollment type, action results)."""
        from intune_tui.intune.models import ManagedDevice
        devices = RESOURCES["devices"]
        return ManagedDevice.from_graph(await self.client.get(
            devices.path_for() + "/" + _segment(device_id),
            query=ODataQuery(select=DEVICE_DETAIL_SELECT),
            api_version=devices.api_version, required_scope=devices.required_scope,
        ))

    async def device_action_state(self, device_id: str) -> ManagedDevice:
        """The device's deviceActionResults and managementState, for following an action."""
        from intune_tui.intune.models import ManagedDevice
        devices = RESOURCES["devices"]
        return ManagedDevice.from_graph(await self.client.get(
            devices.path_for() + "/" + _segment(device_id),
            query=ODataQuery(select=DEVICE_ACTION_STATE_SELECT),
            api_version=devices.api_version, required_scope=devices.required_scope,
        ))

    # -- apps -----------------------------------------------------------------------------------

    async def app_assignments(self, app_id: str) -> list[Row]:
        return await self.rows("app_assignments", parent_id=app_id)

    async def app_install_summary(self, app_id: str) -> InstallSummary:
        from intune_tui.intune.models import InstallSummary
        summary = RESOURCES["app_install_summary"]
        body = await self.client.get(summary.path_for(app_id), api_version=summary.api_version,
                                     required_scope=summary.required_scope)
        return InstallSummary.from_graph(body)

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

    async def policy_assignments(self, resource_key: str, policy_id: str) -> list[Row]:
        _policy_resource(resource_key)
        return await self.rows(f"{resource_key}.assignments", parent_id=policy_id)

    async def policy_device_statuses(self, resource_key: str, policy_id: str) -> list[Row]:
        _policy_resource(resource_key)
        return await self.rows(f"{resource_key}.device_statuses", parent_id=policy_id)

    async def policy_status_overview(self, resource_key: str, policy_id: str) -> StatusOverview:
        from intune_tui.intune.models import StatusOverview
        _policy_resource(resource_key)
        overview = _resource(f"{resource_key}.device_status_overview")
        body = await self.client.get(overview.path_for(policy_id),
                                     api_version=overview.api_version,
                                     required_scope=overview.required_scope)
        return StatusOverview.from_graph(body)

    async def policy_settings(self, policy_id: str) -> list[Row]:
        """A settings-catalog policy's settings, every page (Graph sends 25 at a time)."""
        return await self.rows("settings_catalog.settings", parent_id=policy_id)

    # -- roles ----------------------------------------------------------------------------------

    async def role_definitions(self) -> list[RoleDefinition]:
        from intune_tui.intune.models import RoleDefinition
        return [RoleDefinition.from_graph(row.item) for row in await self.rows("role_definitions")]

    async def role_definition(self, role_id: str) -> RoleDefinition:
        from intune_tui.intune.models import RoleDefinition
        roles = RESOURCES["role_definitions"]
        body = await self.client.get(roles.path_for() + "/" + _segment(role_id),
                                     api_version=roles.api_version,
                                     required_scope=roles.required_scope)
        return RoleDefinition.from_graph(body)

    async def role_assignments(self) -> list[RoleAssignment]:
        from intune_tui.intune.models import RoleAssignment
        return [RoleAssignment.from_graph(row.item) for row in await self.rows("role_assignments")]

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
        from intune_tui.intune.actions import (
            REMEDIATION_SCRIPT_SELECT,
            REMEDIATION_SCRIPTS_PATH,
            REMEDIATION_SCRIPTS_VERSION,
            RemediationScript,
        )
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
        from intune_tui.intune.models import HealthItem
        try:
            return await items
        except GraphError as error:
            return [HealthItem(area, area, None, "could not be read", error=str(error))]

    async def _apns_health(self, now: datetime) -> list[HealthItem]:
        from intune_tui.intune.models import ApnsCertificate, HealthItem
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
        from intune_tui.intune.models import DepToken
        tokens = [DepToken.from_graph(row.item) for row in await self.rows("dep_settings")]
        return [_token_item("Apple enrollment tokens", token.name, token, _dep_problems(token),
                            now) for token in tokens]

    async def _vpp_health(self, now: datetime) -> list[HealthItem]:
        from intune_tui.intune.models import VppToken
        tokens = [VppToken.from_graph(row.item) for row in await self.rows("vpp_tokens")]
        return [_token_item("Apple VPP tokens", token.organization, token,
                            _vpp_problems(token, now), now) for token in tokens]

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
        from intune_tui.intune.models import HealthItem
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
        from intune_tui.intune.models import ManagedDevice
        record = ManagedDevice.from_graph(device)
        device_id, name = record.id or "", record.label
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
                secret_fields=action.secret_fields,
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

    async def send_bulk(self, plan: BulkAction) -> list[ActionOutcome]:
        """Send a planned bulk action through `$batch` (20 per call), each device with exactly
        the body the plan holds (what the audit recorded); one outcome per request, then one
        "not_sent" per skipped device. A device's failure does not stop the others. Sub-requests
        that may or may not have happened (a lost or unreadable batch answer, a sub-status 5xx)
        are "unknown": each such device is re-read (also by `$batch`) and settled as
        `send_action` does."""
        action = plan.action
        sent_at = self._now()
        items = [BatchItem(id=str(i), method=request.method, url=request.url, body=request.body)
                 for i, request in enumerate(plan.requests)]
        results = await self.client.batch(
            items, api_version=action.api_version, scopes=[action.required_scope],
            required_scope=action.required_scope, secret_fields=action.secret_fields,
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
        from intune_tui.intune.models import ManagedDevice
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
                found[device_id] = _reread_of(ManagedDevice.from_graph(result.body), action,
                                               sent_at)
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


# How long the first full page's answer waits, at most, for the preview's (`_after_preview`): a
# preview that hangs (its retries) must not hold the whole list back.
PREVIEW_HEAD_START = 1.0  # seconds


def _after_preview(preview: asyncio.Future[Page] | None,
                   hold: Callable[[], Awaitable[None]] | None
                   ) -> Callable[[], Awaitable[None]] | None:
    """When the first full page's answer may be read, given a preview and `hold`: once the
    preview is answered (or failed, or `PREVIEW_HEAD_START` has passed: the first rows come
    from it, and reading 1,000 devices first held them back) and `hold()` has returned. None
    (read at once) without either."""
    if preview is None or hold is None:
        return None

    async def after() -> None:
        await asyncio.wait((preview,), timeout=PREVIEW_HEAD_START)
        await hold()

    return after


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


# How long a long list's answers wait for the row engine's import, in all (`_ColumnReader`).
ENGINE_WAIT = 1.5


class _ColumnReader:
    """Reads a long list's answers as table columns (`page_columns.read_page`), from when
    its first page's count says it is long and while the row engine is loaded."""

    def __init__(self, pace: Callable[[], object] | None = None) -> None:
        self._pace = pace
        self._long = False
        self._wait_left = ENGINE_WAIT
        self._schema: Any = None  # the last page's, for the next (`read_page`)

    def _engine_ready(self) -> bool:
        """A long list's first answers often come while the engine is still being imported
        (held until the first rows are painted): they are worth a wait (read as JSON, each
        costs 2-3x the CPU and leaves its dicts' memory fragmented: issue 21), up to
        `ENGINE_WAIT` in all for the list (an import held longer is not waited for again)."""
        from intune_tui.table.columns import engine_ready, engine_ready_within

        if engine_ready() or self._wait_left <= 0:
            return engine_ready()
        started = time.monotonic()
        try:
            return engine_ready_within(self._wait_left)
        finally:
            self._wait_left -= time.monotonic() - started

    def long_list(self, count: int | None) -> None:
        from intune_tui.table.store import COLUMNS_FROM

        self._long = count is not None and count >= COLUMNS_FROM

    def __call__(self, body: bytes) -> ItemsRead | None:
        if not self._long or not self._engine_ready():
            return None
        if self._pace is not None and not _on_event_loop():
            self._pace()  # never on the loop: a part's first answer is read there
        read = page_columns.read_page(body, self._schema)
        if read is None:
            return None
        self._schema = read.schema
        return ItemsRead(read.page, read.count, read.next_link)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _items_of(body: bytes) -> list[Any]:
    """The items of an answer the engine read but whose columns could not be built exactly:
    read as JSON (it was valid for the engine; what JSON refuses is an unreadable answer)."""
    try:
        decoded = json.loads(body)
    except ValueError:
        raise GraphBadResponse("Graph answered with malformed JSON") from None
    items = decoded.get("value") if isinstance(decoded, dict) else None
    return items if isinstance(items, list) else []


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


def _dep_problems(token: DepToken) -> list[str] | None:
    """What is wrong with an enrollment token beside its expiry (None: nothing)."""
    error = token.last_sync_error
    if error and error.lower() not in ("", "none", "0"):
        return [f"sync failed ({error})"]
    return None


def _vpp_problems(token: VppToken, now: datetime) -> list[str] | None:
    """What is wrong with a VPP token beside its expiry (None: nothing; [] when its state says
    expired, which its expiry already says)."""
    state = (token.state or "").lower()
    problems: list[str] = []
    expired_date = expiry_status(token.expires, now) == "bad"
    if state and state != "valid" and not (state == "expired" and expired_date):
        problems.append(enum_word(token.state))  # an expired date already says expired
    if (token.last_sync_status or "").lower() == "failed":
        problems.append("sync failed")
    return problems if problems or state == "expired" else None


def _token_item(area: str, name: str | None, token: DepToken | VppToken,
                problems: list[str] | None, now: datetime) -> HealthItem:
    """An Apple token by its expiry; bad, with its problems first, when anything else is wrong."""
    from intune_tui.intune.models import HealthItem
    status = expiry_status(token.expires, now)
    summary = expiry_words(token.expires, now)
    if problems is not None:
        status = "bad"
        summary = _problems_first(summary, problems, token.expires, now)
    return HealthItem(area, name or token.apple_id or "token", status, summary, token.expires,
                      token.days_left(now), token.last_sync)


def _not_sent_outcome(device: Mapping[str, Any], action: RemoteAction) -> ActionOutcome | None:
    from intune_tui.intune.models import ManagedDevice
    record = ManagedDevice.from_graph(device)
    device_id, name = record.id or "", record.label
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


def _reread_of(device: ManagedDevice, action: RemoteAction, sent_at: datetime) -> _Reread:
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


async def _preview_before(first_page: asyncio.Future[Page], preview: asyncio.Future[Page] | None
                          ) -> Page | None:
    """The preview page when it came back, and before the first full page; else None."""
    if preview is None:
        return None
    await asyncio.wait((first_page, preview), return_when=asyncio.FIRST_COMPLETED)
    if not first_page.done() and _succeeded(preview):
        return preview.result()
    return None


# -- tokens -------------------------------------------------------------------------------------


# Delegated scopes that may read /organization's displayName, least privileged first.
ORGANIZATION_SCOPES = ("User.Read", "Organization.Read.All", "Directory.Read.All",
                       "Organization.ReadWrite.All", "Directory.ReadWrite.All")


__all__ = [
    "ActionOutcome",
    "IntuneService",
    "RowPage",
]
