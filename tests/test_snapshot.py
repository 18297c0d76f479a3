"""The list snapshot on disk: nothing readable in it, only ours is ever read back, and damage,
age or a foreign profile/tenant give nothing rather than wrong rows."""

from __future__ import annotations

import itertools
import logging
import os
import stat
from pathlib import Path
from typing import BinaryIO

import pytest

from intune_tui.snapshot import (
    SnapshotPlace,
    belongs_to,
    delete_snapshots,
    open_snapshot,
    read_snapshot,
    seal_snapshot,
    snapshot_path,
    write_snapshot,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NOW = 1_800_000_000.0
DAY = 24 * 3600.0
PAYLOAD = ("CONTOSO-LT-63219\t5CGGVYLUC0\tadele.vance@contoso.com\n" * 200).encode()


def place(tmp_path: Path, profile: str = "prod", tenant: str = "tenant-a") -> SnapshotPlace:
    return SnapshotPlace(tmp_path / "snapshots" / profile, profile, tenant)


def test_what_was_written_reads_back_and_holds_no_plaintext(tmp_path: Path) -> None:
    here = place(tmp_path)
    path = write_snapshot(here, KEY, "devices", PAYLOAD, now=NOW)
    blob = path.read_bytes()
    for secret in (b"CONTOSO-LT-63219", b"5CGGVYLUC0", b"adele.vance", b"contoso"):
        assert secret not in blob
    snapshot = read_snapshot(here, KEY, "devices", max_age=DAY, now=NOW + 60)
    assert snapshot is not None and snapshot.payload == PAYLOAD and snapshot.created == NOW


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_file_and_its_folder_are_private(tmp_path: Path) -> None:
    path = write_snapshot(place(tmp_path), KEY, "devices", PAYLOAD, now=NOW)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["devices.bin"]  # no temporary left


@pytest.mark.parametrize("reader", [
    pytest.param(lambda tmp: (place(tmp, profile="test"), KEY), id="another profile"),
    pytest.param(lambda tmp: (place(tmp, tenant="tenant-b"), KEY), id="another tenant"),
    pytest.param(lambda tmp: (place(tmp), OTHER_KEY), id="another key"),
])
def test_a_foreign_snapshot_is_never_read(tmp_path: Path, reader, caplog) -> None:
    written = write_snapshot(place(tmp_path), KEY, "devices", PAYLOAD, now=NOW)
    there, key = reader(tmp_path)
    target = snapshot_path(there, "devices")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target != written:
        target.write_bytes(written.read_bytes())  # copied to the other profile's place
    with caplog.at_level(logging.WARNING, logger="intune_tui.snapshot"):
        assert read_snapshot(there, key, "devices", max_age=DAY, now=NOW) is None
    assert len(caplog.records) == 1 and "ignored" in caplog.records[0].getMessage()


def test_a_truncated_or_edited_snapshot_is_ignored(tmp_path: Path, caplog) -> None:
    here = place(tmp_path)
    path = write_snapshot(here, KEY, "devices", PAYLOAD, now=NOW)
    whole = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="intune_tui.snapshot"):
        for damaged in (whole[: len(whole) // 2], whole[:10], b"",
                        whole[:-1] + bytes([whole[-1] ^ 1])):
            path.write_bytes(damaged)
            assert read_snapshot(here, KEY, "devices", max_age=DAY, now=NOW) is None
    assert len(caplog.records) == 4
    assert all(b"CONTOSO" not in r.getMessage().encode() for r in caplog.records)


def test_a_snapshot_made_to_look_younger_does_not_decrypt(tmp_path: Path) -> None:
    here = place(tmp_path)
    path = write_snapshot(here, KEY, "devices", PAYLOAD, now=NOW - 3 * DAY)
    blob = bytearray(path.read_bytes())
    blob[4:12] = int(NOW).to_bytes(8, "big")  # the created time, as if written just now
    path.write_bytes(bytes(blob))
    assert read_snapshot(here, KEY, "devices", max_age=DAY, now=NOW) is None


def test_an_old_snapshot_is_not_shown(tmp_path: Path) -> None:
    here = place(tmp_path)
    write_snapshot(here, KEY, "devices", PAYLOAD, now=NOW - DAY - 1)
    assert read_snapshot(here, KEY, "devices", max_age=DAY, now=NOW) is None
    assert read_snapshot(here, KEY, "devices", max_age=2 * DAY, now=NOW) is not None


def test_deleting_a_profiles_snapshots_leaves_the_others(tmp_path: Path) -> None:
    write_snapshot(place(tmp_path), KEY, "devices", PAYLOAD, now=NOW)
    write_snapshot(place(tmp_path, profile="test"), KEY, "devices", PAYLOAD, now=NOW)
    assert delete_snapshots(place(tmp_path).folder) is True
    assert read_snapshot(place(tmp_path), KEY, "devices", max_age=DAY, now=NOW) is None
    assert read_snapshot(place(tmp_path, profile="test"), KEY, "devices", max_age=DAY,
                         now=NOW) is not None
    assert delete_snapshots(place(tmp_path).folder) is False


def test_the_module_imports_no_cryptography_until_a_snapshot_is_read() -> None:
    """At start-up the app checks for a snapshot file on the UI thread's side; the cipher is
    imported by the reading thread, when there is one to read."""
    import subprocess
    import sys

    code = ("import sys, intune_tui.snapshot; "
            "print(sorted(m for m in sys.modules if m.startswith('cryptography')))")
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, cwd=Path(__file__).resolve().parents[1])
    assert shown.stdout.strip() == "[]"


def test_a_snapshot_reads_back_whole_from_a_large_file(tmp_path: Path) -> None:
    payload = os.urandom(3_000_000)
    write_snapshot(place(tmp_path), KEY, "devices", payload, now=NOW)
    snapshot = read_snapshot(place(tmp_path), KEY, "devices", max_age=DAY, now=NOW)
    assert snapshot is not None and bytes(snapshot.payload) == payload


def test_read_before_its_tenant_is_known_a_snapshot_is_still_only_shown_to_its_tenant(
        tmp_path: Path, caplog) -> None:
    """At start-up the snapshot is decrypted before the session says which tenant it is for
    (`open_snapshot`); the tenant is checked then (`belongs_to`), and the file does not name
    it in any readable way."""
    here = place(tmp_path, tenant="7d3c1f0a-5b2e-4c8d-9e6f-2a4b8c0d1e3f")
    path = write_snapshot(here, KEY, "devices", PAYLOAD, now=NOW)
    assert b"7d3c1f0a" not in path.read_bytes()
    opened = open_snapshot(here.folder, "prod", KEY, "devices", max_age=DAY, now=NOW)
    assert opened is not None and opened.payload == PAYLOAD
    assert belongs_to(opened, KEY, here.tenant_id)
    assert not belongs_to(opened, KEY, "tenant-b")
    assert not belongs_to(opened, OTHER_KEY, here.tenant_id)
    assert open_snapshot(here.folder, "test", KEY, "devices", max_age=DAY, now=NOW) is None
    blob = bytearray(path.read_bytes())
    blob[12] ^= 1  # the tenant binding, edited to be another tenant's: no longer decrypts
    path.write_bytes(bytes(blob))
    with caplog.at_level(logging.WARNING, logger="intune_tui.snapshot"):
        assert open_snapshot(here.folder, "prod", KEY, "devices", max_age=DAY, now=NOW) is None
    assert len(caplog.records) == 2  # the other profile's key, then the edit


def test_a_snapshot_of_the_first_version_is_ignored(tmp_path: Path, caplog) -> None:
    here = place(tmp_path)
    path = write_snapshot(here, KEY, "devices", PAYLOAD, now=NOW)
    path.write_bytes(b"ITS1" + path.read_bytes()[4:])
    with caplog.at_level(logging.WARNING, logger="intune_tui.snapshot"):
        assert read_snapshot(here, KEY, "devices", max_age=DAY, now=NOW) is None
    assert len(caplog.records) == 1 and "not a snapshot of this version" in \
        caplog.records[0].getMessage()


def test_a_payload_sealed_as_it_is_written_is_what_one_sealing_gives_and_reads_back(
        tmp_path: Path) -> None:
    """The payload written in pieces of every size (a long list's is sealed as its parts are
    made) gives the file one `AESGCM.encrypt` of the whole would: the reader, which decrypts
    it in one piece, reads it back."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from intune_tui import snapshot

    payload = PAYLOAD + os.urandom(2_500_000) + PAYLOAD
    cuts = [0, 7, 7, 1_300_000, 1_300_001, 3_900_000, len(payload)]

    def fill(stream: BinaryIO) -> bool:
        for start, end in itertools.pairwise(cuts):
            stream.write(memoryview(payload)[start:end] if start % 2 else payload[start:end])
        return True

    here = place(tmp_path)
    path = seal_snapshot(here, KEY, "devices", fill, now=NOW)
    assert path == snapshot_path(here, "devices")
    blob = path.read_bytes()
    for secret in (b"CONTOSO-LT-63219", b"5CGGVYLUC0", b"adele.vance"):
        assert secret not in blob
    head = blob[:snapshot._HEADER]
    binding, nonce = head[12:44], head[44:]
    sealed_at_once = AESGCM(snapshot.snapshot_key(KEY)).encrypt(
        nonce, payload, snapshot._associated_data("prod", binding, "devices", int(NOW)))
    assert blob == head + sealed_at_once
    opened = read_snapshot(here, KEY, "devices", max_age=DAY, now=NOW)
    assert opened is not None and bytes(opened.payload) == payload


def fails_midway(stream: BinaryIO) -> bool:
    stream.write(PAYLOAD)
    raise RuntimeError("the rows could not be written")


def gives_up_midway(stream: BinaryIO) -> bool:
    stream.write(PAYLOAD)
    return False  # the rows were replaced while they were written


@pytest.mark.parametrize("fill", [fails_midway, gives_up_midway])
def test_a_payload_that_fails_or_is_given_up_midway_leaves_the_previous_snapshot(
        tmp_path: Path, fill) -> None:
    here = place(tmp_path)
    path = write_snapshot(here, KEY, "devices", b"the rows before", now=NOW)
    before = path.read_bytes()
    if fill is fails_midway:
        with pytest.raises(RuntimeError):
            seal_snapshot(here, KEY, "devices", fill, now=NOW + 60)
    else:
        assert seal_snapshot(here, KEY, "devices", fill, now=NOW + 60) is None
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["devices.bin"]  # no temporary left
    opened = read_snapshot(here, KEY, "devices", max_age=DAY, now=NOW)
    assert opened is not None and opened.payload == b"the rows before"
