"""ids.py's formulas over numpy arrays: a page of a large tenant's ids at once, the same text.

Imported only for tenants drawn in bulk (device_build.BULK_FROM), which have numpy loaded
already; a small demo never pays numpy's import.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from intune_tui.demo.tenant.ids import _ALPHANUM as _ALPHANUM_TEXT
from intune_tui.demo.tenant.ids import _MASK64

U64 = npt.NDArray[np.uint64]

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_VARIANT = np.frombuffer(b"89ab", dtype=np.uint8)


def mix64(value: U64) -> U64:
    """ids.mix64 on uint64 arrays (numpy's uint64 arithmetic wraps as the mask does)."""
    value = value + np.uint64(0x9E3779B97F4A7C15)
    value = (value ^ (value >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    value = (value ^ (value >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return value ^ (value >> np.uint64(31))


def guids(seed: int, salt: int, indices: Sequence[int]) -> list[str]:
    """[ids.guid_from(seed, salt, index) for index in indices], a page at a time."""
    count = len(indices)
    if not count:
        return []
    raw = guid_digits(seed, salt, np.asarray(indices, dtype=np.uint64)).tobytes().decode("ascii")
    return [raw[start:start + 36] for start in range(0, 36 * count, 36)]


def guid_digits(seed: int, salt: int, indices: npt.NDArray[np.integer]) -> npt.NDArray[np.uint8]:
    """The GUIDs' text, a row of 36 ASCII bytes each."""
    count = len(indices)
    base = np.uint64(((seed << 40) ^ (salt << 32)) & _MASK64)
    high = mix64(indices.astype(np.uint64) ^ base)
    low = mix64(high ^ np.uint64((0x5DEECE66D ^ salt) & _MASK64))
    octets = np.empty((count, 16), dtype=np.uint8)
    octets[:, :8] = high.astype(">u8").view(np.uint8).reshape(count, 8)
    octets[:, 8:] = low.astype(">u8").view(np.uint8).reshape(count, 8)
    digits = _HEX_PAIRS.take(octets).view(np.uint8).reshape(count, 32)  # take: no fancy index
    text = np.empty((count, 36), dtype=np.uint8)
    for dash in (8, 13, 18, 23):
        text[:, dash] = ord("-")
    for target, source, width in _GUID_RUNS:
        text[:, target:target + width] = digits[:, source:source + width]
    text[:, 14] = ord("4")
    text[:, 19] = _VARIANT[(low & np.uint64(3)).astype(np.intp)]
    return text


# Each octet's two hex digits as one 16-bit item (its bytes in text order).
_HEX_PAIRS = np.array([[high, low] for high in _HEX for low in _HEX],
                      dtype=np.uint8).view(np.uint16).ravel()
# Runs of hex digits copied into the GUID's text: (where, from which digit, how many); the
# 13th digit is replaced by the version 4 and the 17th by the variant (ids.guid_from).
_GUID_RUNS = ((0, 0, 8), (9, 8, 4), (15, 13, 3), (20, 17, 3), (24, 20, 12))


def hashes(seed: int, salt: int, indices: Sequence[int]) -> U64:
    """devices._hash(store, index, salt) for a page of devices."""
    base = ((seed << 36) ^ (salt << 28) ^ (salt * 0x9E3779B1)) & _MASK64
    return mix64(np.asarray(indices, dtype=np.uint64) ^ np.uint64(base))


_ALPHANUM = np.frombuffer(_ALPHANUM_TEXT.encode(), dtype=np.uint8)


def base34(values: U64, length: int, prefix: str = "") -> list[str]:
    """[prefix + ids.chars(value, length) for value in values]: the value's first `length`
    digits in base 34, least significant first."""
    count = len(values)
    if not count:
        return []
    width = len(prefix) + length
    text = np.empty((count, width), dtype=np.uint8)
    text[:, :len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    rest = values.copy()
    radix = np.uint64(len(_ALPHANUM))
    for position in range(len(prefix), width):
        text[:, position] = _ALPHANUM[(rest % radix).astype(np.intp)]
        rest //= radix
    raw = text.tobytes().decode("ascii")
    return [raw[start:start + width] for start in range(0, width * count, width)]


def base34_digits(values: U64, length: int) -> npt.NDArray[np.uint8]:
    """The values' first `length` digits in base 34, least significant first (ids.chars), a
    row of ASCII bytes each: two digits a division."""
    count = len(values)
    pairs = (length + 1) // 2
    text = np.empty((count, pairs), dtype=np.uint16)
    rest = values.copy()
    radix = np.uint64(len(_ALPHANUM) ** 2)
    for position in range(pairs):
        text[:, position] = _ALPHANUM_PAIRS.take((rest % radix).astype(np.intp))
        rest //= radix
    return text.view(np.uint8).reshape(count, 2 * pairs)[:, :length]


# Each pair of base-34 digits (low digit first) as one 16-bit item, its bytes in text order.
_ALPHANUM_PAIRS = np.array([[_ALPHANUM[pair % len(_ALPHANUM)], _ALPHANUM[pair // len(_ALPHANUM)]]
                            for pair in range(len(_ALPHANUM) ** 2)],
                           dtype=np.uint8).view(np.uint16).ravel()
