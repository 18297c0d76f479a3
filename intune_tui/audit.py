"""Append-only, tamper-evident audit of remote actions: one JSON line before the call, one after.

`<data dir>/audit.jsonl`, file mode 0600, each line flushed to disk (fsync) before the call it
describes goes out, so a crash or a killed terminal still leaves the attempt on record. The result
line carries the same `attempt_id`. An attempt without a result reads back as "unknown — app closed
before the answer": the action may or may not have happened, and the helpdesk must check.

The lines form a hash chain. Every line written by this version carries
  seq     its ordinal among the file's non-empty lines (1 for the first line),
  prev    the link to the line before it: HMAC-SHA256 (or SHA-256) over that line's exact bytes,
  alg     "hmac-sha256" when keyed with the audit key from the OS keyring, else "sha256",
  key_id  which key (a one-way fingerprint of it), or null,
  seal    HMAC-SHA256 (or SHA-256) over the line's own bytes before the seal, always last.
Reading verifies seal, link and seq of every line and names what broke: a line edited, removed,
inserted or reordered, a cut-off tail. Without a usable keyring the chain is plain SHA-256: it
still shows accidents and careless edits, but an editor who recomputes the hashes is not detected.
`audit.jsonl.head` (rewritten after every line) holds the last seq and link, so a tail cut off
the file shows too. Lines from before chaining (no seal) are read and marked as such.

Writes hold a cross-process lock (`audit.jsonl.lock`), compute the link from the file's actual
last line under that lock, write every byte (a short write is an AuditWriteError and is undone)
and fsync. Every string is passed through logs.redact: option values and errors never carry a token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import filelock

from intune_tui.logs import redact
from intune_tui.private_files import make_private_dir

log = logging.getLogger(__name__)

OUTCOMES = ("succeeded", "failed", "unknown", "not_sent", "cancelled")
OUTCOME_NO_ANSWER = "unknown — app closed before the answer"
OUTCOME_IN_PROGRESS = "in progress"
SETTLED_STATES = ("done", "failed")

KEYED = "hmac-sha256"
UNKEYED = "sha256"
NOT_KEYED_WARNING = "chain not keyed: an editor who recomputes hashes is not detected"
AUDIT_KEY_ENTRY = "audit-chain-key"  # app-wide keyring entry; logout (per profile) keeps it
LOCK_TIMEOUT = 10.0
LOCK_POLL = 0.01  # seconds between tries for a held lock (filelock polls; its default is 0.05)

_SEAL_TAIL = re.compile(rb', "seal": "([0-9a-f]{64})"\}$')

_OUTCOME_WORDS = {
    "succeeded": "accepted by Intune",
    "failed": "failed",
    "unknown": "unknown — check the device",
    "not_sent": "not sent",
    "cancelled": "not sent (cancelled)",
}
_SETTLED_WORDS = {"done": "done on the device", "failed": "failed on the device"}


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
    settled: str | None = None  # one of SETTLED_STATES once tracking saw the device finish
    settled_at: str | None = None
    before_chaining: bool = False  # written before the audit had a hash chain
    unverified: bool = False  # sealed with a key this session cannot use
    problems: tuple[str, ...] = ()  # chain breaks touching this attempt, as sentences

    @property
    def outcome_words(self) -> str:
        """The outcome as the audit screen says it ("accepted by Intune", "not sent", …)."""
        # An unknown outcome (the answer was lost) is settled the same way, by reading the device.
        if self.settled in _SETTLED_WORDS and self.outcome in ("succeeded", "unknown"):
            return _SETTLED_WORDS[self.settled]
        return _OUTCOME_WORDS.get(self.outcome, self.outcome)


@dataclass(frozen=True)
class ChainKey:
    """The audit key, or why there is none (then the chain is plain SHA-256)."""

    key: bytes | None = field(default=None, repr=False)
    problem: str | None = None

    @property
    def key_id(self) -> str | None:
        if self.key is None:
            return None
        return hmac.new(self.key, b"intune-tui audit key id", hashlib.sha256).hexdigest()[:16]


KeyProvider = Callable[[], ChainKey]


def keyring_key_provider(timeout: float = 3.0) -> KeyProvider:
    """The audit key from the OS keyring (created there once), through auth.keystore's probe."""

    def provide() -> ChainKey:
        from intune_tui.auth.keystore import load_or_create_key  # keyring loads on first use

        probe = load_or_create_key("", timeout=timeout, entry=AUDIT_KEY_ENTRY)
        return ChainKey(probe.key, probe.problem)

    return provide


# Tests replace this (tests/conftest.py) so that no test touches the machine's keyring.
DEFAULT_KEY_PROVIDER: KeyProvider = keyring_key_provider()


@dataclass(frozen=True)
class ChainBreak:
    """One place the chain is broken: the file line, what happened, and a sentence."""

    line: int  # 1-based line number in the file (0: the file as a whole)
    kind: str  # edited, removed, inserted, reordered, truncated, damaged, unchained, unkeyed
    detail: str


@dataclass(frozen=True)
class ChainReport:
    """What verifying the file found."""

    lines: int = 0
    before_chaining: int = 0  # lines written before the audit had a chain
    keyed: bool = False  # this session checks and writes with the keyring key
    key_problem: str | None = None
    breaks: tuple[ChainBreak, ...] = ()
    unverified: tuple[int, ...] = ()  # lines sealed with a key this session does not have
    unkeyed_after_keyed: tuple[int, ...] = ()  # plain SHA-256 lines after keyed ones

    @property
    def intact(self) -> bool:
        return not self.breaks

    def headline(self) -> str:
        """One sentence for the top of the audit screen."""
        if self.breaks:
            first = self.breaks[0]
            places = f" in {len(self.breaks)} places, first" if len(self.breaks) > 1 else ""
            return f"AUDIT CHAIN BROKEN{places} ({first.kind}): {first.detail}"
        if self.lines == 0:
            return "No audit file yet."
        chained = self.lines - self.before_chaining
        words = f"Chain intact over {chained} line(s)" if chained else "No chained line yet"
        if self.before_chaining:
            words += f"; {self.before_chaining} older line(s) before chaining, not verifiable"
        return words + "."

    def warnings(self) -> list[str]:
        """What weakens the check without being a break."""
        notes = []
        if not self.keyed:
            reason = f" ({self.key_problem})" if self.key_problem else ""
            notes.append(f"{NOT_KEYED_WARNING}{reason}.")
        if self.unverified:
            notes.append(f"{len(self.unverified)} line(s) sealed with a key this session cannot "
                         f"use (keyring unavailable or reset), first line {self.unverified[0]}: "
                         "their seals are not checked.")
        if self.unkeyed_after_keyed:
            notes.append(f"{len(self.unkeyed_after_keyed)} line(s) written without the key "
                         f"after keyed ones, first line {self.unkeyed_after_keyed[0]}: a keyring "
                         "that was unavailable then, or lines added by someone without the key.")
        return notes


@dataclass(frozen=True)
class AuditReading:
    """The file read once: every attempt newest first, and the chain's verification."""

    entries: list[AuditEntry]
    chain: ChainReport


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _check_one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


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


def _digest(key: bytes | None, purpose: bytes, data: bytes) -> str:
    if key is None:
        return hashlib.sha256(purpose + b"\0" + data).hexdigest()
    return hmac.new(key, purpose + b"\0" + data, hashlib.sha256).hexdigest()


def link_of(line: bytes, key: bytes | None) -> str:
    """The link a line following `line` (its exact bytes, no newline) records as `prev`."""
    return _digest(key, b"link", line)


def seal_of(body: bytes, key: bytes | None) -> str:
    """The seal over a line's bytes up to (not including) its seal."""
    return _digest(key, b"seal", body)


def sealed_line(record: Mapping[str, Any], key: bytes | None) -> bytes:
    """`record` as one line whose last field is its seal (no newline)."""
    body = json.dumps(record, ensure_ascii=True).encode()
    unsealed = body[:-1]
    return unsealed + b', "seal": "' + seal_of(unsealed, key).encode() + b'"}'


class AuditLog:
    """The audit file. Appends from threads and from other processes do not interleave."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
        key_provider: KeyProvider | None = None,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._pending: set[str] = set()
        self._write_lock = threading.Lock()
        self._key_provider = key_provider or DEFAULT_KEY_PROVIDER
        self._key: ChainKey | None = None
        self._key_lock = threading.Lock()

    @property
    def head_path(self) -> Path:
        return self.path.with_name(self.path.name + ".head")

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def chain_key(self) -> ChainKey:
        """The key, asked for once (the keyring probe can take up to its timeout)."""
        with self._key_lock:
            if self._key is None:
                try:
                    self._key = self._key_provider()
                except Exception as error:  # a broken keyring leaves an unkeyed chain
                    self._key = ChainKey(None, f"the keyring failed ({type(error).__name__})")
            return self._key

    def warm_key(self) -> None:
        """Ask for the key on a daemon thread now, so the first write does not wait for it.

        Call it when a remote action becomes likely (the actions menu opens): `begin` runs on
        the event loop, and a first keyring probe can take up to its timeout.
        """
        threading.Thread(target=self.chain_key, name="intune-tui-audit-key", daemon=True).start()

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
            "attempt",
            attempt_id,
            {
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
        _check_one_of("outcome", outcome, OUTCOMES)
        self._append(
            "result",
            attempt_id,
            {"outcome": outcome, "http_status": http_status, "request_id": request_id,
             "error": error},
        )
        self._pending.discard(attempt_id)

    def settle(self, attempt_id: str, *, state: str, detail: str | None = None) -> None:
        """Record that tracking saw the device finish the action ("done" or "failed").

        For a succeeded attempt (until then "accepted by Intune") or an unknown one (the answer
        was lost and the device's deviceActionResults settled it). The last settle line counts.
        """
        _check_one_of("state", state, SETTLED_STATES)
        self._append("settled", attempt_id, {"state": state, "detail": detail})

    def read(self) -> AuditReading:
        """Every attempt newest first, merged with its result, and the chain verified."""
        raw = self._read_bytes()
        key = self.chain_key()
        lines = _split_lines(raw)
        checked = _verify(lines, key, self._read_head())
        entries = _entries(checked, self._pending)
        return AuditReading(entries, checked.report)

    def verify(self) -> ChainReport:
        return self.read().chain

    def read_newest_first(self, limit: int | None = None) -> list[AuditEntry]:
        """Every attempt, newest first, merged with its result. Unreadable lines are skipped."""
        entries = self.read().entries
        return entries if limit is None else entries[: max(limit, 0)]

    # --- writing --------------------------------------------------------------------------

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def _append(self, phase: str, attempt_id: str, fields: dict[str, Any]) -> None:
        """Write one line of an attempt: its phase ("attempt", "result", "settled"), the time,
        then what that phase records."""
        record = {"phase": phase, "attempt_id": attempt_id, "time": self._now(), **fields}
        key = self.chain_key()
        scrubbed = _scrub(record)
        consequence = ("The action was not sent." if phase == "attempt" else
                       "The action was sent; this record of it is missing from the audit.")
        with self._write_lock:
            try:
                make_private_dir(self.path.parent)
                with filelock.FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT, mode=0o600,
                                       poll_interval=LOCK_POLL):
                    self._append_locked(scrubbed, key)
            except filelock.Timeout as error:
                raise AuditWriteError(
                    f"The audit log {self.path} is locked by another intune-tui for more than "
                    f"{LOCK_TIMEOUT:g} s. {consequence}"
                ) from error
            except AuditWriteError as error:
                raise AuditWriteError(f"{error} {consequence}") from error
            except OSError as error:
                log.error("audit write failed: %s", error)
                raise AuditWriteError(
                    f"Could not write the audit log {self.path} ({error.strerror or error}). "
                    f"{consequence}"
                ) from error

    def _append_locked(self, record: dict[str, Any], key: ChainKey) -> None:
        descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if os.name == "posix":
                os.fchmod(descriptor, 0o600)
            size = os.fstat(descriptor).st_size
            last, torn = _last_line(descriptor, size)
            seq = _next_seq(descriptor, last, size)
            chained = {
                **record,
                "seq": seq,
                "prev": link_of(last, key.key),
                "alg": KEYED if key.key is not None else UNKEYED,
                "key_id": key.key_id,
            }
            line = sealed_line(chained, key.key)
            data = (b"\n" if torn else b"") + line + b"\n"  # a torn line must not swallow ours
            _write_all(descriptor, data, size)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        self._write_head(seq, line, key)

    def _write_head(self, seq: int, line: bytes, key: ChainKey) -> None:
        """The chain's head beside the file; losing it only weakens the cut-tail check."""
        head = sealed_line({"seq": seq, "link": link_of(line, key.key),
                            "alg": KEYED if key.key is not None else UNKEYED,
                            "key_id": key.key_id}, key.key)
        temporary = self.head_path.with_name(self.head_path.name + ".tmp")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:  # no fsync: a head lost in a crash only weakens the cut-tail check
                _write_all(descriptor, head + b"\n", 0)
            finally:
                os.close(descriptor)
            os.replace(temporary, self.head_path)
        except (OSError, AuditWriteError) as error:
            log.warning("audit head %s not written: %s", self.head_path, error)

    # --- reading --------------------------------------------------------------------------

    def _read_bytes(self) -> bytes:
        """The file, read under the writers' lock when it can be had (no half-written line)."""
        try:
            with filelock.FileLock(str(self.lock_path), timeout=2.0, mode=0o600):
                return self.path.read_bytes()
        except FileNotFoundError:
            return b""
        except (filelock.Timeout, OSError):
            try:
                return self.path.read_bytes()
            except FileNotFoundError:
                return b""

    def _read_head(self) -> bytes | None:
        try:
            return self.head_path.read_bytes().strip() or None
        except OSError:
            return None


def _write_all(descriptor: int, data: bytes, size_before: int) -> None:
    """Every byte of `data`, or AuditWriteError with the file cut back to `size_before`."""
    written = 0
    problem = ""
    try:
        while written < len(data):
            count = os.write(descriptor, data[written:])
            if count <= 0:
                problem = "the disk accepted no more bytes"
                break
            written += count
    except OSError as error:
        problem = error.strerror or str(error)
    if written == len(data):
        return
    try:
        os.ftruncate(descriptor, size_before)
        undone = "nothing of it was left in the file"
    except OSError:
        undone = "a partial line may be left; :audit shows it as a cut-off line"
    log.error("audit short write: %d of %d bytes (%s)", written, len(data), problem)
    raise AuditWriteError(
        f"Only {written} of {len(data)} bytes of the audit line were written ({problem}); "
        f"{undone}."
    )


def _read_at(descriptor: int, count: int, offset: int) -> bytes:
    """`count` bytes from `offset` (lseek + read: os.pread is not on Windows)."""
    os.lseek(descriptor, offset, os.SEEK_SET)
    parts: list[bytes] = []
    while count > 0:
        part = os.read(descriptor, count)
        if not part:
            break
        parts.append(part)
        count -= len(part)
    return b"".join(parts)


def _last_line(descriptor: int, size: int) -> tuple[bytes, bool]:
    """The file's last non-empty line (exact bytes), and whether it lacks its newline."""
    start = size
    tail = b""
    chunk = 4096
    while start > 0:
        start = max(0, start - chunk)
        tail = _read_at(descriptor, size - start, start)
        stripped = tail.rstrip(b"\n")
        if b"\n" in stripped or start == 0:
            return stripped.rsplit(b"\n", 1)[-1], bool(tail) and not tail.endswith(b"\n")
        chunk *= 2
    return b"", False


def _next_seq(descriptor: int, last: bytes, size: int) -> int:
    """The seq of a line appended now: one more than the last line's, else a count of lines."""
    try:
        value = json.loads(last) if last else None
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict) and type(value.get("seq")) is int and _SEAL_TAIL.search(last):
        return int(value["seq"]) + 1
    whole = _read_at(descriptor, size, 0)  # only after unchained lines: the first chained write
    return sum(1 for piece in whole.split(b"\n") if piece.strip()) + 1


# --- verification ----------------------------------------------------------------------------


@dataclass
class _Line:
    number: int  # 1-based line number in the file
    raw: bytes
    value: dict[str, Any] | None
    seal: str | None = None  # the recorded seal, when the line has one
    torn: bool = False  # the file's last line, without its newline

    @property
    def chained(self) -> bool:
        return self.value is not None and self.seal is not None and \
            type(self.value.get("seq")) is int and isinstance(self.value.get("prev"), str)

    @property
    def seq(self) -> int | None:
        return self.value.get("seq") if self.chained and self.value is not None else None


@dataclass
class _Checked:
    report: ChainReport
    records: list[_Line]  # readable JSON objects, in file order
    line_problems: dict[int, str]  # file line number -> sentence
    legacy: set[int]  # file line numbers written before chaining
    unverified: set[int]  # file line numbers sealed with a key this session cannot use


def _split_lines(raw: bytes) -> list[_Line]:
    pieces = raw.split(b"\n")
    torn_tail = pieces[-1] != b""
    lines: list[_Line] = []
    for index, piece in enumerate(pieces[:-1] if not torn_tail else pieces, start=1):
        if not piece.strip():
            continue
        try:
            value = json.loads(piece)
        except (ValueError, RecursionError):  # a hostile line nested past the parser's limit
            value = None
        match = _SEAL_TAIL.search(piece)
        lines.append(_Line(index, piece, value if isinstance(value, dict) else None,
                           match.group(1).decode() if match else None,
                           torn=torn_tail and index == len(pieces)))
    return lines


def _key_for(line: _Line, key: ChainKey) -> tuple[bool, bytes | None]:
    """Whether this session can check the line, and with which key (None: plain SHA-256)."""
    assert line.value is not None
    if line.value.get("alg") == UNKEYED:
        return True, None
    if line.value.get("alg") == KEYED and key.key is not None and \
            line.value.get("key_id") == key.key_id:
        return True, key.key
    return False, None


class _Verifier:
    """One pass over the lines, naming each break once, at the line where it shows."""

    def __init__(self, lines: list[_Line], key: ChainKey) -> None:
        self.lines = lines
        self.key = key
        self.breaks: dict[int, ChainBreak] = {}
        self.legacy: set[int] = set()
        self.unverified: list[int] = []
        self.unkeyed_after_keyed: list[int] = []
        self.seen_seqs: set[int] = set()
        self.all_seqs = {line.seq for line in lines if line.seq is not None}

    def run(self) -> None:
        seen_chained = seen_keyed = seen_ours = False
        for index, line in enumerate(self.lines):
            previous = self.lines[index - 1] if index > 0 else None
            if line.value is None:
                self._unreadable(line)
            elif not line.chained:
                if seen_chained:
                    self._break(line, "unchained", f"line {line.number} has no chain link: "
                                "added or rewritten outside intune-tui")
                else:
                    self.legacy.add(line.number)
            else:
                seen_chained = True
                ours = _key_for(line, self.key)[1] is not None
                if seen_ours and not ours:
                    # After a line this session verified with its key, a line it cannot verify so
                    # is either written while the keyring was unavailable or forged: never silent.
                    self._break(line, "unkeyed", f"line {line.number} is not sealed with this "
                                "audit's key although earlier lines are: written while the "
                                "keyring was unavailable, or added by someone without the key")
                    continue
                keyed = line.value.get("alg") == KEYED
                if not keyed and seen_keyed:
                    self.unkeyed_after_keyed.append(line.number)
                seen_keyed = seen_keyed or keyed
                seen_ours = seen_ours or ours
                self._chained(index, line, previous)

    def _unreadable(self, line: _Line) -> None:
        if line.torn:
            self._break(line, "truncated", f"line {line.number}, the last, is cut off: a write "
                        "that did not finish (crash or full disk), or a tail cut by hand")
        else:
            self._break(line, "damaged", f"line {line.number} is not a readable record: "
                        "edited, or a write cut off by a crash")

    def _chained(self, index: int, line: _Line, previous: _Line | None) -> None:
        assert line.value is not None and line.seq is not None
        checkable, key = _key_for(line, self.key)
        expected = self._seq_of(index - 1) + 1
        seq = line.seq
        repeated = seq in self.seen_seqs
        self.seen_seqs.add(seq)
        if not checkable:
            self.unverified.append(line.number)
            if seq != expected:
                self._order_break(line, seq, expected, repeated)
            return
        seal = _SEAL_TAIL.search(line.raw)
        assert seal is not None  # a chained line ends in its seal
        body = line.raw[: seal.start()]
        if not hmac.compare_digest(seal_of(body, key), line.seal or ""):
            self._break(line, "edited", f"line {line.number} was changed after it was written "
                        "(its seal does not match)")
            return
        link = link_of(previous.raw if previous is not None else b"", key)
        if hmac.compare_digest(link, str(line.value["prev"])):
            return
        if previous is not None and previous.number in self.breaks:
            before = self.lines[index - 2].raw if index >= 2 else b""
            kind = self.breaks[previous.number].kind
            if kind in ("unchained", "unkeyed", "edited", "damaged") and \
                    hmac.compare_digest(link_of(before, key), str(line.value["prev"])):
                self._break(previous, "inserted", f"line {previous.number} was inserted: the "
                            f"line after it links to the line before it")
            return  # the previous line's own break explains this link
        if seq != expected or repeated:
            self._order_break(line, seq, expected, repeated)
        else:
            number = previous.number if previous is not None else 0
            self._break(line, "edited", f"line {line.number} does not link to line {number}: "
                        f"line {number} was replaced")

    def _order_break(self, line: _Line, seq: int, expected: int, repeated: bool) -> None:
        if repeated:
            self._break(line, "inserted", f"line {line.number} repeats record {seq}: a copied "
                        "line")
        elif seq > expected and not any(n in self.all_seqs for n in range(expected, seq)):
            missing = seq - expected
            which = f"record {expected} is" if missing == 1 else \
                f"records {expected}–{seq - 1} are"
            self._break(line, "removed", f"{missing} record(s) removed before line "
                        f"{line.number} ({which} missing)")
        else:
            self._break(line, "reordered", f"line {line.number} is out of order: record {seq} "
                        f"where record {expected} belongs")

    def _seq_of(self, index: int) -> int:
        """The seq of the line at `index` (its ordinal when unchained); 0 before the first."""
        if index < 0:
            return 0
        line = self.lines[index]
        return line.seq if line.seq is not None else index + 1

    def _break(self, line: _Line, kind: str, detail: str) -> None:
        self.breaks[line.number] = ChainBreak(line.number, kind, detail)


def _verify(lines: list[_Line], key: ChainKey, head: bytes | None) -> _Checked:
    verifier = _Verifier(lines, key)
    verifier.run()
    tail_break = _check_head(lines, key, head)
    torn_tail = bool(lines) and lines[-1].torn  # already named as a cut-off line
    if tail_break is not None and not (torn_tail and tail_break.kind == "truncated"):
        verifier.breaks.setdefault(tail_break.line, tail_break)
    breaks = tuple(sorted(verifier.breaks.values(), key=lambda item: item.line))
    report = ChainReport(
        lines=len(lines),
        before_chaining=len(verifier.legacy),
        keyed=key.key is not None,
        key_problem=key.problem,
        breaks=breaks,
        unverified=tuple(verifier.unverified),
        unkeyed_after_keyed=tuple(verifier.unkeyed_after_keyed),
    )
    problems = {item.line: item.detail for item in breaks}
    records = [line for line in lines if line.value is not None]
    return _Checked(report, records, problems, verifier.legacy, set(verifier.unverified))


def _check_head(lines: list[_Line], key: ChainKey, head: bytes | None) -> ChainBreak | None:
    """A tail cut off the file: the head remembers more records than the file holds."""
    if head is None:
        return None
    try:
        value = json.loads(head)
    except (ValueError, RecursionError):
        return None
    match = _SEAL_TAIL.search(head)
    if not isinstance(value, dict) or match is None or type(value.get("seq")) is not int:
        return None
    checkable, head_key = _key_for(_Line(0, head, value, match.group(1).decode()), key)
    if checkable and not hmac.compare_digest(seal_of(head[: match.start()], head_key),
                                             match.group(1).decode()):
        return None  # a damaged head proves nothing about the file
    last = max((line.seq for line in lines if line.seq is not None), default=0)
    if value["seq"] <= last:
        named = [line for line in lines if line.seq == value["seq"]]
        if checkable and named and not hmac.compare_digest(
                link_of(named[-1].raw, head_key), str(value.get("link"))):
            return ChainBreak(named[-1].number, "edited", f"line {named[-1].number} is not the "
                              f"record {value['seq']} the chain's head recorded: the file was "
                              "rewritten")
        return None
    end = lines[-1].number if lines else 0
    stops = f"it stops at record {last}" if last else "it holds no chained record"
    return ChainBreak(end + 1, "truncated", f"{value['seq'] - last} record(s) cut off the end "
                      f"of the file: {stops}, the chain's head says {value['seq']}")


# --- entries ---------------------------------------------------------------------------------


def _entries(checked: _Checked, pending: set[str]) -> list[AuditEntry]:
    attempts: dict[str, _Line] = {}
    results: dict[str, list[_Line]] = {}
    settles: dict[str, list[_Line]] = {}
    for line in checked.records:
        assert line.value is not None
        attempt_id = line.value.get("attempt_id")
        if not isinstance(attempt_id, str):
            continue
        phase = line.value.get("phase")
        if phase == "attempt":
            attempts.setdefault(attempt_id, line)
        elif phase == "result":
            results.setdefault(attempt_id, []).append(line)
        elif phase == "settled":
            settles.setdefault(attempt_id, []).append(line)
    return [
        _entry(attempt, results.get(attempt_id, []), settles.get(attempt_id, []), checked,
               attempt_id in pending)
        for attempt_id, attempt in reversed(attempts.items())
    ]


def _entry(
    attempt: _Line, results: list[_Line], settles: list[_Line], checked: _Checked, pending: bool
) -> AuditEntry:
    problems = checked.line_problems
    own_lines = (attempt, *results, *settles)
    notes = [problems[line.number] for line in own_lines if line.number in problems]
    sound = [line for line in results if line.number not in problems]
    if len(results) > 1:
        numbers = ", ".join(str(line.number) for line in results)
        notes.append(f"{len(results)} results recorded for this attempt (lines {numbers}); "
                     "an attempt has one")
    chosen = sound or results  # the first sound result counts, not the last line
    result_line = chosen[0] if chosen else None
    result = result_line.value if result_line is not None and result_line.value else {}
    if result_line is not None:
        outcome = str(result.get("outcome") or "unknown")
    else:
        outcome = OUTCOME_IN_PROGRESS if pending else OUTCOME_NO_ANSWER
    settled_lines = [line for line in settles if line.number not in problems] or settles
    settled = settled_lines[-1].value if settled_lines and settled_lines[-1].value else {}
    value = attempt.value or {}
    options = value.get("options")
    status = result.get("http_status")
    state = settled.get("state")
    return AuditEntry(
        attempt_id=str(value["attempt_id"]),
        time=_text(value.get("time")),
        tenant=_text(value.get("tenant")),
        operator=_text(value.get("operator")),
        action=_text(value.get("action")),
        device_id=_text(value.get("device_id")),
        device_name=_text(value.get("device_name")),
        serial=_text(value.get("serial")),
        options=options if isinstance(options, dict) else {},
        outcome=outcome,
        http_status=status if type(status) is int else None,
        request_id=_optional_text(result.get("request_id")),
        error=_optional_text(result.get("error")),
        completed_at=_optional_text(result.get("time")),
        settled=state if state in SETTLED_STATES else None,
        settled_at=_optional_text(settled.get("time")),
        before_chaining=attempt.number in checked.legacy,
        unverified=any(line.number in checked.unverified for line in own_lines),
        problems=tuple(notes),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)
