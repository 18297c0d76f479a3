"""Settings-catalog profiles on one device, and each setting's state there, in words.

`deviceConfigurationStates` lists only the template profiles (deviceConfigurations); a settings-
catalog profile (beta `configurationPolicies`) reports per device through Intune's reports, the
source the admin center's device "Device configuration" blade reads:

- beta `POST /deviceManagement/reports/getConfigurationPoliciesReportForDevice` with
  `filter: "(PolicyBaseTypeName eq 'DeviceManagementConfigurationPolicy') and (IntuneDeviceId eq
  '{id}')"`: one row per (policy, user) with PolicyId, PolicyName, PolicyStatus, UserId, UPN.
- beta `POST /deviceManagement/reports/getConfigurationSettingsReport` with
  `filter: "(PolicyId eq '…') and (DeviceId eq '…') and (UserId eq '…')"`: one row per setting
  with SettingId (the setting definition id), SettingName, SettingStatus, ErrorCode.

Both take {select, filter, orderBy, skip, top, search, groupBy, name, sessionId} and answer a
stream holding JSON {TotalRowCount, Schema: [{Column, PropertyType}], Values: [[…]], SessionId};
pages follow with skip/top. Names from Graph's metadata (msgraph-beta-sdk-python
device_management/reports/get_configuration_settings_report/*_post_request_body.py and
get_configuration_policies_report_for_device, read 2026-12-06); scopes from the reports' pages
(intune-reporting-devicemanagementreports-getconfigurationpolicynoncompliancereport, beta:
DeviceManagementConfiguration/-Apps/-ManagedDevices Read(Write).All). The filter and column
names are not on a reference page for these two actions (their Graph pages say "Not yet
documented"); they are the ones independent scripts send and read back (microsoft's device-policy
troubleshooting samples and live-measured exports quoted in rknightion/graph2otel, read
2026-12-06). The nearest Microsoft source is the export-jobs one, for reports of the same family:
MicrosoftDocs/memdocs "Intune Reports and Properties Available Using Graph API"
(reports-export-graph-available-reports.md, ms.date 2025-09-08, read 2026-12-07) lists
`IntuneDeviceId` and `PolicyBaseTypeName` as the filter columns of DeviceConfigurationPolicyStatuses
(output PolicyId, PolicyName, IntuneDeviceId, UPN, PolicyStatus…), and its companion page
(reports-export-graph-apis.md) shows the filter grammar `(Column eq 'value')`; it does not cover
these actions, so the grammar here stays as measured. Status codes 0-6: unknown, not
applicable, succeeded, remediated, not compliant, error, conflict (same sources; a `_loc`
sibling column, when Intune sends one, carries the words and wins).

The report says which setting failed and its code, not what the profile set it to. The value
comes from the profile itself: beta `GET /deviceManagement/configurationPolicies/{id}/settings
?$expand=settingDefinitions` (deviceManagementConfigurationSetting: settingInstance and the
settingDefinitions navigation; a choice definition's `options` carry itemId -> displayName;
msgraph-beta-sdk-python models device_management_configuration_choice_setting_definition.py and
device_management_configuration_option_definition.py, read 2026-12-06), 25 settings a page.
That is what turns `device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1` into
"Allowed".
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from intune_tui.graph.client import GraphClient
from intune_tui.graph.errors import GraphError
from intune_tui.graph.odata import ODataQuery, quote
from intune_tui.intune.scopes import CONFIGURATION_READ
from intune_tui.text import clean

REPORTS = "/deviceManagement/reports"
POLICY_TYPE = "DeviceManagementConfigurationPolicy"
PAGE: Final = 50
POLICY_COLUMNS: Final = ("PolicyId", "PolicyName", "PolicyStatus", "UserId", "UPN",
                         "PolicyBaseTypeName")
SETTING_COLUMNS: Final = ("SettingId", "SettingName", "SettingStatus", "ErrorCode",
                          "SettingInstanceId")
STATUS_WORDS: Final = {0: "Unknown", 1: "Not applicable", 2: "Succeeded", 3: "Remediated",
                       4: "Not compliant", 5: "Error", 6: "Conflict"}
# The same codes in the spelling of Graph's complianceStatus (deviceConfigurationState.state).
STATUS_NAMES: Final = {0: "unknown", 1: "notApplicable", 2: "compliant", 3: "remediated",
                       4: "nonCompliant", 5: "error", 6: "conflict"}
_FAILING: Final = frozenset({4, 5, 6})
_FAILING_WORDS: Final = frozenset({"not compliant", "noncompliant", "error", "conflict"})


class ReportUnreadable(GraphError):
    """Intune answered a report with something that is not its JSON table."""


@dataclass(frozen=True)
class CatalogPolicyState:
    """One settings-catalog profile on one device (for one user: the report's row)."""

    policy_id: str
    name: str
    state: str  # in words
    failing: bool
    user_id: str
    user: str  # the UPN, '' for the device (system) context
    status: str = "unknown"  # the same state in Graph's complianceStatus spelling


@dataclass(frozen=True)
class CatalogSettingState:
    """One setting of a settings-catalog profile on one device, in words."""

    definition_id: str
    name: str
    state: str
    failing: bool
    error: str  # '0x87D1FDE8 (-2016281112)', '' without a code
    value: str  # what the profile sets, in the definition's words; '' when unknown


async def device_catalog_policies(client: GraphClient, device_id: str
                                  ) -> list[CatalogPolicyState]:
    """The device's settings-catalog profiles with their state, failing first."""
    rows = await report_rows(
        client, "getConfigurationPoliciesReportForDevice",
        filter=f"(PolicyBaseTypeName eq {quote(POLICY_TYPE)}) and "
               f"(IntuneDeviceId eq {quote(device_id)})",
        select=POLICY_COLUMNS, order_by=("PolicyName",))
    states = []
    for row in rows:
        base = str(row.get("PolicyBaseTypeName") or POLICY_TYPE)
        if base.rsplit(".", 1)[-1] != POLICY_TYPE or not row.get("PolicyId"):
            continue
        state, failing = _status(row, "PolicyStatus")
        states.append(CatalogPolicyState(
            policy_id=clean(row.get("PolicyId")), name=clean(row.get("PolicyName")) or
            "(no name)", state=state, failing=failing, user_id=clean(row.get("UserId")),
            user=clean(row.get("UPN")), status=_status_name(row.get("PolicyStatus"), state)))
    return sorted(states, key=lambda state: (not state.failing, state.name.casefold()))


@dataclass(frozen=True)
class CatalogSettings:
    """A profile's settings on one device; `values_error` says why the values are blank."""

    settings: list[CatalogSettingState]
    values_error: str = ""


async def catalog_setting_states(client: GraphClient, policy: CatalogPolicyState,
                                 device_id: str) -> CatalogSettings:
    """Each setting's state on the device beside the value the profile sets, failing first.

    The report and the profile's settings are read at once; the settings failing to load leave
    the values blank rather than hiding the states."""
    report: list[dict[str, Any]] | BaseException
    settings: list[dict[str, Any]] | BaseException
    report, settings = await asyncio.gather(
        report_rows(client, "getConfigurationSettingsReport",
                    filter=f"(PolicyId eq {quote(policy.policy_id)}) and "
                           f"(DeviceId eq {quote(device_id)}) and "
                           f"(UserId eq {quote(policy.user_id)})",
                    select=SETTING_COLUMNS),
        policy_settings(client, policy.policy_id), return_exceptions=True)
    if isinstance(report, BaseException):
        raise report
    if isinstance(settings, BaseException) and not isinstance(settings, GraphError):
        raise settings
    values = SettingValues([] if isinstance(settings, BaseException) else settings)
    states = []
    for row in report:
        definition_id = clean(row.get("SettingId"))
        state, failing = _status(row, "SettingStatus")
        states.append(CatalogSettingState(
            definition_id=definition_id,
            name=values.name(definition_id) or clean(row.get("SettingName")) or definition_id
            or "—",
            state=state, failing=failing, error=error_code(row.get("ErrorCode")),
            value=values.value(definition_id)))
    return CatalogSettings(
        sorted(states, key=lambda state: (not state.failing, state.name.casefold())),
        clean(str(settings)) if isinstance(settings, BaseException) else "")


async def policy_settings(client: GraphClient, policy_id: str) -> list[dict[str, Any]]:
    """The profile's settings, each with its `settingDefinitions` expanded (every page)."""
    items: list[dict[str, Any]] = []
    async for page in client.paginate(
            f"/deviceManagement/configurationPolicies/{policy_id}/settings",
            query=ODataQuery(expand="settingDefinitions"), api_version="beta",
            required_scope=CONFIGURATION_READ):
        items.extend(item for item in page.items if isinstance(item, dict))
    return items


class SettingValues:
    """A profile's settings read for words: definition id -> display name, instance value."""

    def __init__(self, settings: list[dict[str, Any]]) -> None:
        self.definitions: dict[str, dict[str, Any]] = {}
        self.instances: dict[str, dict[str, Any]] = {}
        for setting in settings:
            for definition in setting.get("settingDefinitions") or []:
                if isinstance(definition, dict) and isinstance(definition.get("id"), str):
                    self.definitions[definition["id"].lower()] = definition
            instance = setting.get("settingInstance")
            if isinstance(instance, dict):
                for found in _instances(instance):
                    key = str(found.get("settingDefinitionId") or "").lower()
                    self.instances.setdefault(key, found)

    def name(self, definition_id: str) -> str:
        definition = self.definitions.get(definition_id.lower()) or {}
        return clean(definition.get("displayName"))

    def value(self, definition_id: str) -> str:
        instance = self.instances.get(definition_id.lower())
        return "" if instance is None else self.words(instance)

    def words(self, instance: dict[str, Any]) -> str:
        """The instance's value: a choice in its option's words, a list joined, a group
        counted; the raw id only when no definition names it."""
        choice = instance.get("choiceSettingValue")
        if isinstance(choice, dict):
            return self._option(instance, choice.get("value"))
        choices = instance.get("choiceSettingCollectionValue")
        if isinstance(choices, list):
            return ", ".join(self._option(instance, item.get("value"))
                             for item in choices if isinstance(item, dict))
        simple = instance.get("simpleSettingValue")
        if isinstance(simple, dict):
            return clean(simple.get("value"))
        simples = instance.get("simpleSettingCollectionValue")
        if isinstance(simples, list):
            return ", ".join(clean(item.get("value")) for item in simples
                             if isinstance(item, dict))
        groups = instance.get("groupSettingCollectionValue")
        if isinstance(groups, list):
            return f"{len(groups)} entr{'y' if len(groups) == 1 else 'ies'}"
        return ""

    def _option(self, instance: dict[str, Any], item_id: Any) -> str:
        definition = self.definitions.get(str(instance.get("settingDefinitionId")).lower())
        for option in (definition or {}).get("options") or []:
            if isinstance(option, dict) and str(option.get("itemId")) == str(item_id):
                return clean(option.get("displayName")) or clean(item_id)
        return clean(item_id)


def _instances(instance: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The instance and every child instance under it (choices and groups nest)."""
    yield instance
    children: list[Any] = []
    choice = instance.get("choiceSettingValue")
    if isinstance(choice, dict):
        children.extend(choice.get("children") or [])
    for group in instance.get("groupSettingCollectionValue") or []:
        if isinstance(group, dict):
            children.extend(group.get("children") or [])
    for child in children:
        if isinstance(child, dict):
            yield from _instances(child)


async def report_rows(client: GraphClient, report: str, *, filter: str,
                      select: tuple[str, ...], order_by: tuple[str, ...] = ()
                      ) -> list[dict[str, Any]]:
    """Every row of one Intune report as column -> value, paging with skip/top."""
    rows: list[dict[str, Any]] = []
    while True:
        response = await client.request(
            "POST", f"{REPORTS}/{report}", api_version="beta",
            json={"select": list(select), "filter": filter, "orderBy": list(order_by),
                  "skip": len(rows), "top": PAGE},
            required_scope=CONFIGURATION_READ)
        page, total = _table(response.body, report)
        rows.extend(page)
        if not page or len(page) < PAGE or (total is not None and len(rows) >= total):
            return rows


def _table(body: Any, report: str) -> tuple[list[dict[str, Any]], int | None]:
    if not isinstance(body, dict) or not isinstance(body.get("Schema"), list):
        raise ReportUnreadable(f"Intune's {report} answer could not be read")
    columns = [str(column.get("Column")) if isinstance(column, dict) else ""
               for column in body["Schema"]]
    rows = [dict(zip(columns, values, strict=False)) for values in body.get("Values") or []
            if isinstance(values, list)]
    total = body.get("TotalRowCount")
    return rows, total if isinstance(total, int) and not isinstance(total, bool) else None


def _status(row: dict[str, Any], column: str) -> tuple[str, bool]:
    """(words, failing) from the `_loc` words when sent, else the documented code."""
    words = clean(row.get(f"{column}_loc"))
    code = row.get(column)
    try:
        number = int(code) if code is not None and not isinstance(code, bool) else None
    except (TypeError, ValueError):
        number = None
    if not words:
        words = STATUS_WORDS.get(number, clean(code) or "—") if number is not None else (
            clean(code) or "—")
    failing = number in _FAILING if number is not None else words.lower() in _FAILING_WORDS
    return words, failing


def _status_name(code: Any, words: str) -> str:
    try:
        return STATUS_NAMES[int(code)]
    except (TypeError, ValueError, KeyError):
        folded = words.replace(" ", "").lower()
        return next((name for name in STATUS_NAMES.values() if name.lower() == folded),
                    "unknown")


def error_code(code: Any) -> str:
    """'0x87D1FDE8 (-2016281112)'; '' for none, zero or junk."""
    try:
        number = int(code) if code is not None and not isinstance(code, bool) else 0
    except (TypeError, ValueError):
        return clean(code)
    if number == 0:
        return ""
    return f"0x{number & 0xFFFFFFFF:08X} ({number})"
