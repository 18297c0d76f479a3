"""`resource_list.with_columns`: the worker's share of a long list (its pages as table columns)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.resources import RESOURCES
from intune_tui.intune.service import RowPage
from intune_tui.table import store
from intune_tui.table.columns import encode_page, wait_for_engine
from intune_tui.table.store import ColumnStore
from intune_tui.ui.screens.resource_list import with_columns


async def test_long_lists_come_with_columns_and_the_source_is_closed(monkeypatch) -> None:
    monkeypatch.setattr(store, "COLUMNS_FROM", 30)
    wait_for_engine()
    resource = RESOURCES["devices"]
    devices = build_tenant(devices=60).devices
    rows = resource.to_rows([devices.to_json(index, beta=False) for index in range(60)])
    closed: list[bool] = []

    async def pages() -> AsyncIterator[RowPage]:
        try:
            for number, start in enumerate(range(0, 60, 20)):
                yield RowPage(rows[start:start + 20], 60, number, start + 20 < 60)
        finally:
            closed.append(True)

    stream = with_columns(pages(), len(resource.columns))
    first, second = await anext(stream), await anext(stream)
    await stream.aclose()
    assert closed == [True]  # stopping early closes the Graph stream (its requests)
    assert first.columns is None  # 20 rows: a short list so far, Python rows
    assert second.columns is not None  # 40 rows: past COLUMNS_FROM
    columns: ColumnStore = ColumnStore(len(resource.columns))
    columns.append(second.columns)
    assert list(columns.visible_rows) == second.rows
    # The rows before it come along as columns, once: the table moves them without encoding.
    assert second.columns.earlier is not None
    before: ColumnStore = ColumnStore(len(resource.columns))
    before.append(second.columns.earlier)
    assert list(before.visible_rows) == first.rows


async def test_a_table_moves_to_columns_with_the_rows_the_worker_built(monkeypatch) -> None:
    monkeypatch.setattr(store, "COLUMNS_FROM", 30)
    wait_for_engine()
    resource = RESOURCES["devices"]
    devices = build_tenant(devices=60).devices
    rows = resource.to_rows([devices.to_json(index, beta=False) for index in range(60)])

    async def pages() -> AsyncIterator[RowPage]:
        for number, start in enumerate(range(0, 60, 20)):
            yield RowPage(rows[start:start + 20], 60, number, start + 20 < 60)

    table: store.RowStore = store.RowStore(len(resource.columns))
    table.sort_by(0)
    table.append(rows[:20])
    table.place_cursor(3)
    cursor_key = table.cursor_row.key
    shown = [page async for page in with_columns(pages(), len(resource.columns))]

    def not_on_the_ui_thread(*args: object) -> None:
        raise AssertionError("rows encoded again by the table")

    monkeypatch.setattr(store.col, "encode_page", not_on_the_ui_thread)
    for page in shown[1:]:
        table.append(page.rows, columns=page.columns)
    assert table.columnar
    assert [row.key for row in table.visible_rows] == \
        [row.key for row in sorted(rows, key=lambda row: row.sort_keys[0])]
    assert table.cursor_row.key == cursor_key


def test_columns_built_for_a_table_of_another_width_are_refused() -> None:
    resource = RESOURCES["devices"]
    devices = build_tenant(devices=5).devices
    rows = resource.to_rows([devices.to_json(index, beta=False) for index in range(5)])
    page = encode_page(rows, len(resource.columns))
    with pytest.raises(ValueError):
        ColumnStore(len(resource.columns) + 1).append(page)


async def test_a_long_list_s_page_answers_are_freed_once_it_is_loaded(
        make_app, wait_until, monkeypatch, httpx_answers) -> None:
    # The screen keeps a long list's objects out of full collections (gc.freeze). A freeze on
    # every page also made immortal the cyclic garbage of that moment, the httpx answers of the
    # pages then in flight (~0.7 MB each): 60 MiB at 100,000 devices, 170 MiB at 300,000.
    import gc

    from waiting import list_loaded

    from intune_tui.ui.screens import resource_list
    from intune_tui.ui.screens.devices import DevicesScreen

    monkeypatch.setattr(resource_list, "FREEZE_ABOVE_ROWS", 100)
    answers = httpx_answers
    freezes: list[int] = []
    freeze = gc.freeze
    monkeypatch.setattr(resource_list.gc, "freeze", lambda: (freezes.append(1), freeze())[1])
    app = make_app(devices=2_500)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        table = app.screen.table
        assert table.rows_count == 2_500
        pages = len(answers)
        assert pages >= 3
        # The Graph worker may still be ending the listing (letting go of its keys) as the
        # screen shows the last page: its answers go once it has. Frozen ones would never go.
        def all_freed() -> bool:
            gc.collect()
            return all(ref() is None for ref in answers[:pages])

        with contextlib.suppress(AssertionError):
            await wait_until(pilot, all_freed, 5.0)
        alive = [answer for ref in answers[:pages] if (answer := ref()) is not None]
        # Which answers stayed, and who holds them, if any did.
        held_by = [[holder for holder in gc.get_referrers(answer) if holder is not alive]
                   for answer in alive]
        assert [str(answer.request.url) for answer in alive] == [], held_by
        assert len(freezes) == 2  # from the first page and at the end, not one a page


async def test_what_follows_a_first_page_that_came_during_the_mount_waits_for_the_first_frame(
        make_app, wait_until, monkeypatch) -> None:
    """Textual paints nothing while it mounts the first screen and runs `call_after_refresh`
    callbacks at once: when the first page came then, the key bar and the page's gc.freeze
    went before the first frame, holding its rows back (ui/startup.py)."""
    import dataclasses
    import gc
    import time

    from waiting import FAST_TIMINGS, list_loaded

    from intune_tui.ui.screens import resource_list
    from intune_tui.ui.screens.devices import DevicesScreen

    events: list[str] = []
    # The key bar's own deadline out of the way: only the first rows may bring it.
    app = make_app(devices=2_000,
                   timings=dataclasses.replace(FAST_TIMINGS, footer_at_the_latest=30.0))
    display = app._display

    def displayed(screen: object, renderable: object) -> None:
        if renderable is not None and not app._batch_count and "frame" not in events:
            events.append("frame")
        display(screen, renderable)  # type: ignore[arg-type]

    monkeypatch.setattr(app, "_display", displayed)
    freeze = gc.freeze
    monkeypatch.setattr(resource_list.gc, "freeze",
                        lambda: (events.append("freeze"), freeze())[1])
    show_footer = resource_list.ResourceListScreen._show_footer

    async def footer(screen: resource_list.ResourceListScreen) -> None:
        events.append("key bar")
        await show_footer(screen)

    monkeypatch.setattr(resource_list.ResourceListScreen, "_show_footer", footer)
    compose = resource_list.ResourceListScreen.compose

    def compose_once_the_first_page_is_in(screen: DevicesScreen) -> object:
        deadline = time.monotonic() + 10
        while not app._early._events and time.monotonic() < deadline:  # type: ignore[union-attr]
            time.sleep(0.005)
        return compose(screen)

    monkeypatch.setattr(DevicesScreen, "compose", compose_once_the_first_page_is_in)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        await wait_until(pilot, lambda: "key bar" in events and "freeze" in events)
    assert events.index("frame") < events.index("freeze")
    assert events.index("frame") < events.index("key bar")


async def test_the_list_follows_the_terminal_to_another_size_and_back(make_app, wait_until
                                                                      ) -> None:
    """The screen lets a Resize to the size it is already laid out at go (Textual repeats the
    terminal's size at start-up, ui/startup.py); a new size, and the old one again after it,
    still lay the list out and set the width classes (-narrow below 100 columns)."""
    from waiting import list_loaded

    from intune_tui.ui.screens.devices import DevicesScreen
    from intune_tui.ui.widgets.resource_table import ResourceTable

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, list_loaded(app, DevicesScreen))
        screen = app.screen
        table = screen.query_one(ResourceTable)
        assert table.region.width == 120 and screen.has_class("-wide")
        for width, height, width_class in ((80, 24, "-narrow"), (120, 40, "-wide"),
                                           (80, 24, "-narrow")):
            await pilot.resize_terminal(width, height)
            await wait_until(pilot, lambda width=width: table.region.width == width)
            await pilot.pause(0.05)
            assert screen.has_class(width_class), (width, screen.classes)
            assert table.region.width == width and screen.size == (width, height)
