"""Typed, tolerant records built from Graph JSON dicts.

Every `from_graph` accepts whatever Graph sent: a missing or mistyped field becomes None, an
unknown `@odata.type` is kept as its raw name. Nothing here raises on tenant data. `raw` keeps the
original dict for detail panes that show every field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from intune_tui.intune.fields import (
    bool_field,
    date_field,
    dict_field,
    int_field,
    list_field,
    odata_type_name,
    text_field,
)
from intune_tui.intune.formatting import camel_words, days_left, enum_word
from intune_tui.intune.formatting import expiry_status as expiry_status  # where it was first
from intune_tui.intune.wording import (
    PERMISSION_RESOURCE_WORDS,
    app_type_name,
    assignment_target_words,
    policy_kind,
    policy_platform,
    settings_catalog_platforms,
)

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
    user_id: str | None
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
            user_id=text_field(data, "userId"),
            raw=dict(data),
        )

    @property
    def label(self) -> str:
        """The device's name, else its id: what an outcome or an audit line calls it."""
        return self.name or self.id or ""

    @property
    def has_directory_ids(self) -> bool:
        """Whether the item carries the Entra device id and the user id (a listing that selects
        them has both keys even when a value is null), so the Entra reads need not wait for the
        device's own GET."""
        return "azureADDeviceId" in self.raw and "userId" in self.raw

    def merged_with(self, newer: ManagedDevice) -> ManagedDevice:
        """This device with the fields `newer` (a later read of it) has a value for."""
        return ManagedDevice.from_graph(
            {**self.raw, **{key: value for key, value in newer.raw.items() if value is not None}})

    def latest_result(self, action_names: tuple[str, ...] | str) -> DeviceActionResult | None:
        """The most recent action result for an action, by start (then update) time."""
        matching = [r for r in self.action_results if r.is_for(action_names)]
        if not matching:
            return None
        return max(matching, key=_result_time)


_NEVER = datetime.min.replace(tzinfo=UTC)


def _result_time(result: DeviceActionResult) -> datetime:
    return result.started or result.last_updated or _NEVER


@dataclass(frozen=True, slots=True)
class SettingState:
    """One setting of a policy's state on a device (`settingStates` of a
    deviceCompliancePolicyState or deviceConfigurationState)."""

    name: str | None
    state: str | None
    error_description: str | None
    error_code: str | None
    current_value: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> SettingState:
        return cls(
            name=text_field(data, "settingName") or text_field(data, "setting"),
            state=text_field(data, "state"),
            error_description=text_field(data, "errorDescription"),
            error_code=text_field(data, "errorCode"),
            current_value=text_field(data, "currentValue"),
        )


@dataclass(frozen=True, slots=True)
class PolicyState:
    """A compliance policy's or configuration profile's state on one device, per setting."""

    id: str | None
    name: str | None
    state: str | None
    settings: tuple[SettingState, ...]

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> PolicyState:
        return cls(
            id=text_field(data, "id"),
            name=text_field(data, "displayName"),
            state=text_field(data, "state"),
            settings=tuple(SettingState.from_graph(item)
                           for item in list_field(data, "settingStates")
                           if isinstance(item, dict)),
        )


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A row of a status report about one device (an app's install state or a policy's state
    on it): which device, by id when the report carries one, else by name, and its user."""

    device_id: str | None
    device_name: str | None
    user_principal_name: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> DeviceStatus:
        return cls(
            device_id=text_field(data, "deviceId") or text_field(data, "managedDeviceId"),
            device_name=text_field(data, "deviceDisplayName") or text_field(data, "deviceName"),
            user_principal_name=text_field(data, "userPrincipalName"),
        )


@dataclass(frozen=True, slots=True)
class DeviceUser:
    """A user of a device (`managedDevices/{id}/users`) or the user a report names."""

    id: str | None
    user_principal_name: str | None
    display_name: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> DeviceUser:
        return cls(
            id=text_field(data, "id"),
            user_principal_name=text_field(data, "userPrincipalName"),
            display_name=text_field(data, "displayName"),
        )


# ---------------------------------------------------------------------------------------------
# Apps


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


@dataclass(frozen=True, slots=True)
class Policy:
    """A device configuration, compliance policy or settings-catalog policy, or any other item a
    policy detail shows (app protection and configuration, enrollment, notification template…).

    version: as Graph gives it, a number or an ETag-like text, without its quotes.
    compliance_actions: a compliance policy's actions for noncompliance (the
        scheduledActionConfigurations of each of its rules), one dict per action.
    """

    id: str | None
    name: str | None
    description: str | None
    odata_type: str | None
    platform: str
    kind: str
    version: str | None
    created: datetime | None
    last_modified: datetime | None
    technologies: str | None
    template_family: str | None
    setting_count: int | None
    default_locale: str | None
    branding_options: str | None
    deployed_app_count: int | None
    targeted_mobile_apps: tuple[str, ...]
    is_assigned: bool | None
    role_scope_tag_ids: tuple[str, ...]
    compliance_actions: tuple[dict[str, Any], ...]
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
            version=(text_field(data, "version") or "").strip('"') or None,
            created=date_field(data, "createdDateTime"),
            last_modified=date_field(data, "lastModifiedDateTime"),
            technologies=text_field(data, "technologies"),
            template_family=text_field(dict_field(data, "templateReference"), "templateFamily"),
            setting_count=int_field(data, "settingCount"),
            default_locale=text_field(data, "defaultLocale"),
            branding_options=text_field(data, "brandingOptions"),
            deployed_app_count=int_field(data, "deployedAppCount"),
            targeted_mobile_apps=tuple(str(app) for app in list_field(data, "targetedMobileApps")),
            is_assigned=bool_field(data, "isAssigned"),
            role_scope_tag_ids=tuple(str(tag) for tag in list_field(data, "roleScopeTagIds")),
            compliance_actions=tuple(
                dict(action)
                for rule in list_field(data, "scheduledActionsForRule") if isinstance(rule, dict)
                for action in list_field(rule, "scheduledActionConfigurations")
                if isinstance(action, dict)),
            raw=dict(data),
        )


def uses_notification_templates(actions: Sequence[Mapping[str, Any]]) -> bool:
    """Whether any action for noncompliance sends a notification template (named by id)."""
    return any(action.get("notificationTemplateId") for action in actions)


def with_template_names(actions: Sequence[Mapping[str, Any]],
                        names: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """The actions for noncompliance with each notification template id replaced by the
    template's name where `names` has one."""
    return [{**action, "notificationTemplateId": names.get(
        str(action.get("notificationTemplateId")), action.get("notificationTemplateId"))}
        for action in actions]


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


# ---------------------------------------------------------------------------------------------
# RBAC

_INTUNE_PERMISSION = re.compile(r"^Microsoft\.Intune_(?P<resource>[^_]+)_(?P<operation>.+)$")

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
        words = PERMISSION_RESOURCE_WORDS.get(resource) or camel_words(resource)
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
