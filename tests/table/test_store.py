"""The row store on its own: no Textual, no screen; what a list would show, in which order."""

from __future__ import annotations

import random
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

from intune_tui.intune.search import ColumnTest
from intune_tui.table import store as store_module
from intune_tui.table.columns import wait_for_engine
from intune_tui.table.store import RowStore, insertion_positions, sort_order, splice


@pytest.fixture(autouse=True, params=["rows", "columns"])
def holding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs twice: on Python rows (short lists) and on columns (long lists)."""
    if request.param == "columns":
        wait_for_engine()
        monkeypatch.setattr(store_module, "COLUMNS_FROM", 0)  # columns from the first row
    return str(request.param)


@dataclass(slots=True)
class FakeRow:
    key: str
    cells: tuple[str, ...]
    sort_keys: tuple[Any, ...]
    search_text: str
    marks: tuple[str | None, ...]


def device(number: int, *, os: str = "Windows") -> FakeRow:
    compliance = "noncompliant" if number % 3 == 0 else "compliant"
    cells = (f"PC-{number:05d}", f"user{number}@contoso.com", os, compliance)
    return FakeRow(f"id-{number}", cells, (cells[0].lower(), cells[1], os.lower(), compliance),
                   " ".join(cells).lower(), (None, None, None, None))


def devices(start: int, stop: int, *, ios_every: int = 4) -> list[FakeRow]:
    return [device(n, os="iOS" if n % ios_every == 0 else "Windows") for n in range(start, stop)]


def raw(key: str, sort_key: Any) -> FakeRow:
    return FakeRow(key, (key,), (sort_key,), key, (None,))


def keys(store: RowStore[FakeRow]) -> list[str]:
    return [row.key for row in store.visible_rows]


@dataclass(frozen=True)
class KeyIn:
    column: int
    values: frozenset[str]

    def matches_keys(self, keys: list[Any]) -> list[bool]:
        return [key in self.values for key in keys]


def test_the_store_imports_without_textual() -> None:
    probe = ("import sys, intune_tui.table.store; "
             "print(sorted(name for name in sys.modules if name.startswith('textual')))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "[]"


def test_pages_append_in_arrival_order_and_the_first_one_puts_the_cursor_on_row_zero() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    assert store.cursor_row is None
    first = store.append(devices(0, 5))
    assert (first.first_changed, first.above_cursor) == (0, 0)
    assert store.cursor == 0 and store.cursor_row is not None
    assert store.cursor_row.key == "id-0"
    store.place_cursor(3)
    later = store.append(devices(5, 8))
    assert later.first_changed == 5 and later.above_cursor == 0
    assert store.rows_count == 8 and keys(store)[-1] == "id-7"
    assert store.cursor_row.key == "id-3"


def test_a_page_merged_under_a_sort_keeps_the_cursor_on_its_row() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.append([device(n) for n in range(0, 200, 2)])
    store.sort_by(0, reverse=True)
    store.place_cursor(3)
    assert store.cursor_row is not None and store.cursor_row.key == "id-192"
    appended = store.append([device(n) for n in range(1, 200, 2)])
    assert appended.above_cursor == 4  # 199, 197, 195, 193 sort in above 192
    assert appended.first_changed == 0
    assert store.cursor == 7 and store.cursor_row.key == "id-192"
    assert keys(store) == [f"id-{n}" for n in range(199, -1, -1)]


def test_filters_combine_words_key_tests_and_a_predicate_and_follow_new_pages() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 100))
    ios = KeyIn(2, frozenset({"ios"}))
    store.set_filter(words=["PC-000"], key_tests=[ios])
    assert store.filter_active
    assert keys(store) == [f"id-{n}" for n in range(0, 100, 4)]
    store.set_filter(lambda row: row.cells[3] == "noncompliant", key_tests=[ios])
    assert keys(store) == [f"id-{n}" for n in range(0, 100, 12)]
    store.append(devices(100, 130))
    assert keys(store)[-2:] == ["id-108", "id-120"]
    assert store.rows_count == 130
    store.set_filter()
    assert not store.filter_active and store.visible_count == 130


def test_a_key_test_on_a_missing_column_is_refused_before_anything_changes() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 10))
    with pytest.raises(IndexError):
        store.set_filter(words=["pc"], key_tests=[KeyIn(4, frozenset())])
    assert not store.filter_active and store.visible_count == 10
    with pytest.raises(IndexError):
        store.sort_by(9)


def test_the_cursor_stays_on_its_row_through_a_filter_or_goes_to_the_top() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 300))
    store.place_cursor(150)
    assert store.set_filter(lambda row: row.key.endswith("0")) is True
    assert store.cursor_row is not None and store.cursor_row.key == "id-150"
    assert store.cursor == 15
    assert store.set_filter(lambda row: row.key.endswith("7")) is False
    assert store.cursor == 0 and store.cursor_row.key == "id-7"
    store.set_filter(lambda row: False)
    assert store.cursor_row is None and store.visible_count == 0


def test_sorted_filtered_pages_arrive_in_place() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.sort_by(0, reverse=True)
    store.set_filter(words=["ios"])
    for start in range(0, 400, 100):
        store.append(devices(start, start + 100)[::-1])
    assert keys(store) == [f"id-{n}" for n in range(396, -1, -4)]
    assert store.cursor_row is not None and store.cursor_row.key == "id-96"
    store.set_filter()
    assert store.visible_count == 400 and keys(store)[0] == "id-399"


def test_missing_keys_sort_last_and_mixed_types_fall_back_without_losing_the_cursor() -> None:
    store: RowStore[FakeRow] = RowStore(1)
    store.append([raw("b", "b"), raw("none1", None), raw("a", "a"), raw("none2", None)])
    store.sort_by(0)
    assert keys(store) == ["a", "b", "none1", "none2"]
    store.sort_by(0, reverse=True)
    assert keys(store) == ["b", "a", "none1", "none2"]
    store.sort_by(None)
    assert keys(store) == ["b", "none1", "a", "none2"]

    numbers: RowStore[FakeRow] = RowStore(1)
    numbers.append([raw(str(n), n) for n in (5, 3, 9, 1)])
    numbers.sort_by(0)
    numbers.place_cursor(2)
    appended = numbers.append([raw("text", "text"), raw("0", 0)])
    assert appended.reordered
    assert keys(numbers) == ["0", "1", "3", "5", "9", "text"]
    assert numbers.cursor_row is not None and numbers.cursor_row.key == "5"


def test_marks_survive_a_filter_and_a_refresh_by_key_and_mark_all_toggles() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 100))
    store.place_cursor(40)
    row = store.cursor_row
    assert row is not None
    store.toggle_mark(row)
    assert store.is_marked(row) and store.marked_count == 1
    store.set_filter(words=["pc-0000"])  # hides id-40
    assert store.marked_rows == [row]
    store.set_filter()
    refreshed = devices(10, 120)
    store.place_cursor(40)
    assert store.replace(refreshed, keep_key=True) is True
    assert store.cursor_row == refreshed[30]  # rows are rebuilt from columns: equal
    assert store.marked_rows == [refreshed[30]]
    store.set_filter(words=["pc-0001"])
    store.mark_all_visible()
    assert store.marked_count == 11  # id-40, then id-10 .. id-19
    store.mark_all_visible()
    assert store.marked_rows == [refreshed[30]]
    store.clear_marks()
    assert store.marked_count == 0


def test_replace_without_keep_key_clears_marks_and_a_gone_row_leaves_the_cursor_near() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 100))
    store.place_cursor(60)
    generation = store.generation
    found = store.replace([row for row in devices(0, 100) if row.key != "id-60"], keep_key=True)
    assert found is False
    assert store.cursor_row is not None and store.cursor_row.key == "id-61"
    assert store.generation == generation + 1
    store.toggle_mark(store.cursor_row)
    store.replace(devices(0, 50))
    assert store.cursor == 0 and store.marked_count == 0
    store.toggle_mark(store.row_at(3))
    store.clear()
    assert store.rows_count == 0 and store.cursor_row is None and store.marked_count == 0


def test_a_store_needs_a_column() -> None:
    with pytest.raises(ValueError):
        RowStore(0)


def test_merging_sorted_pages_equals_sorting_everything() -> None:
    keys_ = [(n * 37) % 11 if n % 5 else None for n in range(60)]
    for reverse in (False, True):
        expected = [keys_[index] for index in sort_order(keys_, reverse)]
        assert expected[0] is not None and expected[-1] is None
        merged_keys: list[Any] = []
        merged_numbers: list[int] = []
        for start in range(0, 60, 7):
            page_keys = keys_[start : start + 7]
            order = sort_order(page_keys, reverse)
            sorted_keys = [page_keys[index] for index in order]
            positions = insertion_positions(merged_keys, sorted_keys, reverse)
            merged_keys = splice(merged_keys, sorted_keys, positions)
            merged_numbers = splice(merged_numbers, [start + index for index in order], positions)
        assert merged_keys == expected
        # Ties keep arrival order, exactly like one stable sort of everything.
        assert merged_numbers == sort_order(keys_, reverse)


@pytest.mark.parametrize("seed", range(5))
def test_pages_under_sort_and_filter_equal_one_sort_and_filter_of_everything(seed: int) -> None:
    chance = random.Random(seed)
    rows = [raw(f"r{n}", chance.choice([None, *range(20)])) for n in range(300)]
    reverse = bool(seed % 2)
    store: RowStore[FakeRow] = RowStore(1)
    store.sort_by(0, reverse=reverse)
    store.set_filter(lambda row: int(row.key[1:]) % 3 != 0)
    for start in range(0, 300, 37):
        store.append(rows[start : start + 37])
    shown = [row for row in rows if int(row.key[1:]) % 3 != 0]
    order = sort_order([row.sort_keys[0] for row in shown], reverse)
    assert keys(store) == [shown[index].key for index in order]


def test_a_dump_of_the_first_format_still_loads_and_a_foreign_magic_does_not() -> None:
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 30))
    data = store.dump()
    assert data.startswith(b"ITRS2\n")
    first_format = b"ITRS1\n" + data[6:]  # these rows hold no kind the first format lacked
    assert keys(RowStore.load(first_format, FakeRow)) == keys(store)
    with pytest.raises(ValueError):
        RowStore.load(b"ITRS9\n" + data[6:], FakeRow)


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_typing_on_finds_what_one_filter_of_everything_finds(
        parts: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # Long lists test the words in slices at once, and typing on tests only the rows that
    # passed: both from the first row here (an odd count: the last slice is shorter).
    monkeypatch.setattr(store_module, "SPLIT_FROM", 0)
    monkeypatch.setattr(store_module, "SPLIT_PARTS", parts)
    rows = devices(0, 301, ios_every=7)
    store: RowStore[FakeRow] = RowStore(4)
    store.append(rows)
    store.sort_by(0, reverse=True)
    for typed in ("p", "pc", "pc-0", "pc-002", "pc-0029", "ios", "pc-002 user2"):
        store.set_filter(words=typed.split())
        expected = sorted((row for row in rows
                           if all(word in row.search_text for word in typed.split())),
                          key=lambda row: row.sort_keys[0], reverse=True)
        assert keys(store) == [row.key for row in expected], typed


def test_typing_on_a_column_test_finds_what_one_filter_of_everything_finds() -> None:
    # `name:pc-000` typed key by key, then taken back; OS choices narrowed, then widened.
    rows = devices(0, 301, ios_every=7)
    store: RowStore[FakeRow] = RowStore(4)
    store.append(rows)
    steps = [("contains", 0, text) for text in ("p", "pc-0", "pc-002", "pc-0029", "pc-00", "c")]
    steps += [("in", 2, frozenset({"ios", "macos"})), ("in", 2, frozenset({"ios"})),
              ("in", 2, frozenset({"windows", "ios"}))]
    for op, column, operand in steps:
        test = ColumnTest(column, op, operand)
        store.set_filter(words=["user"], key_tests=[test])
        expected = [row.key for row in rows if test.matches(cast(Any, row))]
        assert keys(store) == expected, (op, operand)


def test_a_column_test_finds_what_python_finds_in_keys_unlike_their_cell() -> None:
    # "Straße" sorts and filters as "strasse" (Python's casefold), not as its lower case; the
    # Kelvin sign and "İ" lower-case into ASCII ("k", "i" and a dot), "LAPTOP" is upper case.
    names = ("Straße", "Strasse", "\u212aELVIN", "\u0130stanbul", "LAPTOP") + ("Other",) * 25
    rows = [FakeRow(f"id-{n}", (f"{names[n % 30]}-{n}",), (f"{names[n % 30]}-{n}".casefold(),),
                    f"{names[n % 30]}-{n}".lower(), (None,)) for n in range(300)]
    store: RowStore[FakeRow] = RowStore(1)
    store.append(rows)
    for typed in ("s", "st", "stra", "strass", "strasse-1", "straß", "k", "kel", "kelvin-2",
                  "i", "ist", "i\u0307s", "l", "lap", "laptop-4", "o", "ther"):
        test = ColumnTest(0, "contains", typed)
        store.set_filter(key_tests=[test])
        assert keys(store) == [row.key for row in rows if test.matches(cast(Any, row))], typed


def test_text_keys_sort_like_python_with_nul_non_ascii_prefixes_and_missing_keys(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "TAGGED_FROM", 0)  # the way long columns sort
    chance = random.Random(7)
    for alphabet in ("ab", "ab\x00", "aé€😀b", "aA \t"):
        keys_ = [None if chance.random() < 0.1 else
                 "".join(chance.choice(alphabet) for _ in range(chance.randrange(0, 9)))
                 for _ in range(200)]
        rows = [raw(f"r{n}", key) for n, key in enumerate(keys_)]
        for reverse in (False, True):
            store: RowStore[FakeRow] = RowStore(1)
            store.append(rows)
            store.sort_by(0, reverse=reverse)
            assert keys(store) == [f"r{n}" for n in sort_order(keys_, reverse)]
            # The other direction is derived from the first sort's order, not sorted again.
            store.sort_by(0, reverse=not reverse)
            assert keys(store) == [f"r{n}" for n in sort_order(keys_, not reverse)]


def test_pages_are_compacted_off_the_ui_thread_and_a_compaction_outdated_by_a_new_kind_is_dropped(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if holding != "columns":
        pytest.skip("Python rows have no chunks")
    monkeypatch.setattr(store_module, "COMPACT_PAGES", 2)
    store: RowStore[FakeRow] = RowStore(1)
    expected: list[str] = []

    def add(start: int, sort_key: Any = None) -> None:
        page = [raw(f"k{n}", f"s{n}" if sort_key is None else sort_key) for n in range(start,
                                                                                     start + 5)]
        store.append(page)
        expected.extend(row.key for row in page)

    for start in range(0, 50, 5):
        add(start)
        job = store._impl._compacting
        if job is not None:
            job[3].result()  # what the next page finds done
    frame = store._impl._frame
    assert frame is not None and frame.n_chunks() < 10  # ten pages, joined
    assert keys(store) == expected
    add(50)  # a compaction starts...
    job = store._impl._compacting
    assert job is not None
    job[3].result()
    add(55, sort_key=55)  # ...but this page turns the column's kind from text into objects
    add(60)
    assert keys(store) == expected
    assert [row.sort_keys[0] for row in store.visible_rows][-10:-5] == [55] * 5
    store.sort_by(0)  # mixed types: the tolerant order, numbers first
    assert keys(store)[:5] == [f"k{n}" for n in range(55, 60)]


def test_rows_come_back_the_same_from_compacted_pages(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A compaction copies the text columns' characters: blank, missing, long and non-ASCII
    texts are the same afterwards."""
    if holding != "columns":
        pytest.skip("Python rows have no chunks")
    monkeypatch.setattr(store_module, "COMPACT_PAGES", 2)
    store: RowStore[FakeRow] = RowStore(2)

    def row(number: int) -> FakeRow:
        name = ["", f"PC-{number}", f"Ünïcode-{number}-" + "x" * (number % 40), "\t"][number % 4]
        key = None if number % 5 == 0 else name.lower()
        return FakeRow(f"id-{number}", (name, f"user{number}"), (key, f"user{number}"),
                       name.lower(), (None, None))

    added: list[FakeRow] = []
    for start in range(0, 100, 10):
        page = [row(n) for n in range(start, start + 10)]
        store.append(page)
        added.extend(page)
        job = store._impl._compacting
        if job is not None:
            job[3].result()
    frame = store._impl._frame
    assert frame is not None and frame.n_chunks() < 10
    assert list(store.visible_rows) == added


def test_the_last_pages_of_a_load_are_compacted_when_the_sorts_are_prepared(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages since the last compaction (fewer than COMPACT_ROWS rows, the end of a load) are
    compacted by `prepare_sorts` (the worker's job once a list has loaded) and taken in at
    the next row read; the rows stay the same."""
    if holding != "columns":
        pytest.skip("Python rows have no chunks")
    store: RowStore[FakeRow] = RowStore(4)
    added = [devices(start, start + 7) for start in range(0, 21, 7)]
    for page in added:
        store.append(page)
    frame = store._impl._frame
    assert frame is not None and frame.n_chunks() == 3
    store.prepare_sorts()
    assert store.row_at(0).key == "id-0"
    frame = store._impl._frame
    assert frame is not None and frame.n_chunks() == 1
    assert list(store.visible_rows) == [row for page in added for row in page]
    store.sort_by(0, reverse=True)
    assert keys(store)[:2] == ["id-20", "id-19"]


def test_a_page_with_many_userless_devices_still_shares_the_user_column(holding: str) -> None:
    """A page whose user sort keys differ from the user cells more often than most (userless
    devices: cell "—", key None) comes with keys of its own; the store keeps deriving them from
    the cells (the differing rows as exceptions), not a second copy of every user."""
    if holding != "columns":
        pytest.skip("Python rows hold no columns")

    def row(number: int, userless: bool) -> FakeRow:
        user = "—" if userless else f"user{number}@contoso.com"
        return FakeRow(f"id-{number}", (f"PC-{number}", user),
                       (f"pc-{number}", None if userless else user), f"pc-{number}", (None, None))

    first = [row(n, n % 20 == 0) for n in range(100)]
    second = [row(n, n % 5 < 2) for n in range(100, 200)]  # 40 % userless
    store: RowStore[FakeRow] = RowStore(2)
    store.append(first)
    store.append(second)
    frame = store._impl._frame
    assert frame is not None and "k1" not in frame.columns
    assert list(store.visible_rows) == first + second
    store.sort_by(1)
    sorted_keys = [row.sort_keys[1] for row in store.visible_rows]
    present = sorted(key for key in sorted_keys if key is not None)
    assert sorted_keys == present + [None] * (len(sorted_keys) - len(present))


@dataclass(slots=True)
class GraphRow:
    key: str
    cells: tuple[str, ...]
    sort_keys: tuple[Any, ...]
    search_text: str
    marks: tuple[str | None, ...]
    item: dict[str, Any]


def test_user_ids_with_blanks_come_back_from_a_dump_as_they_went_in(holding: str) -> None:
    if holding != "columns":
        pytest.skip("Python rows are dumped through columns too: once is enough")

    def row(number: int) -> GraphRow:
        user_id = "" if number % 4 == 0 else f"{number:08x}-5f6e-4442-b369-de8e56747917"
        return GraphRow(f"id-{number}", (f"PC-{number}",), (f"pc-{number}",), f"pc-{number}",
                        (None,), {"id": f"id-{number}", "userId": user_id})

    rows = [row(number) for number in range(40)]
    store: RowStore[GraphRow] = RowStore(1)
    store.append(rows[:20])
    store.append(rows[20:])
    assert list(store.visible_rows) == rows
    data = store.dump()
    assert data.startswith(b"ITRS3\n")  # a reader of the second format refuses it
    assert list(RowStore.load(data, GraphRow).visible_rows) == rows


def test_item_categories_and_mark_patterns_outgrow_their_narrow_codes_without_a_change(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An item property of few values is held with 1-byte codes of its own, mark patterns
    and cell counts as 1-byte numbers; pages bringing more values than those hold (300
    manufacturers, 300 mark patterns) widen them, and every row stays what went in, in the
    store and through a dump, which holds them as a page does."""
    if holding != "columns":
        pytest.skip("Python rows hold no codes")
    import uuid

    import polars as pl

    # A property of its own: the engine's mappings are the process's (another test, or this
    # one again, would find them filled).
    prop = f"maker-{uuid.uuid4().hex[:8]}"

    def row(number: int, kinds: int) -> GraphRow:
        maker = f"Maker {number % kinds}"
        marks = tuple("bad" if number % kinds >> bit & 1 else None for bit in range(9))
        return GraphRow(f"id-{number}", (f"PC-{number}",) + ("x",) * 8, (f"pc-{number}",),
                        f"pc-{number}", marks,
                        {"id": f"id-{number}", prop: maker, "os": "Windows"})

    store: RowStore[GraphRow] = RowStore(1)
    rows = [row(number, 3) for number in range(40)]
    store.append(rows)
    frame = store._impl._frame
    assert frame is not None
    assert frame.schema[f"i:{prop}"].categories.physical() == pl.UInt8
    assert frame.schema["marks#"] == pl.UInt8 and frame.schema["cells#"] == pl.UInt8
    more = [row(number, 300) for number in range(40, 6040)]  # pages of categories too
    store.append(more[:3000])
    store.append(more[3000:])
    rows += more
    frame = store._impl._frame
    assert frame is not None
    assert frame.schema[f"i:{prop}"].categories.physical() == pl.UInt16
    assert frame.schema["marks#"] == pl.UInt16
    assert list(store.visible_rows) == rows
    data = store.dump()
    assert list(RowStore.load(data, GraphRow).visible_rows) == rows
    with monkeypatch.context() as patched:  # what the dump holds, as an older reader sees it
        patched.setattr(store_module.col, "narrow_categories", lambda page: page)
        page, _ = store_module.decode_dump(data, GraphRow)
    assert page.frame.schema[f"i:{prop}"] == pl.Categorical()
    assert page.frame.schema["marks#"] == pl.UInt32


def test_a_loaded_list_s_text_item_property_of_few_values_becomes_categories(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A property with a value for most rows of each page but few over the whole list (user
    display names: a few thousand people on a million devices) comes in pages as text; once
    the list has loaded it is held as categories. The rows, a search, a filter on the
    property, a dump and a page appended after it are what they were."""
    if holding != "columns":
        pytest.skip("Python rows hold no columns")
    import uuid

    import polars as pl

    from intune_tui.table import columns as col

    monkeypatch.setattr(store_module, "CATEGORIZE_FROM", 200)
    prop = f"owner-{uuid.uuid4().hex[:8]}"  # values of its own: mappings are the process's
    name = f"i:{prop}"

    def row(number: int) -> GraphRow:
        owner = None if number % 17 == 0 else f"Owner {number * 7 % 30}"
        return GraphRow(f"id-{number}", (f"PC-{number}",), (f"pc-{number}",),
                        f"pc-{number} {str(owner).lower()}", (None,),
                        {"id": f"id-{number}", prop: owner})

    rows = [row(number) for number in range(300)]
    store: RowStore[GraphRow] = RowStore(1)
    for start in range(0, 300, 50):  # 30 owners, 26-27 in each page of 50: text
        store.append(rows[start:start + 50])
    impl = store._impl
    assert isinstance(impl, store_module.ColumnStore) and impl._frame is not None
    assert impl._kinds[name] == col.TEXT
    store.prepare_sorts()
    assert store.row_at(0) == rows[0]  # the first row drawn takes the categories in
    assert impl._kinds[name] == col.CATEGORY
    assert list(store.visible_rows) == rows
    assert isinstance(impl._frame.schema[name], pl.Categorical)
    store.set_filter(lambda row: row.item[prop] == "Owner 7", words=["owner"])
    assert keys(store) == [row.key for row in rows if row.item[prop] == "Owner 7"]
    store.set_filter()
    assert list(RowStore.load(store.dump(), GraphRow).visible_rows) == rows
    later = [row(number) for number in range(300, 350)]
    store.append(later)
    assert list(store.visible_rows) == rows + later


def test_categories_made_after_a_load_are_dropped_when_the_rows_changed_meanwhile(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if holding != "columns":
        pytest.skip("Python rows hold no columns")
    from intune_tui.table import columns as col

    monkeypatch.setattr(store_module, "CATEGORIZE_FROM", 100)
    rows = [GraphRow(f"id-{n}", (f"PC-{n}",), (f"pc-{n}",), f"pc-{n}", (None,),
                     {"id": f"id-{n}", "where": f"Site {n % 12}"}) for n in range(160)]
    store: RowStore[GraphRow] = RowStore(1)
    store.append(rows[:40])
    store.append(rows[40:80])
    store.append(rows[80:120])
    impl = store._impl
    assert isinstance(impl, store_module.ColumnStore)
    impl.categorize_loaded()  # the worker, then a page before the UI thread takes them in
    assert impl._categorized is not None
    store.append(rows[120:])
    assert list(store.visible_rows) == rows
    assert impl._kinds["i:where"] == col.TEXT


def test_a_sorted_and_filtered_category_column_outgrowing_its_codes_keeps_its_order(
        holding: str) -> None:
    """Sorted by a column of categories (held with 1-byte codes of its own) and filtered on
    it, pages bringing more values than those codes hold merge in where Python's order puts
    them, and the filter still finds its rows."""
    import uuid

    maker = f"Maker-{uuid.uuid4().hex[:6]}-"  # values of its own: mappings are the process's

    def row(number: int, kinds: int) -> FakeRow:
        value = f"{maker}{(number * 7) % kinds:03d}"
        return FakeRow(f"id-{number}", (f"PC-{number}", value), (f"pc-{number}", value),
                       f"pc-{number}", (None, None))

    store: RowStore[FakeRow] = RowStore(2)
    rows = [row(number, 3) for number in range(60)]
    store.append(rows)
    store.sort_by(1)
    wanted = frozenset({f"{maker}001", f"{maker}299"})
    for start, stop in ((60, 3060), (3060, 6060)):
        page = [row(number, 300) for number in range(start, stop)]
        store.append(page)
        rows += page
        expected = [rows[index].key for index in sort_order([r.sort_keys[1] for r in rows],
                                                            False)]
        assert keys(store) == expected
    store.set_filter(key_tests=[KeyIn(1, wanted)])
    assert keys(store) == [key for key in expected
                           if rows[int(key[3:])].sort_keys[1] in wanted]


def test_a_store_keeps_the_rows_where_a_derived_column_differs_as_a_dict_would() -> None:
    """`RowValues` (the store's exceptions, in arrays) reads as the dict it replaced, page by
    page and when a page brings rows it holds already."""
    held = store_module.RowValues()
    expected: dict[int, Any] = {}
    for first, page in ((0, {3: None, 1: ""}), (10, {0: "x", 5: None}), (4, {0: "y", 7: "z"})):
        held.add(first, page)
        expected.update({first + index: value for index, value in page.items()})
    assert dict(held) == expected and dict(held.items()) == expected
    assert list(held) == sorted(expected) and list(held.values()) == [
        expected[index] for index in sorted(expected)]
    assert len(held) == 6 and 4 in held and 5 not in held and "4" not in held
    assert held.get(4) == "y" and held.get(10) == "x" and held.get(2, "-") == "-"
    with pytest.raises(KeyError):
        held[2]


def test_a_long_dump_keeps_its_guid_columns_apart_and_loads_back_the_same_rows(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long list's dump holds its GUID columns (numbers or text) uncompressed, apart from
    the others (quicker to read back); the rows, their order and a refusal of a dump cut
    short are as with one part."""
    if holding != "columns":
        pytest.skip("Python rows are dumped through columns too: once is enough")
    monkeypatch.setattr(store_module, "DUMP_PARTS_FROM", 10)

    def row(number: int) -> GraphRow:
        key = f"{number:08x}-5f6e-4442-b369-de8e56747917"
        device_id = "" if number % 5 == 0 else f"{number * 7:08x}-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
        return GraphRow(key, (f"PC-{number}", device_id), (f"pc-{number}", device_id),
                        f"pc-{number} {device_id}", (None, None),
                        {"id": key, "azureADDeviceId": device_id, "model": f"M{number % 3}"})

    rows = [row(number) for number in range(40)]
    store: RowStore[GraphRow] = RowStore(2)
    store.append(rows[:20])
    store.append(rows[20:])
    data = store.dump()
    assert data.startswith(b"ITRS4\n")
    loaded = RowStore.load(data, GraphRow)
    assert list(loaded.visible_rows) == rows
    for column in (0, 1):
        store.sort_by(column, reverse=True)
        loaded.sort_by(column, reverse=True)
        assert list(loaded.visible_rows) == list(store.visible_rows)
    loaded.set_filter(words=["1a2b"])
    assert len(loaded.visible_rows) == sum(1 for r in rows if r.cells[1])
    assert rows[3].cells[1].encode() in data  # the GUID texts as they are: not compressed
    for broken in (data[:-3], data[: len(data) // 2], data[:-40] + data[-3:]):
        with pytest.raises(ValueError):
            RowStore.load(broken, GraphRow)
    monkeypatch.setattr(store_module, "DUMP_PARTS_FROM", 1_000)  # a short list: one part
    assert store.dump().startswith(b"ITRS3\n")


def parts_of(dump: bytes) -> list[list[str]]:
    """The columns of each Arrow IPC file in a dump of the parts layout (ITRS4)."""
    import io
    import json

    import polars as pl

    (head,) = struct.unpack_from(">Q", dump, 6)
    start = 6 + 8 + head
    (size,) = struct.unpack_from(">Q", dump, len(dump) - 8)
    table = json.loads(dump[len(dump) - 8 - size:len(dump) - 8])
    columns = []
    for end in table["parts"]:
        columns.append(pl.read_ipc(io.BytesIO(dump[start:end])).columns)
        start = end
    return columns


def test_a_long_dump_compresses_each_column_apart_and_reads_the_older_layout_too(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot's writer thread compresses one column at a time (a keystroke's filter
    waits for one column's compression, not the whole list's); a snapshot written before
    that, its compressed columns in one part, still loads back the same rows."""
    import json

    if holding != "columns":
        pytest.skip("Python rows are dumped through columns too: once is enough")
    monkeypatch.setattr(store_module, "DUMP_PARTS_FROM", 10)
    rows = [GraphRow(f"{n:08x}-5f6e-4442-b369-de8e56747917", (f"PC-{n}", f"user{n % 7}"),
                     (f"pc-{n}", f"user{n % 7}"), f"pc-{n} user{n % 7}", (None, None),
                     {"id": str(n)}) for n in range(30)]
    store: RowStore[GraphRow] = RowStore(2)
    store.append(rows)
    data = store.dump()
    assert [len(part) for part in parts_of(data)[:-1]] == [1] * (len(parts_of(data)) - 1)

    def in_one_part(out: Any, frame: Any, raw: list[str]) -> None:
        parts = []
        rest = [name for name in frame.columns if name not in raw]
        for names, compression in ((rest, "zstd"), (raw, "uncompressed")):
            store_module._write_ipc(out, store_module._as_written(frame.select(names)),
                                    compression)
            parts.append(out.written)
        table = json.dumps({"parts": parts, "columns": frame.columns}).encode()
        out.write(table + store_module._PART_TABLE.pack(len(table)))

    monkeypatch.setattr(store_module, "_write_parts", in_one_part)
    older = store.dump()
    assert older.startswith(b"ITRS4\n") and len(parts_of(older)) == 2
    assert list(RowStore.load(older, GraphRow).visible_rows) == rows
    assert list(RowStore.load(data, GraphRow).visible_rows) == rows


class WriteOnly:
    """A stream that can only be written to (no `tell`, no `seek`), as a pipe or a sealing
    stream is, recording what was written."""

    def __init__(self, before: bytes) -> None:
        self.chunks = [before]

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)


@pytest.mark.parametrize("parts_from", [10, 1_000], ids=["in parts", "in one file"])
def test_a_dump_written_to_a_stream_after_other_bytes_is_the_dump_and_loads_back(
        holding: str, monkeypatch: pytest.MonkeyPatch, parts_from: int) -> None:
    """A snapshot's rows are written to its file as they are made, after the snapshot's own
    head: the bytes are `dump()`'s, and a long list's parts are found from the dump's start."""
    monkeypatch.setattr(store_module, "DUMP_PARTS_FROM", parts_from)
    rows = [GraphRow(f"{n:08x}-5f6e-4442-b369-de8e56747917", (f"PC-{n}", f"user{n % 7}"),
                     (f"pc-{n}", f"user{n % 7}"), f"pc-{n} user{n % 7}", (None, "warn"),
                     {"id": str(n)}) for n in range(40)]
    store: RowStore[GraphRow] = RowStore(2)
    store.append(rows[:25])
    store.append(rows[25:])  # the frame in more than one chunk
    stream = WriteOnly(b"the snapshot's head")
    store.dump_into(stream)
    written = b"".join(stream.chunks)
    assert written == b"the snapshot's head" + store.dump()
    assert written.count(b"ITRS4\n") == (parts_from == 10)
    loaded = RowStore.load(written[len(b"the snapshot's head"):], GraphRow)
    assert list(loaded.visible_rows) == rows


def test_guid_keys_find_mark_refresh_and_dump_like_text_keys_and_a_non_guid_key_joins_them(
        holding: str) -> None:
    """Intune's ids are held as 16-byte numbers while every key is a lower-case GUID; what a
    user sees (rows, search by key, marks through a refresh, a dump) is the same."""
    if holding != "columns":
        pytest.skip("Python rows hold keys as they are")

    def row(number: int, key: str | None = None) -> GraphRow:
        key = key or f"{number:08x}-5f6e-4442-b369-de8e56747917"
        return GraphRow(key, (f"PC-{number}",), (f"pc-{number}",), f"pc-{number}", (None,),
                        {"id": key, "deviceName": f"PC-{number}"})

    rows = [row(number) for number in range(30)]
    store: RowStore[GraphRow] = RowStore(1)
    store.append(rows[:10])
    store.append(rows[10:])
    assert list(store.visible_rows) == rows
    assert store.index_of_key(rows[12].key) == 12
    assert store.index_of_key(rows[12].key.upper()) == -1  # another text: no row
    store.toggle_mark(store.row_at(3))
    store.toggle_mark(store.row_at(25))
    store.place_cursor(7)
    assert store.replace(list(reversed(rows)), keep_key=True)
    assert store.cursor_row == rows[7]
    assert [row.key for row in store.marked_rows] == [rows[3].key, rows[25].key]
    data = store.dump()
    assert data.startswith(b"ITRS3\n")
    assert list(RowStore.load(data, GraphRow).visible_rows) == list(reversed(rows))
    odd = row(99, key="devices#7f")  # an item without an id gets a key of another form
    store.append([odd])
    assert list(store.visible_rows) == [*reversed(rows), odd]
    assert store.index_of_key("devices#7f") == 30 and store.index_of_key(rows[0].key) == 29
    assert [row.key for row in store.marked_rows] == [rows[3].key, rows[25].key]
    store.mark_all_visible()
    assert store.marked_count == 31


def test_a_page_bringing_guid_keys_as_text_keeps_the_store_holding_them_as_numbers(
        holding: str) -> None:
    """A page built elsewhere (Graph's answers: keys and userId as text) appended to a store
    that holds them as 16-byte numbers is narrowed to them, not the store's columns widened
    back to text; the rows are the same."""
    if holding != "columns":
        pytest.skip("Python rows hold keys as they are")
    import polars as pl

    from intune_tui.table import columns as col

    def row(number: int) -> GraphRow:
        key = f"{number:08x}-5f6e-4442-b369-de8e56747917"
        return GraphRow(key, (f"PC-{number}",), (f"pc-{number}",), f"pc-{number}", (None,),
                        {"id": key, "userId": "" if number % 3 else key})

    rows = [row(number) for number in range(30)]
    store: RowStore[GraphRow] = RowStore(1)
    store.append(rows[:10])
    page = col.encode_page(rows[10:], 1)
    assert (page.kinds[col.KEY], page.kinds["i:userId"]) == (col.GUID, col.BLANK_GUID)
    as_text = col.ColumnPage(
        page.frame.with_columns(pl.Series(col.KEY, [row.key for row in rows[10:]]),
                                pl.Series("i:userId", [row.item["userId"] for row in rows[10:]])),
        page.objects, {**page.kinds, col.KEY: col.TEXT, "i:userId": col.TEXT}, page.marks,
        page.item_keys, page.row_type, page.has_item, page.length, page.exceptions, 1)
    store.append([], columns=as_text)
    impl = store._impl
    assert isinstance(impl, store_module.ColumnStore) and impl._frame is not None
    assert (impl._kinds[col.KEY], impl._kinds["i:userId"]) == (col.GUID, col.BLANK_GUID)
    assert impl._frame.schema[col.KEY] == pl.UInt128
    assert list(store.visible_rows) == rows
    assert store.index_of_key(rows[20].key) == 20


def test_a_key_column_that_stops_matching_its_cells_mid_load_keeps_every_rows_key(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sort keys stored as "the cell's text but for a few rows" get values of their own when a
    page differs too often; every row keeps its key, without the column going through Python
    values (at a million rows that held the UI thread ~0.7 s); a page's own column may be."""
    converted: list[str] = []  # store-long columns turned into Python values while appending
    appending = False
    python_values = store_module.col.python_values

    def recorded(column: Any, kind: str) -> list[Any]:
        if appending and len(column) > 10:  # longer than a page: the store's column
            converted.append(column.name)
        return python_values(column, kind)

    monkeypatch.setattr(store_module.col, "python_values", recorded)
    store: RowStore[FakeRow] = RowStore(4)
    appended: list[FakeRow] = []
    for start in range(0, 60, 10):
        page = devices(start, start + 10)
        page[3].sort_keys = (*page[3].sort_keys[:1], None, *page[3].sort_keys[2:])
        if start == 40:  # keys of their own from here on: upper case, one user shared
            for row in page:
                row.sort_keys = (row.sort_keys[0], "USER@CONTOSO.COM" if int(row.key[3:]) < 45
                                 else row.cells[1].upper(), *row.sort_keys[2:])
        appending = True
        store.append(page)
        appending = False
        appended.extend(page)
    assert store.visible_rows == tuple(appended)
    store.sort_by(1)
    assert keys(store) == [appended[n].key for n in sort_order(
        [row.sort_keys[1] for row in appended], False)]
    store.set_filter(key_tests=[KeyIn(1, frozenset({"USER@CONTOSO.COM", "user7@contoso.com"}))])
    assert keys(store) == [f"id-{n}" for n in (*range(40, 45), 7)]  # by key: upper case first
    assert converted == []


def sort_in_small_buckets(monkeypatch: pytest.MonkeyPatch, *, buckets: int, sample: int,
                          run_limit: int) -> None:
    """A few hundred text keys prepared as a long list's are (a sample sort), in buckets and
    slices small enough for a test's keys to fill many of them."""
    monkeypatch.setattr(store_module, "TAGGED_FROM", 2)
    monkeypatch.setattr(store_module, "BUCKETS", buckets)
    monkeypatch.setattr(store_module, "BUCKET_SAMPLE", sample)
    monkeypatch.setattr(store_module, "RUN_LIMIT", run_limit)


@pytest.mark.parametrize("alphabet", ["ab", "ab\x00", "aé€😀b", "aA \t", "x"])
def test_prepared_text_orders_sort_like_python_in_buckets(
        holding: str, alphabet: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A long list's text sort orders are prepared a bucket of keys at a time (a sample
    sort, for the memory): the order of each direction is Python's stable sort of the keys,
    with missing keys last, equal keys in arrival order, a key before the longer ones it
    starts, NUL and characters beyond ASCII in code point order, whether the keys spread
    over every bucket or are all in one (one key repeated)."""
    if holding != "columns":
        pytest.skip("Python rows prepare no sorts")
    sort_in_small_buckets(monkeypatch, buckets=5, sample=4, run_limit=16)
    chance = random.Random(len(alphabet))
    keys_ = [None if chance.random() < 0.1 else
             "".join(chance.choice(alphabet) for _ in range(chance.randrange(0, 7)))
             for _ in range(300)]
    if alphabet == "x":  # most keys one and the same, the rest all different: not categories
        keys_ = ["x" if n % 3 else f"x{n}" for n in range(300)]
    rows = [raw(f"r{n}", key) for n, key in enumerate(keys_)]
    store: RowStore[FakeRow] = RowStore(1)
    store.append(rows)
    assert store.prepare_sorts() == 1
    sorted_on_the_spot: list[bool] = []
    monkeypatch.setattr(store_module, "_stable_order",
                        lambda *_, **__: sorted_on_the_spot.append(True))
    for reverse in (False, True, False):
        store.sort_by(0, reverse=reverse)
        assert keys(store) == [f"r{n}" for n in sort_order(keys_, reverse)]
    assert not sorted_on_the_spot  # the prepared order, both ways


def test_prepared_orders_of_keys_derived_from_their_cells_keep_the_rows_own_keys(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text sort key that is its cell in lower case is derived from the cell (no column of
    its own), and a prepared order works the keys out a bucket at a time: the rows whose
    key is not their cell's lower case (another text, or none) still sort by their own."""
    if holding != "columns":
        pytest.skip("Python rows hold their keys")
    from intune_tui.table import columns as col

    sort_in_small_buckets(monkeypatch, buckets=6, sample=5, run_limit=32)
    chance = random.Random(11)
    cells = ["".join(chance.choice("aBcD") for _ in range(chance.randrange(1, 6)))
             for _ in range(400)]
    own = {n: (None if n % 2 else f"{cell}!") for n, cell in enumerate(cells) if n % 13 == 5}
    sort_keys = [own[n] if n in own else cell.lower() for n, cell in enumerate(cells)]
    rows = [FakeRow(f"r{n}", (cell,), (key,), cell, (None,))
            for n, (cell, key) in enumerate(zip(cells, sort_keys, strict=True))]
    store: RowStore[FakeRow] = RowStore(1)
    for start in range(0, 400, 100):
        store.append(rows[start:start + 100])
    impl = store._impl
    assert isinstance(impl, store_module.ColumnStore)
    assert impl._kinds[col.sort_name(0)] == col.LOWER + col.cell_name(0)
    assert len(impl._exceptions[col.sort_name(0)]) == len(own)
    assert store.prepare_sorts() == 1
    for reverse in (True, False):
        store.sort_by(0, reverse=reverse)
        assert keys(store) == [f"r{n}" for n in sort_order(sort_keys, reverse)]


def test_prepared_sorts_pause_before_each_column_and_stop_when_rows_arrive_meanwhile(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if holding != "columns":
        pytest.skip("Python rows prepare no sorts")
    monkeypatch.setattr(store_module, "TAGGED_FROM", 2)  # text sorts as a long list's
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 40))
    paused: list[int] = []
    assert store.prepare_sorts(pause=lambda: paused.append(store.rows_count)) == 2
    assert paused == [40, 40]  # name and user: text keys (OS and compliance: categories)
    store.sort_by(None)
    store.append(devices(40, 50))
    store.sort_by(1)  # worked out on the spot: not sorted again
    store.sort_by(None)
    assert store.prepare_sorts(pause=lambda: None) == 1

    def a_page_arrives() -> None:
        paused.append(store.rows_count)
        if store.rows_count == 50:
            store.append(devices(50, 60))

    paused.clear()
    assert store.prepare_sorts(pause=a_page_arrives) == 0
    assert paused == [50]
    store.sort_by(0, reverse=True)
    assert keys(store) == [f"id-{n}" for n in range(59, -1, -1)]


def test_prepared_sorts_leave_the_row_engine_s_threads_free_for_a_keystroke(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sort orders are prepared on a worker while the user may type, and a keystroke's filter
    needs the row engine's thread pool at once: the worker sorts on its own thread only and
    works out its keys a slice at a time, never a whole column in the pool (typing right after
    a million rows loaded took up to ~1 s a keystroke: bench_store.py). The orders are the
    ones a sort works out on the spot."""
    import polars as pl

    if holding != "columns":
        pytest.skip("Python rows prepare no sorts")
    monkeypatch.setattr(store_module, "TAGGED_FROM", 2)  # text sorts as a long list's
    monkeypatch.setattr(store_module, "RUN_LIMIT", 8)
    monkeypatch.setattr(store_module, "BUCKETS", 2)  # keys sampled: 2 x 4
    monkeypatch.setattr(store_module, "BUCKET_SAMPLE", 4)
    on_the_spot: RowStore[FakeRow] = RowStore(4)
    on_the_spot.append(devices(0, 40))
    store: RowStore[FakeRow] = RowStore(4)
    store.append(devices(0, 40))
    sorts: list[bool] = []
    derived: list[int] = []
    sort, derive, arg_sort_by = pl.Series.sort, store_module.col.derive, pl.arg_sort_by

    def recorded_sort(series: pl.Series, *args: Any, **kwargs: Any) -> pl.Series:
        sorts.append(kwargs.get("multithreaded", True))
        return sort(series, *args, **kwargs)

    def recorded_arg_sort_by(*args: Any, **kwargs: Any) -> pl.Expr:
        sorts.append(kwargs.get("multithreaded", True))
        return arg_sort_by(*args, **kwargs)

    def recorded_derive(series: pl.Series, kind: str) -> pl.Series:
        derived.append(len(series))
        return derive(series, kind)

    monkeypatch.setattr(pl.Series, "sort", recorded_sort)
    monkeypatch.setattr(pl, "arg_sort_by", recorded_arg_sort_by)
    monkeypatch.setattr(store_module.col, "derive", recorded_derive)
    assert store.prepare_sorts(pause=lambda: None) == 2  # name and user
    assert sorts and not any(sorts)
    assert derived and max(derived) <= 8
    monkeypatch.undo()
    for column in (0, 1):
        for reverse in (False, True):
            store.sort_by(column, reverse=reverse)
            on_the_spot.sort_by(column, reverse=reverse)
            assert keys(store) == keys(on_the_spot)


def test_category_sort_keys_that_are_their_cell_in_lower_case_are_not_held_twice(
        holding: str) -> None:
    """An OS or compliance column's sort key is its cell in lower case: the store derives it
    from the cell (no column of its own); sorting, a key test, a page whose keys differ and a
    dump all see the keys the rows came with."""
    if holding != "columns":
        pytest.skip("Python rows hold their keys")
    from intune_tui.table import columns as col

    states = ["Compliant", "Noncompliant", "In grace period", "Unknown"]

    def row(number: int, key: str | None = None) -> FakeRow:
        state = states[number * 7 % 4]
        return FakeRow(f"d{number:03d}", (state,), (key or state.lower(),), f"d{number}",
                       (None,))

    rows = [row(number) for number in range(80)]  # pages of 40: the cells are categories
    store: RowStore[FakeRow] = RowStore(1)
    store.append(rows[:40])
    store.append(rows[40:])
    impl = store._impl
    assert isinstance(impl, store_module.ColumnStore) and impl._frame is not None
    assert impl._kinds[col.sort_name(0)] == col.LOWER + col.cell_name(0)
    assert col.sort_name(0) not in impl._frame.columns
    for reverse in (False, True):
        store.sort_by(0, reverse)
        expected = [rows[index] for index in sort_order([r.sort_keys[0] for r in rows],
                                                        reverse)]
        assert list(store.visible_rows) == expected
    store.sort_by(0)
    odd = [row(80, key="zzz"), row(81, key="aaa"), row(82)]  # keys of their own
    store.append(odd)
    everything = [*rows, *odd]
    assert list(store.visible_rows) == [
        everything[index] for index in sort_order([r.sort_keys[0] for r in everything], False)]
    store.set_filter(key_tests=[KeyIn(0, frozenset({"noncompliant", "aaa"}))])
    assert {row.key for row in store.visible_rows} == {
        r.key for r in everything if r.sort_keys[0] in ("noncompliant", "aaa")}
    store.set_filter()
    store.sort_by(None)
    assert list(RowStore.load(store.dump(), FakeRow).visible_rows) == everything
