"""`:offboard`: paste serials, names or ids -> look them up in Intune, Entra ID and Autopilot ->
the plan in Microsoft's order -> type the number of devices -> run -> the report.

The work is intune/lifecycle.py (lookup, join) and intune/offboarding.py (plan, journaled
runner); this screen only shows their text (never as markup) and asks for the typed count.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Header, Input, Static, TextArea

from intune_tui.export import write_export
from intune_tui.intune.formatting import format_datetime
from intune_tui.intune.lifecycle import (
    STALE_PLATFORMS,
    DeviceLookup,
    JoinedDevice,
    LookupReport,
    StaleDevice,
    parse_inputs,
    stale_devices,
    stale_inputs,
    stale_platform,
)
from intune_tui.intune.models import ManagedDevice
from intune_tui.intune.offboarding import (
    DEFAULT_STEPS,
    JOURNAL_DIR,
    REPORT_COLUMNS,
    Journal,
    OffboardPlan,
    OffboardReport,
    OffboardRunner,
    PlanError,
    build_plan,
    describe_plan,
    parse_steps,
    report_records,
)
from intune_tui.intune.secrets import Kind, platform_kinds
from intune_tui.text import clean
from intune_tui.ui.action_flow import audit_log_at
from intune_tui.ui.screens.typed_count import PlanKey, TypedCountScreen, plan_bindings
from intune_tui.ui.widgets.recovery import RecoveryPanel
from intune_tui.ui.widgets.scroll_area import ScrollArea

if TYPE_CHECKING:
    from intune_tui.intune.service import IntuneService

# `stale:90` or `stale:180 os:Windows` instead of a list: devices not synced for that long.
STALE_REQUEST = re.compile(r"stale:(?P<days>[1-9][0-9]{0,3})(?:\s+os:(?P<os>[A-Za-z]+))?",
                           re.IGNORECASE)


class OffboardScreen(TypedCountScreen):
    SCOPE = "offboard"
    INTRO = ("Paste serials, names (name:PC-01) or ids, one a line, or type stale:90; ctrl+l looks "
             "them up in Intune, Entra ID and Autopilot. Nothing changes until you type the "
             "count + ctrl+r.")
    BINDINGS: ClassVar[list[BindingType]] = plan_bindings(
        SCOPE,
        PlanKey("look_up", "look_up", "Look up", "Look the pasted inputs up and build the plan"),
        PlanKey("run", "run_plan", "Run plan", "Run the plan once the number of devices is typed"),
        Binding("ctrl+t", "edit_autopilot", "Autopilot edit", id="offboard.autopilot",
                tooltip="Change group tag / assigned user of the Autopilot identities found"))

    def __init__(self, *, stale: str = "") -> None:
        """`stale`: "90" or "90 Windows" (from `:stale`) looks those devices up at once."""
        super().__init__()
        self.title = "Offboard devices"
        self.stale = stale
        self.report: LookupReport | None = None
        self.plan: OffboardPlan | None = None
        self.result: OffboardReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield self.intro()
        yield TextArea(id="offboard-input", soft_wrap=False, show_line_numbers=True)
        yield Input(",".join(step.value for step in DEFAULT_STEPS), id="offboard-steps",
                    placeholder="steps: retire|wipe, delete-intune, delete-autopilot, "
                    "disable-entra|delete-entra")
        with ScrollArea(id="offboard-output"):
            yield Static(Text("No plan yet."), id="offboard-plan")
            yield Vertical(id="offboard-keys")
        yield Input(id="offboard-confirm", placeholder="type the number of devices, then ctrl+r")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#offboard-input", TextArea).focus()
        if self.stale:
            days, _, platform = self.stale.partition(" ")
            self.query_one("#offboard-input", TextArea).text = (
                f"stale:{days}" + (f" os:{platform}" if platform else ""))
            self.action_look_up()

    # -- look up -------------------------------------------------------------------------------

    def action_look_up(self) -> None:
        if self.running:
            self.notify("A plan is running; wait for its report.", severity="warning")
            return
        try:
            steps = parse_steps(self.query_one("#offboard-steps", Input).value)
        except PlanError as error:
            self.notify(f"Steps: {error}", severity="warning", markup=False)
            return
        text = self.query_one("#offboard-input", TextArea).text
        stale = STALE_REQUEST.fullmatch(text.strip())
        inputs = [] if stale else parse_inputs(text)
        if not stale and not inputs:
            self.notify("Paste at least one serial, device name or id, or type stale:90.",
                        severity="warning")
            return
        platform = stale_platform(stale["os"]) if stale and stale["os"] else None
        if stale and stale["os"] and platform is None:
            self.notify(f"Unknown platform {stale['os']}: use one of "
                        f"{', '.join(STALE_PLATFORMS)}.", severity="warning", markup=False)
            return
        self._show(Text("Asking Graph for stale devices…" if stale
                        else f"Looking up {len(inputs)} input(s)…"))
        self.plan = None
        self._clear_keys()
        session = self.intune_app.session
        cap = self.intune_app.settings.bulk_destructive_cap
        notes: list[str] = []

        def progress(done: int, total: int) -> None:  # called in the Graph worker's thread
            self.app.call_from_thread(self._show, Text(
                f"Looking up… {done} of {total} Graph requests answered"))

        async def look_up(service: IntuneService) -> LookupReport:
            wanted = inputs
            if stale:
                found = await stale_devices(service.client, int(stale["days"]),
                                            now=session.clock(),
                                            operating_system=platform)
                notes.extend(_stale_notes(found, int(stale["days"]), cap, session.clock()))
                wanted = stale_inputs(found)[:cap]
            return await DeviceLookup(service.client, on_progress=progress).lookup(wanted)

        def done(report: LookupReport) -> None:
            self.report = report
            self.plan = build_plan([result.devices[0] for result in report.matched()], steps,
                                   tenant=session.tenant_label, operator=session.account,
                                   now=session.clock())
            lines = [*notes, *report.lines(), "", *describe_plan(self.plan)]
            with_keys = _disk_encrypted([result.devices[0] for result in report.matched()])
            if with_keys:
                lines += ["", "Recovery keys below, masked: tab to one and press v to reveal "
                          "it (audited) before confirming."]
            if self.plan.devices:
                lines += ["", f"Type {len(self.plan.devices)} below and press ctrl+r to run "
                          "these steps."]
            self._show(Text("\n".join(lines)))
            self._show_keys(with_keys)
            self.confirm_input().focus()

        self.intune_app.run_call("offboard:lookup", look_up, on_done=done, on_error=self._failed)

    # -- run -----------------------------------------------------------------------------------

    def action_run_plan(self) -> None:
        plan = self.plan
        if plan is None or not plan.devices or self.running:
            self.notify("Look the devices up first (ctrl+l).", severity="warning")
            return
        if not self.count_typed(len(plan.devices), "devices", "run the plan"):
            return
        settings = self.intune_app.settings
        try:
            journal = Journal.create(settings.data_dir / JOURNAL_DIR, plan)
        except OSError as error:
            self.notify(f"Cannot write the journal, nothing was sent: {error}",
                        severity="error", markup=False)
            return
        audit = audit_log_at(settings.audit_path)
        self.plan = None  # one confirmation, one run
        self._clear_keys()
        self.take_confirmation()
        self._show(Text(f"Running {plan.step_count} step(s) on {len(plan.devices)} device(s)… "
                        f"Journal: offboarding/{journal.path.name} in the data folder"))

        async def run(service: IntuneService) -> OffboardReport:
            return await OffboardRunner(service.client, journal, audit).run()

        def done(result: OffboardReport) -> None:
            self.running = False
            self.result = result
            heading = ("Every step is done." if result.complete else
                       "Not every step finished; resume with `intune-tui offboard --resume`.")
            report_path = journal.path.with_name(journal.path.stem + "-report.csv")
            try:
                write_export(report_path, "csv", REPORT_COLUMNS, report_records(result))
                saved = f"Report: offboarding/{report_path.name} in the data folder"
            except OSError as error:
                saved = f"The report could not be saved: {error.strerror or error}"
            # The screen may have been left meanwhile: the app says it was finished either way.
            self.app.notify(result.lines()[-1], title="Offboarding finished",
                            severity="information" if result.complete else "warning",
                            markup=False)
            if self.is_attached:
                self._show(Text("\n".join([heading, *result.lines(),
                                            f"Journal: offboarding/{journal.path.name} in the "
                                            "data folder", saved])))

        def failed(error: BaseException) -> None:
            self.running = False
            self._failed(error)

        # A unique key: nothing may cancel a run once it was confirmed.
        self.intune_app.run_call(f"offboard:run:{plan.id}", run, on_done=done, on_error=failed,
                                 replace=False)

    # -- Autopilot edits ------------------------------------------------------------------------

    def action_edit_autopilot(self) -> None:
        from intune_tui.ui.screens.autopilot_edit import AutopilotEditScreen, identities_of

        identities = identities_of(self.report) if self.report is not None else []
        if not identities:
            self.notify("Look devices up first (ctrl+l): no Autopilot identity was found yet.",
                        severity="warning")
            return
        self.app.push_screen(AutopilotEditScreen(identities))

    # -- recovery keys: the Recovery tab's panel, one per device, masked when out of sight -----

    def _show_keys(self, devices: list[ManagedDevice]) -> None:
        keys = self.query_one("#offboard-keys", Vertical)
        for device in devices:
            heading = Text(f"{clean(device.name) or '-'} · serial "
                           f"{clean(device.serial_number) or '-'}", style="bold")
            panel = RecoveryPanel(only=DISK_KEYS)
            keys.mount(Static(heading, classes="offboard-key-device"), panel)
            panel.call_after_refresh(panel.load, device)

    def _clear_keys(self) -> None:
        for panel in self.query(RecoveryPanel):
            panel.mask_all()
        self.query_one("#offboard-keys", Vertical).remove_children()

    def on_screen_suspend(self) -> None:
        for panel in self.query(RecoveryPanel):
            panel.mask_all()

    # -- helpers -------------------------------------------------------------------------------

    def _show(self, text: Text) -> None:
        self.query_one("#offboard-plan", Static).update(text)

    def _failed(self, error: BaseException) -> None:
        self._show(Text(f"Failed: {clean(str(error))}"))


def _last_sync(item: StaleDevice, now: datetime) -> str:
    synced = item.device.last_sync
    if synced is None:
        return "never synced"
    return f"last sync {format_datetime(synced)} ({(now - synced).days} days ago)"


DISK_KEYS: tuple[Kind, ...] = ("bitlocker", "filevault")


def _disk_encrypted(devices: list[JoinedDevice]) -> list[ManagedDevice]:
    """The Intune record of each device that can have a BitLocker or FileVault key."""
    return [joined.managed[0] for joined in devices if joined.managed
            and set(platform_kinds(joined.managed[0].operating_system)) & set(DISK_KEYS)]


def _stale_notes(found: list[StaleDevice], days: int, cap: int, now: datetime) -> list[str]:
    """The stale view: what the query found by platform, each device's last sync, what a sweep
    leaves out and why (shown, never silently applied), and the bulk cap."""
    notes = [f"{len(found)} device(s) not synced for {days} days, oldest first."]
    platforms = Counter(clean(item.device.operating_system) or "unknown" for item in found)
    if platforms:
        notes.append("By platform: " + " · ".join(f"{name} {count}"
                                                    for name, count in platforms.most_common()))
    candidates = [item for item in found if item.exclusion is None]
    notes += [f"  {clean(item.device.name) or '-'} serial "
              f"{clean(item.device.serial_number) or '-'} · "
              f"{clean(item.device.operating_system) or '-'} · {_last_sync(item, now)}"
              for item in candidates[:cap]]
    notes += [f"  left out: {clean(item.device.name or '')} serial "
              f"{clean(item.device.serial_number or '-')} · {_last_sync(item, now)}: "
              f"{item.exclusion}"
              for item in found if item.exclusion is not None]
    if len(candidates) > cap:
        notes.append(f"  {len(candidates) - cap} more left for a later run: at most {cap} "
                     "(bulk_destructive_cap) in one plan.")
    return [*notes, ""]
