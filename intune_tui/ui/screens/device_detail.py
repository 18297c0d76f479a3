"""Everything about one device, one tab per part, each loaded in parallel through the worker.

A tab that fails shows its own error; the others still load. `c` jumps to the first failing
compliance policy and Enter on it shows the failing settings: "why is this device non-compliant?"
in two keys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane

from intune_tui.intune.action_run import SentAction
from intune_tui.intune.device_apps import (
    ManagedAppState,
    managed_app_states,
    with_install_errors,
)
from intune_tui.intune.directory import Memberships, memberships, user_card
from intune_tui.intune.formatting import (
    enum_word,
    format_bool,
    format_bytes,
    format_datetime,
    relative_time,
)
from intune_tui.intune.models import ManagedDevice
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.text import clean
from intune_tui.ui.action_flow import ActionTracker, action_flow
from intune_tui.ui.widgets.detail import Field, FieldList, RowsPane
from intune_tui.ui.widgets.key_footer import KeyFooter
from intune_tui.ui.widgets.recovery import RecoveryPanel
from intune_tui.ui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService
    from intune_tui.ui.app import IntuneApp

# tab id -> (catalog resource, tab label short enough for 80 columns, text when empty)
TABS: tuple[tuple[str, str, str, str], ...] = (
    ("compliance", "device_compliance_states", "Compliance", "No compliance policy applies"),
    ("configuration", "device_configuration_states", "Config", "No configuration profile applies"),
    ("apps", "device_detected_apps", "Apps", "No discovered apps"),
    ("users", "device_users", "Users", "No users"),
)
# An action sent this recently is followed (and its tab shown) when the device is opened.
RECENT_ACTION = timedelta(minutes=10)
_FAILING = {"noncompliant", "error", "conflict"}


def overview_fields(device: ManagedDevice, now: Any) -> list[Field]:
    """The Overview tab: hardware, OS, enrollment, ownership, security and identifiers."""
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
        ("Entra device id", device.azure_ad_device_id),
        ("Intune device id", device.id),
    ]


def _user(device: ManagedDevice) -> str | None:
    if device.user_display_name and device.user_principal_name:
        return f"{device.user_display_name} <{device.user_principal_name}>"
    return device.user_principal_name or device.user_display_name


def managed_apps_text(states: list[ManagedAppState]) -> Text:
    """Managed apps (intent · install state), failing first, above the discovered apps."""
    failing = sum(1 for state in states if state.failing)
    text = Text(f"Managed apps ({len(states)}, {failing} failing)\n" if states else
                "Managed apps: none is targeted at this device or its user\n", style="bold")
    for state in states:
        text.append(f"  {state.name}", style="bold" if state.failing else "")
        if state.version:
            text.append(f" {state.version}", style="dim")
        text.append(f" · {state.intent} · ")
        text.append(state.state, style="bold reverse" if state.failing else "")
        text.append("\n")
        if state.error:
            text.append(f"    {state.error}\n", style="dim")
    return text


def groups_text(found: Memberships) -> Text:
    """The device's Entra groups, then its primary user's (nested memberships included)."""
    text = Text()
    for heading, groups, error, absent in (
            ("This device's groups", found.device, found.device_error,
             "This device has no Entra device id."),
            ("Its primary user's groups", found.user, found.user_error,
             "This device has no primary user.")):
        count = f" ({len(groups)})" if groups is not None else ""
        text.append(f"{heading}{count}\n", style="bold")
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


def title_line(item: dict[str, Any]) -> Text:
    """'NAME · user · OS version · Compliance' from the list row's item, literal text."""
    parts = [clean(item.get("deviceName")) or "(no name)", clean(item.get("userPrincipalName")),
             " ".join(filter(None, (clean(item.get("operatingSystem")),
                                    clean(item.get("osVersion"))))),
             enum_word(item.get("complianceState"))]
    return Text(" · ".join(part for part in parts if part and part != "—"), style="bold")


class DeviceDetailScreen(Screen[None]):
    """Overview, compliance, configuration, discovered apps, action history, users."""

    FOOTER_KEYS: ClassVar[tuple[str, ...]] = (
        "detail.actions", "detail.back", "detail.why", "app.help", "app.quit", "detail.refresh")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("r", "reload", "Refresh", id="detail.refresh"),
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
        Binding("right_square_bracket", "next_tab", "Next tab", show=False,
                id="detail.next_tab"),
        Binding("left_square_bracket", "previous_tab", "Previous tab", show=False,
                id="detail.previous_tab"),
    ]

    def __init__(self, item: dict[str, Any], *, start_tab: str | None = None) -> None:
        super().__init__()
        self.item = item
        self.start_tab = start_tab
        self.device_id = str(item.get("id", ""))
        self.device: ManagedDevice = ManagedDevice.from_graph(item)
        self._jobs: set[str] = set()
        self._tracker: ActionTracker | None = None
        # (Entra device id, user id) the side tabs were last loaded for; None: not yet.
        self._side_ids: tuple[Any, Any] | None = None

    @property
    def intune_app(self) -> IntuneApp:
        return self.app  # type: ignore[return-value]  # Textual types Screen.app as App[Any]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(title_line(self.item), id="device-title", classes="panel-title")
        with TabbedContent(id="device-tabs"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield Static("", id="overview-problem", classes="error-panel")
                yield FieldList(id="overview-fields")
            for tab_id, resource_key, label, _ in TABS:
                with TabPane(label, id=tab_id):
                    if tab_id == "users":
                        yield FieldList(id="user-card")
                    if tab_id == "apps":
                        yield Static(Text("Loading the managed apps…"), id="managed-apps")
                        yield Static(Text("Discovered apps (inventory)", style="bold"),
                                     id="discovered-heading")
                    yield RowsPane(RESOURCES[resource_key], id=f"{tab_id}-pane")
            with TabPane("Groups", id="groups"), VerticalScroll():
                yield Static(Text("Loading…"), id="groups-view")
            with TabPane("Recovery", id="recovery"):
                yield RecoveryPanel(id="recovery-panel")
            with TabPane("Actions", id="actions"):
                yield Static("", id="action-tracking", classes="panel-note")
                yield RowsPane(RESOURCES["device_action_results"], id="actions-pane")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = clean(self.item.get("deviceName")) or "Device"
        if self.start_tab:
            self.query_one(TabbedContent).active = self.start_tab
        self.query_one("#overview-problem").display = False
        self.query_one("#overview-fields", FieldList).show(
            overview_fields(self.device, self.intune_app.now()))
        self.query_one("#action-tracking").display = False
        self.load()
        self._follow_sent_actions()

    def load(self) -> None:
        """Start every tab at once; each arrives (or fails) on its own."""
        device_id = self.device_id
        self._job("overview", lambda service: service.get_device(device_id),
                  self._show_device, self._device_failed)
        for tab_id, resource_key, _, empty in TABS:
            self._load_tab(tab_id, resource_key, empty)
        self._side_ids = None
        if "azureADDeviceId" in self.item and "userId" in self.item:
            # The list row carries both ids: no need to wait for the device's GET.
            self._load_side_tabs(self.item)

    def _load_side_tabs(self, item: dict[str, Any]) -> None:
        """Recovery, Groups, the user card and the managed apps, each on its own."""
        ids = (item.get("azureADDeviceId"), item.get("userId"))
        if ids == self._side_ids:
            return
        self._side_ids = ids
        self.query_one(RecoveryPanel).load(ManagedDevice.from_graph(item))
        self._load_user_card(ids[1])
        self._load_groups(ids[0], ids[1])
        self._load_managed_apps(ids[1])

    def _load_tab(self, tab_id: str, resource_key: str, empty: str) -> None:
        pane = self.query_one(f"#{tab_id}-pane", RowsPane)
        device_id = self.device_id

        def call(service: IntuneService) -> Awaitable[list[Row]]:
            return service.rows(resource_key, parent_id=device_id)

        def show(rows: list[Row]) -> None:
            pane.show_rows(rows, empty=empty)
            if tab_id == self.start_tab == "compliance":
                self.action_why_noncompliant()

        self._job(tab_id, call, show, pane.show_error)

    def _job(self, part: str, call: Callable[[IntuneService], Awaitable[Any]],
             on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]) -> None:
        self.intune_app.job(f"device:{self.device_id}:{part}", call, on_done=on_done,
                            on_error=on_error)

    def _show_device(self, data: dict[str, Any]) -> None:
        merged = {**self.item, **{k: v for k, v in data.items() if v is not None}}
        self.item = merged
        self.device = ManagedDevice.from_graph(merged)
        self.query_one("#device-title", Static).update(title_line(merged))
        self.query_one("#overview-fields", FieldList).show(
            overview_fields(self.device, self.intune_app.now()))
        # Already started from the list row unless it lacked the ids (or they changed).
        self._load_side_tabs(merged)
        now = self.intune_app.now()
        rows = RESOURCES["device_action_results"].to_rows(
            [r for r in merged.get("deviceActionResults") or [] if isinstance(r, dict)], now)
        self.query_one("#actions-pane", RowsPane).show_rows(rows, empty="No remote actions yet")

    def _device_failed(self, error: BaseException) -> None:
        problem = self.query_one("#overview-problem", Static)
        problem.update(Text(f"Could not load this device's details: {error}\n"
                            "What the list showed is below."))
        problem.display = True
        self.query_one("#actions-pane", RowsPane).show_error(error)
        if self._side_ids is None:  # the side tabs had no ids to start from
            self.query_one(RecoveryPanel).show_error(error)

    # -- the primary user ----------------------------------------------------------------------

    def _load_user_card(self, user_id: Any) -> None:
        card = self.query_one("#user-card", FieldList)
        if not isinstance(user_id, str) or not user_id:
            card.update(Text("No primary user (a shared or userless device)."))
            return
        card.update(Text("Loading the primary user…"))
        session = self.intune_app.session
        self._job("user-card",
                  lambda service: user_card(service.client, session.claims(), user_id),
                  lambda found: card.show(found.fields()),
                  lambda error: card.update(Text(f"Could not read the primary user from "
                                                 f"Entra: {clean(str(error))}")))

    def _load_groups(self, entra_id: Any, user_id: Any) -> None:
        view = self.query_one("#groups-view", Static)
        entra = entra_id if isinstance(entra_id, str) else None
        user = user_id if isinstance(user_id, str) and user_id else None
        self._job("groups", lambda service: memberships(service.client, entra, user),
                  lambda found: view.update(groups_text(found)),
                  lambda error: view.update(Text(f"Could not read group memberships: "
                                                 f"{clean(str(error))}")))

    def _load_managed_apps(self, user_id: Any) -> None:
        view = self.query_one("#managed-apps", Static)
        if not isinstance(user_id, str) or not user_id:
            view.update(Text("Managed apps: Intune reports app intents per user, and this device "
                             "has no primary user."))
            return
        device_id = self.device_id

        def listed(states: list[ManagedAppState]) -> None:
            # The list paints at once; failing apps' error codes follow (one more round trip).
            view.update(managed_apps_text(states))
            if any(state.failing for state in states):
                self._job("managed-app-errors",
                          lambda service: with_install_errors(service.client, states, device_id),
                          lambda found: view.update(managed_apps_text(found)),
                          lambda error: None)  # each row says why its code is missing

        self._job("managed-apps",
                  lambda service: managed_app_states(service.client, user_id, device_id,
                                                     with_errors=False),
                  listed,
                  lambda error: view.update(Text(f"Could not read the managed apps: "
                                                 f"{clean(str(error))}")))

    def action_user_devices(self) -> None:
        from intune_tui.ui.screens.user_devices import UserDevicesScreen

        upn = self.device.user_principal_name
        if not upn:
            self.notify("This device has no primary user.", markup=False, severity="warning")
            return
        user_id = self.item.get("userId")
        self.app.push_screen(UserDevicesScreen(upn, user_id if isinstance(user_id, str)
                                               and user_id else None))

    def action_change_primary_user(self) -> None:
        from intune_tui.ui.screens.user_devices import change_primary_user_flow

        self.app.run_worker(change_primary_user_flow(self.intune_app, dict(self.item),
                                                     self.action_reload),
                            exclusive=True, group="primary-user", exit_on_error=False)

    # -- recovery secrets: masked again whenever they are out of sight -------------------------

    def on_screen_suspend(self) -> None:
        self.query_one(RecoveryPanel).mask_all()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id != "recovery":
            self.query_one(RecoveryPanel).mask_all()

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

    def _show_tracking(self, state: Mapping[str, Any] | None, status: str) -> None:
        line = self.query_one("#action-tracking", Static)
        line.update(Text(status))
        line.display = True
        if state is not None:
            rows = RESOURCES["device_action_results"].to_rows(
                [r for r in state.get("deviceActionResults") or [] if isinstance(r, dict)],
                self.intune_app.now())
            self.query_one("#actions-pane", RowsPane).show_rows(
                rows, empty="No remote actions yet")

    def action_actions(self) -> None:
        action_flow(self.intune_app).open_menu(self.item)

    # -- keys ----------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()
        if self._tracker is not None:
            self._tracker.refresh()

    def action_next_tab(self) -> None:
        self._move_tab(1)

    def action_previous_tab(self) -> None:
        self._move_tab(-1)

    def _move_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [str(pane.id) for pane in tabs.query(TabPane)]
        tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

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
        self.query_one("#recovery-list").focus()

    def action_copy_id(self) -> None:
        """`y` (id detail.copy_id, shared with the other details): the cell under the cursor of
        a tab's list; on the Overview, the device id."""
        from intune_tui.ui.screens.resource_list import copy_cell

        if isinstance(self.focused, ResourceTable):
            copy_cell(self.app, self.focused)
            return
        self.app.copy_to_clipboard(self.device_id)
        self.notify(f"Copied device id: {self.device_id}", markup=False)

    def action_why_noncompliant(self) -> None:
        """Show the compliance tab with the cursor on the first failing policy."""
        self.query_one(TabbedContent).active = "compliance"
        table = self.query_one("#compliance-pane", RowsPane).table
        table.focus()
        for index, row in enumerate(table.visible_rows):
            if str(row.item.get("state", "")).lower() in _FAILING:
                table.move_cursor(index)
                return

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()
        pane = event.table.parent
        if isinstance(pane, RowsPane) and pane.id in ("compliance-pane", "configuration-pane"):
            from intune_tui.ui.screens.setting_states import SettingStatesScreen

            row = cast(Row, event.row)  # the tables of a detail screen hold Rows
            # A configuration profile's deviceConfigurationState carries settingStates too
            # (state, errorCode, errorDescription per setting), like a compliance policy's.
            title = ("Why non-compliant" if pane.id == "compliance-pane"
                     else "Why is this profile failing")
            self.app.push_screen(SettingStatesScreen(self.item, row.item, title=title))
        elif isinstance(pane, RowsPane) and pane.id == "users-pane":
            from intune_tui.ui.screens.user_devices import UserDevicesScreen

            item = cast(Row, event.row).item
            upn = clean(item.get("userPrincipalName"))
            if upn:
                user_id = item.get("id")
                self.app.push_screen(UserDevicesScreen(
                    upn, user_id if isinstance(user_id, str) and user_id else None))
