"""Apps: every app type, categories, app protection and app configuration policies."""

from __future__ import annotations

from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class AppsScreen(ResourceListScreen):
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
