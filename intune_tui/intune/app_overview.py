"""An app's overview as titled sections of label/value pairs, built from the app's own type.

A Win32 app shows its commands, detection and requirement rules and return codes; a store app
its store link and identifiers; a volume-purchase app its licences; a web link its URL. A type
this code does not know shows its raw type name and its properties in words. Values are the
tenant's own (the screen shows them literally).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from intune_tui.intune.fields import odata_type_name
from intune_tui.intune.formatting import (
    MISSING,
    Field,
    enum_word,
    format_bool,
    format_bytes,
    format_count,
    format_datetime,
    parse_datetime,
    relative_time,
)
from intune_tui.intune.models import InstallSummary, MobileApp
from intune_tui.intune.wording import (
    APP_TYPE_NAMES,
    app_type_name,
    property_words,
    readable_properties,
    value_words,
)
from intune_tui.text import clean

Section = tuple[str, list[Field]]

# Base mobileApp properties and ones that mean nothing to a person: never in "More".
_COMMON = frozenset({
    "id", "displayName", "description", "publisher", "largeIcon", "createdDateTime",
    "lastModifiedDateTime", "isFeatured", "privacyInformationUrl", "informationUrl", "owner",
    "developer", "notes", "publishingState", "isAssigned", "roleScopeTagIds", "uploadState",
    "dependentAppCount", "supersedingAppCount", "supersededAppCount", "categories",
    "displayVersion", "committedContentVersion", "manifestHash", "relationships", "assignments",
})
_OPERATORS = {"equal": "=", "notequal": "≠", "greaterthan": ">", "greaterthanorequal": "≥",
              "lessthan": "<", "lessthanorequal": "≤"}
_RETURN_CODE_WORDS = {"success": "Success", "softreboot": "Soft reboot",
                      "hardreboot": "Hard reboot", "retry": "Retry", "failed": "Failed"}
_WIN32_TYPES = ("win32LobApp", "win32CatalogApp")
_WEB_TYPES = ("webApp", "windowsWebApp", "iosiPadOSWebClip", "macOSWebClip",
              "androidManagedStoreWebApp")
_LICENSED_TYPES = ("iosVppApp", "macOsVppApp", "microsoftStoreForBusinessApp",
                   "androidManagedStoreApp")


class _Reader:
    """Reads an app's properties for sections and remembers which ones were shown."""

    def __init__(self, app: dict[str, Any]) -> None:
        self.app = app
        self.used: set[str] = set()

    def raw(self, key: str) -> Any:
        self.used.add(key)
        return self.app.get(key)

    def text(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None or isinstance(value, dict | list) or value == "":
            return None
        return str(value)

    def words(self, key: str) -> str | None:
        value = self.raw(key)
        if value is None or value == "" or value == [] or value == {}:
            return None
        return value_words(value)

    def number(self, key: str, unit: str = "") -> str | None:
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return f"{format_count(value)}{unit}"


def _present(fields: list[Field]) -> list[Field]:
    return [(label, value) for label, value in fields if value not in (None, "", MISSING)]


def app_sections(app: dict[str, Any], now: datetime,
                 scope_tags: str | None = None) -> list[Section]:
    """The overview of an app as titled sections of label/value pairs, for any type;
    `scope_tags`: the app's scope tags in words (`ScopeTagNames.words`), None: not shown."""
    reader = _Reader(app)
    model = MobileApp.from_graph(app)
    kind = model.odata_type or ""
    sections: list[Section] = [("App", _common_fields(reader, model, now, scope_tags))]
    if kind in _WIN32_TYPES:
        sections += _win32_sections(reader)
    if kind in _WEB_TYPES:
        sections.append(("Web link", _present([
            ("URL", reader.text("appUrl")),
            ("Open in managed browser", reader.words("useManagedBrowser")),
            ("Full screen", reader.words("fullScreenEnabled"))])))
    if kind == "winGetApp":
        experience = reader.raw("installExperience")
        sections.append(("Microsoft Store (new)", _present([
            ("Package identifier", reader.text("packageIdentifier")),
            ("Install as", enum_word(experience.get("runAsAccount"))
             if isinstance(experience, dict) else None)])))
    if kind in _LICENSED_TYPES:
        sections.append(("Licences", _licence_fields(reader)))
    store = _store_fields(reader)
    if store:
        sections.append(("Store", store))
    package = _package_fields(reader, now)
    if package:
        sections.append(("Package", package))
    if kind == "officeSuiteApp":
        sections.append(("Microsoft 365 Apps", _office_fields(reader)))
    more = readable_properties({key: value for key, value in app.items()
                                if key not in reader.used}, skip=_COMMON)
    if more:
        title = "More" if kind in APP_TYPE_NAMES else f"Properties of {clean(kind) or 'this app'}"
        sections.append((title, list(more)))
    return [(title, fields) for title, fields in sections if fields]


def _common_fields(reader: _Reader, model: MobileApp, now: datetime,
                   scope_tags: str | None) -> list[Field]:
    categories = reader.raw("categories")
    names = [str(c.get("displayName")) for c in categories or []
             if isinstance(c, dict) and c.get("displayName")] if isinstance(
        categories, list) else []
    fields: list[Field] = [
        ("Name", model.name),
        ("Type", app_type_name(model.odata_type)),
        ("Publisher", model.publisher),
        ("Version", reader.text("displayVersion") or model.version),
        ("Description", model.description),
        ("State", enum_word(model.publishing_state) if model.publishing_state else None),
        ("Assigned", format_bool(model.is_assigned) if model.is_assigned is not None else None),
        ("Categories", ", ".join(names) if names else None),
        ("Featured", reader.words("isFeatured")),
        ("Created", _when(model.created, now)),
        ("Modified", _when(model.last_modified, now)),
        ("Owner", reader.text("owner")),
        ("Developer", reader.text("developer")),
        ("Notes", reader.text("notes")),
        ("Information URL", reader.text("informationUrl")),
        ("Privacy URL", reader.text("privacyInformationUrl")),
        ("Scope tags", scope_tags),
        ("Id", model.id),
    ]
    shown = ("Name", "Type", "Publisher", "Assigned", "Modified", "Id")
    return [(label, value) for label, value in fields
            if label in shown or value not in (None, "", MISSING)]


def _when(moment: datetime | None, now: datetime) -> str | None:
    if moment is None:
        return None
    return f"{format_datetime(moment)} ({relative_time(moment, now)})"


# -- Win32 -------------------------------------------------------------------------------------


def _win32_sections(reader: _Reader) -> list[Section]:
    experience = reader.raw("installExperience")
    experience = experience if isinstance(experience, dict) else {}
    run_time = experience.get("maxRunTimeInMinutes")
    install = _present([
        ("Install command", reader.text("installCommandLine")),
        ("Uninstall command", reader.text("uninstallCommandLine")),
        ("Install as", enum_word(experience.get("runAsAccount"))
         if experience.get("runAsAccount") else None),
        ("Restart behaviour", value_words(experience.get("deviceRestartBehavior"))
         if experience.get("deviceRestartBehavior") else None),
        ("Maximum run time", f"{run_time} minutes" if isinstance(run_time, int) else None),
        ("Setup file", reader.text("setupFilePath")),
        ("Package file", reader.text("fileName")),
        ("Size", format_bytes(reader.raw("size")) if reader.raw("size") is not None else None),
        ("Uninstall from Company Portal", reader.words("allowAvailableUninstall")),
    ])
    rules = [rule for rule in _list(reader.raw("rules")) + _list(reader.raw("detectionRules"))
             + _list(reader.raw("requirementRules")) if isinstance(rule, dict)]
    detection = [rule for rule in rules if _rule_role(rule) == "detection"]
    requirement_rules = [rule for rule in rules if _rule_role(rule) == "requirement"]
    architectures = reader.text("allowedArchitectures") or reader.text("applicableArchitectures")
    reader.used.update(("allowedArchitectures", "applicableArchitectures"))
    requirements = _present([
        ("Architectures", _architectures(architectures)),
        ("Minimum Windows release", reader.text("minimumSupportedWindowsRelease")),
        ("Minimum free disk space", reader.number("minimumFreeDiskSpaceInMB", " MB")),
        ("Minimum memory", reader.number("minimumMemoryInMB", " MB")),
        ("Minimum processors", reader.number("minimumNumberOfProcessors")),
        ("Minimum CPU speed", reader.number("minimumCpuSpeedInMHz", " MHz")),
        *((f"Rule {n}", rule_words(rule)) for n, rule in enumerate(requirement_rules, 1)),
    ])
    sections: list[Section] = [("Install", install), ("Requirements", requirements),
                               ("Detection rules", [(f"Rule {n}", rule_words(rule))
                                                    for n, rule in enumerate(detection, 1)]),
                               ("Return codes", _return_codes(reader.raw("returnCodes")))]
    msi = reader.raw("msiInformation")
    if isinstance(msi, dict):
        sections.append(("MSI", list(readable_properties(msi))))
    return sections


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _rule_role(rule: dict[str, Any]) -> str:
    role = str(rule.get("ruleType") or "").lower()
    if role:
        return role
    kind = (odata_type_name(rule) or "").lower()
    return "requirement" if "requirement" in kind else "detection"


def _architectures(value: str | None) -> str | None:
    if not value:
        return None
    return ", ".join(part.strip() for part in value.split(",") if part.strip() and
                     part.strip().lower() != "none") or None


def rule_words(rule: dict[str, Any]) -> str:
    """A Win32 detection or requirement rule in one line:
    'File %ProgramFiles%\\7-Zip\\7z.exe: version ≥ 24.08'."""
    kind = (odata_type_name(rule) or "").lower()
    check = _rule_check(rule)
    bitness = " (32-bit on 64-bit)" if rule.get("check32BitOn64System") is True else ""
    if "filesystem" in kind:
        target = "\\".join(clean(part) for part in (rule.get("path"), rule.get("fileOrFolderName"))
                           if part)
        return f"File {target or '—'}{bitness}: {check}"
    if "registry" in kind:
        key = clean(rule.get("keyPath")) or "—"
        value = clean(rule.get("valueName"))
        return f"Registry {key}{' value ' + value if value else ''}{bitness}: {check}"
    if "productcode" in kind:
        text = f"MSI product code {clean(rule.get('productCode')) or '—'}"
        operator = str(rule.get("productVersionOperator") or "").lower()
        if operator in _OPERATORS:
            text += f" version {_OPERATORS[operator]} {clean(rule.get('productVersion'))}"
        return text
    if "powershell" in kind:
        name = clean(rule.get("displayName"))
        text = f"PowerShell script{' ' + name if name else ''}"
        if rule.get("operationType") not in (None, "notConfigured"):
            text += f": output {check}"
        return text
    details = "; ".join(f"{name}: {value}" for name, value in readable_properties(
        rule, skip=frozenset({"ruleType"})))
    return f"{property_words(odata_type_name(rule) or 'rule')}: {details or '—'}"


def _rule_check(rule: dict[str, Any]) -> str:
    operation = str(rule.get("operationType") or rule.get("detectionType") or "").lower()
    if operation in ("exists", "doesnotexist", ""):
        return {"doesnotexist": "does not exist"}.get(operation, "exists")
    operator = _OPERATORS.get(str(rule.get("operator") or "").lower(), "")
    value = clean(rule.get("comparisonValue") if rule.get("comparisonValue") is not None
                  else rule.get("detectionValue"))
    return " ".join(part for part in (value_words(rule.get("operationType")
                                                  or rule.get("detectionType")).lower(),
                                      operator, value) if part)


def _return_codes(codes: object) -> list[Field]:
    fields: list[Field] = []
    for code in _list(codes):
        if isinstance(code, dict) and code.get("returnCode") is not None:
            kind = str(code.get("type") or "")
            fields.append((str(code.get("returnCode")),
                           _RETURN_CODE_WORDS.get(kind.lower(), enum_word(kind))))
    return fields


# -- store, licences, packages --------------------------------------------------------------------


def _store_fields(reader: _Reader) -> list[Field]:
    return _present([
        ("Store URL", reader.text("appStoreUrl")),
        ("Bundle id", reader.text("bundleId")),
        ("Package id", reader.text("packageId")),
        ("Package identity", reader.text("packageIdentityName")),
        ("App identifier", reader.text("appIdentifier")),
        ("Product key", reader.text("productKey")),
        ("Licence type", reader.words("licenseType")),
        ("Devices", _device_types(reader.raw("applicableDeviceType"))),
        ("Minimum OS", _minimum_os(reader.raw("minimumSupportedOperatingSystem"))),
        ("Availability", reader.words("appAvailability")),
        ("Released", format_datetime(parse_datetime(reader.raw("releaseDateTime")))
         if parse_datetime(reader.app.get("releaseDateTime")) else None),
    ])


def _licence_fields(reader: _Reader) -> list[Field]:
    used, total = reader.raw("usedLicenseCount"), reader.raw("totalLicenseCount")
    counts = None
    if isinstance(used, int) and isinstance(total, int) and not isinstance(used, bool):
        left = total - used
        counts = f"{used:,} used of {total:,} ({left:,} left)"
    licensing = reader.raw("licensingType")
    kinds = []
    if isinstance(licensing, dict):
        if licensing.get("supportsUserLicensing") or licensing.get("supportUserLicensing"):
            kinds.append("user")
        if licensing.get("supportsDeviceLicensing") or licensing.get("supportDeviceLicensing"):
            kinds.append("device")
    return _present([
        ("Licences", counts),
        ("Licensing", " and ".join(kinds) + " licensing" if kinds else None),
        ("VPP organisation", reader.text("vppTokenOrganizationName")),
        ("VPP Apple ID", reader.text("vppTokenAppleId")),
        ("VPP account type", reader.words("vppTokenAccountType")),
    ])


def _package_fields(reader: _Reader, now: datetime) -> list[Field]:
    expires = parse_datetime(reader.raw("expirationDateTime"))
    version = " ".join(part for part in (
        reader.text("versionNumber") or reader.text("versionName")
        or reader.text("identityVersion") or reader.text("productVersion")
        or reader.text("primaryBundleVersion"),
        f"(build {reader.text('buildNumber') or reader.text('versionCode')})"
        if reader.text("buildNumber") or reader.text("versionCode") else None) if part)
    included = [str(app.get("bundleId")) for app in _list(reader.raw("includedApps"))
                if isinstance(app, dict) and app.get("bundleId")]
    size = reader.raw("size")
    return _present([
        ("File", reader.text("fileName")),
        ("Size", format_bytes(size) if size is not None else None),
        ("Package version", version or None),
        ("Identity name", reader.text("identityName")),
        ("Primary bundle id", reader.text("primaryBundleId")),
        ("Included apps", ", ".join(included) if included else None),
        ("Product code", reader.text("productCode")),
        ("Command line", reader.text("commandLine")),
        ("Architectures", _architectures(reader.text("applicableArchitectures"))),
        ("Expires", _expiry(expires, now)),
    ])


def _expiry(expires: datetime | None, now: datetime) -> str | None:
    if expires is None:
        return None
    if expires <= now:
        return f"{format_datetime(expires)} (expired)"
    return f"{format_datetime(expires)} ({relative_time(expires, now)})"


def _office_fields(reader: _Reader) -> list[Field]:
    excluded = reader.raw("excludedApps")
    left_out = [property_words(name) for name, value in excluded.items()
                if value is True and not str(name).startswith("@")] if isinstance(
        excluded, dict) else []
    return _present([
        ("Update channel", reader.words("updateChannel")),
        ("Architecture", reader.words("officePlatformArchitecture")),
        ("Products", reader.words("productIds")),
        ("Languages", reader.words("localesToInstall")),
        ("Excluded apps", ", ".join(left_out) if left_out else None),
        ("Shared computer activation", reader.words("useSharedComputerActivation")),
        ("Accept licence terms for users", reader.words("autoAcceptEula")),
    ])


def _device_types(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    words = {"iPad": "iPad", "iPhoneAndIPod": "iPhone and iPod"}
    chosen = [words.get(key, property_words(key)) for key, on in value.items()
              if on is True and not key.startswith("@")]
    return ", ".join(chosen) or None


def _minimum_os(value: object) -> str | None:
    """{'v15_0': True, 'v16_0': False} -> '15.0 or later'."""
    if not isinstance(value, dict):
        return None
    for key, on in value.items():
        if on is True and isinstance(key, str) and key.startswith("v"):
            return key[1:].replace("_", ".") + " or later"
    return None


def install_summary_words(summary: InstallSummary) -> str:
    parts = [("Installed", summary.installed), ("Failed", summary.failed),
             ("Pending", summary.pending), ("Not installed", summary.not_installed),
             ("Not applicable", summary.not_applicable)]
    text = " · ".join(f"{label} {count:,}" for label, count in parts if count is not None)
    return text or "Graph gave no install counts"
