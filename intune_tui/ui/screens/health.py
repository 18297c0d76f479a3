"""Tenant health: Apple certificates and tokens, enrollment, terms, connectors."""

from __future__ import annotations

from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class HealthScreen(ResourceListScreen):
    AREA = "health"
    VIEWS = (
        ListView("apns", "APNs", "certificates"),
        ListView("dep_settings", "ADE/DEP", "tokens"),
        ListView("vpp_tokens", "VPP", "tokens"),
        ListView("enrollment_configurations", "Enrollment", "configurations"),
        ListView("terms_and_conditions", "Terms", "terms"),
        ListView("exchange_connectors", "Exchange", "connectors"),
        ListView("mtd_connectors", "MTD", "connectors"),
    )
