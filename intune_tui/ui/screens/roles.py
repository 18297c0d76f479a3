"""Roles: Intune role definitions, assignments and resource operations."""

from __future__ import annotations

from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen


class RolesScreen(ResourceListScreen):
    AREA = "roles"
    VIEWS = (
        ListView("role_definitions", "Roles", "roles"),
        ListView("role_assignments", "Assignments", "assignments"),
        ListView("resource_operations", "Operations", "operations"),
    )
