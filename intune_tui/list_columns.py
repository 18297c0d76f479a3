"""The columns a user chose for a list (which, in which order, how wide), kept in the config file.

    [columns.devices]
    shown = ["deviceName", "complianceState", "userPrincipalName", "lastSyncDateTime"]
    widths = { deviceName = 24 }

A list is named by its catalog key (`devices`, `apps`, `device_configurations` …); a column by its
id (`column_ids`: the Graph property it reads, or its title in snake case where two columns read
the same property), the same names an export's JSON and a saved view's `columns` use. The table,
the export from the screen and `intune-tui export` all read the choice. Ids the catalog no longer
has are left out, so an old file never breaks a list; a choice that leaves no known column shows
the list's own columns.

This module knows what is particular to columns (ids, resolving a choice, checking one
`[columns.LIST]` table, its keys as `TABLE_KEYS`); `config.py` declares the `columns` setting,
reads the file and writes it (`config.save_list_columns`, through `update_config_file`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intune_tui.intune.resources import Resource

WIDEST = 200  # cells: wider than any terminal this tool is used in


@dataclass(frozen=True)
class TableKey:
    """One key of a `[columns.LIST]` table, as the README's configuration reference lists it."""

    name: str
    shown_default: str
    help: str


TABLE_KEYS: tuple[TableKey, ...] = (
    TableKey("shown", "every column", "the column ids shown, in order (the Graph property a "
             "column reads, e.g. `deviceName`; `c` on the list shows and writes them)"),
    TableKey("widths", "the list's", f"column id = cells (1..{WIDEST}), for the columns made "
             "wider or narrower, e.g. `{ deviceName = 24 }`"),
)


class ColumnsError(ValueError):
    """A `[columns.*]` table of the config file that cannot be used; the message says where."""


@dataclass(frozen=True)
class ListColumns:
    """One list's choice: column ids shown, in display order, and widths that differ from the
    catalog's (id -> cells)."""

    shown: tuple[str, ...]
    widths: Mapping[str, int] = field(default_factory=dict)



def column_ids(resource: Resource) -> list[str]:
    """One unique id per catalog column, in catalog order: the property it reads, or its title
    in snake case when two columns read the same property (or the property is "id")."""
    keys = [column.key for column in resource.columns]
    ids = []
    for column in resource.columns:
        key = column.key
        if keys.count(key) > 1 or key == "id":
            key = re.sub(r"[^a-z0-9]+", "_", column.title.lower()).strip("_")
        ids.append(key)
    return ids


@dataclass(frozen=True)
class ColumnLayoutChoice:
    """A choice resolved against the catalog: catalog indexes shown, in order, and their widths
    (index -> cells) where the user changed them."""

    shown: tuple[int, ...]
    widths: Mapping[int, int]


def resolve(resource: Resource, choice: ListColumns | None) -> ColumnLayoutChoice:
    """Which catalog columns to show for `choice` (None or nothing known: all, catalog order)."""
    ids = column_ids(resource)
    index_of = {column_id: index for index, column_id in enumerate(ids)}
    if choice is None:
        return ColumnLayoutChoice(tuple(range(len(ids))), {})
    shown = tuple(dict.fromkeys(index_of[c] for c in choice.shown if c in index_of))
    if not shown:
        return ColumnLayoutChoice(tuple(range(len(ids))), {})
    widths = {index_of[c]: width for c, width in choice.widths.items() if c in index_of}
    return ColumnLayoutChoice(shown, widths)


def choice_of(resource: Resource, shown: Sequence[int], widths: Mapping[int, int]) -> ListColumns:
    """The choice to save for catalog indexes `shown` and changed `widths` (index -> cells)."""
    ids = column_ids(resource)
    return ListColumns(tuple(ids[index] for index in shown),
                       {ids[index]: width for index, width in sorted(widths.items())})


# --- one [columns.LIST] table of the config file


def check_list_columns(table: object, place: str) -> ListColumns:
    """One list's `[columns.LIST]` table, checked (`place` names it in a message)."""
    if not isinstance(table, dict):
        raise ColumnsError(f"{place} must be a table with shown = [...]")
    allowed = tuple(key.name for key in TABLE_KEYS)
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ColumnsError(f"{place}: unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}")
    shown = table.get("shown", [])
    if not isinstance(shown, list) or not all(isinstance(item, str) for item in shown):
        raise ColumnsError(f"{place}: shown must be a list of column ids (strings)")
    widths = table.get("widths", {})
    if not isinstance(widths, dict) or not all(
        isinstance(width, int) and not isinstance(width, bool) and 1 <= width <= WIDEST
        for width in widths.values()
    ):
        raise ColumnsError(f"{place}: widths must map column ids to 1..{WIDEST} cells")
    return ListColumns(tuple(shown), {str(key): int(w) for key, w in widths.items()})
