"""ids.py's formulas over numpy arrays give the same text as ids.py, value by value."""

from __future__ import annotations

import pytest

from intune_tui.demo.tenant.ids import chars, guid_from, mix64
from intune_tui.demo.tenant.ids_bulk import base34, base34_digits, guids, hashes

INDICES = [0, 1, 2, 255, 256, 65_535, 999_999, 2**31, 2**32 - 1, *range(3, 3000, 7)]


@pytest.mark.parametrize(("seed", "salt"), [(7, 1), (7, 2), (7, 7), (0, 71),
                                            (12_345_678_901, 3)])
def test_guids_are_guid_from(seed: int, salt: int) -> None:
    assert guids(seed, salt, INDICES) == [guid_from(seed, salt, index) for index in INDICES]
    assert guids(seed, salt, []) == []


@pytest.mark.parametrize("seed", [7, 11, 2**30 + 5])
def test_hashes_and_base34_are_the_store_hash_and_chars(seed: int) -> None:
    values = hashes(seed, 3, INDICES)
    expected = [mix64((seed << 36) ^ (3 << 28) ^ index ^ (3 * 0x9E3779B1)) for index in INDICES]
    assert values.tolist() == expected
    for length, prefix in ((7, ""), (9, "C02"), (11, "F"), (8, "DESKTOP-")):
        assert base34(values, length, prefix) == [prefix + chars(value, length)
                                                  for value in expected]

    for length in (1, 6, 7, 11, 12):
        assert [row.tobytes().decode() for row in base34_digits(values, length)] == [
            chars(value, length) for value in expected]
