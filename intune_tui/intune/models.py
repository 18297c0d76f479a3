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
    group = target.get("groupId")
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
        allowed: list[str] = []
        denied: list[str] = []
        for permission in list_field(data, "rolePermissions"):
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
