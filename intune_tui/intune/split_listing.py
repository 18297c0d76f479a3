"""Long lists fetched as several listings in parallel (a split listing), merged as pages come.

`partition_for` says whether a listing may be split and by which property, `split_clauses`
cuts it into `$filter` ranges at the timestamps of its first page, and `SplitListing` runs the
parts and passes each item on once, or falls back to the plain listing when the parts do not
provably make up the whole list.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import re
import sys
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    MutableSet,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from intune_tui.graph.client import Page
from intune_tui.graph.odata import ODataQuery
from intune_tui.intune.formatting import parse_datetime

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    # A batch of keys as numbers: high halves, low halves, which keys are GUIDs.
    _Numbers = tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], npt.NDArray[np.bool_]]

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger("intune_tui.intune")

# Long lists are fetched as several listings in parallel, each one range of a timestamp every
# item has and never changes (a device's enrollment), cut where a sample of the list (its first
# page) puts as many items in each range. The split is used only when Graph's counts prove it
# complete: the counts of the parts add up to the count of the whole list; otherwise the plain
# listing goes on. A property that changes (compliance, last sync) could move an item from a part
# not yet read to one already read while the parts are paged, and it would be missed.
PARTITIONS: dict[str, str] = {"devices": "enrolledDateTime"}
# Split only lists longer than this many pages: shorter ones are as fast one page after another.
SPLIT_ABOVE_PAGES = 4
# Parts of about 0.8 of a page, so that most parts of a short list fit in one page; and at most
# this many parts: past that Graph answers no faster and every part costs one more short page.
SPLIT_PAGES_PER_PART = 0.8
SPLIT_MAX_PARTS = 16
# After their first pages, this many parts page on at a time: enough to keep Graph busy; more
# only hold more pages in memory at once and take the UI's time in bursts.
SPLIT_PAGING_PARTS = 8
# Pages that arrive close together are passed on together (`to_pages`), up to this many: a long
# list's per-page costs (engine queries, the table's append) are then paid once for them all.
# Answers are read a slice at a time between the other work of the worker's loop, so they
# finish one by one: after the first of a batch, those that finish within `BATCH_WAIT` seconds
# join it (the loop reads the others meanwhile). With the pages built off the loop (`_made`),
# those that arrive while a batch is built make the next: 32 rather than 16 took the engine's
# per-row cost from ~7.0 to ~6.1 us (1,000-device pages) and, at 300,000 devices, the full
# list from 11.5 to 7.3 s and from 16.2 to 11.4 s in two alternating pairs (loaded machine).
BATCH_PAGES = 32
BATCH_WAIT = 0.03
_BATCH_POLL = 0.005
# The pages of a split listing read as columns are built (`to_pages`: the row engine's queries,
# mostly outside the GIL) on one thread of their own, one batch after the other.


@functools.cache  # made once, at first use (as graph.client's page readers)
def _page_builder() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(1, thread_name_prefix="list-page-build")


def partition_for(resource_key: str, query: ODataQuery) -> str | None:
    """The property to split this listing by, or None when it must stay whole: no split known,
    Graph was asked for an order (parts would interleave), no `$count` (nothing to prove the
    split complete), or the filter already names the property."""
    prop = PARTITIONS.get(resource_key)
    if prop is None or query.orderby or not query.count:
        return None
    if query.filter and prop in query.filter:
        return None
    return prop


def split_clauses(prop: str, head: Page, query: ODataQuery) -> list[str] | None:
    """The `$filter` clauses of the parts to list in parallel, cut at the timestamps `prop` has
    in the list's first page (`head`, a preview or the first full page); None when the list is
    not long enough to gain from a split, or the page has too few timestamps to cut at."""
    page_size = max(query.top or 0, len(head.items), 1)
    if head.next_link is None or head.count is None:
        return None
    if math.ceil(head.count / page_size) <= SPLIT_ABOVE_PAGES:
        return None
    parts = min(SPLIT_MAX_PARTS, math.ceil(head.count / (page_size * SPLIT_PAGES_PER_PART)))
    stamps = (parse_datetime(item.get(prop)) for item in head.items if isinstance(item, dict))
    return time_ranges(prop, [stamp for stamp in stamps if stamp is not None], parts)


def time_ranges(prop: str, sample: Sequence[datetime], parts: int) -> list[str] | None:
    """`$filter` clauses splitting `prop` into at most `parts` ranges with as many of `sample`
    in each: `prop lt b1`, `prop gt b1 and prop lt b2`, ..., `prop gt bn`.

    Graph filters timestamps with `lt` and `gt` only, so an item exactly on a boundary would be
    in no range. Boundaries sit half a second past a whole second, between two sampled values,
    where Intune's timestamps (whole seconds or 7-digit fractions) almost never fall; and if one
    does, the parts' counts fall short of the whole list's and the split is not used.
    None when the sample has too few distinct values for two ranges.
    """
    values = sorted(set(sample))
    parts = min(parts, len(values))
    bounds: list[datetime] = []
    for part in range(1, parts):
        before, after = values[part * len(values) // parts - 1], values[part * len(values) // parts]
        middle = before + (after - before) / 2
        bound = middle.astimezone(UTC).replace(microsecond=500_000)
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    if not bounds:
        return None
    literals = [f"{bound:%Y-%m-%dT%H:%M:%S}.5Z" for bound in bounds]
    clauses = [f"{prop} lt {literals[0]}"]
    clauses += [f"{prop} gt {low} and {prop} lt {high}"
                for low, high in pairwise(literals)]
    clauses.append(f"{prop} gt {literals[-1]}")
    return clauses


WHOLE = -1  # the arrivals of the whole list's first page, beside the parts' (0, 1, ...)
Arrival = tuple[int, "Page | BaseException | None"]


# The keys a split listing passed on are freed this many at a time (`release_piecewise`).
RELEASE_KEYS_AT_ONCE = 2_000


def release_piecewise(keys: set[str]) -> None:
    """Empty `keys` a few thousand at a time. Freed at once, the set of a 1,000,000-device
    listing's keys is one C call of ~40-90 ms holding the GIL, on the Graph worker's thread:
    the UI's event loop stood still that long as the list finished loading (issue 21, lag max
    113 ms at 1M). Popped in a Python loop, the interpreter hands the GIL over between pieces
    (`sys.setswitchinterval`, worker.py). Measured 2026-12-07, 1M GUID strings, quiet
    machine: another thread's longest wait 43-46 ms -> 4 ms, for 80-85 ms of this thread's
    CPU instead of ~45 (trace_app.py at 1M: a 91 ms stall of the UI's loop as the load ended,
    the Graph worker in this listing's end)."""
    pop = keys.pop
    while keys:
        piece = [pop() for _ in range(min(RELEASE_KEYS_AT_ONCE, len(keys)))]
        del piece  # a short C call frees these


_GUID_LENGTH = 36
_GUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX_DIGITS = b"0123456789abcdef"
# Byte tables for `bytes.translate`: a GUID's form (x: a digit, -: a dash, ?: any other byte)
# and each digit's value.
_FORM_OF_BYTE = bytes(b"x"[0] if byte in _HEX_DIGITS else b"-"[0] if byte == b"-"[0]
                      else b"?"[0] for byte in range(256))
_GUID_FORM = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
_VALUE_OF_BYTE = bytes(_HEX_DIGITS.find(byte) % 256 for byte in range(256))
_LOW_BITS = 2**64 - 1
# `KeySet._bloom`: at least 32 bits a key (~3% of new keys find their bit set: searched for
# nothing), up to 2**25 bits (4 MiB; at 1,000,000 keys).
_BLOOM_BITS_A_KEY = 32
_BLOOM_LEAST_BITS = 2**16
_BLOOM_MOST_BITS = 2**25


class KeySet(MutableSet[str]):
    """The keys a split listing passed on, as a set of `str`, in a fraction of the memory.

    At 1,000,000 devices a `set[str]` of their ids was ~100 MB (issue 21). Graph's ids are
    GUIDs: a lower-case GUID is held here as its 128 bits (two `uint64`: 16 bytes) in arrays
    sorted by their high half, one array a batch of keys, merged as they grow (each array at
    least twice the next one: ~log2 arrays, and each key moved ~log2 times). The text and the
    two numbers are one-to-one (lower-case hexadecimal digits only), so membership is exactly
    that of the text. Any other key (upper case, another form) stays text, in a set of its
    own; so do all keys until numpy is loaded (the row engine's import, off the UI thread:
    not waited for here).
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._texts: set[str] = set()
        # Sorted by high half, each (high halves, low halves); largest first.
        self._runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]] = []
        self._in_runs = 0
        self._numbers_of: tuple[Sequence[str], _Numbers] | None = None
        self._found_of: tuple[Sequence[str], int, npt.NDArray[np.bool_]] | None = None
        self._changes = 0  # (`found` of the same keys since is the same)
        # One bit for each value of a high half's top bits, set when a key held has that value:
        # most keys looked up are new, and most of those need no search in the arrays.
        self._bloom: npt.NDArray[np.uint8] | None = None
        self.update(keys)

    def __len__(self) -> int:
        return len(self._texts) + self._in_runs

    def __contains__(self, key: object) -> bool:
        if key in self._texts:
            return True
        if not isinstance(key, str) or not self._runs:
            return False
        return bool(self.found([key])[0])

    def __iter__(self) -> Iterator[str]:
        yield from self._texts
        for high, low in self._runs:
            for number in (high.astype(object) << 64) | low.astype(object):
                text = f"{number:032x}"
                yield f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def add(self, key: str) -> None:
        self.update([key])

    def discard(self, key: str) -> None:
        self.difference_update([key])

    def clear(self) -> None:
        self._changes += 1
        self._found_of = None
        self._bloom = None
        self._runs.clear()
        self._in_runs = 0
        self._numbers_of = None
        release_piecewise(self._texts)

    def isdisjoint(self, other: Iterable[Any]) -> bool:
        keys = other if isinstance(other, list) else list(other)
        if not self._runs:
            return self._texts.isdisjoint(keys)
        return not self.found(keys).any()

    def found(self, keys: Sequence[str]) -> npt.NDArray[np.bool_]:
        """For each of `keys`, whether it is in the set."""
        import numpy as np

        known = self._found_of
        if known is not None and known[0] is keys and known[1] == self._changes:
            return known[2]
        held = np.zeros(len(keys), dtype=np.bool_)
        if self._runs:
            high, low, guid = self._numbers(keys)
            assert self._bloom is not None
            byte, bit = _bloom_place(high, self._bloom)
            maybe = ((self._bloom[byte] & bit) != 0) & guid
            if maybe.any():
                candidates = maybe.nonzero()[0]
                order = candidates[np.argsort(high[candidates])]
                high, low = high[order], low[order]
                for run_high, run_low in self._runs:
                    held[order] |= _found_in(run_high, run_low, high, low)
        if self._texts and not self._texts.isdisjoint(keys):
            held |= np.fromiter((key in self._texts for key in keys), dtype=np.bool_,
                                count=len(keys))
        # (a page's keys are looked up, then added: `unseen`, then the service)
        self._found_of = (keys, self._changes, held)
        return held

    def update(self, keys: Iterable[str]) -> None:
        listed = keys if isinstance(keys, list) else list(keys)
        if not self._runs and "numpy" not in sys.modules:
            self._texts.update(listed)
            self._changes += 1
            return
        import numpy as np

        if self._texts and not self._runs:  # numpy has come: the keys so far move too
            texts = list(self._texts)
            self._texts.clear()
            self.update(texts)
        high, low, guid = self._numbers(listed)
        new = guid & ~self.found(listed) if self._runs else guid
        if not guid.all():
            self._texts.update(key for key, is_guid in zip(listed, guid.tolist(), strict=True)
                               if not is_guid)
        high, low = high[new], low[new]
        order = np.lexsort((low, high))
        high, low = high[order], low[order]
        again = np.zeros(len(high), dtype=np.bool_)  # a key twice in `keys`
        again[1:] = (high[1:] == high[:-1]) & (low[1:] == low[:-1])
        if again.any():
            high, low = high[~again], low[~again]
        if len(high):
            self._add_run(high, low)
        self._changes += 1

    def difference_update(self, keys: Iterable[str]) -> None:
        listed = list(keys)
        if not listed:
            return
        self._changes += 1
        self._texts.difference_update(listed)
        if not self._runs:
            return
        high, low, guid = _numbers(listed)
        high, low = _sorted(high[guid], low[guid])
        runs = []
        for run_high, run_low in self._runs:
            keep = ~_found_in(high, low, run_high, run_low)
            runs.append((run_high[keep], run_low[keep]))
        self._runs = [run for run in runs if len(run[0])]
        self._in_runs = sum(len(run[0]) for run in self._runs)

    def _numbers(self, keys: Sequence[str]) -> _Numbers:
        # A page's keys are looked up, then added (`unseen`, then the service): read once.
        known = self._numbers_of
        if known is not None and known[0] is keys:
            return known[1]
        numbers = _numbers(keys)
        self._numbers_of = (keys, numbers)
        return numbers

    def _add_run(self, high: npt.NDArray[np.uint64], low: npt.NDArray[np.uint64]) -> None:
        import numpy as np

        self._runs.append((high, low))
        bits = min(_BLOOM_MOST_BITS, max(_BLOOM_LEAST_BITS,
                                         _BLOOM_BITS_A_KEY * (self._in_runs + len(high))))
        if self._bloom is None or self._bloom.size * 8 < bits:  # (re)made for more keys
            self._bloom = np.zeros(1 << max(bits - 1, 1).bit_length() - 3, dtype=np.uint8)
            for run_high, _ in self._runs:
                np.bitwise_or.at(self._bloom, *_bloom_place(run_high, self._bloom))
        else:
            np.bitwise_or.at(self._bloom, *_bloom_place(high, self._bloom))
        self._in_runs += len(high)
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            (first_high, first_low), (last_high, last_low) = self._runs[-2:]
            high = np.concatenate((first_high, last_high))
            low = np.concatenate((first_low, last_low))
            order = np.argsort(high, kind="stable")  # two sorted runs: one merge (timsort)
            self._runs[-2:] = [(high[order], low[order])]


def _numbers(keys: Sequence[str]) -> _Numbers:
    """Each key's high and low 64 bits when it is a lower-case GUID (else 0), and whether it is
    one. A page's keys are GUIDs as a rule: checked and read all at once, by bytes' C methods."""
    import numpy as np

    count = len(keys)
    raw = "".join(keys).encode("utf-8", "surrogatepass")
    if raw.translate(_FORM_OF_BYTE) != _GUID_FORM * count \
            or set(map(len, keys)) != {_GUID_LENGTH}:
        return _numbers_one_by_one(keys)
    nibbles = np.frombuffer(raw.translate(_VALUE_OF_BYTE, b"-"), dtype=np.uint8)
    octets = (nibbles[0::2] << 4) | nibbles[1::2]
    halves = octets.view(">u8").astype(np.uint64).reshape(count, 2)
    return halves[:, 0].copy(), halves[:, 1].copy(), np.ones(count, dtype=np.bool_)


def _numbers_one_by_one(keys: Sequence[str]) -> _Numbers:
    import numpy as np

    high = np.zeros(len(keys), dtype=np.uint64)
    low = np.zeros(len(keys), dtype=np.uint64)
    guid = np.zeros(len(keys), dtype=np.bool_)
    for index, key in enumerate(keys):
        if _GUID_TEXT.fullmatch(key):
            number = int(key.replace("-", ""), 16)
            high[index], low[index], guid[index] = number >> 64, number & _LOW_BITS, True
    return high, low, guid


def _found_in(run_high: npt.NDArray[np.uint64], run_low: npt.NDArray[np.uint64],
              high: npt.NDArray[np.uint64], low: npt.NDArray[np.uint64]
              ) -> npt.NDArray[np.bool_]:
    """For each (high, low), whether the run (sorted by its high halves) holds it. `high` in
    increasing order: numpy's search then starts where the last one ended."""
    import numpy as np

    start = np.searchsorted(run_high, high)
    found = np.zeros(len(high), dtype=np.bool_)
    inside = (start < len(run_high)).nonzero()[0]
    at = start[inside]
    same_high = run_high[at] == high[inside]
    found[inside] = same_high & (run_low[at] == low[inside])
    following = at + 1
    alike = same_high & (following < len(run_high))
    alike[alike] = run_high[following[alike]] == high[inside][alike]
    for index in inside[alike].tolist():  # another key of the same high half: ~never
        end = int(np.searchsorted(run_high, high[index], side="right"))
        found[index] = bool((run_low[start[index]:end] == low[index]).any())
    return found


def _bloom_place(high: npt.NDArray[np.uint64], bloom: npt.NDArray[np.uint8]
                 ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.uint8]]:
    """Where in `bloom` (`KeySet._bloom`, a power of two bytes) each high half's bit is: its
    byte and the bit's mask. The bit is chosen by the high half's top bits."""
    import numpy as np

    top = (high >> np.uint64(62 - bloom.size.bit_length())).astype(np.intp)
    return top >> 3, (np.uint8(1) << (top & 7).astype(np.uint8))


def _sorted(high: npt.NDArray[np.uint64], low: npt.NDArray[np.uint64]
            ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    import numpy as np

    order = np.argsort(high, kind="stable")
    return high[order], low[order]


def _forward_to(arrivals: asyncio.Queue[Arrival], whole_first: asyncio.Future[Page]) -> None:
    # A done-callback, not a task awaiting it: cancelling such a task would cancel the page,
    # which the fallback still needs.
    if not whole_first.cancelled():
        arrivals.put_nowait((WHOLE, whole_first.exception() or whole_first.result()))


class SplitListing(Generic[T]):
    """The rest of a long list after its first (or preview) page `head`, as one listing per
    `$filter` clause, run in parallel and merged as pages arrive.

    Nothing is passed on from the parts until every part's first page is in and their
    `@odata.count`s add up to the whole list's count (from `head`). If they do not (an item on
    no part, or a part Graph refused), the parts are dropped and the whole list's own next links
    are followed instead, exactly as without a split. Rows already passed on (`head`'s, a
    preview's, the whole list's first page while it is still on its way, `whole_first`) come
    again in the parts: each row is passed on once (by key; `passed_on`: the keys passed so far).
    """

    def __init__(self, key: str, query: ODataQuery, clauses: list[str], head: Page,
                 whole: AsyncIterator[Page], whole_first: asyncio.Future[Page] | None, *,
                 passed_on: frozenset[str],
                 open_part: Callable[[ODataQuery], AsyncGenerator[Page, None]],
                 to_page: Callable[[Page, int, bool, KeySet], T],
                 to_pages: Callable[[list[Page], int, bool, KeySet], list[T]] | None = None,
                 pace: Callable[[], object] | None = None,
                 ) -> None:
        """`open_part(query)` lists one part (pages of the whole list's size); `to_page(page,
        number, has_more, seen)` makes what is passed on of a page, leaving out the items whose
        keys are in `seen` and adding the page's keys to it. `to_pages(pages, number, has_more,
        seen)`, when given, does so for pages that are ready together (`BATCH_PAGES`), in one
        or more of what is passed on; `number` is that of the last page. `pace`: called (it
        may block) on the page builder's thread before each batch is built there."""
        self._key = key
        self._query = query
        self._clauses = clauses
        self._count = head.count
        self._whole = whole
        self._whole_first = whole_first
        self._number = head.number if whole_first is None else 0
        self._seen = KeySet(passed_on)
        self._paging = asyncio.Semaphore(SPLIT_PAGING_PARTS)
        self._open_part = open_part
        self._to_page = to_page
        self._to_pages = to_pages
        self._pace = pace

    async def pages(self) -> AsyncIterator[T]:
        arrivals: asyncio.Queue[Arrival] = asyncio.Queue()
        tasks = [asyncio.create_task(self._pump(index, self._part_query(clause), arrivals))
                 for index, clause in enumerate(self._clauses)]
        if self._whole_first is not None:
            self._whole_first.add_done_callback(partial(_forward_to, arrivals))
        try:
            firsts = await self._first_pages(arrivals, len(self._clauses))
            if firsts is None:
                for task in tasks:
                    task.cancel()
                async for page in self._whole_listing():
                    yield await self._next(page, has_more=page.next_link is not None)
                return
            open_parts = len(self._clauses)
            batch: list[Page] = []
            for index, page in firsts:
                open_parts -= index != WHOLE and page.next_link is None
                batch.append(page)
                if len(batch) == self._batch_size:
                    for passed in await self._next_batch(batch, has_more=open_parts > 0):
                        yield passed
                    batch = []
            for passed in await self._next_batch(batch, has_more=open_parts > 0):
                yield passed
            while open_parts > 0:
                batch = []
                for index, item in await self._arrived(arrivals):
                    if isinstance(item, BaseException) and index != WHOLE:
                        raise item
                    if not isinstance(item, Page):
                        continue  # a part's end, or the whole first page failing (the parts
                        # have it)
                    open_parts -= index != WHOLE and item.next_link is None
                    batch.append(item)
                for passed in await self._next_batch(batch, has_more=open_parts > 0):
                    yield passed
            if len(self._seen) != self._count:
                log.warning("split listing of %s gave %d items, Graph counted %s",
                            self._key, len(self._seen), self._count)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._seen.clear()

    @property
    def _batch_size(self) -> int:
        return BATCH_PAGES if self._to_pages is not None else 1

    async def _arrived(self, arrivals: asyncio.Queue[Arrival]) -> list[Arrival]:
        """The next arrival (waiting for it), and those that come within `BATCH_WAIT` of it
        (when batching)."""
        arrived = [await arrivals.get()]
        if self._batch_size == 1:
            return arrived
        loop = asyncio.get_running_loop()
        until = loop.time() + BATCH_WAIT
        while len(arrived) < self._batch_size:
            if not arrivals.empty():
                arrived.append(arrivals.get_nowait())
            elif loop.time() < until:
                await asyncio.sleep(_BATCH_POLL)
            else:
                break
        return arrived

    async def _first_pages(self, arrivals: asyncio.Queue[Arrival], parts: int
                           ) -> list[tuple[int, Page]] | None:
        """Every part's first page, then any page that came meanwhile (in arrival order); None
        when the parts do not provably make up the whole list."""
        firsts: dict[int, Page] = {}
        later: list[tuple[int, Page]] = []
        while len(firsts) < parts:
            index, item = await arrivals.get()
            if isinstance(item, BaseException) and index != WHOLE:
                log.info("split listing of %s: a part failed (%s); listing it whole",
                         self._key, item)
                return None
            if not isinstance(item, Page):
                continue
            if index == WHOLE or index in firsts:
                later.append((index, item))
            else:
                firsts[index] = item
        counts = [page.count for page in firsts.values()]
        total = sum(count for count in counts if count is not None)
        if None in counts or total != self._count:
            log.info("split listing of %s: the parts count %s, the whole %s; listing it whole",
                     self._key, counts, self._count)
            return None
        return [*firsts.items(), *later]

    async def _whole_listing(self) -> AsyncIterator[Page]:
        if self._whole_first is not None:
            yield await self._whole_first
        async for page in self._whole:
            yield page

    def _part_query(self, clause: str) -> ODataQuery:
        query_filter = f"({self._query.filter}) and {clause}" if self._query.filter else clause
        return replace(self._query, filter=query_filter)

    async def _pump(self, index: int, query: ODataQuery, arrivals: asyncio.Queue[Arrival]
                    ) -> None:
        pages = self._open_part(query)
        try:
            page = await anext(pages, None)  # every part's first page at once: the count check
            while page is not None:
                await arrivals.put((index, page))
                async with self._paging:  # then only so many parts page on at a time
                    page = await anext(pages, None)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # handed to the merging side, which decides
            await arrivals.put((index, error))
            return
        finally:
            await pages.aclose()
        await arrivals.put((index, None))

    async def _next(self, page: Page, *, has_more: bool) -> T:
        self._number += 1
        return await self._made(self._to_page, page.table is not None, page, self._number,
                                has_more, self._seen)

    async def _next_batch(self, pages: list[Page], *, has_more: bool) -> list[T]:
        if not pages:
            return []
        if self._to_pages is None or len(pages) == 1:
            return [await self._next(page, has_more=has_more or index < len(pages) - 1)
                    for index, page in enumerate(pages)]
        self._number += len(pages)
        return await self._made(self._to_pages, any(page.table is not None for page in pages),
                                pages, self._number, has_more, self._seen)

    async def _made(self, make: Callable[..., R], columns: bool, *arguments: Any) -> R:
        """`make(*arguments)`: pages read as columns (`columns`, when `to_pages` is given) are
        built on the page builder's thread (`_page_builder`), the loop meanwhile sending
        requests and taking in answers; rows on the loop (Python from end to end, the GIL's
        work either way)."""
        if self._to_pages is None or not columns:
            return make(*arguments)
        pace = self._pace

        def paced(*arguments: Any) -> R:
            if pace is not None:
                pace()
            return make(*arguments)

        return await asyncio.get_running_loop().run_in_executor(_page_builder(), paced,
                                                                *arguments)
