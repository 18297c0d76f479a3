"""Pieces of detail screens: label/value lists and tabs that hold a list or its error."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from intune_tui.intune.formatting import Field
from intune_tui.intune.resources import Resource, Row
from intune_tui.text import clean
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn


def field_table(fields: Iterable[Field]) -> Table:
    """Label/value pairs as a two-column table; values are tenant data, shown literally."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in fields:
        shown = clean(value) if value not in (None, "") else "—"
        table.add_row(Text(label), Text(shown))
    return table


class FieldList(Static):
    """A Static showing label/value pairs."""

    DEFAULT_CSS = "FieldList { height: auto; padding: 0 1; }"

    def show(self, fields: Sequence[Field]) -> None:
        self.update(field_table(fields))


class RowsPane(Vertical):
    """A tab's list: a table of one catalog resource, or the sentence saying why it is empty."""

    DEFAULT_CSS = """
    RowsPane { height: 1fr; }
    RowsPane > .rows-problem { height: auto; padding: 0 1; display: none; }
    RowsPane > ResourceTable { height: 1fr; }
    """

    def __init__(self, resource: Resource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.resource = resource

    def compose(self) -> ComposeResult:
        yield Static("", classes="rows-problem")
        table: ResourceTable[Row] = ResourceTable(
            [TableColumn(c.key, c.title, c.width, min_width=c.min_width, flex=i == 0)
             for i, c in enumerate(self.resource.columns)])
        table.empty_text = "Loading…"
        yield table

    @property
    def table(self) -> ResourceTable[Row]:
        return self.query_one(ResourceTable)

    def show_rows(self, rows: list[Row], *, empty: str = "Nothing here") -> None:
        self.query_one(".rows-problem").display = False
        self.table.empty_text = empty
        self.table.replace_rows(rows, keep_key=True)

    def show_error(self, error: BaseException) -> None:
        problem = self.query_one(".rows-problem", Static)
        problem.update(Text(f"Could not load {self.resource.title.lower()}: {error}"))
        problem.display = True
        self.table.empty_text = "—"
        self.table.clear()
