"""Everything about one device, one tab per part, each loaded in parallel through the worker.

A tab that fails shows its own error; the others still load. `c` jumps to the first failing
compliance policy and Enter on it shows the failing settings: "why is this device non-compliant?"
in two keys.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from rich.text import Text
from textual._context import NoActiveAppError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static, TabbedContent, TabPane
from textual.widgets._tabbed_content import ContentTab

from intune_tui.intune.action_run import SentAction
from intune_tui.intune.device_apps import (
    ManagedAppState,
    managed_app_states,
    with_install_errors,
)
from intune_tui.intune.directory import (
    DirectoryName,
    Memberships,
    device_groups,
    user_card,
    user_groups,
)
from intune_tui.intune.formatting import (
    Field,
    enum_word,
    format_bool,
    format_bytes,
    format_datetime,
    relative_time,
)
from intune_tui.intune.models import DeviceUser, ManagedDevice, PolicyState
from intune_tui.intune.rbac import device_scope_tags
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.intune.secrets import RecoverySecrets, platform_kinds
from intune_tui.intune.settings_catalog import CatalogPolicyState, device_catalog_policies
from intune_tui.text import clean
from intune_tui.ui.action_flow import ActionTracker, action_flow
from intune_tui.ui.admin_link import copy_admin_center_link
from intune_tui.ui.screens.detail import DetailScreen
from intune_tui.ui.widgets.detail import FieldList, RowsPane
from intune_tui.ui.widgets.key_footer import KeyFooter
from intune_tui.ui.widgets.recovery import RecoveryPanel
from intune_tui.ui.widgets.resource_table import ResourceTable
from intune_tui.ui.widgets.tab_bar import TabBar

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService

# tab id -> (catalog resource, tab label short enough for 80 columns, text when empty)
TABS: tuple[tuple[str, str, str, str], ...] = (
    ("compliance", "device_compliance_states", "Compliance", "No compliance policy applies"),
    ("configuration", "device_configuration_states", "Config", "No configuration profile applies"),
    ("apps", "device_detected_apps", "Apps", "No discovered apps"),
    ("users", "device_users", "Users", "No users"),
)
TAB_LABELS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"), *((tab_id, label) for tab_id, _, label, _ in TABS),
    ("groups", "Groups"), ("recovery", "Recovery"), ("actions", "Actions"))
# An action sent this recently is followed (and its tab shown) when the device is opened.
RECENT_ACTION = timedelta(minutes=10)
T = TypeVar("T")
SCREEN = "(screen)"  # `_deliver`'s target outside the tabs (the title line); no tab id
log = logging.getLogger(__name__)
MAX_DRAW_RETRIES = 100  # frames an answer waits for its widget in a pane reported mounted
_FAILING = {"noncompliant", "error", "conflict"}


def overview_fields(device: ManagedDevice, now: Any, scope_tags: str | None = None
                    ) -> list[Field]:
    """The Overview tab: hardware, OS, enrollment, ownership, security, scope tags (by name,
    `ScopeTagNames.words`; None: not read yet) and identifiers."""
    storage = "—"
    if device.total_storage_bytes:
        storage = (f"{format_bytes(device.free_storage_bytes)} free of "
                   f"{format_bytes(device.total_storage_bytes)}")
    return [
        ("Device name", device.name),
        ("Primary user", _user(device)),
        ("Operating system", " ".join(filter(None, (device.operating_system,
                                                    device.os_version)))),
        ("Compliance", enum_word(device.compliance_state)),
        ("Management state", enum_word(device.management_state)),
        ("Last sync", f"{relative_time(device.last_sync, now)} "
                      f"({format_datetime(device.last_sync)})" if device.last_sync else None),
        ("Ownership", {"company": "Corporate", "personal": "Personal"}.get(
            device.owner_type or "", enum_word(device.owner_type))),
        ("Enrolled", format_datetime(device.enrolled) if device.enrolled else None),
        ("Enrollment type", enum_word(device.enrollment_type)),
        ("Manufacturer / model", " ".join(filter(None, (device.manufacturer, device.model)))),
        ("Serial number", device.serial_number),
        ("Encrypted", format_bool(device.is_encrypted) if device.is_encrypted is not None
         else None),
        ("Supervised", format_bool(device.is_supervised) if device.is_supervised is not None
         else None),
        ("Storage", storage),
        ("Memory", format_bytes(device.physical_memory_bytes)
         if device.physical_memory_bytes else None),
        ("IMEI", device.imei),
        ("MEID", device.meid),
        ("Wi-Fi MAC", device.wifi_mac),
        ("Ethernet MAC", device.ethernet_mac),
        ("Scope tags", "Loading…" if scope_tags is None else scope_tags),
        ("Entra device id", device.azure_ad_device_id),
        ("Intune device id", device.id),
    ]


def _user(device: ManagedDevice) -> str | None:
    if device.user_display_name and device.user_principal_name:
        return f"{device.user_display_name} <{device.user_principal_name}>"
    return device.user_principal_name or device.user_display_name


def names_version(name: str, version: str) -> bool:
    """Whether the app's name already ends with its version ('DWG TrueView 2025', '2025')."""
    return name.rstrip().rsplit(" ", 1)[-1] == version.strip()


def managed_apps_text(states: list[ManagedAppState]) -> Text:
    """Managed apps (intent · install state), failing first, above the discovered apps."""
    failing = sum(1 for state in states if state.failing)
    text = Text(f"Managed apps ({len(states)}, {failing} failing)\n" if states else
                "Managed apps: none is targeted at this device or its user\n", style="bold")
    for state in states:
        text.append(f"  {state.name}", style="bold" if state.failing else "")
        if state.version and not names_version(state.name, state.version):
            text.append(f" {state.version}", style="dim")
        text.append(f" · {state.intent} · ")
        text.append(state.state, style="bold reverse" if state.failing else "")
        text.append("\n")
        if state.error:
            text.append(f"    {state.error}\n", style="dim")
    return text


def groups_text(found: Memberships, loading: frozenset[str] = frozenset()) -> Text:
    """The device's Entra groups, then its primary user's (nested memberships included);
    a half named in `loading` has not come yet."""
    text = Text()
    for half, heading, groups, error, absent in (
            ("device", "This device's groups", found.device, found.device_error,
             "This device has no Entra device id."),
            ("user", "Its primary user's groups", found.user, found.user_error,
             "This device has no primary user.")):
        count = f" ({len(groups)})" if groups is not None else ""
        text.append(f"{heading}{count}\n", style="bold")
        if half in loading:
            text.append("  Loading…\n\n")
            continue
        if error is not None:
            text.append(f"  Could not read them: {error}\n")
        elif groups is None:
            text.append(f"  {absent}\n")
        elif not groups:
            text.append("  None\n")
        for group in groups or ():
            text.append(f"  {clean(group.name) or '(no name)'}")
            text.append(f"  {group.id}\n", style="dim")
        text.append("\n")
    return text


def catalog_rows(policies: list[CatalogPolicyState], now: Any) -> list[Row]:
    """Settings-catalog profiles as rows of the Config tab (beside the template profiles that
    deviceConfigurationStates lists), their kind in the Platform column."""
    return RESOURCES["device_configuration_states"].to_rows(
        [{"id": policy.policy_id, "displayName": policy.name, "state": policy.status,
          "platformType": "settingsCatalog", "settingCount": None} for policy in policies], now)


def title_line(device: ManagedDevice) -> Text:
    """'NAME · user · OS version · Compliance' of the device, literal text."""
    parts = [clean(device.name) or "(no name)", clean(device.user_principal_name),
             " ".join(filter(None, (clean(device.operating_system),
                                    clean(device.os_version)))),
             enum_word(device.compliance_state)]
    return Text(" · ".join(part for part in parts if part and part != "—"), style="bold")


class Relay(Generic[T]):
    """One job's answer handed to another job on the worker's loop as soon as it comes (not
    once the UI thread has seen it)."""

    def __init__(self) -> None:
        self._done: asyncio.Event | None = None
        self._value: T | None = None
        self._error: BaseException | None = None

    def _event(self) -> asyncio.Event:
        if self._done is None:  # made on the worker's loop, where it is used
            self._done = asyncio.Event()
        return self._done

    def set(self, value: T) -> None:
        self._value = value
        self._event().set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._event().set()

    async def get(self) -> T:
        await self._event().wait()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)


class DeviceTabs(TabbedContent):
    """Every tab's label from the first frame (one `TabBar` widget, not Textual's Tabs), but
    only the shown tab's pane: the others are mounted later (`ensure_pane`), each built whole
    by `build`. A tab whose pane is not mounted yet is shown only once it is: whichever way it
    is opened (a key, a click on its label, a command, a deep link), the old pane stays until
    the new one is complete, so no empty or half-built pane is ever drawn. `built(tab_id)` is
    told once a pane is mounted (and shown, when it is the active one).

    Still a TabbedContent to the screens and tests (`active`, `get_pane`, `active_pane`, its
    TabActivated message); its set of tabs is fixed (no add_pane/remove_pane, no hidden or
    disabled tabs: those act on Textual's Tabs, which it does not have)."""

    DEFAULT_CSS = """
    DeviceTabs > TabBar { dock: top; }
    """

    def __init__(self, labels: tuple[tuple[str, str], ...], first: TabPane,
                 build: Callable[[str], TabPane], built: Callable[[str], None], *,
                 id: str | None = None) -> None:
        super().__init__(id=id, initial=first.id or "")
        self._labels = labels
        self._first = first
        self._build = build
        self._built = built
        self._mounted: set[str] = {first.id or ""}
        self._mounting: dict[str, Awaitable[None]] = {}
        # What TabActivated carries as its `tab` (Textual's ContentTab: the label and the id),
        # made when a tab is first activated; never mounted.
        self._content_tabs: dict[str, ContentTab] = {}
        # Active from the start, as Textual's Tabs make it once mounted (no message: nothing
        # changed).
        self.set_reactive(DeviceTabs.active, first.id or "")

    def compose(self) -> ComposeResult:
        yield TabBar(self._labels, active=self._initial)
        with ContentSwitcher(initial=self._initial or None):
            yield self._first

    @property
    def tab_count(self) -> int:
        return len(self._labels)

    def has_pane(self, tab_id: str) -> bool:
        return tab_id in self._mounted

    async def ensure_pane(self, tab_id: str) -> None:
        """Mount the tab's pane (hidden) with everything in it, unless it is already; shown
        if it is the active tab by then. `built(tab_id)` is told once, whoever awaited the
        mount (the building after the first frame, a tab opened before its turn, or both)."""
        if tab_id in self._mounted:
            return
        if tab_id not in self._mounting:
            pane = self._build(tab_id)
            pane.display = False  # the switcher shows it (`_show`)
            self._mounting[tab_id] = self.get_child_by_type(ContentSwitcher).mount(pane)
        await self._mounting[tab_id]
        if tab_id in self._mounted:  # another awaiter of the same mount came first
            return
        self._mounted.add(tab_id)
        self._mounting.pop(tab_id, None)
        if self.active == tab_id and self.is_attached:
            self._show(tab_id)
        self._built(tab_id)

    def _watch_active(self, active: str) -> None:
        if active and active not in self._mounted:
            self.call_later(self.ensure_pane, active)  # shown once mounted
            return
        self._show(active)

    def _show(self, tab_id: str) -> None:
        """The tab's label marked and its pane shown (what TabbedContent's watcher does)."""
        self.get_child_by_type(TabBar).active = tab_id
        self.get_child_by_type(ContentSwitcher).current = tab_id or None
        if tab_id:
            self.post_message(TabbedContent.TabActivated(self, self._content_tab(tab_id)))
        else:
            self.post_message(TabbedContent.Cleared(self).set_sender(self))

    def _content_tab(self, tab_id: str) -> ContentTab:
        if tab_id not in self._content_tabs:
            self._content_tabs[tab_id] = ContentTab(dict(self._labels)[tab_id], tab_id)
        return self._content_tabs[tab_id]

    def on_tab_bar_chosen(self, event: TabBar.Chosen) -> None:
        """A click on a label, or ← / → on the bar: shown once its pane is mounted."""
        event.stop()
        self.active = event.tab_id


class DeviceDetailScreen(DetailScreen):
    """Overview, compliance, configuration, discovered apps, action history, users."""

    FOOTER_KEYS: ClassVar[tuple[str, ...]] = (
        "detail.actions", "detail.back", "detail.why", "app.help", "app.quit", "detail.refresh")
    BINDINGS: ClassVar[list[BindingType]] = [
        # The key bar has no room for these two here (they are in `?`).
        Binding("slash", "search", "Filter", id="detail.search", show=False,
                tooltip="Filter the list in this tab"),
        Binding("e", "export", "Export", id="detail.export", show=False,
                tooltip="Export the list in this tab as CSV"),
        Binding("c", "why_noncompliant", "Why non-compliant?", id="detail.why"),
        Binding("y", "copy_id", "Copy field", id="detail.copy_id", show=False,
                tooltip="Copy the cell under the cursor of a tab's list (Overview: the id)"),
        # Not in the footer: at 80 columns it would push the last key off (help and palette).
        Binding("u", "user_devices", "User's devices", id="detail.user_devices", show=False,
                tooltip="Every device of this device's primary user, and their card"),
        Binding("U", "change_primary_user", "Change primary user", show=False,
                id="detail.change_primary_user",
                tooltip="Choose another primary user (destructive: confirmed and audited)"),
        Binding("k", "show_recovery", "Keys", id="detail.recovery",
                tooltip="BitLocker / FileVault keys and the LAPS password, masked"),
        Binding("a", "actions", "Actions", show=False, id="detail.actions",
                tooltip="Remote actions for this device"),
        Binding("o", "admin_center", "Admin center", show=False, id="detail.admin_center",
                tooltip="Copy (and show) this device's link in the Intune admin center"),
    ]

    def __init__(self, item: dict[str, Any], *, start_tab: str | None = None) -> None:
        super().__init__(item, job_prefix="device")
        self.start_tab = start_tab
        self.device_id = self.item_id
        self.device: ManagedDevice = ManagedDevice.from_graph(item)
        self._tracker: ActionTracker | None = None
        self._read_live = False  # the device's own GET has answered (else: the list's row)
        # (Entra device id, user id) the side tabs were last loaded for; None: not yet.
        self._side_ids: tuple[Any, Any] | None = None
        # The Config tab's two sources: template profiles and settings-catalog profiles.
        self._config: list[Row] | BaseException | None = None
        self._tag_words: str | None = None  # the Overview's scope tags, once read
        self._catalog: list[CatalogPolicyState] | BaseException | None = None
        # The reads start here, at Enter, while the tabs are still being built; what arrives
        # before its tab's pane is mounted waits for it in `_waiting` (see `_deliver`).
        self._first_tab = start_tab or "overview"
        self._waiting: dict[str, list[Callable[[], None]]] = {}
        self._ready: set[str] = set()  # SCREEN and the tabs whose panes are mounted
        self._retries: dict[str, int] = {}  # tab id -> frames its answers waited for a widget
        # What the hidden tabs' building waits for: the first frame, and the device's GET
        # drawn (or failed), so that neither waits behind it.
        self._before_building = {"frame", "device"}
        self._loading = False
        try:
            self.load()
        except NoActiveAppError:  # built outside a running app: on_mount starts the reads
            self._loading = False

    def compose(self) -> ComposeResult:
        yield from self.compose_top(title_line(self.device))
        # Only the tab shown first has its pane now (every label is there); the others are
        # mounted one per frame once the first frame and the device's GET are drawn
        # (`_build_next_tab`), or at once when one is opened before its turn (DeviceTabs), from
        # what its reads (started at Enter) have brought by then. Building all eight up front
        # doubled the time to the first paint; even empty, the seven hidden panes were seven
        # more widgets to style before it.
        yield DeviceTabs(TAB_LABELS, self._tab_pane(self._first_tab), self._tab_pane,
                         self._pane_built, id="device-tabs")
        yield KeyFooter()

    def _tab_pane(self, tab_id: str) -> TabPane:
        label = dict(TAB_LABELS)[tab_id]
        return TabPane(label, *self._tab_content(tab_id), id=tab_id)

    def _pane_built(self, tab_id: str) -> None:
        """A tab's pane is mounted (and shown, if it is the active tab): what waited for it
        now."""
        self._now_ready(tab_id)

    def tab_ids(self) -> list[str]:
        """Every tab, its pane mounted or not (DeviceTabs mounts it when it is opened)."""
        return [tab_id for tab_id, _label in TAB_LABELS]

    def _tab_content(self, tab_id: str) -> list[Widget]:
        """The widgets of one tab (their data arrives through `_deliver`)."""
        if tab_id == "overview":
            problem = self.overview_problem()
            problem.display = False
            fields = FieldList(id="overview-fields", selectable=True)
            fields.show(overview_fields(self.device, self.intune_app.now(), self._tag_words))
            return [VerticalScroll(problem, fields)]
        if tab_id == "groups":
            return [VerticalScroll(Static(Text("Loading…"), id="groups-view"))]
        if tab_id == "recovery":
            return [RecoveryPanel(id="recovery-panel")]
        if tab_id == "actions":
            tracking = Static("", id="action-tracking", classes="panel-note")
            tracking.display = False
            return [tracking, RowsPane(RESOURCES["device_action_results"], id="actions-pane")]
        widgets: list[Widget] = []
        if tab_id == "users":
            widgets.append(FieldList(id="user-card"))
        if tab_id == "configuration":
            note = Static("", id="configuration-note", classes="panel-note")
            note.display = False
            widgets.append(note)
        if tab_id == "apps":
            widgets += [Static(Text("Loading the managed apps…"), id="managed-apps"),
                        Static(Text("Discovered apps (inventory)", style="bold"),
                               id="discovered-heading")]
        resource_key = next(key for tab, key, _, _ in TABS if tab == tab_id)
        return [*widgets, RowsPane(RESOURCES[resource_key], id=f"{tab_id}-pane")]

    def on_mount(self) -> None:
        super().on_mount()
        self.title = clean(self.device.name) or "Device"
        if not self._loading:
            self.load()
        # Composed with the screen, so mounted before it: the title line and the first tab.
        self._now_ready(SCREEN)
        self._now_ready(self._first_tab)
        self._follow_sent_actions()
        self.call_after_refresh(lambda: self._may_build_tabs("frame"))

    def has_lists(self) -> bool:
        """Most tabs hold a list, built or not yet (`/` and `e` say so on one that does not)."""
        return True

    def _may_build_tabs(self, done: str) -> None:
        if self._before_building:
            self._before_building.discard(done)
            if not self._before_building:  # after the frame that shows what just came
                self.call_after_refresh(self._build_next_tab_soon)

    def _build_next_tab_soon(self) -> None:
        # Queued, not run among the frame's callbacks: what else waited for that frame first.
        self.call_later(self._build_next_tab)

    async def _build_next_tab(self) -> None:
        """Once the first frame and the device's GET are drawn, the tabs not built yet, one per
        frame in tab order (each with what its reads have brought): opening one later only lays
        it out and draws it."""
        if not self.is_attached:
            return
        tabs = self.query_one(DeviceTabs)
        for tab_id, _label in TAB_LABELS:
            if not tabs.has_pane(tab_id):
                await tabs.ensure_pane(tab_id)
                self.call_after_refresh(self._build_next_tab_soon)
                return

    def focus_tab(self) -> None:
        """The active tab's list or text; a tab not built yet takes the keys once it is (the
        tab active then: another may have been opened meanwhile)."""
        tabs = self.query_one(DeviceTabs)
        active = tabs.active
        if not active:
            return
        if tabs.has_pane(active):  # mounted, and shown with it (`ensure_pane`)
            super().focus_tab()
        else:
            self._waiting.setdefault(active, []).append(self.focus_tab)

    def _deliver(self, tab_id: str, show: Callable[[], None]) -> None:
        """Draw an answer in tab `tab_id` (or SCREEN: the title line) now if its pane is
        mounted, else once it is. What waits for a pane is drawn in the order it came, and
        before anything that comes after: a later answer is never overwritten by an earlier
        one (or by the "Loading" line set before its read began), whichever of the answers
        and the mount came first."""
        if tab_id in self._ready:
            show()
        else:
            self._waiting.setdefault(tab_id, []).append(show)

    def _now_ready(self, tab_id: str) -> None:
        """`tab_id`'s pane is mounted: what waited for it, in order, and from now on at once.
        A drawing whose widget is not there yet (NoMatches: seen once, under load, on a pane
        reported mounted) waits with the ones after it for the next frame, said in the log;
        one that fails otherwise is logged and the others are still drawn."""
        while waiting := self._waiting.get(tab_id):
            show = waiting.pop(0)
            try:
                show()
            except NoMatches as missing:
                waiting.insert(0, show)
                self._retry_later(tab_id, missing)
                return
            except Exception:  # a bug; the answers after it still reach their widgets
                log.exception("drawing an answer in the device screen's %s tab failed", tab_id)
        self._waiting.pop(tab_id, None)
        self._ready.add(tab_id)
        self._retries.pop(tab_id, None)

    def _retry_later(self, tab_id: str, missing: NoMatches) -> None:
        tries = self._retries[tab_id] = self._retries.get(tab_id, 0) + 1
        if tries > MAX_DRAW_RETRIES:
            log.error("the device screen's %s tab still lacks a widget after %d frames (%s); "
                      "%d answers not drawn", tab_id, MAX_DRAW_RETRIES, missing,
                      len(self._waiting[tab_id]))
            return
        log.warning("the device screen's %s tab is mounted without all its widgets (%s): "
                    "its answers wait for the next frame", tab_id, missing)
        self.call_after_refresh(self._now_ready, tab_id)

    def load(self) -> None:
        """Start every tab at once; each arrives (or fails) on its own."""
        self._loading = True
        device_id = self.device_id
        # Not through `load_part`: what the GET brings starts other reads at once.
        super().load_part("overview", lambda service: service.get_device(device_id),
                          self._device_read, self._device_failed)
        self._config = self._catalog = None
        self._load_scope_tags()
        for tab_id, resource_key, _, empty in TABS:
            self._load_tab(tab_id, resource_key, empty)
        self._load_catalog()
        self._side_ids = None
        if self.device.has_directory_ids:
            # The list row carries both ids: no need to wait for the device's GET.
            self._load_side_tabs(self.device)

    def _load_scope_tags(self) -> None:
        """The device's scope tags by name (beta roleScopeTagIds, the session's tag list)."""
        device_id = self.device_id

        def show(words: str) -> None:
            self._tag_words = words
            self._show_overview_fields()

        self.load_part("scope-tags", lambda service: device_scope_tags(service, device_id),
                       lambda found: show(found.words()),
                       lambda error: show(f"Could not read them: {clean(str(error))}"),
                       tab="overview")

    def _load_side_tabs(self, device: ManagedDevice) -> None:
        """Recovery, Groups, the user card and the managed apps, each on its own."""
        ids = (device.azure_ad_device_id, device.user_id)
        if ids == self._side_ids:
            return
        self._side_ids = ids
        self._load_recovery(device)
        self._load_user_card(ids[1])
        self._load_groups(ids[0], ids[1])
        self._load_managed_apps(ids[1])

    def _load_recovery(self, device: ManagedDevice) -> None:
        """The secrets' listing (never a value), started here so it does not wait for the
        Recovery tab to be built."""
        if not platform_kinds(device.operating_system):
            self._deliver("recovery", lambda: self.query_one(RecoveryPanel).load(device))
            return
        operating_system, entra_id = device.operating_system, device.azure_ad_device_id
        self.load_part("recovery", lambda service: RecoverySecrets(service.client).listing(
                           operating_system, entra_id, None),
                       lambda listing: self.query_one(RecoveryPanel).show_listing(device, listing),
                       lambda error: self.query_one(RecoveryPanel).show_error(error),
                       tab="recovery")

    def _pane(self, tab_id: str) -> RowsPane:
        return self.query_one(f"#{tab_id}-pane", RowsPane)

    def _load_tab(self, tab_id: str, resource_key: str, empty: str) -> None:
        device_id = self.device_id

        def call(service: IntuneService) -> Awaitable[list[Row]]:
            return service.rows(resource_key, parent_id=device_id)

        def show(rows: list[Row]) -> None:
            if tab_id == "configuration":
                self._config = rows
                self._show_configuration()
                return
            self._pane(tab_id).show_rows(rows, empty=empty)
            if tab_id == self.start_tab == "compliance":
                self.action_why_noncompliant()

        def failed(error: BaseException) -> None:
            if tab_id == "configuration":
                self._config = error
                self._show_configuration()
                return
            self._pane(tab_id).show_error(error)

        self.load_part(tab_id, call, show, failed)

    # -- the Config tab: template profiles and settings-catalog profiles, each on its own ------

    def _load_catalog(self) -> None:
        device_id = self.device_id

        def done(policies: list[CatalogPolicyState]) -> None:
            self._catalog = policies
            self._show_configuration()

        def failed(error: BaseException) -> None:
            self._catalog = error
            self._show_configuration()

        self.load_part("configuration-catalog",
                       lambda service: device_catalog_policies(service.client, device_id),
                       done, failed, tab="configuration")

    def _show_configuration(self) -> None:
        """Whatever of the two sources has come, merged; a source that failed says so above."""
        pane = self.query_one("#configuration-pane", RowsPane)
        note = self.query_one("#configuration-note", Static)
        config, catalog = self._config, self._catalog
        problems = []
        if isinstance(config, BaseException):
            problems.append(f"Could not load the template profiles: {clean(str(config))}")
        if isinstance(catalog, BaseException):
            problems.append(f"Could not load the settings-catalog profiles: "
                            f"{clean(str(catalog))}")
        elif catalog is None and config is not None:
            problems.append("Loading the settings-catalog profiles…")
        note.update(Text("\n".join(problems)))
        note.display = bool(problems)
        rows = (config if isinstance(config, list) else []) + (
            catalog_rows(catalog, self.intune_app.now()) if isinstance(catalog, list) else [])
        if isinstance(config, BaseException) and not isinstance(catalog, list):
            pane.show_error(config)
        elif config is not None or isinstance(catalog, list):
            pane.show_rows(rows, empty="No configuration profile applies")

    def load_part(self, part: str, call: Callable[[IntuneService], Awaitable[Any]],
                  on_done: Callable[[Any], None],
                  on_error: Callable[[BaseException], None], *, tab: str | None = None
                  ) -> None:
        """One read; its answer is drawn in `tab` (the tab named `part` unless said) once that
        tab's pane is mounted (`_deliver`)."""
        tab_id = tab or part
        super().load_part(part, call,
                          on_done=lambda result: self._deliver(tab_id, lambda: on_done(result)),
                          on_error=lambda error: self._deliver(tab_id, lambda: on_error(error)))

    def _device_read(self, read: ManagedDevice) -> None:
        """The device's GET: the side tabs' reads start now if the list row lacked their ids;
        the Overview and the Actions tab show it once they are built."""
        self._read_live = True
        self.device = self.device.merged_with(read)
        self.item = self.device.raw
        # Already started from the list row unless it lacked the ids (or they changed).
        self._load_side_tabs(self.device)
        # The title line shows at once even when the Overview is not built yet (another tab first).
        self._deliver(SCREEN, lambda: self.query_one("#detail-title", Static).update(
            title_line(self.device), layout=False))
        self._deliver("overview", self._show_overview)
        rows = RESOURCES["device_action_results"].to_rows(
            [result.raw for result in self.device.action_results], self.intune_app.now())
        self._deliver("actions", lambda: self.query_one("#actions-pane", RowsPane).show_rows(
            rows, empty="No remote actions yet"))
        self._may_build_tabs("device")

    def _show_overview(self) -> None:
        self.show_title(title_line(self.device))
        self._show_overview_fields()

    def _show_overview_fields(self) -> None:
        self.query_one("#overview-fields", FieldList).show(
            overview_fields(self.device, self.intune_app.now(), self._tag_words))

    def _device_failed(self, error: BaseException) -> None:
        self._deliver("overview",
                      lambda: self.show_overview_problem("this device's details", error))
        self._deliver("actions",
                      lambda: self.query_one("#actions-pane", RowsPane).show_error(error))
        if self._side_ids is None:  # the side tabs had no ids to start from
            self._deliver("recovery", lambda: self.query_one(RecoveryPanel).show_error(error))
        self._may_build_tabs("device")

    # -- the primary user ----------------------------------------------------------------------

    def _card(self) -> FieldList:
        return self.query_one("#user-card", FieldList)

    def _load_user_card(self, user_id: Any) -> None:
        if not isinstance(user_id, str) or not user_id:
            self._deliver("users", lambda: self._card().update(
                Text("No primary user (a shared or userless device).")))
            return
        self._deliver("users", lambda: self._card().update(Text("Loading the primary user…")))
        session = self.intune_app.session
        self.load_part("user-card",
                       lambda service: user_card(service.client, session.claims(), user_id),
                       lambda found: self._card().show(found.fields()),
                       lambda error: self._card().update(Text(
                           f"Could not read the primary user from Entra: {clean(str(error))}")),
                       tab="users")

    def _load_groups(self, entra_id: Any, user_id: Any) -> None:
        """The device's groups and its user's, each painted when it comes (one round trip
        each: the device is addressed by its Entra deviceId)."""
        entra = entra_id if isinstance(entra_id, str) else None
        user = user_id if isinstance(user_id, str) and user_id else None
        found: dict[str, tuple[Any, str | None]] = {}

        def show(half: str, groups: Any, error: str | None) -> None:
            found[half] = (groups, error)
            device, user_half = found.get("device", (None, None)), found.get("user", (None, None))
            loading = frozenset({"device", "user"} - found.keys())
            self.query_one("#groups-view", Static).update(groups_text(
                Memberships(device[0], device[1], user_half[0], user_half[1]), loading))

        def shown(half: str) -> Callable[[Any], None]:
            return lambda groups: show(half, groups, None)

        def failed(half: str) -> Callable[[BaseException], None]:
            return lambda error: show(half, None, clean(str(error)))

        reads: tuple[tuple[
            str, Callable[[IntuneService], Awaitable[tuple[DirectoryName, ...] | None]]
        ], ...] = (
            ("device", lambda service: device_groups(service.client, entra)),
            ("user", lambda service: user_groups(service.client, user)))
        for half, read in reads:
            self.load_part(f"groups-{half}", read, shown(half), failed(half), tab="groups")

    def _apps_view(self) -> Static:
        return self.query_one("#managed-apps", Static)

    def _load_managed_apps(self, user_id: Any) -> None:
        if not isinstance(user_id, str) or not user_id:
            self._deliver("apps", lambda: self._apps_view().update(Text(
                "Managed apps: Intune reports app intents per user, and this device "
                "has no primary user.")))
            return
        device_id = self.device_id
        listed = Relay[list[ManagedAppState]]()
        shown = {"errors": False}  # whether the list with its error codes is drawn

        async def states(service: IntuneService) -> list[ManagedAppState]:
            try:
                found = await managed_app_states(service.client, user_id, device_id,
                                                 with_errors=False)
            except BaseException as error:
                listed.fail(error)
                raise
            listed.set(found)
            return found

        async def with_errors(service: IntuneService) -> list[ManagedAppState] | None:
            """The failing apps' error codes, read in the worker as soon as the list comes
            (one more round trip, by Graph's design), not once the UI thread has drawn it."""
            found = await listed.get()
            if not any(state.failing for state in found):
                return None
            return await with_install_errors(service.client, found, device_id)

        def show_list(found: list[ManagedAppState]) -> None:
            if not shown["errors"]:  # else the list with the codes came first
                self._apps_view().update(managed_apps_text(found))

        def show_errors(found: list[ManagedAppState] | None) -> None:
            if found is not None:
                shown["errors"] = True
                self._apps_view().update(managed_apps_text(found))

        self.load_part("managed-apps", states, show_list,
                       lambda error: self._apps_view().update(Text(
                           f"Could not read the managed apps: {clean(str(error))}")), tab="apps")
        # A failed list says so above; each row says why its own code is missing.
        self.load_part("managed-app-errors", with_errors, show_errors, lambda error: None,
                       tab="apps")

    def action_user_devices(self) -> None:
        from intune_tui.ui.screens.user_devices import UserDevicesScreen

        upn = self.device.user_principal_name
        if not upn:
            self.notify("This device has no primary user.", markup=False, severity="warning")
            return
        self.app.push_screen(UserDevicesScreen(upn, self.device.user_id or None))

    def action_change_primary_user(self) -> None:
        from intune_tui.ui.screens.user_devices import change_primary_user_flow

        self.app.run_worker(change_primary_user_flow(self.intune_app, dict(self.item),
                                                     self.action_reload),
                            exclusive=True, group="primary-user", exit_on_error=False)

    # -- recovery secrets: masked again whenever they are out of sight -------------------------

    def _mask_secrets(self) -> None:
        for panel in self.query(RecoveryPanel):  # none before the Recovery tab is built
            panel.mask_all()

    def on_screen_suspend(self) -> None:
        self._mask_secrets()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        super().on_tabbed_content_tab_activated(event)
        if event.pane.id != "recovery":
            self._mask_secrets()

    # -- remote actions ------------------------------------------------------------------------

    def _follow_sent_actions(self) -> None:
        """Follow what this session already sent to the device, and whatever it sends next."""
        flow = action_flow(self.intune_app)
        self._tracker = ActionTracker(self, self.device_id, self._show_tracking)
        recent = [sent for sent in flow.sent_to(self.device_id)
                  if self.intune_app.now() - sent.sent_at < RECENT_ACTION]
        for sent in recent:
            self._tracker.track(sent)
        if recent and not self.start_tab:
            self.query_one(TabbedContent).active = "actions"
        flow.sent_listeners.append(self._action_sent)

    def on_unmount(self) -> None:
        listeners = action_flow(self.intune_app).sent_listeners
        if self._action_sent in listeners:
            listeners.remove(self._action_sent)

    def _action_sent(self, sent: SentAction) -> None:
        if sent.device_id == self.device_id and self._tracker is not None:
            self.query_one(TabbedContent).active = "actions"
            self._tracker.track(sent)

    def _show_tracking(self, state: ManagedDevice | None, status: str) -> None:
        self._deliver("actions", lambda: self._track(state, status))

    def _track(self, state: ManagedDevice | None, status: str) -> None:
        line = self.query_one("#action-tracking", Static)
        line.update(Text(status))
        line.display = True
        if state is not None:
            rows = RESOURCES["device_action_results"].to_rows(
                [result.raw for result in state.action_results], self.intune_app.now())
            self.query_one("#actions-pane", RowsPane).show_rows(
                rows, empty="No remote actions yet")

    def action_actions(self) -> None:
        # Until the device's own GET has answered, the item is the list's row (perhaps the
        # snapshot's): the flow reads the device live first.
        action_flow(self.intune_app).open_menu(self.item, read_live=not self._read_live)

    # -- keys ----------------------------------------------------------------------------------

    def action_reload(self) -> None:
        super().action_reload()
        if self._tracker is not None:
            self._tracker.refresh()

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Remote actions for this device", "a", self.action_actions),
            ("Why is this device non-compliant?", "c", self.action_why_noncompliant),
            ("Next tab", "]", self.action_next_tab),
            ("Refresh this device", "r", self.action_reload),
            ("Copy this device's id", "y", self.action_copy_id),
            ("Recovery keys and LAPS password", "k", self.action_show_recovery),
            ("All devices of this device's user", "u", self.action_user_devices),
            ("Change this device's primary user", "U", self.action_change_primary_user),
        ]

    def action_show_recovery(self) -> None:
        self.query_one(TabbedContent).active = "recovery"

        def focus_list() -> None:
            if self.query_one(DeviceTabs).active == "recovery":  # not opened elsewhere since
                self.query_one("#recovery-list").focus()

        self._deliver("recovery", focus_list)

    def action_copy_id(self) -> None:
        """`y` (id detail.copy_id, shared with the other details): the cell under the cursor of
        a tab's list, or the Overview field under its cursor; otherwise the device id."""
        from intune_tui.ui.screens.resource_list import copy_cell

        if isinstance(self.focused, ResourceTable):
            copy_cell(self.app, self.focused)
            return
        if isinstance(self.focused, FieldList) and self.focused.current_field is not None:
            label, value = self.focused.current_field
            if value != "—":
                self.app.copy_to_clipboard(value)
                self.notify(f"Copied {label}: {value}", markup=False)
                return
        self.app.copy_to_clipboard(self.device_id)
        self.notify(f"Copied device id: {self.device_id}", markup=False)

    def action_admin_center(self) -> None:
        copy_admin_center_link(self.intune_app, "devices", self.item,
                               name=str(self.item.get("deviceName") or ""), noun="device")

    def action_why_noncompliant(self) -> None:
        """Show the compliance tab with the cursor on the first failing policy."""
        self.query_one(TabbedContent).active = "compliance"
        self._deliver("compliance", self._cursor_on_failing_policy)

    def _cursor_on_failing_policy(self) -> None:
        table = self.query_one("#compliance-pane", RowsPane).table
        table.focus()
        for index, row in enumerate(table.visible_rows):
            if (PolicyState.from_graph(row.item).state or "").lower() in _FAILING:
                table.move_cursor(index)
                return

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()
        pane = event.table.parent
        row = cast(Row, event.row)  # the tables of a detail screen hold Rows
        catalog = {policy.policy_id: policy for policy in self._catalog or []} if isinstance(
            self._catalog, list) else {}
        if isinstance(pane, RowsPane) and pane.id == "configuration-pane" and row.key in catalog:
            from intune_tui.ui.screens.catalog_settings import CatalogSettingsScreen

            self.app.push_screen(CatalogSettingsScreen(self.item, catalog[row.key]))
        elif isinstance(pane, RowsPane) and pane.id in ("compliance-pane",
                                                        "configuration-pane"):
            from intune_tui.ui.screens.setting_states import SettingStatesScreen

            # A configuration profile's deviceConfigurationState carries settingStates too
            # (state, errorCode, errorDescription per setting), like a compliance policy's.
            title = ("Why non-compliant" if pane.id == "compliance-pane"
                     else "Why is this profile failing")
            self.app.push_screen(SettingStatesScreen(self.item, row.item, title=title))
        elif isinstance(pane, RowsPane) and pane.id == "users-pane":
            from intune_tui.ui.screens.user_devices import UserDevicesScreen

            user = DeviceUser.from_graph(row.item)
            upn = clean(user.user_principal_name)
            if upn:
                self.app.push_screen(UserDevicesScreen(upn, user.id or None))
