"""The warm-start snapshot of a list: encrypted at rest, bound to its profile and tenant.

Layout: `<data dir>/snapshots/<profile>/<list>.bin`, 0600, replaced atomically:

    MAGIC (4) | created, Unix seconds (8, big-endian) | tenant binding (32) | nonce (12)
    | AES-256-GCM ciphertext | its tag (16)

It is written as the payload is made (`seal_snapshot`), read in one piece (`open_snapshot`).

The key is derived (HKDF-SHA256, its own `info`) from the profile's key in the OS keyring, the
one that encrypts the token cache, so the snapshot needs no second keyring entry and logout's
deletion of that key makes any snapshot left behind unreadable as well. The tenant binding is
an HMAC-SHA256 of the tenant id under a key derived likewise (it tells nothing without the
key). The associated data binds the profile, the tenant binding, the list and the creation
time: a file copied to another profile, or with its time or binding edited, does not decrypt,
and one written for another tenant decrypts only to be refused (`belongs_to`) before anything
of it is shown. That split lets a start-up read and decode the snapshot before it knows which
tenant the session is for (`open_snapshot`: the data is authenticated, ours, before it is
parsed), and check the tenant once it does. What is inside is the row store's own bytes; this
module neither knows nor parses them.

Reading never raises: a missing, old, truncated, foreign or undecryptable file gives None, and
each of the last three writes one line to the log (never the file's content).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from intune_tui.private_files import write_private_stream
from intune_tui.snapshot_files import snapshot_file

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers import AEADEncryptionContext
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

MAGIC = b"ITS2"  # 2: the tenant as a binding in the header (ITS1 files are ignored)
_CREATED = struct.Struct(">q")
BINDING_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_BINDING_AT = len(MAGIC) + _CREATED.size
_HEADER = _BINDING_AT + BINDING_BYTES + NONCE_BYTES
_SEAL_PIECE = 1 << 20  # payload bytes sealed at a time (`_Sealing`)


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
    binding: bytes = b""  # which tenant it was written for (`tenant_binding`)


def snapshot_key(profile_key: bytes) -> bytes:
    """The snapshot's own key, derived from the profile's keyring key (never used as is)."""
    # cryptography is imported here, not with the module: at start-up the snapshot is read on
    # a thread of its own, and the live list's check for a file must not wait for the import.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"intune-tui list snapshot v1").derive(profile_key)


def tenant_binding(profile_key: bytes, tenant_id: str) -> bytes:
    """What a snapshot's header says of its tenant: an HMAC of the tenant id under a key of its
    own derived from the profile's key (without that key it tells nothing)."""
    import hmac

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    binding_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"intune-tui list snapshot tenant v2").derive(profile_key)
    return hmac.digest(binding_key, tenant_id.encode("utf-8"), "sha256")


def _cipher(profile_key: bytes) -> AESGCM:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(snapshot_key(profile_key))


def _associated_data(profile: str, binding: bytes, name: str, created: int) -> bytes:
    return b"|".join((b"intune-tui list snapshot v2", profile.encode("utf-8"), binding.hex()
                      .encode("ascii"), name.encode("utf-8"), str(created).encode("ascii")))


def snapshot_path(place: SnapshotPlace, name: str) -> Path:
    return snapshot_file(place.folder, name)


def write_snapshot(place: SnapshotPlace, key: bytes, name: str, payload: bytes, *,
                   now: float) -> Path:
    """Encrypt `payload` and put it in place atomically (0600). Raises OSError on a disk
    problem; the previous snapshot, if any, then stays as it was."""

    def fill(stream: BinaryIO) -> bool:
        stream.write(payload)
        return True

    path = seal_snapshot(place, key, name, fill, now=now)
    assert path is not None  # `fill` always keeps what it wrote
    return path


def seal_snapshot(place: SnapshotPlace, key: bytes, name: str,
                  fill: Callable[[BinaryIO], bool], *, now: float) -> Path | None:
    """`write_snapshot` of the payload `fill` writes to the stream it is given, sealed and
    written to the file as it comes (`_Sealing`): at most a piece of it is in memory here.
    The file is put in place only when `fill` returns True (False: its rows changed meanwhile;
    then None); when it returns False or raises (OSError on a disk problem), the previous
    snapshot stays as it was and no temporary file is left."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    created = int(now)
    nonce = secrets.token_bytes(NONCE_BYTES)
    binding = tenant_binding(key, place.tenant_id)
    # GCM sealed a piece at a time is what `AESGCM.encrypt` gives at once, ciphertext then
    # tag: `open_snapshot` reads it in one piece.
    encryptor = Cipher(algorithms.AES(snapshot_key(key)), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(
        _associated_data(place.profile, binding, name, created))

    def sealed(file: BinaryIO) -> bool:
        file.write(MAGIC + _CREATED.pack(created) + binding + nonce)
        if not fill(cast("BinaryIO", _Sealing(file, encryptor))):
            return False
        file.write(encryptor.finalize())
        file.write(encryptor.tag)
        return True

    path = snapshot_path(place, name)
    return path if write_private_stream(path, sealed) else None


class _Sealing:
    """A binary stream that encrypts what is written to it into `file`, a piece of at most
    `_SEAL_PIECE` bytes at a time into one buffer: no copy of a long payload is made, sealed
    or not (121 MB at a million devices)."""

    def __init__(self, file: BinaryIO, encryptor: AEADEncryptionContext) -> None:
        self._file = file
        self._encryptor = encryptor
        # GCM's output is as long as its input; `update_into` wants a block's room more.
        self._sealed = bytearray(_SEAL_PIECE + 15)

    def write(self, data: bytes | bytearray | memoryview, /) -> int:
        plain = memoryview(data).cast("B")
        for start in range(0, len(plain), _SEAL_PIECE):
            size = self._encryptor.update_into(plain[start:start + _SEAL_PIECE], self._sealed)
            self._file.write(memoryview(self._sealed)[:size])
        return len(plain)


def young_enough(folder: Path, name: str, *, max_age: float, now: float) -> bool:
    """Whether the snapshot's file (in a profile's `folder`) says it was made less than
    `max_age` seconds ago (its plaintext header, read without the key: an old one needs no
    keyring question and no read of the whole file). `open_snapshot` checks it again, bound in
    by the cipher."""
    try:
        with snapshot_file(folder, name).open("rb") as stream:
            head = stream.read(len(MAGIC) + _CREATED.size)
    except OSError:
        return False
    if len(head) < len(MAGIC) + _CREATED.size or not head.startswith(MAGIC):
        return True  # open_snapshot says what is wrong with it
    created: int = _CREATED.unpack_from(head, len(MAGIC))[0]
    return 0 <= now - created <= max_age


def open_snapshot(folder: Path, profile: str, key: bytes, name: str, *, max_age: float,
                  now: float) -> Snapshot | None:
    """The snapshot of list `name` in a profile's `folder` if it is this profile's (written
    with its key), whole, and younger than `max_age` seconds; otherwise None. Its tenant is
    not checked: `belongs_to` before anything of it is shown."""
    path = snapshot_file(folder, name)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("snapshot %s ignored: %s", path, error.strerror or error)
        return None
    if not blob.startswith(MAGIC) or len(blob) < _HEADER + TAG_BYTES:
        log.warning("snapshot %s ignored: not a snapshot of this version, or cut short", path)
        return None
    (created,) = _CREATED.unpack_from(blob, len(MAGIC))
    if not 0 <= now - created <= max_age:
        return None
    binding = blob[_BINDING_AT:_BINDING_AT + BINDING_BYTES]
    nonce = blob[_BINDING_AT + BINDING_BYTES:_HEADER]
    from cryptography.exceptions import InvalidTag

    try:  # a view of the ciphertext: at a million rows a copy is 170 MB more to write
        payload = _cipher(key).decrypt(
            nonce, memoryview(blob)[_HEADER:], _associated_data(profile, binding, name, created))
    except InvalidTag:
        log.warning("snapshot %s ignored: damaged, or written for another profile, tenant or "
                    "key", path)
        return None
    return Snapshot(payload, float(created), binding)


def belongs_to(snapshot: Snapshot, key: bytes, tenant_id: str) -> bool:
    """Whether `snapshot` (from `open_snapshot` with `key`) was written for `tenant_id`."""
    import hmac

    return hmac.compare_digest(snapshot.binding, tenant_binding(key, tenant_id))


def read_snapshot(place: SnapshotPlace, key: bytes, name: str, *, max_age: float,
                  now: float) -> Snapshot | None:
    """The snapshot if it is ours (this profile, tenant and list), whole, and younger than
    `max_age` seconds; otherwise None."""
    snapshot = open_snapshot(place.folder, place.profile, key, name, max_age=max_age, now=now)
    if snapshot is None or belongs_to(snapshot, key, place.tenant_id):
        return snapshot
    log.warning("snapshot %s ignored: written for another tenant", snapshot_path(place, name))
    return None


def delete_snapshots(folder: Path) -> bool:
    """Remove a profile's snapshots (logout). True when there were any."""
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
