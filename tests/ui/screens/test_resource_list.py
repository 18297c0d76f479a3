"""`resource_list.with_columns`: the worker's share of a long list (its pages as table columns)."""

from __future__ import annotations

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


def test_columns_built_for_a_table_of_another_width_are_refused() -> None:
    resource = RESOURCES["devices"]
    devices = build_tenant(devices=5).devices
    rows = resource.to_rows([devices.to_json(index, beta=False) for index in range(5)])
    page = encode_page(rows, len(resource.columns))
    with pytest.raises(ValueError):
        ColumnStore(len(resource.columns) + 1).append(page)
