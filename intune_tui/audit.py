"""Append-only audit of remote actions: one JSON line before the call, one after.

`<data dir>/audit.jsonl`, file mode 0600, each line flushed to disk (fsync) before the call it
describes goes out, so a crash or a killed terminal still leaves the attempt on record. The result
line carries the same `attempt_id`. An attempt without a result reads back as "unknown — app closed
before the answer": the action may or may not have happened, and the helpdesk must check.

Every string is passed through logs.redact: option values and error texts never carry a token.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from intune_tui.logs import redact

log = logging.getLogger(__name__)

OUTCOMES = ("succeeded", "failed", "unknown", "not_sent", "cancelled")
OUTCOME_NO_ANSWER = "unknown — app closed before the answer"
OUTCOME_IN_PROGRESS = "in progress"


class AuditWriteError(Exception):
    """The audit line could not be written. A remote action must not be sent without one."""


@dataclass(frozen=True)
class AuditRecord:
    """What is about to be done, to which device, by whom, in which tenant."""

    tenant: str
    operator: str  # the signed-in user's UPN
    action: str
    device_id: str
    device_name: str = ""
    serial: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """One attempt as read back: the attempt line merged with its result line, if any."""

    attempt_id: str
    time: str  # UTC ISO 8601 of the attempt
    tenant: str
    operator: str
    action: str
    device_id: str
    device_name: str
    serial: str
    options: dict[str, Any]
    outcome: str  # one of OUTCOMES, OUTCOME_NO_ANSWER or OUTCOME_IN_PROGRESS
    http_status: int | None = None
    request_id: str | None = None
    error: str | None = None
    completed_at: str | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _scrub(value: Any) -> Any:
    """Redact every string inside `value`; make anything JSON cannot hold a string."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(key): _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return redact(str(value))


class AuditLog:
    """The audit file. One instance per app; appends from several threads do not interleave."""

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.path = Path(path)
        self._clock = clock
        self._pending: set[str] = set()
        self._write_lock = threading.Lock()

    def begin(self, record: AuditRecord | Mapping[str, Any]) -> str:
        """Record an attempt before the call is sent; return its attempt_id.

        Raises AuditWriteError if the line could not be written to disk.
        """
        if not isinstance(record, AuditRecord):
            try:
                record = AuditRecord(**record)
            except TypeError as error:
                raise ValueError(f"not an audit record: {error}") from error
        attempt_id = uuid.uuid4().hex
        self._append(
            {
                "phase": "attempt",
                "attempt_id": attempt_id,
                "time": self._now(),
                "tenant": record.tenant,
                "operator": record.operator,
                "action": record.action,
                "device_id": record.device_id,
                "device_name": record.device_name,
                "serial": record.serial,
                "options": dict(record.options),
            }
        )
        self._pending.add(attempt_id)
        return attempt_id

    def complete(
        self,
        attempt_id: str,
        *,
        outcome: str,
        http_status: int | None = None,
        request_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """Record what happened to an attempt after the call answered (or did not)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
        self._append(
            {
                "phase": "result",
                "attempt_id": attempt_id,
                "time": self._now(),
                "outcome": outcome,
                "http_status": http_status,
                "request_id": request_id,
                "error": error,
            }
        )
        self._pending.discard(attempt_id)

    def read_newest_first(self, limit: int | None = None) -> list[AuditEntry]:
        """Every attempt, newest first, merged with its result. Unreadable lines are skipped."""
        attempts: dict[str, dict[str, Any]] = {}
        results: dict[str, dict[str, Any]] = {}
        for line in self._lines():
            phase = line.get("phase")
            attempt_id = line.get("attempt_id")
            if not isinstance(attempt_id, str):
                continue
            if phase == "attempt":
                attempts[attempt_id] = line
            elif phase == "result":
                results[attempt_id] = line
        entries = [
            self._entry(attempt, results.get(attempt_id))
            for attempt_id, attempt in reversed(attempts.items())
        ]
        return entries if limit is None else entries[: max(limit, 0)]

    # --- internals ------------------------------------------------------------------------

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def _append(self, line: dict[str, Any]) -> None:
        data = (json.dumps(_scrub(line), ensure_ascii=True) + "\n").encode()
        with self._write_lock:
            self._write(data)

    def _write(self, data: bytes) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if self._ends_without_newline():
                data = b"\n" + data  # a torn last line (crash mid-write) must not swallow ours
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if os.name == "posix":
                    os.fchmod(descriptor, 0o600)
                os.write(descriptor, data)
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError as error:
            log.error("audit write failed: %s", error)
            raise AuditWriteError(
                f"Could not write the audit log {self.path} ({error.strerror or error}); "
                "the action was not sent."
            ) from error

    def _ends_without_newline(self) -> bool:
        try:
            with self.path.open("rb") as existing:
                existing.seek(0, os.SEEK_END)
                if existing.tell() == 0:
                    return False
                existing.seek(-1, os.SEEK_END)
                return existing.read(1) != b"\n"
        except FileNotFoundError:
            return False

    def _lines(self) -> list[dict[str, Any]]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = []
        for number, text in enumerate(raw.splitlines(), start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except ValueError:
                log.warning("audit %s: line %d is not JSON, skipped", self.path, number)
                continue
            if isinstance(value, dict):
                lines.append(value)
        return lines

    def _entry(self, attempt: dict[str, Any], result: dict[str, Any] | None) -> AuditEntry:
        attempt_id = str(attempt["attempt_id"])
        if result is not None:
            outcome = str(result.get("outcome") or "unknown")
        elif attempt_id in self._pending:
            outcome = OUTCOME_IN_PROGRESS
        else:
            outcome = OUTCOME_NO_ANSWER
        result = result or {}
        options = attempt.get("options")
        status = result.get("http_status")
        return AuditEntry(
            attempt_id=attempt_id,
            time=_text(attempt.get("time")),
            tenant=_text(attempt.get("tenant")),
            operator=_text(attempt.get("operator")),
            action=_text(attempt.get("action")),
            device_id=_text(attempt.get("device_id")),
            device_name=_text(attempt.get("device_name")),
            serial=_text(attempt.get("serial")),
            options=options if isinstance(options, dict) else {},
            outcome=outcome,
            http_status=status if type(status) is int else None,
            request_id=_optional_text(result.get("request_id")),
            error=_optional_text(result.get("error")),
            completed_at=_optional_text(result.get("time")),
        )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)
