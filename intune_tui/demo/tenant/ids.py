"""Time and hashing helpers: Graph's date text, and ids derived from a seed and an index."""

from __future__ import annotations

import random
from datetime import UTC, datetime

NEVER = "0001-01-01T00:00:00Z"  # Intune's "no value" for dates it always sends
NO_GRACE = "9999-12-31T23:59:59.9999999Z"


def iso(moment: datetime) -> str:
    """Graph's DateTimeOffset text: UTC with a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_MASK64 = (1 << 64) - 1


def mix64(value: int) -> int:
    """splitmix64: a bijection on 64-bit ints, so distinct inputs give distinct outputs."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def guid_from(seed: int, salt: int, index: int) -> str:
    """A GUID-shaped id unique per (seed, salt, index)."""
    high = mix64((seed << 40) ^ (salt << 32) ^ index)
    low = mix64(high ^ 0x5DEECE66D ^ salt)
    text = f"{high:016x}{low:016x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{'89ab'[low & 3]}{text[17:20]}-{text[20:]}"


def entra_device_object_id(seed: int, index: int) -> str:
    """The Entra device *object* id of managed device `index` (not its deviceId): one formula
    for every part of the fake that serves /devices (offboarding, group memberships)."""
    return guid_from(seed, 71, index)


_ALPHANUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def chars(value: int, length: int, alphabet: str = _ALPHANUM) -> str:
    out = []
    for _ in range(length):
        value, digit = divmod(value, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


def luhn_complete(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2 == 0:
            number *= 2
            if number > 9:
                number -= 9
        total += number
    return digits + str((10 - total % 10) % 10)


def uuid_from_rng(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"
