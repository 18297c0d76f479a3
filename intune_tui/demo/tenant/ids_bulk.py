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
# Where the 32 hex digits of (high, low) go in the 36 characters of a GUID: the 13th digit is
# replaced by the version 4 and the 17th by the variant (ids.guid_from).
_DIGIT_AT = np.array([*range(0, 8), *range(9, 13), -1, *range(15, 18), -1, *range(20, 23),
                      *range(24, 36)])


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
    base = np.uint64(((seed << 40) ^ (salt << 32)) & _MASK64)
    high = mix64(np.asarray(indices, dtype=np.uint64) ^ base)
    low = mix64(high ^ np.uint64((0x5DEECE66D ^ salt) & _MASK64))
    octets = np.empty((count, 16), dtype=np.uint8)
    octets[:, :8] = high.astype(">u8").view(np.uint8).reshape(count, 8)
    octets[:, 8:] = low.astype(">u8").view(np.uint8).reshape(count, 8)
    digits = np.empty((count, 32), dtype=np.uint8)
    digits[:, 0::2] = _HEX[octets >> 4]
    digits[:, 1::2] = _HEX[octets & 15]
    text = np.full((count, 36), ord("-"), dtype=np.uint8)
    kept = _DIGIT_AT >= 0
    text[:, _DIGIT_AT[kept]] = digits[:, kept]
    text[:, 14] = ord("4")
    text[:, 19] = _VARIANT[(low & np.uint64(3)).astype(np.intp)]
    raw = text.tobytes().decode("ascii")
    return [raw[start:start + 36] for start in range(0, 36 * count, 36)]


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
