"""The bulk draw (device_replay.py) gives the tenant the one-call-at-a-time draw gives."""

from __future__ import annotations

import random

import pytest

from intune_tui.demo.identity import DEMO_NOW
from intune_tui.demo.tenant.device_build import build_devices, finish_devices
from intune_tui.demo.tenant.device_replay import replay_devices, replay_users
from intune_tui.demo.tenant.devices import DeviceStore
from intune_tui.demo.tenant.users import UserDirectory

COLUMNS = ("os", "os_version", "model", "owner", "user", "compliance", "management",
           "enrollment", "agent", "sync_age", "enroll_age", "encrypted", "jailbroken",
           "category", "storage_gb", "free_share", "name", "supervised")


def _drawn(devices: int, seed: int, *, in_bulk: bool) -> tuple[DeviceStore, object]:
    """The users and devices as build_tenant draws them, one call at a time or in bulk."""
    rng = random.Random(seed)
    count = max(25, devices * 5 // 8)
    if in_bulk:
        store = DeviceStore(seed, DEMO_NOW, replay_users(seed, count, rng))
        replay_devices(store, devices, rng)
        finish_devices(store, devices, rng)
    else:
        store = DeviceStore(seed, DEMO_NOW, UserDirectory(seed, count, rng))
        build_devices(store, devices, rng)
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


def test_draws_decided_from_the_first_word_agree_with_random_near_every_boundary() -> None:
    """random() < share and a weighted choice, decided from random()'s first word (and the
    second only next to a boundary), give what random() itself gives, on both sides of each
    boundary."""
    from bisect import bisect

    from intune_tui.demo.tenant.device_replay import _below_words, _choice_words

    def uniform(first: int, second: int) -> float:
        return ((first >> 5) * 67108864.0 + (second >> 6)) * (1.0 / 9007199254740992.0)

    seconds = (0, 1 << 6, 0x7FFFFFFF, 0xFFFFFFC0, 0xFFFFFFFF)
    for share in (0.06, 0.3, 0.01, 0.88, 0.62, 0.55, 0.004):
        low, high, rest = _below_words(share)
        for first in range(low - 64, high + 64):
            for second in seconds:
                fast = first < low or (first < high and second >> 6 < rest)
                assert fast == (uniform(first, second) < share), (share, first, second)
    for weights in ((18, 10, 8, 14, 10, 8, 8, 6, 8, 3), (64, 20, 9, 7), (50, 20, 15, 10, 5)):
        cumulative = [sum(weights[:end]) for end in range(1, len(weights) + 1)]
        passed, near = _choice_words(cumulative)
        for bound in passed:
            for first in range(bound - 96, bound + 32):
                for second in seconds:
                    chosen = bisect(passed, first)
                    if first >= near[chosen]:
                        continue  # decided from both words, as random() is
                    exact = bisect(cumulative, uniform(first, second) * cumulative[-1], 0,
                                   len(cumulative) - 1)
                    assert chosen == exact, (weights, first, second)
