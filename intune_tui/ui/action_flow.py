"""Remote actions from the UI: who may run what, one confirmed action sent exactly once, bulk
runs, the audit trail, and following an action's state afterwards.

The order for one device is fixed: the `a` menu (permissions read from the token) -> the
confirmation of the action's tier -> audit line written (nothing is sent without it) -> one
`run_action` job with `replace=False` (nothing cancels a POST in flight) -> audit result ->
a notification -> tracking in the device view. Nothing here retries a POST: a lost answer is
reported as "outcome unknown" and the device's deviceActionResults are read instead.

One `RemoteActionFlow` per app (`action_flow(app)`) holds the audit log, the actions sent in this
session (so a device view opened later follows them) and the guard against opening two menus.
"""

from __future__ import annotations

import contextlib
import json
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intune_tui.audit import AuditLog, AuditRecord, AuditWriteError
from intune_tui.intune.actions import BATCH_LIMIT, OptionError, RemoteAction, Tier, build_body
from intune_tui.intune.formatting import enum_word
from intune_tui.intune.models import DeviceActionResult, ManagedDevice
from intune_tui.intune.scopes import scope_granted
from intune_tui.intune.service import ActionOutcome
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.session import Session
    from intune_tui.ui.app import IntuneApp

READ_ONLY_MESSAGE = ("Read-only mode: remote actions are off (read_only in the config or "
                     "--read-only).")
OUTCOME_UNKNOWN = "Outcome unknown — check the device"
TIER_WORDS = {Tier.BENIGN: "benign", Tier.DESTRUCTIVE: "destructive",
              Tier.IRREVERSIBLE: "irreversible"}

# Actions whose options name one device's own data: the same value on many devices is a mistake
# (one new name for every device, one user deleted from every iPad).
BULK_EXCLUDED: dict[str, str] = {
    "setDeviceName": "Renaming gives every device the same name; rename devices one by one.",
    "deleteUserFromSharedAppleDevice": "The user to delete differs per iPad; do it one by one.",
}

# A result that started a little before we sent still counts as ours: clocks differ.
_CLOCK_SKEW = timedelta(minutes=5)


def is_read_only(app: IntuneApp) -> bool:
    return bool(app.settings.read_only or app.session.read_only)


def device_word(device: Mapping[str, Any]) -> str:
    """What the user types to confirm an irreversible action: the device name as shown.

    The shown name is the cleaned one (escape sequences and bidi overrides cannot be typed, and
    the user types what they read); a device without a name is confirmed by its id.
    """
    return clean(device.get("deviceName")).strip() or clean(device.get("id"))


def literal_json(body: Mapping[str, Any] | None) -> str:
    """The body as the JSON that is sent; characters that would not show are written as \\uXXXX
    escapes, which is the same JSON value."""
    if body is None:
        return "(no body)"
    text = json.dumps(body, ensure_ascii=False)
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def request_path(action: RemoteAction, device_id: str) -> str:
    """The URL path the action is POSTed to, with its API version."""
    return f"/{action.api_version}{action.path(device_id)}"


# -- permissions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Permission:
    """Whether an action can be offered, and the sentence that goes with it."""

    allowed: bool
    note: str = ""


@dataclass(frozen=True)
class TokenAccess:
    """What the signed-in token may do.

    granted: the token's scopes, or None when they could not be read.
    can_ask: the sign-in can request more scopes (incremental consent): a missing scope is then
        "will ask for consent", not "forbidden".
    """

    granted: frozenset[str] | None
    can_ask: bool
    operator: str = ""

    def permission(self, action: RemoteAction) -> Permission:
        if self.granted is None:
            return Permission(True, "The token's scopes could not be read; Graph will say if "
                                    "one is missing.")
        if scope_granted(action.required_scope, self.granted):
            return Permission(True)
        if action.seed_scope and scope_granted(action.seed_scope, self.granted):
            return Permission(True)
        if self.can_ask:
            return Permission(True, f"Will ask for consent to {action.required_scope} first.")
        return Permission(False, f"Needs {action.required_scope}, which this token does not "
                                 "hold and this sign-in cannot ask for.")


def scopes_from_claims(claims: Mapping[str, Any]) -> frozenset[str] | None:
    """The scopes in a token's claims (`scp` delegated, `roles` app-only); None when neither."""
    scp, roles = claims.get("scp"), claims.get("roles")
    if not isinstance(scp, str) and not isinstance(roles, list):
        return None
    names = set(scp.split()) if isinstance(scp, str) else set()
    if isinstance(roles, list):
        names.update(role for role in roles if isinstance(role, str))
    return frozenset(names)


def sign_in_can_ask(session: Session) -> bool:
    """Only an interactive MSAL sign-in can ask the user to consent to a new scope."""
    from intune_tui.auth.provider import MsalTokenProvider

    return isinstance(session.token_provider, MsalTokenProvider)


def token_access(session: Session, claims: Mapping[str, Any] | None) -> TokenAccess:
    operator = ""
    if claims:
        operator = clean(claims.get("upn") or claims.get("unique_name") or "")
    return TokenAccess(scopes_from_claims(claims or {}), sign_in_can_ask(session),
                       operator or session.account)


# -- messages -----------------------------------------------------------------------------------


def outcome_message(action: RemoteAction, outcome: ActionOutcome) -> tuple[str, str]:
    """(sentence, severity) telling the user what happened to one action."""
    name = clean(outcome.device_name)
    if outcome.outcome == "succeeded":
        status = f"HTTP {outcome.status}" if outcome.status else "accepted"
        return (f"{action.label} sent to {name} ({status}). Intune shows it pending until the "
                "device checks in; the device's Actions tab follows it.", "information")
    if outcome.outcome == "unknown":
        return f"{OUTCOME_UNKNOWN}: {name}. {clean(outcome.error)}", "warning"
    if not outcome.sent:
        return f"{action.label} was not sent to {name}: {clean(outcome.error)}", "error"
    return f"{action.label} on {name} failed: {clean(outcome.error)}", "error"


# -- tracking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentAction:
    """An action this session sent to a device (or may have: outcome unknown)."""

    action: RemoteAction
    device_id: str
    sent_at: datetime
    outcome: ActionOutcome


# Following an action: first check after 2 s, doubling up to a minute, for ten minutes at most.
POLL_FIRST_DELAY = 2.0
POLL_MAX_DELAY = 60.0
POLL_LIMIT = 600.0


class PollSchedule:
    """Back-off for following an action: 2, 4, 8 … s, at most `cap`, for at most `limit` s."""

    def __init__(self, *, first: float = POLL_FIRST_DELAY, cap: float = POLL_MAX_DELAY,
                 limit: float = POLL_LIMIT, clock: Callable[[], float] = time.monotonic) -> None:
        self.first, self.cap, self.limit = first, cap, limit
        self._clock = clock
        self._started = clock()
        self._next = first

    def restart(self) -> None:
        self._started = self._clock()
        self._next = self.first

    def next_delay(self) -> float | None:
        """Seconds until the next check, or None when following has gone on long enough."""
        if self._clock() - self._started >= self.limit:
            return None
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay


def result_since(state: Mapping[str, Any], action: RemoteAction,
                 sent_at: datetime) -> DeviceActionResult | None:
    """The device's latest result for `action` that is not older than what we sent."""
    latest = ManagedDevice.from_graph(state).latest_result(action.result_names)
    if latest is None:
        return None
    started = latest.started or latest.last_updated
    if started is not None and started < sent_at - _CLOCK_SKEW:
        return None
    return latest


def management_state_of(state: Mapping[str, Any]) -> str | None:
    value = state.get("managementState")
    return clean(value) if value else None


@dataclass
class TrackedAction:
    """One sent action being followed, and what the device showed for it last."""

    sent: SentAction
    result: DeviceActionResult | None = None

    @property
    def finished(self) -> bool:
        return self.result is not None and self.result.finished

    def words(self) -> str:
        label = self.sent.action.label
        if self.result is None:
            state = "sent; Intune does not list it yet"
        else:
            state = self.result.state_words
        if self.sent.outcome.outcome == "unknown":
            return f"{label}: {OUTCOME_UNKNOWN} ({state})"
        return f"{label}: {state}"


class ActionTracker:
    """Follows the actions sent to one device from a screen: reads the device's
    deviceActionResults (and managementState) with back-off until every action is finished,
    `POLL_LIMIT` has passed, or the screen closes (its timers die with it).

    One read at a time: the next one is armed only when the previous answered.
    """

    def __init__(self, screen: Any, device_id: str,
                 on_update: Callable[[Mapping[str, Any] | None, str], None]) -> None:
        self.screen = screen
        self.device_id = device_id
        self.on_update = on_update
        self.tracked: list[TrackedAction] = []
        self.schedule = PollSchedule(first=POLL_FIRST_DELAY, cap=POLL_MAX_DELAY,
                                     limit=POLL_LIMIT)
        self.management_state: str | None = None
        self._timer: Any = None
        self._reading = False

    @property
    def app(self) -> IntuneApp:
        return self.screen.app  # type: ignore[no-any-return]

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
            return (f"stopped following after {POLL_LIMIT / 60:.0f} minutes; press r to read "
                    "the device again")
        self._timer = self.screen.set_timer(delay, self._read)
        return f"next check in {delay:.0f} s"

    def _read(self) -> None:
        self._timer = None
        self._reading = True
        device_id = self.device_id
        self.app.job(f"track:{device_id}", lambda service: service.device_action_state(device_id),
                     on_done=self._answered, on_error=self._failed)

    def _answered(self, state: Mapping[str, Any]) -> None:
        self._reading = False
        if not self.screen.is_attached:
            return
        for tracked in self.tracked:
            found = result_since(state, tracked.sent.action, tracked.sent.sent_at)
            if found is not None:
                tracked.result = found
        self.management_state = management_state_of(state)
        checked = self.app.now().strftime("%H:%M:%S")
        self.on_update(state, self.status_text(f"checked {checked}; {self._arm()}"))

    def _failed(self, error: BaseException) -> None:
        self._reading = False
        if not self.screen.is_attached:
            return
        self.on_update(None, self.status_text(f"could not read the device: {error}; "
                                              f"{self._arm()}"))

    def status_text(self, note: str) -> str:
        lines = [tracked.words() for tracked in self.tracked]
        watches_state = any(t.sent.action.key in ("retire", "wipe") for t in self.tracked)
        if watches_state and self.management_state:
            lines.append(f"Management state: {enum_word(self.management_state)}")
        return "\n".join([*lines, f"({note})"])


# -- the per-app flow ---------------------------------------------------------------------------


@dataclass
class _Pending:
    attempt_id: str
    device: dict[str, Any]


_LOGS: dict[Path, AuditLog] = {}
_FLOWS: weakref.WeakKeyDictionary[Any, RemoteActionFlow] = weakref.WeakKeyDictionary()


def audit_log_at(path: Path) -> AuditLog:
    """One AuditLog per file, so "in progress" attempts are known to every reader."""
    log = _LOGS.get(path)
    if log is None:
        log = _LOGS[path] = AuditLog(path)
    return log


def action_flow(app: IntuneApp) -> RemoteActionFlow:
    flow = _FLOWS.get(app)
    if flow is None:
        flow = _FLOWS[app] = RemoteActionFlow(app)
    return flow


class RemoteActionFlow:
    """Remote actions of one app: menus, confirmations, sending, audit, sent-action memory."""

    def __init__(self, app: IntuneApp) -> None:
        self.app = app
        self.sent: dict[str, list[SentAction]] = {}
        self.sent_listeners: list[Callable[[SentAction], None]] = []
        self._menu_asked_at: float | None = None
        self.access: TokenAccess | None = None

    @property
    def audit(self) -> AuditLog:
        return audit_log_at(self.app.settings.audit_path)

    # -- entry points (the `a` and `A` keys) ---------------------------------------------------

    def open_menu(self, device: Mapping[str, Any]) -> None:
        """The actions menu for one device, then its confirmation, then the action."""
        self._with_access(lambda access: self._show_menu(dict(device), access))

    def open_bulk_menu(self, devices: Sequence[Mapping[str, Any]]) -> None:
        """The actions menu for the marked devices, then the bulk preview."""
        if self._refused_read_only():
            return
        if not devices:
            self.app.notify("Mark devices with space first, then press A.", markup=False,
                            severity="warning")
            return
        chosen = [dict(device) for device in devices]
        self._with_access(lambda access: self._show_bulk_menu(chosen, access))

    def _refused_read_only(self) -> bool:
        if is_read_only(self.app):
            self.app.notify(READ_ONLY_MESSAGE, title="Remote actions", severity="warning",
                            markup=False)
            return True
        return False

    def _with_access(self, then: Callable[[TokenAccess], None]) -> None:
        if self._refused_read_only():
            return
        # A second `a` while the token is being read opens nothing more; the guard expires in
        # case the answer never comes (a tenant switch drops the worker's pending jobs).
        if self._menu_asked_at is not None and time.monotonic() - self._menu_asked_at < 10:
            return
        self._menu_asked_at = time.monotonic()
        origin = self.app.screen
        session = self.app.session

        def done(claims: Any) -> None:
            self._menu_asked_at = None
            self.access = token_access(session, claims if isinstance(claims, dict) else None)
            if self.app.screen is origin:
                then(self.access)

        def failed(error: BaseException) -> None:
            self._menu_asked_at = None
            self.access = TokenAccess(None, sign_in_can_ask(session), session.account)
            if self.app.screen is origin:
                then(self.access)

        self.app.job("actions:claims", lambda _service: session.claims(), on_done=done,
                     on_error=failed)

    def _show_menu(self, device: dict[str, Any], access: TokenAccess) -> None:
        from intune_tui.ui.screens.actions import ActionsMenu

        def chosen(action: RemoteAction | None) -> None:
            if action is not None:
                self.confirm(device, action)

        self.app.push_screen(ActionsMenu([device], access), chosen)

    def _show_bulk_menu(self, devices: list[dict[str, Any]], access: TokenAccess) -> None:
        from intune_tui.ui.screens.actions import ActionsMenu
        from intune_tui.ui.screens.bulk import BulkActionScreen

        def chosen(action: RemoteAction | None) -> None:
            if action is not None:
                self.app.push_screen(BulkActionScreen(devices, action))

        self.app.push_screen(ActionsMenu(devices, access), chosen)

    def confirm(self, device: dict[str, Any], action: RemoteAction) -> None:
        """The confirmation of `action`'s tier; on yes, send it once."""
        from intune_tui.ui.screens.confirm import ConfirmedAction, confirm_screen

        def answered(answer: ConfirmedAction | None) -> None:
            if answer is not None:
                self.run(device, action, answer.options)

        screen = confirm_screen(action, device, tenant=self.app.session.tenant_label)
        self.app.push_screen(screen, answered)

    # -- one device ----------------------------------------------------------------------------

    def run(self, device: Mapping[str, Any], action: RemoteAction,
            options: Mapping[str, object] | None = None) -> bool:
        """Audit, then send `action` once. Returns False when nothing was sent (and says why)."""
        device = dict(device)
        try:
            body = build_body(action, options, device=device)
        except OptionError as error:
            self.app.notify(str(error), title=action.label, severity="error", markup=False)
            return False
        try:
            attempt_id = self.audit.begin(self.audit_record(device, action, body))
        except AuditWriteError as error:
            self.app.notify(str(error), title="Audit log", severity="error", markup=False,
                            timeout=15)
            return False
        pending = _Pending(attempt_id, device)
        sent_at = self.app.now()
        chosen = dict(options or {})
        self.app.job(
            f"action:{device.get('id')}:{action.key}:{attempt_id}",
            lambda service: service.run_action(device, action, chosen),
            on_done=lambda outcome: self._finished(pending, action, sent_at, outcome),
            on_error=lambda error: self._crashed(pending, action, sent_at, error),
            replace=False,
        )
        return True

    def audit_record(self, device: Mapping[str, Any], action: RemoteAction,
                     body: Mapping[str, Any] | None) -> AuditRecord:
        operator = (self.access.operator if self.access else "") or self.app.session.account
        return AuditRecord(
            tenant=self.app.session.tenant_label,
            operator=operator,
            action=action.key,
            device_id=str(device.get("id") or ""),
            device_name=clean(device.get("deviceName")),
            serial=clean(device.get("serialNumber")),
            options=dict(body or {}),
        )

    def _finished(self, pending: _Pending, action: RemoteAction, sent_at: datetime,
                  outcome: ActionOutcome) -> None:
        self.complete_attempt(pending.attempt_id, outcome)
        text, severity = outcome_message(action, outcome)
        self.app.notify(text, title=action.label, severity=severity,  # type: ignore[arg-type]
                        markup=False, timeout=8 if severity == "information" else 20)
        if outcome.sent and outcome.outcome in ("succeeded", "unknown"):
            self.remember(SentAction(action, outcome.device_id, sent_at, outcome))

    def _crashed(self, pending: _Pending, action: RemoteAction, sent_at: datetime,
                 error: BaseException) -> None:
        # run_action turns Graph errors into outcomes; anything else means we cannot tell
        # whether the POST left, so it is "unknown", never "failed".
        device_id = str(pending.device.get("id") or "")
        outcome = ActionOutcome(
            device_id, str(pending.device.get("deviceName") or device_id), action.key,
            "unknown", error=f"The app failed while sending ({type(error).__name__}); check "
                             "the device's remote actions before trying again.")
        self._finished(pending, action, sent_at, outcome)

    def complete_attempt(self, attempt_id: str, outcome: ActionOutcome) -> None:
        try:
            self.audit.complete(attempt_id, outcome=outcome.outcome, http_status=outcome.status,
                                request_id=outcome.request_id, error=outcome.error)
        except AuditWriteError as error:
            self.app.notify(f"The result could not be written to the audit log: {error}",
                            title="Audit log", severity="error", markup=False, timeout=15)

    def remember(self, sent: SentAction) -> None:
        self.sent.setdefault(sent.device_id, []).append(sent)
        for listener in list(self.sent_listeners):
            listener(sent)

    def sent_to(self, device_id: str) -> list[SentAction]:
        return list(self.sent.get(device_id, ()))

    # -- many devices --------------------------------------------------------------------------

    def run_bulk(self, devices: Sequence[Mapping[str, Any]], action: RemoteAction,
                 options: Mapping[str, object] | None,
                 on_progress: Callable[[BulkProgress], None]) -> BulkRun:
        run = BulkRun(self, [dict(device) for device in devices], action, dict(options or {}),
                      on_progress)
        run.start()
        return run


# -- bulk ----------------------------------------------------------------------------------------


@dataclass
class BulkProgress:
    """Where a bulk run is: outcomes so far (device order), how many were to be sent."""

    total: int
    outcomes: list[ActionOutcome] = field(default_factory=list)
    finished: bool = False

    @property
    def done(self) -> int:
        return len(self.outcomes)

    def count(self, outcome: str) -> int:
        return sum(1 for item in self.outcomes if item.outcome == outcome)


class BulkRun:
    """One action on many devices: `$batch` calls of 20 one after another, each device audited
    before its call and completed after it; a device's failure never stops the others."""

    def __init__(self, flow: RemoteActionFlow, devices: list[dict[str, Any]],
                 action: RemoteAction, options: dict[str, object],
                 on_progress: Callable[[BulkProgress], None]) -> None:
        self.flow = flow
        self.action = action
        self.options = options
        self.on_progress = on_progress
        self.chunks = [devices[i:i + BATCH_LIMIT] for i in range(0, len(devices), BATCH_LIMIT)]
        self.progress = BulkProgress(total=len(devices))
        self._sent_at = flow.app.now()

    def start(self) -> None:
        self.on_progress(self.progress)
        self._next_chunk(0)

    def _next_chunk(self, index: int) -> None:
        if index >= len(self.chunks):
            self.progress.finished = True
            self.on_progress(self.progress)
            self._notify_summary()
            return
        chunk = self.chunks[index]
        attempts: dict[str, str] = {}
        for device in chunk:
            try:
                body = build_body(self.action, self.options, device=device)
                record = self.flow.audit_record(device, self.action, body)
                attempts[str(device.get("id") or "")] = self.flow.audit.begin(record)
            except (AuditWriteError, OptionError) as error:
                self._not_sent(chunk, attempts, str(error))
                return
        action, options = self.action, self.options
        self.flow.app.job(
            f"bulk:{action.key}:{next(iter(attempts.values()), '')}:{index}",
            lambda service: service.bulk_action(chunk, action, options),
            on_done=lambda outcomes: self._chunk_done(index, chunk, attempts, outcomes),
            on_error=lambda error: self._chunk_crashed(index, chunk, attempts, error),
            replace=False,
        )

    def _chunk_done(self, index: int, chunk: list[dict[str, Any]], attempts: dict[str, str],
                    outcomes: Iterable[ActionOutcome]) -> None:
        by_id = {outcome.device_id: outcome for outcome in outcomes}
        for device in chunk:
            device_id = str(device.get("id") or "")
            outcome = by_id.get(device_id) or ActionOutcome(
                device_id, str(device.get("deviceName") or device_id), self.action.key,
                "unknown", error="Graph's answer did not mention this device; check it.")
            self._record(attempts.get(device_id), outcome)
        self.on_progress(self.progress)
        self._next_chunk(index + 1)

    def _chunk_crashed(self, index: int, chunk: list[dict[str, Any]], attempts: dict[str, str],
                       error: BaseException) -> None:
        note = (f"The app failed while sending ({type(error).__name__}); check these devices' "
                "remote actions before trying again.")
        outcomes = [ActionOutcome(str(d.get("id") or ""), str(d.get("deviceName") or ""),
                                  self.action.key, "unknown", error=note) for d in chunk]
        self._chunk_done(index, chunk, attempts, outcomes)

    def _not_sent(self, chunk: list[dict[str, Any]], attempts: dict[str, str],
                  reason: str) -> None:
        """The audit could not be written: send nothing more; say so for every device left."""
        position = self.chunks.index(chunk)
        for attempt_id in attempts.values():
            # If this fails too, the attempt reads back as "unknown", which is still honest.
            with contextlib.suppress(AuditWriteError):
                self.flow.audit.complete(attempt_id, outcome="cancelled", error=reason)
        for remaining in self.chunks[position:]:
            for device in remaining:
                device_id = str(device.get("id") or "")
                self.progress.outcomes.append(ActionOutcome(
                    device_id, str(device.get("deviceName") or device_id), self.action.key,
                    "failed", error=f"Not sent: {reason}", sent=False))
        self.chunks = self.chunks[:position]
        self._next_chunk(position)

    def _record(self, attempt_id: str | None, outcome: ActionOutcome) -> None:
        if attempt_id is not None:
            self.flow.complete_attempt(attempt_id, outcome)
        self.progress.outcomes.append(outcome)
        if outcome.sent and outcome.outcome in ("succeeded", "unknown"):
            self.flow.remember(SentAction(self.action, outcome.device_id, self._sent_at,
                                           outcome))

    def _notify_summary(self) -> None:
        progress = self.progress
        failed, unknown = progress.count("failed"), progress.count("unknown")
        text = (f"Bulk {self.action.label}: {progress.count('succeeded')} succeeded, "
                f"{failed} failed, {unknown} outcome unknown.")
        severity = "error" if failed else "warning" if unknown else "information"
        self.flow.app.notify(text, title="Bulk action", severity=severity,  # type: ignore[arg-type]
                             markup=False, timeout=10)
