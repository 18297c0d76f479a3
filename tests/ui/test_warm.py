"""Warm start on the demo tenant: the devices list is kept in an encrypted snapshot after a full
load and shown at the next start, marked stale, while the live list loads behind it and then
replaces it. Only with a keyring key, never another profile's, never a damaged one."""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail
import pytest
from waiting import list_loaded

from intune_tui import warm_start
from intune_tui.config import default_data_dir
from intune_tui.demo import fake_graph, tenant
from intune_tui.demo.identity import DEMO_NOW, DEMO_TENANT_ID
from intune_tui.snapshot import SnapshotPlace, snapshot_path, write_snapshot
from intune_tui.ui import warm
from intune_tui.ui.screens.device_detail import DeviceDetailScreen
from intune_tui.ui.screens.devices import DevicesScreen

DEVICES = 300
KEY = bytes(range(32))
REMOVED = 7  # device indexes of the demo tenant, changed between two runs
RENAMED = 12
NEW_NAME = "RENAMED-LAPTOP-0012"


@pytest.fixture
def keyring_keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """An OS keyring holding one key per profile (what `warm_start.keyring_key` would read)."""
    keys = {"demo": KEY}

    def source(profile: str, *, timeout: float, create: bool, lock_path: Any) -> bytes | None:
        return keys.get(profile)

    monkeypatch.setattr(warm_start, "KEY_SOURCE", source)
    return keys


def demo_snapshot() -> Path:
    return snapshot_path(SnapshotPlace(default_data_dir() / "snapshots" / "demo", "demo",
                                       DEMO_TENANT_ID), "devices")


def status(app: Any) -> str:
    return str(app.screen.query_one("StatusBar").render())


async def run_once(make_app: Any, wait_until: Any, **settings: Any) -> list[Any]:
    """One app run to the end of the devices list and of the snapshot write; its rows."""
    app = make_app(**{"devices": DEVICES, **settings})
    async with app.run_test() as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        await wait_until(pilot, lambda: app.warm.saving is None or app.warm.saving.done(),
                         what="the snapshot written")
        written = app.warm.saving is not None
        rows = list(app.screen.table.visible_rows)
    if written:
        app.warm.saving.result(timeout=10)
    return rows


def change_the_tenant(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The next demo tenant built has one device fewer and one renamed; their ids."""
    build = tenant.build_tenant
    named = build(devices=0).devices  # ids follow from the seed alone
    ids = {"removed": named.id_of(REMOVED), "renamed": named.id_of(RENAMED)}

    def changed(*args: Any, **kwargs: Any) -> Any:
        built = build(*args, **kwargs)
        store = built.devices
        store.delete(REMOVED)
        store.set_name(RENAMED, NEW_NAME)
        return built

    monkeypatch.setattr(tenant, "build_tenant", changed)
    return ids


def hold_device_lists(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The next demo Graph holds its device listings (preview and first page) until released."""
    release = threading.Event()
    original = fake_graph.FakeGraph

    class HeldGraph(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            for _ in range(2):
                event = self.faults.hold_next(path_contains="deviceManagement/managedDevices")
                threading.Thread(target=lambda e=event: (release.wait(30), e.set()),
                                 daemon=True).start()

    monkeypatch.setattr(fake_graph, "FakeGraph", HeldGraph)
    return release


async def test_a_full_load_writes_a_snapshot_with_nothing_readable_in_it(
        make_app, wait_until, keyring_keys) -> None:
    rows = await run_once(make_app, wait_until)
    blob = demo_snapshot().read_bytes()
    assert len(rows) == DEVICES and len(blob) > 1000
    for row in rows:
        for value in (row.item.get("deviceName"), row.item.get("serialNumber"),
                      row.item.get("userPrincipalName")):
            if value:
                assert value.encode() not in blob


async def test_the_next_start_shows_the_snapshot_then_the_live_list_replaces_it(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    first = await run_once(make_app, wait_until)
    ids = change_the_tenant(monkeypatch)
    release = hold_device_lists(monkeypatch)
    old_name = next(row.item["deviceName"] for row in first if row.key == ids["renamed"])

    app = make_app(devices=DEVICES)
    async with app.run_test(size=(140, 40)) as pilot:
        table = lambda: app.screen.table  # noqa: E731
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and table().rows_count == DEVICES, what="the snapshot's rows")
        assert app.screen.showing_snapshot and not app.screen._complete
        assert "snapshot · less than a minute old — refreshing" in status(app)
        keys = [row.key for row in table().visible_rows]
        assert ids["removed"] in keys and ids["renamed"] in keys

        # Search and sort work on the snapshot at once, and ask Graph for nothing.
        listings = len(app.session.fake.requests)
        await pilot.press("slash", *old_name.lower())
        assert [row.key for row in table().visible_rows] == [ids["renamed"]]
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert len(app.session.fake.requests) == listings  # the search stayed local
        assert table().cursor_row.key == ids["renamed"]
        await pilot.press("escape")
        assert table().visible_count == DEVICES and table().cursor_row.key == ids["renamed"]
        await pilot.press("s")  # sort by the name column
        names = [row.sort_keys[0] for row in table().visible_rows]
        assert names == sorted(names)
        assert len(app.session.fake.requests) == listings
        table().move_cursor([row.key for row in table().visible_rows].index(ids["renamed"]))

        release.set()
        await wait_until(pilot, lambda: app.screen._complete, what="the live list")
        rows = {row.key: row for row in table().visible_rows}
        assert len(rows) == DEVICES - 1 and ids["removed"] not in rows
        assert rows[ids["renamed"]].cells[0] == NEW_NAME
        assert table().cursor_row.key == ids["renamed"]  # the cursor stayed on its row
        names = [row.sort_keys[0] for row in table().visible_rows]
        assert names == sorted(names)  # still sorted, the renamed device in its new place
        assert not app.screen.showing_snapshot and "snapshot" not in status(app)


async def test_a_failed_live_load_keeps_the_snapshot_with_its_marker_and_the_error(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    await run_once(make_app, wait_until)
    original = fake_graph.FakeGraph

    class FailingGraph(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.faults.fail_next(400, path_contains="deviceManagement/managedDevices", times=2)

    monkeypatch.setattr(fake_graph, "FakeGraph", FailingGraph)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen.table.rows_count == DEVICES
                         and "error" in status(app), what="the snapshot and the error")
        assert app.screen.showing_snapshot and app.screen.table.display
        assert "snapshot · less than a minute old" in status(app)
        assert "refreshing" not in status(app)
        await pilot.press("e")  # an export of it says where its rows came from
        await wait_until(pilot, lambda: any(
            f"Exported {DEVICES} devices (from the snapshot, less than a minute old)"
            in str(n.message) for n in app._notifications), what="the export")


async def test_an_action_on_a_snapshot_row_reads_the_device_live_first(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    await run_once(make_app, wait_until)
    ids = change_the_tenant(monkeypatch)
    release = hold_device_lists(monkeypatch)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, snapshot_shown(app), what="the snapshot's rows")
        table = app.screen.table
        put_cursor_on(table, ids["removed"])
        await pilot.press("a")
        await wait_until(pilot, lambda: any(
            "no longer in Intune" in str(n.message) for n in app._notifications),
            what="the removed device refused")
        gets = [r for r in app.session.fake.requests
                if r.method == "GET" and r.path.endswith(ids["removed"])]
        assert len(gets) == 1  # read live, found gone: no menu, nothing sent
        assert not any(r.method == "POST" for r in app.session.fake.requests)

        put_cursor_on(table, ids["renamed"])
        await pilot.press("enter")  # the device screen reads the device live on its own
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen)
                         and app.screen.device.name == NEW_NAME, what="the live device")
        release.set()


async def test_without_a_keyring_nothing_is_written(make_app, wait_until, monkeypatch) -> None:
    monkeypatch.setattr(warm_start, "KEY_SOURCE", warm_start.keyring_key)  # the real probe
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        await run_once(make_app, wait_until)
    finally:
        keyring.set_keyring(previous)
    assert not (default_data_dir() / "snapshots").exists()


class DemoKeyring(keyring.backend.KeyringBackend):
    """An OS keyring (as far as the keystore can tell) holding the demo profile's key."""

    priority = 1
    viable = False

    def get_password(self, service: str, username: str) -> str | None:
        if (service, username) == ("intune-tui", "token-cache-key:demo"):
            return base64.b64encode(KEY).decode()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("the demo must not put a key in the keyring")

    def delete_password(self, service: str, username: str) -> None:
        raise AssertionError("nothing to delete")


async def test_with_the_profiles_key_in_the_os_keyring_the_snapshot_is_written(
        make_app, wait_until, monkeypatch) -> None:
    from intune_tui.auth import keystore

    monkeypatch.setattr(warm_start, "KEY_SOURCE", warm_start.keyring_key)  # the real probe
    monkeypatch.setattr(keystore, "OS_KEYRING_BACKENDS", keystore.OS_KEYRING_BACKENDS | {
        f"{DemoKeyring.__module__}.{DemoKeyring.__qualname__}"})
    previous = keyring.get_keyring()
    keyring.set_keyring(DemoKeyring())
    try:
        await run_once(make_app, wait_until)
        assert demo_snapshot().exists()
        release = hold_device_lists(monkeypatch)
        second = make_app(devices=DEVICES)
        async with second.run_test() as pilot:
            await wait_until(pilot, lambda: isinstance(second.screen, DevicesScreen)
                             and second.screen.showing_snapshot, what="the snapshot shown")
            release.set()
    finally:
        keyring.set_keyring(previous)


async def test_snapshot_false_writes_nothing(make_app, wait_until, keyring_keys) -> None:
    await run_once(make_app, wait_until, snapshot=False)
    assert not (default_data_dir() / "snapshots").exists()


async def test_a_truncated_snapshot_is_ignored_and_the_live_list_shown(
        make_app, wait_until, keyring_keys, caplog) -> None:
    await run_once(make_app, wait_until)
    path = demo_snapshot()
    path.write_bytes(path.read_bytes()[:-100])
    rows = await run_once(make_app, wait_until)
    assert len(rows) == DEVICES
    assert [r.getMessage() for r in caplog.records if r.name == "intune_tui.snapshot"] == [
        f"snapshot {path} ignored: damaged, or written for another profile, tenant or key"]



async def only_the_live_list_is_shown(make_app, wait_until, release: threading.Event) -> None:
    """A start whose snapshot must not be shown: the table stays empty while the live list is
    held back, then holds the live list once it is let go."""
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen))
        await pilot.pause(0.3)
        assert app.screen.table.rows_count == 0 and not app.screen.showing_snapshot
        release.set()
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        assert app.screen.table.rows_count == DEVICES

async def test_another_profiles_snapshot_is_not_shown(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    """A snapshot made for another profile, copied into this one's place: never shown."""
    rows = await run_once(make_app, wait_until)
    from intune_tui.intune.resources import RESOURCES

    other = SnapshotPlace(default_data_dir() / "snapshots" / "other", "other", DEMO_TENANT_ID)
    payload = warm_start.encode_rows(RESOURCES["devices"], rows[:5])
    written = write_snapshot(other, KEY, "devices", payload, now=__import__("time").time())
    demo_snapshot().write_bytes(written.read_bytes())
    release = hold_device_lists(monkeypatch)
    await only_the_live_list_is_shown(make_app, wait_until, release)


async def test_actions_on_a_device_screen_not_yet_read_live_read_it_first(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    """Opened from a snapshot row, the device screen shows that row until its own GET answers;
    `a` meanwhile reads the device live, and the menu names what Graph says now."""
    from intune_tui.ui.screens.actions import ActionsMenu

    await run_once(make_app, wait_until)
    ids = change_the_tenant(monkeypatch)
    release = hold_device_lists(monkeypatch)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, snapshot_shown(app), what="the snapshot's rows")
        held = app.session.fake.faults.hold_next(path_contains=ids["renamed"])
        table = app.screen.table
        put_cursor_on(table, ids["renamed"])
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceDetailScreen))
        assert app.screen.item["deviceName"] != NEW_NAME  # still the snapshot's row
        await pilot.press("a")
        await wait_until(pilot, lambda: isinstance(app.screen, ActionsMenu),
                         what="the actions menu")
        assert [device["deviceName"] for device in app.screen.devices] == [NEW_NAME]
        held.set()
        release.set()


async def test_rows_replaced_before_the_writer_dumps_them_are_not_written(
        make_app, wait_until, keyring_keys) -> None:
    """The writer thread dumps the table's rows when it gets to it: if they were replaced or
    cleared since the list was complete (another load, another tenant), before or while it
    wrote them, the snapshot is not kept."""
    import io

    from intune_tui.table.store import RowStore

    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        table = app.screen.table
        dump, stream = app.screen._rows_dump(), io.BytesIO()
        assert dump(stream) is True
        restored = RowStore.load(stream.getvalue(), type(table.visible_rows[0]))
        assert [row.key for row in restored.visible_rows] == [
            row.key for row in table.visible_rows]
        dump_rows_into = table.dump_rows_into

        def cleared_while_written(into: Any) -> None:
            dump_rows_into(into)
            table.clear()

        table.dump_rows_into = cleared_while_written
        assert app.screen._rows_dump()(io.BytesIO()) is False
        assert dump(io.BytesIO()) is False  # cleared before it was written


async def test_the_snapshot_file_is_begun_only_once_the_user_stops_typing(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    """The writer waits for the user to stop typing before it starts the file (the snapshot's
    time is then that of rows dumped at once), not with a temporary file open meanwhile."""
    from intune_tui.ui.widgets.resource_table import ResourceTable

    typing_over, waiting = threading.Event(), threading.Event()

    def wait_until_quiet(table: Any, at_most: float | None = None) -> bool:
        waiting.set()
        return typing_over.wait(30)

    monkeypatch.setattr(ResourceTable, "wait_until_quiet", wait_until_quiet)
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        await wait_until(pilot, waiting.is_set, what="the writer waiting")
        folder = demo_snapshot().parent
        assert not folder.exists() or list(folder.iterdir()) == []
        typing_over.set()
        saving = app.warm.saving
        assert saving is not None
        await wait_until(pilot, saving.done, what="the snapshot written")
        assert saving.result() == demo_snapshot()
        assert [path.name for path in folder.iterdir()] == ["devices.bin"]


def hold_the_snapshot_read(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The snapshot's read waits for the keyring (its key) until released."""
    release = threading.Event()

    def source(profile: str, *, timeout: float, create: bool, lock_path: Any) -> bytes | None:
        release.wait(30)
        return KEY if profile == "demo" else None

    monkeypatch.setattr(warm_start, "KEY_SOURCE", source)
    return release


def snapshot_shown(app: Any) -> Any:
    return lambda: isinstance(app.screen, DevicesScreen) and app.screen.showing_snapshot


def put_cursor_on(table: Any, key: str) -> None:
    table.move_cursor(next(index for index, row in enumerate(table.visible_rows)
                           if row.key == key))


def device_listings(app: Any) -> list[Any]:
    fake = getattr(app.session, "fake", None)
    return [] if fake is None else [
        request for request in fake.requests
        if request.method == "GET" and request.path.endswith("deviceManagement/managedDevices")]


async def test_the_live_list_is_asked_for_once_the_snapshot_is_on_screen(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    """While the snapshot is read, Graph is not asked for the list (its pages would take the
    CPU the read needs, and only go behind it); once the snapshot is drawn, it is."""
    await run_once(make_app, wait_until)
    ids = change_the_tenant(monkeypatch)
    release = hold_the_snapshot_read(monkeypatch)
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and getattr(app.session, "fake", None) is not None,
                         what="the list screen and the fake Graph")
        await pilot.pause(0.5)
        assert device_listings(app) == [] and app.screen.table.rows_count == 0
        # Asked for nothing yet: its answers are held from here on, to see the snapshot shown.
        held = [app.session.fake.faults.hold_next(path_contains="deviceManagement/managedDevices")
                for _ in range(2)]
        release.set()
        await wait_until(pilot, lambda: app.screen.showing_snapshot, what="the snapshot")
        assert app.screen.table.rows_count == DEVICES
        assert "snapshot · less than a minute old — refreshing" in status(app)
        for event in held:
            event.set()
        await wait_until(pilot, lambda: app.screen._complete, what="the live list")
        assert len(device_listings(app)) >= 1
        keys = [row.key for row in app.screen.table.visible_rows]
        assert len(keys) == DEVICES - 1 and ids["removed"] not in keys


async def test_without_a_snapshot_the_list_is_asked_for_at_once(
        make_app, wait_until, monkeypatch) -> None:
    """A cold start (no snapshot file) waits for no thread: here finding the snapshot's key
    (the token cache, the keyring: `snapshot_access` blocks) would hang, and the list comes."""
    monkeypatch.setattr(warm, "LIVE_WAITS_AT_MOST", 600.0)
    release = threading.Event()
    asked: list[str] = []
    access = warm_start.snapshot_access

    def slow_access(*args: Any) -> Any:
        if threading.current_thread().name == "intune-tui-snapshot-read":  # not the write
            asked.append("read")
            release.wait(30)
        return access(*args)

    monkeypatch.setattr(warm_start, "snapshot_access", slow_access)
    app = make_app(devices=DEVICES)
    try:
        async with app.run_test() as pilot:
            await wait_until(pilot, list_loaded(app, DevicesScreen), timeout=20)
            rows = app.screen.table.rows_count
            marked = app.screen.showing_snapshot
    finally:
        release.set()
    assert rows == DEVICES and not marked
    assert asked == []  # no file to read: no read was started


async def test_live_pages_shown_before_the_snapshot_was_read_go_behind_it(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    """A snapshot read slower than the live list is waited for (a keyring taking its time): the
    live list's first page is shown; then the snapshot comes and shows the whole list, marked;
    the live list then replaces it, and holds each device once (its first page included)."""
    from intune_tui.ui import warm

    devices = 1500  # more than one page of the live list
    await run_once(make_app, wait_until, devices=devices)
    ids = change_the_tenant(monkeypatch)
    release_read = hold_the_snapshot_read(monkeypatch)
    monkeypatch.setattr(warm, "LIVE_WAITS_AT_MOST", 0.05)
    original = fake_graph.FakeGraph
    second_page = threading.Event()

    class SecondPageHeld(original):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.faults.slow_next(0, path_contains="deviceManagement/managedDevices")
            held = self.faults.hold_next(path_contains="deviceManagement/managedDevices")
            threading.Thread(target=lambda: (second_page.wait(30), held.set()),
                             daemon=True).start()

    monkeypatch.setattr(fake_graph, "FakeGraph", SecondPageHeld)
    app = make_app(devices=devices)
    async with app.run_test(size=(140, 40)) as pilot:
        table = lambda: app.screen.table  # noqa: E731
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and 0 < table().rows_count < devices, what="the live list's first page")
        first_page = [row.key for row in table().visible_rows]
        assert not app.screen.showing_snapshot and "snapshot" not in status(app)
        release_read.set()
        await wait_until(pilot, lambda: app.screen.showing_snapshot, what="the snapshot")
        assert table().rows_count == devices  # the whole list, as the snapshot has it
        assert "snapshot · less than a minute old — refreshing" in status(app)
        assert ids["removed"] in [row.key for row in table().visible_rows]
        second_page.set()
        await wait_until(pilot, lambda: app.screen._complete, what="the live list")
        keys = [row.key for row in table().visible_rows]
        assert len(keys) == len(set(keys)) == devices - 1 and ids["removed"] not in keys
        assert set(first_page) - {ids["removed"]} <= set(keys)
        assert not app.screen.showing_snapshot and "snapshot" not in status(app)


def demo_settings() -> Any:
    """The settings `make_app` gives its app, as the CLI has them before the app exists."""
    import dataclasses

    from intune_tui.config import load_settings

    return dataclasses.replace(load_settings(None), demo=True, demo_devices=DEVICES)


def test_the_list_read_ahead_is_the_first_screens() -> None:
    from intune_tui.ui.app import _MODE_SCREENS, FIRST_MODE

    assert _MODE_SCREENS[FIRST_MODE][1] == DevicesScreen.__name__
    assert DevicesScreen.VIEWS[0].resource == warm.FIRST_LIST


async def test_a_snapshot_read_ahead_of_the_app_is_shown_when_the_session_is_its_tenants(
        make_app, wait_until, keyring_keys, monkeypatch) -> None:
    """The CLI starts reading the snapshot before the app exists (`warm.read_ahead`); the app
    shows those rows, without reading the file again."""
    await run_once(make_app, wait_until)
    release = hold_device_lists(monkeypatch)
    warm.read_ahead(demo_settings())
    warm._early[("demo", "devices")].result(timeout=30)
    demo_snapshot().unlink()  # what is shown can only be what was read ahead
    app = make_app(devices=DEVICES)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                         and app.screen.table.rows_count == DEVICES, what="the snapshot's rows")
        assert app.screen.showing_snapshot and "snapshot ·" in status(app)
        release.set()
        await wait_until(pilot, list_loaded(app, DevicesScreen))
    assert warm._early == {}


async def test_a_snapshot_read_ahead_for_another_tenant_is_not_shown(
        make_app, wait_until, keyring_keys, monkeypatch, caplog) -> None:
    rows = await run_once(make_app, wait_until)
    from intune_tui.intune.resources import RESOURCES

    other = SnapshotPlace(default_data_dir() / "snapshots" / "demo", "demo", "another-tenant")
    write_snapshot(other, KEY, "devices", warm_start.encode_rows(RESOURCES["devices"], rows[:5]),
                   now=__import__("time").time())
    release = hold_device_lists(monkeypatch)
    warm.read_ahead(demo_settings())
    await only_the_live_list_is_shown(make_app, wait_until, release)
    assert [r.getMessage() for r in caplog.records if r.name == "intune_tui.warm_start"] == [
        "snapshot of profile demo ignored: written for another tenant"]


def test_pages_kept_behind_a_snapshot_wait_while_the_user_types() -> None:
    """The live list loading behind a snapshot's frame keeps its pages on a thread of its own;
    it holds them while the user types (`pace`), so a keystroke on the frame has the GIL."""
    from intune_tui.intune.resources import RESOURCES
    from intune_tui.intune.service import RowPage

    resource = RESOURCES["devices"]
    items = [tenant.build_tenant(devices=20).devices.to_json(index, beta=False)
             for index in range(20)]
    rows = resource.to_rows(items, DEMO_NOW)
    typing_over = threading.Event()
    behind = warm.RowsBehind(len(resource.columns), pace=lambda: typing_over.wait(10))
    behind.add(RowPage(rows[:10], 20, 1, True))
    behind.add(RowPage(rows[10:], 20, 2, False))
    assert not typing_over.wait(0.2)
    assert behind.store.rows_count == 0  # the user is typing: nothing kept yet
    typing_over.set()
    done = threading.Event()
    behind._worker.submit(done.set)
    assert done.wait(10)
    assert [row.key for row in behind.store.visible_rows] == [row.key for row in rows]


async def test_filtering_the_list_is_what_its_live_load_waits_for(make_app, wait_until) -> None:
    app = make_app(devices=DEVICES)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        assert app.typing.quiet_for() > 10  # nothing typed yet
        await pilot.press("slash", "x")
        assert app.typing.quiet_for() < 5
