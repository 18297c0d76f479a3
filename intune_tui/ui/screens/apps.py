"""Apps: every app type, categories, app protection and app configuration policies."""

from __future__ import annotations

from intune_tui.intune.resources import Row
from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class AppsScreen(ResourceListScreen):
    AREA = "apps"
    VIEWS = (
        ListView("apps", "Apps"),
        ListView("app_categories", "Categories"),
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
