"""`intune-tui offboard --from FILE [--steps ...] [--dry-run] [--yes-i-typed N] [--resume]`.

Reads serials / names / ids (one a line, or a CSV with a serial, name or id column), looks them up
in Intune, Entra ID and Autopilot, prints the plan, and, only after the number of devices has been
typed (on a terminal, or `--yes-i-typed N` in a script), runs it with a journal so that a stopped
run continues with `--resume`. Unmatched and ambiguous inputs are listed and left out of the plan.

Exit status: 0 every step done (or, with --dry-run, every input matched one device); 1 Graph or
sign-in failure; 2 bad command line, file or steps; 3 not confirmed, nothing sent; 4 the plan ran
(or was printed) but some inputs matched no device or several; 5 some steps failed or could not be
confirmed.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from intune_tui.intune.lifecycle import DeviceLookup, LookupInput, parse_inputs
from intune_tui.text import clean

if TYPE_CHECKING:
    from intune_tui.config import Settings
    from intune_tui.graph.client import GraphClient
    from intune_tui.intune.lifecycle import LookupReport
    from intune_tui.intune.offboarding import Journal, OffboardReport
    from intune_tui.session import Session

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_CONFIRMED, EXIT_INPUTS, EXIT_STEPS = 0, 1, 2, 3, 4, 5
MAX_INPUT_BYTES = 10 * 1024 * 1024


class _Refused(Exception):
    """One sentence; exit status in `code`."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def offboard_command(
    settings: Settings,
    source: str | None,
    steps: str | None,
    *,
    dry_run: bool,
    typed: int | None,
    resume: bool,
    stale_days: int | None = None,
    operating_system: str | None = None,
    session: Session | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    from intune_tui.auth.errors import AuthError
    from intune_tui.graph.errors import GraphError
    from intune_tui.session import SessionError, open_session

    try:
        session = session or open_session(settings)
        choice = _Choice(source, steps, dry_run, typed, resume, stale_days, operating_system)
        return asyncio.run(_with_service(settings, session, choice, stdin, out))
    except _Refused as refused:
        print(f"intune-tui: {refused}", file=err)
        return refused.code
    except GraphError as error:
        support = error.support_line()
        print(f"intune-tui: {clean(str(error))}" + (f" ({support})" if support else ""),
              file=err)
        return EXIT_FAILED
    except AuthError as error:
        print(f"intune-tui: {error.explain()}", file=err)
        return EXIT_FAILED
    except SessionError as error:
        print(f"intune-tui: {error}", file=err)
        return EXIT_FAILED


@dataclass(frozen=True)
class _Choice:
    source: str | None
    steps: str | None
    dry_run: bool
    typed: int | None
    resume: bool
    stale_days: int | None
    operating_system: str | None


async def _with_service(settings: Settings, session: Session, choice: _Choice, stdin: TextIO,
                        out: TextIO) -> int:
    service = await session.make_service(lambda state: None)
    try:
        return await _offboard(settings, service.client, session, choice, stdin, out)
    finally:
        await session.close_service(service)


async def _offboard(settings: Settings, client: GraphClient, session: Session, choice: _Choice,
                    stdin: TextIO, out: TextIO) -> int:
    from intune_tui.audit import AuditLog
    from intune_tui.intune.offboarding import (
        DEFAULT_STEPS,
        JOURNAL_DIR,
        Journal,
        OffboardRunner,
        PlanError,
        build_plan,
        describe_plan,
        parse_steps,
        unfinished_journals,
    )

    source, steps_text, dry_run, typed = choice.source, choice.steps, choice.dry_run, choice.typed
    journal_dir = settings.data_dir / JOURNAL_DIR
    if choice.operating_system and not choice.stale_days:
        raise _Refused("--os goes with --stale-days", EXIT_USAGE)
    if choice.stale_days and (source or choice.resume):
        raise _Refused("--stale-days replaces --from and --resume; give one of them",
                       EXIT_USAGE)
    if choice.resume:
        if source or steps_text:
            raise _Refused("--resume continues a stopped run; give no --from or --steps",
                           EXIT_USAGE)
        pending = unfinished_journals(journal_dir)
        if not pending:
            raise _Refused(f"no stopped offboarding run in {journal_dir}", EXIT_USAGE)
        journal: Journal | None = Journal.load(pending[-1])
        assert journal is not None
        if journal.plan.tenant != session.tenant_label:
            raise _Refused(f"the stopped run {journal.path.name} was for {journal.plan.tenant}, "
                           f"not {session.tenant_label}; use that profile to resume it",
                           EXIT_USAGE)
        plan, report = journal.plan, None
        print(f"Resuming {journal.path}", file=out)
    else:
        if not source and not choice.stale_days:
            raise _Refused("--from FILE (or --stale-days DAYS, or --resume) is required",
                           EXIT_USAGE)
        try:
            step_list = parse_steps(steps_text) if steps_text else DEFAULT_STEPS
        except PlanError as error:
            raise _Refused(f"--steps: {error}", EXIT_USAGE) from None
        if choice.stale_days:
            inputs = await _stale(client, session, settings, choice, out)
            report = await DeviceLookup(client, on_progress=_progress_line()).lookup(inputs)
        else:
            assert source  # checked above: no --stale-days means --from was given
            report = await _look_up(client, _read_source(source, stdin))
        chosen = [result.devices[0] for result in report.matched()]
        plan = build_plan(chosen, step_list, tenant=session.tenant_label,
                          operator=session.account, now=session.clock())
        journal = None
        _print_inputs(report, out)
    for line in describe_plan(plan):
        print(line, file=out)
    incomplete = report is not None and len(report.matched()) != len(report.results)
    if dry_run:
        print("Dry run: nothing was sent.", file=out)
        return EXIT_INPUTS if incomplete else EXIT_OK
    if not plan.devices:
        print("Nothing to offboard.", file=out)
        return EXIT_INPUTS if incomplete else EXIT_OK
    _confirm(len(plan.devices), typed, stdin, out)
    if journal is None:
        try:
            journal = Journal.create(journal_dir, plan)
        except OSError as error:
            raise _Refused(f"cannot write the journal, nothing was sent: {error}",
                           EXIT_FAILED) from None
    print(f"Journal: {journal.path} (resume a stopped run with `intune-tui offboard --resume`)",
          file=out)
    result = await OffboardRunner(client, journal, AuditLog(settings.audit_path)).run()
    _write_report(journal, result, out)
    _print_report(result, out)
    if not result.complete:
        return EXIT_STEPS
    return EXIT_INPUTS if incomplete else EXIT_OK


async def _stale(client: GraphClient, session: Session, settings: Settings, choice: _Choice,
                 out: TextIO) -> list[LookupInput]:
    from intune_tui.intune.lifecycle import stale_devices, stale_inputs

    assert choice.stale_days is not None
    stale = await stale_devices(client, choice.stale_days, now=session.clock(),
                                operating_system=choice.operating_system)
    where = f" ({choice.operating_system})" if choice.operating_system else ""
    print(f"{len(stale)} device(s){where} not synced for {choice.stale_days} days.", file=out)
    for item in stale:
        if item.exclusion is not None:
            print(f"  left out: {clean(item.device.name or '')} serial "
                  f"{clean(item.device.serial_number or '-')}: {item.exclusion}", file=out)
    inputs = stale_inputs(stale)
    cap = settings.bulk_destructive_cap
    if len(inputs) > cap:
        print(f"  {len(inputs) - cap} more left for a later run: at most {cap} "
              "(bulk_destructive_cap) in one plan, oldest first.", file=out)
        inputs = inputs[:cap]
    return inputs


def _read_source(source: str, stdin: TextIO) -> str:
    if source == "-":
        return stdin.read(MAX_INPUT_BYTES)
    path = Path(source).expanduser()
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise _Refused(f"{path} is larger than 10 MB; split it", EXIT_USAGE)
        return path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as error:
        raise _Refused(f"cannot read {path}: {error.strerror or error}", EXIT_USAGE) from None


async def _look_up(client: GraphClient, text: str) -> LookupReport:
    inputs = parse_inputs(text)
    if not inputs:
        raise _Refused("the file names no serial, device name or id", EXIT_USAGE)
    return await DeviceLookup(client, on_progress=_progress_line()).lookup(inputs)


def _progress_line() -> Callable[[int, int], None] | None:
    """On a terminal, one stderr line counting the answered requests (none in scripts)."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\rLooking up: {done} of {total} Graph requests answered", end=end,
              file=sys.stderr, flush=True)

    return show


def _print_inputs(report: LookupReport, out: TextIO) -> None:
    for line in report.lines():
        print(line, file=out)


def _confirm(count: int, typed: int | None, stdin: TextIO, out: TextIO,
             noun: str = "device(s)") -> None:
    if typed is not None:
        if typed != count:
            raise _Refused(f"--yes-i-typed {typed} does not match the {count} {noun} in the "
                           "plan; nothing was sent", EXIT_NOT_CONFIRMED)
        return
    if not stdin.isatty():
        raise _Refused(f"not confirmed: run on a terminal to type the count, or pass "
                       f"--yes-i-typed {count}; nothing was sent", EXIT_NOT_CONFIRMED)
    print(f"Type {count} (the number of {noun}) to go ahead; anything else cancels: ",
          end="", file=out, flush=True)
    answer = stdin.readline().strip()
    if answer != str(count):
        raise _Refused("not confirmed; nothing was sent", EXIT_NOT_CONFIRMED)


def _write_report(journal: Journal, report: OffboardReport, out: TextIO) -> None:
    from intune_tui.export import write_export
    from intune_tui.intune.offboarding import REPORT_COLUMNS, report_records

    path = journal.path.with_name(journal.path.stem + "-report.csv")
    try:
        write_export(path, "csv", REPORT_COLUMNS, report_records(report))
    except OSError as error:
        print(f"The report could not be written to {path}: {error.strerror or error}", file=out)
        return
    print(f"Report: {path}", file=out)


def _print_report(report: OffboardReport, out: TextIO) -> None:
    for line in report.lines():
        print(line, file=out)


def autopilot_command(settings: Settings, source: str, *, group_tag: str | None,
                      user: str | None, name: str | None, dry_run: bool, typed: int | None,
                      session: Session | None = None, stdin: TextIO | None = None,
                      out: TextIO | None = None, err: TextIO | None = None) -> int:
    """`intune-tui autopilot-update --from FILE --group-tag TAG ...`: preview, typed count, once.

    Exit status as for offboard (0, 1, 2, 3, 4 some inputs unmatched, 5 some changes failed)."""
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    from intune_tui.auth.errors import AuthError
    from intune_tui.graph.errors import GraphError
    from intune_tui.session import SessionError, open_session

    try:
        session = session or open_session(settings)
        return asyncio.run(_autopilot(settings, session, source, {
            "group_tag": group_tag, "user_principal_name": user, "display_name": name},
            dry_run, typed, stdin, out))
    except _Refused as refused:
        print(f"intune-tui: {refused}", file=err)
        return refused.code
    except GraphError as error:
        print(f"intune-tui: {clean(str(error))}", file=err)
        return EXIT_FAILED
    except (AuthError, SessionError) as error:
        print(f"intune-tui: {error}", file=err)
        return EXIT_FAILED


async def _autopilot(settings: Settings, session: Session, source: str,
                     values: dict[str, str | None], dry_run: bool, typed: int | None,
                     stdin: TextIO, out: TextIO) -> int:
    from intune_tui.audit import AuditLog
    from intune_tui.intune.autopilot import apply_changes, plan_changes

    if all(value is None for value in values.values()):
        raise _Refused("say what to change: --group-tag, --user or --name", EXIT_USAGE)
    text = _read_source(source, stdin)
    service = await session.make_service(lambda state: None)
    try:
        report = await _look_up(service.client, text)
        _print_inputs(report, out)
        identities = [identity for result in report.matched()
                      for identity in result.devices[0].autopilot]
        changes = plan_changes(identities, **values)
        incomplete = len(report.matched()) != len(report.results)
        print(f"Autopilot changes for {len(changes)} identity(ies):", file=out)
        for change in changes:
            print(f"  {change.preview()}", file=out)
        if dry_run or not changes:
            print("Dry run: nothing was sent." if dry_run else "Nothing to change.", file=out)
            return EXIT_INPUTS if incomplete else EXIT_OK
        _confirm(len(changes), typed, stdin, out, noun="Autopilot identity(ies)")
        outcomes = await apply_changes(service.client, changes, AuditLog(settings.audit_path),
                                       tenant=session.tenant_label, operator=session.account)
    finally:
        await session.close_service(service)
    for outcome in outcomes:
        detail = f" ({outcome.error})" if outcome.error else ""
        print(f"  serial {clean(outcome.change.identity.serial_number or '-')}: "
              f"{outcome.state}{detail}", file=out)
    if any(outcome.state != "done" for outcome in outcomes):
        return EXIT_STEPS
    return EXIT_INPUTS if incomplete else EXIT_OK
