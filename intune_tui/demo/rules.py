"""Microsoft Graph's rules for the Intune endpoints the demo serves, written from the docs.

This is the fake Graph's own copy of the rules (reference/graph-intune-api.md, the CSDL
description annotations, the Intune permission-scope article). It deliberately does not import
the client's catalog: if the client's catalog is wrong, a test against the fake fails.

Where the documentation is silent (page sizes of small collections, `$orderby` support) the
choice is written next to the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

V1 = "v1.0"
BETA = "beta"
BOTH: frozenset[str] = frozenset({V1, BETA})
BETA_ONLY: frozenset[str] = frozenset({BETA})

# --- scopes (seed article "Intune permission scopes") ------------------------------------------
MD_READ = "DeviceManagementManagedDevices.Read.All"
MD_READWRITE = "DeviceManagementManagedDevices.ReadWrite.All"
MD_PRIVILEGED = "DeviceManagementManagedDevices.PrivilegedOperations.All"
APPS_READ = "DeviceManagementApps.Read.All"
APPS_READWRITE = "DeviceManagementApps.ReadWrite.All"
CONFIG_READ = "DeviceManagementConfiguration.Read.All"
CONFIG_READWRITE = "DeviceManagementConfiguration.ReadWrite.All"
RBAC_READ = "DeviceManagementRBAC.Read.All"
RBAC_READWRITE = "DeviceManagementRBAC.ReadWrite.All"
SERVICE_READ = "DeviceManagementServiceConfig.Read.All"
SERVICE_READWRITE = "DeviceManagementServiceConfig.ReadWrite.All"

# GET /organization, delegated (learn.microsoft.com/graph/api/organization-list, read 2026-12):
# least to most privileged. With User.Read only id, displayName and verifiedDomains have values;
# every other property comes back null.
ORGANIZATION_READ_SCOPES: tuple[str, ...] = (
    "User.Read", "Organization.Read.All", "Directory.Read.All", "Organization.ReadWrite.All",
    "Directory.ReadWrite.All",
)
ORGANIZATION_USER_READ_PROPERTIES = frozenset({"id", "displayName", "verifiedDomains"})

ALL_DEMO_SCOPES: tuple[str, ...] = (
    MD_READ,
    MD_READWRITE,
    MD_PRIVILEGED,
    APPS_READ,
    APPS_READWRITE,
    CONFIG_READ,
    CONFIG_READWRITE,
    RBAC_READ,
    RBAC_READWRITE,
    SERVICE_READ,
    SERVICE_READWRITE,
    # Entra ID device objects (issue 18: offboarding).
    "Device.Read.All",
    "Directory.AccessAsUser.All",  # delegated Entra device writes (demo/lifecycle.py)
    # Recovery secrets (demo/recovery.py): BitLocker keys and Windows LAPS passwords in Entra.
    "BitlockerKey.ReadBasic.All",
    "BitlockerKey.Read.All",
    "DeviceLocalCredential.ReadBasic.All",
    "DeviceLocalCredential.Read.All",
    # Entra users (demo/directory.py).
    "User.ReadBasic.All",
    "User.Read.All",
    "Directory.Read.All",
)
READ_ONLY_SCOPES: tuple[str, ...] = (MD_READ, APPS_READ, CONFIG_READ, RBAC_READ, SERVICE_READ,
                                     "Device.Read.All")

# "One of" lists: a token needs any one of them. ReadWrite grants what Read grants.
DEVICES_READ = (MD_READ, MD_READWRITE)
DEVICES_WRITE = (MD_READWRITE,)
APPS_R = (APPS_READ, APPS_READWRITE)
APPS_W = (APPS_READWRITE,)
CONFIG_R = (CONFIG_READ, CONFIG_READWRITE)
CONFIG_W = (CONFIG_READWRITE,)
RBAC_R = (RBAC_READ, RBAC_READWRITE)
RBAC_W = (RBAC_READWRITE,)
SERVICE_R = (SERVICE_READ, SERVICE_READWRITE)
SERVICE_W = (SERVICE_READWRITE,)

# --- enumerations (CSDL) -------------------------------------------------------------------------
COMPLIANCE_STATES = (
    "unknown", "compliant", "noncompliant", "conflict", "error", "inGracePeriod", "configManager",
)
MANAGEMENT_STATES = (
    "managed", "retirePending", "retireFailed", "wipePending", "wipeFailed", "unhealthy",
    "deletePending", "retireIssued", "wipeIssued", "wipeCanceled", "retireCanceled", "discovered",
    "unknownFutureValue",
)
MANAGEMENT_AGENTS = (
    "eas", "mdm", "easMdm", "intuneClient", "easIntuneClient", "configurationManagerClient",
    "configurationManagerClientMdm", "configurationManagerClientMdmEas", "unknown", "jamf",
    "googleCloudDevicePolicyController", "microsoft365ManagedMdm", "msSense",
)
EXCHANGE_ACCESS_STATES = ("none", "unknown", "allowed", "blocked", "quarantined")
OWNER_TYPES = ("unknown", "company", "personal")
ENROLLMENT_TYPES_V1 = (
    "unknown", "userEnrollment", "deviceEnrollmentManager", "appleBulkWithUser",
    "appleBulkWithoutUser", "windowsAzureADJoin", "windowsBulkUserless", "windowsAutoEnrollment",
    "windowsBulkAzureDomainJoin", "windowsCoManagement", "windowsAzureADJoinUsingDeviceAuth",
    "appleUserEnrollment", "appleUserEnrollmentWithServiceAccount", "unknownFutureValue",
)
# Beta adds members after unknownFutureValue; v1.0 serialises those as "unknownFutureValue"
# (evolvable enums), so a client must not assume it sees the beta member names on v1.0.
ENROLLMENT_TYPES_BETA_ONLY = (
    "azureAdJoinUsingAzureVmExtension", "androidEnterpriseDedicatedDevice",
    "androidEnterpriseFullyManaged", "androidEnterpriseCorporateWorkProfile",
)
ACTION_STATES = ("none", "pending", "canceled", "active", "done", "failed", "notSupported")
COMPLIANCE_STATUSES = (
    "unknown", "notApplicable", "compliant", "remediated", "nonCompliant", "error", "conflict",
    "notAssigned",
)


# --- $filter rules -------------------------------------------------------------------------------
EQ = "eq"
NE = "ne"
LT = "lt"
GT = "gt"
LE = "le"
GE = "ge"
CONTAINS = "contains"
STARTSWITH = "startswith"
ENDSWITH = "endswith"
OR_SAME_PROPERTY = "or"  # `or` between clauses that all test this property with eq


@dataclass(frozen=True)
class FilterRule:
    """Which properties a collection filters on, with which operators.

    kinds maps a property to "string", "enum", "datetime", "bool" or "number": the literal
    type the property accepts. enums lists the members an enum property accepts.
    or_across_properties: whether `or` may join clauses on different properties (Intune's
    managedDevices says no: "combinations of those filtered properties must use 'and'").
    """

    operators: Mapping[str, frozenset[str]]
    kinds: Mapping[str, str]
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    or_across_properties: bool = False
    allow_not: bool = False
    allow_isof: bool = False
    not_with_count: frozenset[str] = frozenset()


def _ops(*names: str) -> frozenset[str]:
    return frozenset(names)


# managedDevice: the CSDL description annotations, table in reference §1.2.
MANAGED_DEVICE_FILTER = FilterRule(
    operators={
        "deviceName": _ops(EQ, CONTAINS),
        "model": _ops(EQ, CONTAINS),
        "userPrincipalName": _ops(EQ, NE),
        "operatingSystem": _ops(EQ, OR_SAME_PROPERTY),
        "complianceState": _ops(EQ, OR_SAME_PROPERTY),
        "managementState": _ops(EQ, OR_SAME_PROPERTY),
        "managementAgent": _ops(EQ, OR_SAME_PROPERTY),
        "manufacturer": _ops(EQ, OR_SAME_PROPERTY),
        "serialNumber": _ops(EQ, OR_SAME_PROPERTY),
        "imei": _ops(EQ, OR_SAME_PROPERTY),
        "jailBroken": _ops(EQ, OR_SAME_PROPERTY),
        "exchangeAccessState": _ops(EQ, OR_SAME_PROPERTY),
        "deviceCategoryDisplayName": _ops(EQ, OR_SAME_PROPERTY),
        "osVersion": _ops(CONTAINS),
        "emailAddress": _ops(CONTAINS),
        "phoneNumber": _ops(CONTAINS),
        "enrolledDateTime": _ops(LT, GT),
        "lastSyncDateTime": _ops(LT, GT),
        "complianceGracePeriodExpirationDateTime": _ops(LT, GT),
        "azureADDeviceId": _ops(EQ),
    },
    kinds={
        "deviceName": "string",
        "model": "string",
        "userPrincipalName": "string",
        "operatingSystem": "string",
        "complianceState": "enum",
        "managementState": "enum",
        "managementAgent": "enum",
        "manufacturer": "string",
        "serialNumber": "string",
        "imei": "string",
        "jailBroken": "string",
        "exchangeAccessState": "enum",
        "deviceCategoryDisplayName": "string",
        "osVersion": "string",
        "emailAddress": "string",
        "phoneNumber": "string",
        "enrolledDateTime": "datetime",
        "lastSyncDateTime": "datetime",
        "complianceGracePeriodExpirationDateTime": "datetime",
        "azureADDeviceId": "string",
    },
    enums={
        "complianceState": COMPLIANCE_STATES,
        "managementState": MANAGEMENT_STATES,
        "managementAgent": MANAGEMENT_AGENTS,
        "exchangeAccessState": EXCHANGE_ACCESS_STATES,
    },
    or_across_properties=False,
    # CSDL on azureADDeviceId: "Supports: $filter (eq); not combine with count".
    not_with_count=frozenset({"azureADDeviceId"}),
)

# mobileApps: peers use isof(), `or` across properties and appAvailability casts on beta
# (reference §1.3). displayName/publisher operators are the usual OData string functions.
MOBILE_APP_FILTER = FilterRule(
    operators={
        "displayName": _ops(EQ, NE, STARTSWITH, CONTAINS),
        "publisher": _ops(EQ, NE, STARTSWITH, CONTAINS),
        "isAssigned": _ops(EQ, NE),
        "isFeatured": _ops(EQ, NE),
        "publishingState": _ops(EQ, NE),
        "microsoft.graph.managedApp/appAvailability": _ops(EQ, NE),
        "id": _ops(EQ, NE),
    },
    kinds={
        "displayName": "string",
        "publisher": "string",
        "isAssigned": "bool",
        "isFeatured": "bool",
        "publishingState": "enum",
        "microsoft.graph.managedApp/appAvailability": "enum",
        "id": "string",
    },
    enums={
        "publishingState": ("notPublished", "processing", "published"),
        "microsoft.graph.managedApp/appAvailability": ("global", "lineOfBusiness"),
    },
    or_across_properties=True,
    allow_not=True,
    allow_isof=True,
)

# Policy-like collections: the plain OData string operators on displayName and id.
DISPLAY_NAME_FILTER = FilterRule(
    operators={
        "displayName": _ops(EQ, NE, STARTSWITH, CONTAINS),
        "id": _ops(EQ, NE),
    },
    kinds={"displayName": "string", "id": "string"},
    or_across_properties=True,
    allow_isof=True,
)

# settings catalog policies: name, not displayName; platforms/technologies are flag enums
# filtered with has, which the fake does not offer (a 400 is the honest answer).
CONFIGURATION_POLICY_FILTER = FilterRule(
    operators={"name": _ops(EQ, NE, STARTSWITH, CONTAINS), "id": _ops(EQ, NE)},
    kinds={"name": "string", "id": "string"},
    or_across_properties=True,
)

DETECTED_APP_FILTER = FilterRule(
    operators={
        "displayName": _ops(EQ, STARTSWITH, CONTAINS),
        "platform": _ops(EQ, OR_SAME_PROPERTY),
        "publisher": _ops(EQ, CONTAINS),
    },
    kinds={"displayName": "string", "platform": "enum", "publisher": "string"},
    enums={
        "platform": (
            "unknown", "windows", "windowsMobile", "windowsHolographic", "ios", "macOS",
            "chromeOS", "androidOSP", "androidDeviceAdministrator", "androidWorkProfile",
            "androidDedicatedAndFullyManaged", "unknownFutureValue",
        )
    },
)

DEVICE_STATUS_FILTER = FilterRule(
    operators={
        "status": _ops(EQ, NE, OR_SAME_PROPERTY),
        "deviceDisplayName": _ops(EQ, STARTSWITH, CONTAINS),
        "userPrincipalName": _ops(EQ),
    },
    kinds={"status": "enum", "deviceDisplayName": "string", "userPrincipalName": "string"},
    enums={"status": COMPLIANCE_STATUSES},
)

# mobileAppInstallStatus: the device's Intune id, to read one device's row of an app.
APP_INSTALL_STATUS_FILTER = FilterRule(
    operators={"deviceId": _ops(EQ), "installState": _ops(EQ, OR_SAME_PROPERTY)},
    kinds={"deviceId": "string", "installState": "enum"},
    enums={"installState": ("installed", "failed", "notInstalled", "uninstallFailed",
                            "pendingInstall", "unknown", "notApplicable")},
)

REMOTE_ACTION_AUDIT_FILTER = FilterRule(
    operators={
        "managedDeviceId": _ops(EQ),
        "deviceDisplayName": _ops(EQ, CONTAINS),
        "requestDateTime": _ops(LT, GT, LE, GE),
        "initiatedByUserPrincipalName": _ops(EQ),
    },
    kinds={
        "managedDeviceId": "string",
        "deviceDisplayName": "string",
        "requestDateTime": "datetime",
        "initiatedByUserPrincipalName": "string",
    },
)


# --- collections ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CollectionRule:
    """Graph's behaviour for one collection (path relative to the version, `{id}` for a key).

    default_page / max_page: page size without `$top` and the cap on `$top` (a larger `$top`
    is clamped, as Intune does). filter None means `$filter` is refused with 400.
    """

    path: str
    read_scopes: tuple[str, ...]
    write_scopes: tuple[str, ...]
    versions: frozenset[str] = BOTH
    default_page: int = 100
    max_page: int = 1000
    filter: FilterRule | None = None
    orderby: frozenset[str] = frozenset()
    search: bool = False
    expand: frozenset[str] = frozenset()
    count_always_on: frozenset[str] = frozenset()  # versions that send @odata.count unasked
    beta_only_properties: frozenset[str] = frozenset()
    context: str = ""  # the @odata.context fragment after "$metadata#"


MANAGED_DEVICE_V1_PROPERTIES: tuple[str, ...] = (
    "id", "userId", "deviceName", "managedDeviceOwnerType", "deviceActionResults",
    "enrolledDateTime", "lastSyncDateTime", "operatingSystem", "complianceState", "jailBroken",
    "managementAgent", "osVersion", "easActivated", "easDeviceId", "easActivationDateTime",
    "azureADRegistered", "deviceEnrollmentType", "activationLockBypassCode", "emailAddress",
    "azureADDeviceId", "deviceRegistrationState", "deviceCategoryDisplayName", "isSupervised",
    "exchangeLastSuccessfulSyncDateTime", "exchangeAccessState", "exchangeAccessStateReason",
    "remoteAssistanceSessionUrl", "remoteAssistanceSessionErrorDetails", "isEncrypted",
    "userPrincipalName", "model", "manufacturer", "imei",
    "complianceGracePeriodExpirationDateTime", "serialNumber", "phoneNumber",
    "androidSecurityPatchLevel", "userDisplayName", "configurationManagerClientEnabledFeatures",
    "wiFiMacAddress", "deviceHealthAttestationState", "subscriberCarrier", "meid",
    "totalStorageSpaceInBytes", "freeStorageSpaceInBytes", "managedDeviceName",
    "partnerReportedThreatState", "requireUserEnrollmentApproval",
    "managementCertificateExpirationDate", "iccid", "udid", "notes", "ethernetMacAddress",
    "physicalMemoryInBytes", "managementState", "enrollmentProfileName",
)
MANAGED_DEVICE_BETA_PROPERTIES: tuple[str, ...] = (
    "hardwareInformation", "ownerType", "chassisType", "deviceType", "lostModeState", "joinType",
    "skuFamily", "processorArchitecture", "autopilotEnrolled", "usersLoggedOn",
    "retireAfterDateTime", "roleScopeTagIds", "windowsActiveMalwareCount", "managementFeatures",
    "enrolledByUserPrincipalName", "bootstrapTokenEscrowed", "securityPatchLevel",
    "azureActiveDirectoryDeviceId", "aadRegistered",
)
# CSDL: "To retrieve actual values GET call needs to be made, with device id and included in
# select parameter". In a LIST (and in a GET without $select) they carry their default.
MANAGED_DEVICE_NON_DEFAULT: Mapping[str, object] = {
    "activationLockBypassCode": None,
    "ethernetMacAddress": None,
    "iccid": None,
    "udid": None,
    "notes": None,
    "physicalMemoryInBytes": 0,
    "remoteAssistanceSessionUrl": None,
    "hardwareInformation": None,
}

MOBILE_APP_BASE_PROPERTIES: frozenset[str] = frozenset({
    "id", "displayName", "description", "publisher", "largeIcon", "createdDateTime",
    "lastModifiedDateTime", "isFeatured", "privacyInformationUrl", "informationUrl", "owner",
    "developer", "notes", "publishingState",
    # beta base properties
    "isAssigned", "roleScopeTagIds", "dependentAppCount", "supersedingAppCount",
    "supersededAppCount", "uploadState",
})
MOBILE_APP_BETA_ONLY_PROPERTIES: frozenset[str] = frozenset({
    "isAssigned", "roleScopeTagIds", "dependentAppCount", "supersedingAppCount",
    "supersededAppCount", "uploadState",
})
# v1.0's deviceConfiguration and deviceCompliancePolicy have only createdDateTime, description,
# displayName, lastModifiedDateTime and version of their own (msgraph-metadata
# schemas/v1.0-Prod.csdl, 2026-08-03); beta adds roleScopeTagIds to both and supportsScopeTags to
# deviceConfiguration (msgraph-beta-sdk-python models/device_configuration.py,
# device_compliance_policy.py, read 2026-12-07). The same holds for managedAppPolicy (app
# protection, targeted app configuration) and managedDeviceMobileAppConfiguration: v1.0 has no
# roleScopeTagIds on them, beta has (models/managed_app_policy.py,
# managed_device_mobile_app_configuration.py). In v1.0 only notificationMessageTemplate and
# windowsAutopilotDeploymentProfile carry it.
POLICY_BETA_ONLY_PROPERTIES: frozenset[str] = frozenset({"roleScopeTagIds"})
BETA_ONLY_APP_TYPES: frozenset[str] = frozenset({
    "#microsoft.graph.androidForWorkApp", "#microsoft.graph.androidManagedStoreApp",
    "#microsoft.graph.androidManagedStoreWebApp", "#microsoft.graph.macOSPkgApp",
    "#microsoft.graph.macOsVppApp", "#microsoft.graph.macOSWebClip",
    "#microsoft.graph.officeSuiteApp", "#microsoft.graph.win32CatalogApp",
    "#microsoft.graph.windowsAutoUpdateCatalogApp", "#microsoft.graph.windowsStoreApp",
    "#microsoft.graph.winGetApp", "#microsoft.graph.futureShinyApp",
})

_DM = "deviceManagement"
_DAM = "deviceAppManagement"

COLLECTIONS: tuple[CollectionRule, ...] = (
    # Devices. managedDevices: 1000 per page default and maximum (reference §3).
    CollectionRule(
        f"{_DM}/managedDevices", DEVICES_READ, DEVICES_WRITE, default_page=1000, max_page=1000,
        filter=MANAGED_DEVICE_FILTER,
        # Unconfirmed in the docs; the admin center sorts these columns server-side.
        orderby=frozenset({"deviceName", "lastSyncDateTime", "enrolledDateTime",
                           "userPrincipalName", "operatingSystem", "complianceState",
                           "osVersion", "model", "manufacturer", "serialNumber"}),
        expand=frozenset({"users", "deviceCategory", "detectedApps"}),
        count_always_on=BETA_ONLY,
        beta_only_properties=frozenset(MANAGED_DEVICE_BETA_PROPERTIES),
    ),
    CollectionRule(f"{_DM}/managedDevices/{{id}}/users", DEVICES_READ, DEVICES_WRITE,
                   context="users"),
    CollectionRule(f"{_DM}/managedDevices/{{id}}/deviceCompliancePolicyStates", DEVICES_READ,
                   DEVICES_WRITE),
    CollectionRule(f"{_DM}/managedDevices/{{id}}/deviceConfigurationStates", DEVICES_READ,
                   DEVICES_WRITE),
    CollectionRule(f"{_DM}/managedDevices/{{id}}/detectedApps", DEVICES_READ, DEVICES_WRITE,
                   versions=BETA_ONLY, default_page=50, filter=DETECTED_APP_FILTER),
    CollectionRule(f"{_DM}/detectedApps", DEVICES_READ, DEVICES_WRITE, default_page=50,
                   filter=DETECTED_APP_FILTER,
                   orderby=frozenset({"displayName", "deviceCount"})),
    CollectionRule(f"{_DM}/detectedApps/{{id}}/managedDevices", DEVICES_READ, DEVICES_WRITE,
                   default_page=100),
    CollectionRule(f"{_DM}/deviceCategories", (*DEVICES_READ, *CONFIG_R),
                   (MD_READWRITE, CONFIG_READWRITE)),
    # Remediations (deviceHealthScript): beta only; DeviceManagementConfiguration scopes
    # (beta docs intune-devices-devicehealthscript-list). Page size undocumented: 100 chosen.
    CollectionRule(f"{_DM}/deviceHealthScripts", CONFIG_R, CONFIG_W, versions=BETA_ONLY,
                   filter=DISPLAY_NAME_FILTER, orderby=frozenset({"displayName"})),
    CollectionRule(f"{_DM}/remoteActionAudits", DEVICES_READ, DEVICES_WRITE,
                   versions=BETA_ONLY, filter=REMOTE_ACTION_AUDIT_FILTER,
                   orderby=frozenset({"requestDateTime"})),
    # Apps.
    CollectionRule(
        f"{_DAM}/mobileApps", APPS_R, APPS_W, default_page=100, max_page=1000,
        filter=MOBILE_APP_FILTER, orderby=frozenset({"displayName", "publisher",
                                                     "createdDateTime"}),
        search=True, expand=frozenset({"assignments", "categories"}),
        beta_only_properties=MOBILE_APP_BETA_ONLY_PROPERTIES,
    ),
    CollectionRule(f"{_DAM}/mobileApps/{{id}}/assignments", APPS_R, APPS_W),
    CollectionRule(f"{_DAM}/mobileApps/{{id}}/categories", APPS_R, APPS_W),
    CollectionRule(f"{_DAM}/mobileApps/{{id}}/deviceStatuses", APPS_R, APPS_W,
                   versions=BETA_ONLY, filter=APP_INSTALL_STATUS_FILTER),
    CollectionRule(f"{_DAM}/mobileAppCategories", APPS_R, APPS_W, filter=DISPLAY_NAME_FILTER,
                   orderby=frozenset({"displayName"})),
    CollectionRule(f"{_DAM}/managedAppPolicies", APPS_R, APPS_W, filter=DISPLAY_NAME_FILTER,
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES),
    CollectionRule(f"{_DAM}/iosManagedAppProtections", APPS_R, APPS_W,
                   filter=DISPLAY_NAME_FILTER, expand=frozenset({"assignments", "apps"}),
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES),
    CollectionRule(f"{_DAM}/androidManagedAppProtections", APPS_R, APPS_W,
                   filter=DISPLAY_NAME_FILTER, expand=frozenset({"assignments", "apps"}),
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES),
    CollectionRule(f"{_DAM}/windowsManagedAppProtections", APPS_R, APPS_W, versions=BETA_ONLY,
                   filter=DISPLAY_NAME_FILTER, expand=frozenset({"assignments", "apps"})),
    CollectionRule(f"{_DAM}/defaultManagedAppProtections", APPS_R, APPS_W,
                   filter=DISPLAY_NAME_FILTER,
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES),
    CollectionRule(f"{_DAM}/targetedManagedAppConfigurations", APPS_R, APPS_W,
                   filter=DISPLAY_NAME_FILTER, expand=frozenset({"assignments", "apps"}),
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES),
    CollectionRule(f"{_DAM}/mobileAppConfigurations", APPS_R, APPS_W,
                   filter=DISPLAY_NAME_FILTER, expand=frozenset({"assignments"}),
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES),
    CollectionRule(f"{_DAM}/vppTokens", APPS_R, APPS_W),
    *(CollectionRule(f"{_DAM}/{parent}/{{id}}/{child}", APPS_R, APPS_W,
                     versions=BETA_ONLY if parent.startswith("windows") else BOTH)
      for parent in ("iosManagedAppProtections", "androidManagedAppProtections",
                     "windowsManagedAppProtections", "targetedManagedAppConfigurations")
      for child in ("assignments", "apps")),
    CollectionRule(f"{_DAM}/mobileAppConfigurations/{{id}}/assignments", APPS_R, APPS_W),
    # Device configuration and compliance.
    CollectionRule(f"{_DM}/deviceConfigurations", CONFIG_R, CONFIG_W,
                   filter=DISPLAY_NAME_FILTER, orderby=frozenset({"displayName",
                                                                  "lastModifiedDateTime"}),
                   expand=frozenset({"assignments"}),
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES | {"supportsScopeTags"}),
    CollectionRule(f"{_DM}/deviceConfigurations/{{id}}/assignments", CONFIG_R, CONFIG_W),
    CollectionRule(f"{_DM}/deviceConfigurations/{{id}}/deviceStatuses", CONFIG_R, CONFIG_W,
                   filter=DEVICE_STATUS_FILTER),
    CollectionRule(f"{_DM}/deviceCompliancePolicies", CONFIG_R, CONFIG_W,
                   filter=DISPLAY_NAME_FILTER, orderby=frozenset({"displayName",
                                                                  "lastModifiedDateTime"}),
                   expand=frozenset({"assignments", "scheduledActionsForRule"}),
                   beta_only_properties=POLICY_BETA_ONLY_PROPERTIES),
    CollectionRule(f"{_DM}/deviceCompliancePolicies/{{id}}/assignments", CONFIG_R, CONFIG_W),
    CollectionRule(f"{_DM}/deviceCompliancePolicies/{{id}}/deviceStatuses", CONFIG_R, CONFIG_W,
                   filter=DEVICE_STATUS_FILTER),
    CollectionRule(f"{_DM}/deviceCompliancePolicies/{{id}}/scheduledActionsForRule", CONFIG_R,
                   CONFIG_W),
    # Settings catalog: 25 per page (reference §1.4), beta only.
    CollectionRule(f"{_DM}/configurationPolicies", CONFIG_R, CONFIG_W, versions=BETA_ONLY,
                   default_page=25, max_page=25, filter=CONFIGURATION_POLICY_FILTER,
                   orderby=frozenset({"name", "lastModifiedDateTime"}),
                   expand=frozenset({"assignments", "settings"})),
    CollectionRule(f"{_DM}/configurationPolicies/{{id}}/settings", CONFIG_R, CONFIG_W,
                   versions=BETA_ONLY, default_page=25, max_page=25),
    CollectionRule(f"{_DM}/configurationPolicies/{{id}}/assignments", CONFIG_R, CONFIG_W,
                   versions=BETA_ONLY),
    # Notifications: the v1.0 docs say Configuration, Microsoft365DSC says ServiceConfig.
    CollectionRule(f"{_DM}/notificationMessageTemplates", (*CONFIG_R, *SERVICE_R),
                   (CONFIG_READWRITE, SERVICE_READWRITE), filter=DISPLAY_NAME_FILTER,
                   expand=frozenset({"localizedNotificationMessages"})),
    CollectionRule(f"{_DM}/notificationMessageTemplates/{{id}}/localizedNotificationMessages",
                   (*CONFIG_R, *SERVICE_R), (CONFIG_READWRITE, SERVICE_READWRITE)),
    # RBAC.
    CollectionRule(f"{_DM}/roleDefinitions", RBAC_R, RBAC_W, filter=DISPLAY_NAME_FILTER,
                   expand=frozenset({"roleAssignments"})),
    CollectionRule(f"{_DM}/roleDefinitions/{{id}}/roleAssignments", RBAC_R, RBAC_W),
    CollectionRule(f"{_DM}/roleAssignments", RBAC_R, RBAC_W, filter=DISPLAY_NAME_FILTER,
                   expand=frozenset({"roleDefinition"})),
    CollectionRule(f"{_DM}/resourceOperations", RBAC_R, RBAC_W),
    # List roleScopeTags (beta only; api-reference/beta/api/intune-rbac-rolescopetag-list.md,
    # ms.date 2024-08-01, read 2026-12-07): the Configuration scopes read them too.
    CollectionRule(f"{_DM}/roleScopeTags", (*RBAC_R, *CONFIG_R), RBAC_W, versions=BETA_ONLY,
                   filter=DISPLAY_NAME_FILTER),
    CollectionRule(f"{_DM}/assignmentFilters", CONFIG_R, CONFIG_W, versions=BETA_ONLY,
                   filter=DISPLAY_NAME_FILTER),
    # Service configuration.
    CollectionRule(f"{_DM}/deviceEnrollmentConfigurations", SERVICE_R, SERVICE_W,
                   filter=DISPLAY_NAME_FILTER, expand=frozenset({"assignments"})),
    CollectionRule(f"{_DM}/deviceEnrollmentConfigurations/{{id}}/assignments", SERVICE_R,
                   SERVICE_W),
    CollectionRule(f"{_DM}/depOnboardingSettings", (*SERVICE_R, *CONFIG_R),
                   (SERVICE_READWRITE, CONFIG_READWRITE), versions=BETA_ONLY),
    CollectionRule(f"{_DM}/termsAndConditions", SERVICE_R, SERVICE_W,
                   filter=DISPLAY_NAME_FILTER),
    CollectionRule(f"{_DM}/exchangeConnectors", SERVICE_R, SERVICE_W),
    CollectionRule(f"{_DM}/mobileThreatDefenseConnectors", SERVICE_R, SERVICE_W),
)


@dataclass(frozen=True)
class SingletonRule:
    path: str
    read_scopes: tuple[str, ...]
    versions: frozenset[str] = BOTH


SINGLETONS: tuple[SingletonRule, ...] = (
    SingletonRule(f"{_DM}/applePushNotificationCertificate", SERVICE_R),
    SingletonRule(f"{_DM}/managedDeviceOverview", DEVICES_READ),
    SingletonRule(f"{_DM}/deviceCompliancePolicyDeviceStateSummary", CONFIG_R),
    SingletonRule(f"{_DM}/deviceConfigurations/{{id}}/deviceStatusOverview", CONFIG_R),
    SingletonRule(f"{_DM}/deviceCompliancePolicies/{{id}}/deviceStatusOverview", CONFIG_R),
    SingletonRule(f"{_DAM}/mobileApps/{{id}}/installSummary", APPS_R, versions=BETA_ONLY),
    SingletonRule(f"{_DM}/roleAssignments/{{id}}/roleDefinition", RBAC_R),
    SingletonRule(f"{_DM}/managedDevices/{{id}}/deviceCategory", DEVICES_READ),
)

# Functions: `deviceManagement/getEffectivePermissions(scope='…')` answers the caller's Intune
# permissions (docs intune-rbac-devicemanagement-geteffectivepermissions, v1.0 and beta).
EFFECTIVE_PERMISSIONS = f"{_DM}/getEffectivePermissions"
FUNCTION_SCOPES: Mapping[str, tuple[str, ...]] = {EFFECTIVE_PERMISSIONS: RBAC_R}

COLLECTION_RULES: Mapping[str, CollectionRule] = {rule.path: rule for rule in COLLECTIONS}
SINGLETON_RULES: Mapping[str, SingletonRule] = {rule.path: rule for rule in SINGLETONS}


# --- remote actions (reference §2) ---------------------------------------------------------------
@dataclass(frozen=True)
class ActionRule:
    """One remote action: body parameters by JSON type, which are required, where it applies.

    params maps a parameter to "bool", "string" or "object". beta_params are accepted on beta
    only (v1.0 answers 400 for them). platforms is the set of operatingSystem values the action
    does something on; elsewhere the request is accepted and the result ends "notSupported".
    """

    name: str
    params: Mapping[str, str] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    beta_params: Mapping[str, str] = field(default_factory=dict)
    versions: frozenset[str] = BOTH
    scopes: tuple[str, ...] = (MD_PRIVILEGED,)
    platforms: frozenset[str] | None = None
    answer: str = "noContent"  # "logCollection": 200 with a deviceLogCollectionResponse
    result_name: str = ""  # its actionName in deviceActionResults when not `name`

    @property
    def action_name(self) -> str:
        return self.result_name or self.name


_APPLE = frozenset({"iOS", "iPadOS"})
_APPLE_ALL = frozenset({"iOS", "iPadOS", "macOS"})
_WINDOWS = frozenset({"Windows"})
_MOBILE = frozenset({"iOS", "iPadOS", "Android"})
# Seed: locate, disable activation lock and remote assistance come with ReadWrite.All.
_READWRITE_OR_PRIVILEGED = (MD_READWRITE, MD_PRIVILEGED)

ACTIONS: tuple[ActionRule, ...] = (
    ActionRule("retire"),
    ActionRule(
        "wipe",
        params={"keepEnrollmentData": "bool", "keepUserData": "bool", "macOsUnlockCode": "string",
                "persistEsimDataPlan": "bool"},
        beta_params={"useProtectedWipe": "bool", "obliterationBehavior": "enum"},
    ),
    ActionRule("resetPasscode", platforms=frozenset({"Android", "Windows", "iOS", "iPadOS"})),
    ActionRule("remoteLock"),
    ActionRule("requestRemoteAssistance", scopes=_READWRITE_OR_PRIVILEGED),
    ActionRule("disableLostMode", platforms=_APPLE),
    ActionRule("locateDevice", scopes=_READWRITE_OR_PRIVILEGED,
               platforms=frozenset({"iOS", "iPadOS", "Windows", "Android"})),
    ActionRule("bypassActivationLock", scopes=_READWRITE_OR_PRIVILEGED, platforms=_APPLE_ALL),
    ActionRule("rebootNow"),
    ActionRule("shutDown", platforms=frozenset({"Windows", "iOS", "iPadOS", "macOS"})),
    ActionRule("recoverPasscode", platforms=_MOBILE),
    ActionRule("cleanWindowsDevice", params={"keepUserData": "bool"},
               required=frozenset({"keepUserData"}), platforms=_WINDOWS),
    ActionRule("logoutSharedAppleDeviceActiveUser", platforms=frozenset({"iPadOS"})),
    ActionRule("deleteUserFromSharedAppleDevice", params={"userPrincipalName": "string"},
               required=frozenset({"userPrincipalName"}), platforms=frozenset({"iPadOS"})),
    ActionRule("syncDevice"),
    ActionRule("windowsDefenderScan", params={"quickScan": "bool"},
               required=frozenset({"quickScan"}), platforms=_WINDOWS),
    ActionRule("windowsDefenderUpdateSignatures", platforms=_WINDOWS),
    ActionRule("updateWindowsDeviceAccount",
               params={"updateWindowsDeviceAccountActionParameter": "object"},
               required=frozenset({"updateWindowsDeviceAccountActionParameter"}),
               platforms=_WINDOWS),
    # beta only
    ActionRule("enableLostMode", params={"message": "string", "phoneNumber": "string",
                                         "footer": "string"},
               required=frozenset({"message"}), versions=BETA_ONLY, platforms=_APPLE),
    # Intune docs device-play-lost-mode-sound.md: Android Enterprise corporate, supervised iOS.
    ActionRule("playLostModeSound", params={"durationInMinutes": "string"},
               versions=BETA_ONLY, platforms=_MOBILE),
    # device-rename.md: Android Enterprise corporate, supervised iOS/iPadOS, macOS, Windows.
    ActionRule("setDeviceName", params={"deviceName": "string"},
               required=frozenset({"deviceName"}), versions=BETA_ONLY,
               platforms=frozenset({"Windows", "iOS", "iPadOS", "macOS", "Android"})),
    # custom-notifications.md: iOS/iPadOS and Android personally-owned work profile.
    ActionRule("sendCustomNotificationToCompanyPortal",
               params={"notificationTitle": "string", "notificationBody": "string"},
               required=frozenset({"notificationTitle", "notificationBody"}),
               versions=BETA_ONLY, platforms=_MOBILE),
    ActionRule("rotateBitLockerKeys", versions=BETA_ONLY, platforms=_WINDOWS),
    ActionRule("rotateFileVaultKey", versions=BETA_ONLY, platforms=frozenset({"macOS"})),
    ActionRule("rotateLocalAdminPassword", versions=BETA_ONLY, platforms=_WINDOWS),
    # msgraph-beta-sdk-python rotate_recovery_lock_passcode: POST, no body; macOS (docs
    # rotate-recovery-lock-passcode.md).
    ActionRule("rotateRecoveryLockPasscode", versions=BETA_ONLY, platforms=frozenset({"macOS"})),
    ActionRule("activateDeviceEsim", params={"carrierUrl": "string"},
               required=frozenset({"carrierUrl"}), versions=BETA_ONLY, platforms=_MOBILE),
    ActionRule("removeDeviceEsim", versions=BETA_ONLY, platforms=_MOBILE),
    ActionRule("initiateOnDemandProactiveRemediation",
               params={"scriptPolicyId": "string"}, required=frozenset({"scriptPolicyId"}),
               versions=BETA_ONLY, platforms=_WINDOWS),
    ActionRule("pauseConfigurationRefresh", params={"pauseTimePeriodInMinutes": "number"},
               required=frozenset({"pauseTimePeriodInMinutes"}), versions=BETA_ONLY,
               platforms=_WINDOWS),
    # Beta docs intune-devices-manageddevice-createdevicelogcollectionrequest: body
    # {"templateType": deviceLogCollectionRequest}, 200 with a deviceLogCollectionResponse,
    # ManagedDevices.ReadWrite.All or Configuration.ReadWrite.All. (Not in the v1.0 CSDL.)
    ActionRule("createDeviceLogCollectionRequest", params={"templateType": "object"},
               versions=BETA_ONLY, scopes=(MD_READWRITE, CONFIG_READWRITE),
               platforms=_WINDOWS, answer="logCollection", result_name="collectDiagnostics"),
)
ACTION_RULES: Mapping[str, ActionRule] = {rule.name: rule for rule in ACTIONS}

OBLITERATION_BEHAVIORS = ("default", "doNotObliterate", "obliterateWithWarning", "always",
                          "unknownFutureValue")

# beta executeAction (bulk): managedDeviceRemoteAction values and bulkManagedDeviceActionResult.
BULK_ACTION_NAMES: tuple[str, ...] = (
    "retire", "delete", "fullScan", "quickScan", "signatureUpdate", "wipe",
    "customTextNotification", "rebootNow", "setDeviceName", "syncDevice", "deprovision",
    "disable", "reenable", "moveDeviceToOrganizationalUnit", "activateDeviceEsim",
    "collectDiagnostics", "initiateMobileDeviceManagementKeyRecovery",
    "initiateOnDemandProactiveRemediation", "initiateDeviceAttestation",
)
BULK_ACTION_PARAMS: Mapping[str, str] = {
    "actionName": "string", "deviceIds": "array", "keepEnrollmentData": "bool",
    "keepUserData": "bool", "persistEsimDataPlan": "bool", "deviceName": "string",
    "notificationTitle": "string", "notificationBody": "string", "deprovisionReason": "string",
    "organizationalUnitPath": "string", "carrierUrl": "string",
}
# Bulk action name -> the per-device action whose platforms/effects it shares.
BULK_TO_DEVICE_ACTION: Mapping[str, str] = {
    "retire": "retire", "wipe": "wipe", "rebootNow": "rebootNow", "syncDevice": "syncDevice",
    "setDeviceName": "setDeviceName", "fullScan": "windowsDefenderScan",
    "quickScan": "windowsDefenderScan", "signatureUpdate": "windowsDefenderUpdateSignatures",
    "customTextNotification": "sendCustomNotificationToCompanyPortal",
    "activateDeviceEsim": "activateDeviceEsim",
    "collectDiagnostics": "createDeviceLogCollectionRequest",
}

# --- batching ------------------------------------------------------------------------------------
BATCH_MAX_REQUESTS = 20
