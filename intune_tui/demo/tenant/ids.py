"""Time and hashing helpers: Graph's date text, and ids derived from a seed and an index."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
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


def unmix64(value: int) -> int:
    """The inverse of mix64."""
    value = _unshift(value, 31)
    value = (value * _INVERSE_2) & _MASK64
    value = _unshift(value, 27)
    value = (value * _INVERSE_1) & _MASK64
    value = _unshift(value, 30)
    return (value - 0x9E3779B97F4A7C15) & _MASK64


def _unshift(value: int, shift: int) -> int:
    """The inverse of `value ^ (value >> shift)`."""
    result = value
    for _ in range(64 // shift):
        result = value ^ (result >> shift)
    return result


_INVERSE_1 = pow(0xBF58476D1CE4E5B9, -1, 1 << 64)
_INVERSE_2 = pow(0x94D049BB133111EB, -1, 1 << 64)


def guid_from(seed: int, salt: int, index: int) -> str:
    """A GUID-shaped id unique per (seed, salt, index)."""
    high = mix64((seed << 40) ^ (salt << 32) ^ index)
    low = mix64(high ^ 0x5DEECE66D ^ salt)
    text = f"{high:016x}{low:016x}"
    return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{'89ab'[low & 3]}{text[17:20]}-{text[20:]}"


def guids_from(seed: int, salt: int, indices: Iterable[int]) -> list[str]:
    """guid_from for many indices: the same text, mix64 written out (a page of ids at a time)."""
    mask, base = _MASK64, (seed << 40) ^ (salt << 32)
    out = []
    for index in indices:
        high = ((base ^ index) + 0x9E3779B97F4A7C15) & mask
        high = ((high ^ (high >> 30)) * 0xBF58476D1CE4E5B9) & mask
        high = ((high ^ (high >> 27)) * 0x94D049BB133111EB) & mask
        high ^= high >> 31
        low = ((high ^ 0x5DEECE66D ^ salt) + 0x9E3779B97F4A7C15) & mask
        low = ((low ^ (low >> 30)) * 0xBF58476D1CE4E5B9) & mask
        low = ((low ^ (low >> 27)) * 0x94D049BB133111EB) & mask
        low ^= low >> 31
        text = ((high << 64) | low).to_bytes(16, "big").hex()
        out.append(f"{text[:8]}-{text[8:12]}-4{text[13:16]}-{'89ab'[low & 3]}{text[17:20]}-"
                   f"{text[20:]}")
    return out


def index_from_guid(seed: int, salt: int, guid: str) -> int | None:
    """The index `guid_from(seed, salt, index)` was made from, or None: mix64 is a bijection,
    so the id is undone rather than looked up (the nibble the version digit hides is tried)."""
    text = guid.lower().replace("-", "")
    if len(text) != 32:
        return None
    try:
        int(text, 16)
    except ValueError:
        return None
    base = (seed << 40) ^ (salt << 32)
    for nibble in "0123456789abcdef":
        high = int(text[:12] + nibble + text[13:16], 16)
        index = unmix64(high) ^ base
        if 0 <= index < 1 << 32 and guid_from(seed, salt, index) == guid.lower():
            return index
    return None


class SecondsText:
    """Graph's date text of `now` minus a number of seconds, without a datetime per value:
    one cached `YYYY-MM-DDTHH:` per hour, then the minute and second from a table."""

    def __init__(self, now: datetime) -> None:
        self.epoch = int(now.astimezone(UTC).timestamp())
        self._hours: dict[int, str] = {}

    def __call__(self, seconds: int) -> str:
        hour, second = divmod(self.epoch - seconds, 3600)
        prefix = self._hours.get(hour)
        if prefix is None:
            prefix = self._hour(hour)
        return prefix + _MINUTES_SECONDS[second]

    def many(self, seconds: Sequence[int]) -> list[str]:
        """[self(value) for value in seconds], without a call a value."""
        hours, epoch, tail = self._hours, self.epoch, _MINUTES_SECONDS
        out = []
        for value in seconds:
            hour, second = divmod(epoch - value, 3600)
            prefix = hours.get(hour)
            if prefix is None:
                prefix = self._hour(hour)
            out.append(prefix + tail[second])
        return out

    def _hour(self, hour: int) -> str:
        prefix = self._hours[hour] = datetime.fromtimestamp(hour * 3600, UTC).strftime(
            "%Y-%m-%dT%H:")
        return prefix


_MINUTES_SECONDS = [f"{second // 60:02d}:{second % 60:02d}Z" for second in range(3600)]


def entra_device_object_id(seed: int, index: int) -> str:
    """The Entra device *object* id of managed device `index` (not its deviceId): one formula
    for every part of the fake that serves /devices (offboarding, group memberships)."""
    return guid_from(seed, 71, index)


_ALPHANUM = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def chars(value: int, length: int, alphabet: str = _ALPHANUM) -> str:
    if alphabet is _ALPHANUM:  # two digits per division: serials are read a page at a time
        pairs, odd = divmod(length, 2)
        out = []
        for _ in range(pairs):
            value, pair = divmod(value, _PAIR_BASE)
            out.append(_PAIRS[pair])
        if odd:
            out.append(_ALPHANUM[value % len(_ALPHANUM)])
        return "".join(out)
    out = []
    for _ in range(length):
        value, digit = divmod(value, len(alphabet))
        out.append(alphabet[digit])
    return "".join(out)


_PAIR_BASE = len(_ALPHANUM) ** 2
_PAIRS = [_ALPHANUM[pair % len(_ALPHANUM)] + _ALPHANUM[pair // len(_ALPHANUM)]
          for pair in range(_PAIR_BASE)]


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
