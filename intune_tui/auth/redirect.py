"""The http://localhost redirect that receives a browser sign-in's answer.

Entra posts the authorization code to it (response_mode=form_post). We run our own small server
rather than MSAL's `acquire_token_interactive` so that the wait can be cancelled (Esc, Ctrl-C)
and MSAL never calls `webbrowser.open()` (see browser.py). It listens on 127.0.0.1 only, accepts
the answer only with the state it expects, and never logs a request (the code is in the body).
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

MAX_BODY = 64 * 1024
_DONE_PAGE = "Sign-in answer received. You can close this tab and return to intune-tui."
_ERROR_PAGE = "Sign-in failed or was cancelled. Return to intune-tui for details."


class RedirectReceiver:
    """A one-shot loopback server waiting for the sign-in answer for `expected_state`."""

    def __init__(self, *, port: int = 0) -> None:
        self._answer: dict[str, str] | None = None
        self._arrived = threading.Event()
        self.expected_state: str | None = None
        self._server = HTTPServer(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="intune-tui-redirect",
            daemon=True,
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        # Entra accepts any port for http://localhost on a "Mobile and desktop" registration.
        return f"http://localhost:{self.port}"

    def wait(self, should_stop: Callable[[], bool], *, poll: float = 0.25) -> dict[str, str] | None:
        """The posted answer ({"code", "state", ...} or {"error", ...}), or None when stopped."""
        while not self._arrived.wait(poll):
            if should_stop():
                return None
        return self._answer

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> RedirectReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self, answer: dict[str, str]) -> bool:
        if self._arrived.is_set() or answer.get("state") != self.expected_state:
            return False
        self._answer = answer
        self._arrived.set()
        return True

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length <= 0 or length > MAX_BODY:
                    self._reply(400, "Unexpected request.")
                    return
                body = self.rfile.read(length).decode("utf-8", errors="replace")
                answer = {key: values[0] for key, values in urllib.parse.parse_qs(body).items()}
                if not ("code" in answer or "error" in answer) or not receiver._accept(answer):
                    self._reply(400, "Unexpected or repeated sign-in answer; it was ignored.")
                    return
                self._reply(200, _DONE_PAGE if "code" in answer else _ERROR_PAGE)

            def do_GET(self) -> None:
                self._reply(
                    400,
                    "intune-tui waits here for the sign-in answer, which arrives by POST "
                    "(response_mode=form_post).",
                )

            def _reply(self, status: int, text: str) -> None:
                raw = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                return  # stderr is the TUI's screen, and a request line may carry secrets

        return Handler
