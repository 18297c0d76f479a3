"""`?`: the keys of the screen the user was on, with the ids used to remap them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from intune_tui.config import View
from intune_tui.text import clean
from intune_tui.ui.commands import describe_view

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


def screen_keys(app: Any, active: Iterable[Any]) -> list[KeyHelp]:
    """One line per binding: all its keys together, the screen's own first, the app's last.

    `active` is `screen.active_bindings.values()` (node, binding, enabled, tooltip); bindings
    without a description (Textual internals) and disabled ones are left out.
    """
    keys: dict[tuple[str, str, str], list[str]] = {}
    rank: dict[tuple[str, str, str], int] = {}
    for node, binding, enabled, _tooltip in active:
        if not enabled or not binding.description:
            continue
        name = (binding.id or "", binding.action, binding.description)
        keys.setdefault(name, []).append(app.get_key_display(binding))
        rank.setdefault(name, _source_rank(app, node, binding))
    ordered = sorted(keys, key=lambda name: rank[name])
    return [KeyHelp(" ".join(keys[name]), name[2], name[0]) for name in ordered]


def _source_rank(app: Any, node: Any, binding: Any) -> int:
    """This screen's keys first, then moving around (widgets), then the app's; Textual's own
    keys (no id, so not remappable) last."""
    if not binding.id:
        return 3
    if node is app:
        return 2
    return 0 if isinstance(node, Screen) else 1


class HelpScreen(ModalScreen[None]):
    """A modal table of bindings; Esc, q or ? closes it."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, title: str, keys: list[KeyHelp], views: Sequence[View] = ()) -> None:
        super().__init__()
        self._title = title
        self._keys = keys
        self._views = views

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True)
        table.add_column(Text("Key"), no_wrap=True)
        table.add_column(Text("Does"))
        table.add_column(Text("Id for [keymap]"), no_wrap=True)
        for item in self._keys:
            table.add_row(Text(item.key), Text(item.description), Text(item.binding_id))
        with VerticalScroll(id="help-body"):
            yield Static(Text(f"Keys — {self._title}", style="bold"), id="help-title")
            yield Static(table)
            yield Static(saved_views_help(self._views), id="help-views")
            yield Static(Text(SEARCH_HELP), id="help-search")

    def action_close(self) -> None:
        self.dismiss(None)


def saved_views_help(views: Sequence[View]) -> Text:
    """The saved views, each with what brings it back, and how to save one."""
    text = Text("Saved views: ", style="bold")
    if not views:
        text.append("none yet. :save NAME [KEY] keeps this list's search, sort and columns; "
                    ":NAME (or KEY) brings them back.", style="")
        return text
    text.append(":save NAME [KEY] adds one.", style="")
    for view in views:
        recall = f":{view.name}" + (f" or {view.key}" if view.key else "")
        text.append(f"\n  {clean(recall)}", style="bold")
        text.append(f"  {clean(describe_view(view))}")
    return text
