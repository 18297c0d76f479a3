"""One app: what it is and how it installs, who it is assigned to, where it installed.

The overview is the sections `intune.app_overview` builds from the app's own type (a Win32
app's commands and rules, a store app's identifiers, a VPP app's licences…). Tenant strings are
shown literally.
"""

from __future__ import annotations

from typing import Any, cast

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Static, TabbedContent, TabPane

from intune_tui.intune.app_overview import Section, app_sections, install_summary_words
from intune_tui.intune.formatting import MISSING
from intune_tui.intune.models import InstallSummary, MobileApp
from intune_tui.intune.rbac import ScopeTagList, scope_tag_ids, scope_tag_list
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.intune.wording import app_type_name
from intune_tui.text import clean
from intune_tui.ui.screens.detail import DetailScreen, problem_text
from intune_tui.ui.widgets.detail import RowsPane, field_table
from intune_tui.ui.widgets.resource_table import ResourceTable


def sections_renderable(sections: list[Section]) -> RenderableType:
    parts: list[RenderableType] = []
    for index, (title, fields) in enumerate(sections):
        if index:
            parts.append(Text(""))
        parts.append(Text(title, style="bold underline"))
        parts.append(field_table(fields))
    return Group(*parts)


def app_title(item: dict[str, Any]) -> Text:
    """'NAME · type · publisher · Assigned' from what the list row held."""
    model = MobileApp.from_graph(item)
    parts = [clean(model.name) or "(no name)", app_type_name(model.odata_type),
             clean(model.publisher)]
    if model.is_assigned is not None:
        parts.append("Assigned" if model.is_assigned else "Not assigned")
    return Text(" · ".join(part for part in parts if part and part != MISSING))


# ---------------------------------------------------------------------------------------------


class AppDetailScreen(DetailScreen):
    """Overview (by type), assignments, install status (summary and per device)."""

    device_tab = "apps"

    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__(item, job_prefix="app")
        self._tag_list: ScopeTagList | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_top(app_title(self.item))
        with TabbedContent(id="detail-tabs"):
            with TabPane("Overview", id="overview"), VerticalScroll():
                yield self.overview_problem()
                yield Static("", id="app-sections", classes="field-list")
            with TabPane("Assignments", id="assignments"):
                yield RowsPane(RESOURCES["app_assignments"], id="assignments-pane")
            with TabPane("Install status", id="install"), Vertical():
                yield Static("Loading…", id="install-summary", classes="detail-summary")
                yield RowsPane(RESOURCES["app_device_statuses"], id="install-pane")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.title = clean(MobileApp.from_graph(self.item).name) or "App"
        self.show_then_load(self._show_sections)

    def load(self) -> None:
        app_id = self.item_id
        self.load_part("item", lambda service: service.get_item("apps", app_id,
                                                                 expand=("categories",)),
                       self._show_app, self._app_failed)
        self.load_rows("assignments", "assignments-pane",
                       lambda service: service.app_assignments(app_id), "Not assigned")
        self.load_part("install-summary", lambda service: service.app_install_summary(app_id),
                       self._show_summary, self._summary_failed)
        self.load_rows("install-status", "install-pane",
                       lambda service: service.app_device_statuses(app_id),
                       "No device has reported this app")
        # Beyond the list's row, the app is read from beta whole: its roleScopeTagIds come
        # with it (beta mobileApp, base of every app type; intune/rbac.py). The tag names
        # are read meanwhile (once a session).
        self.load_part("scope-tags", scope_tag_list, self._tag_list_read,
                       lambda error: self._tag_list_read(ScopeTagList(
                           {}, f"names could not be read: {clean(str(error))}")))

    def _show_sections(self) -> None:
        sections = app_sections(self.item, self.intune_app.now(), self._scope_tag_words())
        self.query_one("#app-sections", Static).update(sections_renderable(sections))

    def _scope_tag_words(self) -> str | None:
        """The app's scope tags by name, id beside; "Loading…" until the names are read; None
        before the app's own read brought its ids."""
        ids = scope_tag_ids(self.item)
        if not ids and "roleScopeTagIds" not in self.item:
            return None
        return "Loading…" if self._tag_list is None else self._tag_list.naming(ids).words()

    def _tag_list_read(self, tags: ScopeTagList) -> None:
        self._tag_list = tags
        self._show_sections()

    def _show_app(self, data: dict[str, Any]) -> None:
        self.item = {**self.item, **{k: v for k, v in data.items() if v is not None}}
        self.show_title(app_title(self.item))
        self._show_sections()

    def _app_failed(self, error: BaseException) -> None:
        self.show_overview_problem("this app's details", error)

    def _show_summary(self, summary: InstallSummary) -> None:
        self.query_one("#install-summary", Static).update(Text(install_summary_words(summary)))

    def _summary_failed(self, error: BaseException) -> None:
        self.query_one("#install-summary", Static).update(
            problem_text("the install summary", error))

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()
        pane = event.table.parent
        row = cast(Row, event.row)  # the tables of a detail screen hold Rows
        if pane is not None and pane.id == "install-pane":
            self.open_device(row.item)
