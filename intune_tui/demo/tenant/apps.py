"""The app catalog: Win32, store, line-of-business, WinGet and web apps, their
categories and assignments."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from intune_tui.demo import rules
from intune_tui.demo.tenant.catalog import Catalog
from intune_tui.demo.tenant.ids import chars, guid_from, iso, uuid_from_rng

WIN32_APPS: tuple[tuple[str, str, str], ...] = (
    ("7-Zip", "Igor Pavlov", "24.08"), ("Notepad++", "Notepad++ Team", "8.7.1"),
    ("Google Chrome Enterprise", "Google LLC", "131.0.6778.70"),
    ("Mozilla Firefox ESR", "Mozilla", "128.4.0"), ("Zoom Workplace", "Zoom", "6.2.6"),
    ("Adobe Acrobat Reader DC", "Adobe", "24.004.20220"), ("VLC media player", "VideoLAN",
                                                           "3.0.21"),
    ("Cisco Secure Client", "Cisco Systems", "5.1.6.103"), ("Git for Windows", "Git", "2.47.0"),
    ("Visual Studio Code (System)", "Microsoft", "1.95.3"), ("Python 3.12", "PSF", "3.12.7"),
    ("Slack (machine-wide)", "Slack Technologies", "4.41.97"),
    ("Contoso Expense Tool", "Contoso IT", "3.2.1"), ("Contoso VPN Profile", "Contoso IT", "1.4"),
    ("Dell Command | Update", "Dell Inc.", "5.4.0"), ("HP Support Assistant", "HP", "9.35"),
    ("Lenovo Commercial Vantage", "Lenovo", "10.2405.3"), ("Citrix Workspace", "Citrix",
                                                           "24.9.10"),
    ("Microsoft Power BI Desktop", "Microsoft", "2.137.1102.0"),
    ("Microsoft Visual C++ Redistributable", "Microsoft", "14.40.33810"),
    ("Paint.NET", "dotPDN LLC", "5.1"), ("Greenshot", "Greenshot", "1.2.10"),
    ("KeePassXC", "KeePassXC Team", "2.7.9"), ("WinSCP", "Martin Prikryl", "6.3.5"),
    ("PuTTY", "Simon Tatham", "0.81"), ("FileZilla Client", "Tim Kosse", "3.68.1"),
    ("Wireshark", "Wireshark Foundation", "4.4.1"), ("Postman", "Postman", "11.19"),
    ("Docker Desktop", "Docker Inc.", "4.35.1"), ("Node.js LTS", "OpenJS Foundation", "22.11.0"),
    ("Java Runtime (Temurin 21)", "Eclipse Adoptium", "21.0.5"), ("SAP GUI for Windows",
                                                                  "SAP", "8.00 PL 11"),
    ("Contoso Time Clock", "Contoso IT", "2.0.7"), ("Contoso Label Printer Driver",
                                                    "Contoso IT", "7.1"),
    ("Snagit", "TechSmith", "2024.2.3"), ("Foxit PDF Editor", "Foxit", "2024.3.0"),
    ("Tableau Desktop", "Salesforce", "2024.3.1"), ("Autodesk DWG TrueView", "Autodesk",
                                                    "2025"),
    ("R for Windows", "R Foundation", "4.4.2"), ("Microsoft Remote Desktop", "Microsoft",
                                                 "1.2.5713"),
    ("BeyondTrust Remote Support Rep", "BeyondTrust", "24.2.2"),
    ("Contoso Legacy CRM", "Contoso IT", "9.1.4"),
)
IOS_STORE_APPS: tuple[tuple[str, str, str], ...] = (
    ("Microsoft Outlook", "Microsoft Corporation", "com.microsoft.Office.Outlook"),
    ("Microsoft Teams", "Microsoft Corporation", "com.microsoft.skype.teams"),
    ("Microsoft Authenticator", "Microsoft Corporation", "com.microsoft.azureauthenticator"),
    ("Microsoft Edge", "Microsoft Corporation", "com.microsoft.msedge"),
    ("Microsoft Word", "Microsoft Corporation", "com.microsoft.Office.Word"),
    ("Microsoft Excel", "Microsoft Corporation", "com.microsoft.Office.Excel"),
    ("Microsoft OneDrive", "Microsoft Corporation", "com.microsoft.skydrive"),
    ("Zoom", "Zoom Video Communications", "us.zoom.videomeetings"),
    ("Slack", "Slack Technologies", "com.tinyspeck.chatlyio"),
    ("Salesforce", "Salesforce", "com.salesforce.chatter"),
    ("ServiceNow Agent", "ServiceNow", "com.servicenow.fulfiller"),
    ("Adobe Acrobat Reader", "Adobe", "com.adobe.Adobe-Reader"),
    ("Cisco Secure Client", "Cisco", "com.cisco.anyconnect"),
    ("Webex", "Cisco", "com.webex.meeting"),
    ("Workday", "Workday", "com.workday.workdayapp"),
    ("Concur", "SAP Concur", "com.concur.concurmobile"),
)
ANDROID_APPS: tuple[tuple[str, str, str], ...] = (
    ("Microsoft Outlook", "Microsoft Corporation", "com.microsoft.office.outlook"),
    ("Microsoft Teams", "Microsoft Corporation", "com.microsoft.teams"),
    ("Microsoft Authenticator", "Microsoft Corporation", "com.azure.authenticator"),
    ("Microsoft Defender", "Microsoft Corporation", "com.microsoft.scmx"),
    ("Microsoft Edge", "Microsoft Corporation", "com.microsoft.emmx"),
    ("Managed Home Screen", "Microsoft Corporation", "com.microsoft.launcher.enterprise"),
    ("Zoom", "Zoom Video Communications", "us.zoom.videomeetings"),
    ("Slack", "Slack Technologies", "com.Slack"),
    ("Zebra DataWedge", "Zebra Technologies", "com.symbol.datawedge"),
    ("Contoso Field Service", "Contoso IT", "com.contoso.fieldservice"),
    ("Salesforce", "Salesforce", "com.salesforce.chatter"),
    ("Workday", "Workday", "com.workday.workdroidapp"),
    ("Webex", "Cisco", "com.cisco.webex.meetings"),
    ("Adobe Acrobat Reader", "Adobe", "com.adobe.reader"),
    ("ServiceNow Agent", "ServiceNow", "com.servicenow.fulfiller"),
    ("Cisco Secure Client", "Cisco", "com.cisco.anyconnect.vpn.android.avf"),
    ("Microsoft OneDrive", "Microsoft Corporation", "com.microsoft.skydrive"),
    ("Microsoft Word", "Microsoft Corporation", "com.microsoft.office.word"),
)
WINGET_APPS: tuple[tuple[str, str, str], ...] = (
    ("Microsoft PowerToys", "Microsoft Corporation", "XP89DCGQ3K6VLD"),
    ("Windows Terminal", "Microsoft Corporation", "9N0DX20HK701"),
    ("Company Portal", "Microsoft Corporation", "9WZDNCRFJ3PZ"),
    ("Microsoft To Do", "Microsoft Corporation", "9NBLGGH5R558"),
    ("WhatsApp", "WhatsApp Inc.", "9NKSQGP7F2NH"),
    ("Spotify", "Spotify AB", "9NCBCSZSJRSB"),
    ("Microsoft Whiteboard", "Microsoft Corporation", "9MSPC6MP8FM4"),
    ("Adobe Express", "Adobe Inc.", "9P94LH3Q1CP5"),
    ("Microsoft Loop", "Microsoft Corporation", "9NFZQ5WBWK11"),
    ("Python 3.12", "Python Software Foundation", "9NCVDN91XZQP"),
    ("Windows App", "Microsoft Corporation", "9N1F85V9T8BN"),
    ("Netflix", "Netflix, Inc.", "9WZDNCRFJ3TJ"),
)
WEB_APPS: tuple[tuple[str, str], ...] = (
    ("Contoso Intranet", "https://intranet.contoso-demo.com"),
    ("Expense portal", "https://expenses.contoso-demo.com"),
    ("IT Self-service", "https://it.contoso-demo.com/self-service"),
    ("HR Benefits", "https://benefits.contoso-demo.com"),
    ("Microsoft 365 portal", "https://www.office.com"),
    ("Status page", "https://status.contoso-demo.com"),
    ("Learning hub", "https://learn.contoso-demo.com"),
    ("Travel booking", "https://travel.contoso-demo.com"),
    ("Timesheets", "https://time.contoso-demo.com"),
    ("Security awareness", "https://security.contoso-demo.com/training"),
)
APP_CATEGORIES = ("Business", "Productivity", "Collaboration & Social", "Developer tools",
                  "Utilities", "Security", "Books & Reference", "Photos & Media",
                  "Data management", "Computer management", "Other apps")
_APP_PLATFORMS: dict[str, tuple[str, ...]] = {
    "win32LobApp": ("Windows",), "winGetApp": ("Windows",), "officeSuiteApp": ("Windows",),
    "windowsMicrosoftEdgeApp": ("Windows",), "microsoftStoreForBusinessApp": ("Windows",),
    "windowsUniversalAppX": ("Windows",), "windowsMobileMSI": ("Windows",),
    "windowsWebApp": ("Windows",), "futureShinyApp": ("Windows",),
    "iosVppApp": ("iOS", "iPadOS"), "iosStoreApp": ("iOS", "iPadOS"),
    "iosLobApp": ("iOS", "iPadOS"), "managedIOSStoreApp": ("iOS", "iPadOS"),
    "managedIOSLobApp": ("iOS", "iPadOS"), "iosiPadOSWebClip": ("iOS", "iPadOS"),
    "androidManagedStoreApp": ("Android",), "androidStoreApp": ("Android",),
    "androidLobApp": ("Android",), "managedAndroidStoreApp": ("Android",),
    "managedAndroidLobApp": ("Android",),
    "macOSDmgApp": ("macOS",), "macOSPkgApp": ("macOS",), "macOSLobApp": ("macOS",),
    "macOSMicrosoftEdgeApp": ("macOS",), "macOSMicrosoftDefenderApp": ("macOS",),
    "macOSOfficeSuiteApp": ("macOS",),
    "webApp": ("Windows", "iOS", "iPadOS", "Android", "macOS", "Linux"),
}
_APP_ASSIGNMENT_SETTINGS: dict[str, dict[str, Any]] = {
    "win32LobApp": {"@odata.type": "#microsoft.graph.win32LobAppAssignmentSettings",
                    "notifications": "showAll", "restartSettings": None,
                    "installTimeSettings": None, "deliveryOptimizationPriority": "notConfigured"},
    "iosVppApp": {"@odata.type": "#microsoft.graph.iosVppAppAssignmentSettings",
                  "useDeviceLicensing": True, "vpnConfigurationId": None,
                  "uninstallOnDeviceRemoval": True, "isRemovable": False,
                  "preventManagedAppBackup": True},
    "winGetApp": {"@odata.type": "#microsoft.graph.winGetAppAssignmentSettings",
                  "notifications": "showReboot", "installTimeSettings": None,
                  "restartSettings": None},
}


class _AppFactory:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.count = 0

    def add(self, odata_type: str, name: str, publisher: str, extra: dict[str, Any], *,
            beta_only: bool = False, assign: bool | None = None) -> dict[str, Any]:
        catalog = self.catalog
        rng = catalog.rng
        self.count += 1
        created = catalog.moment(120, 1200)
        app: dict[str, Any] = {
            "@odata.type": f"#microsoft.graph.{odata_type}",
            "id": catalog.new_id(),
            "displayName": name,
            "description": f"{name} by {publisher}.",
            "publisher": publisher,
            "largeIcon": None,
            "createdDateTime": created,
            "lastModifiedDateTime": catalog.moment(1, 119),
            "isFeatured": rng.random() < 0.1,
            "privacyInformationUrl": None,
            "informationUrl": None,
            "owner": "Contoso IT" if publisher.startswith("Contoso") else "",
            "developer": "",
            "notes": "",
            "publishingState": "published",
            # Every fourth app is also tagged for EMEA (tags: demo/tenant/rbac.py).
            "roleScopeTagIds": ["0", "1"] if self.count % 4 == 0 else ["0"],
            "dependentAppCount": 0,
            "supersedingAppCount": 0,
            "supersededAppCount": 0,
            "uploadState": 1,
            **extra,
        }
        kind = odata_type
        if beta_only or f"#microsoft.graph.{kind}" in rules.BETA_ONLY_APP_TYPES:
            app["_betaOnly"] = True
        app["_platforms"] = _APP_PLATFORMS.get(kind, ("Windows",))
        app["_salt"] = self.count
        will_assign = rng.random() < 0.75 if assign is None else assign
        assignments = self.assignments(app, kind) if will_assign else []
        app["isAssigned"] = bool(assignments)
        app["_assigned"] = any(item["intent"] in ("required", "available")
                               for item in assignments)
        catalog.add("deviceAppManagement/mobileApps", app)
        catalog.add_children("deviceAppManagement/mobileApps/{id}/assignments", app["id"],
                             assignments)
        categories = [category for category in catalog.tenant.collections[
            "deviceAppManagement/mobileAppCategories"] if rng.random() < 0.15][:2]
        catalog.add_children("deviceAppManagement/mobileApps/{id}/categories", app["id"],
                             categories)
        return app

    def assignments(self, app: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        catalog = self.catalog
        rng = catalog.rng
        platform_group = {"Windows": "All Windows devices", "iOS": "All iOS devices",
                          "iPadOS": "All iOS devices", "Android": "All Android devices",
                          "macOS": "All macOS devices", "Linux": "Linux engineering workstations"}
        first_platform = app["_platforms"][0]
        plans: list[tuple[str, str | None]] = []
        roll = rng.random()
        if roll < 0.4:
            plans.append(("required", platform_group[first_platform]))
        elif roll < 0.7:
            plans.append(("available", "all users"))
        else:
            plans.append(("required", rng.choice(["Sales users", "Engineering users",
                                                  "Finance users", "Pilot ring"])))
        if rng.random() < 0.3:
            plans.append(("available", rng.choice(["Helpdesk staff", "Executives"])))
        if rng.random() < 0.1:
            plans.append(("uninstall", "Frontline kiosks"))
        if rng.random() < 0.08 and first_platform in ("iOS", "Android"):
            plans.append(("availableWithoutEnrollment", "all users"))
        out: list[dict[str, Any]] = []
        for intent, group in plans:
            filter_name = None
            if first_platform == "Windows" and rng.random() < 0.25:
                filter_name = "Corporate devices only"
            elif first_platform == "Android" and rng.random() < 0.25:
                filter_name = "Zebra scanners"
            out.append({
                "@odata.type": "#microsoft.graph.mobileAppAssignment",
                "id": f"{catalog.new_id()}_{len(out)}_0",
                "intent": intent,
                "target": catalog.target(group, filter_name=filter_name,
                                         filter_type="include"),
                "settings": _APP_ASSIGNMENT_SETTINGS.get(kind),
            })
        return out


def _win32_extra(rng: random.Random, name: str, publisher: str, version: str) -> dict[str, Any]:
    slug = name.lower().replace(" ", "-").replace("(", "").replace(")", "").replace("|", "")
    is_msi = rng.random() < 0.5
    product_code = "{" + str(uuid_from_rng(rng)).upper() + "}"
    setup = f"{slug}-{version}-x64.msi" if is_msi else f"{slug}-{version}-setup.exe"
    if is_msi:
        install = f'msiexec /i "{setup}" /qn /norestart'
        uninstall = f"msiexec /x {product_code} /qn"
        detection: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.win32LobAppProductCodeRule",
            "ruleType": "detection", "productCode": product_code,
            "productVersionOperator": "greaterThanOrEqual", "productVersion": version,
        }
    else:
        install = f'"{setup}" /S /norestart'
        uninstall = f'"%ProgramFiles%\\{name}\\uninstall.exe" /S'
        detection = {
            "@odata.type": "#microsoft.graph.win32LobAppFileSystemRule",
            "ruleType": "detection", "path": f"%ProgramFiles%\\{name}",
            "fileOrFolderName": f"{slug}.exe", "check32BitOn64System": False,
            "operationType": "version", "operator": "greaterThanOrEqual",
            "comparisonValue": version,
        }
    rules_list = [detection]
    if rng.random() < 0.3:
        rules_list.append({
            "@odata.type": "#microsoft.graph.win32LobAppRegistryRule",
            "ruleType": "requirement", "check32BitOn64System": False,
            "keyPath": "HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Baseline",
            "valueName": "Ring", "operationType": "string", "operator": "equal",
            "comparisonValue": "Broad",
        })
    return {
        "committedContentVersion": "1",
        "fileName": f"{slug}.intunewin",
        "size": rng.randrange(2, 900) * 1_048_576,
        "installCommandLine": install,
        "uninstallCommandLine": uninstall,
        "applicableArchitectures": "x64",
        "allowedArchitectures": "x64,arm64",
        "minimumFreeDiskSpaceInMB": rng.choice([None, 500, 2048]),
        "minimumMemoryInMB": rng.choice([None, 4096]),
        "minimumNumberOfProcessors": None,
        "minimumCpuSpeedInMHz": None,
        "rules": rules_list,
        "installExperience": {"runAsAccount": "system",
                              "deviceRestartBehavior": "basedOnReturnCode",
                              "maxRunTimeInMinutes": 60},
        "returnCodes": [
            {"returnCode": 0, "type": "success"}, {"returnCode": 1707, "type": "success"},
            {"returnCode": 3010, "type": "softReboot"}, {"returnCode": 1641, "type": "hardReboot"},
            {"returnCode": 1618, "type": "retry"},
        ],
        "msiInformation": {"productCode": product_code, "productVersion": version,
                           "upgradeCode": None, "requiresReboot": False,
                           "packageType": "perMachine", "productName": name,
                           "publisher": publisher} if is_msi else None,
        "setupFilePath": setup,
        "minimumSupportedWindowsRelease": rng.choice(["1607", "21H2", "22H2"]),
        "displayVersion": version,
        "allowAvailableUninstall": rng.random() < 0.5,
    }


def build_apps(catalog: Catalog) -> None:
    rng = catalog.rng
    for position, name in enumerate(APP_CATEGORIES):
        catalog.add("deviceAppManagement/mobileAppCategories", {
            "@odata.type": "#microsoft.graph.mobileAppCategory",
            "id": guid_from(catalog.tenant.seed, 21, position), "displayName": name,
            "lastModifiedDateTime": catalog.moment(300, 900)})
    factory = _AppFactory(catalog)
    for name, publisher, version in WIN32_APPS:
        factory.add("win32LobApp", f"{name} {version}" if rng.random() < 0.5 else name,
                    publisher, _win32_extra(rng, name, publisher, version))
    store_country = "us"
    for name, publisher, bundle in IOS_STORE_APPS[:12]:
        total = rng.choice([25, 50, 100, 250, 500, 1000])
        used = rng.randrange(0, total + 1)
        if name == "Microsoft Teams":
            used = total  # every licence in use: the helpdesk sees "0 left"
        factory.add("iosVppApp", name, publisher, {
            "usedLicenseCount": used, "totalLicenseCount": total,
            "releaseDateTime": catalog.moment(400, 2000),
            "appStoreUrl": f"https://apps.apple.com/{store_country}/app/"
                           f"id{rng.randrange(10**8, 10**10)}",
            "licensingType": {"supportUserLicensing": True, "supportDeviceLicensing": True,
                              "supportsUserLicensing": True, "supportsDeviceLicensing": True},
            "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "vppTokenOrganizationName": "Contoso Demo Ltd", "vppTokenAccountType": "business",
            "vppTokenAppleId": "vpp@contoso-demo.com", "bundleId": bundle,
            "vppTokenId": None, "revokeLicenseActionResults": [],
        })
    for name, publisher, bundle in IOS_STORE_APPS[4:14]:
        factory.add("iosStoreApp", f"{name} (store)", publisher, {
            "bundleId": bundle,
            "appStoreUrl": f"https://apps.apple.com/us/app/id{rng.randrange(10**8, 10**10)}",
            "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "minimumSupportedOperatingSystem": {"v15_0": True, "v16_0": False,
                                                "v17_0": False},
        })
    for name, publisher, bundle in IOS_STORE_APPS[:6]:
        factory.add("managedIOSStoreApp", name, publisher, {
            "appAvailability": "global", "version": None, "bundleId": bundle,
            "appStoreUrl": f"https://apps.apple.com/us/app/id{rng.randrange(10**8, 10**10)}",
            "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "minimumSupportedOperatingSystem": {"v15_0": True},
        }, assign=False)
    for name, publisher, package in ANDROID_APPS[:6]:
        factory.add("managedAndroidStoreApp", name, publisher, {
            "appAvailability": "global", "version": None, "packageId": package,
            "appStoreUrl": f"https://play.google.com/store/apps/details?id={package}",
            "minimumSupportedOperatingSystem": {"v8_0": True},
        }, assign=False)
    for name, publisher, package in ANDROID_APPS[:14]:
        total = rng.choice([0, 0, 100, 500])
        factory.add("androidManagedStoreApp", name, publisher, {
            "packageId": package, "appIdentifier": package,
            "usedLicenseCount": rng.randrange(0, total + 1), "totalLicenseCount": total,
            "appStoreUrl": f"https://play.google.com/store/apps/details?id={package}",
            "isPrivate": publisher.startswith("Contoso"), "isSystemApp": False,
            "supportsOemConfig": name == "Zebra DataWedge", "appTracks": [],
        })
    for name, publisher, package in ANDROID_APPS[12:16]:
        factory.add("androidStoreApp", f"{name} (legacy store link)", publisher, {
            "packageId": package,
            "appStoreUrl": f"https://play.google.com/store/apps/details?id={package}",
            "minimumSupportedOperatingSystem": {"v8_0": True},
        })
    for name, publisher, bundle, version in (
        ("Slack for macOS", "Slack Technologies", "com.tinyspeck.slackmacgap", "4.41.97"),
        ("Zoom for macOS", "Zoom", "us.zoom.xos", "6.2.6"),
        ("Google Chrome for macOS", "Google LLC", "com.google.Chrome", "131.0.6778.70"),
        ("Docker Desktop for Mac", "Docker Inc.", "com.docker.docker", "4.35.1"),
        ("Visual Studio Code for Mac", "Microsoft", "com.microsoft.VSCode", "1.95.3"),
        ("Contoso Printer Setup", "Contoso IT", "com.contoso.printers", "1.2"),
    ):
        factory.add("macOSDmgApp", name, publisher, {
            "primaryBundleId": bundle, "primaryBundleVersion": version,
            "includedApps": [{"bundleId": bundle, "bundleVersion": version}],
            "ignoreVersionDetection": False,
            "minimumSupportedOperatingSystem": {"v13_0": True},
            "fileName": f"{bundle}.dmg", "size": rng.randrange(50, 900) * 1_048_576,
            "committedContentVersion": "1",
        })
    for name, publisher, bundle in (("Contoso Root CA installer", "Contoso IT",
                                     "com.contoso.rootca"),
                                    ("Jamf Connect", "Jamf", "com.jamf.connect")):
        factory.add("macOSPkgApp", name, publisher, {
            "primaryBundleId": bundle, "primaryBundleVersion": "2.1",
            "includedApps": [{"bundleId": bundle, "bundleVersion": "2.1"}],
            "ignoreVersionDetection": True, "preInstallScript": None,
            "postInstallScript": None, "fileName": f"{bundle}.pkg", "size": 12_582_912,
        })
    for name, publisher, bundle in (("Contoso Mac Agent", "Contoso IT", "com.contoso.agent"),
                                    ("Legacy VPN for Mac", "Contoso IT", "com.contoso.vpn")):
        factory.add("macOSLobApp", name, publisher, {
            "bundleId": bundle, "buildNumber": "412", "versionNumber": "3.0",
            "childApps": [], "ignoreVersionDetection": False, "installAsManaged": True,
            "fileName": f"{bundle}.pkg", "size": 4_194_304,
            "minimumSupportedOperatingSystem": {"v12_0": True},
        })
    factory.add("windowsMicrosoftEdgeApp", "Microsoft Edge for Windows 10 and later",
                "Microsoft", {"channel": "stable", "displayLanguageLocale": None})
    factory.add("macOSMicrosoftEdgeApp", "Microsoft Edge for macOS", "Microsoft",
                {"channel": "stable"})
    factory.add("macOSMicrosoftDefenderApp", "Microsoft Defender for Endpoint (macOS)",
                "Microsoft", {})
    factory.add("macOSOfficeSuiteApp", "Microsoft 365 Apps for macOS", "Microsoft", {})
    for name, channel in (("Microsoft 365 Apps for Windows 10 and later", "monthlyEnterprise"),
                          ("Microsoft 365 Apps (Current Channel, pilot)", "current")):
        factory.add("officeSuiteApp", name, "Microsoft", {
            "autoAcceptEula": True, "productIds": ["o365ProPlusRetail"],
            "excludedApps": {"access": True, "bing": True, "excel": False, "groove": True,
                             "infoPath": True, "lync": True, "oneDrive": False,
                             "oneNote": False, "outlook": False, "powerPoint": False,
                             "publisher": True, "sharePointDesigner": True, "teams": False,
                             "visio": True, "word": False},
            "useSharedComputerActivation": False, "updateChannel": channel,
            "officePlatformArchitecture": "x64", "localesToInstall": ["en-us"],
            "installProgressDisplayLevel": "none", "shouldUninstallOlderVersionsOfOffice": True,
            "targetVersion": "", "updateVersion": "", "officeConfigurationXml": None,
        })
    for name, publisher in (("Microsoft Whiteboard (MSfB)", "Microsoft"),
                            ("Company Portal (MSfB)", "Microsoft"),
                            ("OneNote for Windows 10 (MSfB)", "Microsoft"),
                            ("Contoso Kiosk App (MSfB)", "Contoso IT")):
        total = rng.choice([50, 200, 1000])
        factory.add("microsoftStoreForBusinessApp", name, publisher, {
            "usedLicenseCount": rng.randrange(0, total), "totalLicenseCount": total,
            "productKey": f"9{chars(rng.getrandbits(60), 11)}/0016",
            "licenseType": rng.choice(["offline", "online"]),
            "packageIdentityName": f"Microsoft.{name.split()[0]}",
        })
    for name, publisher, identifier in WINGET_APPS:
        factory.add("winGetApp", name, publisher, {
            "packageIdentifier": identifier, "manifestHash": chars(rng.getrandbits(200), 40),
            "installExperience": {"runAsAccount": rng.choice(["user", "system"])},
        })
    for name, url in WEB_APPS:
        factory.add("webApp", name, "Contoso IT", {"appUrl": url,
                                                   "useManagedBrowser": rng.random() < 0.5})
    for name, url in WEB_APPS[:3]:
        factory.add("windowsWebApp", f"{name} (Windows)", "Contoso IT", {"appUrl": url})
        factory.add("iosiPadOSWebClip", f"{name} (iOS web clip)", "Contoso IT", {
            "appUrl": url, "useManagedBrowser": True, "fullScreenEnabled": False,
            "ignoreManifestScope": False, "preComposedIconEnabled": False,
            "targetApplicationBundleIdentifier": None})
    for name in ("Contoso Scanner App", "Contoso Badge Reader"):
        factory.add("windowsUniversalAppX", name, "Contoso IT", {
            "applicableArchitectures": "x64,arm64", "applicableDeviceTypes": "desktop",
            "identityName": f"Contoso.{name.split()[1]}", "identityPublisherHash": "8wekyb3d8bbwe",
            "identityResourceIdentifier": None, "isBundle": False,
            "minimumSupportedOperatingSystem": {"v10_0": True}, "identityVersion": "1.4.0.0",
            "fileName": f"{name}.msixbundle", "size": 18_874_368,
        })
    for name in ("Contoso Legacy MSI Tool", "Contoso Password Sync"):
        factory.add("windowsMobileMSI", name, "Contoso IT", {
            "commandLine": "/qn", "productCode": "{" + uuid_from_rng(rng).upper() + "}",
            "productVersion": "2.3.0", "ignoreVersionDetection": False,
            "useDeviceContext": True, "fileName": f"{name}.msi", "size": 7_340_032,
        })
    for name, bundle in (("Contoso Sales (iOS LOB)", "com.contoso.sales"),
                         ("Contoso Inventory (iOS LOB)", "com.contoso.inventory"),
                         ("Contoso Kiosk Check-in", "com.contoso.checkin")):
        factory.add("iosLobApp", name, "Contoso IT", {
            "bundleId": bundle, "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
            "minimumSupportedOperatingSystem": {"v16_0": True},
            "expirationDateTime": iso(catalog.tenant.now + timedelta(days=rng.randrange(5, 300))),
            "versionNumber": "4.2", "buildNumber": "420", "fileName": f"{bundle}.ipa",
            "size": 40_894_464,
        })
    for name, package in (("Contoso Sales (Android LOB)", "com.contoso.sales"),
                          ("Contoso Inventory (Android LOB)", "com.contoso.inventory"),
                          ("Warehouse Picker", "com.contoso.picker")):
        factory.add("androidLobApp", name, "Contoso IT", {
            "packageId": package, "identityName": package, "identityVersion": "31",
            "versionName": "3.1", "versionCode": "31",
            "minimumSupportedOperatingSystem": {"v10_0": True},
            "fileName": f"{package}.apk", "size": 25_165_824,
        })
    factory.add("managedIOSLobApp", "Contoso Secure Notes (MAM)", "Contoso IT", {
        "appAvailability": "lineOfBusiness", "version": "1.0", "bundleId": "com.contoso.notes",
        "applicableDeviceType": {"iPad": True, "iPhoneAndIPod": True},
        "minimumSupportedOperatingSystem": {"v16_0": True}, "versionNumber": "1.0",
        "buildNumber": "10", "expirationDateTime": iso(catalog.tenant.now + timedelta(days=90)),
    })
    factory.add("managedAndroidLobApp", "Contoso Secure Notes (Android MAM)", "Contoso IT", {
        "appAvailability": "lineOfBusiness", "version": "1.0",
        "packageId": "com.contoso.notes", "identityName": "com.contoso.notes",
        "identityVersion": "10", "versionName": "1.0", "versionCode": "10",
        "minimumSupportedOperatingSystem": {"v10_0": True},
    })
    # A type Graph may add tomorrow: clients must show it as "unknown type", not crash.
    factory.add("futureShinyApp", "Contoso Hologram Viewer", "Contoso Labs", {
        "shininessLevel": 11, "hologramFormat": "volumetric",
        "displayVersion": "0.9-preview"}, beta_only=True)
