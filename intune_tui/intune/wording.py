"""Graph's names and values in words for people: app and policy kinds, platforms, assignment
targets, permissions, expiry, any property and value (never JSON), settings-catalog settings,
compliance actions. Tables and functions of words only; the records are in models.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from intune_tui.intune.fields import list_field, odata_type_name
from intune_tui.intune.formatting import MISSING, camel_words, days_left, enum_word

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
# RBAC: the resource part of an Intune permission ('Microsoft.Intune_ManagedDevices_Read')

PERMISSION_RESOURCE_WORDS = {
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


# ---------------------------------------------------------------------------------------------
# Expiry

def expiry_words(expires: datetime | None, now: datetime) -> str:
    """'expires in 46 days', 'expires today', 'expired 3 days ago', or MISSING."""
    if expires is None:
        return MISSING
    if expires <= now:
        ago = int((now - expires).total_seconds() // 86400)
        return "expired today" if ago == 0 else f"expired {ago} day{'s' if ago != 1 else ''} ago"
    left = days_left(expires, now) or 0
    return "expires today" if left == 0 else f"expires in {left} day{'s' if left != 1 else ''}"


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


def catalog_setting_words(setting: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """A settings-catalog policy's setting (deviceManagementConfigurationSetting) as
    `setting_rows` of its instance."""
    return setting_rows(setting.get("settingInstance"))


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
