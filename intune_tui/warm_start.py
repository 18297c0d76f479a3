"""Warm start: a list's rows kept between runs in the encrypted snapshot (issue 21). No Textual.

Two halves:
- the payload codec, `encode_rows` / `decode_rows`: the one seam between the rows a table holds
  and the bytes inside the snapshot. Today it keeps the rows' Graph items (already `$select`ed)
  column by column as JSON, zlib-compressed, and rebuilds the rows with the list's own row
  builder (`Resource.to_rows`), so the rows read back are exactly the rows a live load makes.
  When the columnar row store offers `dump()` / `load()`, those two functions are what changes.
- where, with which key and whether: `SnapshotAccess` (from the settings and the session),
  `read_rows` and `write_rows`, each meant for a thread other than the UI's (the keyring can
  take seconds to answer; encrypting and encoding 100,000 rows takes a while too).

A snapshot is only ever written with a key from a real OS keyring (`auth.keystore`): a session
without one (memory-only tokens, plaintext opt-in, no Secret Service over SSH) writes nothing.
Nothing here raises to the caller: a failure is one log line and no snapshot.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intune_tui.private_files import file_stem
from intune_tui.snapshot import SnapshotPlace, read_snapshot, snapshot_path, write_snapshot

if TYPE_CHECKING:
    from intune_tui.config import Settings
    from intune_tui.intune.resources import Resource, Row
    from intune_tui.session import Session

log = logging.getLogger(__name__)

PAYLOAD_MAGIC = b"ITW1"  # the codec's own format, inside the (encrypted) snapshot
_FORMAT_VERSION = 2
CHUNK_ROWS = 10_000  # values per JSON line: each encode/decode call keeps the GIL ~1-5 ms
HOUR = 3600.0


class PayloadError(ValueError):
    """The payload is not rows of this list in a format this version reads."""


# -- the codec (the seam the columnar store's dump()/load() replaces) ---------------------------


def encode_rows(resource: Resource, rows: Sequence[Row]) -> bytes:
    """The rows of a fully loaded list as the snapshot's payload.

    The items are stored column by column (one list of values per Graph property, and which
    items lack it), so the property names are not repeated 100,000 times; the `$select` is kept
    so that rows written by a version with other columns are not read back. Each column is
    encoded in chunks of `CHUNK_ROWS` values, one JSON line each: the C JSON encoder keeps the
    GIL for a whole call, and a call over every row would freeze the UI thread meanwhile."""
    items = [row.item for row in rows]
    fields = list(dict.fromkeys(key for item in items for key in item))
    absent: dict[str, list[int]] = {}
    for field in fields:
        if not all(field in item for item in items):
            absent[field] = [index for index, item in enumerate(items) if field not in item]
    header = {"version": _FORMAT_VERSION, "list": resource.key, "select": list(resource.select),
              "count": len(items), "fields": fields, "chunk": CHUNK_ROWS, "absent": absent}
    compressor = zlib.compressobj(1)
    parts = [PAYLOAD_MAGIC, compressor.compress(_json_line(header))]
    for field in fields:
        for start in range(0, len(items), CHUNK_ROWS):
            values = [item.get(field) for item in items[start:start + CHUNK_ROWS]]
            parts.append(compressor.compress(_json_line(values)))
    parts.append(compressor.flush())
    return b"".join(parts)


def _json_line(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8") + b"\n"


def decode_rows(resource: Resource, payload: bytes, now: datetime) -> list[Row]:
    """The rows `encode_rows` kept, built again by the list's row builder as of `now` (so
    "synced 3 h ago" is as of now, not as of the snapshot). Raises PayloadError for anything
    else (another list, another `$select`, damage)."""
    if not payload.startswith(PAYLOAD_MAGIC):
        raise PayloadError("not a list payload")
    try:
        lines = zlib.decompress(payload[len(PAYLOAD_MAGIC):]).split(b"\n")
        header = json.loads(lines[0])
    except (zlib.error, ValueError) as error:
        raise PayloadError("unreadable payload") from error
    _check_header(header, resource)
    try:
        chunks = [json.loads(line) for line in lines[1:-1]]  # one call per chunk (the GIL)
    except ValueError as error:
        raise PayloadError("unreadable payload") from error
    return resource.to_rows(_items_of(header, chunks), now)


def _check_header(header: Any, resource: Resource) -> None:
    if not isinstance(header, dict) or header.get("version") != _FORMAT_VERSION:
        raise PayloadError("another payload version")
    if header.get("list") != resource.key or header.get("select") != list(resource.select):
        raise PayloadError("written for another list, or for other columns")
    fields, count, chunk = header.get("fields"), header.get("count"), header.get("chunk")
    if (not isinstance(fields, list) or any(not isinstance(field, str) for field in fields)
            or not isinstance(count, int) or count < 0 or not isinstance(chunk, int)
            or chunk < 1 or not isinstance(header.get("absent"), dict)):
        raise PayloadError("malformed payload")


def _items_of(header: dict[str, Any], chunks: list[Any]) -> list[dict[str, Any]]:
    fields: list[str] = header["fields"]
    count: int = header["count"]
    per_field = -(-count // header["chunk"])  # chunks per column
    if len(chunks) != len(fields) * per_field or any(not isinstance(c, list) for c in chunks):
        raise PayloadError("malformed payload")
    columns = [[value for part in chunks[index * per_field:(index + 1) * per_field]
                for value in part] for index in range(len(fields))]
    if any(len(column) != count for column in columns):
        raise PayloadError("malformed payload")
    items: list[dict[str, Any]] = ([dict(zip(fields, values, strict=True))
                                    for values in zip(*columns, strict=True)]
                                   if fields else [{} for _ in range(count)])
    for field, indexes in header["absent"].items():
        if not isinstance(indexes, list):
            raise PayloadError("malformed payload")
        for index in indexes:
            if not isinstance(index, int) or not 0 <= index < count:
                raise PayloadError("malformed payload")
            items[index].pop(field, None)
    return items


# -- where, with which key, whether ---------------------------------------------------------------


def snapshots_folder(data_dir: Path, profile: str) -> Path:
    """`<data dir>/snapshots/<profile>`: every snapshot of one profile (logout deletes it)."""
    return Path(data_dir) / "snapshots" / file_stem(profile)


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
    place = SnapshotPlace(snapshots_folder(settings.data_dir, session.profile),
                          session.profile, tenant)
    lock_path = Path(settings.data_dir) / "tokens" / f"{file_stem(session.profile)}.lock"
    return SnapshotAccess(place, settings.snapshot_max_age * HOUR, settings.keyring_timeout,
                          lock_path, create_key=not session.demo)


@dataclass(frozen=True)
class WarmRows:
    """A list's rows from its snapshot, and when the snapshot was written (Unix seconds)."""

    rows: list[Row]
    created: float

    def age(self, now: float) -> float:
        return max(0.0, now - self.created)


def read_rows(access: SnapshotAccess, resource: Resource, now: datetime, *,
              clock: Callable[[], float] = time.time) -> WarmRows | None:
    """The list's rows from its snapshot, if there is one of ours young enough; else None.
    Never raises (a damaged payload is one log line)."""
    if not _may_exist(access, resource.key):
        return None
    key = access.key(create=False)
    if key is None:
        return None
    snapshot = read_snapshot(access.place, key, resource.key, max_age=access.max_age,
                             now=clock())
    if snapshot is None:
        return None
    try:
        rows = decode_rows(resource, snapshot.payload, now)
    except PayloadError as error:
        log.warning("snapshot of %s ignored: %s", resource.key, error)
        return None
    return WarmRows(rows, snapshot.created)


def _may_exist(access: SnapshotAccess, name: str) -> bool:
    """Without a file there is nothing to ask the keyring for."""
    return snapshot_path(access.place, name).is_file()


def write_rows(access: SnapshotAccess, resource: Resource, rows: Sequence[Row], *,
               clock: Callable[[], float] = time.time) -> Path | None:
    """Put the rows of a fully loaded list in its snapshot. None when not written (no usable
    keyring, a disk problem, rows that do not encode): each is one log line."""
    key = access.key(create=access.create_key)
    if key is None:
        return None
    try:
        payload = encode_rows(resource, rows)
        return write_snapshot(access.place, key, resource.key, payload, now=clock())
    except (OSError, TypeError, ValueError) as error:
        log.warning("snapshot of %s not written: %s", resource.key,
                    getattr(error, "strerror", None) or type(error).__name__)
        return None


def age_text(seconds: float) -> str:
    """'just now', '12 min old', '3 h old'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute old"
    if minutes < 60:
        return f"{minutes} min old"
    return f"{minutes // 60} h old"
