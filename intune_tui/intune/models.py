"""Typed, tolerant records built from Graph JSON dicts.

Every `from_graph` accepts whatever Graph sent: a missing or mistyped field becomes None, an
unknown `@odata.type` is kept as its raw name. Nothing here raises on tenant data. `raw` keeps the
original dict for detail panes that show every field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from intune_tui.intune.formatting import (
    MISSING,
    camel_words,
    days_left,
    enum_word,
    parse_datetime,
)

ODATA_PREFIX = "#microsoft.graph."

# ---------------------------------------------------------------------------------------------
# Field readers: the only way a record reads a Graph dict.


def text_field(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)


def bool_field(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def int_field(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def date_field(data: Mapping[str, Any], key: str) -> datetime | None:
    return parse_datetime(data.get(key))


def list_field(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def dict_field(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def odata_type_name(data: Mapping[str, Any] | str | None) -> str | None:
    """'#microsoft.graph.win32LobApp' -> 'win32LobApp'; None when absent."""
    raw = data.get("@odata.type") if isinstance(data, Mapping) else data
    if not isinstance(raw, str) or not raw:
        return None
    for prefix in (ODATA_PREFIX, "microsoft.graph."):
        if raw.startswith(prefix):
            return raw[len(prefix):]
    return raw.lstrip("#")


# ---------------------------------------------------------------------------------------------
# Devices


@dataclass(frozen=True, slots=True)
class DeviceActionResult:
    """One entry of a device's `deviceActionResults`: a remote action and its state."""

    action_name: str | None
    state: str | None
    started: datetime | None
    last_updated: datetime | None
    odata_type: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> DeviceActionResult:
        return cls(
            action_name=text_field(data, "actionName"),
            state=text_field(data, "actionState"),
            started=date_field(data, "startDateTime"),
            last_updated=date_field(data, "lastUpdatedDateTime"),
            odata_type=odata_type_name(data),
            raw=dict(data),
        )

    def is_for(self, action_names: tuple[str, ...] | str) -> bool:
        """Whether this result belongs to an action (actionName compared case-insensitively)."""
        if self.action_name is None:
            return False
        names = (action_names,) if isinstance(action_names, str) else action_names
        mine = self.action_name.casefold()
        return any(mine == name.casefold() for name in names)

    @property
    def finished(self) -> bool:
        return (self.state or "").casefold() in {"done", "failed", "canceled", "notsupported"}

    @property
    def state_words(self) -> str:
        return enum_word(self.state)


@dataclass(frozen=True, slots=True)
class ManagedDevice:
    """A managed device, as far as the fields Graph returned go."""

    id: str | None
    name: str | None
    user_principal_name: str | None
    user_display_name: str | None
    operating_system: str | None
    os_version: str | None
    compliance_state: str | None
    management_state: str | None
    owner_type: str | None
    last_sync: datetime | None
    enrolled: datetime | None
    serial_number: str | None
    model: str | None
    manufacturer: str | None
    is_supervised: bool | None
    is_encrypted: bool | None
    enrollment_type: str | None
    azure_ad_device_id: str | None
    imei: str | None
    meid: str | None
    wifi_mac: str | None
    ethernet_mac: str | None
    total_storage_bytes: int | None
    free_storage_bytes: int | None
    physical_memory_bytes: int | None
    action_results: tuple[DeviceActionResult, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> ManagedDevice:
        return cls(
            id=text_field(data, "id"),
            name=text_field(data, "deviceName"),
            user_principal_name=text_field(data, "userPrincipalName"),
            user_display_name=text_field(data, "userDisplayName"),
            operating_system=text_field(data, "operatingSystem"),
            os_version=text_field(data, "osVersion"),
            compliance_state=text_field(data, "complianceState"),
            management_state=text_field(data, "managementState"),
            owner_type=text_field(data, "managedDeviceOwnerType"),
            last_sync=date_field(data, "lastSyncDateTime"),
            enrolled=date_field(data, "enrolledDateTime"),
            serial_number=text_field(data, "serialNumber"),
            model=text_field(data, "model"),
            manufacturer=text_field(data, "manufacturer"),
            is_supervised=bool_field(data, "isSupervised"),
            is_encrypted=bool_field(data, "isEncrypted"),
            enrollment_type=text_field(data, "deviceEnrollmentType"),
            azure_ad_device_id=text_field(data, "azureADDeviceId"),
            imei=text_field(data, "imei"),
            meid=text_field(data, "meid"),
            wifi_mac=text_field(data, "wiFiMacAddress"),
            ethernet_mac=text_field(data, "ethernetMacAddress"),
            total_storage_bytes=int_field(data, "totalStorageSpaceInBytes"),
            free_storage_bytes=int_field(data, "freeStorageSpaceInBytes"),
            physical_memory_bytes=int_field(data, "physicalMemoryInBytes"),
            action_results=tuple(
                DeviceActionResult.from_graph(item)
                for item in list_field(data, "deviceActionResults")
                if isinstance(item, dict)
            ),
            raw=dict(data),
        )

    def latest_result(self, action_names: tuple[str, ...] | str) -> DeviceActionResult | None:
        """The most recent action result for an action, by start (then update) time."""
        matching = [r for r in self.action_results if r.is_for(action_names)]
        if not matching:
            return None
        return max(matching, key=_result_time)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _result_time(result: DeviceActionResult) -> datetime:
    return result.started or result.last_updated or _NEVER


# ---------------------------------------------------------------------------------------------
# Apps

# Friendly names for every mobileApp @odata.type in v1.0 and beta (reference §1.3).
APP_TYPE_NAMES: dict[str, str] = {
    # v1.0
    "androidLobApp": "Android line-of-business app",
    "androidStoreApp": "Android store app",
    "iosLobApp": "iOS/iPadOS line-of-business app",
    "iosStoreApp": "iOS/iPadOS store app",
    "iosVppApp": "iOS volume-purchase app",
    "iosiPadOSWebClip": "iOS/iPadOS web clip",
    "macOSDmgApp": "macOS app (DMG)",
    "macOSLobApp": "macOS line-of-business app",
    "macOSMicrosoftDefenderApp": "Microsoft Defender for Endpoint (macOS)",
    "macOSMicrosoftEdgeApp": "Microsoft Edge (macOS)",
    "macOSOfficeSuiteApp": "Microsoft 365 Apps (macOS)",
    "managedAndroidLobApp": "Managed Android line-of-business app",
    "managedAndroidStoreApp": "Managed Android store app",
    "managedApp": "Managed app",
    "managedIOSLobApp": "Managed iOS line-of-business app",
    "managedIOSStoreApp": "Managed iOS store app",
    "managedMobileLobApp": "Managed mobile line-of-business app",
    "microsoftStoreForBusinessApp": "Microsoft Store for Business app",
    "mobileLobApp": "Mobile line-of-business app",
    "webApp": "Web link",
    "win32LobApp": "Windows app (Win32)",
    "windowsAppX": "Windows AppX package",
    "windowsMicrosoftEdgeApp": "Microsoft Edge (Windows 10 and later)",
    "windowsMobileMSI": "Windows MSI line-of-business app",
    "windowsUniversalAppX": "Windows Universal AppX package",
    "windowsWebApp": "Windows web link",
    # beta additions
    "androidForWorkApp": "Android for Work app",
    "androidManagedStoreApp": "Managed Google Play store app",
    "androidManagedStoreWebApp": "Managed Google Play web link",
    "macOSPkgApp": "macOS app (PKG)",
    "macOsVppApp": "macOS volume-purchase app",
    "macOSWebClip": "macOS web clip",
    "officeSuiteApp": "Microsoft 365 Apps (Windows 10 and later)",
    "win32CatalogApp": "Windows catalog app (Win32)",
    "windowsAutoUpdateCatalogApp": "Windows auto-update catalog app",
    "windowsPhone81AppX": "Windows Phone 8.1 AppX package",
    "windowsPhone81AppXBundle": "Windows Phone 8.1 AppX bundle",
    "windowsPhone81StoreApp": "Windows Phone 8.1 store app",
    "windowsPhoneXAP": "Windows Phone XAP package",
    "windowsStoreApp": "Windows store app",
    "winGetApp": "Microsoft Store app (new)",
}


def app_type_name(odata_type: str | None) -> str:
    """Friendly name of a mobileApp type; an unknown type is shown as its raw name."""
    name = odata_type_name(odata_type)
    if name is None:
        return MISSING
    return APP_TYPE_NAMES.get(name, name)


@dataclass(frozen=True, slots=True)
class MobileApp:
    id: str | None
    name: str | None
    odata_type: str | None
    publisher: str | None
    description: str | None
    publishing_state: str | None
    is_assigned: bool | None
    created: datetime | None
    last_modified: datetime | None
    version: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> MobileApp:
        return cls(
            id=text_field(data, "id"),
            name=text_field(data, "displayName"),
            odata_type=odata_type_name(data),
            publisher=text_field(data, "publisher"),
            description=text_field(data, "description"),
            publishing_state=text_field(data, "publishingState"),
            is_assigned=bool_field(data, "isAssigned"),
            created=date_field(data, "createdDateTime"),
            last_modified=date_field(data, "lastModifiedDateTime"),
            version=text_field(data, "displayVersion")
            or text_field(data, "versionNumber")
            or text_field(data, "version")
            or text_field(data, "bundleVersion"),
            raw=dict(data),
        )

    @property
    def type_name(self) -> str:
        return app_type_name(self.odata_type)


@dataclass(frozen=True, slots=True)
class InstallSummary:
    """A mobile app's install counts (beta `installSummary`)."""

    installed: int | None
    failed: int | None
    pending: int | None
    not_installed: int | None
    not_applicable: int | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> InstallSummary:
        return cls(
            installed=int_field(data, "installedDeviceCount"),
            failed=int_field(data, "failedDeviceCount"),
            pending=int_field(data, "pendingInstallDeviceCount"),
            not_installed=int_field(data, "notInstalledDeviceCount"),
            not_applicable=int_field(data, "notApplicableDeviceCount"),
        )


# ---------------------------------------------------------------------------------------------
# Policies

# Longest prefix first: "windows10" must win over "windows".
_PLATFORM_PREFIXES: tuple[tuple[str, str], ...] = (
    ("androidWorkProfile", "Android Enterprise (work profile)"),
    ("androidDeviceOwner", "Android Enterprise (fully managed, dedicated)"),
    ("androidForWork", "Android for Work"),
    ("aospDeviceOwner", "Android (AOSP)"),
    ("android", "Android device administrator"),
    ("iosiPadOS", "iOS/iPadOS"),
    ("ios", "iOS/iPadOS"),
    ("macOS", "macOS"),
    ("windowsPhone81", "Windows Phone 8.1"),
    ("windows10Mobile", "Windows 10 Mobile"),
    ("windows10Team", "Windows 10 Team"),
    ("windows10", "Windows 10 and later"),
    ("windows81", "Windows 8.1 and later"),
    ("windowsHealthMonitoring", "Windows 10 and later"),
    ("windowsIdentityProtection", "Windows 10 and later"),
    ("windowsUpdateForBusiness", "Windows 10 and later"),
    ("windowsDeliveryOptimization", "Windows 10 and later"),
    ("windowsDomainJoin", "Windows 10 and later"),
    ("windowsKiosk", "Windows 10 and later"),
    ("windowsWifi", "Windows 10 and later"),
    ("windows", "Windows"),
    ("editionUpgrade", "Windows 10 and later"),
    ("sharedPC", "Windows 10 and later"),
    ("linux", "Linux"),
)

_POLICY_KIND_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("CompliancePolicy", "Compliance policy"),
    ("GeneralDeviceConfiguration", "Device restrictions"),
    ("GeneralConfiguration", "Device restrictions"),
    ("DeviceOwnerGeneralDeviceConfiguration", "Device restrictions"),
    ("WorkProfileGeneralDeviceConfiguration", "Device restrictions"),
    ("EndpointProtectionConfiguration", "Endpoint protection"),
    ("CustomConfiguration", "Custom"),
    ("DeviceFeaturesConfiguration", "Device features"),
    ("UpdateConfiguration", "Update policy"),
    ("UpdateForBusinessConfiguration", "Update ring"),
    ("WiFiConfiguration", "Wi-Fi"),
    ("WifiConfiguration", "Wi-Fi"),
    ("VpnConfiguration", "VPN"),
    ("EmailProfileConfiguration", "Email"),
    ("TrustedRootCertificate", "Trusted certificate"),
    ("ScepCertificateProfile", "SCEP certificate"),
    ("PkcsCertificateProfile", "PKCS certificate"),
    ("ImportedPFXCertificateProfile", "Imported PKCS certificate"),
    ("IdentityProtectionConfiguration", "Identity protection"),
    ("HealthMonitoringConfiguration", "Health monitoring"),
    ("DeliveryOptimizationConfiguration", "Delivery optimisation"),
    ("DomainJoinConfiguration", "Domain join"),
    ("KioskConfiguration", "Kiosk"),
    ("EditionUpgradeConfiguration", "Edition upgrade"),
    ("SharedPCConfiguration", "Shared multi-user device"),
    ("TeamGeneralConfiguration", "Device restrictions"),
    ("EnrollmentCompletionPageConfiguration", "Enrollment status page"),
    ("deviceEnrollmentLimitConfiguration", "Device limit"),
    ("deviceEnrollmentPlatformRestrictionsConfiguration", "Platform restrictions"),
    ("deviceEnrollmentPlatformRestrictionConfiguration", "Platform restrictions"),
    ("deviceEnrollmentWindowsHelloForBusinessConfiguration", "Windows Hello for Business"),
)


def policy_platform(odata_type: str | None) -> str:
    """The platform a policy targets, in words, from its @odata.type."""
    name = odata_type_name(odata_type)
    if not name:
        return MISSING
    for prefix, words in _PLATFORM_PREFIXES:
        if name.startswith(prefix):
            return words
    return MISSING


def policy_kind(odata_type: str | None) -> str:
    """The kind of policy, in words, from its @odata.type ('Device restrictions', 'Wi-Fi')."""
    name = odata_type_name(odata_type)
    if not name:
        return MISSING
    for suffix, words in sorted(_POLICY_KIND_SUFFIXES, key=lambda pair: -len(pair[0])):
        if name.endswith(suffix):
            return words
    for prefix, _ in _PLATFORM_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return camel_words(name[len(prefix):])
    return camel_words(name)


@dataclass(frozen=True, slots=True)
class Policy:
    """A device configuration, compliance policy or settings-catalog policy."""

    id: str | None
    name: str | None
    description: str | None
    odata_type: str | None
    platform: str
    kind: str
    version: int | None
    created: datetime | None
    last_modified: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> Policy:
        odata_type = odata_type_name(data)
        if "platforms" in data and odata_type in (None, "deviceManagementConfigurationPolicy"):
            platform = settings_catalog_platforms(data.get("platforms"))
            kind = "Settings catalog"
        else:
            platform = policy_platform(odata_type)
            kind = policy_kind(odata_type)
        return cls(
            id=text_field(data, "id"),
            name=text_field(data, "displayName") or text_field(data, "name"),
            description=text_field(data, "description"),
            odata_type=odata_type,
            platform=platform,
            kind=kind,
            version=int_field(data, "version"),
            created=date_field(data, "createdDateTime"),
            last_modified=date_field(data, "lastModifiedDateTime"),
            raw=dict(data),
        )


def settings_catalog_platforms(value: object) -> str:
    """Settings catalog `platforms` ('windows10', 'macOS', 'iOS,macOS') in words."""
    if not isinstance(value, str) or not value:
        return MISSING
    words = {
        "windows10": "Windows 10 and later",
        "macos": "macOS",
        "ios": "iOS/iPadOS",
        "android": "Android",
        "androidenterprise": "Android Enterprise",
        "linux": "Linux",
        "windows10x": "Windows 10X",
        "aosp": "Android (AOSP)",
        "none": MISSING,
    }
    parts = [part.strip() for part in value.split(",") if part.strip()]
    return ", ".join(words.get(part.lower(), enum_word(part)) for part in parts) or MISSING


def flags_words(value: object) -> str:
    """A Graph flags enum ('mdm,microsoftSense') in words ('MDM, Microsoft sense')."""
    if not isinstance(value, str) or not value:
        return MISSING
    return ", ".join(enum_word(part.strip()) for part in value.split(",") if part.strip())


def assignment_target_words(target: object) -> str:
    """An assignment target in words: 'All users', 'All devices', 'Group <id>', 'Excluded …'."""
    if not isinstance(target, dict):
        return MISSING
    kind = odata_type_name(target) or ""
    # A name the app resolved (intune/directory.py) beside Graph's groupId; else the id.
    group = target.get("groupDisplayName") or target.get("groupId")
    if kind == "allLicensedUsersAssignmentTarget":
        text = "All users"
    elif kind == "allDevicesAssignmentTarget":
        text = "All devices"
    elif kind == "exclusionGroupAssignmentTarget":
        text = f"Excluded group {group}" if group else "Excluded group"
    elif kind == "groupAssignmentTarget":
        text = f"Group {group}" if group else "Group"
    elif kind == "configurationManagerCollectionAssignmentTarget":
        text = f"Configuration Manager collection {target.get('collectionId') or ''}".strip()
    else:
        text = camel_words(kind) if kind else MISSING
    filter_id = target.get("deviceAndAppManagementAssignmentFilterId")
    filter_type = target.get("deviceAndAppManagementAssignmentFilterType")
    if filter_id and filter_type and str(filter_type).lower() != "none":
        text += f" ({filter_type} filter {filter_id})"
    return text


@dataclass(frozen=True, slots=True)
class Assignment:
    """An app or policy assignment: which target, with which intent (apps only)."""

    id: str | None
    target: str
    intent: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> Assignment:
        return cls(
            id=text_field(data, "id"),
            target=assignment_target_words(data.get("target")),
            intent=text_field(data, "intent"),
        )


@dataclass(frozen=True, slots=True)
class StatusOverview:
    """deviceStatusOverview of a configuration or compliance policy."""

    succeeded: int | None
    failed: int | None
    errors: int | None
    pending: int | None
    not_applicable: int | None
    conflicts: int | None
    last_update: datetime | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> StatusOverview:
        return cls(
            succeeded=int_field(data, "successCount"),
            failed=int_field(data, "failedCount"),
            errors=int_field(data, "errorCount"),
            pending=int_field(data, "pendingCount"),
            not_applicable=int_field(data, "notApplicableCount"),
            conflicts=int_field(data, "conflictCount"),
            last_update=date_field(data, "lastUpdateDateTime"),
        )


def setting_instance_words(instance: object) -> tuple[str, str]:
    """A settings-catalog setting instance as (setting, value) words.

    The setting name is the last meaningful part of settingDefinitionId; choice values drop the
    definition prefix they repeat ('..._allowcamera_1' -> '1').
    """
    if not isinstance(instance, dict):
        return MISSING, MISSING
    definition = instance.get("settingDefinitionId")
    name = str(definition) if definition else MISSING
    value = _setting_value(instance, name)
    return name, value


def _setting_value(instance: dict[str, Any], definition: str) -> str:
    for key, holder in instance.items():
        if not key.endswith("SettingValue") and not key.endswith("SettingCollectionValue"):
            continue
        if isinstance(holder, dict):
            return _shorten_choice(holder.get("value"), definition)
        if isinstance(holder, list):
            values = [_shorten_choice(v.get("value"), definition)
                      for v in holder if isinstance(v, dict)]
            return ", ".join(values) if values else MISSING
    for key in ("groupSettingCollectionValue", "groupSettingValue"):
        if key in instance:
            return "(group of settings)"
    return MISSING


def _shorten_choice(value: object, definition: str) -> str:
    if value is None:
        return MISSING
    text = str(value)
    prefix = definition + "_"
    return text[len(prefix):] if text.startswith(prefix) and len(text) > len(prefix) else text


# ---------------------------------------------------------------------------------------------
# RBAC

_INTUNE_PERMISSION = re.compile(r"^Microsoft\.Intune_(?P<resource>[^_]+)_(?P<operation>.+)$")
_RESOURCE_WORDS = {
    "ManagedDevices": "Managed devices",
    "MobileApps": "Mobile apps",
    "DeviceConfigurations": "Device configurations",
    "RemoteTasks": "Remote tasks",
    "TermsAndConditions": "Terms and conditions",
    "EndpointAnalytics": "Endpoint analytics",
    "ManagedApps": "Managed apps",
    "DeviceCompliancePolices": "Device compliance policies",  # Intune's own spelling
    "DeviceCompliancePolicies": "Device compliance policies",
}


@dataclass(frozen=True, slots=True)
class Permission:
    """One Intune RBAC permission string, parsed for display."""

    raw: str
    resource: str
    operation: str

    @classmethod
    def parse(cls, raw: str) -> Permission:
        """'Microsoft.Intune_ManagedDevices_Read' -> resource 'Managed devices', operation 'Read'.

        Anything that does not follow that shape keeps its raw text as the operation, under
        resource 'Other'.
        """
        match = _INTUNE_PERMISSION.match(raw.strip())
        if match is None:
            return cls(raw=raw, resource="Other", operation=raw)
        resource = match["resource"]
        words = _RESOURCE_WORDS.get(resource) or camel_words(resource)
        operation = camel_words(match["operation"].replace("_", " "))
        return cls(raw=raw, resource=words, operation=operation)


def permission_actions(permissions: list[Any]) -> tuple[list[str], list[str]]:
    """The allowed and the not-allowed action names in Graph rolePermission objects (a role's
    `rolePermissions`, getEffectivePermissions' `value`), in order, repeats kept."""
    allowed: list[str] = []
    denied: list[str] = []
    for permission in permissions:
        if not isinstance(permission, dict):
            continue
        # v1.0 still carries the older flat `actions` list on some roles.
        allowed.extend(a for a in list_field(permission, "actions") if isinstance(a, str))
        for resource_action in list_field(permission, "resourceActions"):
            if not isinstance(resource_action, dict):
                continue
            allowed.extend(a for a in list_field(resource_action, "allowedResourceActions")
                           if isinstance(a, str))
            denied.extend(a for a in list_field(resource_action, "notAllowedResourceActions")
                          if isinstance(a, str))
    return allowed, denied


@dataclass(frozen=True, slots=True)
class RoleDefinition:
    id: str | None
    name: str | None
    description: str | None
    is_built_in: bool | None
    allowed: tuple[Permission, ...]
    not_allowed: tuple[Permission, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> RoleDefinition:
        allowed, denied = permission_actions(list_field(data, "rolePermissions"))
        return cls(
            id=text_field(data, "id"),
            name=text_field(data, "displayName"),
            description=text_field(data, "description"),
            is_built_in=bool_field(data, "isBuiltIn"),
            allowed=tuple(Permission.parse(a) for a in dict.fromkeys(allowed)),
            not_allowed=tuple(Permission.parse(a) for a in dict.fromkeys(denied)),
            raw=dict(data),
        )

    def permissions_by_resource(self) -> dict[str, list[str]]:
        """Allowed operations grouped by resource, both sorted, for the role detail pane."""
        grouped: dict[str, list[str]] = {}
        for permission in self.allowed:
            grouped.setdefault(permission.resource, []).append(permission.operation)
        return {resource: sorted(grouped[resource]) for resource in sorted(grouped)}


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    id: str | None
    name: str | None
    description: str | None
    members: tuple[str, ...]
    resource_scopes: tuple[str, ...]
    role_definition_id: str | None
    role_definition_name: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> RoleAssignment:
        definition = dict_field(data, "roleDefinition")
        return cls(
            id=text_field(data, "id"),
            name=text_field(data, "displayName"),
            description=text_field(data, "description"),
            members=tuple(str(m) for m in list_field(data, "members") if m is not None),
            resource_scopes=tuple(str(s) for s in list_field(data, "resourceScopes")
                                  if s is not None),
            role_definition_id=text_field(definition, "id"),
            role_definition_name=text_field(definition, "displayName"),
            raw=dict(data),
        )


# ---------------------------------------------------------------------------------------------
# Tenant service configuration (certificates and tokens that expire)

EXPIRY_WARNING_DAYS = 30


def expiry_status(expires: datetime | None, now: datetime,
                  warn_days: int = EXPIRY_WARNING_DAYS) -> str | None:
    """'bad' once expired, 'warn' within `warn_days`, 'good' otherwise, None when unknown."""
    left = days_left(expires, now)
    if left is None:
        return None
    if expires is not None and expires <= now:
        return "bad"
    if left < warn_days:
        return "warn"
    return "good"


def expiry_words(expires: datetime | None, now: datetime) -> str:
    """'expires in 46 days', 'expires today', 'expired 3 days ago', or MISSING."""
    if expires is None:
        return MISSING
    if expires <= now:
        ago = int((now - expires).total_seconds() // 86400)
        return "expired today" if ago == 0 else f"expired {ago} day{'s' if ago != 1 else ''} ago"
    left = days_left(expires, now) or 0
    return "expires today" if left == 0 else f"expires in {left} day{'s' if left != 1 else ''}"


@dataclass(frozen=True, slots=True)
class ApnsCertificate:
    apple_id: str | None
    topic: str | None
    expires: datetime | None
    upload_status: str | None
    serial_number: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> ApnsCertificate:
        return cls(
            apple_id=text_field(data, "appleIdentifier"),
            topic=text_field(data, "topicIdentifier"),
            expires=date_field(data, "expirationDateTime"),
            upload_status=text_field(data, "certificateUploadStatus"),
            serial_number=text_field(data, "certificateSerialNumber"),
        )

    def days_left(self, now: datetime) -> int | None:
        return days_left(self.expires, now)


@dataclass(frozen=True, slots=True)
class DepToken:
    """An Apple Automated Device Enrollment (DEP) token (beta depOnboardingSettings)."""

    id: str | None
    name: str | None
    apple_id: str | None
    expires: datetime | None
    last_sync: datetime | None
    synced_devices: int | None
    last_sync_error: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> DepToken:
        return cls(
            id=text_field(data, "id"),
            name=text_field(data, "tokenName"),
            apple_id=text_field(data, "appleIdentifier"),
            expires=date_field(data, "tokenExpirationDateTime"),
            last_sync=date_field(data, "lastSuccessfulSyncDateTime"),
            synced_devices=int_field(data, "syncedDeviceCount"),
            last_sync_error=text_field(data, "lastSyncErrorCode"),
        )

    def days_left(self, now: datetime) -> int | None:
        return days_left(self.expires, now)


@dataclass(frozen=True, slots=True)
class VppToken:
    """An Apple Volume Purchase Program token."""

    id: str | None
    organization: str | None
    apple_id: str | None
    state: str | None
    expires: datetime | None
    last_sync: datetime | None
    last_sync_status: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> VppToken:
        return cls(
            id=text_field(data, "id"),
            organization=text_field(data, "organizationName"),
            apple_id=text_field(data, "appleId"),
            state=text_field(data, "state"),
            expires=date_field(data, "expirationDateTime"),
            last_sync=date_field(data, "lastSyncDateTime"),
            last_sync_status=text_field(data, "lastSyncStatus"),
        )

    def days_left(self, now: datetime) -> int | None:
        return days_left(self.expires, now)


@dataclass(frozen=True, slots=True)
class HealthItem:
    """One line of the tenant-health screen: a certificate, token or connector and its state.

    status: 'good', 'warn', 'bad' (always shown with `summary` words, never colour alone), or
    None when it could not be read (`error` says why).
    """

    area: str
    name: str
    status: str | None
    summary: str
    expires: datetime | None = None
    days_left: int | None = None
    last_sync: datetime | None = None
    error: str | None = None


# ---------------------------------------------------------------------------------------------
# Readable properties: a policy's or app's Graph properties as (name, value) words, never JSON.

# Words a camelCase split gets wrong, fixed after splitting (lower-cased phrase -> words).
_PHRASE_FIXES: tuple[tuple[str, str], ...] = (
    ("i cloud", "iCloud"), ("bit locker", "BitLocker"), ("air drop", "AirDrop"),
    ("air play", "AirPlay"), ("one drive", "OneDrive"), ("share point", "SharePoint"),
    ("smart screen", "SmartScreen"), ("face id", "Face ID"), ("touch id", "Touch ID"),
    ("wi fi", "Wi-Fi"), ("app store", "App Store"), ("i tunes", "iTunes"),
    ("mac os", "macOS"), ("ios", "iOS"), ("ipad os", "iPadOS"), ("os", "OS"), ("pin", "PIN"),
    ("vpn", "VPN"), ("tpm", "TPM"), ("mdm", "MDM"), ("url", "URL"), ("urls", "URLs"),
    ("id", "ID"), ("ids", "IDs"), ("sdk", "SDK"), ("oma uri", "OMA-URI"), ("msi", "MSI"),
    ("win 32", "Win32"), ("oma", "OMA"), ("cpu", "CPU"), ("aad", "AAD"), ("ssl", "SSL"),
    ("pua", "PUA"),
    ("laps", "LAPS"), ("ioav", "IOAV"), ("mau", "MAU"), ("dns", "DNS"), ("usb", "USB"),
    ("in mb", "(MB)"), ("in days", "(days)"), ("in hours", "(hours)"),
    ("in minutes", "(minutes)"), ("in seconds", "(seconds)"), ("in m hz", "(MHz)"),
)


@cache
def _phrase_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """`_PHRASE_FIXES` compiled, on first use (compiling them all at import slowed start-up)."""
    return tuple((re.compile(rf"(?<![\w-]){re.escape(wrong)}(?![\w-])", re.IGNORECASE), right)
                 for wrong, right in _PHRASE_FIXES)


_CAMEL_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][A-Za-z0-9]*)+$")
_ISO_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$")
# Properties every detail shows in its own header (or that mean nothing to a person).
HIDDEN_PROPERTIES = frozenset({
    "id", "displayName", "name", "description", "createdDateTime", "lastModifiedDateTime",
    "version", "roleScopeTagIds", "largeIcon", "supportsScopeTags", "isAssigned",
})


def property_words(key: str) -> str:
    """A Graph property name in words: 'passwordMinimumLength' -> 'Password minimum length',
    'iCloudBlockBackup' -> 'iCloud block backup', 'minimumFreeDiskSpaceInMB' ->
    'Minimum free disk space (MB)'."""
    text = camel_words(str(key))
    if text == MISSING:
        return str(key)
    return _fix_phrases(text)


def _fix_phrases(text: str) -> str:
    for pattern, right in _phrase_patterns():
        text = pattern.sub(right, text)
    if text[:1].islower() and not text.startswith(("iCloud", "iOS", "iPadOS", "iTunes", "macOS")):
        text = text[:1].upper() + text[1:]
    return text


def duration_words(value: str) -> str | None:
    """An ISO 8601 duration ('PT12H', 'P90D', 'PT30M') in words, or None if it is not one."""
    match = _ISO_DURATION.match(value)
    if match is None or value in ("P", "PT"):
        return None
    parts = []
    for unit in ("days", "hours", "minutes", "seconds"):
        amount = match[unit]
        if amount is not None:
            number = float(amount)
            shown = f"{number:g}"
            parts.append(f"{shown} {unit[:-1] if number == 1 else unit}")
    return ", ".join(parts) if parts else None


def value_words(value: object) -> str:
    """One Graph value in words: booleans Yes/No, enum-like camelCase values in words,
    durations in words, lists joined; any other text is kept as the tenant wrote it."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        duration = duration_words(value)
        if duration is not None:
            return duration
        if _CAMEL_IDENTIFIER.match(value):
            return _fix_phrases(enum_word(value))
        return value
    if isinstance(value, list):
        return ", ".join(value_words(item) for item in value) or MISSING
    if isinstance(value, dict):
        return "; ".join(f"{name}: {text}" for name, text in readable_properties(value)) or MISSING
    return str(value)


def readable_properties(data: Mapping[str, Any], *, skip: frozenset[str] = frozenset(),
                        prefix: str = "") -> list[tuple[str, str]]:
    """Every property that has a value, as (name, value) words, in Graph's order.

    Nested objects are flattened ('Install experience › Run as account'); lists of objects
    become one entry per item, labelled by the item's own name where it has one; `{name,
    value}` pairs (custom settings, app configuration keys) become that name and value.
    Properties without a value (null, empty list or object) are left out, as are `@odata`
    annotations and names in `skip`.
    """
    out: list[tuple[str, str]] = []
    if not isinstance(data, Mapping):
        return out
    for key, value in data.items():
        if not isinstance(key, str) or key.startswith(("@", "_")) or key in skip:
            continue
        label = f"{prefix}{property_words(key)}"
        out.extend(_property_entries(label, value))
    return out


def _property_entries(label: str, value: object) -> list[tuple[str, str]]:
    if value is None or value == "" or value == [] or value == {}:
        return []
    if isinstance(value, dict):
        pair = _name_value_pair(value)
        if pair is not None:
            return [pair]
        return readable_properties(value, prefix=f"{label} › ")
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        entries: list[tuple[str, str]] = []
        for position, item in enumerate(value, start=1):
            if not isinstance(item, dict):
                entries.append((f"{label} {position}", value_words(item)))
                continue
            pair = _name_value_pair(item)
            if pair is not None:
                entries.append(pair)
                continue
            name = item.get("displayName") or item.get("name")
            item_label = f"{label} › {name}" if isinstance(name, str) and name else (
                f"{label} {position}")
            entries.extend(readable_properties(item, prefix=f"{item_label} › ",
                                               skip=frozenset({"displayName", "name"})))
        return entries
    return [(label, value_words(value))]


_NAME_VALUE_KEYS = (("name", "value"), ("appConfigKey", "appConfigKeyValue"),
                    ("key", "value"))


def _name_value_pair(item: Mapping[str, Any]) -> tuple[str, str] | None:
    for name_key, value_key in _NAME_VALUE_KEYS:
        name = item.get(name_key)
        if isinstance(name, str) and name and value_key in item and len(
                [k for k in item if not str(k).startswith("@")]) <= 3:
            return name, value_words(item.get(value_key))
    return None


# ---------------------------------------------------------------------------------------------
# Settings catalog: setting instances as readable rows

_SETTING_PREFIXES = (
    "device_vendor_msft_policy_config_", "user_vendor_msft_policy_config_",
    "device_vendor_msft_", "user_vendor_msft_", "vendor_msft_", "device_", "user_",
)
# Words setting definition ids are glued from ('allowrealtimemonitoring'); a part that cannot be
# covered by these stays as it is.
_SETTING_WORDS = """
after all any assistant before declarative during first malware mdm ranges running to when
access account accounts action actions active add address admin administrator age agent aggressive
allow allowed always android app apps application archive ask attack audit authentication auto
autofill automatic autoupdate avg backup based basic behavior behaviour biometric bitlocker block
blocked blocklist boost browser button cache camera catchup cdrom center certificate channel check
checker cleaned cloud collection collections complexity compliance config configuration configure
configured connect consent content control cpu create credit custom data day days default defender
definition delivery description desc destination device devices diagnostic direction directory
disable disabled display distribution do domain download downloads drive drives edge email
enable enabled encrypt encryption end enforce enforcement enterprise error exclusion exclusions
extended extension extensions factor favorites file files filevault firewall for force forcelist
full guard health hidden history home homepage hubs in inbound install installation interval
intrusion is item key keys language last launch level limit list load local location lock logon
low managed management manager mode monitoring name network new no not notification notifications
number of off offline on only password passwords path per period personalization platform
policies policy port ports prevention private privacy profile profiles prompt protection provider
pua public quick rule rules realtime real recommendations remote removable report reporting
require required restore restrictions retain retention run safety samples scan scanning schedule
scheduled screen script scripts search security send sense service services setting settings
shopping show sidebar signature signatures signin site size sleeping smart smartscreen software
source ssl start startup stateful store submit sync system tab tabs target text time timeout
tracking track trusted type typosquatting update updates url use user users value version web
windows wipe with
"""
_SETTING_VOCABULARY = frozenset(_SETTING_WORDS.split())


_UNKNOWN_LETTER_COST = 3


def _glued_words(part: str) -> str:
    """'allowrealtimemonitoring' -> 'allow realtime monitoring' using the vocabulary; letters
    no word covers stay together ('allowioavprotection' -> 'allow ioav protection'). A part
    mostly made of unknown letters is returned unchanged."""
    if not part.isalpha() or not part.islower() or part in _SETTING_VOCABULARY:
        return part
    # best[i]: (cost, pieces, unknown letters) of the cheapest split of part[:i]
    best: list[tuple[int, list[str], int] | None] = [None] * (len(part) + 1)
    best[0] = (0, [], 0)
    for end in range(1, len(part) + 1):
        options: list[tuple[int, list[str], int]] = []
        head = best[end - 1]
        if head is not None:  # one unknown letter, glued to an unknown run before it
            pieces = list(head[1])
            if pieces and pieces[-1].startswith("?"):
                pieces[-1] += part[end - 1]
            else:
                pieces.append("?" + part[end - 1])
            options.append((head[0] + _UNKNOWN_LETTER_COST, pieces, head[2] + 1))
        for start in range(max(0, end - 24), end):
            head = best[start]
            if head is not None and part[start:end] in _SETTING_VOCABULARY:
                options.append((head[0] + 1, [*head[1], part[start:end]], head[2]))
        best[end] = min(options, key=lambda option: option[0]) if options else None
    result = best[len(part)]
    if result is None or result[2] * 3 > len(part) or any(
            piece.startswith("?") and len(piece) < 4 for piece in result[1]):
        return part  # mostly unknown, or split around stray letters: not words
    return " ".join(piece.lstrip("?") for piece in result[1])


def setting_definition_words(definition_id: object) -> str:
    """A settings-catalog definition id in words: 'device_vendor_msft_policy_config_defender_
    allowrealtimemonitoring' -> 'Defender › Allow realtime monitoring'."""
    if not isinstance(definition_id, str) or not definition_id:
        return MISSING
    text = definition_id
    for prefix in _SETTING_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    if "~" in text:  # ADMX-backed: 'microsoft_edgev92~policy~microsoft_edge_homepagelocation'
        text = text.rsplit("~", 1)[1]
    parts = [part for part in text.split("_") if part]
    if not parts:
        return definition_id
    shaped = []
    for part in parts:
        if not part.isalpha():  # 'com.apple.mcx.filevault2', '{firewallrulename}', 'setting0'
            shaped.append(part)
            continue
        words = _glued_words(part)
        if words == part and part.isalpha() and len(part) <= 4 and part not in \
                _SETTING_VOCABULARY:
            words = part.upper()  # 'aad', 'ioav': acronyms
        shaped.append(_fix_phrases(words))
    return " › ".join(shaped)


def setting_rows(instance: object, *, depth: int = 0) -> list[tuple[int, str, str]]:
    """A setting instance and the settings nested in it as (depth, setting words, value words),
    parent first. Choice values drop the definition prefix they repeat ('..._1' -> '1')."""
    if not isinstance(instance, dict):
        return []
    definition = instance.get("settingDefinitionId")
    name = setting_definition_words(definition)
    rows: list[tuple[int, str, str]] = []
    children: list[Any] = []
    value = MISSING
    definition_text = str(definition or "")
    choice = instance.get("choiceSettingValue")
    simple = instance.get("simpleSettingValue")
    if isinstance(choice, dict):
        value = _choice_words(choice.get("value"), definition_text)
        children = list_field(choice, "children")
    elif isinstance(simple, dict):
        value = value_words(simple.get("value"))
    elif isinstance(instance.get("simpleSettingCollectionValue"), list):
        value = ", ".join(value_words(item.get("value")) for item in
                          instance["simpleSettingCollectionValue"] if isinstance(item, dict))
        value = value or MISSING
    elif isinstance(instance.get("choiceSettingCollectionValue"), list):
        items = [item for item in instance["choiceSettingCollectionValue"]
                 if isinstance(item, dict)]
        value = ", ".join(_choice_words(item.get("value"), definition_text) for item in items)
        value = value or MISSING
        children = [child for item in items for child in list_field(item, "children")]
    elif isinstance(instance.get("groupSettingCollectionValue"), list):
        groups = [item for item in instance["groupSettingCollectionValue"]
                  if isinstance(item, dict)]
        value = f"{len(groups)} group{'s' if len(groups) != 1 else ''} of settings"
        children = [child for item in groups for child in list_field(item, "children")]
    elif isinstance(instance.get("groupSettingValue"), dict):
        value = "group of settings"
        children = list_field(instance["groupSettingValue"], "children")
    rows.append((depth, name, value))
    for child in children:
        rows.extend(setting_rows(child, depth=depth + 1))
    return rows


def _choice_words(value: object, definition: str) -> str:
    text = _shorten_choice(value, definition)
    return {"true": "Yes", "false": "No"}.get(text.lower(), text) if text != MISSING else text


# ---------------------------------------------------------------------------------------------
# App protection: targeted apps; compliance: actions for noncompliance

_APP_IDENTIFIER_KEYS = ("bundleId", "packageId", "windowsAppId")
_APP_IDENTIFIER_PLATFORMS = {"iosMobileAppIdentifier": "iOS/iPadOS",
                             "androidMobileAppIdentifier": "Android",
                             "windowsAppIdentifier": "Windows",
                             "macAppIdentifier": "macOS"}


def managed_app_identifier(identifier: object) -> str:
    """A managedMobileApp's `mobileAppIdentifier` as its bundle/package id."""
    if not isinstance(identifier, dict):
        return MISSING
    for key in _APP_IDENTIFIER_KEYS:
        value = identifier.get(key)
        if isinstance(value, str) and value:
            return value
    return MISSING


def managed_app_platform(identifier: object) -> str:
    kind = odata_type_name(identifier) if isinstance(identifier, dict) else None
    if not kind:
        return MISSING
    return _APP_IDENTIFIER_PLATFORMS.get(kind, camel_words(kind))


_COMPLIANCE_ACTIONS = {
    "block": "Mark device noncompliant",
    "notification": "Send email to end user",
    "pushnotification": "Send push notification to end user",
    "retire": "Retire the noncompliant device",
    "wipe": "Wipe the device",
    "remotelock": "Remotely lock the noncompliant device",
    "removeresourceaccessprofiles": "Remove resource access profiles",
    "noaction": "No action",
}


def compliance_action_words(action_type: object) -> str:
    if not isinstance(action_type, str) or not action_type:
        return MISSING
    return _COMPLIANCE_ACTIONS.get(action_type.lower(), enum_word(action_type))


def grace_period_words(hours: object) -> str:
    """'Immediately', '12 hours', '1 day', '30 days' after the device becomes noncompliant."""
    if isinstance(hours, bool) or not isinstance(hours, int | float):
        return MISSING
    total = int(hours)
    if total <= 0:
        return "Immediately"
    if total % 24 == 0:
        days = total // 24
        return f"After {days} day{'s' if days != 1 else ''}"
    return f"After {total} hour{'s' if total != 1 else ''}"
