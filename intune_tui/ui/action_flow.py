"""Remote actions from the UI: one coroutine per flow, from the `a` menu to the tracked result.

For one device the order is fixed, and reads top to bottom in `device_flow`: read the token's
permissions -> the `a` menu -> the confirmation of the action's tier (it builds the body) ->
the audit attempt is written (nothing is sent without it) -> the same body is sent once as a
protected worker job (nothing cancels a write in flight) -> the audit result -> a notification
-> tracking in the device view. Nothing here retries a write: a lost answer is "outcome unknown"
and the service re-reads the device to settle it.

Switching tenant or quitting while a write is in flight waits for it (`in_flight`, `idle()`).
The rules themselves (permissions, wording, poll schedule, results since) live in
`intune/action_run.py`, without Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intune_tui.audit import AuditLog, AuditRecord, AuditWriteError
from intune_tui.intune.action_run import (
    BulkProgress,
    PollSchedule,
    SentAction,
    Severity,
    TokenAccess,
    TrackedAction,
    outcome_message,
    token_access,
    tracking_text,
)
from intune_tui.intune.actions import (
    BATCH_LIMIT,
    BulkAction,
    OptionError,
    RemoteAction,
)
from intune_tui.intune.formatting import count_of
from intune_tui.intune.models import ManagedDevice
from intune_tui.intune.service import ActionOutcome, IntuneService, result_since
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.session import Session
    from intune_tui.ui.app import IntuneApp

READ_ONLY_MESSAGE = ("Read-only mode: remote actions are off (read_only in the config or "
                     "--read-only).")


def is_read_only(app: IntuneApp) -> bool:
    return bool(app.settings.read_only or app.session.read_only)


def sign_in_can_ask(session: Session) -> bool:
    """Only an interactive MSAL sign-in can ask the user to consent to a new scope."""
    from intune_tui.auth.provider import MsalTokenProvider

    return isinstance(session.token_provider, MsalTokenProvider)


# -- following an action in the device view --------------------------------------------------------


class ActionTracker:
    """Follows the actions sent to one device from a screen: reads the device's
    deviceActionResults (and managementState) with back-off until every action is finished,
    the app's `timings.action_poll_limit` has passed, or the screen closes (its timers die with it).

    One read at a time: the next one is armed only when the previous answered.
    """

    def __init__(self, screen: Any, device_id: str,
                 on_update: Callable[[ManagedDevice | None, str], None]) -> None:
        self.screen = screen
        self.device_id = device_id
        self.on_update = on_update
        self.tracked: list[TrackedAction] = []
        timings = screen.app.timings
        self.schedule = PollSchedule(first=timings.action_poll_first,
                                     cap=timings.action_poll_max,
                                     limit=timings.action_poll_limit)
        self.management_state: str | None = None
        self._timer: Any = None
        self._reading = False

    @property
    def app(self) -> IntuneApp:
        return self.screen.app  # type: ignore[no-any-return]  # Textual: Screen.app is App[Any]

    def track(self, sent: SentAction) -> None:
        self.tracked = [t for t in self.tracked if t.sent.action.key != sent.action.key]
        self.tracked.append(TrackedAction(sent, sent.outcome.action_result))
        self.schedule.restart()
        if self._reading:
            self.on_update(None, self.status_text("checking"))
        else:
            self.on_update(None, self.status_text(self._arm()))

    @property
    def following(self) -> bool:
        return any(not tracked.finished for tracked in self.tracked)

    def refresh(self) -> None:
        """Read the device now and follow again from the first delay (the `r` key)."""
        if self.tracked and not self._reading:
            self.schedule.restart()
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            self._read()

    def _arm(self) -> str:
        """Schedule the next read if one is due; returns the note saying when (or why not)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.following:
            return "finished"
        delay = self.schedule.next_delay()
        if delay is None:
            minutes = self.schedule.limit / 60
            return (f"stopped following after {minutes:.0f} minutes; press r to read "
                    "the device again")
        self._timer = self.screen.set_timer(delay, self._read)
        return f"next check in {delay:.0f} s"

    def _read(self) -> None:
        self._timer = None
        self._reading = True
        device_id = self.device_id
        self.app.run_call(f"track:{device_id}",
                          lambda service: service.device_action_state(device_id),
                          on_done=self._answered, on_error=self._failed)

    def _answered(self, state: ManagedDevice) -> None:
        self._reading = False
        if not self.screen.is_attached:
            return
        flow = action_flow(self.app)
        for tracked in self.tracked:
            found = result_since(state, tracked.sent.action, tracked.sent.sent_at)
            if found is not None:
                tracked.result = found
            flow.settle(tracked)
        self.management_state = clean(state.management_state) or None
        checked = self.app.now().strftime("%H:%M:%S")
        self.on_update(state, self.status_text(f"checked {checked}; {self._arm()}"))

    def _failed(self, error: BaseException) -> None:
        self._reading = False
        if not self.screen.is_attached:
            return
        self.on_update(None, self.status_text(f"could not read the device: {error}; "
                                              f"{self._arm()}"))

    def status_text(self, note: str) -> str:
        return tracking_text(self.tracked, self.management_state, note)


# -- the per-app flow ---------------------------------------------------------------------------


_LOGS: dict[Path, AuditLog] = {}
# The app's flow lives on the app itself. (A module-level WeakKeyDictionary keyed by the app kept
# every app alive: its value, the flow, refers back to the app; each test leaked its whole app.)
_FLOW_ATTRIBUTE = "_remote_action_flow"


def audit_log_at(path: Path) -> AuditLog:
    """One AuditLog per file, so "in progress" attempts are known to every reader."""
    log = _LOGS.get(path)
    if log is None:
        log = _LOGS[path] = AuditLog(path)
    return log


def action_flow(app: IntuneApp) -> RemoteActionFlow:
    flow: RemoteActionFlow | None = getattr(app, _FLOW_ATTRIBUTE, None)
    if flow is None:
        flow = RemoteActionFlow(app)
        setattr(app, _FLOW_ATTRIBUTE, flow)
    return flow


class RemoteActionFlow:
    """Remote actions of one app: the flows, the writes in flight, sent-action memory."""

    def __init__(self, app: IntuneApp) -> None:
        self.app = app
        self.sent: dict[str, list[SentAction]] = {}
        self.sent_listeners: list[Callable[[SentAction], None]] = []
        self.access: TokenAccess | None = None
        # What is on the wire now, by a key of its own: "Wipe → LAPTOP-7".
        self.in_flight: dict[int, str] = {}
        self._keys = count(1)
        self._idle = asyncio.Event()
        self._idle.set()
        self._choosing = False

    @property
    def audit(self) -> AuditLog:
        return audit_log_at(self.app.settings.audit_path)

    # -- entry points (the `a` and `A` keys) ---------------------------------------------------

    def open_menu(self, device: Mapping[str, Any], *, read_live: bool = False) -> None:
        """The actions menu for one device, then its confirmation, then the action.

        `read_live`: `device` may be old (a row of the list's snapshot, a device screen whose
        GET has not answered yet): the device is read from Graph first, and the menu and the
        confirmation show what Graph says now."""
        if self._may_start():
            self.app.run_worker(self.device_flow(dict(device), read_live=read_live),
                                group="remote-actions")

    def open_bulk_menu(self, devices: Sequence[Mapping[str, Any]]) -> None:
        """The actions menu for the marked devices, then the bulk preview."""
        if not self._may_start():
            return
        if not devices:
            self.app.notify("Mark devices with space first, then press A.", markup=False,
                            severity="warning")
            return
        chosen = [dict(device) for device in devices]
        self.app.run_worker(self.bulk_flow(chosen), group="remote-actions")

    def _may_start(self) -> bool:
        if is_read_only(self.app):
            self.app.notify(READ_ONLY_MESSAGE, title="Remote actions", severity="warning",
                            markup=False)
            return False
        # A second `a` while the token is being read or a dialog is open starts nothing more.
        return not self._choosing

    # -- the flows -----------------------------------------------------------------------------

    async def device_flow(self, device: dict[str, Any], *,
                          read_live: bool = False) -> ActionOutcome | None:
        """(Live read ->) menu -> confirmation -> audit -> one write -> audit -> notify ->
        tracking."""
        from intune_tui.ui.screens.actions import ActionsMenu
        from intune_tui.ui.screens.confirm import confirm_screen

        self._choosing = True
        self.audit.warm_key()  # the first audit write must not wait for the keyring
        try:
            origin = self.app.screen
            if read_live:
                live = await self.read_device(device)
                if live is None or self.app.screen is not origin:
                    return None
                device = live
            access = await self.read_access()
            if self.app.screen is not origin:
                return None  # the user moved on while the token was read
            action = await self.app.push_screen_wait(ActionsMenu([device], access))
            if action is None:
                return None
            screen = confirm_screen(action, device, tenant=self.app.session.tenant_label)
            answer = await self.app.push_screen_wait(screen)
        finally:
            self._choosing = False
        if answer is None:
            return None
        return await self.send(device, action, answer.body)

    async def bulk_flow(self, devices: list[dict[str, Any]]) -> BulkProgress | None:
        """Menu for the marked devices -> the bulk preview and typed count -> `bulk_run`, its
        progress shown on the preview's screen."""
        from intune_tui.ui.screens.actions import ActionsMenu
        from intune_tui.ui.screens.bulk import BulkActionScreen

        self._choosing = True
        self.audit.warm_key()
        try:
            origin = self.app.screen
            access = await self.read_access()
            if self.app.screen is not origin:
                return None
            action = await self.app.push_screen_wait(ActionsMenu(devices, access))
            if action is None:
                return None
            screen = BulkActionScreen(devices, action)
            await self.app.push_screen(screen)
            options = await screen.confirmed_options()
        finally:
            self._choosing = False
        if options is None:
            return None
        return await self.bulk_run(screen.planned, action, options, screen.show_progress)

    async def read_device(self, device: Mapping[str, Any]) -> dict[str, Any] | None:
        """The device as Graph has it now (its detail GET), or None after saying why not."""
        from intune_tui.graph.errors import GraphNotFound

        device_id = str(device.get("id") or "")
        try:
            read = await self.app.call("actions:device",
                                       lambda service: service.get_device(device_id))
        except GraphNotFound:
            name = clean(device.get("deviceName")) or device_id
            self.app.notify(f"{name} is no longer in Intune (the list showed an older copy); "
                            "nothing was sent.", title="Remote actions", severity="warning",
                            markup=False, timeout=10)
            return None
        except Exception as error:
            self.app.report_error(error)
            return None
        return dict(read.raw)

    async def read_access(self) -> TokenAccess:
        """What the signed-in token may do (its claims are read in the worker)."""
        session = self.app.session
        can_ask = sign_in_can_ask(session)
        try:
            claims = await self.app.call("actions:claims", lambda _service: session.claims())
        except Exception:  # no claims: permissions are unknown, Graph will say
            claims = None
        self.access = token_access(claims if isinstance(claims, dict) else None,
                                   can_ask=can_ask, account=session.account)
        return self.access

    # -- one device ----------------------------------------------------------------------------

    async def send(self, device: Mapping[str, Any], action: RemoteAction,
                   body: Mapping[str, Any] | None) -> ActionOutcome | None:
        """Audit, send `action` once with `body` (the object the confirmation built and showed),
        audit its result, tell the user."""
        device = dict(device)
        try:
            attempt_id = self.audit.begin(self.audit_record(device, action, body))
        except AuditWriteError as error:
            self.app.notify(str(error), title="Audit log", severity="error", markup=False,
                            timeout=15)
            return None
        sent_at = self.app.now()
        record = ManagedDevice.from_graph(device)
        key = f"action:{record.id}:{action.key}:{attempt_id}"
        async with self.writing(f"{action.label} → {clean(record.name)}"):
            try:
                outcome: ActionOutcome = await self.app.call(
                    key, lambda service: service.send_action(device, action, body),
                    write=True)
            except Exception as error:
                outcome = crashed_outcome(device, action, error)
        self.finish(attempt_id, action, sent_at, outcome)
        return outcome

    def audit_record(self, device: Mapping[str, Any], action: RemoteAction,
                     body: Mapping[str, Any] | None) -> AuditRecord:
        operator = (self.access.operator if self.access else "") or self.app.session.account
        record = ManagedDevice.from_graph(device)
        return AuditRecord(
            tenant=self.app.session.tenant_label,
            operator=operator,
            action=action.key,
            device_id=record.id or "",
            device_name=clean(record.name),
            serial=clean(record.serial_number),
            options=action.recorded_body(body),
        )

    def finish(self, attempt_id: str, action: RemoteAction, sent_at: datetime,
               outcome: ActionOutcome) -> None:
        """The audit result, the notification and, when it may have happened, tracking."""
        self.complete_attempt(attempt_id, outcome)
        text, severity = outcome_message(action, outcome)
        self.app.notify(text, title=action.label, severity=severity,
                        markup=False, timeout=8 if severity == "information" else 20)
        if may_follow(outcome):
            self.remember(SentAction(action, outcome.device_id, sent_at, outcome, attempt_id))

    def complete_attempt(self, attempt_id: str, outcome: ActionOutcome) -> None:
        try:
            self.audit.complete(attempt_id, outcome=outcome.outcome, http_status=outcome.status,
                                request_id=outcome.request_id, error=outcome.error)
        except AuditWriteError as error:
            self.app.notify(f"The result could not be written to the audit log: {error}",
                            title="Audit log", severity="error", markup=False, timeout=15)

    def settle(self, tracked: TrackedAction) -> None:
        """Once the device has finished an action this session sent, the audit says how."""
        state = tracked.settled_state
        attempt_id = tracked.sent.attempt_id
        if tracked.settled or state is None or attempt_id is None:
            return
        tracked.settled = True
        detail = tracked.result.state_words if tracked.result is not None else None
        try:
            self.audit.settle(attempt_id, state=state, detail=detail)
        except AuditWriteError as error:
            self.app.notify(f"How the device finished could not be written to the audit log: "
                            f"{error}", title="Audit log", severity="error", markup=False,
                            timeout=15)

    def remember(self, sent: SentAction) -> None:
        self.sent.setdefault(sent.device_id, []).append(sent)
        for listener in list(self.sent_listeners):
            listener(sent)

    def sent_to(self, device_id: str) -> list[SentAction]:
        return list(self.sent.get(device_id, ()))

    # -- writes in flight ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def writing(self, what: str) -> Any:
        """Counts a write as in flight from before it is handed to the worker until it ended."""
        key = next(self._keys)
        self.in_flight[key] = what
        self._idle.clear()
        try:
            yield
        finally:
            del self.in_flight[key]
            if not self.in_flight:
                self._idle.set()

    def in_flight_words(self) -> str:
        """'1 action (Wipe → LAPTOP-7)' / '3 actions'."""
        items = list(self.in_flight.values())
        if len(items) == 1:
            return f"1 action ({items[0]})"
        return count_of(len(items), "actions")

    async def idle(self) -> None:
        """Returns once no write is in flight."""
        await self._idle.wait()

    # -- many devices --------------------------------------------------------------------------

    async def bulk_run(self, devices: list[dict[str, Any]], action: RemoteAction,
                       options: dict[str, object],
                       on_progress: Callable[[BulkProgress], None]) -> BulkProgress:
        """`$batch` calls of 20 one after another: each device audited before its call and
        completed after it; a device's failure never stops the others, an audit failure stops
        everything not yet sent."""
        progress = BulkProgress(total=len(devices))
        sent_at = self.app.now()
        on_progress(progress)
        chunks = [devices[i:i + BATCH_LIMIT] for i in range(0, len(devices), BATCH_LIMIT)]
        for index, chunk in enumerate(chunks):
            try:
                plan = BulkAction.plan(chunk, action, options)
                attempts = self._begin_chunk(plan, chunk)
            except (AuditWriteError, OptionError) as error:
                self._not_sent([d for rest in chunks[index:] for d in rest], action, progress,
                               str(error))
                break
            async with self.writing(f"{action.label} → {count_of(len(chunk), 'devices')}"):
                try:
                    outcomes = await self.app.call(
                        f"bulk:{action.key}:{next(iter(attempts.values()), '')}:{index}",
                        _bulk_sender(plan), write=True)
                except Exception as error:
                    outcomes = [crashed_outcome(device, action, error) for device in chunk]
            self._chunk_done(chunk, attempts, outcomes, action, sent_at, progress)
            on_progress(progress)
        progress.finished = True
        on_progress(progress)
        self._notify_summary(action, progress)
        return progress

    def _begin_chunk(self, plan: BulkAction, chunk: list[dict[str, Any]]) -> dict[str, str]:
        """An audit attempt per device the plan sends to, with the body it will be sent; on a
        failure the attempts begun are closed as not sent."""
        devices = {str(device.get("id") or ""): device for device in chunk}
        attempts: dict[str, str] = {}
        try:
            for request in plan.requests:
                record = self.audit_record(devices[request.device_id], plan.action,
                                           request.body)
                attempts[request.device_id] = self.audit.begin(record)
        except AuditWriteError as error:
            for attempt_id in attempts.values():
                # If this fails too, the attempt reads back as "unknown", still honest.
                with contextlib.suppress(AuditWriteError):
                    self.audit.complete(attempt_id, outcome="not_sent", error=str(error))
            raise
        return attempts

    def _chunk_done(self, chunk: list[dict[str, Any]], attempts: dict[str, str],
                    outcomes: Sequence[ActionOutcome], action: RemoteAction, sent_at: datetime,
                    progress: BulkProgress) -> None:
        by_id = {outcome.device_id: outcome for outcome in outcomes}
        for device in chunk:
            record = ManagedDevice.from_graph(device)
            device_id = record.id or ""
            outcome = by_id.get(device_id) or ActionOutcome(
                device_id, record.label, action.key,
                "unknown", error="Graph's answer did not mention this device; check it.")
            if device_id in attempts:
                self.complete_attempt(attempts[device_id], outcome)
            progress.outcomes.append(outcome)
            if may_follow(outcome):
                self.remember(SentAction(action, outcome.device_id, sent_at, outcome,
                                         attempts.get(device_id)))

    @staticmethod
    def _not_sent(devices: list[dict[str, Any]], action: RemoteAction, progress: BulkProgress,
                  reason: str) -> None:
        for device in map(ManagedDevice.from_graph, devices):
            progress.outcomes.append(ActionOutcome(
                device.id or "", device.label, action.key,
                "not_sent", error=f"Not sent: {reason}", sent=False))

    def _notify_summary(self, action: RemoteAction, progress: BulkProgress) -> None:
        failed = progress.count("failed") + progress.count("not_sent")
        unknown = progress.count("unknown")
        severity: Severity = "error" if failed else "warning" if unknown else "information"
        self.app.notify(f"Bulk {action.label}: {progress.summary()}.", title="Bulk action",
                        severity=severity, markup=False, timeout=10)


def may_follow(outcome: ActionOutcome) -> bool:
    """Whether the device can show this action's state: it may have been sent, and the device
    still exists (a Delete that went through leaves nothing to read)."""
    return (outcome.sent and outcome.outcome in ("succeeded", "unknown")
            and not outcome.device_gone)


def crashed_outcome(device: Mapping[str, Any], action: RemoteAction,
                    error: BaseException) -> ActionOutcome:
    """The service turns Graph errors into outcomes; anything else means we cannot tell whether
    the write left, so it is "unknown", never "failed"."""
    record = ManagedDevice.from_graph(device)
    return ActionOutcome(
        record.id or "", record.label, action.key, "unknown",
        error=f"The app failed while sending ({type(error).__name__}); check the device's "
              "remote actions before trying again.")


def _bulk_sender(plan: BulkAction) -> Callable[[IntuneService], Awaitable[list[ActionOutcome]]]:
    """The call that sends one planned chunk (bound now: the loop moves on to the next plan)."""
    return lambda service: service.send_bulk(plan)
