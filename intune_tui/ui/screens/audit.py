"""`:audit`: the local audit of remote actions, newest first, and Intune's own history beside it.

The first tab reads the app's append-only audit file (every attempt, whether it was answered).
The second streams the beta `remoteActionAudits` where the tenant allows it; when it does not
(no beta, a 403), the tab says why and the local tab still works.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from intune_tui.audit import OUTCOME_IN_PROGRESS, OUTCOME_NO_ANSWER, AuditEntry
from intune_tui.intune.actions import ACTIONS
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.text import clean
from intune_tui.ui.action_flow import audit_log_at
from intune_tui.ui.screens.resource_list import table_columns
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn

if TYPE_CHECKING:
    from intune_tui.intune.service import RowPage
    from intune_tui.ui.app import IntuneApp

LOCAL_COLUMNS = [
    TableColumn("time", "When (UTC)", 19),
    TableColumn("action", "Action", 16),
    TableColumn("device", "Device", 20, flex=True),
    TableColumn("outcome", "Outcome", 12),
    TableColumn("status", "HTTP", 5),
    TableColumn("serial", "Serial", 14),
    TableColumn("operator", "By", 28),
    TableColumn("tenant", "Tenant", 20),
    TableColumn("request", "Request id", 36),
]
_OUTCOME_MARKS = {"succeeded": "good", "failed": "bad", "unknown": "warn", "cancelled": "muted",
                  OUTCOME_NO_ANSWER: "warn", OUTCOME_IN_PROGRESS: "warn"}
REMOTE_VIEW = "audit:remote_action_audits"


def action_words(key: str) -> str:
    action = ACTIONS.get(key)
    return action.label if action is not None else key


def entry_row(entry: AuditEntry) -> Row:
    """One audit attempt as a table row; every cell is tenant or file text, cleaned."""
    when = entry.time.replace("T", " ").removesuffix("Z")
    cells = tuple(clean(cell) for cell in (
        when, action_words(entry.action), entry.device_name or entry.device_id,
        entry.outcome, str(entry.http_status or ""), entry.serial, entry.operator, entry.tenant,
        entry.request_id or ""))
    marks = tuple(_OUTCOME_MARKS.get(entry.outcome) if index == 3 else None
                  for index in range(len(cells)))
    return Row(key=entry.attempt_id, cells=cells,
               sort_keys=tuple(cell.casefold() for cell in cells),
               search_text="\t".join(cells).lower(), marks=marks,
               item={"entry": entry})


def entry_details(entry: AuditEntry) -> Text:
    """Everything recorded about one attempt, literally, in a few lines."""
    lines = [
        ("Device", f"{entry.device_name} ({entry.device_id}), serial {entry.serial or '—'}, "
                   f"tenant {entry.tenant}"),
        ("Options", json.dumps(entry.options, ensure_ascii=True)),
        ("Outcome", f"{entry.outcome}, HTTP {entry.http_status or '—'}, request id "
                    f"{entry.request_id or '—'}"),
        ("Error", entry.error or "—"),
        ("Attempt", f"{entry.attempt_id} by {entry.operator}, sent {entry.time}, answered "
                    f"{entry.completed_at or '—'}"),
    ]
    text = Text()
    for index, (label, value) in enumerate(lines):
        text.append(f"{label:<8}", style="bold")
        text.append(clean(value) + ("\n" if index < len(lines) - 1 else ""))
    return text


class AuditScreen(Screen[None]):
    """The audit of remote actions: this app's record and Intune's."""

    DEFAULT_CSS = """
    AuditScreen #audit-local-detail { height: auto; max-height: 10; padding: 0 1;
                                      border-top: solid $panel; }
    AuditScreen .audit-note { height: auto; padding: 0 1; color: $text-muted; }
    AuditScreen #audit-remote-problem { display: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("r", "reload", "Refresh", id="audit.refresh"),
    ]

    @property
    def intune_app(self) -> IntuneApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="audit-tabs"):
            with TabPane("This app", id="audit-local"):
                yield Static("", id="audit-local-note", classes="audit-note")
                local: ResourceTable[Row] = ResourceTable(LOCAL_COLUMNS, id="audit-local-table")
                local.empty_text = "No remote action recorded yet"
                yield local
                yield Static("", id="audit-local-detail")
            with TabPane("Intune (remoteActionAudits)", id="audit-remote"):
                yield Static("", id="audit-remote-problem", classes="audit-note")
                resource = RESOURCES["remote_action_audits"]
                remote: ResourceTable[Row] = ResourceTable(table_columns(resource),
                                                           id="audit-remote-table")
                remote.empty_text = "Loading…"
                yield remote
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Audit of remote actions"
        self.load()
        self.query_one("#audit-local-table", ResourceTable).focus()

    def on_unmount(self) -> None:
        self.intune_app.cancel_stream(REMOTE_VIEW)

    def load(self) -> None:
        self.load_local()
        self.load_remote()

    def load_local(self) -> None:
        log = audit_log_at(self.intune_app.settings.audit_path)
        entries = log.read_newest_first()
        table = self.query_one("#audit-local-table", ResourceTable)
        table.replace_rows([entry_row(entry) for entry in entries], keep_key=True)
        self.query_one("#audit-local-note", Static).update(Text(
            f"{len(entries)} attempt(s), newest first, from {log.path}"))
        self._show_entry(table.cursor_row)

    def load_remote(self) -> None:
        table = self.query_one("#audit-remote-table", ResourceTable)
        table.clear()
        table.empty_text = "Loading…"
        self.query_one("#audit-remote-problem").display = False
        self.intune_app.stream(
            REMOTE_VIEW, lambda service: service.stream("remote_action_audits"),
            on_page=self._remote_page, on_done=self._remote_done, on_error=self._remote_failed)

    def _remote_page(self, page: RowPage) -> None:
        self.query_one("#audit-remote-table", ResourceTable).append_rows(page.rows)

    def _remote_done(self, _finished: Any) -> None:
        self.query_one("#audit-remote-table", ResourceTable).empty_text = \
            "Intune lists no remote actions"

    def _remote_failed(self, error: BaseException) -> None:
        problem = self.query_one("#audit-remote-problem", Static)
        problem.update(Text(f"Intune's remote action history is not available here: {error} "
                            "The local audit (first tab) is unaffected."))
        problem.display = True
        table = self.query_one("#audit-remote-table", ResourceTable)
        table.empty_text = "—"

    def on_resource_table_cursor_moved(self, event: ResourceTable.CursorMoved) -> None:
        if event.table.id == "audit-local-table":
            event.stop()
            self._show_entry(event.row)

    def _show_entry(self, row: Any) -> None:
        detail = self.query_one("#audit-local-detail", Static)
        entry = row.item.get("entry") if isinstance(row, Row) else None
        detail.update(entry_details(entry) if isinstance(entry, AuditEntry) else Text(""))

    def on_resource_table_row_activated(self, event: ResourceTable.RowActivated) -> None:
        event.stop()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.load()
