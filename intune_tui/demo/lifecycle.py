"""The demo tenant's Entra ID devices and Windows Autopilot identities, and the fake Graph's
answers for them (`/devices`, `/deviceManagement/windowsAutopilotDeviceIdentities`).

Built from the managed devices, so the three directories agree, plus deliberate
inconsistencies a helpdesk meets in real tenants:
- Autopilot identities registered but never enrolled (no Intune device), each with the Entra
  object Autopilot registration creates;
- a second Autopilot identity for one serial (a re-imported hardware hash);
- Entra devices disabled while Intune still calls them compliant;
- Intune devices whose Entra object was deleted by hand.

Graph's rules kept here (read 2026-12-06), written from the docs, not from the client:
- `/devices` (learn.microsoft.com/graph/api/resources/device): Device.Read.All to read;
  PATCH/DELETE with a delegated token (the only kind this fake issues) need
  Directory.AccessAsUser.All ("device-update", "device-delete" pages); `$filter` on deviceId
  (eq, startsWith), displayName (eq, startsWith), accountEnabled (eq), operatingSystem (eq,
  startsWith), approximateLastSignInDateTime (ge, le); others answer 400
  Request_UnsupportedQuery; page size 100 by default, `$top` up to 999; a 403 is the
  directory's Authorization_RequestDenied.
- windowsAutopilotDeviceIdentities (intune-enrollment-windowsautopilotdeviceidentity-*):
  DeviceManagementServiceConfig.Read.All / .ReadWrite.All; `$filter` only
  `contains(serialNumber,'…')` (the reference documents none; this is what the admin center and
  community scripts use); deploymentProfileAssignmentStatus on beta only (v1.0 CSDL lacks it);
  DELETE and POST updateDeviceProperties {userPrincipalName, addressableUserName, groupTag,
  displayName} answer 204. Page size: undocumented; 1000 here.

This module never imports the client (`intune_tui.graph` / `intune_tui.intune`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from intune_tui.demo import odata, rules
from intune_tui.demo.answers import (
    Answer,
    Call,
    GraphAnswer,
    graph_error,
    inner_error,
    method_not_allowed,
    not_found,
    page_of,
    segment_not_found,
)
from intune_tui.demo.tenant import DemoTenant, entra_device_object_id, guid_from, iso, mix64

if TYPE_CHECKING:
    from intune_tui.demo.fake_graph import FakeGraph

DEVICE_READ = "Device.Read.All"
DEVICE_READWRITE = "Device.ReadWrite.All"
DEVICES_R = (DEVICE_READ, DEVICE_READWRITE)
DEVICES_W = ("Directory.AccessAsUser.All",)  # delegated writes (see above)
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
AUTOPILOT = ["deviceManagement", "windowsAutopilotDeviceIdentities"]
ORPHAN_AUTOPILOT = 6  # Autopilot identities with no Intune device
ENTRA_PAGE, ENTRA_MAX_PAGE = 100, 999
AUTOPILOT_PAGE = 1000

ENTRA_FILTER = rules.FilterRule(
    operators={
        "deviceId": frozenset({rules.EQ, rules.STARTSWITH}),
        "displayName": frozenset({rules.EQ, rules.STARTSWITH}),
        "accountEnabled": frozenset({rules.EQ}),
        "operatingSystem": frozenset({rules.EQ, rules.STARTSWITH}),
        "approximateLastSignInDateTime": frozenset({rules.GE, rules.LE}),
    },
    kinds={"deviceId": "string", "displayName": "string", "accountEnabled": "bool",
           "operatingSystem": "string", "approximateLastSignInDateTime": "datetime"},
    or_across_properties=True,
)
AUTOPILOT_FILTER = rules.FilterRule(
    operators={"serialNumber": frozenset({rules.CONTAINS})},
    kinds={"serialNumber": "string"},
)
UPDATE_DEVICE_PROPERTIES = ("userPrincipalName", "addressableUserName", "groupTag", "displayName")
_QUERY_OPTIONS = frozenset({"$select", "$filter", "$top", "$skiptoken", "$count"})


@dataclass
class LifecycleDirectories:
    """Entra devices and Autopilot identities of one demo tenant, mutable by the fake."""

    entra: list[dict[str, Any]] = field(default_factory=list)
    autopilot: list[dict[str, Any]] = field(default_factory=list)
    generation: int = 0  # bumped by every write, for the lookup index
    _index: dict[str, tuple[int, dict[str, list[dict[str, Any]]]]] = field(default_factory=dict)

    def indexed(self, records: list[dict[str, Any]], prop: str
                ) -> dict[str, list[dict[str, Any]]]:
        """records by lower-cased `prop`, rebuilt after a write (filters by the thousand)."""
        key = f"{id(records)}:{prop}"
        cached = self._index.get(key)
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        index: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            index.setdefault(str(record.get(prop) or "").lower(), []).append(record)
        self._index[key] = (self.generation, index)
        return index

    def written(self, records: list[dict[str, Any]], record: dict[str, Any],
                method: str) -> bool:
        """Note a write to `record` (the lookup index goes stale) and carry out a DELETE;
        True when the record was deleted."""
        if method == "GET":
            return False
        self.generation += 1
        if method == "DELETE":
            records.remove(record)
            return True
        return False

    @classmethod
    def build(cls, tenant: DemoTenant) -> LifecycleDirectories:
        devices = tenant.devices
        seed = tenant.seed
        built = cls()
        for index in range(len(devices)):
            aad_id = str(devices.value(index, "azureADDeviceId") or "")
            windows = devices.os[index] == "Windows"
            if aad_id and aad_id != ZERO_GUID and mix64(index * 31 + 5) % 53 != 0:
                built.entra.append(_entra_from_managed(tenant, index, aad_id))
            if windows and devices.owner[index] == "company":
                built.autopilot.append(_autopilot_from_managed(tenant, index, aad_id))
                if mix64(index * 17 + 3) % 97 == 0:  # a re-imported hardware hash
                    twin = dict(built.autopilot[-1], id=guid_from(seed, 73, index),
                                managedDeviceId=ZERO_GUID, azureActiveDirectoryDeviceId=ZERO_GUID,
                                enrollmentState="notContacted")
                    built.autopilot.append(twin)
        for number in range(ORPHAN_AUTOPILOT):
            aad_id = guid_from(seed, 74, number)
            serial = f"PF{mix64(seed * 1000 + number) % 10**6:06d}"
            built.autopilot.append({
                "id": guid_from(seed, 75, number), "serialNumber": serial,
                "groupTag": "Returned", "azureActiveDirectoryDeviceId": aad_id,
                "managedDeviceId": ZERO_GUID, "enrollmentState": "notContacted",
                "displayName": "", "manufacturer": "Lenovo", "model": "ThinkPad T14 Gen 3",
                "productKey": "", "purchaseOrderIdentifier": "PO-4471", "resourceName": "",
                "skuNumber": "", "systemFamily": "ThinkPad", "userPrincipalName": "",
                "addressableUserName": "",
                "lastContactedDateTime": iso(tenant.now - timedelta(days=400)),
                "deploymentProfileAssignmentStatus": "assignedUnkownSyncState",
            })
            built.entra.append({
                "id": guid_from(seed, 76, number), "deviceId": aad_id, "displayName": serial,
                "accountEnabled": True, "trustType": "AzureAd", "operatingSystem": "Windows",
                "operatingSystemVersion": "10.0.0.0", "isCompliant": None, "isManaged": False,
                "approximateLastSignInDateTime": None,
                "registrationDateTime": iso(tenant.now - timedelta(days=420)),
                "physicalIds": [f"[ZTDID]:{guid_from(seed, 77, number)}"],
                "profileType": "RegisteredDevice",
            })
        return built

    def find(self, records: list[dict[str, Any]], item_id: str) -> dict[str, Any] | None:
        wanted = item_id.lower()
        return next((record for record in records if str(record["id"]).lower() == wanted), None)


def _entra_from_managed(tenant: DemoTenant, index: int, aad_id: str) -> dict[str, Any]:
    devices = tenant.devices
    enrollment = devices.enrollment[index]
    owner = devices.owner[index]
    if enrollment == "windowsCoManagement":
        trust = "ServerAd"
    elif owner == "company" and devices.os[index] in ("Windows", "macOS"):
        trust = "AzureAd"
    else:
        trust = "Workplace"
    compliant = devices.value(index, "complianceState") == "compliant"
    last_sync = devices.value(index, "lastSyncDateTime")
    return {
        "id": entra_device_object_id(tenant.seed, index),
        "deviceId": aad_id,
        "displayName": devices.name[index],
        # Every 37th compliant device was disabled by hand in Entra (a deliberate mismatch).
        "accountEnabled": not (compliant and mix64(index * 13 + 1) % 37 == 0),
        "trustType": trust,
        "operatingSystem": devices.os[index],
        "operatingSystemVersion": devices.value(index, "osVersion"),
        "isCompliant": compliant,
        "isManaged": True,
        "approximateLastSignInDateTime": last_sync,
        "registrationDateTime": devices.value(index, "enrolledDateTime"),
        "physicalIds": [],
        "profileType": "RegisteredDevice",
    }


def _autopilot_from_managed(tenant: DemoTenant, index: int, aad_id: str) -> dict[str, Any]:
    devices = tenant.devices
    return {
        "id": guid_from(tenant.seed, 72, index),
        "serialNumber": devices.value(index, "serialNumber"),
        "groupTag": devices.category[index] if devices.category[index] != "Unknown" else "",
        "azureActiveDirectoryDeviceId": aad_id or ZERO_GUID,
        "managedDeviceId": devices.id_of(index),
        "enrollmentState": "enrolled",
        "displayName": devices.name[index],
        "manufacturer": devices.model[index].manufacturer,
        "model": devices.model[index].model,
        "productKey": "",
        "purchaseOrderIdentifier": "",
        "resourceName": "",
        "skuNumber": "",
        "systemFamily": "",
        "userPrincipalName": devices.value(index, "userPrincipalName") or "",
        "addressableUserName": "",
        "lastContactedDateTime": devices.value(index, "lastSyncDateTime"),
        "deploymentProfileAssignmentStatus": "assignedInSync",
    }


# --- serving -------------------------------------------------------------------------------------
def owns(segments: list[str]) -> bool:
    """True for the paths this module answers."""
    # /devices and /devices/{id}; a device's memberships are demo/directory.py's.
    return (bool(segments) and segments[0].partition("(")[0] == "devices"
            and len(segments) <= 2 and segments[1:] not in (["transitiveMemberOf"], ["memberOf"])
            ) or segments[:2] == AUTOPILOT


def serve(fake: FakeGraph, call: Call) -> Answer:
    directories: LifecycleDirectories | None = getattr(fake, "lifecycle", None)
    if directories is None:
        directories = LifecycleDirectories.build(fake.tenant)
        fake.lifecycle = directories  # type: ignore[attr-defined]  # this module's state, kept on it
    if call.segments[:2] == AUTOPILOT:
        return _autopilot(fake, directories, call)
    return _entra(fake, directories, call)


def _entra(fake: FakeGraph, directories: LifecycleDirectories, call: Call) -> Answer:
    segments = call.segments
    if segments[0] != "devices" or len(segments) > 2:
        raise GraphAnswer(segment_not_found(segments, call.version, call.request_id))
    if len(segments) == 1:
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        _require_directory(call, DEVICES_R)
        return _list(directories, call, directories.entra, ENTRA_FILTER, ENTRA_PAGE,
                     ENTRA_MAX_PAGE, "devices", _entra_render)
    record = directories.find(directories.entra, segments[1])
    if call.method == "GET":
        _require_directory(call, DEVICES_R)
    elif call.method in ("PATCH", "DELETE"):
        _require_directory(call, DEVICES_W)
    else:
        raise GraphAnswer(method_not_allowed(call))
    if record is None:
        raise GraphAnswer(_directory_error(
            404, "Request_ResourceNotFound", f"Resource '{segments[1]}' does not exist or one of "
            "its queried reference-property objects are not present.", call.request_id))
    if directories.written(directories.entra, record, call.method):
        return Answer(204)
    if call.method == "PATCH":
        body = call.body if isinstance(call.body, dict) else None
        if body is None:
            raise GraphAnswer(_directory_error(400, "Request_BadRequest",
                                               "Invalid request body.", call.request_id))
        for key, value in body.items():
            if key == "accountEnabled" and isinstance(value, bool):
                continue
            if key == "displayName" and isinstance(value, str):
                continue
            raise GraphAnswer(_directory_error(
                400, "Request_BadRequest", f"Invalid value specified for property '{key}' of "
                "resource 'Device'.", call.request_id))
        record.update(body)
        return Answer(204)
    return _entity(call, record, "devices/$entity", _entra_render)


def _autopilot(fake: FakeGraph, directories: LifecycleDirectories,
               call: Call) -> Answer:
    segments = call.segments
    path = "deviceManagement/windowsAutopilotDeviceIdentities"
    if len(segments) == 2:
        if call.method != "GET":
            raise GraphAnswer(method_not_allowed(call))
        fake._require(call, rules.SERVICE_R, path)
        beta = call.version == rules.BETA
        return _list(directories, call, directories.autopilot, AUTOPILOT_FILTER,
                     AUTOPILOT_PAGE, AUTOPILOT_PAGE, path,
                     lambda record: _autopilot_render(record, beta))
    if len(segments) > 4 or (len(segments) == 4 and segments[3] != "updateDeviceProperties"):
        raise GraphAnswer(segment_not_found(segments, call.version, call.request_id))
    if call.method == "GET" and len(segments) == 3:
        fake._require(call, rules.SERVICE_R, path)
    elif (call.method == "DELETE" and len(segments) == 3) or (
            call.method == "POST" and len(segments) == 4):
        fake._require(call, rules.SERVICE_W, path)
    else:
        raise GraphAnswer(method_not_allowed(call))
    record = directories.find(directories.autopilot, segments[2])
    if record is None:
        raise GraphAnswer(not_found(call.request_id, path))
    if directories.written(directories.autopilot, record, call.method):
        return Answer(204)
    if call.method == "POST":
        body = call.body if isinstance(call.body, dict) else {}
        for key, value in body.items():
            if key not in UPDATE_DEVICE_PROPERTIES:
                raise GraphAnswer(graph_error(
                    400, "BadRequest", f"The parameter '{key}' in the request payload is not a "
                    "valid parameter for the operation 'updateDeviceProperties'.",
                    call.request_id))
            if value is not None and not isinstance(value, str):
                raise GraphAnswer(graph_error(
                    400, "BadRequest", f"Cannot convert the literal '{value}' to the expected "
                    f"type 'Edm.String' for parameter '{key}'.", call.request_id))
        record.update({key: value for key, value in body.items() if value is not None})
        return Answer(204)
    beta = call.version == rules.BETA
    return _entity(call, record, f"{path}/$entity", lambda item: _autopilot_render(item, beta))


def _list(directories: LifecycleDirectories, call: Call, records: list[dict[str, Any]],
          rule: rules.FilterRule, default_page: int, max_page: int, context: str,
          render: Callable[[dict[str, Any]], dict[str, Any]]) -> Answer:
    for option in call.params:
        if option.startswith("$") and option not in _QUERY_OPTIONS:
            raise GraphAnswer(graph_error(400, "BadRequest", f"Query option '{option}' is "
                                          "not supported.", call.request_id))
    matched = records
    text = call.params.get("$filter")
    if text is not None:
        try:
            tree = odata.parse_filter(text)
            odata.validate_filter(tree, rule, resource=context.rsplit("/", 1)[-1])
        except odata.ODataError as error:
            if context == "devices":
                raise GraphAnswer(_directory_error(
                    400, "Request_UnsupportedQuery", f"Unsupported or invalid query filter "
                    f"clause specified: {error}", call.request_id)) from None
            raise GraphAnswer(graph_error(400, "BadRequest", str(error),
                                          call.request_id)) from None
        if (isinstance(tree, odata.Compare) and tree.op == rules.EQ
                and tree.literal.kind in ("string", "guid")):
            wanted = str(tree.literal.value).lower()
            matched = directories.indexed(records, tree.prop).get(wanted, [])
        else:
            predicate = odata.compile_filter(tree, lambda record, prop: record.get(prop))
            matched = [record for record in records if predicate(record)]
    try:
        top = min(odata.parse_top(call.params["$top"]), max_page) if "$top" in call.params \
            else default_page
        select = _parse_select(call)
    except odata.ODataError as error:
        raise GraphAnswer(graph_error(400, "BadRequest", str(error), call.request_id)) from None
    body: dict[str, Any] = {"@odata.context": f"{call.origin}/{call.version}/$metadata#{context}"}
    if call.params.get("$count") == "true":
        body["@odata.count"] = len(matched)
    page = page_of(call, "lc", matched, top, body)
    body["value"] = [_select(render(record), select) for record in page]
    return Answer(200, body)


def _entity(call: Call, record: dict[str, Any], context: str,
            render: Callable[[dict[str, Any]], dict[str, Any]]) -> Answer:
    try:
        select = _parse_select(call)
    except odata.ODataError as error:
        raise GraphAnswer(graph_error(400, "BadRequest", str(error), call.request_id)) from None
    body = {"@odata.context": f"{call.origin}/{call.version}/$metadata#{context}",
            **_select(render(record), select)}
    return Answer(200, body)


def _parse_select(call: Call) -> tuple[str, ...]:
    text = call.params.get("$select")
    return odata.parse_select(text) if text is not None else ()


def _select(item: dict[str, Any], select: tuple[str, ...]) -> dict[str, Any]:
    if not select or "*" in select:
        return item
    return {key: value for key, value in item.items() if key in select or key == "id"}


def _entra_render(record: dict[str, Any]) -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.device", **record}


def _autopilot_render(record: dict[str, Any], beta: bool) -> dict[str, Any]:
    item = {"@odata.type": "#microsoft.graph.windowsAutopilotDeviceIdentity", **record}
    if not beta:
        item.pop("deploymentProfileAssignmentStatus", None)
    return item


def _require_directory(call: Call, one_of: tuple[str, ...]) -> None:
    if not call.scopes.intersection(one_of):
        raise GraphAnswer(_directory_error(
            403, "Authorization_RequestDenied", "Insufficient privileges to complete the "
            "operation.", call.request_id))


def _directory_error(status: int, code: str, message: str, request_id: str) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message,
                                     "innerError": inner_error(request_id)}})

