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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from intune_tui.graph.client import GraphClient
from intune_tui.intune.formatting import enum_word
from intune_tui.intune.scopes import MANAGED_DEVICES_READ
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


@dataclass(frozen=True)
class ManagedAppState:
    app_id: str
    name: str
    intent: str
    version: str
    state: str
    failing: bool


async def managed_app_states(client: GraphClient, user_id: str, device_id: str
                             ) -> list[ManagedAppState]:
    """The apps Intune targets at this device (through its user), failing ones first."""
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
    return sorted(states, key=lambda state: (not state.failing, state.name.casefold()))


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
