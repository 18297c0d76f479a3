"""Computed app install state: per device, and the app's install summary."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from intune_tui.demo.tenant.devices import seconds_ago
from intune_tui.demo.tenant.ids import mix64
from intune_tui.demo.tenant.records import RecordSet

if TYPE_CHECKING:
    from intune_tui.demo.tenant.model import DemoTenant


def app_install_summary(tenant: DemoTenant, app_id: str) -> dict[str, Any] | None:
    app = tenant.find("deviceAppManagement/mobileApps", app_id)
    if app is None:
        return None
    counts = Counter(app_install_state(tenant, app, index)
                     for index in app_target_devices(tenant, app))
    users = max(1, len(tenant.users))
    scale = min(1.0, users / max(1, len(tenant.devices)))
    return {
        "@odata.type": "#microsoft.graph.mobileAppInstallSummary",
        "id": app["id"],
        "installedDeviceCount": counts["installed"],
        "failedDeviceCount": counts["failed"],
        "notApplicableDeviceCount": counts["notApplicable"],
        "notInstalledDeviceCount": counts["notInstalled"],
        "pendingInstallDeviceCount": counts["pendingInstall"],
        "installedUserCount": int(counts["installed"] * scale),
        "failedUserCount": int(counts["failed"] * scale),
        "notApplicableUserCount": int(counts["notApplicable"] * scale),
        "notInstalledUserCount": int(counts["notInstalled"] * scale),
        "pendingInstallUserCount": int(counts["pendingInstall"] * scale),
    }


def app_target_devices(tenant: DemoTenant, app: dict[str, Any]) -> list[int]:
    if not app.get("_assigned"):
        return []
    store = tenant.devices
    platforms = app["_platforms"]
    return [index for index in store.live_indices() if store.os[index] in platforms]


def app_install_state(tenant: DemoTenant, app: dict[str, Any], index: int) -> str:
    roll = mix64(app["_salt"] * 1_000_033 + index) % 1000
    if roll < 30:
        return "failed"
    if roll < 80:
        return "pendingInstall"
    if roll < 110:
        return "notApplicable"
    if roll < 200:
        return "notInstalled"
    return "installed"


# Failed installs report one of the documented codes (app-install-error-codes, learn.microsoft.com,
# read 2026-12-06) or, now and then, one that page does not list (0x87D13C38).
_APP_ERROR_CODES = (-2016345060, -942583883, -942583886, -942583878, -2016330696)


def _app_error_code(app: dict[str, Any], index: int) -> int:
    return _APP_ERROR_CODES[mix64(app["_salt"] * 7_919 + index) % len(_APP_ERROR_CODES)]


def app_device_statuses(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
    app = tenant.find("deviceAppManagement/mobileApps", ids[0])
    if app is None:
        return None
    store = tenant.devices

    def render(index: int) -> dict[str, Any]:
        state = app_install_state(tenant, app, index)
        user = store.user[index]
        return {
            "@odata.type": "#microsoft.graph.mobileAppInstallStatus",
            "id": f"{app['id']}_{store.id_of(index)}",
            "deviceName": store.device_name(index),
            "deviceId": store.id_of(index),
            "lastSyncDateTime": seconds_ago(store, store.sync_age[index]),
            "mobileAppInstallStatusValue": state,
            "installState": state,
            "installStateDetail": "installingDependencies" if state == "pendingInstall"
            else ("contentDownloadFailed" if state == "failed" else "noAdditionalDetails"),
            "errorCode": _app_error_code(app, index) if state == "failed" else 0,
            "osVersion": store.os_version[index],
            "osDescription": store.os[index],
            "userName": tenant.users.display_name(user) if user >= 0 else "",
            "userPrincipalName": tenant.users.upn[user] if user >= 0 else "",
            "displayVersion": app.get("displayVersion"),
        }

    return RecordSet(app_target_devices(tenant, app), lambda index, prop: render(index).get(prop),
                     render, lambda index: f"{app['id']}_{store.id_of(index)}")
