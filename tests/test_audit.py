from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intune_tui.audit import (
    OUTCOME_IN_PROGRESS,
    OUTCOME_NO_ANSWER,
    AuditLog,
    AuditRecord,
    AuditWriteError,
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

    with pytest.raises(AuditWriteError, match="the action was not sent"):
        audit.begin(wipe_record())


def test_reading_a_missing_file_is_an_empty_list(tmp_path: Path) -> None:
    assert AuditLog(tmp_path / "none.jsonl").read_newest_first() == []
