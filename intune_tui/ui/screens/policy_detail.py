"""One policy (or app protection/configuration policy, category, notification template) in tabs.

Each tab loads on its own through the worker; one that fails shows its sentence while the others
fill. Every tab that holds a list can be filtered with `/`, sorted with `s` and exported with
`e`. Enter on a device in the status list opens that device.

Built on `DetailScreen` (ui/screens/detail.py), as the app detail is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Static, TabbedContent, TabPane

from intune_tui.intune.formatting import (
    MISSING,
    Field,
    enum_word,
    format_bool,
    format_datetime,
    relative_time,
)
from intune_tui.intune.models import (
    Policy,
    StatusOverview,
    uses_notification_templates,
    with_template_names,
)
from intune_tui.intune.rbac import (
    BETA_SCOPE_TAG_READS,
    ScopeTagList,
    ScopeTagNames,
    item_scope_tags,
    scope_tag_ids,
    scope_tag_list,
)
from intune_tui.intune.resources import DETAIL_LISTS, RESOURCES, Resource, Row
from intune_tui.intune.wording import (
    HIDDEN_PROPERTIES,
    catalog_setting_words,
    flags_words,
    readable_properties,
)
from intune_tui.text import clean
from intune_tui.ui.screens.detail import (
    DetailScreen,
    problem_text,
    rows_as_call,
    with_group_names_in,
)
from intune_tui.ui.widgets.detail import FieldList, RowsPane
from intune_tui.ui.widgets.resource_table import ResourceTable

if TYPE_CHECKING:
    from datetime import datetime


POLICY_KEYS = ("device_configurations", "compliance_policies", "settings_catalog")


@dataclass(frozen=True)
class DetailKind:
    """The tabs one kind of item has.

    expand: lists read with the item (`$expand`).
    settings: "properties" (the item's own properties as rows) or "catalog" (settings-catalog
        settings, a list of their own).
    status: deviceStatusOverview and deviceStatuses exist.
    actions: compliance actions for noncompliance (from the expanded scheduledActionsForRule).
    messages: a notification template's localized messages (expanded).
    apps: "expanded" (an app policy's targeted apps) or "category" (apps in a category).
    assignments: "child" (their own list) or "expanded".
    scope_tags: the item has roleScopeTagIds (an app category has none).
    """

    expand: tuple[str, ...] = ()
    settings: str | None = None
    status: bool = False
    actions: bool = False
    messages: bool = False
    apps: str | None = None
    assignments: str | None = None
    scope_tags: bool = True


_APP_POLICY = DetailKind(expand=("apps", "assignments"), settings="properties", apps="expanded",
                         assignments="expanded")
KINDS: dict[str, DetailKind] = {
    "device_configurations": DetailKind(settings="properties", status=True, assignments="child"),
    "compliance_policies": DetailKind(expand=("scheduledActionsForRule",), settings="properties",
                                      status=True, actions=True, assignments="child"),
    "settings_catalog": DetailKind(settings="catalog", assignments="child"),
    "notification_templates": DetailKind(expand=("localizedNotificationMessages",),
                                         messages=True),
    "app_categories": DetailKind(apps="category", scope_tags=False),
    "app_protection_ios": _APP_POLICY,
    "app_protection_android": _APP_POLICY,
    "app_protection_windows": _APP_POLICY,
    "app_config_mdm": DetailKind(expand=("assignments",), settings="properties",
                                 assignments="expanded"),
    "app_config_mam": _APP_POLICY,
}

# Shown in the overview rather than among the settings.
_OVERVIEW_PROPERTIES = HIDDEN_PROPERTIES | {
    "platforms", "technologies", "settingCount", "templateReference", "creationSource",
    "priorityMetaData", "defaultLocale", "brandingOptions", "deployedAppCount",
    "targetedMobileApps", "isBuiltIn",
}


def overview_fields(resource_key: str, data: dict[str, Any], now: datetime,
                    scope_tags: str | None = None) -> list[Field]:
    """Name, type, platform, assignment and dates of any item a policy detail shows;
    `scope_tags`: the tags in words (`ScopeTagNames.words`), None: no such field."""
    policy = Policy.from_graph(data)
    resource = RESOURCES[resource_key]
    kind = policy.kind if resource_key in POLICY_KEYS else resource.title
    fields: list[Field] = [("Name", policy.name), ("Description", policy.description),
                           ("Type", kind)]
    if policy.platform != MISSING:
        fields.append(("Platform", policy.platform))
    if resource_key == "settings_catalog":
        family = policy.template_family
        fields += [("Technologies", flags_words(policy.technologies)),
                   ("Template", enum_word(family) if family not in (None, "", "none")
                    else "None (custom)"),
                   ("Settings", policy.setting_count)]
    if resource_key == "notification_templates":
        fields += [("Default locale", policy.default_locale),
                   ("Branding", flags_words(policy.branding_options))]
    if policy.deployed_app_count is not None:
        fields.append(("Apps", policy.deployed_app_count))
    if policy.targeted_mobile_apps:
        fields.append(("Targeted app ids", ", ".join(policy.targeted_mobile_apps)))
    if policy.is_assigned is not None:
        fields.append(("Assigned", format_bool(policy.is_assigned)))
    if policy.version is not None:
        fields.append(("Version", policy.version))
    fields += [("Created", _when(policy.created, now)),
               ("Modified", _when(policy.last_modified, now))]
    if scope_tags is not None:
        fields.append(("Scope tags", scope_tags))
    fields.append(("Id", policy.id))
    return [(label, value) for label, value in fields if resource_key in POLICY_KEYS
            or value not in (None, "", MISSING) or label in ("Name", "Id")]


def _when(moment: datetime | None, now: datetime) -> str | None:
    if moment is None:
        return None
    return f"{format_datetime(moment)} ({relative_time(moment, now)})"


_STATUS_WORDS = {
    "compliance_policies": ("Compliant", "Not compliant"),
    "device_configurations": ("Succeeded", "Failed"),
}


def status_words(resource_key: str, overview: StatusOverview, now: datetime) -> str:
    """'Succeeded 128 · Error 1 · Conflict 2 · Pending 10 · Not applicable 1 · Failed 4'."""
    success, failed = _STATUS_WORDS.get(resource_key, ("Succeeded", "Failed"))
    parts = [(success, overview.succeeded), ("Error", overview.errors),
             ("Conflict", overview.conflicts), ("Pending", overview.pending),
             ("Not applicable", overview.not_applicable), (failed, overview.failed)]
    text = " · ".join(f"{label} {count:,}" for label, count in parts if count is not None)
    if overview.last_update is not None:
        text += f" (updated {relative_time(overview.last_update, now)})"
    return text or "Graph gave no counts"


def property_rows(data: dict[str, Any], skip: frozenset[str]) -> list[Row]:
    """An item's own properties as Setting/Value rows."""
    items = [{"id": f"{position}", "name": name, "value": value}
             for position, (name, value) in enumerate(readable_properties(data, skip=skip))]
    return DETAIL_LISTS["policy_settings"].to_rows(items)


def catalog_setting_rows(settings: list[Row]) -> list[Row]:
    """Settings-catalog settings as Setting/Value rows, nested settings under their parent."""
    items = []
    for row in settings:
        for position, (depth, name, value) in enumerate(
                catalog_setting_words(row.item)):
            items.append({"id": f"{row.key}.{position}",
                          "name": ("↳ " * depth) + name if depth else name, "value": value})
    return DETAIL_LISTS["policy_settings"].to_rows(items)


# ---------------------------------------------------------------------------------------------
# The screen


class PolicyDetailScreen(DetailScreen):
    """Overview, device status, settings, assignments, … as the item's kind has them."""

    def __init__(self, resource_key: str, item: dict[str, Any]) -> None:
        super().__init__(item, job_prefix=f"detail:{resource_key}")
        self.resource_key = resource_key
        self.kind = KINDS.get(resource_key, DetailKind())
        self._status_text: str | None = None
        # Scope tags: read with the item's own ids from beta (`BETA_SCOPE_TAG_READS`), or the
        # session's tag list naming the ids the item brings.
        self._scope_tags: ScopeTagNames | str | None = None
        self._tag_list: ScopeTagList | None = None

    def compose(self) -> ComposeResult:
        kind = self.kind
        yield from self.compose_top(self._title())
        with TabbedContent(id="detail-tabs"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield self.overview_problem()
                yield FieldList(id="overview-fields")
            if kind.status:
                with TabPane("Device status", id="status"), Vertical():
                    yield Static("Loading…", id="status-counts", classes="detail-summary")
                    yield RowsPane(RESOURCES[f"{self.resource_key}.device_statuses"],
                                   id="status-pane")
            if kind.settings:
                with TabPane("Settings", id="settings"):
                    yield RowsPane(DETAIL_LISTS["policy_settings"], id="settings-pane")
            if kind.actions:
                with TabPane("Noncompliance actions", id="actions"):
                    yield RowsPane(DETAIL_LISTS[f"{self.resource_key}.actions"],
                                   id="actions-pane")
            if kind.messages:
                with TabPane("Messages", id="messages"):
                    yield RowsPane(DETAIL_LISTS[f"{self.resource_key}.messages"],
                                   id="messages-pane")
            if kind.apps:
                with TabPane("Apps", id="apps"):
                    yield RowsPane(self._apps_resource(), id="apps-pane")
            if kind.assignments:
                with TabPane("Assignments", id="assignments"):
                    yield RowsPane(self._assignments_resource(), id="assignments-pane")
        yield Footer()

    def _apps_resource(self) -> Resource:
        if self.kind.apps == "category":
            return RESOURCES["apps"]
        return DETAIL_LISTS[f"{self.resource_key}.apps"]

    def _assignments_resource(self) -> Resource:
        key = f"{self.resource_key}.assignments"
        return RESOURCES[key] if self.kind.assignments == "child" else DETAIL_LISTS[key]

    def _title(self) -> Text:
        policy = Policy.from_graph(self.item)
        kind = (policy.kind if self.resource_key in POLICY_KEYS
                else RESOURCES[self.resource_key].title)
        parts = [clean(policy.name) or "(no name)", kind]
        if policy.platform != MISSING:
            parts.append(policy.platform)
        return Text(" · ".join(parts))

    def on_mount(self) -> None:
        super().on_mount()
        self.title = clean(Policy.from_graph(self.item).name) or "Policy"
        self.show_then_load(self._show_overview)

    # -- loading -------------------------------------------------------------------------------

    def load(self) -> None:
        kind, key, item_id = self.kind, self.resource_key, self.item_id
        self.load_part("item", lambda service: service.get_item(key, item_id, expand=kind.expand),
                       self._show_item, self._item_failed)
        if kind.status:
            self.load_part("status-overview",
                           lambda service: service.policy_status_overview(key, item_id),
                           self._show_status, self._status_failed)
            self.load_rows("device-statuses", "status-pane",
                           lambda service: service.policy_device_statuses(key, item_id),
                           "No device has reported this policy")
        if kind.settings == "catalog":
            pane = self.query_one("#settings-pane", RowsPane)
            self.load_part("settings", lambda service: service.policy_settings(item_id),
                           lambda rows: pane.show_rows(catalog_setting_rows(rows),
                                                       empty="This policy has no settings"),
                           pane.show_error)
        self._load_scope_tags()
        if kind.assignments == "child":
            self.load_rows("assignments", "assignments-pane",
                           lambda service: service.policy_assignments(key, item_id),
                           "Not assigned")
        if kind.apps == "category":
            self.load_rows("apps", "apps-pane",
                           lambda service: service.apps_in_category(item_id),
                           "No app is in this category")

    def _show_overview(self, status: str | None = None) -> None:
        fields = overview_fields(self.resource_key, self.item, self.intune_app.now(),
                                 self._scope_tag_words())
        if status is not None:
            labels = [label for label, _ in fields]
            after = labels.index("Platform") if "Platform" in labels else labels.index("Type")
            fields.insert(after + 1, ("Device status", status))
        self.query_one("#overview-fields", FieldList).show(fields)

    def _load_scope_tags(self) -> None:
        """Scope tags by name: the policy's ids from beta where the list reads v1.0 (which has no
        roleScopeTagIds), else the session's tag list for the ids the item brings."""
        key, item_id = self.resource_key, self.item_id
        if key in BETA_SCOPE_TAG_READS:
            self.load_part("scope-tags", lambda service: item_scope_tags(service, key, item_id),
                           self._scope_tags_read, self._scope_tags_failed)
        elif self.kind.scope_tags:  # read with the item; named by the list read meanwhile
            self.load_part("scope-tags", scope_tag_list, self._tag_list_read,
                           lambda error: self._tag_list_read(ScopeTagList(
                               {}, f"names could not be read: {clean(str(error))}")))

    def _scope_tag_words(self) -> str | None:
        """The tags in words; "Loading…" until read; None where the item has none to show."""
        tags = self._scope_tags
        if isinstance(tags, str):
            return tags
        if tags is not None:
            return tags.words()
        if self.resource_key in BETA_SCOPE_TAG_READS:
            return "Loading…"
        ids = scope_tag_ids(self.item)
        if not ids:
            return None
        return "Loading…" if self._tag_list is None else self._tag_list.naming(ids).words()

    def _scope_tags_read(self, tags: ScopeTagNames) -> None:
        self._scope_tags = tags
        self._show_overview(self._status_text)

    def _tag_list_read(self, tags: ScopeTagList) -> None:
        self._tag_list = tags
        self._show_overview(self._status_text)

    def _scope_tags_failed(self, error: BaseException) -> None:
        self._scope_tags = f"could not be read: {clean(str(error))}"
        self._show_overview(self._status_text)

    def _show_item(self, data: dict[str, Any]) -> None:
        self.item = {**self.item, **{k: v for k, v in data.items() if v is not None}}
        self.show_title(self._title())
        self._show_overview(self._status_text)
        kind = self.kind
        if kind.settings == "properties":
            skip = _OVERVIEW_PROPERTIES | frozenset(kind.expand)
            self.query_one("#settings-pane", RowsPane).show_rows(
                property_rows(data, skip), empty="No setting is configured")
        if kind.actions:
            self._show_actions(data)
        if kind.messages:
            self._show_expanded("messages", data, "localizedNotificationMessages",
                                "No messages")
        if kind.apps == "expanded":
            self._show_expanded("apps", data, "apps", "No apps are targeted")
        if kind.assignments == "expanded":
            self._show_expanded("assignments", data, "assignments", "Not assigned")

    def _show_expanded(self, tab: str, data: dict[str, Any], prop: str, empty: str) -> None:
        pane = self.query_one(f"#{tab}-pane", RowsPane)
        items = [item for item in data.get(prop) or [] if isinstance(item, dict)]
        rows = pane.resource.to_rows(items, self.intune_app.now())
        pane.show_rows(rows, empty=empty)
        if tab == "assignments":  # then again with the target groups by name, once Entra says
            named = with_group_names_in(rows_as_call(rows), pane.resource, self.intune_app.now())
            self.load_part("assignment-names", named,
                           lambda found: pane.show_rows(found, empty=empty), lambda error: None)

    def _show_actions(self, data: dict[str, Any]) -> None:
        pane = self.query_one("#actions-pane", RowsPane)
        items = list(Policy.from_graph(data).compliance_actions)
        pane.show_rows(pane.resource.to_rows(items), empty="No actions for noncompliance")
        if uses_notification_templates(items):
            self.load_part("templates", lambda service: service.rows("notification_templates"),
                           lambda rows: self._name_templates(items, rows), lambda error: None)

    def _name_templates(self, items: list[dict[str, Any]], templates: list[Row]) -> None:
        names = {row.key: Policy.from_graph(row.item).name for row in templates}
        named = with_template_names(items, names)
        pane = self.query_one("#actions-pane", RowsPane)
        pane.show_rows(pane.resource.to_rows(named), empty="No actions for noncompliance")

    def _item_failed(self, error: BaseException) -> None:
        self.show_overview_problem("this item's details", error)
        for tab in self._tabs_from_item():
            self.query_one(f"#{tab}-pane", RowsPane).show_error(error)

    def _tabs_from_item(self) -> list[str]:
        """The tabs filled from the item itself (its properties or its expanded lists)."""
        kind = self.kind
        return [tab for tab, filled in (
            ("settings", kind.settings == "properties"), ("actions", kind.actions),
            ("messages", kind.messages), ("apps", kind.apps == "expanded"),
            ("assignments", kind.assignments == "expanded")) if filled]

    def _show_status(self, overview: StatusOverview) -> None:
        self._status_text = status_words(self.resource_key, overview, self.intune_app.now())
        self.query_one("#status-counts", Static).update(Text(self._status_text))
        self._show_overview(self._status_text)

    def _status_failed(self, error: BaseException) -> None:
        self.query_one("#status-counts", Static).update(problem_text("the status counts", error))

    # -- Enter ---------------------------------------------------------------------------------

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()
        pane = event.table.parent
        row = cast(Row, event.row)  # the tables of a detail screen hold Rows
        if isinstance(pane, RowsPane) and pane.id == "status-pane":
            self.open_device(row.item)
        elif isinstance(pane, RowsPane) and pane.id == "apps-pane" and self.kind.apps == "category":
            from intune_tui.ui.screens.app_detail import AppDetailScreen

            self.app.push_screen(AppDetailScreen(row.item))
