"""The columns a user chose for a list (which, in which order, how wide), kept in the config file.

    [columns.devices]
    shown = ["deviceName", "complianceState", "userPrincipalName", "lastSyncDateTime"]
    widths = { deviceName = 24 }

A list is named by its catalog key (`devices`, `apps`, `device_configurations` …); a column by its
id (`column_ids`: the Graph property it reads, or its title in snake case where two columns read
the same property), the same names an export's JSON uses. The table, the export from the screen
and `intune-tui export` all read the choice. Ids the catalog no longer has are left out, so an old
file never breaks a list; a choice that leaves no known column shows the list's own columns.

Saving rewrites only `[columns.<list>]` of the file (tomlkit keeps the user's comments and layout),
through a temporary file and a rename, so a crash never leaves half a config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intune_tui.intune.resources import Resource

TABLE = "columns"
WIDEST = 200  # cells: wider than any terminal this tool is used in
_LIST_NAME = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")


class ColumnsError(ValueError):
    """A `[columns.*]` table of the config file that cannot be used; the message says where."""


@dataclass(frozen=True)
class ListColumns:
    """One list's choice: column ids shown, in display order, and widths that differ from the
    catalog's (id -> cells)."""

    shown: tuple[str, ...]
    widths: Mapping[str, int] = field(default_factory=dict)

    def as_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {"shown": list(self.shown)}
        if self.widths:
            table["widths"] = dict(self.widths)
        return table


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


# --- the config file ------------------------------------------------------------------------------


def check_list_columns(value: object, where: str) -> dict[str, ListColumns]:
    """The `[columns]` table of the config file, checked: list name -> choice."""
    if not isinstance(value, dict):
        raise ColumnsError(f"{where} must be a set of [columns.LIST] tables")
    checked: dict[str, ListColumns] = {}
    for name, table in value.items():
        place = f"{where} [columns.{name}]"
        if not isinstance(name, str) or not _LIST_NAME.match(name):
            raise ColumnsError(f"{place}: a list name is a catalog key such as devices or apps")
        if not isinstance(table, dict):
            raise ColumnsError(f"{place} must be a table with shown = [...]")
        unknown = sorted(set(table) - {"shown", "widths"})
        if unknown:
            raise ColumnsError(f"{place}: unknown key {unknown[0]!r}; allowed: shown, widths")
        shown = table.get("shown", [])
        if not isinstance(shown, list) or not all(isinstance(item, str) for item in shown):
            raise ColumnsError(f"{place}: shown must be a list of column ids (strings)")
        widths = table.get("widths", {})
        if not isinstance(widths, dict) or not all(
            isinstance(width, int) and not isinstance(width, bool) and 1 <= width <= WIDEST
            for width in widths.values()
        ):
            raise ColumnsError(f"{place}: widths must map column ids to 1..{WIDEST} cells")
        checked[name] = ListColumns(tuple(shown), {str(key): int(w) for key, w in widths.items()})
    return checked


def save_list_columns(path: Path, list_name: str, choice: ListColumns | None) -> None:
    """Write `choice` as `[columns.<list_name>]` of the config file at `path` (None: remove it,
    the list shows its own columns again). Everything else in the file stays as it was."""
    # Imported here: the config loader reads this module at every start, saving is rare.
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    from intune_tui.private_files import write_private

    if not _LIST_NAME.match(list_name):
        raise ColumnsError(f"no list named {list_name!r}")
    path = Path(path)
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        document = tomlkit.document()
    except (UnicodeDecodeError, TOMLKitError) as error:
        raise ColumnsError(f"{path}: cannot be updated, it is not valid TOML ({error})") from error
    columns = document.get(TABLE)
    if columns is None:
        if choice is None:
            return
        columns = tomlkit.table(is_super_table=True)
        document[TABLE] = columns
    if choice is None:
        columns.pop(list_name, None)
        if not columns:
            document.pop(TABLE)
    else:
        table = tomlkit.table()
        table["shown"] = choice.shown
        if choice.widths:
            widths = tomlkit.inline_table()
            widths.update(dict(choice.widths))
            table["widths"] = widths
        columns[list_name] = table
    text = tomlkit.dumps(document)

    def write(stream: IO[str]) -> None:
        stream.write(text)

    write_private(path, write)
