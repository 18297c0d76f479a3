"""App protection and app configuration policies."""

from __future__ import annotations

from typing import Any

from intune_tui.demo.tenant.apps import ANDROID_APPS, IOS_STORE_APPS
from intune_tui.demo.tenant.catalog import Catalog


def _protection_base(catalog: Catalog, name: str) -> dict[str, Any]:
    rng = catalog.rng
    return {
        "id": catalog.new_id(), "displayName": name,
        "description": f"{name} (managed by Contoso IT)",
        "createdDateTime": catalog.moment(200, 800),
        "lastModifiedDateTime": catalog.moment(1, 199), "version": f'"{rng.randrange(1, 40)}"',
        "roleScopeTagIds": ["0"],
        "periodOfflineBeforeAccessCheck": "PT12H", "periodOnlineBeforeAccessCheck": "PT30M",
        "allowedInboundDataTransferSources": "managedApps",
        "allowedOutboundDataTransferDestinations": "managedApps",
        "organizationalCredentialsRequired": False,
        "allowedOutboundClipboardSharingLevel": "managedAppsWithPasteIn",
        "dataBackupBlocked": True, "deviceComplianceRequired": True,
        "managedBrowserToOpenLinksRequired": rng.random() < 0.5,
        "saveAsBlocked": True, "periodOfflineBeforeWipeIsEnforced": "P90D",
        "pinRequired": True, "maximumPinRetries": 5, "simplePinBlocked": True,
        "minimumPinLength": 6, "pinCharacterSet": "numeric", "periodBeforePinReset": "PT0S",
        "allowedDataStorageLocations": ["oneDriveForBusiness", "sharePoint"],
        "contactSyncBlocked": False, "printBlocked": rng.random() < 0.3,
        "fingerprintBlocked": False, "disableAppPinIfDevicePinIsSet": True,
        "minimumRequiredOsVersion": None, "minimumWarningOsVersion": None,
        "minimumRequiredAppVersion": None, "minimumWarningAppVersion": None,
        "minimumWipeOsVersion": None, "minimumWipeAppVersion": None,
        "appActionIfDeviceComplianceRequired": "block",
        "appActionIfMaximumPinRetriesExceeded": "block",
        "pinRequiredInsteadOfBiometricTimeout": "PT30M",
        "allowedOutboundClipboardSharingExceptionLength": 0,
        "notificationRestriction": "allow",
        "previousPinBlockCount": 0,
        "managedBrowser": "microsoftEdge",
        "maximumAllowedDeviceThreatLevel": "notConfigured",
        "mobileThreatDefenseRemediationAction": "block",
        "blockDataIngestionIntoOrganizationDocuments": False,
        "allowedDataIngestionLocations": ["oneDriveForBusiness", "sharePoint", "camera"],
        "appActionIfUnableToAuthenticateUser": None,
        "dialerRestrictionLevel": "allApps",
        "isAssigned": True, "targetedAppManagementLevels": "unspecified",
    }


def _managed_apps(catalog: Catalog, platform: str, ids: list[str]) -> list[dict[str, Any]]:
    identifier_type = {"ios": "iosMobileAppIdentifier", "android": "androidMobileAppIdentifier",
                       "windows": "windowsAppIdentifier"}[platform]
    key = {"ios": "bundleId", "android": "packageId", "windows": "windowsAppId"}[platform]
    return [{"@odata.type": "#microsoft.graph.managedMobileApp", "id": catalog.new_id(),
             "mobileAppIdentifier": {"@odata.type": f"#microsoft.graph.{identifier_type}",
                                     key: identifier}, "version": "1"} for identifier in ids]


def build_app_protection(catalog: Catalog) -> None:
    ios_ids = [bundle for _, _, bundle in IOS_STORE_APPS[:8]]
    android_ids = [package for _, _, package in ANDROID_APPS[:8]]
    specs = (
        ("iosManagedAppProtection", "deviceAppManagement/iosManagedAppProtections",
         "iOS - Microsoft 365 data protection (level 2)", "ios", ios_ids),
        ("iosManagedAppProtection", "deviceAppManagement/iosManagedAppProtections",
         "iOS - Executives (level 3)", "ios", ios_ids[:4]),
        ("iosManagedAppProtection", "deviceAppManagement/iosManagedAppProtections",
         "iOS - BYOD baseline (level 1)", "ios", ios_ids),
        ("androidManagedAppProtection", "deviceAppManagement/androidManagedAppProtections",
         "Android - Microsoft 365 data protection (level 2)", "android", android_ids),
        ("androidManagedAppProtection", "deviceAppManagement/androidManagedAppProtections",
         "Android - Frontline shared devices", "android", android_ids[:3]),
        ("androidManagedAppProtection", "deviceAppManagement/androidManagedAppProtections",
         "Android - BYOD baseline (level 1)", "android", android_ids),
        ("windowsManagedAppProtection", "deviceAppManagement/windowsManagedAppProtections",
         "Windows - Edge for unmanaged PCs", "windows", ["com.microsoft.edge"]),
        ("windowsManagedAppProtection", "deviceAppManagement/windowsManagedAppProtections",
         "Windows - Contractors", "windows", ["com.microsoft.edge"]),
    )
    for odata_type, path, name, platform, app_ids in specs:
        policy = _protection_base(catalog, name)
        policy["@odata.type"] = f"#microsoft.graph.{odata_type}"
        if platform == "ios":
            policy.update({"appDataEncryptionType": "whenDeviceLocked", "faceIdBlocked": False,
                           "minimumRequiredSdkVersion": None, "deployedAppCount": len(app_ids),
                           "customBrowserProtocol": "", "exemptedAppProtocols": []})
        elif platform == "android":
            policy.update({"screenCaptureBlocked": True,
                           "disableAppEncryptionIfDeviceEncryptionIsEnabled": False,
                           "encryptAppData": True, "deployedAppCount": len(app_ids),
                           "minimumRequiredPatchVersion": "2024-06-01",
                           "minimumWarningPatchVersion": "2024-09-01",
                           "customBrowserPackageId": "", "customBrowserDisplayName": ""})
        else:
            policy.update({"printBlocked": True, "allowedInboundDataTransferSources": "allApps",
                           "maximumAllowedDeviceThreatLevel": "low",
                           "_betaOnly": True})
        groups = ["Sales users", "Executives"] if "Executives" not in name else ["Executives"]
        catalog.add(path, policy)
        catalog.add("deviceAppManagement/managedAppPolicies", policy)
        catalog.add_children(f"{path}/{{id}}/assignments", policy["id"], [
            {"@odata.type": "#microsoft.graph.targetedManagedAppPolicyAssignment",
             "id": f"{policy['id']}_{position}", "source": "direct", "sourceId": policy["id"],
             "target": catalog.target(group)}
            for position, group in enumerate(groups)])
        catalog.add_children(f"{path}/{{id}}/apps", policy["id"],
                             _managed_apps(catalog, platform, app_ids))
    for name, settings in (
        ("Outlook - Contoso signature and focused inbox",
         [("com.microsoft.outlook.Mail.FocusedInbox", "true"),
          ("com.microsoft.outlook.Mail.DefaultSignatureEnabled", "false")]),
        ("Edge - Contoso homepage and bookmarks",
         [("com.microsoft.intune.mam.managedbrowser.homepage", "https://intranet.contoso-demo.com"),
          ("com.microsoft.intune.mam.managedbrowser.bookmarks",
           "Expenses|https://expenses.contoso-demo.com")]),
        ("Teams - allowed accounts", [("IntuneMAMAllowedAccountsOnly", "Enabled"),
                                      ("IntuneMAMUPN", "{{userprincipalname}}")]),
    ):
        config: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.targetedManagedAppConfiguration",
            "id": catalog.new_id(), "displayName": name, "description": "",
            "createdDateTime": catalog.moment(100, 600),
            "lastModifiedDateTime": catalog.moment(1, 99), "version": '"3"',
            "roleScopeTagIds": ["0"],
            "customSettings": [{"name": key, "value": value} for key, value in settings],
            "deployedAppCount": 2, "isAssigned": True,
            "appGroupType": "selectedPublicApps", "targetedAppManagementLevels": "unspecified",
        }
        catalog.add("deviceAppManagement/targetedManagedAppConfigurations", config)
        catalog.add("deviceAppManagement/managedAppPolicies", config)
        catalog.add_children("deviceAppManagement/targetedManagedAppConfigurations/{id}/assignments",
                             config["id"], [{"@odata.type":
                                             "#microsoft.graph.targetedManagedAppPolicyAssignment",
                                             "id": f"{config['id']}_0", "source": "direct",
                                             "sourceId": config["id"],
                                             "target": catalog.target("all users")}])
        catalog.add_children("deviceAppManagement/targetedManagedAppConfigurations/{id}/apps",
                             config["id"], _managed_apps(catalog, "ios", ios_ids[:2]))
    apps = catalog.tenant.collections["deviceAppManagement/mobileApps"]
    ios_targets = [app["id"] for app in apps if app["@odata.type"].endswith("iosVppApp")][:3]
    for name, settings in (
        ("Outlook (iOS) - corporate account", [("com.microsoft.outlook.EmailProfile.EmailAddress",
                                                "{{mail}}"),
                                               ("com.microsoft.outlook.EmailProfile.AccountType",
                                                "ModernAuth")]),
        ("Teams (iOS) - sign-in hint",
         [("com.microsoft.teams.signInEmail", "{{userprincipalname}}")]),
    ):
        _add_device_app_configuration(
            catalog, "iosMobileAppConfiguration", name, ios_targets[:1], 2, "All iOS devices",
            {"encodedSettingXml": None,
             "settings": [{"appConfigKey": key, "appConfigKeyType": "stringType",
                           "appConfigKeyValue": value} for key, value in settings]})
    android_targets = [app["id"] for app in apps
                       if app["@odata.type"].endswith("androidManagedStoreApp")][:2]
    for name, package in (("Zebra OEMConfig - warehouse scanners", "com.zebra.oemconfig.common"),
                          ("Managed Home Screen - kiosk", "com.microsoft.launcher.enterprise")):
        _add_device_app_configuration(
            catalog, "androidManagedStoreAppConfiguration", name, android_targets[:1], 5,
            "Frontline kiosks",
            {"packageId": f"app:{package}",
             "payloadJson": "eyJraW5kIjoiYW5kcm9pZGVudGVycHJpc2UjbWFuYWdlZENvbmZpZ3VyYXRpb24ifQ==",
             "permissionActions": [], "appSupportsOemConfig": "oemconfig" in package,
             "profileApplicability": "androidDeviceOwner", "connectedAppsEnabled": False,
             "_betaOnly": True})


def _add_device_app_configuration(catalog: Catalog, odata_type: str, name: str,
                                  targets: list[str], version: int, group: str,
                                  settings: dict[str, Any]) -> None:
    """One app configuration policy for managed devices, assigned to `group`."""
    config: dict[str, Any] = {
        "@odata.type": f"#microsoft.graph.{odata_type}",
        "id": catalog.new_id(), "displayName": name, "description": "",
        "targetedMobileApps": targets,
        "createdDateTime": catalog.moment(100, 600),
        "lastModifiedDateTime": catalog.moment(1, 99), "version": version,
        "roleScopeTagIds": ["0"],  # beta only (demo/rules.py POLICY_BETA_ONLY_PROPERTIES)
        **settings,
    }
    catalog.add("deviceAppManagement/mobileAppConfigurations", config)
    catalog.add_children("deviceAppManagement/mobileAppConfigurations/{id}/assignments",
                         config["id"], [{"@odata.type":
                                         "#microsoft.graph.managedDeviceMobileAppConfigurationAssignment",
                                         "id": f"{config['id']}_0",
                                         "target": catalog.target(group)}])
