"""The collections and singletons computed when read, by path."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intune_tui.demo.tenant.app_status import app_device_statuses, app_install_summary
from intune_tui.demo.tenant.audits import remote_action_audits
from intune_tui.demo.tenant.detected_apps import (
    detected_app_devices,
    device_detected_apps,
    tenant_detected_apps,
)
from intune_tui.demo.tenant.device_views import device_records, device_users
from intune_tui.demo.tenant.health import compliance_state_summary, managed_device_overview
from intune_tui.demo.tenant.policy_status import (
    device_compliance_states,
    device_configuration_states,
    policy_device_statuses,
    policy_overview,
)
from intune_tui.demo.tenant.records import RecordSet, dict_render

if TYPE_CHECKING:
    from intune_tui.demo.tenant.model import DemoTenant


COMPUTED: dict[str, Callable[[DemoTenant, list[str], bool], RecordSet | None]] = {
    "deviceManagement/managedDevices": device_records,
    "deviceManagement/managedDevices/{id}/users": device_users,
    "deviceManagement/managedDevices/{id}/deviceCompliancePolicyStates":
        device_compliance_states,
    "deviceManagement/managedDevices/{id}/deviceConfigurationStates":
        device_configuration_states,
    "deviceManagement/managedDevices/{id}/detectedApps": device_detected_apps,
    "deviceManagement/detectedApps": tenant_detected_apps,
    "deviceManagement/detectedApps/{id}/managedDevices": detected_app_devices,
    "deviceManagement/deviceConfigurations/{id}/deviceStatuses":
        policy_device_statuses("deviceManagement/deviceConfigurations"),
    "deviceManagement/deviceCompliancePolicies/{id}/deviceStatuses":
        policy_device_statuses("deviceManagement/deviceCompliancePolicies"),
    "deviceManagement/remoteActionAudits": remote_action_audits,
    "deviceAppManagement/mobileApps/{id}/deviceStatuses": app_device_statuses,
}
COMPUTED_SINGLETONS: dict[str, Callable[[DemoTenant], dict[str, Any]]] = {
    "deviceManagement/managedDeviceOverview": managed_device_overview,
    "deviceManagement/deviceCompliancePolicyDeviceStateSummary": compliance_state_summary,
}
COMPUTED_ITEM_SINGLETONS: dict[str, Callable[[DemoTenant, str], dict[str, Any] | None]] = {
    "deviceManagement/deviceConfigurations/{id}/deviceStatusOverview":
        lambda tenant, item_id: policy_overview(tenant, "deviceManagement/deviceConfigurations",
                                                item_id),
    "deviceManagement/deviceCompliancePolicies/{id}/deviceStatusOverview":
        lambda tenant, item_id: policy_overview(
            tenant, "deviceManagement/deviceCompliancePolicies", item_id),
    "deviceAppManagement/mobileApps/{id}/installSummary": app_install_summary,
    "deviceManagement/managedDevices/{id}/deviceCategory": lambda tenant, device_id:
        _device_category(tenant, device_id),
}


def _device_category(tenant: DemoTenant, device_id: str) -> dict[str, Any] | None:
    index = tenant.devices.index_of(device_id)
    if index is None:
        return None
    name = tenant.devices.category[index]
    for category in tenant.collections.get("deviceManagement/deviceCategories", []):
        if category["displayName"] == name:
            return dict_render(category)
    return {"@odata.type": "#microsoft.graph.deviceCategory",
            "id": "00000000-0000-0000-0000-000000000000", "displayName": name,
            "description": None}
