"""Apps: every app type, categories, app protection and app configuration policies."""

from __future__ import annotations

from intune_tui.intune.resources import Row
from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen, table_columns
from intune_tui.ui.widgets.resource_table import ResourceTable


class ViewsListScreen(ResourceListScreen):
    """A list screen whose sub-views can be switched.

    The base mounts the next view's table with the id of the table it replaces, which Textual
    refuses (DuplicateIds) because the old one is removed only afterwards; here every table gets
    an id of its own.
    """

    def __init__(self) -> None:
        self._table_number = 0
        super().__init__()

    def _new_table(self) -> ResourceTable[Row]:
        self._table_number += 1
        table: ResourceTable[Row] = ResourceTable(table_columns(self.resource),
                                                  id=f"list-{self._table_number}")
        table.empty_text = "Loading…"
        return table

    @property
    def table(self) -> ResourceTable[Row]:
        return self.query_one(f"#list-{self._table_number}", ResourceTable)


class AppsScreen(ViewsListScreen):
    AREA = "apps"
    VIEWS = (
        ListView("apps", "Apps", "apps"),
        ListView("app_categories", "Categories", "categories"),
        ListView("app_protection_ios", "Protection iOS", "policies"),
        ListView("app_protection_android", "Protection Android", "policies"),
        ListView("app_protection_windows", "Protection Windows", "policies"),
        ListView("app_config_mdm", "Config (devices)", "policies"),
        ListView("app_config_mam", "Config (apps)", "policies"),
    )

    def open_row(self, row: Row) -> None:
        """An app opens its detail; a category, protection or configuration policy its own."""
        if self.view.resource == "apps":
            from intune_tui.ui.screens.app_detail import AppDetailScreen

            self.app.push_screen(AppDetailScreen(row.item))
            return
        from intune_tui.ui.screens.policy_detail import PolicyDetailScreen

        self.app.push_screen(PolicyDetailScreen(self.view.resource, row.item))
