"""Settings-catalog profiles per device: Intune's two reports and the profiles' setting
definitions, as Graph serves them.

- beta `POST deviceManagement/reports/getConfigurationPoliciesReportForDevice` and
  `.../getConfigurationSettingsReport`: body {select, filter, orderBy, skip, top, search,
  groupBy, name, sessionId} (msgraph-beta-sdk-python device_management/reports/
  get_configuration_settings_report/*_post_request_body.py, read 2026-12-06); beta only (v1.0's
  metadata has neither, msgraph-metadata clean_v10_metadata/cleanMetadata.xml, 2026-08-20).
  Answer: a stream (application/octet-stream) of JSON {TotalRowCount, Schema: [{Column,
  PropertyType}], Values, SessionId}; rows page with skip/top. Scopes: any of
  DeviceManagementConfiguration/-Apps/-ManagedDevices Read(Write).All (the reports' reference
  pages, beta, read 2026-12-06); without one, Intune's 403. The filter is Intune's report
  grammar: `(Column eq 'value')` joined by and/or in parentheses; another operator or an unknown
  column is a 400. Status codes 0-6 (unknown, notApplicable, compliant/succeeded, remediated,
  nonCompliant, error, conflict) with a `_loc` words column beside each status column, as the
  exported reports carry one (the sources named in intune/settings_catalog.py).
- beta `GET deviceManagement/configurationPolicies/{id}/settings?$expand=settingDefinitions`: the
  profile's settings (25 a page, as the settings collection pages) each with the definitions of
  its instance and children: a choice definition's `options` (itemId, displayName, name) name
  every value the profile can hold.

Which profiles reach a device and how they fare there is rolled from the device and profile
(stable for a seed): the named profiles of the device's platform that are assigned.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from intune_tui.demo import rules
from intune_tui.demo.answers import (
    Answer,
    Call,
    GraphAnswer,
    graph_error,
    method_not_allowed,
    not_found,
    page_of,
    segment_not_found,
)
from intune_tui.demo.tenant import DemoTenant, mix64

if TYPE_CHECKING:
    from intune_tui.demo.fake_graph import FakeGraph

POLICIES = "deviceManagement/configurationPolicies"
REPORTS = ("deviceManagement", "reports")
POLICY_REPORT = "getConfigurationPoliciesReportForDevice"
SETTING_REPORT = "getConfigurationSettingsReport"
REPORT_SCOPES = (*rules.CONFIG_R, "DeviceManagementApps.Read.All",
                 "DeviceManagementApps.ReadWrite.All", *rules.DEVICES_READ)
SETTINGS_PAGE = 25
NO_USER = "00000000-0000-0000-0000-000000000000"
POLICY_TYPE = "DeviceManagementConfigurationPolicy"
STATUS_LOC = {0: "Unknown", 1: "Not applicable", 2: "Succeeded", 3: "Remediated",
              4: "Not compliant", 5: "Error", 6: "Conflict"}
ERROR_CODES = {5: -2016281112, 6: -2016281211}  # as the demo's template profiles report them
_PLATFORM_OS = {"windows10": ("Windows",), "macOS": ("macOS",), "iOS": ("iOS", "iPadOS"),
                "linux": ("Linux",)}
POLICY_COLUMNS = ("IntuneDeviceId", "PolicyBaseTypeName", "PolicyId", "PolicyName",
                  "PolicyStatus", "PolicyStatus_loc", "UPN", "UserId",
                  "PspdpuLastModifiedTimeUtc", "UnifiedPolicyType")
SETTING_COLUMNS = ("PolicyId", "DeviceId", "UserId", "SettingId", "SettingName",
                   "SettingInstanceId", "SettingStatus", "SettingStatus_loc", "ErrorCode")
_TYPES = {"PolicyStatus": "Int32", "SettingStatus": "Int32", "ErrorCode": "Int32",
          "PspdpuLastModifiedTimeUtc": "DateTime"}


# --- words for the setting definitions ---------------------------------------------------------
_NAMES: dict[str, str] = {
    "allowrealtimemonitoring": "Allow Realtime Monitoring",
    "allowbehaviormonitoring": "Allow Behavior Monitoring",
    "allowcloudprotection": "Allow Cloud Protection",
    "allowioavprotection": "Allow scanning of all downloaded files and attachments",
    "allowscriptscanning": "Allow Script Scanning",
    "allowarchivescanning": "Allow Archive Scanning",
    "allowemailscanning": "Allow Email Scanning",
    "allowfullscanremovabledrivescanning": "Allow Full Scan Removable Drive Scanning",
    "allowintrusionpreventionsystem": "Allow Intrusion Prevention System",
    "allowonaccessprotection": "Allow On Access Protection",
    "allowuseruiaccess": "Allow User UI Access",
    "checkforsignaturesbeforerunningscan": "Check For Signatures Before Running Scan",
    "cloudblocklevel": "Cloud Block Level",
    "cloudextendedtimeout": "Cloud Extended Timeout",
    "daystoretaincleanedmalware": "Days To Retain Cleaned Malware",
    "disablecatchupfullscan": "Disable Catchup Full Scan",
    "disablecatchupquickscan": "Disable Catchup Quick Scan",
    "enablelowcpupriority": "Enable Low CPU Priority",
    "enablenetworkprotection": "Enable Network Protection",
    "puaprotection": "PUA Protection",
    "realtimescandirection": "Real Time Scan Direction",
    "scanparameter": "Scan Parameter",
    "schedulequickscantime": "Schedule Quick Scan Time",
    "schedulescanday": "Schedule Scan Day",
    "schedulescantime": "Schedule Scan Time",
    "signatureupdateinterval": "Signature Update Interval",
    "submitsamplesconsent": "Submit Samples Consent",
    "avgcpuloadfactor": "Avg CPU Load Factor",
    "homepagelocation": "Configure the home page URL",
    "homepageisnewtabpage": "Set the new tab page as the home page",
    "showhomebutton": "Show Home button on toolbar",
    "restoreonstartup": "Action to take on startup",
    "passwordmanagerenabled": "Enable saving passwords to the password manager",
    "smartscreenenabled": "Configure Microsoft Defender SmartScreen",
    "smartscreenpuaenabled": "Configure Microsoft Defender SmartScreen to block potentially "
                             "unwanted apps",
    "preventsmartscreenpromptoverride": "Prevent bypassing Microsoft Defender SmartScreen "
                                        "prompts for sites",
    "sslerroroverrideallowed": "Allow users to proceed from the HTTPS warning page",
    "inprivatemodeavailability": "Configure InPrivate mode availability",
    "syncdisabled": "Disable synchronization of data using Microsoft sync services",
    "browsersignin": "Browser sign-in settings",
    "backupdirectory": "Backup Directory",
    "passwordagedays_aad": "Password Age Days",
    "administratoraccountname": "Administrator Account Name",
    "passwordcomplexity": "Password Complexity",
    "passwordlength": "Password Length",
    "enablefirewall": "Enable Firewall",
    "defaultinboundaction": "Default Inbound Action",
    "firewallrules": "Firewall Rules",
}
_OPTIONS: dict[str, dict[str, str]] = {
    "backupdirectory": {"0": "Disabled (password will not be backed up)",
                        "1": "Backup the password to Azure AD only",
                        "2": "Backup the password to Active Directory only"},
    "passwordcomplexity": {"1": "Large letters", "2": "Large letters + small letters",
                           "3": "Large letters + small letters + numbers",
                           "4": "Large letters + small letters + numbers + special characters"},
    "defaultinboundaction": {"0": "Allow", "1": "Block"},
    "direction": {"in": "The rule applies to inbound traffic.",
                  "out": "The rule applies to outbound traffic."},
    "cloudblocklevel": {"0": "Default State", "1": "High", "2": "High Plus"},
    "puaprotection": {"0": "PUA Protection off. Windows Defender will not protect against "
                           "potentially unwanted applications.",
                      "1": "PUA Protection on. Detected items are blocked.",
                      "2": "Audit mode. Windows Defender will detect potentially unwanted "
                           "applications, but take no action."},
    "submitsamplesconsent": {"0": "Always prompt", "1": "Send safe samples automatically",
                             "2": "Never send"},
    "scanparameter": {"0": "Not configured", "1": "Quick scan", "2": "Full scan"},
    "schedulescanday": {"0": "Every day", "1": "Sunday", "2": "Monday"},
    "realtimescandirection": {"0": "Monitor all files (bi-directional)",
                              "1": "Monitor incoming files", "2": "Monitor outgoing files"},
}


def _leaf(definition_id: str) -> str:
    """The definition's own name: the part after the policy family's prefix."""
    tail = definition_id.rsplit("~", 1)[-1]
    for prefix in ("device_vendor_msft_policy_config_defender_", "microsoft_edge_",
                   "device_vendor_msft_laps_policies_", "vendor_msft_firewall_mdmstore_"):
        if prefix in tail:
            tail = tail.split(prefix, 1)[1]
    return tail


def _display_name(definition_id: str) -> str:
    leaf = _leaf(definition_id)
    for key in (leaf, leaf.rsplit("_", 1)[-1]):
        if key in _NAMES:
            return _NAMES[key]
    words = re.sub(r"[_{}]+", " ", leaf).strip()
    return words[:1].upper() + words[1:] if words else definition_id


def _option_words(definition_id: str, value: str) -> str:
    leaf = _leaf(definition_id)
    for key in (leaf, leaf.rsplit("_", 1)[-1]):
        if key in _OPTIONS and value in _OPTIONS[key]:
            return _OPTIONS[key][value]
    if value in ("true", "false"):
        return "Enabled" if value == "true" else "Disabled"
    if "microsoft_edge" in definition_id:
        return {"0": "Disabled", "1": "Enabled"}.get(value, value)
    if leaf.startswith(("allow", "check", "enable")):
        return {"0": "Not allowed", "1": "Allowed", "2": "Audit mode"}.get(value, value)
    if leaf.startswith("disable"):
        return {"0": "Disabled", "1": "Enabled"}.get(value, value)
    return {"0": "Off", "1": "On", "2": "Audit mode"}.get(value, value)


def _walk(instance: dict[str, Any]) -> list[dict[str, Any]]:
    found = [instance]
    choice = instance.get("choiceSettingValue") or {}
    children = list(choice.get("children") or [])
    for group in instance.get("groupSettingCollectionValue") or []:
        children.extend(group.get("children") or [])
    for child in children:
        found.extend(_walk(child))
    return found


def definitions(instance: dict[str, Any]) -> list[dict[str, Any]]:
    """The setting definitions of one setting instance and its children."""
    out = []
    for found in _walk(instance):
        definition_id = str(found["settingDefinitionId"])
        definition: dict[str, Any] = {"id": definition_id, "name": _leaf(definition_id),
                                      "displayName": _display_name(definition_id),
                                      "description": "", "helpText": ""}
        choice = found.get("choiceSettingValue")
        if choice is not None:
            definition["@odata.type"] = (
                "#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition")
            chosen = str(choice.get("value", ""))
            known = {"0", "1", "2", "true", "false", "in", "out", "4", "3"}
            values = sorted(known | {chosen.rsplit("_", 1)[-1]})
            definition["options"] = [
                {"itemId": f"{definition_id}_{value}", "name": value,
                 "displayName": _option_words(definition_id, value), "description": None,
                 "helpText": None, "dependentOn": [], "dependedOnBy": [],
                 "optionValue": {"@odata.type": "#microsoft.graph."
                                 "deviceManagementConfigurationStringSettingValue",
                                 "value": value}}
                for value in values if f"{definition_id}_{value}" == chosen
                or _option_words(definition_id, value) != value]
            definition["defaultOptionId"] = definition["options"][0]["itemId"]
        elif "groupSettingCollectionValue" in found:
            definition["@odata.type"] = ("#microsoft.graph."
                                         "deviceManagementConfigurationSettingGroupCollection"
                                         "Definition")
        else:
            definition["@odata.type"] = (
                "#microsoft.graph.deviceManagementConfigurationSimpleSettingDefinition")
        out.append(definition)
    return out


# --- which profiles reach which device, and how they fare there --------------------------------
def device_policies(tenant: DemoTenant, index: int) -> list[dict[str, Any]]:
    """The assigned, named settings-catalog profiles of the device's platform."""
    os_name = tenant.devices.os[index]
    return [policy for policy in tenant.collection(POLICIES)
            if policy.get("isAssigned") and " - ring " not in str(policy.get("name"))
            and os_name in _PLATFORM_OS.get(str(policy.get("platforms")), ())]


def policy_status(tenant: DemoTenant, policy: dict[str, Any], index: int) -> int:
    """0-6 as the reports count: mostly succeeded, a few in error or conflict."""
    roll = mix64(int(str(policy["id"]).replace("-", "")[:12], 16) + index * 7919) % 1000
    if tenant.devices.compliance[index] == "unknown" or roll < 30:
        return 0
    if roll < 110:
        return 5
    if roll < 160:
        return 6
    if roll < 190:
        return 1
    return 2


def _user(tenant: DemoTenant, index: int) -> tuple[str, str]:
    user = tenant.devices.user[index]
    if user < 0:
        return NO_USER, ""
    return tenant.users.id_of(user), tenant.users.upn[user]


def policy_rows(tenant: DemoTenant, index: int) -> list[dict[str, Any]]:
    device_id = tenant.devices.id_of(index)
    user_id, upn = _user(tenant, index)
    rows = []
    for policy in device_policies(tenant, index):
        status = policy_status(tenant, policy, index)
        rows.append({
            "IntuneDeviceId": device_id, "PolicyBaseTypeName": POLICY_TYPE,
            "PolicyId": policy["id"], "PolicyName": policy["name"], "PolicyStatus": status,
            "PolicyStatus_loc": STATUS_LOC[status], "UPN": upn, "UserId": user_id,
            "PspdpuLastModifiedTimeUtc": policy.get("lastModifiedDateTime"),
            "UnifiedPolicyType": "settingsCatalog"})
    return rows


def setting_rows(tenant: DemoTenant, index: int, policy: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per setting instance of the profile; a failing profile fails on one setting."""
    status = policy_status(tenant, policy, index)
    user_id, _ = _user(tenant, index)
    settings = tenant.children.get(f"{POLICIES}/{{id}}/settings", {}).get(policy["id"], [])
    instances = [(setting["id"], found) for setting in settings
                 for found in _walk(setting["settingInstance"])]
    culprit = mix64(index * 31 + len(instances)) % len(instances) if instances else -1
    rows = []
    for position, (setting_id, instance) in enumerate(instances):
        state = status if status in (0, 1) else 2
        if status in (5, 6) and position == culprit:
            state = status
        definition_id = str(instance["settingDefinitionId"])
        rows.append({
            "PolicyId": policy["id"], "DeviceId": tenant.devices.id_of(index),
            "UserId": user_id, "SettingId": definition_id, "SettingName": _leaf(definition_id),
            "SettingInstanceId": f"{setting_id}_{position}", "SettingStatus": state,
            "SettingStatus_loc": STATUS_LOC[state], "ErrorCode": ERROR_CODES.get(state, 0)})
    return rows


# --- serving -------------------------------------------------------------------------------------
def serve(fake: FakeGraph, call: Call) -> Answer | None:
    """The reports and the settings with their definitions; None for any other path."""
    segments = call.segments
    if tuple(segments[:2]) == REPORTS and len(segments) == 3 and segments[2] in (
            POLICY_REPORT, SETTING_REPORT):
        return _report(fake, call, segments[2])
    if (len(segments) == 4 and segments[:2] == POLICIES.split("/")
            and segments[3] == "settings" and "settingDefinitions" in call.params.get(
                "$expand", "").split(",")):
        return _settings(fake, call, segments[2])
    return None


def _report(fake: FakeGraph, call: Call, name: str) -> Answer:
    path = "/".join(call.segments)
    if call.version != rules.BETA:
        raise GraphAnswer(graph_error(400, "BadRequest", f"Resource not found for the "
                                        f"segment '{name}'.", call.request_id))
    if call.method != "POST":
        raise GraphAnswer(method_not_allowed(call))
    fake._require(call, REPORT_SCOPES, path)
    body = call.body if isinstance(call.body, dict) else {}
    columns = POLICY_COLUMNS if name == POLICY_REPORT else SETTING_COLUMNS
    test = _parse_filter(str(body.get("filter") or ""), columns, call.request_id)
    rows = [row for row in _rows(fake.tenant, name, test) if test(row)]
    for order in reversed(body.get("orderBy") or []):
        column, _, direction = str(order).partition(" ")
        _known(column, columns, call.request_id)
        rows.sort(key=lambda row: (row.get(column) is None, str(row.get(column) or "")),
                  reverse=direction.lower() == "desc")
    select = [str(column) for column in body.get("select") or []] or list(columns)
    for column in select:
        _known(column, columns, call.request_id)
    # Each status column brings its words (`_loc`) along, as the exports do.
    select += [f"{column}_loc" for column in select if f"{column}_loc" in columns
               and f"{column}_loc" not in select]
    skip, top = _int(body.get("skip"), 0, call), _int(body.get("top"), len(rows), call)
    page = rows[skip:skip + top]
    table = {"TotalRowCount": len(rows),
             "Schema": [{"Column": column, "PropertyType": _TYPES.get(column, "String")}
                        for column in select],
             "Values": [[row.get(column) for column in select] for row in page],
             "SessionId": ""}
    return Answer(200, json.dumps(table).encode(),
                      {"Content-Type": "application/octet-stream"})


def _rows(tenant: DemoTenant, name: str, test: Any) -> list[dict[str, Any]]:
    """Only the devices the filter can match are rolled (the filter names one device)."""
    devices = tenant.devices
    candidates = [index for index in devices.live_indices()
                  if test.device_ids is None or devices.id_of(index) in test.device_ids]
    rows: list[dict[str, Any]] = []
    for index in candidates:
        if name == POLICY_REPORT:
            rows.extend(policy_rows(tenant, index))
            continue
        for policy in device_policies(tenant, index):
            if test.policy_ids is None or policy["id"].lower() in test.policy_ids:
                rows.extend(setting_rows(tenant, index, policy))
    return rows


def _known(column: str, columns: tuple[str, ...], request_id: str) -> None:
    if column not in columns:
        raise GraphAnswer(graph_error(400, "BadRequest", f"Invalid column '{column}'.",
                                        request_id))


def _int(value: Any, default: int, call: Call) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise GraphAnswer(graph_error(400, "BadRequest", "skip and top must be whole "
                                        "numbers, 0 or more.", call.request_id))
    return value


_TOKEN = re.compile(r"\s*(\(|\)|and\b|or\b|'(?:[^']|'')*'|[A-Za-z_]+)", re.IGNORECASE)


class _Filter:
    """A parsed report filter: `(Column eq 'value')` terms under and/or, and the device and
    policy ids it pins (so only those are rolled)."""

    def __init__(self, tree: Any) -> None:
        self.tree = tree
        self.device_ids = self._pinned(tree, ("IntuneDeviceId", "DeviceId"))
        self.policy_ids = self._pinned(tree, ("PolicyId",))

    def __call__(self, row: dict[str, Any]) -> bool:
        return self._eval(self.tree, row)

    def _eval(self, node: Any, row: dict[str, Any]) -> bool:
        if node is None:
            return True
        kind = node[0]
        if kind == "eq":
            return str(row.get(node[1]) or "").lower() == str(node[2]).lower()
        results = [self._eval(child, row) for child in node[1]]
        return all(results) if kind == "and" else any(results)

    def _pinned(self, node: Any, columns: tuple[str, ...]) -> set[str] | None:
        if node is None:
            return None
        if node[0] == "eq":
            return {node[2].lower()} if node[1] in columns else None
        sets = [self._pinned(child, columns) for child in node[1]]
        if node[0] == "and":
            known = [found for found in sets if found is not None]
            return set.intersection(*known) if known else None
        pinned: set[str] = set()
        for found in sets:
            if found is None:
                return None
            pinned |= found
        return pinned


def _parse_filter(text: str, columns: tuple[str, ...], request_id: str) -> _Filter:
    if not text.strip():
        return _Filter(None)
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position:].strip():
                raise _bad_filter(text, request_id)
            break
        tokens.append(match.group(1))
        position = match.end()
    parser = _Parser(tokens, columns, text, request_id)
    tree = parser.expression()
    if parser.position != len(tokens):
        raise _bad_filter(text, request_id)
    return _Filter(tree)


class _Parser:
    def __init__(self, tokens: list[str], columns: tuple[str, ...], text: str,
                 request_id: str) -> None:
        self.tokens, self.columns, self.text, self.request_id = tokens, columns, text, request_id
        self.position = 0

    def _peek(self) -> str:
        return self.tokens[self.position] if self.position < len(self.tokens) else ""

    def _take(self) -> str:
        token = self._peek()
        if not token:
            raise _bad_filter(self.text, self.request_id)
        self.position += 1
        return token

    def expression(self) -> Any:
        terms = [self.term()]
        joiner = ""
        while self._peek().lower() in ("and", "or"):
            word = self._take().lower()
            if joiner and word != joiner:  # mixing needs parentheses
                raise _bad_filter(self.text, self.request_id)
            joiner = word
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else (joiner, terms)

    def term(self) -> Any:
        if self._peek() == "(":
            self._take()
            inner = self.expression()
            if self._take() != ")":
                raise _bad_filter(self.text, self.request_id)
            return inner
        column = self._take()
        operator = self._take()
        value = self._take()
        if operator.lower() != "eq" or not value.startswith("'"):
            raise GraphAnswer(graph_error(400, "BadRequest", f"Unsupported filter "
                                            f"'{self.text}': only eq on a quoted value.",
                                            self.request_id))
        _known(column, self.columns, self.request_id)
        return ("eq", column, value[1:-1].replace("''", "'"))


def _bad_filter(text: str, request_id: str) -> GraphAnswer:
    return GraphAnswer(graph_error(400, "BadRequest", f"Invalid filter '{text}'.", request_id))


def _settings(fake: FakeGraph, call: Call, policy_id: str) -> Answer:
    path = f"{POLICIES}/{{id}}/settings"
    if call.version != rules.BETA:
        raise GraphAnswer(segment_not_found(call.segments, call.version,
                                                    call.request_id))
    if call.method != "GET":
        raise GraphAnswer(method_not_allowed(call))
    fake._require(call, rules.CONFIG_R, path)
    for option in call.params:
        if option not in ("$expand", "$top", "$skiptoken"):
            raise GraphAnswer(graph_error(400, "BadRequest", f"Query option '{option}' is "
                                            "not supported with $expand here.",
                                            call.request_id))
    if call.params["$expand"] != "settingDefinitions":
        raise GraphAnswer(graph_error(400, "BadRequest", "Could not find a property named "
                                        f"'{call.params['$expand']}' on type "
                                        "'microsoft.graph.deviceManagementConfigurationSetting'.",
                                        call.request_id))
    policy = fake.tenant.find(POLICIES, policy_id)
    if policy is None:
        raise GraphAnswer(not_found(call.request_id, path))
    settings = fake.tenant.children.get(path, {}).get(policy["id"], [])
    top = min(SETTINGS_PAGE, _top(call))
    body: dict[str, Any] = {
        "@odata.context": f"{call.origin}/beta/$metadata#deviceManagement/configurationPolicies"
                          f"('{policy['id']}')/settings(settingDefinitions())"}
    page = page_of(call, "sc", settings, top, body)
    body["value"] = [{**setting, "settingDefinitions": definitions(setting["settingInstance"])}
                     for setting in page]
    return Answer(200, body)


def _top(call: Call) -> int:
    text = call.params.get("$top")
    if text is None:
        return SETTINGS_PAGE
    if not text.isdigit() or int(text) < 1:
        raise GraphAnswer(graph_error(400, "BadRequest", f"Invalid $top value '{text}'.",
                                        call.request_id))
    return int(text)
