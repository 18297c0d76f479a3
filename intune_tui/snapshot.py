"""The warm-start snapshot of a list: encrypted at rest, bound to its profile and tenant.

Layout: `<data dir>/snapshots/<profile>/<list>.bin`, 0600, replaced atomically:

    MAGIC (4) | created, Unix seconds (8, big-endian) | nonce (12) | AES-256-GCM ciphertext

The key is derived (HKDF-SHA256, its own `info`) from the profile's key in the OS keyring, the
one that encrypts the token cache, so the snapshot needs no second keyring entry and logout's
deletion of that key makes any snapshot left behind unreadable as well. The associated data
binds the profile, the tenant id, the list and the creation time: a file copied to another
profile or tenant, or with its time edited to look fresh, does not decrypt. What is inside is
the row store's own bytes; this module neither knows nor parses them.

Reading never raises: a missing, old, truncated, foreign or undecryptable file gives None, and
each of the last three writes one line to the log (never the file's content).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intune_tui.private_files import write_private_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

MAGIC = b"ITS1"
_CREATED = struct.Struct(">q")
NONCE_BYTES = 12
TAG_BYTES = 16
_HEADER = len(MAGIC) + _CREATED.size + NONCE_BYTES


@dataclass(frozen=True, slots=True)
class SnapshotPlace:
    """Whose snapshot: the files of one profile, for one tenant."""

    folder: Path  # <data dir>/snapshots/<profile file stem>
    profile: str
    tenant_id: str


@dataclass(frozen=True, slots=True)
class Snapshot:
    payload: bytes
    created: float  # Unix seconds


def snapshot_key(profile_key: bytes) -> bytes:
    """The snapshot's own key, derived from the profile's keyring key (never used as is)."""
    # cryptography is imported here, not with the module: at start-up the snapshot is read on
    # a thread of its own, and the live list's check for a file must not wait for the import.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"intune-tui list snapshot v1").derive(profile_key)


def _cipher(profile_key: bytes) -> AESGCM:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(snapshot_key(profile_key))


def _associated_data(place: SnapshotPlace, name: str, created: int) -> bytes:
    return b"|".join((b"intune-tui list snapshot v1", place.profile.encode("utf-8"),
                      place.tenant_id.encode("utf-8"), name.encode("utf-8"),
                      str(created).encode("ascii")))


def snapshot_path(place: SnapshotPlace, name: str) -> Path:
    return snapshot_file(place.folder, name)


def snapshot_file(folder: Path, name: str) -> Path:
    """The file of list `name`'s snapshot in a profile's snapshots folder."""
    return folder / f"{name}.bin"


def write_snapshot(place: SnapshotPlace, key: bytes, name: str, payload: bytes, *,
                   now: float) -> Path:
    """Encrypt `payload` and put it in place atomically (0600). Raises OSError on a disk
    problem; the previous snapshot, if any, then stays as it was."""
    created = int(now)
    nonce = secrets.token_bytes(NONCE_BYTES)
    # Sealed straight into the file's buffer, after its header: a header joined to the sealed
    # payload would be one more copy of it (170 MB at a million rows, made holding the GIL).
    blob = bytearray(_HEADER + len(payload) + TAG_BYTES)
    blob[:_HEADER] = MAGIC + _CREATED.pack(created) + nonce
    _cipher(key).encrypt_into(nonce, payload, _associated_data(place, name, created),
                              memoryview(blob)[_HEADER:])
    path = snapshot_path(place, name)
    write_private_bytes(path, blob)
    return path


def young_enough(place: SnapshotPlace, name: str, *, max_age: float, now: float) -> bool:
    """Whether the snapshot's file says it was made less than `max_age` seconds ago (its
    plaintext header, read without the key: an old one needs no keyring question and no
    read of the whole file). `read_snapshot` checks it again, bound in by the cipher."""
    try:
        with snapshot_path(place, name).open("rb") as stream:
            head = stream.read(len(MAGIC) + _CREATED.size)
    except OSError:
        return False
    if len(head) < len(MAGIC) + _CREATED.size or not head.startswith(MAGIC):
        return True  # read_snapshot says what is wrong with it
    created: int = _CREATED.unpack_from(head, len(MAGIC))[0]
    return 0 <= now - created <= max_age


def read_snapshot(place: SnapshotPlace, key: bytes, name: str, *, max_age: float,
                  now: float) -> Snapshot | None:
    """The snapshot if it is ours (this profile, tenant and list), whole, and younger than
    `max_age` seconds; otherwise None."""
    path = snapshot_path(place, name)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("snapshot %s ignored: %s", path, error.strerror or error)
        return None
    if not blob.startswith(MAGIC) or len(blob) < _HEADER + TAG_BYTES:
        log.warning("snapshot %s ignored: not a snapshot, or cut short", path)
        return None
    (created,) = _CREATED.unpack_from(blob, len(MAGIC))
    if not 0 <= now - created <= max_age:
        return None
    nonce = blob[len(MAGIC) + _CREATED.size:_HEADER]
    from cryptography.exceptions import InvalidTag

    try:  # a view of the ciphertext: at a million rows a copy is 170 MB more to write
        payload = _cipher(key).decrypt(
            nonce, memoryview(blob)[_HEADER:], _associated_data(place, name, created))
    except InvalidTag:
        log.warning("snapshot %s ignored: damaged, or written for another profile, tenant or "
                    "key", path)
        return None
    return Snapshot(payload, float(created))


def delete_snapshots(folder: Path) -> bool:
    """Remove a profile's snapshots (logout). True when there were any."""
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
