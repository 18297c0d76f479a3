"""The columnar store shows what the pure-Python store showed, for random rows and operations.

Each trial feeds the same random pages, queries, sorts, cursor moves, marks and refreshes to
`intune_tui.table.store.RowStore` and to the store it replaced (`oracle_store.RowStore`), and
after every step compares what a user would see: the visible rows in order (whole rows: cells,
sort keys, marks, the Graph dict), the cursor and its row, the marks, and what each call
returned. Keys mix text (with non-ASCII), aware datetimes in several offsets, versions, numbers,
booleans, missing values, and now and then a key of another type (bad data: the tolerant sort).
"""

from __future__ import annotations

import random
from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import oracle_store
import pytest

from intune_tui.intune.search import ColumnTest
from intune_tui.table import store as store_module
from intune_tui.table.columns import wait_for_engine
from intune_tui.table.store import ColumnStore, RowStore, decode_dump


@dataclass(slots=True)
class ItemRow:
    key: str
    cells: tuple[str, ...]
    sort_keys: tuple[Any, ...]
    search_text: str
    marks: tuple[str | None, ...]
    item: dict[str, Any]


@dataclass(frozen=True)
class KeyIn:
    """A key test without `op`: runs over a Python list of the column's keys."""

    column: int
    values: frozenset[Any]

    def matches_keys(self, keys: list[Any]) -> list[bool]:
        return [key in self.values for key in keys]


WORDS = ("laptop", "lap", "pc", "Ünïcode", "surface", "ipad", "kiosk", "zz", "a", "é")
TEXTS = ("alpha", "Beta", "beta", "gamma", "ärger", "zulu", "ä", "", "delta", "Épée", "Straße")
OFFSETS = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5)))
BASE = datetime(2024, 1, 1, tzinfo=UTC)
COLUMNS = 5


class World:
    """Random rows for one trial (each trial draws which oddities it has)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.serial = 0
        self.mixed_text = rng.random() < 0.15  # a number among the text keys
        self.mixed_numbers = rng.random() < 0.15  # floats and bools among whole numbers
        self.duplicates = rng.random() < 0.2
        self.few = rng.random() < 0.4  # few distinct text keys: stored as categories
        self.shown_as_is = rng.random() < 0.5  # text cells as typed, their keys folded
        self.last_filter: tuple[list[str], list[Any], Any] | None = None

    def maybe(self, value: Any, none_rate: float = 0.15) -> Any:
        return None if self.rng.random() < none_rate else value

    def row(self) -> ItemRow:
        rng = self.rng
        self.serial += 1
        number = rng.randrange(0, 40) if self.duplicates else self.serial
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 4)))
        typed = rng.choice(TEXTS[:3] if self.few else TEXTS)
        text_key: Any = self.maybe(typed.casefold(), 0.03 if self.shown_as_is else 0.15)
        if self.mixed_text and rng.random() < 0.1:
            text_key = rng.choice((7, 2.5, True))
        when = self.maybe(BASE.astimezone(rng.choice(OFFSETS))
                          + timedelta(minutes=rng.randrange(0, 500)))
        version = self.maybe(tuple(rng.randrange(0, 12) for _ in range(rng.randrange(0, 4))))
        count: Any = self.maybe(rng.randrange(-3, 5))
        if self.mixed_numbers and rng.random() < 0.2:
            count = rng.choice((1.5, True, False, -0.0))
        flag = self.maybe(rng.random() < 0.5)
        # Cells the same as their sort keys or item properties (stored once: aliases), or not.
        shown_key = typed if self.shown_as_is else text_key
        cells = (shown_key if type(text_key) is str else "-", name, str(when), str(version),
                 str(count))
        # Now and then the Graph value differs from the cell showing it (hostile text shown
        # cleaned, a missing value shown as ""): stored as exceptions to a shared column.
        shown = name if rng.random() > 0.02 else rng.choice((None, name + "\x1b[0m", 3))
        item: dict[str, Any] = {"id": f"id-{number}", "deviceName": shown}
        if rng.random() < 0.8:
            item["osVersion"] = rng.choice(("10.0", "17.2", None))
        if rng.random() < 0.5:
            item["sizes"] = rng.choice((1, 2.5, [1, 2], {"a": None, "b": [True]}, "x"))
        if rng.random() < 0.7:  # GUIDs and Graph timestamps (held as numbers), or odd text
            guid = f"{rng.getrandbits(128):032x}"
            guid = f"{guid[:8]}-{guid[8:12]}-{guid[12:16]}-{guid[16:20]}-{guid[20:]}"
            item["azureADDeviceId"] = guid if rng.random() > 0.02 else rng.choice(
                (guid.upper(), guid.replace("-", ""), "", None, 5))
            stamp = (BASE + timedelta(seconds=rng.randrange(0, 10**8))).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
            item["enrolledDateTime"] = stamp if rng.random() > 0.02 else rng.choice(
                ("2026-02-30T00:00:00Z", stamp.replace("Z", ".5Z"), "0001-01-01T00:00:00Z",
                 None))
        if rng.random() < 0.3:
            item = dict(reversed(list(item.items())))
        marks = rng.choice(((None,) * COLUMNS, ("bad",) + (None,) * (COLUMNS - 1)))
        return ItemRow(f"id-{number}", cells, (text_key, when, version, count, flag),
                       "\t".join((name, str(text_key))).lower(), marks, item)

    def page(self) -> list[ItemRow]:
        return [self.row() for _ in range(self.rng.choice((0, 1, 3, 10, 25, 40, 70)))]

    def key_test(self) -> Any:
        rng = self.rng
        choice = rng.randrange(5)
        if choice == 0:
            return ColumnTest(0, "in", frozenset(rng.sample([t.casefold() for t in TEXTS], 3)))
        if choice == 1 and not self.mixed_text:  # "contains" on a number raises, as before
            return ColumnTest(0, "contains", rng.choice(("a", "e", "ä", "lt")))
        if choice == 2:
            return ColumnTest(1, rng.choice(("after", "before")),
                              BASE + timedelta(minutes=rng.randrange(0, 500)))
        if choice == 3:
            return KeyIn(3, frozenset({0, 1, None}))
        return KeyIn(4, frozenset({True}))


def state(store: Any) -> tuple[Any, ...]:
    return (
        list(store.visible_rows),
        store.visible_count,
        store.rows_count,
        store.cursor,
        store.cursor_row,
        [row.key for row in store.marked_rows],
        store.marked_count,
        store.sort_column,
        store.sort_reverse,
        store.filter_active,
    )


def narrowed(test: Any, rng: random.Random) -> Any:
    """`test` as typing on may leave it: as it was, or letting fewer rows through."""
    if not isinstance(test, ColumnTest) or rng.random() < 0.4:
        return test
    if test.op == "contains":
        return ColumnTest(test.column, "contains", test.operand + rng.choice(("l", "e", "t")))
    if test.op == "in" and test.operand:
        return ColumnTest(test.column, "in", frozenset(sorted(test.operand)[1:]))
    return test


def predicate_for(word: str) -> Any:
    def predicate(row: ItemRow) -> bool:
        return word in str(row.item.get("deviceName", ""))

    return predicate


def step(world: World, new: Any, old: Any) -> str:
    rng = world.rng
    action = rng.choices(("append", "filter", "sort", "cursor", "mark", "replace", "key",
                          "prepare"), weights=(6, 3, 3, 2, 2, 1, 1, 2))[0]
    if action == "append":
        page = world.page()
        was_empty = not old.visible_count
        appended, expected = astuple(new.append(page)), astuple(old.append(page))
        if was_empty:
            # The old store counted a page merged into an empty sorted list as "above the
            # cursor" (it measured the view after extending it in place); nobody reads that
            # count for an empty list (the cursor goes to the first row), so it is left out.
            appended, expected = appended[::2], expected[::2]
        assert appended == expected
    elif action == "filter":
        words = rng.sample(WORDS, rng.randrange(0, 3))
        tests = [world.key_test() for _ in range(rng.choice((0, 0, 1, 2)))]
        predicate = predicate_for(rng.choice(WORDS)) if rng.random() < 0.15 else None
        if world.last_filter is not None and rng.random() < 0.5:
            # Typing on: each word kept or grown by a letter, maybe one more; each column test
            # kept or narrowed (a longer text, fewer choices), maybe one more.
            old_words, old_tests, predicate = world.last_filter
            words = [word + rng.choice(("", "", "a", "p", "t")) for word in old_words]
            words += rng.sample(WORDS, rng.randrange(0, 2))
            tests = [narrowed(test, rng) for test in old_tests]
            tests += [world.key_test() for _ in range(rng.choice((0, 0, 0, 1)))]
        world.last_filter = (words, tests, predicate)
        assert (new.set_filter(predicate, words=words, key_tests=tests)
                == old.set_filter(predicate, words=words, key_tests=tests))
    elif action == "sort":
        column = rng.choice((None, 0, 1, 2, 3, 4))
        reverse = rng.random() < 0.5
        new.sort_by(column, reverse)
        old.sort_by(column, reverse)
    elif action == "cursor":
        index = rng.randrange(-2, max(new.visible_count, 1) + 2)
        assert new.place_cursor(index) == old.place_cursor(index)
    elif action == "mark":
        if rng.random() < 0.3:
            new.mark_all_visible()
            old.mark_all_visible()
        elif new.visible_count:
            index = rng.randrange(new.visible_count)
            new.toggle_mark(new.row_at(index))
            old.toggle_mark(old.row_at(index))
    elif action == "replace":
        rows = [row for _ in range(rng.randrange(0, 4)) for row in world.page()]
        keep = rng.random() < 0.7
        found = new.replace(rows, keep_key=keep)
        try:
            assert found == old.replace(rows, keep_key=keep)
        except TypeError:
            # The old store raised here (keys of mixed types under a sort, on replace only);
            # the new one sorts them the tolerant way, as it did on append. Nothing to compare.
            return "stop"
    elif action == "prepare":  # sort orders worked out ahead (the oracle has none)
        new.prepare_sorts(rng.choice((None, [rng.randrange(COLUMNS)])))
    else:
        key = f"id-{rng.randrange(0, 60)}"
        assert new.index_of_key(key) == old.index_of_key(key)
    return action


def new_store(kind: str, rng: random.Random) -> Any:
    """The columnar store, or the table's store moving from Python rows to columns when the
    list reaches 0, 30 or 120 rows (mid-trial: sort, filter, marks and cursor must survive)."""
    wait_for_engine()
    if kind == "columns":
        return ColumnStore(COLUMNS)
    return RowStore(COLUMNS, columns_from=rng.choice((0, 30, 120)))


@pytest.mark.parametrize("kind", ["columns", "moving"])
@pytest.mark.parametrize("seed", range(40))
def test_the_new_store_shows_what_the_old_store_showed(kind: str, seed: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if seed % 2:  # what long lists do: text sorts by tagged values, words tested in slices
        monkeypatch.setattr(store_module, "TAGGED_FROM", 0)
        monkeypatch.setattr(store_module, "SPLIT_FROM", 0)
        if seed % 4 == 1:  # and sorts prepared, runs kept, keys compared a slice at a time
            monkeypatch.setattr(store_module, "RUN_LIMIT", 7)
    world = World(random.Random(seed))
    new = new_store(kind, random.Random(-seed))
    old: Any = oracle_store.RowStore(COLUMNS)
    trail: list[str] = []
    for _ in range(40):
        trail.append(step(world, new, old))
        if trail[-1] == "stop":
            break
        assert state(new) == state(old), trail


@pytest.mark.parametrize("seed", range(8))
def test_a_dump_loads_back_to_the_same_rows_and_order(seed: int) -> None:
    world = World(random.Random(1000 + seed))
    store: RowStore[ItemRow] = RowStore(COLUMNS, columns_from=50)
    for _ in range(6):
        store.append(world.page())
    loaded = RowStore.load(store.dump(), ItemRow)
    assert loaded.columnar
    assert loaded.visible_rows == store.visible_rows
    restored: RowStore[ItemRow] = RowStore(COLUMNS)
    assert restored.restore(store.dump(), ItemRow) is False
    assert restored.visible_rows == store.visible_rows
    decoded: RowStore[ItemRow] = RowStore(COLUMNS)  # decoded on another thread, then shown
    decoded.restore(decode_dump(store.dump(), ItemRow)[0], ItemRow)
    assert decoded.visible_rows == store.visible_rows
    viewed: RowStore[ItemRow] = RowStore(COLUMNS)  # a view of the dump inside a larger payload
    viewed.restore(decode_dump(memoryview(b"header" + store.dump())[6:], ItemRow)[0], ItemRow)
    assert viewed.visible_rows == store.visible_rows
    for column in range(COLUMNS):
        for reverse in (False, True):
            store.sort_by(column, reverse)
            loaded.sort_by(column, reverse)
            assert [row.key for row in loaded.visible_rows] == \
                [row.key for row in store.visible_rows]


def test_a_dump_cut_short_or_of_another_table_is_refused_and_changes_nothing() -> None:
    world = World(random.Random(7))
    store: RowStore[ItemRow] = RowStore(COLUMNS)
    store.append([world.row() for _ in range(30)])
    data = store.dump()
    target: RowStore[ItemRow] = RowStore(COLUMNS)
    target.append([world.row() for _ in range(3)])
    before = target.visible_rows
    for broken in (data[: len(data) // 2], data[:20], b"", b"not a dump" * 10):
        with pytest.raises(ValueError):
            target.restore(broken, ItemRow)
    with pytest.raises(ValueError):
        RowStore(COLUMNS + 1).restore(data, ItemRow)
    assert target.visible_rows == before


def test_a_long_list_moves_to_columns_and_a_short_one_stays_rows() -> None:
    wait_for_engine()
    world = World(random.Random(8))
    short: RowStore[ItemRow] = RowStore(COLUMNS, columns_from=100)
    short.append([world.row() for _ in range(99)])
    assert not short.columnar
    short.sort_by(0, reverse=True)
    short.place_cursor(40)
    row = short.cursor_row
    assert row is not None
    short.toggle_mark(row)
    generation = short.generation
    short.append([world.row()])
    assert short.columnar and short.generation != generation
    assert short.cursor_row == row and [r.key for r in short.marked_rows] == [row.key]
