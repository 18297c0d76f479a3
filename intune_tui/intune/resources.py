"""The catalog of Intune lists: endpoint, API version, $select, columns, filterable properties.

The UI draws its tables from `Resource.columns`, the service builds its queries from
`Resource.path`/`select`/`page_size`, and search decides what may run on Graph from
`Resource.filterable`. Each fact lives here once.

`Resource.to_row(item, now)` turns one Graph dict into a `Row`: display strings already cleaned of
terminal escapes, typed sort keys, a search string and a semantic mark per cell. It never raises
on odd tenant data; a missing value shows as "—" marked "muted".
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, NamedTuple

from intune_tui.intune import wording
from intune_tui.intune.formatting import (
    MISSING,
    age_in_days,
    days_left,
    enum_word,
    expiry_status,
    format_bool,
    format_bytes,
    format_count,
    format_date,
    parse_datetime,
    relative_time,
)
from intune_tui.intune.scopes import (
    APPS_READ,
    CONFIGURATION_READ,
    MANAGED_DEVICES_READ,
    RBAC_READ,
    SERVICE_CONFIG_READ,
)
from intune_tui.text import clean

STALE_SYNC_DAYS = 30

BAD, WARN, GOOD, MUTED = "bad", "warn", "good", "muted"


class Kind(enum.Enum):
    """How a column turns a Graph value into text, a mark and a sort key."""

    TEXT = "text"
    ENUM = "enum"  # Graph enum value -> words ('inGracePeriod' -> 'In grace period')
    AGE = "age"  # timestamp shown relative ('3h ago'), optionally marked stale
    DATE = "date"  # timestamp shown as a date
    EXPIRY = "expiry"  # date plus days left; marked when close or past
    BOOL = "bool"
    BYTES = "bytes"
    COUNT = "count"
    VERSION = "version"  # dotted version, sorted numerically
    CUSTOM = "custom"  # `format` gives the text (e.g. @odata.type -> friendly name)


class Cell(NamedTuple):
    text: str
    mark: str | None
    sort: Any


@dataclass(frozen=True, slots=True)
class Column:
    """One table column.

    key: the Graph property read from the item (also the `$select` name unless `select` says
        otherwise; dotted keys are not used, nested values go through `get`).
    kind: how the value becomes text/mark/sort key (see `Kind`).
    words: display words for specific raw values of an ENUM column (lower-cased keys).
    marks: semantic class for specific raw values of an ENUM column (lower-cased keys).
    stale_after_days: AGE columns mark values older than this as stale ("bad", with the word).
    format: CUSTOM text from the raw value.
    get: reads the raw value from the item instead of `item[key]`.
    select: the properties to `$select` for this column; None means `(key,)`.
    searchable: part of the row's free-text search string.
    min_width: how narrow the column may get on a small terminal (None: never narrower than
        `width`); what still does not fit scrolls sideways.
    """

    key: str
    title: str
    width: int
    kind: Kind = Kind.TEXT
    words: Mapping[str, str] = field(default_factory=dict)
    marks: Mapping[str, str | None] = field(default_factory=dict)
    stale_after_days: int | None = None
    format: Callable[[Any], str] | None = None
    get: Callable[[Mapping[str, Any]], Any] | None = None
    select: tuple[str, ...] | None = None
    searchable: bool = False
    min_width: int | None = None
    repeats: bool = False  # set by the catalog for `Resource.shared_values` columns
    _renderer: Callable[[Column, Any, datetime], Cell] = field(
        init=False, repr=False, compare=False,
        default=None)  # type: ignore[assignment]  # set in __post_init__, never None after
    _words_key: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False,
                                                    default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "_renderer", _RENDERERS[self.kind])
        object.__setattr__(self, "_words_key", tuple(self.words.items()))

    @property
    def select_properties(self) -> tuple[str, ...]:
        return (self.key,) if self.select is None else self.select

    def raw_value(self, item: Mapping[str, Any]) -> Any:
        return self.get(item) if self.get is not None else item.get(self.key)

    @property
    def shows_time_passing(self) -> bool:
        """Its text and mark depend on the current time ("3h ago", "12d left"), not only on the
        item: rows kept from another moment (a warm start's snapshot) redo them as of now
        with `render_time`."""
        return self.kind in (Kind.AGE, Kind.EXPIRY)

    def render_time(self, when: datetime, now: datetime) -> Cell:
        """The cell of a `shows_time_passing` column whose sort key is `when` (a moment, never
        None: cells without one, "never" or missing, do not change with time)."""
        if self.kind is Kind.EXPIRY:
            return _expiry_cell(self, when, now)
        return _age_cell(self, when, now)

    def render(self, item: Mapping[str, Any], now: datetime) -> Cell:
        """Text, mark and sort key of this column for one item. Never raises on bad data."""
        try:
            return self._renderer(self, self.raw_value(item), now)
        except Exception:  # tenant data we did not foresee must not break a whole list
            return _MISSING_CELL


_MISSING_CELL = Cell(MISSING, MUTED, None)


def _render_text(column: Column, value: Any, now: datetime) -> Cell:
    if value is None or isinstance(value, dict | list):
        return _MISSING_CELL
    text = clean(value).strip()
    if not text:
        return _MISSING_CELL
    if column.repeats:
        return Cell(text, None, _shared_fold(text))
    return Cell(text, None, _folded(text))


@lru_cache(maxsize=16384)
def _shared_fold(text: str) -> str:
    """The fold of a value many rows repeat (OS, model): one string object for all of them."""
    return sys.intern(_folded(text))


def _folded(text: str) -> str:
    """The case-insensitive sort key; the text itself when already folded (no extra copy)."""
    folded = text.casefold()
    return text if folded == text else folded


@lru_cache(maxsize=8192)
def _enum_text(value: str, words_key: tuple[tuple[str, str], ...]) -> tuple[str, str]:
    words = dict(words_key)
    text = sys.intern(clean(words.get(value.lower()) or enum_word(value)))
    return text, sys.intern(_folded(text))


def _render_enum(column: Column, value: Any, now: datetime) -> Cell:
    if value is None or isinstance(value, dict | list) or str(value) == "":
        return _MISSING_CELL
    raw = str(value)
    text, folded = _enum_text(raw, column._words_key)
    return Cell(text, column.marks.get(raw.lower()), folded)


def _render_age(column: Column, value: Any, now: datetime) -> Cell:
    when = parse_datetime(value)
    if when is None:
        # Graph writes 0001-01-01T00:00:00Z for "never happened".
        never = isinstance(value, str) and value.startswith("0001-")
        return Cell("never", MUTED, None) if never else _MISSING_CELL
    return _age_cell(column, when, now)


def _age_cell(column: Column, when: datetime, now: datetime) -> Cell:
    text = relative_time(when, now)
    age = age_in_days(when, now)
    if column.stale_after_days is not None and age is not None and age >= column.stale_after_days:
        return Cell(sys.intern(f"{text} (stale)"), BAD, when)
    return Cell(sys.intern(text), None, when)


def _render_date(column: Column, value: Any, now: datetime) -> Cell:
    when = parse_datetime(value)
    if when is None:
        return _MISSING_CELL
    return Cell(sys.intern(format_date(when)), None, when)


def _render_expiry(column: Column, value: Any, now: datetime) -> Cell:
    when = parse_datetime(value)
    if when is None:
        return _MISSING_CELL
    return _expiry_cell(column, when, now)


def _expiry_cell(column: Column, when: datetime, now: datetime) -> Cell:
    status = expiry_status(when, now)
    left = days_left(when, now)
    if status == BAD:
        text = f"{format_date(when)} (expired)"
    elif left is not None:
        text = f"{format_date(when)} ({left}d left)"
    else:
        text = format_date(when)
    return Cell(text, status if status in (BAD, WARN) else None, when)


def _render_bool(column: Column, value: Any, now: datetime) -> Cell:
    if not isinstance(value, bool):
        return _MISSING_CELL
    words = column.words
    text = words.get(str(value).lower()) or format_bool(value)
    return Cell(text, column.marks.get(str(value).lower()), value)


def _render_bytes(column: Column, value: Any, now: datetime) -> Cell:
    text = format_bytes(value)
    if text == MISSING:
        return _MISSING_CELL
    return Cell(text, None, float(value))


def _render_count(column: Column, value: Any, now: datetime) -> Cell:
    if isinstance(value, list):
        value = len(value)
    text = format_count(value)
    if text == MISSING:
        return _MISSING_CELL
    return Cell(text, None, float(value))


def _render_version(column: Column, value: Any, now: datetime) -> Cell:
    cell = _render_text(column, value, now)
    if cell.sort is None:
        return cell
    return Cell(cell.text, None, version_key(cell.text))


def _render_custom(column: Column, value: Any, now: datetime) -> Cell:
    if column.format is None:
        return _render_text(column, value, now)
    text = clean(column.format(value)).strip()
    if not text or text == MISSING:
        return _MISSING_CELL
    if len(text) < 64:  # custom texts are mostly type names repeated on many rows
        text = sys.intern(text)
        return Cell(text, None, sys.intern(_folded(text)))
    return Cell(text, None, _folded(text))


_RENDERERS: dict[Kind, Callable[[Column, Any, datetime], Cell]] = {
    Kind.TEXT: _render_text,
    Kind.ENUM: _render_enum,
    Kind.AGE: _render_age,
    Kind.DATE: _render_date,
    Kind.EXPIRY: _render_expiry,
    Kind.BOOL: _render_bool,
    Kind.BYTES: _render_bytes,
    Kind.COUNT: _render_count,
    Kind.VERSION: _render_version,
    Kind.CUSTOM: _render_custom,
}


@lru_cache(maxsize=16384)  # devices share OS versions; shared tuples keep 100k rows small
def version_key(text: str) -> tuple[int, ...]:
    """'10.0.19045.4170' -> (10, 0, 19045, 4170); non-numeric parts count as 0."""
    parts: list[int] = []
    for part in text.replace("-", ".").split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


@dataclass(slots=True)
class Row:
    """One table row, ready to draw, sort and search without touching Graph data again.

    cells: display strings (cleaned), one per column.
    sort_keys: typed keys per column or None when missing: case-folded str for text, datetime
        for times, float for counts and sizes, tuple of ints for versions, bool. Within one
        column all non-None keys have the same type; `sort_rows` keeps missing values last.
    search_text: lower-cased name/user/serial/model joined by tabs, for free-text search.
    marks: per cell "bad" | "warn" | "good" | "muted" | None; the cell text always says the same
        thing in words, the mark only adds colour.
    item: the Graph dict the row came from (for actions and detail panes). Values of
        `Resource.shared_values` in it are replaced by equal interned strings.
    """

    key: str
    cells: tuple[str, ...]
    sort_keys: tuple[Any, ...]
    search_text: str
    marks: tuple[str | None, ...]
    item: dict[str, Any]


# Rows of one list share a handful of mark patterns; sharing the tuples keeps 100k rows small.
_shared_marks: dict[tuple[str | None, ...], tuple[str | None, ...]] = {}


def _share_marks(marks: tuple[str | None, ...]) -> tuple[str | None, ...]:
    shared = _shared_marks.get(marks)
    if shared is None:
        if len(_shared_marks) > 4096:
            return marks
        _shared_marks[marks] = marks
        shared = marks
    return shared


@dataclass(frozen=True)
class Resource:
    """One list Graph serves, and how to show it.

    path: relative Graph path; children carry `{id}` for the parent's id (`path_for`).
    select: the `$select` sent (empty: no `$select`, Graph returns default properties).
    filterable: property -> OData operators Graph supports on it (per the reference §1.2).
    required_scope: the least scope that reads it (seed table); `also_accepted_scopes` lists
        others the Graph docs name for the same endpoint.
    page_size: `$top` to send (None: Graph's default).
    singleton: the path returns one object, not a collection (APNs certificate).
    list_property: the rows are a list property of the returned object (deviceActionResults).
    parent: the resource this one is a tab of (its rows need the parent's id).
    shared_values: item properties whose values repeat across rows (interned to save memory).
    request_count: send `$count=true` so the first page says how many match ("loaded N of M").
    min_page_size: the smallest `$top` a 503 on the first page may shrink to (None: 20, or the
        page size when that is smaller).
    preview_size: ask for this many rows beside the first full page, to show them sooner (a
        short page is built, sent and read in a fraction of the time; None: no preview).
    """

    key: str
    title: str
    path: str
    api_version: str
    select: tuple[str, ...]
    columns: tuple[Column, ...]
    filterable: Mapping[str, frozenset[str]]
    required_scope: str
    page_size: int | None
    default_orderby: str | None = None
    id_field: str = "id"
    singleton: bool = False
    list_property: str | None = None
    parent: str | None = None
    also_accepted_scopes: tuple[str, ...] = ()
    shared_values: tuple[str, ...] = ()
    request_count: bool = False
    min_page_size: int | None = None
    preview_size: int | None = None

    def path_for(self, parent_id: str | None = None) -> str:
        """The request path, with the parent's id filled in for child resources."""
        if "{id}" in self.path:
            if not parent_id:
                raise ValueError(f"{self.title} needs the id of its {self.parent or 'parent'}")
            return self.path.replace("{id}", _path_segment(parent_id))
        return self.path

    def column_index(self, key: str) -> int:
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(f"{self.key} has no column {key!r}")

    def operators(self, prop: str) -> frozenset[str]:
        """The OData operators Graph accepts on `prop` for this list (empty: not filterable)."""
        return self.filterable.get(prop, frozenset())

    def to_row(self, item: Mapping[str, Any], now: datetime | None = None) -> Row:
        """Build the display row for one Graph item; never raises on missing or odd fields."""
        moment = now or datetime.now(UTC)
        data = item if isinstance(item, dict) else dict(item)
        for key in self.shared_values:
            # Equal strings repeated on every row (OS, states, models) become one object each.
            value = data.get(key)
            if type(value) is str:
                data[key] = sys.intern(value)
        texts: list[str] = []
        sorts: list[Any] = []
        marks: list[str | None] = []
        searchable: list[str] = []
        for column in self.columns:
            text, mark, sort = column.render(data, moment)
            texts.append(text)
            sorts.append(sort)
            marks.append(mark)
            if column.searchable and sort is not None:
                searchable.append(text)
        return Row(
            key=self.row_key(data),
            cells=tuple(texts),
            sort_keys=tuple(sorts),
            search_text="\t".join(searchable).lower(),
            marks=_share_marks(tuple(marks)),
            item=data,
        )

    def to_rows(self, items: Iterable[Mapping[str, Any]], now: datetime | None = None) -> list[Row]:
        moment = now or datetime.now(UTC)
        return [self.to_row(item, moment) for item in items]

    def row_key(self, item: Mapping[str, Any]) -> str:
        value = item.get(self.id_field)
        if value not in (None, ""):
            return str(value)
        # Items without an id (singletons, some status rows) still need a key unique in the list.
        return f"{self.key}#{id(item):x}"


def _path_segment(value: str) -> str:
    """An id as one path segment: refuses anything that would change the path."""
    text = str(value)
    if not text or any(ch in text for ch in "/?#%\\") or text in (".", ".."):
        raise ValueError(f"not a valid Graph id: {text!r}")
    return text


def sort_rows(rows: list[Row], column: int, *, descending: bool = False) -> list[Row]:
    """Rows ordered by one column's typed key; rows missing that value go last either way.

    Ties keep their current order (stable).
    """
    present = [row for row in rows if row.sort_keys[column] is not None]
    missing = [row for row in rows if row.sort_keys[column] is None]
    present.sort(key=lambda row: row.sort_keys[column], reverse=descending)
    return present + missing


# ---------------------------------------------------------------------------------------------
# Column building blocks

_COMPLIANCE_MARKS = {
    "compliant": GOOD, "noncompliant": BAD, "error": BAD, "conflict": WARN,
    "ingraceperiod": WARN, "unknown": MUTED,
}
_MANAGEMENT_MARKS = {
    "managed": GOOD, "retirepending": WARN, "wipepending": WARN, "deletepending": WARN,
    "retireissued": WARN, "wipeissued": WARN, "retirefailed": BAD, "wipefailed": BAD,
    "unhealthy": BAD, "wipecanceled": WARN, "retirecanceled": WARN,
}
_STATUS_MARKS = {
    "compliant": GOOD, "succeeded": GOOD, "success": GOOD, "remediated": GOOD, "done": GOOD,
    "noncompliant": BAD, "error": BAD, "failed": BAD, "conflict": BAD,
    "pending": WARN, "active": WARN, "notapplicable": MUTED, "notassigned": MUTED,
    "unknown": MUTED, "notsupported": MUTED, "canceled": MUTED, "none": MUTED,
}
_OWNER_WORDS = {"company": "Corporate", "personal": "Personal"}
# resultantAppState of an app on a device
_INSTALL_MARKS = {"installed": GOOD, "failed": BAD, "pendinginstall": WARN,
                  "notapplicable": MUTED, "unknown": MUTED}
# deviceManagementExchangeConnectorStatus
EXCHANGE_CONNECTOR_MARKS = {"connected": GOOD, "connectionpending": WARN, "disconnected": BAD,
                            "none": MUTED}
# mobileThreatPartnerTenantState
MTD_PARTNER_MARKS = {"enabled": GOOD, "available": None, "unavailable": BAD,
                     "unresponsive": BAD, "notsetup": MUTED}


def _dep_sync_words(code: Any) -> str:
    """depOnboardingSetting.lastSyncErrorCode: 0 means the last sync succeeded."""
    if code is None or str(code).strip().lower() in ("", "0", "none"):
        return "OK" if code is not None else MISSING
    return f"Failed ({code})"


def _name(key: str = "displayName", title: str = "Name", width: int = 32) -> Column:
    return Column(key, title, width, searchable=True)


def _modified(key: str = "lastModifiedDateTime", title: str = "Modified") -> Column:
    return Column(key, title, 10, Kind.AGE)


def _odata_type(title: str, fmt: Callable[[Any], str], width: int = 26) -> Column:
    return Column("@odata.type", title, width, Kind.CUSTOM, format=fmt, select=())


def _status(key: str, title: str, width: int = 14) -> Column:
    return Column(key, title, width, Kind.ENUM, marks=_STATUS_MARKS)


def _make(
    key: str,
    title: str,
    path: str,
    scope: str,
    columns: Iterable[Column],
    *,
    api_version: str = "v1.0",
    extra_select: Iterable[str] = (),
    select: bool = True,
    page_size: int | None = 100,
    **options: Any,
) -> Resource:
    """A Resource whose `$select` is id + the columns' properties + `extra_select`."""
    cols = tuple(columns)
    selected: tuple[str, ...] = ()
    if select:
        names = ["id", *(p for c in cols for p in c.select_properties), *extra_select]
        selected = tuple(dict.fromkeys(n for n in names if not n.startswith("@")))
    shared = tuple(dict.fromkeys((
        "@odata.type",
        *(c.key for c in cols if c.kind in (Kind.ENUM, Kind.VERSION, Kind.BOOL)),
        *options.pop("shared_values", ()),
    )))
    cols = tuple(replace(c, repeats=True) if c.key in shared else c for c in cols)
    return Resource(
        key=key, title=title, path=path, api_version=api_version, select=selected, columns=cols,
        filterable=options.pop("filterable", {}), required_scope=scope, page_size=page_size,
        shared_values=shared, **options,
    )


_EQ_OR = frozenset({"eq", "or"})

# managedDevices $filter support, from the CSDL property descriptions (reference §1.2).
DEVICE_FILTERABLE: dict[str, frozenset[str]] = {
    "deviceName": frozenset({"eq", "contains"}),
    "model": frozenset({"eq", "contains"}),
    "userPrincipalName": frozenset({"eq", "ne"}),
    **{prop: _EQ_OR for prop in (
        "operatingSystem", "complianceState", "managementState", "managementAgent",
        "manufacturer", "serialNumber", "imei", "jailBroken", "exchangeAccessState",
        "deviceCategoryDisplayName",
    )},
    "osVersion": frozenset({"contains"}),
    "emailAddress": frozenset({"contains"}),
    "phoneNumber": frozenset({"contains"}),
    "enrolledDateTime": frozenset({"lt", "gt"}),
    "lastSyncDateTime": frozenset({"lt", "gt"}),
    "complianceGracePeriodExpirationDateTime": frozenset({"lt", "gt"}),
    "azureADDeviceId": frozenset({"eq"}),
}

DEVICE_COLUMNS: tuple[Column, ...] = (
    # min widths keep name, user, OS, version and compliance whole on an 80-column terminal
    Column("deviceName", "Device name", 20, searchable=True, min_width=16),
    Column("userPrincipalName", "User", 28, searchable=True, min_width=16),
    Column("operatingSystem", "OS", 8, min_width=7),
    Column("osVersion", "OS version", 14, Kind.VERSION, min_width=8),
    Column("complianceState", "Compliance", 14, Kind.ENUM, marks=_COMPLIANCE_MARKS,
           min_width=12),
    Column("managementState", "Management", 13, Kind.ENUM, marks=_MANAGEMENT_MARKS,
           min_width=10),
    Column("lastSyncDateTime", "Last sync", 15, Kind.AGE, stale_after_days=STALE_SYNC_DAYS,
           min_width=10),
    Column("managedDeviceOwnerType", "Ownership", 9, Kind.ENUM, words=_OWNER_WORDS),
    Column("serialNumber", "Serial", 14, searchable=True, min_width=10),
    Column("model", "Model", 18, searchable=True, min_width=12),
)

# Fields remote actions, the confirmation modal and search (`enrolled>90d`, `manufacturer:`)
# need that are not columns; the Entra device id and the user id let the device screen start its
# Recovery, Groups, user and Apps reads at Enter instead of after the device's own GET.
DEVICE_ACTION_FIELDS: tuple[str, ...] = (
    "isSupervised", "deviceEnrollmentType", "userDisplayName", "manufacturer", "enrolledDateTime",
    "azureADDeviceId", "userId",
)

# Non-default fields Graph returns only on a per-device GET with $select (reference §1.2), plus
# the detail pane's hardware, network, encryption and enrollment facts.
DEVICE_DETAIL_SELECT: tuple[str, ...] = tuple(dict.fromkeys((
    "id", *(c.key for c in DEVICE_COLUMNS), *DEVICE_ACTION_FIELDS,
    "enrolledDateTime", "managementAgent", "jailBroken", "isEncrypted", "azureADDeviceId",
    "azureADRegistered", "deviceRegistrationState", "deviceCategoryDisplayName",
    "enrollmentProfileName", "emailAddress", "userId", "imei", "meid", "iccid", "udid",
    "wiFiMacAddress", "ethernetMacAddress", "phoneNumber", "subscriberCarrier",
    "totalStorageSpaceInBytes", "freeStorageSpaceInBytes", "physicalMemoryInBytes",
    "androidSecurityPatchLevel", "complianceGracePeriodExpirationDateTime",
    "managementCertificateExpirationDate", "exchangeAccessState", "easActivated",
    "partnerReportedThreatState", "notes", "deviceActionResults",
)))

# What to re-read after a remote action: its state, and the management state retire/wipe move.
DEVICE_ACTION_STATE_SELECT: tuple[str, ...] = (
    "id", "deviceName", "deviceActionResults", "managementState", "lastSyncDateTime",
)

_POLICY_COLUMNS = (
    _name(),
    _odata_type("Platform", wording.policy_platform),
    _odata_type("Type", wording.policy_kind),
    _modified(),
    Column("version", "Version", 7, Kind.COUNT),
)

_APP_PROTECTION_COLUMNS = (
    _name(),
    Column("isAssigned", "Assigned", 8, Kind.BOOL),
    Column("deployedAppCount", "Apps", 5, Kind.COUNT),
    _modified(),
)


def _assignment_columns() -> tuple[Column, ...]:
    return (
        Column("target", "Assigned to", 44, Kind.CUSTOM, format=wording.assignment_target_words),
        Column("intent", "Intent", 12, Kind.ENUM),
    )


_DEVICE_STATUS_COLUMNS = (
    Column("deviceDisplayName", "Device", 20, searchable=True),
    Column("userPrincipalName", "User", 28, searchable=True),
    _status("status", "Status"),
    Column("lastReportedDateTime", "Last report", 12, Kind.AGE),
    Column("deviceModel", "Model", 16, searchable=True),
)

# A device's tab of compliance policies or of configuration profiles: the state of each.
_DEVICE_POLICY_STATE_COLUMNS = (
    _name(),
    _status("state", "State"),
    Column("platformType", "Platform", 14, Kind.ENUM),
    Column("settingCount", "Settings", 8, Kind.COUNT),
)

_STATUS_OVERVIEW_COLUMNS = (
    Column("successCount", "Succeeded", 9, Kind.COUNT),
    Column("errorCount", "Errors", 7, Kind.COUNT),
    Column("failedCount", "Failed", 7, Kind.COUNT),
    Column("pendingCount", "Pending", 7, Kind.COUNT),
    Column("notApplicableCount", "Not applicable", 14, Kind.COUNT),
    Column("lastUpdateDateTime", "Updated", 10, Kind.AGE),
)


def _policy_children(parent: str, base: str, title: str) -> list[Resource]:
    return [
        _make(f"{parent}.assignments", f"{title}: assignments", f"{base}/{{id}}/assignments",
              CONFIGURATION_READ, _assignment_columns()[:1], select=False, parent=parent),
        _make(f"{parent}.device_statuses", f"{title}: device status",
              f"{base}/{{id}}/deviceStatuses", CONFIGURATION_READ, _DEVICE_STATUS_COLUMNS,
              parent=parent),
        _make(f"{parent}.device_status_overview", f"{title}: status overview",
              f"{base}/{{id}}/deviceStatusOverview", CONFIGURATION_READ, _STATUS_OVERVIEW_COLUMNS,
              select=False, singleton=True, page_size=None, parent=parent),
    ]


def _setting_column(part: int, title: str, width: int) -> Column:
    return Column("settingInstance", title, width, Kind.CUSTOM,
                  format=lambda instance: wording.setting_instance_words(instance)[part])


def _build_resources() -> dict[str, Resource]:
    resources = [
        _make("devices", "Devices", "/deviceManagement/managedDevices", MANAGED_DEVICES_READ,
              DEVICE_COLUMNS, extra_select=DEVICE_ACTION_FIELDS, page_size=1000,
              preview_size=100, filterable=DEVICE_FILTERABLE, request_count=True,
              shared_values=("operatingSystem", "model", "manufacturer", "deviceEnrollmentType")),
        # Apps on beta: v1.0 does not list "Microsoft Store app (new)" (winGetApp). Page of 20 per
        # the seed's advice after 503s on large app listings ("20 or fewer": a 503 even at 20
        # halves on down to 5).
        _make("apps", "Apps", "/deviceAppManagement/mobileApps", APPS_READ,
              (_name(), _odata_type("Type", wording.app_type_name, 30),
               Column("publisher", "Publisher", 20, searchable=True),
               Column("isAssigned", "Assigned", 8, Kind.BOOL),
               Column("publishingState", "State", 12, Kind.ENUM,
                      marks={"processing": WARN, "notpublished": MUTED}),
               _modified()),
              api_version="beta", page_size=20, min_page_size=5),
        _make("app_categories", "App categories", "/deviceAppManagement/mobileAppCategories",
              APPS_READ, (_name(), _modified())),
        _make("app_protection_ios", "App protection (iOS/iPadOS)",
              "/deviceAppManagement/iosManagedAppProtections", APPS_READ,
              _APP_PROTECTION_COLUMNS),
        _make("app_protection_android", "App protection (Android)",
              "/deviceAppManagement/androidManagedAppProtections", APPS_READ,
              _APP_PROTECTION_COLUMNS),
        _make("app_protection_windows", "App protection (Windows)",
              "/deviceAppManagement/windowsManagedAppProtections", APPS_READ,
              (_name(), Column("isAssigned", "Assigned", 8, Kind.BOOL), _modified()),
              api_version="beta"),
        _make("app_config_mdm", "App configuration (managed devices)",
              "/deviceAppManagement/mobileAppConfigurations", APPS_READ,
              (_name(), _odata_type("Platform", wording.policy_platform), _modified(),
               Column("version", "Version", 7, Kind.COUNT))),
        _make("app_config_mam", "App configuration (managed apps)",
              "/deviceAppManagement/targetedManagedAppConfigurations", APPS_READ,
              _APP_PROTECTION_COLUMNS),
        _make("device_configurations", "Configuration profiles",
              "/deviceManagement/deviceConfigurations", CONFIGURATION_READ, _POLICY_COLUMNS),
        _make("compliance_policies", "Compliance policies",
              "/deviceManagement/deviceCompliancePolicies", CONFIGURATION_READ, _POLICY_COLUMNS),
        # Settings catalog serves 25 per page and silently truncates clients that do not page.
        _make("settings_catalog", "Settings catalog", "/deviceManagement/configurationPolicies",
              CONFIGURATION_READ,
              (_name("name"),
               Column("platforms", "Platform", 22, Kind.CUSTOM,
                      format=wording.settings_catalog_platforms),
               Column("technologies", "Technologies", 18, Kind.CUSTOM, format=wording.flags_words),
               Column("settingCount", "Settings", 8, Kind.COUNT),
               Column("isAssigned", "Assigned", 8, Kind.BOOL),
               _modified()),
              api_version="beta", page_size=25),
        # The seed lists notification messages under Configuration; some docs say ServiceConfig.
        _make("notification_templates", "Notification templates",
              "/deviceManagement/notificationMessageTemplates", CONFIGURATION_READ,
              (_name(), Column("defaultLocale", "Default locale", 14), _modified()),
              also_accepted_scopes=(SERVICE_CONFIG_READ,)),
        _make("role_definitions", "Intune roles", "/deviceManagement/roleDefinitions", RBAC_READ,
              (_name(), Column("isBuiltIn", "Built in", 8, Kind.BOOL,
                               words={"true": "Built-in", "false": "Custom"}),
               Column("description", "Description", 50, searchable=True)),
              extra_select=("rolePermissions",)),
        _make("role_assignments", "Role assignments", "/deviceManagement/roleAssignments",
              RBAC_READ,
              (_name(), Column("members", "Groups", 6, Kind.COUNT),
               Column("resourceScopes", "Scopes", 6, Kind.COUNT),
               Column("description", "Description", 40, searchable=True))),
        _make("resource_operations", "Resource operations",
              "/deviceManagement/resourceOperations", RBAC_READ,
              (Column("resourceName", "Resource", 28, Kind.ENUM, searchable=True),
               Column("actionName", "Operation", 24, Kind.ENUM, searchable=True),
               Column("description", "Description", 50, searchable=True))),
        _make("apns", "Apple push notification certificate",
              "/deviceManagement/applePushNotificationCertificate", SERVICE_CONFIG_READ,
              (Column("appleIdentifier", "Apple ID", 30, searchable=True),
               Column("expirationDateTime", "Expires", 24, Kind.EXPIRY),
               Column("topicIdentifier", "Topic", 40),
               Column("certificateUploadStatus", "Upload status", 14)),
              singleton=True, page_size=None),
        _make("dep_settings", "Apple enrollment program tokens",
              "/deviceManagement/depOnboardingSettings", SERVICE_CONFIG_READ,
              (Column("tokenName", "Token", 24, searchable=True),
               Column("appleIdentifier", "Apple ID", 28, searchable=True),
               Column("tokenExpirationDateTime", "Expires", 24, Kind.EXPIRY),
               Column("lastSuccessfulSyncDateTime", "Last sync", 12, Kind.AGE,
                      stale_after_days=7),
               Column("lastSyncErrorCode", "Sync result", 12, Kind.CUSTOM,
                      format=_dep_sync_words),
               Column("syncedDeviceCount", "Devices", 8, Kind.COUNT)),
              api_version="beta", also_accepted_scopes=(CONFIGURATION_READ,)),
        # The seed puts Apple VPP under ServiceConfig; the reference's table says Apps.
        _make("vpp_tokens", "Apple VPP tokens", "/deviceAppManagement/vppTokens",
              SERVICE_CONFIG_READ,
              (Column("organizationName", "Organisation", 24, searchable=True),
               Column("appleId", "Apple ID", 28, searchable=True),
               Column("state", "State", 10, Kind.ENUM,
                      marks={"valid": GOOD, "expired": BAD, "invalid": BAD,
                             "assignedtoexternalmdm": WARN}),
               Column("expirationDateTime", "Expires", 24, Kind.EXPIRY),
               Column("lastSyncDateTime", "Last sync", 12, Kind.AGE),
               _status("lastSyncStatus", "Sync status")),
              also_accepted_scopes=(APPS_READ,)),
        _make("enrollment_configurations", "Enrollment configurations",
              "/deviceManagement/deviceEnrollmentConfigurations", SERVICE_CONFIG_READ,
              (_name(), _odata_type("Type", wording.policy_kind, 30),
               Column("priority", "Priority", 8, Kind.COUNT), _modified())),
        _make("terms_and_conditions", "Terms and conditions",
              "/deviceManagement/termsAndConditions", SERVICE_CONFIG_READ,
              (_name(), Column("title", "Title", 30, searchable=True),
               Column("version", "Version", 7, Kind.COUNT), _modified())),
        _make("exchange_connectors", "Exchange connectors",
              "/deviceManagement/exchangeConnectors", SERVICE_CONFIG_READ,
              (Column("serverName", "Server", 28, searchable=True),
               Column("status", "Status", 14, Kind.ENUM, marks=EXCHANGE_CONNECTOR_MARKS),
               Column("lastSyncDateTime", "Last sync", 12, Kind.AGE, stale_after_days=1),
               Column("exchangeConnectorType", "Type", 14, Kind.ENUM))),
        _make("mtd_connectors", "Mobile threat defense connectors",
              "/deviceManagement/mobileThreatDefenseConnectors", SERVICE_CONFIG_READ,
              (Column("id", "Partner", 38, searchable=True),
               Column("partnerState", "State", 14, Kind.ENUM, marks=MTD_PARTNER_MARKS),
               Column("lastHeartbeatDateTime", "Last heartbeat", 14, Kind.AGE,
                      stale_after_days=1),
               Column("androidEnabled", "Android", 7, Kind.BOOL),
               Column("iosEnabled", "iOS", 5, Kind.BOOL))),
        _make("remote_action_audits", "Remote action history",
              "/deviceManagement/remoteActionAudits", MANAGED_DEVICES_READ,
              (Column("deviceDisplayName", "Device", 20, searchable=True),
               Column("action", "Action", 18, Kind.ENUM),
               _status("actionState", "State", 12),
               Column("requestDateTime", "Requested", 12, Kind.AGE),
               Column("initiatedByUserPrincipalName", "By", 28, searchable=True),
               Column("deviceOwnerUserPrincipalName", "Device user", 28, searchable=True)),
              extra_select=("managedDeviceId",), api_version="beta"),
        # Tabs of one device.
        _make("device_compliance_states", "Compliance policies",
              "/deviceManagement/managedDevices/{id}/deviceCompliancePolicyStates",
              MANAGED_DEVICES_READ, _DEVICE_POLICY_STATE_COLUMNS, select=False, parent="devices"),
        _make("device_configuration_states", "Configuration profiles",
              "/deviceManagement/managedDevices/{id}/deviceConfigurationStates",
              MANAGED_DEVICES_READ, _DEVICE_POLICY_STATE_COLUMNS, select=False, parent="devices"),
        _make("device_detected_apps", "Discovered apps",
              "/deviceManagement/managedDevices/{id}/detectedApps", MANAGED_DEVICES_READ,
              (_name(), Column("version", "Version", 16, Kind.VERSION),
               Column("publisher", "Publisher", 24, searchable=True),
               Column("sizeInByte", "Size", 10, Kind.BYTES)),
              api_version="beta", page_size=None, parent="devices"),
        _make("device_users", "Users", "/deviceManagement/managedDevices/{id}/users",
              MANAGED_DEVICES_READ,
              (_name(), Column("userPrincipalName", "User", 32, searchable=True),
               Column("mail", "Email", 32, searchable=True)),
              page_size=None, parent="devices"),
        _make("device_action_results", "Remote actions", "/deviceManagement/managedDevices/{id}",
              MANAGED_DEVICES_READ,
              (Column("actionName", "Action", 24, Kind.ENUM),
               _status("actionState", "State", 12),
               Column("startDateTime", "Started", 12, Kind.AGE),
               Column("lastUpdatedDateTime", "Updated", 12, Kind.AGE)),
              select=False, page_size=None, parent="devices",
              list_property="deviceActionResults", singleton=True),
        _make("app_assignments", "Assignments", "/deviceAppManagement/mobileApps/{id}/assignments",
              APPS_READ, _assignment_columns(), select=False, api_version="beta",
              page_size=None, parent="apps"),
        _make("app_install_summary", "Install summary",
              "/deviceAppManagement/mobileApps/{id}/installSummary", APPS_READ,
              (Column("installedDeviceCount", "Installed", 9, Kind.COUNT),
               Column("failedDeviceCount", "Failed", 7, Kind.COUNT),
               Column("pendingInstallDeviceCount", "Pending", 7, Kind.COUNT),
               Column("notInstalledDeviceCount", "Not installed", 13, Kind.COUNT),
               Column("notApplicableDeviceCount", "Not applicable", 14, Kind.COUNT)),
              select=False, api_version="beta", singleton=True, page_size=None, parent="apps"),
        _make("app_device_statuses", "Install status by device",
              "/deviceAppManagement/mobileApps/{id}/deviceStatuses", APPS_READ,
              (Column("deviceName", "Device", 20, searchable=True),
               Column("userPrincipalName", "User", 28, searchable=True),
               Column("installState", "Install state", 14, Kind.ENUM, marks=_INSTALL_MARKS),
               Column("installStateDetail", "Detail", 24, Kind.ENUM),
               Column("lastSyncDateTime", "Last sync", 10, Kind.AGE),
               Column("osVersion", "OS version", 14, Kind.VERSION)),
              select=False, api_version="beta", parent="apps"),
        *_policy_children("device_configurations", "/deviceManagement/deviceConfigurations",
                          "Configuration profile"),
        *_policy_children("compliance_policies", "/deviceManagement/deviceCompliancePolicies",
                          "Compliance policy"),
        _make("settings_catalog.assignments", "Settings catalog: assignments",
              "/deviceManagement/configurationPolicies/{id}/assignments", CONFIGURATION_READ,
              _assignment_columns()[:1], select=False, api_version="beta",
              parent="settings_catalog"),
        _make("settings_catalog.settings", "Settings catalog: settings",
              "/deviceManagement/configurationPolicies/{id}/settings", CONFIGURATION_READ,
              (_setting_column(0, "Setting", 60), _setting_column(1, "Value", 30)),
              select=False, api_version="beta", page_size=None, parent="settings_catalog"),
    ]
    return {resource.key: resource for resource in resources}


RESOURCES: dict[str, Resource] = _build_resources()


# ---------------------------------------------------------------------------------------------
# Lists a detail screen shows that are not served on a path of their own: lists that come inside
# their parent item when it is read with `$expand=<list_property>`, and readable re-shapings of
# what a detail holds (a policy's settings as name/value rows). Nothing streams these, so they
# are not in RESOURCES; `to_rows` gives the rows for a detail tab's table.

def _expanded(key: str, title: str, parent: str, list_property: str, scope: str,
              columns: Iterable[Column], api_version: str = "v1.0") -> Resource:
    parent_path = RESOURCES[parent].path
    return _make(key, title, parent_path + "/{id}", scope, columns, select=False,
                 page_size=None, singleton=True, list_property=list_property, parent=parent,
                 api_version=api_version)


def _assignment_list(parent: str, scope: str, api_version: str = "v1.0") -> Resource:
    return _expanded(f"{parent}.assignments", "Assignments", parent, "assignments", scope,
                     _assignment_columns()[:1], api_version)


def _managed_app_list(parent: str, api_version: str = "v1.0") -> Resource:
    return _expanded(f"{parent}.apps", "Protected apps", parent, "apps", APPS_READ,
                     (Column("mobileAppIdentifier", "App", 44, Kind.CUSTOM,
                             format=wording.managed_app_identifier, searchable=True),
                      Column("mobileAppIdentifier", "Platform", 10, Kind.CUSTOM,
                             format=wording.managed_app_platform),
                      Column("version", "Version", 8)), api_version)


_MANAGED_APP_POLICIES = (("app_protection_ios", "v1.0"), ("app_protection_android", "v1.0"),
                         ("app_protection_windows", "beta"), ("app_config_mam", "v1.0"))

DETAIL_LISTS: dict[str, Resource] = {resource.key: resource for resource in (
    *(_assignment_list(parent, APPS_READ, version) for parent, version in _MANAGED_APP_POLICIES),
    *(_managed_app_list(parent, version) for parent, version in _MANAGED_APP_POLICIES),
    _assignment_list("app_config_mdm", APPS_READ),
    _expanded("notification_templates.messages", "Messages", "notification_templates",
              "localizedNotificationMessages", CONFIGURATION_READ,
              (Column("subject", "Subject", 36, searchable=True),
               Column("locale", "Locale", 8),
               Column("isDefault", "Default", 7, Kind.BOOL),
               Column("messageTemplate", "Message", 60, searchable=True))),
    # scheduledActionsForRule[].scheduledActionConfigurations[], one row per action.
    _expanded("compliance_policies.actions", "Actions for noncompliance", "compliance_policies",
              "scheduledActionsForRule", CONFIGURATION_READ,
              (Column("actionType", "Action", 34, Kind.CUSTOM,
                      format=wording.compliance_action_words, searchable=True),
               Column("gracePeriodHours", "When", 20, Kind.CUSTOM,
                      format=wording.grace_period_words),
               Column("notificationTemplateId", "Message template", 38))),
    # A policy's settings as readable rows: {"id", "name", "value"} (wording.readable_properties,
    # wording.setting_rows).
    _make("policy_settings", "Settings", "", CONFIGURATION_READ,
          (Column("name", "Setting", 48, searchable=True),
           Column("value", "Value", 40, searchable=True)),
          select=False, page_size=None),
)}
