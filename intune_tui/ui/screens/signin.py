"""The sign-in modal: a device code to type elsewhere, or a browser sign-in under way.

It shows what the sign-in object (intune_tui.auth.flows) carries and nothing else: the address,
the code in a large box, a countdown. `c` copies the code with OSC 52 (works over SSH where the
terminal allows it; the toast shows the code too, for when it does not). Esc cancels: MSAL's
polling thread notices within about a second. The screen closes itself when the sign-in ends,
and its dismiss value is the SignInOutcome. Every text from Entra is rendered literally.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from intune_tui.auth.flows import (
    BrowserSignIn,
    DeviceCodeFlow,
    PendingSignIn,
    SignInOutcome,
    SignInState,
)
from intune_tui.text import clean
from intune_tui.ui.screens.answer_once import AnswerOnceModal


def countdown_text(seconds_left: float) -> str:
    """ "Code expires in 14:32" style text for the remaining seconds."""
    whole = max(0, int(seconds_left))
    return f"{whole // 60:d}:{whole % 60:02d}"


class SignInScreen(AnswerOnceModal[SignInOutcome]):
    """Shows a PendingSignIn until it ends (dismissed with its outcome) or Esc cancels it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel sign-in", id="signin.cancel"),
        Binding("c", "copy_code", "Copy code", id="signin.copy_code"),
    ]

    def __init__(self, pending: PendingSignIn, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.pending = pending
        self._clock = clock

    def compose(self) -> ComposeResult:
        pending = self.pending
        with Vertical(id="signin-dialog"):
            yield Static(Text(f"Sign in to {clean(pending.tenant_label)}"), id="signin-title")
            if isinstance(pending, DeviceCodeFlow):
                yield Static(Text("1. Open this address in a browser, on any device:"))
                yield Static(Text(clean(pending.verification_uri)), id="signin-url")
                yield Static(Text("2. Enter this code:"))
                yield Static(Text(clean(pending.user_code)), id="signin-code")
            elif isinstance(pending, BrowserSignIn):
                lead = (
                    "A browser window was opened. If it did not appear, open this address:"
                    if pending.browser_opened
                    else "Open this address in a browser to sign in:"
                )
                yield Static(Text(lead))
                yield Static(Text(clean(pending.auth_url)), id="signin-url")
                yield Static(Text(pending.forward_hint), id="signin-hint")
            yield Static(Text(self._countdown()), id="signin-countdown")
            keys = (
                "c copy code · Esc cancel" if isinstance(pending, DeviceCodeFlow) else "Esc cancel"
            )
            yield Static(Text(keys), id="signin-keys")

    def on_mount(self) -> None:
        self.set_interval(0.25, self._refresh_state)

    def _countdown(self) -> str:
        left = self.pending.seconds_left(self._clock())
        noun = "Code" if isinstance(self.pending, DeviceCodeFlow) else "Sign-in"
        if left <= 0:
            return f"{noun} expired; finishing…"
        return f"{noun} expires in {countdown_text(left)}"

    def _refresh_state(self) -> None:
        outcome = self.pending.outcome
        if outcome is not None:
            self.answer(outcome)
            return
        self.query_one("#signin-countdown", Static).update(Text(self._countdown()))

    def action_cancel(self) -> None:
        self.pending.cancel()
        self.answer(SignInOutcome(SignInState.CANCELLED, "Sign-in cancelled."))

    def action_copy_code(self) -> None:
        if not isinstance(self.pending, DeviceCodeFlow):
            return
        code = clean(self.pending.user_code)
        self.app.copy_to_clipboard(code)
        self.notify(
            f"Copied the code {code} to the clipboard (OSC 52). If your terminal blocks it, "
            "type the code.",
            title="Sign-in code",
            markup=False,
        )
