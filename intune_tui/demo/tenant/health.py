"""Computed tenant-wide summaries: the managed device overview and the compliance
state summary."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intune_tui.demo.tenant.model import DemoTenant


def managed_device_overview(tenant: DemoTenant) -> dict[str, Any]:
    store = tenant.devices
    live = store.live_indices()
    by_os = Counter(store.os[index] for index in live)
    exchange = Counter(store.value(index, "exchangeAccessState") for index in live)
    co_managed = sum(1 for index in live if store.agent[index] == "configurationManagerClientMdm")
    return {
        "@odata.type": "#microsoft.graph.managedDeviceOverview",
        "id": "managedDeviceOverview",
        "enrolledDeviceCount": len(live),
        "mdmEnrolledCount": len(live),
        "dualEnrolledDeviceCount": co_managed,
        "deviceOperatingSystemSummary": {
            "androidCount": by_os["Android"],
            "iosCount": by_os["iOS"] + by_os["iPadOS"],
            "macOSCount": by_os["macOS"],
            "windowsMobileCount": 0,
            "windowsCount": by_os["Windows"],
            "unknownCount": by_os["Linux"],
            "androidDedicatedCount": sum(
                1 for index in live
                if store.enrollment[index] == "androidEnterpriseDedicatedDevice"),
            "androidDeviceAdminCount": 0,
            "androidFullyManagedCount": sum(
                1 for index in live if store.enrollment[index] == "androidEnterpriseFullyManaged"),
            "androidWorkProfileCount": sum(
                1 for index in live if store.os[index] == "Android"
                and store.enrollment[index] in ("userEnrollment",
                                                "androidEnterpriseCorporateWorkProfile")),
            "androidCorporateWorkProfileCount": sum(
                1 for index in live
                if store.enrollment[index] == "androidEnterpriseCorporateWorkProfile"),
            "configMgrDeviceCount": co_managed,
        },
        "deviceExchangeAccessStateSummary": {
            "allowedDeviceCount": exchange["allowed"],
            "blockedDeviceCount": exchange["blocked"],
            "quarantinedDeviceCount": exchange["quarantined"],
            "unknownDeviceCount": exchange["unknown"],
            "unavailableDeviceCount": exchange["none"],
        },
    }


def compliance_state_summary(tenant: DemoTenant) -> dict[str, Any]:
    store = tenant.devices
    counts = Counter(store.compliance[index] for index in store.live_indices())
    return {
        "@odata.type": "#microsoft.graph.deviceCompliancePolicyDeviceStateSummary",
        "id": "deviceCompliancePolicyDeviceStateSummary",
        "inGracePeriodCount": counts["inGracePeriod"],
        "configManagerCount": counts["configManager"],
        "unknownDeviceCount": counts["unknown"],
        "notApplicableDeviceCount": 0,
        "compliantDeviceCount": counts["compliant"],
        "remediatedDeviceCount": 0,
        "nonCompliantDeviceCount": counts["noncompliant"],
        "errorDeviceCount": counts["error"],
        "conflictDeviceCount": counts["conflict"],
    }
