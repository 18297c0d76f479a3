"""Computed policy state: each compliance policy's and configuration profile's
status per device, its setting states and its overview."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from intune_tui.demo.tenant.device_views import device_index
from intune_tui.demo.tenant.devices import seconds_ago
from intune_tui.demo.tenant.ids import NO_GRACE, iso, mix64
from intune_tui.demo.tenant.records import RecordSet

if TYPE_CHECKING:
    from intune_tui.demo.tenant.model import DemoTenant


_COMPLIANCE_STATUS_FOR_DEVICE = {
    "compliant": "compliant", "noncompliant": "nonCompliant", "inGracePeriod": "nonCompliant",
    "conflict": "conflict", "error": "error", "unknown": "unknown",
    "configManager": "notApplicable",
}


def compliance_status(tenant: DemoTenant, policy: dict[str, Any], index: int) -> str:
    """One compliance policy's status on one device; the primary policy of a platform carries
    the device's complianceState, the others agree unless they are the failing one."""
    state = tenant.devices.compliance[index]
    status = _COMPLIANCE_STATUS_FOR_DEVICE[state]
    if policy["_primary"] or status in ("unknown", "notApplicable"):
        return status
    return "compliant" if status in ("nonCompliant", "error", "conflict") else status


def configuration_status(tenant: DemoTenant, profile: dict[str, Any], index: int) -> str:
    """One configuration profile's status on one device (complianceStatus enum)."""
    roll = mix64(profile["_salt"] * 1_000_003 + index) % 1000
    if tenant.devices.compliance[index] == "unknown" or roll < 25:
        return "unknown"  # pending: the device has not reported yet
    if roll < 40:
        return "error"
    if roll < 52:
        return "conflict"
    if roll < 64:
        return "notApplicable"
    if roll < 80:
        return "nonCompliant"
    return "compliant"


def _setting_states(tenant: DemoTenant, policy: dict[str, Any], index: int,
                    status: str) -> list[dict[str, Any]]:
    store = tenant.devices
    user = store.user[index]
    upn = tenant.users.upn[user] if user >= 0 else ""
    failing = _failing_setting(tenant, policy, index) if status in (
        "nonCompliant", "error", "conflict") else None
    states = []
    for setting in policy["_settings"]:
        key, name, expected, _ = setting
        state = "compliant"
        current = expected
        error_code, error_description = 0, None
        if status in ("notApplicable", "unknown"):
            state, current = status, None
        elif failing is not None and key == failing[0]:
            state = status
            current = failing[1]
            if status == "error":
                error_code = -2016281112
                error_description = "Remediation failed"
            elif status == "conflict":
                error_code = -2016281211
                error_description = "Conflicting settings from another policy"
        states.append({
            "setting": key,
            "settingName": name,
            "instanceDisplayName": None,
            "state": state,
            "errorCode": error_code,
            "errorDescription": error_description,
            "userId": tenant.users.id_of(user) if user >= 0 else "",
            "userName": tenant.users.display_name(user) if user >= 0 else "",
            "userEmail": upn,
            "userPrincipalName": upn,
            "sources": [{"id": policy["id"], "displayName": policy["displayName"],
                         "sourceType": "deviceConfiguration"}],
            "currentValue": current,
        })
    return states


def _failing_setting(tenant: DemoTenant, policy: dict[str, Any], index: int) -> tuple[str, str]:
    """(setting key, current value) of the setting that makes this device fail, chosen to
    agree with the device's own properties."""
    store = tenant.devices
    by_role = {setting[3]: setting for setting in policy["_settings"]}
    if not store.encrypted[index] and "encryption" in by_role:
        return by_role["encryption"][0], "false"
    if store.jailbroken[index] == "True" and "jailbreak" in by_role:
        return by_role["jailbreak"][0], "true"
    platform = store.platform(index)
    if _version_key(store.os_version[index]) < _version_key(platform.minimum_version) and \
            "minimumOs" in by_role:
        return by_role["minimumOs"][0], store.os_version[index]
    others = [setting for setting in policy["_settings"]
              if setting[3] not in ("encryption", "jailbreak", "minimumOs")]
    chosen = others[mix64(index * 31 + policy["_salt"]) % len(others)]
    return chosen[0], "false" if chosen[2] == "true" else "notConfigured"


def _version_key(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(" ")[0].split("."):
        parts.append(int(piece) if piece.isdigit() else 0)
    return tuple(parts)


def _device_policy_states(
    odata_type: str,
    policies_for: Callable[[DemoTenant, str], list[dict[str, Any]]],
    status_of: Callable[[DemoTenant, dict[str, Any], int], str],
) -> Callable[[DemoTenant, list[str], bool], RecordSet | None]:
    """A device's policy states: one record per policy of its platform (compliance policies
    or configuration profiles), with the status and setting states on that device."""
    def build(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
        index = device_index(tenant, ids[0])
        if index is None:
            return None
        records = []
        for policy in policies_for(tenant, tenant.devices.os[index]):
            status = status_of(tenant, policy, index)
            records.append({
                "@odata.type": f"#microsoft.graph.{odata_type}",
                "id": policy["id"],
                "displayName": policy["displayName"],
                "version": policy["version"],
                "platformType": policy["_platformType"],
                "state": status,
                "settingCount": len(policy["_settings"]),
                "settingStates": _setting_states(tenant, policy, index, status),
            })
        return RecordSet(records)

    return build


device_compliance_states = _device_policy_states(
    "deviceCompliancePolicyState",
    lambda tenant, os_name: tenant.compliance_policies_for(os_name), compliance_status)
device_configuration_states = _device_policy_states(
    "deviceConfigurationState",
    lambda tenant, os_name: tenant.configuration_profiles_for(os_name), configuration_status)


def policy_device_statuses(collection: str) -> Callable[[DemoTenant, list[str], bool],
                                                          RecordSet | None]:
    def build(tenant: DemoTenant, ids: list[str], beta: bool) -> RecordSet | None:
        policy = tenant.find(collection, ids[0])
        if policy is None:
            return None
        store = tenant.devices
        platform = policy["_platform"]
        indices = [index for index in store.live_indices() if store.os[index] == platform]
        status_of = compliance_status if collection.endswith("Policies") else configuration_status

        def render(index: int) -> dict[str, Any]:
            user = store.user[index]
            status = status_of(tenant, policy, index)
            grace = (store.value(index, "complianceGracePeriodExpirationDateTime")
                     if status == "nonCompliant" else NO_GRACE)
            return {
                "@odata.type": "#microsoft.graph.deviceComplianceDeviceStatus"
                if collection.endswith("Policies")
                else "#microsoft.graph.deviceConfigurationDeviceStatus",
                "id": f"{policy['id']}_{store.id_of(index)}",
                "deviceDisplayName": store.device_name(index),
                "userName": tenant.users.display_name(user) if user >= 0 else "",
                "deviceModel": store.model[index].model,
                "complianceGracePeriodExpirationDateTime": grace,
                "status": status,
                "lastReportedDateTime": seconds_ago(store, store.sync_age[index]),
                "userPrincipalName": tenant.users.upn[user] if user >= 0 else "",
            }

        def getter(index: int, prop: str) -> Any:
            if prop == "status":
                return status_of(tenant, policy, index)
            return render(index).get(prop)

        return RecordSet(indices, getter, render, lambda index: f"{policy['id']}_"
                         f"{store.id_of(index)}")

    return build


def policy_overview(tenant: DemoTenant, collection: str, policy_id: str) -> dict[str, Any] | None:
    """deviceStatusOverview counted from the same per-device statuses deviceStatuses serves."""
    policy = tenant.find(collection, policy_id)
    if policy is None:
        return None
    statuses = policy_device_statuses(collection)(tenant, [policy_id], True)
    assert statuses is not None
    counts = Counter(statuses.getter(index, "status") for index in statuses.records)
    is_compliance = collection.endswith("Policies")
    return {
        "@odata.type": "#microsoft.graph.deviceComplianceDeviceOverview" if is_compliance
        else "#microsoft.graph.deviceConfigurationDeviceOverview",
        "id": policy["id"],
        "pendingCount": counts["unknown"],
        "notApplicableCount": counts["notApplicable"],
        "notApplicablePlatformCount": 0,
        "successCount": counts["compliant"] + counts["remediated"],
        "errorCount": counts["error"],
        "failedCount": counts["nonCompliant"],
        "conflictCount": counts["conflict"],
        "lastUpdateDateTime": iso(tenant.now - timedelta(minutes=42)),
        "configurationVersion": policy["version"],
    }
