"""Where a device, app, policy or role lives in the Microsoft Intune admin center.

Microsoft documents the admin center's address per cloud but not its deep links (the part after
`#view/`). The links used here are the ones that independent, maintained tools have used for
years, each cited; an item whose kind has no such link gets the admin center's list of that kind
(`exact` is False, and the screen says so) rather than a guessed link.

Sources (read 2026-12-06):
- Admin center per cloud: global `intune.microsoft.com`; US Government (GCC High, DoD)
  `intune.microsoft.us` (Maester's Get-MtAdminPortalUrl, PowerShell Gallery); 21Vianet
  `intune.microsoftonline.cn` (MicrosoftDocs/memdocs "Intune China endpoints": "Microsoft Intune
  admin center: https://intune.microsoftonline.cn/").
- The tenant in the path (`https://intune.microsoft.com/{tenant}/#view/...`) opens the item in
  that tenant for admins of several: CIPP (KelvinTegelaar/CIPP, "View in Intune" actions).
- Device: `Microsoft_Intune_Devices/DeviceSettingsMenuBlade/~/overview/mdmDeviceId/{id}` (CIPP;
  also in many other public tools).
- App: `Microsoft_Intune_Apps/SettingsMenu/~/0/appId/{id}`; app configuration (managed devices):
  `Microsoft_Intune_Apps/AppConfigPolicySettingsMenu/~/2/appConfigPolicyId/{id}`; configuration
  profile: `Microsoft_Intune_DeviceSettings/PolicySummaryReportBlade/policyId/{id}/policyName/
  {name}/policyJourneyState~/0/policyType~/90/isAssigned~/{isAssigned}`; compliance policy:
  `Microsoft_Intune_DeviceSettings/CompliancePolicyOverview.ReactView/policyId/{id}/policyName/
  {name}/platform~/0/policyType~/0`; settings catalog: `Microsoft_Intune_Workflows/
  PolicySummaryBlade/policyId/{id}/isAssigned~/{isAssigned}/technology/mdm/templateId//
  platformName/{platforms}` (salto-io/salto, Intune adapter fetch definitions, "serviceUrl").
- Intune roles have no item link in any of these; the roles list is
  `Microsoft_Intune_DeviceSettings/RolesLandingMenuBlade/~/roles` (Microsoft's Zero Trust
  assessment / Maester tests link it; Graph's own Cloud PC docs link the same blade's
  `~/myPermissions`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

ADMIN_CENTER: Final[Mapping[str, str]] = {
    "global": "https://intune.microsoft.com",
    "usgov": "https://intune.microsoft.us",
    "usgov-dod": "https://intune.microsoft.us",
    "china": "https://intune.microsoftonline.cn",
}
# Sign-in targets that are not one tenant: no tenant goes into the link then.
_NOT_A_TENANT: Final = frozenset({"", "common", "organizations", "consumers"})


@dataclass(frozen=True, slots=True)
class AdminLink:
    url: str
    exact: bool  # False: no known link to the item itself; the URL opens the list it is in


def _part(value: object) -> str:
    """One path segment of the admin center's `#view/...` route, escaped."""
    return quote(str(value if value is not None else ""), safe="")


def _assigned(item: Mapping[str, Any]) -> str:
    return "true" if item.get("isAssigned") is True else "false"


_ITEM_ROUTES: Final[Mapping[str, Callable[[Mapping[str, Any]], str]]] = {
    "devices": lambda item: (
        f"Microsoft_Intune_Devices/DeviceSettingsMenuBlade/~/overview/mdmDeviceId/"
        f"{_part(item['id'])}"),
    "apps": lambda item: f"Microsoft_Intune_Apps/SettingsMenu/~/0/appId/{_part(item['id'])}",
    "app_config_mdm": lambda item: (
        f"Microsoft_Intune_Apps/AppConfigPolicySettingsMenu/~/2/appConfigPolicyId/"
        f"{_part(item['id'])}"),
    "device_configurations": lambda item: (
        f"Microsoft_Intune_DeviceSettings/PolicySummaryReportBlade/policyId/{_part(item['id'])}"
        f"/policyName/{_part(item.get('displayName'))}/policyJourneyState~/0/policyType~/90"
        f"/isAssigned~/{_assigned(item)}"),
    "compliance_policies": lambda item: (
        f"Microsoft_Intune_DeviceSettings/CompliancePolicyOverview.ReactView/policyId/"
        f"{_part(item['id'])}/policyName/{_part(item.get('displayName'))}/platform~/0"
        f"/policyType~/0"),
    "settings_catalog": lambda item: (
        f"Microsoft_Intune_Workflows/PolicySummaryBlade/policyId/{_part(item['id'])}"
        f"/isAssigned~/{_assigned(item)}/technology/mdm/templateId//platformName/"
        f"{_part(item.get('platforms'))}"),
}
_LIST_ROUTES: Final[Mapping[str, str]] = {
    "role_definitions": "Microsoft_Intune_DeviceSettings/RolesLandingMenuBlade/~/roles",
}


def admin_center_link(resource_key: str, item: Mapping[str, Any], *, cloud: str,
                      tenant: str | None) -> AdminLink | None:
    """The admin center link of `item` (a Graph object of the catalog's `resource_key`), for
    the profile's cloud and tenant; None when the admin center has no known place for it."""
    origin = ADMIN_CENTER.get(cloud)
    if origin is None:
        return None
    prefix = origin if (tenant or "").lower() in _NOT_A_TENANT else f"{origin}/{_part(tenant)}"
    route = _ITEM_ROUTES.get(resource_key)
    if route is not None and item.get("id"):
        return AdminLink(f"{prefix}/#view/{route(item)}", exact=True)
    if resource_key in _LIST_ROUTES:
        return AdminLink(f"{prefix}/#view/{_LIST_ROUTES[resource_key]}", exact=False)
    return None
