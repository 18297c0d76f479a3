"""Policies: configuration profiles, compliance, settings catalog, notification templates."""

from __future__ import annotations

from intune_tui.intune.resources import Row
from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class PoliciesScreen(ResourceListScreen):
    AREA = "policies"
    VIEWS = (
        ListView("device_configurations", "Configuration", "profiles"),
        ListView("compliance_policies", "Compliance", "policies"),
        ListView("settings_catalog", "Settings catalog", "policies"),
        ListView("notification_templates", "Notifications", "templates"),
    )

    def open_row(self, row: Row) -> None:
        from intune_tui.ui.screens.policy_detail import PolicyDetailScreen

        self.app.push_screen(PolicyDetailScreen(self.view.resource, row.item))
