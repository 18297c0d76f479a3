"""The bulk draw (device_replay.py) gives the tenant the one-call-at-a-time draw gives."""

from __future__ import annotations

import random

import pytest

from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant.device_build import build_devices, build_users
from intune_tui.demo.tenant.devices import DeviceStore

COLUMNS = ("os", "os_version", "model", "owner", "user", "compliance", "management",
           "enrollment", "agent", "sync_age", "enroll_age", "encrypted", "jailbroken",
           "category", "storage_gb", "free_share", "name", "supervised")


def _drawn(devices: int, seed: int, *, in_bulk: bool) -> tuple[DeviceStore, object]:
    rng = random.Random(seed)
    users = build_users(seed, max(25, devices * 5 // 8), rng, in_bulk=in_bulk)
    store = DeviceStore(seed, DEMO_NOW, users)
    build_devices(store, devices, rng, in_bulk=in_bulk)
    return store, rng.getstate()


@pytest.mark.parametrize(("devices", "seed"), [(0, 7), (1, 7), (40, 3), (2500, 7), (2500, 11),
                                               (9000, 123)])
def test_bulk_draw_gives_the_same_users_devices_and_random_state(devices: int,
                                                                 seed: int) -> None:
    one_by_one, state = _drawn(devices, seed, in_bulk=False)
    in_bulk, bulk_state = _drawn(devices, seed, in_bulk=True)
    for attribute in ("given", "surname", "upn", "department", "city"):
        assert getattr(in_bulk.users, attribute) == getattr(one_by_one.users, attribute), attribute
    for column in COLUMNS:
        assert list(getattr(in_bulk, column)) == list(getattr(one_by_one, column)), column
    assert in_bulk.notes == one_by_one.notes
    # What is drawn next (the action history, the fix-ups) starts from the same state.
    assert bulk_state == state


def test_bulk_draw_that_runs_out_of_words_generates_more(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Words generated one short chunk at a time, with no margin: every walk runs past the
    words it holds, generates more and goes on, to the same tenant."""
    from intune_tui.demo.tenant import device_replay

    monkeypatch.setattr(device_replay, "_CHUNK", 1)
    monkeypatch.setattr(device_replay, "_MARGIN", 0)
    monkeypatch.setattr(device_replay, "_BLOCK", 300)
    monkeypatch.setattr(device_replay, "_USER_WORDS", 1)
    monkeypatch.setattr(device_replay, "_DEVICE_WORDS", 1)
    one_by_one, state = _drawn(2000, 5, in_bulk=False)
    in_bulk, bulk_state = _drawn(2000, 5, in_bulk=True)
    assert in_bulk.users.upn == one_by_one.users.upn
    for column in COLUMNS:
        assert list(getattr(in_bulk, column)) == list(getattr(one_by_one, column)), column
    assert bulk_state == state
