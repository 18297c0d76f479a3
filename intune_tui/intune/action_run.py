"""One remote action from the user's side, without the UI: may the token run it, what the user
types to confirm it, the request line shown before it is sent, the sentence that tells what
happened, and how its state is followed afterwards (poll schedule, result since it was sent).

The UI flow (`ui/action_flow.py`) is one coroutine over these pieces; nothing here imports
Textual, so every rule is tested without an app.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from intune_tui.graph.tokens import claimed_scopes
from intune_tui.intune.actions import RemoteAction, Tier
from intune_tui.intune.formatting import enum_word
from intune_tui.intune.models import DeviceActionResult
from intune_tui.intune.polling import POLL_FIRST_DELAY, POLL_LIMIT, POLL_MAX_DELAY
from intune_tui.intune.scopes import scope_granted
from intune_tui.intune.service import ActionOutcome
from intune_tui.text import clean

OUTCOME_UNKNOWN = "Outcome unknown — checking the device"
ACCEPTED = "accepted by Intune"
TIER_WORDS = {Tier.BENIGN: "benign", Tier.DESTRUCTIVE: "destructive",
              Tier.IRREVERSIBLE: "irreversible"}


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
    """The URL path the action is sent to, with its API version."""
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


def token_access(claims: Mapping[str, Any] | None, *, can_ask: bool,
                 account: str) -> TokenAccess:
    """What a token with `claims` may do; the operator is the token's UPN, else `account`."""
    operator = ""
    if claims:
        operator = clean(claims.get("upn") or claims.get("unique_name") or "")
    return TokenAccess(claimed_scopes(claims or {}), can_ask, operator or account)


# -- what the user is told ------------------------------------------------------------------------


# The severities a notice can have (the words Textual's notify takes).
Severity = Literal["information", "warning", "error"]


def outcome_message(action: RemoteAction, outcome: ActionOutcome) -> tuple[str, Severity]:
    """(sentence, severity) telling the user what happened to one action."""
    name = clean(outcome.device_name)
    if outcome.outcome == "succeeded":
        status = f"HTTP {outcome.status}" if outcome.status else "accepted"
        return (f"{action.label} {ACCEPTED} for {name} ({status}). Intune shows it pending "
                "until the device checks in; the device's Actions tab follows it.",
                "information")
    if outcome.outcome == "unknown":
        return f"{OUTCOME_UNKNOWN}: {name}. {clean(outcome.error)}", "warning"
    if not outcome.sent:
        return f"{action.label} was not sent to {name}: {clean(outcome.error)}", "error"
    return f"{action.label} on {name} failed: {clean(outcome.error)}", "error"


# -- following an action ------------------------------------------------------------------------


@dataclass(frozen=True)
class SentAction:
    """An action this session sent to a device (or may have: outcome unknown)."""

    action: RemoteAction
    device_id: str
    sent_at: datetime
    outcome: ActionOutcome
    attempt_id: str | None = None  # its audit attempt, settled once the device finishes it


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


@dataclass
class TrackedAction:
    """One sent action being followed, and what the device showed for it last."""

    sent: SentAction
    result: DeviceActionResult | None = None
    settled: bool = False  # its audit attempt holds how the device finished it

    @property
    def finished(self) -> bool:
        return self.result is not None and self.result.finished

    @property
    def settled_state(self) -> str | None:
        """"done" or "failed" once the device finished it (cancelled and not supported are
        failures for the audit); None while it is pending."""
        if self.result is None or not self.result.finished:
            return None
        return "done" if (self.result.state or "").casefold() == "done" else "failed"

    def words(self) -> str:
        label = self.sent.action.label
        if self.result is None:
            state = f"{ACCEPTED}; not listed on the device yet"
        else:
            state = self.result.state_words
        if self.sent.outcome.outcome == "unknown":
            return f"{label}: {OUTCOME_UNKNOWN} ({state})"
        return f"{label}: {state}"


def tracking_text(tracked: list[TrackedAction], management_state: str | None, note: str) -> str:
    """The device view's lines about the actions it follows, and the note on the next check."""
    lines = [item.words() for item in tracked]
    if management_state and any(item.sent.action.watches_management_state
                                for item in tracked):
        lines.append(f"Management state: {enum_word(management_state)}")
    return "\n".join([*lines, f"({note})"])


# -- many devices ---------------------------------------------------------------------------------


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

    def summary(self) -> str:
        """'3 accepted by Intune, 1 failed, …' with only the non-zero kinds after the first."""
        parts = [f"{self.count('succeeded')} {ACCEPTED}"]
        for key, words in (("failed", "failed"), ("unknown", "outcome unknown"),
                           ("not_sent", "not sent")):
            if self.count(key):
                parts.append(f"{self.count(key)} {words}")
        return ", ".join(parts)
