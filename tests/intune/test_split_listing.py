"""`intune_tui.intune.split_listing` on its own (the split listings themselves are tested
through `IntuneService.list_pages`, tests/intune/test_service.py)."""

from __future__ import annotations

import random
import tracemalloc
import uuid

import pytest

from intune_tui.intune import split_listing
from intune_tui.intune.split_listing import RELEASE_KEYS_AT_ONCE, release_piecewise


def test_release_piecewise_empties_a_set_of_several_pieces_and_one_of_less_than_a_piece(
        ) -> None:
    many = {f"key-{index}" for index in range(RELEASE_KEYS_AT_ONCE * 3 + 7)}
    few = {"a", "b"}
    release_piecewise(many)
    release_piecewise(few)
    release_piecewise(set())
    assert many == set() and few == set()


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128)))


@pytest.mark.parametrize("seed", range(6))
def test_a_key_set_holds_the_keys_a_set_of_text_holds(seed: int) -> None:
    rng = random.Random(seed)
    guids = [_guid(rng) for _ in range(300)]
    twin = guids[0][:19] + ("0" if guids[0][19] != "0" else "1") + guids[0][20:]
    others = [guids[1].upper(), "not-a-guid", "", guids[2] + " ", "é" * 36, twin,
              guids[3][:18] + "_" + guids[3][19:]]
    pool = [*guids, *others]
    keys = split_listing.KeySet(rng.sample(pool, 5))
    expected = set(keys)
    for _ in range(200):
        batch = [rng.choice(pool) for _ in range(rng.randint(0, 12))]
        if rng.random() < 0.15:
            keys.difference_update(batch)
            expected.difference_update(batch)
        else:
            assert keys.isdisjoint(batch) == expected.isdisjoint(batch)
            assert keys.found(batch).tolist() == [key in expected for key in batch]
            keys.update(batch)
            expected.update(batch)
        assert len(keys) == len(expected)
    assert keys == expected and sorted(keys) == sorted(expected)
    assert [key in keys for key in pool] == [key in expected for key in pool]
    keys.clear()
    assert keys == set() and not keys and guids[0] not in keys


def test_a_key_set_tells_apart_guids_whose_high_halves_are_alike() -> None:
    alike = [f"01234567-89ab-cdef-0000-00000000000{digit}" for digit in "0123456789"]
    keys = split_listing.KeySet(alike[:6:2])
    keys.update(alike[1:6:2])
    assert [key in keys for key in alike] == [True] * 6 + [False] * 4
    keys.discard(alike[2])
    assert sorted(keys) == [alike[0], alike[1], *alike[3:6]]


def test_a_key_set_of_many_guids_takes_a_fraction_of_a_set_of_their_text() -> None:
    rng = random.Random(3)
    guids = [_guid(rng) for _ in range(100_000)]
    split_listing.KeySet().found(guids[:1])  # numpy imported (not counted)
    tracemalloc.start()
    try:
        keys = split_listing.KeySet()
        for first in range(0, len(guids), 1000):
            keys.update(guids[first:first + 1000])
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(keys) == len(guids)
    # 16 bytes a key and 4 bits of a filter. A set of the (already existing) strings alone is
    # ~4 MiB at 100,000, their text another 8.
    assert held < 100_000 * 24
