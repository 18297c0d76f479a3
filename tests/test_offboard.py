"""`intune-tui offboard` headless: the plan, typed confirmation, exit codes, the same audit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from intune_tui.audit import AuditLog
from intune_tui.cli import main
from intune_tui.config import Settings
from intune_tui.demo import lifecycle
from intune_tui.demo.tenant import build_tenant
from intune_tui.intune.offboarding import Journal
from intune_tui.offboard import (
    EXIT_INPUTS,
    EXIT_NOT_CONFIRMED,
    EXIT_OK,
    EXIT_USAGE,
    offboard_command,
)
from intune_tui.session import Session, demo_session

DEVICES = 300


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(scope="module")
def serials() -> list[str]:
    directories = lifecycle.LifecycleDirectories.build(build_tenant(devices=DEVICES))
    return [item["serialNumber"] for item in directories.autopilot
            if item["enrollmentState"] == "enrolled"][:3]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(demo=True, demo_devices=DEVICES, data_dir=tmp_path / "data")


def run(settings: Settings, session: Session, source: Path, *, dry_run: bool = False,
        typed: int | None = None, stdin: io.StringIO | None = None,
        steps: str | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = offboard_command(settings, str(source), steps, dry_run=dry_run, typed=typed,
                              resume=False, session=session, stdin=stdin or io.StringIO(),
                              out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def writes(session: Session) -> list[tuple[str, str]]:
    assert session.fake is not None
    return [(r.method, r.path) for r in session.fake.requests
            if r.method != "GET" and r.path != "/v1.0/$batch"]


def source_file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "returned.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_dry_run_prints_the_plan_lists_unmatched_inputs_and_sends_nothing(
        settings: Settings, tmp_path: Path, serials: list[str]) -> None:
    session = demo_session(settings)
    status, out, err = run(settings, session, source_file(tmp_path, [*serials, "NO-SUCH-ONE"]),
                           dry_run=True)
    assert status == EXIT_INPUTS and err == ""
    assert "3 matched one device, 1 matched none" in out
    assert "not found: serial NO-SUCH-ONE (line 4)" in out
    assert "3 device(s), 12 step(s)" in out
    assert out.index("retire (remove company data)") < out.index("delete the Intune record") \
        < out.index("delete the Autopilot identity") < out.index("disable the Entra ID device")
    assert out.rstrip().endswith("Dry run: nothing was sent.")
    assert writes(session) == []
    assert session.fake is not None and all(
        r.method == "GET" for r in session.fake.requests if r.in_batch)
    assert not (settings.data_dir / "offboarding").exists()


def test_without_a_terminal_or_the_typed_count_nothing_is_sent(
        settings: Settings, tmp_path: Path, serials: list[str]) -> None:
    session = demo_session(settings)
    status, _, err = run(settings, session, source_file(tmp_path, serials))
    assert status == EXIT_NOT_CONFIRMED
    assert "pass --yes-i-typed 3; nothing was sent" in err
    assert writes(session) == []
    wrong = demo_session(settings)
    status, _, err = run(settings, wrong, source_file(tmp_path, serials), typed=2)
    assert status == EXIT_NOT_CONFIRMED and "does not match the 3 device(s)" in err
    assert writes(wrong) == []


def test_a_terminal_user_types_the_count_and_the_plan_runs_audited(
        settings: Settings, tmp_path: Path, serials: list[str]) -> None:
    session = demo_session(settings)
    status, out, _ = run(settings, session, source_file(tmp_path, serials),
                         stdin=Terminal("3\n"), steps="delete-intune,delete-autopilot")
    assert status == EXIT_OK
    assert "Type 3 (the number of device(s)) to go ahead" in out
    assert "6 done, 0 failed, 0 unknown" in out
    sent = writes(session)
    assert len(sent) == 6 and len(set(sent)) == 6 and {m for m, _ in sent} == {"DELETE"}
    entries = AuditLog(settings.audit_path).read_newest_first()
    assert len(entries) == 6 and {e.outcome for e in entries} == {"succeeded"}
    [report] = (settings.data_dir / "offboarding").glob("*-report.csv")
    assert f"Report: {report}" in out
    rows = report.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "Device,Serial,Step,Record id,Outcome,HTTP,Request id,Error"
    assert len(rows) == 7 and all(",done,204," in row for row in rows[1:])
    assert oct(report.stat().st_mode & 0o777) == "0o600"
    assert {e.serial for e in entries} == set(serials)


def test_a_wrong_typed_answer_cancels(settings: Settings, tmp_path: Path,
                                      serials: list[str]) -> None:
    session = demo_session(settings)
    status, _, err = run(settings, session, source_file(tmp_path, serials),
                         stdin=Terminal("yes\n"))
    assert status == EXIT_NOT_CONFIRMED and "not confirmed" in err
    assert writes(session) == []


def test_bad_steps_and_unreadable_files_are_usage_errors(
        settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--demo", "offboard", "--from", str(tmp_path / "missing.txt"),
                 "--dry-run"]) == EXIT_USAGE
    assert "cannot read" in capsys.readouterr().err
    path = source_file(tmp_path, ["SN1"])
    assert main(["--demo", "offboard", "--from", str(path), "--steps", "retire,wipe"]) == \
        EXIT_USAGE
    assert "--steps: choose retire or wipe, not both" in capsys.readouterr().err
    assert main(["--demo", "offboard", "--dry-run"]) == EXIT_USAGE
    assert "--from FILE (or --stale-days DAYS, or --resume) is required" in capsys.readouterr().err
    assert main(["--demo", "offboard", "--from", str(path), "--yes-i-typed", "0"]) == 2
    assert main(["--demo", "offboard", "--resume"]) == EXIT_USAGE
    assert "no stopped offboarding run" in capsys.readouterr().err


def test_stale_days_plans_the_oldest_devices_under_the_bulk_cap(tmp_path: Path) -> None:
    import dataclasses

    settings = dataclasses.replace(
        Settings(demo=True, demo_devices=1000, data_dir=tmp_path / "data"),
        bulk_destructive_cap=5)
    session = demo_session(settings)
    out, err = io.StringIO(), io.StringIO()
    status = offboard_command(settings, None, "delete-intune", dry_run=True, typed=None,
                              resume=False, stale_days=90, session=session, out=out, err=err)
    text = out.getvalue()
    assert status == EXIT_OK, err.getvalue()
    assert "not synced for 90 days." in text
    assert "(bulk_destructive_cap) in one plan, oldest first." in text
    assert "5 device(s), 5 step(s)" in text
    assert session.fake is not None
    [stale_query] = [r for r in session.fake.requests
                     if "lastSyncDateTime lt" in r.params.get("$filter", "")]
    assert stale_query.method == "GET"
    assert writes(session) == []



def test_resume_continues_a_stopped_run_without_repeating_finished_steps(
        settings: Settings, tmp_path: Path, serials: list[str]) -> None:
    first = demo_session(settings)
    status, _, _ = run(settings, first, source_file(tmp_path, serials[:2]), typed=2,
                       steps="delete-intune,delete-autopilot")
    assert status == EXIT_OK and len(writes(first)) == 4
    # The process died right after journaling "sending" for the last step: its answer line
    # never reached the disk.
    [journal] = (settings.data_dir / "offboarding").glob("*.jsonl")
    lines = journal.read_text(encoding="utf-8").splitlines(keepends=True)
    assert '"state": "done"' in lines[-1]
    journal.write_text("".join(lines[:-1]), encoding="utf-8")
    states = Journal.load(journal).states
    [stuck] = [key for key, state in states.items() if state.state == "sending"]

    second = demo_session(settings)  # a fresh demo tenant, where that record still exists
    out, err = io.StringIO(), io.StringIO()
    status = offboard_command(settings, None, None, dry_run=False, typed=2, resume=True,
                              session=second, stdin=io.StringIO(), out=out, err=err)
    assert status == EXIT_OK, err.getvalue()
    assert f"Resuming {journal}" in out.getvalue()
    # The re-read found the record, so only that step went out again; the three steps that
    # finished are not repeated.
    [(method, path)] = writes(second)
    assert method == "DELETE" and path.endswith(stuck.rsplit(":", 1)[1])
    assert (method, path) in writes(first)
    status = offboard_command(settings, None, None, dry_run=False, typed=2, resume=True,
                              session=demo_session(settings), stdin=io.StringIO(),
                              out=io.StringIO(), err=err)
    assert status == EXIT_USAGE and "no stopped offboarding run" in err.getvalue()
