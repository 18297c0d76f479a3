"""CSV and JSON export of any list, and the headless `intune-tui export` command.

Files are written atomically (a temporary file in the same directory, then a rename), 0600
because they hold tenant data. CSV cells that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, tab or carriage return) get a leading `'`. Exports hold tenant data only:
nothing here ever sees a token.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intune_tui.config import Settings

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


def write_csv(path: Path, columns: Columns, records: Iterable[Record]) -> int:
    """Write a UTF-8 CSV with a header row of column titles; return the number of data rows."""

    def write(stream: IO[str]) -> int:
        writer = csv.writer(stream)
        writer.writerow([neutralise_cell(title) for _key, title in columns])
        count = 0
        for record in records:
            writer.writerow([neutralise_cell(value) for value in _values(columns, record)])
            count += 1
        return count

    return _write_atomically(Path(path), write, newline="")


def write_json(path: Path, columns: Columns, records: Iterable[Record]) -> int:
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

    return _write_atomically(Path(path), write, newline="\n")


def write_export(path: Path, fmt: str, columns: Columns, records: Iterable[Record]) -> int:
    """write_csv or write_json by format name ("csv" or "json")."""
    if fmt == "csv":
        return write_csv(path, columns, records)
    if fmt == "json":
        return write_json(path, columns, records)
    raise ValueError(f"export format must be one of {', '.join(FORMATS)}, got {fmt!r}")


def _write_atomically(path: Path, write: Any, *, newline: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with open(descriptor, "w", encoding="utf-8", newline=newline) as stream:
            count = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return int(count)


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
