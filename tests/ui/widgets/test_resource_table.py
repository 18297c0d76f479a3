from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.message import Message

from intune_tui.table import store as store_module
from intune_tui.table.columns import wait_for_engine
from intune_tui.table.quiet import QUIET_SECONDS, Quiet
from intune_tui.table.store import RowStore
from intune_tui.ui.widgets import resource_table as resource_table_module
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn, fit_to_cells


@pytest.fixture(autouse=True, params=["rows", "columns"])
def holding(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs twice: the table's rows as Python rows (a short list) and as columns (a
    long list, issue 21)."""
    if request.param == "columns":
        wait_for_engine()
        monkeypatch.setattr(store_module, "COLUMNS_FROM", 0)  # columns from the first row
    return str(request.param)

SCREEN = (80, 24)
PAGE = SCREEN[1] - 1  # the table fills the screen; one line is the header


@dataclass(slots=True)
class FakeRow:
    key: str
    cells: tuple[str, ...]
    sort_keys: tuple[Any, ...]
    search_text: str
    marks: tuple[str | None, ...]
    item: dict[str, Any] = field(default_factory=dict)


COLUMNS = [
    TableColumn("name", "Device name", 16, min_width=10, flex=True),
    TableColumn("user", "User", 22, min_width=8, flex=True),
    TableColumn("os", "OS", 8),
    TableColumn("compliance", "Compliance", 13),
]


def device(number: int, *, os: str = "Windows", user: str | None = None) -> FakeRow:
    compliance = "noncompliant" if number % 3 == 0 else "compliant"
    cells = (f"PC-{number:05d}", user or f"user{number}@contoso.com", os, compliance)
    return FakeRow(
        key=f"id-{number}",
        cells=cells,
        sort_keys=(cells[0].lower(), cells[1].lower(), os.lower(), compliance),
        search_text=" ".join(cells).lower(),
        marks=(None, None, None, "bad" if compliance == "noncompliant" else "good"),
    )


def devices(start: int, stop: int) -> list[FakeRow]:
    return [device(number) for number in range(start, stop)]


def every_fourth_is_ios(start: int, stop: int) -> list[FakeRow]:
    return [device(n, os="iOS" if n % 4 == 0 else "Windows") for n in range(start, stop)]


def raw_row(key: str, cells: tuple[str, ...], sort_keys: tuple[Any, ...] | None = None) -> FakeRow:
    return FakeRow(
        key=key,
        cells=cells,
        sort_keys=sort_keys if sort_keys is not None else cells,
        search_text=" ".join(cells).lower(),
        marks=(None,) * len(cells),
    )


class TableApp(App[None]):
    def __init__(self, columns: list[TableColumn] | None = None) -> None:
        super().__init__()
        self.columns = columns or COLUMNS
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield ResourceTable(self.columns, id="table")

    def on_mount(self) -> None:
        self.query_one(ResourceTable).focus()

    def on_resource_table_cursor_moved(self, message: ResourceTable.CursorMoved) -> None:
        self.messages.append(message)

    def on_resource_table_row_activated(self, message: ResourceTable.RowActivated) -> None:
        self.messages.append(message)

    def on_resource_table_marks_changed(self, message: ResourceTable.MarksChanged) -> None:
        self.messages.append(message)

    @property
    def table(self) -> ResourceTable[FakeRow]:
        return self.query_one(ResourceTable)

    def of_type(self, kind: type[Message]) -> list[Any]:
        return [message for message in self.messages if isinstance(message, kind)]


def screen_lines(table: ResourceTable[FakeRow]) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def shown_names(table: ResourceTable[FakeRow]) -> list[str]:
    """First cell of every row line on screen (header skipped, blank lines dropped)."""
    names = []
    for line in screen_lines(table)[1:]:
        text = line[3:].split(" ", 1)[0]
        if text:
            names.append(text)
    return names


def cursor_line(table: ResourceTable[FakeRow]) -> int:
    """Screen line showing the cursor glyph."""
    lines = screen_lines(table)
    matches = [y for y, line in enumerate(lines) if line.startswith("›")]
    assert len(matches) == 1, lines
    return matches[0]


async def test_hostile_cells_render_literally() -> None:
    hostile = raw_row(
        "hostile",
        ("Kiosk [/old]", "[bold red]x", "Lap [old", "漢字の端末"),
    )
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        app.table.append_rows([hostile])
        await pilot.pause()
        line = screen_lines(app.table)[1]
        assert "Kiosk [/old]" in line
        assert "[bold red]x" in line
        assert "Lap [old" in line
        assert "漢字の端末" in line
        assert app.table.render_line(1).cell_length == app.table.scrollable_content_region.width
        assert "Kiosk&#160;[/old]" in app.export_screenshot()


async def test_long_and_wide_cells_are_cut_with_an_ellipsis_by_cell_width() -> None:
    columns = [TableColumn("name", "Name", 10), TableColumn("os", "OS", 5)]
    rows = [
        raw_row("a", ("DESKTOP-LONGNAME-01", "Windows")),
        raw_row("b", ("漢字漢字漢字", "iOS")),
    ]
    app = TableApp(columns)
    async with app.run_test(size=SCREEN) as pilot:
        app.table.append_rows(rows)
        await pilot.pause()
        lines = screen_lines(app.table)
        assert lines[1][3:].startswith("DESKTOP-L… Wind…")
        # Five wide characters and the ellipsis need 11 cells: four fit, one cell is padding.
        assert lines[2][3:].startswith("漢字漢字…  iOS")
        width = app.table.scrollable_content_region.width
        assert all(app.table.render_line(y).cell_length == width for y in range(3))


def test_fit_to_cells_pads_cuts_and_handles_wide_characters() -> None:
    assert fit_to_cells("abc", 5) == "abc  "
    assert fit_to_cells("abcdef", 4) == "abc…"
    assert fit_to_cells("漢字漢字", 6) == "漢字… "
    assert cell_len(fit_to_cells("漢字漢字", 6)) == 6
    assert fit_to_cells("anything", 1) == "…"


async def test_cursor_keys_move_and_report_the_row() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 100))
        await pilot.pause()
        await pilot.press("down", "j", "j", "k")
        await pilot.pause()
        assert table.cursor_index == 2
        assert table.cursor_row is not None and table.cursor_row.key == "id-2"
        assert screen_lines(table)[cursor_line(table)][3:].startswith("PC-00002")
        moved = app.of_type(ResourceTable.CursorMoved)
        assert [m.row.key for m in moved] == ["id-0", "id-1", "id-2", "id-3", "id-2"]


async def test_g_and_shift_g_jump_to_first_and_last_row() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 500))
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_row is not None and table.cursor_row.key == "id-499"
        assert shown_names(table)[-1] == "PC-00499"
        assert cursor_line(table) == PAGE
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_index == 0
        assert shown_names(table)[0] == "PC-00000"
        await pilot.press("ctrl+end")
        assert table.cursor_index == 499
        await pilot.press("ctrl+home")
        assert table.cursor_index == 0


async def test_page_down_and_up_move_a_screenful() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 500))
        await pilot.pause()
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.cursor_index == PAGE
        assert shown_names(table)[0] == f"PC-{PAGE:05d}"
        assert cursor_line(table) == 1
        await pilot.press("pagedown", "pageup")
        await pilot.pause()
        assert table.cursor_index == PAGE
        await pilot.press("pageup", "pageup")
        assert table.cursor_index == 0


async def test_append_keeps_the_cursor_row_and_scroll_position() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 100))
        await pilot.pause()
        await pilot.press("pagedown", "down", "down")
        await pilot.pause()
        before_row, before_line = table.cursor_row, cursor_line(table)
        before_names = shown_names(table)
        moves_before = len(app.of_type(ResourceTable.CursorMoved))
        table.append_rows(devices(100, 1100))
        await pilot.pause()
        assert table.rows_count == 1100
        assert table.cursor_row is before_row
        assert cursor_line(table) == before_line
        assert shown_names(table) == before_names
        assert len(app.of_type(ResourceTable.CursorMoved)) == moves_before


async def test_first_page_puts_the_cursor_on_the_first_row() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        app.table.append_rows(devices(0, 5))
        await pilot.pause()
        moved = app.of_type(ResourceTable.CursorMoved)
        assert [m.row.key for m in moved] == ["id-0"]
        assert cursor_line(app.table) == 1


async def test_append_under_a_sort_merges_in_order_and_keeps_the_cursor_row() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows([device(n) for n in range(0, 200, 2)])  # even numbers
        table.sort_by(0, reverse=True)
        await pilot.pause()
        await pilot.press("down", "down", "down")
        await pilot.pause()
        before_row, before_line = table.cursor_row, cursor_line(table)
        assert before_row is not None and before_row.key == "id-192"
        table.append_rows([device(n) for n in range(1, 200, 2)])  # odd ones sort in between
        await pilot.pause()
        assert table.cursor_row is before_row
        assert cursor_line(table) == before_line
        names = [row.cells[0] for row in table.visible_rows]
        assert names == [f"PC-{n:05d}" for n in range(199, -1, -1)]


async def test_filter_shows_matches_and_clearing_it_brings_all_rows_back() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(every_fourth_is_ios(0, 400))
        await pilot.pause()
        table.set_filter(lambda row: "ios" in row.search_text)
        await pilot.pause()
        assert table.visible_count == 100
        assert table.rows_count == 400
        assert table.filter_active
        assert shown_names(table)[:3] == ["PC-00000", "PC-00004", "PC-00008"]
        assert all(" iOS " in line for line in screen_lines(table)[1:])
        # A page arriving while filtered: only its matches appear.
        table.append_rows(every_fourth_is_ios(400, 440))
        await pilot.pause()
        assert table.visible_count == 110
        table.set_filter(None)
        await pilot.pause()
        assert table.visible_count == 440
        assert shown_names(table)[:2] == ["PC-00000", "PC-00001"]


async def test_filter_keeps_the_cursor_on_its_row_when_it_still_matches() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 300))
        await pilot.pause()
        table.move_cursor(150)
        await pilot.pause()
        table.set_filter(lambda row: row.key.endswith("0"))
        await pilot.pause()
        assert table.cursor_row is not None and table.cursor_row.key == "id-150"
        table.set_filter(lambda row: row.key.endswith("7"))
        await pilot.pause()
        assert table.cursor_index == 0
        assert table.cursor_row is not None and table.cursor_row.key == "id-7"
        assert app.of_type(ResourceTable.CursorMoved)[-1].row.key == "id-7"


async def test_sorted_and_filtered_pages_arrive_in_place() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.sort_by(0, reverse=True)
        table.set_filter(lambda row: "ios" in row.search_text)
        for start in range(0, 400, 100):
            table.append_rows(every_fourth_is_ios(start, start + 100)[::-1])
        await pilot.pause()
        assert [row.key for row in table.visible_rows] == [f"id-{n}" for n in range(396, -1, -4)]
        # The cursor stayed on the first row it got; later rows sorted in above it.
        assert table.cursor_row is not None and table.cursor_row.key == "id-96"
        assert cursor_line(table) == 1
        await pilot.press("g")
        await pilot.pause()
        assert shown_names(table)[:2] == ["PC-00396", "PC-00392"]
        table.set_filter(None)
        assert table.visible_count == 400
        assert table.visible_rows[0].key == "id-399"


async def test_word_filter_needs_every_word_and_combines_with_a_predicate() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(every_fourth_is_ios(0, 200))
        table.set_filter(words=["IOS", "pc-001"])
        await pilot.pause()
        expected = [f"PC-{n:05d}" for n in range(100, 200, 4)]
        assert shown_names(table) == expected[: len(shown_names(table))]
        assert table.visible_count == 25
        table.set_filter(lambda row: row.cells[3] == "noncompliant", words=["ios"])
        assert [row.key for row in table.visible_rows][:3] == ["id-0", "id-12", "id-24"]
        table.sort_by(0, reverse=True)
        table.append_rows(every_fourth_is_ios(200, 240))
        await pilot.press("g")
        await pilot.pause()
        assert [row.key for row in table.visible_rows][:2] == ["id-228", "id-216"]
        table.set_filter()
        assert not table.filter_active
        assert table.visible_count == 240


@dataclass(frozen=True)
class KeyIn:
    """A key test as the search module makes them: the column's key is one of `values`."""

    column: int
    values: frozenset[str]

    def matches_keys(self, keys: list[Any]) -> list[bool]:
        return [key in self.values for key in keys]


async def test_key_tests_filter_on_a_column_and_follow_appended_pages_and_sorts() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(every_fourth_is_ios(0, 100))
        ios = KeyIn(2, frozenset({"ios"}))
        table.set_filter(words=["pc-000"], key_tests=[ios])
        assert [row.key for row in table.visible_rows] == [f"id-{n}" for n in range(0, 100, 4)]
        table.set_filter(key_tests=[ios, KeyIn(3, frozenset({"noncompliant"}))])
        assert [row.key for row in table.visible_rows] == [f"id-{n}" for n in range(0, 100, 12)]
        table.append_rows(every_fourth_is_ios(100, 130))  # the kept key list grows with them
        assert [row.key for row in table.visible_rows][-2:] == ["id-108", "id-120"]
        table.sort_by(0, reverse=True)
        table.append_rows(every_fourth_is_ios(130, 160))  # merged into a sorted, filtered view
        await pilot.press("g")
        await pilot.pause()
        assert [row.key for row in table.visible_rows][:2] == ["id-156", "id-144"]
        assert shown_names(table)[:2] == ["PC-00156", "PC-00144"]
        table.replace_rows(every_fourth_is_ios(0, 8))  # a new generation: keys read again
        assert [row.key for row in table.visible_rows] == ["id-0"]
        table.set_filter()
        assert table.visible_count == 8


async def test_filter_with_no_match_shows_the_empty_text() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.empty_text = "No devices match"
        table.append_rows(devices(0, 10))
        table.set_filter(lambda row: "nothing" in row.search_text)
        await pilot.pause()
        lines = screen_lines(table)
        assert "No devices match" in lines[1]
        assert table.cursor_row is None
        assert app.of_type(ResourceTable.CursorMoved)[-1].row is None
        table.empty_text = "Loading…"
        await pilot.pause()
        assert "Loading…" in screen_lines(table)[1]


async def test_s_sorts_by_the_highlighted_column_and_shift_s_reverses() -> None:
    app = TableApp()
    users = ["carol", "alice", "dave", "bob"]
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows([device(n, user=f"{name}@contoso.com") for n, name in enumerate(users)])
        await pilot.pause()
        await pilot.press("l", "s")
        await pilot.pause()
        header = screen_lines(table)[0]
        assert "User ▲" in header
        assert "▼" not in header
        assert table.sort_column == 1 and not table.sort_reverse
        assert [row.cells[1][:-12] for row in table.visible_rows] == sorted(users)
        await pilot.press("S")
        await pilot.pause()
        assert "User ▼" in screen_lines(table)[0]
        assert [row.cells[1][:-12] for row in table.visible_rows] == sorted(users, reverse=True)
        await pilot.press("h", "s")
        await pilot.pause()
        header = screen_lines(table)[0]
        assert "Device name ▲" in header and "User ▼" not in header
        await pilot.press("s")  # the same column again: descending
        assert table.sort_column == 0 and table.sort_reverse


async def test_sorts_after_prepare_sorts_show_the_same_order_as_sorting_on_the_spot(
        holding: str) -> None:
    """A loaded list's sort orders, worked out on a worker, give the rows a sort would: ties
    in arrival order and missing keys last, either way."""
    app = TableApp()
    users = ["carol", "alice", None, "carol", "bob", "alice", None, "dave"]
    rows = [device(n, user=f"{name}@contoso.com" if name else "-") for n, name in
            enumerate(users)]
    for row, name in zip(rows, users, strict=True):
        row.sort_keys = (row.sort_keys[0], name, *row.sort_keys[2:])
    present = [n for n, name in enumerate(users) if name is not None]
    missing = [n for n, name in enumerate(users) if name is None]
    ascending = sorted(present, key=lambda n: users[n] or "") + missing
    descending = sorted(present, key=lambda n: users[n] or "", reverse=True) + missing
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(rows)
        table.prepare_sorts()
        await app.workers.wait_for_complete()
        await pilot.press("l", "s")
        await pilot.pause()
        assert [row.key for row in table.visible_rows] == [f"id-{n}" for n in ascending]
        await pilot.press("S")
        await pilot.pause()
        assert [row.key for row in table.visible_rows] == [f"id-{n}" for n in descending]
        assert table._store.columnar == (holding == "columns")


async def test_categories_a_worker_made_for_a_loaded_list_are_taken_in_without_a_redraw(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a long list has loaded, the worker that prepares its sorts also makes its item
    properties of few values categories (less memory); the table takes them in as soon as
    they are made, not at the next row it draws (which may be long after)."""
    if holding != "columns":
        pytest.skip("Python rows hold no columns")
    from intune_tui.table import columns as col

    monkeypatch.setattr(store_module, "CATEGORIZE_FROM", 100)
    rows = []
    for number in range(160):
        row = device(number)
        row.item = {"id": row.key, "site": f"Site {number % 12}"}
        rows.append(row)
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        for start in range(0, 160, 40):  # 12 sites in a page of 40: text
            table.append_rows(rows[start:start + 40])
        await pilot.pause()
        impl = table._store._impl
        assert isinstance(impl, store_module.ColumnStore)
        assert impl._kinds["i:site"] == col.TEXT
        table.prepare_sorts()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert impl._kinds["i:site"] == col.CATEGORY
        assert list(table.visible_rows) == rows


async def test_work_on_the_rows_waits_while_the_user_filters_or_sorts(
        holding: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sort orders and the snapshot wait for a moment without filters or sorts: while the
    user types, their seconds of work would slow every keystroke."""
    now = [1000.0]  # the table's clock moves only when a worker waits (a loaded machine's
    waited = []  # half a second between two lines made this test fail)

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(resource_table_module, "Quiet",
                        lambda: Quiet(clock=lambda: now[0], sleep=sleep))
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 30))
        assert table.wait_until_quiet(at_most=0.0)  # nobody has filtered yet
        await pilot.press("s")
        assert not table.wait_until_quiet(at_most=0.0)
        assert table.wait_until_quiet(at_most=2.0)
        assert sum(waited) == pytest.approx(QUIET_SECONDS)
        table.set_filter(words=["pc"])
        assert not table.wait_until_quiet(at_most=0.0)


async def test_missing_sort_keys_sort_last_in_both_directions() -> None:
    rows = [
        raw_row("b", ("b",), ("b",)),
        raw_row("none1", ("-",), (None,)),
        raw_row("a", ("a",), ("a",)),
        raw_row("none2", ("-",), (None,)),
        raw_row("c", ("c",), ("c",)),
    ]
    app = TableApp([TableColumn("name", "Name", 10)])
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(rows)
        table.sort_by(0)
        await pilot.pause()
        assert [row.key for row in table.visible_rows] == ["a", "b", "c", "none1", "none2"]
        table.sort_by(0, reverse=True)
        assert [row.key for row in table.visible_rows] == ["c", "b", "a", "none1", "none2"]
        table.sort_by(None)
        assert [row.key for row in table.visible_rows] == ["b", "none1", "a", "none2", "c"]


async def test_mixed_sort_key_types_do_not_crash_the_sort() -> None:
    rows = [raw_row("x", ("x",), ("x",)), raw_row("2", ("2",), (2,)), raw_row("1", ("1",), (1,))]
    app = TableApp([TableColumn("name", "Name", 10)])
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(rows)
        table.sort_by(0)
        table.append_rows([raw_row("0", ("0",), (0,))])
        await pilot.pause()
        assert [row.key for row in table.visible_rows] == ["0", "1", "2", "x"]


async def test_a_page_with_a_different_key_type_falls_back_without_losing_the_cursor() -> None:
    numbers = [raw_row(str(n), (str(n),), (n,)) for n in (5, 3, 9, 1)]
    app = TableApp([TableColumn("name", "Name", 10)])
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(numbers)
        table.sort_by(0)
        table.move_cursor(2)
        assert table.cursor_row is not None and table.cursor_row.key == "5"
        table.append_rows([raw_row("text", ("text",), ("text",)), raw_row("0", ("0",), (0,))])
        await pilot.pause()
        assert [row.key for row in table.visible_rows] == ["0", "1", "3", "5", "9", "text"]
        assert table.cursor_row is not None and table.cursor_row.key == "5"


async def test_space_marks_rows_with_a_visible_marker() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 20))
        await pilot.pause()
        await pilot.press("space", "down", "space")  # space marks and moves down
        await pilot.pause()
        lines = screen_lines(table)
        assert lines[1].startswith(" ●")
        assert lines[2].startswith("  ")
        assert lines[3].startswith(" ●")
        assert lines[4].startswith("› ")
        assert [row.key for row in table.marked_rows] == ["id-0", "id-2"]
        assert [m.count for m in app.of_type(ResourceTable.MarksChanged)] == [1, 2]
        await pilot.press("up", "space")
        await pilot.pause()
        assert [row.key for row in table.marked_rows] == ["id-0"]
        assert screen_lines(table)[3].startswith("  ")
        assert screen_lines(table)[4].startswith("› ")
        table.clear_marks()
        await pilot.pause()
        assert table.marked_rows == []
        assert app.of_type(ResourceTable.MarksChanged)[-1].count == 0
        assert not any("●" in line for line in screen_lines(table))


async def test_space_four_times_marks_four_rows() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 20))
        await pilot.pause()
        await pilot.press("space", "space", "space", "space")
        await pilot.pause()
        assert [row.key for row in table.marked_rows] == ["id-0", "id-1", "id-2", "id-3"]
        assert table.cursor_row is not None and table.cursor_row.key == "id-4"


async def test_asterisk_marks_every_shown_row_and_again_unmarks_them() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 20))
        table.set_filter(words=["noncompliant"])
        await pilot.pause()
        shown = [row.key for row in table.visible_rows]
        assert 0 < len(shown) < 20
        await pilot.press("asterisk")
        await pilot.pause()
        assert sorted(row.key for row in table.marked_rows) == sorted(shown)
        assert app.of_type(ResourceTable.MarksChanged)[-1].count == len(shown)
        await pilot.press("asterisk")
        await pilot.pause()
        assert table.marked_rows == []


def segment_styles(table: ResourceTable[FakeRow], y: int) -> dict[str, Any]:
    """Text of each segment on screen line `y` -> its Rich style."""
    return {segment.text.strip(): segment.style for segment in table.render_line(y)}


async def test_marks_and_markers_take_their_colours_from_component_classes() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 5))
        await pilot.press("down", "down", "space", "up", "up")
        await pilot.pause()
        bad = table.get_component_rich_style("resource-table--bad")
        good = table.get_component_rich_style("resource-table--good")
        assert bad.color != good.color
        assert segment_styles(table, 4)["noncompliant"].color == bad.color  # PC-00003
        assert segment_styles(table, 3)["compliant"].color == good.color  # PC-00002, marked
        marker = segment_styles(table, 3)["●"]
        assert marker.color != marker.bgcolor  # the marker stays visible on a marked row
        cursor = table.get_component_rich_style("resource-table--cursor")
        assert segment_styles(table, 2)["PC-00001"].bgcolor == cursor.bgcolor


async def test_enter_posts_row_activated_with_the_cursor_row() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 20))
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        activated = app.of_type(ResourceTable.RowActivated)
        assert len(activated) == 1
        assert activated[0].row.key == "id-2"
        assert activated[0].control is table


async def test_enter_on_an_empty_table_posts_nothing() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        await pilot.press("enter", "space", "s")
        await pilot.pause()
        assert app.of_type(ResourceTable.RowActivated) == []
        assert app.of_type(ResourceTable.MarksChanged) == []


async def test_replace_rows_keep_key_keeps_the_cursor_and_marks() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 100))
        await pilot.pause()
        table.move_cursor(40)
        table.toggle_mark()
        await pilot.pause()
        line_before = cursor_line(table)
        refreshed = devices(10, 120)  # new objects, some rows gone, some new
        table.replace_rows(refreshed, keep_key=True)
        await pilot.pause()
        assert table.cursor_row == refreshed[30]  # rows are rebuilt from columns: equal
        assert cursor_line(table) == line_before
        assert table.marked_rows == [refreshed[30]]
        table.replace_rows(devices(0, 50))
        await pilot.pause()
        assert table.cursor_index == 0
        assert table.marked_rows == []
        assert app.of_type(ResourceTable.MarksChanged)[-1].count == 0


async def test_replace_rows_keep_key_when_the_row_is_gone_stays_near() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 100))
        table.move_cursor(60)
        table.replace_rows([row for row in devices(0, 100) if row.key != "id-60"], keep_key=True)
        await pilot.pause()
        assert table.cursor_row is not None and table.cursor_row.key == "id-61"


async def test_clear_empties_the_table() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 30))
        table.toggle_mark()
        table.clear()
        await pilot.pause()
        assert table.rows_count == 0 and table.visible_count == 0
        assert table.cursor_row is None and table.marked_rows == []
        assert table.empty_text in screen_lines(table)[1]


async def test_narrow_terminal_shrinks_then_scrolls_to_the_highlighted_column() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.table
        table.append_rows(devices(0, 30))
        await pilot.pause()
        header = screen_lines(table)[0]
        assert "Compliance" not in header
        # Every column is at its minimum width and the rest is reachable by scrolling.
        assert header.startswith("   Device na… User     OS       Compli")
        await pilot.press("right", "right", "right")
        await pilot.pause()
        header = screen_lines(table)[0]
        assert "Compliance" in header
        assert header.startswith("   ")  # the gutter stays pinned
        assert "noncompliant" in screen_lines(table)[1]


async def test_scrolled_right_the_first_column_stays_pinned_and_clicks_see_it() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.table
        table.append_rows(devices(0, 30))
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert table.scroll_offset.x > 0
        lines = screen_lines(table)
        assert lines[0].startswith("   Device na… ")  # pinned beside the gutter
        assert lines[0].rstrip().endswith("Compliance")
        assert lines[1].startswith("›  PC-00000   ")
        assert "noncompliant" in lines[1]
        await pilot.click(ResourceTable, offset=(13, 0))  # on the pinned title: sorts by name
        await pilot.pause()
        assert table.sort_column == 0
        await pilot.press("left", "left", "left")
        await pilot.pause()
        assert table.scroll_offset.x == 0


async def test_show_columns_hides_reorders_and_resizes_without_touching_the_rows() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 30))
        table.set_filter(words=["noncompliant"])
        table.toggle_mark()
        table.show_columns([3, 0], {0: 12})
        await pilot.pause()
        lines = screen_lines(table)
        assert lines[0].split() == ["Compliance", "Device", "name"]
        assert lines[1].split()[1:] == ["noncompliant", "PC-00000"]
        assert table.columns[1].width == 12 and table.column_widths == {0: 12}
        assert table.shown_columns == (3, 0)
        assert table.visible_count == 10 and len(table.marked_rows) == 1
        await pilot.press("s")  # sorts by the highlighted column: Compliance, the rows' 3rd
        assert table.sort_column == 3
        assert "Compliance ▲" in screen_lines(table)[0]
        assert table.cursor_cell == ("Compliance", "noncompliant")
        await pilot.press("l", "y")
        assert table.cursor_cell is not None and table.cursor_cell[0] == "Device name"
        table.show_columns([1])
        await pilot.pause()
        assert table.column_cursor == 0  # clamped to the columns shown
        assert screen_lines(table)[0].split() == ["User"]


def test_show_columns_refuses_no_column_or_one_the_rows_do_not_have() -> None:
    table: ResourceTable[FakeRow] = ResourceTable(COLUMNS)
    with pytest.raises(ValueError):
        table.show_columns([])
    with pytest.raises(IndexError):
        table.show_columns([0, 4])


async def test_clicks_move_the_cursor_and_the_header_sorts() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 30))
        await pilot.pause()
        await pilot.click(table, offset=(5, 4))
        assert table.cursor_index == 3
        await pilot.click(table, offset=(5, 4))
        assert app.of_type(ResourceTable.RowActivated)[-1].row.key == "id-3"
        await pilot.click(table, offset=(5, 0))
        await pilot.pause()
        assert table.sort_column == 0
        assert "Device name ▲" in screen_lines(table)[0]


def test_every_binding_has_an_id_and_a_description() -> None:
    for binding in ResourceTable.BINDINGS:
        assert binding.id and binding.id.startswith("table.")
        assert binding.description
    shown = [binding.id for binding in ResourceTable.BINDINGS if binding.show]
    assert shown == ["table.activate", "table.mark", "table.sort"]


async def test_binding_ids_let_the_app_remap_keys() -> None:
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        app.table.append_rows(devices(0, 5))
        app.set_keymap({"table.mark": "m", "table.sort": "o"})
        await pilot.press("m", "o")
        await pilot.pause()
        assert [row.key for row in app.table.marked_rows] == ["id-0"]
        assert app.table.sort_column == 0


async def test_restore_rows_shows_a_dump_and_keeps_the_cursor_row() -> None:
    """A warm start: rows dumped by one table are shown by another, which then takes live rows
    (issue 21). Garbage is refused and leaves the table as it was."""
    source = TableApp()
    async with source.run_test(size=SCREEN) as pilot:
        source.table.append_rows(devices(0, 200))
        await pilot.pause()
        data = source.table.dump_rows()
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.restore_rows(data, FakeRow)
        await pilot.pause()
        assert table.rows_count == 200
        assert screen_lines(table)[1].startswith("›") and "PC-00000" in screen_lines(table)[1]
        table.move_cursor(120)
        await pilot.pause()
        with pytest.raises(ValueError):
            table.restore_rows(data[:100], FakeRow)
        assert table.cursor_row is not None and table.cursor_row.key == "id-120"
        table.replace_rows(devices(100, 250), keep_key=True)  # the live list replaces it
        await pilot.pause()
        assert table.rows_count == 150
        assert table.cursor_row is not None and table.cursor_row.key == "id-120"


async def test_adopt_rows_takes_a_list_built_elsewhere_keeping_sort_filter_cursor_marks() -> None:
    """The live list, filled on another thread, replaces the shown rows (issue 21)."""
    app = TableApp()
    async with app.run_test(size=SCREEN) as pilot:
        table = app.table
        table.append_rows(devices(0, 100))
        table.sort_by(0, reverse=True)
        table.set_filter(words=["pc-000"])  # PC-00000 .. PC-00099
        await pilot.pause()
        table.move_cursor(10)
        table.toggle_mark()
        cursor_key = table.cursor_row.key
        live: RowStore[FakeRow] = RowStore(len(table.columns))
        live.append(devices(50, 150))
        table.adopt_rows(live, keep_key=True)
        await pilot.pause()
        assert table.rows_count == 100
        assert [row.key for row in table.visible_rows] == [f"id-{n}" for n in range(99, 49, -1)]
        assert table.cursor_row.key == cursor_key
        assert [row.key for row in table.marked_rows] == [cursor_key]
        assert "PC-00089" in "\n".join(screen_lines(table))
