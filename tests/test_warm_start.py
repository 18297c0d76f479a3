"""The warm-start payload and its snapshot: rows come back exactly as a live load builds them,
nothing readable is on disk, and without a keyring key nothing is written or read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from intune_tui import warm_start
from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.snapshot import SnapshotPlace, snapshot_path
from intune_tui.snapshot_files import snapshots_folder
from intune_tui.table import store as store_module
from intune_tui.table.columns import ColumnPage
from intune_tui.table.store import RowStore
from intune_tui.warm_start import (
    PayloadError,
    SnapshotAccess,
    age_text,
    claim,
    decode_rows,
    encode_dump,
    encode_rows,
    read_rows,
    read_rows_early,
    write_rows,
)

DEVICES = RESOURCES["devices"]
KEY = bytes(range(32))
NOW = 1_800_000_000.0


def device_rows(count: int = 120) -> list[Row]:
    store = build_tenant(devices=count).devices
    items = []
    for index in range(len(store)):
        whole = store.to_json(index, beta=False)
        items.append({key: whole[key] for key in DEVICES.select if key in whole})
    return DEVICES.to_rows(items, DEMO_NOW)


def same_rows(left: list[Row], right: list[Row]) -> None:
    assert [(r.key, r.cells, r.sort_keys, r.search_text, r.marks, r.item) for r in left] == \
        [(r.key, r.cells, r.sort_keys, r.search_text, r.marks, r.item) for r in right]


def rows_of(page: ColumnPage) -> list[Row]:
    """The rows a table restoring `page` shows (in arrival order)."""
    store: RowStore[Row] = RowStore(len(DEVICES.columns))
    store.restore(page, Row)
    return list(store.visible_rows)


def store_of(rows: list[Row], column_count: int | None = None) -> RowStore[Row]:
    store: RowStore[Row] = RowStore(column_count or len(DEVICES.columns))
    if rows:
        store.append(rows)
    return store


def dump_of(rows: list[Row]) -> Callable[[BinaryIO], bool]:
    """What a table holding `rows` gives the snapshot's writer thread."""
    store = store_of(rows)

    def dump(stream: BinaryIO) -> bool:
        store.dump_into(stream)
        return True

    return dump


@pytest.mark.parametrize("count", [120, 6_000], ids=["python rows", "columns"])
def test_rows_come_back_as_a_live_load_builds_them(count: int) -> None:
    rows = device_rows(count)
    rows[3].item.pop("model")  # a property Graph left out stays left out (not a None)
    rows[5].item["deviceName"] = "Kiosk [/old] ✓ 東京"
    rebuilt = DEVICES.to_rows([row.item for row in rows], DEMO_NOW)
    back = rows_of(decode_rows(DEVICES, encode_rows(DEVICES, rebuilt), DEMO_NOW))
    same_rows(back, rebuilt)
    assert "model" not in back[3].item


@pytest.mark.parametrize("later", [
    timedelta(minutes=59, seconds=59), timedelta(hours=3, minutes=7, seconds=13),
    timedelta(days=9, seconds=1), timedelta(days=400), timedelta(seconds=-90),
], ids=["an hour", "3 h", "9 days", "a year", "earlier"])
def test_cells_showing_time_passing_read_as_of_now_not_as_of_the_snapshot(
        later: timedelta) -> None:
    """A snapshot written at DEMO_NOW and read `later`: "Last sync" says how long ago as of the
    read ("3h ago" becomes "6h ago"; past 30 days "(stale)", marked), as a live load would."""
    rows = device_rows(300)
    rows[7].item["lastSyncDateTime"] = "0001-01-01T00:00:00Z"  # never: stays "never"
    rows[8].item.pop("lastSyncDateTime")
    rows[9].item["lastSyncDateTime"] = (DEMO_NOW - timedelta(days=30) + later
                                        - timedelta(seconds=30)).isoformat()  # just stale now
    written = DEVICES.to_rows([row.item for row in rows], DEMO_NOW)
    now = DEMO_NOW + later
    live = DEVICES.to_rows([row.item for row in written], now)
    back = rows_of(decode_rows(DEVICES, encode_rows(DEVICES, written), now))
    same_rows(back, live)
    column = DEVICES.column_index("lastSyncDateTime")
    assert any(a.cells[column] != b.cells[column] for a, b in zip(written, back, strict=True))
    assert back[7].cells[column] == "never" and back[9].marks[column] == "bad"
    assert back[9].cells[column] == "30d ago (stale)"


def test_ages_on_every_boundary_read_as_a_live_load_would() -> None:
    """Ages just either side of each step of the text ("just now", minutes, hours, days, years)
    and of staleness (30 days), before and after now, as of a read 5 h 17 min later."""
    rows = device_rows(40)
    now = DEMO_NOW + timedelta(hours=5, minutes=17, seconds=3)
    steps = [0, 60, 3600, 86400, 30 * 86400, 730 * 86400, 3 * 365 * 86400]
    ages = [timedelta(seconds=step) + timedelta(microseconds=nudge) * sign
            for step in steps for nudge in (-1, 0, 1, 30_000_000) for sign in (1, -1)]
    items = []
    for index, age in enumerate(ages):
        item = dict(rows[index % len(rows)].item, id=f"device-{index}")
        item["lastSyncDateTime"] = (now - age).isoformat()
        items.append(item)
    written = DEVICES.to_rows(items, DEMO_NOW)
    same_rows(rows_of(decode_rows(DEVICES, encode_rows(DEVICES, written), now)),
              DEVICES.to_rows(items, now))


def test_expiry_cells_count_their_days_as_of_now() -> None:
    """Apple tokens' "Expires" ("12d left", "(expired)") and "Last sync" as of the read."""
    tokens = RESOURCES["vpp_tokens"]
    items = [{"id": f"t{index}", "organizationName": f"Org {index}", "state": "valid",
              "expirationDateTime": (DEMO_NOW + timedelta(days=index * 7, hours=5)).isoformat(),
              "lastSyncDateTime": (DEMO_NOW - timedelta(hours=index * 9)).isoformat()}
             for index in range(6)]
    written = tokens.to_rows(items, DEMO_NOW)
    now = DEMO_NOW + timedelta(days=20)
    store: RowStore[Row] = RowStore(len(tokens.columns))
    store.append(written)
    page = decode_rows(tokens, encode_dump(tokens, store.dump()), now)
    back: RowStore[Row] = RowStore(len(tokens.columns))
    back.restore(page, Row)
    same_rows(list(back.visible_rows), tokens.to_rows(items, now))
    assert any("(expired)" in cell for row in back.visible_rows for cell in row.cells)


def test_an_empty_list_round_trips() -> None:
    assert rows_of(decode_rows(DEVICES, encode_rows(DEVICES, []), DEMO_NOW)) == []


@pytest.mark.parametrize("damage", [
    pytest.param(lambda payload: payload[: len(payload) // 2], id="cut short"),
    pytest.param(lambda payload: payload[: len(payload) - 40], id="rows cut short"),
    pytest.param(lambda payload: b"XXXX" + payload[4:], id="not a payload"),
    pytest.param(lambda payload: payload[:8] + b'{"version": 1}' + payload[8:], id="header"),
    pytest.param(lambda payload: payload[:4] + b"\0\0\0\2[]", id="not an object"),
])
def test_a_damaged_payload_is_refused(damage: Any) -> None:
    with pytest.raises(PayloadError):
        decode_rows(DEVICES, damage(encode_rows(DEVICES, device_rows(20))), DEMO_NOW)


def test_the_payload_of_another_list_is_refused() -> None:
    payload = encode_rows(DEVICES, device_rows(20))
    with pytest.raises(PayloadError, match="another list"):
        decode_rows(RESOURCES["apps"], payload, DEMO_NOW)


def test_a_dump_of_other_columns_under_this_lists_header_is_refused() -> None:
    """A table of another width (another version's columns) dumped under this list's name."""
    rows = device_rows(20)
    narrower = [Row(row.key, row.cells[:-1], row.sort_keys[:-1], row.search_text,
                    row.marks[:-1], row.item) for row in rows]
    payload = encode_dump(DEVICES, store_of(narrower, len(DEVICES.columns) - 1).dump())
    with pytest.raises(PayloadError, match="other columns"):
        decode_rows(DEVICES, payload, DEMO_NOW)


def access(tmp_path: Path, profile: str = "prod", tenant: str = "tenant-a") -> SnapshotAccess:
    return SnapshotAccess(SnapshotPlace(tmp_path / profile, profile, tenant), max_age=24 * 3600,
                          keyring_timeout=1.0)


def with_keys(monkeypatch: pytest.MonkeyPatch, keys: dict[str, bytes]) -> list[bool]:
    """Keyring keys per profile; returns the `create` flag of every request."""
    asked: list[bool] = []

    def source(profile: str, *, timeout: float, create: bool, lock_path: Any) -> bytes | None:
        asked.append(create)
        return keys.get(profile)

    monkeypatch.setattr(warm_start, "KEY_SOURCE", source)
    return asked


@pytest.mark.parametrize("count", [120, 6_000], ids=["python rows", "columns in parts"])
def test_written_rows_read_back_and_nothing_is_readable_on_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    # a long list's dump, written in parts (as from 50,000 rows), after the payload's head
    monkeypatch.setattr(store_module, "DUMP_PARTS_FROM", 1_000)
    asked = with_keys(monkeypatch, {"prod": KEY})
    rows = device_rows(count)
    path = write_rows(access(tmp_path), DEVICES, dump_of(rows), clock=lambda: NOW)
    assert path is not None and path == snapshot_path(access(tmp_path).place, "devices")
    blob = path.read_bytes()
    for row in rows[:50]:
        for secret in (row.item["deviceName"], row.item.get("serialNumber"),
                       row.item.get("userPrincipalName")):
            if secret:
                assert secret.encode() not in blob
    warm = read_rows(access(tmp_path), DEVICES, DEMO_NOW, clock=lambda: NOW + 3 * 3600)
    assert warm is not None and warm.created == NOW and warm.age(NOW + 3 * 3600) == 3 * 3600
    same_rows(rows_of(warm.page), DEVICES.to_rows([row.item for row in rows],
                                                  DEMO_NOW))
    assert asked == [True, False]  # the write may make the key, the read never does


def half_then(outcome: Callable[[], bool], rows: list[Row]) -> Callable[[BinaryIO], bool]:
    """A dump that writes the first half of `rows`' dump, then ends as `outcome` says (raises,
    or returns False: the rows were replaced meanwhile)."""
    data = store_of(rows).dump()

    def dump(stream: BinaryIO) -> bool:
        stream.write(data[:len(data) // 2])
        return outcome()

    return dump


def disk_full() -> bool:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize(("outcome", "message"), [
    (disk_full, "snapshot of devices not written: No space left on device"),
    (lambda: False, "snapshot of devices not written: the list changed meanwhile"),
], ids=["a disk problem", "rows replaced"])
def test_a_write_that_fails_or_whose_rows_change_midway_leaves_the_last_snapshot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        outcome: Callable[[], bool], message: str) -> None:
    monkeypatch.setattr(store_module, "DUMP_PARTS_FROM", 1_000)
    with_keys(monkeypatch, {"prod": KEY})
    rows = device_rows(20)
    path = write_rows(access(tmp_path), DEVICES, dump_of(rows), clock=lambda: NOW)
    assert path is not None
    before = path.read_bytes()
    caplog.set_level("INFO", logger="intune_tui.warm_start")
    assert write_rows(access(tmp_path), DEVICES, half_then(outcome, device_rows(3_000)),
                      clock=lambda: NOW + 60) is None
    assert [record.getMessage() for record in caplog.records
            if record.name == "intune_tui.warm_start"] == [message]
    assert path.read_bytes() == before
    assert [entry.name for entry in path.parent.iterdir()] == ["devices.bin"]  # no temporary
    warm = read_rows(access(tmp_path), DEVICES, DEMO_NOW, clock=lambda: NOW + 120)
    assert warm is not None and warm.created == NOW
    same_rows(rows_of(warm.page), DEVICES.to_rows([row.item for row in rows], DEMO_NOW))


def test_without_a_keyring_key_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_keys(monkeypatch, {})
    assert write_rows(access(tmp_path), DEVICES, dump_of(device_rows(20)),
                         clock=lambda: NOW) is None
    assert not (tmp_path / "prod").exists()


def test_no_file_means_no_keyring_question(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = with_keys(monkeypatch, {"prod": KEY})
    assert read_rows(access(tmp_path), DEVICES, DEMO_NOW, clock=lambda: NOW) is None
    assert asked == []


def test_a_snapshot_too_old_to_show_means_no_keyring_question(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An old snapshot is known as such from its file's header: the keyring (which may take
    seconds) is not asked, and the live list, waiting for the snapshot's verdict, starts."""
    asked = with_keys(monkeypatch, {"prod": KEY})
    write_rows(access(tmp_path), DEVICES, dump_of(device_rows(20)), clock=lambda: NOW)
    assert read_rows(access(tmp_path), DEVICES, DEMO_NOW,
                     clock=lambda: NOW + 25 * 3600) is None
    assert asked == [True]  # the write's question only


def test_another_profile_or_tenant_reads_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with_keys(monkeypatch, {"prod": KEY, "test": KEY})
    written = write_rows(access(tmp_path), DEVICES, dump_of(device_rows(20)),
                         clock=lambda: NOW)
    assert written is not None
    for other in (access(tmp_path, profile="test"), access(tmp_path, tenant="tenant-b")):
        target = snapshot_path(other.place, "devices")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(written.read_bytes())
        assert read_rows(other, DEVICES, DEMO_NOW, clock=lambda: NOW) is None


def test_a_payload_of_other_columns_is_ignored_with_one_log_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    with_keys(monkeypatch, {"prod": KEY})
    here = access(tmp_path)
    from intune_tui.snapshot import write_snapshot

    apps = RESOURCES["apps"]
    payload = encode_dump(apps, RowStore(len(apps.columns)).dump())
    write_snapshot(here.place, KEY, "devices", payload, now=NOW)
    assert read_rows(here, DEVICES, DEMO_NOW, clock=lambda: NOW) is None
    assert [record.getMessage() for record in caplog.records
            if record.name == "intune_tui.warm_start"] == [
        "snapshot of devices ignored: written for another list, or for other columns"]


@pytest.mark.parametrize(("seconds", "text"), [
    (5, "less than a minute old"), (60, "1 min old"), (59 * 60 + 59, "59 min old"),
    (3600, "1 h old"), (3 * 3600 + 1800, "3 h old"),
])
def test_age_text(seconds: float, text: str) -> None:
    assert age_text(seconds) == text


class SignedIn:
    """An interactive sign-in's provider, as far as snapshots ask it: the account's tenant."""

    def __init__(self, tenant: str | None) -> None:
        self.tenant = tenant

    def signed_in_tenant(self) -> str | None:
        return self.tenant


def test_a_profile_signed_in_to_another_tenant_reads_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No tenant configured: the profile is wherever its account signs in, and a snapshot made
    in one tenant is not shown once the profile's account is in another."""
    from types import SimpleNamespace

    from intune_tui.config import Settings
    from intune_tui.warm_start import snapshot_access

    with_keys(monkeypatch, {"default": KEY})
    settings = Settings(data_dir=tmp_path)

    def session(tenant: str | None) -> object:
        return SimpleNamespace(profile="default", tenant_key="organizations at graph",
                               token_provider=SignedIn(tenant), demo=False)

    contoso = snapshot_access(settings, session("contoso-id"))  # type: ignore[arg-type]
    assert contoso is not None
    assert write_rows(contoso, DEVICES, dump_of(device_rows(20)), clock=lambda: NOW) is not None
    northwind = snapshot_access(settings, session("northwind-id"))  # type: ignore[arg-type]
    assert northwind is not None and northwind.place.folder == contoso.place.folder
    assert read_rows(northwind, DEVICES, DEMO_NOW, clock=lambda: NOW) is None
    assert read_rows(contoso, DEVICES, DEMO_NOW, clock=lambda: NOW) is not None
    assert snapshot_access(settings, session(None)) is None  # type: ignore[arg-type]
    assert snapshot_access(Settings(data_dir=tmp_path, snapshot=False),
                           session("contoso-id")) is None  # type: ignore[arg-type]


def test_the_demo_never_puts_a_key_in_the_keyring(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from intune_tui.config import Settings
    from intune_tui.session import demo_session
    from intune_tui.warm_start import snapshot_access

    asked = with_keys(monkeypatch, {})
    settings = Settings(data_dir=tmp_path, demo=True)
    demo = snapshot_access(settings, demo_session(settings))
    assert demo is not None and demo.place.tenant_id == "7d3c1f0a-5b2e-4c8d-9e6f-2a4b8c0d1e3f"
    assert write_rows(demo, DEVICES, dump_of(device_rows(5)), clock=lambda: NOW) is None
    assert asked == [False]  # asked for the demo's key, never to make one


def test_rows_read_before_the_session_go_only_to_their_profile_and_tenant(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's read ahead (from the settings alone) decodes the snapshot; `claim` gives the
    rows only to a session of the same profile and tenant, their time cells as of its now."""
    import dataclasses

    from intune_tui.config import load_settings

    asked = with_keys(monkeypatch, {"prod": KEY})
    settings = dataclasses.replace(load_settings(None), data_dir=tmp_path, profile="prod",
                                   demo=False)
    ours = SnapshotAccess(SnapshotPlace(snapshots_folder(tmp_path, "prod"), "prod", "tenant-a"),
                          max_age=24 * 3600, keyring_timeout=1.0)
    rows = device_rows(30)
    assert write_rows(ours, DEVICES, dump_of(rows), clock=lambda: NOW) is not None
    assert read_rows_early(settings, DEVICES, clock=lambda: NOW + 25 * 3600) is None  # too old
    assert read_rows_early(dataclasses.replace(settings, snapshot=False), DEVICES) is None
    early = read_rows_early(settings, DEVICES, clock=lambda: NOW + 60)
    assert early is not None and asked == [True, False]  # never creates a key
    assert repr(KEY) not in repr(early) and KEY.hex() not in repr(early)  # held, never shown
    other_tenant = dataclasses.replace(ours, place=dataclasses.replace(ours.place,
                                                                       tenant_id="tenant-b"))
    other_profile = dataclasses.replace(ours, place=dataclasses.replace(ours.place,
                                                                        profile="test"))
    assert claim(early, other_tenant, DEVICES, DEMO_NOW) is None
    assert claim(early, other_profile, DEVICES, DEMO_NOW) is None
    warm = claim(early, ours, DEVICES, DEMO_NOW)
    assert warm is not None and warm.created == NOW
    same_rows(rows_of(warm.page), DEVICES.to_rows([row.item for row in rows], DEMO_NOW))
