"""Device compliance policies and configuration profiles, with their settings."""

from __future__ import annotations

from typing import Any

from intune_tui.demo.tenant.catalog import Catalog

# (key, display name, compliant value, role) — role ties a setting to a device property.
COMPLIANCE_SETTINGS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "Windows": (
        ("Windows10CompliancePolicy.BitLockerEnabled", "Require BitLocker", "true", "encryption"),
        ("Windows10CompliancePolicy.OsMinimumVersion", "Minimum OS version", "10.0.19045",
         "minimumOs"),
        ("Windows10CompliancePolicy.SecureBootEnabled", "Require Secure Boot", "true", "other"),
        ("Windows10CompliancePolicy.DefenderEnabled", "Microsoft Defender Antimalware", "true",
         "other"),
        ("Windows10CompliancePolicy.RtpEnabled", "Real-time protection", "true", "other"),
        ("Windows10CompliancePolicy.TpmRequired", "Trusted Platform Module (TPM)", "true",
         "other"),
        ("Windows10CompliancePolicy.PasswordRequired", "Require a password to unlock", "true",
         "other"),
    ),
    "iOS": (
        ("IosCompliancePolicy.SecurityBlockJailbrokenDevices", "Jailbroken devices", "false",
         "jailbreak"),
        ("IosCompliancePolicy.OsMinimumVersion", "Minimum OS version", "17.0", "minimumOs"),
        ("IosCompliancePolicy.PasscodeRequired", "Require a password to unlock", "true",
         "other"),
        ("IosCompliancePolicy.PasscodeMinimumLength", "Minimum password length", "6", "other"),
        ("IosCompliancePolicy.ManagedEmailProfileRequired", "Require managed email profile",
         "true", "other"),
    ),
    "iPadOS": (
        ("IosCompliancePolicy.OsMinimumVersion", "Minimum OS version", "17.0", "minimumOs"),
        ("IosCompliancePolicy.PasscodeRequired", "Require a password to unlock", "true",
         "other"),
        ("IosCompliancePolicy.DeviceThreatProtectionEnabled", "Device threat protection",
         "true", "other"),
    ),
    "Android": (
        ("AndroidWorkProfileCompliancePolicy.StorageRequireEncryption",
         "Encryption of data storage on device", "true", "encryption"),
        ("AndroidWorkProfileCompliancePolicy.SecurityBlockJailbrokenDevices",
         "Rooted devices", "false", "jailbreak"),
        ("AndroidWorkProfileCompliancePolicy.OsMinimumVersion", "Minimum OS version", "13",
         "minimumOs"),
        ("AndroidWorkProfileCompliancePolicy.PasswordRequired", "Require a password to unlock",
         "true", "other"),
        ("AndroidWorkProfileCompliancePolicy.SecurityRequireSafetyNetAttestationBasicIntegrity",
         "Play Integrity Verdict", "true", "other"),
    ),
    "macOS": (
        ("MacOSCompliancePolicy.StorageRequireEncryption", "Encryption of data storage on device",
         "true", "encryption"),
        ("MacOSCompliancePolicy.OsMinimumVersion", "Minimum OS version", "14.0", "minimumOs"),
        ("MacOSCompliancePolicy.FirewallEnabled", "Firewall", "true", "other"),
        ("MacOSCompliancePolicy.SystemIntegrityProtectionEnabled",
         "Require system integrity protection", "true", "other"),
        ("MacOSCompliancePolicy.PasswordRequired", "Require a password to unlock", "true",
         "other"),
    ),
    "Linux": (
        ("LinuxCompliance.DeviceEncryption", "Require device encryption", "true", "encryption"),
        ("LinuxCompliance.AllowedDistributions", "Allowed distributions", "Ubuntu 22.04+",
         "minimumOs"),
        ("LinuxCompliance.PasswordPolicy", "Password complexity", "true", "other"),
    ),
}
_PLATFORM_TYPES = {"Windows": "windows10AndLater", "iOS": "iOS", "iPadOS": "iOS",
                   "Android": "androidWorkProfile", "macOS": "macOS", "Linux": "linux"}
_COMPLIANCE_POLICIES: tuple[tuple[str, str, str, bool, dict[str, Any]], ...] = (
    # (@odata.type, displayName, platform, primary, type-specific properties)
    ("windows10CompliancePolicy", "Windows - baseline compliance", "Windows", True,
     {"passwordRequired": True, "passwordMinimumLength": 8, "osMinimumVersion": "10.0.19045",
      "bitLockerEnabled": True, "secureBootEnabled": True, "codeIntegrityEnabled": True,
      "defenderEnabled": True, "rtpEnabled": True, "tpmRequired": True,
      "deviceThreatProtectionEnabled": False, "storageRequireEncryption": True}),
    ("windows10CompliancePolicy", "Windows - Defender for Endpoint risk", "Windows", False,
     {"deviceThreatProtectionEnabled": True,
      "deviceThreatProtectionRequiredSecurityLevel": "medium"}),
    ("iosCompliancePolicy", "iOS - corporate compliance", "iOS", True,
     {"passcodeRequired": True, "passcodeMinimumLength": 6, "osMinimumVersion": "17.0",
      "securityBlockJailbrokenDevices": True, "managedEmailProfileRequired": True,
      "deviceThreatProtectionEnabled": False}),
    ("iosCompliancePolicy", "iPadOS - shared and kiosk", "iPadOS", True,
     {"passcodeRequired": True, "osMinimumVersion": "17.0",
      "deviceThreatProtectionEnabled": True,
      "deviceThreatProtectionRequiredSecurityLevel": "low"}),
    ("androidWorkProfileCompliancePolicy", "Android - work profile compliance", "Android", True,
     {"passwordRequired": True, "passwordMinimumLength": 6, "osMinimumVersion": "13",
      "securityBlockJailbrokenDevices": True, "storageRequireEncryption": True,
      "securityRequireSafetyNetAttestationBasicIntegrity": True}),
    ("macOSCompliancePolicy", "macOS - baseline compliance", "macOS", True,
     {"passwordRequired": True, "osMinimumVersion": "14.0", "storageRequireEncryption": True,
      "firewallEnabled": True, "systemIntegrityProtectionEnabled": True}),
)
_CONFIGURATION_PROFILES: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("windows10GeneralConfiguration", "Windows - device restrictions", "Windows",
     {"passwordRequired": True, "cameraBlocked": False, "storageBlockRemovableStorage": False,
      "defenderRequireRealTimeMonitoring": True, "smartScreenEnableAppInstallControl": True}),
    ("windows10EndpointProtectionConfiguration", "Windows - endpoint protection", "Windows",
     {"firewallBlockStatefulFTP": True, "bitLockerEncryptDevice": True,
      "defenderAttackSurfaceReductionExcludedPaths": [], "applicationGuardEnabled": False}),
    ("windowsUpdateForBusinessConfiguration", "Windows Update ring - Broad", "Windows",
     {"qualityUpdatesDeferralPeriodInDays": 7, "featureUpdatesDeferralPeriodInDays": 30,
      "automaticUpdateMode": "autoInstallAtMaintenanceTime", "businessReadyUpdatesOnly": "all",
      "deadlineForQualityUpdatesInDays": 3}),
    ("windowsUpdateForBusinessConfiguration", "Windows Update ring - Pilot", "Windows",
     {"qualityUpdatesDeferralPeriodInDays": 0, "featureUpdatesDeferralPeriodInDays": 0,
      "automaticUpdateMode": "autoInstallAtMaintenanceTime", "businessReadyUpdatesOnly": "all",
      "deadlineForQualityUpdatesInDays": 2}),
    ("windows10CustomConfiguration", "Windows - custom OMA-URI (legacy proxy)", "Windows",
     {"omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingString",
                       "displayName": "Proxy", "description": None,
                       "omaUri": "./Vendor/MSFT/Policy/Config/Connectivity/DisableProxy",
                       "value": "0"}]}),
    ("iosGeneralDeviceConfiguration", "iOS - device restrictions", "iOS",
     {"passcodeRequired": True, "passcodeMinimumLength": 6, "cameraBlocked": False,
      "appStoreBlocked": False, "iCloudBlockBackup": True}),
    ("iosDeviceFeaturesConfiguration", "iOS - home screen and wallpaper", "iOS",
     {"assetTagTemplate": "Property of Contoso", "lockScreenFootnote": "Contoso IT: x4357",
      "homeScreenDockIcons": []}),
    ("iosGeneralDeviceConfiguration", "iPadOS - shared iPad restrictions", "iPadOS",
     {"passcodeRequired": True, "cameraBlocked": True, "appStoreBlocked": True}),
    ("androidWorkProfileGeneralDeviceConfiguration", "Android - work profile restrictions",
     "Android", {"passwordRequired": True, "workProfileBlockScreenCapture": True,
                 "workProfileDataSharingType": "preventAny"}),
    ("androidDeviceOwnerGeneralDeviceConfiguration", "Android - dedicated kiosk", "Android",
     {"kioskModeScreenSaverConfigurationEnabled": True, "kioskModeApps": [],
      "screenCaptureBlocked": True, "statusBarBlocked": True}),
    ("macOSGeneralDeviceConfiguration", "macOS - device restrictions", "macOS",
     {"passwordRequired": True, "passwordMinimumLength": 10, "airDropBlocked": False,
      "iCloudBlockDocumentSync": True}),
    ("macOSCustomConfiguration", "macOS - Contoso root CA (custom profile)", "macOS",
     {"payloadName": "Contoso Root CA", "payloadFileName": "contoso-root-ca.mobileconfig",
      "deploymentChannel": "deviceChannel"}),
)
_PROFILE_SETTINGS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    os_name: tuple((key.replace("CompliancePolicy", "Configuration").replace("Compliance.",
                                                                             "Configuration."),
                    name, expected, "other") for key, name, expected, _ in settings[2:])
    for os_name, settings in COMPLIANCE_SETTINGS.items()
}


def build_device_policies(catalog: Catalog) -> None:
    rng = catalog.rng
    templates = catalog.tenant.collections.get("deviceManagement/notificationMessageTemplates",
                                               [])
    for salt, (odata_type, name, platform, primary, extra) in enumerate(_COMPLIANCE_POLICIES):
        policy = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": catalog.new_id(), "displayName": name,
            "description": f"{name}. Owner: Endpoint team.",
            "createdDateTime": catalog.moment(300, 1200),
            "lastModifiedDateTime": catalog.moment(1, 299),
            "version": rng.randrange(1, 25), "roleScopeTagIds": ["0"],
            **extra,
            "_platform": platform, "_platformType": _PLATFORM_TYPES[platform],
            "_primary": primary, "_salt": 900 + salt,
            "_settings": COMPLIANCE_SETTINGS[platform] if primary
            else COMPLIANCE_SETTINGS[platform][3:5],
        }
        catalog.add("deviceManagement/deviceCompliancePolicies", policy)
        group = {"Windows": "All Windows devices", "iOS": "All iOS devices",
                 "iPadOS": "All iOS devices", "Android": "All Android devices",
                 "macOS": "All macOS devices"}[platform]
        catalog.add_children("deviceManagement/deviceCompliancePolicies/{id}/assignments",
                             policy["id"], [
                                 {"@odata.type":
                                  "#microsoft.graph.deviceCompliancePolicyAssignment",
                                  "id": f"{policy['id']}_{catalog.groups[group]}",
                                  "target": catalog.target(group)}])
        actions = [{"@odata.type": "#microsoft.graph.deviceComplianceActionItem",
                    "id": catalog.new_id(), "gracePeriodHours": 0, "actionType": "block",
                    "notificationTemplateId": "", "notificationMessageCCList": []}]
        if templates:
            actions.append({"@odata.type": "#microsoft.graph.deviceComplianceActionItem",
                            "id": catalog.new_id(), "gracePeriodHours": 24,
                            "actionType": "notification",
                            "notificationTemplateId": templates[salt % len(templates)]["id"],
                            "notificationMessageCCList": []})
            actions.append({"@odata.type": "#microsoft.graph.deviceComplianceActionItem",
                            "id": catalog.new_id(), "gracePeriodHours": 24 * 30,
                            "actionType": "retire", "notificationTemplateId": "",
                            "notificationMessageCCList": []})
        catalog.add_children("deviceManagement/deviceCompliancePolicies/{id}/scheduledActionsForRule",
                             policy["id"], [{
                                 "@odata.type":
                                     "#microsoft.graph.deviceComplianceScheduledActionForRule",
                                 "id": catalog.new_id(), "ruleName": "PasswordRequired",
                                 "scheduledActionConfigurations": actions}])
    for salt, (odata_type, name, platform, extra) in enumerate(_CONFIGURATION_PROFILES):
        profile = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": catalog.new_id(), "displayName": name, "description": "",
            "createdDateTime": catalog.moment(300, 1200),
            "lastModifiedDateTime": catalog.moment(1, 299),
            "version": rng.randrange(1, 30), "roleScopeTagIds": ["0"],
            "supportsScopeTags": True, "deviceManagementApplicabilityRuleOsEdition": None,
            "deviceManagementApplicabilityRuleOsVersion": None,
            "deviceManagementApplicabilityRuleDeviceMode": None,
            **extra,
            "_platform": platform, "_platformType": _PLATFORM_TYPES[platform],
            "_salt": 500 + salt, "_settings": _PROFILE_SETTINGS[platform],
        }
        catalog.add("deviceManagement/deviceConfigurations", profile)
        group = {"Windows": "All Windows devices", "iOS": "All iOS devices",
                 "iPadOS": "All iOS devices", "Android": "All Android devices",
                 "macOS": "All macOS devices"}[platform]
        groups = [group] if "Pilot" not in name else ["Pilot ring"]
        if "Broad" in name:
            groups.append("!Pilot ring")
        catalog.add_children("deviceManagement/deviceConfigurations/{id}/assignments",
                             profile["id"], catalog.policy_assignments(groups))
