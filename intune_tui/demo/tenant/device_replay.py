"""The demo's users and devices drawn in bulk: what `UserDirectory` and `build_devices` draw one
call at a time, replayed from the generator's raw words, to the same values and strings.

`random.Random` is a Mersenne Twister giving 32-bit words: `random()` is made of two words
(`(a >> 5) * 2**26 + (b >> 6)`, over 2**53), `getrandbits(k)` of one word's top k bits (two
words, low word first, for 40 bits), and `randrange(n)` / `choice` draw
`getrandbits(n.bit_length())` until it is below n. numpy's MT19937, given the Random's state,
gives the same words, about a hundred times faster than drawing them one call at a time.

Which word a draw reads depends on every draw before it (the rejected tries, the branches on
platform and owner), so one lean pass in Python follows the stream device by device and notes
where each draw of a device starts; the values are then read from those positions a column at
a time with numpy. The Random is left exactly where the one-call-at-a-time build leaves it, so
what is drawn after (the action history) is unchanged. tests/demo/test_device_replay.py
compares the two builds column by column, tests/demo/test_tenant.py the served answers.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import random
from array import array
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt

import intune_tui.demo.tenant.device_build as spread
from intune_tui.demo.identity import DEMO_DOMAIN
from intune_tui.demo.tenant.devices import SERIAL_STYLE_CODES, DeviceStore
from intune_tui.demo.tenant.ids_bulk import base34
from intune_tui.demo.tenant.platforms import (
    COMPLIANCE_WEIGHTS,
    DEVICE_CATEGORIES,
    MANAGEMENT_WEIGHTS,
    NOTES,
    PLATFORMS,
    SYNC_AGE_BUCKETS,
    Model,
)
from intune_tui.demo.tenant.users import (
    CITIES,
    DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    UserDirectory,
    ascii_slug,
)

Ints = npt.NDArray[np.int64]
Words32 = npt.NDArray[np.uint32]

_INV53 = 1.0 / 9007199254740992.0  # random(): 53 bits over 2**53, as CPython computes it
_CHUNK = 1 << 16  # words generated at least at a time
_MARGIN = 4096  # words kept ahead of a device's first draw
_BLOCK = 1 << 14  # devices walked, then read, at a time
_USER_WORDS = 7  # words generated for a user (one draws about 6.6)
_DEVICE_WORDS = 40  # and for a device (one draws about 30)


class Words:
    """The Random's next 32-bit words, generated ahead in chunks; positions count from where
    the Random stood. `settle(end)` leaves it exactly `end` words on."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        _, internal, self._gauss = rng.getstate()
        self._bits = np.random.MT19937(0)
        self._bits.state = _numpy_state(internal)
        self._generator = np.random.Generator(self._bits)
        self._chunks: list[tuple[int, Any]] = []  # (start, the generator's state there)
        self.base = 0  # the position of array[0]
        self.end = 0  # the position after the last word generated
        self.array: Words32 = np.empty(0, dtype=np.uint32)

    def ensure(self, end: int) -> None:
        """Words up to position `end` (exclusive) are held."""
        if end <= self.end:
            return
        count = max(end - self.end, _CHUNK)
        self._chunks.append((self.end, self._bits.state))
        fresh = self._generator.integers(0, 1 << 32, size=count, dtype=np.uint32)
        self.array = np.concatenate((self.array, fresh))
        self.end += count

    def listed(self) -> list[int]:
        """The words held as Python ints (read one at a time twice as fast as from numpy)."""
        return self.array.tolist()  # type: ignore[no-any-return]

    def drop_before(self, position: int) -> None:
        self.array = self.array[position - self.base:]
        self.base = position

    def settle(self, end: int) -> None:
        """Leave the Random as if it had drawn exactly `end` words."""
        start, state = max((chunk for chunk in self._chunks if chunk[0] <= end),
                           key=lambda chunk: chunk[0], default=(0, None))
        bits = np.random.MT19937(0)
        if state is None:
            return
        bits.state = state
        if end > start:
            np.random.Generator(bits).integers(0, 1 << 32, size=end - start, dtype=np.uint32)
        key, pos = bits.state["state"]["key"], bits.state["state"]["pos"]
        self._rng.setstate((3, (*(int(word) for word in key), int(pos)), self._gauss))

    # --- values at positions (relative to array[0]), as random.Random makes them ---
    def uniform(self, positions: Ints) -> npt.NDArray[np.float64]:
        high = (self.array[positions] >> 5).astype(np.float64)
        low = (self.array[positions + 1] >> 6).astype(np.float64)
        return (high * 67108864.0 + low) * _INV53

    def top_bits(self, positions: Ints, shift: int | Ints) -> Ints:
        return self.array[positions].astype(np.int64) >> shift

    def weighted(self, positions: Ints, weights: Sequence[float]) -> Ints:
        """`random.choices(population, weights)[0]`'s index, drawn at each position."""
        cumulative = list(accumulate(weights))
        total = cumulative[-1] + 0.0
        bounds = np.array(cumulative[:-1], dtype=np.float64)
        found = np.searchsorted(bounds, self.uniform(positions) * total, side="right")
        return found.astype(np.int64)


def _numpy_state(internal: tuple[int, ...]) -> Any:
    return {"bit_generator": "MT19937",
            "state": {"key": np.array(internal[:624], dtype=np.uint32), "pos": internal[624]}}


def _shift(n: int) -> int:
    """`getrandbits(n.bit_length())` is a word shifted right by this."""
    return 32 - n.bit_length()


# --- users -------------------------------------------------------------------------------------
def replay_users(seed: int, count: int, rng: random.Random) -> UserDirectory:
    """UserDirectory(seed, count, rng), drawn in bulk.

    A user draws four choices whose tries depend only on the words (no branch on a value), so
    for every position the word of the next accepted try of each choice is found with numpy;
    then one hop a user follows the stream, and the choices are read at once."""
    if not count:
        return UserDirectory(seed, 0, rng)
    sizes = (len(FIRST_NAMES), len(LAST_NAMES), len(DEPARTMENTS), len(CITIES))
    words = Words(rng)
    held = _USER_WORDS * count + _MARGIN
    while True:
        words.ensure(held)
        first, last, department, city = (_next_accepted(words.array, size) for size in sizes)
        length = len(words.array)
        # A user (after the first) starting at p: its four choices' words, then where it ends.
        following = city[department[last[first[:length] + 1] + 1] + 1] + 1
        hop = memoryview(following.astype(np.int64).tobytes()).cast("q")
        starts = array("q", bytes(8 * count))
        p = int(city[department[0] + 1]) + 1  # the first user (Alice Smith) draws two
        try:
            for user in range(1, count):
                starts[user] = p
                p = hop[p]
        except IndexError:  # past the words held
            p = length + 1
        if p <= length:
            break
        held *= 2
    words.settle(p)
    at = np.frombuffer(starts, dtype=np.int64)[1:]
    given_at = first[at]
    surname_at = last[given_at + 1]
    department_at = np.r_[department[0], department[surname_at + 1]]
    city_at = city[department_at + 1]
    given_codes = np.r_[FIRST_NAMES.index("Alice"), words.top_bits(given_at, _shift(sizes[0]))]
    surname_codes = np.r_[LAST_NAMES.index("Smith"), words.top_bits(surname_at,
                                                                    _shift(sizes[1]))]
    return UserDirectory.from_columns(
        seed, _strings(FIRST_NAMES, given_codes), _strings(LAST_NAMES, surname_codes),
        _upns(given_codes, surname_codes),
        _strings(DEPARTMENTS, words.top_bits(department_at, _shift(sizes[2]))),
        _strings(CITIES, words.top_bits(city_at, _shift(sizes[3]))))


def _next_accepted(words: Words32, size: int) -> Ints:
    """For every position, the position of the first word from there that
    `getrandbits(size.bit_length()) < size` accepts; past the end: the length (two more
    entries, so that a hop from the last word still reads one)."""
    length = len(words)
    accepted = np.flatnonzero((words >> _shift(size)) < size)
    # Positions (a[k-1], a[k]] go to a[k]; those after the last accepted word to the length.
    found = np.repeat(accepted, np.diff(accepted, prepend=-1))
    return np.concatenate((found, np.full(length - len(found) + 2, length, dtype=found.dtype)))


def _upns(given_codes: Ints, surname_codes: Ints) -> list[str]:
    """`given.surname[n]@domain`: the n-th user of a stem gets the suffix n (from 2 on)."""
    stems = sorted({f"{ascii_slug(given)}.{ascii_slug(surname)}"
                    for given in FIRST_NAMES for surname in LAST_NAMES})
    stem_code = {stem: code for code, stem in enumerate(stems)}
    pair_stem = np.array([stem_code[f"{ascii_slug(given)}.{ascii_slug(surname)}"]
                          for given in FIRST_NAMES for surname in LAST_NAMES], dtype=np.int64)
    codes = pair_stem[given_codes * len(LAST_NAMES) + surname_codes]
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    lengths = np.diff(np.r_[starts, len(ordered)])
    rank = np.arange(len(ordered)) - np.repeat(starts, lengths)
    taken = np.empty(len(codes), dtype=np.int64)
    taken[order] = rank + 1
    suffixes = [""] + [str(number) for number in range(2, int(taken.max(initial=1)) + 1)]
    domain = "@" + DEMO_DOMAIN
    return [stems[code] + suffixes[number - 1] + domain
            for code, number in zip(codes.tolist(), taken.tolist(), strict=True)]


def _strings(values: Sequence[Any], codes: Ints) -> list[Any]:
    table = np.empty(len(values), dtype=object)
    table[:] = list(values)
    return table[codes].tolist()  # type: ignore[no-any-return]


# --- devices -----------------------------------------------------------------------------------
_MODELS: tuple[Model, ...] = tuple(model for platform in PLATFORMS for model in platform.models)
_OS_NAMES = tuple(platform.os for platform in PLATFORMS)
_WINDOWS, _IOS, _IPADOS, _ANDROID, _MACOS, _LINUX = (
    _OS_NAMES.index(name) for name in ("Windows", "iOS", "iPadOS", "Android", "macOS", "Linux"))

# One row a device of what the walk found: where each draw is (-1: not drawn; rows start
# -1: not drawn) or its value. The draws at a fixed
# distance from another are not written: isEncrypted's at _ENROLLED + 1, the serial hint's at
# _FREE + 1, the name's at _FREE + 2.
# The walk appends them in this order, every one for every device.
(_START, _MODEL, _USER, _FLAGS, _ENROLLMENT, _BUCKET, _SYNC, _ENROLLED, _JAILBROKEN,
 _CONFIG_MANAGER, _CATEGORY, _STORAGE, _FREE, _NAME_NUMBER, _NOTES, _NOTE) = range(16)
_STRIDE = 16


class _Tables:
    """What the walk looks up, per platform and per model."""

    def __init__(self, user_count: int) -> None:
        model_base = list(accumulate((len(platform.models) for platform in PLATFORMS),
                                     initial=0))
        self.model_base = model_base[:-1]
        self.model_cum = [list(accumulate(model.weight for model in platform.models))
                          for platform in PLATFORMS]
        self.model_total = [cum[-1] + 0.0 for cum in self.model_cum]
        self.model_hi = [len(cum) - 1 for cum in self.model_cum]
        self.company_share = [platform.company_share for platform in PLATFORMS]
        self.os = [_OS_NAMES.index(platform.os) for platform in PLATFORMS]
        self.always_userless = [model.model == spread.USERLESS_MODEL for model in _MODELS]
        self.cloud_pc = [model.serial_style == "cloudpc" for model in _MODELS]
        self.storage = [(_shift(len(model.storage_gb)), len(model.storage_gb))
                        for model in _MODELS]
        self.user = (_shift(user_count), user_count) if user_count else (0, 0)
        windows = spread.WINDOWS_COMPANY_ENROLLMENT
        self.windows_cum = list(accumulate(weight for _, weight in windows))
        self.windows_total = self.windows_cum[-1] + 0.0
        self.co_managed = [name for name, _ in windows].index("windowsCoManagement")
        self.bucket_cum = list(accumulate(bucket[2] for bucket in SYNC_AGE_BUCKETS))
        self.bucket_total = self.bucket_cum[-1] + 0.0
        self.bucket = [(_shift(high - low), high - low) for low, high, _ in SYNC_AGE_BUCKETS]
        low, high = spread.ENROLLED_BEFORE_SYNC
        self.enrolled = (_shift(high - low), high - low)
        self.category = (_shift(len(DEVICE_CATEGORIES)), len(DEVICE_CATEGORIES))
        low, high = spread.FREE_SHARE
        self.free = (_shift(high - low), high - low)
        low, high = spread.WINDOWS_NAME_NUMBER
        self.windows_number = (_shift(high - low), high - low)
        low, high = spread.LINUX_NAME_NUMBER
        self.linux_number = (_shift(high - low), high - low)
        self.note = (_shift(len(NOTES)), len(NOTES))
        # The same draws, decided from the first of random()'s two words where it can be.
        self.model_words = [_choice_words(cum) for cum in self.model_cum]
        self.company = [_below_words(share) for share in self.company_share]
        self.userless = _below_words(spread.USERLESS_SHARE)
        self.windows_words = _choice_words(self.windows_cum)
        self.bucket_words = _choice_words(self.bucket_cum)
        self.windows_name = _below_words(spread.RANDOM_WINDOWS_NAME_SHARE)
        self.notes = _below_words(spread.NOTES_SHARE)


def _below_words(share: float) -> tuple[int, int, int]:
    """`random() < share` from its words a, b: true when a < low, false when a >= high, else
    (one time in 2**27) when b >> 6 < rest. random() is m / 2**53 with m = (a >> 5) << 26 |
    b >> 6, and m < share * 2**53 exactly when m < ceil(share * 2**53)."""
    bound = math.ceil(share * 9007199254740992.0)
    top = bound >> 26
    return top << 5, (top + 1) << 5, bound & ((1 << 26) - 1)


def _choice_words(cumulative: Sequence[float]) -> tuple[list[int], list[int]]:
    """`bisect(cumulative, random() * total, 0, len - 1)` from random()'s first word a:
    bisect(passed, a) unless a >= near[that] (within 32 of a boundary: decide with both words).
    A boundary is the least m (random() = m / 2**53) whose product reaches the weight."""
    total = cumulative[-1] + 0.0
    passed: list[int] = []
    for weight in cumulative[:-1]:
        low, high = 0, 1 << 53
        while low < high:
            middle = (low + high) // 2
            if float(middle) * _INV53 * total >= weight:
                high = middle
            else:
                low = middle + 1
        passed.append(((low >> 26) + 1) << 5)
    return passed, [*(bound - 32 for bound in passed), 1 << 40]


def replay_devices(store: DeviceStore, count: int, rng: random.Random) -> None:
    """build_devices' loop (before its fix-ups), drawn in bulk: the store gets `count` devices
    and the Random stands where the loop leaves it."""
    store.bulk = True
    words = Words(rng)
    words.ensure(6 * count)
    spread_at = 2 * np.arange(count, dtype=np.int64)
    platforms = words.weighted(spread_at, [platform.weight for platform in PLATFORMS])
    compliance = words.weighted(spread_at + 2 * count, [w for _, w in COMPLIANCE_WEIGHTS])
    management = words.weighted(spread_at + 4 * count, [w for _, w in MANAGEMENT_WEIGHTS])
    tables = _Tables(len(store.users))
    codes = platforms.tolist()
    p = 6 * count
    for first in range(0, count, _BLOCK):
        words.drop_before(p)
        size = min(_BLOCK, count - first)
        rows = array("q")
        done, at, ahead = 0, 0, _MARGIN
        while done < size:
            words.ensure(words.base + at + _DEVICE_WORDS * (size - done) + ahead)
            walked = _walk_devices(words.listed(), at, codes, first, done, size, rows, tables,
                                   len(words.array) - _MARGIN)
            ahead = ahead if walked[0] > done else 2 * ahead + 64  # a device past them all
            done, at = walked
        table = np.frombuffer(rows, dtype=np.int64).reshape(size, _STRIDE)
        _read_block(store, words, table, platforms[first:first + size],
                    compliance[first:first + size], management[first:first + size])
        p = words.base + at
    words.settle(p)


def give_back_freed_memory() -> None:
    """Hand the heap the bulk draw freed back to the system, and keep the pages served later
    from staying in it. A freed block of a few MB (numpy's temporary arrays) raises glibc's
    mmap threshold to its size, so later large blocks come from the heap and stay in the
    process when freed: about 30 MB at 200,000 devices after the build, and more with every
    listing. malloc_trim returns what is free; a fixed threshold (M_MMAP_THRESHOLD) keeps
    blocks of 256 KiB and more out of the heap."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
        libc.mallopt(_M_MMAP_THRESHOLD, 256 * 1024)


_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def _walk_devices(view: list[int], p: int, codes: list[int], first: int, done: int,
                  size: int, out: array[int], t: _Tables, limit: int) -> tuple[int, int]:
    """Where each device's draws are, in build_devices' order: (devices walked, position
    after them). Stops early near the end of the words held."""
    model_base, model_cum, model_total, model_hi = (t.model_base, t.model_cum, t.model_total,
                                                    t.model_hi)
    model_words, company_words, os_of, always_userless = (t.model_words, t.company, t.os,
                                                          t.always_userless)
    user_shift, users = t.user
    userless_low, userless_high, userless_rest = t.userless
    windows_cum, windows_total, co_managed = t.windows_cum, t.windows_total, t.co_managed
    (windows_passed, windows_near), windows_hi = t.windows_words, len(windows_cum) - 1
    bucket_cum, bucket_total, buckets = t.bucket_cum, t.bucket_total, t.bucket
    (bucket_passed, bucket_near), bucket_hi = t.bucket_words, len(bucket_cum) - 1
    enrolled_shift, enrolled = t.enrolled
    category_shift, categories = t.category
    free_shift, frees = t.free
    windows_shift, windows_numbers = t.windows_number
    linux_shift, linux_numbers = t.linux_number
    note_shift, notes = t.note
    storage, cloud_pc = t.storage, t.cloud_pc
    name_low, name_high, name_rest = t.windows_name
    notes_low, notes_high, notes_rest = t.notes
    windows, ios, android, macos, linux = _WINDOWS, _IOS, _ANDROID, _MACOS, _LINUX
    device, start, put = done, p, out.append
    try:
        for device in range(done, size):
            if p > limit:
                return device, p
            start = p
            platform = codes[first + device]
            put(p)  # model, version and owner: three random()
            word = view[p]
            passed, near = model_words[platform]
            chosen = bisect(passed, word)
            if word >= near[chosen]:
                chosen = bisect(model_cum[platform], ((word >> 5) * 67108864.0
                                                      + (view[p + 1] >> 6)) * _INV53
                                * model_total[platform], 0, model_hi[platform])
            model = model_base[platform] + chosen
            put(model)
            word = view[p + 4]
            low, high, rest = company_words[platform]
            company = word < low or (word < high and view[p + 5] >> 6 < rest)
            p += 6
            userless = False
            if company:
                word = view[p]
                userless = word < userless_low or (
                    word < userless_high and view[p + 1] >> 6 < userless_rest)
                p += 2
            if always_userless[model]:
                userless = True
            if userless:
                company = True
                put(-1)
            else:
                while view[p] >> user_shift >= users:
                    p += 1
                put(p)
                p += 1
            put(company | userless << 1)
            os = os_of[platform]
            config_manager = False
            if userless or os in (macos, linux) or (not company and os in (windows, android)):
                put(-1)
            else:
                put(p)
                if os == windows:
                    word = view[p]
                    chosen = bisect(windows_passed, word)
                    if word >= windows_near[chosen]:
                        chosen = bisect(windows_cum, ((word >> 5) * 67108864.0
                                                      + (view[p + 1] >> 6)) * _INV53
                                        * windows_total, 0, windows_hi)
                    config_manager = chosen == co_managed
                p += 2
            word = view[p]
            bucket = bisect(bucket_passed, word)
            if word >= bucket_near[bucket]:
                bucket = bisect(bucket_cum, ((word >> 5) * 67108864.0 + (view[p + 1] >> 6))
                                * _INV53 * bucket_total, 0, bucket_hi)
            put(bucket)
            p += 2
            shift, width = buckets[bucket]
            while view[p] >> shift >= width:
                p += 1
            put(p)
            p += 1
            while view[p] >> enrolled_shift >= enrolled:
                p += 1
            put(p)  # then isEncrypted's random()
            p += 3
            if os in (ios, android):
                put(p)
                p += 2
            else:
                put(-1)
            if config_manager:
                put(p)
                p += 2
            else:
                put(-1)
            if userless:
                put(-1)
            else:
                while view[p] >> category_shift >= categories:
                    p += 1
                put(p)
                p += 1
            shift, width = storage[model]
            while view[p] >> shift >= width:
                p += 1
            put(p)
            p += 1
            while view[p] >> free_shift >= frees:
                p += 1
            put(p)  # then the serial hint's word, then the name's draws
            p += 2
            number = -1
            if os == windows:
                if cloud_pc[model]:
                    p += 1
                else:
                    word = view[p]
                    if word < name_low or (word < name_high and view[p + 1] >> 6 < name_rest):
                        p += 4
                    else:
                        p += 2
                        while view[p] >> windows_shift >= windows_numbers:
                            p += 1
                        number = p
                        p += 1
            elif os == linux:
                while view[p] >> linux_shift >= linux_numbers:
                    p += 1
                number = p
                p += 1
            put(number)
            put(p)
            word = view[p]
            p += 2
            if word < notes_low or (word < notes_high and view[p - 1] >> 6 < notes_rest):
                while view[p] >> note_shift >= notes:
                    p += 1
                put(p)
                p += 1
            else:
                put(-1)
    except IndexError:  # past the words held: the caller generates more, this device again
        del out[device * _STRIDE:]
        return device, start
    return size, p


# --- a block of devices, read a column at a time ----------------------------------------------
_ENROLLMENTS: tuple[str, ...] = tuple(dict.fromkeys((
    "windowsBulkUserless", "windowsAutoEnrollment", "appleBulkWithoutUser",
    "androidEnterpriseDedicatedDevice", "userEnrollment", "appleBulkWithUser",
    *(name for name, _ in spread.WINDOWS_COMPANY_ENROLLMENT),
    *(name for name, _ in spread.APPLE_PERSONAL_ENROLLMENT),
    *(name for name, _ in spread.APPLE_COMPANY_ENROLLMENT),
    *(name for name, _ in spread.ANDROID_COMPANY_ENROLLMENT))))
_ENROLLMENT_CODE = {name: code for code, name in enumerate(_ENROLLMENTS)}
_AGENTS = np.array([[spread.agent_for(os_name, enrollment) for enrollment in _ENROLLMENTS]
                    for os_name in _OS_NAMES], dtype=object)
_SUPERVISED = np.array([[os_name in ("iOS", "iPadOS") and enrollment.startswith("appleBulk")
                         for enrollment in _ENROLLMENTS] for os_name in _OS_NAMES])
_VERSIONS = tuple(version for platform in PLATFORMS for version, _ in platform.versions)
_VERSION_BASE = list(accumulate((len(platform.versions) for platform in PLATFORMS), initial=0))
_STATES = (*(state for state, _ in COMPLIANCE_WEIGHTS), "configManager")
_MANAGEMENT = tuple(state for state, _ in MANAGEMENT_WEIGHTS)
_JAILBROKEN_TEXT = ("Unknown", "False", "True")
_BUCKET_LOW = np.array([low for low, _, _ in SYNC_AGE_BUCKETS], dtype=np.int64)
_BUCKET_SHIFT = np.array([_shift(high - low) for low, high, _ in SYNC_AGE_BUCKETS],
                         dtype=np.int64)
_ENCRYPTED_SHARE = np.array([platform.encrypted_share for platform in PLATFORMS])
_CLOUD_PC = np.array([model.serial_style == "cloudpc" for model in _MODELS])
_SERIAL_STYLE = np.array([SERIAL_STYLE_CODES[model.serial_style] for model in _MODELS])
_APPLE_SERIAL, _MAC_SERIAL = SERIAL_STYLE_CODES["apple"], SERIAL_STYLE_CODES["mac"]
_STORAGE_GB = np.array([(*model.storage_gb, 0)[:2] for model in _MODELS], dtype=np.int64)
_STORAGE_SHIFT = np.array([_shift(len(model.storage_gb)) for model in _MODELS], dtype=np.int64)


def _read_block(store: DeviceStore, words: Words, table: Ints, platforms: Ints,
                compliance: Ints, management: Ints) -> None:
    """Append the block's devices to the store: the values at the positions the walk found."""
    offset, size = len(store), len(table)
    os, model = platforms, table[:, _MODEL]
    start = table[:, _START]
    company, userless = (table[:, _FLAGS] & 1) == 1, (table[:, _FLAGS] & 2) == 2
    version = np.empty(size, dtype=np.int64)
    for code, platform in enumerate(PLATFORMS):
        chosen = np.flatnonzero(platforms == code)
        version[chosen] = _VERSION_BASE[code] + words.weighted(
            start[chosen] + 2, [weight for _, weight in platform.versions])
    user = np.where(userless, -1, words.top_bits(np.maximum(table[:, _USER], 0),
                                                 _shift(len(store.users))))
    enrollment = _enrollments(words, table, os, company, userless)
    sync_age = _BUCKET_LOW[table[:, _BUCKET]] + words.top_bits(
        table[:, _SYNC], _BUCKET_SHIFT[table[:, _BUCKET]])
    low, high = spread.ENROLLED_BEFORE_SYNC
    enroll_age = sync_age + low + words.top_bits(table[:, _ENROLLED], _shift(high - low))
    encrypted = words.uniform(table[:, _ENROLLED] + 1) < _ENCRYPTED_SHARE[platforms]
    jailbroken = _drawn_below(words, table[:, _JAILBROKEN], spread.JAILBROKEN_SHARE)
    config_manager = _drawn_below(words, table[:, _CONFIG_MANAGER], spread.CONFIG_MANAGER_SHARE)
    state = compliance.copy()
    state[jailbroken] = _STATES.index("noncompliant")
    state[config_manager] = _STATES.index("configManager")
    mobile = (os == _WINDOWS) | (os == _LINUX)
    jail_text = np.where(mobile, 0, np.where(jailbroken, 2, 1))
    category = np.where(userless, DEVICE_CATEGORIES.index("Frontline"), words.top_bits(
        np.maximum(table[:, _CATEGORY], 0), _shift(len(DEVICE_CATEGORIES))))
    storage = _STORAGE_GB[model, words.top_bits(table[:, _STORAGE], _STORAGE_SHIFT[model])]
    low, high = spread.FREE_SHARE
    free = low + words.top_bits(table[:, _FREE], _shift(high - low))
    store.os.extend(_strings(_OS_NAMES, os))
    store.os_version.extend(_strings(_VERSIONS, version))
    store.model.extend(_strings(_MODELS, model))
    store.serial_styles.frombytes(np.where(
        (_SERIAL_STYLE[model] == _APPLE_SERIAL) & (os == _MACOS), _MAC_SERIAL,
        _SERIAL_STYLE[model]).astype(np.uint8).tobytes())
    store.owner.extend(_strings(("personal", "company"), company.astype(np.int64)))
    store.user.frombytes(user.astype(np.int32).tobytes())
    store.compliance.extend(_strings(_STATES, state))
    store.management.extend(_strings(_MANAGEMENT, management))
    store.enrollment.extend(_strings(_ENROLLMENTS, enrollment))
    store.agent.extend(_AGENTS[os, enrollment].tolist())
    store.sync_age.frombytes(sync_age.astype(np.int32).tobytes())
    store.enroll_age.frombytes(enroll_age.astype(np.int32).tobytes())
    store.encrypted.extend(encrypted.tolist())
    store.jailbroken.extend(_strings(_JAILBROKEN_TEXT, jail_text))
    store.category.extend(_strings(DEVICE_CATEGORIES, category))
    store.storage_gb.frombytes(storage.astype(np.uint16).tobytes())
    store.free_share.frombytes(free.astype(np.uint8).tobytes())
    store.supervised.extend(_SUPERVISED[os, enrollment].tolist())
    store.name.extend(_names(store, words, table, os, model, user))
    notes = _drawn_below(words, table[:, _NOTES], spread.NOTES_SHARE)
    for index, note in zip(np.flatnonzero(notes).tolist(), words.top_bits(
            table[notes, _NOTE], _shift(len(NOTES))).tolist(), strict=True):
        store.notes[offset + index] = NOTES[note]


def _drawn_below(words: Words, positions: Ints, share: float) -> npt.NDArray[np.bool_]:
    """`random() < share` where it was drawn (position >= 0), False elsewhere."""
    drawn = np.flatnonzero(positions >= 0)
    below = np.zeros(len(positions), dtype=bool)
    below[drawn] = words.uniform(positions[drawn]) < share
    return below


def _enrollments(words: Words, table: Ints, os: Ints, company: npt.NDArray[np.bool_],
                 userless: npt.NDArray[np.bool_]) -> Ints:
    """spread._enrollment_for's choice for every device of the block."""
    enrollment = np.zeros(len(table), dtype=np.int64)
    personal = ~company
    apple = (os == _IOS) | (os == _IPADOS)

    def put(where: npt.NDArray[np.bool_], name: str) -> None:
        enrollment[where] = _ENROLLMENT_CODE[name]

    def draw(where: npt.NDArray[np.bool_], weights: tuple[tuple[str, int], ...]) -> None:
        chosen = np.flatnonzero(where)
        codes = np.array([_ENROLLMENT_CODE[name] for name, _ in weights], dtype=np.int64)
        enrollment[chosen] = codes[words.weighted(table[chosen, _ENROLLMENT],
                                                  [weight for _, weight in weights])]

    windows, android = os == _WINDOWS, os == _ANDROID
    put(windows & userless, "windowsBulkUserless")
    put(windows & personal, "windowsAutoEnrollment")
    draw(windows & company & ~userless, spread.WINDOWS_COMPANY_ENROLLMENT)
    put(apple & userless, "appleBulkWithoutUser")
    draw(apple & personal, spread.APPLE_PERSONAL_ENROLLMENT)
    draw(apple & company & ~userless, spread.APPLE_COMPANY_ENROLLMENT)
    put(android & userless, "androidEnterpriseDedicatedDevice")
    put(android & personal, "userEnrollment")
    draw(android & company & ~userless, spread.ANDROID_COMPANY_ENROLLMENT)
    put((os == _MACOS) & company, "appleBulkWithUser")
    put((os == _MACOS) & personal, "userEnrollment")
    put(os == _LINUX, "userEnrollment")
    return enrollment


def _names(store: DeviceStore, words: Words, table: Ints, os: Ints, model: Ints,
           user: Ints) -> list[str]:
    """spread._device_name for every device of the block, from the words it drew."""
    users, size = store.users, len(table)
    names = np.empty(size, dtype=object)
    at = table[:, _FREE] + 2
    hint = words.top_bits(table[:, _FREE] + 1, 12)  # getrandbits(20)

    def fill(where: npt.NDArray[np.bool_], make: Any, *columns: Ints) -> None:
        chosen = np.flatnonzero(where)
        names[chosen] = [make(*values) for values in zip(
            *(column[chosen].tolist() for column in columns), strict=True)]

    models, given = _MODELS, users.given
    windows = os == _WINDOWS
    cloud_pc = windows & _CLOUD_PC[model]
    fill(cloud_pc, lambda owner, bits: spread.cloud_pc_name(spread.user_stem(users, owner),
                                                              bits),
         user, words.top_bits(at, 2))
    other = np.flatnonzero(windows & ~cloud_pc)
    random_name = np.zeros(size, dtype=bool)
    random_name[other] = words.uniform(at[other]) < spread.RANDOM_WINDOWS_NAME_SHARE
    chosen = np.flatnonzero(random_name)
    bits40 = words.top_bits(at[chosen] + 2, 0) | (words.top_bits(at[chosen] + 3, 24) << 32)
    names[chosen] = base34(bits40.astype(np.uint64), spread.RANDOM_WINDOWS_NAME_CHARS,
                           spread.RANDOM_WINDOWS_NAME_PREFIX)
    low = spread.WINDOWS_NAME_NUMBER[0]
    numbered = windows & ~cloud_pc & ~random_name
    number = np.maximum(table[:, _NAME_NUMBER], 0)
    fill(numbered, lambda code, drawn: spread.numbered_windows_name(models[code], low + drawn),
         model, words.top_bits(number, _shift(spread.WINDOWS_NAME_NUMBER[1] - low)))
    low = spread.LINUX_NAME_NUMBER[0]
    fill(os == _LINUX,
         lambda owner, drawn: spread.linux_name(spread.user_stem(users, owner), low + drawn),
         user, words.top_bits(number, _shift(spread.LINUX_NAME_NUMBER[1] - low)))
    rest = ~windows & (os != _LINUX)
    fill(rest & (user < 0), lambda code, serial: spread.shared_name(_OS_NAMES[code], serial),
         os, hint)
    personal = rest & (user >= 0)
    fill(personal & (os == _ANDROID), lambda model_code, owner, serial: spread.personal_name(
        "Android", models[model_code], given[owner], serial), model, user, hint)
    apple_names: dict[tuple[int, str], str] = {}

    def apple_name(code: int, owner: int) -> str:
        # An Apple device's name is its owner's given name and its kind: made once each.
        key = (code, given[owner])
        name = apple_names.get(key)
        if name is None:
            name = apple_names[key] = spread.personal_name(_OS_NAMES[code], _MODELS[0],
                                                           given[owner], 0)
        return name

    fill(personal & (os != _ANDROID), apple_name, os, user)
    return names.tolist()
