"""`:audit`: the local audit of remote actions, newest first, and Intune's own history beside it.

The first tab reads the app's append-only audit file (every attempt, whether it was answered)
and verifies its hash chain on every read: a break (a line edited, removed, inserted, reordered,
a cut tail, a forged result) is the first thing on the screen, above the table, and the attempts
it touches are marked in the table. The second tab streams the beta `remoteActionAudits` where the
tenant allows it, newest first; when it does not (no beta, a 403), the tab says why and the local
tab still works.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from intune_tui.audit import (
    OUTCOME_IN_PROGRESS,
    OUTCOME_NO_ANSWER,
    AuditEntry,
    AuditReading,
    ChainReport,
)
from intune_tui.intune.actions import ACTIONS
from intune_tui.intune.resources import RESOURCES, Row
from intune_tui.text import clean
from intune_tui.ui.action_flow import audit_log_at
from intune_tui.ui.screens.resource_list import table_columns
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn

if TYPE_CHECKING:
    from intune_tui.intune.service import RowPage

LOCAL_COLUMNS = [
    TableColumn("time", "When (UTC)", 19),
    TableColumn("action", "Action", 16),
    TableColumn("device", "Device", 20, flex=True),
    TableColumn("outcome", "Outcome", 20),
    TableColumn("status", "HTTP", 5),
    TableColumn("serial", "Serial", 14),
    TableColumn("operator", "By", 28),
    TableColumn("tenant", "Tenant", 20),
    TableColumn("request", "Request id", 36),
]
_OUTCOME_MARKS = {"succeeded": "good", "failed": "bad", "unknown": "warn", "cancelled": "muted",
                  "not_sent": "muted", OUTCOME_NO_ANSWER: "warn", OUTCOME_IN_PROGRESS: "warn"}
REMOTE_VIEW = "audit:remote_action_audits"
BROKEN_MARK = "⚠ "
SHOWN_BREAKS = 3  # the banner names this many breaks; the rest are counted


def action_words(key: str) -> str:
    action = ACTIONS.get(key)
    return action.label if action is not None else key


def outcome_cell(entry: AuditEntry) -> str:
    """The outcome as a helpdesk says it, marked when the chain is broken around the attempt."""
    words = entry.outcome_words
    return BROKEN_MARK + words if entry.problems else words


def entry_row(entry: AuditEntry) -> Row:
    """One audit attempt as a table row; every cell is tenant or file text, cleaned."""
    when = entry.time.replace("T", " ").removesuffix("Z")
    cells = tuple(clean(cell) for cell in (
        when, action_words(entry.action), entry.device_name or entry.device_id,
        outcome_cell(entry), str(entry.http_status or ""), entry.serial, entry.operator,
        entry.tenant, entry.request_id or ""))
    outcome_mark = "bad" if entry.problems else _OUTCOME_MARKS.get(entry.outcome)
    if entry.settled == "failed":
        outcome_mark = "bad"
    marks = tuple(outcome_mark if index == 3 else None for index in range(len(cells)))
    return Row(key=entry.attempt_id, cells=cells,
               sort_keys=tuple(cell.casefold() for cell in cells),
               search_text="\t".join(cells).lower(), marks=marks,
               item={"entry": entry})


def outcome_text(entry: AuditEntry) -> str:
    """The words, and the recorded value where it differs ("accepted by Intune (succeeded)")."""
    words = entry.outcome_words
    return words if words == entry.outcome else f"{words} ({entry.outcome})"


def entry_details(entry: AuditEntry) -> Text:
    """Everything recorded about one attempt, literally, in a few lines."""
    settled = (f"; the device reported {entry.settled} at {entry.settled_at or '—'}"
               if entry.settled else "")
    if entry.problems:
        chain = "BROKEN: " + "; ".join(entry.problems)
    elif entry.before_chaining:
        chain = "before chaining (written by an older intune-tui; not verifiable)"
    elif entry.unverified:
        chain = "not verifiable here (sealed with a key this session cannot use)"
    else:
        chain = "verified"
    lines = [
        ("Device", f"{entry.device_name} ({entry.device_id}), serial {entry.serial or '—'}, "
                   f"tenant {entry.tenant}"),
        ("Options", json.dumps(entry.options, ensure_ascii=True)),
        ("Outcome", f"{outcome_text(entry)}, HTTP {entry.http_status or '—'}, "
                    f"request id {entry.request_id or '—'}{settled}"),
        ("Error", entry.error or "—"),
        ("Attempt", f"{entry.attempt_id} by {entry.operator}, sent {entry.time}, answered "
                    f"{entry.completed_at or '—'}"),
        ("Chain", chain),
    ]
    text = Text()
    for index, (label, value) in enumerate(lines):
        text.append(f"{label:<8}", style="bold")
        style = "bold red" if label == "Chain" and entry.problems else ""
        text.append(clean(value), style=style)
        text.append("\n" if index < len(lines) - 1 else "")
    return text


def chain_words(report: ChainReport) -> Text:
    """The verification, for the top of the screen: breaks first, then what weakens the check."""
    text = Text()
    text.append(clean(report.headline()), style="bold" if report.breaks else "")
    later = report.breaks[1:SHOWN_BREAKS]
    for item in later:
        text.append(f"\n  then ({item.kind}): ", style="bold")
        text.append(clean(item.detail))
    if len(report.breaks) > SHOWN_BREAKS:
        text.append(f"\n  … and {len(report.breaks) - SHOWN_BREAKS} more break(s)")
    for note in report.warnings():
        text.append("\n" + clean(note))
    return text


class AuditScreen(IntuneAppMixin, Screen[None]):
    """The audit of remote actions: this app's record and Intune's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="audit.back"),
        Binding("r", "reload", "Refresh", id="audit.refresh"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="audit-tabs"):
            with TabPane("This app", id="audit-local"):
                yield Static("Verifying the audit file…", id="audit-chain")
                yield Static("", id="audit-local-note", classes="audit-note")
                local: ResourceTable[Row] = ResourceTable(LOCAL_COLUMNS, id="audit-local-table")
                local.empty_text = "Reading…"
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
        # Newest first, like the local tab: requestDateTime sorts as a datetime.
        requested = RESOURCES["remote_action_audits"].column_index("requestDateTime")
        self.query_one("#audit-remote-table", ResourceTable).sort_by(requested, reverse=True)
        self.load()
        self.query_one("#audit-local-table", ResourceTable).focus()

    def on_unmount(self) -> None:
        self.intune_app.cancel_listing(REMOTE_VIEW)

    def load(self) -> None:
        self.load_local()
        self.load_remote()

    def load_local(self) -> None:
        """Read and verify the file off the event loop (the key probe can wait for the keyring)."""
        self.run_worker(self._read_local(), group="audit-local", exclusive=True)

    async def _read_local(self) -> None:
        log = audit_log_at(self.intune_app.settings.audit_path)
        try:
            reading = await asyncio.to_thread(log.read)
        except OSError as error:
            self._show_unreadable(f"Could not read the audit file {log.path}: "
                                  f"{error.strerror or error}")
            return
        self._show_local(reading, str(log.path))

    def _show_local(self, reading: AuditReading, path: str) -> None:
        entries = reading.entries
        table = self.query_one("#audit-local-table", ResourceTable)
        table.empty_text = "No remote action recorded yet"
        table.replace_rows([entry_row(entry) for entry in entries], keep_key=True)
        chain = self.query_one("#audit-chain", Static)
        chain.update(chain_words(reading.chain))
        chain.set_class(not reading.chain.intact, "-broken")
        self.query_one("#audit-local-note", Static).update(Text(
            f"{len(entries)} attempt(s), newest first, from {path}"))
        self._show_entry(table.cursor_row)

    def _show_unreadable(self, message: str) -> None:
        chain = self.query_one("#audit-chain", Static)
        chain.update(Text(message))
        chain.set_class(True, "-broken")
        self.query_one("#audit-local-table", ResourceTable).empty_text = "—"

    def load_remote(self) -> None:
        table = self.query_one("#audit-remote-table", ResourceTable)
        table.clear()
        table.empty_text = "Loading…"
        self.query_one("#audit-remote-problem").display = False
        self.intune_app.run_listing(
            REMOTE_VIEW, lambda service: service.list_pages("remote_action_audits"),
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
