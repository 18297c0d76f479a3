"""`:requests`: every Graph call of this session, newest first, and any one copied as a command.

The entries come from the session's request log (`graph/request_log.py`): method, URL, status,
timing, retries, request-id, and the body of a change; never a token or an answer's body. `c`
copies the call as curl (the token left to `$GRAPH_TOKEN`), `p` as `Invoke-MgGraphRequest`
(signed in by `Connect-MgGraph`), both through the terminal (OSC 52, so over SSH too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from intune_tui.graph.request_log import TOKEN_PLACEHOLDER, RequestEntry, as_curl, as_powershell
from intune_tui.intune.formatting import count_of
from intune_tui.intune.resources import Row
from intune_tui.text import clean
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn

COLUMNS = [
    TableColumn("time", "Time (UTC)", 10),
    TableColumn("method", "Method", 6),
    TableColumn("path", "Path", 44, min_width=16, flex=True),
    TableColumn("status", "Status", 9, min_width=6),
    TableColumn("ms", "ms", 6),
    TableColumn("retries", "Retries", 7, min_width=3),
    TableColumn("request", "Request id", 36, min_width=8),
]


def status_words(entry: RequestEntry) -> str:
    return str(entry.status) if entry.status is not None else (entry.outcome or "no answer")


def entry_row(entry: RequestEntry) -> Row:
    """One call as a table row; the URL's path is tenant-influenced text, so it is cleaned."""
    cells = (entry.time.strftime("%H:%M:%S"), entry.method, clean(entry.path),
             status_words(entry), f"{entry.milliseconds:.0f}", str(entry.retries),
             entry.request_id or "")
    sort_keys = (entry.time, entry.method, cells[2].casefold(), entry.status or 0,
                 entry.milliseconds, entry.retries, cells[6])
    status_mark = "bad" if entry.failed else ("warn" if entry.retries else None)
    marks = tuple(status_mark if index == 3 else None for index in range(len(cells)))
    return Row(key=str(entry.number), cells=cells, sort_keys=sort_keys,
               search_text="\t".join(cells).lower(), marks=marks, item={"entry": entry})


def entry_details(entry: RequestEntry) -> Text:
    """Everything kept of one call, literally."""
    answered = f"HTTP {entry.status}" if entry.status is not None else status_words(entry)
    if entry.status is not None and entry.outcome:
        answered += f" ({entry.outcome})"
    lines = [
        ("Request", f"{entry.method} {entry.url}"),
        ("Answer", f"{answered} after {entry.milliseconds:.0f} ms, {entry.retries} "
                   f"retr{'y' if entry.retries == 1 else 'ies'}, request-id "
                   f"{entry.request_id or '—'}, sent {entry.time:%Y-%m-%d %H:%M:%S} UTC"),
        ("Headers", "; ".join(f"{name}: {value}" for name, value in entry.headers) or "—"),
        ("Body", entry.body or "—"),
    ]
    text = Text()
    for index, (label, value) in enumerate(lines):
        text.append(f"{label:<9}", style="bold")
        text.append(clean(value))
        text.append("\n" if index < len(lines) - 1 else "")
    return text


class RequestLogScreen(IntuneAppMixin, Screen[None]):
    """The session's Graph calls; `focus`: the number of the call to put the cursor on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="requests.back"),
        Binding("c", "copy_curl", "Copy curl", id="requests.copy_curl"),
        Binding("p", "copy_powershell", "Copy PowerShell", id="requests.copy_powershell"),
        Binding("r", "reload", "Refresh", id="requests.refresh"),
    ]

    def __init__(self, focus: int | None = None) -> None:
        super().__init__()
        self.focus_number = focus

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="requests-note")
        table: ResourceTable[Row] = ResourceTable(COLUMNS, id="requests-table")
        table.empty_text = "No Graph call yet"
        yield table
        yield Static("", id="requests-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Graph requests of this session"
        self.load()
        self.query_one("#requests-table", ResourceTable).focus()

    def load(self) -> None:
        log = self.intune_app.session.requests
        entries = log.entries()
        table = self.query_one("#requests-table", ResourceTable)
        table.replace_rows([entry_row(entry) for entry in entries], keep_key=True)
        if self.focus_number is not None:
            keys = [row.key for row in table.visible_rows]
            if str(self.focus_number) in keys:
                table.move_cursor(keys.index(str(self.focus_number)))
            self.focus_number = None
        self.query_one("#requests-note", Static).update(Text(
            f"{count_of(len(entries), 'calls')}, newest first (the last {log.limit:,} are kept). "
            f"c copies one as curl (token: {TOKEN_PLACEHOLDER}), p as PowerShell (after "
            "Connect-MgGraph)."
        ))
        self._show_entry(table.cursor_row)

    def selected(self) -> RequestEntry | None:
        row = self.query_one("#requests-table", ResourceTable).cursor_row
        entry = row.item.get("entry") if isinstance(row, Row) else None
        return entry if isinstance(entry, RequestEntry) else None

    def on_resource_table_cursor_moved(self, event: ResourceTable.CursorMoved) -> None:
        event.stop()
        self._show_entry(event.row)

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()

    def _show_entry(self, row: Any) -> None:
        entry = row.item.get("entry") if isinstance(row, Row) else None
        self.query_one("#requests-detail", Static).update(
            entry_details(entry) if isinstance(entry, RequestEntry) else Text(""))

    def action_copy_curl(self) -> None:
        self._copy(as_curl, f"as curl (the token is {TOKEN_PLACEHOLDER})")

    def action_copy_powershell(self) -> None:
        self._copy(as_powershell, "as PowerShell (run Connect-MgGraph first)")

    def _copy(self, render: Callable[[RequestEntry], str], words: str) -> None:
        entry = self.selected()
        if entry is None:
            self.notify("No request to copy", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(render(entry))
        self.notify(f"Copied {entry.method} {clean(entry.path)} {words}", markup=False)

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
