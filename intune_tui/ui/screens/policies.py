"""Policies: configuration profiles, compliance, settings catalog, notification templates."""

from __future__ import annotations

from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class PoliciesScreen(ResourceListScreen):
    AREA = "policies"
    VIEWS = (
        ListView("device_configurations", "Configuration", "profiles"),
        ListView("compliance_policies", "Compliance", "policies"),
        ListView("settings_catalog", "Settings catalog", "policies"),
        ListView("notification_templates", "Notifications", "templates"),
    )
