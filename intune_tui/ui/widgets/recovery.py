"""The device screen's Recovery tab: BitLocker keys, the FileVault key, the LAPS password.

Listed masked. `v` reveals the highlighted secret (one audited read), `Y` copies it to the
clipboard through OSC 52 (revealing it first if needed). A revealed secret is masked again after
`mask_after` seconds, when the tab or the screen is left; the clipboard is cleared after
`clipboard_after` seconds if it still holds the secret. Both delays are class attributes so tests
can shorten them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from intune_tui.audit import AuditRecord, AuditWriteError
from intune_tui.graph.errors import GraphError
from intune_tui.intune.formatting import format_datetime
from intune_tui.intune.models import ManagedDevice
from intune_tui.intune.secrets import (
    AUDIT_ACTIONS,
    MASK,
    REVEAL_SECONDS,
    Kind,
    RecoveryItem,
    RecoveryListing,
    RecoverySecrets,
    RevealedSecret,
    platform_kinds,
)
from intune_tui.text import clean
from intune_tui.ui.typed_app import IntuneAppMixin

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService

HINT = "v reveal · Y copy (cleared after 30 s) · revealed secrets are masked again after 30 s"


def item_line(item: RecoveryItem, revealed: RevealedSecret | None) -> Text:
    """One secret as a line: what it is, when it was backed up, masked or revealed value."""
    line = Text(item.label, style="bold")
    if item.backed_up is not None:
        line.append(f"  · backed up {format_datetime(item.backed_up)}", style="dim")
    account = revealed.account if revealed is not None else None
    if account:
        line.append(f"  · account {clean(account)}")
    line.append("\n  ")
    if revealed is None:
        line.append(MASK + "  (press v to reveal)", style="dim")
    else:
        line.append(clean(revealed.secret.reveal()), style="bold reverse")
    return line


class RecoveryPanel(IntuneAppMixin, Vertical):
    """Recovery secrets of one device, masked until revealed."""

    mask_after: ClassVar[float] = REVEAL_SECONDS
    clipboard_after: ClassVar[float] = REVEAL_SECONDS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "reveal", "Reveal", id="recovery.reveal",
                tooltip="Read and show the highlighted secret (audited)"),
        Binding("Y", "copy_secret", "Copy secret", id="recovery.copy",
                tooltip="Copy the highlighted secret to the clipboard (OSC 52)"),
    ]

    def __init__(self, *, id: str | None = None, only: tuple[Kind, ...] | None = None) -> None:
        super().__init__(id=id)
        self.only = only  # e.g. the offboarding plan shows disk keys, not LAPS
        self.device: ManagedDevice | None = None
        self.items: list[RecoveryItem] = []
        self._revealed: dict[int, RevealedSecret] = {}
        self._mask_timers: dict[int, Timer] = {}
        self._pending: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static(Text("Loading…"), id="recovery-note", classes="panel-note")
        yield OptionList(id="recovery-list")

    # -- data down -----------------------------------------------------------------------------

    def load(self, device: ManagedDevice) -> None:
        """List the device's secrets (never their values)."""
        self.device = device
        self.mask_all()
        if not [kind for kind in platform_kinds(device.operating_system)
                if self.only is None or kind in self.only]:
            self._show([], [f"{clean(device.operating_system) or 'This platform'} devices have "
                            "no BitLocker key, FileVault key or LAPS password."])
            return
        operating_system, entra_id = device.operating_system, device.azure_ad_device_id
        only = self.only

        def call(service: IntuneService) -> Any:
            return RecoverySecrets(service.client).listing(operating_system, entra_id, only)

        self.intune_app.run_call(f"device:{device.id or ''}:recovery", call, on_done=self._listed,
                                 on_error=self.show_error)

    def show_listing(self, device: ManagedDevice, listing: RecoveryListing) -> None:
        """A listing read before this panel was mounted (the device screen starts its reads
        at Enter, before it builds its tabs)."""
        self.device = device
        self.mask_all()
        self._listed(listing)

    def _listed(self, listing: RecoveryListing) -> None:
        self._show(list(listing.items), list(listing.problems))

    def _show(self, items: list[RecoveryItem], problems: list[str]) -> None:
        self.items = items
        self._revealed.clear()
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(item_line(item, None)) for item in items])
        if items:
            options.highlighted = 0
        lines = [clean(problem) for problem in problems]
        if items:
            lines.append(HINT)
        elif not problems:
            lines.append("No recovery secret is stored for this device.")
        self._note("\n".join(lines))

    def show_error(self, error: BaseException) -> None:
        self._note(f"Could not list recovery secrets: {_sentence(error)}")

    def _note(self, text: str) -> None:
        self.query_one("#recovery-note", Static).update(Text(text))

    # -- keys ----------------------------------------------------------------------------------

    def _highlighted(self) -> int | None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.items):
            self.app.notify("No secret is highlighted.", markup=False, severity="warning")
            return None
        return index

    def action_reveal(self) -> None:
        index = self._highlighted()
        if index is not None:
            self.reveal(index)

    def action_copy_secret(self) -> None:
        index = self._highlighted()
        if index is None:
            return
        if index in self._revealed:
            self._copy(index)
        else:
            self.reveal(index, then_copy=True)

    # -- reveal, mask, copy --------------------------------------------------------------------

    def reveal(self, index: int, *, then_copy: bool = False) -> None:
        """Audit, read the secret, show it; mask it again after `mask_after` seconds."""
        if index in self._revealed:
            return
        if index in self._pending or self.device is None:
            return
        device, item = self.device, self.items[index]
        try:
            attempt_id = self._audit().begin(self._audit_record(device, item))
        except AuditWriteError as error:
            self.app.notify(f"Not revealed: the audit log could not be written ({error}).",
                            severity="error", markup=False)
            return
        self._pending.add(index)

        def call(service: IntuneService) -> Any:
            return RecoverySecrets(service.client).reveal(
                item, managed_device_id=str(device.id or ""),
                entra_device_id=device.azure_ad_device_id)

        def done(revealed: RevealedSecret) -> None:
            self._pending.discard(index)
            self._complete(attempt_id, "succeeded")
            if not self.is_attached or self.device is not device:
                return
            self._revealed[index] = revealed
            self._redraw(index)
            self._mask_timers[index] = self.set_timer(self.mask_after,
                                                      lambda: self.mask(index))
            if then_copy:
                self._copy(index)

        def failed(error: BaseException) -> None:
            self._pending.discard(index)
            self._complete(attempt_id, "failed", error)
            if self.is_attached:
                self._note(f"{item.label}: {_sentence(error)}")

        self.intune_app.run_call(f"device:{device.id or ''}:reveal:{index}", call, on_done=done,
                                 on_error=failed, replace=False)

    def mask(self, index: int) -> None:
        timer = self._mask_timers.pop(index, None)
        if timer is not None:
            timer.stop()
        if self._revealed.pop(index, None) is not None and self.is_attached:
            self._redraw(index)

    def mask_all(self) -> None:
        for index in list(self._revealed):
            self.mask(index)

    @property
    def revealed_count(self) -> int:
        return len(self._revealed)

    def _redraw(self, index: int) -> None:
        self.query_one(OptionList).replace_option_prompt_at_index(
            index, item_line(self.items[index], self._revealed.get(index)))

    def _copy(self, index: int) -> None:
        value = self._revealed[index].secret.reveal()
        app = self.app
        app.copy_to_clipboard(value)
        seconds = round(self.clipboard_after)
        app.notify(f"{self.items[index].label} copied; the clipboard is cleared in {seconds} s "
                   "(where the terminal allows).", markup=False)

        def clear() -> None:
            if app.clipboard == value:
                app.copy_to_clipboard("")

        app.set_timer(self.clipboard_after, clear)

    # -- audit ---------------------------------------------------------------------------------

    def _audit(self) -> Any:
        from intune_tui.ui.action_flow import action_flow

        return action_flow(self.intune_app).audit

    def _audit_record(self, device: ManagedDevice, item: RecoveryItem) -> AuditRecord:
        """Who read which secret of which device; never the secret."""
        from intune_tui.ui.action_flow import action_flow

        app = self.intune_app
        access = action_flow(app).access
        operator = (access.operator if access is not None else "") or app.session.account
        options = {"secret": item.label}
        if item.key_id:
            options["keyId"] = item.key_id
        return AuditRecord(tenant=app.session.tenant_label, operator=operator,
                           action=AUDIT_ACTIONS[item.kind], device_id=str(device.id or ""),
                           device_name=clean(device.name), serial=clean(device.serial_number),
                           options=options)

    def _complete(self, attempt_id: str, outcome: str, error: BaseException | None = None
                  ) -> None:
        try:
            self._audit().complete(
                attempt_id, outcome=outcome,
                http_status=getattr(error, "status", None),
                request_id=getattr(error, "request_id", None),
                error=_sentence(error) if error is not None else None)
        except AuditWriteError as problem:
            self.app.notify(f"The audit result could not be written: {problem}",
                            severity="error", markup=False)


def _sentence(error: BaseException) -> str:
    if isinstance(error, GraphError | ValueError):
        return clean(str(error))
    return f"something went wrong ({type(error).__name__}); details are in the log"
