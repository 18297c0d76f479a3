"""CSV and JSON export of any list, and the headless `intune-tui export` command.

`export_table(resource, rows)` turns catalog rows into columns and records: the id first, then
each column as the table shows it, except that times are ISO 8601 UTC (a file outlives "3h ago"),
counts, sizes and yes/no are plain numbers and booleans, and a missing value is empty, not "—".

Files are written atomically (a temporary file in the same directory, then a rename), 0600
because they hold tenant data. CSV cells that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, tab or carriage return) get a leading `'`. Exports hold tenant data only:
nothing here ever sees a token.
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from intune_tui.private_files import write_private

if TYPE_CHECKING:
    from intune_tui.config import Settings
    from intune_tui.graph.throttle import RetryNotice, ThrottleState
    from intune_tui.intune.resources import Resource, Row
    from intune_tui.intune.search import SearchQuery
    from intune_tui.session import Session

log = logging.getLogger(__name__)

FORMATS = ("csv", "json")
Columns = Sequence[tuple[str, str]]  # (record key, header title)
Record = Mapping[str, Any] | Sequence[Any]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will show as text, not run as a formula.

    Numbers pass through (they cannot carry a formula); None becomes empty.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _values(columns: Columns, record: Record) -> list[Any]:
    if isinstance(record, Mapping):
        return [record.get(key) for key, _title in columns]
    values = list(record)
    if len(values) != len(columns):
        raise ValueError(f"a row has {len(values)} values for {len(columns)} columns")
    return values


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return str(value)


def write_csv(
    path: Path, columns: Columns, records: Iterable[Record], *, overwrite: bool = True
) -> int:
    """Write a UTF-8 CSV with a header row of column titles; return the number of data rows.

    overwrite=False raises FileExistsError instead of replacing an existing file."""

    def write(stream: IO[str]) -> int:
        writer = csv.writer(stream)
        writer.writerow([neutralise_cell(title) for _key, title in columns])
        count = 0
        for record in records:
            writer.writerow([neutralise_cell(value) for value in _values(columns, record)])
            count += 1
        return count

    return int(write_private(Path(path), write, overwrite=overwrite, newline=""))


def write_json(
    path: Path, columns: Columns, records: Iterable[Record], *, overwrite: bool = True
) -> int:
    """Write a JSON list of objects keyed by column key; return the number of objects."""

    def write(stream: IO[str]) -> int:
        stream.write("[")
        count = 0
        for record in records:
            item = {
                key: _json_value(value)
                for (key, _title), value in zip(columns, _values(columns, record), strict=True)
            }
            stream.write(",\n " if count else "\n ")
            stream.write(json.dumps(item, ensure_ascii=False))
            count += 1
        stream.write("\n]\n" if count else "]\n")
        return count

    return int(write_private(Path(path), write, overwrite=overwrite, newline="\n"))


def write_export(
    path: Path, fmt: str, columns: Columns, records: Iterable[Record], *, overwrite: bool = True
) -> int:
    """write_csv or write_json by format name ("csv" or "json")."""
    if fmt == "csv":
        return write_csv(path, columns, records, overwrite=overwrite)
    if fmt == "json":
        return write_json(path, columns, records, overwrite=overwrite)
    raise ValueError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def default_export_path(
    data_dir: Path, resource: str, fmt: str, *, now: datetime | None = None
) -> Path:
    """`<data dir>/exports/<resource>-<UTC timestamp>.<fmt>`, never an existing file."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d-%H%M%SZ")
    name = _UNSAFE_NAME.sub("-", resource).strip("-.") or "export"
    folder = Path(data_dir) / "exports"
    candidate = folder / f"{name}-{stamp}.{fmt}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{name}-{stamp}-{number}.{fmt}"
        number += 1
    return candidate


# --- catalog rows -> columns and records ----------------------------------------------------------

_TIME_KINDS = ("AGE", "DATE", "EXPIRY")
_NUMBER_KINDS = ("COUNT", "BYTES")


def export_table(
    resource: Resource, rows: Iterable[Row], shown: Sequence[int] | None = None
) -> tuple[list[tuple[str, str]], Iterable[tuple[Any, ...]]]:
    """Columns and records for a catalog list: "id", then one per column of the table (`shown`:
    those catalog columns, in that order, as the user chose them; None: every column).

    Two columns reading the same property (e.g. Platform and Type, both from @odata.type) are
    keyed by their titles, so JSON objects never lose one of them (`list_columns.column_ids`).
    """
    from intune_tui.intune.formatting import MISSING, parse_datetime
    from intune_tui.list_columns import column_ids

    ids = column_ids(resource)
    order = range(len(resource.columns)) if shown is None else shown
    columns = [("id", "Id"), *((ids[index], resource.columns[index].title) for index in order)]
    kinds = [column.kind.name for column in resource.columns]

    def value(index: int, row: Row) -> Any:
        kind = kinds[index]
        if kind in _TIME_KINDS:
            when = parse_datetime(resource.columns[index].raw_value(row.item))
            return when.isoformat().replace("+00:00", "Z") if when else None
        if kind in _NUMBER_KINDS or kind == "BOOL":
            return _plain_value(kind, resource.columns[index].raw_value(row.item))
        text = row.cells[index]
        return None if text == MISSING else text

    records = ((row.key, *(value(index, row) for index in order)) for row in rows)
    return columns, records


def _plain_value(kind: str, raw: Any) -> int | float | bool | None:
    if kind == "BOOL":
        return raw if isinstance(raw, bool) else None
    if kind == "COUNT" and isinstance(raw, list):
        return len(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    return raw


# --- the headless command -------------------------------------------------------------------------


class _Refused(Exception):
    """The export cannot start: bad list name, bad query. Exit status 2."""


def exportable_resources() -> list[str]:
    """Lists that stand alone (no parent device/app/policy needed)."""
    from intune_tui.intune.resources import RESOURCES

    return [key for key, resource in RESOURCES.items() if resource.parent is None]


def export_command(
    settings: Settings,
    resource: str,
    query: str,
    fmt: str,
    output: str | None,
    *,
    force: bool = False,
) -> int:
    """`intune-tui export RESOURCE --filter QUERY --format csv|json [--output PATH [--force]]`.

    Prints "<n> rows written to <path>" and returns 0; a refused list, format or query, or an
    existing --output file without `force`, prints one line and returns 2; a Graph or sign-in
    failure prints its sentence and returns 1.
    """
    from intune_tui.auth.errors import AuthError
    from intune_tui.graph.errors import GraphError
    from intune_tui.list_columns import resolve
    from intune_tui.session import SessionError, open_session

    try:
        target, search = _prepare(resource, query, fmt)
    except _Refused as refused:
        print(f"intune-tui: error: {refused}", file=sys.stderr)
        return 2
    path = Path(output).expanduser() if output else default_export_path(
        settings.data_dir, target.key, fmt
    )
    if os.path.lexists(path) and not force:
        print(f"intune-tui: error: {path} already exists; add --force to replace it",
              file=sys.stderr)
        return 2
    try:
        session = open_session(settings)
        rows = asyncio.run(_collect(session, target, search))
        shown = resolve(target, settings.columns.get(target.key)).shown
        count = write_export(path, fmt, *export_table(target, rows, shown), overwrite=force)
    except GraphError as error:
        log.warning("export of %s failed: %s (%s)", target.key, error, error.support_line())
        support = error.support_line()
        print(f"intune-tui: {error}" + (f" ({support})" if support else ""), file=sys.stderr)
        return 1
    except AuthError as error:
        print(f"intune-tui: {error.explain()}", file=sys.stderr)
        return 1
    except SessionError as error:
        print(f"intune-tui: {error}", file=sys.stderr)
        return 1
    except FileExistsError:
        print(f"intune-tui: error: {path} appeared while exporting; add --force to replace it",
              file=sys.stderr)
        return 2
    except OSError as error:
        print(f"intune-tui: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return 1
    log.info("exported %d %s rows to %s", count, target.key, path)
    print(f"{count} {'row' if count == 1 else 'rows'} written to {path}")
    return 0


def _prepare(resource: str, query: str, fmt: str) -> tuple[Resource, SearchQuery]:
    from intune_tui.intune.resources import RESOURCES
    from intune_tui.intune.search import QueryError, parse_query

    if fmt not in FORMATS:
        raise _Refused(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    target = RESOURCES.get(resource)
    if target is None or target.parent is not None:
        raise _Refused(
            f"no list {resource!r} to export; choose one of {', '.join(exportable_resources())}"
        )
    search = parse_query(query or "", target)
    if isinstance(search, QueryError):
        raise _Refused(f"--filter: {search.message}")
    if target.singleton and search.server_filter:
        raise _Refused(f"{target.title} cannot be filtered on Graph; drop --filter")
    return target, search


async def _collect(session: Session, resource: Resource, search: SearchQuery) -> list[Row]:
    service = await session.make_service(_ThrottleReport())
    rows: list[Row] = []
    try:
        async for page in service.list_pages(resource.key, server_filter=search.server_filter):
            rows.extend(row for row in page.rows if search.matches(row))
    finally:
        await session.close_service(service)
    return rows


class _ThrottleReport:
    """Says on stderr when Graph throttles or a read is tried again: headless users would
    otherwise see a silent pause."""

    def __init__(self) -> None:
        self._paused = False

    def __call__(self, state: ThrottleState | RetryNotice) -> None:
        from intune_tui.graph.throttle import RetryNotice

        if isinstance(state, RetryNotice):
            print(f"intune-tui: {state.describe()}", file=sys.stderr, flush=True)
            return
        if state.paused and not self._paused:
            print(f"intune-tui: Graph is busy: {state.describe()}", file=sys.stderr)
        self._paused = state.paused
