"""One remote action on the marked devices: preview, confirmation, progress, per-device results.

The preview lists every marked device and whether it will receive the action (or why not).
Options are chosen explicitly and the bodies that will be sent are shown. A destructive or
irreversible action asks for the number of devices to be typed and is refused above the
configured cap (`bulk_destructive_cap`). Sending goes through `$batch`, 20 devices per call, one
audit line per device; the results list every device with its own outcome.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, ProgressBar, Static

from intune_tui.intune.action_run import (
    OUTCOME_UNKNOWN,
    TIER_WORDS,
    BulkProgress,
    literal_json,
    request_path,
)
from intune_tui.intune.actions import (
    BATCH_LIMIT,
    OptionError,
    RemoteAction,
    Tier,
    build_body,
    platform_of,
)
from intune_tui.intune.formatting import count_of
from intune_tui.intune.models import ManagedDevice
from intune_tui.intune.resources import Row
from intune_tui.text import clean
from intune_tui.ui.screens.confirm import (
    ConfirmDialog,
    IncompleteOptions,
    OptionsForm,
    facts_table,
)
from intune_tui.ui.typed_app import IntuneAppMixin
from intune_tui.ui.widgets.resource_table import ResourceTable, TableColumn

if TYPE_CHECKING:
    from intune_tui.intune.service import ActionOutcome

PREVIEW_COLUMNS = [TableColumn("device", "Device", 22, flex=True),
                   TableColumn("user", "User", 24), TableColumn("os", "OS", 8),
                   TableColumn("serial", "Serial", 14), TableColumn("plan", "Will", 24)]
RESULT_COLUMNS = [TableColumn("device", "Device", 22, flex=True),
                  TableColumn("outcome", "Outcome", 12), TableColumn("status", "HTTP", 5),
                  TableColumn("detail", "Detail", 40)]
_OUTCOME_WORDS = {"succeeded": "Accepted", "failed": "Failed", "unknown": "Unknown",
                  "not_sent": "Not sent"}
_OUTCOME_MARKS = {"succeeded": "good", "failed": "bad", "unknown": "warn", "not_sent": "bad"}


def _row(key: str, cells: Sequence[str], marks: Sequence[str | None] | None = None,
         item: dict[str, Any] | None = None) -> Row:
    shown = tuple(clean(cell) for cell in cells)
    return Row(key=key, cells=shown, sort_keys=tuple(cell.casefold() for cell in shown),
               search_text="\t".join(shown).lower(),
               marks=tuple(marks) if marks else (None,) * len(shown), item=item or {})


def numbered_reasons(reasons: Iterable[str | None]) -> dict[str, int]:
    """Each distinct skip reason, numbered in order of first appearance: the preview's "Will"
    column is too narrow for a sentence: it says "skip, reason N" and the summary spells N out."""
    numbers: dict[str, int] = {}
    for reason in reasons:
        if reason is not None and reason not in numbers:
            numbers[reason] = len(numbers) + 1
    return numbers


def preview_row(device: Mapping[str, Any], reason: str | None, number: int = 0) -> Row:
    plan = "send" if reason is None else f"skip, reason {number}"
    record = ManagedDevice.from_graph(device)
    return _row(record.id or "",
                (record.name or "(no name)", record.user_principal_name or "",
                 record.operating_system or "", record.serial_number or "", plan),
                (None, None, None, None, None if reason is None else "muted"), dict(device))


def result_row(outcome: ActionOutcome) -> Row:
    word = _OUTCOME_WORDS.get(outcome.outcome, outcome.outcome)
    if not outcome.sent:
        word = "Not sent"
    detail = outcome.error or ""
    if outcome.outcome == "unknown":
        detail = f"{OUTCOME_UNKNOWN}. {detail}"
    return _row(outcome.device_id,
                (outcome.device_name or outcome.device_id, word,
                 str(outcome.status) if outcome.status else "", detail),
                (None, _OUTCOME_MARKS.get(outcome.outcome), None, None))


def skipped_row(device: Mapping[str, Any], reason: str) -> Row:
    record = ManagedDevice.from_graph(device)
    return _row(record.id or "", (record.label, "Skipped", "", reason),
                (None, "muted", None, None))


class BulkActionScreen(IntuneAppMixin, ConfirmDialog[None]):
    """Preview -> typed count (destructive) -> progress -> results, for one action."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Cancel / close", id="bulk.close"),
    ]

    def __init__(self, devices: Sequence[Mapping[str, Any]], action: RemoteAction) -> None:
        super().__init__(classes=f"-{TIER_WORDS[action.tier]}")
        self.action = action
        self.devices = [dict(device) for device in devices]
        self.reasons = {str(d.get("id") or ""): action.why_not(d) for d in self.devices}
        self.planned = [d for d in self.devices if self.reasons[str(d.get("id") or "")] is None]
        platforms = {platform_of(device) for device in self.planned}
        self.options = tuple(option for option in action.options
                             if any(option.applies_to(p) for p in platforms))
        self.needs_count = action.tier >= Tier.DESTRUCTIVE
        self._answered = False
        self._answer: asyncio.Future[dict[str, object] | None] | None = None
        self.progress: BulkProgress | None = None

    async def confirmed_options(self) -> dict[str, object] | None:
        """The options the user confirmed, or None when the dialog was closed first. The flow
        awaits this, then sends and feeds `show_progress`."""
        return await self._answer_future()

    def _answer_future(self) -> asyncio.Future[dict[str, object] | None]:
        if self._answer is None:
            self._answer = asyncio.get_running_loop().create_future()
        return self._answer

    def _give_answer(self, options: dict[str, object] | None) -> None:
        future = self._answer_future()
        if not future.done():
            future.set_result(options)

    @property
    def cap(self) -> int:
        return int(self.intune_app.settings.bulk_destructive_cap)

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        action = self.action
        with Vertical(id="bulk-dialog"):
            yield Static(Text(f"Bulk {action.label}: {TIER_WORDS[action.tier]} remote action "
                              f"on {count_of(len(self.planned), 'devices')}"), id="bulk-title")
            yield Static(self.summary_text(), id="bulk-summary")
            preview: ResourceTable[Row] = ResourceTable(PREVIEW_COLUMNS, id="bulk-preview")
            yield preview
            results: ResourceTable[Row] = ResourceTable(RESULT_COLUMNS, id="bulk-results")
            yield results
            yield Static("", id="bulk-detail")
            yield ProgressBar(total=max(len(self.planned), 1), show_eta=False,
                              id="bulk-progress")
            if self.options:
                yield OptionsForm(self.options, id="bulk-options")
            yield Static("", id="bulk-bodies")
            if self.needs_count:
                yield Static(Text(f"Type the number of devices, {len(self.planned)}, to "
                                  "confirm:"), id="bulk-count-prompt")
                yield Input(placeholder="number of devices", compact=True, id="bulk-count")
            yield Static("", id="bulk-problem")
            with Horizontal(id="bulk-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button(f"{action.label} {count_of(len(self.planned), 'devices')}",
                             id="confirm",
                             variant="error" if self.needs_count else "primary", compact=True)
                yield Button("Close", id="close", compact=True)

    def summary_text(self) -> Text:
        skipped = len(self.devices) - len(self.planned)
        calls = -(-len(self.planned) // BATCH_LIMIT)
        text = Text(f"Tenant {self.intune_app.session.tenant_label}. {len(self.planned)} of "
                    f"{count_of(len(self.devices), 'marked devices')} will receive it, in "
                    f"{count_of(calls, '$batch calls')} of up to {BATCH_LIMIT}")
        text.append(f"; {skipped} skipped:" if skipped else ".")
        reasons = [self.reasons[str(d.get("id") or "")] for d in self.devices]
        for reason, number in numbered_reasons(reasons).items():
            count = reasons.count(reason)
            text.append(f"\n  reason {number} ({count} device{'' if count == 1 else 's'}): "
                        f"{reason}")
        text.append("\n" + self.action.consequence)
        return text

    def on_mount(self) -> None:
        preview = self.query_one("#bulk-preview", ResourceTable)
        numbers = numbered_reasons(self.reasons.values())
        preview.replace_rows([preview_row(d, reason, numbers.get(reason or "", 0))
                              for d in self.devices
                              for reason in (self.reasons[str(d.get("id") or "")],)])
        self.refresh_state()
        if self.options:
            self.query_one(f"#option-{self.options[0].key}").focus()
        elif self.needs_count and not self.refused():
            self.query_one("#bulk-count", Input).focus()
        else:
            self.query_one("#cancel", Button).focus()

    # -- state ---------------------------------------------------------------------------------

    def refused(self) -> str | None:
        """Why this bulk action may not be sent at all (None: it may)."""
        if not self.planned:
            return f"{self.action.label} applies to none of the marked devices."
        if self.needs_count and len(self.planned) > self.cap:
            return (f"Refused: a bulk {self.action.label} is limited to {self.cap} devices at "
                    f"a time (bulk_destructive_cap in the config) and {len(self.planned)} would "
                    "receive it. Mark fewer devices.")
        return None

    def chosen_options(self) -> dict[str, object]:
        form = self.query(OptionsForm)
        return form.first().chosen() if form else {}

    def bodies_text(self, options: Mapping[str, object]) -> str:
        """The distinct bodies that will be sent and to how many devices each."""
        counts = Counter(literal_json(build_body(self.action, options, device=device))
                         for device in self.planned)
        return "\n".join(f"{count} device{'s' if count != 1 else ''}: {body}"
                         for body, count in counts.items())

    def problem(self) -> tuple[str | None, str]:
        """(why confirm is disabled, the bodies text)."""
        refused = self.refused()
        if refused:
            return refused, ""
        try:
            options = self.chosen_options()
            bodies = self.bodies_text(options)
        except (IncompleteOptions, OptionError) as error:
            return str(error), "shown once every option is chosen"
        if self.needs_count:
            typed = self.query_one("#bulk-count", Input).value.strip()
            if typed != str(len(self.planned)):
                return (f"Type {len(self.planned)} to enable {self.action.label}.", bodies)
        return None, bodies

    def refresh_state(self) -> None:
        if self._answered:
            return
        problem, bodies = self.problem()
        path = request_path(self.action, "{id}")
        self.query_one("#bulk-bodies", Static).update(
            facts_table([(self.action.http_method, f"{path} (one per device, via $batch)"),
                         ("Body", bodies or "—")]))
        self.show_problem(self.query_one("#bulk-problem", Static), problem)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.query_one("#confirm", Button).disabled:
            self.query_one("#confirm", Button).focus()

    # -- answers -------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        if self._answered:
            return
        problem, _ = self.problem()
        if problem is not None:
            return
        options = self.chosen_options()
        self._answered = True
        self.query_one("#confirm", Button).disabled = True
        self._show_progress_phase()
        self._give_answer(options)

    def action_cancel(self) -> None:
        """Cancel (or, once the results are in, Close)."""
        self.action_close()

    def action_close(self) -> None:
        if not self._answered:
            self._answered = True
        self._give_answer(None)
        self.dismiss(None)

    def on_resource_table_cursor_moved(self, event: ResourceTable.CursorMoved) -> None:
        event.stop()
        if event.table.id != "bulk-results":
            return
        row = event.row
        detail = Text("")
        if isinstance(row, Row):
            detail = Text(f"{row.cells[0]}: {row.cells[1]}")
            if row.cells[3]:
                detail.append(f". {row.cells[3]}")
        self.query_one("#bulk-detail", Static).update(detail)

    # -- progress and results ------------------------------------------------------------------

    def _show_progress_phase(self) -> None:
        for selector in ("#bulk-options", "#bulk-count-prompt", "#bulk-count", "#bulk-problem",
                         "#cancel", "#confirm", "#bulk-preview", "#bulk-bodies"):
            for widget in self.query(selector):
                widget.display = False
        self.query_one(ProgressBar).display = True
        self.query_one("#bulk-results").display = True
        self.query_one("#bulk-detail").display = True
        self.query_one("#close", Button).display = True
        # The results, not Close, get the focus: a repeated Enter must not hide them.
        self.query_one("#bulk-results", ResourceTable).focus()

    def show_progress(self, progress: BulkProgress) -> None:
        if not self.is_attached:
            return  # closed while sending: the run goes on and notifies its summary
        self.progress = progress
        self.query_one(ProgressBar).update(progress=progress.done)
        rows = [result_row(outcome) for outcome in progress.outcomes]
        rows += [skipped_row(d, self.reasons[str(d.get("id") or "")] or "")
                 for d in self.devices if self.reasons[str(d.get("id") or "")] is not None]
        rows.sort(key=lambda row: {"Failed": 0, "Unknown": 1, "Not sent": 2}.get(row.cells[1],
                                                                                 3))
        self.query_one("#bulk-results", ResourceTable).replace_rows(rows)
        summary = progress.summary()
        state = "Done" if progress.finished else f"Sending… {progress.done} of {progress.total}"
        self.query_one("#bulk-summary", Static).update(Text(f"{state}: {summary}."))
