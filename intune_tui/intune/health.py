"""Tenant health as one list, worst first: what expired, what fails, what expires soon.

`attention_rows(items)` turns `IntuneService.tenant_health()` into display rows of the
`ATTENTION` list: a state word (EXPIRED, FAILING, EXPIRING, STALE, UNKNOWN, OK: never colour
alone), what it is, and the details in words ("expires in 12 days", "expired 40 days ago").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from intune_tui.intune.models import HealthItem
from intune_tui.intune.resources import BAD, GOOD, MUTED, WARN, Column, Kind, Resource, Row
from intune_tui.intune.scopes import SERVICE_CONFIG_READ

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService, RowPage

# What a row says first; the order is the order of the list.
EXPIRED, FAILING, EXPIRING, STALE = "expired", "failing", "expiring", "stale"
UNKNOWN, OK = "unknown", "ok"
_STATE_ORDER = (EXPIRED, FAILING, EXPIRING, STALE, UNKNOWN, OK)
_STATE_WORDS = {state: state.upper() for state in _STATE_ORDER}
_STATE_MARKS = {EXPIRED: BAD, FAILING: BAD, EXPIRING: WARN, STALE: WARN, UNKNOWN: MUTED,
                OK: GOOD}

# Short names of the areas, as the health screen's tabs call them.
AREA_SHORT = {
    "Apple push certificate": "APNs",
    "Apple enrollment tokens": "ADE",
    "Apple VPP tokens": "VPP",
    "Exchange connectors": "Exchange",
    "Mobile threat defense": "MTD",
}

ATTENTION = Resource(
    key="tenant_health",
    title="Tenant health",
    path="",
    api_version="v1.0",
    select=(),
    columns=(
        Column("state", "State", 8, Kind.ENUM, words=_STATE_WORDS, marks=_STATE_MARKS),
        Column("what", "What", 28, searchable=True),
        Column("details", "Details", 40, searchable=True),
        Column("area", "Area", 24, searchable=True),
    ),
    filterable={},
    required_scope=SERVICE_CONFIG_READ,
    page_size=None,
)


def health_state(item: HealthItem) -> str:
    """EXPIRED when past its expiry, FAILING for any other 'bad', EXPIRING for a 'warn' with an
    expiry, STALE for other warnings (a sync or heartbeat too long ago), UNKNOWN when it could
    not be read, else OK."""
    if item.status is None:
        return UNKNOWN
    if item.status == "bad":
        expired = item.days_left is not None and item.days_left < 0
        return EXPIRED if expired else FAILING
    if item.status == "warn":
        return EXPIRING if item.days_left is not None else STALE
    return OK


ATTENTION_STATES = frozenset({EXPIRED, FAILING, EXPIRING, STALE})


def attention_order(items: Iterable[HealthItem]) -> list[HealthItem]:
    """Worst first; within a state, the fewest days left first, then by area and name."""
    def key(item: HealthItem) -> tuple[Any, ...]:
        days = item.days_left if item.days_left is not None else 1 << 30
        return (_STATE_ORDER.index(health_state(item)), days, item.area, item.name)

    return sorted(items, key=key)


def what_words(item: HealthItem) -> str:
    """'VPP Contoso Retail': the area's short name, unless the item's name already says it."""
    short = AREA_SHORT.get(item.area, item.area)
    if item.name == item.area or short.casefold() in item.name.casefold():
        return item.name
    return f"{short} {item.name}"


def health_record(item: HealthItem) -> dict[str, Any]:
    """One health item as the dict an `ATTENTION` row is drawn from."""
    details = item.summary
    if item.error:
        details = f"{item.summary}: {item.error}"
    return {
        "id": f"{item.area}:{item.name}",
        "state": health_state(item),
        "what": what_words(item),
        "details": details,
        "area": item.area,
        "name": item.name,
        "daysLeft": item.days_left,
        "error": item.error,
    }


@dataclass(frozen=True)
class StaleArea:
    """An area whose refresh failed: its rows are the last good read, from `since`."""

    area: str
    since: datetime
    error: str


@dataclass
class LastGoodHealth:
    """The last good rows of each area, so a failed refresh keeps them (marked stale) instead
    of replacing them with "could not be read"."""

    rows: dict[str, tuple[list[Row], datetime]] = field(default_factory=dict)

    def merge(self, rows: list[Row], now: datetime) -> tuple[list[Row], list[StaleArea]]:
        """Rows to show for a fresh read: failed areas with a last good read keep it."""
        failed = {str(row.item.get("area")): str(row.item.get("error"))
                  for row in rows if row.item.get("error")}
        by_area: dict[str, list[Row]] = {}
        for row in rows:
            by_area.setdefault(str(row.item.get("area")), []).append(row)
        shown: list[Row] = []
        stale: list[StaleArea] = []
        for area, area_rows in by_area.items():
            if area not in failed:
                self.rows[area] = (area_rows, now)
                shown += area_rows
            elif area in self.rows:
                kept, since = self.rows[area]
                stale.append(StaleArea(area, since, failed[area]))
                shown += stale_rows(kept, since)
            else:
                shown += area_rows
        return sorted(shown, key=lambda row: _record_order(row.item)), stale


def _record_order(record: dict[str, Any]) -> tuple[Any, ...]:
    """`attention_order` for a row's record: worst first, fewest days left first."""
    days = record.get("daysLeft")
    return (_STATE_ORDER.index(record["state"]), days if days is not None else 1 << 30,
            record["area"], record["name"])


def stale_rows(rows: list[Row], since: datetime) -> list[Row]:
    """The last good rows with their details saying they are stale and since when."""
    records = []
    for row in rows:
        record = dict(row.item)
        record["details"] = f"{record['details']} (stale: last read {since:%H:%M:%S})"
        records.append(record)
    return ATTENTION.to_rows(records, since)


def attention_rows(items: Iterable[HealthItem], now: datetime | None = None) -> list[Row]:
    """Display rows, worst first (no column depends on the time: `now` is for symmetry)."""
    return ATTENTION.to_rows([health_record(item) for item in attention_order(items)], now)


async def attention_pages(service: IntuneService) -> AsyncIterator[RowPage]:
    """The whole health list as one page, in the shape list screens stream."""
    from intune_tui.intune.service import RowPage

    items = await service.tenant_health()
    yield RowPage(attention_rows(items), count=len(items), number=1,
                  has_more=False)
