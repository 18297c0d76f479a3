"""Notification templates and the tenant's service configuration (connectors,
certificates, enrollment settings, device categories)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from intune_tui.demo.tenant.catalog import Catalog
from intune_tui.demo.tenant.ids import guid_from, iso
from intune_tui.demo.tenant.platforms import DEVICE_CATEGORIES


def build_notifications(catalog: Catalog) -> None:
    for name, subject, text in (
        ("Noncompliant device - first notice", "Your device is not compliant",
         "Your device {{DeviceName}} does not meet Contoso's security requirements. Open "
         "Company Portal to fix it within 24 hours or you will lose access to email."),
        ("Noncompliant device - final warning", "Action required: access will be blocked",
         "Access to corporate resources from {{DeviceName}} will be blocked today."),
        ("Device will be retired", "Your device will be removed from management",
         "{{DeviceName}} has been noncompliant for 30 days and will be retired."),
        ("Kiosk device noncompliant", "Kiosk device needs attention",
         "Please bring the device to the IT desk."),
    ):
        template_id = catalog.new_id()
        catalog.add("deviceManagement/notificationMessageTemplates", {
            "@odata.type": "#microsoft.graph.notificationMessageTemplate",
            "id": template_id, "displayName": name,
            "lastModifiedDateTime": catalog.moment(10, 400), "defaultLocale": "en-US",
            "brandingOptions": "includeCompanyLogo,includeCompanyName,includeContactInformation",
            "roleScopeTagIds": ["0"],
        })
        messages = [("en-US", subject, text, True),
                    ("de-DE", f"[DE] {subject}", f"[DE] {text}", False),
                    ("ja-JP", f"[JA] {subject}", f"[JA] {text}", False)]
        catalog.add_children(
            "deviceManagement/notificationMessageTemplates/{id}/localizedNotificationMessages",
            template_id, [{
                "@odata.type": "#microsoft.graph.localizedNotificationMessage",
                "id": f"{template_id}_{locale.lower()}",
                "lastModifiedDateTime": catalog.moment(10, 400), "locale": locale.lower(),
                "subject": subject_text, "messageTemplate": body, "isDefault": is_default,
            } for locale, subject_text, body, is_default in messages])


def build_service_config(catalog: Catalog) -> None:
    tenant = catalog.tenant
    now = tenant.now
    tenant.singletons["deviceManagement/applePushNotificationCertificate"] = {
        "@odata.type": "#microsoft.graph.applePushNotificationCertificate",
        "id": catalog.new_id(), "appleIdentifier": "mdm-admin@contoso-demo.com",
        "topicIdentifier": f"com.apple.mgmt.External.{catalog.new_id()}",
        "lastModifiedDateTime": iso(now - timedelta(days=320)),
        "expirationDateTime": iso(now + timedelta(days=45)),
        "certificateUploadStatus": None, "certificateUploadFailureReason": None,
        "certificateSerialNumber": "5C1A7E0D9F3B2A61", "certificate": None,
    }
    for name, apple_id, token_days, sync_error, synced in (
        ("Contoso ADE (corporate)", "ade@contoso-demo.com", 210, 0, 1820),
        ("Contoso ADE (retail stores)", "ade-retail@contoso-demo.com", 12, 400, 312),
    ):
        catalog.add("deviceManagement/depOnboardingSettings", {
            "@odata.type": "#microsoft.graph.depOnboardingSetting", "id": catalog.new_id(),
            "appleIdentifier": apple_id, "tokenName": name, "tokenType": "dep",
            "tokenExpirationDateTime": iso(now + timedelta(days=token_days)),
            "lastModifiedDateTime": iso(now - timedelta(days=90)),
            "lastSuccessfulSyncDateTime": iso(now - timedelta(hours=3 if not sync_error
                                                              else 24 * 9)),
            "lastSyncTriggeredDateTime": iso(now - timedelta(hours=3)),
            "shareTokenWithSchoolDataSyncService": False, "lastSyncErrorCode": sync_error,
            "syncedDeviceCount": synced, "dataSharingConsentGranted": True,
            "roleScopeTagIds": ["0"], "_betaOnly": True,
        })
    for organization, apple_id, days, state, status, last_sync in (
        ("Contoso Demo Ltd", "vpp@contoso-demo.com", 240, "valid", "completed", 2),
        ("Contoso Retail", "vpp-retail@contoso-demo.com", 18, "valid", "completed", 5),
        ("Contoso Education (old)", "vpp-edu@contoso-demo.com", -40, "expired", "failed", 24 * 41),
    ):
        catalog.add("deviceAppManagement/vppTokens", {
            "@odata.type": "#microsoft.graph.vppToken", "id": catalog.new_id(),
            "organizationName": organization, "vppTokenAccountType": "business",
            "appleId": apple_id, "expirationDateTime": iso(now + timedelta(days=days)),
            "lastSyncDateTime": iso(now - timedelta(hours=last_sync)),
            "token": None, "lastModifiedDateTime": iso(now - timedelta(days=60)),
            "state": state, "lastSyncStatus": status, "automaticallyUpdateApps": True,
            "countryOrRegion": "us", "displayName": organization,
            "locationName": "Seattle" if "Retail" not in organization else "Redmond",
        })
    configs = (
        ("deviceEnrollmentLimitConfiguration", "All users and all devices",
         "This is the default Device Limit Restriction applied with the lowest priority to all "
         "users regardless of group membership.", 0, {"limit": 5}),
        ("deviceEnrollmentPlatformRestrictionsConfiguration", "All users and all devices",
         "This is the default Device Type Restriction applied with the lowest priority to all "
         "users regardless of group membership.", 0, {
             "iosRestriction": {"platformBlocked": False, "personalDeviceEnrollmentBlocked": False,
                                "osMinimumVersion": "16.0", "osMaximumVersion": None},
             "windowsRestriction": {"platformBlocked": False,
                                    "personalDeviceEnrollmentBlocked": True,
                                    "osMinimumVersion": "10.0.19045", "osMaximumVersion": None},
             "windowsMobileRestriction": {"platformBlocked": True,
                                          "personalDeviceEnrollmentBlocked": False,
                                          "osMinimumVersion": None, "osMaximumVersion": None},
             "androidRestriction": {"platformBlocked": False,
                                    "personalDeviceEnrollmentBlocked": False,
                                    "osMinimumVersion": "12.0", "osMaximumVersion": None},
             "macOSRestriction": {"platformBlocked": False,
                                  "personalDeviceEnrollmentBlocked": True,
                                  "osMinimumVersion": None, "osMaximumVersion": None}}),
        ("deviceEnrollmentWindowsHelloForBusinessConfiguration", "All users and all devices",
         "This is the default Windows Hello for Business configuration applied with the lowest "
         "priority to all users regardless of group membership.", 0, {
             "pinMinimumLength": 6, "pinMaximumLength": 127, "state": "enabled",
             "securityDeviceRequired": True, "unlockWithBiometricsEnabled": True,
             "remotePassportEnabled": True, "pinPreviousBlockCount": 0,
             "pinExpirationInDays": 0, "enhancedBiometricsState": "notConfigured",
             "pinUppercaseCharactersUsage": "allowed", "pinLowercaseCharactersUsage": "allowed",
             "pinSpecialCharactersUsage": "allowed"}),
        ("windows10EnrollmentCompletionPageConfiguration", "All users and all devices",
         "This is the default enrollment status screen configuration applied with the lowest "
         "priority to all users and all devices regardless of group membership.", 0, {
             "showInstallationProgress": True, "blockDeviceSetupRetryByUser": False,
             "allowDeviceResetOnInstallFailure": True, "allowLogCollectionOnInstallFailure": True,
             "customErrorMessage": "Setup could not be completed. Please call x4357.",
             "installProgressTimeoutInMinutes": 60, "allowDeviceUseOnInstallFailure": False}),
        ("deviceEnrollmentLimitConfiguration", "Frontline - 1 device per user",
         "Kiosk staff may enroll one device.", 1, {"limit": 1}),
        ("windows10EnrollmentCompletionPageConfiguration", "Autopilot ESP - block until apps",
         "", 1, {"showInstallationProgress": True, "blockDeviceSetupRetryByUser": True,
                 "allowDeviceResetOnInstallFailure": False,
                 "allowLogCollectionOnInstallFailure": True, "customErrorMessage": None,
                 "installProgressTimeoutInMinutes": 90, "allowDeviceUseOnInstallFailure": False}),
    )
    for odata_type, name, description, priority, extra in configs:
        config: dict[str, Any] = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": f"{catalog.new_id()}_{'Default' if priority == 0 else 'Custom'}"
                  f"{odata_type.replace('deviceEnrollment', '').replace('Configuration', '')}",
            "displayName": name, "description": description, "priority": priority,
            "createdDateTime": catalog.moment(500, 1500),
            "lastModifiedDateTime": catalog.moment(1, 400), "version": 1 + priority,
            **extra,
        }
        catalog.add("deviceManagement/deviceEnrollmentConfigurations", config)
        target = catalog.target("all users" if priority == 0 else "Frontline kiosks")
        catalog.add_children("deviceManagement/deviceEnrollmentConfigurations/{id}/assignments",
                             config["id"], [{"@odata.type":
                                             "#microsoft.graph.enrollmentConfigurationAssignment",
                                             "id": f"{config['id']}_0", "target": target}])
    for title, version in (("Contoso acceptable use policy", 3), ("BYOD privacy notice", 1)):
        catalog.add("deviceManagement/termsAndConditions", {
            "@odata.type": "#microsoft.graph.termsAndConditions", "id": catalog.new_id(),
            "createdDateTime": catalog.moment(300, 900),
            "lastModifiedDateTime": catalog.moment(10, 299), "displayName": title,
            "description": "", "title": title,
            "bodyText": "By enrolling this device you agree to ...",
            "acceptanceStatement": "I accept", "version": version})
    for synced_ago, status, address, server, connector, kind, release, organization in (
        (timedelta(minutes=17), "connected", "intune-connector@contoso-demo.com",
         "outlook.office365.com", "Exchange Online", "serviceToService", "1.0",
         "contoso-demo.onmicrosoft.com"),
        (timedelta(days=19), "disconnected", "svc-exchange@contoso-demo.com",
         "mail.contoso-demo.com", "CONTOSO-EXCH01", "onPremises", "19.3.5.0", "Contoso"),
    ):
        catalog.add("deviceManagement/exchangeConnectors", {
            "@odata.type": "#microsoft.graph.deviceManagementExchangeConnector",
            "id": catalog.new_id(), "lastSyncDateTime": iso(now - synced_ago),
            "status": status, "primarySmtpAddress": address, "serverName": server,
            "connectorServerName": connector, "exchangeConnectorType": kind, "version": release,
            "exchangeAlias": None, "exchangeOrganization": organization})
    for connector_id, heartbeat_minutes, state, android, ios, windows in (
        ("fc780465-2017-40d4-a0c5-307022471b92", 4, "enabled", True, True, True),
        (guid_from(tenant.seed, 23, 1), 60 * 24 * 6, "unresponsive", True, True, False),
    ):
        catalog.add("deviceManagement/mobileThreatDefenseConnectors", {
            "@odata.type": "#microsoft.graph.mobileThreatDefenseConnector",
            "id": connector_id,
            "lastHeartbeatDateTime": iso(now - timedelta(minutes=heartbeat_minutes)),
            "partnerState": state, "androidMobileApplicationManagementEnabled": android,
            "iosMobileApplicationManagementEnabled": ios,
            "windowsMobileApplicationManagementEnabled": False,
            "androidEnabled": android, "iosEnabled": ios, "windowsEnabled": windows,
            "macEnabled": windows, "androidDeviceBlockedOnMissingPartnerData": False,
            "iosDeviceBlockedOnMissingPartnerData": False,
            "windowsDeviceBlockedOnMissingPartnerData": False,
            "macDeviceBlockedOnMissingPartnerData": False,
            "partnerUnsupportedOsVersionBlocked": False,
            "partnerUnresponsivenessThresholdInDays": 7,
            "allowPartnerToCollectIOSApplicationMetadata": False,
            "allowPartnerToCollectIOSPersonalApplicationMetadata": False,
            "microsoftDefenderForEndpointAttachEnabled": connector_id.startswith("fc78")})
    for position, name in enumerate(DEVICE_CATEGORIES[1:]):
        catalog.add("deviceManagement/deviceCategories", {
            "@odata.type": "#microsoft.graph.deviceCategory",
            "id": guid_from(tenant.seed, 24, position), "displayName": name,
            "description": f"Devices used by {name.lower()} staff", "roleScopeTagIds": ["0"]})
