"""What each scope unlocks: the lists and actions that need it, and the "my access" report."""

from __future__ import annotations

from intune_tui.intune.access import access_report, screens_needing
from intune_tui.intune.actions import ACTIONS
from intune_tui.intune.resources import RESOURCES
from intune_tui.intune.scopes import PRIVILEGED_OPERATIONS, READ_SCOPES


def test_screens_needing_lists_resources_and_actions_from_the_catalogs() -> None:
    privileged = screens_needing(PRIVILEGED_OPERATIONS)
    # Delete and Collect diagnostics document ManagedDevices.ReadWrite.All instead.
    read_write = {"delete", "createDeviceLogCollectionRequest"}
    assert {use.key for use in privileged if use.kind == "action"} == set(ACTIONS) - read_write
    writes = screens_needing("DeviceManagementManagedDevices.ReadWrite.All")
    assert {use.key for use in writes if use.kind == "action"} == read_write
    rbac = {use.key for use in screens_needing("DeviceManagementRBAC.Read.All")}
    assert {"role_definitions", "role_assignments", "resource_operations"} <= rbac
    devices = {use.key for use in screens_needing("DeviceManagementManagedDevices.Read.All")}
    assert "devices" in devices and "apps" not in devices
    assert all(RESOURCES[k].required_scope == "DeviceManagementManagedDevices.Read.All"
               for k in devices)


def test_access_report_marks_what_the_token_holds() -> None:
    report = {line.scope.name: line for line in access_report(READ_SCOPES)}
    assert report["DeviceManagementApps.Read.All"].granted
    assert not report[PRIVILEGED_OPERATIONS].granted
    assert any(use.key == "wipe" for use in report[PRIVILEGED_OPERATIONS].uses)
