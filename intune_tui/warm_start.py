"""Warm start: a list's rows kept between runs in the encrypted snapshot (issue 21). No Textual.

Two halves:
- the payload codec, `encode_dump` / `decode_rows`: the one seam between the rows a table holds
  and the bytes inside the snapshot. The payload is the table's row store dump
  (`RowStore.dump()`: Arrow IPC, zstd) under a header naming the list, its `$select` and
  columns; read back as one page of columns, with the cells that show time passing ("3h ago")
  redone as of now (`refresh_time_cells`), so they read as a live load's would.
- where, with which key and whether: `SnapshotAccess` (from the settings and the session),
  `read_rows` and `write_rows`, each meant for a thread other than the UI's (the keyring can
  take seconds to answer; dumping, encrypting and decoding a million rows take a while too).
  At start-up the CLI reads the first list's snapshot before the session exists
  (`read_rows_early`, from the settings: the profile's key, the snapshot authenticated and
  decoded) and the app hands the rows over only if the session's tenant is theirs (`claim`).

A snapshot is only ever written with a key from a real OS keyring (`auth.keystore`): a session
without one (memory-only tokens, plaintext opt-in, no Secret Service over SSH) writes nothing.
Nothing here raises to the caller: a failure is one log line and no snapshot.
"""

from __future__ import annotations

import json
import logging
import struct
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from intune_tui.snapshot import (
    Snapshot,
    SnapshotPlace,
    belongs_to,
    open_snapshot,
    read_snapshot,
    seal_snapshot,
    young_enough,
)
from intune_tui.snapshot_files import session_profile, snapshots_folder

if TYPE_CHECKING:
    import polars as pl

    from intune_tui.config import Settings
    from intune_tui.intune.resources import Cell, Column, Resource, Row
    from intune_tui.session import Session
    from intune_tui.table.columns import ColumnPage

log = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PAYLOAD_MAGIC = b"ITW3"  # the codec's own format, inside the (encrypted) snapshot
_FORMAT_VERSION = 3
HOUR = 3600.0
_MINUTE_US = 60_000_000
_DAY_MINUTES = 1440


class PayloadError(ValueError):
    """The payload is not rows of this list in a format this version reads."""


# -- the codec: the table's row store dump, under a header naming the list ---------------------


def encode_dump(resource: Resource, dump: bytes) -> bytes:
    """The snapshot's payload: a header (which list, which `$select` and columns, so rows
    written by a version with other columns are never read back) and the table's
    `RowStore.dump()` (Arrow IPC, zstd)."""
    return payload_head(resource) + dump


def payload_head(resource: Resource) -> bytes:
    """`encode_dump`'s payload before the dump: a long list's dump is written after it, to the
    snapshot's file as it is made (`write_rows`), never joined to it (a copy of 121 MB at a
    million devices, 142 ms holding the GIL while the UI thread waited)."""
    header = json.dumps({"version": _FORMAT_VERSION, "list": resource.key,
                         "select": list(resource.select),
                         "columns": [column.key for column in resource.columns]},
                        separators=(",", ":")).encode("utf-8")
    return PAYLOAD_MAGIC + struct.pack(">I", len(header)) + header


def encode_rows(resource: Resource, rows: Sequence[Row]) -> bytes:
    """`encode_dump` of rows not in a table (a store is filled with them first)."""
    from intune_tui.table.store import RowStore

    store: RowStore[Row] = RowStore(len(resource.columns))
    if rows:
        store.append(rows)
    return encode_dump(resource, store.dump())


def decode_rows(resource: Resource, payload: bytes, now: datetime) -> ColumnPage:
    """The rows `encode_dump` kept, as one page of columns for `ResourceTable.restore_rows`,
    with every cell that shows time passing ("synced 3h ago") redone as of `now`, not as of the
    snapshot. Raises PayloadError for anything else (another list, other columns, damage).
    Slow for long lists (decompressing, checking): never on the UI thread."""
    return _as_of(resource, decode_page(resource, payload), now)


def _as_of(resource: Resource, page: ColumnPage, now: datetime) -> ColumnPage:
    try:
        return refresh_time_cells(resource, page, now)
    except PayloadError:
        raise
    except Exception as error:  # rows this version did not write; never shown half-redone
        raise PayloadError(f"rows not as written ({type(error).__name__})") from error


def decode_page(resource: Resource, payload: bytes) -> ColumnPage:
    """`decode_rows` without redoing the time cells (`refresh_time_cells`)."""
    from intune_tui.intune.resources import Row
    from intune_tui.table.store import decode_dump

    if not payload.startswith(PAYLOAD_MAGIC) or len(payload) < len(PAYLOAD_MAGIC) + 4:
        raise PayloadError("not a list payload")
    (size,) = struct.unpack_from(">I", payload, len(PAYLOAD_MAGIC))
    start = len(PAYLOAD_MAGIC) + 4
    try:
        header = json.loads(payload[start:start + size])
    except ValueError as error:
        raise PayloadError("unreadable payload") from error
    _check_header(header, resource)
    try:
        # A view, not a slice: the rows are most of the payload (170 MB at a million).
        page, column_count = decode_dump(memoryview(payload)[start + size:], Row)
    except ValueError as error:
        raise PayloadError(f"unreadable rows ({error})") from error
    if column_count != len(resource.columns):
        raise PayloadError("written for other columns")
    return page


def _check_header(header: Any, resource: Resource) -> None:
    if not isinstance(header, dict) or header.get("version") != _FORMAT_VERSION:
        raise PayloadError("another payload version")
    if (header.get("list") != resource.key or header.get("select") != list(resource.select)
            or header.get("columns") != [column.key for column in resource.columns]):
        raise PayloadError("written for another list, or for other columns")


# -- cells that show time passing, redone as of now ---------------------------------------------


def refresh_time_cells(resource: Resource, page: ColumnPage, now: datetime) -> ColumnPage:
    """`page` with the text and mark of every column that shows time passing (`Column.
    shows_time_passing`: ages, days left) as of `now`, from each row's sort key (the moment).

    Column-wise: rows are grouped by what their cell can show (for an age, whole minutes
    before or after now under an hour, whole hours under a day, whole days beyond: every
    threshold of `relative_time` and of a whole-day staleness falls on such a boundary), the
    catalog's own renderer runs once a group, and the result is joined back. Rows without a
    moment ("never", missing) keep their cell."""
    from intune_tui.intune.resources import Kind
    from intune_tui.table import columns as col

    for index, column in enumerate(resource.columns):
        if not column.shows_time_passing or not page.length:
            continue
        if column.searchable:  # the search text would be stale too
            raise PayloadError(f"column {column.key} is searched and shows time passing")
        _unalias_from(page, col.cell_name(index))
        by_minute = column.kind is Kind.AGE and (
            column.stale_after_days is None
            or (type(column.stale_after_days) is int and column.stale_after_days >= 0))
        if (page.kinds.get(col.sort_name(index)) == col.AWARE
                and page.kinds.get(col.cell_name(index)) in col.TEXTS):
            _refresh_column(page, index, column, now, by_minute=by_minute)
        elif page.kinds.get(col.sort_name(index)) != col.NONE:
            _refresh_rows(page, index, column, now)
    return page


def _unalias_from(page: ColumnPage, cell: str) -> None:
    """Columns stored as derived from this cell (the same values, or them in lower case) get
    values of their own before it changes."""
    from intune_tui.table import columns as col
    from intune_tui.table.store import own_values

    for name, kind in list(page.kinds.items()):
        if kind in (col.ALIAS + cell, col.LOWER + cell):
            page.frame, page.kinds[name] = own_values(
                page.frame, page.kinds, page.objects, page.exceptions.pop(name, None), name, kind)


def _refresh_column(page: ColumnPage, index: int, column: Column, now: datetime, *,
                    by_minute: bool) -> None:
    import polars as pl

    from intune_tui.table import columns as col

    cell_name, frame = col.cell_name(index), page.frame
    moments = frame.get_column(col.sort_name(index)).cast(pl.Int64)
    now_us = (now - _EPOCH) // timedelta(microseconds=1)
    if by_minute:
        delta = now_us - moments
        minutes = delta.abs() // _MINUTE_US
        # Past an hour the text counts hours, past a day days (and years, whole days too):
        # rows are grouped by the start of their hour or day, a few hundred groups in all.
        unit = pl.select(pl.when(minutes < 60).then(1).when(minutes < _DAY_MINUTES).then(60)
                         .otherwise(_DAY_MINUTES)).to_series()
        groups = (minutes // unit * unit) * 2 + (delta < 0).cast(pl.Int64)
    else:
        groups = moments
    cells: dict[int, Cell] = {}
    for group in groups.drop_nulls().unique().to_list():
        if by_minute:
            minutes, future = divmod(group, 2)
            delta_us = -max(minutes * _MINUTE_US, 1) if future else minutes * _MINUTE_US
            when = now - timedelta(microseconds=delta_us)
        else:
            when = _EPOCH + timedelta(microseconds=group)
        cells[group] = column.render_time(when, now)
    old = frame.get_column(cell_name)
    # Each group's text once, in the column's own type (a category for most), then picked for
    # every row by number: no million texts built, hashed or cast (a third of this at 1M).
    positions = groups.replace_strict({group: number for number, group in enumerate(cells)},
                                      default=None, return_dtype=pl.UInt32)
    texts = pl.Series(cell_name, [cell.text for cell in cells.values()],
                      dtype=pl.String).cast(old.dtype).gather(positions)
    texts = pl.select(pl.when(positions.is_null()).then(old)
                      .otherwise(texts)).to_series().alias(cell_name)
    page.frame = frame.with_columns(texts)
    _set_marks(page, index, positions, [cell.mark for cell in cells.values()])


_MARK_CODES = 8  # room for every mark ("bad", "warn", "good", "muted", None) and "keep"


def _set_marks(page: ColumnPage, index: int, positions: pl.Series,
               marks: list[str | None]) -> None:
    """The marks pattern of every row, with column `index`'s mark that of its group: `marks`
    of each group by number, `positions` every row's group number (null: the row keeps its
    mark). Picked by number, as the texts are: no second lookup of a million groups."""
    import polars as pl

    from intune_tui.table import columns as col

    names = sorted({mark for mark in marks if mark is not None})
    codes: dict[str | None, int] = {None: 0}
    codes.update({mark: number + 1 for number, mark in enumerate(names)})
    keep = _MARK_CODES - 1
    if len(codes) >= keep:
        raise PayloadError("too many kinds of mark")
    mark_codes = pl.Series([codes[mark] for mark in marks], dtype=pl.Int64).gather(
        positions).fill_null(keep)
    pairs = page.frame.get_column(col.MARKS).cast(pl.Int64) * _MARK_CODES + mark_codes
    by_code = {code: mark for mark, code in codes.items()}
    patterns: dict[tuple[str | None, ...], int] = {}
    new_ids: dict[int, int] = {}
    for pair in pairs.unique().to_list():
        pattern_id, code = divmod(pair, _MARK_CODES)
        pattern = page.marks[pattern_id]
        if code != keep:
            pattern = (*pattern[:index], by_code[code], *pattern[index + 1:])
        new_ids[pair] = patterns.setdefault(pattern, len(patterns))
    page.marks = list(patterns)
    page.frame = page.frame.with_columns(
        pairs.replace_strict(new_ids, return_dtype=pl.UInt32).alias(col.MARKS))


def _refresh_rows(page: ColumnPage, index: int, column: Column, now: datetime) -> None:
    """`_refresh_column` row by row, for moments the frame does not hold as such (a column
    mixing kinds of values, kept as Python objects)."""
    import polars as pl

    from intune_tui.table import columns as col

    sort_name, cell_name = col.sort_name(index), col.cell_name(index)
    kind = page.kinds[sort_name]
    moments = (list(page.objects[sort_name]) if kind == col.OBJECT
               else col.python_values(page.frame.get_column(sort_name), kind))
    cell_kind = page.kinds[cell_name]
    texts = (list(page.objects[cell_name]) if cell_kind == col.OBJECT
             else col.python_values(page.frame.get_column(cell_name), cell_kind))
    mark_ids = page.frame.get_column(col.MARKS).to_list()
    patterns: dict[tuple[str | None, ...], int] = {}
    for row, when in enumerate(moments):
        pattern = page.marks[mark_ids[row]]
        if isinstance(when, datetime) and when.utcoffset() is not None:
            cell = column.render_time(when, now)
            texts[row] = cell.text
            pattern = (*pattern[:index], cell.mark, *pattern[index + 1:])
        mark_ids[row] = patterns.setdefault(pattern, len(patterns))
    page.marks = list(patterns)
    converted, objects, new_kind = col.materialise(cell_name, texts)
    page.objects.pop(cell_name, None)
    frame = page.frame.with_columns(pl.Series(col.MARKS, mark_ids, dtype=pl.UInt32))
    if converted is not None:
        frame = frame.with_columns(converted)
    else:
        assert objects is not None
        frame = frame.drop(cell_name, strict=False)
        page.objects[cell_name] = objects
    page.frame = frame
    page.kinds[cell_name] = new_kind


# -- where, with which key, whether ---------------------------------------------------------------


def keyring_key(profile: str, *, timeout: float, create: bool, lock_path: Path | None
                ) -> bytes | None:
    """The profile's key from the OS keyring (the token cache's), or None without a usable one.
    Blocks up to `timeout` seconds: never on the UI thread."""
    from intune_tui.auth.keystore import load_or_create_key

    probe = load_or_create_key(profile, timeout=timeout, create=create, lock_path=lock_path)
    if probe.key is None:
        log.info("no list snapshot for profile %s: %s", profile, probe.problem)
    return probe.key


# Replaced in tests (tests/conftest.py) so that no test reaches the machine's keyring.
KeySource = Callable[..., "bytes | None"]
KEY_SOURCE: KeySource = keyring_key


@dataclass(frozen=True)
class SnapshotAccess:
    """One session's snapshots: whose (profile and tenant), how old they may be, how to get the
    key. `max_age` in seconds; `create_key`: a write may put the profile's key in the keyring
    when it has none yet (not for the demo: trying it must not add to anyone's keyring)."""

    place: SnapshotPlace
    max_age: float
    keyring_timeout: float
    lock_path: Path | None = None
    create_key: bool = True

    def key(self, *, create: bool) -> bytes | None:
        try:
            return KEY_SOURCE(self.place.profile, timeout=self.keyring_timeout, create=create,
                              lock_path=self.lock_path)
        except Exception as error:  # a keyring backend failing in its own way
            log.warning("no list snapshot: the keyring failed (%s)", type(error).__name__)
            return None


def snapshot_access(settings: Settings, session: Session) -> SnapshotAccess | None:
    """Where this session's list snapshots live, or None when `snapshot = false` or when the
    tenant is not known yet. Blocking (the token cache may wait for the keyring): a thread.

    The tenant bound into each snapshot is the session's (`Session.tenant_key`: the demo's
    tenant id, the configured tenant with the Graph endpoint, or a given token's `tid`) and,
    for an interactive sign-in, the signed-in account's tenant id too: a profile without a
    configured tenant signs in wherever its account lives, and a snapshot made while signed in
    to one tenant does not decrypt while signed in to another."""
    if not settings.snapshot:
        return None
    tenant = session.tenant_key
    signed_in_tenant = getattr(session.token_provider, "signed_in_tenant", None)
    if callable(signed_in_tenant):
        account_tenant = signed_in_tenant()
        if not account_tenant:
            return None  # not signed in: nothing is known to bind a snapshot to
        tenant = f"{tenant} as {account_tenant}"
    from intune_tui.auth.keystore import profile_lock_path

    place = SnapshotPlace(snapshots_folder(settings.data_dir, session.profile),
                          session.profile, tenant)
    return SnapshotAccess(place, settings.snapshot_max_age * HOUR, settings.keyring_timeout,
                          profile_lock_path(settings.data_dir, session.profile),
                          create_key=not session.demo)


@dataclass(frozen=True)
class WarmRows:
    """A list's rows from its snapshot, as one page of columns for `ResourceTable.restore_rows`
    (decoded, and time cells redone, off the UI thread), and when the snapshot was written
    (Unix seconds)."""

    page: ColumnPage
    created: float

    @property
    def count(self) -> int:
        return self.page.length

    def age(self, now: float) -> float:
        return max(0.0, now - self.created)


def read_rows(access: SnapshotAccess, resource: Resource, now: datetime, *,
              clock: Callable[[], float] = time.time) -> WarmRows | None:
    """The list's rows from its snapshot, if there is one of ours young enough; else None.
    Never raises (a damaged payload is one log line)."""
    if not young_enough(access.place.folder, resource.key, max_age=access.max_age,
                        now=clock()):
        return None
    key = access.key(create=False)
    if key is None:
        return None
    snapshot = read_snapshot(access.place, key, resource.key, max_age=access.max_age,
                             now=clock())
    if snapshot is None:
        return None
    payload = snapshot.payload
    return _warm_rows(resource, lambda: decode_rows(resource, payload, now), snapshot.created)


@dataclass(frozen=True)
class EarlyRows:
    """A list's snapshot read and decoded before the session (and with it the tenant) is known:
    this profile's, authenticated, not yet known to be the session's tenant's (`claim`)."""

    profile: str
    key: bytes = field(repr=False)  # a secret: never in a log line or a traceback
    snapshot: Snapshot = field(repr=False)
    page: ColumnPage = field(repr=False)


def read_rows_early(settings: Settings, resource: Resource, *,
                    clock: Callable[[], float] = time.time) -> EarlyRows | None:
    """`read_rows` from the settings alone, at start-up while the app is imported: the key is
    asked for (never created) and the snapshot decrypted and decoded; `claim` hands the rows
    over once the session says whose they must be and what time it is (the demo's clock is its
    own). None when there is nothing to read (no keyring key, no snapshot, an old or damaged
    one: one log line). Never raises."""
    if not settings.snapshot:
        return None
    profile = session_profile(settings)
    folder = snapshots_folder(settings.data_dir, profile)
    max_age = settings.snapshot_max_age * HOUR
    if not young_enough(folder, resource.key, max_age=max_age, now=clock()):
        return None
    from intune_tui.auth.keystore import profile_lock_path

    key = SnapshotAccess(SnapshotPlace(folder, profile, ""), max_age, settings.keyring_timeout,
                         profile_lock_path(settings.data_dir, profile),
                         create_key=False).key(create=False)
    if key is None:
        return None
    snapshot = open_snapshot(folder, profile, key, resource.key, max_age=max_age, now=clock())
    if snapshot is None:
        return None
    try:
        page = decode_page(resource, snapshot.payload)
    except PayloadError as error:
        log.warning("snapshot of %s ignored: %s", resource.key, error)
        return None
    return EarlyRows(profile, key, Snapshot(b"", snapshot.created, snapshot.binding), page)


def claim(early: EarlyRows, access: SnapshotAccess, resource: Resource,
          now: datetime) -> WarmRows | None:
    """The early rows, their time cells as of `now`, if the session's snapshots (`access`) are
    theirs: the same profile and tenant (the snapshot's binding checked with the key it was
    decrypted with). Otherwise None, with one log line when it was another tenant's."""
    if early.profile != access.place.profile:
        return None
    if not belongs_to(early.snapshot, early.key, access.place.tenant_id):
        log.warning("snapshot of profile %s ignored: written for another tenant", early.profile)
        return None
    return _warm_rows(resource, lambda: _as_of(resource, early.page, now),
                      early.snapshot.created)


def _warm_rows(resource: Resource, page_of: Callable[[], ColumnPage],
               created: float) -> WarmRows | None:
    """The snapshot's rows as `page_of` makes them; None, with one log line, when its payload
    cannot be read."""
    try:
        page = page_of()
    except PayloadError as error:
        log.warning("snapshot of %s ignored: %s", resource.key, error)
        return None
    return WarmRows(page, created)


def write_rows(access: SnapshotAccess, resource: Resource,
               dump: Callable[[BinaryIO], bool], *,
               clock: Callable[[], float] = time.time) -> Path | None:
    """Put the rows of a fully loaded list in its snapshot: `dump` writes them to the stream it
    is given, after the payload's head (the table's `dump_rows_into`, called here, on this
    thread, once a key is there), sealed and written to the file as they come; it returns False
    when they are not the list's any more. None when not written (no usable keyring, a disk
    problem, rows that do not encode, rows replaced meanwhile): each is one log line, and the
    previous snapshot stays as it was."""
    key = access.key(create=access.create_key)
    if key is None:
        return None

    def fill(stream: BinaryIO) -> bool:
        stream.write(payload_head(resource))
        return dump(stream)

    try:
        # Its time is sealed in before the first byte: when the write starts (the rows are as
        # old as that, or older).
        path = seal_snapshot(access.place, key, resource.key, fill, now=clock())
    except (OSError, TypeError, ValueError) as error:
        log.warning("snapshot of %s not written: %s", resource.key,
                    getattr(error, "strerror", None) or type(error).__name__)
        return None
    if path is None:
        log.info("snapshot of %s not written: the list changed meanwhile", resource.key)
    return path


def age_text(seconds: float) -> str:
    """'just now', '12 min old', '3 h old'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute old"
    if minutes < 60:
        return f"{minutes} min old"
    return f"{minutes // 60} h old"
