from __future__ import annotations

import errno
import itertools
import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from intune_tui.audit import (
    OUTCOME_IN_PROGRESS,
    OUTCOME_NO_ANSWER,
    AuditLog,
    AuditRecord,
    AuditWriteError,
    ChainKey,
    link_of,
    seal_of,
    sealed_line,
)

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJoZWxwZGVzayJ9.c2lnbmF0dXJl"


class StepClock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def wipe_record(**overrides: object) -> AuditRecord:
    values: dict[str, object] = {
        "tenant": "contoso.onmicrosoft.com",
        "operator": "helpdesk@contoso.com",
        "action": "wipe",
        "device_id": "dev-1",
        "device_name": "LAPTOP-01",
        "serial": "C02XYZ",
        "options": {"keepUserData": False},
    }
    values.update(overrides)
    return AuditRecord(**values)  # type: ignore[arg-type]


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_attempt_is_on_disk_before_the_call_and_the_result_after(tmp_path: Path) -> None:
    path = tmp_path / "data" / "audit.jsonl"
    audit = AuditLog(path, clock=StepClock())

    attempt_id = audit.begin(wipe_record())
    before = lines(path)
    audit.complete(attempt_id, outcome="succeeded", http_status=204, request_id="req-9")
    after = lines(path)
    raw_lines = path.read_bytes().splitlines()
    after_seals = [seal_of(raw[: raw.rindex(b', "seal"')], None) for raw in raw_lines]

    chain_fields = ("seq", "prev", "alg", "key_id", "seal")
    assert [{name: line.pop(name) for name in chain_fields} for line in after] == [
        {"seq": 1, "prev": link_of(b"", None), "alg": "sha256", "key_id": None,
         "seal": after_seals[0]},
        {"seq": 2, "prev": link_of(raw_lines[0], None), "alg": "sha256", "key_id": None,
         "seal": after_seals[1]},
    ]
    for line in before:
        for name in chain_fields:
            line.pop(name)
    assert before == [
        {
            "phase": "attempt",
            "attempt_id": attempt_id,
            "time": "2026-11-20T09:00:01Z",
            "tenant": "contoso.onmicrosoft.com",
            "operator": "helpdesk@contoso.com",
            "action": "wipe",
            "device_id": "dev-1",
            "device_name": "LAPTOP-01",
            "serial": "C02XYZ",
            "options": {"keepUserData": False},
        }
    ]
    assert after[0] == before[0]
    assert after[1] == {
        "phase": "result",
        "attempt_id": attempt_id,
        "time": "2026-11-20T09:00:02Z",
        "outcome": "succeeded",
        "http_status": 204,
        "request_id": "req-9",
        "error": None,
    }


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_file_is_private_even_if_it_was_not(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text("")
    path.chmod(0o644)

    AuditLog(path).begin(wipe_record())

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_read_back_newest_first_with_results_merged(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl", clock=StepClock())
    first = audit.begin(wipe_record(action="syncDevice", options={}))
    audit.complete(first, outcome="succeeded", http_status=204, request_id="r1")
    second = audit.begin(wipe_record(action="retire", device_name="PHONE-7"))
    audit.complete(second, outcome="failed", http_status=403, error="Missing permission")

    entries = audit.read_newest_first()

    assert [entry.action for entry in entries] == ["retire", "syncDevice"]
    assert (entries[0].outcome, entries[0].http_status, entries[0].error) == (
        "failed", 403, "Missing permission"
    )
    assert entries[0].device_name == "PHONE-7"
    assert (entries[1].outcome, entries[1].request_id) == ("succeeded", "r1")
    assert entries[1].completed_at == "2026-11-20T09:00:02Z"
    assert [entry.action for entry in audit.read_newest_first(limit=1)] == ["retire"]


def test_an_attempt_without_result_reads_as_unknown_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    running = AuditLog(path)
    running.begin(wipe_record())

    assert running.read_newest_first()[0].outcome == OUTCOME_IN_PROGRESS
    after_restart = AuditLog(path).read_newest_first()
    assert after_restart[0].outcome == OUTCOME_NO_ANSWER == "unknown — app closed before the answer"


def test_a_corrupt_line_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path)
    kept = audit.begin(wipe_record(device_name="KEEP-1"))
    with path.open("a", encoding="utf-8") as file:
        file.write('{"phase": "attempt", "attempt_id": "x", "tim\n')  # torn line
        file.write("not json at all\n")
        file.write("[1, 2, 3]\n")
    audit.complete(kept, outcome="succeeded")
    later = audit.begin(wipe_record(device_name="KEEP-2"))

    entries = AuditLog(path).read_newest_first()

    assert [entry.device_name for entry in entries] == ["KEEP-2", "KEEP-1"]
    assert entries[1].outcome == "succeeded"
    assert entries[0].attempt_id == later


def test_a_torn_last_line_does_not_swallow_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"phase": "attempt", "attempt_id": "half', encoding="utf-8")  # no newline

    AuditLog(path).begin(wipe_record(device_name="AFTER-CRASH"))

    assert [entry.device_name for entry in AuditLog(path).read_newest_first()] == ["AFTER-CRASH"]


def test_secrets_in_options_and_errors_never_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path)
    attempt_id = audit.begin(
        wipe_record(options={"note": f"token {JWT}", "nested": {"auth": "Bearer abc-secret"}})
    )
    audit.complete(
        attempt_id,
        outcome="failed",
        error='401 {"access_token": "leaked-at"} Authorization: Bearer more-secret',
    )
    audit.settle(attempt_id, state="failed", detail=f"device said {JWT}")

    text = path.read_text(encoding="utf-8")
    for secret in (JWT, "abc-secret", "leaked-at", "more-secret"):
        assert secret not in text
    assert "<redacted>" in text


def test_a_device_name_with_escape_sequences_is_stored_escaped(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).begin(wipe_record(device_name="EVIL\x1b[2J\u202eNAME"))

    raw = path.read_bytes()
    assert b"\x1b" not in raw and "\u202e".encode() not in raw
    assert AuditLog(path).read_newest_first()[0].device_name == "EVIL\x1b[2J\u202eNAME"


def test_begin_accepts_a_plain_mapping_and_refuses_unknown_fields(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")

    audit.begin({"tenant": "t", "operator": "o", "action": "syncDevice", "device_id": "d"})
    with pytest.raises(ValueError, match="not an audit record"):
        audit.begin({"tenant": "t", "operator": "o", "action": "a", "device_id": "d", "x": 1})


def test_an_unknown_outcome_is_refused(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    attempt_id = audit.begin(wipe_record())

    with pytest.raises(ValueError, match="succeeded, failed, unknown, not_sent, cancelled"):
        audit.complete(attempt_id, outcome="done")


def test_an_unwritable_audit_file_is_an_error_the_caller_must_see(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    audit = AuditLog(blocker / "audit.jsonl")

    with pytest.raises(AuditWriteError, match="The action was not sent"):
        audit.begin(wipe_record())


def test_reading_a_missing_file_is_an_empty_list(tmp_path: Path) -> None:
    assert AuditLog(tmp_path / "none.jsonl").read_newest_first() == []


# --- the hash chain -----------------------------------------------------------------------------

KEY = bytes(range(32))


def keyed() -> ChainKey:
    return ChainKey(KEY)


def three_attempts(path: Path, **log_options: object) -> AuditLog:
    """Three wipes answered: six lines, numbered 1 to 6 in the file."""
    audit = AuditLog(path, clock=StepClock(), **log_options)  # type: ignore[arg-type]
    for name in ("PC-1", "PC-2", "PC-3"):
        attempt_id = audit.begin(wipe_record(device_name=name))
        audit.complete(attempt_id, outcome="succeeded", http_status=204)
    return audit


def rewrite(path: Path, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path.write_bytes(b"".join(line + b"\n" for line in change(path.read_bytes().splitlines())))


def breaks(path: Path, **log_options: object) -> list[tuple[int, str]]:
    report = AuditLog(path, **log_options).verify()  # type: ignore[arg-type]
    return [(item.line, item.kind) for item in report.breaks]


@pytest.mark.parametrize("provider", [None, keyed], ids=["unkeyed", "keyed"])
def test_an_untouched_file_verifies_intact(tmp_path: Path, provider: Any) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path, key_provider=provider)

    report = AuditLog(path, key_provider=provider).verify()

    assert report.intact and report.lines == 6 and report.keyed is (provider is not None)
    assert report.headline() == "Chain intact over 6 line(s)."


def test_editing_one_line_is_a_break_at_that_line(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path)

    rewrite(path, lambda lines: [line.replace(b"PC-2", b"PC-9") if n == 2 else line
                                 for n, line in enumerate(lines)])

    assert breaks(path) == [(3, "edited")]
    report = AuditLog(path).verify()
    assert report.headline() == ("AUDIT CHAIN BROKEN (edited): line 3 was changed after it "
                                 "was written (its seal does not match)")
    entry = next(e for e in AuditLog(path).read_newest_first() if e.device_name == "PC-9")
    assert entry.problems == ("line 3 was changed after it was written (its seal does not match)",)


def test_deleting_a_line_is_a_break_naming_the_missing_record(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path)

    rewrite(path, lambda lines: lines[:2] + lines[3:])

    assert breaks(path) == [(3, "removed")]
    assert "1 record(s) removed before line 3 (record 3 is missing)" in \
        AuditLog(path).verify().headline()


def test_cutting_the_tail_off_is_a_break(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path)

    rewrite(path, lambda lines: lines[:4])

    assert breaks(path) == [(5, "truncated")]
    assert "2 record(s) cut off the end of the file: it stops at record 4" in \
        AuditLog(path).verify().headline()


def test_swapping_two_lines_is_a_reorder(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path)

    rewrite(path, lambda lines: [lines[0], lines[2], lines[1], *lines[3:]])

    assert breaks(path)[0] == (2, "reordered")


def test_a_copied_line_is_an_insertion(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path)

    rewrite(path, lambda lines: [*lines[:4], lines[1], *lines[4:]])

    assert breaks(path) == [(5, "inserted")]


def test_an_appended_forged_result_is_a_break_and_a_second_result_is_flagged(
        tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = three_attempts(path)
    closed = audit.begin(wipe_record(device_name="NO-ANSWER"))
    genuine = lines(path)[1]
    forged = [
        {"phase": "result", "attempt_id": closed, "time": "2026-11-20T10:00:00Z",
         "outcome": "succeeded", "http_status": 204, "request_id": None, "error": None},
        {**genuine, "outcome": "failed", "http_status": 500},  # a second result, chain fields kept
    ]
    with path.open("a", encoding="utf-8") as file:
        file.writelines(json.dumps(line) + "\n" for line in forged)

    assert breaks(path) == [(8, "unchained"), (9, "edited")]
    entries = {entry.device_name: entry for entry in AuditLog(path).read_newest_first()}
    assert entries["NO-ANSWER"].problems == (
        "line 8 has no chain link: added or rewritten outside intune-tui",)
    first = entries["PC-1"]
    assert first.outcome == "succeeded" and first.http_status == 204  # the sound result
    assert first.problems == (
        "line 9 was changed after it was written (its seal does not match)",
        "2 results recorded for this attempt (lines 2, 9); an attempt has one")


def test_a_keyed_chain_detects_an_editor_who_recomputes_the_plain_hashes(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path, key_provider=keyed)

    def recompute(raw_lines: list[bytes]) -> list[bytes]:
        rebuilt: list[bytes] = []
        for raw in raw_lines:
            record = json.loads(raw)
            del record["seal"]
            record["device_name"] = record.get("device_name", "").replace("PC-2", "PC-9")
            record.update(prev=link_of(rebuilt[-1] if rebuilt else b"", None), alg="sha256",
                          key_id=None)
            rebuilt.append(sealed_line(record, None))
        return rebuilt

    rewrite(path, recompute)

    assert breaks(path, key_provider=keyed) == [(6, "edited")]  # the keyed head names line 6
    # The unkeyed chain cannot tell: the limitation the screen states.
    assert breaks(path) == []
    assert AuditLog(path).verify().warnings()[0].startswith(
        "chain not keyed: an editor who recomputes hashes is not detected")


def test_a_line_forged_with_the_plain_hash_after_keyed_lines_is_a_break(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path, key_provider=keyed)
    AuditLog(path).complete("anything", outcome="succeeded")  # a writer without the key

    assert breaks(path, key_provider=keyed) == [(7, "unkeyed")]


def test_an_old_unchained_file_reads_and_new_lines_chain_after_it(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    old = [
        {"phase": "attempt", "attempt_id": "a1", "time": "2026-01-01T00:00:00Z", "tenant": "t",
         "operator": "o", "action": "wipe", "device_id": "d1", "device_name": "OLD",
         "serial": "", "options": {}},
        {"phase": "result", "attempt_id": "a1", "time": "2026-01-01T00:00:01Z",
         "outcome": "cancelled", "http_status": None, "request_id": None, "error": None},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in old), encoding="utf-8")

    audit = AuditLog(path)
    assert audit.verify().intact and audit.verify().before_chaining == 2
    assert audit.verify().headline() == (
        "No chained line yet; 2 older line(s) before chaining, not verifiable.")
    audit.begin(wipe_record(device_name="NEW"))

    report = AuditLog(path).verify()
    assert report.intact and report.lines == 3 and report.before_chaining == 2
    assert "2 older line(s) before chaining" in report.headline()
    assert lines(path)[2]["seq"] == 3
    entries = AuditLog(path).read_newest_first()
    assert [(e.device_name, e.before_chaining) for e in entries] == [("NEW", False), ("OLD", True)]
    assert entries[1].outcome_words == "not sent (cancelled)"


def test_outcomes_read_as_a_helpdesk_says_them_and_settle_records_the_device_finishing(
        tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path, clock=StepClock())
    accepted = audit.begin(wipe_record(device_name="ACCEPTED"))
    audit.complete(accepted, outcome="succeeded", http_status=204)
    finished = audit.begin(wipe_record(device_name="FINISHED"))
    audit.complete(finished, outcome="succeeded", http_status=204)
    audit.settle(finished, state="done")
    broke = audit.begin(wipe_record(device_name="BROKE"))
    audit.complete(broke, outcome="succeeded", http_status=204)
    audit.settle(broke, state="failed", detail="device reported failed")
    never = audit.begin(wipe_record(device_name="NEVER"))
    audit.complete(never, outcome="not_sent", error="consent cancelled")
    lost = audit.begin(wipe_record(device_name="LOST-ANSWER"))
    audit.complete(lost, outcome="unknown", http_status=503)
    audit.settle(lost, state="done")
    refused = audit.begin(wipe_record(device_name="REFUSED"))
    audit.complete(refused, outcome="failed", http_status=400)
    audit.settle(refused, state="done")  # a refused call cannot have finished: not shown so

    words = {e.device_name: (e.outcome, e.outcome_words, e.settled)
             for e in AuditLog(path).read_newest_first()}

    assert words == {
        "ACCEPTED": ("succeeded", "accepted by Intune", None),
        "FINISHED": ("succeeded", "done on the device", "done"),
        "BROKE": ("succeeded", "failed on the device", "failed"),
        "NEVER": ("not_sent", "not sent", None),
        "LOST-ANSWER": ("unknown", "done on the device", "done"),
        "REFUSED": ("failed", "failed", "done"),
    }
    assert AuditLog(path).verify().intact
    with pytest.raises(ValueError, match="done, failed"):
        audit.settle(never, state="succeeded")


def test_the_key_is_asked_for_once_and_can_be_asked_for_ahead(tmp_path: Path) -> None:
    calls: list[str] = []
    asked = threading.Event()

    def provider() -> ChainKey:
        calls.append(threading.current_thread().name)
        asked.set()
        return ChainKey(KEY)

    audit = AuditLog(tmp_path / "audit.jsonl", key_provider=provider)
    audit.warm_key()
    assert asked.wait(5)
    audit.begin(wipe_record())
    audit.read_newest_first()

    assert calls == ["intune-tui-audit-key"]
    assert lines(tmp_path / "audit.jsonl")[0]["alg"] == "hmac-sha256"


def test_a_failing_key_provider_leaves_an_unkeyed_chain_that_says_why(tmp_path: Path) -> None:
    def provider() -> ChainKey:
        raise RuntimeError("dbus went away")

    audit = AuditLog(tmp_path / "audit.jsonl", key_provider=provider)
    audit.begin(wipe_record())

    report = audit.verify()
    assert report.intact and not report.keyed
    assert report.warnings() == [
        "chain not keyed: an editor who recomputes hashes is not detected (the keyring failed "
        "(RuntimeError))."]


def test_a_short_write_is_an_error_and_leaves_nothing_half_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "audit.jsonl"
    audit = three_attempts(path)
    before = path.read_bytes()
    real_write = os.write
    audit_inode = path.stat().st_ino

    def short_write(descriptor: int, data: bytes) -> int:
        if os.fstat(descriptor).st_ino != audit_inode:
            return real_write(descriptor, data)
        if short_write.calls:  # type: ignore[attr-defined]
            raise OSError(errno.ENOSPC, "No space left on device")
        short_write.calls += 1  # type: ignore[attr-defined]
        return real_write(descriptor, data[:40])

    short_write.calls = 0  # type: ignore[attr-defined]
    monkeypatch.setattr(os, "write", short_write)

    with pytest.raises(AuditWriteError, match=r"Only 40 of \d+ bytes .*No space left on device.*"
                       "nothing of it was left in the file. The action was not sent."):
        audit.begin(wipe_record(device_name="NOT-SENT"))
    with pytest.raises(AuditWriteError, match=re.escape(
            "The action was sent; this record of it is missing from the audit.")):
        audit.complete("a-sent-one", outcome="succeeded")

    monkeypatch.undo()
    assert path.read_bytes() == before
    assert AuditLog(path).verify().intact


def test_a_short_write_that_cannot_be_undone_shows_in_the_audit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "audit.jsonl"
    audit = three_attempts(path)
    real_write = os.write
    audit_inode = path.stat().st_ino

    def short_write(descriptor: int, data: bytes) -> int:
        if os.fstat(descriptor).st_ino != audit_inode:
            return real_write(descriptor, data)
        real_write(descriptor, data[:40])
        raise OSError(errno.EIO, "Input/output error")

    def no_truncate(descriptor: int, length: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "write", short_write)
    monkeypatch.setattr(os, "ftruncate", no_truncate)
    with pytest.raises(AuditWriteError, match="a partial line may be left"):
        audit.begin(wipe_record(device_name="NOT-SENT"))
    monkeypatch.undo()

    assert breaks(path) == [(7, "truncated")]
    audit.begin(wipe_record(device_name="NEXT"))  # the next line does not merge into the torn one
    assert breaks(path) == [(7, "damaged")]
    assert AuditLog(path).read_newest_first()[0].device_name == "NEXT"


WRITER = """
import sys, time
from pathlib import Path
from intune_tui.audit import AuditLog, AuditRecord, ChainKey

path, go, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
audit = AuditLog(path, key_provider=lambda: ChainKey(bytes(range(32))))
audit.chain_key()
while not go.exists():
    time.sleep(0.005)
for number in range(200):
    audit.begin(AuditRecord(tenant="t", operator=name, action="syncDevice",
                            device_id=f"{name}-{number}"))
    time.sleep(0.002)  # as the app does between attempts (a POST between): the lock is free
"""


def test_two_processes_appending_at_once_lose_no_line_and_keep_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    go = tmp_path / "go"
    root = Path(__file__).resolve().parent.parent
    environment = {**os.environ, "PYTHONPATH": str(root)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(go), name],
                                env=environment, cwd=root) for name in ("one", "two")]
    time.sleep(0.5)  # both started and waiting: they then race for the file
    go.touch()
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0]

    records = lines(path)
    assert len(records) == 400
    assert sorted(record["device_id"] for record in records) == sorted(
        f"{name}-{number}" for name in ("one", "two") for number in range(200))
    assert [record["seq"] for record in records] == list(range(1, 401))
    operators = [record["operator"] for record in records]
    switches = sum(a != b for a, b in itertools.pairwise(operators))
    assert switches > 1  # the two really wrote at the same time
    report = AuditLog(path, key_provider=keyed).verify()
    assert report.intact and report.keyed and report.lines == 400


def test_a_hostile_line_nested_past_the_parser_is_a_break_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = three_attempts(path)
    with path.open("a", encoding="utf-8") as file:
        file.write("[" * 200_000 + "]" * 200_000 + "\n")
    audit.begin(wipe_record(device_name="AFTER"))

    assert breaks(path) == [(7, "damaged")]
    assert AuditLog(path).read_newest_first()[0].device_name == "AFTER"


def test_a_write_that_takes_several_calls_is_finished_not_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "audit.jsonl"
    audit = three_attempts(path)
    real_write = os.write
    audit_inode = path.stat().st_ino
    calls: list[int] = []

    def trickle(descriptor: int, data: bytes) -> int:
        if os.fstat(descriptor).st_ino != audit_inode:
            return real_write(descriptor, data)
        calls.append(len(data))
        return real_write(descriptor, data[:25])  # legal: a write may take fewer bytes

    monkeypatch.setattr(os, "write", trickle)
    audit.begin(wipe_record(device_name="SLOW-DISK"))
    monkeypatch.undo()

    assert len(calls) > 5
    assert AuditLog(path).verify().intact
    assert AuditLog(path).read_newest_first()[0].device_name == "SLOW-DISK"


def _forge_a_chained_copy(lines: list[bytes]) -> list[bytes]:
    copy = json.loads(lines[1])
    copy["outcome"] = "failed"
    return [*lines[:3], json.dumps(copy).encode(), *lines[3:]]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda lines: [*lines[:3], b'{"phase": "result", "attempt_id": "x"}', *lines[3:]],
     [(4, "inserted")]),
    (_forge_a_chained_copy, [(4, "inserted")]),
    (lambda lines: lines[1:], [(1, "removed")]),
    (lambda lines: lines[:2] + lines[4:], [(3, "removed")]),
    (lambda lines: [lines[-1], *lines[:-1]], [(1, "reordered")]),
    (lambda lines: [*lines[:-2], lines[-1], lines[-2]], [(5, "reordered")]),
    (lambda lines: [*lines[:-1], lines[-1].replace(b"succeeded", b"failed")], [(6, "edited")]),
    (lambda lines: [], [(1, "truncated")]),
], ids=["unchained-insert", "forged-copy-insert", "first-removed", "two-removed",
        "last-moved-first", "last-two-swapped", "last-edited", "emptied"])
def test_each_kind_of_tampering_is_named_once(
        tmp_path: Path, change: Callable[[list[bytes]], list[bytes]],
        expected: list[tuple[int, str]]) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path, key_provider=keyed)

    rewrite(path, change)

    assert breaks(path, key_provider=keyed) == expected


def test_a_line_cut_mid_way_is_named_once(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path)

    path.write_bytes(path.read_bytes()[:-30])

    report = AuditLog(path).verify()
    assert [(item.line, item.kind) for item in report.breaks] == [(6, "truncated")]
    assert "line 6, the last, is cut off" in report.headline()


def test_two_results_for_one_attempt_are_flagged_even_when_both_are_chained(
        tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    audit = AuditLog(path)
    attempt_id = audit.begin(wipe_record())
    audit.complete(attempt_id, outcome="failed", http_status=503)
    audit.complete(attempt_id, outcome="succeeded", http_status=204)

    (entry,) = AuditLog(path).read_newest_first()

    assert AuditLog(path).verify().intact
    assert (entry.outcome, entry.http_status) == ("failed", 503)  # the first, not the last
    assert entry.problems == (
        "2 results recorded for this attempt (lines 2, 3); an attempt has one",)


def test_lines_sealed_with_a_key_this_session_lacks_are_unverified_not_broken(
        tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    three_attempts(path, key_provider=keyed)

    report = AuditLog(path).verify()  # a session without the keyring (over SSH, say)
    entries = AuditLog(path).read_newest_first()

    assert report.intact and report.unverified == (1, 2, 3, 4, 5, 6)
    assert "6 line(s) sealed with a key this session cannot use" in report.warnings()[1]
    assert all(entry.unverified and not entry.problems for entry in entries)
    assert not any(entry.unverified for entry in AuditLog(path, key_provider=keyed)
                   .read_newest_first())
