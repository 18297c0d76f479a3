"""An interactive sign-in under way, as an object the UI or the CLI can show and cancel.

MSAL's own flow dict holds the device code, which can be redeemed for tokens: it stays private
here and never appears in a repr. The thread running MSAL calls `finish()`; the UI calls
`cancel()` (Esc) and watches `outcome`. Both sides may run on different threads.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, NotRequired, TypedDict, Unpack


class SignInState(enum.Enum):
    SIGNED_IN = "signed-in"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"


@dataclass(frozen=True)
class SignInOutcome:
    """How an interactive sign-in ended. `message` is one user-facing sentence (or more lines)."""

    state: SignInState
    message: str
    username: str | None = None

    @property
    def ok(self) -> bool:
        return self.state is SignInState.SIGNED_IN


class SignInTerms(TypedDict):
    """What every interactive sign-in is given: its deadline, for whom, for what."""

    expires_at: float
    tenant_label: str
    scopes: NotRequired[tuple[str, ...]]
    claims_challenge: NotRequired[str | None]
    clock: NotRequired[Callable[[], float]]  # time.time unless a test brings its own


class PendingSignIn:
    """Common part of a device code and a browser sign-in: deadline, cancel, outcome."""

    kind: ClassVar[str] = ""

    def __init__(self, **terms: Unpack[SignInTerms]) -> None:
        self.expires_at = terms["expires_at"]
        self.tenant_label = terms["tenant_label"]
        self.scopes = terms.get("scopes", ())
        self.claims_challenge = terms.get("claims_challenge")
        self._clock = terms.get("clock", time.time)
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._outcome: SignInOutcome | None = None
        self._lock = threading.Lock()

    def cancel(self) -> None:
        """Ask the sign-in to stop; the MSAL thread notices within about a second."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def should_stop(self) -> bool:
        """True once cancelled or past the deadline (MSAL's exit condition)."""
        return self._cancel.is_set() or self._clock() >= self.expires_at

    def seconds_left(self, now: float | None = None) -> float:
        current = self._clock() if now is None else now
        return max(0.0, self.expires_at - current)

    def finish(self, outcome: SignInOutcome) -> None:
        """Record how it ended; the first call wins."""
        with self._lock:
            if self._outcome is None:
                self._outcome = outcome
                self._finished.set()

    @property
    def outcome(self) -> SignInOutcome | None:
        return self._outcome

    def wait(self, timeout: float | None = None) -> SignInOutcome | None:
        self._finished.wait(timeout)
        return self._outcome


class DeviceCodeFlow(PendingSignIn):
    """A device code sign-in: open `verification_uri` anywhere and type `user_code`."""

    kind: ClassVar[str] = "device-code"

    def __init__(
        self,
        *,
        verification_uri: str,
        user_code: str,
        message: str,
        interval: int,
        msal_flow: dict[str, Any],
        **terms: Unpack[SignInTerms],
    ) -> None:
        super().__init__(**terms)
        self.verification_uri = verification_uri
        self.user_code = user_code
        self.message = message
        self.interval = interval
        self._msal_flow = msal_flow

    def __repr__(self) -> str:
        return (
            f"DeviceCodeFlow(verification_uri={self.verification_uri!r}, "
            f"user_code={self.user_code!r}, expires_at={self.expires_at:.0f})"
        )


class BrowserSignIn(PendingSignIn):
    """A browser sign-in: `auth_url` opened (or to be opened) in a browser that can reach
    http://localhost:`port` on this machine (directly, or through `ssh -L`)."""

    kind: ClassVar[str] = "browser"

    def __init__(
        self,
        *,
        auth_url: str,
        port: int,
        browser_opened: bool,
        receiver: Any = None,
        auth_flow: dict[str, Any] | None = None,
        **terms: Unpack[SignInTerms],
    ) -> None:
        super().__init__(**terms)
        self.auth_url = auth_url
        self.port = port
        self.browser_opened = browser_opened
        self._receiver = receiver  # the localhost listener (auth/redirect.py)
        self._auth_flow = auth_flow or {}  # MSAL's auth code flow: holds the PKCE verifier

    @property
    def forward_hint(self) -> str:
        return (
            f"If your browser runs on another computer, forward the port first: "
            f"ssh -L {self.port}:127.0.0.1:{self.port} <this host>"
        )

    def __repr__(self) -> str:
        return f"BrowserSignIn(port={self.port}, browser_opened={self.browser_opened})"
