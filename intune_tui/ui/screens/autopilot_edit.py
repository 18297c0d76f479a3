"""Autopilot edits from the `:offboard` lookup (ctrl+t): a new group tag and/or assigned user for
the identities found, previewed per identity, the count typed when there are several, then one
audited `updateDeviceProperties` per identity (intune/autopilot.py, as `autopilot-update`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from uuid import uuid4

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Input, Static

from intune_tui.intune.autopilot import (
    AutopilotChange,
    AutopilotOutcome,
    apply_changes,
    plan_changes,
)
from intune_tui.intune.lifecycle import AutopilotIdentity, LookupReport
from intune_tui.text import clean
from intune_tui.ui.action_flow import audit_log_at
from intune_tui.ui.screens.typed_count import PlanKey, TypedCountScreen, plan_bindings

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService


class AutopilotEditScreen(TypedCountScreen):
    SCOPE = "autopilot"
    BINDINGS: ClassVar[list[BindingType]] = plan_bindings(
        SCOPE,
        PlanKey("preview", "preview", "Preview",
                "Show what each identity will get; nothing is sent"),
        PlanKey("send", "apply_changes", "Send", "Send the previewed change, once per identity"))
    INTRO = ("A new group tag and/or assigned user (blank keeps the current one); ctrl+l previews, "
             "then ctrl+r sends one updateDeviceProperties per identity (type the count first "
             "when there are several).")

    def __init__(self, identities: list[AutopilotIdentity]) -> None:
        super().__init__()
        self.title = "Edit Autopilot identities"
        self.identities = identities
        self.changes: list[AutopilotChange] | None = None  # the previewed changes, not yet sent
        self.outcomes: list[AutopilotOutcome] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.intro()
        yield Input(id="autopilot-group-tag", placeholder="new group tag (blank: keep)")
        yield Input(id="autopilot-user", placeholder="assigned user, a UPN (blank: keep)")
        with VerticalScroll(id="autopilot-output"):
            yield Static(Text("\n".join(_listing(self.identities))), id="autopilot-preview")
        yield Input(id="autopilot-confirm", placeholder=self._confirm_hint())
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#autopilot-group-tag", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("autopilot-group-tag", "autopilot-user") and self.changes:
            self.changes = None  # what was previewed is no longer what would be sent
            self._show("The values changed: press ctrl+l to preview again.")

    def _confirm_hint(self) -> str:
        if len(self.identities) > 1:
            return "type the number of identities, then ctrl+r"
        return "after the preview, ctrl+r sends"

    # -- preview and send ----------------------------------------------------------------------

    def action_preview(self) -> None:
        if self.running:
            return
        values = {"group_tag": self.query_one("#autopilot-group-tag", Input).value.strip(),
                  "user_principal_name": self.query_one("#autopilot-user", Input).value.strip()}
        given = {name: value for name, value in values.items() if value}
        if not given:
            self.changes = None
            self._show("Give a group tag or an assigned user to change; nothing was sent.")
            return
        self.changes = plan_changes(self.identities, **given)
        count = len(self.changes)
        lines = [f"Changes for {count} Autopilot identity(ies):",
                 *(f"  {change.preview()}" for change in self.changes), ""]
        lines.append(f"Type {count} below and press ctrl+r to send them." if count > 1
                     else "Press ctrl+r to send it.")
        self._show("\n".join(lines))
        self.confirm_input().focus()

    def action_apply_changes(self) -> None:
        changes = self.changes
        if not changes or self.running:
            self.notify("Preview the change first (ctrl+l).", severity="warning")
            return
        if len(changes) > 1 and not self.count_typed(len(changes), "identities", "send"):
            return
        session = self.intune_app.session
        audit = audit_log_at(self.intune_app.settings.audit_path)
        self.changes = None  # one confirmation, one write per identity
        self.take_confirmation()
        self._show(f"Sending {len(changes)} change(s)…")

        async def send(service: IntuneService) -> list[AutopilotOutcome]:
            return await apply_changes(service.client, changes, audit,
                                       tenant=session.tenant_label, operator=session.account)

        def done(outcomes: list[AutopilotOutcome]) -> None:
            self.running = False
            self.outcomes = outcomes
            states = [outcome.state for outcome in outcomes]
            summary = (f"{states.count('done')} done, {states.count('failed')} failed, "
                       f"{states.count('unknown')} unknown")
            self.app.notify(summary, title="Autopilot changes", markup=False,
                            severity="information" if states.count("done") == len(states)
                            else "warning")
            if self.is_attached:
                self._show("\n".join([summary, *(_outcome_line(o) for o in outcomes)]))

        def failed(error: BaseException) -> None:
            self.running = False
            self.outcomes = []
            self._show(f"Not sent: {clean(str(error))}")

        self.intune_app.run_call(f"autopilot:update:{uuid4()}", send, on_done=done, on_error=failed,
                                 write=True)

    def _show(self, text: str) -> None:
        self.query_one("#autopilot-preview", Static).update(Text(text))


def identities_of(report: LookupReport) -> list[AutopilotIdentity]:
    """Every Autopilot identity of the lookup's matched devices, once each."""
    seen: dict[str, AutopilotIdentity] = {}
    for result in report.matched():
        for identity in result.devices[0].autopilot:
            seen.setdefault(identity.id, identity)
    return list(seen.values())


def _listing(identities: list[AutopilotIdentity]) -> list[str]:
    lines = [f"{len(identities)} Autopilot identity(ies) from the lookup:"]
    lines += [f"  serial {clean(item.serial_number or '-')} · group tag "
              f"{clean(item.group_tag or '') or '(none)'} · user "
              f"{clean(item.user_principal_name or '') or '(none)'}" for item in identities]
    return lines


def _outcome_line(outcome: AutopilotOutcome) -> str:
    detail = f" ({clean(outcome.error)})" if outcome.error else ""
    serial = clean(outcome.change.identity.serial_number or "-")
    return f"  serial {serial}: {outcome.state}{detail}"
