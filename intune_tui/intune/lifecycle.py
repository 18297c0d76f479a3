"""One device in three directories: Intune, Entra ID and Windows Autopilot, joined by their ids.

Sources (read 2026-12-06):
- Entra `device` (v1.0): properties from microsoftgraph/msgraph-metadata schemas/v1.0-Prod.csdl
  (commit f54f11b6, 2026-08-20): id, deviceId, displayName, accountEnabled, trustType,
  approximateLastSignInDateTime, operatingSystem, isCompliant, isManaged, ... The `$filter`
  operators are from the Graph reference page "device resource type" (learn.microsoft.com/graph/
  api/resources/device): deviceId "eq, ne, not, startsWith", displayName "eq, ne, not, ge, le, in,
  startsWith"; `eq`/`startsWith` work without advanced-query headers. Reading needs
  Device.Read.All. Changing one (PATCH accountEnabled, DELETE) with a *delegated* token needs
  Directory.AccessAsUser.All, Device.ReadWrite.All being for app-only tokens, and the user needs
  the Entra role Intune Administrator (Cloud Device Administrator may only enable or disable):
  "device-update" and "device-delete" reference pages, Permissions (read 2026-12-06).
- `windowsAutopilotDeviceIdentity` (v1.0, same CSDL): serialNumber, groupTag,
  azureActiveDirectoryDeviceId, managedDeviceId, enrollmentState, displayName, ... v1.0 has no
  `deploymentProfileAssignmentStatus`; beta has it (msgraph-beta-sdk enum
  windowsAutopilotProfileAssignmentStatus), so it is read only when the client speaks beta.
  List: learn.microsoft.com/graph/api/intune-enrollment-windowsautopilotdeviceidentity-list,
  scopes DeviceManagementServiceConfig.Read.All / .ReadWrite.All. The reference documents no
  `$filter`; `contains(serialNumber,'…')` is the filter the admin center's "Search by serial
  number" and the community modules (AutopilotCleanup, IntuneBulkMaster on PowerShell Gallery) use,
  so it is the only one used here.
- managedDevices: `serialNumber` "eq, or" (or within the property), `deviceName` eq,
  `azureADDeviceId` eq (reference/graph-intune-api.md §1.2, from the CSDL annotations).

A lookup runs in rounds: every id a record carries (serial, Entra deviceId, managed device id)
that has not been asked for yet becomes a query, queries go out through `$batch` (20 per call)
at a pace under Intune's per-app limits, and the rounds stop when nothing new turns up. The
records found for one input are then grouped into physical devices by the ids they share.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

from intune_tui.graph.client import BatchItem, BatchResult, GraphClient
from intune_tui.graph.errors import GraphError, GraphForbidden
from intune_tui.graph.odata import ODataQuery, encode_params, quote
from intune_tui.intune.fields import bool_field, date_field, text_field
from intune_tui.intune.models import ManagedDevice
from intune_tui.text import clean

ENTRA_READ = "Device.Read.All"
ENTRA_WRITE = "Directory.AccessAsUser.All"  # delegated PATCH/DELETE /devices/{id} (see above)
ENTRA_WRITE_ROLES = ("Intune Administrator", "Cloud Device Administrator (disable only)")
AUTOPILOT_READ = "DeviceManagementServiceConfig.Read.All"
AUTOPILOT_READ_WRITE = "DeviceManagementServiceConfig.ReadWrite.All"
MANAGED_READ = "DeviceManagementManagedDevices.Read.All"

# Which built-in Intune roles hold each Intune permission a lifecycle call needs: "Built-in role
# permissions for Microsoft Intune" (MicrosoftDocs/memdocs,
# intune/fundamentals/role-based-access-control-reference.md, ms.date 2023-06-07; read
# 2026-12-06). The Entra role Intune Administrator holds them all. Changing an Autopilot
# identity (updateDeviceProperties) has no row of its own there; the only built-in roles with
# Enrollment programs rights beyond reading are the two that may delete, so those are named.
INTUNE_ROLES: dict[str, tuple[str, ...]] = {
    "Enrollment programs / Read device": (
        "Help Desk Operator", "Read Only Operator", "Endpoint Security Manager",
        "Policy and Profile Manager", "School Administrator"),
    "Enrollment programs / Delete device": ("Policy and Profile Manager", "School Administrator"),
    "Enrollment programs (change a device)": ("Policy and Profile Manager",
                                              "School Administrator"),
    "Managed devices / Read": (
        "Help Desk Operator", "Read Only Operator", "Endpoint Security Manager",
        "Application Manager", "School Administrator"),
    "Managed devices / Delete": ("Endpoint Security Manager", "School Administrator"),
    "Remote tasks / Retire": ("Help Desk Operator", "School Administrator"),
    "Remote tasks / Wipe": ("Help Desk Operator", "School Administrator"),
}


def intune_role_words(permission: str) -> str:
    """' Your account also needs the Intune permission …' for a 403 on an Intune call."""
    roles = " or ".join(INTUNE_ROLES[permission])
    return (f" Your account also needs the Intune permission {permission}: the built-in role "
            f"{roles}, a custom role that holds it, or the Entra role Intune Administrator.")


MANAGED_PATH = "/deviceManagement/managedDevices"
AUTOPILOT_PATH = "/deviceManagement/windowsAutopilotDeviceIdentities"
ENTRA_PATH = "/devices"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"

MANAGED_SELECT = (
    "id,deviceName,serialNumber,azureADDeviceId,operatingSystem,complianceState,"
    "managementState,lastSyncDateTime,userPrincipalName,managedDeviceOwnerType,model,"
    "manufacturer,deviceEnrollmentType"
)
ENTRA_SELECT = (
    "id,deviceId,displayName,accountEnabled,trustType,approximateLastSignInDateTime,"
    "operatingSystem,isCompliant,isManaged"
)
AUTOPILOT_SELECT_V1 = (
    "id,serialNumber,groupTag,azureActiveDirectoryDeviceId,managedDeviceId,enrollmentState,"
    "displayName,model,manufacturer,userPrincipalName,lastContactedDateTime"
)
# Serials per managedDevices query: `serialNumber eq 'a' or serialNumber eq 'b'` (or within one
# property is documented); kept short so the URL stays far from any length limit.
SERIALS_PER_QUERY = 15
# Intune "devices" allow 2,000 requests / 20 s per app and tenant (reference §4, from the
# throttling-intune includes); each directory gets its own budget a little under that.
REQUESTS_PER_WINDOW = 1800
WINDOW_SECONDS = 20.0
# Autopilot identities are Intune "enrollment" objects; the smaller Intune per-app figure
# (1,000 / 20 s, reference §4) is used for them. Entra ID meters resource units per app and
# tenant: 3,500 per 10 s for the smallest tenants, a request not listed costing 1
# (learn.microsoft.com/graph/throttling-limits, "Identity and access service limits").
AREA_BUDGETS = {"intune": (1800, 20.0), "autopilot": (900, 20.0), "entra": (3000, 10.0)}
CONCURRENT_BATCHES = 6
MAX_ROUNDS = 4
# From this many serials on, the Autopilot list is read whole (1,000 a page) and matched here:
# fewer requests than one contains() query per serial in any tenant under ~50,000 identities
# per 50 serials.
AUTOPILOT_LIST_FROM = 50
AUTOPILOT_PAGE = 1000

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


# --- records ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EntraDevice:
    """A Microsoft Entra ID device object (`/devices`)."""

    id: str  # the directory object id (used in /devices/{id})
    device_id: str | None  # the Device Registration Service id (= Intune's azureADDeviceId)
    display_name: str | None
    account_enabled: bool | None
    trust_type: str | None
    last_sign_in: datetime | None
    operating_system: str | None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> EntraDevice:
        return cls(
            id=text_field(data, "id") or "",
            device_id=_real_id(text_field(data, "deviceId")),
            display_name=text_field(data, "displayName"),
            account_enabled=bool_field(data, "accountEnabled"),
            trust_type=text_field(data, "trustType"),
            last_sign_in=date_field(data, "approximateLastSignInDateTime"),
            operating_system=text_field(data, "operatingSystem"),
        )


@dataclass(frozen=True)
class AutopilotIdentity:
    """A Windows Autopilot device identity."""

    id: str
    serial_number: str | None
    group_tag: str | None
    azure_ad_device_id: str | None
    managed_device_id: str | None
    enrollment_state: str | None
    display_name: str | None
    model: str | None
    user_principal_name: str | None
    profile_status: str | None  # beta only: deploymentProfileAssignmentStatus

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> AutopilotIdentity:
        return cls(
            id=text_field(data, "id") or "",
            serial_number=text_field(data, "serialNumber"),
            group_tag=text_field(data, "groupTag"),
            azure_ad_device_id=_real_id(text_field(data, "azureActiveDirectoryDeviceId")),
            managed_device_id=_real_id(text_field(data, "managedDeviceId")),
            enrollment_state=text_field(data, "enrollmentState"),
            display_name=text_field(data, "displayName"),
            model=text_field(data, "model"),
            user_principal_name=text_field(data, "userPrincipalName"),
            profile_status=text_field(data, "deploymentProfileAssignmentStatus"),
        )


class Flag(Enum):
    """An inconsistency between the three directories, worth a human look."""

    AUTOPILOT_WITHOUT_INTUNE = "Autopilot identity without an Intune device"
    ENTRA_DISABLED_BUT_COMPLIANT = "Entra device disabled but Intune says compliant"
    DUPLICATE_SERIAL = "more than one record for this serial"
    INTUNE_WITHOUT_ENTRA = "Intune device's Entra object not found"
    AUTOPILOT_LINK_STALE = "Autopilot identity points at another Intune device"


@dataclass(frozen=True)
class JoinedDevice:
    """One physical device as the three directories know it (any part may be missing)."""

    managed: tuple[ManagedDevice, ...]
    entra: tuple[EntraDevice, ...]
    autopilot: tuple[AutopilotIdentity, ...]
    flags: tuple[Flag, ...]

    @property
    def serial(self) -> str:
        records: tuple[ManagedDevice | AutopilotIdentity, ...] = (*self.managed, *self.autopilot)
        for record in records:
            serial = record.serial_number
            if serial:
                return serial
        return ""

    @property
    def name(self) -> str:
        for name in (*(m.name for m in self.managed), *(e.display_name for e in self.entra),
                     *(a.display_name for a in self.autopilot)):
            if name:
                return name
        return ""

    @property
    def key(self) -> str:
        """A stable id for the device: the first record's id."""
        records: tuple[ManagedDevice | AutopilotIdentity | EntraDevice, ...] = (
            *self.managed, *self.autopilot, *self.entra)
        for record in records:
            if record.id:
                return record.id
        return ""


class InputKind(Enum):
    SERIAL = "serial"
    NAME = "name"
    ID = "id"


@dataclass(frozen=True)
class LookupInput:
    """One thing the user typed, pasted or put in a CSV, and how it is looked up."""

    text: str
    kind: InputKind
    line: int = 0  # 1-based line in the pasted text or file, 0 when unknown


@dataclass(frozen=True)
class LookupResult:
    input: LookupInput
    devices: tuple[JoinedDevice, ...]
    errors: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        if self.errors and not self.devices:
            return "error"
        if not self.devices:
            return "unmatched"
        return "ambiguous" if len(self.devices) > 1 else "matched"


@dataclass(frozen=True)
class LookupReport:
    results: tuple[LookupResult, ...]
    requests: int  # sub-requests sent

    def matched(self) -> list[LookupResult]:
        return [result for result in self.results if result.status == "matched"]

    def unmatched(self) -> list[LookupResult]:
        return [result for result in self.results if result.status == "unmatched"]

    def ambiguous(self) -> list[LookupResult]:
        return [result for result in self.results if result.status == "ambiguous"]

    def failed(self) -> list[LookupResult]:
        return [result for result in self.results if result.status == "error"]

    def lines(self) -> list[str]:
        """What was found, then every input left out and why (tenant text cleaned)."""
        def where(item: LookupInput) -> str:
            return f" (line {item.line})" if item.line else ""

        lines = [f"Looked up {len(self.results)} input(s): {len(self.matched())} matched one "
                 f"device, {len(self.unmatched())} matched none, {len(self.ambiguous())} "
                 f"matched several, {len(self.failed())} could not be looked up."]
        for result in self.unmatched():
            lines.append(f"  not found: {result.input.kind.value} {result.input.text}"
                         f"{where(result.input)}")
        for result in self.ambiguous():
            names = ", ".join(clean(device.name) or clean(device.serial)
                              for device in result.devices)
            lines.append(f"  ambiguous, left out: {result.input.kind.value} "
                         f"{result.input.text}{where(result.input)} matches {names}")
        for result in self.failed():
            lines.append(f"  not looked up: {result.input.text}{where(result.input)}: "
                         f"{'; '.join(result.errors)}")
        for result in self.matched():
            if result.errors:
                lines.append(f"  partly looked up: {result.input.text}: "
                             f"{'; '.join(result.errors)}")
        return lines


# --- inputs ----------------------------------------------------------------------------------
_CSV_COLUMNS = {
    "serial": InputKind.SERIAL, "serialnumber": InputKind.SERIAL, "serial number": InputKind.SERIAL,
    "name": InputKind.NAME, "devicename": InputKind.NAME, "device name": InputKind.NAME,
    "displayname": InputKind.NAME, "id": InputKind.ID, "deviceid": InputKind.ID,
    "device id": InputKind.ID, "azureaddeviceid": InputKind.ID, "manageddeviceid": InputKind.ID,
}


def classify(text: str, default: InputKind = InputKind.SERIAL) -> InputKind:
    """A GUID is an id; `name:` / `serial:` / `id:` prefixes say it outright; else `default`."""
    if _GUID.match(text):
        return InputKind.ID
    return default


def parse_inputs(text: str, *, default: InputKind = InputKind.SERIAL) -> list[LookupInput]:
    """Inputs from pasted text or a file: one per line (or comma/semicolon/tab separated).

    A CSV whose header names a serial, name or id column is read by that column. A line may say
    what it is: `name:LAPTOP-01`, `serial:5CG1234`, `id:<guid>`. Blank lines and `#` comments
    are skipped; the same input twice is kept once.
    """
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    header = _csv_header(lines[0]) if lines else None
    if header is not None:
        return _from_csv(text, header)
    seen: set[tuple[InputKind, str]] = set()
    found: list[LookupInput] = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for part in re.split(r"[,;\t]", line):
            item = _one_input(part, default, number)
            if item is not None and (item.kind, item.text.lower()) not in seen:
                seen.add((item.kind, item.text.lower()))
                found.append(item)
    return found


def _one_input(part: str, default: InputKind, line: int) -> LookupInput | None:
    value = clean(part).strip().strip('"').strip()
    if not value:
        return None
    prefix, sep, rest = value.partition(":")
    kinds = {"serial": InputKind.SERIAL, "name": InputKind.NAME, "id": InputKind.ID}
    if sep and prefix.strip().lower() in kinds and rest.strip():
        return LookupInput(rest.strip(), kinds[prefix.strip().lower()], line)
    return LookupInput(value, classify(value, default), line)


def _csv_header(first: str) -> dict[int, InputKind] | None:
    cells = [cell.strip().strip('"').lower() for cell in next(csv.reader([first]), [])]
    columns = {index: _CSV_COLUMNS[cell] for index, cell in enumerate(cells)
               if cell in _CSV_COLUMNS}
    return columns or None


def _from_csv(text: str, header: dict[int, InputKind]) -> list[LookupInput]:
    # The first recognised column wins per row (serial before name before id).
    order = sorted(header.items(), key=lambda pair: list(InputKind).index(pair[1]))
    found: list[LookupInput] = []
    seen: set[tuple[InputKind, str]] = set()
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if number == 1:
            continue
        for index, kind in order:
            value = clean(row[index]).strip() if index < len(row) else ""
            if value:
                if (kind, value.lower()) not in seen:
                    seen.add((kind, value.lower()))
                    found.append(LookupInput(value, classify(value, kind), number))
                break
    return found


# --- pacing ----------------------------------------------------------------------------------
class RequestBudget:
    """At most `limit` requests per `window` seconds (a sliding window of send times)."""

    def __init__(self, limit: int = REQUESTS_PER_WINDOW, window: float = WINDOW_SECONDS, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._sent: list[float] = []
        self._lock = asyncio.Lock()

    async def take(self, count: int) -> None:
        async with self._lock:
            while True:
                now = self._clock()
                self._sent = [moment for moment in self._sent if now - moment < self.window]
                if len(self._sent) + count <= self.limit:
                    self._sent.extend([now] * count)
                    return
                oldest = self._sent[len(self._sent) + count - self.limit - 1]
                await asyncio.sleep(max(0.01, self.window - (now - oldest)))


# --- queries ---------------------------------------------------------------------------------
class _Q(Enum):
    MANAGED_BY_SERIAL = "managed-serial"
    MANAGED_BY_NAME = "managed-name"
    MANAGED_BY_ENTRA_ID = "managed-aad"
    MANAGED_BY_ID = "managed-id"
    AUTOPILOT_BY_SERIAL = "autopilot-serial"
    AUTOPILOT_BY_ID = "autopilot-id"
    ENTRA_BY_DEVICE_ID = "entra-deviceid"
    ENTRA_BY_NAME = "entra-name"
    ENTRA_BY_ID = "entra-id"


_AREA = {
    _Q.MANAGED_BY_SERIAL: "intune", _Q.MANAGED_BY_NAME: "intune", _Q.MANAGED_BY_ENTRA_ID: "intune",
    _Q.MANAGED_BY_ID: "intune", _Q.AUTOPILOT_BY_SERIAL: "autopilot",
    _Q.AUTOPILOT_BY_ID: "autopilot", _Q.ENTRA_BY_DEVICE_ID: "entra", _Q.ENTRA_BY_NAME: "entra",
    _Q.ENTRA_BY_ID: "entra",
}
_SCOPE = {"intune": MANAGED_READ, "autopilot": AUTOPILOT_READ, "entra": ENTRA_READ}
Query = tuple[_Q, str]  # (kind, value)
# The Intune permission a lookup read needs, named with its roles on a 403 (Entra devices are
# readable by any member user, so a 403 there is the scope alone).
_READ_PERMISSION = {"intune": "Managed devices / Read",
                    "autopilot": "Enrollment programs / Read device"}


def _refusal(area: str, error: GraphError) -> str:
    words = f"{area}: {clean(str(error))}"
    if isinstance(error, GraphForbidden) and area in _READ_PERMISSION:
        words += intune_role_words(_READ_PERMISSION[area])
    return words


@dataclass
class _Found:
    managed: dict[str, ManagedDevice] = field(default_factory=dict)
    entra: dict[str, EntraDevice] = field(default_factory=dict)
    autopilot: dict[str, AutopilotIdentity] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class DeviceLookup:
    """Looks inputs up in Intune, Entra ID and Autopilot and joins what it finds."""

    def __init__(self, client: GraphClient, *,
                 budgets: Mapping[str, RequestBudget] | None = None,
                 concurrency: int = CONCURRENT_BATCHES,
                 on_progress: Callable[[int, int], None] | None = None) -> None:
        self.client = client
        self.budgets = dict(budgets) if budgets is not None else {
            area: RequestBudget(limit, window) for area, (limit, window) in AREA_BUDGETS.items()}
        self._gate = asyncio.Semaphore(concurrency)
        self._on_progress = on_progress
        self._answers: dict[Query, list[dict[str, Any]] | str] = {}
        self._autopilot_by_serial: dict[str, list[dict[str, Any]]] | None = None
        self.requests = 0

    async def lookup(self, inputs: Sequence[LookupInput]) -> LookupReport:
        found = [_Found() for _ in inputs]
        asked: list[set[Query]] = [set() for _ in inputs]
        pending = [set(_first_queries(item)) for item in inputs]
        for _ in range(MAX_ROUNDS):
            wanted = {query for queries in pending for query in queries} - set(self._answers)
            if not any(pending):
                break
            await self._run(sorted(wanted, key=lambda query: (query[0].value, query[1])))
            for index, queries in enumerate(pending):
                for query in queries:
                    _absorb(found[index], query, self._answers[query])
                asked[index] |= queries
                pending[index] = _next_queries(found[index]) - asked[index]
        results = tuple(
            LookupResult(item, tuple(join(fnd.managed.values(), fnd.entra.values(),
                                          fnd.autopilot.values(), item)),
                         tuple(dict.fromkeys(fnd.errors)))
            for item, fnd in zip(inputs, found, strict=True))
        return LookupReport(results, self.requests)

    async def _run(self, queries: list[Query]) -> None:
        by_serial = [query for query in queries if query[0] is _Q.AUTOPILOT_BY_SERIAL]
        if len(by_serial) >= AUTOPILOT_LIST_FROM or self._autopilot_by_serial is not None:
            await self._answer_from_autopilot_list(by_serial)
            queries = [query for query in queries if query[0] is not _Q.AUTOPILOT_BY_SERIAL]
        serials = [value for kind, value in queries if kind is _Q.MANAGED_BY_SERIAL]
        others = [query for query in queries if query[0] is not _Q.MANAGED_BY_SERIAL]
        items: list[tuple[BatchItem, list[Query]]] = []
        for start in range(0, len(serials), SERIALS_PER_QUERY):
            group = serials[start:start + SERIALS_PER_QUERY]
            clause = " or ".join(f"serialNumber eq {quote(value)}" for value in group)
            url = f"{MANAGED_PATH}?" + encode_params({"$filter": clause,
                                                      "$select": MANAGED_SELECT})
            items.append((BatchItem(str(len(items)), "GET", url),
                          [(_Q.MANAGED_BY_SERIAL, value) for value in group]))
        for query in others:
            items.append((BatchItem(str(len(items)), "GET", self._url(query)), [query]))
        total = len(items)
        done = 0
        by_area: dict[str, list[tuple[BatchItem, list[Query]]]] = {}
        for item in items:
            by_area.setdefault(_AREA[item[1][0][0]], []).append(item)

        async def send(area: str, chunk: list[tuple[BatchItem, list[Query]]]) -> None:
            nonlocal done
            await self.budgets[area].take(len(chunk))
            async with self._gate:
                # `scopes`: Entra's Device.Read.All is not asked at sign-in; it is consented
                # to here, the first time it is needed (incremental consent).
                results = await self.client.batch([item for item, _ in chunk],
                                                  scopes=[_SCOPE[area]],
                                                  required_scope=_SCOPE[area])
            self.requests += len(chunk)
            for (_, covered), result in zip(chunk, results, strict=True):
                self._store(covered, result)
            done += len(chunk)
            if self._on_progress is not None:
                self._on_progress(done, total)

        tasks = [send(area, chunk[start:start + 20]) for area, chunk in by_area.items()
                 for start in range(0, len(chunk), 20)]
        await asyncio.gather(*tasks)

    async def _answer_from_autopilot_list(self, queries: list[Query]) -> None:
        if self._autopilot_by_serial is None:
            index: dict[str, list[dict[str, Any]]] = {}
            query = ODataQuery(select=tuple(self._autopilot_select().split(",")),
                               top=AUTOPILOT_PAGE)
            try:
                async for page in self.client.paginate(AUTOPILOT_PATH, query=query,
                                                       required_scope=AUTOPILOT_READ):
                    await self.budgets["autopilot"].take(1)
                    self.requests += 1
                    for item in page.items:
                        index.setdefault(str(item.get("serialNumber") or "").lower(),
                                         []).append(item)
            except GraphError as error:
                for wanted in queries:
                    self._answers[wanted] = _refusal("autopilot", error)
                return
            self._autopilot_by_serial = index
        for wanted in queries:
            self._answers[wanted] = self._autopilot_by_serial.get(wanted[1].lower(), [])

    def _url(self, query: Query) -> str:
        kind, value = query
        literal = quote(value)
        if kind is _Q.MANAGED_BY_NAME:
            return _list_url(MANAGED_PATH, f"deviceName eq {literal}", MANAGED_SELECT)
        if kind is _Q.MANAGED_BY_ENTRA_ID:
            return _list_url(MANAGED_PATH, f"azureADDeviceId eq {literal}", MANAGED_SELECT)
        if kind is _Q.MANAGED_BY_ID:
            return f"{MANAGED_PATH}/{value}?" + encode_params({"$select": MANAGED_SELECT})
        if kind is _Q.AUTOPILOT_BY_SERIAL:
            return _list_url(AUTOPILOT_PATH, f"contains(serialNumber,{literal})",
                             self._autopilot_select())
        if kind is _Q.AUTOPILOT_BY_ID:
            return f"{AUTOPILOT_PATH}/{value}?" + encode_params(
                {"$select": self._autopilot_select()})
        if kind is _Q.ENTRA_BY_DEVICE_ID:
            return _list_url(ENTRA_PATH, f"deviceId eq {literal}", ENTRA_SELECT)
        if kind is _Q.ENTRA_BY_NAME:
            return _list_url(ENTRA_PATH, f"displayName eq {literal}", ENTRA_SELECT)
        return f"{ENTRA_PATH}/{value}?" + encode_params({"$select": ENTRA_SELECT})

    def _autopilot_select(self) -> str:
        if self.client.api_version == "beta":
            return AUTOPILOT_SELECT_V1 + ",deploymentProfileAssignmentStatus"
        return AUTOPILOT_SELECT_V1

    def _store(self, covered: list[Query], result: BatchResult) -> None:
        if result.error is not None and result.status != 404:
            message = _refusal(_AREA[covered[0][0]], result.error)
            for query in covered:
                self._answers[query] = message
            return
        body = result.body if result.error is None else None
        if isinstance(body, dict) and isinstance(body.get("value"), list):
            items = [item for item in body["value"] if isinstance(item, dict)]
        elif isinstance(body, dict) and body.get("id"):
            items = [body]
        else:
            items = []  # 404: not in that directory
        if covered[0][0] is _Q.MANAGED_BY_SERIAL:
            for query in covered:
                wanted = query[1].lower()
                self._answers[query] = [item for item in items
                                        if str(item.get("serialNumber", "")).lower() == wanted]
            return
        if covered[0][0] is _Q.AUTOPILOT_BY_SERIAL:
            # contains() also matches longer serials: keep exact matches only.
            items = [item for item in items
                     if str(item.get("serialNumber", "")).lower() == covered[0][1].lower()]
        self._answers[covered[0]] = items


def _list_url(path: str, clause: str, select: str) -> str:
    return f"{path}?" + encode_params({"$filter": clause, "$select": select})


def _first_queries(item: LookupInput) -> list[Query]:
    # Serials and names keep their case (Graph compares them without it, but says nothing of
    # it); GUIDs are written lower-case so one id is one query.
    value = item.text if item.kind is not InputKind.ID else item.text.lower()
    if item.kind is InputKind.SERIAL:
        return [(_Q.MANAGED_BY_SERIAL, value), (_Q.AUTOPILOT_BY_SERIAL, value)]
    if item.kind is InputKind.NAME:
        return [(_Q.MANAGED_BY_NAME, value), (_Q.ENTRA_BY_NAME, value)]
    if not _GUID.match(item.text):
        return []
    return [(_Q.MANAGED_BY_ID, value), (_Q.MANAGED_BY_ENTRA_ID, value),
            (_Q.ENTRA_BY_DEVICE_ID, value), (_Q.ENTRA_BY_ID, value), (_Q.AUTOPILOT_BY_ID, value)]


def _next_queries(found: _Found) -> set[Query]:
    """Every id the records found so far carry, as the queries that would find its partners
    (a partner already in hand is not asked for again)."""
    managed_ids = set(found.managed)
    managed_entra = {(m.azure_ad_device_id or "").lower() for m in found.managed.values()}
    entra_ids = {(e.device_id or "").lower() for e in found.entra.values()}
    queries: set[Query] = set()
    for managed in found.managed.values():
        if managed.serial_number:
            queries.add((_Q.AUTOPILOT_BY_SERIAL, managed.serial_number))
        entra_id = _real_id(managed.azure_ad_device_id)
        if entra_id and entra_id.lower() not in entra_ids:
            queries.add((_Q.ENTRA_BY_DEVICE_ID, entra_id.lower()))
    for identity in found.autopilot.values():
        if identity.serial_number:
            queries.add((_Q.MANAGED_BY_SERIAL, identity.serial_number))
        entra_id = identity.azure_ad_device_id
        if entra_id and entra_id.lower() not in entra_ids:
            queries.add((_Q.ENTRA_BY_DEVICE_ID, entra_id.lower()))
        if identity.managed_device_id and identity.managed_device_id.lower() not in managed_ids:
            queries.add((_Q.MANAGED_BY_ID, identity.managed_device_id.lower()))
    for entra in found.entra.values():
        if entra.device_id and entra.device_id.lower() not in managed_entra:
            queries.add((_Q.MANAGED_BY_ENTRA_ID, entra.device_id.lower()))
    return queries


def _absorb(found: _Found, query: Query, answer: list[dict[str, Any]] | str) -> None:
    if isinstance(answer, str):
        found.errors.append(answer)
        return
    for item in answer:
        area = _AREA[query[0]]
        if area == "intune":
            device = ManagedDevice.from_graph(item)
            if device.id:
                found.managed[device.id.lower()] = device
        elif area == "autopilot":
            identity = AutopilotIdentity.from_graph(item)
            if identity.id:
                found.autopilot[identity.id.lower()] = identity
        else:
            entra = EntraDevice.from_graph(item)
            if entra.id:
                found.entra[entra.id.lower()] = entra


# --- the join --------------------------------------------------------------------------------
def join(managed: Iterable[ManagedDevice], entra: Iterable[EntraDevice],
         autopilot: Iterable[AutopilotIdentity],
         item: LookupInput | None = None) -> list[JoinedDevice]:
    """Group records into physical devices by the ids they share, and flag what disagrees.

    Links: managed.azureADDeviceId = entra.deviceId = autopilot.azureActiveDirectoryDeviceId;
    autopilot.managedDeviceId = managed.id; managed.serialNumber = autopilot.serialNumber.
    """
    records: list[Any] = [*managed, *entra, *autopilot]
    parent = list(range(len(records)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    owner: dict[str, int] = {}
    for index, record in enumerate(records):
        for key in _link_keys(record):
            if key in owner:
                parent[root(index)] = root(owner[key])
            else:
                owner[key] = index
    groups: dict[int, list[Any]] = {}
    for index, record in enumerate(records):
        groups.setdefault(root(index), []).append(record)
    devices = [_joined(group) for _, group in sorted(groups.items())]
    if item is not None and item.kind is InputKind.SERIAL:
        # contains() can bring look-alike serials; a serial input matches its own serial only.
        devices = [device for device in devices if device.serial.lower() == item.text.lower()
                   or not device.serial] or devices
    return devices


def _link_keys(record: Any) -> list[str]:
    keys: list[str] = []
    if isinstance(record, ManagedDevice):
        keys.append(f"md:{(record.id or '').lower()}")
        azure_id = _real_id(record.azure_ad_device_id)
        if azure_id:
            keys.append(f"aad:{azure_id.lower()}")
        if record.serial_number:
            keys.append(f"sn:{record.serial_number.lower()}")
    elif isinstance(record, EntraDevice):
        keys.append(f"entra:{record.id.lower()}")
        if record.device_id:
            keys.append(f"aad:{record.device_id.lower()}")
    else:
        keys.append(f"ap:{record.id.lower()}")
        if record.managed_device_id:
            keys.append(f"md:{record.managed_device_id.lower()}")
        if record.azure_ad_device_id:
            keys.append(f"aad:{record.azure_ad_device_id.lower()}")
        if record.serial_number:
            keys.append(f"sn:{record.serial_number.lower()}")
    return keys


def _joined(group: list[Any]) -> JoinedDevice:
    managed = tuple(r for r in group if isinstance(r, ManagedDevice))
    entra = tuple(r for r in group if isinstance(r, EntraDevice))
    autopilot = tuple(r for r in group if isinstance(r, AutopilotIdentity))
    flags: list[Flag] = []
    if autopilot and not managed:
        flags.append(Flag.AUTOPILOT_WITHOUT_INTUNE)
    compliant = any(device.compliance_state == "compliant" for device in managed)
    if compliant and any(device.account_enabled is False for device in entra):
        flags.append(Flag.ENTRA_DISABLED_BUT_COMPLIANT)
    if len(managed) > 1 or len(autopilot) > 1:
        flags.append(Flag.DUPLICATE_SERIAL)
    if managed and not entra and any(_real_id(m.azure_ad_device_id) for m in managed):
        flags.append(Flag.INTUNE_WITHOUT_ENTRA)
    managed_ids = {(device.id or "").lower() for device in managed}
    if any(identity.managed_device_id and identity.managed_device_id.lower() not in managed_ids
           for identity in autopilot) and managed:
        flags.append(Flag.AUTOPILOT_LINK_STALE)
    return JoinedDevice(managed, entra, autopilot, tuple(flags))


def _real_id(value: str | None) -> str | None:
    """None for a missing or all-zero GUID (Graph's "no link")."""
    if not value or value == ZERO_GUID:
        return None
    return value




# --- stale devices ---------------------------------------------------------------------------
STALE_PRESETS = (30, 90, 180)
# managedDevice.operatingSystem as Intune reports it, for `operatingSystem eq` on the stale query.
STALE_PLATFORMS = ("Windows", "macOS", "iOS", "iPadOS", "Android", "Linux")


def stale_platform(name: str) -> str | None:
    """The platform as Graph spells it, whatever the case typed; None when unknown."""
    return next((os_name for os_name in STALE_PLATFORMS if os_name.lower() == name.lower()),
                None)
# Shown, never silently applied (issue 18): devices a stale sweep should usually leave alone.
PENDING_STATES = frozenset({"retirePending", "retireIssued", "wipePending", "wipeIssued",
                            "deletePending"})
DEDICATED_ENROLLMENT = "androidEnterpriseDedicatedDevice"  # beta member of the enum


@dataclass(frozen=True)
class StaleDevice:
    device: ManagedDevice
    exclusion: str | None  # why a sweep would usually leave it alone; None: a candidate


async def stale_devices(client: GraphClient, days: int, *, now: datetime,
                        operating_system: str | None = None) -> list[StaleDevice]:
    """Managed devices not synced for `days` days, oldest first, filtered on Graph
    (`lastSyncDateTime lt …`, CSDL: lt/gt; `operatingSystem eq`, joined with `and`)."""
    cutoff = (now - timedelta(days=days)).astimezone(UTC)
    clauses = [f"lastSyncDateTime lt {cutoff.strftime('%Y-%m-%dT%H:%M:%SZ')}"]
    if operating_system:
        clauses.append(f"operatingSystem eq {quote(operating_system)}")
    query = ODataQuery(select=tuple(MANAGED_SELECT.split(",")), filter=" and ".join(clauses),
                       top=1000)
    found: list[StaleDevice] = []
    async for page in client.paginate(MANAGED_PATH, query=query, required_scope=MANAGED_READ):
        for item in page.items:
            device = ManagedDevice.from_graph(item)
            found.append(StaleDevice(device, _exclusion(device)))
    found.sort(key=lambda stale: stale.device.last_sync or datetime.min.replace(tzinfo=UTC))
    return found


def _exclusion(device: ManagedDevice) -> str | None:
    if device.management_state in PENDING_STATES:
        return f"a retire or wipe is already under way ({device.management_state})"
    if device.enrollment_type == DEDICATED_ENROLLMENT:
        return "Android dedicated device (kiosk): it may sync rarely by design"
    return None


def stale_inputs(stale: Sequence[StaleDevice]) -> list[LookupInput]:
    """Lookup inputs for the candidates: the serial where there is one, else the id."""
    inputs = []
    for item in stale:
        if item.exclusion is not None:
            continue
        serial, device_id = item.device.serial_number, item.device.id or ""
        inputs.append(LookupInput(serial, InputKind.SERIAL) if serial
                      else LookupInput(device_id, InputKind.ID))
    return inputs
