"""`table.columns`: the kinds of a page's columns, and values rebuilt exactly as they went in."""

from __future__ import annotations

from typing import Any

import pytest

from intune_tui.table import columns as col


@pytest.fixture(autouse=True)
def engine() -> None:
    col.wait_for_engine()


def added(values: list[Any], *, item: bool) -> tuple[str, list[Any]]:
    frame_columns: list[Any] = []
    objects: dict[str, list[Any]] = {}
    kinds: dict[str, str] = {}
    col._add_column(frame_columns, objects, kinds, "x", values, item=item)
    kind = kinds["x"]
    rebuilt = objects["x"] if kind == col.OBJECT else col.python_values(frame_columns[0], kind)
    return kind, rebuilt


@pytest.mark.parametrize("values", [
    ["2026-11-19T16:23:24Z", "not a time", None],
    ["2026-11-19T16:23:24Z", "2026-02-30T00:00:00Z"],  # no such day
    ["2026-11-19T16:23:24Z", "2026-12-31T23:59:60Z"],  # a leap second
    ["2026-11-19T16:23:24Z", "2026-11-19T16:23:24.5Z"],
    ["2026-11-19T16:23:24Z", ""],
])
def test_text_that_only_starts_like_graph_timestamps_stays_text(values: list[Any]) -> None:
    assert added(values, item=True) == (col.TEXT, values)


def test_graph_timestamps_and_guids_are_stored_narrow_and_come_back_as_the_same_text() -> None:
    stamps = ["2026-11-19T16:23:24Z", None, "2024-02-29T00:00:00Z"] * 3
    guids = ["4903f4ab-5f6e-4442-b369-de8e56747917", None] * 5
    assert added(stamps, item=True) == (col.STAMP, stamps)
    assert added(guids, item=True) == (col.GUID, guids)
    almost = [*guids[:-1], "4903F4AB-5F6E-4442-B369-DE8E56747917"]  # upper case: not the form
    assert added(almost, item=True) == (col.TEXT, almost)


def test_guids_with_blanks_are_stored_narrow_and_come_back_as_blanks_not_none() -> None:
    # Graph's userId of a userless device is "": a column of GUIDs and blanks is 16 bytes a row.
    user_ids = ["4903f4ab-5f6e-4442-b369-de8e56747917", ""] * 5
    assert added(user_ids, item=True) == (col.BLANK_GUID, user_ids)
    assert added(user_ids[:1] * 4, item=True) == (col.BLANK_GUID, user_ids[:1] * 4)
    both = [*user_ids, None]  # None and "" in one column: only text tells them apart
    assert added(both, item=True) == (col.TEXT, both)
    assert added(["", ""], item=True) == (col.TEXT, ["", ""])  # blanks alone: no GUID seen


def test_a_guid_column_meeting_none_or_other_text_becomes_text_with_every_value_kept() -> None:
    import polars as pl

    blanks = ["4903f4ab-5f6e-4442-b369-de8e56747917", ""]
    assert col.widen(col.BLANK_GUID, col.NONE, item=True) == col.TEXT
    assert col.widen(col.NONE, col.BLANK_GUID, item=True) == col.TEXT
    assert col.widen(col.BLANK_GUID, col.GUID, item=True) == col.TEXT
    column = col.series_of("x", col.BLANK_GUID, blanks)
    converted, objects = col.convert(column, None, col.BLANK_GUID, col.TEXT, 2)
    assert objects is None and converted is not None
    assert converted.dtype == pl.String and converted.to_list() == blanks
    with pytest.raises(ValueError):
        col.series_of("x", col.BLANK_GUID, [None, *blanks])


def test_versions_shared_by_rows_are_encoded_once_and_a_boolean_part_is_no_version() -> None:
    common, other = (18, 1), (10, 0, 22631)
    values = [common, other, None, common] * 4
    assert added(values, item=False) == (col.VERSION, values)
    tricky = [(1,), (True,)]  # equal tuples (and dict keys): Python still tells them apart
    kind, rebuilt = added(tricky, item=False)
    assert kind == col.OBJECT
    assert [type(value[0]) for value in rebuilt] == [int, bool]


def test_a_held_preload_imports_only_once_released(monkeypatch: pytest.MonkeyPatch) -> None:
    # Start-up holds the engine's import until the first rows are painted (ui/startup.py).
    monkeypatch.setattr(col, "_preloaded", None)  # a preload not started yet in this process
    col.hold_preload()
    try:
        col.preload_engine()
        ended = col._preloaded
        assert ended is not None
        ended.wait(0.3)  # polars is already imported here: an unheld preload ends at once
        assert not col.engine_ready()
    finally:
        col.release_preload()
    ended.wait(10)
    assert col.engine_ready()


def test_waiting_for_the_engine_releases_a_held_preload(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(col, "_preloaded", None)
    col.hold_preload()
    try:
        col.preload_engine()
        waiter = threading.Thread(target=col.wait_for_engine, daemon=True)
        waiter.start()
        waiter.join(10)
        assert not waiter.is_alive()
        assert col.engine_ready()
    finally:
        col.release_preload()


def test_a_bounded_wait_for_the_engine_neither_starts_nor_releases_its_import(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.setattr(col, "_preloaded", None)
    assert not col.engine_ready_within(0.05)  # none started: none started by the wait
    assert col._preloaded is None
    col.hold_preload()
    try:
        col.preload_engine()
        assert not col.engine_ready_within(0.1)  # held: still held after the wait
        ready: list[bool] = []
        waiter = threading.Thread(target=lambda: ready.append(col.engine_ready_within(10)),
                                  daemon=True)
        waiter.start()
    finally:
        col.release_preload()  # (the first rows painted)
    waiter.join(10)
    assert ready == [True]


GUIDS = ["4903f4ab-5f6e-4442-b369-de8e56747917", "00000000-0000-0000-0000-000000000000",
         "ffffffff-ffff-ffff-ffff-ffffffffffff", "c3c8756d-70ff-4078-892d-f05e7f2ea3cc"]


@pytest.mark.parametrize(("values", "kind"), [
    (GUIDS, col.GUID),
    ([*GUIDS, None], col.GUID),
    ([*GUIDS, ""], col.BLANK_GUID),
])
def test_guid_texts_become_the_numbers_a_row_by_row_encoding_makes(values: list[Any],
                                                                    kind: str) -> None:
    import polars as pl

    numbers = col.guid_numbers(pl.Series("x", values, dtype=pl.String), kind)
    assert numbers is not None
    assert numbers.to_list() == col.series_of("x", kind, values).to_list()
    assert col.python_values(numbers, kind) == values


@pytest.mark.parametrize(("values", "kind"), [
    ([*GUIDS, GUIDS[0].upper()], col.GUID),  # Intune's ids are lower case: text stays text
    ([*GUIDS, GUIDS[0].replace("-", "_")], col.GUID),
    ([*GUIDS, GUIDS[0][:-1] + "g"], col.GUID),
    ([*GUIDS, GUIDS[0] + " "], col.GUID),
    ([*GUIDS, GUIDS[0][:-1] + "\u00e9"], col.GUID),
    ([*GUIDS, ""], col.GUID),  # a blank where None would be
    ([*GUIDS, None], col.BLANK_GUID),
    ([None, None], col.GUID),
    (["", ""], col.BLANK_GUID),
])
def test_text_that_is_not_only_guids_is_not_made_numbers(values: list[Any], kind: str) -> None:
    import polars as pl

    assert col.guid_numbers(pl.Series("x", values, dtype=pl.String), kind) is None


def test_a_page_with_guid_ids_as_text_is_narrowed_and_builds_the_same_rows() -> None:
    import polars as pl

    from intune_tui.intune.resources import Row

    rows = [Row(key=guid, cells=(f"d{index}",), sort_keys=(f"d{index}",), search_text="d",
                marks=(None,), item={"id": guid, "userId": "" if index % 2 else GUIDS[index]})
            for index, guid in enumerate(GUIDS)]
    page = col.encode_page(rows, 1)
    as_text = col.ColumnPage(
        page.frame.with_columns(pl.Series(col.KEY, GUIDS), pl.Series("i:userId", [
            row.item["userId"] for row in rows])),
        page.objects, {**page.kinds, col.KEY: col.TEXT, "i:userId": col.TEXT}, page.marks,
        page.item_keys, page.row_type, page.has_item, page.length, page.exceptions, 1)
    narrowed = col.narrow_page(as_text)
    assert (narrowed.kinds[col.KEY], narrowed.kinds["i:userId"]) == (col.GUID, col.BLANK_GUID)
    assert narrowed.frame.schema[col.KEY] == pl.UInt128
    builder = col.RowBuilder(Row, True, 1, page.marks, page.item_keys)
    assert builder.build(narrowed.frame, narrowed.kinds, narrowed.objects, narrowed.exceptions,
                         range(len(rows))) == rows


def test_a_category_in_lower_case_is_the_text_in_lower_case_row_by_row() -> None:
    import polars as pl

    values = ["iOS", None, "IOS", "Windows", "ÅLAND", None, "iOS"]
    category = pl.Series("c0", values, dtype=pl.Categorical)
    lowered = col.derive(category, col.LOWER + "c0")
    assert lowered.dtype == pl.Categorical
    assert lowered.cast(pl.String).to_list() == (
        pl.Series(values, dtype=pl.String).str.to_lowercase().to_list())
    empty = pl.Series("c0", [None, None], dtype=pl.Categorical)
    assert col.derive(empty, col.LOWER + "c0").to_list() == [None, None]
