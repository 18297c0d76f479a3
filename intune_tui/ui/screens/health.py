"""Tenant health: Apple certificates and tokens, enrollment, terms, connectors.

The first view, Attention, is every certificate, token and connector worst first: what expired,
fails or expires within 30 days comes before what is fine, each with its state in words and the
days left. Enter on one of its rows opens that area's own list. The other views are the areas'
lists as Graph serves them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.widgets import Tab

from intune_tui.intune.health import (
    ATTENTION,
    ATTENTION_STATES,
    LastGoodHealth,
    StaleArea,
    attention_pages,
)
from intune_tui.intune.resources import Resource, Row
from intune_tui.ui.screens.resource_list import ListView, ResourceListScreen
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from intune_tui.intune.service import IntuneService, RowPage
    from intune_tui.worker import StreamFinished

ATTENTION_LABEL = "Attention"


def stale_words(stale: list[StaleArea]) -> str:
    """'refresh failed for Apple VPP tokens (…): showing the last good data, read at 09:00:00'"""
    parts = [f"{area.area} ({area.error})" for area in stale]
    since = min(area.since for area in stale)
    return (f"refresh failed for {'; '.join(parts)}: showing the last good data, read at "
            f"{since:%H:%M:%S}")


def attention_columns() -> list[TableColumn]:
    """The state word first; the details take the spare width."""
    return [TableColumn(column.key, column.title, column.width, flex=column.key == "details")
            for column in ATTENTION.columns]


class HealthScreen(ResourceListScreen):
    AREA = "health"
    VIEWS = (
        ListView(ATTENTION.key, ATTENTION_LABEL, "items"),
        ListView("apns", "APNs", "certificates"),
        ListView("dep_settings", "ADE/DEP", "tokens"),
        ListView("vpp_tokens", "VPP", "tokens"),
        ListView("enrollment_configurations", "Enrollment", "configurations"),
        ListView("terms_and_conditions", "Terms"),
        ListView("exchange_connectors", "Exchange", "connectors"),
        ListView("mtd_connectors", "MTD", "connectors"),
    )
    # Attention rows name their area by these words; Enter opens that area's view.
    AREA_VIEWS: ClassVar[dict[str, str]] = {
        "Apple push certificate": "apns",
        "Apple enrollment tokens": "dep_settings",
        "Apple VPP tokens": "vpp_tokens",
        "Exchange connectors": "exchange_connectors",
        "Mobile threat defense": "mtd_connectors",
    }

    def __init__(self) -> None:
        super().__init__()
        # (view, first cell) to put the cursor on once that view has loaded
        self._select_when_loaded: tuple[str, str] | None = None
        self._last_good = LastGoodHealth()
        self._stale: list[StaleArea] = []

    @property
    def resource(self) -> Resource:
        if self.view.resource == ATTENTION.key:
            return ATTENTION
        return super().resource

    def _new_table(self) -> ResourceTable[Row]:
        table = super()._new_table()
        if self.view.resource != ATTENTION.key:
            return table
        attention: ResourceTable[Row] = ResourceTable(attention_columns(), id=table.id)
        attention.empty_text = table.empty_text
        return attention

    @classmethod
    def pages(cls, view: ListView, server_filter: str | None, *,
              full_page_after: Callable[[], Awaitable[None]] | None = None,
              pace: Callable[[], object] | None = None,
              ) -> Callable[[IntuneService], AsyncIterator[RowPage]]:
        """The per-area views stream from Graph as every list does; Attention is read from the
        service's tenant health (all areas at once) and arrives as one page."""
        if view.resource == ATTENTION.key:
            return attention_pages
        return super().pages(view, server_filter, full_page_after=full_page_after, pace=pace)

    def _on_page(self, page: RowPage) -> None:
        if self.view.resource == ATTENTION.key:
            rows, self._stale = self._last_good.merge(page.rows, self.intune_app.now())
            page = replace(page, rows=rows)
        super()._on_page(page)
        if self.view.resource == ATTENTION.key:
            count = sum(1 for row in page.rows if row.item.get("state") in ATTENTION_STATES)
            self.query_one("#view-0", Tab).label = (
                f"{ATTENTION_LABEL} ({count})" if count else ATTENTION_LABEL)

    def _on_done(self, finished: StreamFinished) -> None:
        super()._on_done(finished)
        if self.view.resource == ATTENTION.key and self._stale:
            self._set_status(error=stale_words(self._stale))
        pending, self._select_when_loaded = self._select_when_loaded, None
        if pending is None or pending[0] != self.view.resource:
            return
        for index, row in enumerate(self.table.visible_rows):
            if row.cells and row.cells[0] == pending[1]:
                self.table.move_cursor(index)
                return

    def open_row(self, row: Row) -> None:
        """On Attention, open the row's area list on that item; elsewhere there is nothing
        more to show."""
        if self.view.resource != ATTENTION.key:
            return
        target = self.AREA_VIEWS.get(str(row.item.get("area", "")))
        for index, view in enumerate(self.VIEWS):
            if view.resource == target:
                self._select_when_loaded = (view.resource, str(row.item.get("name", "")))
                self.call_later(self._switch_view, index)
                return
