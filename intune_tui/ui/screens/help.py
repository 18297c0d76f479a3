"""`?`: the keys of the screen the user was on, with the ids used to remap them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SEARCH_HELP = (
    "Search with /: free words match name, user, serial and model. Fields: os:ios "
    "compliance:noncompliant user:alice@contoso.com serial:C02X name:LAP model:surface "
    "state:managed owner:company synced<7d synced>30d. Enter sends what Graph can filter to "
    "Graph; the status bar says which part ran where."
)


@dataclass(frozen=True)
class KeyHelp:
    key: str
    description: str
    binding_id: str


class HelpScreen(ModalScreen[None]):
    """A modal table of bindings; Esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self._title = title
        self._keys = keys

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column("Key", no_wrap=True)
        table.add_column("Does")
        table.add_column("Id (remap in config [keymap])", no_wrap=True)
        for item in self._keys:
            table.add_row(Text(item.key), Text(item.description), Text(item.binding_id))
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"Keys — {self._title}", style="bold"), id="help-title")
            yield Static(table)
            yield Static(Text(SEARCH_HELP), id="help-search")

    def action_close(self) -> None:
        self.dismiss(None)
