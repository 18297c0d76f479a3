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
        make_app, wait_until, monkeypatch) -> None:
    # The screen keeps a long list's objects out of full collections (gc.freeze). A freeze on
    # every page also made immortal the cyclic garbage of that moment, the httpx answers of the
    # pages then in flight (~0.7 MB each): 60 MiB at 100,000 devices, 170 MiB at 300,000.
    import gc
    import weakref

    import httpx
    from waiting import list_loaded

    from intune_tui.ui.screens import resource_list
    from intune_tui.ui.screens.devices import DevicesScreen

    monkeypatch.setattr(resource_list, "FREEZE_ABOVE_ROWS", 100)
    answers: list[weakref.ref[httpx.Response]] = []
    created = httpx.Response.__init__

    def recorded(response: httpx.Response, *args: object, **kwargs: object) -> None:
        created(response, *args, **kwargs)
        answers.append(weakref.ref(response))

    monkeypatch.setattr(httpx.Response, "__init__", recorded)
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
