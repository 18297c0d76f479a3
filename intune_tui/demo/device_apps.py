"""A user's devices' app intents and install states (beta users/{id}/mobileAppIntentAndStates).

One mobileAppIntentAndState per managed device of the user (id and managedDeviceIdentifier: the
device's Intune id), its mobileAppList holding every assigned app that targets the device's
platform: applicationId, displayName, mobileAppIntent (from the app's first assignment),
displayVersion, installState (the same state the app's deviceStatuses report) and
supportedDeviceTypes (intune-troubleshooting-mobileappintentandstate / ...statedetail, beta,
learn.microsoft.com, read 2026-12-06). Scopes: DeviceManagementManagedDevices.Read.All or
DeviceManagementConfiguration.Read.All (and their ReadWrite).
"""

from __future__ import annotations

from typing import Any

from intune_tui.demo.tenant import DemoTenant
from intune_tui.demo.tenant.app_status import app_install_state, app_target_devices

APPS_PATH = "deviceAppManagement/mobileApps"
SCOPES = ("DeviceManagementManagedDevices.Read.All", "DeviceManagementManagedDevices.ReadWrite.All",
          "DeviceManagementConfiguration.Read.All", "DeviceManagementConfiguration.ReadWrite.All")
_INTENTS = {"required": "requiredInstall", "available": "available",
            "uninstall": "requiredUninstall", "availableWithoutEnrollment":
            "availableInstallWithoutEnrollment"}


def intents_and_states(tenant: DemoTenant, user_index: int) -> list[dict[str, Any]]:
    store = tenant.devices
    devices = [index for index in store.live_indices() if store.user[index] == user_index]
    targets = {}
    for app in tenant.collection(APPS_PATH):
        targeted = set(app_target_devices(tenant, app))
        if targeted:
            targets[app["id"]] = (app, targeted)
    assignments = tenant.children.get(f"{APPS_PATH}/{{id}}/assignments", {})
    answer = []
    for index in devices:
        apps = []
        for app_id, (app, targeted) in targets.items():
            if index not in targeted:
                continue
            intent = next((a.get("intent") for a in assignments.get(app_id, [])), "required")
            apps.append({
                "@odata.type": "microsoft.graph.mobileAppIntentAndStateDetail",
                "applicationId": app_id,
                "displayName": app.get("displayName"),
                "mobileAppIntent": _INTENTS.get(str(intent), "requiredInstall"),
                "displayVersion": app.get("displayVersion"),
                "installState": app_install_state(tenant, app, index),
                "supportedDeviceTypes": [],
            })
        answer.append({
            "@odata.type": "#microsoft.graph.mobileAppIntentAndState",
            "id": store.id_of(index),
            "managedDeviceIdentifier": store.id_of(index),
            "userId": tenant.users.id_of(user_index),
            "mobileAppList": apps,
        })
    return answer
