"""Typed Graph errors. Every error carries one sentence a helpdesk user can act on.

`str(error)` is that sentence. Details for support (status, Graph error code, request-id) are
attributes, never tokens or headers. Every text part is cleaned here, once, because any of them
may come from an answer's body (a hostile `error.code` or `innerError.request-id` could carry a
terminal escape sequence) and they reach the screen, stderr and the log.
"""

from __future__ import annotations

from typing import TypedDict, Unpack

from intune_tui.text import clean


class ErrorDetails(TypedDict, total=False):
    """The support details every GraphError takes as keywords (see GraphError.__init__)."""

    status: int | None
    code: str | None
    request_id: str | None
    detail: str | None


def _cleaned(value: str | None) -> str | None:
    return None if value is None else clean(value)


class GraphError(Exception):
    """Base class: a Graph call did not give a usable answer."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        message = clean(message)
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = _cleaned(code)
        self.request_id = _cleaned(request_id)
        self.detail = _cleaned(detail)
        # The number of this call's entry in the client's request log, set by the client.
        self.request_entry: int | None = None

    def support_line(self) -> str:
        """A short line for logs and 'copy for support': status, code, request-id."""
        parts = []
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"code {self.code}")
        if self.request_id:
            parts.append(f"request-id {self.request_id}")
        return ", ".join(parts)


class GraphBadRequest(GraphError):
    """400: the request was not accepted (for example a $filter Graph does not support)."""


class GraphUnauthorized(GraphError):
    """401 that a fresh token did not cure: sign in again."""


class GraphForbidden(GraphError):
    """403: a scope, an Intune role or a licence is missing.

    missing_scope: the Graph permission scope the error names or the catalog says the call needs.
    missing_role: True when Intune says the *user* is not authorised (an RBAC role is missing).
    """

    def __init__(
        self,
        message: str,
        *,
        missing_scope: str | None = None,
        missing_role: bool = False,
        **kwargs: Unpack[ErrorDetails],
    ) -> None:
        super().__init__(message, **kwargs)
        self.missing_scope = missing_scope
        self.missing_role = missing_role


class GraphNotFound(GraphError):
    """404: the item no longer exists (deleted, retired, or never was)."""


class GraphThrottled(GraphError):
    """429 that persisted through every retry."""


class GraphServerError(GraphError):
    """5xx that persisted through every retry."""


class GraphBadResponse(GraphError):
    """The answer was not the JSON Graph promises (malformed body, HTML error page, wrong shape)."""


class GraphNetworkError(GraphError):
    """The request never got an answer (DNS, refused, TLS, timeout) and nothing was changed."""


class OutcomeUnknown(GraphError):
    """A change (POST, DELETE, PATCH) was sent and may or may not have happened: its answer was
    lost (a drop or timeout after sending) or Graph answered a 5xx that can come after the
    service acted (500, 502, 503, 504).

    Never retried automatically: the caller re-reads the resource to find out.
    """


class NotSent(GraphError):
    """A change never left this machine: getting the token failed (consent cancelled, sign-in
    failed, the sign-in service unreachable) or the connection to Graph could not be opened.
    Nothing was changed; `__cause__` holds the sign-in error when there is one."""
