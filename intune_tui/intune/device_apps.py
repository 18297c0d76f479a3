"""The Intune-managed apps of one device: intent and install state, as the admin center's
device "Managed Apps" blade shows them.

Graph: beta `GET /users/{userId}/mobileAppIntentAndStates` - one mobileAppIntentAndState per
device of the user (managedDeviceIdentifier: the Intune device id) with its mobileAppList of
mobileAppIntentAndStateDetail: applicationId, displayName, mobileAppIntent (available,
notAvailable, requiredInstall, requiredUninstall, requiredAndAvailableInstall,
availableInstallWithoutEnrollment, exclude), displayVersion, installState (installed, failed,
notInstalled, uninstallFailed, pendingInstall, unknown, notApplicable). Scopes:
DeviceManagementManagedDevices.Read.All or DeviceManagementConfiguration.Read.All
(intune-troubleshooting-mobileappintentandstate-list, beta, learn.microsoft.com, read
2026-12-06). The intents are per user, so a device without a primary user has none here.

The list carries no error code; the blade's error column comes from the app's per-device
install status: beta `GET /deviceAppManagement/mobileApps/{appId}/deviceStatuses`
(mobileAppInstallStatus: deviceId, installState, installStateDetail, errorCode Edm.Int32 "The
error code for install or uninstall failures"; scope DeviceManagementApps.Read.All;
intune-apps-mobileappinstallstatus(-list), beta, learn.microsoft.com, and
msgraph-beta-sdk-python models/mobile_app_install_status.py, read 2026-12-06). It is read only
for the failing apps, filtered on this device's deviceId (eq), so one small call per failure.
The words for the codes are the documented ones (app-install-error-codes, "Common app
installation errors", learn.microsoft.com/troubleshoot/mem/intune/app-management, read
2026-12-06); any other code is shown as hex only.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any, Final

from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError
from intune_tui.graph.odata import quote
from intune_tui.intune.formatting import enum_word
from intune_tui.intune.scopes import APPS_READ, MANAGED_DEVICES_READ
from intune_tui.text import clean

INTENT_WORDS: Final = {
    "requiredinstall": "Required", "available": "Available", "notavailable": "Not available",
    "requireduninstall": "Uninstall", "requiredandavailableinstall": "Required and available",
    "availableinstallwithoutenrollment": "Available without enrollment", "exclude": "Excluded",
}
STATE_WORDS: Final = {
    "installed": "Installed", "failed": "Failed to install", "notinstalled": "Not installed",
    "uninstallfailed": "Failed to uninstall", "pendinginstall": "Install pending",
    "unknown": "Unknown", "notapplicable": "Not applicable",
}
_PROBLEMS: Final = ("failed", "uninstallfailed")
# Unsigned 32-bit code -> the documented message (app-install-error-codes, read 2026-12-06).
ERROR_WORDS: Final = {
    0x87D1041C: "The application was not detected after installation completed successfully.",
    0xC7D14FB5: "The app couldn't be installed.",
    0xC7D14FB2: "The download failed because of an unknown error.",
    0xC7D14FBA: "The app installation was canceled because the installation (APK) file was "
                "deleted after download, but before installation.",
    0xC7D14FBB: "The app installation was canceled because the process was restarted during "
                "installation.",
}


def error_words(code: Any) -> str:
    """'0x87D1041C: words' for a documented code, '0x…' for another, '' for none or junk."""
    if isinstance(code, bool) or not isinstance(code, int) or code == 0:
        return ""
    unsigned = code & 0xFFFFFFFF
    words = ERROR_WORDS.get(unsigned)
    return f"0x{unsigned:08X}: {words}" if words else f"0x{unsigned:08X}"


@dataclass(frozen=True)
class ManagedAppState:
    app_id: str
    name: str
    intent: str
    version: str
    state: str
    failing: bool
    error: str = ""  # the install error in words, for a failing app


async def managed_app_states(client: GraphClient, user_id: str, device_id: str, *,
                             with_errors: bool = True) -> list[ManagedAppState]:
    """The apps Intune targets at this device (through its user), failing ones first; with
    their error codes unless `with_errors` is False (then `with_install_errors` adds them)."""
    response = await client.request(
        "GET", f"/users/{user_id}/mobileAppIntentAndStates", api_version="beta",
        required_scope=MANAGED_DEVICES_READ)
    body = response.body if isinstance(response.body, dict) else {}
    entries = [item for item in body.get("value") or [] if isinstance(item, dict)]
    mine = next((item for item in entries if str(item.get("managedDeviceIdentifier") or
                                                 item.get("id") or "").lower()
                 == device_id.lower()), None)
    details = mine.get("mobileAppList") if mine else None
    states = [_state(detail) for detail in details or [] if isinstance(detail, dict)]
    if with_errors:
        states = await with_install_errors(client, states, device_id)
    return sorted(states, key=lambda state: (not state.failing, state.name.casefold()))


async def with_install_errors(client: GraphClient, states: list[ManagedAppState],
                              device_id: str) -> list[ManagedAppState]:
    """The same states, each failing one with its error code read (all in parallel)."""
    return list(await asyncio.gather(*(
        _with_error(client, state, device_id) if state.failing and state.app_id else _same(state)
        for state in states)))


async def _same(state: ManagedAppState) -> ManagedAppState:
    return state


async def _with_error(client: GraphClient, state: ManagedAppState, device_id: str
                      ) -> ManagedAppState:
    """The failing app's error code on this device; a failed read says so on its own row."""
    try:
        response = await client.request(
            "GET", f"/deviceAppManagement/mobileApps/{state.app_id}/deviceStatuses",
            api_version="beta", params={"$filter": f"deviceId eq {quote(device_id)}"},
            required_scope=APPS_READ)
    except GraphError as error:
        return replace(state, error=f"error code not readable: {clean(str(error))}")
    body = response.body if isinstance(response.body, dict) else {}
    mine = next((item for item in body.get("value") or [] if isinstance(item, dict)
                 and str(item.get("deviceId") or "").lower() == device_id.lower()), None)
    words = error_words(mine.get("errorCode")) if mine else ""
    return replace(state, error=words or "no error code reported")


def _state(detail: dict[str, Any]) -> ManagedAppState:
    intent = str(detail.get("mobileAppIntent") or "")
    state = str(detail.get("installState") or "")
    return ManagedAppState(
        app_id=clean(detail.get("applicationId")),
        name=clean(detail.get("displayName")) or "(no name)",
        intent=INTENT_WORDS.get(intent.lower(), enum_word(intent) if intent else "—"),
        version=clean(detail.get("displayVersion")),
        state=STATE_WORDS.get(state.lower(), enum_word(state) if state else "—"),
        failing=state.lower() in _PROBLEMS,
    )
